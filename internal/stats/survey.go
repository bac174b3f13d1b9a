package stats

// Survey scores for citizen satisfaction (PRODUCT.md §3D): the 0–100 index, top-2-box per
// cent, net promoter score and effort, each with its number of responses, a 95% interval and
// a reliability flag; small-cell suppression; and the significance of change between periods.
// The weighted versions of the estimators, and the weighting itself, are in weighting.go.

import (
	"errors"
	"fmt"
	"math"
)

// Confidence is the level of every interval the survey estimators report.
const Confidence = 0.95

// Thresholds of the reliability rules of PRODUCT.md §3D.
const (
	// MinResponses is the smallest group that is shown: groups with fewer responses are hidden.
	MinResponses = 10
	// MinEffective is the effective sample size below which a figure is "use with caution".
	MinEffective = 30
	// CautionCV is the coefficient of variation above which a figure is "use with caution".
	CautionCV = 0.165
	// SuppressCV is the coefficient of variation above which a figure is suppressed.
	SuppressCV = 0.333
)

// ErrTooFew is returned when there are too few values, or too little weight, to estimate.
var ErrTooFew = errors.New("stats: too few values")

// Reliability says whether a figure may be published.
type Reliability int

const (
	// Reliable figures are published without comment.
	Reliable Reliability = iota
	// Caution figures are published flagged "use with caution".
	Caution
	// Suppressed figures are not published.
	Suppressed
)

// String returns the label shown with a figure.
func (r Reliability) String() string {
	switch r {
	case Reliable:
		return "reliable"
	case Caution:
		return "use with caution"
	case Suppressed:
		return "suppressed"
	}
	return fmt.Sprintf("Reliability(%d)", int(r))
}

// Assess applies the publication rules of PRODUCT.md §3D to a figure from n responses with
// effective sample size nEff and coefficient of variation cv (standard error over the absolute
// estimate; pass 0 when the rule does not apply): suppressed if n < MinResponses or
// cv > SuppressCV; otherwise "use with caution" if nEff < MinEffective or cv > CautionCV;
// otherwise reliable. A NaN or infinite cv counts as above SuppressCV.
func Assess(n int, nEff, cv float64) Reliability {
	switch {
	case n < MinResponses, math.IsNaN(cv), cv > SuppressCV, math.IsNaN(nEff):
		return Suppressed
	case nEff < MinEffective, cv > CautionCV:
		return Caution
	}
	return Reliable
}

// Kind says what an Estimate estimates, and so which interval and test of change fit it.
type Kind int

const (
	// MeanKind is a mean (index, effort): Student t interval, Welch test of change.
	MeanKind Kind = iota
	// ProportionKind is a percentage (top-2-box): Wilson interval, Newcombe test of change.
	ProportionKind
	// NPSKind is a net promoter score: adjusted Wald interval and test of change.
	NPSKind
)

// Estimate is one published figure with what is needed to judge and compare it.
// Percentages (top-2-box, NPS) are on the 0–100 (NPS: −100 to 100) scale, as are SE, Centre,
// Lower and Upper.
type Estimate struct {
	Kind  Kind
	Value float64 // the point estimate
	N     int     // number of responses
	NEff  float64 // effective sample size: N when unweighted, Kish's (Σw)²/Σw² when weighted
	SE    float64 // standard error of the estimate used for the interval
	DF    float64 // degrees of freedom of the t interval (means only; NEff − 1)
	// Centre is the centre of the interval: Value for means, the Wilson centre for
	// proportions, the adjusted estimate for NPS.
	Centre       float64
	Lower, Upper float64 // the 95% interval
	CV           float64 // coefficient of variation SE/|Value| (0 when SE is 0)
	Reliability  Reliability
}

// NormalQuantile returns the p-quantile of the standard normal distribution, for 0 < p < 1.
func NormalQuantile(p float64) (float64, error) {
	if math.IsNaN(p) || p <= 0 || p >= 1 {
		return 0, ErrProbability
	}
	return math.Sqrt2 * math.Erfinv(2*p-1), nil
}

