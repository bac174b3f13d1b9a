package stats

// Survey weighting (PRODUCT.md §3D): post-stratification, raking with trimming, Kish's effective
// sample size, and the weighted versions of the survey estimators of survey.go.

import (
	"errors"
	"fmt"
	"math"
)

// ErrNotConverged is returned by Rake when the margins are not met within the iteration cap.
var ErrNotConverged = errors.New("stats: raking did not converge")

// checkWeights returns w, or n unit weights when w is nil, after checking that there is one
// finite, non-negative weight per value and that they do not all vanish.
func checkWeights(n int, w []float64) ([]float64, error) {
	if w == nil {
		w = make([]float64, n)
		for i := range w {
			w[i] = 1
		}
		return w, nil
	}
	if len(w) != n {
		return nil, fmt.Errorf("stats: %d weights for %d values", len(w), n)
	}
	sum := 0.0
	for _, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return nil, errors.New("stats: weights must be finite and non-negative")
		}
		sum += x
	}
	if !(sum > 0) {
		return nil, ErrTooFew
	}
	return w, nil
}

// KishNEff returns Kish's effective sample size (Σw)²/Σw² (L. Kish, Survey Sampling, Wiley,
// 1965): the size of a simple random sample with the same precision as the weighted mean, when
// the weights are unrelated to the values. It equals n for equal weights.
func KishNEff(w []float64) (float64, error) {
	if len(w) == 0 {
		return 0, ErrEmpty
	}
	if _, err := checkWeights(len(w), w); err != nil {
		return 0, err
	}
	s, s2 := 0.0, 0.0
	for _, x := range w {
		s += x
		s2 += x * x
	}
	return s * s / s2, nil
}

// positive counts the weights above zero: the responses that count.
func positive(w []float64) int {
	n := 0
	for _, x := range w {
		if x > 0 {
			n++
		}
	}
	return n
}

// cvOf is SE/|value|, 0 when SE is 0.
func cvOf(se, value float64) float64 {
	if se == 0 {
		return 0
	}
	return se / math.Abs(value)
}

// WeightedMean returns the weighted mean Σwx/Σw with a design-effect-adjusted Student t
// interval. Design-effect adjustment: Kish's effective sample size n_eff = (Σw)²/Σw² is used in
// place of n throughout — the variance is s² = [Σw(x − m)²/Σw] × n_eff/(n_eff − 1), the
// standard error s/√n_eff and the degrees of freedom n_eff − 1. This is an approximation that
// assumes the weights are unrelated to the values (Kish's deff for unequal weighting) and
// ignores clustering and the calibration gain of raking. With nil weights it is the ordinary
// mean with the t interval on n − 1 degrees of freedom. With n_eff ≤ 1 the interval is NaN.
func WeightedMean(xs, w []float64) (Estimate, error) {
	if len(xs) == 0 {
		return Estimate{}, ErrEmpty
	}
	w, err := checkWeights(len(xs), w)
	if err != nil {
		return Estimate{}, err
	}
	sw, sw2, swx := 0.0, 0.0, 0.0
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Estimate{}, errors.New("stats: values must be finite")
		}
		sw += w[i]
		sw2 += w[i] * w[i]
		swx += w[i] * x
	}
	m := swx / sw
	nEff := sw * sw / sw2
	ss := 0.0
	for i, x := range xs {
		ss += w[i] * (x - m) * (x - m)
	}
	e := Estimate{Kind: MeanKind, Value: m, Centre: m, N: positive(w), NEff: nEff}
	if nEff <= 1 || nEff-1 < 1e-9 {
		e.SE, e.DF, e.Lower, e.Upper, e.CV = math.NaN(), 0, math.NaN(), math.NaN(), math.NaN()
		e.Reliability = Suppressed
		return e, nil
	}
	s2 := ss / sw * nEff / (nEff - 1)
	e.SE = math.Sqrt(s2 / nEff)
	e.DF = nEff - 1
	half := tCritical(e.DF) * e.SE
	e.Lower, e.Upper = m-half, m+half
	e.CV = cvOf(e.SE, m)
	e.Reliability = Assess(e.N, nEff, e.CV)
	return e, nil
}

