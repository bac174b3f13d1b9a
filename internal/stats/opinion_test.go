package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func approxEq(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// plantedVotes makes groups × perGroup participants (shuffled) over statements, each group with
// its own stance (agree or disagree) per statement; each participant sees `seen` statements at
// random and answers its group's stance with probability 1 − noise, else at random among agree,
// disagree and pass.
func plantedVotes(groups, perGroup, statements, seen int, noise float64, seed uint64) ([]Vote, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	stance := make([][]VoteValue, groups)
	for g := range stance {
		stance[g] = make([]VoteValue, statements)
		for j := range stance[g] {
			stance[g][j] = Disagree
			if rng.IntN(2) == 0 {
				stance[g][j] = Agree
			}
		}
	}
	n := groups * perGroup
	truth := make([]int, n)
	for i := range truth {
		truth[i] = i % groups
	}
	rng.Shuffle(n, func(i, j int) { truth[i], truth[j] = truth[j], truth[i] })
	idx := make([]int32, statements)
	for j := range idx {
		idx[j] = int32(j)
	}
	votes := make([]Vote, 0, n*seen)
	for p := range n {
		for k := range seen { // partial Fisher–Yates: the first `seen` of a random order
			r := k + rng.IntN(statements-k)
			idx[k], idx[r] = idx[r], idx[k]
			j := idx[k]
			v := stance[truth[p]][j]
			if rng.Float64() < noise {
				v = VoteValue(rng.IntN(3) - 1)
			}
			votes = append(votes, Vote{Participant: int32(p), Statement: j, Value: v})
		}
	}
	return votes, truth
}

func TestOpinionMapRecoversPlantedGroups(t *testing.T) {
	cases := []struct {
		name                     string
		groups, per, stmts, seen int
		noise                    float64
	}{
		{"3×200×60 all seen", 3, 200, 60, 60, 0.3},
		{"3×200×60 sparse", 3, 200, 60, 25, 0.3},
		{"2×300×40", 2, 300, 40, 30, 0.35},
		{"4×150×80", 4, 150, 80, 50, 0.3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			votes, truth := plantedVotes(c.groups, c.per, c.stmts, c.seen, c.noise, 42)
			om, err := BuildOpinionMap(len(truth), c.stmts, votes, OpinionOptions{Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			ari := AdjustedRandIndex(truth, om.Group)
			if om.K != c.groups || ari < 0.9 {
				t.Errorf("K = %d (candidates %v), ARI = %.4f; want K = %d, ARI ≥ 0.9",
					om.K, om.Candidates, ari, c.groups)
			}
			for g, reps := range om.Representatives {
				if len(reps) == 0 {
					t.Errorf("group %d has no representative statements", g)
				}
				for i, r := range reps {
					if r.Z < 1.6449 || r.Ratio <= 1 || (i > 0 && r.Score > reps[i-1].Score) {
						t.Errorf("group %d representative %d: %+v", g, i, r)
					}
				}
			}
			if om.IncludedCount != len(truth) {
				t.Errorf("included %d of %d", om.IncludedCount, len(truth))
			}
		})
	}
}

func TestOpinionMapDeterministic(t *testing.T) {
	votes, truth := plantedVotes(3, 100, 30, 20, 0.3, 3)
	a, err := BuildOpinionMap(len(truth), 30, votes, OpinionOptions{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		b, err := BuildOpinionMap(len(truth), 30, votes, OpinionOptions{Seed: 11})
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		if b.K != a.K || AdjustedRandIndex(a.Group, b.Group) != 1 {
			t.Errorf("GOMAXPROCS %d: K %d vs %d, groups differ", procs, b.K, a.K)
		}
		for k := range 2 {
			for j := range a.Components[k] {
				if !approxEq(a.Components[k][j], b.Components[k][j], 1e-9) {
					t.Fatalf("GOMAXPROCS %d: component %d differs at %d", procs, k, j)
				}
			}
		}
	}
}

// TestPCAEigenvectors checks the power iteration against the definition on a small dense
// matrix: XᵀX v = λv, v₁ ⊥ v₂, unit length, λ₁ ≥ λ₂.
func TestPCAEigenvectors(t *testing.T) {
	votes, truth := plantedVotes(3, 40, 12, 12, 0.4, 5)
	n := len(truth)
	om, err := BuildOpinionMap(n, 12, votes, OpinionOptions{PCATolerance: 1e-12, PCAIterations: 5000})
	if err != nil {
		t.Fatal(err)
	}
	// Dense centred matrix (everyone saw everything).
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, 12)
	}
	for _, v := range votes {
		x[v.Participant][v.Statement] = float64(v.Value)
	}
	for j := range 12 {
		var m float64
		for i := range n {
			m += x[i][j]
		}
		m /= float64(n)
		for i := range n {
			x[i][j] -= m
		}
	}
	v1, v2 := om.Components[0], om.Components[1]
	if v1 == nil || v2 == nil {
		t.Fatal("missing components")
	}
	if !approxEq(vecNorm(v1), 1, 1e-9) || !approxEq(vecNorm(v2), 1, 1e-9) || !approxEq(vecDot(v1, v2), 0, 1e-6) {
		t.Errorf("not orthonormal: |v1| %v |v2| %v v1·v2 %v", vecNorm(v1), vecNorm(v2), vecDot(v1, v2))
	}
	if om.Eigenvalues[0] < om.Eigenvalues[1] {
		t.Errorf("eigenvalues out of order: %v", om.Eigenvalues)
	}
	for k, v := range [][]float64{v1, v2} {
		av := make([]float64, 12)
		for i := range n {
			u := vecDot(x[i], v)
			for j := range 12 {
				av[j] += u * x[i][j]
			}
		}
		for j := range 12 {
			if !approxEq(av[j], om.Eigenvalues[k]*v[j], 1e-4*om.Eigenvalues[0]) {
				t.Errorf("component %d: (XᵀXv)[%d] = %v, λv = %v", k, j, av[j], om.Eigenvalues[k]*v[j])
			}
		}
	}
}

func TestOpinionMapDegenerate(t *testing.T) {
	all := func(p, s int, v VoteValue) []Vote {
		var out []Vote
		for i := range p {
			for j := range s {
				out = append(out, Vote{int32(i), int32(j), v})
			}
		}
		return out
	}
	cases := []struct {
		name           string
		parts, stmts   int
		votes          []Vote
		wantIncluded   int
		wantK          int
		wantComponents bool
	}{
		{"empty", 0, 0, nil, 0, 0, false},
		{"no statements", 5, 0, nil, 0, 0, false},
		{"no votes", 5, 10, nil, 0, 0, false},
		{"one participant", 1, 10, all(1, 10, Agree), 1, 1, false},
		{"one statement", 6, 1, all(6, 1, Agree), 6, 1, false},
		{"all agree: zero variance", 8, 10, all(8, 10, Agree), 8, 1, false},
		{"all pass", 8, 10, all(8, 10, Pass), 8, 1, false},
		{"two identical participants", 2, 3, all(2, 3, Disagree), 2, 1, false},
		{"below the vote threshold", 4, 20, all(4, 6, Agree), 0, 0, false},
		{"two opposed participants", 2, 8, append(all(1, 8, Agree), func() []Vote {
			v := all(1, 8, Disagree)
			for i := range v {
				v[i].Participant = 1
			}
			return v
		}()...), 2, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			om, err := BuildOpinionMap(c.parts, c.stmts, c.votes, OpinionOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if om.IncludedCount != c.wantIncluded || om.K != c.wantK || (om.Components[0] != nil) != c.wantComponents {
				t.Errorf("included %d K %d components %v; want %d, %d, %v",
					om.IncludedCount, om.K, om.Components[0] != nil, c.wantIncluded, c.wantK, c.wantComponents)
			}
			for p, g := range om.Group {
				if (g >= 0) != om.Included[p] {
					t.Errorf("participant %d: group %d, included %v", p, g, om.Included[p])
				}
			}
			for _, x := range append(append([]float64{}, om.Priority...), om.ConsensusAgree...) {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("non-finite statistic %v", x)
				}
			}
		})
	}
}

