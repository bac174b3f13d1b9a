package satisfaction

// The background analysis worker and key-driver analysis.
//
// Slow analyses (key-driver analysis, weighted figures) never run on the request path. After
// each commit the Committer reports the surveys that got responses; the worker marks them
// dirty and recomputes each dirty survey at most once every Interval, storing the result JSON
// in survey_analyses (kind "drivers", and "weighted" when the survey has weighting margins).
// Pages read the cached result; when there is none they say so and mark the survey dirty.
//
// Reading is streamed from the read pool in chunks of responses (id order), decoding only the
// questions needed, into compact rows of one byte per scale answer: a million responses with
// a dozen scale questions take about 12 MB. The correlation matrix of the point estimate uses
// every complete response; the bootstrap intervals use a uniform random sample of at most
// MaxSample of them.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/stats"
)

// Kinds of cached analyses in survey_analyses.
const (
	AnalysisDrivers  = "drivers"
	AnalysisWeighted = "weighted"
)

// Defaults of the analysis worker.
const (
	DefaultAnalysisInterval = 30 * time.Second
	// DriverReplicates is the number of bootstrap replicates of the driver intervals.
	DriverReplicates = 200
	// DriverMaxSample is the most responses the bootstrap resamples.
	DriverMaxSample = 20000
	// DriverMinResponses is the fewest complete responses a driver analysis is computed on.
	DriverMinResponses = 50
	// analysisChunk is how many responses one read fetches.
	analysisChunk = 5000
)

// Quadrant captions: what each cell of the importance × performance grid asks of staff.
const (
	CaptionFixFirst = "Fix first"      // high importance, low performance
	CaptionKeepUp   = "Keep it up"     // high importance, high performance
	CaptionLower    = "Lower priority" // low importance, low performance
	CaptionMaintain = "Maintain"       // low importance, high performance
)

// QuadrantCaption returns the caption of a cell of stats.Quadrant.
func QuadrantCaption(q string) string {
	switch q {
	case stats.DriverPriority:
		return CaptionFixFirst
	case stats.DriverMaintain:
		return CaptionKeepUp
	case stats.DriverSecondary:
		return CaptionLower
	case stats.DriverOverkill:
		return CaptionMaintain
	}
	return ""
}

// DriverName is a driver's short name, for charts.
func DriverName(id string) string {
	switch id {
	case QTimely:
		return "Timeliness"
	case QKnowledge:
		return "Knowledge"
	case QCourtesy:
		return "Courtesy"
	case QExtraMile:
		return "Extra mile"
	case QFairness:
		return "Fairness"
	case QOutcome:
		return "Outcome"
	case QAccess:
		return "Access"
	}
	return id
}

// DriverResult is the cached key-driver analysis of a survey: how much of the variance of
// overall satisfaction each driver accounts for, and how well the service does on it.
type DriverResult struct {
	SurveyID   int64     `json:"survey_id"`
	ComputedAt time.Time `json:"computed_at"`
	// Responses is how many responses were stored when it was computed; N how many of them
	// were used (they answered overall satisfaction and every driver, and, when weighted, every
	// weighting variable).
	Responses int64 `json:"responses"`
	N         int   `json:"n"`
	// R2 is the share of the variance of overall satisfaction the drivers explain together
	// (0–1), with its bootstrap interval.
	R2   float64 `json:"r2"`
	R2Lo float64 `json:"r2_lower"`
	R2Hi float64 `json:"r2_upper"`
	// Drivers, most important first.
	Drivers []DriverFigure `json:"drivers"`
	// MeanImportance and MeanPerformance split the quadrant chart.
	MeanImportance  float64 `json:"mean_importance"`
	MeanPerformance float64 `json:"mean_performance"`
	// Weighting says how responses were weighted: "unweighted" or the raking label.
	Weighting string `json:"weighting"`
	Weighted  bool   `json:"weighted"`
	// The bootstrap: Replicates kept (Failed dropped) over a uniform random Sample of the
	// responses used, at confidence Conf.
	Replicates int     `json:"bootstrap_replicates"`
	Failed     int     `json:"bootstrap_failed"`
	Sample     int     `json:"bootstrap_sample"`
	Conf       float64 `json:"confidence"`
	// Error says, in plain words, why no analysis could be computed (too few responses, a
	// driver everyone answered the same); the other fields are then empty.
	Error string `json:"error,omitempty"`
}

