package maturity

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// The improvement plan: actions drawn from the items the agreed answers flag as needing
// improvement (or, when none is flagged, those with the largest gaps to target), each with the
// pack's guidance, an owner, a due date and a status that is tracked over time.

// Action statuses.
const (
	ActionPlanned    = "planned"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionDropped    = "dropped"
)

// ActionStatuses are the statuses of an action, in order.
var ActionStatuses = []web.Option{
	{Value: ActionPlanned, Label: "Planned"},
	{Value: ActionInProgress, Label: "In progress"},
	{Value: ActionDone, Label: "Done"},
	{Value: ActionDropped, Label: "Dropped"},
}

// ActionStatusLabel names an action status for people.
func ActionStatusLabel(s string) string {
	for _, o := range ActionStatuses {
		if o.Value == s {
			return o.Label
		}
	}
	return s
}

// Limits of the plan.
const (
	// PlanSize is how many actions a generated plan proposes from the largest gaps.
	PlanSize         = 5
	maxPlanActions   = 200
	maxActionTitle   = 200
	maxActionOwner   = 200
	maxActionGuide   = 4000
	maxActionItemKey = 100
)

// StatusLabel is the action's status for people.
func (x Action) StatusLabel() string { return ActionStatusLabel(x.Status) }

// Overdue reports whether the action is past its due date and neither done nor dropped.
func (x Action) Overdue(today time.Time) bool {
	return !x.Due.IsZero() && x.Status != ActionDone && x.Status != ActionDropped && x.Due.Before(calendarDay(today))
}

// Open reports whether the action is still to be done (planned or in progress).
func (x Action) Open() bool { return x.Status == ActionPlanned || x.Status == ActionInProgress }

func calendarDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ActionInput adds an action to the plan. Due is a date as YYYY-MM-DD (optional); Status
// defaults to planned.
type ActionInput struct {
	ItemKey  string `json:"item"`
	Title    string `json:"title"`
	Guidance string `json:"guidance"`
	Owner    string `json:"owner"`
	Due      string `json:"due_date"`
	Status   string `json:"status"`
}

// ActionChange changes an action: fields left out (null) stay as they are; an empty owner,
// due date or guidance clears it.
type ActionChange struct {
	Title    *string `json:"title,omitempty"`
	Guidance *string `json:"guidance,omitempty"`
	Owner    *string `json:"owner,omitempty"`
	Due      *string `json:"due_date,omitempty"`
	Status   *string `json:"status,omitempty"`
}

// apply returns x changed by ch as input for validation.
func (ch ActionChange) apply(x Action) ActionInput {
	in := ActionInput{ItemKey: x.ItemKey, Title: x.Title, Guidance: x.Guidance, Owner: x.Owner, Status: x.Status}
	if !x.Due.IsZero() {
		in.Due = x.Due.Format(time.DateOnly)
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Title, ch.Title)
	set(&in.Guidance, ch.Guidance)
	set(&in.Owner, ch.Owner)
	set(&in.Due, ch.Due)
	set(&in.Status, ch.Status)
	return in
}

// normalize trims the input and reads it into an action, with field messages for what is
// wrong. p checks that the item, when given, is one of the framework's.
func (in ActionInput) normalize(p *Pack) (Action, error) {
	in.ItemKey = strings.TrimSpace(in.ItemKey)
	in.Title = strings.TrimSpace(in.Title)
	in.Guidance = strings.TrimSpace(strings.ReplaceAll(in.Guidance, "\r\n", "\n"))
	in.Owner = strings.TrimSpace(in.Owner)
	in.Status = strings.TrimSpace(in.Status)
	if in.Status == "" {
		in.Status = ActionPlanned
	}
	var c valid.Checker
	c.Text("title", in.Title, "what is to be done", maxActionTitle)
	c.MaxLen("owner", in.Owner, maxActionOwner)
	c.Check(!strings.ContainsAny(in.Owner, "\r\n"), "owner", "Use a single line.")
	c.Check(utf8.ValidString(in.Owner), "owner", "Use valid text (UTF-8).")
	c.MaxLen("guidance", in.Guidance, maxActionGuide)
	c.Check(utf8.ValidString(in.Guidance), "guidance", "Use valid text (UTF-8).")
	c.OneOf("status", in.Status, actionStatusValues(), "a status")
	due := c.ParseDate("due_date", in.Due)
	if in.ItemKey != "" {
		if len(in.ItemKey) > maxActionItemKey {
			c.Add("item", "Choose an item of the framework.")
		} else if _, ok := p.Item(in.ItemKey); !ok {
			c.Add("item", "Choose an item of the framework (or none).")
		}
	}
	x := Action{ItemKey: in.ItemKey, Title: in.Title, Guidance: in.Guidance, Owner: in.Owner, Due: due, Status: in.Status}
	return x, c.Err()
}

func actionStatusValues() []string {
	out := make([]string, len(ActionStatuses))
	for i, o := range ActionStatuses {
		out[i] = o.Value
	}
	return out
}

// CanPlan: the facilitator and the organisation's managers draw up and track the plan.
func CanPlan(p authz.Principal, a Assessment) bool { return CanFacilitate(p, a) }

