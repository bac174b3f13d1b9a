package engagement

// Votes on opinion-map statements: agree, disagree or pass, one per participant and
// statement (a repeated vote replaces the earlier one).
//
// Votes are the busiest writes of the platform, so they are written by group commit
// (db.Batcher): each request hands its vote to the writer and is answered once the
// transaction holding it has committed. The request itself costs no query: the engagement,
// the statements on show and the participant's ID come from memory. The writer checks again,
// once per batch, that each engagement still takes input and each statement is still on show,
// creates the participants it does not know yet, reads the votes being replaced (so that the
// counts in memory move by the right amount) and writes the batch with one multi-row upsert.

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// VoteNames are the words of the votes, by stored value.
var VoteNames = map[int]string{VoteAgree: "agree", VoteDisagree: "disagree", VotePass: "pass"}

// ParseVoteValue reads "agree", "disagree" or "pass".
func ParseVoteValue(s string) (int, bool) {
	switch s {
	case "agree":
		return VoteAgree, true
	case "disagree":
		return VoteDisagree, true
	case "pass":
		return VotePass, true
	}
	return 0, false
}

// VoteResult is a stored vote.
type VoteResult struct {
	Statement int64  `json:"statement"`
	Vote      string `json:"vote"`
	Stored    bool   `json:"stored"`
}

// MaxVoteBody is the largest vote body read.
const MaxVoteBody = 4 << 10

// ParseVote reads a vote's JSON body. Malformed JSON, unknown fields or more than one value
// are a *api.BadRequest (400); a missing or wrong statement or vote is a valid.Errors (422).
func ParseVote(b []byte) (statementID int64, vote int, err error) {
	if len(b) > MaxVoteBody {
		return 0, 0, &api.BadRequest{Status: 413, Msg: fmt.Sprintf("The body is larger than %d bytes.", MaxVoteBody)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in struct {
		Statement json.RawMessage `json:"statement"`
		Vote      json.RawMessage `json:"vote"`
	}
	if err := dec.Decode(&in); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return 0, 0, api.Badf("The body is empty: send {\"statement\": <id>, \"vote\": \"agree\" | \"disagree\" | \"pass\"}.")
		case errors.As(err, &se):
			return 0, 0, api.Badf("The body is not valid JSON (at byte %d).", se.Offset)
		case errors.As(err, &te):
			return 0, 0, api.Badf("Send a JSON object: {\"statement\": <id>, \"vote\": \"agree\"}.")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := valid.Truncate(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), 60)
			return 0, 0, &api.BadRequest{Msg: fmt.Sprintf("The field %q is not known: send statement and vote.", f), Errors: map[string]string{f: "This field is not known."}}
		}
		return 0, 0, api.Badf("The body could not be read as JSON.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return 0, 0, api.Badf("Send a single JSON object: there is more after its end.")
	}
	errs := valid.Errors{}
	s := strings.TrimSpace(string(in.Statement))
	switch {
	case len(s) == 0 || s == "null":
		errs["statement"] = "Say which statement you are voting on: its id."
	default:
		s = strings.Trim(s, `"`)
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || n <= 0 {
			errs["statement"] = "Give the statement's id, a positive whole number."
		}
		statementID = n
	}
	var word string
	if len(in.Vote) == 0 || string(in.Vote) == "null" {
		errs["vote"] = "Say how you vote: agree, disagree or pass."
	} else if json.Unmarshal(in.Vote, &word) != nil {
		errs["vote"] = "Send the vote as a string: agree, disagree or pass."
	} else if v, ok := ParseVoteValue(word); !ok {
		errs["vote"] = "Vote agree, disagree or pass."
	} else {
		vote = v
	}
	if len(errs) > 0 {
		return 0, 0, errs
	}
	return statementID, vote, nil
}

// errNotOnShow refuses a vote on a statement that is not on show.
func errNotOnShow(id int64) error {
	return valid.Errors{"statement": fmt.Sprintf("Statement %d is not on this engagement's map: it may have been hidden by a moderator. Vote on another.", id)}
}