func TestOpinionMapInput(t *testing.T) {
	if _, err := BuildOpinionMap(2, 2, []Vote{{0, 2, Agree}}, OpinionOptions{}); !errors.Is(err, ErrVote) {
		t.Errorf("statement out of range: %v", err)
	}
	if _, err := BuildOpinionMap(2, 2, []Vote{{0, 1, 2}}, OpinionOptions{}); !errors.Is(err, ErrVote) {
		t.Errorf("vote value 2: %v", err)
	}
	if _, err := BuildOpinionMap(-1, 2, nil, OpinionOptions{}); !errors.Is(err, ErrVote) {
		t.Errorf("negative size: %v", err)
	}
	// Last vote wins; a pass is a seen vote, an absent one is unseen.
	om, err := BuildOpinionMap(2, 2, []Vote{{0, 0, Agree}, {0, 0, Disagree}, {0, 1, Pass}, {1, 0, Agree}}, OpinionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if om.AgreeCount[0] != 1 || om.DisagreeCount[0] != 1 || om.PassCount[1] != 1 || om.PassCount[0] != 0 {
		t.Errorf("counts A %v D %v P %v", om.AgreeCount, om.DisagreeCount, om.PassCount)
	}
	// Participant 0 saw both statements (min(7, 2) = 2); participant 1 only one.
	if !om.Included[0] || om.Included[1] {
		t.Errorf("included %v", om.Included)
	}
}

func TestAdjustedRandIndex(t *testing.T) {
	cases := []struct {
		name string
		a, b []int
		want float64
	}{
		// Hand computation: contingency [[2 1 0] [0 1 2]], Σ C(n_ij) = 1+1 = 2; rows 3, 3 give
		// Σ C(a_i) = 6; columns 2, 2, 2 give Σ C(b_j) = 3; C(6) = 15. Expected 6·3/15 = 1.2,
		// maximum (6+3)/2 = 4.5, ARI = (2 − 1.2)/(4.5 − 1.2) = 0.8/3.3 = 8/33.
		{"hand example", []int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 2, 2}, 8.0 / 33},
		{"identical up to labels", []int{0, 0, 1, 1, 2}, []int{5, 5, -1, -1, 9}, 1},
		// Contingency [[1 1] [1 1]]: index 0, Σ C(a) = Σ C(b) = 2, C(4) = 6, expected 2/3,
		// max 2: ARI = (0 − 2/3)/(2 − 2/3) = −1/2.
		{"crossed halves", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},
		{"both one cluster", []int{1, 1, 1}, []int{2, 2, 2}, 1},
		{"both singletons", []int{0, 1, 2}, []int{3, 4, 5}, 1},
		{"empty", nil, nil, 1},
		{"one item", []int{0}, []int{1}, 1},
	}
	for _, c := range cases {
		if got := AdjustedRandIndex(c.a, c.b); !approxEq(got, c.want, 1e-12) {
			t.Errorf("%s: ARI = %v, want %v", c.name, got, c.want)
		}
		if got := AdjustedRandIndex(c.b, c.a); !approxEq(got, c.want, 1e-12) {
			t.Errorf("%s: ARI is not symmetric: %v", c.name, got)
		}
	}
}

