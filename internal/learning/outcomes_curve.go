package learning

import (
	"fmt"
	"math"
	"slices"

	"github.com/joinedup/joinedup/internal/platform/chart"
	"github.com/joinedup/joinedup/internal/stats"
)

// The curve of an indicator at one place: the baseline (the final figures up to the
// indicator's baseline end, or all of them when it has none), the forecast if nothing changes
// (the baseline's straight-line trend carried forward, with a 95% prediction interval), the
// actual figures after the baseline, the provisional figures (never part of the baseline), and
// the target.

// ForecastConfidence is the level of the forecast's prediction interval.
const ForecastConfidence = 0.95

// Forecast horizon: at least minHorizon periods past the baseline, and on to the latest figure
// and the target period, up to maxHorizon.
const (
	minHorizon = 3
	maxHorizon = 20
)

// Curve is the turn-the-curve view of one indicator at one place.
type Curve struct {
	PlaceID      int64           `json:"place_id"`
	PlaceName    string          `json:"place_name"`
	Baseline     []CurvePoint    `json:"baseline"`
	Actual       []CurvePoint    `json:"actual"`
	Provisional  []CurvePoint    `json:"provisional"`
	Forecast     []ForecastPoint `json:"forecast"`
	Trend        *CurveTrend     `json:"trend,omitempty"`
	NoForecast   string          `json:"no_forecast,omitempty"` // why there is no forecast
	Verdict      string          `json:"verdict,omitempty"`     // the latest figure against the forecast
	Illustrative bool            `json:"illustrative"`

	format string
	unit   string
	trend  *stats.Trend
}

// CurvePoint is one figure on the curve.
type CurvePoint struct {
	Period      string  `json:"period"`
	Label       string  `json:"label"`
	Value       float64 `json:"value"`
	Provisional bool    `json:"provisional,omitempty"`
	Note        string  `json:"note,omitempty"`
	idx         int
}

// ForecastPoint is the forecast for one period with its prediction interval.
type ForecastPoint struct {
	Period string  `json:"period"`
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
	Lower  float64 `json:"lower"`
	Upper  float64 `json:"upper"`
	idx    int
}

// CurveTrend describes the baseline's trend.
type CurveTrend struct {
	ChangePerPeriod float64 `json:"change_per_period"` // per year, quarter or month
	Points          int     `json:"points"`
	Step            int     `json:"step"` // periods between forecasts (3 for a census every three years)
	Confidence      float64 `json:"confidence"`
}

// Empty reports whether the curve has no figures at all.
func (c Curve) Empty() bool {
	return len(c.Baseline)+len(c.Actual)+len(c.Provisional) == 0
}

// PeriodNoun names one period of the curve's format ("year").
func (c Curve) PeriodNoun() string {
	switch c.format {
	case PeriodQuarter:
		return "quarter"
	case PeriodMonth:
		return "month"
	case PeriodFinancialYear:
		return "financial year"
	}
	return "year"
}

// TrendText describes the trend in words.
func (c Curve) TrendText() string {
	if c.Trend == nil {
		return ""
	}
	d := c.Trend.ChangePerPeriod
	word := "rising"
	if d < 0 {
		word = "falling"
	}
	if fmtValue(math.Abs(d), "") == "0" {
		return fmt.Sprintf("The baseline of %d figures is about level.", c.Trend.Points)
	}
	by := fmtValue(math.Abs(d), "")
	switch {
	case c.unit == "%" && by == "1":
		by += " percentage point"
	case c.unit == "%":
		by += " percentage points"
	case c.unit != "":
		by += " " + c.unit
	}
	return fmt.Sprintf("The baseline of %d figures is %s by about %s a %s.", c.Trend.Points, word, by, c.PeriodNoun())
}

