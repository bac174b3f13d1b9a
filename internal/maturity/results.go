package maturity

import (
	"context"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Report is everything the results page, the printable report, the exports and the API say
// about one assessment: scores and levels per dimension (in the pack's order, nested by
// depth) and overall, for the agreed current and target answers; the gap between them; the
// spread between respondents; the change since the previous closed assessment against the
// same framework; and the agreed answer to every item.
type Report struct {
	Assessment Assessment
	Pack       *Pack
	Overall    DimensionResult // ID "" and Title "Overall"
	Dimensions []DimensionResult
	Items      []ItemResult
	// Respondents counts the people invited to answer; Answering those who answered at least
	// one item.
	Respondents int
	Answering   int
	// Previous is the assessment compared against (HasPrevious false: the first one).
	Previous    Assessment
	HasPrevious bool
	// Names is true when the viewer may see who answered what (the facilitator): the
	// items' Who lists are filled only then.
	Names bool
}

// DimensionResult is one dimension's (or the overall) scores.
type DimensionResult struct {
	ID     string
	Title  string
	Parent string // the enclosing dimension's ID ("" at the top)
	Depth  int
	// Description and Weight as the pack gives them.
	Description string
	Weight      float64
	Current     Score
	Target      Score
	Spread      Spread
	Change      Change
}

// Gap is the target score minus the current score, when both are scored.
func (d DimensionResult) Gap() (float64, bool) {
	if !d.Current.OK || !d.Target.OK {
		return 0, false
	}
	return d.Target.Value - d.Current.Value, true
}

// GapText writes the gap ("" when there is none to speak of).
func (d DimensionResult) GapText() string {
	g, ok := d.Gap()
	if !ok {
		return "—"
	}
	return formatScore(g)
}

// Spread is how far apart the respondents' own scores are: the lowest and highest of the N
// respondents whose answers scored, never who gave which.
type Spread struct {
	N        int
	Min, Max float64
}

// Range is Max − Min; 0 with fewer than two respondents.
func (s Spread) Range() float64 {
	if s.N < 2 {
		return 0
	}
	return s.Max - s.Min
}

// Wide marks a spread of half the scale or more: respondents see the item very differently.
func (s Spread) Wide() bool { return s.N >= 2 && s.Range() >= 50 }

// RangeText writes the range, or "—" with fewer than two respondents.
func (s Spread) RangeText() string {
	if s.N < 2 {
		return "—"
	}
	return formatScore(s.Range())
}

// MinText and MaxText write the extremes ("—" when no respondent's answers scored).
func (s Spread) MinText() string {
	if s.N == 0 {
		return "—"
	}
	return formatScore(s.Min)
}

func (s Spread) MaxText() string {
	if s.N == 0 {
		return "—"
	}
	return formatScore(s.Max)
}

// Change compares a score with the previous assessment's.
type Change struct {
	Previous Score
	// OK is true when both assessments scored this dimension.
	OK    bool
	Delta float64
}

// Words says the change in words: "up 8", "down 2.5", "no change", "not comparable".
func (c Change) Words() string {
	switch {
	case !c.OK:
		return "not comparable"
	case math.Abs(c.Delta) < 0.05:
		return "no change"
	case c.Delta > 0:
		return "up " + formatScore(c.Delta)
	}
	return "down " + formatScore(-c.Delta)
}

// Direction is "up", "down" or "same" (for styling beside the words).
func (c Change) Direction() string {
	switch {
	case !c.OK || math.Abs(c.Delta) < 0.05:
		return "same"
	case c.Delta > 0:
		return "up"
	}
	return "down"
}

// ItemResult is the agreed answer to one item with its scores and the respondents' spread.
type ItemResult struct {
	ID        string
	Statement string
	Guidance  string
	Dimension string // the ID of the dimension it sits in
	Path      []string
	Weight    float64
	// The agreed answer: choices (an option's key, "na", "" …) and their labels.
	Current, Target           string
	CurrentLabel, TargetLabel string
	CurrentScore, TargetScore float64
	CurrentOK, TargetOK       bool
	NeedsImprovement          bool
	Reason                    string
	Agreed                    bool
	Spread                    ItemSpread
}

// Gap is the item's target score minus its current score, when both score.
func (it ItemResult) Gap() (float64, bool) {
	if !it.CurrentOK || !it.TargetOK {
		return 0, false
	}
	return it.TargetScore - it.CurrentScore, true
}

// GapText writes the gap or "—".
func (it ItemResult) GapText() string {
	if g, ok := it.Gap(); ok {
		return formatScore(g)
	}
	return "—"
}

// ItemSpread summarises the respondents' current levels for one item: how many chose each
// option (and not applicable, don't know), the lowest and highest score; Who (for the
// facilitator only) says who chose what.
type ItemSpread struct {
	Spread
	Counts     []ChoiceCount
	Unanswered int
	Who        []WhoSaid
}

// ChoiceCount is how many respondents chose one answer.
type ChoiceCount struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// WhoSaid is one respondent's current level for an item.
type WhoSaid struct {
	Name   string
	Choice string
}

// CountsText writes the counts: "2 × Defined, 1 × Managed".
func (s ItemSpread) CountsText() string {
	var parts []string
	for _, c := range s.Counts {
		parts = append(parts, strconv.Itoa(c.N)+" × "+c.Label)
	}
	if s.Unanswered > 0 {
		parts = append(parts, strconv.Itoa(s.Unanswered)+" not answered")
	}
	if len(parts) == 0 {
		return "no answers"
	}
	return strings.Join(parts, ", ")
}

// formatScore writes a score with at most one decimal.
func formatScore(v float64) string {
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Text writes a score ("62.5") or "not scored".
func (s Score) Text() string {
	if !s.OK {
		return "not scored"
	}
	return formatScore(s.Value)
}

// LevelText is the level's label or "not scored".
func (s Score) LevelText() string {
	if !s.OK {
		return "not scored"
	}
	return s.Level
}

// CountsText says what counted: "4 items scored, 1 not applicable or don't know".
func (s Score) CountsText() string {
	t := strconv.Itoa(s.Answered) + " items scored"
	if s.Answered == 1 {
		t = "1 item scored"
	}
	if s.Excluded > 0 {
		t += ", " + strconv.Itoa(s.Excluded) + " not applicable or don't know"
	}
	return t
}

// choiceLabel is what a choice reads as.
func choiceLabel(set AnswerSet, choice string) string {
	switch choice {
	case "":
		return "not answered"
	case NotApplicable:
		return "Not applicable"
	case DontKnow:
		return "Don't know"
	}
	for _, o := range set.Options {
		if o.Key() == choice {
			return o.Label
		}
	}
	return choice
}

// LevelDescription is the pack's description of the level with this label.
func (p *Pack) LevelDescription(label string) string {
	for _, l := range p.Levels {
		if l.Label == label {
			return l.Description
		}
	}
	return ""
}

// BuildReport computes a report from the pack, the agreed answers and the respondents'
// answers (user ID → item → answer; names by user ID, used only when names is true), and,
// when there is a previous assessment, its pack and agreed answers. It is pure: the service
// loads, this computes.
func BuildReport(a Assessment, p *Pack, agreed map[string]Answer, respondents map[int64]map[string]Answer, names map[int64]string,
	showNames bool, prevPack *Pack, prevAgreed map[string]Answer) Report {
	rep := Report{Assessment: a, Pack: p, Names: showNames, Respondents: len(names)}
	res := Compute(p, agreed)

	// Each respondent's own scores, for the spread.
	ids := slices.Sorted(maps.Keys(respondents))
	if rep.Respondents < len(ids) {
		rep.Respondents = len(ids)
	}
	own := make([]Results, 0, len(ids))
	for _, id := range ids {
		answered := false
		for _, ans := range respondents[id] {
			if ans.Current != "" {
				answered = true
				break
			}
		}
		if answered {
			rep.Answering++
		}
		own = append(own, Compute(p, respondents[id]))
	}
	spreadOf := func(pick func(Results) Score) Spread {
		var s Spread
		for _, r := range own {
			sc := pick(r)
			if !sc.OK {
				continue
			}
			if s.N == 0 || sc.Value < s.Min {
				s.Min = sc.Value
			}
			if s.N == 0 || sc.Value > s.Max {
				s.Max = sc.Value
			}
			s.N++
		}
		return s
	}

	var prev Results
	if prevPack != nil {
		rep.HasPrevious = true
		prev = Compute(prevPack, prevAgreed)
	}
	change := func(now Score, before Score, had bool) Change {
		c := Change{Previous: before}
		if had && now.OK && before.OK {
			c.OK, c.Delta = true, now.Value-before.Value
		}
		return c
	}

	rep.Overall = DimensionResult{Title: "Overall", Current: res.Overall, Target: res.OverallTarget,
		Spread: spreadOf(func(r Results) Score { return r.Overall })}
	if rep.HasPrevious {
		rep.Overall.Change = change(res.Overall, prev.Overall, true)
	}
	var walk func(ds []Dimension, parent string, depth int)
	walk = func(ds []Dimension, parent string, depth int) {
		for _, d := range ds {
			dr := DimensionResult{ID: d.ID, Title: d.Title, Parent: parent, Depth: depth, Description: d.Description, Weight: weight(d.Weight),
				Current: res.Dimensions[d.ID], Target: res.Targets[d.ID],
				Spread: spreadOf(func(r Results) Score { return r.Dimensions[d.ID] })}
			if rep.HasPrevious {
				before, had := prev.Dimensions[d.ID]
				dr.Change = change(dr.Current, before, had)
			}
			rep.Dimensions = append(rep.Dimensions, dr)
			walk(d.Dimensions, d.ID, depth+1)
		}
	}
	walk(p.Dimensions, "", 0)

	for _, pi := range p.Items() {
		set, _ := p.AnswerSetOf(pi.Item)
		ag, ok := agreed[pi.ID]
		ir := ItemResult{ID: pi.ID, Statement: pi.Statement, Guidance: pi.Guidance, Dimension: pi.Dimension, Path: pi.Path, Weight: weight(pi.Weight),
			Agreed: ok, Current: ag.Current, Target: ag.Target, NeedsImprovement: ag.NeedsImprovement, Reason: ag.Reason,
			CurrentLabel: choiceLabel(set, ag.Current), TargetLabel: choiceLabel(set, ag.Target)}
		ir.CurrentScore, ir.CurrentOK = ItemScore(set, ag.Current)
		ir.TargetScore, ir.TargetOK = ItemScore(set, ag.Target)
		// The respondents' answers, counted per choice in the answer set's order.
		counts := map[string]int{}
		for _, id := range ids {
			ans := respondents[id][pi.ID]
			if ans.Current == "" {
				ir.Spread.Unanswered++
				continue
			}
			counts[ans.Current]++
			if v, ok := ItemScore(set, ans.Current); ok {
				s := &ir.Spread.Spread
				if s.N == 0 || v < s.Min {
					s.Min = v
				}
				if s.N == 0 || v > s.Max {
					s.Max = v
				}
				s.N++
			}
			if showNames {
				name := names[id]
				if name == "" {
					name = "Respondent " + strconv.FormatInt(id, 10)
				}
				ir.Spread.Who = append(ir.Spread.Who, WhoSaid{Name: name, Choice: choiceLabel(set, ans.Current)})
			}
		}
		order := make([]string, 0, len(set.Options)+2)
		for _, o := range set.Options {
			order = append(order, o.Key())
		}
		for _, c := range append(order, NotApplicable, DontKnow) {
			if n := counts[c]; n > 0 {
				ir.Spread.Counts = append(ir.Spread.Counts, ChoiceCount{Label: choiceLabel(set, c), N: n})
				delete(counts, c)
			}
		}
		for _, c := range slices.Sorted(maps.Keys(counts)) { // choices not in the answer set
			ir.Spread.Counts = append(ir.Spread.Counts, ChoiceCount{Label: choiceLabel(set, c), N: counts[c]})
		}
		slices.SortFunc(ir.Spread.Who, func(x, y WhoSaid) int { return strings.Compare(x.Name, y.Name) })
		rep.Items = append(rep.Items, ir)
	}
	return rep
}

// Dimension finds a dimension's result by ID.
func (r Report) Dimension(id string) (DimensionResult, bool) {
	for _, d := range r.Dimensions {
		if d.ID == id {
			return d, true
		}
	}
	return DimensionResult{}, false
}

// Top lists the top-level dimensions.
func (r Report) Top() []DimensionResult {
	var out []DimensionResult
	for _, d := range r.Dimensions {
		if d.Depth == 0 {
			out = append(out, d)
		}
	}
	return out
}

// ItemsOf lists the items that sit directly in dimension id.
func (r Report) ItemsOf(id string) []ItemResult {
	var out []ItemResult
	for _, it := range r.Items {
		if it.Dimension == id {
			out = append(out, it)
		}
	}
	return out
}

// DimensionTitle is the title of dimension id (or id itself).
func (r Report) DimensionTitle(id string) string {
	if d, ok := r.Dimension(id); ok {
		return d.Title
	}
	return id
}

// Disagreements counts the items whose respondents chose different current levels.
func (r Report) Disagreements() int {
	n := 0
	for _, it := range r.Items {
		if len(it.Spread.Counts) > 1 {
			n++
		}
	}
	return n
}

// LevelDescription describes the overall level reached.
func (r Report) LevelDescription() string {
	if !r.Overall.Current.OK {
		return ""
	}
	return r.Pack.LevelDescription(r.Overall.Current.Level)
}

// errResultsNotYet refuses results to those who see an assessment but not its results before
// it closes.
var errResultsNotYet = &api.BadRequest{Status: http.StatusForbidden,
	Msg: "The results show once the facilitator closes the assessment: until then only the facilitator and the organisation's managers see them forming."}

// Results loads the report of assessment id for the principal: members of the organisation
// and respondents once it is closed; the facilitator and the organisation's managers at any
// time (results form as answers are agreed). Others are told it does not exist.
func (s *Service) Results(ctx context.Context, id int64) (Report, error) {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return Report{}, err
	}
	ok, err := s.MaySeeResults(ctx, a)
	if err != nil {
		return Report{}, err
	}
	if !ok {
		return Report{}, errResultsNotYet
	}
	return s.report(ctx, s.DB, a, CanFacilitate(authz.From(ctx), a))
}

// report loads what BuildReport needs for a (access already checked).
func (s *Service) report(ctx context.Context, q db.Q, a Assessment, showNames bool) (Report, error) {
	p, err := s.pack(ctx, a)
	if err != nil {
		return Report{}, err
	}
	agreed, err := s.Store.AgreedAnswers(ctx, q, a.ID)
	if err != nil {
		return Report{}, err
	}
	answers, err := s.Store.RespondentAnswers(ctx, q, a.ID)
	if err != nil {
		return Report{}, err
	}
	rs, err := s.Store.Respondents(ctx, q, a.ID)
	if err != nil {
		return Report{}, err
	}
	names := map[int64]string{}
	for _, r := range rs {
		names[r.UserID] = r.Name
		if answers[r.UserID] == nil {
			answers[r.UserID] = map[string]Answer{}
		}
	}
	prev, has, err := s.Previous(ctx, a)
	if err != nil {
		return Report{}, err
	}
	var prevPack *Pack
	var prevAgreed map[string]Answer
	if has {
		if prevPack, err = s.pack(ctx, prev); err != nil {
			return Report{}, err
		}
		if prevAgreed, err = s.Store.AgreedAnswers(ctx, q, prev.ID); err != nil {
			return Report{}, err
		}
	}
	rep := BuildReport(a, p, agreed, answers, names, showNames, prevPack, prevAgreed)
	rep.Respondents = len(rs)
	if has {
		rep.Previous = prev
	}
	return rep, nil
}
