package learning

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Place outcomes, in the terms of results-based accountability: a population result is a
// condition of well-being for the people of a place ("children in Logan are ready for
// school"); its indicators measure it, each a series of observations by period and place, some
// provisional. The baseline history of an indicator, carried forward by a straight-line trend
// with its prediction interval, is the forecast if nothing changes; the turn-the-curve page
// sets the actual figures and an optional target against it, with the story behind the curve,
// the partners, what works (learnings) and the action plan (commitments), linked through the
// directory's links.
//
// Program performance measures are indicators of another kind, tied to a program rather than
// a result, each answering one of the three questions: how much did we do, how well did we do
// it, is anyone better off.
//
// Results and indicators are public, like the places they describe. A result may name an
// owning organisation: its managers edit it; a result without one is shared place data that
// the managers of any organisation may edit, as they may edit places; site admins always may.
// A program's measures are edited by the managers of its lead and partner organisations.

// Kinds of record and of indicator.
const (
	ResultKind    = "outcome_result" // in the directory's links and in search
	IndicatorKind = "indicator"      // in search

	IndicatorPopulation  = "population"
	IndicatorPerformance = "performance"
)

// The three questions of program performance.
const (
	QuestionHowMuch   = "how_much"
	QuestionHowWell   = "how_well"
	QuestionBetterOff = "better_off"
)

// PerformanceQuestions are the three questions, in order.
var PerformanceQuestions = []web.Option{
	{Value: QuestionHowMuch, Label: "How much did we do?"},
	{Value: QuestionHowWell, Label: "How well did we do it?"},
	{Value: QuestionBetterOff, Label: "Is anyone better off?"},
}

// GoodDirections say which way an indicator should move.
var GoodDirections = []web.Option{
	{Value: "up", Label: "Higher is better"},
	{Value: "down", Label: "Lower is better"},
}

// Limits of place outcomes.
const (
	maxOutcomeTitle   = 200
	maxOutcomeStory   = 20_000
	maxOutcomePartner = 5000
	maxIndicatorText  = 4000
	maxIndicatorShort = 300
	maxObsNote        = 500
	maxObsValue       = 1e15
	maxIndicators     = 50 // per result or program
	maxOutcomeList    = 500
)

// Result is a population result for a place.
type Result struct {
	ID         int64       `json:"id"`
	PlaceID    int64       `json:"place_id"`
	PlaceName  string      `json:"place_name"`
	Title      string      `json:"title"`
	Story      string      `json:"story,omitempty"`
	Partners   string      `json:"partners,omitempty"`
	OrgID      int64       `json:"organisation_id,omitempty"`
	OrgName    string      `json:"organisation_name,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	Indicators []Indicator `json:"indicators"`

	placeArchived bool
}

// URL is the result's turn-the-curve page.
func (r Result) URL() string { return fmt.Sprintf("/places/%d/outcomes/%d", r.PlaceID, r.ID) }

// PartnerList splits the partners, one a line, for a list.
func (r Result) PartnerList() []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(r.Partners, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "-*•")); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Indicator measures a result (population) or a program's performance.
type Indicator struct {
	ID             int64     `json:"id"`
	Kind           string    `json:"kind"`
	ResultID       int64     `json:"result_id,omitempty"`
	ProgramID      int64     `json:"program_id,omitempty"`
	Question       string    `json:"question,omitempty"`
	Name           string    `json:"name"`
	Definition     string    `json:"definition,omitempty"`
	Unit           string    `json:"unit,omitempty"`
	GoodDirection  string    `json:"good_direction"`
	Source         string    `json:"source,omitempty"`
	GeographyLevel string    `json:"geography_level,omitempty"`
	TargetValue    *float64  `json:"target_value,omitempty"`
	TargetPeriod   string    `json:"target_period,omitempty"`
	PeriodFormat   string    `json:"period_format"`
	BaselineEnd    string    `json:"baseline_end,omitempty"`
	Illustrative   bool      `json:"illustrative"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`

	// From the result or program it belongs to.
	PlaceID     int64  `json:"place_id,omitempty"` // the result's place
	PlaceName   string `json:"-"`
	ResultTitle string `json:"-"`
	OrgID       int64  `json:"-"` // the result's organisation
	ProgramName string `json:"-"`
}

// URL is the indicator's page.
func (i Indicator) URL() string { return fmt.Sprintf("/indicators/%d", i.ID) }

// Back is the page the indicator belongs on: its result's turn-the-curve page or its
// program's performance page.
func (i Indicator) Back() string {
	if i.Kind == IndicatorPerformance {
		return fmt.Sprintf("/programs/%d/performance", i.ProgramID)
	}
	return fmt.Sprintf("/places/%d/outcomes/%d", i.PlaceID, i.ResultID)
}

// BackTitle names the page Back leads to.
func (i Indicator) BackTitle() string {
	if i.Kind == IndicatorPerformance {
		return i.ProgramName + ": performance"
	}
	return i.ResultTitle
}

// QuestionLabel is the performance question the measure answers.
func (i Indicator) QuestionLabel() string { return lrOptionLabel(PerformanceQuestions, i.Question) }

// DirectionLabel says which way is better.
func (i Indicator) DirectionLabel() string { return lrOptionLabel(GoodDirections, i.GoodDirection) }

// GeographyLabel names the geography level.
func (i Indicator) GeographyLabel() string {
	if i.GeographyLevel == "" {
		return ""
	}
	return directory.Label(directory.PlaceKinds, i.GeographyLevel)
}

// FormatLabel says how the periods are written.
func (i Indicator) FormatLabel() string { return lrOptionLabel(PeriodFormats, i.PeriodFormat) }

// Fmt writes a value of the indicator: one decimal at most, with a % sign for percentages.
func (i Indicator) Fmt(v float64) string { return fmtValue(v, i.Unit) }

// TargetText describes the target ("65% by 2030"), or "".
func (i Indicator) TargetText() string {
	if i.TargetValue == nil {
		return ""
	}
	t := i.Fmt(*i.TargetValue)
	if i.Unit != "" && i.Unit != "%" {
		t += " " + i.Unit
	}
	if i.TargetPeriod != "" {
		if p, err := ParseObsPeriod(i.TargetPeriod, i.PeriodFormat); err == nil {
			t += " by " + p.Label()
		}
	}
	return t
}

// fmtValue writes v with at most one decimal (more for small values), and a % sign when
// the unit is per cent.
func fmtValue(v float64, unit string) string {
	if math.IsNaN(v) {
		return ""
	}
	var s string
	switch a := math.Abs(v); {
	case a != 0 && a < 1:
		s = strconv.FormatFloat(v, 'g', 2, 64)
	default:
		r := math.Round(v*10) / 10
		if r == 0 {
			r = 0
		}
		s = strconv.FormatFloat(r, 'f', -1, 64)
	}
	if unit == "%" {
		s += "%"
	}
	return s
}

// Observation is one value of an indicator, for a period and a place.
type Observation struct {
	IndicatorID int64     `json:"-"`
	PlaceID     int64     `json:"place_id"`
	PlaceName   string    `json:"place_name"`
	PlaceCode   string    `json:"place_code,omitempty"`
	Period      string    `json:"period"`
	Value       float64   `json:"value"`
	Provisional bool      `json:"provisional"`
	Note        string    `json:"note,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`

	period ObsPeriod
}

