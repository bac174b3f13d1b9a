package satisfaction

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/stats"
)

// plantedBeta are the weights overall satisfaction is built from; timeliness is rated on
// 1–3 only (a service that is slow), every other driver uniformly on 1–5. The importance of
// a driver is then proportional to β² × var(rating): knowledge 1.28, timeliness 0.67,
// courtesy 0.41, extra mile 0.25, fairness 0.13, outcome 0.05, access 0.
var plantedBeta = map[string]float64{QKnowledge: 0.8, QTimely: 1.0, QCourtesy: 0.45, QExtraMile: 0.35, QFairness: 0.25, QOutcome: 0.15, QAccess: 0}

var plantedOrder = []string{QKnowledge, QTimely, QCourtesy, QExtraMile, QFairness, QOutcome, QAccess}

// planted makes n responses: drivers at random, overall = 3 + 0.6 Σ β(x − mean) + noise,
// rounded and kept on 1–5; one in ten says "not applicable" to the extra mile.
func planted(n int, seed uint64) []insResp {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]insResp, n)
	for i := range out {
		m := map[string]any{}
		latent := 3.0
		for _, id := range Drivers {
			var x, mean float64
			if id == QTimely {
				x, mean = float64(1+rng.IntN(3)), 2
			} else {
				x, mean = float64(1+rng.IntN(5)), 3
			}
			m[id] = x
			latent += 0.6 * plantedBeta[id] * (x - mean)
		}
		latent += rng.NormFloat64() * 0.3
		m[QOverall] = math.Max(1, math.Min(5, math.Round(latent)))
		if rng.Float64() < 0.1 {
			m[QExtraMile] = "na"
		}
		if rng.Float64() < 0.5 {
			m[QRecommend] = float64(rng.IntN(11))
		}
		out[i] = insResp{answers: m, channel: "online"}
	}
	return out
}

func newTestAnalyses(d *db.DB, now *time.Time) *Analyses {
	a := NewAnalyses(d, Store{})
	a.Now = func() time.Time { return *now }
	return a
}

func analysisCount(t *testing.T, d *db.DB, surveyID int64, kind string) int64 {
	t.Helper()
	var n int64
	err := d.QueryRow(context.Background(), "SELECT responses FROM survey_analyses WHERE survey_id = ? AND kind = ?", surveyID, kind).Scan(&n)
	if err != nil {
		return -1
	}
	return n
}

func TestWorkerRecomputesAfterCommitsAndRespectsInterval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sv := testSurvey(t, d, "worker")
		now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
		a := newTestAnalyses(d, &now)
		computed := 0
		a.Computed = func(id int64, err error) {
			if err != nil {
				t.Errorf("compute %d: %v", id, err)
			}
			computed++
		}
		a.Replicates = 20

		// Responses committed through the committer mark the survey dirty.
		c := NewCommitter(d, Store{})
		c.OnCommit = a.MarkDirty
		c.Start()
		q := sv.Questionnaire
		for _, r := range planted(60, 1) {
			if _, err := c.Submit(ctx, Response{SurveyID: sv.ID, Version: 1, SubmittedAt: now, Channel: "online",
				Answers: answers(t, q, r.answers), Questionnaire: &q}); err != nil {
				t.Fatal(err)
			}
		}
		if !a.Dirty(sv.ID) {
			t.Fatal("a commit did not mark the survey dirty")
		}
		if wait := a.RunDue(ctx); wait != 0 || computed != 1 {
			t.Fatalf("first run: computed %d, wait %v", computed, wait)
		}
		if n := analysisCount(t, d, sv.ID, AnalysisDrivers); n != 60 {
			t.Fatalf("cached on %d responses, want 60", n)
		}
		// Nothing dirty: nothing done.
		if a.RunDue(ctx); computed != 1 {
			t.Fatalf("computed %d times with nothing dirty", computed)
		}
		// More responses 10 s later: dirty, but not due for another 20 s.
		for _, r := range planted(15, 2) {
			if _, err := c.Submit(ctx, Response{SurveyID: sv.ID, Version: 1, SubmittedAt: now, Channel: "online",
				Answers: answers(t, q, r.answers), Questionnaire: &q}); err != nil {
				t.Fatal(err)
			}
		}
		c.Stop()
		now = now.Add(10 * time.Second)
		wait := a.RunDue(ctx)
		if computed != 1 || wait != 20*time.Second {
			t.Fatalf("10 s after: computed %d, wait %v; want 1 and 20s", computed, wait)
		}
		if !a.Dirty(sv.ID) {
			t.Fatal("the survey should still be dirty")
		}
		now = now.Add(20 * time.Second)
		if a.RunDue(ctx); computed != 2 {
			t.Fatalf("30 s after: computed %d, want 2", computed)
		}
		if n := analysisCount(t, d, sv.ID, AnalysisDrivers); n != 75 {
			t.Fatalf("cached on %d responses, want 75", n)
		}
		var r DriverResult
		if _, ok, err := cachedAnalysis(ctx, d, sv.ID, AnalysisDrivers, &r); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if !r.ComputedAt.Equal(now) || r.Responses != 75 {
			t.Errorf("computed at %v on %d", r.ComputedAt, r.Responses)
		}

		// Stale: none now; a response stored behind the worker's back makes the survey stale.
		if ids, err := a.Stale(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("stale %v %v", ids, err)
		}
		insStore(t, d, sv, planted(1, 3))
		if ids, err := a.Stale(ctx); err != nil || !slices.Equal(ids, []int64{sv.ID}) {
			t.Fatalf("stale %v %v, want [%d]", ids, err, sv.ID)
		}
	})
}

