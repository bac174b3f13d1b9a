package stats

// The opinion map of an engagement, after Pol.is (Small, Bjorkegren, Erkkilä, Shaw and Megill,
// "Polis: Scaling deliberation by mapping high dimensional opinion spaces", Recerca 26(2), 2021,
// and the open-source Pol.is math, github.com/compdemocracy/polis, math/src/polismath/math):
// participants × statements votes → two principal components → k-means base clusters →
// 2–5 opinion groups chosen by silhouette → each group's representative statements, the
// group-informed consensus of each statement, and the priority for showing statements next.

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// VoteValue is one participant's answer to one statement. A statement the participant has not
// seen has no Vote at all: "unseen" is absence, distinct from Pass.
type VoteValue int8

// The three answers.
const (
	Disagree VoteValue = -1
	Pass     VoteValue = 0
	Agree    VoteValue = 1
)

// Vote is one entry of the sparse participant × statement vote matrix. Participants and
// statements are dense indices from 0. If a participant has several votes on one statement,
// the last in the input counts.
type Vote struct {
	Participant int32
	Statement   int32
	Value       VoteValue
}

// ErrVote is returned for a vote outside the matrix or with a value other than −1, 0, +1.
var ErrVote = errors.New("stats: invalid vote")

// MinVotesToInclude is the number of votes after which a participant is placed on the map (or
// every statement, when there are fewer statements than this).
const MinVotesToInclude = 7

// OpinionOptions tunes BuildOpinionMap; the zero value takes every default.
type OpinionOptions struct {
	Seed              uint64         // for PCA start vectors and k-means++; fixed ⇒ deterministic
	BaseClusters      int            // k of the base clustering; default 100
	MinGroups         int            // default 2
	MaxGroups         int            // default 5
	PCAIterations     int            // power-iteration cap per component; default 200
	PCATolerance      float64        // stop when the axis moves less than this; default 1e-6
	WarmStart         [2][]float64   // previous map's Components, to start power iteration from
	ZCritical         float64        // one-sided z for a representative statement; default 1.6449 (95 %)
	MaxRepresentative int            // per group; default 5, negative for all significant
	Smoother          *GroupSmoother // if set, chooses the number of groups with hysteresis
	// Workers caps the goroutines of PCA and k-means; 0 takes GOMAXPROCS. A background job
	// that must leave cores to the site passes 1. The result does not depend on it.
	Workers int
}

func (o *OpinionOptions) defaults() {
	if o.BaseClusters <= 0 {
		o.BaseClusters = 100
	}
	if o.MinGroups <= 1 {
		o.MinGroups = 2
	}
	if o.MaxGroups < o.MinGroups {
		o.MaxGroups = max(5, o.MinGroups)
	}
	if o.PCAIterations <= 0 {
		o.PCAIterations = 100
	}
	if o.PCATolerance <= 0 {
		o.PCATolerance = 1e-6
	}
	if o.ZCritical <= 0 {
		o.ZCritical = 1.6449
	}
	if o.MaxRepresentative == 0 {
		o.MaxRepresentative = 5
	}
}

// GroupCandidate is one number of groups tried, with its weighted mean silhouette.
type GroupCandidate struct {
	K          int
	Silhouette float64
}

// Representative is a statement that sets a group apart from the rest of the participants.
type Representative struct {
	Statement int
	Agree     bool    // the group agrees more than the rest (else: disagrees more)
	P         float64 // smoothed proportion in the group, (X+1)/(S+2), X agrees or disagrees
	PRest     float64 // the same among everyone else on the map
	Ratio     float64 // P / PRest
	Z         float64 // two-proportion z of group against rest
	Score     float64 // Ratio × P, the ranking
}

