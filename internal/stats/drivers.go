package stats

// Key-driver analysis for satisfaction surveys: how much of the variance of overall satisfaction
// each driver (a rated aspect of a service) accounts for, as its LMG share of R² — the average,
// over all orders in which the drivers can enter a linear regression, of the R² the driver adds
// when it enters (Lindeman, Merenda and Gold, "Introduction to Bivariate and Multivariate
// Analysis", 1980; Grömping, "Relative importance for linear regression in R: the package
// relaimpo", Journal of Statistical Software 17(1), 2006). The LMG shares are the Shapley values
// of the R² game, so they are non-negative and add up to the full model's R². Everything is
// computed from the (weighted) correlation matrix, so it is invariant to the scale of each
// rating; percentile bootstrap intervals come from resampling respondents; and Quadrant sorts
// the drivers into the usual importance × performance grid.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// DriverMaxPredictors is the most drivers LMG accepts: it evaluates all 2^p subsets.
const DriverMaxPredictors = 12

// ErrDriverZeroVariance is returned (wrapped, naming the column) when a column of the data has
// no variance among the rows used, so its correlations are undefined.
var ErrDriverZeroVariance = errors.New("stats: a column has zero variance")

// ErrDriverSingular is returned (wrapped) when the drivers' correlation matrix is singular or
// so nearly singular that R² cannot be computed reliably: some driver is (almost) a linear
// combination of the others. No ridge or pseudo-inverse is applied; drop or merge drivers.
var ErrDriverSingular = errors.New("stats: drivers are (nearly) collinear")

// driverPivotTol is the smallest Cholesky pivot accepted for a correlation (unit-diagonal)
// submatrix. The pivot is 1 − R² of that driver on the drivers before it, so a driver whose
// R² on the others exceeds 1 − 1e-10 is treated as collinear.
const driverPivotTol = 1e-10

// WeightedCorrelation returns the Pearson correlation matrix of the columns of rows (every row
// must have the same number of columns), with optional non-negative respondent weights w (nil
// means every row weighs 1; otherwise len(w) must equal len(rows)). Missing values are handled
// listwise: a row with NaN in any column is dropped from every correlation, so the matrix is
// that of one set of respondents and is positive semi-definite. ±Inf is an error. Weighted
// means and cross-products are used, r_jk = Σw(x_j − x̄_j)(x_k − x̄_k) / √(Σw(x_j − x̄_j)² ·
// Σw(x_k − x̄_k)²); the normalisation of the weights cancels. A column with zero variance among
// the rows used gives an error wrapping ErrDriverZeroVariance; fewer than two rows of positive
// weight gives ErrTooFew.
func WeightedCorrelation(rows [][]float64, w []float64) ([][]float64, error) {
	if len(rows) == 0 {
		return nil, ErrTooFew
	}
	k := len(rows[0])
	if k == 0 {
		return nil, errors.New("stats: rows have no columns")
	}
	if w != nil && len(w) != len(rows) {
		return nil, fmt.Errorf("stats: %d weights for %d rows", len(w), len(rows))
	}
	cols := make([][]float64, k)
	var wt []float64
	if w != nil {
		wt = make([]float64, 0, len(rows))
	}
rowLoop:
	for i, r := range rows {
		if len(r) != k {
			return nil, fmt.Errorf("stats: row %d has %d columns, row 0 has %d", i, len(r), k)
		}
		if w != nil {
			if math.IsNaN(w[i]) || math.IsInf(w[i], 0) || w[i] < 0 {
				return nil, errors.New("stats: weights must be finite and non-negative")
			}
		}
		for j, x := range r {
			if math.IsInf(x, 0) {
				return nil, fmt.Errorf("stats: infinite value in row %d, column %d", i, j)
			}
			if math.IsNaN(x) {
				continue rowLoop
			}
		}
		for j, x := range r {
			cols[j] = append(cols[j], x)
		}
		if w != nil {
			wt = append(wt, w[i])
		}
	}
	return driverCorr(cols, wt)
}