// The service starts the worker and wires it to the committer: a response submitted is
// analysed without anyone asking.
func TestServiceStartRunsWorker(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	sv := testSurvey(t, d, "started")
	s := NewService(d, nil)
	s.Analyses.Interval = 0
	s.Analyses.Replicates = 20
	done := make(chan int64, 16)
	s.Analyses.Computed = func(id int64, err error) { done <- id }
	s.Start(nil)
	defer s.Stop()
	// Nothing cached: the page asks, gets nil, and the survey is queued.
	if r, err := s.DriverAnalysis(ctx, sv.ID); err != nil || r != nil {
		t.Fatalf("%v %v", r, err)
	}
	q := sv.Questionnaire
	if _, err := s.Committer.Submit(ctx, Response{SurveyID: sv.ID, Version: 1, SubmittedAt: time.Now().UTC(),
		Answers: answers(t, q, map[string]any{QOverall: 4}), Questionnaire: &q}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case id := <-done:
			if id != sv.ID {
				t.Fatalf("computed survey %d", id)
			}
		case <-deadline:
			t.Fatal("the worker did not compute the survey")
		}
		if analysisCount(t, d, sv.ID, AnalysisDrivers) == 1 {
			break
		}
	}
	r, err := s.DriverAnalysis(ctx, sv.ID)
	if err != nil || r == nil {
		t.Fatalf("%v %v", r, err)
	}
	if r.Error == "" || r.N != 0 || r.Responses != 1 {
		t.Errorf("one response: %+v", r)
	}
}

