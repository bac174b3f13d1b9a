package satisfaction

// The read side of satisfaction: the figures of the dashboard, the comparison across surveys,
// the public results page and the results API.
//
// Every figure here comes from the running counts (survey_counts: per survey, question,
// month, channel and place, how many gave each scale point), never from the responses, so a
// dashboard over a million responses reads a few thousand aggregated rows. The estimators
// from counts (stats.IndexFromCounts and its siblings) give exactly the figures the
// per-response estimators would. "Not applicable" answers are in no denominator; each figure
// says how many gave it.
//
// Publication rules (PRODUCT.md §3D) apply everywhere: a figure resting on fewer than
// MinCell answers, or with a coefficient of variation over 33.3%, is hidden and the page says
// why; one with an effective sample under 30 or a CV over 16.5% is flagged "use with
// caution". Breakdowns hide groups of fewer than MinCell responses and, when only one group
// would be hidden, the next smallest too (stats.SuppressCells), so a hidden group cannot be
// worked out by subtraction from the total. Every figure is unweighted here and counts the
// survey's unit (a respondent or a service interaction).

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/stats"
)

// Unweighted is the weighting every figure of the counts carries.
const Unweighted = "unweighted"

// MaxMonths is the longest range the analysis pages take (ten years).
const MaxMonths = 120

// MaxCompare is the most surveys compared at once.
const MaxCompare = 50

// Period breakdown units and change comparisons of a DashFilter.
const (
	ByQuarter = "quarter"
	ByMonth   = "month"

	CompareLatest = "latest" // the latest two periods (quarters or months) with responses
	CompareHalves = "halves" // the first and second half of the range
)

// DashFilter narrows the dashboard and the results API.
type DashFilter struct {
	From, To string // months "2026-01", inclusive; "" runs from the first / to the last month with responses
	Channel  string // "" is every channel
	PlaceID  int64  // 0 is every place
	By       string // period breakdown: ByQuarter or ByMonth ("" picks by the length of the range)
	Compare  string // CompareLatest (the default) or CompareHalves
}

// Query is the filter as URL query parameters (without the empty ones).
func (f DashFilter) Query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"from": f.From, "to": f.To, "channel": f.Channel, "by": f.By, "compare": f.Compare} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.PlaceID != 0 {
		v.Set("place", strconv.FormatInt(f.PlaceID, 10))
	}
	return v
}

// validMonth reports whether s is a month "YYYY-MM".
func validMonth(s string) bool {
	if len(s) != 7 {
		return false
	}
	t, err := time.Parse("2006-01", s)
	return err == nil && t.Year() >= 1900 && t.Year() <= 9999
}

// ParseDashFilter reads a filter from URL query values; bad values are field errors.
func ParseDashFilter(q url.Values) (DashFilter, error) {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := DashFilter{From: get("from"), To: get("to"), Channel: get("channel"), By: get("by"), Compare: get("compare")}
	var c valid.Checker
	if f.From != "" && !validMonth(f.From) {
		c.Add("from", "Enter the first month as a year and month, like 2026-01.")
	}
	if f.To != "" && !validMonth(f.To) {
		c.Add("to", "Enter the last month as a year and month, like 2026-12.")
	}
	if f.From != "" && f.To != "" && !c.Has("from") && !c.Has("to") {
		switch {
		case f.To < f.From:
			c.Add("to", "The last month must not be before the first month.")
		case len(monthsBetween(f.From, f.To)) > MaxMonths:
			c.Add("from", fmt.Sprintf("Choose at most %d months (ten years).", MaxMonths))
		}
	}
	c.MaxLen("channel", f.Channel, 50)
	if p := get("place"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id < 0 {
			c.Add("place", "Choose a place from the list.")
		}
		f.PlaceID = id
	}
	if f.By != "" {
		c.OneOf("by", f.By, []string{ByQuarter, ByMonth}, "Periods")
	}
	if f.Compare != "" {
		c.OneOf("compare", f.Compare, []string{CompareLatest, CompareHalves}, "Compare")
	}
	return f, c.Err()
}

// monthsBetween lists the months from a to b inclusive ("2026-01" … ); nil if b is before a.
func monthsBetween(a, b string) []string {
	ta, err1 := time.Parse("2006-01", a)
	tb, err2 := time.Parse("2006-01", b)
	if err1 != nil || err2 != nil || tb.Before(ta) {
		return nil
	}
	var out []string
	for t := ta; !t.After(tb); t = t.AddDate(0, 1, 0) {
		out = append(out, t.Format("2006-01"))
		if len(out) > MaxMonths*10 {
			break
		}
	}
	return out
}

// addMonths moves a month "2026-01" by k months.
func addMonths(m string, k int) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.AddDate(0, k, 0).Format("2006-01")
}

// MonthLabel writes a month "2026-03" as "Mar 2026".
func MonthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("Jan 2006")
}

// quarterOf returns the quarter of a month: key "2026-Q1" and label "Jan–Mar 2026".
func quarterOf(m string) (key, label string) {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m, m
	}
	q := (int(t.Month()) - 1) / 3
	first := time.Date(t.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%d-Q%d", t.Year(), q+1), first.Format("Jan") + "–" + first.AddDate(0, 2, 0).Format("Jan 2006")
}

// UnitLabel names what one response stands for.
func UnitLabel(unit string) string {
	if unit == UnitRespondent {
		return "respondent"
	}
	return "service interaction"
}

// channelName names a channel for people ("" is "No channel recorded").
func channelName(c string) string {
	if c == "" {
		return "No channel recorded"
	}
	return ChannelLabel(c)
}

// ItemLabel is the short name of a question in tables: the core items by their theme, other
// questions by their text.
func ItemLabel(q forms.Question) string {
	switch q.ID {
	case QOverall:
		return "Overall satisfaction"
	case QTimely:
		return "Timeliness"
	case QKnowledge:
		return "Staff knowledge"
	case QCourtesy:
		return "Courtesy and respect"
	case QExtraMile:
		return "Going the extra mile"
	case QFairness:
		return "Fairness"
	case QOutcome:
		return "Outcome"
	case QAccess:
		return "Ease of access"
	case QRecommend:
		return "Likelihood to recommend"
	case QEffort:
		return "Ease of getting it done"
	case QTrust:
		return "Trust after the interaction"
	}
	return q.Text
}

// scaleHist is how many answered each point of a scale question (counts[i]: point Min+i) and how
// many said "not applicable".
type scaleHist struct {
	min    int
	counts []int
	na     int
}

func newScaleHist(q forms.Question) *scaleHist {
	return &scaleHist{min: q.Min, counts: make([]int, max(0, q.Max-q.Min+1))}
}