// Vote records a participant's vote (VoteAgree, VoteDisagree or VotePass) on a statement on
// show in an open engagement; a repeated vote replaces the earlier one. It returns once the
// vote is committed. Errors: db.ErrNotFound (no such engagement or map), *ClosedError,
// ErrNoParticipant, *FloodError (too fast, from the participant or from address), a
// valid.Errors on "statement" when the statement is not on show, db.ErrStopped at shutdown.
func (s *Service) Vote(ctx context.Context, key string, id Identity, address string, statementID int64, vote int) error {
	e, err := s.mapEngagement(ctx, key, true)
	if err != nil {
		return err
	}
	if err := checkOpen(e, s.Now()); err != nil {
		return err
	}
	if !id.Known() {
		return ErrNoParticipant
	}
	if _, ok := VoteNames[vote]; !ok {
		return valid.Errors{"vote": "Vote agree, disagree or pass."}
	}
	es, err := s.engStats(ctx, e.ID)
	if err != nil {
		return err
	}
	if !es.isVisible(statementID) {
		return errNotOnShow(statementID)
	}
	if err := s.checkFlood(id, address); err != nil {
		return err
	}
	p := s.p()
	it := &voteItem{engagementID: e.ID, statementID: statementID, hash: id.Hash, userID: id.UserID, vote: vote, at: db.Now(),
		participantID: p.people.get(e.ID, id.Hash)}
	res, err := p.votes.b.Submit(ctx, it)
	if err != nil {
		return err
	}
	return res.err
}

// ---- the writer ----

type voteWriter struct {
	b *db.Batcher[*voteItem, voteResult]
}

func (vw *voteWriter) init(s *Service) {
	b := db.NewBatcher(s.DB, s.writeVotes)
	b.MaxBatch = 1000
	b.Log = s.log()
	b.OnCommit = s.votesCommitted
	if s.DB != nil && s.DB.Dialect() == db.Postgres {
		// Concurrent writers may meet on a new participant or a pair of rows: try again.
		b.Retry = func(err error) bool { return !errors.Is(err, context.Canceled) }
	}
	b.Start()
	vw.b = b
}

func (vw *voteWriter) stop() {
	if vw.b != nil {
		vw.b.Stop()
	}
}

// voteItem is one vote on its way to the database. The writer fills the fields below the
// line (again on each attempt).
type voteItem struct {
	engagementID  int64
	statementID   int64
	hash          string
	userID        int64
	participantID int64 // from the cache; 0: find or create by hash
	vote          int
	at            time.Time

	pid     int64 // the participant
	stored  bool
	hadOld  bool // it replaced an earlier vote …
	old     int  // … this one
	refusal error
}

type voteResult struct{ err error }

type votePair struct{ statement, participant int64 }