// driverCorr is the weighted correlation matrix of complete columns (all the same length) with
// weights wt (nil for equal weights). It makes two passes: weighted means, then centred
// cross-products, which is accurate for ratings far from zero.
func driverCorr(cols [][]float64, wt []float64) ([][]float64, error) {
	k := len(cols)
	n := len(cols[0])
	sw := 0.0
	npos := 0
	if wt == nil {
		sw = float64(n)
		npos = n
	} else {
		for _, x := range wt {
			sw += x
			if x > 0 {
				npos++
			}
		}
	}
	if npos < 2 || sw <= 0 {
		return nil, ErrTooFew
	}
	mean := make([]float64, k)
	for j, c := range cols {
		s := 0.0
		if wt == nil {
			for _, x := range c {
				s += x
			}
		} else {
			for i, x := range c {
				s += wt[i] * x
			}
		}
		mean[j] = s / sw
	}
	cov := make([][]float64, k)
	for j := range cov {
		cov[j] = make([]float64, k)
	}
	dev := make([]float64, k)
	for i := 0; i < n; i++ {
		wi := 1.0
		if wt != nil {
			wi = wt[i]
			if wi == 0 {
				continue
			}
		}
		for j := range k {
			dev[j] = cols[j][i] - mean[j]
		}
		for j := range k {
			d := wi * dev[j]
			row := cov[j]
			for l := 0; l <= j; l++ {
				row[l] += d * dev[l]
			}
		}
	}
	sd := make([]float64, k)
	for j := range k {
		// A column is constant when its spread is zero or only rounding noise relative to
		// its weighted sum of squares Σw·x² = Σw(x − x̄)² + Σw·x̄².
		ss := cov[j][j] + sw*mean[j]*mean[j]
		if cov[j][j] <= 1e-24*ss || cov[j][j] == 0 {
			return nil, fmt.Errorf("%w: column %d", ErrDriverZeroVariance, j)
		}
		sd[j] = math.Sqrt(cov[j][j])
	}
	corr := make([][]float64, k)
	for j := range corr {
		corr[j] = make([]float64, k)
		corr[j][j] = 1
	}
	for j := range k {
		for l := 0; l < j; l++ {
			r := max(-1, min(1, cov[j][l]/(sd[j]*sd[l])))
			corr[j][l], corr[l][j] = r, r
		}
	}
	return corr, nil
}

// LMG returns the LMG share of R² of each driver xs[i] in the linear regression of column y on
// columns xs, computed from the correlation matrix corr (for instance from
// WeightedCorrelation), and the full model's R².
//
// For a subset S of the drivers, R²(S) = r_yS' R_SS⁻¹ r_yS, solved by Cholesky factorisation of
// R_SS. The share of driver j is its marginal R² gain averaged over all p! orders of entry:
//
//	LMG_j = Σ_{S ⊆ xs∖{j}} |S|!(p−|S|−1)!/p! · [R²(S∪{j}) − R²(S)],
//
// evaluated over a bitmask of all 2^p subsets with each R²(S) computed once. The shares add up
// to R²(xs). p must be between 1 and DriverMaxPredictors (12); y must not be among xs, and xs
// must be distinct. If R_xx is singular or nearly so (a driver with R² > 1 − 1e-10 on the
// others) the error wraps ErrDriverSingular: no ridge or pseudo-inverse is applied, because
// LMG shares of collinear drivers are not identified. (Every R_SS is a principal submatrix of
// R_xx, so when R_xx is positive definite every subset is too.)
func LMG(corr [][]float64, y int, xs []int) ([]float64, float64, error) {
	m := len(corr)
	for i, r := range corr {
		if len(r) != m {
			return nil, 0, fmt.Errorf("stats: correlation matrix row %d has %d entries, want %d", i, len(r), m)
		}
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, errors.New("stats: correlation matrix has a non-finite entry")
			}
		}
	}
	p := len(xs)
	if p == 0 {
		return nil, 0, errors.New("stats: no drivers")
	}
	if p > DriverMaxPredictors {
		return nil, 0, fmt.Errorf("stats: %d drivers; LMG is limited to %d (2^p subsets)", p, DriverMaxPredictors)
	}
	if y < 0 || y >= m {
		return nil, 0, fmt.Errorf("stats: outcome column %d outside 0..%d", y, m-1)
	}
	seen := make(map[int]bool, p)
	for _, x := range xs {
		if x < 0 || x >= m {
			return nil, 0, fmt.Errorf("stats: driver column %d outside 0..%d", x, m-1)
		}
		if x == y {
			return nil, 0, fmt.Errorf("stats: column %d is both the outcome and a driver", x)
		}
		if seen[x] {
			return nil, 0, fmt.Errorf("stats: driver column %d listed twice", x)
		}
		seen[x] = true
	}
	// Driver-by-driver correlations and correlations with the outcome.
	rxx := make([][]float64, p)
	rxy := make([]float64, p)
	for a, xa := range xs {
		rxx[a] = make([]float64, p)
		for b, xb := range xs {
			rxx[a][b] = corr[xa][xb]
		}
		rxy[a] = corr[xa][y]
	}
	full := 1<<p - 1
	scratch := newDriverR2(p)
	if _, err := scratch.r2(rxx, rxy, full); err != nil {
		return nil, 0, err
	}
	r2 := make([]float64, 1<<p)
	for s := 1; s <= full; s++ {
		v, err := scratch.r2(rxx, rxy, s)
		if err != nil {
			return nil, 0, err
		}
		r2[s] = v
	}
	// weight[k] = k!(p−k−1)!/p!, the probability that a given driver enters right after a
	// given set of k others.
	weight := make([]float64, p)
	for k := range p {
		weight[k] = math.Exp(lgammaInt(k+1) + lgammaInt(p-k) - lgammaInt(p+1))
	}
	shares := make([]float64, p)
	for j := range p {
		bit := 1 << j
		sum := 0.0
		for s := 0; s <= full; s++ {
			if s&bit != 0 {
				continue
			}
			sum += weight[bitCount(s)] * (r2[s|bit] - r2[s])
		}
		shares[j] = sum
	}
	return shares, r2[full], nil
}

