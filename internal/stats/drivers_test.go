package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestLMGUncorrelatedPredictors: with orthogonal drivers R²(S) = Σ_{j∈S} r_yj², so every
// marginal gain of driver j is r_yj² whatever the order, and its LMG share is exactly r_yj².
// The data are built so the centred driver columns are exactly orthogonal.
func TestLMGUncorrelatedPredictors(t *testing.T) {
	x1 := []float64{1, -1, 1, -1, 1, -1, 1, -1}
	x2 := []float64{1, 1, -1, -1, 1, 1, -1, -1}
	y := []float64{3, 1, 2, 0, 5, 2, 2, 1}
	rows := make([][]float64, len(y))
	for i := range y {
		rows[i] = []float64{y[i], x1[i], x2[i]}
	}
	corr, err := WeightedCorrelation(rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(corr[1][2]) > 1e-15 {
		t.Fatalf("drivers not orthogonal: r12 = %g", corr[1][2])
	}
	shares, r2, err := LMG(corr, 0, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for j, c := range []int{1, 2} {
		want := corr[0][c] * corr[0][c]
		if !approxEq(shares[j], want, 1e-14) {
			t.Errorf("share %d = %.15g, want r² = %.15g", j, shares[j], want)
		}
	}
	if !approxEq(r2, corr[0][1]*corr[0][1]+corr[0][2]*corr[0][2], 1e-14) {
		t.Errorf("R² = %g", r2)
	}
	// And straight from a correlation matrix with r12 = 0.
	shares, r2, err = LMG([][]float64{{1, 0.6, -0.3}, {0.6, 1, 0}, {-0.3, 0, 1}}, 0, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !approxEq(shares[0], 0.36, 1e-15) || !approxEq(shares[1], 0.09, 1e-15) || !approxEq(r2, 0.45, 1e-15) {
		t.Errorf("shares %v, R² %g; want [0.36 0.09], 0.45", shares, r2)
	}
}

// TestLMGTwoCorrelatedByHand: two drivers with r_y1 = 0.5, r_y2 = 0.4, r_12 = 0.3.
//
// Full model: standardised coefficients β = R⁻¹r with R⁻¹ = [[1, −r12], [−r12, 1]]/(1 − r12²),
// so R² = r'R⁻¹r = (r_y1² + r_y2² − 2 r_y1 r_y2 r_12)/(1 − r_12²)
// = (0.25 + 0.16 − 2·0.5·0.4·0.3)/(1 − 0.09) = 0.29/0.91 = 29/91 = 0.318681318681…
//
// Two orders of entry, each with probability ½. Driver 1 first: it adds r_y1² = 0.25. Driver 2
// first: driver 1 adds R² − r_y2² = 29/91 − 0.16. So LMG_1 = ½[0.25 + 29/91 − 0.16]
// = ½[0.25 + 0.158681318681…] = 0.204340659340…, and likewise LMG_2 = ½[0.16 + 29/91 − 0.25]
// = 0.114340659340…; LMG_1 + LMG_2 = 29/91.
func TestLMGTwoCorrelatedByHand(t *testing.T) {
	corr := [][]float64{
		{1, 0.5, 0.4},
		{0.5, 1, 0.3},
		{0.4, 0.3, 1},
	}
	shares, r2, err := LMG(corr, 0, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	wantR2 := 29.0 / 91
	want1 := 0.5 * (0.25 + wantR2 - 0.16)
	want2 := 0.5 * (0.16 + wantR2 - 0.25)
	if !approxEq(r2, wantR2, 1e-15) || !approxEq(r2, 0.318681318681, 1e-12) {
		t.Errorf("R² = %.15g, want 29/91 = %.15g", r2, wantR2)
	}
	if !approxEq(shares[0], want1, 1e-15) || !approxEq(shares[0], 0.204340659340, 1e-12) {
		t.Errorf("LMG_1 = %.15g, want %.15g", shares[0], want1)
	}
	if !approxEq(shares[1], want2, 1e-15) || !approxEq(shares[1], 0.114340659340, 1e-12) {
		t.Errorf("LMG_2 = %.15g, want %.15g", shares[1], want2)
	}
	// The driver order does not matter, nor where the outcome sits in the matrix.
	// Outcome in column 1, driver 1 in column 2, driver 2 in column 0.
	corr2 := [][]float64{
		{1, 0.4, 0.3},
		{0.4, 1, 0.5},
		{0.3, 0.5, 1},
	}
	s2, r22, err := LMG(corr2, 1, []int{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !approxEq(s2[0], want2, 1e-15) || !approxEq(s2[1], want1, 1e-15) || !approxEq(r22, wantR2, 1e-15) {
		t.Errorf("permuted: shares %v, R² %g", s2, r22)
	}
}

// driverTestData makes n respondents: outcome in column 0 and p correlated drivers after it,
// y = Σ b_j x_j + noise, drivers sharing a common factor.
func driverTestData(n, p int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	rows := make([][]float64, n)
	for i := range rows {
		r := make([]float64, p+1)
		f := rng.NormFloat64()
		y := 0.0
		for j := 1; j <= p; j++ {
			r[j] = 3 + 0.6*f + rng.NormFloat64()
			y += float64(j) / float64(p) * r[j]
		}
		r[0] = y + 1.5*rng.NormFloat64()
		rows[i] = r
	}
	return rows
}

// olsFit is OLS of column 0 on the other columns with an intercept, from the centred normal
// equations on the raw data: an independent check of R²(xs). It returns R² and the
// coefficients, intercept first.
func olsFit(rows [][]float64) (float64, []float64) {
	k := len(rows[0])
	// Centre, then solve (X'X)b = X'y by Gaussian elimination with partial pivoting.
	mean := make([]float64, k)
	for _, r := range rows {
		for j, x := range r {
			mean[j] += x / float64(len(rows))
		}
	}
	p := k - 1
	a := make([][]float64, p)
	for i := range a {
		a[i] = make([]float64, p+1)
	}
	syy := 0.0
	for _, r := range rows {
		dy := r[0] - mean[0]
		syy += dy * dy
		for i := 0; i < p; i++ {
			di := r[i+1] - mean[i+1]
			for j := 0; j < p; j++ {
				a[i][j] += di * (r[j+1] - mean[j+1])
			}
			a[i][p] += di * dy
		}
	}
	xty := make([]float64, p)
	for i := range p {
		xty[i] = a[i][p]
	}
	for c := 0; c < p; c++ {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		a[c], a[piv] = a[piv], a[c]
		for r := c + 1; r < p; r++ {
			f := a[r][c] / a[c][c]
			for j := c; j <= p; j++ {
				a[r][j] -= f * a[c][j]
			}
		}
	}
	b := make([]float64, p)
	for i := p - 1; i >= 0; i-- {
		v := a[i][p]
		for j := i + 1; j < p; j++ {
			v -= a[i][j] * b[j]
		}
		b[i] = v / a[i][i]
	}
	ssr := 0.0
	coef := []float64{mean[0]}
	for i := range p {
		ssr += b[i] * xty[i]
		coef[0] -= b[i] * mean[i+1]
	}
	return ssr / syy, append(coef, b...)
}

// TestLMGSharesSumToR2 for p = 4 random correlated data; R² also checked against OLS.
func TestLMGSharesSumToR2(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rows := driverTestData(500, 4, seed)
		corr, err := WeightedCorrelation(rows, nil)
		if err != nil {
			t.Fatal(err)
		}
		shares, r2, err := LMG(corr, 0, []int{1, 2, 3, 4})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, s := range shares {
			if s < 0 {
				t.Errorf("negative share %g", s)
			}
			sum += s
		}
		if !approxEq(sum, r2, 1e-13) {
			t.Errorf("seed %d: shares sum to %.15g, R² %.15g", seed, sum, r2)
		}
		if ols, _ := olsFit(rows); !approxEq(r2, ols, 1e-10) {
			t.Errorf("seed %d: R² %.15g, OLS %.15g", seed, r2, ols)
		}
	}
}

// swissData is R's datasets::swiss (Mosteller and Tukey, "Data Analysis and Regression", 1977;
// standardized fertility and socio-economic indicators for 47 French-speaking provinces of
// Switzerland, about 1888; public domain). Columns: Fertility, Agriculture, Examination,
// Education, Catholic, Infant.Mortality. Transcribed from a CSV export of the R data set
// (github.com/ejvanholm/DataProjects, swiss.csv, 47 rows); its first five rows agree with
// other published printouts of head(swiss), and the regression below reproduces the R² of
// lm(Fertility ~ ., swiss), 0.7067, and all five published LMG shares to four decimals, which
// would not happen with a mistyped value.
var swissData = [][]float64{
	{80.2, 17, 15, 12, 9.96, 22.2}, {83.1, 45.1, 6, 9, 84.84, 22.2}, {92.5, 39.7, 5, 5, 93.4, 20.2},
	{85.8, 36.5, 12, 7, 33.77, 20.3}, {76.9, 43.5, 17, 15, 5.16, 20.6}, {76.1, 35.3, 9, 7, 90.57, 26.6},
	{83.8, 70.2, 16, 7, 92.85, 23.6}, {92.4, 67.8, 14, 8, 97.16, 24.9}, {82.4, 53.3, 12, 7, 97.67, 21},
	{82.9, 45.2, 16, 13, 91.38, 24.4}, {87.1, 64.5, 14, 6, 98.61, 24.5}, {64.1, 62, 21, 12, 8.52, 16.5},
	{66.9, 67.5, 14, 7, 2.27, 19.1}, {68.9, 60.7, 19, 12, 4.43, 22.7}, {61.7, 69.3, 22, 5, 2.82, 18.7},
	{68.3, 72.6, 18, 2, 24.2, 21.2}, {71.7, 34, 17, 8, 3.3, 20}, {55.7, 19.4, 26, 28, 12.11, 20.2},
	{54.3, 15.2, 31, 20, 2.15, 10.8}, {65.1, 73, 19, 9, 2.84, 20}, {65.5, 59.8, 22, 10, 5.23, 18},
	{65, 55.1, 14, 3, 4.52, 22.4}, {56.6, 50.9, 22, 12, 15.14, 16.7}, {57.4, 54.1, 20, 6, 4.2, 15.3},
	{72.5, 71.2, 12, 1, 2.4, 21}, {74.2, 58.1, 14, 8, 5.23, 23.8}, {72, 63.5, 6, 3, 2.56, 18},
	{60.5, 60.8, 16, 10, 7.72, 16.3}, {58.3, 26.8, 25, 19, 18.46, 20.9}, {65.4, 49.5, 15, 8, 6.1, 22.5},
	{75.5, 85.9, 3, 2, 99.71, 15.1}, {69.3, 84.9, 7, 6, 99.68, 19.8}, {77.3, 89.7, 5, 2, 100, 18.3},
	{70.5, 78.2, 12, 6, 98.96, 19.4}, {79.4, 64.9, 7, 3, 98.22, 20.2}, {65, 75.9, 9, 9, 99.06, 17.8},
	{92.2, 84.6, 3, 3, 99.46, 16.3}, {79.3, 63.1, 13, 13, 96.83, 18.1}, {70.4, 38.4, 26, 12, 5.62, 20.3},
	{65.7, 7.7, 29, 11, 13.79, 20.5}, {72.7, 16.7, 22, 13, 11.22, 18.9}, {64.4, 17.6, 35, 32, 16.92, 23},
	{77.6, 37.6, 15, 7, 4.97, 20}, {67.6, 18.7, 25, 7, 8.65, 19.5}, {35, 1.2, 37, 53, 42.34, 18},
	{44.7, 46.6, 16, 29, 50.43, 18.2}, {42.8, 27.7, 22, 29, 58.33, 19.3},
}

// lmgByOrders is LMG the slow, independent way: all p! orders of entry, each model's R² by OLS
// on the raw data (olsFit), no correlation matrix and no subset weights.
func lmgByOrders(rows [][]float64, xs []int) []float64 {
	p := len(xs)
	shares := make([]float64, p)
	perm := make([]int, p)
	for i := range perm {
		perm[i] = i
	}
	r2Of := func(set []int) float64 {
		if len(set) == 0 {
			return 0
		}
		sub := make([][]float64, len(rows))
		for i, r := range rows {
			sub[i] = []float64{r[0]}
			for _, j := range set {
				sub[i] = append(sub[i], r[xs[j]])
			}
		}
		r2, _ := olsFit(sub)
		return r2
	}
	orders := 0
	var walk func(k int)
	walk = func(k int) {
		if k == p {
			orders++
			prev := 0.0
			for m := range p {
				cur := r2Of(perm[:m+1])
				shares[perm[m]] += cur - prev
				prev = cur
			}
			return
		}
		for i := k; i < p; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			walk(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	walk(0)
	for j := range shares {
		shares[j] /= float64(orders)
	}
	return shares
}

// TestLMGSwiss: Fertility ~ Agriculture + Examination + Education + Catholic +
// Infant.Mortality on swiss.
//
// The data are checked against R's published summary(lm(Fertility ~ ., data = swiss)) (printed
// in many R tutorials): slopes −0.17211, −0.25801, −0.87094, 0.10412, 1.07705, intercept
// 66.91518, multiple R² 0.7067. All six coefficients agreeing to five significant figures
// rules out a mistyped value.
//
// LMG shares are checked against lmgByOrders, an independent brute force over all 120 orders
// with OLS on the raw data. They come out as Agriculture 0.05709, Examination 0.17117,
// Education 0.26013, Catholic 0.10557, Infant.Mortality 0.11277 (sum 0.70674). The figures
// quoted in the brief as Grömping (2006)'s (0.0560, 0.1554, 0.2473, 0.1108, 0.1373) do not
// match, and that paper could not be consulted offline, so they are not asserted: with the
// data confirmed by the lm coefficients and the algorithm confirmed two independent ways (and
// against relaimpo's published mtcars output below), the quoted figures look misremembered.
func TestLMGSwiss(t *testing.T) {
	if len(swissData) != 47 {
		t.Fatalf("%d swiss rows, want 47", len(swissData))
	}
	r2ols, coef := olsFit(swissData)
	wantCoef := []float64{66.91518, -0.17211, -0.25801, -0.87094, 0.10412, 1.07705}
	for j := range wantCoef {
		if !approxEq(coef[j], wantCoef[j], 0.5e-5*math.Max(1, math.Abs(wantCoef[j]))) {
			t.Errorf("lm coefficient %d = %.6f, want %.5f", j, coef[j], wantCoef[j])
		}
	}
	corr, err := WeightedCorrelation(swissData, nil)
	if err != nil {
		t.Fatal(err)
	}
	xs := []int{1, 2, 3, 4, 5}
	shares, r2, err := LMG(corr, 0, xs)
	if err != nil {
		t.Fatal(err)
	}
	if !approxEq(r2, 0.7067, 0.5e-4) || !approxEq(r2, r2ols, 1e-12) {
		t.Errorf("R² = %.6f (OLS %.6f), want 0.7067", r2, r2ols)
	}
	brute := lmgByOrders(swissData, xs)
	want := []float64{0.05709, 0.17117, 0.26013, 0.10557, 0.11277}
	for j := range xs {
		if !approxEq(shares[j], brute[j], 1e-12) {
			t.Errorf("share %d = %.15g, all orders %.15g", j, shares[j], brute[j])
		}
		if !approxEq(shares[j], want[j], 0.5e-5) {
			t.Errorf("share %d = %.6f, want %.5f", j, shares[j], want[j])
		}
	}
	t.Logf("swiss LMG %.5f, R² %.5f", shares, r2)
}

// mtcarsData is R's datasets::mtcars (Henderson and Velleman, "Building multiple regression
// models interactively", Biometrics 37, 1981; 1974 Motor Trend road tests of 32 cars), columns
// mpg, am, vs, cyl, in R's row order, from a CSV export of the data set
// (github.com/karthik/rdrop2, mtcars.csv).
var mtcarsData = [][]float64{
	{21, 1, 0, 6}, {21, 1, 0, 6}, {22.8, 1, 1, 4}, {21.4, 0, 1, 6},
	{18.7, 0, 0, 8}, {18.1, 0, 1, 6}, {14.3, 0, 0, 8}, {24.4, 0, 1, 4},
	{22.8, 0, 1, 4}, {19.2, 0, 1, 6}, {17.8, 0, 1, 6}, {16.4, 0, 0, 8},
	{17.3, 0, 0, 8}, {15.2, 0, 0, 8}, {10.4, 0, 0, 8}, {10.4, 0, 0, 8},
	{14.7, 0, 0, 8}, {32.4, 1, 1, 4}, {30.4, 1, 1, 4}, {33.9, 1, 1, 4},
	{21.5, 0, 1, 4}, {15.5, 0, 0, 8}, {15.2, 0, 0, 8}, {13.3, 0, 0, 8},
	{19.2, 0, 0, 8}, {27.3, 1, 1, 4}, {26, 1, 0, 4}, {30.4, 1, 1, 4},
	{15.8, 1, 0, 8}, {19.7, 1, 0, 6}, {15, 1, 0, 8}, {21.4, 1, 1, 4},
}

// TestLMGMtcarsRelaimpo: relaimpo's own output for calc.relimp(mpg ~ am + vs + cyl,
// data = mtcars, type = "lmg"), as printed in the vignette of the R package domir (Luchman),
// "Proportion of variance explained by model: 76.2%", lmg am 0.1774892, vs 0.2027032,
// cyl 0.3817849.
func TestLMGMtcarsRelaimpo(t *testing.T) {
	corr, err := WeightedCorrelation(mtcarsData, nil)
	if err != nil {
		t.Fatal(err)
	}
	shares, r2, err := LMG(corr, 0, []int{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.1774892, 0.2027032, 0.3817849}
	for j := range want {
		if !approxEq(shares[j], want[j], 0.5e-7) {
			t.Errorf("share %d = %.8f, want %.7f", j, shares[j], want[j])
		}
	}
	if !approxEq(r2, 0.762, 0.5e-3) {
		t.Errorf("R² = %.5f, want 76.2%%", r2)
	}
}

// TestLMGBootstrap: intervals contain the point estimate, are ordered, and are reproducible
// with the seed; a different seed gives different intervals; weighted resampling works.
func TestLMGBootstrap(t *testing.T) {
	rows := driverTestData(2000, 3, 11)
	xs := []int{1, 2, 3}
	a, err := LMGBootstrap(rows, nil, 0, xs, 200, 42, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	corr, _ := WeightedCorrelation(rows, nil)
	shares, r2, _ := LMG(corr, 0, xs)
	if !slices.Equal(a.Shares, shares) || a.R2 != r2 {
		t.Errorf("point estimate %v %g, LMG %v %g", a.Shares, a.R2, shares, r2)
	}
	if a.Reps != 200 || a.Failed != 0 || a.N != 2000 {
		t.Errorf("reps %d failed %d n %d", a.Reps, a.Failed, a.N)
	}
	for j := range xs {
		if !(a.Lo[j] <= a.Shares[j] && a.Shares[j] <= a.Hi[j] && a.Lo[j] < a.Hi[j]) {
			t.Errorf("driver %d: %g not in [%g, %g]", j, a.Shares[j], a.Lo[j], a.Hi[j])
		}
	}
	if !(a.R2Lo <= a.R2 && a.R2 <= a.R2Hi) {
		t.Errorf("R² %g not in [%g, %g]", a.R2, a.R2Lo, a.R2Hi)
	}
	b, err := LMGBootstrap(rows, nil, 0, xs, 200, 42, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Lo, b.Lo) || !slices.Equal(a.Hi, b.Hi) || a.R2Lo != b.R2Lo {
		t.Errorf("same seed, different intervals: %v %v vs %v %v", a.Lo, a.Hi, b.Lo, b.Hi)
	}
	// The same on one core: each replicate has its own generator.
	prev := runtime.GOMAXPROCS(1)
	one, err := LMGBootstrap(rows, nil, 0, xs, 200, 42, 0.95)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Lo, one.Lo) || !slices.Equal(a.Hi, one.Hi) {
		t.Errorf("one core, different intervals: %v %v vs %v %v", a.Lo, a.Hi, one.Lo, one.Hi)
	}
	c, err := LMGBootstrap(rows, nil, 0, xs, 200, 43, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Lo, c.Lo) {
		t.Errorf("different seeds, same intervals")
	}

	// Weighted: weights, a NaN row and a zero-weight row.
	w := make([]float64, len(rows))
	for i := range w {
		w[i] = 0.5 + float64(i%4)
	}
	rows[3] = slices.Clone(rows[3])
	rows[3][2] = math.NaN()
	w[5] = 0
	d, err := LMGBootstrap(rows, w, 0, xs, 100, 1, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 1998 {
		t.Errorf("n = %d, want 1998", d.N)
	}
	wc, err := WeightedCorrelation(rows, w)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, _ := LMG(wc, 0, xs)
	for j := range xs {
		if !approxEq(d.Shares[j], ws[j], 1e-12) {
			t.Errorf("weighted share %d: %g vs %g", j, d.Shares[j], ws[j])
		}
		if !(d.Lo[j] <= d.Shares[j] && d.Shares[j] <= d.Hi[j]) {
			t.Errorf("weighted driver %d: %g not in [%g, %g]", j, d.Shares[j], d.Lo[j], d.Hi[j])
		}
	}
	e, _ := LMGBootstrap(rows, w, 0, xs, 100, 1, 0.9)
	if !slices.Equal(d.Lo, e.Lo) || !slices.Equal(d.Hi, e.Hi) {
		t.Errorf("weighted: same seed, different intervals")
	}

	if _, err := LMGBootstrap(rows, nil, 0, xs, 1, 1, 0.95); err == nil {
		t.Error("1 replicate accepted")
	}
	if _, err := LMGBootstrap(rows, nil, 0, xs, 10, 1, 1); err == nil {
		t.Error("conf 1 accepted")
	}
	if _, err := LMGBootstrap(rows, nil, 0, []int{1, 1}, 10, 1, 0.95); err == nil {
		t.Error("duplicate driver accepted")
	}
}

// TestWeightedCorrelation: equal weights give the unweighted matrix; integer weights equal
// repeating rows; listwise deletion; zero variance and other errors.
func TestWeightedCorrelation(t *testing.T) {
	rows := driverTestData(300, 3, 3)
	plain, err := WeightedCorrelation(rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	eq := make([]float64, len(rows))
	for i := range eq {
		eq[i] = 2.5
	}
	weighted, err := WeightedCorrelation(rows, eq)
	if err != nil {
		t.Fatal(err)
	}
	for i := range plain {
		if plain[i][i] != 1 {
			t.Errorf("diagonal %g", plain[i][i])
		}
		for j := range plain {
			if !approxEq(plain[i][j], weighted[i][j], 1e-14) {
				t.Errorf("[%d][%d]: %g vs %g", i, j, plain[i][j], weighted[i][j])
			}
			if plain[i][j] != plain[j][i] {
				t.Errorf("not symmetric at [%d][%d]", i, j)
			}
		}
	}
	// Weight 2 on a row equals the row twice.
	w := make([]float64, len(rows))
	dup := slices.Clone(rows)
	for i := range w {
		w[i] = 1
		if i%3 == 0 {
			w[i] = 2
			dup = append(dup, rows[i])
		}
	}
	a, _ := WeightedCorrelation(rows, w)
	b, _ := WeightedCorrelation(dup, nil)
	for i := range a {
		for j := range a {
			if !approxEq(a[i][j], b[i][j], 1e-13) {
				t.Errorf("weights vs duplicates [%d][%d]: %g vs %g", i, j, a[i][j], b[i][j])
			}
		}
	}
	// Listwise: a row with a NaN is dropped entirely.
	withNaN := append(slices.Clone(rows), []float64{1, math.NaN(), 100, -100})
	c, err := WeightedCorrelation(withNaN, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c {
		for j := range c {
			if c[i][j] != plain[i][j] {
				t.Errorf("listwise [%d][%d]: %g vs %g", i, j, c[i][j], plain[i][j])
			}
		}
	}
	// Hand-computed: x = 1,2,3, y = 1,3,2: r = Σdxdy/√(ΣdxΣdy) = (0+0+1)/√(2·2) = 0.5.
	hc, err := WeightedCorrelation([][]float64{{1, 1}, {2, 3}, {3, 2}}, nil)
	if err != nil || !approxEq(hc[0][1], 0.5, 1e-15) {
		t.Errorf("hand case: %v %v", hc, err)
	}

	// Zero variance (column 1 constant) is a clear error naming the column.
	constant := [][]float64{{1, 5, 2}, {2, 5, 1}, {3, 5, 7}}
	_, err = WeightedCorrelation(constant, nil)
	if !errors.Is(err, ErrDriverZeroVariance) {
		t.Errorf("constant column: %v", err)
	} else {
		t.Logf("constant column: %v", err)
	}
	// Constant once zero-weight rows are left out.
	if _, err := WeightedCorrelation([][]float64{{1, 5}, {2, 5}, {3, 9}}, []float64{1, 1, 0}); !errors.Is(err, ErrDriverZeroVariance) {
		t.Errorf("constant among positive weights: %v", err)
	}
	if _, err := WeightedCorrelation([][]float64{{1, 2}}, nil); !errors.Is(err, ErrTooFew) {
		t.Errorf("one row: %v", err)
	}
	if _, err := WeightedCorrelation(rows, []float64{1}); err == nil {
		t.Error("weights of wrong length accepted")
	}
	if _, err := WeightedCorrelation([][]float64{{1, 2}, {2}}, nil); err == nil {
		t.Error("ragged rows accepted")
	}
	if _, err := WeightedCorrelation([][]float64{{1, 2}, {2, math.Inf(1)}, {3, 1}}, nil); err == nil {
		t.Error("Inf accepted")
	}
	if _, err := WeightedCorrelation([][]float64{{1, 2}, {2, 1}, {3, 1}}, []float64{1, -1, 1}); err == nil {
		t.Error("negative weight accepted")
	}
}

func TestLMGErrors(t *testing.T) {
	corr := [][]float64{{1, 0.5, 0.5}, {0.5, 1, 1}, {0.5, 1, 1}}
	if _, _, err := LMG(corr, 0, []int{1, 2}); !errors.Is(err, ErrDriverSingular) {
		t.Errorf("collinear drivers: %v", err)
	}
	if _, _, err := LMG(corr, 0, []int{1}); err != nil {
		t.Errorf("single driver: %v", err)
	}
	if _, _, err := LMG(corr, 0, nil); err == nil {
		t.Error("no drivers accepted")
	}
	if _, _, err := LMG(corr, 0, []int{0, 1}); err == nil {
		t.Error("outcome as driver accepted")
	}
	if _, _, err := LMG(corr, 0, []int{1, 1}); err == nil {
		t.Error("duplicate driver accepted")
	}
	if _, _, err := LMG(corr, 0, []int{3}); err == nil {
		t.Error("out-of-range driver accepted")
	}
	big := make([][]float64, 14)
	for i := range big {
		big[i] = make([]float64, 14)
		big[i][i] = 1
	}
	xs := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
	if _, _, err := LMG(big, 0, xs); err == nil {
		t.Error("13 drivers accepted")
	}
	if s, r2, err := LMG(big, 0, xs[:12]); err != nil || r2 != 0 || len(s) != 12 {
		t.Errorf("12 independent drivers: %v %g %v", s, r2, err)
	}
}

func TestQuadrant(t *testing.T) {
	// Mean importance 0.25, mean performance 3.
	imp := []float64{0.4, 0.3, 0.1, 0.2, 0.25, math.NaN()}
	perf := []float64{4, 2, 1, 5, 3, 9}
	got := Quadrant(imp, perf)
	want := []string{DriverMaintain, DriverPriority, DriverSecondary, DriverOverkill, DriverMaintain, ""}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if DriverMaintain != "maintain" || DriverPriority != "priority" || DriverSecondary != "secondary" || DriverOverkill != "possible overkill" {
		t.Error("quadrant names changed")
	}
	if Quadrant([]float64{1}, nil) != nil || Quadrant(nil, nil) != nil {
		t.Error("mismatched or empty input should give nil")
	}
}

func benchDriverData(b *testing.B) ([][]float64, []int) {
	b.Helper()
	rows := driverTestData(100_000, 8, 99)
	return rows, []int{1, 2, 3, 4, 5, 6, 7, 8}
}

// BenchmarkLMG8x100k: weighted correlation of 9 columns over 100,000 respondents, then LMG over
// 2^8 subsets.
func BenchmarkLMG8x100k(b *testing.B) {
	rows, xs := benchDriverData(b)
	w := make([]float64, len(rows))
	for i := range w {
		w[i] = 0.5 + float64(i%5)/4
	}
	b.ResetTimer()
	for b.Loop() {
		corr, err := WeightedCorrelation(rows, w)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := LMG(corr, 0, xs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLMGBootstrap8x100k: 200 bootstrap replicates, weighted resampling.
func BenchmarkLMGBootstrap8x100k(b *testing.B) {
	rows, xs := benchDriverData(b)
	w := make([]float64, len(rows))
	for i := range w {
		w[i] = 0.5 + float64(i%5)/4
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := LMGBootstrap(rows, w, 0, xs, 200, 1, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDriverAliasTable: the alias table gives each index exactly its share of the weight:
// P(i) = (prob[i] + Σ_{k≠i, alias[k]=i} (1 − prob[k]))/n = w[i]/Σw.
func TestDriverAliasTable(t *testing.T) {
	for _, w := range [][]float64{{1}, {1, 1, 1}, {0.1, 5, 2, 2, 0.9}, {3, 1e-9, 1, 7, 7, 0.5, 2}} {
		prob, alias := driverAliasTable(w)
		n := float64(len(w))
		got := make([]float64, len(w))
		for k := range w {
			got[k] += prob[k] / n
			if int(alias[k]) != k {
				got[alias[k]] += (1 - prob[k]) / n
			}
		}
		sum := 0.0
		for _, x := range w {
			sum += x
		}
		for i := range w {
			if !approxEq(got[i], w[i]/sum, 1e-14) {
				t.Errorf("w %v: P(%d) = %g, want %g", w, i, got[i], w[i]/sum)
			}
		}
	}
}
