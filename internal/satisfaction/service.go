package satisfaction

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Service holds the rules of satisfaction surveys: who sees and changes what, one
// transaction per change, each change audited. Responses go through the Committer.
type Service struct {
	DB    *db.DB
	Dir   *directory.Service
	Store Store
	Now   func() time.Time
	// Committer writes responses in shared transactions (group commit); set by NewService,
	// started by Start.
	Committer *Committer
	// Counter keeps the running counts off the committer's transactions (SQLite only; nil on
	// PostgreSQL, where its several writers count in the responses' own transactions).
	Counter *Counter
	// Cache holds the public definitions of open surveys, so /s/{code} needs no query.
	Cache *DefinitionCache
	// Analyses recomputes the slow analyses (drivers, weighted figures) in the background
	// after responses are committed; started by Start.
	Analyses *Analyses
}

// Store is the SQL of satisfaction.
type Store struct{}

// NewService builds the service.
func NewService(d *db.DB, dir *directory.Service) *Service {
	s := &Service{DB: d, Dir: dir, Now: db.Now}
	s.Committer = NewCommitter(d, s.Store)
	if d != nil && d.Dialect() == db.SQLite {
		s.Counter = NewCounter(d)
		s.Committer.Counter = s.Counter
	}
	s.Cache = NewDefinitionCache()
	s.Analyses = NewAnalyses(d, s.Store)
	return s
}

const surveyColumns = `s.id, s.code, s.organisation_id, o.name, COALESCE(s.service_id, 0), COALESCE(sv.name, ''), s.title, s.intro,
	s.status, s.modules, s.mode, s.field_start, s.field_end, s.target_population, s.unit, s.require_token,
	s.publish_results, s.published_questions, s.version, v.questionnaire, s.created_at, s.updated_at, s.archived_at`

const surveyFrom = ` FROM surveys s JOIN organisations o ON o.id = s.organisation_id
	LEFT JOIN services sv ON sv.id = s.service_id
	JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.version`

func scanSurvey(sc interface{ Scan(...any) error }) (Survey, error) {
	var s Survey
	var modules, published, questionnaire string
	var start, end sql.NullTime
	var archived sql.NullTime
	err := sc.Scan(&s.ID, &s.Code, &s.OrgID, &s.OrgName, &s.ServiceID, &s.ServiceName, &s.Title, &s.Intro,
		&s.Status, &modules, &s.Mode, &start, &end, &s.Population, &s.Unit, &s.RequireToken,
		&s.PublishResults, &published, &s.Version, &questionnaire, &s.CreatedAt, &s.UpdatedAt, &archived)
	if err != nil {
		return s, db.MapError(err)
	}
	s.Modules = splitList(modules)
	s.PublishedQuestions = splitList(published)
	if start.Valid {
		s.FieldStart = start.Time
	}
	if end.Valid {
		s.FieldEnd = end.Time
	}
	if archived.Valid {
		t := archived.Time
		s.ArchivedAt = &t
	}
	if err := json.Unmarshal([]byte(questionnaire), &s.Questionnaire); err != nil {
		return s, err
	}
	return s, nil
}

// SurveyByID loads a survey with its current questionnaire.
func (Store) SurveyByID(ctx context.Context, q db.Q, id int64) (Survey, error) {
	return scanSurvey(q.QueryRow(ctx, "SELECT "+surveyColumns+surveyFrom+" WHERE s.id = ?", id))
}

// SurveyByCode loads a survey by its public code.
func (Store) SurveyByCode(ctx context.Context, q db.Q, code string) (Survey, error) {
	return scanSurvey(q.QueryRow(ctx, "SELECT "+surveyColumns+surveyFrom+" WHERE s.code = ?", code))
}

// Questionnaire loads one version of a survey's questions.
func (Store) Questionnaire(ctx context.Context, q db.Q, surveyID int64, version int) (forms.Questionnaire, error) {
	var raw string
	if err := q.QueryRow(ctx, "SELECT questionnaire FROM survey_versions WHERE survey_id = ? AND version = ?", surveyID, version).Scan(&raw); err != nil {
		return forms.Questionnaire{}, db.MapError(err)
	}
	var qn forms.Questionnaire
	err := json.Unmarshal([]byte(raw), &qn)
	return qn, err
}

// ErrClosed is returned for a survey that does not take responses now.
var ErrClosed = errors.New("this survey is not taking responses")

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func joinList(xs []string) string { return strings.Join(xs, ",") }

// Start runs the background work: the response committer (and, once written, the analysis
// worker). Stop ends it after the last queued response is stored.
func (s *Service) Start(log *slog.Logger) {
	if log != nil {
		s.Committer.Log = log
		s.Analyses.Log = log
	}
	s.Committer.OnCommit = s.Analyses.MarkDirty
	if s.Counter != nil {
		if log != nil {
			s.Counter.Log = log
		}
		if n, err := s.Counter.CatchUp(context.Background()); err != nil {
			// Count in the responses' own transactions this time; the deferred responses
			// above the mark are counted at a later start.
			s.Counter.Log.Error("counting responses left uncounted failed", "err", err)
			s.Committer.Counter, s.Counter = nil, nil
		} else if n > 0 {
			s.Counter.Log.Info("counted responses a previous run had stored but not counted", "responses", n)
		}
	}
	if s.Counter != nil {
		s.Counter.Start()
	}
	s.Committer.Start()
	s.Analyses.Start()
}

// Stop stores what is queued and stops the background work.
func (s *Service) Stop() {
	s.Committer.Stop()
	if s.Counter != nil {
		s.Counter.Stop()
	}
	s.Analyses.Stop()
}

// FlushCounts writes the counts of responses committed but not yet counted, so that a staff
// page sees every response acknowledged so far. A failure is logged; the page then shows the
// counts as they are (at most half a second behind).
func (s *Service) FlushCounts(ctx context.Context) {
	if c := s.Counter; c != nil {
		if err := c.Flush(ctx); err != nil {
			c.Log.Error("counting responses failed", "err", err)
		}
	}
}