func lgammaInt(n int) float64 {
	v, _ := math.Lgamma(float64(n))
	return v
}

func bitCount(s int) int {
	c := 0
	for ; s != 0; s &= s - 1 {
		c++
	}
	return c
}

// driverR2 holds scratch space for R² of subsets of at most p drivers.
type driverR2 struct {
	idx []int
	l   []float64 // Cholesky factor, row-major p×p
	z   []float64
}

func newDriverR2(p int) *driverR2 {
	return &driverR2{idx: make([]int, 0, p), l: make([]float64, p*p), z: make([]float64, p)}
}

// r2 returns r_yS' R_SS⁻¹ r_yS for the subset given by bitmask s: with R_SS = LL', it is ‖z‖²
// where Lz = r_yS.
func (d *driverR2) r2(rxx [][]float64, rxy []float64, s int) (float64, error) {
	idx := d.idx[:0]
	for j := range rxy {
		if s&(1<<j) != 0 {
			idx = append(idx, j)
		}
	}
	k := len(idx)
	l := d.l
	for a := range k {
		for b := 0; b <= a; b++ {
			v := rxx[idx[a]][idx[b]]
			for c := range b {
				v -= l[a*k+c] * l[b*k+c]
			}
			if a == b {
				if v <= driverPivotTol {
					return 0, fmt.Errorf("%w: driver %d is (almost) a linear combination of drivers before it", ErrDriverSingular, idx[a])
				}
				l[a*k+a] = math.Sqrt(v)
			} else {
				l[a*k+b] = v / l[b*k+b]
			}
		}
	}
	r2 := 0.0
	for a := range k {
		v := rxy[idx[a]]
		for c := range a {
			v -= l[a*k+c] * d.z[c]
		}
		d.z[a] = v / l[a*k+a]
		r2 += d.z[a] * d.z[a]
	}
	return r2, nil
}

// DriverBootstrap is the result of LMGBootstrap.
type DriverBootstrap struct {
	Shares []float64 // LMG share of each driver on the whole sample, in the order of xs
	R2     float64   // the full model's R² on the whole sample
	Lo, Hi []float64 // percentile interval of each share
	R2Lo   float64   // percentile interval of R²
	R2Hi   float64
	Conf   float64 // the confidence level of the intervals
	Reps   int     // replicates used
	Failed int     // replicates dropped because a column was constant or the drivers collinear
	N      int     // respondents used (complete on y and xs, with positive weight)
}

