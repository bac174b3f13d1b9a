package satisfaction

// Weighted headline figures. When a survey has population margins (survey_weighting), the
// worker rakes the respondents to them (stats.Rake, trimming at k × the mean weight after each
// cycle) on the respondent variables the margins name — a custom single-choice question, the
// place or the channel — and computes the weighted index, top-2-box, NPS and effort of every
// scale question with Kish's effective sample size and the design-effect-aware intervals of
// the stats package. Responses missing a weighting variable are left out of weighted figures.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/stats"
)

// WeightedResult is the cached weighted analysis of a survey.
type WeightedResult struct {
	SurveyID   int64     `json:"survey_id"`
	ComputedAt time.Time `json:"computed_at"`
	Responses  int64     `json:"responses"` // stored when computed
	// Method is the sentence every weighted figure carries: "weighted to population margins
	// (raking, weights trimmed at 5 × the mean weight)".
	Method string  `json:"method"`
	Trim   float64 `json:"trim"` // k; 0: not trimmed
	// N responses had every weighting variable and were weighted; Excluded did not and are
	// left out of weighted figures.
	N        int `json:"n"`
	Excluded int `json:"excluded"`
	// NEff is Kish's effective sample size of the weights, DEff = N / NEff the design effect
	// of unequal weighting; MinWeight and MaxWeight are relative to the mean weight (1).
	NEff       float64 `json:"n_eff"`
	DEff       float64 `json:"design_effect"`
	MinWeight  float64 `json:"min_weight"`
	MaxWeight  float64 `json:"max_weight"`
	Iterations int     `json:"iterations"`
	Converged  bool    `json:"converged"`
	// Margins compares, per variable and category, the population share with the sample's
	// share before and after weighting.
	Margins []MarginCheck    `json:"margins"`
	Figures []WeightedFigure `json:"figures"`
	// Error says why the weights could not be computed; the figures are then empty.
	Error string `json:"error,omitempty"`
}

// MarginCheck is one weighting variable of a WeightedResult.
type MarginCheck struct {
	Variable   string           `json:"variable"`
	Label      string           `json:"label"`
	Categories []MarginCategory `json:"categories"`
}

// MarginCategory is one category of a weighting variable: shares in per cent.
type MarginCategory struct {
	Value      string  `json:"value"`
	Label      string  `json:"label"`
	N          int     `json:"n"`
	Population float64 `json:"population_pct"`
	Sample     float64 `json:"sample_pct"`
	Weighted   float64 `json:"weighted_pct"`
}

// WeightedFigure is one weighted headline figure.
type WeightedFigure struct {
	Question string `json:"question"`
	Label    string `json:"label"`
	Metric   Metric `json:"metric"`
	// Unit says what the number is ("index 0–100", "% in the top two points", …); Method how
	// it is weighted (the result's Method).
	Unit   string `json:"unit"`
	Method string `json:"method"`
	// Value with its 95% interval, standard error, responses and effective sample size;
	// Reliability is stats.Reliability's label ("reliable", "use with caution", "suppressed").
	Value       float64 `json:"value"`
	Lower       float64 `json:"lower"`
	Upper       float64 `json:"upper"`
	SE          float64 `json:"se"`
	N           int     `json:"n"`
	NEff        float64 `json:"n_eff"`
	Reliability string  `json:"reliability"`
	// Unweighted is the same figure on the same responses without weights.
	Unweighted float64 `json:"unweighted"`
}

// Suppressed reports whether the figure must not be published.
func (f WeightedFigure) Suppressed() bool { return f.Reliability == stats.Suppressed.String() }

// weightSpec is what the worker needs of a survey's weighting settings.
type weightSpec struct {
	Trim      float64
	UpdatedAt time.Time
	Vars      []weightVar
}

// weightVar is one margin: a respondent variable and the population share of its categories.
type weightVar struct {
	Key     string // WeightPlace, WeightChannel or a question id
	Label   string
	Values  []string
	Labels  []string
	Targets []float64 // population counts or shares, one per value
}

// category is the index of value among v's categories, noCategory when it has none.
func (v weightVar) category(value string) uint16 {
	if value == "" {
		return noCategory
	}
	for i, x := range v.Values {
		if x == value {
			return uint16(i)
		}
	}
	return noCategory
}

