package stats

// Benchmarks of each step of the opinion map, on the planted-group data of
// BenchmarkOpinionMap1M (10,000 participants × 500 statements, 100 votes each, 4 groups, 30%
// noise) and, for the steps that grow with the votes, BenchmarkOpinionMap10M's (100,000 ×
// 1,500). The *OneCore benchmarks run with Workers: 1, as the engagements' background worker
// does so that a computation never takes both cores of the server.
//
//	go test -run '^$' -bench 'Opinion' -benchtime 3x -benchmem ./internal/stats/

import (
	"testing"
)

// benchInput is the data of one size, built once per benchmark (outside the timer).
type benchInput struct {
	participants, statements int
	votes                    []Vote
	truth                    []int
}

func newBenchInput(participants, statements, seen int) benchInput {
	votes, truth := plantedVotes(4, participants/4, statements, seen, 0.3, 1)
	return benchInput{participants: len(truth), statements: statements, votes: votes, truth: truth}
}

// centredRows builds the matrix as BuildOpinionMap does: rows, everyone included (each has
// 100 votes), centred by the column means.
func (in benchInput) centredRows() *voteRows {
	rowStart, cols, vals := buildRows(in.participants, in.statements, in.votes)
	m := &voteRows{rowStart: rowStart, cols: cols, vals: vals, stmts: in.statements}
	mean := make([]float64, in.statements)
	seen := make([]float64, in.statements)
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
	return m
}

// benchMatrix: the sparse vote matrix — counting, sorting into rows, deduplicating.
func benchMatrix(b *testing.B, in benchInput) {
	b.ReportAllocs()
	for b.Loop() {
		rowStart, _, _ := buildRows(in.participants, in.statements, in.votes)
		if int(rowStart[in.participants]) != len(in.votes) {
			b.Fatalf("%d entries of %d votes", rowStart[in.participants], len(in.votes))
		}
	}
	b.ReportMetric(float64(len(in.votes)), "votes")
}

func BenchmarkOpinionMatrix1M(b *testing.B)  { benchMatrix(b, newBenchInput(10_000, 500, 100)) }
func BenchmarkOpinionMatrix10M(b *testing.B) { benchMatrix(b, newBenchInput(100_000, 1_500, 100)) }

// benchPCA: two principal components by power iteration from a cold start.
func benchPCA(b *testing.B, in benchInput, workers int) {
	m := in.centredRows()
	var res pcaResult
	b.ReportAllocs()
	for b.Loop() {
		res = powerPCA(m, 1, benchPCAIters, 1e-6, [2][]float64{}, workers)
	}
	if res.axes[0] == nil || res.axes[1] == nil {
		b.Fatal("no axes")
	}
	b.ReportMetric(float64(res.iters[1]), "pca-passes")
}

func BenchmarkOpinionPCA1M(b *testing.B)  { benchPCA(b, newBenchInput(10_000, 500, 100), 0) }
func BenchmarkOpinionPCA10M(b *testing.B) { benchPCA(b, newBenchInput(100_000, 1_500, 100), 0) }
func BenchmarkOpinionPCA10MOneCore(b *testing.B) {
	benchPCA(b, newBenchInput(100_000, 1_500, 100), 1)
}

// benchProjections maps the input and returns everyone's place on it, the base step's input.
func benchProjections(b *testing.B, in benchInput) []mapPoint {
	om, err := BuildOpinionMap(in.participants, in.statements, in.votes, OpinionOptions{Seed: 1, PCAIterations: benchPCAIters})
	if err != nil {
		b.Fatal(err)
	}
	return om.Projections
}

// benchKMeans: the base clustering, 100 clusters of every participant's projection.
func benchKMeans(b *testing.B, in benchInput, workers int) {
	pts := benchProjections(b, in)
	b.ReportAllocs()
	for b.Loop() {
		c, _, _ := kmeansWorkers(pts, nil, 100, 1, 100, workers)
		if len(c) != 100 {
			b.Fatalf("%d centres", len(c))
		}
	}
	b.ReportMetric(float64(len(pts)), "points")
}

func BenchmarkOpinionKMeans1M(b *testing.B)  { benchKMeans(b, newBenchInput(10_000, 500, 100), 0) }
func BenchmarkOpinionKMeans10M(b *testing.B) { benchKMeans(b, newBenchInput(100_000, 1_500, 100), 0) }

// BenchmarkOpinionSilhouette: choosing the groups — for k = 2 … 5, five seeded k-means
// restarts on the 100 weighted base centres and the weighted silhouette of the best, as
// cluster() does. Its cost does not grow with the votes.
func BenchmarkOpinionSilhouette(b *testing.B) {
	pts := benchProjections(b, newBenchInput(10_000, 500, 100))
	centres, assign, _ := kmeans(pts, nil, 100, 1, 100)
	w := make([]float64, len(centres))
	for _, a := range assign {
		w[a]++
	}
	best := 0.0
	b.ReportAllocs()
	for b.Loop() {
		best = -1
		for k := 2; k <= 5; k++ {
			var lab []int32
			bestIn := 1e300
			for rs := range uint64(5) {
				_, l, in := kmeans(centres, w, k, 2+rs*7919+uint64(k)*104729, 100)
				if in < bestIn {
					lab, bestIn = l, in
				}
			}
			best = max(best, weightedSilhouette(centres, w, lab, k))
		}
	}
	b.ReportMetric(best, "silhouette")
}