// WeightedIndex returns the weighted 0–100 index of 5-point responses ((x − 1) × 25), with the
// design-effect-adjusted t interval of WeightedMean. nil weights give Index.
func WeightedIndex(responses []int, w []float64) (Estimate, error) {
	xs := make([]float64, len(responses))
	for i, r := range responses {
		v, err := ScaleIndex(r, 5)
		if err != nil {
			return Estimate{}, err
		}
		xs[i] = v
	}
	return WeightedMean(xs, w)
}

// WeightedEffort returns the weighted mean of 7-point effort responses (1 … 7) with the
// design-effect-adjusted t interval of WeightedMean. nil weights give Effort.
func WeightedEffort(responses []int, w []float64) (Estimate, error) {
	xs := make([]float64, len(responses))
	for i, r := range responses {
		if r < 1 || r > 7 {
			return Estimate{}, fmt.Errorf("stats: response %d outside the 7-point scale", r)
		}
		xs[i] = float64(r)
	}
	return WeightedMean(xs, w)
}

// WeightedProportion returns the weighted percentage of true values, 100 Σw·hit/Σw, with a
// Wilson interval computed on the effective sample size n_eff = (Σw)²/Σw² and the effective
// count p̂ × n_eff (design-effect adjustment, assuming weights unrelated to the outcome). The
// standard error is √(p̂(1 − p̂)/n_eff). nil weights give Proportion.
func WeightedProportion(hits []bool, w []float64) (Estimate, error) {
	if len(hits) == 0 {
		return Estimate{}, ErrEmpty
	}
	w, err := checkWeights(len(hits), w)
	if err != nil {
		return Estimate{}, err
	}
	sw, sw2, sh := 0.0, 0.0, 0.0
	for i, h := range hits {
		sw += w[i]
		sw2 += w[i] * w[i]
		if h {
			sh += w[i]
		}
	}
	p := math.Min(1, sh/sw)
	nEff := sw * sw / sw2
	lo, hi, err := Wilson(p*nEff, nEff, Confidence)
	if err != nil {
		return Estimate{}, err
	}
	z, _ := zCritical(Confidence)
	centre := (p + z*z/(2*nEff)) / (1 + z*z/nEff)
	se := math.Sqrt(p * (1 - p) / nEff)
	e := Estimate{Kind: ProportionKind, Value: 100 * p, N: positive(w), NEff: nEff, SE: 100 * se,
		Centre: 100 * centre, Lower: 100 * lo, Upper: 100 * hi, CV: cvOf(se, p)}
	e.Reliability = Assess(e.N, nEff, e.CV)
	return e, nil
}

// WeightedTopTwoBox returns the weighted percentage of responses in the top two points of a
// points-point scale (1 … points), with the Wilson interval of WeightedProportion. nil weights
// give TopTwoBox.
func WeightedTopTwoBox(responses []int, points int, w []float64) (Estimate, error) {
	if points < 2 {
		return Estimate{}, errors.New("stats: a scale needs at least 2 points")
	}
	hits := make([]bool, len(responses))
	for i, r := range responses {
		if r < 1 || r > points {
			return Estimate{}, fmt.Errorf("stats: response %d outside the %d-point scale", r, points)
		}
		hits[i] = r >= points-1
	}
	return WeightedProportion(hits, w)
}

