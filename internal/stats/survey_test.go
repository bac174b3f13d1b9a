package stats

import (
	"math"
	"testing"
)

// within reports whether a and b agree to tol.
func within(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestTQuantileTable checks TQuantile against the two-sided 95% (p = 0.975) critical values of
// Student's t as tabulated in every statistics textbook (e.g. Fisher and Yates, Statistical
// Tables, Table III; NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.2), to the three
// decimals printed, and the 99.9% value for df = 1 (636.619).
func TestTQuantileTable(t *testing.T) {
	cases := []struct{ p, df, want float64 }{
		{0.975, 1, 12.706}, {0.975, 2, 4.303}, {0.975, 4, 2.776}, {0.975, 5, 2.571},
		{0.975, 8, 2.306}, {0.975, 10, 2.228}, {0.975, 30, 2.042}, {0.975, 120, 1.980},
		{0.95, 10, 1.812}, {0.9995, 1, 636.619},
	}
	for _, c := range cases {
		got, err := TQuantile(c.p, c.df)
		if err != nil {
			t.Fatal(err)
		}
		if !within(got, c.want, 5e-4) {
			t.Errorf("t(%v, %v) = %.5f, want %.3f", c.p, c.df, got, c.want)
		}
		neg, _ := TQuantile(1-c.p, c.df)
		if !within(neg, -got, 1e-9) {
			t.Errorf("t(%v, %v) = %v, not −t(%v)", 1-c.p, c.df, neg, c.p)
		}
	}
	// df = ∞ is the normal: z(0.975) = 1.959964.
	if z, _ := TQuantile(0.975, math.Inf(1)); !within(z, 1.959964, 1e-6) {
		t.Errorf("t(0.975, ∞) = %v", z)
	}
	if q, _ := TQuantile(0.5, 3); q != 0 {
		t.Errorf("median %v", q)
	}
	for _, bad := range [][2]float64{{0, 5}, {1, 5}, {0.5, 0}, {math.NaN(), 3}} {
		if _, err := TQuantile(bad[0], bad[1]); err == nil {
			t.Errorf("TQuantile%v: no error", bad)
		}
	}
}

// TestTCDFClosedForms checks TCDF against the closed forms for df = 1 (Cauchy:
// F(t) = 1/2 + arctan(t)/π) and df = 2 (F(t) = 1/2 + t/(2√(2 + t²))).
func TestTCDFClosedForms(t *testing.T) {
	for _, x := range []float64{-30, -2.5, -1, 0, 0.3, 1, 4.303, 12.706} {
		got1, _ := TCDF(x, 1)
		if want := 0.5 + math.Atan(x)/math.Pi; !within(got1, want, 1e-12) {
			t.Errorf("TCDF(%v, 1) = %v, want %v", x, got1, want)
		}
		got2, _ := TCDF(x, 2)
		if want := 0.5 + x/(2*math.Sqrt(2+x*x)); !within(got2, want, 1e-12) {
			t.Errorf("TCDF(%v, 2) = %v, want %v", x, got2, want)
		}
	}
}

// TestWilsonNewcombe1998 checks the Wilson score interval against R. G. Newcombe, "Two-sided
// confidence intervals for the single proportion: comparison of seven methods", Statistics in
// Medicine 17 (1998), pp. 857–872, Table I, method 3 (score without continuity correction):
// 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
// 0/10 is worked by hand: with x = 0 the upper limit is z²/(n + z²) = 3.8415/13.8415 = 0.2775.
func TestWilsonNewcombe1998(t *testing.T) {
	cases := []struct{ x, n, lo, hi float64 }{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1}, // the mirror of 0/10
	}
	for _, c := range cases {
		lo, hi, err := Wilson(c.x, c.n, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if !within(lo, c.lo, 5e-5) || !within(hi, c.hi, 5e-5) {
			t.Errorf("Wilson(%v/%v) = %.4f–%.4f, want %.4f–%.4f", c.x, c.n, lo, hi, c.lo, c.hi)
		}
	}
	for _, bad := range [][2]float64{{1, 0}, {5, 4}, {-1, 4}} {
		if _, _, err := Wilson(bad[0], bad[1], 0.95); err == nil {
			t.Errorf("Wilson%v: no error", bad)
		}
	}
}

// TestNewcombeDifferenceTableII checks method 10 (hybrid score, no continuity correction)
// against R. G. Newcombe, "Interval estimation for the difference between independent
// proportions: comparison of eleven methods", Statistics in Medicine 17 (1998), pp. 873–890,
// Table II: 56/70 − 48/80 → 0.0524 to 0.3339; 9/10 − 3/10 → 0.1705 to 0.8090;
// 5/56 − 0/29 → −0.0381 to 0.1926; 0/10 − 0/20 → −0.1611 to 0.2775;
// 10/10 − 0/20 → 0.6791 to 1.0000; 10/10 − 0/10 → 0.6075 to 1.0000.
func TestNewcombeDifferenceTableII(t *testing.T) {
	cases := []struct{ x1, n1, x2, n2, lo, hi float64 }{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
		{5, 56, 0, 29, -0.0381, 0.1926},
		{0, 10, 0, 20, -0.1611, 0.2775},
		{10, 10, 0, 20, 0.6791, 1.0000},
		{10, 10, 0, 10, 0.6075, 1.0000},
	}
	for _, c := range cases {
		lo, hi, err := NewcombeDifference(c.x1, c.n1, c.x2, c.n2, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if !within(lo, c.lo, 5e-5) || !within(hi, c.hi, 5e-5) {
			t.Errorf("%v/%v − %v/%v = %.4f to %.4f, want %.4f to %.4f", c.x1, c.n1, c.x2, c.n2, lo, hi, c.lo, c.hi)
		}
	}
}

// TestMeanByHand: {1, 2, 3, 4, 5} has mean 3, s² = 2.5, SE = √(2.5/5) = 0.70711 and, with the
// tabulated t(0.975, 4) = 2.776, the 95% interval 3 ± 1.963 = 1.037 to 4.963.
func TestMeanByHand(t *testing.T) {
	e, err := Mean([]float64{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 3 || e.N != 5 || e.NEff != 5 || e.DF != 4 || !within(e.SE, math.Sqrt(0.5), 1e-12) {
		t.Errorf("got %+v", e)
	}
	if !within(e.Lower, 1.037, 1e-3) || !within(e.Upper, 4.963, 1e-3) {
		t.Errorf("interval %v–%v, want 1.037–4.963", e.Lower, e.Upper)
	}
	if e.Reliability != Suppressed { // n = 5 < 10
		t.Errorf("reliability %v", e.Reliability)
	}
	one, err := Mean([]float64{4})
	if err != nil || !math.IsNaN(one.Lower) || one.Reliability != Suppressed {
		t.Errorf("one value: %+v, %v", one, err)
	}
	if _, err := Mean(nil); err == nil {
		t.Error("no values: no error")
	}
}

// TestIndexByHand: 5-point responses 1 … 5 map to 0, 25, 50, 75, 100 ((x − 1) × 25): mean 50,
// SE = 25 × √0.5 = 17.678, interval 50 ± 2.776 × 17.678 = 50 ± 49.08.
func TestIndexByHand(t *testing.T) {
	for x, want := range map[int]float64{1: 0, 2: 25, 3: 50, 4: 75, 5: 100} {
		if got, _ := ScaleIndex(x, 5); got != want {
			t.Errorf("ScaleIndex(%d, 5) = %v", x, got)
		}
	}
	if _, err := ScaleIndex(6, 5); err == nil {
		t.Error("6 on a 5-point scale: no error")
	}
	e, err := Index([]int{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 50 || !within(e.SE, 17.678, 1e-3) || !within(e.Upper-e.Value, 49.08, 0.01) {
		t.Errorf("got %+v", e)
	}
	if _, err := Index([]int{0, 3}); err == nil {
		t.Error("0 on a 5-point scale: no error")
	}
}

// TestEffortByHand: 7-point responses {7, 6, 6, 5, 5, 5, 4, 4, 3, 5} (n = 10) have mean 5,
// Σ(x − 5)² = 4 + 1 + 1 + 0 + 0 + 0 + 1 + 1 + 4 + 0 = 12, s² = 12/9, SE = √(12/90) = 0.36515,
// and with t(0.975, 9) = 2.262 the interval 5 ± 0.826.
func TestEffortByHand(t *testing.T) {
	e, err := Effort([]int{7, 6, 6, 5, 5, 5, 4, 4, 3, 5})
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != 5 || !within(e.SE, 0.36515, 1e-5) || !within(e.Upper-5, 0.826, 1e-3) || !within(5-e.Lower, 0.826, 1e-3) {
		t.Errorf("got %+v", e)
	}
	// n = 10 shown, but n_eff = 10 < 30: use with caution (CV = 0.073 is small).
	if e.Reliability != Caution {
		t.Errorf("reliability %v", e.Reliability)
	}
	if _, err := Effort([]int{8}); err == nil {
		t.Error("8 on a 7-point scale: no error")
	}
}

// TestTopTwoBox: 81 of 263 responses in the top two boxes is Newcombe's (1998, Table I)
// 81/263 example: 30.80% with Wilson interval 25.53% to 36.62%.
func TestTopTwoBox(t *testing.T) {
	rs := make([]int, 263)
	for i := range rs {
		switch {
		case i < 40:
			rs[i] = 5
		case i < 81:
			rs[i] = 4
		default:
			rs[i] = 1 + i%3 // 1, 2 or 3
		}
	}
	e, err := TopTwoBox(rs, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !within(e.Value, 100*81.0/263, 1e-9) || !within(e.Lower, 25.53, 5e-3) || !within(e.Upper, 36.62, 5e-3) {
		t.Errorf("got %+v", e)
	}
	// SE = √(p(1 − p)/n) = √(0.30798 × 0.69202/263) = 0.028468; CV = 0.0924: reliable.
	if !within(e.SE, 2.8468, 1e-3) || e.Reliability != Reliable {
		t.Errorf("SE %v reliability %v", e.SE, e.Reliability)
	}
}

// TestNPSByHand: 10 responses, 5 promoters, 3 passives, 2 detractors: NPS = 50 − 20 = 30.
// Adjusted Wald: n' = 13, p' = 5.75/13, d' = 2.75/13, p' − d' = 3/13 = 0.230769,
// variance (p' + d' − (3/13)²)/13 = (8.5 × 13 − 9)/13³ = 101.5/2197 = 0.0461994,
// SE = 0.214940, interval 0.230769 ± 1.959964 × 0.214940 = −0.190507 to 0.652045.
func TestNPSByHand(t *testing.T) {
	e, err := NPS([]int{10, 9, 9, 10, 9, 8, 7, 8, 6, 0})
	if err != nil {
		t.Fatal(err)
	}
	if !within(e.Value, 30, 1e-9) || !within(e.Centre, 23.0769, 1e-4) || !within(e.SE, 21.4940, 1e-4) {
		t.Errorf("got %+v", e)
	}
	if !within(e.Lower, -19.0507, 1e-3) || !within(e.Upper, 65.2045, 1e-3) {
		t.Errorf("interval %v to %v", e.Lower, e.Upper)
	}
	if _, err := NPS([]int{11}); err == nil {
		t.Error("11: no error")
	}
	// All promoters: the interval is clipped at 100.
	all := make([]int, 40)
	for i := range all {
		all[i] = 10
	}
	if e, _ := NPS(all); e.Value != 100 || e.Upper != 100 || e.Lower >= 100 {
		t.Errorf("all promoters: %+v", e)
	}
}

func TestAssess(t *testing.T) {
	cases := []struct {
		n        int
		nEff, cv float64
		want     Reliability
	}{
		{9, 9, 0.01, Suppressed},
		{10, 10, 0.01, Caution},
		{40, 29.9, 0.01, Caution},
		{40, 30, 0.165, Reliable},
		{40, 30, 0.166, Caution},
		{40, 30, 0.333, Caution},
		{40, 30, 0.334, Suppressed},
		{40, 30, math.Inf(1), Suppressed},
		{40, 30, math.NaN(), Suppressed},
	}
	for _, c := range cases {
		if got := Assess(c.n, c.nEff, c.cv); got != c.want {
			t.Errorf("Assess(%d, %v, %v) = %v, want %v", c.n, c.nEff, c.cv, got, c.want)
		}
	}
	if Caution.String() != "use with caution" {
		t.Error(Caution.String())
	}
}

func TestSuppressCells(t *testing.T) {
	cases := []struct {
		name      string
		counts    []int
		hide      []bool
		hideTotal bool
	}{
		{"none small", []int{50, 12, 15}, []bool{false, false, false}, false},
		// 4 is hidden; 59 − 25 − 30 would reveal it, so the smallest other cell, 25, goes too.
		{"one small", []int{25, 4, 30}, []bool{true, true, false}, false},
		// Two hidden cells protect each other: only their sum 7 can be recovered.
		{"two small", []int{25, 4, 3, 30}, []bool{false, true, true, false}, false},
		{"tie goes to the first", []int{20, 5, 20}, []bool{true, true, false}, false},
		{"two cells", []int{12, 3}, []bool{true, true}, false},
		{"zero is under 10", []int{0, 40, 30}, []bool{true, false, true}, false},
		{"small total", []int{5, 3}, []bool{true, true}, true},
	}
	for _, c := range cases {
		total := 0
		for _, x := range c.counts {
			total += x
		}
		hide, hideTotal, err := SuppressCells(c.counts, total)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if hideTotal != c.hideTotal {
			t.Errorf("%s: hideTotal %v", c.name, hideTotal)
		}
		for i := range hide {
			if hide[i] != c.hide[i] {
				t.Errorf("%s: hide %v, want %v", c.name, hide, c.hide)
				break
			}
		}
	}
	if _, _, err := SuppressCells([]int{5, 20}, 30); err == nil {
		t.Error("counts not summing to the total: no error")
	}
	if _, _, err := SuppressCells([]int{-1, 20}, 19); err == nil {
		t.Error("negative count: no error")
	}
}

// TestChangeInMeanWelch: {1, …, 5} and {3, …, 7} have equal variances 2.5 and n = 5, so
// SE₁² = SE₂² = 0.5, SE of the difference 1, and the Welch–Satterthwaite df is
// 1²/(0.25/4 + 0.25/4) = 8; with the tabulated t(0.975, 8) = 2.306 the interval is 2 ± 2.306:
// not significant. Against {6, …, 10} the difference 5 ± 2.306 is significant.
func TestChangeInMeanWelch(t *testing.T) {
	a, _ := Mean([]float64{1, 2, 3, 4, 5})
	b, _ := Mean([]float64{3, 4, 5, 6, 7})
	c, err := ChangeInMean(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Difference != 2 || !within(c.DF, 8, 1e-9) || !within(c.Lower, -0.306, 1e-3) || !within(c.Upper, 4.306, 1e-3) || c.Significant {
		t.Errorf("got %+v", c)
	}
	d, _ := Mean([]float64{6, 7, 8, 9, 10})
	c, _ = ChangeInMean(a, d)
	if !within(c.Lower, 2.694, 1e-3) || !within(c.Upper, 7.306, 1e-3) || !c.Significant {
		t.Errorf("got %+v", c)
	}
	// Unequal variances, worked by hand: {1, 3} (s² = 2, n = 2, SE² = 1, df 1) against
	// {2, 4, 6, 8, 10} (s² = 10, n = 5, SE² = 2, df 4): df = 9/(1 + 1) = 4.5.
	e, _ := Mean([]float64{1, 3})
	f, _ := Mean([]float64{2, 4, 6, 8, 10})
	c, _ = ChangeInMean(e, f)
	if c.Difference != 4 || !within(c.DF, 4.5, 1e-9) {
		t.Errorf("got %+v", c)
	}
	p, _ := Proportion([]bool{true})
	if _, err := ChangeInMean(a, p); err == nil {
		t.Error("mean against proportion: no error")
	}
}

// TestChangeInProportion: before 48/80, after 56/70 is Newcombe's (1998, Table II) first
// example: the difference 0.8 − 0.6 = 20 points with interval 5.24 to 33.39: significant.
func TestChangeInProportion(t *testing.T) {
	mk := func(x, n int) []bool {
		h := make([]bool, n)
		for i := range x {
			h[i] = true
		}
		return h
	}
	before, _ := Proportion(mk(48, 80))
	after, _ := Proportion(mk(56, 70))
	c, err := ChangeInProportion(before, after)
	if err != nil {
		t.Fatal(err)
	}
	if !within(c.Difference, 20, 1e-9) || !within(c.Lower, 5.24, 5e-3) || !within(c.Upper, 33.39, 5e-3) || !c.Significant {
		t.Errorf("got %+v", c)
	}
}

// TestChangeInNPS: the same sample twice (the NPSByHand data): difference 0, interval
// ± 1.959964 × √2 × 21.4940 = ± 59.58: not significant.
func TestChangeInNPS(t *testing.T) {
	e, _ := NPS([]int{10, 9, 9, 10, 9, 8, 7, 8, 6, 0})
	c, err := ChangeInNPS(e, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.Difference != 0 || !within(c.Upper, 59.58, 0.01) || !within(c.Lower, -59.58, 0.01) || c.Significant {
		t.Errorf("got %+v", c)
	}
}