// writeVotes writes a batch of votes in tx.
func (s *Service) writeVotes(ctx context.Context, tx *db.Tx, items []*voteItem) ([]voteResult, error) {
	for _, it := range items {
		it.pid, it.stored, it.hadOld, it.old, it.refusal = it.participantID, false, false, 0, nil
	}
	now := s.Now()
	// The statements still on show, and whether their engagements still take input: one query.
	var stmtIDs []int64
	for _, it := range items {
		stmtIDs = append(stmtIDs, it.statementID)
	}
	stmtIDs = uniqueSorted(stmtIDs)
	onShow := map[int64]int64{}
	closed := map[int64]error{}
	err := db.InBatches(stmtIDs, func(args []any, ph string) error {
		return db.Each(ctx, tx, `SELECT st.id, e.id, e.status, e.opens_on, e.closes_on, e.archived_at FROM engagement_statements st
			JOIN engagements e ON e.id = st.engagement_id WHERE st.status = 'visible' AND st.id IN (`+ph+")", args, func(rows *sql.Rows) error {
			var id int64
			var e Engagement
			var opens, closes, archived sql.Null[time.Time]
			if err := rows.Scan(&id, &e.ID, &e.Status, &opens, &closes, &archived); err != nil {
				return err
			}
			onShow[id] = e.ID
			if _, done := closed[e.ID]; !done {
				e.OpensOn, e.ClosesOn, e.ArchivedAt = fromNull(opens), fromNull(closes), ptrTime(archived)
				closed[e.ID] = checkOpen(e, now)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// Participants: create those not known yet.
	made := map[participantKey]int64{}
	var ok []*voteItem
	for _, it := range items {
		if onShow[it.statementID] != it.engagementID {
			it.refusal = errNotOnShow(it.statementID)
		} else if cerr := closed[it.engagementID]; cerr != nil {
			it.refusal = cerr
		}
		if it.refusal != nil {
			continue
		}
		if it.pid == 0 {
			k := participantKey{it.engagementID, it.hash}
			if id, done := made[k]; done {
				it.pid = id
			} else {
				id, err := ensureParticipant(ctx, tx, it.engagementID, it.hash, it.userID, "")
				if err != nil {
					return nil, err
				}
				made[k], it.pid = id, id
			}
		}
		ok = append(ok, it)
	}
	if len(ok) > 0 {
		// The votes being replaced.
		var pids, sids []int64
		for _, it := range ok {
			pids = append(pids, it.pid)
			sids = append(sids, it.statementID)
		}
		pids, sids = uniqueSorted(pids), uniqueSorted(sids)
		cur := map[votePair]int{}
		for start := 0; start < len(pids); start += 400 {
			pp := pids[start:min(start+400, len(pids))]
			for s0 := 0; s0 < len(sids); s0 += 400 {
				ss := sids[s0:min(s0+400, len(sids))]
				args := make([]any, 0, len(pp)+len(ss))
				for _, id := range pp {
					args = append(args, id)
				}
				for _, id := range ss {
					args = append(args, id)
				}
				err := db.Each(ctx, tx, "SELECT statement_id, participant_id, vote FROM engagement_votes WHERE participant_id IN ("+db.Placeholders(len(pp))+
					") AND statement_id IN ("+db.Placeholders(len(ss))+")", args, func(rows *sql.Rows) error {
					var p votePair
					var v int
					if err := rows.Scan(&p.statement, &p.participant, &v); err != nil {
						return err
					}
					cur[p] = v
					return nil
				})
				if err != nil {
					return nil, err
				}
			}
		}
		// In order: each vote replaces what was there, the last of a pair wins.
		final := map[votePair]*voteItem{}
		for _, it := range ok {
			p := votePair{it.statementID, it.pid}
			if v, had := cur[p]; had {
				it.hadOld, it.old = true, v
			}
			cur[p] = it.vote
			final[p] = it
			it.stored = true
		}
		pairs := make([]votePair, 0, len(final))
		for p := range final {
			pairs = append(pairs, p)
		}
		slices.SortFunc(pairs, func(a, b votePair) int {
			if c := cmp.Compare(a.statement, b.statement); c != 0 {
				return c
			}
			return cmp.Compare(a.participant, b.participant)
		})
		const perInsert = 400
		for start := 0; start < len(pairs); start += perInsert {
			chunk := pairs[start:min(start+perInsert, len(pairs))]
			var sb strings.Builder
			sb.WriteString("INSERT INTO engagement_votes (statement_id, participant_id, engagement_id, vote, voted_at) VALUES ")
			args := make([]any, 0, 5*len(chunk))
			for i, p := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?)")
				it := final[p]
				args = append(args, p.statement, p.participant, it.engagementID, it.vote, it.at)
			}
			sb.WriteString(" ON CONFLICT (statement_id, participant_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at")
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return nil, db.MapError(err)
			}
		}
	}
	out := make([]voteResult, len(items))
	for i, it := range items {
		out[i] = voteResult{err: it.refusal}
	}
	return out, nil
}

// votesCommitted runs after a batch commits: the counts in memory move, new participants are
// remembered, and OnVotes hears of each engagement voted on.
func (s *Service) votesCommitted(items []*voteItem, _ []voteResult) {
	p := s.p()
	byEng := map[int64][]*voteItem{}
	for _, it := range items {
		if !it.stored {
			continue
		}
		byEng[it.engagementID] = append(byEng[it.engagementID], it)
		if it.participantID == 0 {
			p.people.put(it.engagementID, it.hash, it.pid)
		}
	}
	for eid, its := range byEng {
		p.stats.mu.Lock()
		es := p.stats.m[eid]
		p.stats.mu.Unlock()
		if es != nil {
			es.mu.Lock()
			if !es.loaded {
				es.missed++
			} else {
				for _, it := range its {
					c := es.counts[it.statementID]
					c[voteIndex(it.vote)]++
					if it.hadOld {
						c[voteIndex(it.old)]--
					}
					es.counts[it.statementID] = c
				}
				if time.Since(es.countedAt) > recountAfter {
					es.loaded = false // counted again, from the table, on next use
				}
			}
			es.mu.Unlock()
		}
		if s.OnVotes != nil {
			s.OnVotes(eid)
		}
	}
}

func uniqueSorted(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}