// loadWeighting reads a survey's weighting settings (Store.WeightingOf), nil when it has no
// margins.
func loadWeighting(ctx context.Context, q db.Q, st Store, surveyID int64) (*weightSpec, error) {
	w, ok, err := st.WeightingOf(ctx, q, surveyID)
	if err != nil || !ok {
		return nil, err
	}
	spec := &weightSpec{Trim: w.Trim, UpdatedAt: w.UpdatedAt}
	for _, m := range w.Margins {
		v := weightVar{Key: m.Variable, Label: m.Label}
		if v.Label == "" {
			v.Label = m.Variable
		}
		for _, c := range m.Categories {
			v.Values = append(v.Values, c.Value)
			label := c.Label
			if label == "" {
				label = c.Value
			}
			v.Labels = append(v.Labels, label)
			v.Targets = append(v.Targets, c.Population)
		}
		if len(v.Values) > 0 {
			spec.Vars = append(spec.Vars, v)
		}
	}
	if len(spec.Vars) == 0 {
		return nil, nil
	}
	return spec, nil
}

// WeightingMethod is the sentence that goes with every weighted figure.
func WeightingMethod(trim float64) string {
	if trim > 1 {
		return "weighted to population margins (raking, weights trimmed at " + strconv.FormatFloat(trim, 'f', -1, 64) + " × the mean weight)"
	}
	return "weighted to population margins (raking, weights not trimmed)"
}

// computeWeighted rakes the responses to the margins and computes the weighted figures of
// the questionnaire's scale questions. It returns the result and the weights, one per
// response (0 for those left out; nil when the weights could not be computed, with the
// reason in the result's Error).
func computeWeighted(data *analysisData, spec *weightSpec, q forms.Questionnaire) (*WeightedResult, []float64) {
	trim := spec.Trim
	if !(trim > 1) {
		trim = 0
	}
	res := &WeightedResult{Method: WeightingMethod(trim), Trim: trim, Margins: []MarginCheck{}, Figures: []WeightedFigure{}}
	nv := len(spec.Vars)
	included := make([]int, 0, data.n)
	for i := range data.n {
		ok := true
		for v := range nv {
			if data.cats[i*nv+v] == noCategory {
				ok = false
				break
			}
		}
		if ok {
			included = append(included, i)
		}
	}
	res.N, res.Excluded = len(included), data.n-len(included)
	if len(included) == 0 {
		res.Error = "No response has every weighting variable yet."
		return res, nil
	}
	margins := make([]stats.Margin, nv)
	for v, wv := range spec.Vars {
		total := 0.0
		for _, t := range wv.Targets {
			total += t
		}
		if !(total > 0) || math.IsInf(total, 0) {
			res.Error = fmt.Sprintf("The population margins of %s add up to nothing.", wv.Label)
			return res, nil
		}
		m := stats.Margin{Name: wv.Key, Categories: make([]int, len(included)), Targets: make([]float64, len(wv.Targets))}
		counts := make([]int, len(wv.Targets))
		for j, i := range included {
			c := int(data.cats[i*nv+v])
			m.Categories[j] = c
			counts[c]++
		}
		for c, t := range wv.Targets {
			if t > 0 && counts[c] == 0 {
				res.Error = fmt.Sprintf("No response comes from %s “%s” yet, so the responses cannot be weighted to its population share.", wv.Label, wv.Labels[c])
				return res, nil
			}
			// Targets scaled to the number of responses, so the mean weight is 1.
			m.Targets[c] = t / total * float64(len(included))
		}
		margins[v] = m
	}
	rk, err := stats.Rake(nil, margins, stats.RakeOptions{TrimK: trim})
	if err != nil && !errors.Is(err, stats.ErrNotConverged) {
		res.Error = "The weights could not be computed: " + err.Error()
		return res, nil
	}
	res.Iterations, res.Converged = rk.Iterations, rk.Converged
	wIncl := rk.Weights
	weights := make([]float64, data.n)
	res.MinWeight = math.Inf(1)
	for j, i := range included {
		weights[i] = wIncl[j]
		res.MinWeight = math.Min(res.MinWeight, wIncl[j])
		res.MaxWeight = math.Max(res.MaxWeight, wIncl[j])
	}
	if neff, err := stats.KishNEff(wIncl); err == nil {
		res.NEff = neff
		res.DEff = float64(len(included)) / neff
	}
	sumW := 0.0
	for _, w := range wIncl {
		sumW += w
	}
	for v, wv := range spec.Vars {
		mc := MarginCheck{Variable: wv.Key, Label: wv.Label}
		total := 0.0
		for _, t := range wv.Targets {
			total += t
		}
		counts := make([]int, len(wv.Targets))
		wsum := make([]float64, len(wv.Targets))
		for j, c := range margins[v].Categories {
			counts[c]++
			wsum[c] += wIncl[j]
		}
		for c := range wv.Values {
			mc.Categories = append(mc.Categories, MarginCategory{Value: wv.Values[c], Label: wv.Labels[c], N: counts[c],
				Population: 100 * wv.Targets[c] / total, Sample: 100 * float64(counts[c]) / float64(len(included)),
				Weighted: 100 * wsum[c] / sumW})
		}
		res.Margins = append(res.Margins, mc)
	}
	for c, col := range data.cols {
		qu, ok := q.Question(col.ID)
		if !ok {
			continue
		}
		resp := make([]int, 0, len(included))
		w := make([]float64, 0, len(included))
		for i := range data.n {
			if weights[i] <= 0 {
				continue
			}
			v := data.val(i, c)
			if v == missing {
				continue
			}
			resp = append(resp, int(v)+col.Min)
			w = append(w, weights[i])
		}
		if len(resp) == 0 {
			continue
		}
		for _, m := range MetricsOf(qu) {
			f, ok := weightedFigure(m, qu, resp, w)
			if !ok {
				continue
			}
			f.Method = res.Method
			res.Figures = append(res.Figures, f)
		}
	}
	return res, weights
}