// DriverFigure is one driver of a DriverResult.
type DriverFigure struct {
	ID    string `json:"id"`
	Label string `json:"label"` // the question as asked
	Name  string `json:"name"`  // a short name: "Timeliness"
	// Importance is the driver's LMG share of R² (0–1: the share of the variance of overall
	// satisfaction it accounts for; the importances add up to R2), with its 95% bootstrap
	// percentile interval.
	Importance float64 `json:"importance"`
	Lower      float64 `json:"importance_lower"`
	Upper      float64 `json:"importance_upper"`
	// Share is Importance / R2: the driver's part of what the drivers explain (0–1).
	Share float64 `json:"share_of_r2"`
	// Performance is the driver's 0–100 index over every response that rated it (weighted
	// when the analysis is), and PerformanceN the number of those responses.
	Performance  float64 `json:"performance"`
	PerformanceN int     `json:"performance_n"`
	// Quadrant is stats.Quadrant's cell; Caption what it asks ("Fix first", …).
	Quadrant string `json:"quadrant"`
	Caption  string `json:"caption"`
}

// ImportancePct, LowerPct and UpperPct are the importance and its interval in per cent of the
// variance of overall satisfaction.
func (f DriverFigure) ImportancePct() float64 { return 100 * f.Importance }
func (f DriverFigure) LowerPct() float64      { return 100 * f.Lower }
func (f DriverFigure) UpperPct() float64      { return 100 * f.Upper }

// SharePct is Share in per cent.
func (f DriverFigure) SharePct() float64 { return 100 * f.Share }

// R2Pct, R2LoPct and R2HiPct are R² and its interval in per cent.
func (r DriverResult) R2Pct() float64   { return 100 * r.R2 }
func (r DriverResult) R2LoPct() float64 { return 100 * r.R2Lo }
func (r DriverResult) R2HiPct() float64 { return 100 * r.R2Hi }

// Analyses is the background worker that recomputes the slow analyses of surveys that got
// responses. MarkDirty queues a survey; Start runs the worker until Stop. RunDue computes what
// is due now, synchronously (tests call it with their own clock).
type Analyses struct {
	DB    *db.DB
	Store Store
	// Interval is the least time between two computations of one survey.
	Interval time.Duration
	// Now is the clock that decides what is due.
	Now func() time.Time
	Log *slog.Logger
	// Replicates and MaxSample shape the bootstrap; Chunk is how many responses one read
	// fetches.
	Replicates int
	MaxSample  int
	Chunk      int
	// Computed, if set, is called after each computation (for tests and metrics).
	Computed func(surveyID int64, err error)

	mu      sync.Mutex
	dirty   map[int64]bool
	last    map[int64]time.Time
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc
	started bool
}

// NewAnalyses builds the worker; Start runs it.
func NewAnalyses(d *db.DB, st Store) *Analyses {
	return &Analyses{DB: d, Store: st, Interval: DefaultAnalysisInterval, Now: time.Now, Log: slog.Default(),
		Replicates: DriverReplicates, MaxSample: DriverMaxSample, Chunk: analysisChunk,
		dirty: map[int64]bool{}, last: map[int64]time.Time{}, wake: make(chan struct{}, 1)}
}