// --- Store ---

const actionColumns = `id, assessment_id, item_key, title, guidance, owner, due_date, status, created_at, updated_at`

func scanAction(row interface{ Scan(...any) error }) (Action, error) {
	var x Action
	var due sql.Null[time.Time]
	err := row.Scan(&x.ID, &x.AssessmentID, &x.ItemKey, &x.Title, &x.Guidance, &x.Owner, &due, &x.Status, &x.CreatedAt, &x.UpdatedAt)
	if err != nil {
		return x, db.MapError(err)
	}
	if due.Valid {
		x.Due = calendarDay(due.V)
	}
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x, nil
}

func dueArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return calendarDay(t)
}

// Actions lists the plan of an assessment: open actions by due date (undated last), then the
// done and dropped ones.
func (Store) Actions(ctx context.Context, q db.Q, assessmentID int64) ([]Action, error) {
	rows, err := q.Query(ctx, "SELECT "+actionColumns+" FROM maturity_actions WHERE assessment_id = ? ORDER BY id", assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		x, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	SortActions(out)
	return out, nil
}

// SortActions orders a plan: open actions first by due date (undated after dated), then done,
// then dropped; ties in the order they were added.
func SortActions(xs []Action) {
	rank := func(x Action) int {
		switch x.Status {
		case ActionDone:
			return 2
		case ActionDropped:
			return 3
		}
		return 1
	}
	slices.SortStableFunc(xs, func(a, b Action) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		switch {
		case a.Due.IsZero() != b.Due.IsZero():
			if a.Due.IsZero() {
				return 1
			}
			return -1
		case !a.Due.Equal(b.Due):
			return a.Due.Compare(b.Due)
		}
		return int(a.ID - b.ID)
	})
}

// Action loads one action of an assessment.
func (Store) Action(ctx context.Context, q db.Q, assessmentID, id int64) (Action, error) {
	return scanAction(q.QueryRow(ctx, "SELECT "+actionColumns+" FROM maturity_actions WHERE assessment_id = ? AND id = ?", assessmentID, id))
}

// CountActions counts the actions of an assessment.
func (Store) CountActions(ctx context.Context, q db.Q, assessmentID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM maturity_actions WHERE assessment_id = ?", assessmentID).Scan(&n)
	return n, err
}

// InsertAction adds an action.
func (Store) InsertAction(ctx context.Context, q db.Q, x Action) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO maturity_actions (assessment_id, item_key, title, guidance, owner, due_date, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.AssessmentID, x.ItemKey, x.Title, x.Guidance, x.Owner, dueArg(x.Due), x.Status, x.CreatedAt, x.UpdatedAt).Scan(&id)
	return id, db.MapError(err)
}

// UpdateAction saves an action's title, guidance, owner, due date and status.
func (Store) UpdateAction(ctx context.Context, q db.Q, x Action) error {
	res, err := q.Exec(ctx, `UPDATE maturity_actions SET title = ?, guidance = ?, owner = ?, due_date = ?, status = ?, updated_at = ?
		WHERE id = ? AND assessment_id = ?`, x.Title, x.Guidance, x.Owner, dueArg(x.Due), x.Status, x.UpdatedAt, x.ID, x.AssessmentID)
	if err != nil {
		return db.MapError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// --- Service ---

// Plan lists the improvement plan of assessment id, for those who may see its results.
func (s *Service) Plan(ctx context.Context, id int64) (Assessment, []Action, error) {
	a, err := s.resultsAssessment(ctx, id)
	if err != nil {
		return Assessment{}, nil, err
	}
	xs, err := s.Store.Actions(ctx, s.DB, id)
	return a, xs, err
}

// resultsAssessment loads an assessment whose results the principal may see.
func (s *Service) resultsAssessment(ctx context.Context, id int64) (Assessment, error) {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	ok, err := s.MaySeeResults(ctx, a)
	if err != nil {
		return Assessment{}, err
	}
	if !ok {
		return Assessment{}, errResultsNotYet
	}
	return a, nil
}

// planner loads an assessment for a change to its plan: ErrNotFound for those who may not
// see it, a denial (audited) for those who may see it but not plan.
func (s *Service) planner(ctx context.Context, id int64, action string) (Assessment, *Pack, error) {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return Assessment{}, nil, err
	}
	if !CanPlan(authz.From(ctx), a) {
		return Assessment{}, nil, audit.Deny(ctx, s.DB, action, "assessment", id)
	}
	p, err := s.pack(ctx, a)
	return a, p, err
}

// AddAction adds an action to the plan (the facilitator and the organisation's managers).
func (s *Service) AddAction(ctx context.Context, id int64, in ActionInput) (Action, error) {
	a, p, err := s.planner(ctx, id, "assessment.action.create")
	if err != nil {
		return Action{}, err
	}
	x, err := in.normalize(p)
	if err != nil {
		return Action{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.Store.CountActions(ctx, tx, id)
		if err != nil {
			return err
		}
		if n >= maxPlanActions {
			return valid.Errors{"": fmt.Sprintf("A plan holds at most %d actions: drop or finish some first.", maxPlanActions)}
		}
		now := s.Now()
		x.AssessmentID, x.CreatedAt, x.UpdatedAt = id, now, now
		if x.ID, err = s.Store.InsertAction(ctx, tx, x); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.action.create", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: actionDetail(x)})
	})
	return x, err
}

func actionDetail(x Action) string {
	d := fmt.Sprintf("action %d %q: status %s", x.ID, x.Title, x.Status)
	if x.ItemKey != "" {
		d += ", item " + x.ItemKey
	}
	if x.Owner != "" {
		d += ", owner " + x.Owner
	}
	if !x.Due.IsZero() {
		d += ", due " + x.Due.Format(time.DateOnly)
	}
	return d
}

// UpdateAction changes an action of the plan: its owner, due date and status as it is
// tracked, or its title and guidance.
func (s *Service) UpdateAction(ctx context.Context, id, actionID int64, ch ActionChange) (Action, error) {
	a, p, err := s.planner(ctx, id, "assessment.action.update")
	if err != nil {
		return Action{}, err
	}
	old, err := s.Store.Action(ctx, s.DB, id, actionID)
	if err != nil {
		return Action{}, err
	}
	x, err := ch.apply(old).normalize(p)
	if err != nil {
		return Action{}, err
	}
	x.ID, x.AssessmentID, x.ItemKey, x.CreatedAt, x.UpdatedAt = old.ID, id, old.ItemKey, old.CreatedAt, s.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.UpdateAction(ctx, tx, x); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.action.update", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: actionDetail(x)})
	})
	return x, err
}

