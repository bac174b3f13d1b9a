package learning

import (
	"context"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Kinds of record of learnings, evidence, reports and recommendations: in the directory's
// links and taggings, in revisions, in search and in the audit log.
const (
	KindLearning       = "learning"
	KindEvidence       = "evidence"
	KindReport         = "learning_report"
	KindRecommendation = "recommendation"
)

func init() {
	SearchKinds[KindLearning] = "Learning"
	SearchKinds[KindEvidence] = "Evidence"
	SearchKinds[KindReport] = "Learning report"
	SearchKinds[KindRecommendation] = "Recommendation"
	registerKinds(registerLearningKinds)
}

// registerLearningKinds lets the directory's links and taggings name learnings, evidence,
// learning reports and recommendations (RegisterKinds runs it; registering again replaces the
// resolvers). Links from them are added by the owning organisation's contributors.
func registerLearningKinds(s *Service) {
	s.Dir.RegisterKind(KindLearning, "Learning", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		l, err := scanLearning(q.QueryRow(ctx, "SELECT "+learningColumns+learningFrom+" WHERE l.id = ?", id))
		if err != nil {
			return directory.LinkRecord{}, err
		}
		v, err := s.ViewerOf(ctx)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		return directory.LinkRecord{Title: l.Title, URL: l.URL(), Visible: canSeeLearning(v, l), Owners: []int64{l.OrgID}}, nil
	})
	s.Dir.RegisterKind(KindEvidence, "Evidence", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		e, err := loadEvidence(ctx, q, id)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		v, err := s.ViewerOf(ctx)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		return directory.LinkRecord{Title: e.Title, URL: e.URL(), Visible: canSeeEvidence(v, e), Owners: []int64{e.OrgID}}, nil
	})
	s.Dir.RegisterKind(KindReport, "Learning report", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		r, err := scanReport(q.QueryRow(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r.id = ?", id))
		if err != nil {
			return directory.LinkRecord{}, err
		}
		return directory.LinkRecord{Title: r.Title, URL: r.URL(), Visible: canSeeReport(authz.From(ctx), r), Owners: []int64{r.OrgID}}, nil
	})
	s.Dir.RegisterKind(KindRecommendation, "Recommendation", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		m, err := scanRecommendation(q.QueryRow(ctx, "SELECT "+recommendationColumns+recommendationFrom+" WHERE m.id = ?", id))
		if err != nil {
			return directory.LinkRecord{}, err
		}
		st, err := s.reportStatus(ctx, q, m.ReportID)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		return directory.LinkRecord{Title: m.Title, URL: m.URL(), Visible: canSeeRecommendation(authz.From(ctx), m, st), Owners: []int64{m.OrgID}}, nil
	})
}