// add counts n answers of value; values off the scale (from an older version with another
// scale) are left out.
func (h *scaleHist) add(value, n int) {
	if value == NAValue {
		h.na += n
		return
	}
	if i := value - h.min; i >= 0 && i < len(h.counts) {
		h.counts[i] += n
	}
}

func (h *scaleHist) merge(o *scaleHist) {
	if o == nil {
		return
	}
	h.na += o.na
	for i := range min(len(h.counts), len(o.counts)) {
		h.counts[i] += o.counts[i]
	}
}

func (h *scaleHist) answered() int {
	n := 0
	for _, c := range h.counts {
		n += c
	}
	return n
}

// Figure is one published figure: a metric of a question with its interval, n and how
// reliable it is, or why it is hidden.
type Figure struct {
	Question string
	Label    string
	Metric   Metric
	Est      stats.Estimate
	// Computed is false when nobody answered (or the metric does not fit the question).
	Computed bool
	// NA is how many said "not applicable" (in no denominator).
	NA int
	// Hide, when set, hides a figure that could be shown by itself: it belongs to a group
	// hidden by a breakdown's suppression. Reason then says why.
	Hide   bool
	Reason string
}

// figureOf computes metric m of question q from its histogram.
func figureOf(q forms.Question, m Metric, h *scaleHist) Figure {
	f := Figure{Question: q.ID, Label: ItemLabel(q), Metric: m}
	if h == nil {
		h = newScaleHist(q)
	}
	f.NA = h.na
	if h.answered() == 0 {
		f.Reason = "No answers yet."
		if f.NA > 0 {
			f.Reason = "No answers yet other than “not applicable”."
		}
		return f
	}
	var err error
	switch {
	case m == MetricIndex && q.Min == 1 && q.Max >= 2:
		f.Est, err = stats.IndexFromCounts(h.counts)
	case m == MetricTop2 && len(h.counts) >= 2:
		f.Est, err = stats.TopTwoBoxFromCounts(h.counts)
	case m == MetricNPS && q.Min == 0 && q.Max == 10:
		f.Est, err = stats.NPSFromCounts(h.counts)
	case m == MetricEffort && q.Min == 1 && q.Max == 7:
		f.Est, err = stats.EffortFromCounts(h.counts)
	default:
		f.Reason = "This measure does not fit this question's scale."
		return f
	}
	if err != nil {
		f.Reason = "This figure could not be computed."
		return f
	}
	f.Computed = true
	f.Reason = reliabilityReason(f.Est)
	return f
}

// reliabilityReason says in words why a figure is hidden or flagged ("" when reliable).
func reliabilityReason(e stats.Estimate) string {
	switch e.Reliability {
	case stats.Suppressed:
		if e.N < MinCell {
			return fmt.Sprintf("Hidden: fewer than %d answers (%d).", MinCell, e.N)
		}
		if math.IsNaN(e.CV) || math.IsInf(e.CV, 0) {
			return "Hidden: too uncertain to publish (the margin of error cannot be judged against a value of zero)."
		}
		return fmt.Sprintf("Hidden: too uncertain to publish (the margin of error is %.0f%% of the figure, over the %.1f%% limit).", 100*e.CV, 100*stats.SuppressCV)
	case stats.Caution:
		if e.NEff < stats.MinEffective {
			return fmt.Sprintf("Use with caution: based on only %d answers (fewer than %d).", e.N, stats.MinEffective)
		}
		return fmt.Sprintf("Use with caution: the margin of error is %.0f%% of the figure (over %.1f%%).", 100*e.CV, 100*stats.CautionCV)
	}
	return ""
}

// Hidden reports whether the figure is not shown.
func (f Figure) Hidden() bool { return f.Hide || !f.Computed || f.Est.Reliability == stats.Suppressed }

// Caution reports whether the figure is shown flagged "use with caution".
func (f Figure) Caution() bool { return !f.Hidden() && f.Est.Reliability == stats.Caution }

// Reliability is "ok", "caution" or "suppressed".
func (f Figure) Reliability() string {
	switch {
	case f.Hidden():
		return "suppressed"
	case f.Caution():
		return "caution"
	}
	return "ok"
}

// N is the number of answers the figure rests on ("not applicable" left out).
func (f Figure) N() int { return f.Est.N }

// MetricName names the metric.
func (f Figure) MetricName() string { return MetricName(f.Metric) }

// MetricName names a metric for people.
func MetricName(m Metric) string {
	switch m {
	case MetricIndex:
		return "Index (0–100)"
	case MetricTop2:
		return "Top-2-box"
	case MetricNPS:
		return "NPS®-style score"
	case MetricEffort:
		return "Ease (mean, 1–7)"
	}
	return string(m)
}

