package commitments

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// Store is the SQL of commitments. Names of organisations, tags, places and programs are read
// by joining the directory's tables; the directory owns them.
type Store struct{}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullDate(d Date) any {
	if d.IsZero() {
		return nil
	}
	return d.Time
}

func scanDate(n sql.Null[time.Time]) Date {
	if !n.Valid {
		return Date{}
	}
	return Date{n.V.UTC()}
}

// --- Plans ---

const planColumns = `p.id, p.organisation_id, o.name, p.title, p.country, p.locality, p.plan_number, p.cycle, p.start_date, p.end_date,
	p.status, p.description, p.created_at, p.updated_at`
const planFrom = ` FROM action_plans p JOIN organisations o ON o.id = p.organisation_id`

func scanPlan(row interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	var start, end sql.Null[time.Time]
	err := row.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.Title, &p.Country, &p.Locality, &p.Number, &p.Cycle, &start, &end,
		&p.Status, &p.Description, &p.CreatedAt, &p.UpdatedAt)
	p.Start, p.End = scanDate(start), scanDate(end)
	return p, db.MapError(err)
}

// Plan loads one plan.
func (Store) Plan(ctx context.Context, q db.Q, id int64) (Plan, error) {
	return scanPlan(q.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
}

// PlanByNumber finds the plan of a country with a plan number (for imports).
func (Store) PlanByNumber(ctx context.Context, q db.Q, country string, number int) (Plan, error) {
	return scanPlan(q.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE lower(p.country) = lower(?) AND p.plan_number = ? ORDER BY p.id LIMIT 1", country, number))
}

// PlanFilter narrows the plan list.
type PlanFilter struct {
	// Visible limits to published plans plus the drafts of these organisations (nil: all).
	VisibleOrgs []int64
	AllVisible  bool
	After       int64
	Limit       int
}

// Plans lists plans, newest period first.
func (Store) Plans(ctx context.Context, q db.Q, f PlanFilter) ([]Plan, error) {
	var conds []string
	var args []any
	if !f.AllVisible {
		conds = append(conds, "(p.status <> 'draft' OR p.organisation_id IN ("+db.Placeholders(len(f.VisibleOrgs))+"))")
		for _, id := range f.VisibleOrgs {
			args = append(args, id)
		}
	}
	order := " ORDER BY p.start_date DESC, p.id DESC"
	if f.After > 0 {
		conds = append(conds, "p.id > ?")
		args = append(args, f.After)
	}
	if f.Limit > 0 {
		order = " ORDER BY p.id"
	} else {
		f.Limit = 10000
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var out []Plan
	err := db.Each(ctx, q, "SELECT "+planColumns+planFrom+where+order+" LIMIT ?", append(args, f.Limit), func(rows *sql.Rows) error {
		x, err := scanPlan(rows)
		out = append(out, x)
		return err
	})
	return out, err
}

// InsertPlan creates a plan.
func (Store) InsertPlan(ctx context.Context, q db.Q, in PlanInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO action_plans (organisation_id, title, country, locality, plan_number, cycle, start_date, end_date, status, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.OrgID, in.Title, in.Country, in.Locality, in.Number, in.Cycle, nullDate(in.Start), nullDate(in.End), in.Status, in.Description, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdatePlan saves a plan.
func (Store) UpdatePlan(ctx context.Context, q db.Q, id int64, in PlanInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE action_plans SET organisation_id = ?, title = ?, country = ?, locality = ?, plan_number = ?, cycle = ?,
		start_date = ?, end_date = ?, status = ?, description = ?, updated_at = ? WHERE id = ?`,
		in.OrgID, in.Title, in.Country, in.Locality, in.Number, in.Cycle, nullDate(in.Start), nullDate(in.End), in.Status, in.Description, db.Now(), id))
}

// --- Commitments ---

const commitmentColumns = `c.id, c.plan_id, p.title, p.status, p.organisation_id, c.reference, c.number, c.title, c.short_title, c.status,
	COALESCE(c.lead_organisation_id, 0), COALESCE(lo.name, ''), c.other_actors_government, c.other_actors_civil,
	c.value_access_info, c.value_civic_participation, c.value_accountability, c.value_technology,
	c.problem, c.description, c.contribution, c.relevance, c.additional_info, c.start_date, c.end_date, c.contacts, c.url,
	c.progress_override, c.progress_override_reason, c.created_at, c.updated_at`
const commitmentFrom = ` FROM commitments c JOIN action_plans p ON p.id = c.plan_id LEFT JOIN organisations lo ON lo.id = c.lead_organisation_id`

func scanCommitment(row interface{ Scan(...any) error }) (Commitment, error) {
	var c Commitment
	var start, end sql.Null[time.Time]
	var override sql.NullFloat64
	err := row.Scan(&c.ID, &c.PlanID, &c.PlanTitle, &c.PlanStatus, &c.PlanOrgID, &c.Reference, &c.Number, &c.Title, &c.ShortTitle, &c.Status,
		&c.LeadOrgID, &c.LeadOrgName, &c.OtherGovernment, &c.OtherCivil,
		&c.Values.AccessInfo, &c.Values.CivicParticipation, &c.Values.Accountability, &c.Values.Technology,
		&c.Problem, &c.Description, &c.Contribution, &c.Relevance, &c.AdditionalInfo, &start, &end, &c.Contacts, &c.URL,
		&override, &c.OverrideReason, &c.CreatedAt, &c.UpdatedAt)
	c.Start, c.End = scanDate(start), scanDate(end)
	if override.Valid {
		v := override.Float64
		c.Override = &v
	}
	return c, db.MapError(err)
}

// CommitmentByRef loads a commitment by its public reference (any case).
func (Store) CommitmentByRef(ctx context.Context, q db.Q, ref string) (Commitment, error) {
	return scanCommitment(q.QueryRow(ctx, "SELECT "+commitmentColumns+commitmentFrom+" WHERE upper(c.reference) = ?", NormalizeReference(ref)))
}

// Commitment loads a commitment by ID.
func (Store) Commitment(ctx context.Context, q db.Q, id int64) (Commitment, error) {
	return scanCommitment(q.QueryRow(ctx, "SELECT "+commitmentColumns+commitmentFrom+" WHERE c.id = ?", id))
}

// Filter narrows the commitment list.
type Filter struct {
	PlanID      int64
	Status      string
	PolicyArea  int64 // tag ID
	LeadOrgID   int64
	Starred     bool
	Text        string
	VisibleOrgs []int64 // drafts visible for these plan owners
	AllVisible  bool
	After       int64
	Limit       int
}

// Commitments lists commitments by plan and number (or by ID when paging).
func (Store) Commitments(ctx context.Context, q db.Q, f Filter) ([]Commitment, error) {
	var conds []string
	var args []any
	if !f.AllVisible {
		conds = append(conds, "(p.status <> 'draft' OR p.organisation_id IN ("+db.Placeholders(len(f.VisibleOrgs))+"))")
		for _, id := range f.VisibleOrgs {
			args = append(args, id)
		}
	}
	if f.PlanID != 0 {
		conds = append(conds, "c.plan_id = ?")
		args = append(args, f.PlanID)
	}
	if f.Status != "" {
		conds = append(conds, "c.status = ?")
		args = append(args, f.Status)
	}
	if f.LeadOrgID != 0 {
		conds = append(conds, "c.lead_organisation_id = ?")
		args = append(args, f.LeadOrgID)
	}
	if f.PolicyArea != 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM taggings tg WHERE tg.kind = 'commitment' AND tg.record_id = c.id AND tg.tag_id = ?)")
		args = append(args, f.PolicyArea)
	}
	if f.Text != "" {
		conds = append(conds, `(lower(c.title) LIKE ? ESCAPE '\' OR lower(c.reference) LIKE ? ESCAPE '\')`)
		pat := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Text)) + "%"
		args = append(args, pat, pat)
	}
	if f.After > 0 {
		conds = append(conds, "c.id > ?")
		args = append(args, f.After)
	}
	order := " ORDER BY p.start_date DESC, p.id DESC, c.number, c.reference"
	limit := 100000
	if f.Limit > 0 {
		order, limit = " ORDER BY c.id", f.Limit
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var out []Commitment
	err := db.Each(ctx, q, "SELECT "+commitmentColumns+commitmentFrom+where+order+" LIMIT ?", append(args, limit), func(rows *sql.Rows) error {
		x, err := scanCommitment(rows)
		out = append(out, x)
		return err
	})
	return out, err
}

func commitmentArgs(in CommitmentInput) []any {
	return []any{in.PlanID, in.Reference, in.Number, in.Title, in.ShortTitle, in.Status, nullID(in.LeadOrgID), in.OtherGovernment, in.OtherCivil,
		in.Values.AccessInfo, in.Values.CivicParticipation, in.Values.Accountability, in.Values.Technology,
		in.Problem, in.Description, in.Contribution, in.Relevance, in.AdditionalInfo, nullDate(in.Start), nullDate(in.End), in.Contacts, in.URL}
}

// InsertCommitment creates a commitment (relations are set separately).
func (Store) InsertCommitment(ctx context.Context, q db.Q, in CommitmentInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO commitments (plan_id, reference, number, title, short_title, status, lead_organisation_id, other_actors_government, other_actors_civil,
		value_access_info, value_civic_participation, value_accountability, value_technology,
		problem, description, contribution, relevance, additional_info, start_date, end_date, contacts, url, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		append(commitmentArgs(in), now, now)...).Scan(&id)
	return id, db.MapError(err)
}

// UpdateCommitment saves a commitment.
func (Store) UpdateCommitment(ctx context.Context, q db.Q, id int64, in CommitmentInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE commitments SET plan_id = ?, reference = ?, number = ?, title = ?, short_title = ?, status = ?, lead_organisation_id = ?,
		other_actors_government = ?, other_actors_civil = ?, value_access_info = ?, value_civic_participation = ?, value_accountability = ?, value_technology = ?,
		problem = ?, description = ?, contribution = ?, relevance = ?, additional_info = ?, start_date = ?, end_date = ?, contacts = ?, url = ?, updated_at = ?
		WHERE id = ?`, append(commitmentArgs(in), db.Now(), id)...))
}

// SetOverride records (or, with nil, clears) a progress set by hand.
func (Store) SetOverride(ctx context.Context, q db.Q, id int64, v *float64, reason string) error {
	var arg any
	if v != nil {
		arg = *v
	}
	return db.Affected(q.Exec(ctx, "UPDATE commitments SET progress_override = ?, progress_override_reason = ?, updated_at = ? WHERE id = ?", arg, reason, db.Now(), id))
}

// replaceRefs makes table hold exactly ids for the commitment.
func replaceRefs(ctx context.Context, q db.Q, table, column string, commitmentID int64, ids []int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM "+table+" WHERE commitment_id = ?", commitmentID); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= 0 || seen[id] {
			continue
		}
		seen[id] = true
		if _, err := q.Exec(ctx, "INSERT INTO "+table+" (commitment_id, "+column+") VALUES (?, ?)", commitmentID, id); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// SetRelations replaces supporters, places and programs.
func (Store) SetRelations(ctx context.Context, q db.Q, id int64, in CommitmentInput) error {
	if err := replaceRefs(ctx, q, "commitment_supporters", "organisation_id", id, in.SupporterIDs); err != nil {
		return err
	}
	if err := replaceRefs(ctx, q, "commitment_places", "place_id", id, in.PlaceIDs); err != nil {
		return err
	}
	return replaceRefs(ctx, q, "commitment_programs", "program_id", id, in.ProgramIDs)
}

// refsQuery returns (commitment ID, ref) pairs for the commitments in ids.
func refsQuery(ctx context.Context, q db.Q, query string, ids []int64) (map[int64][]Ref, error) {
	out := map[int64][]Ref{}
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, strings.Replace(query, "(?)", "("+ph+")", 1), args, func(rows *sql.Rows) error {
			var cid int64
			var r Ref
			if err := rows.Scan(&cid, &r.ID, &r.Name); err != nil {
				return err
			}
			out[cid] = append(out[cid], r)
			return nil
		})
	})
	return out, err
}

// Relations loads supporters, policy areas, places and programs for the commitments (the
// four reads at once outside a transaction).
func (Store) Relations(ctx context.Context, q db.Q, cs []Commitment) error {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	var sup, tags, places, progs map[int64][]Ref
	err := together(q,
		func() (err error) {
			sup, err = refsQuery(ctx, q, `SELECT s.commitment_id, o.id, o.name FROM commitment_supporters s JOIN organisations o ON o.id = s.organisation_id
		WHERE s.commitment_id IN (?) ORDER BY lower(o.name)`, ids)
			return err
		},
		func() (err error) {
			tags, err = refsQuery(ctx, q, `SELECT tg.record_id, t.id, t.name FROM taggings tg JOIN tags t ON t.id = tg.tag_id
		WHERE tg.kind = 'commitment' AND tg.record_id IN (?) ORDER BY lower(t.name)`, ids)
			return err
		},
		func() (err error) {
			places, err = refsQuery(ctx, q, `SELECT cp.commitment_id, pl.id, pl.name FROM commitment_places cp JOIN places pl ON pl.id = cp.place_id
		WHERE cp.commitment_id IN (?) ORDER BY lower(pl.name)`, ids)
			return err
		},
		func() (err error) {
			progs, err = refsQuery(ctx, q, `SELECT cp.commitment_id, pr.id, pr.name FROM commitment_programs cp JOIN programs pr ON pr.id = cp.program_id
		WHERE cp.commitment_id IN (?) ORDER BY lower(pr.name)`, ids)
			return err
		},
	)
	if err != nil {
		return err
	}
	for i := range cs {
		id := cs[i].ID
		cs[i].Supporters, cs[i].PolicyAreas, cs[i].Places, cs[i].Programs = nonNil(sup[id]), nonNil(tags[id]), nonNil(places[id]), nonNil(progs[id])
	}
	return nil
}

func nonNil(r []Ref) []Ref {
	if r == nil {
		return []Ref{}
	}
	return r
}

// --- Milestones ---

const milestoneColumns = `id, commitment_id, position, activity, deliverable, start_date, end_date, status, progress, weight, evidence, created_at, updated_at`

func scanMilestone(row interface{ Scan(...any) error }) (Milestone, error) {
	var m Milestone
	var start, end sql.Null[time.Time]
	var w sql.NullFloat64
	var ev string
	err := row.Scan(&m.ID, &m.CommitmentID, &m.Position, &m.Activity, &m.Deliverable, &start, &end, &m.Status, &m.Progress, &w, &ev, &m.CreatedAt, &m.UpdatedAt)
	m.Start, m.End = scanDate(start), scanDate(end)
	if w.Valid {
		v := w.Float64
		m.Weight = &v
	}
	m.Evidence = splitLines(ev)
	return m, db.MapError(err)
}

func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Milestone loads one milestone.
func (Store) Milestone(ctx context.Context, q db.Q, id int64) (Milestone, error) {
	return scanMilestone(q.QueryRow(ctx, "SELECT "+milestoneColumns+" FROM milestones WHERE id = ?", id))
}

// MilestonesOf loads the milestones of the commitments in ids, in order.
func (Store) MilestonesOf(ctx context.Context, q db.Q, ids []int64) (map[int64][]Milestone, error) {
	out := map[int64][]Milestone{}
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT "+milestoneColumns+" FROM milestones WHERE commitment_id IN ("+ph+") ORDER BY commitment_id, position, id", args,
			func(rows *sql.Rows) error {
				m, err := scanMilestone(rows)
				out[m.CommitmentID] = append(out[m.CommitmentID], m)
				return err
			})
	})
	return out, err
}

func weightArg(w *float64) any {
	if w == nil {
		return nil
	}
	return *w
}

// InsertMilestone adds a milestone at the end.
func (Store) InsertMilestone(ctx context.Context, q db.Q, commitmentID int64, in MilestoneInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO milestones (commitment_id, position, activity, deliverable, start_date, end_date, status, progress, weight, evidence, created_at, updated_at)
		VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM milestones WHERE commitment_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		commitmentID, commitmentID, in.Activity, in.Deliverable, nullDate(in.Start), nullDate(in.End), in.Status, in.Progress, weightArg(in.Weight),
		strings.Join(in.Evidence, "\n"), now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateMilestone saves a milestone.
func (Store) UpdateMilestone(ctx context.Context, q db.Q, id int64, in MilestoneInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE milestones SET activity = ?, deliverable = ?, start_date = ?, end_date = ?, status = ?, progress = ?, weight = ?, evidence = ?, updated_at = ?
		WHERE id = ?`, in.Activity, in.Deliverable, nullDate(in.Start), nullDate(in.End), in.Status, in.Progress, weightArg(in.Weight), strings.Join(in.Evidence, "\n"), db.Now(), id))
}

// SetMilestoneProgress sets progress and/or status from a progress update.
func (Store) SetMilestoneProgress(ctx context.Context, q db.Q, id int64, progress *int, status string) error {
	if progress != nil {
		if err := db.Affected(q.Exec(ctx, "UPDATE milestones SET progress = ?, updated_at = ? WHERE id = ?", *progress, db.Now(), id)); err != nil {
			return err
		}
	}
	if status != "" {
		return db.Affected(q.Exec(ctx, "UPDATE milestones SET status = ?, updated_at = ? WHERE id = ?", status, db.Now(), id))
	}
	return nil
}

// --- Progress updates ---

const updateColumns = `u.id, u.commitment_id, c.reference, COALESCE(u.milestone_id, 0), u.reported_on, COALESCE(u.author_id, 0), u.author, u.body, u.evidence, u.progress, u.status, u.created_at`

func scanUpdate(row interface{ Scan(...any) error }) (Update, error) {
	var u Update
	var on time.Time
	var ev string
	var prog sql.NullInt64
	err := row.Scan(&u.ID, &u.CommitmentID, &u.Reference, &u.MilestoneID, &on, &u.AuthorID, &u.Author, &u.Body, &ev, &prog, &u.Status, &u.CreatedAt)
	u.ReportedOn = Date{on.UTC()}
	u.Evidence = splitLines(ev)
	if prog.Valid {
		v := int(prog.Int64)
		u.Progress = &v
	}
	return u, db.MapError(err)
}

// Update loads one progress update.
func (Store) Update(ctx context.Context, q db.Q, id int64) (Update, error) {
	return scanUpdate(q.QueryRow(ctx, "SELECT "+updateColumns+" FROM progress_updates u JOIN commitments c ON c.id = u.commitment_id WHERE u.id = ?", id))
}

// InsertUpdate appends a progress update.
func (Store) InsertUpdate(ctx context.Context, q db.Q, commitmentID int64, authorID int64, author string, in UpdateInput) (int64, error) {
	var prog any
	if in.Progress != nil {
		prog = *in.Progress
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO progress_updates (commitment_id, milestone_id, reported_on, author_id, author, body, evidence, progress, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		commitmentID, nullID(in.MilestoneID), in.ReportedOn.Time, nullID(authorID), author, in.Body, strings.Join(in.Evidence, "\n"), prog, in.Status, db.Now()).Scan(&id)
	return id, db.MapError(err)
}

// Updates lists updates, newest first, of one commitment or of every commitment of a plan.
func (Store) Updates(ctx context.Context, q db.Q, planID, commitmentID int64, limit int) ([]Update, error) {
	cond, arg := "u.commitment_id = ?", commitmentID
	if planID != 0 {
		cond, arg = "c.plan_id = ?", planID
	}
	if limit <= 0 {
		limit = 1000
	}
	var out []Update
	err := db.Each(ctx, q, "SELECT "+updateColumns+" FROM progress_updates u JOIN commitments c ON c.id = u.commitment_id WHERE "+cond+
		" ORDER BY u.reported_on DESC, u.id DESC LIMIT ?", []any{arg, limit}, func(rows *sql.Rows) error {
		x, err := scanUpdate(rows)
		out = append(out, x)
		return err
	})
	return out, err
}

// --- Assessments ---

const assessmentColumns = `id, commitment_id, kind, COALESCE(assessor_id, 0), assessor, assessed_on, verifiable,
	rel_access_info, rel_civic_participation, rel_accountability, rel_technology, potential_impact, potential_results, completion,
	otg_overall, otg_access_info, otg_civic_participation, otg_accountability, otg_technology, summary, source, created_at`

func scanAssessment(row interface{ Scan(...any) error }) (Assessment, error) {
	var a Assessment
	var on time.Time
	var ver sql.NullBool
	err := row.Scan(&a.ID, &a.CommitmentID, &a.Kind, &a.AssessorID, &a.Assessor, &on, &ver,
		&a.Relevance.AccessInfo, &a.Relevance.CivicParticipation, &a.Relevance.Accountability, &a.Relevance.Technology,
		&a.PotentialImpact, &a.PotentialResults, &a.Completion, &a.OTGOverall, &a.OTG.AccessInfo, &a.OTG.CivicParticipation,
		&a.OTG.Accountability, &a.OTG.Technology, &a.Summary, &a.Source, &a.CreatedAt)
	a.AssessedOn = Date{on.UTC()}
	if ver.Valid {
		v := ver.Bool
		a.Verifiable = &v
	}
	a.Starred = Starred(a)
	return a, db.MapError(err)
}

// Assessment loads one assessment.
func (Store) Assessment(ctx context.Context, q db.Q, id int64) (Assessment, error) {
	return scanAssessment(q.QueryRow(ctx, "SELECT "+assessmentColumns+" FROM assessments WHERE id = ?", id))
}

// InsertAssessment appends an assessment.
func (Store) InsertAssessment(ctx context.Context, q db.Q, commitmentID, assessorID int64, assessor string, in AssessmentInput) (int64, error) {
	var ver any
	if in.Verifiable != nil {
		ver = *in.Verifiable
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO assessments (commitment_id, kind, assessor_id, assessor, assessed_on, verifiable,
		rel_access_info, rel_civic_participation, rel_accountability, rel_technology, potential_impact, potential_results, completion,
		otg_overall, otg_access_info, otg_civic_participation, otg_accountability, otg_technology, summary, source, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		commitmentID, in.Kind, nullID(assessorID), assessor, in.AssessedOn.Time, ver,
		in.Relevance.AccessInfo, in.Relevance.CivicParticipation, in.Relevance.Accountability, in.Relevance.Technology,
		in.PotentialImpact, in.PotentialResults, in.Completion, in.OTGOverall, in.OTG.AccessInfo, in.OTG.CivicParticipation,
		in.OTG.Accountability, in.OTG.Technology, in.Summary, in.Source, db.Now()).Scan(&id)
	return id, db.MapError(err)
}

// AssessmentsOf loads the assessments of the commitments in ids, oldest first.
func (Store) AssessmentsOf(ctx context.Context, q db.Q, ids []int64) (map[int64][]Assessment, error) {
	out := map[int64][]Assessment{}
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT "+assessmentColumns+" FROM assessments WHERE commitment_id IN ("+ph+") ORDER BY assessed_on, id", args,
			func(rows *sql.Rows) error {
				a, err := scanAssessment(rows)
				out[a.CommitmentID] = append(out[a.CommitmentID], a)
				return err
			})
	})
	return out, err
}