// OpinionMap is the result of BuildOpinionMap. Per-participant slices have one entry for every
// participant index 0 … Participants−1; per-statement slices one for every statement.
type OpinionMap struct {
	Participants, Statements int
	Included                 []bool // voted on at least min(7, Statements) statements
	IncludedCount            int

	Components  [2][]float64 // unit loadings per statement; nil when there is no such axis
	Eigenvalues [2]float64   // of XᵀX, X the centred, imputed vote matrix of included participants
	PCAIters    [2]int
	Projections [][2]float64 // per participant; (0, 0) for those not included

	BaseCentres []mapPoint
	Base        []int32 // base cluster per participant, −1 if not included

	Candidates []GroupCandidate // every k tried, with its silhouette
	BestK      int              // the k of highest silhouette this time
	K          int              // the number of groups used (BestK, or the smoother's choice)
	Group      []int            // per participant, 0 … K−1 by decreasing size, −1 if not included
	GroupSizes []int

	Representatives [][]Representative // per group, best first
	// Group-informed consensus per statement: Π over groups of (A_g+1)/(S_g+2), and likewise
	// for disagreement.
	ConsensusAgree, ConsensusDisagree []float64
	// Per statement over all votes (included participants or not): counts, extremity (see
	// Extremity) and StatementPriority.
	AgreeCount, DisagreeCount, PassCount []int32
	Extremity                            []float64
	Priority                             []float64
}