// formatMetric writes a value of metric m for people: one decimal (two for effort), a true
// minus sign, and a plus sign on a positive NPS®-style score.
func formatMetric(m Metric, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	dec := 1
	if m == MetricEffort {
		dec = 2
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	switch {
	case strings.Trim(s, "-0.") == "": // zero, perhaps "-0.0"
		return strings.TrimPrefix(s, "-")
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case m == MetricNPS:
		return "+" + s
	}
	return s
}

// Value writes the figure ("" when hidden); Lower and Upper its 95% interval.
func (f Figure) Value() string { return f.shown(f.Est.Value) }
func (f Figure) Lower() string { return f.shown(f.Est.Lower) }
func (f Figure) Upper() string { return f.shown(f.Est.Upper) }

func (f Figure) shown(v float64) string {
	if f.Hidden() {
		return ""
	}
	s := formatMetric(f.Metric, v)
	if s != "" && f.Metric == MetricTop2 {
		s += "%"
	}
	return s
}

// Interval writes the 95% interval "61.2 to 66.0".
func (f Figure) Interval() string {
	if f.Hidden() || math.IsNaN(f.Est.Lower) {
		return ""
	}
	return f.Lower() + " to " + f.Upper()
}

// Number returns the value for machines: nil when hidden.
func (f Figure) Number() *float64 { return f.number(f.Est.Value) }

func (f Figure) number(v float64) *float64 {
	if f.Hidden() || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := math.Round(v*1e4) / 1e4
	return &r
}

// ItemRow is a question with its figures.
type ItemRow struct {
	Question forms.Question
	Label    string
	Figures  []Figure
	Answered int
	NA       int
}

// TrendPoint is the headline figure of one month.
type TrendPoint struct {
	Month     string
	Label     string
	Responses int
	Figure    Figure
}

// Breakdown is the headline figures by group (channel, place or period), with suppression.
type Breakdown struct {
	Key   string // "channel", "place", "period"
	Title string
	Rows  []BreakdownRow
	Total int
	// TotalHidden: the total is itself under MinCell, or a hidden group has no partner.
	TotalHidden bool
	// Primary and Complementary count the groups hidden for being small, and hidden only so
	// that a small one cannot be recovered from the total.
	Primary, Complementary int
}

// BreakdownRow is one group of a breakdown.
type BreakdownRow struct {
	Key       string
	Label     string
	Responses int
	Hidden    bool
	Why       string
	Index     Figure
	Top2      Figure
}

// ChangeSet is the change of the headline figures between two periods.
type ChangeSet struct {
	Before, After string // labels of the periods
	How           string // "latest" or "halves"
	Rows          []ChangeRow
	// Why says why there is no comparison (fewer than two periods with responses).
	Why string
}

// ChangeRow is the change of one headline figure.
type ChangeRow struct {
	Label         string
	Metric        Metric
	Before, After Figure
	Change        stats.Change
	OK            bool
	Why           string
}

// Difference writes the change with its sign; Interval its 95% interval.
func (c ChangeRow) Difference() string { return signedFigure(c.Metric, c.Change.Difference) }
func (c ChangeRow) Interval() string {
	return signedFigure(c.Metric, c.Change.Lower) + " to " + signedFigure(c.Metric, c.Change.Upper)
}

// Meaning says in words whether the change is more than chance.
func (c ChangeRow) Meaning() string {
	if c.Change.Significant {
		if c.Change.Difference > 0 {
			return "A real rise: the interval does not include zero."
		}
		return "A real fall: the interval does not include zero."
	}
	return "Not significant: a change this size could be chance."
}

func signedFigure(m Metric, v float64) string {
	s := formatMetric(m, v)
	if s == "" || strings.HasPrefix(s, "−") || strings.HasPrefix(s, "+") || strings.Trim(s, "0.") == "" {
		return s
	}
	return "+" + s
}

// TargetProgress is a target with the latest figure of its metric.
type TargetProgress struct {
	Target
	QuestionLabel string
	Latest        Figure
	LatestLabel   string
	// Expected is where a straight line from the baseline to the target stands at the end of
	// the latest period.
	Expected float64
	Status   string // "met", "on track", "not on track", "no figure"
}

// StatusText says the target's state in words.
func (t TargetProgress) StatusText() string {
	switch t.Status {
	case "met":
		return "Target met"
	case "on track":
		return "On track"
	case "not on track":
		return "Not on track"
	}
	return "No figure yet"
}

// Format writes a value of the target's metric.
func (t TargetProgress) Format(v float64) string {
	s := formatMetric(t.Metric, v)
	if t.Metric == MetricTop2 && s != "" {
		s += "%"
	}
	return s
}

// FilterOption is a choice of a filter.
type FilterOption struct {
	Value, Label string
}

// Dashboard is everything the dashboard shows.
type Dashboard struct {
	Survey Survey
	Filter DashFilter
	// By is the period unit used (Filter.By, or picked by the length of the range).
	By        string
	Months    []string
	Responses int
	Weighting string
	Unit      string
	Headline  []Figure
	Items     []ItemRow
	// Trend is the overall satisfaction index by month; TrendTarget its target, if any.
	Trend       []TrendPoint
	TrendTarget *Target
	Channels    Breakdown
	Places      Breakdown
	Periods     Breakdown
	Change      ChangeSet
	Targets     []TargetProgress
	// Drivers is the cached key-driver analysis (nil: not computed yet).
	Drivers *DriverResult
	// Choices for the filters.
	ChannelOptions []FilterOption
	PlaceOptions   []FilterOption
	// NPS: the recommend module is on (the trademark attribution is due).
	NPS bool
	// Empty: the survey has no responses at all.
	Empty bool
}

// canReadSurvey applies the rule of the analysis pages: members of the survey's organisation
// with Read, and site admins; the others are told it does not exist.
func canReadSurvey(ctx context.Context, sv Survey) error {
	if !authz.From(ctx).Can(authz.Read, sv.OrgID) {
		return db.ErrNotFound
	}
	return nil
}

// filterSQL is the WHERE clause of a filter on survey_counts (after "survey_id = ?").
func filterSQL(f DashFilter, from, to string) (string, []any) {
	var sb strings.Builder
	var args []any
	if from != "" {
		sb.WriteString(" AND period >= ?")
		args = append(args, from)
	}
	if to != "" {
		sb.WriteString(" AND period <= ?")
		args = append(args, to)
	}
	if f.Channel != "" {
		sb.WriteString(" AND channel = ?")
		args = append(args, f.Channel)
	}
	if f.PlaceID != 0 {
		sb.WriteString(" AND place_id = ?")
		args = append(args, f.PlaceID)
	}
	return sb.String(), args
}

// scaleQuestions lists the questions with figures, in questionnaire order.
func scaleQuestions(q forms.Questionnaire) []forms.Question {
	var out []forms.Question
	for _, qu := range q.Questions {
		if len(MetricsOf(qu)) > 0 {
			out = append(out, qu)
		}
	}
	return out
}

// monthCounts is survey_counts summed by question, month and value.
type monthCounts struct {
	questions []forms.Question
	byQ       map[string]map[string]*scaleHist // question → month → histogram
	responses map[string]int                   // month → responses
}

// readMonthCounts reads the histograms of every scale question of sv by month.
func (Store) readMonthCounts(ctx context.Context, q db.Q, sv Survey, f DashFilter, from, to string) (*monthCounts, error) {
	mc := &monthCounts{questions: scaleQuestions(sv.Questionnaire), byQ: map[string]map[string]*scaleHist{}, responses: map[string]int{}}
	defs := map[string]forms.Question{}
	for _, qu := range mc.questions {
		defs[qu.ID] = qu
		mc.byQ[qu.ID] = map[string]*scaleHist{}
	}
	where, args := filterSQL(f, from, to)
	// Without a channel or place, the month sums kept beside the counts serve (migration
	// 00031): the same figures from a few thousand rows.
	table := "survey_counts_month"
	if f.Channel != "" || f.PlaceID != 0 {
		table = "survey_counts"
	}
	query := "SELECT question, period, value, SUM(n) FROM " + table + " WHERE survey_id = ?" + where + " GROUP BY question, period, value"
	err := db.Each(ctx, q, query, append([]any{sv.ID}, args...), func(rows *sql.Rows) error {
		var question, period string
		var value int
		var n int64
		if err := rows.Scan(&question, &period, &value, &n); err != nil {
			return err
		}
		if question == "" {
			mc.responses[period] += int(n)
			return nil
		}
		qu, ok := defs[question]
		if !ok {
			return nil
		}
		h := mc.byQ[question][period]
		if h == nil {
			h = newScaleHist(qu)
			mc.byQ[question][period] = h
		}
		h.add(value, int(n))
		return nil
	})
	return mc, err
}

// sum is the histogram of a question over some months (every month when months is nil).
func (mc *monthCounts) sum(question string, months func(string) bool) *scaleHist {
	var h *scaleHist
	for _, qu := range mc.questions {
		if qu.ID == question {
			h = newScaleHist(qu)
		}
	}
	if h == nil {
		return nil
	}
	for m, mh := range mc.byQ[question] {
		if months == nil || months(m) {
			h.merge(mh)
		}
	}
	return h
}

func (mc *monthCounts) question(id string) (forms.Question, bool) {
	for _, qu := range mc.questions {
		if qu.ID == id {
			return qu, true
		}
	}
	return forms.Question{}, false
}

// headline lists the headline figures of a survey over some months: the overall index and
// top-2-box, then the NPS, effort and trust of the modules that are on.
func (mc *monthCounts) headline(months func(string) bool) []Figure {
	var out []Figure
	add := func(id string, metrics ...Metric) {
		qu, ok := mc.question(id)
		if !ok {
			return
		}
		h := mc.sum(id, months)
		for _, m := range metrics {
			out = append(out, figureOf(qu, m, h))
		}
	}
	add(QOverall, MetricIndex, MetricTop2)
	add(QRecommend, MetricNPS)
	add(QEffort, MetricEffort)
	add(QTrust, MetricIndex)
	return out
}

// items lists every scale question with its figures over some months.
func (mc *monthCounts) items(months func(string) bool) []ItemRow {
	var out []ItemRow
	for _, qu := range mc.questions {
		h := mc.sum(qu.ID, months)
		row := ItemRow{Question: qu, Label: ItemLabel(qu), Answered: h.answered(), NA: h.na}
		for _, m := range MetricsOf(qu) {
			row.Figures = append(row.Figures, figureOf(qu, m, h))
		}
		out = append(out, row)
	}
	return out
}

// groupCell is one group of a breakdown before suppression.
type groupCell struct {
	key, label string
	responses  int
	overall    *scaleHist
}

// breakdownOf applies suppression to the groups and computes their figures.
func breakdownOf(key, title string, overall forms.Question, groups []groupCell) Breakdown {
	b := Breakdown{Key: key, Title: title}
	counts := make([]int, len(groups))
	for i, g := range groups {
		counts[i] = g.responses
		b.Total += g.responses
	}
	hide, hideTotal, err := stats.SuppressCells(counts, b.Total)
	if err != nil { // cannot happen: the counts sum to the total
		hide = make([]bool, len(groups))
		for i := range hide {
			hide[i] = true
		}
		hideTotal = true
	}
	b.TotalHidden = hideTotal
	for i, g := range groups {
		row := BreakdownRow{Key: g.key, Label: g.label, Responses: g.responses, Hidden: hide[i]}
		row.Index = figureOf(overall, MetricIndex, g.overall)
		row.Top2 = figureOf(overall, MetricTop2, g.overall)
		if hide[i] {
			if g.responses < MinCell {
				b.Primary++
				row.Why = fmt.Sprintf("Hidden: fewer than %d responses.", MinCell)
			} else {
				b.Complementary++
				row.Why = "Hidden so that a smaller group cannot be worked out from the total."
			}
			row.Index.Hide, row.Top2.Hide = true, true
			row.Index.Reason, row.Top2.Reason = row.Why, row.Why
		}
		b.Rows = append(b.Rows, row)
	}
	return b
}

// ResponsesText writes a row's responses ("" when hidden).
func (r BreakdownRow) ResponsesText() string {
	if r.Hidden {
		return ""
	}
	return strconv.Itoa(r.Responses)
}

// TotalText writes the total ("" when hidden).
func (b Breakdown) TotalText() string {
	if b.TotalHidden {
		return ""
	}
	return strconv.Itoa(b.Total)
}

// Dashboard computes the dashboard of survey id under filter f. Members of the survey's
// organisation with Read, and site admins, see it; the others get db.ErrNotFound.
func (s *Service) Dashboard(ctx context.Context, id int64, f DashFilter) (Dashboard, error) {
	s.FlushCounts(ctx)
	sv, err := s.Store.SurveyByID(ctx, s.DB, id)
	if err != nil {
		return Dashboard{}, err
	}
	if err := canReadSurvey(ctx, sv); err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Survey: sv, Filter: f, Weighting: Unweighted, Unit: UnitLabel(sv.Unit), NPS: slices.Contains(sv.Modules, ModuleRecommend)}

	// The filter's choices, and the months with responses.
	first, last, err := s.filterOptions(ctx, &d)
	if err != nil {
		return d, err
	}
	d.Empty = first == ""
	from, to := f.From, f.To
	if from == "" {
		from = first
	}
	if to == "" {
		to = last
	}
	if from == "" || to == "" { // no responses: the range is this month
		now := Period(s.Now())
		from, to = cmp.Or(from, to, now), cmp.Or(to, from, now)
	}
	if to < from {
		from = to
	}
	if n := len(monthsBetween(from, to)); n > MaxMonths {
		from = addMonths(to, 1-MaxMonths)
	}
	d.Months = monthsBetween(from, to)
	d.By = f.By
	if d.By == "" {
		d.By = ByMonth
		if len(d.Months) > 6 {
			d.By = ByQuarter
		}
	}

	mc, err := s.Store.readMonthCounts(ctx, s.DB, sv, f, from, to)
	if err != nil {
		return d, err
	}
	for _, n := range mc.responses {
		d.Responses += n
	}
	d.Headline = mc.headline(nil)
	d.Items = mc.items(nil)

	overall, hasOverall := mc.question(QOverall)
	if hasOverall {
		for _, m := range d.Months {
			d.Trend = append(d.Trend, TrendPoint{Month: m, Label: MonthLabel(m), Responses: mc.responses[m],
				Figure: figureOf(overall, MetricIndex, mc.byQ[QOverall][m])})
		}
	}

	// Periods: quarters or months of the range.
	periodOf := func(m string) (string, string) {
		if d.By == ByQuarter {
			return quarterOf(m)
		}
		return m, MonthLabel(m)
	}
	var periods []groupCell
	for _, m := range d.Months {
		k, l := periodOf(m)
		if len(periods) == 0 || periods[len(periods)-1].key != k {
			periods = append(periods, groupCell{key: k, label: l, overall: newScaleHist(overall)})
		}
		p := &periods[len(periods)-1]
		p.responses += mc.responses[m]
		if hasOverall {
			p.overall.merge(mc.byQ[QOverall][m])
		}
	}
	if hasOverall {
		d.Periods = breakdownOf("period", "By period", overall, periods)
		if err := s.groupBreakdowns(ctx, &d, overall, f, from, to); err != nil {
			return d, err
		}
	}

	d.Change = changeOf(mc, d, periodOf)
	targets, err := s.Store.surveyTargets(ctx, s.DB, sv.ID)
	if err != nil {
		return d, err
	}
	d.Targets = targetsProgress(mc, d, targets, periodOf)
	for i := range targets {
		if targets[i].Question == QOverall && targets[i].Metric == MetricIndex {
			d.TrendTarget = &targets[i]
			break
		}
	}
	if d.Drivers, err = s.DriverAnalysis(ctx, sv.ID); err != nil {
		return d, err
	}
	return d, nil
}