// PeriodLabel is the period for people.
func (o Observation) PeriodLabel() string {
	if o.period.Format == "" {
		return o.Period
	}
	return o.period.Label()
}

// ---- input ----

// ResultInput is what a person submits to create or edit a result.
type ResultInput struct {
	PlaceID  int64  `json:"place_id"`
	Title    string `json:"title"`
	Story    string `json:"story"`
	Partners string `json:"partners"`
	OrgID    int64  `json:"organisation_id"`
}

func (in *ResultInput) normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.Story = strings.TrimSpace(in.Story)
	in.Partners = strings.TrimSpace(in.Partners)
}

func (in ResultInput) validate() error {
	var c valid.Checker
	c.Text("title", in.Title, "the result, e.g. “Children in Logan are ready for school”", maxOutcomeTitle)
	c.MaxLen("story", in.Story, maxOutcomeStory)
	c.MaxLen("partners", in.Partners, maxOutcomePartner)
	c.Check(in.PlaceID > 0, "place_id", "Choose the place the result is for.")
	c.Check(in.OrgID >= 0, "organisation_id", "Choose the organisation from the list.")
	return c.Err()
}

// IndicatorInput is what a person submits to create or edit an indicator or a performance
// measure. Question is for performance measures only.
type IndicatorInput struct {
	Name           string   `json:"name"`
	Definition     string   `json:"definition"`
	Unit           string   `json:"unit"`
	GoodDirection  string   `json:"good_direction"`
	Source         string   `json:"source"`
	GeographyLevel string   `json:"geography_level"`
	TargetValue    *float64 `json:"target_value"`
	TargetPeriod   string   `json:"target_period"`
	PeriodFormat   string   `json:"period_format"`
	BaselineEnd    string   `json:"baseline_end"`
	Illustrative   bool     `json:"illustrative"`
	Question       string   `json:"question,omitempty"`
}

func (in *IndicatorInput) normalize() {
	for _, s := range []*string{&in.Name, &in.Definition, &in.Unit, &in.GoodDirection, &in.Source, &in.GeographyLevel,
		&in.TargetPeriod, &in.PeriodFormat, &in.BaselineEnd, &in.Question} {
		*s = strings.TrimSpace(*s)
	}
	if in.GoodDirection == "" {
		in.GoodDirection = "up"
	}
	if in.PeriodFormat == "" {
		in.PeriodFormat = PeriodYear
	}
}