// BuildCurve draws up the curve of an indicator at a place from its observations (those at
// other places are left out).
func BuildCurve(ind Indicator, obs []Observation, placeID int64, placeName string) Curve {
	c := Curve{PlaceID: placeID, PlaceName: placeName, Baseline: []CurvePoint{}, Actual: []CurvePoint{}, Provisional: []CurvePoint{},
		Forecast: []ForecastPoint{}, Illustrative: ind.Illustrative, format: ind.PeriodFormat, unit: ind.Unit}
	end := math.MaxInt
	if ind.BaselineEnd != "" {
		if p, err := ParseObsPeriod(ind.BaselineEnd, ind.PeriodFormat); err == nil {
			end = p.Index()
		}
	}
	for _, o := range obs {
		if o.PlaceID != placeID {
			continue
		}
		p, err := ParseObsPeriod(o.Period, ind.PeriodFormat)
		if err != nil {
			continue
		}
		if c.PlaceName == "" {
			c.PlaceName = o.PlaceName
		}
		pt := CurvePoint{Period: p.String(), Label: p.Label(), Value: o.Value, Provisional: o.Provisional, Note: o.Note, idx: p.Index()}
		switch {
		case o.Provisional:
			c.Provisional = append(c.Provisional, pt)
		case pt.idx <= end:
			c.Baseline = append(c.Baseline, pt)
		default:
			c.Actual = append(c.Actual, pt)
		}
	}
	byIdx := func(a, b CurvePoint) int { return a.idx - b.idx }
	slices.SortFunc(c.Baseline, byIdx)
	slices.SortFunc(c.Actual, byIdx)
	slices.SortFunc(c.Provisional, byIdx)
	c.forecast(ind)
	return c
}

func clampPct(v float64) float64 { return math.Max(0, math.Min(100, v)) }

func obsGCD(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	if a < 0 {
		return -a
	}
	return a
}

// forecast fits the baseline's trend and carries it forward.
func (c *Curve) forecast(ind Indicator) {
	n := len(c.Baseline)
	if n < stats.MinTrendPoints {
		c.NoForecast = fmt.Sprintf("A forecast needs at least %d baseline figures; there are %d.", stats.MinTrendPoints, n)
		return
	}
	x, y := make([]float64, n), make([]float64, n)
	step := 0
	for k, p := range c.Baseline {
		x[k], y[k] = float64(p.idx), p.Value
		if k > 0 {
			step = obsGCD(step, p.idx-c.Baseline[k-1].idx)
		}
	}
	step = max(step, 1)
	last := c.Baseline[n-1].idx
	reach := last + minHorizon*step
	for _, ps := range [][]CurvePoint{c.Actual, c.Provisional} {
		for _, p := range ps {
			reach = max(reach, p.idx)
		}
	}
	if ind.TargetPeriod != "" {
		if p, err := ParseObsPeriod(ind.TargetPeriod, ind.PeriodFormat); err == nil {
			reach = max(reach, p.Index())
		}
	}
	var future []float64
	for i := last + step; i <= reach+step-1 && len(future) < maxHorizon; i += step {
		future = append(future, float64(i))
	}
	tr, preds, err := stats.Forecast(x, y, future, ForecastConfidence)
	if err != nil {
		c.NoForecast = "No forecast can be drawn from these figures: they all fall in one period."
		return
	}
	c.trend = &tr
	c.Trend = &CurveTrend{ChangePerPeriod: tr.Slope, Points: n, Step: step, Confidence: ForecastConfidence}
	for _, pr := range preds {
		if c.unit == "%" { // a share cannot fall below 0% or rise above 100%, whatever the line says
			pr.Value, pr.Lower, pr.Upper = clampPct(pr.Value), clampPct(pr.Lower), clampPct(pr.Upper)
		}
		p := obsPeriodAt(c.format, int(pr.X))
		c.Forecast = append(c.Forecast, ForecastPoint{Period: p.String(), Label: p.Label(), Value: pr.Value, Lower: pr.Lower, Upper: pr.Upper, idx: int(pr.X)})
	}
	c.verdict(ind)
}