// filterOptions fills the channel and place choices and returns the first and last months
// with responses ("" when there are none).
func (s *Service) filterOptions(ctx context.Context, d *Dashboard) (first, last string, err error) {
	channels := map[string]bool{}
	places := map[int64]bool{}
	err = db.Each(ctx, s.DB, "SELECT channel, place_id, MIN(period), MAX(period) FROM survey_counts WHERE survey_id = ? AND question = '' GROUP BY channel, place_id",
		[]any{d.Survey.ID}, func(rows *sql.Rows) error {
			var ch string
			var place int64
			var lo, hi string
			if err := rows.Scan(&ch, &place, &lo, &hi); err != nil {
				return err
			}
			channels[ch] = true
			places[place] = true
			if first == "" || lo < first {
				first = lo
			}
			if hi > last {
				last = hi
			}
			return nil
		})
	if err != nil {
		return "", "", err
	}
	for _, ch := range slices.Sorted(maps.Keys(channels)) {
		if ch != "" {
			d.ChannelOptions = append(d.ChannelOptions, FilterOption{Value: ch, Label: channelName(ch)})
		}
	}
	names, err := s.Store.placeNames(ctx, s.DB, slices.Collect(maps.Keys(places)))
	if err != nil {
		return "", "", err
	}
	for id := range places {
		if id != 0 {
			d.PlaceOptions = append(d.PlaceOptions, FilterOption{Value: strconv.FormatInt(id, 10), Label: names[id]})
		}
	}
	slices.SortFunc(d.PlaceOptions, func(a, b FilterOption) int { return cmp.Compare(a.Label, b.Label) })
	return first, last, nil
}