func TestSmoothedProportionAndZ(t *testing.T) {
	sp := []struct {
		x, n int
		want float64
	}{{0, 0, 0.5}, {3, 3, 0.8}, {0, 3, 0.2}, {5, 10, 0.5}, {9, 10, 10.0 / 12}}
	for _, c := range sp {
		if got := SmoothedProportion(c.x, c.n); !approxEq(got, c.want, 1e-15) {
			t.Errorf("SmoothedProportion(%d, %d) = %v, want %v", c.x, c.n, got, c.want)
		}
	}
	zs := []struct {
		x1, n1, x2, n2 int
		want           float64
	}{
		// p1 = 10/11, p2 = 2/11, p̂ = 12/22 = 6/11, var = (6/11)(5/11)(2/11) = 60/1331.
		{9, 10, 1, 10, (8.0 / 11) / math.Sqrt(60.0/1331)},
		{1, 10, 9, 10, -(8.0 / 11) / math.Sqrt(60.0/1331)},
		{5, 10, 5, 10, 0},
		// p1 = 1, p2 = 1, p̂ = 1: no variance, z = 0.
		{4, 4, 9, 9, 0},
		// p1 = 4/5, p2 = 1/21, p̂ = 5/26, var = (5/26)(21/26)(1/5 + 1/21) = 105/676 · 26/105.
		{3, 4, 0, 20, (4.0/5 - 1.0/21) / math.Sqrt(5.0/26*21.0/26*(1.0/5+1.0/21))},
	}
	for _, c := range zs {
		if got := TwoProportionZ(c.x1, c.n1, c.x2, c.n2); !approxEq(got, c.want, 1e-12) {
			t.Errorf("TwoProportionZ(%d, %d, %d, %d) = %v, want %v", c.x1, c.n1, c.x2, c.n2, got, c.want)
		}
	}
	// Representativeness: 8 of 10 agree in the group (pa = 9/12), 2 of 20 outside (pa = 3/22).
	r := Representativeness(4, true, 8, 10, 2, 20)
	if r.Statement != 4 || !approxEq(r.P, 0.75, 1e-15) || !approxEq(r.PRest, 3.0/22, 1e-15) ||
		!approxEq(r.Ratio, 5.5, 1e-12) || !approxEq(r.Score, 5.5*0.75, 1e-12) ||
		!approxEq(r.Z, TwoProportionZ(8, 10, 2, 20), 0) {
		t.Errorf("Representativeness = %+v", r)
	}
}

