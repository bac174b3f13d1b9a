package satisfaction

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	return insertResponses(ctx, tx, rs, false)
}

// InsertResponsesUncounted is InsertResponses without the running counts: the responses are
// marked deferred, and the caller hands them to a Counter after the commit (the Counter
// recounts them from the table if the process dies first).
func (Store) InsertResponsesUncounted(ctx context.Context, tx *db.Tx, rs []Response) ([]Outcome, error) {
	return insertResponses(ctx, tx, rs, true)
}

func insertResponses(ctx context.Context, tx *db.Tx, rs []Response, deferred bool) ([]Outcome, error) {
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
		sb.WriteString("INSERT INTO survey_responses (id, survey_id, version, submitted_at, period, channel, place_id, link_id, answers, comment, idem_key, deferred) VALUES ")
		args := make([]any, 0, (end-j)*12)
		for k := j; k < end; k++ {
			i := write[k]
			r := rs[i]
			out[i].ID = ids[k]
			if k > j {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
			answers, comment, err := encodeAnswers(r)
			if err != nil {
				return nil, err
			}
			args = append(args, ids[k], r.SurveyID, r.Version, r.SubmittedAt, Period(r.SubmittedAt), r.Channel,
				nullID(r.PlaceID), nullID(r.LinkID), answers, comment, nullString(r.IdemKey), deferred)
			if !deferred {
				addCounts(counts, r)
			}
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

// encodeAnswers is the stored JSON of the answers and the open comment: the JSON of
// r.Answers.Map(*r.Questionnaire), byte for byte what json.Marshal gives (keys sorted), written
// by hand because it is the hot path of every response stored. Anything unusual (a number
// json cannot encode) goes the slow way, which reports the error as before.
func encodeAnswers(r Response) (string, string, error) {
	comment := ""
	if a, ok := r.Answers.Get(QComment); ok {
		comment = a.Text
	}
	if r.Questionnaire == nil {
		return "{}", comment, nil
	}
	if b, ok := appendAnswersJSON(make([]byte, 0, 256), r.Answers, r.Questionnaire); ok {
		return string(b), comment, nil
	}
	b, err := json.Marshal(r.Answers.Map(*r.Questionnaire))
	if err != nil {
		return "", "", err
	}
	return string(b), comment, nil
}

// jsonField is one entry of the answers' JSON object.
type jsonField struct {
	key string
	a   *forms.Answer
	typ forms.Type
}

// appendAnswersJSON appends the JSON of as.Map(*q) to b; false when it cannot (the caller
// then uses json.Marshal).
func appendAnswersJSON(b []byte, as forms.Answers, q *forms.Questionnaire) ([]byte, bool) {
	var buf [24]jsonField
	fields := buf[:0]
	at := 0
	for i := range as {
		a := &as[i]
		j := questionIndex(q, a.Question, at)
		if j < 0 {
			continue
		}
		at = j + 1
		typ := q.Questions[j].Type
		if !inAnswersMap(a, typ) {
			continue
		}
		// A question answered twice keeps its last answer, as a map would.
		if k := slices.IndexFunc(fields, func(f jsonField) bool { return f.key == a.Question }); k >= 0 {
			fields = slices.Delete(fields, k, k+1)
		}
		fields = append(fields, jsonField{key: a.Question, a: a, typ: typ})
	}
	slices.SortFunc(fields, func(x, y jsonField) int { return strings.Compare(x.key, y.key) })
	b = append(b, '{')
	for n, f := range fields {
		a := f.a
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		switch {
		case a.NA && f.typ == forms.Multiple:
			b = append(b, `["na"]`...)
		case a.NA:
			b = append(b, `"na"`...)
		case f.typ == forms.Single && len(a.Values) > 0:
			b = appendJSONString(b, a.Values[0])
		case f.typ == forms.Multiple:
			if len(a.Values) == 0 {
				b = append(b, "null"...)
				break
			}
			b = append(b, '[')
			for k, v := range a.Values {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, v)
			}
			b = append(b, ']')
		case (f.typ == forms.Scale || f.typ == forms.Number) && a.Number != nil:
			var ok bool
			if b, ok = appendJSONFloat(b, *a.Number); !ok {
				return b, false
			}
		case f.typ == forms.Text || f.typ == forms.Textarea:
			b = appendJSONString(b, a.Text)
		case f.typ == forms.Consent:
			if len(a.Values) > 0 && a.Values[0] == forms.ConsentValue {
				b = append(b, "true"...)
			} else {
				b = append(b, "false"...)
			}
		}
	}
	return append(b, '}'), true
}

// inAnswersMap reports whether forms.Answers.Map gives the answer an entry.
func inAnswersMap(a *forms.Answer, typ forms.Type) bool {
	return a.NA || (typ == forms.Single && len(a.Values) > 0) || typ == forms.Multiple ||
		((typ == forms.Scale || typ == forms.Number) && a.Number != nil) ||
		typ == forms.Text || typ == forms.Textarea || typ == forms.Consent
}

// questionIndex finds question id in q, looking from index from first (answers come in
// question order), or -1.
func questionIndex(q *forms.Questionnaire, id string, from int) int {
	n := len(q.Questions)
	for k := range n {
		j := from + k
		if j >= n {
			j -= n
		}
		if q.Questions[j].ID == id {
			return j
		}
	}
	return -1
}

// appendJSONFloat writes f as encoding/json does; false for NaN and infinities.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	if f != 0 && f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10), true
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendJSONString writes s as a JSON string as encoding/json does: with <, > and & escaped
// for HTML, U+2028 and U+2029 escaped, and invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			out, _ := json.Marshal(s) // never fails for a string
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
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
	at := 0
	for _, a := range r.Answers {
		j := questionIndex(r.Questionnaire, a.Question, at)
		if j < 0 {
			continue
		}
		at = j + 1
		if r.Questionnaire.Questions[j].Type != forms.Scale {
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
	// In one order, so that two writers at once (PostgreSQL) lock the rows they share in
	// the same order and do not deadlock.
	slices.SortFunc(keys, compareCountKeys)
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

func compareCountKeys(a, b countKey) int {
	if c := cmp.Compare(a.survey, b.survey); c != 0 {
		return c
	}
	if c := strings.Compare(a.question, b.question); c != 0 {
		return c
	}
	if c := strings.Compare(a.period, b.period); c != 0 {
		return c
	}
	if c := strings.Compare(a.channel, b.channel); c != 0 {
		return c
	}
	if c := cmp.Compare(a.place, b.place); c != 0 {
		return c
	}
	return cmp.Compare(a.value, b.value)
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