// placeNames loads the names of places (id 0 is "No place recorded"; an unknown id "Place n").
func (Store) placeNames(ctx context.Context, q db.Q, ids []int64) (map[int64]string, error) {
	names := map[int64]string{0: "No place recorded"}
	var real []int64
	for _, id := range ids {
		if id != 0 {
			real = append(real, id)
			names[id] = "Place " + strconv.FormatInt(id, 10)
		}
	}
	err := db.InBatches(real, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT id, name FROM places WHERE id IN ("+ph+")", args, func(rows *sql.Rows) error {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			names[id] = name
			return nil
		})
	})
	return names, err
}

// groupBreakdowns reads the responses and the overall question by channel and by place.
func (s *Service) groupBreakdowns(ctx context.Context, d *Dashboard, overall forms.Question, f DashFilter, from, to string) error {
	type key struct {
		channel string
		place   int64
	}
	resp := map[key]int{}
	over := map[key]*scaleHist{}
	where, args := filterSQL(f, from, to)
	query := "SELECT question, channel, place_id, value, SUM(n) FROM survey_counts WHERE survey_id = ? AND question IN ('', ?)" + where +
		" GROUP BY question, channel, place_id, value"
	err := db.Each(ctx, s.DB, query, append([]any{d.Survey.ID, QOverall}, args...), func(rows *sql.Rows) error {
		var question string
		var k key
		var value int
		var n int64
		if err := rows.Scan(&question, &k.channel, &k.place, &value, &n); err != nil {
			return err
		}
		if question == "" {
			resp[k] += int(n)
			return nil
		}
		h := over[k]
		if h == nil {
			h = newScaleHist(overall)
			over[k] = h
		}
		h.add(value, int(n))
		return nil
	})
	if err != nil {
		return err
	}
	byChannel := map[string]*groupCell{}
	byPlace := map[int64]*groupCell{}
	for k, n := range resp {
		c := byChannel[k.channel]
		if c == nil {
			c = &groupCell{key: k.channel, label: channelName(k.channel), overall: newScaleHist(overall)}
			byChannel[k.channel] = c
		}
		c.responses += n
		c.overall.merge(over[k])
		p := byPlace[k.place]
		if p == nil {
			p = &groupCell{key: strconv.FormatInt(k.place, 10), overall: newScaleHist(overall)}
			byPlace[k.place] = p
		}
		p.responses += n
		p.overall.merge(over[k])
	}
	names, err := s.Store.placeNames(ctx, s.DB, slices.Collect(maps.Keys(byPlace)))
	if err != nil {
		return err
	}
	var channels, places []groupCell
	for _, c := range byChannel {
		channels = append(channels, *c)
	}
	for id, p := range byPlace {
		p.label = names[id]
		places = append(places, *p)
	}
	byLabel := func(a, b groupCell) int { return cmp.Or(cmp.Compare(a.label, b.label), cmp.Compare(a.key, b.key)) }
	slices.SortFunc(channels, byLabel)
	slices.SortFunc(places, byLabel)
	d.Channels = breakdownOf("channel", "By channel", overall, channels)
	d.Places = breakdownOf("place", "By place", overall, places)
	return nil
}

// changeOf compares the headline figures of two periods: the latest two (quarters or months,
// as the breakdown) with responses, or the two halves of the range.
func changeOf(mc *monthCounts, d Dashboard, periodOf func(string) (string, string)) ChangeSet {
	cs := ChangeSet{How: cmp.Or(d.Filter.Compare, CompareLatest)}
	var before, after map[string]bool
	if cs.How == CompareHalves {
		if len(d.Months) < 2 {
			cs.Why = "The range has only one month: choose a longer range to compare its halves."
			return cs
		}
		half := len(d.Months) / 2
		before, after = monthSet(d.Months[:half]), monthSet(d.Months[half:])
		cs.Before = rangeLabel(d.Months[:half])
		cs.After = rangeLabel(d.Months[half:])
	} else {
		// The periods with responses, latest last.
		type period struct {
			key, label string
			months     []string
		}
		var ps []period
		for _, m := range d.Months {
			if mc.responses[m] == 0 {
				continue
			}
			k, l := periodOf(m)
			if len(ps) == 0 || ps[len(ps)-1].key != k {
				ps = append(ps, period{key: k, label: l})
			}
			ps[len(ps)-1].months = append(ps[len(ps)-1].months, m)
		}
		if len(ps) < 2 {
			cs.Why = fmt.Sprintf("There are responses in fewer than two %ss of the range: there is nothing to compare yet.", d.By)
			return cs
		}
		b, a := ps[len(ps)-2], ps[len(ps)-1]
		before, after = monthSet(b.months), monthSet(a.months)
		cs.Before, cs.After = b.label, a.label
	}
	in := func(set map[string]bool) func(string) bool { return func(m string) bool { return set[m] } }
	hb, ha := mc.headline(in(before)), mc.headline(in(after))
	for i := range hb {
		row := ChangeRow{Label: hb[i].Label, Metric: hb[i].Metric, Before: hb[i], After: ha[i]}
		if row.Before.Hidden() || row.After.Hidden() {
			row.Why = "Not enough answers in both periods to compare."
			cs.Rows = append(cs.Rows, row)
			continue
		}
		var err error
		switch row.Metric {
		case MetricTop2:
			row.Change, err = stats.ChangeInProportion(row.Before.Est, row.After.Est)
		case MetricNPS:
			row.Change, err = stats.ChangeInNPS(row.Before.Est, row.After.Est)
		default:
			row.Change, err = stats.ChangeInMean(row.Before.Est, row.After.Est)
		}
		if err != nil {
			row.Why = "The change could not be estimated."
		} else {
			row.OK = true
		}
		cs.Rows = append(cs.Rows, row)
	}
	return cs
}

func monthSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// rangeLabel writes months as "Jan 2026 – Jun 2026" (or one month).
func rangeLabel(months []string) string {
	if len(months) == 0 {
		return ""
	}
	if len(months) == 1 {
		return MonthLabel(months[0])
	}
	return MonthLabel(months[0]) + " – " + MonthLabel(months[len(months)-1])
}

// surveyTargets loads a survey's targets, soonest due first.
func (Store) surveyTargets(ctx context.Context, q db.Q, surveyID int64) ([]Target, error) {
	var out []Target
	err := db.Each(ctx, q, `SELECT id, survey_id, label, metric, question, baseline, baseline_period, target, due, created_at
		FROM survey_targets WHERE survey_id = ? ORDER BY due, id`, []any{surveyID}, func(rows *sql.Rows) error {
		var t Target
		var metric string
		if err := rows.Scan(&t.ID, &t.SurveyID, &t.Label, &metric, &t.Question, &t.Baseline, &t.BaselinePeriod, &t.Target, &t.Due, &t.CreatedAt); err != nil {
			return err
		}
		t.Metric = Metric(metric)
		out = append(out, t)
		return nil
	})
	return out, err
}

// targetsProgress sets each target against the figure of its metric in the latest period of
// the range with responses: met, on track (at or beyond a straight line from the baseline to
// the target), or not.
func targetsProgress(mc *monthCounts, d Dashboard, targets []Target, periodOf func(string) (string, string)) []TargetProgress {
	// The latest period with responses.
	var latest []string
	latestKey, latestLabel := "", ""
	for i := len(d.Months) - 1; i >= 0; i-- {
		m := d.Months[i]
		k, l := periodOf(m)
		if latestKey == "" && mc.responses[m] > 0 {
			latestKey, latestLabel = k, l
		}
		if latestKey != "" && k == latestKey {
			latest = append(latest, m)
		}
		if latestKey != "" && k != latestKey {
			break
		}
	}
	set := monthSet(latest)
	var out []TargetProgress
	for _, t := range targets {
		tp := TargetProgress{Target: t, QuestionLabel: t.Question, Status: "no figure", LatestLabel: latestLabel}
		qu, ok := mc.question(t.Question)
		if ok {
			tp.QuestionLabel = ItemLabel(qu)
		}
		if !ok || len(latest) == 0 {
			tp.Latest = Figure{Metric: t.Metric, Reason: "No answers in the range."}
			out = append(out, tp)
			continue
		}
		tp.Latest = figureOf(qu, t.Metric, mc.sum(t.Question, func(m string) bool { return set[m] }))
		// Where the straight line stands at the end of the latest period.
		end, _ := time.Parse("2006-01", latest[0])
		end = end.AddDate(0, 1, 0)
		start := t.CreatedAt
		if bp, err := time.Parse("2006-01", t.BaselinePeriod); err == nil {
			start = bp
		}
		frac := 1.0
		if span := t.Due.Sub(start); span > 0 {
			frac = math.Max(0, math.Min(1, float64(end.Sub(start))/float64(span)))
		}
		tp.Expected = t.Baseline + frac*(t.Target-t.Baseline)
		if !tp.Latest.Hidden() {
			v := tp.Latest.Est.Value
			up := t.Target >= t.Baseline
			switch {
			case up && v >= t.Target, !up && v <= t.Target:
				tp.Status = "met"
			case up && v >= tp.Expected, !up && v <= tp.Expected:
				tp.Status = "on track"
			default:
				tp.Status = "not on track"
			}
		}
		out = append(out, tp)
	}
	return out
}

// SurveyResultsDoc is the results API's answer: the headline figures and every scale item.
type SurveyResultsDoc struct {
	Survey    string `json:"survey"`
	Title     string `json:"title"`
	From      string `json:"from"`
	To        string `json:"to"`
	Channel   string `json:"channel,omitempty"`
	PlaceID   int64  `json:"place_id,omitempty"`
	N         int    `json:"n"` // responses in the filter
	Unit      string `json:"unit"`
	Weighting string `json:"weighting"`
	// Headline: overall index and top-2-box, then NPS, effort and trust when on.
	Headline []FigureDoc `json:"headline"`
	Items    []FigureDoc `json:"items"`
}

// FigureDoc is one figure for machines; value, lower and upper are null when it is hidden.
type FigureDoc struct {
	Question      string   `json:"question"`
	Text          string   `json:"text"`
	Metric        string   `json:"metric"`
	Value         *float64 `json:"value"`
	Lower         *float64 `json:"lower"`
	Upper         *float64 `json:"upper"`
	N             int      `json:"n"`
	NotApplicable int      `json:"not_applicable"`
	Reliability   string   `json:"reliability"` // ok, caution or suppressed
	Reason        string   `json:"reason,omitempty"`
	Weighting     string   `json:"weighting"`
	Unit          string   `json:"unit"`
}

func figureDoc(f Figure, text, unit string) FigureDoc {
	return FigureDoc{Question: f.Question, Text: text, Metric: string(f.Metric), Value: f.Number(),
		Lower: f.number(f.Est.Lower), Upper: f.number(f.Est.Upper), N: f.Est.N, NotApplicable: f.NA,
		Reliability: f.Reliability(), Reason: f.Reason, Weighting: Unweighted, Unit: unit}
}

