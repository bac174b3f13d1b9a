package stats

import (
	"errors"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestQuantileReference checks definition 7 against published values: R's
// quantile(1:10) (0%, 25%, 50%, 75%, 100% = 1, 3.25, 5.5, 7.75, 10), and the two data sets of
// the Wikipedia article "Quartile" for its method 4 (R type 7, Excel QUARTILE.INC):
// {6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49} → 25.5, 40, 42.5 and {7, 15, 36, 39, 40, 41} →
// 20.25, 37.5, 39.75. R's documentation example quantile(c(0, 1), 0.1) is 0.1.
func TestQuantileReference(t *testing.T) {
	cases := []struct {
		name string
		xs   []float64
		ps   []float64
		want []float64
	}{
		{"R quantile(1:10)", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []float64{0, 0.25, 0.5, 0.75, 1}, []float64{1, 3.25, 5.5, 7.75, 10}},
		{"Wikipedia odd", []float64{6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49}, []float64{0.25, 0.5, 0.75}, []float64{25.5, 40, 42.5}},
		{"Wikipedia even", []float64{7, 15, 36, 39, 40, 41}, []float64{0.25, 0.5, 0.75}, []float64{20.25, 37.5, 39.75}},
		{"unsorted input", []float64{41, 7, 39, 15, 40, 36}, []float64{0.25, 0.5, 0.75}, []float64{20.25, 37.5, 39.75}},
		{"two values", []float64{0, 1}, []float64{0.1}, []float64{0.1}},
		{"one value", []float64{42}, []float64{0, 0.3, 1}, []float64{42, 42, 42}},
		// Worked by hand, five organisations' scores: h = 4p, so the quartiles fall on order
		// statistics: Q1 = x(2) = 40, median = x(3) = 55, Q3 = x(4) = 70.
		{"five scores", []float64{70, 25, 55, 40, 90}, []float64{0.25, 0.5, 0.75}, []float64{40, 55, 70}},
		// Six scores: h = 5p; Q1 at 1.25 → 40 + 0.25(50 − 40) = 42.5; median at 2.5 → 55;
		// Q3 at 3.75 → 60 + 0.75(75 − 60) = 71.25.
		{"six scores", []float64{75, 25, 60, 40, 50, 90}, []float64{0.25, 0.5, 0.75}, []float64{42.5, 55, 71.25}},
	}
	for _, c := range cases {
		got, err := Quantiles(c.xs, c.ps...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i := range got {
			if !near(got[i], c.want[i]) {
				t.Errorf("%s: quantile %v = %v, want %v", c.name, c.ps[i], got[i], c.want[i])
			}
		}
	}
	if q, err := Quantile([]float64{-math.MaxFloat64, math.MaxFloat64}, 0.5); err != nil || q != 0 {
		t.Errorf("extreme values: %v, %v", q, err)
	}
	xs := []float64{3, 1, 2}
	if _, err := Quantile(xs, 0.5); err != nil || xs[0] != 3 {
		t.Errorf("the input was changed: %v (%v)", xs, err)
	}
}

func TestQuantileErrors(t *testing.T) {
	if _, err := Quantile(nil, 0.5); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	for _, p := range []float64{-0.1, 1.01, math.NaN()} {
		if _, err := Quantile([]float64{1, 2}, p); !errors.Is(err, ErrProbability) {
			t.Errorf("p=%v: %v", p, err)
		}
	}
	if _, err := Quantile([]float64{1, math.NaN()}, 0.5); err == nil {
		t.Error("NaN accepted")
	}
}

func TestSummarise(t *testing.T) {
	s, err := Summarise([]float64{7, 15, 36, 39, 40, 41})
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{N: 6, Min: 7, Q1: 20.25, Median: 37.5, Q3: 39.75, Max: 41}
	if s != want {
		t.Errorf("Summarise = %+v, want %+v", s, want)
	}
}

// FuzzQuantile: quantiles never panic, stay within the range and rise with p.
func FuzzQuantile(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 0.25)
	f.Add(-5.0, 5.0, 0.0, 1.0)
	f.Fuzz(func(t *testing.T, a, b, c, p float64) {
		xs := []float64{a, b, c}
		q, err := Quantile(xs, p)
		if err != nil {
			return
		}
		lo, hi := math.Min(a, math.Min(b, c)), math.Max(a, math.Max(b, c))
		if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			return
		}
		if q < lo-1e-9*math.Abs(lo) || q > hi+1e-9*math.Abs(hi) {
			t.Errorf("quantile %v of %v = %v outside [%v, %v]", p, xs, q, lo, hi)
		}
	})
}