// validate checks the input for an indicator of kind; periods are rewritten in their stored
// form (2021/22 becomes 2021-22).
func (in *IndicatorInput) validate(kind string) error {
	var c valid.Checker
	c.Text("name", in.Name, "the indicator's name", maxIndicatorShort)
	c.MaxLen("definition", in.Definition, maxIndicatorText)
	c.MaxLen("unit", in.Unit, 40)
	c.OneOf("good_direction", in.GoodDirection, lrOptionValues(GoodDirections), "which way is better")
	c.MaxLen("source", in.Source, maxIndicatorShort)
	if in.GeographyLevel != "" {
		c.OneOf("geography_level", in.GeographyLevel, lrOptionValues(directory.PlaceKinds), "a geography level")
	}
	c.OneOf("period_format", in.PeriodFormat, lrOptionValues(PeriodFormats), "how periods are written")
	if in.TargetValue != nil {
		v := *in.TargetValue
		c.Check(!math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) <= maxObsValue, "target_value", "Enter the target as a number, e.g. 65.5.")
	}
	format := in.PeriodFormat
	if !validObsFormat(format) {
		format = ""
	}
	if in.TargetPeriod != "" {
		c.Check(in.TargetValue != nil, "target_value", "Give the target value for the target period, or leave both empty.")
		if format != "" {
			if p, err := ParseObsPeriod(in.TargetPeriod, format); err != nil {
				c.Add("target_period", err.Error())
			} else {
				in.TargetPeriod = p.String()
			}
		}
	}
	if in.BaselineEnd != "" && format != "" {
		if p, err := ParseObsPeriod(in.BaselineEnd, format); err != nil {
			c.Add("baseline_end", err.Error())
		} else {
			in.BaselineEnd = p.String()
		}
	}
	if kind == IndicatorPerformance {
		c.OneOf("question", in.Question, lrOptionValues(PerformanceQuestions), "the question the measure answers")
	} else {
		in.Question = ""
	}
	return c.Err()
}

// ---- permissions ----

// CanCreateResult reports whether the principal may add results: site admins and managers.
func CanCreateResult(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Manage) }

// CanEditResult reports whether the principal may edit the result, its indicators and their
// observations: the managers of its organisation, or of any organisation when it has none;
// site admins always.
func CanEditResult(p authz.Principal, r Result) bool { return canEditOutcomeOrg(p, r.OrgID) }

func canEditOutcomeOrg(p authz.Principal, org int64) bool {
	if p.SiteAdmin {
		return true
	}
	if org == 0 {
		return p.CanAny(authz.Manage)
	}
	return p.Can(authz.Manage, org)
}

// CanEditMeasures reports whether the principal may add and edit a program's performance
// measures: the managers of its lead or partner organisations, and site admins.
func CanEditMeasures(p authz.Principal, prog directory.Program) bool {
	if p.SiteAdmin || p.Can(authz.Manage, prog.LeadOrgID) {
		return true
	}
	return slices.ContainsFunc(prog.Partners, func(o directory.PartnerOrg) bool { return p.Can(authz.Manage, o.ID) })
}

// ---- store ----

const resultColumns = `r.id, r.place_id, pl.name, pl.archived_at IS NOT NULL, r.title, r.story, r.partners,
	COALESCE(r.organisation_id, 0), COALESCE(o.name, ''), r.created_at, r.updated_at`

const resultFrom = ` FROM outcome_results r JOIN places pl ON pl.id = r.place_id LEFT JOIN organisations o ON o.id = r.organisation_id`

func scanResult(row interface{ Scan(...any) error }) (Result, error) {
	var r Result
	err := row.Scan(&r.ID, &r.PlaceID, &r.PlaceName, &r.placeArchived, &r.Title, &r.Story, &r.Partners, &r.OrgID, &r.OrgName,
		&r.CreatedAt, &r.UpdatedAt)
	r.Indicators = []Indicator{}
	return r, db.MapError(err)
}

func loadResult(ctx context.Context, q db.Q, id int64) (Result, error) {
	return scanResult(q.QueryRow(ctx, "SELECT "+resultColumns+resultFrom+" WHERE r.id = ?", id))
}

// ResultFilter selects results: those of one place (PlaceID), after a cursor, at most Limit.
type ResultFilter struct {
	PlaceID int64
	After   int64
	Limit   int
}

