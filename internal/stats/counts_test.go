package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// histogram counts responses on the points lo … hi.
func histogram(rs []int, lo, hi int) []int {
	c := make([]int, hi-lo+1)
	for _, r := range rs {
		c[r-lo]++
	}
	return c
}

// sameEstimate reports whether two estimates agree: the same kind, n and reliability, and every
// number to a relative 1e-9 (the sums are regrouped, so the last bits may differ).
func sameEstimate(t *testing.T, what string, got, want Estimate) {
	t.Helper()
	near := func(a, b float64) bool {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.IsNaN(a) && math.IsNaN(b)
		}
		if math.IsInf(a, 0) || math.IsInf(b, 0) {
			return a == b
		}
		return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
	}
	if got.Kind != want.Kind || got.N != want.N || got.Reliability != want.Reliability {
		t.Errorf("%s: kind/n/reliability %v/%d/%v, want %v/%d/%v", what, got.Kind, got.N, got.Reliability, want.Kind, want.N, want.Reliability)
	}
	pairs := [][3]any{{"value", got.Value, want.Value}, {"n_eff", got.NEff, want.NEff}, {"SE", got.SE, want.SE},
		{"df", got.DF, want.DF}, {"centre", got.Centre, want.Centre}, {"lower", got.Lower, want.Lower},
		{"upper", got.Upper, want.Upper}, {"CV", got.CV, want.CV}}
	for _, p := range pairs {
		if !near(p[1].(float64), p[2].(float64)) {
			t.Errorf("%s: %s %v, want %v", what, p[0], p[1], p[2])
		}
	}
}

// TestCountsEqualResponses: on random data of many shapes (tiny, skewed, all one point, large),
// each estimator from counts equals its per-response twin.
func TestCountsEqualResponses(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	sizes := []int{1, 2, 3, 9, 10, 11, 29, 30, 31, 100, 1000, 25000}
	for trial := range 60 {
		n := sizes[trial%len(sizes)]
		skew := rng.Float64()
		draw := func(lo, hi int) []int {
			rs := make([]int, n)
			for i := range rs {
				switch {
				case trial%7 == 3: // every response the same point
					rs[i] = hi
				case rng.Float64() < skew:
					rs[i] = hi - rng.IntN(2)
				default:
					rs[i] = lo + rng.IntN(hi-lo+1)
				}
			}
			return rs
		}
		five := draw(1, 5)
		want, err := Index(five)
		if err != nil {
			t.Fatal(err)
		}
		got, err := IndexFromCounts(histogram(five, 1, 5))
		if err != nil {
			t.Fatal(err)
		}
		sameEstimate(t, "index", got, want)

		want, _ = TopTwoBox(five, 5)
		got, err = TopTwoBoxFromCounts(histogram(five, 1, 5))
		if err != nil {
			t.Fatal(err)
		}
		sameEstimate(t, "top-2-box", got, want)

		seven := draw(1, 7)
		want, _ = Effort(seven)
		got, err = EffortFromCounts(histogram(seven, 1, 7))
		if err != nil {
			t.Fatal(err)
		}
		sameEstimate(t, "effort", got, want)
		want, _ = TopTwoBox(seven, 7)
		got, _ = TopTwoBoxFromCounts(histogram(seven, 1, 7))
		sameEstimate(t, "top-2-box of 7", got, want)

		eleven := draw(0, 10)
		want, _ = NPS(eleven)
		got, err = NPSFromCounts(histogram(eleven, 0, 10))
		if err != nil {
			t.Fatal(err)
		}
		sameEstimate(t, "NPS", got, want)

		xs := make([]float64, len(seven))
		for i, r := range seven {
			xs[i] = float64(r) * 1.5
		}
		want, _ = Mean(xs)
		got, err = MeanFromCounts([]float64{1.5, 3, 4.5, 6, 7.5, 9, 10.5}, histogram(seven, 1, 7))
		if err != nil {
			t.Fatal(err)
		}
		sameEstimate(t, "mean", got, want)

		hits := make([]bool, n)
		k := 0
		for i := range hits {
			hits[i] = five[i] == 3
			if hits[i] {
				k++
			}
		}
		want, _ = Proportion(hits)
		got, _ = ProportionFromCounts(k, n)
		sameEstimate(t, "proportion", got, want)
	}
}