// RegIncBeta returns the regularized incomplete beta function I_x(a, b) for a, b > 0 and
// 0 ≤ x ≤ 1, by the continued fraction of Numerical Recipes (Press et al., 3rd ed., §6.4)
// evaluated with the modified Lentz method.
func RegIncBeta(a, b, x float64) (float64, error) {
	if !(a > 0) || !(b > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(x) || x < 0 || x > 1 {
		return 0, errors.New("stats: incomplete beta needs a, b > 0 and 0 ≤ x ≤ 1")
	}
	if x == 0 || x == 1 {
		return x, nil
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a, nil
	}
	return 1 - front*betaCF(b, a, 1-x)/b, nil
}

// betaCF evaluates the continued fraction for the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 1000; m++ {
		fm := float64(m)
		aa := fm * (b - fm) * x / ((qam + 2*fm) * (a + 2*fm))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + 2*fm) * (qap + 2*fm))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}

// TCDF returns P(T ≤ t) for Student's t distribution with df > 0 degrees of freedom (df need
// not be a whole number), from P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2).
func TCDF(t, df float64) (float64, error) {
	if !(df > 0) || math.IsNaN(t) {
		return 0, errors.New("stats: t distribution needs df > 0")
	}
	if math.IsInf(df, 1) {
		return 0.5 * math.Erfc(-t/math.Sqrt2), nil
	}
	tail, err := RegIncBeta(df/2, 0.5, df/(df+t*t))
	if err != nil {
		return 0, err
	}
	if t >= 0 {
		return 1 - tail/2, nil
	}
	return tail / 2, nil
}

// TQuantile returns the p-quantile of Student's t distribution with df > 0 degrees of freedom
// (df need not be a whole number; +Inf gives the normal quantile), for 0 < p < 1. It inverts
// the regularized incomplete beta function by bisection on x = df/(df+t²), then
// t = √(df(1−x)/x).
func TQuantile(p, df float64) (float64, error) {
	if math.IsNaN(p) || p <= 0 || p >= 1 {
		return 0, ErrProbability
	}
	if !(df > 0) {
		return 0, errors.New("stats: t distribution needs df > 0")
	}
	if math.IsInf(df, 1) {
		return NormalQuantile(p)
	}
	if p == 0.5 {
		return 0, nil
	}
	if p < 0.5 {
		q, err := TQuantile(1-p, df)
		return -q, err
	}
	target := 2 * (1 - p) // I_x(df/2, 1/2) = P(|T| > t), increasing in x
	lo, hi := 0.0, 1.0
	for range 2000 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		v, err := RegIncBeta(df/2, 0.5, mid)
		if err != nil {
			return 0, err
		}
		if v < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	x := lo + (hi-lo)/2
	return math.Sqrt(df * (1 - x) / x), nil
}

// tCritical is the two-sided Confidence critical value of t with df degrees of freedom.
func tCritical(df float64) float64 {
	q, err := TQuantile(1-(1-Confidence)/2, df)
	if err != nil {
		return math.NaN()
	}
	return q
}

// zCritical is the two-sided Confidence critical value of the standard normal.
func zCritical(conf float64) (float64, error) {
	if math.IsNaN(conf) || conf <= 0 || conf >= 1 {
		return 0, ErrProbability
	}
	return NormalQuantile(1 - (1-conf)/2)
}

// Wilson returns the Wilson score interval (Wilson, JASA 22, 1927; method 3 of Newcombe,
// Statistics in Medicine 17, 1998, pp. 857–872) for a proportion of x successes in n trials at
// confidence level conf (e.g. 0.95). x and n may be fractional — effective counts from weighted
// data. It assumes independent trials with a common probability; the interval is within [0, 1].
func Wilson(x, n, conf float64) (lower, upper float64, err error) {
	if !(n > 0) || math.IsInf(n, 0) || math.IsNaN(x) || x < 0 || x > n {
		return 0, 0, errors.New("stats: Wilson interval needs 0 ≤ x ≤ n and n > 0")
	}
	z, err := zCritical(conf)
	if err != nil {
		return 0, 0, err
	}
	p := x / n
	z2 := z * z
	den := 1 + z2/n
	centre := (p + z2/(2*n)) / den
	half := z / den * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	lower, upper = math.Max(0, centre-half), math.Min(1, centre+half)
	if x == 0 {
		lower = 0
	}
	if x == n {
		upper = 1
	}
	return lower, upper, nil
}