func TestStatementImportanceAndPriority(t *testing.T) {
	cases := []struct {
		a, d, p    int
		e          float64
		importance float64
		priority   float64
	}{
		// New statement: pa = pp = 1/2, importance 1/4, boost 1 + 8 = 9.
		{0, 0, 0, 0, 0.25, (0.25 * 9) * (0.25 * 9)},
		// S = 5: pa = 4/7, pp = 2/7, (5/7)(1.5)(4/7) = 30/49, boost 1 + 8/2 = 5.
		{3, 1, 1, 0.5, 30.0 / 49, (150.0 / 49) * (150.0 / 49)},
		// S = 10, all passed: pa = 1/12, pp = 11/12: (1/12)(1)(1/12), boost 1 + 8/4 = 3.
		{0, 0, 10, 0, 1.0 / 144, (3.0 / 144) * (3.0 / 144)},
		// S = 20, all agree, E = 2: pa = 21/22, pp = 1/22: (21/22)(3)(21/22), boost 1 + 8/16.
		{20, 0, 0, 2, 3 * 21.0 / 22 * 21.0 / 22, math.Pow(3*21.0/22*21.0/22*1.5, 2)},
	}
	for _, c := range cases {
		if got := StatementImportance(c.a, c.d, c.p, c.e); !approxEq(got, c.importance, 1e-12) {
			t.Errorf("StatementImportance(%d, %d, %d, %v) = %v, want %v", c.a, c.d, c.p, c.e, got, c.importance)
		}
		if got := StatementPriority(c.a, c.d, c.p, c.e); !approxEq(got, c.priority, 1e-12) {
			t.Errorf("StatementPriority(%d, %d, %d, %v) = %v, want %v", c.a, c.d, c.p, c.e, got, c.priority)
		}
	}
	// Extremity: RMS 1 over statements with both axes.
	axes := [2][]float64{{0.6, 0.8, 0, 0}, {0, 0, 1, 0}}
	var ss float64
	for j := range 4 {
		ss += Extremity(axes, j) * Extremity(axes, j)
	}
	if !approxEq(ss/4, 1, 1e-12) || !approxEq(Extremity(axes, 0), 0.6*math.Sqrt2, 1e-12) ||
		Extremity([2][]float64{}, 0) != 0 {
		t.Errorf("Extremity: mean square %v, E0 %v", ss/4, Extremity(axes, 0))
	}
}