// WeightedNPS returns the weighted net promoter score of 0–10 responses with the adjusted Wald
// interval of NPS computed on the effective sample size: n' = n_eff + 3, promoters and
// detractors p̂ × n_eff + 0.75 and d̂ × n_eff + 0.75 (design-effect adjustment, assuming weights
// unrelated to the outcome). The standard error reported is that of the adjusted estimate.
// Reliability rests on n and n_eff only (see NPS). nil weights give NPS.
func WeightedNPS(responses []int, w []float64) (Estimate, error) {
	if len(responses) == 0 {
		return Estimate{}, ErrEmpty
	}
	w, err := checkWeights(len(responses), w)
	if err != nil {
		return Estimate{}, err
	}
	sw, sw2, sp, sd := 0.0, 0.0, 0.0, 0.0
	for i, r := range responses {
		if r < 0 || r > 10 {
			return Estimate{}, fmt.Errorf("stats: response %d outside 0–10", r)
		}
		sw += w[i]
		sw2 += w[i] * w[i]
		switch {
		case r >= 9:
			sp += w[i]
		case r <= 6:
			sd += w[i]
		}
	}
	p, d := sp/sw, sd/sw
	nEff := sw * sw / sw2
	n1 := nEff + 3
	pa, da := (p*nEff+0.75)/n1, (d*nEff+0.75)/n1
	c := pa - da
	se := math.Sqrt((pa + da - c*c) / n1)
	z, _ := zCritical(Confidence)
	e := Estimate{Kind: NPSKind, Value: 100 * (p - d), N: positive(w), NEff: nEff, SE: 100 * se,
		Centre: 100 * c, Lower: 100 * math.Max(-1, c-z*se), Upper: 100 * math.Min(1, c+z*se)}
	e.CV = cvOf(e.SE, e.Value)
	e.Reliability = Assess(e.N, nEff, 0)
	return e, nil
}

// PostStratify returns post-stratification weights: each respondent's base weight (1 when base
// is nil) times N_h/Σ_{i∈h} base_i, where h is the respondent's stratum and N_h its known
// population count, so that the weights of each stratum sum to its population count. Every
// stratum in the sample must have a population count, and every stratum with a positive
// population count must have a respondent with positive base weight (empty cells must be
// collapsed by the caller first).
func PostStratify(strata []string, population map[string]float64, base []float64) ([]float64, error) {
	if len(strata) == 0 {
		return nil, ErrEmpty
	}
	base, err := checkWeights(len(strata), base)
	if err != nil {
		return nil, err
	}
	sums := map[string]float64{}
	for i, h := range strata {
		if _, ok := population[h]; !ok {
			return nil, fmt.Errorf("stats: stratum %q has no population count", h)
		}
		sums[h] += base[i]
	}
	for h, n := range population {
		if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
			return nil, fmt.Errorf("stats: stratum %q has an invalid population count", h)
		}
		if n > 0 && !(sums[h] > 0) {
			return nil, fmt.Errorf("stats: stratum %q has no respondents", h)
		}
	}
	w := make([]float64, len(strata))
	for i, h := range strata {
		if base[i] > 0 {
			w[i] = base[i] * population[h] / sums[h]
		}
	}
	return w, nil
}

// Margin is one set of known population totals to rake to: Categories[i] is respondent i's
// category (an index into Targets) and Targets[c] the population total of category c.
type Margin struct {
	Name       string
	Categories []int
	Targets    []float64
}

// RakeOptions controls Rake.
type RakeOptions struct {
	// Tolerance is the largest accepted |weighted total − target| of any category, as a
	// fraction of the population total; 0 means 1e-6.
	Tolerance float64
	// MaxIter caps the raking cycles (one pass over every margin, then trimming); 0 means 100.
	MaxIter int
	// TrimK, when positive, caps weights at TrimK × mean weight after every cycle (see Trim);
	// it must then exceed 1.
	TrimK float64
}

// RakeResult is the outcome of Rake.
type RakeResult struct {
	Weights    []float64
	Iterations int  // cycles run
	Converged  bool // every margin within Tolerance
}