// PlanCandidates chooses the items a plan is drawn from: those the agreed answers flag as
// needing improvement, largest gap first; when none is flagged, the PlanSize items with the
// largest gaps between the agreed current and target levels. Items already in the plan (by
// key) are left out.
func PlanCandidates(rep Report, inPlan map[string]bool) []ItemResult {
	var flagged, gaps []ItemResult
	for _, it := range rep.Items {
		if !it.Agreed || inPlan[it.ID] || it.Current == NotApplicable {
			continue
		}
		if it.NeedsImprovement {
			flagged = append(flagged, it)
		}
		if g, ok := it.Gap(); ok && g > 0 {
			gaps = append(gaps, it)
		}
	}
	byGap := func(a, b ItemResult) int {
		ga, _ := a.Gap()
		gb, _ := b.Gap()
		switch {
		case ga > gb:
			return -1
		case ga < gb:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(flagged, byGap)
	slices.SortStableFunc(gaps, byGap)
	anyFlagged := false
	for _, it := range rep.Items {
		if it.Agreed && it.NeedsImprovement {
			anyFlagged = true
		}
	}
	if anyFlagged {
		return flagged
	}
	if len(gaps) > PlanSize {
		gaps = gaps[:PlanSize]
	}
	return gaps
}

// planTitle turns an item into an action title: its statement, shortened to fit.
func planTitle(it ItemResult) string {
	t := strings.Join(strings.Fields(it.Statement), " ")
	if t == "" {
		t = it.ID
	}
	return clip(t, maxActionTitle)
}

// clip shortens s to at most n characters, ending with an ellipsis when cut.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// GeneratePlan adds an action for each item PlanCandidates chooses from the agreed answers,
// titled from the item and carrying the pack's guidance; owners and due dates are set as the
// plan is agreed. Items already in the plan are skipped, so generating again adds only what
// is new. It returns the actions added.
func (s *Service) GeneratePlan(ctx context.Context, id int64) ([]Action, error) {
	a, _, err := s.planner(ctx, id, "assessment.plan.generate")
	if err != nil {
		return nil, err
	}
	var added []Action
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		rep, err := s.report(ctx, tx, a, false)
		if err != nil {
			return err
		}
		agreed := 0
		for _, it := range rep.Items {
			if it.Agreed {
				agreed++
			}
		}
		if agreed == 0 {
			return valid.Errors{"": "There are no agreed answers yet: the plan is drawn from them. Agree answers first, or add actions by hand."}
		}
		existing, err := s.Store.Actions(ctx, tx, id)
		if err != nil {
			return err
		}
		inPlan := map[string]bool{}
		for _, x := range existing {
			if x.ItemKey != "" {
				inPlan[x.ItemKey] = true
			}
		}
		cands := PlanCandidates(rep, inPlan)
		if len(existing)+len(cands) > maxPlanActions {
			return valid.Errors{"": fmt.Sprintf("A plan holds at most %d actions.", maxPlanActions)}
		}
		now := s.Now()
		for _, it := range cands {
			x := Action{AssessmentID: id, ItemKey: it.ID, Title: planTitle(it), Guidance: clip(it.Guidance, maxActionGuide),
				Status: ActionPlanned, CreatedAt: now, UpdatedAt: now}
			if x.ID, err = s.Store.InsertAction(ctx, tx, x); err != nil {
				return err
			}
			added = append(added, x)
		}
		var keys []string
		for _, x := range added {
			keys = append(keys, x.ItemKey)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.plan.generate", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("%d actions added (%s)", len(added), strings.Join(keys, ", "))})
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}