func loadResults(ctx context.Context, q db.Q, f ResultFilter, withArchived bool) ([]Result, error) {
	var conds []string
	var args []any
	if f.PlaceID != 0 {
		conds, args = append(conds, "r.place_id = ?"), append(args, f.PlaceID)
	}
	if f.After != 0 {
		conds, args = append(conds, "r.id > ?"), append(args, f.After)
	}
	if !withArchived {
		conds = append(conds, "pl.archived_at IS NULL")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > maxOutcomeList+1 {
		limit = maxOutcomeList
	}
	order := " ORDER BY lower(pl.name), pl.id, lower(r.title), r.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY r.id"
	}
	var out []Result
	err := db.Each(ctx, q, "SELECT "+resultColumns+resultFrom+where+order+" LIMIT ?", append(args, limit), func(rows *sql.Rows) error {
		r, err := scanResult(rows)
		out = append(out, r)
		return err
	})
	return out, err
}

const indicatorColumns = `i.id, i.kind, COALESCE(i.result_id, 0), COALESCE(i.program_id, 0), i.question, i.name, i.definition,
	i.unit, i.good_direction, i.source, i.geography_level, i.target_value, i.target_period, i.period_format, i.baseline_end,
	i.illustrative, i.created_at, i.updated_at, COALESCE(r.place_id, 0), COALESCE(pl.name, ''), COALESCE(r.title, ''),
	COALESCE(r.organisation_id, 0), COALESCE(pg.name, '')`

const indicatorFrom = ` FROM indicators i LEFT JOIN outcome_results r ON r.id = i.result_id LEFT JOIN places pl ON pl.id = r.place_id
	LEFT JOIN programs pg ON pg.id = i.program_id`

func scanIndicator(row interface{ Scan(...any) error }) (Indicator, error) {
	var i Indicator
	var target sql.NullFloat64
	err := row.Scan(&i.ID, &i.Kind, &i.ResultID, &i.ProgramID, &i.Question, &i.Name, &i.Definition, &i.Unit, &i.GoodDirection,
		&i.Source, &i.GeographyLevel, &target, &i.TargetPeriod, &i.PeriodFormat, &i.BaselineEnd, &i.Illustrative,
		&i.CreatedAt, &i.UpdatedAt, &i.PlaceID, &i.PlaceName, &i.ResultTitle, &i.OrgID, &i.ProgramName)
	if target.Valid {
		v := target.Float64
		i.TargetValue = &v
	}
	return i, db.MapError(err)
}

func loadIndicator(ctx context.Context, q db.Q, id int64) (Indicator, error) {
	return scanIndicator(q.QueryRow(ctx, "SELECT "+indicatorColumns+indicatorFrom+" WHERE i.id = ?", id))
}

// loadIndicators lists the indicators matching cond (on alias i), in the order they were added.
func loadIndicators(ctx context.Context, q db.Q, cond string, args ...any) ([]Indicator, error) {
	out := []Indicator{}
	err := db.Each(ctx, q, "SELECT "+indicatorColumns+indicatorFrom+" WHERE "+cond+" ORDER BY i.id", args, func(rows *sql.Rows) error {
		i, err := scanIndicator(rows)
		out = append(out, i)
		return err
	})
	return out, err
}