// MetricUnit says what a metric's number is.
func MetricUnit(m Metric) string {
	switch m {
	case MetricIndex:
		return "index 0–100"
	case MetricTop2:
		return "% in the top two points"
	case MetricNPS:
		return "net promoter score, −100 to 100"
	case MetricEffort:
		return "mean on the 7-point ease scale (1–7)"
	}
	return string(m)
}

// weightedFigure computes one metric of a question on responses (scale points) with weights.
func weightedFigure(m Metric, qu forms.Question, resp []int, w []float64) (WeightedFigure, bool) {
	var est func(w []float64) (stats.Estimate, error)
	points := qu.Max - qu.Min + 1
	switch {
	case m == MetricIndex && qu.Min == 1 && qu.Max == 5:
		est = func(w []float64) (stats.Estimate, error) { return stats.WeightedIndex(resp, w) }
	case m == MetricEffort && qu.Min == 1 && qu.Max == 7:
		est = func(w []float64) (stats.Estimate, error) { return stats.WeightedEffort(resp, w) }
	case m == MetricNPS && qu.Min == 0 && qu.Max == 10:
		est = func(w []float64) (stats.Estimate, error) { return stats.WeightedNPS(resp, w) }
	case m == MetricTop2:
		shifted := make([]int, len(resp))
		for i, r := range resp {
			shifted[i] = r - qu.Min + 1
		}
		est = func(w []float64) (stats.Estimate, error) { return stats.WeightedTopTwoBox(shifted, points, w) }
	default:
		return WeightedFigure{}, false
	}
	e, err := est(w)
	if err != nil {
		return WeightedFigure{}, false
	}
	u, err := est(nil)
	if err != nil {
		return WeightedFigure{}, false
	}
	f := WeightedFigure{Question: qu.ID, Label: qu.Text, Metric: m, Unit: MetricUnit(m),
		Value: finite(e.Value), Lower: finite(e.Lower), Upper: finite(e.Upper), SE: finite(e.SE),
		N: e.N, NEff: finite(e.NEff), Reliability: e.Reliability.String(), Unweighted: finite(u.Value)}
	if e.N < MinCell || math.IsNaN(e.Lower) || math.IsNaN(e.Upper) {
		f.Reliability = stats.Suppressed.String()
	}
	return f, true
}

// finite maps NaN and ±Inf to 0 (JSON has no NaN); callers flag such figures.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// WeightedFigures returns the latest weighted figures of a survey, nil when it has no
// weighting margins or they are not computed yet for the current margins (the survey is then
// queued for the worker). It never computes. The caller has checked that the principal may
// read the survey.
func (s *Service) WeightedFigures(ctx context.Context, surveyID int64) (*WeightedResult, error) {
	var updated time.Time
	err := s.DB.QueryRow(ctx, "SELECT updated_at FROM survey_weighting WHERE survey_id = ?", surveyID).Scan(&updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r WeightedResult
	computed, ok, err := cachedAnalysis(ctx, s.DB, surveyID, AnalysisWeighted, &r)
	if err != nil {
		return nil, err
	}
	if !ok || computed.Before(updated) {
		if s.Analyses != nil {
			s.Analyses.MarkDirty([]int64{surveyID})
		}
		return nil, nil
	}
	return &r, nil
}

// FigureFor returns the weighted figure of a question's metric.
func (r *WeightedResult) FigureFor(question string, m Metric) (WeightedFigure, bool) {
	if r == nil {
		return WeightedFigure{}, false
	}
	for _, f := range r.Figures {
		if f.Question == question && f.Metric == m {
			return f, true
		}
	}
	return WeightedFigure{}, false
}

// VariablesText lists the weighting variables: "place and channel".
func (r *WeightedResult) VariablesText() string {
	var names []string
	for _, m := range r.Margins {
		names = append(names, m.Label)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
