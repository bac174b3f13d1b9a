package engagement

// Opinion-map statements: participants add short statements (shown at once or after a
// moderator accepts them, as the owner chose), staff seed the first ones, and each participant
// is shown one statement at a time, chosen by Pol.is's priority.
//
// The statements on show and their vote counts are held in memory per engagement (statsCache):
// loaded once with one query for the statements and one grouped count of the votes, changed
// when a statement is added or moderated, and moved by each batch of votes after it commits.
// Choosing the next statement costs one indexed query (the participant's own votes).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/stats"
)

// MaxStatement is the most characters a statement may have.
const MaxStatement = 280

// NormalizeStatement tidies a statement as typed: invalid UTF-8 and control and format
// characters are dropped, every run of white space (line breaks included) becomes one space,
// and the ends are trimmed. Normalising twice changes nothing.
func NormalizeStatement(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case !unicode.IsPrint(r) || r == utf8.RuneError: // control, format, private use, unassigned
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// checkStatement checks a normalised statement: 1 to MaxStatement characters.
func checkStatement(text string) error {
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return valid.Errors{"text": "Write your statement: one short sentence that others can agree or disagree with."}
	case n > MaxStatement:
		return valid.Errors{"text": fmt.Sprintf("Use %d characters or fewer (this has %d): say one thing per statement.", MaxStatement, n)}
	}
	return nil
}

// ---- SQL ----

const statementCols = `st.id, st.engagement_id, COALESCE(st.participant_id, 0), st.text, st.status, st.reports, st.created_at,
	COALESCE(st.moderated_by, 0), st.moderated_at, st.moderation_reason`

// ModeratedStatement is a statement with its moderation record.
type ModeratedStatement struct {
	Statement
	ModeratedBy int64      `json:"-"`
	ModeratedAt *time.Time `json:"moderated_at,omitempty"`
	Reason      string     `json:"moderation_reason,omitempty"`
}

// AwaitingDecision reports whether the statement was hidden by reports and waits for a
// moderator.
func (m ModeratedStatement) AwaitingDecision() bool {
	return m.Status == StatementHidden && m.ModeratedBy == 0
}