// verdict sets the latest figure after the baseline against the forecast for its period.
func (c *Curve) verdict(ind Indicator) {
	var latest *CurvePoint
	for _, ps := range [][]CurvePoint{c.Actual, c.Provisional} {
		for k := range ps {
			if p := &ps[k]; p.idx > c.Baseline[len(c.Baseline)-1].idx && (latest == nil || p.idx > latest.idx) {
				latest = p
			}
		}
	}
	if latest == nil || c.trend == nil {
		return
	}
	pr, err := c.trend.Predict(float64(latest.idx), ForecastConfidence)
	if err != nil {
		return
	}
	if c.unit == "%" {
		pr.Lower, pr.Upper = clampPct(pr.Lower), clampPct(pr.Upper)
	}
	f := func(v float64) string { return fmtValue(v, c.unit) }
	what := fmt.Sprintf("The latest figure, %s for %s", f(latest.Value), latest.Label)
	if latest.Provisional {
		what += " (provisional)"
	}
	rng := fmt.Sprintf("the forecast’s %.0f%% range of %s to %s", ForecastConfidence*100, f(pr.Lower), f(pr.Upper))
	good := ind.GoodDirection != "down"
	switch {
	case latest.Value > pr.Upper:
		c.Verdict = what + ", is above " + rng + ": " + map[bool]string{true: "better", false: "worse"}[good] + " than if nothing had changed."
	case latest.Value < pr.Lower:
		c.Verdict = what + ", is below " + rng + ": " + map[bool]string{true: "worse", false: "better"}[good] + " than if nothing had changed."
	default:
		c.Verdict = what + ", is within " + rng + ": not yet distinguishable from the trend."
	}
}

// Chart draws the curve: the baseline solid, the forecast dashed with its band, the actual
// figures after the baseline, the provisional figures with their own marker and line style
// (and their own column in the table), the target as a reference line and a divider where the
// forecast starts.
func (c Curve) Chart(ind Indicator, id string) chart.Chart {
	idxs := map[int]bool{}
	for _, ps := range [][]CurvePoint{c.Baseline, c.Actual, c.Provisional} {
		for _, p := range ps {
			idxs[p.idx] = true
		}
	}
	for _, p := range c.Forecast {
		idxs[p.idx] = true
	}
	order := make([]int, 0, len(idxs))
	for i := range idxs {
		order = append(order, i)
	}
	slices.Sort(order)
	at := make(map[int]int, len(order))
	cats := make([]string, len(order))
	for k, i := range order {
		at[i] = k
		cats[k] = obsPeriodAt(c.format, i).Label()
	}
	nan := func() []float64 {
		v := make([]float64, len(order))
		for k := range v {
			v[k] = math.NaN()
		}
		return v
	}
	points := func(name string, ps []CurvePoint, style chart.LineStyle, m chart.Marker) (chart.Series, bool) {
		s := chart.Series{Name: name, Values: nan(), Style: style, Marker: m}
		for _, p := range ps {
			s.Values[at[p.idx]] = p.Value
		}
		return s, len(ps) > 0
	}
	var series []chart.Series
	if s, ok := points("Baseline", c.Baseline, chart.Solid, chart.Circle); ok {
		series = append(series, s)
	}
	if len(c.Forecast) > 0 {
		s := chart.Series{Name: "Forecast if nothing changes", Values: nan(), Lower: nan(), Upper: nan(), Style: chart.Dashed, Marker: chart.Diamond}
		for _, p := range c.Forecast {
			k := at[p.idx]
			s.Values[k], s.Lower[k], s.Upper[k] = p.Value, p.Lower, p.Upper
		}
		series = append(series, s)
	}
	if s, ok := points("Actual", c.Actual, chart.Solid, chart.Square); ok {
		series = append(series, s)
	}
	if s, ok := points("Provisional (may change)", c.Provisional, chart.Dotted, chart.Triangle); ok {
		series = append(series, s)
	}
	title := ind.Name
	if c.PlaceName != "" {
		title += " — " + c.PlaceName
	}
	if c.Illustrative {
		title += " (illustrative figures)"
	}
	lc := chart.Line{ID: id, Title: title, Categories: cats, Series: series, CategoryName: "Period",
		BandName: fmt.Sprintf("%.0f%% prediction interval", ForecastConfidence*100), MissingText: "–",
		Format: func(v float64) string { return fmtValue(v, ind.Unit) }}
	if ind.Unit != "" && ind.Unit != "%" {
		lc.YLabel = ind.Unit
	}
	if ind.TargetValue != nil {
		lc.Refs = []chart.Ring{{Value: *ind.TargetValue, Label: "Target: " + ind.TargetText()}}
	}
	if len(c.Forecast) > 0 {
		lc.Dividers = []chart.Divider{{At: at[c.Forecast[0].idx], Label: "Forecast starts"}}
	}
	return lc.Draw()
}
