package stats

import (
	"errors"
	"math"
	"testing"
)

// TestKishNEffByHand: weights {1, 1, 2, 4}: (Σw)²/Σw² = 8²/(1 + 1 + 4 + 16) = 64/22 = 2.9091;
// equal weights give n.
func TestKishNEffByHand(t *testing.T) {
	got, err := KishNEff([]float64{1, 1, 2, 4})
	if err != nil || !within(got, 64.0/22, 1e-12) {
		t.Errorf("got %v, %v", got, err)
	}
	if got, _ := KishNEff([]float64{3, 3, 3, 3, 3}); !within(got, 5, 1e-12) {
		t.Errorf("equal weights: %v", got)
	}
	for _, bad := range [][]float64{nil, {1, -1}, {0, 0}, {math.NaN()}} {
		if _, err := KishNEff(bad); err == nil {
			t.Errorf("KishNEff(%v): no error", bad)
		}
	}
}

// TestPostStratifyByHand: two respondents in A (population 60) and one in B (population 40)
// get 60/2 = 30, 30 and 40; with base weights {1, 3, 2} A's get 60 × 1/4 = 15 and 60 × 3/4 = 45.
func TestPostStratifyByHand(t *testing.T) {
	pop := map[string]float64{"A": 60, "B": 40}
	w, err := PostStratify([]string{"A", "A", "B"}, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{30, 30, 40} {
		if !within(w[i], want, 1e-12) {
			t.Errorf("w = %v", w)
		}
	}
	w, _ = PostStratify([]string{"A", "A", "B"}, pop, []float64{1, 3, 2})
	for i, want := range []float64{15, 45, 40} {
		if !within(w[i], want, 1e-12) {
			t.Errorf("with base weights w = %v", w)
		}
	}
	if _, err := PostStratify([]string{"A", "C"}, pop, nil); err == nil {
		t.Error("stratum without population: no error")
	}
	if _, err := PostStratify([]string{"A", "A"}, pop, nil); err == nil {
		t.Error("empty stratum B: no error")
	}
}

// TestRakeTwoByTwoByHand rakes a 2×2 sample to two margins. Iterative proportional fitting
// converges to the table with the sample's odds ratio and the target margins (Mosteller,
// JASA 63, 1968; Bishop, Fienberg and Holland, Discrete Multivariate Analysis, 1975, ch. 3).
// Sample: men-young 2, men-old 1, women-young 1, women-old 2 respondents: odds ratio 4.
// Targets: men 60, women 40; young 30, old 70. With a the men-young total the cells are a,
// 60 − a, 30 − a, 10 + a, and a(10 + a) = 4(60 − a)(30 − a) gives 3a² − 370a + 7200 = 0, so
// a = (370 − √50500)/6 = 24.2130 (the other root exceeds 30). Men-young respondents weigh a/2,
// the man-old 60 − a, the woman-young 30 − a, women-old (10 + a)/2.
func TestRakeTwoByTwoByHand(t *testing.T) {
	sex := Margin{Name: "sex", Categories: []int{0, 0, 0, 1, 1, 1}, Targets: []float64{60, 40}}
	age := Margin{Name: "age", Categories: []int{0, 0, 1, 0, 1, 1}, Targets: []float64{30, 70}}
	res, err := Rake(nil, []Margin{sex, age}, RakeOptions{Tolerance: 1e-10, MaxIter: 1000})
	if err != nil {
		t.Fatal(err)
	}
	a := (370 - math.Sqrt(50500)) / 6
	want := []float64{a / 2, a / 2, 60 - a, 30 - a, (10 + a) / 2, (10 + a) / 2}
	for i := range want {
		if !within(res.Weights[i], want[i], 1e-6) {
			t.Fatalf("weights %v, want %v", res.Weights, want)
		}
	}
	if !res.Converged || res.Iterations < 2 {
		t.Errorf("converged %v after %d", res.Converged, res.Iterations)
	}
	// A balanced sample needs one cycle: 4 respondents, one per cell, targets 60/40 and 50/50:
	// men weigh 30, women 20, and the age margin is then already 50/50.
	res, err = Rake(nil, []Margin{
		{Categories: []int{0, 0, 1, 1}, Targets: []float64{60, 40}},
		{Categories: []int{0, 1, 0, 1}, Targets: []float64{50, 50}},
	}, RakeOptions{})
	if err != nil || res.Iterations != 1 {
		t.Fatalf("balanced: %+v, %v", res, err)
	}
	for i, want := range []float64{30, 30, 20, 20} {
		if !within(res.Weights[i], want, 1e-9) {
			t.Errorf("balanced: %v", res.Weights)
		}
	}
}

func TestRakeErrorsAndCap(t *testing.T) {
	sex := Margin{Name: "sex", Categories: []int{0, 0, 0, 1, 1, 1}, Targets: []float64{60, 40}}
	if _, err := Rake(nil, []Margin{sex, {Name: "age", Categories: []int{0, 0, 1, 0, 1, 1}, Targets: []float64{30, 60}}}, RakeOptions{}); err == nil {
		t.Error("margins with different totals: no error")
	}
	if _, err := Rake(nil, []Margin{sex, {Name: "age", Categories: []int{0, 0, 0, 0, 0, 0}, Targets: []float64{30, 70}}}, RakeOptions{}); err == nil {
		t.Error("target category without respondents: no error")
	}
	if _, err := Rake(nil, []Margin{sex, {Name: "age", Categories: []int{0, 2, 0, 0, 0, 0}, Targets: []float64{30, 70}}}, RakeOptions{}); err == nil {
		t.Error("category out of range: no error")
	}
	age := Margin{Name: "age", Categories: []int{0, 0, 1, 0, 1, 1}, Targets: []float64{30, 70}}
	res, err := Rake(nil, []Margin{sex, age}, RakeOptions{Tolerance: 1e-12, MaxIter: 1})
	if !errors.Is(err, ErrNotConverged) || res.Converged || len(res.Weights) != 6 {
		t.Errorf("iteration cap: %+v, %v", res, err)
	}
}

// TestRakeWithTrimming: the hand example's weights range from 2.89 to 35.79 (mean 100/6); a cap
// at 2 × mean = 33.33 binds on the man-old respondent. Trimming then raking again must end with
// the margins met and no weight above the cap (within the tolerance).
func TestRakeWithTrimming(t *testing.T) {
	sex := Margin{Name: "sex", Categories: []int{0, 0, 0, 1, 1, 1}, Targets: []float64{60, 40}}
	age := Margin{Name: "age", Categories: []int{0, 0, 1, 0, 1, 1}, Targets: []float64{30, 70}}
	res, err := Rake(nil, []Margin{sex, age}, RakeOptions{Tolerance: 1e-8, MaxIter: 5000, TrimK: 2})
	if err != nil {
		t.Fatal(err)
	}
	limit := 2 * 100.0 / 6
	sum := 0.0
	for _, w := range res.Weights {
		sum += w
		if w > limit*(1+1e-6) {
			t.Errorf("weight %v above cap %v", w, limit)
		}
	}
	if !within(sum, 100, 1e-6) {
		t.Errorf("total %v", sum)
	}
	if _, err := Rake(nil, []Margin{sex}, RakeOptions{TrimK: 0.5}); err == nil {
		t.Error("trimming factor below 1: no error")
	}
}

// TestTrimByHand: {1, 1, 1, 1, 6} has mean 2; with k = 2 the cap is 4, the excess 2 goes to
// the four 1s in proportion, giving {1.5, 1.5, 1.5, 1.5, 4}. {1, 1, 1, 1, 4.5, 11.5} has mean
// 10/3; with k = 1.5 the cap is 5: 11.5 → 5 and the excess 6.5 raises the rest by 6.5/8.5,
// pushing 4.5 to 7.94 > 5; a second round caps it and the four small weights share the rest:
// (20 − 10)/4 = 2.5 each.
func TestTrimByHand(t *testing.T) {
	cases := []struct {
		w, want []float64
		k       float64
		rounds  int
	}{
		{[]float64{1, 1, 1, 1, 6}, []float64{1.5, 1.5, 1.5, 1.5, 4}, 2, 1},
		{[]float64{1, 1, 1, 1, 4.5, 11.5}, []float64{2.5, 2.5, 2.5, 2.5, 5, 5}, 1.5, 2},
		{[]float64{1, 2, 3}, []float64{1, 2, 3}, 2, 0},
	}
	for _, c := range cases {
		got, rounds, err := Trim(c.w, c.k)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !within(got[i], c.want[i], 1e-9) {
				t.Errorf("Trim(%v, %v) = %v, want %v", c.w, c.k, got, c.want)
				break
			}
		}
		if rounds != c.rounds {
			t.Errorf("Trim(%v): %d rounds, want %d", c.w, rounds, c.rounds)
		}
	}
	if _, _, err := Trim([]float64{1, 2}, 1); err == nil {
		t.Error("k = 1: no error")
	}
}