func scanStatement(row interface{ Scan(...any) error }) (ModeratedStatement, error) {
	var m ModeratedStatement
	var at sql.Null[time.Time]
	err := row.Scan(&m.ID, &m.EngagementID, &m.ParticipantID, &m.Text, &m.Status, &m.Reports, &m.CreatedAt,
		&m.ModeratedBy, &at, &m.Reason)
	if err != nil {
		return m, db.MapError(err)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	m.ModeratedAt = ptrTime(at)
	m.Seed = m.ParticipantID == 0
	return m, nil
}

func statementByID(ctx context.Context, q db.Q, id int64) (ModeratedStatement, error) {
	return scanStatement(q.QueryRow(ctx, "SELECT "+statementCols+" FROM engagement_statements st WHERE st.id = ?", id))
}

// statementFilter selects statements for lists.
type statementFilter struct {
	Status   string // "" any
	Reported bool   // on show with reports, or hidden by reports awaiting a decision
	After    int64
	Limit    int
}

func listStatements(ctx context.Context, q db.Q, engagementID int64, f statementFilter) ([]ModeratedStatement, error) {
	conds := []string{"st.engagement_id = ?"}
	args := []any{engagementID}
	if f.Status != "" {
		conds = append(conds, "st.status = ?")
		args = append(args, f.Status)
	}
	if f.Reported {
		conds = append(conds, "((st.status = 'visible' AND st.reports > 0) OR (st.status = 'hidden' AND st.moderated_by IS NULL))")
	}
	if f.After > 0 {
		conds = append(conds, "st.id > ?")
		args = append(args, f.After)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100000
	}
	args = append(args, limit)
	var out []ModeratedStatement
	err := db.Each(ctx, q, "SELECT "+statementCols+" FROM engagement_statements st WHERE "+strings.Join(conds, " AND ")+" ORDER BY st.id LIMIT ?", args,
		func(rows *sql.Rows) error {
			m, err := scanStatement(rows)
			out = append(out, m)
			return err
		})
	return out, err
}

func insertStatement(ctx context.Context, q db.Q, engagementID, participantID int64, text, status string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO engagement_statements (engagement_id, participant_id, text, status, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		engagementID, nullID(participantID), text, status, db.Now()).Scan(&id)
	return id, db.MapError(err)
}

// participantVotes lists the statements a participant has voted on, with their votes.
func participantVotes(ctx context.Context, q db.Q, engagementID, participantID int64) (map[int64]int, error) {
	out := map[int64]int{}
	if participantID == 0 {
		return out, nil
	}
	err := db.Each(ctx, q, "SELECT statement_id, vote FROM engagement_votes WHERE engagement_id = ? AND participant_id = ?",
		[]any{engagementID, participantID}, func(rows *sql.Rows) error {
			var id int64
			var v int
			err := rows.Scan(&id, &v)
			out[id] = v
			return err
		})
	return out, err
}

// ---- the in-memory view of an engagement's statements ----

// statsCache holds an engStats per engagement with a map.
type statsCache struct {
	mu sync.Mutex
	m  map[int64]*engStats
}

// engStats is what the public routes need of an engagement's statements: those on show and
// the vote counts of every statement.
type engStats struct {
	loadMu sync.Mutex // one load at a time
	mu     sync.RWMutex
	loaded bool
	missed int // batches of votes that committed while not loaded (the load then runs again)

	visible     map[int64]stmtInfo
	ids         []int64           // visible statement IDs, ascending
	counts      map[int64][3]int  // agree, disagree, pass per statement
	extremity   map[int64]float64 // from the latest opinion map
	extremityAt time.Time
	countedAt   time.Time
}

type stmtInfo struct {
	Text      string
	Seed      bool
	CreatedAt time.Time
}

// extremityTTL is how often the extremities of the latest opinion map are read again.
const extremityTTL = time.Minute

// recountAfter is how old the vote counts may grow before a committed batch of votes has them
// counted again from the table (they are moved by every batch; this corrects any drift).
const recountAfter = 10 * time.Minute

// engStats returns the loaded view of an engagement's statements.
func (s *Service) engStats(ctx context.Context, engagementID int64) (*engStats, error) {
	c := &s.p().stats
	c.mu.Lock()
	if c.m == nil {
		c.m = map[int64]*engStats{}
	}
	es := c.m[engagementID]
	if es == nil {
		if len(c.m) >= 2000 {
			for id := range c.m { // forget the others' views; they load again when used
				if id != engagementID {
					delete(c.m, id)
				}
			}
		}
		es = &engStats{}
		c.m[engagementID] = es
	}
	c.mu.Unlock()
	es.mu.RLock()
	ok := es.loaded
	stale := ok && time.Since(es.extremityAt) > extremityTTL
	es.mu.RUnlock()
	if !ok {
		if err := s.loadStats(ctx, engagementID, es, true); err != nil {
			return nil, err
		}
	} else if stale {
		s.loadExtremity(ctx, engagementID, es)
	}
	return es, nil
}

// loadStats reads the statements on show and, when counts is set, every statement's votes.
func (s *Service) loadStats(ctx context.Context, engagementID int64, es *engStats, counts bool) error {
	es.loadMu.Lock()
	defer es.loadMu.Unlock()
	if counts {
		es.mu.RLock()
		done := es.loaded
		es.mu.RUnlock()
		if done {
			return nil
		}
	}
	for range 3 {
		es.mu.RLock()
		missed := es.missed
		es.mu.RUnlock()
		vis := map[int64]stmtInfo{}
		var ids []int64
		err := db.Each(ctx, s.DB, `SELECT id, text, participant_id IS NULL, created_at FROM engagement_statements WHERE engagement_id = ? AND status = 'visible' ORDER BY id`,
			[]any{engagementID}, func(rows *sql.Rows) error {
				var id int64
				var si stmtInfo
				if err := rows.Scan(&id, &si.Text, &si.Seed, &si.CreatedAt); err != nil {
					return err
				}
				si.CreatedAt = si.CreatedAt.UTC()
				vis[id] = si
				ids = append(ids, id)
				return nil
			})
		if err != nil {
			return err
		}
		var cs map[int64][3]int
		if counts {
			cs = map[int64][3]int{}
			err = db.Each(ctx, s.DB, "SELECT statement_id, vote, COUNT(*) FROM engagement_votes WHERE engagement_id = ? GROUP BY statement_id, vote",
				[]any{engagementID}, func(rows *sql.Rows) error {
					var id int64
					var v, n int
					if err := rows.Scan(&id, &v, &n); err != nil {
						return err
					}
					c := cs[id]
					c[voteIndex(v)] += n
					cs[id] = c
					return nil
				})
			if err != nil {
				return err
			}
		}
		es.mu.Lock()
		if counts && es.missed != missed {
			es.mu.Unlock()
			continue // votes committed while counting: count again
		}
		es.visible, es.ids = vis, ids
		if counts {
			es.counts, es.countedAt, es.loaded = cs, time.Now(), true
		}
		es.mu.Unlock()
		if counts {
			s.loadExtremity(ctx, engagementID, es)
		}
		return nil
	}
	return fmt.Errorf("engagement %d: the vote counts kept changing while being read", engagementID)
}

// loadExtremity reads the statements' extremities from the engagement's latest opinion map.
func (s *Service) loadExtremity(ctx context.Context, engagementID int64, es *engStats) {
	var result string
	err := s.DB.QueryRow(ctx, "SELECT result FROM engagement_maps WHERE engagement_id = ?", engagementID).Scan(&result)
	ext := map[int64]float64{}
	if err == nil {
		ext = extremityOf(result)
	} else if !errors.Is(err, sql.ErrNoRows) {
		s.log().WarnContext(ctx, "opinion map extremities", "engagement", engagementID, "err", err)
	}
	es.mu.Lock()
	es.extremity, es.extremityAt = ext, time.Now()
	es.mu.Unlock()
}

// extremityOf reads the extremity of each statement from an opinion map's stored JSON. It
// reads {"statements": [{"id": 12, "extremity": 0.8}, …]}; anything else gives none (every
// statement then counts as 0, as before the first map).
func extremityOf(result string) map[int64]float64 {
	var m struct {
		Statements []struct {
			ID        int64   `json:"id"`
			Extremity float64 `json:"extremity"`
		} `json:"statements"`
	}
	out := map[int64]float64{}
	if json.Unmarshal([]byte(result), &m) != nil {
		return out
	}
	for _, st := range m.Statements {
		if st.ID > 0 && !math.IsNaN(st.Extremity) && !math.IsInf(st.Extremity, 0) && st.Extremity >= 0 {
			out[st.ID] = st.Extremity
		}
	}
	return out
}

// refreshStatements reads an engagement's statements on show again after a change (a new
// statement, a moderator's decision, a statement hidden by reports).
func (s *Service) refreshStatements(engagementID int64) {
	c := &s.p().stats
	c.mu.Lock()
	es := c.m[engagementID]
	c.mu.Unlock()
	if es == nil {
		return
	}
	es.mu.RLock()
	loaded := es.loaded
	es.mu.RUnlock()
	if !loaded {
		return
	}
	if err := s.loadStats(context.Background(), engagementID, es, false); err != nil {
		s.log().Warn("statements on show", "engagement", engagementID, "err", err)
		es.mu.Lock()
		es.loaded = false // read everything again on next use
		es.mu.Unlock()
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func voteIndex(v int) int {
	switch v {
	case VoteAgree:
		return 0
	case VoteDisagree:
		return 1
	}
	return 2
}

// isVisible reports whether a statement of the engagement is on show.
func (es *engStats) isVisible(id int64) bool {
	es.mu.RLock()
	defer es.mu.RUnlock()
	_, ok := es.visible[id]
	return ok
}

// candidates lists the statements on show with their counts, in ID order.
func (es *engStats) candidates() []Candidate {
	es.mu.RLock()
	defer es.mu.RUnlock()
	out := make([]Candidate, 0, len(es.ids))
	for _, id := range es.ids {
		c := es.counts[id]
		out = append(out, Candidate{ID: id, Agree: c[0], Disagree: c[1], Pass: c[2], Extremity: es.extremity[id], CreatedAt: es.visible[id].CreatedAt})
	}
	return out
}

// fill sets the statement's counts from the view.
func (es *engStats) fill(st *Statement) {
	es.mu.RLock()
	defer es.mu.RUnlock()
	c := es.counts[st.ID]
	st.Agree, st.Disagree, st.Pass = c[0], c[1], c[2]
}

// ---- choosing the next statement ----

// Candidate is a statement that may be shown next, with its votes so far.
type Candidate struct {
	ID                    int64
	Agree, Disagree, Pass int
	Extremity             float64 // from the latest opinion map; 0 before the first
	CreatedAt             time.Time
}

// NewStatementBoost multiplies the priority of a statement added less than NewStatementAge
// ago, so that new statements are seen soon whatever their number of votes.
const (
	NewStatementBoost = 2.0
	NewStatementAge   = 24 * time.Hour
)

// Priority is how strongly a statement asks to be shown next, on day now: Pol.is's
// stats.StatementPriority, (importance × (1 + 8·2^(−S/5)))² with importance
// (1 − p_pass)(E + 1)p_agree — favouring statements with few votes (the boost falls by half
// every 5 votes, so under 5 votes it is strong) and those that divide opinion (E, the
// extremity on the map) — multiplied by NewStatementBoost while the statement is new.
func Priority(c Candidate, now time.Time) float64 {
	p := stats.StatementPriority(c.Agree, c.Disagree, c.Pass, c.Extremity)
	if !c.CreatedAt.IsZero() && now.Sub(c.CreatedAt) < NewStatementAge {
		p *= NewStatementBoost
	}
	return p
}

// PickNext chooses the statement to show a participant who has voted on those in voted: the
// one of highest priority among the rest, ties broken at random with intn (rand.IntN when
// nil). It reports false when none is left.
func PickNext(cs []Candidate, voted map[int64]int, now time.Time, intn func(int) int) (Candidate, bool) {
	if intn == nil {
		intn = rand.IntN
	}
	var best []Candidate
	top := math.Inf(-1)
	for _, c := range cs {
		if _, done := voted[c.ID]; done {
			continue
		}
		p := Priority(c, now)
		switch {
		case p > top*(1+1e-12) || len(best) == 0:
			best, top = append(best[:0], c), p
		case p >= top*(1-1e-12):
			best = append(best, c)
		}
	}
	if len(best) == 0 {
		return Candidate{}, false
	}
	return best[intn(len(best))], true
}

// ---- the service's part ----

// Next is the statement to show a participant, and how far they have got.
type Next struct {
	Statement *Statement `json:"statement"`
	// Voted is how many statements on show the participant has voted on, of Total.
	Voted int `json:"voted"`
	Total int `json:"total"`
}

// mapEngagement loads an engagement that runs an opinion map (db.ErrNotFound for one that
// does not, or that the principal may not see). cached reuses a copy read at most a second
// ago (the public fast paths).
func (s *Service) mapEngagement(ctx context.Context, key string, cached bool) (Engagement, error) {
	var e Engagement
	var err error
	if cached {
		e, err = s.cachedEngagement(ctx, key)
	} else {
		e, err = s.load(ctx, s.DB, key)
	}
	if err != nil {
		return Engagement{}, err
	}
	if !e.HasMap {
		return Engagement{}, db.ErrNotFound
	}
	return e, nil
}

// NextStatement chooses the statement to show the participant next (Next.Statement nil when
// they have voted on every statement on show).
func (s *Service) NextStatement(ctx context.Context, key string, id Identity) (Engagement, Next, error) {
	e, err := s.mapEngagement(ctx, key, true)
	if err != nil {
		return Engagement{}, Next{}, err
	}
	n, err := s.next(ctx, e, id)
	return e, n, err
}

func (s *Service) next(ctx context.Context, e Engagement, id Identity) (Next, error) {
	es, err := s.engStats(ctx, e.ID)
	if err != nil {
		return Next{}, err
	}
	voted := map[int64]int{}
	if id.Known() {
		pid := s.p().people.get(e.ID, id.Hash)
		if pid == 0 {
			if pid, err = participantID(ctx, s.DB, e.ID, id.Hash); err != nil {
				return Next{}, err
			}
			if pid != 0 {
				s.p().people.put(e.ID, id.Hash, pid)
			}
		}
		if voted, err = participantVotes(ctx, s.DB, e.ID, pid); err != nil {
			return Next{}, err
		}
	}
	cs := es.candidates()
	n := Next{Total: len(cs)}
	for _, c := range cs {
		if _, ok := voted[c.ID]; ok {
			n.Voted++
		}
	}
	c, ok := PickNext(cs, voted, s.Now(), nil)
	if !ok {
		return n, nil
	}
	es.mu.RLock()
	info := es.visible[c.ID]
	es.mu.RUnlock()
	n.Statement = &Statement{ID: c.ID, EngagementID: e.ID, Text: info.Text, Status: StatementVisible, Seed: info.Seed,
		Agree: c.Agree, Disagree: c.Disagree, Pass: c.Pass, CreatedAt: info.CreatedAt}
	return n, nil
}

// StatementAllowance is how many statements a participant has added and may still add.
type StatementAllowance struct {
	Added int `json:"added"`
	Left  int `json:"left"`
	Limit int `json:"limit"`
}

// Allowance says how many statements the participant has added to the engagement and how
// many more they may add.
func (s *Service) Allowance(ctx context.Context, e Engagement, id Identity) (StatementAllowance, error) {
	a := StatementAllowance{Limit: e.StatementLimit, Left: e.StatementLimit}
	if !id.Known() {
		return a, nil
	}
	pid := s.p().people.get(e.ID, id.Hash)
	if pid == 0 {
		var err error
		if pid, err = participantID(ctx, s.DB, e.ID, id.Hash); err != nil || pid == 0 {
			return a, err
		}
		s.p().people.put(e.ID, id.Hash, pid)
	}
	// engagement_id first, so that the statements index narrows the count to this engagement.
	err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM engagement_statements WHERE engagement_id = ? AND participant_id = ?", e.ID, pid).Scan(&a.Added)
	a.Left = max(0, a.Limit-a.Added)
	return a, err
}

// AddStatement adds a participant's statement to an open engagement's map: on show at once
// when it is moderated after, awaiting a moderator when before. A participant may add
// e.StatementLimit statements; a statement already on the map (or waiting) is refused.
func (s *Service) AddStatement(ctx context.Context, key string, id Identity, text string) (Statement, error) {
	e, err := s.mapEngagement(ctx, key, false)
	if err != nil {
		return Statement{}, err
	}
	if err := checkOpen(e, s.Now()); err != nil {
		return Statement{}, err
	}
	if !id.Known() {
		return Statement{}, ErrNoParticipant
	}
	text = NormalizeStatement(text)
	if err := checkStatement(text); err != nil {
		return Statement{}, err
	}
	status := StatementVisible
	if e.Moderation == ModeratePre {
		status = StatementPending
	}
	var st ModeratedStatement
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		pid, err := ensureParticipant(ctx, tx, e.ID, id.Hash, id.UserID, "")
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM engagement_statements WHERE engagement_id = ? AND participant_id = ?", e.ID, pid).Scan(&n); err != nil {
			return err
		}
		if n >= e.StatementLimit {
			return valid.Errors{"text": fmt.Sprintf("You have added %d statements, the most this engagement takes from one person. You can still vote on others' statements.", n)}
		}
		if err := checkDuplicate(ctx, tx, e.ID, text); err != nil {
			return err
		}
		sid, err := insertStatement(ctx, tx, e.ID, pid, text, status)
		if err != nil {
			return err
		}
		if st, err = statementByID(ctx, tx, sid); err != nil {
			return err
		}
		tx.AfterCommit(func() {
			s.p().people.put(e.ID, id.Hash, pid)
			if status == StatementVisible {
				s.refreshStatements(e.ID)
			}
		})
		return nil
	})
	return st.Statement, err
}