func TestConsensus(t *testing.T) {
	// Two groups of equal size, with their own stances on statements 0..29 (opposed on about
	// half), all agreeing on statement 30.
	votes, truth := plantedVotes(2, 50, 30, 30, 0.05, 9)
	for p := range truth {
		votes = append(votes, Vote{int32(p), 30, Agree})
	}
	om, err := BuildOpinionMap(len(truth), 31, votes, OpinionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if om.K != 2 {
		t.Fatalf("K = %d", om.K)
	}
	// Statement 10: each group (A+1)/(S+2) = (n+1)/(n+2).
	want := 1.0
	for _, n := range om.GroupSizes {
		want *= float64(n+1) / float64(n+2)
	}
	if !approxEq(om.ConsensusAgree[30], want, 1e-12) {
		t.Errorf("consensus on 30 = %v, want %v", om.ConsensusAgree[30], want)
	}
	for j := range 30 {
		if om.ConsensusAgree[j] >= om.ConsensusAgree[30] || om.ConsensusAgree[j] > 0.8 && om.ConsensusDisagree[j] > 0.8 {
			t.Errorf("statement %d: consensus agree %v disagree %v", j, om.ConsensusAgree[j], om.ConsensusDisagree[j])
		}
	}
}

func TestGroupSmoother(t *testing.T) {
	s := GroupSmoother{Need: 3}
	steps := []struct{ best, want int }{
		{3, 3}, {4, 3}, {4, 3}, {4, 4}, // switches on the third win in a row
		{3, 4}, {4, 4}, {2, 4}, {2, 4}, {3, 4}, {2, 4}, {2, 4}, {2, 2},
	}
	for i, st := range steps {
		if got := s.Update(st.best); got != st.want || s.Current() != st.want {
			t.Fatalf("step %d: Update(%d) = %d, want %d", i, st.best, got, st.want)
		}
	}
	// Through BuildOpinionMap: a smoother holding 2 keeps a 3-group map at 2 for now.
	var z GroupSmoother
	z.Update(2)
	votes, truth := plantedVotes(3, 60, 30, 30, 0.2, 4)
	om, err := BuildOpinionMap(len(truth), 30, votes, OpinionOptions{Smoother: &z})
	if err != nil {
		t.Fatal(err)
	}
	if om.BestK != 3 || om.K != 2 || len(om.GroupSizes) != 2 {
		t.Errorf("BestK %d K %d sizes %v", om.BestK, om.K, om.GroupSizes)
	}
}

func TestKMeansAndSilhouette(t *testing.T) {
	pts := []mapPoint{{0, 0}, {0, 1}, {1, 0}, {10, 10}, {10, 11}, {11, 10}}
	_, assign, inertia := kmeans(pts, nil, 2, 1, 100)
	if AdjustedRandIndex([]int{0, 0, 0, 1, 1, 1}, []int{int(assign[0]), int(assign[1]), int(assign[2]),
		int(assign[3]), int(assign[4]), int(assign[5])}) != 1 {
		t.Errorf("assign %v", assign)
	}
	// Each triangle: centre (1/3, 1/3), squared distances 2/9 + 5/9 + 5/9 = 4/3.
	if !approxEq(inertia, 8.0/3, 1e-12) {
		t.Errorf("inertia %v", inertia)
	}
	// More centres than distinct points: k-means++ stops early.
	c, _, _ := kmeans([]mapPoint{{1, 1}, {1, 1}, {2, 2}}, nil, 5, 1, 10)
	if len(c) != 2 {
		t.Errorf("centres %v", c)
	}
	// Silhouette of two points per cluster on a line: {0, 1} and {10, 11}.
	// Point 0: a = 1, b = (10+11)/2 = 10.5, s = 9.5/10.5; point 1: a = 1, b = 9.5, s = 8.5/9.5.
	line := []mapPoint{{0, 0}, {1, 0}, {10, 0}, {11, 0}}
	got := weightedSilhouette(line, nil, []int32{0, 0, 1, 1}, 2)
	want := (2*9.5/10.5 + 2*8.5/9.5) / 4
	if !approxEq(got, want, 1e-12) {
		t.Errorf("silhouette %v, want %v", got, want)
	}
	// Weights: a point of weight 2 is two participants at the same place.
	gotW := weightedSilhouette([]mapPoint{{0, 0}, {10, 0}}, []float64{2, 2}, []int32{0, 1}, 2)
	if !approxEq(gotW, 1, 1e-12) {
		t.Errorf("weighted silhouette %v, want 1", gotW)
	}
}

// benchmarkOpinionMap builds the map of planted groups: each participant votes on `seen` random
// statements, so the vote count is participants × seen.
func benchmarkOpinionMap(b *testing.B, participants, statements, seen int) {
	votes, truth := plantedVotes(4, participants/4, statements, seen, 0.3, 1)
	var om *OpinionMap
	var err error
	b.ReportAllocs()
	for b.Loop() {
		om, err = BuildOpinionMap(len(truth), statements, votes, OpinionOptions{Seed: 1, PCAIterations: benchPCAIters})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(votes)), "votes")
	b.ReportMetric(float64(om.K), "groups")
	b.ReportMetric(AdjustedRandIndex(truth, om.Group), "ARI")
	b.ReportMetric(float64(om.PCAIters[1]), "pca-passes")
}

