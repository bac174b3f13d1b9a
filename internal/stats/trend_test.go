package stats

import (
	"errors"
	"math"
	"testing"
)

// TestForecastByHand checks the fit and the 95% prediction intervals against an example worked
// by hand.
//
// Points (x, y): (1, 2), (2, 4), (3, 5), (4, 4), (5, 5); n = 5.
//
//	x̄ = 15/5 = 3, ȳ = 20/5 = 4.
//	x − x̄ = −2, −1, 0, 1, 2;  y − ȳ = −2, 0, 1, 0, 1.
//	Sxx = 4 + 1 + 0 + 1 + 4 = 10.
//	Sxy = (−2)(−2) + (−1)(0) + (0)(1) + (1)(0) + (2)(1) = 4 + 2 = 6.
//	b = Sxy/Sxx = 0.6;  a = ȳ − b·x̄ = 4 − 1.8 = 2.2.
//	fitted ŷ = 2.8, 3.4, 4.0, 4.6, 5.2;  residuals = −0.8, 0.6, 1.0, −0.6, −0.2.
//	SSE = 0.64 + 0.36 + 1.00 + 0.36 + 0.04 = 2.4;  s² = SSE/(n − 2) = 2.4/3 = 0.8.
//	t(0.975, 3 df) = 3.182446 (tables print 3.182).
//
// At x0 = 6: ŷ = 2.2 + 0.6·6 = 5.8;
//
//	SE = √(0.8·(1 + 1/5 + (6 − 3)²/10)) = √(0.8·2.1) = √1.68 = 1.296148;
//	margin = 3.182446·1.296148 = 4.124922;  interval 1.675078 to 9.924922.
//
// At x0 = 7: ŷ = 6.4;  SE = √(0.8·(1 + 0.2 + 16/10)) = √2.24 = 1.496663;
//
//	margin = 3.182446·1.496663 = 4.763049;  interval 1.636951 to 11.163049.
//
// At x0 = 3 (the mean): ŷ = 4.0;  SE = √(0.8·1.2) = √0.96 = 0.979796;
//
//	margin = 3.182446·0.979796 = 3.118148;  interval 0.881852 to 7.118148.
func TestForecastByHand(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, 4, 5, 4, 5}
	tr, ps, err := Forecast(x, y, []float64{6, 7, 3}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"n", float64(tr.N), 5}, {"slope", tr.Slope, 0.6}, {"intercept", tr.Intercept, 2.2},
		{"x̄", tr.XMean, 3}, {"Sxx", tr.Sxx, 10}, {"s²", tr.S2, 0.8},
		{"SE at 6", tr.PredictionSE(6), math.Sqrt(1.68)}, {"SE at 7", tr.PredictionSE(7), math.Sqrt(2.24)},
	} {
		if !within(c.got, c.want, 1e-12) {
			t.Errorf("%s = %.15g, want %v", c.name, c.got, c.want)
		}
	}
	want := []Prediction{
		{X: 6, Value: 5.8, Lower: 1.675078, Upper: 9.924922},
		{X: 7, Value: 6.4, Lower: 1.636951, Upper: 11.163049},
		{X: 3, Value: 4.0, Lower: 0.881852, Upper: 7.118148},
	}
	if len(ps) != len(want) {
		t.Fatalf("%d predictions, want %d", len(ps), len(want))
	}
	for i, w := range want {
		p := ps[i]
		if p.X != w.X || !within(p.Value, w.Value, 1e-12) || !within(p.Lower, w.Lower, 5e-6) || !within(p.Upper, w.Upper, 5e-6) {
			t.Errorf("at %v: %.6f (%.6f to %.6f), want %.6f (%.6f to %.6f)", w.X, p.Value, p.Lower, p.Upper, w.Value, w.Lower, w.Upper)
		}
	}
	// A 90% interval is narrower: t(0.95, 3) = 2.353363 (tables: 2.353).
	p90, err := tr.Predict(6, 0.90)
	if err != nil {
		t.Fatal(err)
	}
	if !within(p90.Upper-p90.Value, 2.353363*math.Sqrt(1.68), 5e-6) {
		t.Errorf("90%% margin at 6 = %.6f, want %.6f", p90.Upper-p90.Value, 2.353363*math.Sqrt(1.68))
	}
}

