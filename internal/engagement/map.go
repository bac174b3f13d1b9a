package engagement

// The opinion map of an engagement, computed in the background.
//
// Votes commit in batches (votes.go); after each batch the service's OnVotes hook marks the
// engagement's map dirty (StartMaps installs MarkMapDirty there). One goroutine, the map
// worker, recomputes dirty maps one at a time, each engagement at most once every
// MapWorker.Interval (5 s unless set), never on the request path. A computation reads the
// statements on show and streams the votes on the read pool (never the write connection) into
// compact int32/int32/int8 triples, runs stats.BuildOpinionMap with one goroutine (the other
// core stays with the site), and stores the result as JSON in engagement_maps with
// computed_at and the counts of participants and votes. Pages and the API read the stored
// result (parsed once per computation and kept in memory) and drop statements that are no
// longer on show.
//
// The number of groups is kept steady between computations by stats.GroupSmoother, whose
// state is stored in the result (so a restart keeps it), and the previous map's axes start
// the next power iteration (a recomputation converges in a few passes).

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/stats"
)

// DefaultMapInterval is the least time between two computations of one engagement's map.
const DefaultMapInterval = 5 * time.Second

// Limits of what the map lists.
const (
	MapConsensusMax = 5 // statements all groups agree on (and, as many, all disagree with)
	MapDivisiveMax  = 5 // statements that divide the groups
)

// ---- the result ----

// MapView is an engagement's opinion map as the pages and the API show it.
//
// ComputedAt is null until the map is first computed (Message then says so); the API answers
// 200 with it, never 404, for an engagement that runs a map. Proportions are between 0 and 1.
type MapView struct {
	EngagementID int64      `json:"engagement_id"`
	ComputedAt   *time.Time `json:"computed_at"`
	// Message explains an empty or partial map in plain words ("" when there are groups).
	Message string `json:"message,omitempty"`
	// Participants voted on at least one statement on show; OnMap of them voted on enough
	// (MinVotes, or every statement when there are fewer) to be placed on the map.
	Participants int `json:"participants"`
	OnMap        int `json:"participants_on_map"`
	Votes        int `json:"votes"`
	MinVotes     int `json:"min_votes"`
	// Statements on show when the map was computed (and still on show), in ID order.
	Statements []MapStatement `json:"statements"`
	// Groups by decreasing size; a group's id is its index, its label a letter.
	Groups []MapGroup `json:"groups"`
	// Consensus: statements every group agrees with (direction "agree") or every group
	// disagrees with ("disagree"), by group-informed consensus.
	Consensus []MapConsensus `json:"consensus"`
	// Divisive: statements a group mostly agrees with and another mostly disagrees with,
	// widest gap first.
	Divisive []MapDivisive `json:"divisive"`
	// Silhouettes of each number of groups tried; BestK scored best this time (the groups
	// shown change only when another number wins several computations in a row).
	Silhouettes []MapCandidate `json:"silhouettes"`
	BestK       int            `json:"best_k"`
	// Points are the participants' places on the map with their group, without who they are
	// (only with ?points=1).
	Points []MapPoint `json:"points,omitempty"`
}

// MapStatement is a statement with its votes and its place in the map.
type MapStatement struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
	// Votes from everyone who voted on it (on the map or not).
	Agree    int `json:"agree"`
	Disagree int `json:"disagree"`
	Pass     int `json:"pass"`
	// Extremity is how far the statement pulls along the map's axes (root mean square 1).
	Extremity float64 `json:"extremity"`
	// Group-informed consensus: Π over groups of (A_g+1)/(S_g+2), and likewise for disagreement.
	ConsensusAgree    float64 `json:"consensus_agree"`
	ConsensusDisagree float64 `json:"consensus_disagree"`
	// Loadings on the two axes.
	Loadings [2]float64 `json:"loadings"`
	// Groups: the votes of each group's members.
	Groups []GroupVotes `json:"groups"`
}

// GroupVotes counts one group's votes on a statement.
type GroupVotes struct {
	Group    int `json:"group"`
	Votes    int `json:"votes"`
	Agree    int `json:"agree"`
	Disagree int `json:"disagree"`
	Pass     int `json:"pass"`
}

// MapGroup is an opinion group.
type MapGroup struct {
	ID    int     `json:"id"`
	Label string  `json:"label"`
	Size  int     `json:"size"`
	Share float64 `json:"share"` // of the participants on the map
	// Centre is the mean place of its members.
	Centre [2]float64 `json:"centre"`
	// Representative statements: where the group differs most from everyone else, best first.
	Representative []MapRepresentative `json:"representative"`
}