func nullFloat(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func nullOutcomeID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// loadObservations lists the observations of the indicators, by indicator, place and period.
func loadObservations(ctx context.Context, q db.Q, indicatorIDs ...int64) ([]Observation, error) {
	out := []Observation{}
	err := db.InBatches(indicatorIDs, func(args []any, ph string) error {
		return db.Each(ctx, q, `SELECT ob.indicator_id, ob.place_id, pl.name, pl.code, ob.period, ob.value, ob.provisional, ob.note, ob.updated_at
			FROM indicator_observations ob JOIN places pl ON pl.id = ob.place_id
			WHERE ob.indicator_id IN (`+ph+`) ORDER BY ob.indicator_id, lower(pl.name), ob.place_id, ob.period`, args, func(rows *sql.Rows) error {
			var o Observation
			err := rows.Scan(&o.IndicatorID, &o.PlaceID, &o.PlaceName, &o.PlaceCode, &o.Period, &o.Value, &o.Provisional, &o.Note, &o.UpdatedAt)
			out = append(out, o)
			return err
		})
	})
	return out, err
}

func countObservations(ctx context.Context, q db.Q, indicatorID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM indicator_observations WHERE indicator_id = ?", indicatorID).Scan(&n)
	return n, err
}

// upsertObservation saves one observation, replacing the one for the same place and period.
func upsertObservation(ctx context.Context, q db.Q, indicatorID int64, o Observation) error {
	_, err := q.Exec(ctx, `INSERT INTO indicator_observations (indicator_id, place_id, period, value, provisional, note, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (indicator_id, place_id, period) DO UPDATE SET value = excluded.value, provisional = excluded.provisional,
			note = excluded.note, updated_at = excluded.updated_at`,
		indicatorID, o.PlaceID, o.Period, o.Value, o.Provisional, o.Note, db.Now())
	return db.MapError(err)
}

// ---- search ----

func resultDoc(r Result, names []string) search.Doc {
	body := []string{r.PlaceName, MarkdownText(r.Story), r.Partners, r.OrgName, strings.Join(names, " ")}
	return search.Doc{Kind: ResultKind, RecordID: r.ID, Title: r.Title + " (" + r.PlaceName + ")", Body: strings.Join(body, " "),
		URL: r.URL(), Public: !r.placeArchived, OrgID: r.OrgID, Places: []int64{r.PlaceID}}
}

func indicatorDoc(i Indicator) search.Doc {
	ctxt := i.ResultTitle + " " + i.PlaceName
	if i.Kind == IndicatorPerformance {
		ctxt = i.ProgramName + " " + i.QuestionLabel()
	}
	body := []string{ctxt, i.Definition, i.Source, i.Unit}
	if i.Illustrative {
		body = append(body, "Illustrative figures.")
	}
	d := search.Doc{Kind: IndicatorKind, RecordID: i.ID, Title: i.Name, Body: strings.Join(body, " "), URL: i.URL(), Public: true, OrgID: i.OrgID}
	if i.PlaceID != 0 {
		d.Places = []int64{i.PlaceID}
	}
	return d
}

// indexResult rewrites the search documents of a result and its indicators.
func indexResult(ctx context.Context, q db.Q, id int64) (Result, error) {
	r, err := loadResult(ctx, q, id)
	if err != nil {
		return r, err
	}
	inds, err := loadIndicators(ctx, q, "i.result_id = ?", id)
	if err != nil {
		return r, err
	}
	names := make([]string, len(inds))
	for k, i := range inds {
		names[k] = i.Name
		if err := search.Index(ctx, q, indicatorDoc(i)); err != nil {
			return r, err
		}
	}
	r.Indicators = inds
	return r, search.Index(ctx, q, resultDoc(r, names))
}

// ---- service: results ----

// Results lists results, by place; those at archived places only for site admins.
func (s *Service) Results(ctx context.Context, f ResultFilter) ([]Result, error) {
	return loadResults(ctx, s.DB, f, authz.From(ctx).SiteAdmin)
}

// ResultsWithIndicators lists the results of f with their indicators.
func (s *Service) ResultsWithIndicators(ctx context.Context, f ResultFilter) ([]Result, error) {
	rs, err := s.Results(ctx, f)
	if err != nil || len(rs) == 0 {
		return rs, err
	}
	ids := make([]int64, len(rs))
	at := map[int64]int{}
	for k, r := range rs {
		ids[k] = r.ID
		at[r.ID] = k
	}
	err = db.InBatches(ids, func(args []any, ph string) error {
		inds, err := loadIndicators(ctx, s.DB, "i.result_id IN ("+ph+")", args...)
		for _, i := range inds {
			rs[at[i.ResultID]].Indicators = append(rs[at[i.ResultID]].Indicators, i)
		}
		return err
	})
	return rs, err
}

// Result returns a result with its indicators: db.ErrNotFound when its place is archived
// (except for site admins).
func (s *Service) Result(ctx context.Context, id int64) (Result, error) {
	r, err := loadResult(ctx, s.DB, id)
	if err != nil {
		return r, err
	}
	if r.placeArchived && !authz.From(ctx).SiteAdmin {
		return Result{}, db.ErrNotFound
	}
	if r.Indicators, err = loadIndicators(ctx, s.DB, "i.result_id = ?", id); err != nil {
		return Result{}, err
	}
	return r, nil
}

// checkResultOrg checks the owning organisation: it exists, is live (unless unchanged), and
// the principal manages it.
func (s *Service) checkResultOrg(ctx context.Context, q db.Q, in ResultInput, old int64) error {
	if in.OrgID == 0 {
		return nil
	}
	var archived bool
	err := q.QueryRow(ctx, "SELECT archived_at IS NOT NULL FROM organisations WHERE id = ?", in.OrgID).Scan(&archived)
	if errors.Is(db.MapError(err), db.ErrNotFound) {
		return valid.Errors{"organisation_id": "Choose the organisation from the list."}
	} else if err != nil {
		return err
	}
	if archived && in.OrgID != old {
		return valid.Errors{"organisation_id": "That organisation is archived: choose another."}
	}
	if in.OrgID != old && !authz.From(ctx).Can(authz.Manage, in.OrgID) {
		return valid.Errors{"organisation_id": "Choose an organisation you manage, or none to share the result with every organisation."}
	}
	return nil
}

func (s *Service) checkResultPlace(ctx context.Context, q db.Q, placeID, old int64) error {
	var archived bool
	err := q.QueryRow(ctx, "SELECT archived_at IS NOT NULL FROM places WHERE id = ?", placeID).Scan(&archived)
	if errors.Is(db.MapError(err), db.ErrNotFound) || (err == nil && archived && placeID != old) {
		return valid.Errors{"place_id": "Choose a place from the list."}
	}
	return err
}

// CreateResult adds a population result for a place.
func (s *Service) CreateResult(ctx context.Context, in ResultInput) (Result, error) {
	p := authz.From(ctx)
	if !CanCreateResult(p) {
		return Result{}, audit.Deny(ctx, s.DB, "outcome_result.create", ResultKind, 0)
	}
	in.normalize()
	if err := in.validate(); err != nil {
		return Result{}, err
	}
	var r Result
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkResultPlace(ctx, tx, in.PlaceID, 0); err != nil {
			return err
		}
		if err := s.checkResultOrg(ctx, tx, in, 0); err != nil {
			return err
		}
		now := db.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO outcome_results (place_id, title, story, partners, organisation_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.PlaceID, in.Title, in.Story, in.Partners, nullOutcomeID(in.OrgID), now, now).Scan(&id); err != nil {
			return db.MapError(err)
		}
		var err error
		if r, err = indexResult(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "outcome_result.create", TargetKind: ResultKind, TargetID: id,
			Target: r.Title, Detail: "place " + r.PlaceName})
	})
	return r, err
}