// TestTopTwoBoxFromCountsNewcombe: 81 of 263 in the top two boxes is Newcombe's (1998, Table I,
// method 3) 81/263: Wilson 25.53% to 36.62%; 0 of 20 is 0 to 16.11%; 1 of 29 is 0.61% to 17.18%;
// 15 of 148 is 6.24% to 16.05%.
func TestTopTwoBoxFromCountsNewcombe(t *testing.T) {
	cases := []struct {
		counts []int
		lo, hi float64
	}{
		{[]int{60, 60, 62, 41, 40}, 25.53, 36.62},
		{[]int{5, 5, 10, 0, 0}, 0, 16.11},
		{[]int{10, 10, 8, 1, 0}, 0.61, 17.18},
		{[]int{133, 0, 15}, 6.24, 16.05}, // 15/148 in the top two points (2 and 3) of a 3-point scale
	}
	for _, c := range cases {
		e, err := TopTwoBoxFromCounts(c.counts)
		if err != nil {
			t.Fatal(err)
		}
		if !within(e.Lower, c.lo, 5e-3) || !within(e.Upper, c.hi, 5e-3) {
			t.Errorf("%v: %.2f–%.2f, want %.2f–%.2f", c.counts, e.Lower, e.Upper, c.lo, c.hi)
		}
	}
}

