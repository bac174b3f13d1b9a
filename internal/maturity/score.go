package maturity

import "math"

// Score is a score (0–100) with the level it reaches; OK is false when nothing counted
// (every item not applicable, don't know or unanswered).
type Score struct {
	Value float64 `json:"score"`
	Level string  `json:"level"`
	OK    bool    `json:"scored"`
	// Answered counts the items that counted; Excluded those answered not applicable or
	// don't know (never counted as zero).
	Answered int `json:"answered"`
	Excluded int `json:"excluded"`
}

// ItemScore places a choice on 0–100 along its answer set: the lowest option is 0 and the
// highest 100, options in between by their values. Not applicable, don't know, unanswered or
// unknown choices do not score.
func ItemScore(set AnswerSet, choice string) (float64, bool) {
	if choice == "" || choice == NotApplicable || choice == DontKnow || len(set.Options) < 2 {
		return 0, false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	v, found := 0.0, false
	for _, o := range set.Options {
		lo, hi = math.Min(lo, o.Value), math.Max(hi, o.Value)
		if o.Key() == choice {
			v, found = o.Value, true
		}
	}
	if !found || hi == lo {
		return 0, false
	}
	return (v - lo) / (hi - lo) * 100, true
}

// Results are the scores of an assessment, per dimension (by ID) and overall, for the
// current and the target answers.
type Results struct {
	Overall       Score            `json:"overall"`
	OverallTarget Score            `json:"overall_target"`
	Dimensions    map[string]Score `json:"-"`
	Targets       map[string]Score `json:"-"`
}

// Compute scores answers (by item key) against the pack: each dimension is the weighted mean
// of its items' scores and its sub-dimensions' scores; the overall score is the weighted mean
// of the top dimensions. What does not score is left out of both numerator and denominator.
func Compute(p *Pack, answers map[string]Answer) Results {
	r := Results{Dimensions: map[string]Score{}, Targets: map[string]Score{}}
	r.Overall = p.combine(p.Dimensions, answers, r.Dimensions, func(a Answer) string { return a.Current })
	r.OverallTarget = p.combine(p.Dimensions, answers, r.Targets, func(a Answer) string { return a.Target })
	return r
}

// combine scores dims into out and returns their weighted mean.
func (p *Pack) combine(dims []Dimension, answers map[string]Answer, out map[string]Score, choice func(Answer) string) Score {
	var sum, weights float64
	total := Score{}
	for _, d := range dims {
		s := p.dimension(d, answers, out, choice)
		out[d.ID] = s
		total.Answered += s.Answered
		total.Excluded += s.Excluded
		if s.OK {
			sum += weight(d.Weight) * s.Value
			weights += weight(d.Weight)
		}
	}
	if weights > 0 {
		total.Value, total.OK = sum/weights, true
		total.Level = p.LevelOf(total.Value)
	}
	return total
}

func (p *Pack) dimension(d Dimension, answers map[string]Answer, out map[string]Score, choice func(Answer) string) Score {
	var sum, weights float64
	s := Score{}
	for _, it := range d.Items {
		a, ok := answers[it.ID]
		c := ""
		if ok {
			c = choice(a)
		}
		if c == NotApplicable || c == DontKnow {
			s.Excluded++
			continue
		}
		set, _ := p.AnswerSetOf(it)
		v, ok := ItemScore(set, c)
		if !ok {
			continue
		}
		s.Answered++
		sum += weight(it.Weight) * v
		weights += weight(it.Weight)
	}
	if len(d.Dimensions) > 0 {
		sub := p.combine(d.Dimensions, answers, out, choice)
		s.Answered += sub.Answered
		s.Excluded += sub.Excluded
		if sub.OK {
			// Sub-dimensions count together with the items by their own weights.
			for _, sd := range d.Dimensions {
				if x := out[sd.ID]; x.OK {
					sum += weight(sd.Weight) * x.Value
					weights += weight(sd.Weight)
				}
			}
		}
	}
	if weights > 0 {
		s.Value, s.OK = sum/weights, true
		s.Level = p.LevelOf(s.Value)
	}
	return s
}