func TestDriverAnalysisRecoversPlantedImportance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sv := testSurvey(t, d, "planted")
		rs := planted(3000, 42)
		insStore(t, d, sv, rs)
		now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
		a := newTestAnalyses(d, &now)
		a.MaxSample = 1000
		a.Chunk = 700 // several chunks
		if err := a.Compute(ctx, sv.ID); err != nil {
			t.Fatal(err)
		}
		s := NewService(d, nil)
		r, err := s.DriverAnalysis(ctx, sv.ID)
		if err != nil || r == nil {
			t.Fatal(r, err)
		}
		if r.Error != "" {
			t.Fatal(r.Error)
		}
		var got []string
		for _, f := range r.Drivers {
			got = append(got, f.ID)
		}
		if !slices.Equal(got, plantedOrder) {
			t.Errorf("importance order %v, want %v", got, plantedOrder)
		}

		// The point estimate is LMG on the correlation matrix of every complete response, as
		// stats.WeightedCorrelation computes it (listwise: not applicable is missing).
		var rows [][]float64
		for _, x := range rs {
			if x.answers[QExtraMile] == "na" {
				continue
			}
			row := []float64{x.answers[QOverall].(float64)}
			for _, id := range Drivers {
				row = append(row, x.answers[id].(float64))
			}
			rows = append(rows, row)
		}
		corr, err := stats.WeightedCorrelation(rows, nil)
		if err != nil {
			t.Fatal(err)
		}
		shares, r2, err := stats.LMG(corr, 0, []int{1, 2, 3, 4, 5, 6, 7})
		if err != nil {
			t.Fatal(err)
		}
		if r.N != len(rows) || r.Responses != 3000 {
			t.Errorf("n %d of %d, want %d of 3000", r.N, r.Responses, len(rows))
		}
		if math.Abs(r.R2-r2) > 1e-9 {
			t.Errorf("R² %v, want %v", r.R2, r2)
		}
		sum := 0.0
		for _, f := range r.Drivers {
			j := slices.Index(Drivers, f.ID)
			if math.Abs(f.Importance-shares[j]) > 1e-9 {
				t.Errorf("%s importance %v, want %v", f.ID, f.Importance, shares[j])
			}
			if !(f.Lower <= f.Upper) || f.Upper <= 0 || f.Upper > 1 {
				t.Errorf("%s interval %v–%v", f.ID, f.Lower, f.Upper)
			}
			sum += f.Share
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("shares of R² add up to %v", sum)
		}
		if r.Sample != 1000 || r.Replicates+r.Failed != DriverReplicates || r.Weighted || r.Weighting != "unweighted" {
			t.Errorf("sample %d, replicates %d+%d, weighting %q", r.Sample, r.Replicates, r.Failed, r.Weighting)
		}
		if !(r.R2Lo < r.R2 && r.R2 < r.R2Hi) {
			t.Errorf("R² %v outside %v–%v", r.R2, r.R2Lo, r.R2Hi)
		}
		// Performance and quadrants: timeliness (important, rated 1–3) is to fix first,
		// knowledge (most important, rated across the scale) to keep up.
		for _, f := range r.Drivers {
			hiI, hiP := f.Importance >= r.MeanImportance, f.Performance >= r.MeanPerformance
			want := map[[2]bool]string{{true, true}: CaptionKeepUp, {true, false}: CaptionFixFirst,
				{false, true}: CaptionMaintain, {false, false}: CaptionLower}[[2]bool{hiI, hiP}]
			if f.Caption != want {
				t.Errorf("%s: caption %q, want %q", f.ID, f.Caption, want)
			}
			if f.ID == QTimely && (f.Caption != CaptionFixFirst || math.Abs(f.Performance-25) > 2) {
				t.Errorf("timeliness: %q, performance %v", f.Caption, f.Performance)
			}
			if f.ID == QKnowledge && f.Caption != CaptionKeepUp {
				t.Errorf("knowledge: %q", f.Caption)
			}
		}
		if c := DriverChart(r); c.SVG == "" || len(c.Table.Rows) != 7 {
			t.Errorf("chart: %d rows", len(c.Table.Rows))
		}
	})
}

func TestDriverAnalysisTooFewOrConstant(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	sv := testSurvey(t, d, "few")
	insStore(t, d, sv, planted(30, 5))
	now := time.Now()
	a := newTestAnalyses(d, &now)
	if err := a.Compute(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
	var r DriverResult
	if _, ok, err := cachedAnalysis(ctx, d, sv.ID, AnalysisDrivers, &r); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if r.Error == "" || len(r.Drivers) != 0 || r.Responses != 30 {
		t.Errorf("too few: %+v", r)
	}
	// Everyone gives courtesy a 5.
	sv2 := testSurvey(t, d, "constant")
	rs := planted(80, 6)
	for _, x := range rs {
		x.answers[QCourtesy] = 5.0
	}
	insStore(t, d, sv2, rs)
	if err := a.Compute(ctx, sv2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cachedAnalysis(ctx, d, sv2.ID, AnalysisDrivers, &r); err != nil {
		t.Fatal(err)
	}
	if r.Error == "" || len(r.Drivers) != 0 {
		t.Errorf("constant driver: %+v", r)
	}
}

// BenchmarkAnalysisCompute computes the drivers and weighted figures of 100,000 responses and
// reports the peak heap while it runs (sampled, above the heap before it), to check that memory stays well within the
// server's budget (about 12 bytes a response are kept; a million take some tens of MB).
func BenchmarkAnalysisCompute(b *testing.B) {
	d := dbtest.SQLite(b)
	ctx := context.Background()
	sv := testSurvey(b, d, "bench-analysis")
	const n = 100000
	rs := planted(n, 3)
	channels := []string{"online", "phone", "counter"}
	for i := range rs {
		rs[i].channel = channels[i%3]
		rs[i].answers[QComment] = "The queue was long but the staff were kind"
	}
	insStore(b, d, sv, rs)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		return Store{}.SaveWeighting(ctx, tx, sv.ID, Weighting{Margins: []WeightMargin{channelMargin}, Trim: 5, UpdatedAt: db.Now()})
	})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	a := newTestAnalyses(d, &now)
	rs = nil
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		if err := a.Compute(ctx, sv.ID); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak-min(peak, base.HeapAlloc))/1e6, "peak-heap-MB")
}
