package satisfaction

import (
	"context"
	"encoding/json"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// InsertSurvey stores a new survey with its questionnaire as version 1 and returns its id.
// The caller has validated it.
func (Store) InsertSurvey(ctx context.Context, tx *db.Tx, s Survey, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO surveys (code, organisation_id, service_id, title, intro, status, modules, mode,
		field_start, field_end, target_population, unit, require_token, publish_results, published_questions, version, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?) RETURNING id`,
		s.Code, s.OrgID, nullID(s.ServiceID), s.Title, s.Intro, s.Status, joinList(s.Modules), s.Mode,
		nullDate(s.FieldStart), nullDate(s.FieldEnd), s.Population, s.Unit, s.RequireToken, s.PublishResults,
		joinList(s.PublishedQuestions), now, now).Scan(&id)
	if err != nil {
		return 0, db.MapError(err)
	}
	return id, insertVersion(ctx, tx, id, 1, s.Questionnaire, now)
}

func insertVersion(ctx context.Context, tx *db.Tx, surveyID int64, version int, q forms.Questionnaire, now time.Time) error {
	b, err := json.Marshal(q)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO survey_versions (survey_id, version, questionnaire, created_at) VALUES (?,?,?,?)",
		surveyID, version, string(b), now)
	return db.MapError(err)
}

// SetQuestionnaire replaces the survey's questions. When the current version already has
// responses, the questions become a new version (the old one, and its responses, stay as
// they were); otherwise the current version is changed in place. It returns the version now
// current.
func (Store) SetQuestionnaire(ctx context.Context, tx *db.Tx, surveyID int64, q forms.Questionnaire, now time.Time) (int, error) {
	var version int
	if err := tx.QueryRow(ctx, "SELECT version FROM surveys WHERE id = ?", surveyID).Scan(&version); err != nil {
		return 0, db.MapError(err)
	}
	var used int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM survey_responses WHERE survey_id = ? AND version = ? LIMIT 1) x",
		surveyID, version).Scan(&used); err != nil {
		return 0, err
	}
	b, err := json.Marshal(q)
	if err != nil {
		return 0, err
	}
	if used == 0 {
		_, err := tx.Exec(ctx, "UPDATE survey_versions SET questionnaire = ?, created_at = ? WHERE survey_id = ? AND version = ?",
			string(b), now, surveyID, version)
		if err != nil {
			return 0, err
		}
	} else {
		version++
		if err := insertVersion(ctx, tx, surveyID, version, q, now); err != nil {
			return 0, err
		}
	}
	_, err = tx.Exec(ctx, "UPDATE surveys SET version = ?, updated_at = ? WHERE id = ?", version, now, surveyID)
	return version, err
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
