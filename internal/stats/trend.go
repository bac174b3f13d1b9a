package stats

// The forecast "if nothing changes" of results-based accountability (the turn-the-curve
// chart): an ordinary least-squares line through the baseline history, carried forward, with
// the prediction interval of a new observation at each future period.

import (
	"errors"
	"math"
)

// MinTrendPoints is the fewest points a trend is fitted to: with two, a line passes through
// both and leaves nothing to estimate its error from.
const MinTrendPoints = 3

// ErrFlat is returned when every point has the same x: no line can be fitted.
var ErrFlat = errors.New("stats: every point has the same x")

// Trend is the least-squares line y = Intercept + Slope·x through N points, with what the
// prediction interval needs: the means of x and y, Sxx = Σ(x − x̄)², and the residual variance
// S2 = Σ(y − ŷ)² / (N − 2).
type Trend struct {
	N         int
	Intercept float64
	Slope     float64
	XMean     float64
	YMean     float64
	Sxx       float64
	S2        float64
}

// Prediction is the trend's value at X with the bounds of its prediction interval.
type Prediction struct {
	X     float64
	Value float64
	Lower float64
	Upper float64
}

// FitTrend fits y = a + b·x by ordinary least squares: b = Sxy / Sxx, a = ȳ − b·x̄. It refuses
// fewer than MinTrendPoints points (ErrTooFew), slices of different lengths, values that are
// not finite, and points that all share one x (ErrFlat). Sums are taken about the means, which
// keeps precision when x is a year such as 2021.
func FitTrend(x, y []float64) (Trend, error) {
	n := len(x)
	if n != len(y) {
		return Trend{}, errors.New("stats: x and y differ in length")
	}
	if n < MinTrendPoints {
		return Trend{}, ErrTooFew
	}
	var sx, sy float64
	for i := range n {
		if !isFinite(x[i]) || !isFinite(y[i]) {
			return Trend{}, errors.New("stats: a value is not a finite number")
		}
		sx += x[i]
		sy += y[i]
	}
	xm, ym := sx/float64(n), sy/float64(n)
	var sxx, sxy float64
	for i := range n {
		dx := x[i] - xm
		sxx += dx * dx
		sxy += dx * (y[i] - ym)
	}
	if !(sxx > 0) {
		return Trend{}, ErrFlat
	}
	t := Trend{N: n, XMean: xm, YMean: ym, Sxx: sxx, Slope: sxy / sxx}
	t.Intercept = ym - t.Slope*xm
	var sse float64
	for i := range n {
		r := y[i] - t.At(x[i])
		sse += r * r
	}
	t.S2 = sse / float64(n-2)
	if !isFinite(t.Slope) || !isFinite(t.Intercept) || !isFinite(t.S2) {
		return Trend{}, errors.New("stats: the values are too large to fit a line to")
	}
	return t, nil
}

// At is the trend's value at x, ȳ + b·(x − x̄) (the same line as a + b·x, with less rounding
// far from zero).
func (t Trend) At(x float64) float64 { return t.YMean + t.Slope*(x-t.XMean) }

// PredictionSE is the standard error of a new observation at x0:
// √(s²·(1 + 1/n + (x0 − x̄)²/Sxx)).
func (t Trend) PredictionSE(x0 float64) float64 {
	d := x0 - t.XMean
	return math.Sqrt(t.S2 * (1 + 1/float64(t.N) + d*d/t.Sxx))
}

// Predict is the trend's value at x0 with the conf prediction interval of a new observation
// there: value ± t(1 − (1 − conf)/2, n − 2) · PredictionSE(x0).
func (t Trend) Predict(x0, conf float64) (Prediction, error) {
	if t.N < MinTrendPoints || !(t.Sxx > 0) {
		return Prediction{}, ErrTooFew
	}
	if math.IsNaN(conf) || conf <= 0 || conf >= 1 {
		return Prediction{}, ErrProbability
	}
	if !isFinite(x0) {
		return Prediction{}, errors.New("stats: x is not a finite number")
	}
	q, err := TQuantile(1-(1-conf)/2, float64(t.N-2))
	if err != nil {
		return Prediction{}, err
	}
	v := t.At(x0)
	m := q * t.PredictionSE(x0)
	return Prediction{X: x0, Value: v, Lower: v - m, Upper: v + m}, nil
}

// Forecast fits the trend to the baseline (x, y) and predicts it at each of the future x
// values, with conf prediction intervals: the forecast if nothing changes.
func Forecast(x, y, future []float64, conf float64) (Trend, []Prediction, error) {
	t, err := FitTrend(x, y)
	if err != nil {
		return Trend{}, nil, err
	}
	out := make([]Prediction, 0, len(future))
	for _, x0 := range future {
		p, err := t.Predict(x0, conf)
		if err != nil {
			return Trend{}, nil, err
		}
		out = append(out, p)
	}
	return t, out, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