// checkDuplicate refuses a statement already on the map or awaiting a moderator (letter case
// aside).
func checkDuplicate(ctx context.Context, q db.Q, engagementID int64, text string) error {
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM engagement_statements WHERE engagement_id = ? AND status <> 'hidden' AND lower(text) = lower(?)",
		engagementID, text).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return valid.Errors{"text": "This statement is already on the map: vote on it instead, or say something different."}
	}
	return nil
}

// SeedStatement adds a statement from the engagement's owner (its managers), on show at once,
// so that the first participants have something to vote on. It is audited.
func (s *Service) SeedStatement(ctx context.Context, key, text string) (Statement, error) {
	e, err := s.mapEngagement(ctx, key, false)
	if err != nil {
		return Statement{}, err
	}
	if !CanManage(authz.From(ctx), e) {
		return Statement{}, audit.Deny(ctx, s.DB, "engagement.statement_seed", "engagement", e.ID)
	}
	if e.Status == StatusReported || e.ArchivedAt != nil {
		return Statement{}, &ClosedError{"The report of this engagement is published: its map takes no more statements."}
	}
	text = NormalizeStatement(text)
	if err := checkStatement(text); err != nil {
		return Statement{}, err
	}
	var st ModeratedStatement
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := checkDuplicate(ctx, tx, e.ID, text); err != nil {
			return err
		}
		sid, err := insertStatement(ctx, tx, e.ID, 0, text, StatementVisible)
		if err != nil {
			return err
		}
		if st, err = statementByID(ctx, tx, sid); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.refreshStatements(e.ID) })
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.statement_seed", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("statement %d: %s", sid, text)})
	})
	return st.Statement, err
}