// MarkDirty queues surveys for recomputation. It never blocks; it fits Committer.OnCommit.
func (a *Analyses) MarkDirty(surveys []int64) {
	if len(surveys) == 0 {
		return
	}
	a.mu.Lock()
	for _, id := range surveys {
		a.dirty[id] = true
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Dirty reports whether a survey waits for recomputation.
func (a *Analyses) Dirty(surveyID int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dirty[surveyID]
}

// Start runs the worker: it first marks dirty the surveys whose cached analyses are stale
// (computed on another number of responses, or before the weighting changed), then recomputes
// dirty surveys as they become due. It may be called once.
func (a *Analyses) Start() {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return
	}
	a.started = true
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.stop = make(chan struct{})
	a.done = make(chan struct{})
	a.mu.Unlock()
	go a.loop(ctx)
}

// Stop ends the worker, abandoning a computation under way (it is redone at the next start).
func (a *Analyses) Stop() {
	a.mu.Lock()
	if !a.started || a.stop == nil {
		a.mu.Unlock()
		return
	}
	stop, done, cancel := a.stop, a.done, a.cancel
	a.stop = nil
	a.mu.Unlock()
	close(stop)
	cancel()
	<-done
}

func (a *Analyses) loop(ctx context.Context) {
	defer close(a.done)
	a.mu.Lock()
	stop := a.stop
	a.mu.Unlock()
	if ids, err := a.Stale(ctx); err != nil {
		if ctx.Err() == nil {
			a.Log.Error("finding stale survey analyses failed", "err", err)
		}
	} else {
		a.MarkDirty(ids)
	}
	for {
		wait := a.RunDue(ctx)
		var timer *time.Timer
		var tick <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			tick = timer.C
		}
		select {
		case <-stop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-a.wake:
		case <-tick:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// RunDue computes every dirty survey whose last computation is at least Interval old, one
// after the other, and returns how long until the next dirty survey is due (0: none waits).
func (a *Analyses) RunDue(ctx context.Context) time.Duration {
	now := a.Now()
	var due []int64
	var next time.Time
	a.mu.Lock()
	for id := range a.dirty {
		at := a.last[id].Add(a.Interval)
		if !now.Before(at) {
			due = append(due, id)
			delete(a.dirty, id)
		} else if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	a.mu.Unlock()
	slices.Sort(due)
	for i, id := range due {
		if ctx.Err() != nil {
			a.MarkDirty(due[i:]) // abandoned: done at the next start
			return 0
		}
		err := a.Compute(ctx, id)
		a.mu.Lock()
		a.last[id] = a.Now()
		a.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			a.Log.Error("survey analysis failed", "survey", id, "err", err)
		}
		if a.Computed != nil {
			a.Computed(id, err)
		}
	}
	if next.IsZero() {
		return 0
	}
	return max(next.Sub(now), time.Millisecond)
}

// Stale lists the surveys whose cached analyses no longer fit: responses but no driver
// analysis, a driver analysis computed on another number of responses than are stored now
// (survey_counts, question ”), or weighting margins without a weighted analysis or changed
// since it.
func (a *Analyses) Stale(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := db.Each(ctx, a.DB, `SELECT c.survey_id FROM
		(SELECT survey_id, SUM(n) AS n FROM survey_counts WHERE question = '' GROUP BY survey_id) c
		LEFT JOIN survey_analyses a ON a.survey_id = c.survey_id AND a.kind = 'drivers'
		LEFT JOIN survey_weighting sw ON sw.survey_id = c.survey_id
		LEFT JOIN survey_analyses aw ON aw.survey_id = c.survey_id AND aw.kind = 'weighted'
		WHERE c.n > 0 AND (a.survey_id IS NULL OR a.responses <> c.n
			OR (sw.survey_id IS NOT NULL AND (aw.survey_id IS NULL OR aw.responses <> c.n OR aw.computed_at < sw.updated_at)))
		ORDER BY c.survey_id`, nil, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

// Compute recomputes a survey's analyses now and stores them: the driver analysis always, the
// weighted figures when the survey has weighting margins (otherwise a stale weighted result
// is removed).
func (a *Analyses) Compute(ctx context.Context, surveyID int64) error {
	sv, err := a.Store.SurveyByID(ctx, a.DB, surveyID)
	if err != nil {
		return err
	}
	spec, err := loadWeighting(ctx, a.DB, a.Store, surveyID)
	if err != nil {
		return err
	}
	data, err := a.read(ctx, sv, spec)
	if err != nil {
		return err
	}
	now := a.Now().UTC().Truncate(time.Microsecond)
	var wr *WeightedResult
	var weights []float64
	if spec != nil {
		wr, weights = computeWeighted(data, spec, sv.Questionnaire)
		wr.SurveyID, wr.ComputedAt, wr.Responses = surveyID, now, int64(data.n)
	}
	dr := computeDrivers(data, weights, wr, a.Replicates, a.MaxSample, uint64(surveyID))
	dr.SurveyID, dr.ComputedAt, dr.Responses = surveyID, now, int64(data.n)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	dj, err := json.Marshal(dr)
	if err != nil {
		return err
	}
	var wj []byte
	if wr != nil {
		if wj, err = json.Marshal(wr); err != nil {
			return err
		}
	}
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := putAnalysis(ctx, tx, surveyID, AnalysisDrivers, int64(data.n), now, dj); err != nil {
			return err
		}
		if wj == nil {
			_, err := tx.Exec(ctx, "DELETE FROM survey_analyses WHERE survey_id = ? AND kind = ?", surveyID, AnalysisWeighted)
			return err
		}
		return putAnalysis(ctx, tx, surveyID, AnalysisWeighted, int64(data.n), now, wj)
	})
}

func putAnalysis(ctx context.Context, tx *db.Tx, surveyID int64, kind string, n int64, at time.Time, result []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO survey_analyses (survey_id, kind, responses, computed_at, result) VALUES (?,?,?,?,?)
		ON CONFLICT (survey_id, kind) DO UPDATE SET responses = excluded.responses, computed_at = excluded.computed_at, result = excluded.result`,
		surveyID, kind, n, at, string(result))
	return err
}

// cachedAnalysis loads a cached result into v; ok is false when there is none.
func cachedAnalysis(ctx context.Context, d *db.DB, surveyID int64, kind string, v any) (computedAt time.Time, ok bool, err error) {
	var raw string
	err = d.QueryRow(ctx, "SELECT result, computed_at FROM survey_analyses WHERE survey_id = ? AND kind = ?", surveyID, kind).Scan(&raw, &computedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return computedAt, false, nil
	}
	if err != nil {
		return computedAt, false, err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return computedAt, false, fmt.Errorf("cached %s analysis of survey %d: %w", kind, surveyID, err)
	}
	return computedAt, true, nil
}

// DriverAnalysis returns the latest key-driver analysis of a survey, nil if none is computed
// yet (the survey is then queued for the worker). It never computes. The caller has checked
// that the principal may read the survey.
func (s *Service) DriverAnalysis(ctx context.Context, surveyID int64) (*DriverResult, error) {
	var r DriverResult
	_, ok, err := cachedAnalysis(ctx, s.DB, surveyID, AnalysisDrivers, &r)
	if err != nil {
		return nil, err
	}
	if !ok {
		if s.Analyses != nil {
			s.Analyses.MarkDirty([]int64{surveyID})
		}
		return nil, nil
	}
	return &r, nil
}

// scaleCol is one scale question read for analysis.
type scaleCol struct {
	ID       string
	Label    string
	Min, Max int
}

// missing marks a scale answer that is absent or "not applicable".
const missing = 0xFF

// noCategory marks a respondent without a category of a weighting variable.
const noCategory = 0xFFFF

// analysisData holds the responses of a survey compactly: one byte per scale answer (the
// point minus the scale's Min, or missing) and two per weighting variable (the category's
// index, or noCategory).
type analysisData struct {
	cols []scaleCol
	vals []uint8 // n × len(cols)
	vars []weightVar
	cats []uint16 // n × len(vars)
	n    int
}

func (d *analysisData) val(i, c int) uint8 { return d.vals[i*len(d.cols)+c] }

func (d *analysisData) col(id string) int {
	for i, c := range d.cols {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// analysisCols lists the scale questions of the questionnaire that are analysed: overall,
// the drivers, and every other scale question with a headline metric.
func analysisCols(q forms.Questionnaire) []scaleCol {
	var out []scaleCol
	for _, qu := range q.Questions {
		if qu.Type != forms.Scale || qu.Max <= qu.Min || qu.Max-qu.Min >= missing {
			continue
		}
		if qu.ID != QOverall && !slices.Contains(Drivers, qu.ID) && len(MetricsOf(qu)) == 0 {
			continue
		}
		out = append(out, scaleCol{ID: qu.ID, Label: qu.Text, Min: qu.Min, Max: qu.Max})
	}
	return out
}

// read streams a survey's responses in id order, chunk by chunk from the read pool, keeping
// only the analysed scale answers and the weighting variables.
func (a *Analyses) read(ctx context.Context, sv Survey, spec *weightSpec) (*analysisData, error) {
	data := &analysisData{cols: analysisCols(sv.Questionnaire)}
	if spec != nil {
		data.vars = spec.Vars
	}
	var expect int64
	if err := a.DB.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM survey_counts WHERE survey_id = ? AND question = ''", sv.ID).Scan(&expect); err != nil {
		return nil, err
	}
	if expect > 0 && expect < 1<<24 {
		data.vals = make([]uint8, 0, int(expect)*len(data.cols))
		data.cats = make([]uint16, 0, int(expect)*len(data.vars))
	}
	chunk := a.Chunk
	if chunk <= 0 {
		chunk = analysisChunk
	}
	raw := map[string]json.RawMessage{}
	var after int64
	for {
		got := 0
		err := db.Each(ctx, a.DB, `SELECT id, channel, COALESCE(place_id, 0), answers FROM survey_responses
			WHERE survey_id = ? AND id > ? ORDER BY id LIMIT ?`, []any{sv.ID, after, chunk}, func(rows *sql.Rows) error {
			var id, place int64
			var channel string
			var answers []byte
			if err := rows.Scan(&id, &channel, &place, &answers); err != nil {
				return err
			}
			after, got = id, got+1
			clear(raw)
			if err := json.Unmarshal(answers, &raw); err != nil {
				return fmt.Errorf("response %d: %w", id, err)
			}
			for _, c := range data.cols {
				data.vals = append(data.vals, scalePoint(raw[c.ID], c))
			}
			for _, v := range data.vars {
				var value string
				switch v.Key {
				case WeightPlace:
					if place != 0 {
						value = strconv.FormatInt(place, 10)
					}
				case WeightChannel:
					value = channel
				default:
					value = choiceValue(raw[v.Key])
				}
				data.cats = append(data.cats, v.category(value))
			}
			data.n++
			return nil
		})
		if err != nil {
			return nil, err
		}
		if got < chunk {
			return data, nil
		}
		runtime.Gosched() // low priority: let the requests run between chunks
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// scalePoint is a stored scale answer as its offset from the scale's Min, or missing (absent,
// "not applicable", or outside the scale of the current version).
func scalePoint(raw json.RawMessage, c scaleCol) uint8 {
	if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' {
		return missing
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) {
		return missing
	}
	p := int(math.Round(f))
	if p < c.Min || p > c.Max {
		return missing
	}
	return uint8(p - c.Min)
}

// choiceValue is a stored single-choice answer ("" when absent or not applicable).
func choiceValue(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || s == forms.NA {
		return ""
	}
	return s
}

// computeDrivers runs the key-driver analysis on the data: the LMG shares of R² of overall
// satisfaction on the drivers from the (weighted) correlation matrix of every complete
// response, percentile bootstrap intervals from a uniform random sample of at most maxSample
// of them, each driver's performance index, and its quadrant. weights (nil: unweighted) come
// from computeWeighted.
func computeDrivers(data *analysisData, weights []float64, wr *WeightedResult, reps, maxSample int, seed uint64) *DriverResult {
	res := &DriverResult{Weighting: "unweighted", Conf: stats.Confidence, Drivers: []DriverFigure{}}
	if weights != nil {
		res.Weighted, res.Weighting = true, wr.Method
	} else if wr != nil && wr.Error != "" {
		res.Weighting = "unweighted (weighting could not be computed: " + wr.Error + ")"
	}
	y := data.col(QOverall)
	var xs []int
	for _, id := range Drivers {
		if c := data.col(id); c >= 0 {
			xs = append(xs, c)
		}
	}
	if y < 0 || len(xs) == 0 {
		res.Error = "This survey has no overall satisfaction question or no driver questions to analyse."
		return res
	}
	use := append([]int{y}, xs...)
	weightOf := func(i int) float64 {
		if weights == nil {
			return 1
		}
		return weights[i]
	}
	complete := func(i int) bool {
		if weightOf(i) <= 0 {
			return false
		}
		for _, c := range use {
			if data.val(i, c) == missing {
				return false
			}
		}
		return true
	}
	// Performance: each driver's index over every response that rated it.
	perf := make([]float64, len(xs))
	perfN := make([]int, len(xs))
	for j, c := range xs {
		sw, swx := 0.0, 0.0
		span := float64(data.cols[c].Max - data.cols[c].Min)
		for i := range data.n {
			v := data.val(i, c)
			if v == missing || weightOf(i) <= 0 {
				continue
			}
			w := weightOf(i)
			sw += w
			swx += w * float64(v) / span * 100
			perfN[j]++
		}
		if sw > 0 {
			perf[j] = swx / sw
		}
	}
	// The correlation matrix of every complete response, in two passes (weighted means, then
	// centred cross-products), as stats.WeightedCorrelation computes it with listwise deletion.
	k := len(use)
	mean := make([]float64, k)
	sw, n := 0.0, 0
	for i := range data.n {
		if !complete(i) {
			continue
		}
		w := weightOf(i)
		for j, c := range use {
			mean[j] += w * float64(data.val(i, c))
		}
		sw += w
		n++
	}
	res.N = n
	if n < DriverMinResponses {
		res.Error = fmt.Sprintf("Key-driver analysis needs at least %d responses that answered overall satisfaction and every driver; there are %d so far.", DriverMinResponses, n)
		return res
	}
	for j := range mean {
		mean[j] /= sw
	}
	cov := make([][]float64, k)
	for j := range cov {
		cov[j] = make([]float64, k)
	}
	dev := make([]float64, k)
	for i := range data.n {
		if !complete(i) {
			continue
		}
		w := weightOf(i)
		for j, c := range use {
			dev[j] = float64(data.val(i, c)) - mean[j]
		}
		for j := range k {
			for l := 0; l <= j; l++ {
				cov[j][l] += w * dev[j] * dev[l]
			}
		}
	}
	corr := make([][]float64, k)
	for j := range corr {
		corr[j] = make([]float64, k)
		if cov[j][j] <= 1e-12*sw {
			res.Error = fmt.Sprintf("Everyone who answered gave the same rating to “%s”, so its importance cannot be estimated.", data.cols[use[j]].Label)
			return res
		}
	}
	for j := range k {
		corr[j][j] = 1
		for l := 0; l < j; l++ {
			r := max(-1, min(1, cov[j][l]/math.Sqrt(cov[j][j]*cov[l][l])))
			corr[j][l], corr[l][j] = r, r
		}
	}
	local := make([]int, len(xs))
	for j := range local {
		local[j] = j + 1
	}
	shares, r2, err := stats.LMG(corr, 0, local)
	if err != nil {
		res.Error = driverError(err)
		return res
	}
	// The bootstrap sample: a uniform random sample (reservoir sampling) of the complete
	// responses, at most maxSample.
	if maxSample <= 0 {
		maxSample = DriverMaxSample
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b6461))
	sample := make([]int32, 0, min(n, maxSample))
	seen := 0
	for i := range data.n {
		if !complete(i) {
			continue
		}
		seen++
		if len(sample) < maxSample {
			sample = append(sample, int32(i))
		} else if r := rng.IntN(seen); r < maxSample {
			sample[r] = int32(i)
		}
	}
	rows := make([][]float64, len(sample))
	var sw8 []float64
	if weights != nil {
		sw8 = make([]float64, len(sample))
	}
	for s, i := range sample {
		row := make([]float64, k)
		for j, c := range use {
			row[j] = float64(data.val(int(i), c))
		}
		rows[s] = row
		if sw8 != nil {
			sw8[s] = weights[i]
		}
	}
	if reps < 2 {
		reps = DriverReplicates
	}
	boot, err := stats.LMGBootstrap(rows, sw8, 0, local, reps, int64(seed), stats.Confidence)
	if err != nil {
		res.Error = driverError(err)
		return res
	}
	quad := stats.Quadrant(shares, perf)
	res.R2, res.R2Lo, res.R2Hi = r2, boot.R2Lo, boot.R2Hi
	res.Replicates, res.Failed, res.Sample = boot.Reps, boot.Failed, len(sample)
	for j, c := range xs {
		f := DriverFigure{ID: data.cols[c].ID, Label: data.cols[c].Label, Name: DriverName(data.cols[c].ID), Importance: shares[j],
			Lower: boot.Lo[j], Upper: boot.Hi[j], Performance: perf[j], PerformanceN: perfN[j],
			Quadrant: quad[j], Caption: QuadrantCaption(quad[j])}
		if r2 > 0 {
			f.Share = shares[j] / r2
		}
		res.Drivers = append(res.Drivers, f)
		res.MeanImportance += shares[j] / float64(len(xs))
		res.MeanPerformance += perf[j] / float64(len(xs))
	}
	slices.SortStableFunc(res.Drivers, func(a, b DriverFigure) int {
		switch {
		case a.Importance > b.Importance:
			return -1
		case a.Importance < b.Importance:
			return 1
		}
		return 0
	})
	return res
}

// driverError says in plain words why the driver analysis failed.
func driverError(err error) string {
	switch {
	case errors.Is(err, stats.ErrDriverSingular):
		return "Some drivers are answered so alike that their separate importance cannot be told apart."
	case errors.Is(err, stats.ErrDriverZeroVariance):
		return "A question was given the same rating by everyone, so importances cannot be estimated."
	case errors.Is(err, stats.ErrTooFew):
		return "There are too few responses to estimate importances."
	}
	return "The key-driver analysis could not be computed: " + err.Error()
}