// benchRepresentativeness: the per-group counts of every statement (one pass over the votes)
// and, for each group and statement, both directions' representativeness and the
// group-informed consensus — the statistics after the groups are known.
func benchRepresentativeness(b *testing.B, in benchInput) {
	m := in.centredRows()
	const K = 4
	group := in.truth
	S := in.statements
	b.ReportAllocs()
	found, consensus := 0, 0.0
	for b.Loop() {
		gA, gD, gS := make([]int32, (K+1)*S), make([]int32, (K+1)*S), make([]int32, (K+1)*S)
		for r := range m.rows() {
			g := group[r]
			for k := m.rowStart[r]; k < m.rowStart[r+1]; k++ {
				j := int(m.cols[k])
				gS[g*S+j]++
				switch VoteValue(m.vals[k]) {
				case Agree:
					gA[g*S+j]++
				case Disagree:
					gD[g*S+j]++
				}
			}
		}
		for g := range K {
			for j := range S {
				gA[K*S+j] += gA[g*S+j]
				gD[K*S+j] += gD[g*S+j]
				gS[K*S+j] += gS[g*S+j]
			}
		}
		found, consensus = 0, 0
		for j := range S {
			ca := 1.0
			for g := range K {
				ca *= SmoothedProportion(int(gA[g*S+j]), int(gS[g*S+j]))
			}
			consensus += ca
		}
		for g := range K {
			for j := range S {
				inS, outS := int(gS[g*S+j]), int(gS[K*S+j]-gS[g*S+j])
				ra := Representativeness(j, true, int(gA[g*S+j]), inS, int(gA[K*S+j]-gA[g*S+j]), outS)
				rd := Representativeness(j, false, int(gD[g*S+j]), inS, int(gD[K*S+j]-gD[g*S+j]), outS)
				if (ra.Z >= 1.6449 && ra.Ratio > 1) || (rd.Z >= 1.6449 && rd.Ratio > 1) {
					found++
				}
			}
		}
	}
	b.ReportMetric(float64(found), "significant")
	b.ReportMetric(consensus/float64(S), "mean-consensus")
}

func BenchmarkOpinionRepresentativeness1M(b *testing.B) {
	benchRepresentativeness(b, newBenchInput(10_000, 500, 100))
}

func BenchmarkOpinionRepresentativeness10M(b *testing.B) {
	benchRepresentativeness(b, newBenchInput(100_000, 1_500, 100))
}

// BenchmarkOpinionMap1MOneCore and BenchmarkOpinionMap10MOneCore: the whole map with one
// goroutine, as the engagements' background worker computes it.
func BenchmarkOpinionMap1MOneCore(b *testing.B) {
	benchMapWorkers(b, newBenchInput(10_000, 500, 100), 1)
}

func BenchmarkOpinionMap10MOneCore(b *testing.B) {
	benchMapWorkers(b, newBenchInput(100_000, 1_500, 100), 1)
}

func benchMapWorkers(b *testing.B, in benchInput, workers int) {
	var om *OpinionMap
	b.ReportAllocs()
	for b.Loop() {
		var err error
		om, err = BuildOpinionMap(in.participants, in.statements, in.votes, OpinionOptions{Seed: 1, PCAIterations: benchPCAIters, Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(om.K), "groups")
	b.ReportMetric(AdjustedRandIndex(in.truth, om.Group), "ARI")
}

// TestOpinionWorkersSameMap: capping the goroutines changes nothing in the result.
func TestOpinionWorkersSameMap(t *testing.T) {
	votes, truth := plantedVotes(3, 400, 60, 40, 0.3, 5) // enough entries to split the work
	a, err := BuildOpinionMap(len(truth), 60, votes, OpinionOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildOpinionMap(len(truth), 60, votes, OpinionOptions{Seed: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a.K != b.K || AdjustedRandIndex(a.Group, b.Group) != 1 || AdjustedRandIndex(truth, b.Group) < 0.9 {
		t.Errorf("K %d vs %d; ARI between %v; against the truth %v", a.K, b.K, AdjustedRandIndex(a.Group, b.Group), AdjustedRandIndex(truth, b.Group))
	}
	for k := range 2 {
		for j := range a.Components[k] {
			if !approxEq(a.Components[k][j], b.Components[k][j], 1e-9) {
				t.Fatalf("component %d differs at %d: %v vs %v", k, j, a.Components[k][j], b.Components[k][j])
			}
		}
	}
}