// ScaleIndex converts a response x on a points-point scale (1 … points) to the 0–100 index
// (x − 1) × 100/(points − 1): on 5-point items, (x − 1) × 25.
func ScaleIndex(x, points int) (float64, error) {
	if points < 2 || x < 1 || x > points {
		return 0, fmt.Errorf("stats: response %d outside the %d-point scale", x, points)
	}
	return float64(x-1) * 100 / float64(points-1), nil
}

// Index returns the 0–100 satisfaction index of 5-point responses (1 … 5; leave "not
// applicable" out): the mean of (x − 1) × 25, with a Student t interval. It assumes a simple
// random sample of independent responses.
func Index(responses []int) (Estimate, error) { return WeightedIndex(responses, nil) }

// TopTwoBox returns the percentage of responses in the top two points of a points-point scale
// (points − 1 or points), with a Wilson interval; it assumes a simple random sample.
func TopTwoBox(responses []int, points int) (Estimate, error) {
	return WeightedTopTwoBox(responses, points, nil)
}

// NPS returns the net promoter score of 0–10 likelihood-to-recommend responses: the percentage
// of promoters (9–10) minus that of detractors (0–6), from −100 to 100, with the adjusted Wald
// interval: with n' = n + 3, p' = (promoters + 0.75)/n' and d' = (detractors + 0.75)/n', the
// interval is (p' − d') ± z √((p' + d' − (p' − d')²)/n'), clipped to [−100, 100]. It assumes a
// simple random sample. The CV rule is not applied to NPS (a score that can be 0 has no useful
// coefficient of variation); its reliability rests on n and n_eff.
func NPS(responses []int) (Estimate, error) { return WeightedNPS(responses, nil) }

// Effort returns the mean of 7-point ease/effort responses (1 … 7) with a Student t interval,
// assuming a simple random sample.
func Effort(responses []int) (Estimate, error) { return WeightedEffort(responses, nil) }

// Mean returns the mean of xs with a Student t interval on n − 1 degrees of freedom; it
// assumes a simple random sample of independent values. With one value the interval is NaN.
func Mean(xs []float64) (Estimate, error) { return WeightedMean(xs, nil) }

// Proportion returns the percentage of true values with a Wilson interval, assuming a simple
// random sample.
func Proportion(hits []bool) (Estimate, error) { return WeightedProportion(hits, nil) }

// Change is the difference after − before of two estimates from independent samples.
type Change struct {
	Difference   float64 // after.Value − before.Value
	Lower, Upper float64 // the 95% interval of the difference
	DF           float64 // Welch–Satterthwaite degrees of freedom (means only)
	Significant  bool    // the interval excludes 0
}

// ChangeInMean compares two means from independent samples by Welch's t: the difference
// ± t(df) √(SE₁² + SE₂²) with df = (SE₁² + SE₂²)² / (SE₁⁴/df₁ + SE₂⁴/df₂) (Welch–Satterthwaite).
// For weighted means the SE and df come from the effective sample sizes.
func ChangeInMean(before, after Estimate) (Change, error) {
	if before.Kind != MeanKind || after.Kind != MeanKind {
		return Change{}, errors.New("stats: ChangeInMean needs two means")
	}
	v1, v2 := before.SE*before.SE, after.SE*after.SE
	if !(before.DF > 0) || !(after.DF > 0) || math.IsNaN(v1+v2) || math.IsInf(v1+v2, 0) {
		return Change{}, ErrTooFew
	}
	d := after.Value - before.Value
	if v1+v2 == 0 {
		return Change{Difference: d, Lower: d, Upper: d, DF: math.Inf(1), Significant: d != 0}, nil
	}
	df := (v1 + v2) * (v1 + v2) / (v1*v1/before.DF + v2*v2/after.DF)
	half := tCritical(df) * math.Sqrt(v1+v2)
	return Change{Difference: d, Lower: d - half, Upper: d + half, DF: df, Significant: d-half > 0 || d+half < 0}, nil
}

