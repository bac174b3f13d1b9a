package stats

// Survey estimators from counts: the same figures as Index, TopTwoBox, NPS, Effort, Mean and
// Proportion, computed from how many responses gave each scale point instead of from the
// responses themselves. A dashboard over a million responses reads a few hundred running
// counts, not a million rows; the results are the same numbers (the sums are regrouped by
// point, so they agree to rounding), with the same intervals:
//
//   - means (index, effort): Student t interval on n − 1 degrees of freedom;
//   - proportions (top-2-box): Wilson score interval (E. B. Wilson, JASA 22, 1927; method 3 of
//     R. G. Newcombe, Statistics in Medicine 17, 1998, pp. 857–872);
//   - net promoter score: the adjusted Wald interval of B. Rocks, "Interval estimation for the
//     'net promoter score'", The American Statistician 70(4), 2016, pp. 365–372 (add 3/4 of a
//     response to promoters and to detractors, 3 to n).
//
// A histogram is a slice of counts, one per scale point from the scale's lowest point:
// counts[i] is how many answered Min+i. "Not applicable" answers are not in it: they are in
// no denominator.

import (
	"errors"
	"fmt"
	"math"
)

// histTotal checks that every count is non-negative and returns their sum.
func histTotal(counts []int) (int, error) {
	n := 0
	for _, c := range counts {
		if c < 0 {
			return 0, errors.New("stats: negative count")
		}
		n += c
	}
	if n == 0 {
		return 0, ErrEmpty
	}
	return n, nil
}

// MeanFromCounts returns the mean of a variable that took values[i] counts[i] times, with the
// Student t interval of Mean on n − 1 degrees of freedom (n = Σ counts). It equals Mean of the
// expanded values; it assumes a simple random sample.
func MeanFromCounts(values []float64, counts []int) (Estimate, error) {
	if len(values) != len(counts) {
		return Estimate{}, fmt.Errorf("stats: %d values for %d counts", len(values), len(counts))
	}
	n, err := histTotal(counts)
	if err != nil {
		return Estimate{}, err
	}
	sx := 0.0
	for i, c := range counts {
		x := values[i]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Estimate{}, errors.New("stats: values must be finite")
		}
		sx += float64(c) * x
	}
	sw := float64(n)
	m := sx / sw
	ss := 0.0
	for i, c := range counts {
		d := values[i] - m
		ss += float64(c) * d * d
	}
	// As WeightedMean with unit weights: n_eff = n, s² = ss/n × n/(n − 1).
	e := Estimate{Kind: MeanKind, Value: m, Centre: m, N: n, NEff: sw}
	if n <= 1 {
		e.SE, e.DF, e.Lower, e.Upper, e.CV = math.NaN(), 0, math.NaN(), math.NaN(), math.NaN()
		e.Reliability = Suppressed
		return e, nil
	}
	s2 := ss / sw * sw / (sw - 1)
	e.SE = math.Sqrt(s2 / sw)
	e.DF = sw - 1
	half := tCritical(e.DF) * e.SE
	e.Lower, e.Upper = m-half, m+half
	e.CV = cvOf(e.SE, m)
	e.Reliability = Assess(e.N, e.NEff, e.CV)
	return e, nil
}

// IndexFromCounts returns the 0–100 index of a points-point scale (points = len(counts) ≥ 2;
// counts[i] answered point i+1): the mean of (x − 1) × 100/(points − 1) — (x − 1) × 25 on a
// 5-point item — with the t interval. On 5 points it equals Index of the expanded responses.
func IndexFromCounts(counts []int) (Estimate, error) {
	points := len(counts)
	if points < 2 {
		return Estimate{}, errors.New("stats: a scale needs at least 2 points")
	}
	values := make([]float64, points)
	for i := range values {
		values[i], _ = ScaleIndex(i+1, points)
	}
	return MeanFromCounts(values, counts)
}