// MapRepresentative is a statement that sets a group apart.
type MapRepresentative struct {
	Statement int64  `json:"statement"`
	Text      string `json:"text"`
	// Direction is "agree" when the group agrees more than the rest, "disagree" when it
	// disagrees more.
	Direction string `json:"direction"`
	// Agree and Disagree are the shares of the group's votes on it; RestAgree and
	// RestDisagree those of everyone else on the map.
	Agree        float64 `json:"agree"`
	Disagree     float64 `json:"disagree"`
	RestAgree    float64 `json:"rest_agree"`
	RestDisagree float64 `json:"rest_disagree"`
	Votes        int     `json:"votes"`
	// P and PRest are the smoothed proportions (x+1)/(n+2) in the direction, Ratio = P/PRest,
	// Z the two-proportion z statistic (significant at 95 % one-sided when ≥ 1.645).
	P     float64 `json:"p"`
	PRest float64 `json:"p_rest"`
	Ratio float64 `json:"ratio"`
	Z     float64 `json:"z"`
}

// MapConsensus is a statement on which every group leans the same way.
type MapConsensus struct {
	Statement int64   `json:"statement"`
	Text      string  `json:"text"`
	Direction string  `json:"direction"`
	Agree     float64 `json:"agree"`    // share of everyone on the map who voted on it
	Disagree  float64 `json:"disagree"` // likewise
	Consensus float64 `json:"consensus"`
	// Groups: each group's shares.
	Groups []GroupShare `json:"groups"`
}

// MapDivisive is a statement that divides the groups.
type MapDivisive struct {
	Statement int64  `json:"statement"`
	Text      string `json:"text"`
	// Spread is the gap between the most and the least agreeing group's smoothed agreement.
	Spread float64      `json:"spread"`
	Groups []GroupShare `json:"groups"`
}

// GroupShare is how one group voted on a statement.
type GroupShare struct {
	Group    int     `json:"group"`
	Label    string  `json:"label"`
	Votes    int     `json:"votes"`
	Agree    float64 `json:"agree"`
	Disagree float64 `json:"disagree"`
}

// MapCandidate is a number of groups tried, with its mean silhouette.
type MapCandidate struct {
	K          int     `json:"k"`
	Silhouette float64 `json:"silhouette"`
}

// MapPoint is a participant's place on the map (no identity).
type MapPoint struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Group int     `json:"group"`
}

// GroupLabel names group g: A, B, C …
func GroupLabel(g int) string {
	if g < 0 {
		return ""
	}
	if g < 26 {
		return string(rune('A' + g))
	}
	return fmt.Sprintf("G%d", g+1)
}

// storedMap is what engagement_maps.result holds: the view plus what only the server needs.
// Points and members are packed (see packPoints, packMembers) so that reading the statements'
// extremities (statements.go) does not parse thousands of numbers.
type storedMap struct {
	MapView
	Smoother smootherState `json:"smoother"`
	// PointsPacked: the points, 9 bytes each (x, y as float32, group), base64.
	PointsPacked string `json:"points_packed,omitempty"`
	// MembersPacked: the participants on the map by ID with their group (for the exports'
	// group-id; never served), base64 of uvarint ID gaps and group bytes.
	MembersPacked string `json:"members_packed,omitempty"`
}

// smootherState is a stats.GroupSmoother's state: its current number of groups, and the
// challenger that has won the last Streak computations.
type smootherState struct {
	Current   int `json:"current"`
	Candidate int `json:"candidate,omitempty"`
	Streak    int `json:"streak,omitempty"`
}

// smoother rebuilds the GroupSmoother: the current k first, then the challenger's wins.
func (st smootherState) smoother() *stats.GroupSmoother {
	g := &stats.GroupSmoother{}
	if st.Current > 0 {
		g.Update(st.Current)
		if st.Candidate > 0 && st.Candidate != st.Current {
			for range st.Streak {
				g.Update(st.Candidate)
			}
		}
	}
	return g
}

// after is the state once Update(best) has answered current: the rules of
// stats.GroupSmoother, followed from outside (it keeps its state to itself).
func (st smootherState) after(best, current int) smootherState {
	switch {
	case current != st.Current || best == current:
		return smootherState{Current: current}
	case best == st.Candidate:
		return smootherState{Current: current, Candidate: best, Streak: st.Streak + 1}
	}
	return smootherState{Current: current, Candidate: best, Streak: 1}
}