// UpdateResult edits a result.
func (s *Service) UpdateResult(ctx context.Context, id int64, in ResultInput) (Result, error) {
	old, err := s.Result(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if !CanEditResult(authz.From(ctx), old) {
		return Result{}, audit.Deny(ctx, s.DB, "outcome_result.update", ResultKind, id)
	}
	in.normalize()
	if in.PlaceID == 0 {
		in.PlaceID = old.PlaceID
	}
	if err := in.validate(); err != nil {
		return Result{}, err
	}
	var r Result
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkResultPlace(ctx, tx, in.PlaceID, old.PlaceID); err != nil {
			return err
		}
		if err := s.checkResultOrg(ctx, tx, in, old.OrgID); err != nil {
			return err
		}
		if err := db.Affected(tx.Exec(ctx, `UPDATE outcome_results SET place_id = ?, title = ?, story = ?, partners = ?, organisation_id = ?,
			updated_at = ? WHERE id = ?`, in.PlaceID, in.Title, in.Story, in.Partners, nullOutcomeID(in.OrgID), db.Now(), id)); err != nil {
			return err
		}
		if r, err = indexResult(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "outcome_result.update", TargetKind: ResultKind, TargetID: id, Target: r.Title,
			Detail: outcomeChanged(map[string]string{"title": old.Title, "place": old.PlaceName, "organisation": old.OrgName, "story": old.Story, "partners": old.Partners},
				map[string]string{"title": r.Title, "place": r.PlaceName, "organisation": r.OrgName, "story": r.Story, "partners": r.Partners})})
	})
	return r, err
}

// outcomeChanged names the fields that differ.
func outcomeChanged(before, after map[string]string) string {
	var names []string
	for k, v := range after {
		if before[k] != v {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "no change"
	}
	return "changed " + strings.Join(names, ", ")
}

// DeleteResult removes a result with its indicators and their observations.
func (s *Service) DeleteResult(ctx context.Context, id int64) (Result, error) {
	r, err := s.Result(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if !CanEditResult(authz.From(ctx), r) {
		return Result{}, audit.Deny(ctx, s.DB, "outcome_result.delete", ResultKind, id)
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		inds, err := loadIndicators(ctx, tx, "i.result_id = ?", id)
		if err != nil {
			return err
		}
		for _, i := range inds {
			if err := search.Remove(ctx, tx, IndicatorKind, i.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM indicator_observations WHERE indicator_id = ?", i.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM indicators WHERE result_id = ?", id); err != nil {
			return err
		}
		if err := db.Affected(tx.Exec(ctx, "DELETE FROM outcome_results WHERE id = ?", id)); err != nil {
			return err
		}
		if err := search.Remove(ctx, tx, ResultKind, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "outcome_result.delete", TargetKind: ResultKind, TargetID: id, Target: r.Title,
			Detail: fmt.Sprintf("place %s, %d indicators", r.PlaceName, len(inds))})
	})
	return r, err
}

// ---- service: indicators ----

// Indicator returns an indicator: db.ErrNotFound when its result's place or its program is
// hidden from the principal.
func (s *Service) Indicator(ctx context.Context, id int64) (Indicator, error) {
	i, err := loadIndicator(ctx, s.DB, id)
	if err != nil {
		return i, err
	}
	switch {
	case i.ResultID != 0:
		if _, err := s.Result(ctx, i.ResultID); err != nil {
			return Indicator{}, err
		}
	case i.ProgramID != 0 && s.Dir != nil:
		if _, err := s.Dir.Program(ctx, i.ProgramID); err != nil {
			return Indicator{}, err
		}
	}
	return i, nil
}

// CanEditIndicator reports whether the principal may edit the indicator and its observations.
func (s *Service) CanEditIndicator(ctx context.Context, i Indicator) bool {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return false
	}
	if i.Kind == IndicatorPerformance {
		if p.SiteAdmin {
			return true
		}
		if s.Dir == nil {
			return false
		}
		prog, err := s.Dir.Program(ctx, i.ProgramID)
		return err == nil && CanEditMeasures(p, prog)
	}
	return canEditOutcomeOrg(p, i.OrgID)
}