// EffortFromCounts returns the mean of 7-point ease/effort responses (counts[i] answered i+1,
// len(counts) = 7) with the t interval; it equals Effort of the expanded responses.
func EffortFromCounts(counts []int) (Estimate, error) {
	if len(counts) != 7 {
		return Estimate{}, fmt.Errorf("stats: effort needs 7 counts, not %d", len(counts))
	}
	return MeanFromCounts([]float64{1, 2, 3, 4, 5, 6, 7}, counts)
}

// ProportionFromCounts returns the percentage hits/n with a Wilson interval, as Proportion of
// n values of which hits are true.
func ProportionFromCounts(hits, n int) (Estimate, error) {
	if n <= 0 {
		return Estimate{}, ErrEmpty
	}
	if hits < 0 || hits > n {
		return Estimate{}, errors.New("stats: a proportion needs 0 ≤ hits ≤ n")
	}
	// As WeightedProportion with unit weights: n_eff = n.
	sw := float64(n)
	p := math.Min(1, float64(hits)/sw)
	lo, hi, err := Wilson(p*sw, sw, Confidence)
	if err != nil {
		return Estimate{}, err
	}
	z, _ := zCritical(Confidence)
	centre := (p + z*z/(2*sw)) / (1 + z*z/sw)
	se := math.Sqrt(p * (1 - p) / sw)
	e := Estimate{Kind: ProportionKind, Value: 100 * p, N: n, NEff: sw, SE: 100 * se,
		Centre: 100 * centre, Lower: 100 * lo, Upper: 100 * hi, CV: cvOf(se, p)}
	e.Reliability = Assess(e.N, e.NEff, e.CV)
	return e, nil
}

// TopTwoBoxFromCounts returns the percentage in the top two points of a points-point scale
// (points = len(counts) ≥ 2; counts[i] answered point i+1) with a Wilson interval; it equals
// TopTwoBox of the expanded responses.
func TopTwoBoxFromCounts(counts []int) (Estimate, error) {
	points := len(counts)
	if points < 2 {
		return Estimate{}, errors.New("stats: a scale needs at least 2 points")
	}
	n, err := histTotal(counts)
	if err != nil {
		return Estimate{}, err
	}
	return ProportionFromCounts(counts[points-2]+counts[points-1], n)
}

// NPSFromCounts returns the net promoter score of 0–10 responses (counts[k] answered k,
// len(counts) = 11) with the adjusted Wald interval of Rocks (2016): n' = n + 3,
// p' = (promoters + 0.75)/n', d' = (detractors + 0.75)/n', interval
// (p' − d') ± z √((p' + d' − (p' − d')²)/n'), clipped to [−100, 100]. It equals NPS of the
// expanded responses.
func NPSFromCounts(counts []int) (Estimate, error) {
	if len(counts) != 11 {
		return Estimate{}, fmt.Errorf("stats: NPS needs 11 counts (0–10), not %d", len(counts))
	}
	n, err := histTotal(counts)
	if err != nil {
		return Estimate{}, err
	}
	promoters := counts[9] + counts[10]
	detractors := 0
	for _, c := range counts[:7] {
		detractors += c
	}
	// As WeightedNPS with unit weights: n_eff = n.
	sw := float64(n)
	p, d := float64(promoters)/sw, float64(detractors)/sw
	n1 := sw + 3
	pa, da := (p*sw+0.75)/n1, (d*sw+0.75)/n1
	c := pa - da
	se := math.Sqrt((pa + da - c*c) / n1)
	z, _ := zCritical(Confidence)
	e := Estimate{Kind: NPSKind, Value: 100 * (p - d), N: n, NEff: sw, SE: 100 * se,
		Centre: 100 * c, Lower: 100 * math.Max(-1, c-z*se), Upper: 100 * math.Min(1, c+z*se)}
	e.CV = cvOf(e.SE, e.Value)
	e.Reliability = Assess(e.N, e.NEff, 0)
	return e, nil
}
