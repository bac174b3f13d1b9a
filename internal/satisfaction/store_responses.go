package satisfaction

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// ErrTokenUsed is the outcome of a response whose single-use token is unknown or spent.
var ErrTokenUsed = errors.New("this survey link has already been used or is not valid")

// Outcome is what became of one response handed to InsertResponses.
type Outcome struct {
	ID int64
	// Replayed: a response with the same idempotency key was already stored (ID is its id)
	// and nothing was written.
	Replayed bool
	// Err is set when this response alone was refused (ErrTokenUsed); the others are stored.
	Err error
}

type idemKey struct {
	survey int64
	k      string
}

// insertBatch is how many rows one INSERT statement carries.
const insertBatch = 400

// InsertResponses writes responses and their running counts in tx, the caller's transaction,
// and returns one outcome per response in order. Responses with an idempotency key already
// stored, or repeated within rs, are not written again. Ids are assigned here: on SQLite the
// transaction holds the only write lock, on PostgreSQL they come from the table's sequence.
func (Store) InsertResponses(ctx context.Context, tx *db.Tx, rs []Response) ([]Outcome, error) {
	out := make([]Outcome, len(rs))
	write := make([]int, 0, len(rs)) // indexes of rs to insert
	// Idempotency: keys already stored, then keys repeated inside this batch.
	seen := map[idemKey]int{}
	var keyed []int
	for i, r := range rs {
		if r.IdemKey != "" {
			keyed = append(keyed, i)
		}
	}
	if len(keyed) > 0 {
		stored, err := storedKeys(ctx, tx, rs, keyed)
		if err != nil {
			return nil, err
		}
		for _, i := range keyed {
			if id, ok := stored[idemKey{rs[i].SurveyID, rs[i].IdemKey}]; ok {
				out[i] = Outcome{ID: id, Replayed: true}
			}
		}
	}
	for i, r := range rs {
		if out[i].Replayed {
			continue
		}
		if r.IdemKey != "" {
			k := idemKey{r.SurveyID, r.IdemKey}
			if first, ok := seen[k]; ok {
				out[i] = Outcome{Replayed: true, ID: -1 - int64(first)} // resolved below
				continue
			}
			seen[k] = i
		}
		if r.TokenHash != "" {
			err := db.Affected(tx.Exec(ctx, "UPDATE survey_tokens SET used_at = ? WHERE token_hash = ? AND survey_id = ? AND used_at IS NULL",
				r.SubmittedAt, r.TokenHash, r.SurveyID))
			if errors.Is(err, db.ErrNotFound) {
				out[i] = Outcome{Err: ErrTokenUsed}
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		write = append(write, i)
	}
	if len(write) == 0 {
		return resolveRepeats(out), nil
	}
	ids, err := newIDs(ctx, tx, len(write))
	if err != nil {
		return nil, err
	}
	counts := map[countKey]int64{}
	for j := 0; j < len(write); j += insertBatch {
		end := min(j+insertBatch, len(write))
		var sb strings.Builder
		sb.WriteString("INSERT INTO survey_responses (id, survey_id, version, submitted_at, period, channel, place_id, link_id, answers, comment, idem_key) VALUES ")
		args := make([]any, 0, (end-j)*11)
		for k := j; k < end; k++ {
			i := write[k]
			r := rs[i]
			out[i].ID = ids[k]
			if k > j {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
			answers, comment, err := encodeAnswers(r)
			if err != nil {
				return nil, err
			}
			args = append(args, ids[k], r.SurveyID, r.Version, r.SubmittedAt, Period(r.SubmittedAt), r.Channel,
				nullID(r.PlaceID), nullID(r.LinkID), answers, comment, nullString(r.IdemKey))
			addCounts(counts, r)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return nil, fmt.Errorf("insert responses: %w", err)
		}
	}
	if err := upsertCounts(ctx, tx, counts); err != nil {
		return nil, err
	}
	return resolveRepeats(out), nil
}

// resolveRepeats gives a response repeated within one batch the id of its first copy.
func resolveRepeats(out []Outcome) []Outcome {
	for i := range out {
		if out[i].Replayed && out[i].ID < 0 {
			out[i] = out[-1-out[i].ID]
			out[i].Replayed = true
		}
	}
	return out
}

func storedKeys(ctx context.Context, tx *db.Tx, rs []Response, keyed []int) (map[idemKey]int64, error) {
	bySurvey := map[int64][]any{}
	for _, i := range keyed {
		bySurvey[rs[i].SurveyID] = append(bySurvey[rs[i].SurveyID], rs[i].IdemKey)
	}
	found := map[idemKey]int64{}
	for survey, keys := range bySurvey {
		for j := 0; j < len(keys); j += insertBatch {
			part := keys[j:min(j+insertBatch, len(keys))]
			q := "SELECT idem_key, id FROM survey_responses WHERE survey_id = ? AND idem_key IN (" + db.Placeholders(len(part)) + ")"
			err := db.Each(ctx, tx, q, append([]any{survey}, part...), func(rows *sql.Rows) error {
				var k string
				var id int64
				if err := rows.Scan(&k, &id); err != nil {
					return err
				}
				found[idemKey{survey, k}] = id
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

// newIDs reserves n response ids.
func newIDs(ctx context.Context, tx *db.Tx, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if tx.Dialect() == db.Postgres {
		rows, err := tx.Query(ctx, "SELECT nextval('survey_responses_id_seq') FROM generate_series(1, ?)", n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var last int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM survey_responses").Scan(&last); err != nil {
		return nil, err
	}
	for i := range n {
		ids = append(ids, last+1+int64(i))
	}
	return ids, nil
}

// encodeAnswers is the stored JSON of the answers and the open comment.
func encodeAnswers(r Response) (string, string, error) {
	var m map[string]any
	if r.Questionnaire != nil {
		m = r.Answers.Map(*r.Questionnaire)
	} else {
		m = map[string]any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", "", err
	}
	comment := ""
	if a, ok := r.Answers.Get(QComment); ok {
		comment = a.Text
	}
	return string(b), comment, nil
}

// countKey is one cell of survey_counts.
type countKey struct {
	survey   int64
	question string
	period   string
	channel  string
	place    int64
	value    int
}

// NAValue is the value survey_counts uses for "not applicable".
const NAValue = -1

// addCounts adds a response to the running counts: one under question "" and, for each
// answered scale question, one under its point (or NAValue).
func addCounts(c map[countKey]int64, r Response) {
	base := countKey{survey: r.SurveyID, period: Period(r.SubmittedAt), channel: r.Channel, place: r.PlaceID}
	c[base]++
	if r.Questionnaire == nil {
		return
	}
	for _, a := range r.Answers {
		qu, ok := r.Questionnaire.Question(a.Question)
		if !ok || qu.Type != forms.Scale {
			continue
		}
		k := base
		k.question = a.Question
		switch {
		case a.NA:
			k.value = NAValue
		case a.Number != nil:
			k.value = int(math.Round(*a.Number))
		default:
			continue
		}
		c[k]++
	}
}

func upsertCounts(ctx context.Context, tx *db.Tx, counts map[countKey]int64) error {
	keys := make([]countKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	for j := 0; j < len(keys); j += insertBatch {
		end := min(j+insertBatch, len(keys))
		var sb strings.Builder
		sb.WriteString("INSERT INTO survey_counts (survey_id, question, period, channel, place_id, value, n) VALUES ")
		args := make([]any, 0, (end-j)*7)
		for i, k := range keys[j:end] {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, k.survey, k.question, k.period, k.channel, k.place, k.value, counts[k])
		}
		sb.WriteString(" ON CONFLICT (survey_id, question, period, channel, place_id, value) DO UPDATE SET n = survey_counts.n + excluded.n")
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("count responses: %w", err)
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