// editableIndicator loads an indicator the principal may edit, or the error to return.
func (s *Service) editableIndicator(ctx context.Context, id int64, action string) (Indicator, error) {
	i, err := s.Indicator(ctx, id)
	if err != nil {
		return i, err
	}
	if !s.CanEditIndicator(ctx, i) {
		return Indicator{}, audit.Deny(ctx, s.DB, action, IndicatorKind, id)
	}
	return i, nil
}

// CreateIndicator adds a population indicator to a result.
func (s *Service) CreateIndicator(ctx context.Context, resultID int64, in IndicatorInput) (Indicator, error) {
	r, err := s.Result(ctx, resultID)
	if err != nil {
		return Indicator{}, err
	}
	if !CanEditResult(authz.From(ctx), r) {
		return Indicator{}, audit.Deny(ctx, s.DB, "indicator.create", ResultKind, resultID)
	}
	return s.insertIndicator(ctx, IndicatorPopulation, resultID, 0, in)
}

// CreateMeasure adds a performance measure to a program.
func (s *Service) CreateMeasure(ctx context.Context, programID int64, in IndicatorInput) (Indicator, error) {
	if s.Dir == nil {
		return Indicator{}, db.ErrNotFound
	}
	prog, err := s.Dir.Program(ctx, programID)
	if err != nil {
		return Indicator{}, err
	}
	if !CanEditMeasures(authz.From(ctx), prog) {
		return Indicator{}, audit.Deny(ctx, s.DB, "indicator.create", "program", programID)
	}
	return s.insertIndicator(ctx, IndicatorPerformance, 0, programID, in)
}

func (s *Service) insertIndicator(ctx context.Context, kind string, resultID, programID int64, in IndicatorInput) (Indicator, error) {
	in.normalize()
	if err := in.validate(kind); err != nil {
		return Indicator{}, err
	}
	var ind Indicator
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM indicators WHERE (result_id = ? OR program_id = ?)", resultID, programID).Scan(&n); err != nil {
			return err
		}
		if n >= maxIndicators {
			return valid.Errors{"name": fmt.Sprintf("There are %d indicators here already: remove one before adding another.", n)}
		}
		now := db.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO indicators (result_id, program_id, kind, question, name, definition, unit, good_direction,
			source, geography_level, target_value, target_period, period_format, baseline_end, illustrative, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			nullOutcomeID(resultID), nullOutcomeID(programID), kind, in.Question, in.Name, in.Definition, in.Unit, in.GoodDirection,
			in.Source, in.GeographyLevel, nullFloat(in.TargetValue), in.TargetPeriod, in.PeriodFormat, in.BaselineEnd, in.Illustrative,
			now, now).Scan(&id); err != nil {
			return db.MapError(err)
		}
		var err error
		if ind, err = s.afterIndicatorSave(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "indicator.create", TargetKind: IndicatorKind, TargetID: id, Target: ind.Name,
			Detail: ind.Kind + " indicator of " + ind.BackTitle()})
	})
	return ind, err
}

// afterIndicatorSave reloads the indicator and rewrites the search documents it touches.
func (s *Service) afterIndicatorSave(ctx context.Context, q db.Q, id int64) (Indicator, error) {
	i, err := loadIndicator(ctx, q, id)
	if err != nil {
		return i, err
	}
	if i.ResultID != 0 {
		_, err = indexResult(ctx, q, i.ResultID)
		return i, err
	}
	return i, search.Index(ctx, q, indicatorDoc(i))
}

// UpdateIndicator edits an indicator. The way its periods are written cannot change while it
// has observations.
func (s *Service) UpdateIndicator(ctx context.Context, id int64, in IndicatorInput) (Indicator, error) {
	old, err := s.editableIndicator(ctx, id, "indicator.update")
	if err != nil {
		return Indicator{}, err
	}
	in.normalize()
	if old.Kind == IndicatorPerformance && in.Question == "" {
		in.Question = old.Question
	}
	if err := in.validate(old.Kind); err != nil {
		return Indicator{}, err
	}
	var ind Indicator
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if in.PeriodFormat != old.PeriodFormat {
			n, err := countObservations(ctx, tx, id)
			if err != nil {
				return err
			}
			if n > 0 {
				return valid.Errors{"period_format": fmt.Sprintf("This indicator has %d figures in %s: one series keeps one format. Remove them first to change it.",
					n, obsFormatNoun(old.PeriodFormat))}
			}
		}
		if err := db.Affected(tx.Exec(ctx, `UPDATE indicators SET question = ?, name = ?, definition = ?, unit = ?, good_direction = ?,
			source = ?, geography_level = ?, target_value = ?, target_period = ?, period_format = ?, baseline_end = ?, illustrative = ?,
			updated_at = ? WHERE id = ?`, in.Question, in.Name, in.Definition, in.Unit, in.GoodDirection, in.Source, in.GeographyLevel,
			nullFloat(in.TargetValue), in.TargetPeriod, in.PeriodFormat, in.BaselineEnd, in.Illustrative, db.Now(), id)); err != nil {
			return err
		}
		var err error
		if ind, err = s.afterIndicatorSave(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "indicator.update", TargetKind: IndicatorKind, TargetID: id, Target: ind.Name,
			Detail: outcomeChanged(indicatorFields(old), indicatorFields(ind))})
	})
	return ind, err
}