// SurveyResults computes the results API's figures of the survey with code under filter f,
// for staff of its organisation (and site admins); the others get db.ErrNotFound.
func (s *Service) SurveyResults(ctx context.Context, code string, f DashFilter) (SurveyResultsDoc, error) {
	s.FlushCounts(ctx)
	sv, err := s.Store.SurveyByCode(ctx, s.DB, code)
	if err != nil {
		return SurveyResultsDoc{}, err
	}
	if err := canReadSurvey(ctx, sv); err != nil {
		return SurveyResultsDoc{}, err
	}
	mc, err := s.Store.readMonthCounts(ctx, s.DB, sv, f, f.From, f.To)
	if err != nil {
		return SurveyResultsDoc{}, err
	}
	unit := UnitLabel(sv.Unit)
	doc := SurveyResultsDoc{Survey: sv.Code, Title: sv.Title, From: f.From, To: f.To, Channel: f.Channel, PlaceID: f.PlaceID,
		Unit: unit, Weighting: Unweighted, Headline: []FigureDoc{}, Items: []FigureDoc{}}
	for _, n := range mc.responses {
		doc.N += n
	}
	texts := map[string]string{}
	for _, qu := range mc.questions {
		texts[qu.ID] = qu.Text
	}
	for _, fg := range mc.headline(nil) {
		doc.Headline = append(doc.Headline, figureDoc(fg, texts[fg.Question], unit))
	}
	for _, it := range mc.items(nil) {
		for _, fg := range it.Figures {
			doc.Items = append(doc.Items, figureDoc(fg, it.Question.Text, unit))
		}
	}
	return doc, nil
}

// PublicResults is the public results page of a survey.
type PublicResults struct {
	Survey Survey
	// Responses is the number of responses; hidden under MinCell.
	Responses       int
	ResponsesHidden bool
	First, Last     string // months with responses
	Items           []ItemRow
	NPS             bool
	Unit            string
	Computed        time.Time
}

// Has reports whether any figure of the page is of metric m (to explain it).
func (p PublicResults) Has(m string) bool {
	for _, it := range p.Items {
		for _, f := range it.Figures {
			if string(f.Metric) == m {
				return true
			}
		}
	}
	return false
}

// FieldPeriod writes when the survey ran: its field dates, or the months with responses.
func (p PublicResults) FieldPeriod() string {
	sv := p.Survey
	switch {
	case !sv.FieldStart.IsZero() && !sv.FieldEnd.IsZero():
		return sv.FieldStart.Format("2 January 2006") + " to " + sv.FieldEnd.Format("2 January 2006")
	case !sv.FieldStart.IsZero():
		return "from " + sv.FieldStart.Format("2 January 2006")
	case p.First != "":
		return rangeLabel(monthsBetween(p.First, p.Last))
	}
	return "no responses yet"
}