// LMGBootstrap returns the LMG shares of the regression of column y on columns xs of rows, with
// percentile bootstrap intervals at confidence conf (e.g. 0.95) from reps resamples of the
// respondents.
//
// Only columns y and xs are used, and a row with NaN in any of them is dropped (listwise), as
// are rows of zero weight; the point estimate is LMG(WeightedCorrelation(those rows, w)). Each
// replicate draws N respondents with replacement — uniformly without weights, with
// probability proportional to weight when w is given (so each resample is self-weighting and
// its correlations are unweighted) — and recomputes the shares. The interval ends are the
// (1−conf)/2 and (1+conf)/2 quantiles of the replicate shares (Hyndman–Fan type 7). A
// percentile interval usually, but not necessarily, contains the point estimate.
//
// The result is deterministic for a given seed whatever the number of cores: replicate b uses
// its own generator seeded by (seed, b). Replicates run in parallel across GOMAXPROCS workers.
// Replicates whose resample has a constant column or collinear drivers are dropped and counted
// in Failed; if fewer than half of reps succeed the error wraps the first failure.
func LMGBootstrap(rows [][]float64, w []float64, y int, xs []int, reps int, seed int64, conf float64) (DriverBootstrap, error) {
	if reps < 2 {
		return DriverBootstrap{}, errors.New("stats: need at least 2 bootstrap replicates")
	}
	if !(conf > 0 && conf < 1) {
		return DriverBootstrap{}, errors.New("stats: confidence level must be in (0, 1)")
	}
	if w != nil && len(w) != len(rows) {
		return DriverBootstrap{}, fmt.Errorf("stats: %d weights for %d rows", len(w), len(rows))
	}
	use := append([]int{y}, xs...)
	// Local indices: outcome 0, drivers 1..p. LMG checks duplicates and p.
	lxs := make([]int, len(xs))
	for i := range lxs {
		lxs[i] = i + 1
	}
	cols := make([][]float64, len(use))
	var wt []float64
rowLoop:
	for i, r := range rows {
		for _, c := range use {
			if c < 0 || c >= len(r) {
				return DriverBootstrap{}, fmt.Errorf("stats: column %d outside row %d (%d columns)", c, i, len(r))
			}
		}
		if w != nil {
			if math.IsNaN(w[i]) || math.IsInf(w[i], 0) || w[i] < 0 {
				return DriverBootstrap{}, errors.New("stats: weights must be finite and non-negative")
			}
			if w[i] == 0 {
				continue
			}
		}
		for _, c := range use {
			if math.IsInf(r[c], 0) {
				return DriverBootstrap{}, fmt.Errorf("stats: infinite value in row %d, column %d", i, c)
			}
			if math.IsNaN(r[c]) {
				continue rowLoop
			}
		}
		for j, c := range use {
			cols[j] = append(cols[j], r[c])
		}
		if w != nil {
			wt = append(wt, w[i])
		}
	}
	// Check y and xs on the original column numbers (LMG below sees only local ones).
	if len(cols[0]) == 0 {
		return DriverBootstrap{}, ErrTooFew
	}
	if err := driverCheckIndices(y, xs); err != nil {
		return DriverBootstrap{}, err
	}
	n := len(cols[0])
	corr, err := driverCorr(cols, wt)
	if err != nil {
		return DriverBootstrap{}, err
	}
	shares, r2, err := LMG(corr, 0, lxs)
	if err != nil {
		return DriverBootstrap{}, err
	}

	// Walker's alias table for drawing respondents with probability ∝ weight in O(1).
	var prob []float64
	var alias []int32
	if wt != nil {
		prob, alias = driverAliasTable(wt)
	}
	p := len(xs)
	repShares := make([][]float64, reps)
	repR2 := make([]float64, reps)
	repErr := make([]error, reps)
	workers := max(1, min(runtime.GOMAXPROCS(0), reps))
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts := make([]float64, n)
			for b := wk; b < reps; b += workers {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(b)))
				clear(counts)
				for range n {
					i := rng.IntN(n)
					if prob != nil && rng.Float64() >= prob[i] {
						i = int(alias[i])
					}
					counts[i]++
				}
				c, err := driverCorr(cols, counts)
				if err == nil {
					repShares[b], repR2[b], err = LMG(c, 0, lxs)
				}
				repErr[b] = err
			}
		}()
	}
	wg.Wait()

	res := DriverBootstrap{Shares: shares, R2: r2, Conf: conf, N: n, Lo: make([]float64, p), Hi: make([]float64, p)}
	var firstErr error
	perDriver := make([][]float64, p)
	var r2s []float64
	for b := range reps {
		if repErr[b] != nil {
			res.Failed++
			if firstErr == nil {
				firstErr = repErr[b]
			}
			continue
		}
		for j := range p {
			perDriver[j] = append(perDriver[j], repShares[b][j])
		}
		r2s = append(r2s, repR2[b])
	}
	res.Reps = len(r2s)
	if res.Reps < 2 || 2*res.Reps < reps {
		return DriverBootstrap{}, fmt.Errorf("stats: %d of %d bootstrap replicates failed: %w", res.Failed, reps, firstErr)
	}
	lo, hi := (1-conf)/2, (1+conf)/2
	for j := range p {
		slices.Sort(perDriver[j])
		res.Lo[j] = sortedQuantile7(perDriver[j], lo)
		res.Hi[j] = sortedQuantile7(perDriver[j], hi)
	}
	slices.Sort(r2s)
	res.R2Lo = sortedQuantile7(r2s, lo)
	res.R2Hi = sortedQuantile7(r2s, hi)
	return res, nil
}