// NewcombeDifference returns the hybrid score interval for the difference p₁ − p₂ of two
// independent proportions x₁/n₁ and x₂/n₂: method 10 of R. G. Newcombe, "Interval estimation
// for the difference between independent proportions: comparison of eleven methods",
// Statistics in Medicine 17 (1998), pp. 873–890. With (l_i, u_i) the Wilson intervals,
// lower = δ − √((p₁ − l₁)² + (u₂ − p₂)²) and upper = δ + √((u₁ − p₁)² + (p₂ − l₂)²).
// Counts may be fractional (effective counts from weighted data).
func NewcombeDifference(x1, n1, x2, n2, conf float64) (lower, upper float64, err error) {
	l1, u1, err := Wilson(x1, n1, conf)
	if err != nil {
		return 0, 0, err
	}
	l2, u2, err := Wilson(x2, n2, conf)
	if err != nil {
		return 0, 0, err
	}
	p1, p2 := x1/n1, x2/n2
	d := p1 - p2
	lower = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	upper = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return lower, upper, nil
}

// ChangeInProportion compares two percentages from independent samples with Newcombe's hybrid
// score interval (method 10, Newcombe 1998), in percentage points. For weighted estimates it
// uses the effective sample sizes and effective counts Value/100 × NEff.
func ChangeInProportion(before, after Estimate) (Change, error) {
	if before.Kind != ProportionKind || after.Kind != ProportionKind {
		return Change{}, errors.New("stats: ChangeInProportion needs two proportions")
	}
	lo, hi, err := NewcombeDifference(after.Value/100*after.NEff, after.NEff, before.Value/100*before.NEff, before.NEff, Confidence)
	if err != nil {
		return Change{}, err
	}
	lo, hi = 100*lo, 100*hi
	return Change{Difference: after.Value - before.Value, Lower: lo, Upper: hi, Significant: lo > 0 || hi < 0}, nil
}

// ChangeInNPS compares two net promoter scores from independent samples: the difference of the
// adjusted estimates ± z √(SE₁² + SE₂²), with the adjusted Wald standard errors; Difference is
// the difference of the reported scores.
func ChangeInNPS(before, after Estimate) (Change, error) {
	if before.Kind != NPSKind || after.Kind != NPSKind {
		return Change{}, errors.New("stats: ChangeInNPS needs two net promoter scores")
	}
	z, err := zCritical(Confidence)
	if err != nil {
		return Change{}, err
	}
	c := after.Centre - before.Centre
	half := z * math.Sqrt(before.SE*before.SE+after.SE*after.SE)
	lo, hi := c-half, c+half
	return Change{Difference: after.Value - before.Value, Lower: lo, Upper: hi, Significant: lo > 0 || hi < 0}, nil
}

// SuppressCells decides which cells of a row of counts, published with their total, must be
// hidden. Primary suppression hides every cell with fewer than MinResponses (zero included);
// if exactly one cell is then hidden, the smallest other cell (the first, on ties) is hidden
// too, so that the hidden cell cannot be recovered by subtracting the others from the total.
// hideTotal is true when the total itself is under MinResponses (then every cell is hidden
// too) or when a hidden cell has no other cell to pair with. The counts must sum to total.
// Only one dimension is protected: a cell in a two-way table must also be checked along its
// other dimension.
func SuppressCells(counts []int, total int) (hide []bool, hideTotal bool, err error) {
	sum := 0
	for _, c := range counts {
		if c < 0 {
			return nil, false, errors.New("stats: negative count")
		}
		sum += c
	}
	if sum != total {
		return nil, false, fmt.Errorf("stats: counts sum to %d, not the total %d", sum, total)
	}
	hide = make([]bool, len(counts))
	if total < MinResponses {
		for i := range hide {
			hide[i] = true
		}
		return hide, true, nil
	}
	hidden := 0
	for i, c := range counts {
		if c < MinResponses {
			hide[i] = true
			hidden++
		}
	}
	if hidden != 1 {
		return hide, false, nil
	}
	best := -1
	for i, c := range counts {
		if !hide[i] && (best < 0 || c < counts[best]) {
			best = i
		}
	}
	if best < 0 {
		return hide, true, nil
	}
	hide[best] = true
	return hide, false, nil
}
