package satisfaction

// Exports of responses, streamed: rows are read from the read pool a chunk at a time (id
// order) and written as they are read, so memory stays flat however many responses a survey
// has. One row per response: id, submitted_at, version, channel, place, then one column per
// question of the current questionnaire (its id), the open comment last. Scale and number
// answers are numbers, "not applicable" is NA, multiple choices are joined with "; " in CSV
// (an array in JSON), consent is yes/no, and an unanswered question is empty (null in JSON).
// CSV cells are made formula-safe by the export package.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// exportChunk is how many responses one read fetches (and how often the output is flushed).
const exportChunk = 500

// ExportNA is how "not applicable" is written in exports.
const ExportNA = "NA"

// exportFixed are the columns before the questions.
var exportFixed = []string{"id", "submitted_at", "version", "channel", "place"}

// ExportLayout is the column order of an export: the fixed columns, one per question of the
// current questionnaire (without the open comment), then "comment".
type ExportLayout struct {
	Questions []forms.Question
	// Keys are the column names of Questions: the question id, or "q_" + id when the id is one
	// of the fixed columns.
	Keys []string
}

// NewExportLayout lays out the export of questionnaire q.
func NewExportLayout(q forms.Questionnaire) ExportLayout {
	var l ExportLayout
	for _, qu := range q.Questions {
		if qu.ID == QComment {
			continue
		}
		key := qu.ID
		for _, f := range append(exportFixed, "comment") {
			if key == f {
				key = "q_" + key
			}
		}
		l.Questions = append(l.Questions, qu)
		l.Keys = append(l.Keys, key)
	}
	return l
}

// Header is the export's column names.
func (l ExportLayout) Header() []string {
	h := append([]string(nil), exportFixed...)
	h = append(h, l.Keys...)
	return append(h, "comment")
}

// exportRow is one response as read for export.
type exportRow struct {
	ID          int64
	SubmittedAt time.Time
	Version     int
	Channel     string
	Place       string
	Answers     map[string]json.RawMessage
	Comment     string
}

// ExportSurvey returns the survey whose responses the principal may export: staff with
// Contribute in its organisation (and site admins). Members with only Read get
// authz.ErrForbidden; others db.ErrNotFound.
func (s *Service) ExportSurvey(ctx context.Context, surveyID int64) (Survey, error) {
	return s.surveyAllowing(ctx, surveyID, authz.Contribute)
}

// ExportSurveyByCode is ExportSurvey for the survey with a public code.
func (s *Service) ExportSurveyByCode(ctx context.Context, code string) (Survey, error) {
	sv, err := s.Store.SurveyByCode(ctx, s.DB, code)
	if err != nil {
		return Survey{}, err
	}
	return s.ExportSurvey(ctx, sv.ID)
}

// auditExport records that the principal exported a survey's responses.
func (s *Service) auditExport(ctx context.Context, sv Survey, format string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.responses.export", TargetKind: "survey", TargetID: sv.ID,
			Target: sv.Title, Detail: "format " + format})
	})
}

