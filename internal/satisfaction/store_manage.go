package satisfaction

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// SurveyFilter narrows a list of surveys.
type SurveyFilter struct {
	// OrgIDs limits the list to these organisations' surveys; nil lists every organisation's
	// (site admins). The service sets it from the principal.
	OrgIDs    []int64
	OrgID     int64
	ServiceID int64
	Status    string
	// Archived includes archived surveys.
	Archived bool
	// After and Limit page through the list by id (the API); without them the list is the
	// most recently changed first, at most 1000.
	After int64
	Limit int
}

// ListSurveys lists surveys with their current questionnaires.
func (Store) ListSurveys(ctx context.Context, q db.Q, f SurveyFilter) ([]Survey, error) {
	var conds []string
	var args []any
	if f.OrgIDs != nil {
		ph, a := db.In(f.OrgIDs)
		conds = append(conds, "s.organisation_id IN ("+ph+")")
		args = append(args, a...)
	}
	if f.OrgID != 0 {
		conds, args = append(conds, "s.organisation_id = ?"), append(args, f.OrgID)
	}
	if f.ServiceID != 0 {
		conds, args = append(conds, "s.service_id = ?"), append(args, f.ServiceID)
	}
	if f.Status != "" {
		conds, args = append(conds, "s.status = ?"), append(args, f.Status)
	}
	if !f.Archived {
		conds = append(conds, "s.archived_at IS NULL")
	}
	order := " ORDER BY s.updated_at DESC, s.id DESC"
	limit := 1000
	if f.After != 0 || f.Limit > 0 {
		conds, args = append(conds, "s.id > ?"), append(args, f.After)
		order = " ORDER BY s.id"
		if f.Limit > 0 && f.Limit < limit {
			limit = f.Limit
		}
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var out []Survey
	err := db.Each(ctx, q, "SELECT "+surveyColumns+surveyFrom+where+order+" LIMIT ?", append(args, limit), func(rows *sql.Rows) error {
		sv, err := scanSurvey(rows)
		if err != nil {
			return err
		}
		out = append(out, sv)
		return nil
	})
	return out, err
}

// CodeTaken reports whether a survey other than except uses code.
func (Store) CodeTaken(ctx context.Context, q db.Q, code string, except int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM surveys WHERE code = ? AND id <> ?", code, except).Scan(&n)
	return n > 0, err
}

// UpdateSurvey saves a survey's details (not its status, publishing or questionnaire).
func (Store) UpdateSurvey(ctx context.Context, tx *db.Tx, sv Survey, now time.Time) error {
	return db.Affected(tx.Exec(ctx, `UPDATE surveys SET code = ?, service_id = ?, title = ?, intro = ?, modules = ?, mode = ?,
		field_start = ?, field_end = ?, target_population = ?, unit = ?, require_token = ?, published_questions = ?, updated_at = ? WHERE id = ?`,
		sv.Code, nullID(sv.ServiceID), sv.Title, sv.Intro, joinList(sv.Modules), sv.Mode, nullDate(sv.FieldStart), nullDate(sv.FieldEnd),
		sv.Population, sv.Unit, sv.RequireToken, joinList(sv.PublishedQuestions), now, sv.ID))
}

// SetStatus saves a survey's status.
func (Store) SetStatus(ctx context.Context, tx *db.Tx, id int64, status string, now time.Time) error {
	return db.Affected(tx.Exec(ctx, "UPDATE surveys SET status = ?, updated_at = ? WHERE id = ?", status, now, id))
}

// SetArchived archives (at set) or restores (at nil) a survey, with its status.
func (Store) SetArchived(ctx context.Context, tx *db.Tx, id int64, at *time.Time, status string, now time.Time) error {
	var a any
	if at != nil {
		a = *at
	}
	return db.Affected(tx.Exec(ctx, "UPDATE surveys SET archived_at = ?, status = ?, updated_at = ? WHERE id = ?", a, status, now, id))
}

// SetPublishing saves whether the survey's results are public and which questions they show.
func (Store) SetPublishing(ctx context.Context, tx *db.Tx, id int64, publish bool, questions []string, now time.Time) error {
	return db.Affected(tx.Exec(ctx, "UPDATE surveys SET publish_results = ?, published_questions = ?, updated_at = ? WHERE id = ?",
		publish, joinList(questions), now, id))
}

// ResponseTotals counts the responses of each survey, from the running counts.
func (Store) ResponseTotals(ctx context.Context, q db.Q, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT survey_id, SUM(n) FROM survey_counts WHERE question = '' AND survey_id IN ("+ph+") GROUP BY survey_id", args,
			func(rows *sql.Rows) error {
				var id, n int64
				if err := rows.Scan(&id, &n); err != nil {
					return err
				}
				out[id] = n
				return nil
			})
	})
	return out, err
}