// BuildOpinionMap computes the opinion map of participants × statements from sparse votes.
//
// The matrix has +1 for agree, −1 for disagree, 0 for pass; an unseen cell is imputed with its
// column's mean over the seen votes of included participants, and columns are centred, so an
// unseen cell is 0 after centring and the matrix stays sparse. Two principal components are
// found by power iteration with deflation (see powerPCA). Each included participant r with n_r
// votes is projected as (x_r·v₁, x_r·v₂) × √(Statements / n_r), Pol.is's scaling that stops
// participants who have seen little from crowding the centre. The projections are clustered
// into BaseClusters base clusters by k-means (k-means++ start, fixed seed); the base centres,
// weighted by their sizes, are clustered for each k in MinGroups … MaxGroups, and the k of
// highest weighted silhouette is BestK; K is BestK, or the Smoother's choice when one is given
// and that k could be formed this time. Degenerate input — fewer than two included participants,
// fewer than two statements, or all on one spot — gives a single group of everyone included.
func BuildOpinionMap(participants, statements int, votes []Vote, opt OpinionOptions) (*OpinionMap, error) {
	if participants < 0 || statements < 0 || participants > math.MaxInt32 || statements > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d participants × %d statements", ErrVote, participants, statements)
	}
	opt.defaults()
	for i, v := range votes {
		if v.Participant < 0 || int(v.Participant) >= participants || v.Statement < 0 ||
			int(v.Statement) >= statements || v.Value < -1 || v.Value > 1 {
			return nil, fmt.Errorf("%w: #%d %+v in %d × %d", ErrVote, i, v, participants, statements)
		}
	}
	om := &OpinionMap{
		Participants: participants, Statements: statements,
		Included:      make([]bool, participants),
		Projections:   make([][2]float64, participants),
		Base:          make([]int32, participants),
		Group:         make([]int, participants),
		AgreeCount:    make([]int32, statements),
		DisagreeCount: make([]int32, statements),
		PassCount:     make([]int32, statements),
	}
	for i := range om.Group {
		om.Group[i] = -1
		om.Base[i] = -1
	}

	// Sparse rows, deduplicated (last vote wins), over all participants.
	rowStart, cols, vals := buildRows(participants, statements, votes)
	for k, j := range cols {
		switch VoteValue(vals[k]) {
		case Agree:
			om.AgreeCount[j]++
		case Disagree:
			om.DisagreeCount[j]++
		default:
			om.PassCount[j]++
		}
	}

	// Inclusion, then compact the included rows in place.
	need := int64(min(MinVotesToInclude, statements))
	incl := make([]int32, 0, participants)
	var w int64
	newStart := make([]int64, 1, participants+1)
	for p := range participants {
		s, e := rowStart[p], rowStart[p+1]
		if e-s < need || e == s {
			continue
		}
		om.Included[p] = true
		incl = append(incl, int32(p))
		copy(cols[w:], cols[s:e])
		copy(vals[w:], vals[s:e])
		w += e - s
		newStart = append(newStart, w)
	}
	cols, vals = cols[:w], vals[:w]
	om.IncludedCount = len(incl)

	m := &voteRows{rowStart: newStart, cols: cols, vals: vals, stmts: statements}
	if len(incl) >= 2 && statements >= 2 {
		mean := make([]float64, statements)
		seen := make([]float64, statements)
		for k, j := range cols {
			mean[j] += float64(vals[k])
			seen[j]++
		}
		for j := range mean {
			if seen[j] > 0 {
				mean[j] /= seen[j]
			}
		}
		m.centred = make([]float32, len(cols))
		for k, j := range cols {
			m.centred[k] = float32(float64(vals[k]) - mean[j])
		}
		pca := powerPCA(m, opt.Seed, opt.PCAIterations, opt.PCATolerance, opt.WarmStart, opt.Workers)
		om.Components, om.Eigenvalues, om.PCAIters = pca.axes, pca.values, pca.iters
		m.centred = nil
		for r, p := range incl {
			s, e := m.rowStart[r], m.rowStart[r+1]
			var x, y float64
			for k := s; k < e; k++ {
				j := cols[k]
				c := float64(vals[k]) - mean[j]
				if om.Components[0] != nil {
					x += c * om.Components[0][j]
				}
				if om.Components[1] != nil {
					y += c * om.Components[1][j]
				}
			}
			scale := math.Sqrt(float64(statements) / float64(e-s))
			om.Projections[p] = [2]float64{x * scale, y * scale}
		}
	}
	om.Extremity = make([]float64, statements)
	for j := range om.Extremity {
		om.Extremity[j] = Extremity(om.Components, j)
	}
	om.Priority = make([]float64, statements)
	for j := range om.Priority {
		om.Priority[j] = StatementPriority(int(om.AgreeCount[j]), int(om.DisagreeCount[j]),
			int(om.PassCount[j]), om.Extremity[j])
	}

	om.cluster(incl, opt)

	// Group counts and the statistics built on them.
	K := om.K
	if K == 0 {
		return om, nil
	}
	gA := make([][]int32, K+1) // index K: everyone on the map
	gD := make([][]int32, K+1)
	gS := make([][]int32, K+1)
	for g := range K + 1 {
		gA[g], gD[g], gS[g] = make([]int32, statements), make([]int32, statements), make([]int32, statements)
	}
	for r, p := range incl {
		g := om.Group[p]
		for k := m.rowStart[r]; k < m.rowStart[r+1]; k++ {
			j := cols[k]
			gS[g][j]++
			switch VoteValue(vals[k]) {
			case Agree:
				gA[g][j]++
			case Disagree:
				gD[g][j]++
			}
		}
	}
	for g := range K {
		for j := range statements {
			gA[K][j] += gA[g][j]
			gD[K][j] += gD[g][j]
			gS[K][j] += gS[g][j]
		}
	}
	om.ConsensusAgree = make([]float64, statements)
	om.ConsensusDisagree = make([]float64, statements)
	for j := range statements {
		ca, cd := 1.0, 1.0
		for g := range K {
			ca *= SmoothedProportion(int(gA[g][j]), int(gS[g][j]))
			cd *= SmoothedProportion(int(gD[g][j]), int(gS[g][j]))
		}
		om.ConsensusAgree[j], om.ConsensusDisagree[j] = ca, cd
	}
	om.Representatives = make([][]Representative, K)
	if K < 2 {
		return om, nil
	}
	for g := range K {
		var reps []Representative
		for j := range statements {
			inS, outS := int(gS[g][j]), int(gS[K][j]-gS[g][j])
			ra := Representativeness(j, true, int(gA[g][j]), inS, int(gA[K][j]-gA[g][j]), outS)
			rd := Representativeness(j, false, int(gD[g][j]), inS, int(gD[K][j]-gD[g][j]), outS)
			okA := ra.Z >= opt.ZCritical && ra.Ratio > 1
			okD := rd.Z >= opt.ZCritical && rd.Ratio > 1
			switch {
			case okA && okD:
				if rd.Score > ra.Score {
					ra = rd
				}
				reps = append(reps, ra)
			case okA:
				reps = append(reps, ra)
			case okD:
				reps = append(reps, rd)
			}
		}
		slices.SortStableFunc(reps, func(a, b Representative) int { return cmp.Compare(b.Score, a.Score) })
		if opt.MaxRepresentative > 0 && len(reps) > opt.MaxRepresentative {
			reps = reps[:opt.MaxRepresentative]
		}
		om.Representatives[g] = reps
	}
	return om, nil
}