// TestIndexFromCountsByHand: one response at each of 1 … 5 is TestIndexByHand's case: index 50,
// SE = 25√0.5 = 17.678, half-width t(0.975, 4) × SE = 2.776 × 17.678 = 49.08. The 7-point
// effort case of TestEffortByHand: mean 5, SE 0.36515, half-width 0.826.
func TestIndexFromCountsByHand(t *testing.T) {
	e, err := IndexFromCounts([]int{1, 1, 1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 50 || e.N != 5 || e.DF != 4 || !within(e.SE, 17.678, 1e-3) || !within(e.Upper-e.Value, 49.08, 0.01) {
		t.Errorf("index: %+v", e)
	}
	if e.Reliability != Suppressed {
		t.Errorf("n = 5: %v, want suppressed", e.Reliability)
	}
	// {7, 6, 6, 5, 5, 5, 4, 4, 3, 5}: one 3, two 4s, four 5s, two 6s, one 7.
	e, err = EffortFromCounts([]int{0, 0, 1, 2, 4, 2, 1})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 5 || !within(e.SE, 0.36515, 1e-5) || !within(e.Upper-5, 0.826, 1e-3) || e.Reliability != Caution {
		t.Errorf("effort: %+v", e)
	}
	// 3 points: (x − 1) × 50. Ten at 1 and ten at 3 are values 0 and 100: mean 50,
	// Σ(x − m)² = 20 × 2500, s² = 50000/19, SE = √(50000/19/20) = 11.4708.
	e, err = IndexFromCounts([]int{10, 0, 10})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 50 || !within(e.SE, 11.4708, 1e-4) {
		t.Errorf("3-point index: %+v", e)
	}
	// One response: no interval, suppressed.
	e, err = IndexFromCounts([]int{0, 0, 1, 0, 0})
	if err != nil || !math.IsNaN(e.Lower) || e.Reliability != Suppressed || e.Value != 50 {
		t.Errorf("one response: %+v %v", e, err)
	}
}

// TestNPSFromCountsRocks: the adjusted Wald interval of Rocks (2016) worked by hand for 5
// promoters, 3 passives and 2 detractors (n = 10): NPS 30; n' = 13, p' = 5.75/13,
// d' = 2.75/13, p' − d' = 3/13 = 23.0769%; variance (8.5 × 13 − 9)/13³ = 0.0461994,
// SE = 21.4940 points; interval 23.0769 ± 1.959964 × 21.4940 = −19.0507 to 65.2045.
// All 40 promoters: 100, the upper limit clipped at 100; the mirror gives −100.
func TestNPSFromCountsRocks(t *testing.T) {
	e, err := NPSFromCounts([]int{1, 0, 0, 0, 0, 0, 1, 1, 2, 3, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !within(e.Value, 30, 1e-9) || !within(e.Centre, 23.0769, 1e-4) || !within(e.SE, 21.4940, 1e-4) ||
		!within(e.Lower, -19.0507, 1e-3) || !within(e.Upper, 65.2045, 1e-3) {
		t.Errorf("got %+v", e)
	}
	if e.Reliability != Caution { // n = 10 shown, n_eff 10 < 30
		t.Errorf("reliability %v", e.Reliability)
	}
	all := make([]int, 11)
	all[10] = 40
	if e, _ := NPSFromCounts(all); e.Value != 100 || e.Upper != 100 || e.Lower >= 100 {
		t.Errorf("all promoters: %+v", e)
	}
	all[10], all[0] = 0, 40
	if e, _ := NPSFromCounts(all); e.Value != -100 || e.Lower != -100 || e.Upper <= -100 {
		t.Errorf("all detractors: %+v", e)
	}
}

func TestCountsErrors(t *testing.T) {
	if _, err := IndexFromCounts([]int{0, 0, 0, 0, 0}); err != ErrEmpty {
		t.Errorf("no responses: %v", err)
	}
	if _, err := IndexFromCounts([]int{3}); err == nil {
		t.Error("1-point scale: no error")
	}
	if _, err := IndexFromCounts([]int{1, -1, 3, 0, 0}); err == nil {
		t.Error("negative count: no error")
	}
	if _, err := NPSFromCounts([]int{1, 2, 3}); err == nil {
		t.Error("NPS of 3 counts: no error")
	}
	if _, err := EffortFromCounts([]int{1, 2, 3, 4, 5}); err == nil {
		t.Error("effort of 5 counts: no error")
	}
	if _, err := MeanFromCounts([]float64{1}, []int{1, 2}); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := MeanFromCounts([]float64{math.Inf(1)}, []int{2}); err == nil {
		t.Error("infinite value: no error")
	}
	if _, err := ProportionFromCounts(5, 4); err == nil {
		t.Error("hits > n: no error")
	}
	if _, err := ProportionFromCounts(0, 0); err != ErrEmpty {
		t.Errorf("n = 0: %v", err)
	}
	if _, err := TopTwoBoxFromCounts([]int{0, 0, 0}); err != ErrEmpty {
		t.Errorf("no responses: %v", err)
	}
}

// benchCounts is a 5-point histogram of a million responses.
var benchCounts = []int{80000, 120000, 200000, 350000, 250000}

func BenchmarkIndexFromCounts(b *testing.B) {
	for b.Loop() {
		if _, err := IndexFromCounts(benchCounts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTopTwoBoxFromCounts(b *testing.B) {
	for b.Loop() {
		if _, err := TopTwoBoxFromCounts(benchCounts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNPSFromCounts(b *testing.B) {
	c := []int{50000, 20000, 30000, 40000, 50000, 80000, 100000, 150000, 180000, 160000, 140000}
	for b.Loop() {
		if _, err := NPSFromCounts(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexFromResponses is the per-response estimator on the same million responses,
// for comparison.
func BenchmarkIndexFromResponses(b *testing.B) {
	rs := make([]int, 0, 1000000)
	for i, c := range benchCounts {
		for range c {
			rs = append(rs, i+1)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Index(rs); err != nil {
			b.Fatal(err)
		}
	}
}