// StatementStatuses a list may ask for ("all": every status).
var StatementStatuses = []string{StatementVisible, StatementPending, StatementHidden, "all"}

// Statements lists an engagement's statements with their vote counts, in ID order, after
// after and at most limit+1 (the extra one tells there is more). Everyone sees those on show;
// its moderators ask for other statuses ("pending", "hidden", "all").
func (s *Service) Statements(ctx context.Context, key, status string, after int64, limit int) ([]Statement, error) {
	e, err := s.mapEngagement(ctx, key, true)
	if err != nil {
		return nil, err
	}
	if status == "" {
		status = StatementVisible
	}
	if !validStatus(status) {
		return nil, valid.Errors{"status": "Choose visible, pending, hidden or all."}
	}
	if status != StatementVisible && !CanModerate(authz.From(ctx), e) {
		return nil, authz.ErrForbidden
	}
	es, err := s.engStats(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	f := statementFilter{Status: status, After: after, Limit: limit + 1}
	if status == "all" {
		f.Status = ""
	}
	ms, err := listStatements(ctx, s.DB, e.ID, f)
	if err != nil {
		return nil, err
	}
	out := make([]Statement, len(ms))
	for i, m := range ms {
		out[i] = m.Statement
		es.fill(&out[i])
	}
	return out, nil
}

func validStatus(s string) bool {
	for _, x := range StatementStatuses {
		if x == s {
			return true
		}
	}
	return false
}

// sortCandidates orders candidates by priority, highest first (for staff views and tests).
func sortCandidates(cs []Candidate, now time.Time) {
	sort.SliceStable(cs, func(i, j int) bool { return Priority(cs[i], now) > Priority(cs[j], now) })
}