// buildRows turns the votes into CSR rows per participant, each row in first-seen statement
// order with the last vote on a statement winning.
func buildRows(participants, statements int, votes []Vote) (rowStart []int64, cols []int32, vals []int8) {
	rowStart = make([]int64, participants+1)
	for _, v := range votes {
		rowStart[v.Participant+1]++
	}
	for p := range participants {
		rowStart[p+1] += rowStart[p]
	}
	cols = make([]int32, len(votes))
	vals = make([]int8, len(votes))
	next := slices.Clone(rowStart[:participants])
	for _, v := range votes {
		k := next[v.Participant]
		cols[k], vals[k] = v.Statement, int8(v.Value)
		next[v.Participant]++
	}
	// Deduplicate in place: stamp[j] = row+1 when statement j was seen in this row, at pos[j].
	stamp := make([]int32, statements)
	pos := make([]int64, statements)
	var w int64
	for p := range participants {
		s, e := rowStart[p], rowStart[p+1]
		rowStart[p] = w
		for k := s; k < e; k++ {
			j := cols[k]
			if stamp[j] == int32(p+1) {
				vals[pos[j]] = vals[k]
				continue
			}
			stamp[j], pos[j] = int32(p+1), w
			cols[w], vals[w] = j, vals[k]
			w++
		}
	}
	rowStart[participants] = w
	return rowStart, cols[:w], vals[:w]
}

// cluster sets the base clusters, candidates and groups of the included participants.
func (om *OpinionMap) cluster(incl []int32, opt OpinionOptions) {
	if len(incl) == 0 {
		return
	}
	pts := make([]mapPoint, len(incl))
	for r, p := range incl {
		pts[r] = om.Projections[p]
	}
	centres, assign, _ := kmeansWorkers(pts, nil, opt.BaseClusters, opt.Seed, 100, opt.Workers)
	if len(centres) == 0 { // cannot happen with points, but stay safe
		centres, assign = []mapPoint{{}}, make([]int32, len(pts))
	}
	weight := make([]float64, len(centres))
	for _, a := range assign {
		weight[a]++
	}
	// Drop empty base clusters, keeping indices dense.
	remap := make([]int32, len(centres))
	var keptC []mapPoint
	var keptW []float64
	for c := range centres {
		remap[c] = -1
		if weight[c] > 0 {
			remap[c] = int32(len(keptC))
			keptC = append(keptC, centres[c])
			keptW = append(keptW, weight[c])
		}
	}
	om.BaseCentres = keptC
	for r, p := range incl {
		om.Base[p] = remap[assign[r]]
	}

	type result struct {
		k      int
		labels []int32
		sil    float64
	}
	var results []result
	for k := opt.MinGroups; k <= opt.MaxGroups && k <= len(keptC); k++ {
		// A few seeded restarts, keeping the least within-cluster sum of squares.
		var best []int32
		bestIn := math.Inf(1)
		for rs := range uint64(5) {
			_, lab, in := kmeans(keptC, keptW, k, opt.Seed+1+rs*7919+uint64(k)*104729, 100)
			if in < bestIn {
				best, bestIn = lab, in
			}
		}
		used := map[int32]bool{}
		for _, l := range best {
			used[l] = true
		}
		if len(used) < k {
			continue
		}
		sil := weightedSilhouette(keptC, keptW, best, k)
		results = append(results, result{k, best, sil})
		om.Candidates = append(om.Candidates, GroupCandidate{K: k, Silhouette: sil})
	}
	chosen := result{k: 1, labels: make([]int32, len(keptC))}
	if len(results) > 0 {
		bi := 0
		for i, r := range results {
			if r.sil > results[bi].sil {
				bi = i
			}
		}
		chosen = results[bi]
		om.BestK = chosen.k
		if opt.Smoother != nil {
			k := opt.Smoother.Update(chosen.k)
			for _, r := range results {
				if r.k == k {
					chosen = r
				}
			}
		}
	} else {
		om.BestK = 1
	}
	// Order groups by decreasing size, ties by the centre's first coordinate.
	K := chosen.k
	size := make([]int, K)
	cx := make([]float64, K)
	for c, l := range chosen.labels {
		size[l] += int(keptW[c])
		cx[l] += keptW[c] * keptC[c][0]
	}
	order := make([]int, K)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(size[b], size[a]); c != 0 {
			return c
		}
		return cmp.Compare(cx[a]/float64(max(size[a], 1)), cx[b]/float64(max(size[b], 1)))
	})
	rank := make([]int, K)
	for i, g := range order {
		rank[g] = i
	}
	om.K = K
	om.GroupSizes = make([]int, K)
	for _, p := range incl {
		g := rank[chosen.labels[om.Base[p]]]
		om.Group[p] = g
		om.GroupSizes[g]++
	}
}