func indicatorFields(i Indicator) map[string]string {
	t := ""
	if i.TargetValue != nil {
		t = strconv.FormatFloat(*i.TargetValue, 'g', -1, 64)
	}
	return map[string]string{"name": i.Name, "definition": i.Definition, "unit": i.Unit, "direction": i.GoodDirection,
		"source": i.Source, "geography": i.GeographyLevel, "target": t, "target period": i.TargetPeriod,
		"period format": i.PeriodFormat, "baseline end": i.BaselineEnd, "illustrative": strconv.FormatBool(i.Illustrative),
		"question": i.Question}
}

// DeleteIndicator removes an indicator and its observations.
func (s *Service) DeleteIndicator(ctx context.Context, id int64) (Indicator, error) {
	i, err := s.editableIndicator(ctx, id, "indicator.delete")
	if err != nil {
		return Indicator{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := countObservations(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM indicator_observations WHERE indicator_id = ?", id); err != nil {
			return err
		}
		if err := db.Affected(tx.Exec(ctx, "DELETE FROM indicators WHERE id = ?", id)); err != nil {
			return err
		}
		if err := search.Remove(ctx, tx, IndicatorKind, id); err != nil {
			return err
		}
		if i.ResultID != 0 {
			if _, err := indexResult(ctx, tx, i.ResultID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "indicator.delete", TargetKind: IndicatorKind, TargetID: id, Target: i.Name,
			Detail: fmt.Sprintf("%d observations", n)})
	})
	return i, err
}

// Measures lists a program's performance measures.
func (s *Service) Measures(ctx context.Context, programID int64) ([]Indicator, error) {
	return loadIndicators(ctx, s.DB, "i.program_id = ? AND i.kind = ?", programID, IndicatorPerformance)
}

// ---- service: observations ----

// Observations lists an indicator's observations (the indicator must be visible).
func (s *Service) Observations(ctx context.Context, indicatorID int64) ([]Observation, error) {
	i, err := s.Indicator(ctx, indicatorID)
	if err != nil {
		return nil, err
	}
	obs, err := loadObservations(ctx, s.DB, indicatorID)
	if err != nil {
		return nil, err
	}
	return withPeriods(obs, i.PeriodFormat), nil
}

// withPeriods reads the periods of stored observations (for labels and order) and sorts
// them by place, then period.
func withPeriods(obs []Observation, format string) []Observation {
	for k := range obs {
		if p, err := ParseObsPeriod(obs[k].Period, format); err == nil {
			obs[k].period = p
		}
	}
	slices.SortStableFunc(obs, func(a, b Observation) int {
		if a.IndicatorID != b.IndicatorID {
			return cmp.Compare(a.IndicatorID, b.IndicatorID)
		}
		if a.PlaceID != b.PlaceID {
			if c := strings.Compare(strings.ToLower(a.PlaceName), strings.ToLower(b.PlaceName)); c != 0 {
				return c
			}
			return cmp.Compare(a.PlaceID, b.PlaceID)
		}
		if d := a.period.Index() - b.period.Index(); d != 0 {
			return d
		}
		return strings.Compare(a.Period, b.Period)
	})
	return obs
}

// DeleteObservation removes the observation of a place and period.
func (s *Service) DeleteObservation(ctx context.Context, indicatorID, placeID int64, period string) error {
	i, err := s.editableIndicator(ctx, indicatorID, "indicator.observation_delete")
	if err != nil {
		return err
	}
	p, err := ParseObsPeriod(period, i.PeriodFormat)
	if err != nil {
		return valid.Errors{"period": err.Error()}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := db.Affected(tx.Exec(ctx, "DELETE FROM indicator_observations WHERE indicator_id = ? AND place_id = ? AND period = ?",
			indicatorID, placeID, p.String())); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "indicator.observation_delete", TargetKind: IndicatorKind, TargetID: indicatorID,
			Target: i.Name, Detail: fmt.Sprintf("place %d, %s", placeID, p.String())})
	})
}