// VersionInfo is one version of a survey's questions, with how many responses answered it.
type VersionInfo struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Responses int64     `json:"responses"`
	Questions int       `json:"questions"`
}

// SurveyVersions lists the versions of a survey's questions, newest first.
func (Store) SurveyVersions(ctx context.Context, q db.Q, surveyID int64) ([]VersionInfo, error) {
	var out []VersionInfo
	err := db.Each(ctx, q, `SELECT v.version, v.created_at, v.questionnaire,
		(SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = v.survey_id AND r.version = v.version)
		FROM survey_versions v WHERE v.survey_id = ? ORDER BY v.version DESC`, []any{surveyID}, func(rows *sql.Rows) error {
		var v VersionInfo
		var raw string
		if err := rows.Scan(&v.Version, &v.CreatedAt, &raw, &v.Responses); err != nil {
			return err
		}
		var qn struct {
			Questions []json.RawMessage `json:"questions"`
		}
		if err := json.Unmarshal([]byte(raw), &qn); err != nil {
			return err
		}
		v.Questions = len(qn.Questions)
		out = append(out, v)
		return nil
	})
	return out, err
}

// --- targets ---

const targetColumns = "id, survey_id, label, metric, question, baseline, baseline_period, target, due, created_at"

func scanTarget(sc interface{ Scan(...any) error }) (Target, error) {
	var t Target
	var metric string
	err := sc.Scan(&t.ID, &t.SurveyID, &t.Label, &metric, &t.Question, &t.Baseline, &t.BaselinePeriod, &t.Target, &t.Due, &t.CreatedAt)
	if err != nil {
		return t, db.MapError(err)
	}
	t.Metric = Metric(metric)
	d := t.Due.UTC()
	t.Due = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

// Targets lists a survey's targets by due date.
func (Store) Targets(ctx context.Context, q db.Q, surveyID int64) ([]Target, error) {
	var out []Target
	err := db.Each(ctx, q, "SELECT "+targetColumns+" FROM survey_targets WHERE survey_id = ? ORDER BY due, id", []any{surveyID}, func(rows *sql.Rows) error {
		t, err := scanTarget(rows)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// TargetByID loads one target of a survey.
func (Store) TargetByID(ctx context.Context, q db.Q, surveyID, id int64) (Target, error) {
	return scanTarget(q.QueryRow(ctx, "SELECT "+targetColumns+" FROM survey_targets WHERE survey_id = ? AND id = ?", surveyID, id))
}

// CountTargets counts a survey's targets.
func (Store) CountTargets(ctx context.Context, q db.Q, surveyID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM survey_targets WHERE survey_id = ?", surveyID).Scan(&n)
	return n, err
}

func dateOnly(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// InsertTarget adds a target and returns its id.
func (Store) InsertTarget(ctx context.Context, tx *db.Tx, t Target) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO survey_targets (survey_id, label, metric, question, baseline, baseline_period, target, due, created_at)
		VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`, t.SurveyID, t.Label, string(t.Metric), t.Question, t.Baseline, t.BaselinePeriod,
		t.Target, dateOnly(t.Due), t.CreatedAt).Scan(&id)
	return id, db.MapError(err)
}

// UpdateTarget saves a target.
func (Store) UpdateTarget(ctx context.Context, tx *db.Tx, t Target) error {
	return db.Affected(tx.Exec(ctx, `UPDATE survey_targets SET label = ?, metric = ?, question = ?, baseline = ?, baseline_period = ?,
		target = ?, due = ? WHERE survey_id = ? AND id = ?`, t.Label, string(t.Metric), t.Question, t.Baseline, t.BaselinePeriod,
		t.Target, dateOnly(t.Due), t.SurveyID, t.ID))
}

// DeleteTarget removes a target.
func (Store) DeleteTarget(ctx context.Context, tx *db.Tx, surveyID, id int64) error {
	return db.Affected(tx.Exec(ctx, "DELETE FROM survey_targets WHERE survey_id = ? AND id = ?", surveyID, id))
}

// --- weighting ---

// WeightingOf reads a survey's weighting; ok is false when none is set (the weighting then
// has no margins and the default trim).
func (Store) WeightingOf(ctx context.Context, q db.Q, surveyID int64) (Weighting, bool, error) {
	w := Weighting{Margins: []WeightMargin{}, Trim: DefaultTrim}
	var raw string
	err := q.QueryRow(ctx, `SELECT margins, "trim", updated_at FROM survey_weighting WHERE survey_id = ?`, surveyID).Scan(&raw, &w.Trim, &w.UpdatedAt)
	if err != nil {
		if err = db.MapError(err); errors.Is(err, db.ErrNotFound) {
			return w, false, nil
		}
		return w, false, err
	}
	if err := json.Unmarshal([]byte(raw), &w.Margins); err != nil {
		return w, false, err
	}
	w.UpdatedAt = w.UpdatedAt.UTC()
	return w, true, nil
}

// SaveWeighting stores a survey's weighting.
func (Store) SaveWeighting(ctx context.Context, tx *db.Tx, surveyID int64, w Weighting) error {
	b, err := json.Marshal(w.Margins)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO survey_weighting (survey_id, margins, "trim", updated_at) VALUES (?,?,?,?)
		ON CONFLICT (survey_id) DO UPDATE SET margins = excluded.margins, "trim" = excluded."trim", updated_at = excluded.updated_at`,
		surveyID, string(b), w.Trim, w.UpdatedAt)
	return db.MapError(err)
}

// DeleteWeighting removes a survey's weighting.
func (Store) DeleteWeighting(ctx context.Context, tx *db.Tx, surveyID int64) error {
	_, err := tx.Exec(ctx, "DELETE FROM survey_weighting WHERE survey_id = ?", surveyID)
	return err
}

// Recorded is what a survey's links and responses so far record as places and channels.
type Recorded struct {
	Places   []int64
	Channels []string
}

// RecordedPlacesAndChannels lists the places and channels of a survey's links and of the
// responses counted so far.
func (Store) RecordedPlacesAndChannels(ctx context.Context, q db.Q, surveyID int64) (Recorded, error) {
	var r Recorded
	err := db.Each(ctx, q, `SELECT DISTINCT place_id FROM survey_links WHERE survey_id = ? AND place_id IS NOT NULL
		UNION SELECT DISTINCT place_id FROM survey_counts WHERE survey_id = ? AND question = '' AND place_id <> 0`,
		[]any{surveyID, surveyID}, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			r.Places = append(r.Places, id)
			return nil
		})
	if err != nil {
		return r, err
	}
	err = db.Each(ctx, q, `SELECT DISTINCT channel FROM survey_links WHERE survey_id = ? AND channel <> ''
		UNION SELECT DISTINCT channel FROM survey_counts WHERE survey_id = ? AND question = '' AND channel <> ''`,
		[]any{surveyID, surveyID}, func(rows *sql.Rows) error {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			r.Channels = append(r.Channels, c)
			return nil
		})
	return r, err
}

// PlaceNames names places by id (archived ones too).
func (Store) PlaceNames(ctx context.Context, q db.Q, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT id, name FROM places WHERE id IN ("+ph+")", args, func(rows *sql.Rows) error {
			var id int64
			var n string
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
			return nil
		})
	})
	return out, err
}
