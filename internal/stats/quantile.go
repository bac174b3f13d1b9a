// Package stats is pure statistics: it imports nothing of Joined Up's, so that any package
// may use it and its results can be checked against published reference values.
package stats

import (
	"errors"
	"math"
	"slices"
)

// ErrEmpty is returned for a quantile of no values.
var ErrEmpty = errors.New("stats: no values")

// ErrProbability is returned for a probability outside [0, 1].
var ErrProbability = errors.New("stats: probability outside [0, 1]")

// Quantile returns the p-quantile of xs by linear interpolation between order statistics:
// definition 7 of Hyndman and Fan, "Sample quantiles in statistical packages", The American
// Statistician 50(4), 1996, pp. 361–365 — the default of R's quantile() and of NumPy's
// percentile(), and the rule of Excel's QUARTILE.INC. With the values sorted as
// x[1] ≤ … ≤ x[n] and h = (n − 1)p + 1, the quantile is x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
// xs is not changed; NaN values are refused as missing would be: leave them out first.
func Quantile(xs []float64, p float64) (float64, error) {
	qs, err := Quantiles(xs, p)
	if err != nil {
		return 0, err
	}
	return qs[0], nil
}

// Quantiles returns several quantiles of xs (definition 7, as Quantile), sorting once.
func Quantiles(xs []float64, ps ...float64) ([]float64, error) {
	if len(xs) == 0 {
		return nil, ErrEmpty
	}
	for _, x := range xs {
		if math.IsNaN(x) {
			return nil, errors.New("stats: NaN among the values")
		}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	out := make([]float64, len(ps))
	for i, p := range ps {
		if math.IsNaN(p) || p < 0 || p > 1 {
			return nil, ErrProbability
		}
		out[i] = sortedQuantile7(s, p)
	}
	return out, nil
}

// sortedQuantile7 is definition 7 on sorted values, with 0-based indices: h = (n − 1)p.
func sortedQuantile7(s []float64, p float64) float64 {
	h := float64(len(s)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := h - lo
	if f == 0 || s[i] == s[i+1] {
		return s[i]
	}
	if d := s[i+1] - s[i]; !math.IsInf(d, 0) {
		return s[i] + f*d
	}
	return (1-f)*s[i] + f*s[i+1] // values so far apart that their difference overflows

}

// Summary is the five-number summary of a sample with its size, quartiles by definition 7.
type Summary struct {
	N      int
	Min    float64
	Q1     float64
	Median float64
	Q3     float64
	Max    float64
}

// Summarise returns the five-number summary of xs.
func Summarise(xs []float64) (Summary, error) {
	qs, err := Quantiles(xs, 0, 0.25, 0.5, 0.75, 1)
	if err != nil {
		return Summary{}, err
	}
	return Summary{N: len(xs), Min: qs[0], Q1: qs[1], Median: qs[2], Q3: qs[3], Max: qs[4]}, nil
}