// GroupSmoother keeps the number of opinion groups steady between recomputations of the map:
// it switches to a new k only after that same k has had the best silhouette Need times in a
// row. Its zero value is ready, with Need 4. It is not safe for concurrent use.
type GroupSmoother struct {
	Need      int
	current   int
	candidate int
	streak    int
}

// Update takes this recomputation's best k and returns the k to use.
func (s *GroupSmoother) Update(best int) int {
	need := s.Need
	if need <= 0 {
		need = 4
	}
	switch {
	case s.current == 0 || best == s.current:
		s.current, s.candidate, s.streak = best, 0, 0
	case best == s.candidate:
		s.streak++
	default:
		s.candidate, s.streak = best, 1
	}
	if s.candidate != 0 && s.streak >= need {
		s.current, s.candidate, s.streak = s.candidate, 0, 0
	}
	return s.current
}

// Current is the k last returned by Update (0 before the first).
func (s *GroupSmoother) Current() int { return s.current }

// SmoothedProportion is (x+1)/(n+2): the proportion of x successes in n with a uniform prior
// (Laplace's rule of succession), as Pol.is uses for agree and disagree proportions.
func SmoothedProportion(x, n int) float64 { return float64(x+1) / float64(n+2) }

// TwoProportionZ is the pooled two-proportion z statistic of x1 successes in n1 against x2 in
// n2, with Pol.is's pseudo-count of one added to every count: p_i = (x_i+1)/(n_i+1),
// p̂ = (x1+x2+2)/(n1+n2+2), z = (p1 − p2)/√(p̂(1 − p̂)(1/(n1+1) + 1/(n2+1))); 0 when p̂ is 0 or 1.
func TwoProportionZ(x1, n1, x2, n2 int) float64 {
	a, b, c, d := float64(x1+1), float64(n1+1), float64(x2+1), float64(n2+1)
	p1, p2 := a/b, c/d
	ph := (a + c) / (b + d)
	v := ph * (1 - ph) * (1/b + 1/d)
	if !(v > 0) {
		return 0
	}
	return (p1 - p2) / math.Sqrt(v)
}

// Representativeness scores statement j for a group with x of its inN seen votes agreeing (or
// disagreeing, as agree says) against x of outN among the rest: P = (x+1)/(n+2) in the group,
// PRest likewise, Ratio = P/PRest, Z = TwoProportionZ, Score = Ratio × P.
func Representativeness(j int, agree bool, inX, inN, outX, outN int) Representative {
	p, q := SmoothedProportion(inX, inN), SmoothedProportion(outX, outN)
	return Representative{
		Statement: j, Agree: agree, P: p, PRest: q, Ratio: p / q,
		Z: TwoProportionZ(inX, inN, outX, outN), Score: p / q * p,
	}
}

// Extremity of statement j is the length of its loadings on the two axes, scaled by
// √(Statements/2) so that its root mean square over all statements is 1 when both axes exist
// (the loadings are unit vectors). It is 0 when there is no map.
func Extremity(axes [2][]float64, j int) float64 {
	var s float64
	n := 0
	for _, a := range axes {
		if a != nil {
			s += a[j] * a[j]
			n = len(a)
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(s * float64(n) / 2)
}

// StatementImportance is Pol.is's (1 − p_pass)(E + 1) p_agree, with p_agree = (A+1)/(S+2),
// p_pass = (P+1)/(S+2), S = A + D + P the votes seen and E the extremity: statements that are
// answered rather than passed, that divide the map, and that are agreed with.
func StatementImportance(agree, disagree, pass int, extremity float64) float64 {
	s := agree + disagree + pass
	return (1 - SmoothedProportion(pass, s)) * (extremity + 1) * SmoothedProportion(agree, s)
}

// StatementPriority is the weight for drawing the next statement to show, as in Pol.is:
// (importance × (1 + 8 · 2^(−S/5)))². The boost for new statements is 9 × importance at S = 0,
// halving its excess every 5 votes (5 × at S = 5, 3 × at 10, ≈ 1.25 × at 20), so a new statement
// gets seen enough to be placed; squaring sharpens the preference for important ones.
func StatementPriority(agree, disagree, pass int, extremity float64) float64 {
	s := agree + disagree + pass
	boost := 1 + 8*math.Exp2(-float64(s)/5)
	v := StatementImportance(agree, disagree, pass, extremity) * boost
	return v * v
}