// Rake returns raking weights by iterative proportional fitting (Deming and Stephan, Annals of
// Mathematical Statistics 11, 1940): starting from the base weights (1 when nil), each cycle
// scales the weights of every category of each margin in turn so that they sum to its target,
// then, if opt.TrimK > 0, trims them (Trim); it stops when every category of every margin is
// within the tolerance of its target, or after opt.MaxIter cycles with ErrNotConverged (the
// result then holds the last weights). The targets of every margin must have the same total,
// and every category with a positive target must hold a respondent with positive weight.
// Trimming and raking pull against each other, so with a tight cap raking may not converge.
func Rake(base []float64, margins []Margin, opt RakeOptions) (RakeResult, error) {
	if len(margins) == 0 {
		return RakeResult{}, errors.New("stats: no margins to rake to")
	}
	n := len(margins[0].Categories)
	if n == 0 {
		return RakeResult{}, ErrEmpty
	}
	base, err := checkWeights(n, base)
	if err != nil {
		return RakeResult{}, err
	}
	tol, maxIter := opt.Tolerance, opt.MaxIter
	if tol <= 0 {
		tol = 1e-6
	}
	if maxIter <= 0 {
		maxIter = 100
	}
	if opt.TrimK != 0 && !(opt.TrimK > 1) {
		return RakeResult{}, errors.New("stats: trimming factor must exceed 1")
	}
	total := -1.0
	for _, m := range margins {
		if len(m.Categories) != n {
			return RakeResult{}, fmt.Errorf("stats: margin %q has %d respondents, not %d", m.Name, len(m.Categories), n)
		}
		t := 0.0
		for _, x := range m.Targets {
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return RakeResult{}, fmt.Errorf("stats: margin %q has an invalid target", m.Name)
			}
			t += x
		}
		if !(t > 0) {
			return RakeResult{}, fmt.Errorf("stats: margin %q has no population", m.Name)
		}
		if total < 0 {
			total = t
		} else if math.Abs(t-total) > 1e-9*total {
			return RakeResult{}, fmt.Errorf("stats: margin %q totals %g, not %g", m.Name, t, total)
		}
		sums := make([]float64, len(m.Targets))
		for i, c := range m.Categories {
			if c < 0 || c >= len(m.Targets) {
				return RakeResult{}, fmt.Errorf("stats: margin %q: category %d out of range", m.Name, c)
			}
			sums[c] += base[i]
		}
		for c, x := range m.Targets {
			if x > 0 && !(sums[c] > 0) {
				return RakeResult{}, fmt.Errorf("stats: margin %q: category %d has no respondents", m.Name, c)
			}
		}
	}
	w := make([]float64, n)
	copy(w, base)
	res := RakeResult{Weights: w}
	for it := 1; it <= maxIter; it++ {
		res.Iterations = it
		for _, m := range margins {
			sums := make([]float64, len(m.Targets))
			for i, c := range m.Categories {
				sums[c] += w[i]
			}
			for i, c := range m.Categories {
				if sums[c] > 0 {
					w[i] *= m.Targets[c] / sums[c]
				}
			}
		}
		if opt.TrimK > 0 {
			if _, err := trimInPlace(w, opt.TrimK); err != nil {
				return res, err
			}
		}
		worst := 0.0
		for _, m := range margins {
			sums := make([]float64, len(m.Targets))
			for i, c := range m.Categories {
				sums[c] += w[i]
			}
			for c, x := range m.Targets {
				worst = math.Max(worst, math.Abs(sums[c]-x))
			}
		}
		if worst <= tol*total {
			res.Converged = true
			return res, nil
		}
	}
	return res, ErrNotConverged
}

// Trim returns a copy of the weights w capped at k × their mean (k > 1): every weight above the
// cap is set to the cap and the excess is shared among the weights below the cap in proportion
// to their size, which keeps the total (so the mean and the cap) unchanged; this is repeated
// until no weight exceeds the cap. Zero weights stay zero. It also returns the rounds taken.
func Trim(w []float64, k float64) ([]float64, int, error) {
	if len(w) == 0 {
		return nil, 0, ErrEmpty
	}
	if !(k > 1) || math.IsInf(k, 1) {
		return nil, 0, errors.New("stats: trimming factor must exceed 1")
	}
	if _, err := checkWeights(len(w), w); err != nil {
		return nil, 0, err
	}
	out := make([]float64, len(w))
	copy(out, w)
	rounds, err := trimInPlace(out, k)
	return out, rounds, err
}

// trimInPlace is Trim on w itself.
func trimInPlace(w []float64, k float64) (int, error) {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	limit := k * sum / float64(len(w))
	for round := 1; round <= 10000; round++ {
		excess, below := 0.0, 0.0
		for i, x := range w {
			if x > limit {
				excess += x - limit
				w[i] = limit
			} else if x < limit {
				below += x
			}
		}
		if excess <= 1e-12*sum {
			return round - 1, nil
		}
		if !(below > 0) {
			return round, errors.New("stats: no weights below the cap to take the excess")
		}
		f := 1 + excess/below
		for i, x := range w {
			if x < limit {
				w[i] = x * f
			}
		}
	}
	return 10000, errors.New("stats: trimming did not settle")
}