// eachResponse calls fn for every response of the survey in id order, reading chunk rows at
// a time from the read pool; after each chunk it calls flush (when not nil).
func (s *Service) eachResponse(ctx context.Context, surveyID int64, chunk int, flush func(), fn func(*exportRow) error) error {
	var after int64
	row := &exportRow{Answers: map[string]json.RawMessage{}}
	for {
		got := 0
		err := db.Each(ctx, s.DB, `SELECT r.id, r.submitted_at, r.version, r.channel, COALESCE(p.name, ''), r.answers, r.comment
			FROM survey_responses r LEFT JOIN places p ON p.id = r.place_id
			WHERE r.survey_id = ? AND r.id > ? ORDER BY r.id LIMIT ?`, []any{surveyID, after, chunk}, func(rows *sql.Rows) error {
			var answers []byte
			if err := rows.Scan(&row.ID, &row.SubmittedAt, &row.Version, &row.Channel, &row.Place, &answers, &row.Comment); err != nil {
				return err
			}
			after, got = row.ID, got+1
			clear(row.Answers)
			if err := json.Unmarshal(answers, &row.Answers); err != nil {
				return fmt.Errorf("response %d: %w", row.ID, err)
			}
			return fn(row)
		})
		if err != nil {
			return err
		}
		if flush != nil {
			flush()
		}
		if got < chunk {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// exportCell is an answer as a CSV cell.
func exportCell(qu forms.Question, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		if s == forms.NA && qu.NotApplicable {
			return ExportNA
		}
		return s
	case '[':
		var xs []string
		if json.Unmarshal(raw, &xs) != nil {
			return ""
		}
		if len(xs) == 1 && xs[0] == forms.NA && qu.NotApplicable {
			return ExportNA
		}
		return strings.Join(xs, "; ")
	case 't':
		return "yes"
	case 'f':
		return "no"
	}
	return numberText(raw)
}

// numberText writes a JSON number plainly ("4", "2.5", never an exponent for usual values).
func numberText(raw json.RawMessage) string {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// exportJSONValue is an answer as a JSON value (nil: unanswered).
func exportJSONValue(qu forms.Question, raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		if s == forms.NA && qu.NotApplicable {
			return ExportNA
		}
		return s
	case '[':
		var xs []string
		if json.Unmarshal(raw, &xs) != nil {
			return nil
		}
		if len(xs) == 1 && xs[0] == forms.NA && qu.NotApplicable {
			return ExportNA
		}
		return xs
	case 't':
		return "yes"
	case 'f':
		return "no"
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil
	}
	return f
}

// WriteResponsesCSV streams the survey's responses as CSV to w, calling flush after each
// chunk. The caller has checked the principal (ExportSurvey).
func (s *Service) WriteResponsesCSV(ctx context.Context, w io.Writer, flush func(), sv Survey) error {
	l := NewExportLayout(sv.Questionnaire)
	c, err := export.NewCSV(w, l.Header()...)
	if err != nil {
		return err
	}
	cells := make([]string, 0, len(exportFixed)+len(l.Keys)+1)
	err = s.eachResponse(ctx, sv.ID, exportChunk, flush, func(r *exportRow) error {
		cells = append(cells[:0], strconv.FormatInt(r.ID, 10), r.SubmittedAt.UTC().Format(time.RFC3339),
			strconv.Itoa(r.Version), r.Channel, r.Place)
		for _, qu := range l.Questions {
			cells = append(cells, exportCell(qu, r.Answers[qu.ID]))
		}
		cells = append(cells, r.Comment)
		return c.Row(cells...)
	})
	if err != nil {
		return err
	}
	return c.Close()
}

// WriteResponsesJSON streams the survey's responses to w as a JSON array of objects whose
// keys are the columns of the CSV, in the same order, calling flush after each chunk.
func (s *Service) WriteResponsesJSON(ctx context.Context, w io.Writer, flush func(), sv Survey) error {
	l := NewExportLayout(sv.Questionnaire)
	keys := make([][]byte, 0, len(l.Keys))
	for _, k := range l.Keys {
		b, _ := json.Marshal(k)
		keys = append(keys, b)
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	first := true
	value := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return nil
	}
	err := s.eachResponse(ctx, sv.ID, exportChunk, flush, func(r *exportRow) error {
		buf.Reset()
		if !first {
			buf.WriteString(",\n")
		} else {
			buf.WriteString("\n")
		}
		first = false
		fmt.Fprintf(&buf, `{"id":%d,"submitted_at":"%s","version":%d,"channel":`, r.ID, r.SubmittedAt.UTC().Format(time.RFC3339), r.Version)
		if err := value(r.Channel); err != nil {
			return err
		}
		buf.WriteString(`,"place":`)
		if err := value(r.Place); err != nil {
			return err
		}
		for i, qu := range l.Questions {
			buf.WriteByte(',')
			buf.Write(keys[i])
			buf.WriteByte(':')
			if err := value(exportJSONValue(qu, r.Answers[qu.ID])); err != nil {
				return err
			}
		}
		buf.WriteString(`,"comment":`)
		if err := value(r.Comment); err != nil {
			return err
		}
		buf.WriteByte('}')
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}

// ExportRow documents one element of the JSON export for the OpenAPI document: the fixed
// columns, then one property per question id, then the comment.
type ExportRow map[string]any

// JSONSchema describes an export row.
func (ExportRow) JSONSchema() map[string]any {
	return map[string]any{
		"type":        "object",
		"description": "One response: id, submitted_at, version, channel, place, then one property per question of the current questionnaire (its id; q_ + id when the id is a fixed column), then comment. Scale and number answers are numbers, not applicable is \"NA\", multiple choices are arrays of option values, consent is \"yes\" or \"no\", and an unanswered question is null.",
		"properties": map[string]any{
			"id":           map[string]any{"type": "integer"},
			"submitted_at": map[string]any{"type": "string", "format": "date-time"},
			"version":      map[string]any{"type": "integer"},
			"channel":      map[string]any{"type": "string"},
			"place":        map[string]any{"type": "string"},
			"comment":      map[string]any{"type": "string"},
		},
		"required":             []string{"id", "submitted_at", "version", "channel", "place", "comment"},
		"additionalProperties": map[string]any{},
	}
}