// PublicResults computes the public results of the survey with code: only when its results
// are published (else db.ErrNotFound), only the published scale questions (never free text),
// over every response, with every figure under MinCell answers hidden.
func (s *Service) PublicResults(ctx context.Context, code string) (PublicResults, error) {
	s.FlushCounts(ctx)
	sv, err := s.Store.SurveyByCode(ctx, s.DB, code)
	if err != nil {
		return PublicResults{}, err
	}
	if !sv.PublishResults || sv.Status == StatusDraft || sv.ArchivedAt != nil {
		return PublicResults{}, db.ErrNotFound
	}
	p := PublicResults{Survey: sv, Unit: UnitLabel(sv.Unit), Computed: s.Now()}
	published := map[string]bool{}
	for _, id := range sv.PublishedQuestions {
		published[id] = true
	}
	var qs []forms.Question
	args := []any{sv.ID}
	for _, qu := range scaleQuestions(sv.Questionnaire) {
		if published[qu.ID] {
			qs = append(qs, qu)
			args = append(args, qu.ID)
		}
	}
	hs := map[string]*scaleHist{}
	for _, qu := range qs {
		hs[qu.ID] = newScaleHist(qu)
	}
	query := "SELECT question, value, SUM(n), MIN(period), MAX(period) FROM survey_counts_month WHERE survey_id = ? AND n > 0 AND question IN (''"
	query += strings.Repeat(", ?", len(qs)) + ") GROUP BY question, value"
	err = db.Each(ctx, s.DB, query, args, func(rows *sql.Rows) error {
		var question, lo, hi string
		var value int
		var n int64
		if err := rows.Scan(&question, &value, &n, &lo, &hi); err != nil {
			return err
		}
		if question == "" {
			p.Responses += int(n)
			p.First, p.Last = lo, hi
			return nil
		}
		if h := hs[question]; h != nil {
			h.add(value, int(n))
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	p.ResponsesHidden = p.Responses < MinCell
	for _, qu := range qs {
		row := ItemRow{Question: qu, Label: ItemLabel(qu), Answered: hs[qu.ID].answered(), NA: hs[qu.ID].na}
		for _, m := range MetricsOf(qu) {
			f := figureOf(qu, m, hs[qu.ID])
			if f.Hidden() {
				f.Reason = publicReason(f)
			}
			row.Figures = append(row.Figures, f)
			if m == MetricNPS {
				p.NPS = true
			}
		}
		p.Items = append(p.Items, row)
	}
	return p, nil
}

// publicReason says in plain words why a public figure is not shown, without the count.
func publicReason(f Figure) string {
	switch {
	case !f.Computed && f.Est.N == 0:
		return "Not shown: no answers yet."
	case f.Est.N < MinCell:
		return fmt.Sprintf("Not shown: fewer than %d people answered, too few to report.", MinCell)
	}
	return "Not shown: the answers vary too much for a figure we can stand behind."
}

// CompareItems are the core items the comparison offers (5-point items with an index).
var CompareItems = []string{QOverall, QTimely, QKnowledge, QCourtesy, QExtraMile, QFairness, QOutcome, QAccess, QTrust}

// coreQuestion returns the core wording of a comparable item.
func coreQuestion(id string) (forms.Question, bool) {
	for _, q := range CoreQuestions() {
		if q.ID == id {
			return q, true
		}
	}
	for _, q := range ModuleQuestions(ModuleTrust) {
		if q.ID == id {
			return q, true
		}
	}
	return forms.Question{}, false
}

// CompareInput is what the comparison page asks for.
type CompareInput struct {
	Surveys  []int64
	From, To string
	Item     string
}

// ParseCompareInput reads the comparison's choices from URL query values.
func ParseCompareInput(q url.Values) (CompareInput, error) {
	in := CompareInput{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), Item: strings.TrimSpace(q.Get("item"))}
	var c valid.Checker
	if in.Item == "" {
		in.Item = QOverall
	}
	c.OneOf("item", in.Item, CompareItems, "Question")
	if in.From != "" && !validMonth(in.From) {
		c.Add("from", "Enter the first month as a year and month, like 2026-01.")
	}
	if in.To != "" && !validMonth(in.To) {
		c.Add("to", "Enter the last month as a year and month, like 2026-12.")
	}
	if in.From != "" && in.To != "" && !c.Has("from") && !c.Has("to") && in.To < in.From {
		c.Add("to", "The last month must not be before the first month.")
	}
	seen := map[int64]bool{}
	for _, v := range q["survey"] {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			c.Add("survey", "Choose surveys from the list.")
			continue
		}
		if !seen[id] {
			seen[id] = true
			in.Surveys = append(in.Surveys, id)
		}
	}
	if len(in.Surveys) > MaxCompare {
		c.Add("survey", fmt.Sprintf("Choose at most %d surveys.", MaxCompare))
	}
	return in, c.Err()
}

// SurveyChoice is a survey the user may compare.
type SurveyChoice struct {
	ID      int64
	Title   string
	OrgName string
	Status  string
}

// Comparison is the comparison of one core item across surveys.
type Comparison struct {
	Input   CompareInput
	Item    forms.Question
	Choices []SurveyChoice
	Rows    []CompareRow
}

// CompareRow is one survey of a comparison.
type CompareRow struct {
	Survey     SurveyChoice
	Unit       string
	Comparable bool
	Why        string
	Figure     Figure
}

// CompareChoices lists the surveys the user may read (not archived), by organisation.
func (s *Service) CompareChoices(ctx context.Context) ([]SurveyChoice, error) {
	p := authz.From(ctx)
	query := "SELECT s.id, s.title, o.name, s.status FROM surveys s JOIN organisations o ON o.id = s.organisation_id WHERE s.archived_at IS NULL"
	var args []any
	if !p.SiteAdmin {
		orgs := p.Orgs(authz.Read)
		if len(orgs) == 0 {
			return nil, nil
		}
		ph, a := db.In(orgs)
		query += " AND s.organisation_id IN (" + ph + ")"
		args = a
	}
	query += " ORDER BY o.name, s.title, s.id LIMIT 1000"
	var out []SurveyChoice
	err := db.Each(ctx, s.DB, query, args, func(rows *sql.Rows) error {
		var c SurveyChoice
		if err := rows.Scan(&c.ID, &c.Title, &c.OrgName, &c.Status); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// Compare compares a core item across the chosen surveys the user may read. A survey whose
// question differs from the core wording (or scale) in any version in use during the range is
// listed as not comparable, without a figure.
func (s *Service) Compare(ctx context.Context, in CompareInput) (Comparison, error) {
	s.FlushCounts(ctx)
	c := Comparison{Input: in}
	core, ok := coreQuestion(in.Item)
	if !ok {
		return c, valid.Errors{"item": "Choose a question from the list."}
	}
	c.Item = core
	choices, err := s.CompareChoices(ctx)
	if err != nil {
		return c, err
	}
	c.Choices = choices
	byID := map[int64]SurveyChoice{}
	for _, ch := range choices {
		byID[ch.ID] = ch
	}
	var ids []int64
	for _, id := range in.Surveys {
		if _, ok := byID[id]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return c, nil
	}
	units := map[int64]string{}
	ph, args := db.In(ids)
	err = db.Each(ctx, s.DB, "SELECT id, unit FROM surveys WHERE id IN ("+ph+")", args, func(rows *sql.Rows) error {
		var id int64
		var unit string
		if err := rows.Scan(&id, &unit); err != nil {
			return err
		}
		units[id] = UnitLabel(unit)
		return nil
	})
	if err != nil {
		return c, err
	}
	why, err := s.Store.incomparable(ctx, s.DB, ids, core, in.From, in.To)
	if err != nil {
		return c, err
	}
	hs := map[int64]*scaleHist{}
	for _, id := range ids {
		hs[id] = newScaleHist(core)
	}
	query := "SELECT survey_id, value, SUM(n) FROM survey_counts_month WHERE survey_id IN (" + ph + ") AND question = ?"
	qargs := append(append([]any{}, args...), core.ID)
	if in.From != "" {
		query += " AND period >= ?"
		qargs = append(qargs, in.From)
	}
	if in.To != "" {
		query += " AND period <= ?"
		qargs = append(qargs, in.To)
	}
	query += " GROUP BY survey_id, value"
	err = db.Each(ctx, s.DB, query, qargs, func(rows *sql.Rows) error {
		var id int64
		var value int
		var n int64
		if err := rows.Scan(&id, &value, &n); err != nil {
			return err
		}
		hs[id].add(value, int(n))
		return nil
	})
	if err != nil {
		return c, err
	}
	for _, id := range ids {
		row := CompareRow{Survey: byID[id], Unit: units[id], Why: why[id], Comparable: why[id] == ""}
		if row.Comparable {
			row.Figure = figureOf(core, MetricIndex, hs[id])
		}
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

// incomparable returns, for each survey that cannot be compared on core, why: a version in use
// during the range (from–to, months; "" is open) words the question differently, uses another
// scale, or does not ask it.
func (Store) incomparable(ctx context.Context, q db.Q, ids []int64, core forms.Question, from, to string) (map[int64]string, error) {
	type version struct {
		created time.Time
		qn      forms.Questionnaire
	}
	versions := map[int64][]version{}
	ph, args := db.In(ids)
	err := db.Each(ctx, q, "SELECT survey_id, questionnaire, created_at FROM survey_versions WHERE survey_id IN ("+ph+") ORDER BY survey_id, version",
		args, func(rows *sql.Rows) error {
			var id int64
			var raw string
			var v version
			if err := rows.Scan(&id, &raw, &v.created); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(raw), &v.qn); err != nil {
				return err
			}
			versions[id] = append(versions[id], v)
			return nil
		})
	if err != nil {
		return nil, err
	}
	var start, end time.Time // the range as times; zero is open
	if t, err := time.Parse("2006-01", from); err == nil {
		start = t
	}
	if t, err := time.Parse("2006-01", to); err == nil {
		end = t.AddDate(0, 1, 0)
	}
	out := map[int64]string{}
	for _, id := range ids {
		vs := versions[id]
		var inUse []version
		for i, v := range vs {
			// Version i is in use from its creation until the next one's.
			beginsBeforeEnd := end.IsZero() || v.created.Before(end)
			endsAfterStart := start.IsZero() || i+1 == len(vs) || vs[i+1].created.After(start)
			if beginsBeforeEnd && endsAfterStart {
				inUse = append(inUse, v)
			}
		}
		if len(inUse) == 0 && len(vs) > 0 {
			inUse = vs[len(vs)-1:]
		}
		for _, v := range inUse {
			qu, ok := v.qn.Question(core.ID)
			switch {
			case !ok:
				out[id] = "Not comparable: this survey does not ask the question."
			case qu.Type != core.Type || qu.Min != core.Min || qu.Max != core.Max:
				out[id] = "Not comparable: the question uses a different scale."
			case qu.Text != core.Text:
				out[id] = "Not comparable: question wording differs."
			}
			if out[id] != "" {
				break
			}
		}
	}
	return out, nil
}
