package commitments

import (
	"context"
	"database/sql"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// Visibility is the part of a list query that keeps to what a principal may see: published
// plans, plus the drafts of VisibleOrgs (everything when AllVisible).
type Visibility struct {
	AllVisible  bool
	VisibleOrgs []int64
}

func (v Visibility) cond() (string, []any) {
	if v.AllVisible {
		return "", nil
	}
	args := make([]any, len(v.VisibleOrgs))
	for i, id := range v.VisibleOrgs {
		args[i] = id
	}
	return "(p.status <> 'draft' OR p.organisation_id IN (" + db.Placeholders(len(v.VisibleOrgs)) + "))", args
}

// MilestoneRow is a milestone with its commitment's reference, for lists and exports.
type MilestoneRow struct {
	Milestone
	Reference string `json:"commitment_reference"`
}

// AssessmentRow is an assessment with its commitment's reference, for lists and exports.
type AssessmentRow struct {
	Assessment
	Reference string `json:"commitment_reference"`
}

// pageWhere builds the WHERE of a paged list over table alias t joined to its commitment c
// and plan p.
func pageWhere(v Visibility, planID, after int64, idCol string) (string, []any) {
	var conds []string
	var args []any
	if c, a := v.cond(); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if planID != 0 {
		conds, args = append(conds, "c.plan_id = ?"), append(args, planID)
	}
	if after > 0 {
		conds, args = append(conds, idCol+" > ?"), append(args, after)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// MilestonesPage lists visible milestones by ID after after (of one plan when planID is set).
func (Store) MilestonesPage(ctx context.Context, q db.Q, v Visibility, planID, after int64, limit int) ([]MilestoneRow, error) {
	where, args := pageWhere(v, planID, after, "m.id")
	var out []MilestoneRow
	err := db.Each(ctx, q, "SELECT "+milestoneColumns+", reference FROM (SELECT m.*, c.reference FROM milestones m JOIN commitments c ON c.id = m.commitment_id"+
		" JOIN action_plans p ON p.id = c.plan_id"+where+" ORDER BY m.id LIMIT ?) x ORDER BY id", append(args, limit), func(rows *sql.Rows) error {
		var m MilestoneRow
		var err error
		m.Milestone, err = scanMilestone(scanTail{rows, &m.Reference})
		out = append(out, m)
		return err
	})
	return out, err
}

// AssessmentsPage lists visible assessments by ID after after (of one plan when planID is set).
func (Store) AssessmentsPage(ctx context.Context, q db.Q, v Visibility, planID, after int64, limit int) ([]AssessmentRow, error) {
	where, args := pageWhere(v, planID, after, "a.id")
	var out []AssessmentRow
	err := db.Each(ctx, q, "SELECT "+assessmentColumns+", reference FROM (SELECT a.*, c.reference FROM assessments a JOIN commitments c ON c.id = a.commitment_id"+
		" JOIN action_plans p ON p.id = c.plan_id"+where+" ORDER BY a.id LIMIT ?) x ORDER BY id", append(args, limit), func(rows *sql.Rows) error {
		var a AssessmentRow
		var err error
		a.Assessment, err = scanAssessment(scanTail{rows, &a.Reference})
		out = append(out, a)
		return err
	})
	return out, err
}

// scanTail scans a row whose last column is extra, into tail.
type scanTail struct {
	rows *sql.Rows
	tail any
}

func (s scanTail) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.tail)...) }

// MilestoneProgressOf loads only what the roll-up needs (status, progress, weight) of the
// milestones of the commitments in ids, in order: lists show progress without milestones.
func (Store) MilestoneProgressOf(ctx context.Context, q db.Q, ids []int64) (map[int64][]Milestone, error) {
	out := map[int64][]Milestone{}
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT id, commitment_id, status, progress, weight FROM milestones WHERE commitment_id IN ("+ph+") ORDER BY commitment_id, position, id", args,
			func(rows *sql.Rows) error {
				var m Milestone
				var w sql.NullFloat64
				if err := rows.Scan(&m.ID, &m.CommitmentID, &m.Status, &m.Progress, &w); err != nil {
					return err
				}
				if w.Valid {
					v := w.Float64
					m.Weight = &v
				}
				out[m.CommitmentID] = append(out[m.CommitmentID], m)
				return nil
			})
	})
	return out, err
}