// BenchmarkOpinionMap1M: 10,000 participants × 500 statements, 100 votes each (1 million).
func BenchmarkOpinionMap1M(b *testing.B) { benchmarkOpinionMap(b, 10_000, 500, 100) }

// BenchmarkOpinionMap10M: 100,000 participants × 1,500 statements, 100 votes each (10 million).
func BenchmarkOpinionMap10M(b *testing.B) { benchmarkOpinionMap(b, 100_000, 1_500, 100) }

var benchPCAIters = 100

// TestOpinionMapRandomSmall throws many small random inputs — duplicates, all one answer, few
// voters — at the map: nothing may panic, and every result must be finite and consistent.
func TestOpinionMapRandomSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 2))
	for trial := range 400 {
		parts, stmts := rng.IntN(14), rng.IntN(12)
		var votes []Vote
		if parts > 0 && stmts > 0 {
			answers := 1 + rng.IntN(3) // sometimes only one kind of answer
			for range rng.IntN(parts*stmts*2 + 1) {
				votes = append(votes, Vote{int32(rng.IntN(parts)), int32(rng.IntN(stmts)),
					VoteValue(rng.IntN(answers) - 1)})
			}
		}
		om, err := BuildOpinionMap(parts, stmts, votes, OpinionOptions{Seed: uint64(trial)})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		sum := 0
		for _, n := range om.GroupSizes {
			sum += n
		}
		if sum != om.IncludedCount || len(om.GroupSizes) != om.K || (om.IncludedCount > 0) != (om.K > 0) {
			t.Fatalf("trial %d: K %d sizes %v included %d", trial, om.K, om.GroupSizes, om.IncludedCount)
		}
		check := func(xs ...float64) {
			for _, x := range xs {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("trial %d: non-finite %v", trial, x)
				}
			}
		}
		check(om.Priority...)
		check(om.ConsensusAgree...)
		check(om.ConsensusDisagree...)
		check(om.Eigenvalues[:]...)
		for _, p := range om.Projections {
			check(p[:]...)
		}
		for _, c := range om.Candidates {
			check(c.Silhouette)
		}
	}
}

// TestOpinionMapWarmStart: starting from the previous map's axes, a recomputation after a few
// more votes converges in far fewer passes and finds the same groups.
func TestOpinionMapWarmStart(t *testing.T) {
	votes, truth := plantedVotes(2, 150, 40, 30, 0.2, 8)
	cold, err := BuildOpinionMap(len(truth), 40, votes, OpinionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	more := append(votes[:len(votes):len(votes)], Vote{0, 0, Agree}, Vote{1, 1, Disagree})
	warm, err := BuildOpinionMap(len(truth), 40, more, OpinionOptions{WarmStart: cold.Components})
	if err != nil {
		t.Fatal(err)
	}
	if warm.PCAIters[1] >= cold.PCAIters[1] || AdjustedRandIndex(cold.Group, warm.Group) < 0.95 {
		t.Errorf("warm passes %d, cold %d; ARI between them %v", warm.PCAIters[1], cold.PCAIters[1],
			AdjustedRandIndex(cold.Group, warm.Group))
	}
	t.Logf("passes: cold %v, warm %v", cold.PCAIters, warm.PCAIters)
}