// TestTrendYears checks that x given as years (2009, 2012, …) gives the same line and
// intervals as x given as 0, 1, 2, … scaled by the step: only the units of the slope change.
func TestTrendYears(t *testing.T) {
	y := []float64{52.1, 54.0, 55.2, 57.9, 58.3}
	idx := []float64{0, 1, 2, 3, 4}
	years := []float64{2009, 2012, 2015, 2018, 2021}
	a, pa, err := Forecast(idx, y, []float64{5, 6}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	b, pb, err := Forecast(years, y, []float64{2024, 2027}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !within(a.Slope, b.Slope*3, 1e-9) || !within(a.S2, b.S2, 1e-9) {
		t.Errorf("slopes %v and %v·3, s² %v and %v", a.Slope, b.Slope, a.S2, b.S2)
	}
	for i := range pa {
		if !within(pa[i].Value, pb[i].Value, 1e-9) || !within(pa[i].Lower, pb[i].Lower, 1e-9) || !within(pa[i].Upper, pb[i].Upper, 1e-9) {
			t.Errorf("forecast %d: %+v by index, %+v by year", i, pa[i], pb[i])
		}
	}
}

// norrisY and norrisX are the NIST Statistical Reference Datasets "Norris" data (linear least
// squares, lower difficulty: calibration of ozone monitors, 36 observations), from
// https://www.itl.nist.gov/div898/strd/lls/data/LINKS/DATA/Norris.dat.
var (
	norrisY = []float64{0.1, 338.8, 118.1, 888.0, 9.2, 228.1, 668.5, 998.5, 449.1, 778.9, 559.2, 0.3, 0.1, 778.1, 668.8, 339.3, 448.9, 10.8,
		557.7, 228.3, 998.0, 888.8, 119.6, 0.3, 0.6, 557.6, 339.3, 888.0, 998.5, 778.9, 10.2, 117.6, 228.9, 668.4, 449.2, 0.2}
	norrisX = []float64{0.2, 337.4, 118.2, 884.6, 10.1, 226.5, 666.3, 996.3, 448.6, 777.0, 558.2, 0.4, 0.6, 775.5, 666.9, 338.0, 447.5, 11.6,
		556.0, 228.1, 995.8, 887.6, 120.2, 0.3, 0.3, 556.8, 339.1, 887.2, 999.0, 779.0, 11.1, 118.3, 229.2, 669.1, 448.9, 0.5}
)

// TestTrendNIST checks the fit against NIST's certified values for the Norris data: B0 =
// −0.262323073774029 (standard deviation 0.232818234301152), B1 = 1.00211681802045 (standard
// deviation 0.429796848199937E-03), residual standard deviation 0.884796396144373. The
// prediction interval's standard error follows from them: the standard deviation of B1 is
// s/√Sxx, and that of B0 is the standard error of the line at x0 = 0, s·√(1/n + x̄²/Sxx), so
// a new observation at 0 has SE² = s² + sd(B0)².
func TestTrendNIST(t *testing.T) {
	tr, err := FitTrend(norrisX, norrisY)
	if err != nil {
		t.Fatal(err)
	}
	const (
		b0, sdB0 = -0.262323073774029, 0.232818234301152
		b1, sdB1 = 1.00211681802045, 0.429796848199937e-03
		sdRes    = 0.884796396144373
	)
	if tr.N != 36 {
		t.Errorf("n = %d, want 36", tr.N)
	}
	if !within(tr.Intercept, b0, 1e-10) {
		t.Errorf("B0 = %.15g, want %.15g", tr.Intercept, b0)
	}
	if !within(tr.Slope, b1, 1e-12) {
		t.Errorf("B1 = %.15g, want %.15g", tr.Slope, b1)
	}
	if s := math.Sqrt(tr.S2); !within(s, sdRes, 1e-10) {
		t.Errorf("residual SD = %.15g, want %.15g", s, sdRes)
	}
	if sd := math.Sqrt(tr.S2 / tr.Sxx); !within(sd, sdB1, 1e-13) {
		t.Errorf("SD of B1 = %.15g, want %.15g", sd, sdB1)
	}
	if se, want := tr.PredictionSE(0), math.Sqrt(sdRes*sdRes+sdB0*sdB0); !within(se, want, 1e-10) {
		t.Errorf("prediction SE at 0 = %.15g, want %.15g", se, want)
	}
	// With 34 df, t(0.975) = 2.032245 (tables: 2.032).
	p, err := tr.Predict(0, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2.032245 * math.Sqrt(sdRes*sdRes+sdB0*sdB0); !within(p.Upper-p.Value, want, 1e-5) {
		t.Errorf("margin at 0 = %.6f, want %.6f", p.Upper-p.Value, want)
	}
}

func TestTrendPerfectLine(t *testing.T) {
	tr, ps, err := Forecast([]float64{1, 2, 3, 4}, []float64{10, 12, 14, 16}, []float64{5}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if tr.S2 != 0 || ps[0].Value != 18 || ps[0].Lower != 18 || ps[0].Upper != 18 {
		t.Errorf("a perfect line: s² %v, forecast %+v", tr.S2, ps[0])
	}
}

func TestTrendRefuses(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		x, y []float64
		want error
	}{
		{"none", nil, nil, ErrTooFew},
		{"two points", []float64{1, 2}, []float64{3, 4}, ErrTooFew},
		{"one x", []float64{2, 2, 2}, []float64{1, 2, 3}, ErrFlat},
		{"lengths", []float64{1, 2, 3}, []float64{1, 2}, nil},
		{"NaN", []float64{1, 2, 3}, []float64{1, nan, 3}, nil},
		{"Inf", []float64{1, math.Inf(1), 3}, []float64{1, 2, 3}, nil},
		{"overflow", []float64{1, 2, 3}, []float64{1e308, -1e308, 1e308}, nil},
	}
	for _, c := range cases {
		_, err := FitTrend(c.x, c.y)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	tr, err := FitTrend([]float64{1, 2, 3}, []float64{1, 3, 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, conf := range []float64{0, 1, -0.5, nan} {
		if _, err := tr.Predict(4, conf); err == nil {
			t.Errorf("conf %v: no error", conf)
		}
	}
	if _, err := tr.Predict(math.Inf(1), 0.95); err == nil {
		t.Error("x0 = +Inf: no error")
	}
	if _, err := (Trend{}).Predict(1, 0.95); !errors.Is(err, ErrTooFew) {
		t.Errorf("zero trend: %v", err)
	}
	// Three points are enough (one degree of freedom: t(0.975, 1) = 12.706).
	p, err := tr.Predict(4, 0.95)
	if err != nil || !within((p.Upper-p.Value)/tr.PredictionSE(4), 12.706, 5e-4) {
		t.Errorf("three points: %+v, %v", p, err)
	}
}