func packPoints(ps []MapPoint) string {
	b := make([]byte, 0, 9*len(ps))
	for _, p := range ps {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(p.X)))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(p.Y)))
		b = append(b, byte(p.Group))
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

func unpackPoints(s string) []MapPoint {
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	out := make([]MapPoint, 0, len(b)/9)
	for ; len(b) >= 9; b = b[9:] {
		out = append(out, MapPoint{X: float64(math.Float32frombits(binary.LittleEndian.Uint32(b))),
			Y: float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))), Group: int(b[8])})
	}
	return out
}

// packMembers packs (participant ID, group) pairs sorted by ID.
func packMembers(ids []int64, groups []int) string {
	var b []byte
	var prev int64
	for i, id := range ids {
		b = binary.AppendUvarint(b, uint64(id-prev))
		b = append(b, byte(groups[i]))
		prev = id
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

func unpackMembers(s string) map[int64]int {
	out := map[int64]int{}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return out
	}
	var id int64
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 || len(b) < n+1 {
			break
		}
		id += int64(d)
		out[id] = int(b[n])
		b = b[n+1:]
	}
	return out
}

// ---- the worker ----

// MapWorker recomputes opinion maps in the background; its zero value is ready. Set Interval
// and Clock before StartMaps.
type MapWorker struct {
	// Interval is the least time between the starts of two computations of one engagement's
	// map (DefaultMapInterval when 0).
	Interval time.Duration
	// Clock tells the time for the interval and computed_at (db.Now when nil).
	Clock func() time.Time

	mu      sync.Mutex
	dirty   map[int64]bool
	last    map[int64]time.Time // when each engagement's last computation started
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	started bool

	compute sync.Mutex // one computation at a time
	runs    atomic.Int64

	cacheMu sync.Mutex
	cache   map[int64]*storedMap // parsed results by engagement, checked against computed_at
}

func (w *MapWorker) interval() time.Duration {
	if w.Interval > 0 {
		return w.Interval
	}
	return DefaultMapInterval
}

func (w *MapWorker) now() time.Time {
	if w.Clock != nil {
		return w.Clock().UTC().Truncate(time.Microsecond)
	}
	return db.Now()
}

// Computations is the number of maps computed so far.
func (w *MapWorker) Computations() int64 { return w.runs.Load() }