// TestWeightedMeanByHand: values {2, 4} with weights {1, 3}: mean 14/4 = 3.5,
// n_eff = 16/10 = 1.6, Σw(x − m)²/Σw = (2.25 + 0.75)/4 = 0.75, s² = 0.75 × 1.6/0.6 = 2,
// SE = √(2/1.6) = 1.1180, df = 0.6. Equal weights of any size give the unweighted result.
func TestWeightedMeanByHand(t *testing.T) {
	e, err := WeightedMean([]float64{2, 4}, []float64{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 3.5 || !within(e.NEff, 1.6, 1e-12) || !within(e.SE, math.Sqrt(1.25), 1e-12) || !within(e.DF, 0.6, 1e-12) || e.N != 2 {
		t.Errorf("got %+v", e)
	}
	xs := []float64{1, 2, 3, 4, 5}
	u, _ := Mean(xs)
	w, _ := WeightedMean(xs, []float64{7, 7, 7, 7, 7})
	if !within(u.Lower, w.Lower, 1e-9) || !within(u.Upper, w.Upper, 1e-9) || !within(w.NEff, 5, 1e-9) {
		t.Errorf("equal weights %+v, unweighted %+v", w, u)
	}
	if _, err := WeightedMean(xs, []float64{1, 2}); err == nil {
		t.Error("weights of the wrong length: no error")
	}
}

// TestWeightedProportionByHand: hits {T, F, F, T} with weights {3, 1, 1, 3}: p = 6/8 = 75%,
// n_eff = 64/20 = 3.2; the interval is Wilson's on 2.4 of 3.2, SE = √(0.75 × 0.25/3.2).
// Weighted NPS of {10, 0, 8, 10} with weights {3, 1, 1, 3}: promoters 6/8, detractors 1/8,
// NPS = 62.5; n' = 6.2, p' = (2.4 + 0.75)/6.2, d' = (0.4 + 0.75)/6.2.
func TestWeightedProportionByHand(t *testing.T) {
	w := []float64{3, 1, 1, 3}
	e, err := WeightedProportion([]bool{true, false, false, true}, w)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi, _ := Wilson(2.4, 3.2, 0.95)
	if e.Value != 75 || !within(e.NEff, 3.2, 1e-12) || !within(e.Lower, 100*lo, 1e-9) || !within(e.Upper, 100*hi, 1e-9) ||
		!within(e.SE, 100*math.Sqrt(0.75*0.25/3.2), 1e-9) || e.Reliability != Suppressed {
		t.Errorf("got %+v", e)
	}
	tb, _ := WeightedTopTwoBox([]int{5, 1, 3, 4}, 5, w)
	if tb.Value != 75 {
		t.Errorf("top-2-box %+v", tb)
	}
	n, err := WeightedNPS([]int{10, 0, 8, 10}, w)
	if err != nil {
		t.Fatal(err)
	}
	pa, da := 3.15/6.2, 1.15/6.2
	if !within(n.Value, 62.5, 1e-9) || !within(n.Centre, 100*(pa-da), 1e-9) || !within(n.SE, 100*math.Sqrt((pa+da-(pa-da)*(pa-da))/6.2), 1e-9) {
		t.Errorf("NPS %+v", n)
	}
	ix, _ := WeightedIndex([]int{5, 1}, []float64{1, 3})
	if ix.Value != 25 {
		t.Errorf("index %+v", ix)
	}
	ef, _ := WeightedEffort([]int{7, 1}, []float64{1, 1})
	if ef.Value != 4 {
		t.Errorf("effort %+v", ef)
	}
}