// driverAliasTable builds Walker's alias table (Vose's construction: Vose, "A linear algorithm
// for generating random numbers with a given distribution", IEEE Trans. Softw. Eng. 17(9),
// 1991) for weights w, all positive: draw i uniformly, keep it with probability prob[i], else
// take alias[i]. Index i is then drawn with probability w[i]/Σw.
func driverAliasTable(w []float64) ([]float64, []int32) {
	n := len(w)
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	prob := make([]float64, n)
	alias := make([]int32, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, x := range w {
		prob[i] = x * float64(n) / sum
		alias[i] = int32(i)
		if prob[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		l := small[len(small)-1]
		small = small[:len(small)-1]
		g := large[len(large)-1]
		alias[l] = g
		prob[g] += prob[l] - 1
		if prob[g] < 1 {
			large = large[:len(large)-1]
			small = append(small, g)
		}
	}
	// Whatever is left has probability 1 up to rounding.
	for _, i := range large {
		prob[i] = 1
	}
	for _, i := range small {
		prob[i] = 1
	}
	return prob, alias
}

func driverCheckIndices(y int, xs []int) error {
	if len(xs) == 0 {
		return errors.New("stats: no drivers")
	}
	if len(xs) > DriverMaxPredictors {
		return fmt.Errorf("stats: %d drivers; LMG is limited to %d (2^p subsets)", len(xs), DriverMaxPredictors)
	}
	seen := map[int]bool{y: true}
	for _, x := range xs {
		if seen[x] {
			return fmt.Errorf("stats: column %d used twice among the outcome and drivers", x)
		}
		seen[x] = true
	}
	return nil
}

// The four cells of the importance × performance grid.
const (
	// DriverMaintain: importance and performance both at or above their means — a strength to
	// keep up.
	DriverMaintain = "maintain"
	// DriverPriority: importance at or above its mean, performance below — the first place to
	// improve.
	DriverPriority = "priority"
	// DriverSecondary: importance and performance both below their means — lower priority.
	DriverSecondary = "secondary"
	// DriverOverkill: importance below its mean, performance at or above — possibly more effort
	// than satisfaction warrants.
	DriverOverkill = "possible overkill"
)

// Quadrant classifies each driver by comparing its importance (e.g. its LMG share) with the
// mean importance and its performance (e.g. its mean rating or top-two-box share) with the mean
// performance over the drivers: DriverMaintain (high importance, high performance),
// DriverPriority (high, low), DriverSecondary (low, low) or DriverOverkill (low, high). A value
// equal to the mean counts as high. A driver with NaN importance or performance gets "" and is
// left out of the means. It returns nil when the lengths differ or are zero.
func Quadrant(importance, performance []float64) []string {
	if len(importance) != len(performance) || len(importance) == 0 {
		return nil
	}
	mi, mp, n := 0.0, 0.0, 0
	for i := range importance {
		if math.IsNaN(importance[i]) || math.IsNaN(performance[i]) {
			continue
		}
		mi += importance[i]
		mp += performance[i]
		n++
	}
	out := make([]string, len(importance))
	if n == 0 {
		return out
	}
	mi /= float64(n)
	mp /= float64(n)
	for i := range importance {
		if math.IsNaN(importance[i]) || math.IsNaN(performance[i]) {
			continue
		}
		hiI, hiP := importance[i] >= mi, performance[i] >= mp
		switch {
		case hiI && hiP:
			out[i] = DriverMaintain
		case hiI:
			out[i] = DriverPriority
		case hiP:
			out[i] = DriverOverkill
		default:
			out[i] = DriverSecondary
		}
	}
	return out
}