// MarkMapDirty asks for the engagement's map to be computed again (at once, or when its
// interval since the last computation has passed). It never blocks.
func (s *Service) MarkMapDirty(engagementID int64) {
	w := &s.Maps
	w.mu.Lock()
	if w.dirty == nil {
		w.dirty = map[int64]bool{}
	}
	w.dirty[engagementID] = true
	wake := w.wake
	w.mu.Unlock()
	if wake != nil {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// StartMaps starts the map worker and hooks it to the votes: every engagement voted on is
// marked dirty. Maps left stale by a restart (votes newer than the map) are marked at once.
// Call it once, before the server takes requests; StopMaps stops it.
func (s *Service) StartMaps() {
	w := &s.Maps
	w.mu.Lock()
	if w.started {
		w.mu.Unlock()
		return
	}
	w.started = true
	w.wake, w.quit, w.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	quit, done, wake := w.quit, w.done, w.wake
	w.mu.Unlock()
	prev := s.OnVotes
	s.OnVotes = func(id int64) {
		if prev != nil {
			prev(id)
		}
		s.MarkMapDirty(id)
	}
	go s.mapLoop(quit, done, wake)
}

// StopMaps stops the map worker, waiting for a computation under way to finish (reading is
// cancelled; the mathematics, a few seconds at most, is not).
func (s *Service) StopMaps() {
	w := &s.Maps
	w.mu.Lock()
	if !w.started || w.quit == nil {
		w.mu.Unlock()
		return
	}
	quit, done := w.quit, w.done
	w.quit = nil
	w.mu.Unlock()
	close(quit)
	<-done
}

func (s *Service) mapLoop(quit, done, wake chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := s.markStaleMaps(ctx); err != nil && ctx.Err() == nil {
		s.log().Warn("opinion maps: finding stale maps", "err", err)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		_, wait := s.runDueMaps(ctx)
		if ctx.Err() != nil {
			return
		}
		if wait < 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-quit:
			return
		case <-wake:
		case <-timer.C:
		}
	}
}

// markStaleMaps marks the maps older than their engagement's latest vote.
func (s *Service) markStaleMaps(ctx context.Context) error {
	var ids []int64
	err := db.Each(ctx, s.DB, `SELECT e.id FROM engagements e LEFT JOIN engagement_maps m ON m.engagement_id = e.id
		WHERE e.has_map = ? AND EXISTS (SELECT 1 FROM engagement_votes v WHERE v.engagement_id = e.id AND (m.computed_at IS NULL OR v.voted_at > m.computed_at))`,
		[]any{true}, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	for _, id := range ids {
		s.MarkMapDirty(id)
	}
	return err
}

// runDueMaps computes, one after another, every dirty map whose interval has passed. It
// returns how many it computed and how long until the next dirty map is due (−1: none).
func (s *Service) runDueMaps(ctx context.Context) (int, time.Duration) {
	w := &s.Maps
	ran := 0
	for ctx.Err() == nil {
		w.mu.Lock()
		now := w.now()
		iv := w.interval()
		var pick int64
		wait := time.Duration(-1)
		for id := range w.dirty {
			left := iv - now.Sub(w.last[id])
			if _, seen := w.last[id]; !seen || left <= 0 {
				if pick == 0 || id < pick {
					pick = id
				}
				continue
			}
			if wait < 0 || left < wait {
				wait = left
			}
		}
		if pick == 0 {
			// Forget when the others were computed once their interval has passed.
			for id, at := range w.last {
				if now.Sub(at) >= iv && !w.dirty[id] {
					delete(w.last, id)
				}
			}
			w.mu.Unlock()
			return ran, wait
		}
		delete(w.dirty, pick)
		w.mu.Unlock()
		if _, err := s.recompute(ctx, pick); err != nil && ctx.Err() == nil {
			if errors.Is(err, db.ErrNotFound) {
				continue // gone, or no longer runs a map
			}
			s.log().Warn("opinion map", "engagement", pick, "err", err)
			s.MarkMapDirty(pick) // try again after the interval
		}
		ran++
	}
	return ran, -1
}

// RecomputeMap computes the engagement's map now, whatever its interval (the demo, tests),
// and returns it as stored.
func (s *Service) RecomputeMap(ctx context.Context, engagementID int64) (MapView, error) {
	st, err := s.recompute(ctx, engagementID)
	if err != nil {
		return MapView{}, err
	}
	return st.MapView, nil
}

func (s *Service) recompute(ctx context.Context, engagementID int64) (*storedMap, error) {
	w := &s.Maps
	w.compute.Lock()
	defer w.compute.Unlock()
	at := w.now()
	w.mu.Lock()
	if w.last == nil {
		w.last = map[int64]time.Time{}
	}
	w.last[engagementID] = at
	w.mu.Unlock()
	e, err := s.Store.Engagement(ctx, s.DB, engagementID)
	if err != nil {
		return nil, err
	}
	if !e.HasMap {
		return nil, db.ErrNotFound
	}
	prev, err := s.readStoredMap(ctx, engagementID)
	if err != nil {
		return nil, err
	}
	st, err := s.buildMap(ctx, e, prev)
	if err != nil {
		return nil, err
	}
	st.ComputedAt = &at
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO engagement_maps (engagement_id, computed_at, participants, votes, result) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (engagement_id) DO UPDATE SET computed_at = excluded.computed_at, participants = excluded.participants,
			votes = excluded.votes, result = excluded.result`, engagementID, at, st.Participants, st.Votes, string(b))
		return err
	})
	if err != nil {
		return nil, db.MapError(err)
	}
	w.runs.Add(1)
	w.cacheMu.Lock()
	if w.cache == nil || len(w.cache) > 500 {
		w.cache = map[int64]*storedMap{}
	}
	w.cache[engagementID] = st
	w.cacheMu.Unlock()
	s.refreshExtremity(ctx, engagementID)
	return st, nil
}

// refreshExtremity has the statement picker read the new map's extremities.
func (s *Service) refreshExtremity(ctx context.Context, engagementID int64) {
	c := &s.p().stats
	c.mu.Lock()
	es := c.m[engagementID]
	c.mu.Unlock()
	if es != nil {
		s.loadExtremity(ctx, engagementID, es)
	}
}

// readStoredMap reads the stored map (nil when there is none).
func (s *Service) readStoredMap(ctx context.Context, engagementID int64) (*storedMap, error) {
	var result string
	var at time.Time
	err := s.DB.QueryRow(ctx, "SELECT computed_at, result FROM engagement_maps WHERE engagement_id = ?", engagementID).Scan(&at, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st storedMap
	if err := json.Unmarshal([]byte(result), &st); err != nil {
		return nil, fmt.Errorf("engagement %d: stored opinion map: %w", engagementID, err)
	}
	at = at.UTC()
	st.ComputedAt = &at
	return &st, nil
}

// storedMapOf returns the stored map, parsed once per computation.
func (s *Service) storedMapOf(ctx context.Context, engagementID int64) (*storedMap, error) {
	w := &s.Maps
	var at time.Time
	err := s.DB.QueryRow(ctx, "SELECT computed_at FROM engagement_maps WHERE engagement_id = ?", engagementID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	w.cacheMu.Lock()
	st := w.cache[engagementID]
	w.cacheMu.Unlock()
	if st != nil && st.ComputedAt != nil && st.ComputedAt.Equal(at) {
		return st, nil
	}
	st, err = s.readStoredMap(ctx, engagementID)
	if err != nil || st == nil {
		return st, err
	}
	w.cacheMu.Lock()
	if w.cache == nil || len(w.cache) > 500 {
		w.cache = map[int64]*storedMap{}
	}
	w.cache[engagementID] = st
	w.cacheMu.Unlock()
	return st, nil
}

// ---- the computation ----

// mapStatement is a statement on show, as the computation reads it.
type mapStatement struct {
	id   int64
	text string
}

// statementsOnShow lists the engagement's statements on show, in ID order.
func (s *Service) statementsOnShow(ctx context.Context, engagementID int64) ([]mapStatement, error) {
	var out []mapStatement
	err := db.Each(ctx, s.DB, "SELECT id, text FROM engagement_statements WHERE engagement_id = ? AND status = 'visible' ORDER BY id",
		[]any{engagementID}, func(rows *sql.Rows) error {
			var st mapStatement
			if err := rows.Scan(&st.id, &st.text); err != nil {
				return err
			}
			out = append(out, st)
			return nil
		})
	return out, err
}

// mapVotes are an engagement's votes as compact triples with dense indices.
type mapVotes struct {
	votes []stats.Vote
	pids  []int64 // participant row ID by index, ascending
}

// readVotes reads the votes on the statements in index (statement ID → index) from the read
// pool, in participant order, skipping votes on statements not in index. A row per vote costs
// about a microsecond in database/sql and the driver, so the query sends one row per
// participant: their votes packed as "4·statement + vote + 1" numbers joined by commas
// (group_concat on SQLite, string_agg on PostgreSQL), parsed here without allocating.
func (s *Service) readVotes(ctx context.Context, engagementID int64, index map[int64]int32, capHint int) (mapVotes, error) {
	mv := mapVotes{votes: make([]stats.Vote, 0, capHint)}
	agg := "group_concat(statement_id * 4 + vote + 1)"
	if s.DB.Dialect() == db.Postgres {
		agg = "string_agg((statement_id * 4 + vote + 1)::text, ',')"
	}
	var packed sql.RawBytes
	err := db.Each(ctx, s.DB, "SELECT participant_id, "+agg+" FROM engagement_votes WHERE engagement_id = ? GROUP BY participant_id ORDER BY participant_id",
		[]any{engagementID}, func(rows *sql.Rows) error {
			var pid int64
			if err := rows.Scan(&pid, &packed); err != nil {
				return err
			}
			p := int32(-1)
			var n int64
			digits := false
			flush := func() {
				if digits {
					sid, v := n>>2, n&3-1
					if j, ok := index[sid]; ok && v >= -1 && v <= 1 {
						if p < 0 {
							mv.pids = append(mv.pids, pid)
							p = int32(len(mv.pids) - 1)
						}
						mv.votes = append(mv.votes, stats.Vote{Participant: p, Statement: j, Value: stats.VoteValue(v)})
					}
				}
				n, digits = 0, false
			}
			for _, c := range packed {
				if c >= '0' && c <= '9' {
					n, digits = n*10+int64(c-'0'), true
					continue
				}
				flush()
			}
			flush()
			return nil
		})
	return mv, err
}

// buildMap computes the map of e, continuing from prev (its smoother and axes) when not nil.
func (s *Service) buildMap(ctx context.Context, e Engagement, prev *storedMap) (*storedMap, error) {
	sts, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int32, len(sts))
	for j, st := range sts {
		index[st.id] = int32(j)
	}
	capHint := 1024
	var smooth smootherState
	var warm [2][]float64
	if prev != nil {
		capHint += prev.Votes + prev.Votes/8
		smooth = prev.Smoother
		for k := range 2 {
			v := make([]float64, len(sts))
			found := false
			for _, ps := range prev.Statements {
				if j, ok := index[ps.ID]; ok && ps.Loadings[k] != 0 {
					v[j], found = ps.Loadings[k], true
				}
			}
			if found {
				warm[k] = v
			}
		}
	}
	mv, err := s.readVotes(ctx, e.ID, index, capHint)
	if err != nil {
		return nil, err
	}
	return composeMap(e.ID, sts, mv, smooth, warm)
}

// composeMap runs the statistics and writes the result.
func composeMap(engagementID int64, sts []mapStatement, mv mapVotes, smooth smootherState, warm [2][]float64) (*storedMap, error) {
	P, S := len(mv.pids), len(sts)
	sm := smooth.smoother()
	om, err := stats.BuildOpinionMap(P, S, mv.votes, stats.OpinionOptions{Seed: uint64(engagementID), WarmStart: warm, Smoother: sm, Workers: 1})
	if err != nil {
		return nil, err
	}
	st := &storedMap{MapView: MapView{EngagementID: engagementID, Participants: P, OnMap: om.IncludedCount, Votes: len(mv.votes),
		MinVotes: min(stats.MinVotesToInclude, S), BestK: om.BestK}}
	if len(om.Candidates) > 0 {
		st.Smoother = smooth.after(om.BestK, sm.Current())
	} else {
		st.Smoother = smooth
	}
	for _, c := range om.Candidates {
		st.Silhouettes = append(st.Silhouettes, MapCandidate{K: c.K, Silhouette: round4(c.Silhouette)})
	}
	K := om.K
	// Each group's votes on each statement (index K: everyone on the map).
	counts := make([]GroupVotes, (K+1)*S)
	for _, v := range mv.votes {
		g := om.Group[v.Participant]
		if g < 0 {
			continue
		}
		for _, c := range []*GroupVotes{&counts[g*S+int(v.Statement)], &counts[K*S+int(v.Statement)]} {
			c.Votes++
			switch v.Value {
			case stats.Agree:
				c.Agree++
			case stats.Disagree:
				c.Disagree++
			default:
				c.Pass++
			}
		}
	}
	gv := func(g, j int) GroupVotes { return counts[g*S+j] }
	share := func(x, n int) float64 {
		if n == 0 {
			return 0
		}
		return round4(float64(x) / float64(n))
	}
	st.Statements = make([]MapStatement, S)
	for j, s0 := range sts {
		ms := MapStatement{ID: s0.id, Text: s0.text, Agree: int(om.AgreeCount[j]), Disagree: int(om.DisagreeCount[j]), Pass: int(om.PassCount[j]),
			Extremity: round4(om.Extremity[j]), Groups: make([]GroupVotes, K)}
		if om.ConsensusAgree != nil {
			ms.ConsensusAgree, ms.ConsensusDisagree = round6(om.ConsensusAgree[j]), round6(om.ConsensusDisagree[j])
		}
		for k := range 2 {
			if om.Components[k] != nil {
				ms.Loadings[k] = round6(om.Components[k][j])
			}
		}
		for g := range K {
			ms.Groups[g] = gv(g, j)
			ms.Groups[g].Group = g
		}
		st.Statements[j] = ms
	}
	// Groups, their centres and representative statements.
	st.Groups = make([]MapGroup, K)
	for g := range K {
		st.Groups[g] = MapGroup{ID: g, Label: GroupLabel(g), Size: om.GroupSizes[g], Share: share(om.GroupSizes[g], om.IncludedCount),
			Representative: []MapRepresentative{}}
	}
	var ids []int64
	var groups []int
	for p, g := range om.Group {
		if g < 0 {
			continue
		}
		pt := om.Projections[p]
		st.Groups[g].Centre[0] += pt[0]
		st.Groups[g].Centre[1] += pt[1]
		st.Points = append(st.Points, MapPoint{X: pt[0], Y: pt[1], Group: g})
		ids = append(ids, mv.pids[p])
		groups = append(groups, g)
	}
	for g := range st.Groups {
		if n := float64(st.Groups[g].Size); n > 0 {
			st.Groups[g].Centre = [2]float64{round4(st.Groups[g].Centre[0] / n), round4(st.Groups[g].Centre[1] / n)}
		}
	}
	for g, reps := range om.Representatives {
		for _, r := range reps {
			in, all := gv(g, r.Statement), gv(K, r.Statement)
			rest := GroupVotes{Votes: all.Votes - in.Votes, Agree: all.Agree - in.Agree, Disagree: all.Disagree - in.Disagree}
			dir := "agree"
			if !r.Agree {
				dir = "disagree"
			}
			st.Groups[g].Representative = append(st.Groups[g].Representative, MapRepresentative{
				Statement: sts[r.Statement].id, Text: sts[r.Statement].text, Direction: dir,
				Agree: share(in.Agree, in.Votes), Disagree: share(in.Disagree, in.Votes),
				RestAgree: share(rest.Agree, rest.Votes), RestDisagree: share(rest.Disagree, rest.Votes), Votes: in.Votes,
				P: round4(r.P), PRest: round4(r.PRest), Ratio: round4(r.Ratio), Z: round4(r.Z)})
		}
	}
	groupShares := func(j int) []GroupShare {
		out := make([]GroupShare, K)
		for g := range K {
			c := gv(g, j)
			out[g] = GroupShare{Group: g, Label: GroupLabel(g), Votes: c.Votes, Agree: share(c.Agree, c.Votes), Disagree: share(c.Disagree, c.Votes)}
		}
		return out
	}
	st.Consensus, st.Divisive = consensusAndDivisive(K, S, gv, func(j int) (int64, string) { return sts[j].id, sts[j].text },
		om.ConsensusAgree, om.ConsensusDisagree, groupShares)
	// Points: by group, then across, so that their order says nothing of who they are.
	slices.SortFunc(st.Points, func(a, b MapPoint) int {
		if c := cmp.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		if c := cmp.Compare(a.X, b.X); c != 0 {
			return c
		}
		return cmp.Compare(a.Y, b.Y)
	})
	st.PointsPacked = packPoints(st.Points)
	st.Points = nil
	st.MembersPacked = packMembers(ids, groups)
	st.Message = mapMessage(st.MapView, S)
	return st, nil
}

// consensusAndDivisive picks the statements all groups lean the same way on, and those that
// divide them. A group leans towards agreement when most of its votes on the statement agree
// (equivalently (A+1)/(S+2) > ½); consensus needs every group to lean the same way and is
// ranked by the group-informed consensus. A statement divides when one group mostly agrees
// and another mostly disagrees, ranked by the gap between the groups' smoothed agreement.
func consensusAndDivisive(K, S int, gv func(g, j int) GroupVotes, stmt func(j int) (int64, string), ca, cd []float64,
	shares func(j int) []GroupShare) ([]MapConsensus, []MapDivisive) {
	cons, div := []MapConsensus{}, []MapDivisive{}
	if K == 0 || ca == nil {
		return cons, div
	}
	var agreeC, disagreeC []MapConsensus
	for j := range S {
		allA, allD, someA, someD := true, true, false, false
		lo, hi := math.Inf(1), math.Inf(-1)
		for g := range K {
			c := gv(g, j)
			a, d := 2*c.Agree > c.Votes, 2*c.Disagree > c.Votes
			allA, allD = allA && a, allD && d
			someA, someD = someA || a, someD || d
			p := stats.SmoothedProportion(c.Agree, c.Votes)
			lo, hi = min(lo, p), max(hi, p)
		}
		id, text := stmt(j)
		all := gv(K, j)
		mk := func(dir string, v float64) MapConsensus {
			return MapConsensus{Statement: id, Text: text, Direction: dir, Agree: ratio4(all.Agree, all.Votes), Disagree: ratio4(all.Disagree, all.Votes),
				Consensus: round6(v), Groups: shares(j)}
		}
		switch {
		case allA:
			agreeC = append(agreeC, mk("agree", ca[j]))
		case allD:
			disagreeC = append(disagreeC, mk("disagree", cd[j]))
		}
		if K >= 2 && someA && someD {
			div = append(div, MapDivisive{Statement: id, Text: text, Spread: round4(hi - lo), Groups: shares(j)})
		}
	}
	byConsensus := func(a, b MapConsensus) int {
		if c := cmp.Compare(b.Consensus, a.Consensus); c != 0 {
			return c
		}
		return cmp.Compare(a.Statement, b.Statement)
	}
	slices.SortStableFunc(agreeC, byConsensus)
	slices.SortStableFunc(disagreeC, byConsensus)
	cons = append(cons, agreeC[:min(len(agreeC), MapConsensusMax)]...)
	cons = append(cons, disagreeC[:min(len(disagreeC), MapConsensusMax)]...)
	slices.SortStableFunc(div, func(a, b MapDivisive) int {
		if c := cmp.Compare(b.Spread, a.Spread); c != 0 {
			return c
		}
		return cmp.Compare(a.Statement, b.Statement)
	})
	return cons, div[:min(len(div), MapDivisiveMax)]
}

// mapMessage explains a map without groups.
func mapMessage(v MapView, statements int) string {
	switch {
	case statements == 0:
		return "There are no statements on the opinion map yet."
	case v.Votes == 0:
		return "Nobody has voted yet: the map appears once people vote."
	case v.OnMap < 2:
		return fmt.Sprintf("Not enough votes yet: people are placed on the map once they have voted on %d statements, and %s so far.",
			v.MinVotes, plural(v.OnMap, "person has", "people have"))
	case len(v.Groups) < 2:
		return "Everyone on the map is in one group so far: no distinct groups of opinion have formed."
	}
	return ""
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func ratio4(x, n int) float64 {
	if n == 0 {
		return 0
	}
	return round4(float64(x) / float64(n))
}

// ---- reading ----

// OpinionMap returns the engagement's opinion map (key: ID or slug) as the public sees it:
// db.ErrNotFound when the engagement runs no map or the principal may not see it; a view with
// ComputedAt nil when the map is not computed yet. Statements taken off show since the
// computation are left out; points only when asked for.
func (s *Service) OpinionMap(ctx context.Context, key string, points bool) (Engagement, MapView, error) {
	e, err := s.mapEngagement(ctx, key, true)
	if err != nil {
		return Engagement{}, MapView{}, err
	}
	v, err := s.mapViewOf(ctx, e, points)
	return e, v, err
}

func (s *Service) mapViewOf(ctx context.Context, e Engagement, points bool) (MapView, error) {
	st, err := s.storedMapOf(ctx, e.ID)
	if err != nil {
		return MapView{}, err
	}
	if st == nil {
		return MapView{EngagementID: e.ID, MinVotes: stats.MinVotesToInclude, Statements: []MapStatement{}, Groups: []MapGroup{},
			Consensus: []MapConsensus{}, Divisive: []MapDivisive{}, Silhouettes: []MapCandidate{},
			Message: "The opinion map has not been computed yet: it is worked out a few seconds after votes arrive."}, nil
	}
	onShow, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		return MapView{}, err
	}
	text := make(map[int64]string, len(onShow))
	for _, o := range onShow {
		text[o.id] = o.text
	}
	v := st.MapView
	v.Statements = keepOnShow(st.Statements, text, func(x *MapStatement) *int64 { return &x.ID }, func(x *MapStatement) *string { return &x.Text })
	v.Groups = slices.Clone(st.Groups)
	for g := range v.Groups {
		v.Groups[g].Representative = keepOnShow(v.Groups[g].Representative, text,
			func(x *MapRepresentative) *int64 { return &x.Statement }, func(x *MapRepresentative) *string { return &x.Text })
	}
	v.Consensus = keepOnShow(st.Consensus, text, func(x *MapConsensus) *int64 { return &x.Statement }, func(x *MapConsensus) *string { return &x.Text })
	v.Divisive = keepOnShow(st.Divisive, text, func(x *MapDivisive) *int64 { return &x.Statement }, func(x *MapDivisive) *string { return &x.Text })
	if v.Silhouettes == nil {
		v.Silhouettes = []MapCandidate{}
	}
	v.Points = nil
	if points {
		v.Points = unpackPoints(st.PointsPacked)
		if v.Points == nil {
			v.Points = []MapPoint{}
		}
	}
	return v, nil
}

// keepOnShow copies the items whose statement is still on show, with its current text.
func keepOnShow[T any](xs []T, text map[int64]string, id func(*T) *int64, txt func(*T) *string) []T {
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if t, ok := text[*id(&x)]; ok {
			*txt(&x) = t
			out = append(out, x)
		}
	}
	return out
}

// mapMembers returns the group of each participant on the stored map (for the exports).
func (s *Service) mapMembers(ctx context.Context, engagementID int64) (map[int64]int, *storedMap, error) {
	st, err := s.storedMapOf(ctx, engagementID)
	if err != nil || st == nil {
		return map[int64]int{}, st, err
	}
	return unpackMembers(st.MembersPacked), st, nil
}
