package commitments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Service holds the rules of commitments: who sees and changes what, one transaction per
// change, each change audited and indexed for search.
type Service struct {
	DB    *db.DB
	Store Store
	Dir   *directory.Service
	Now   func() time.Time
}

// NewService builds the service.
func NewService(d *db.DB, dir *directory.Service) *Service {
	s := &Service{DB: d, Dir: dir, Now: db.Now}
	s.registerKinds()
	return s
}

// Who may do what. Plans belong to an organisation; a commitment is also worked on by its
// lead institution.
func canSeePlan(p authz.Principal, pl Plan) bool { return pl.Public() || p.Can(authz.Read, pl.OrgID) }

// canSeeCommitment: a commitment is seen with its plan. Those who may not see it are told it
// does not exist, rather than that they may not change it.
func canSeeCommitment(p authz.Principal, c Commitment) bool {
	return canSeePlan(p, Plan{OrgID: c.PlanOrgID, Status: c.PlanStatus})
}

// CanCreatePlan: contributors of any organisation (the plan's owner is checked on save).
func CanCreatePlan(p authz.Principal) bool { return p.CanAny(authz.Contribute) }

// CanEditPlan: managers of the owner; contributors while the plan is a draft.
func CanEditPlan(p authz.Principal, pl Plan) bool {
	return p.Can(authz.Manage, pl.OrgID) || (pl.Status == "draft" && p.Can(authz.Contribute, pl.OrgID))
}

// CanEditCommitment: contributors of the plan's owner or of the lead institution.
func CanEditCommitment(p authz.Principal, c Commitment) bool {
	return p.Can(authz.Contribute, c.PlanOrgID) || (c.LeadOrgID != 0 && p.Can(authz.Contribute, c.LeadOrgID))
}

// CanOverride: managers of the plan's owner set progress by hand.
func CanOverride(p authz.Principal, c Commitment) bool { return p.Can(authz.Manage, c.PlanOrgID) }

// CanAssess says which kinds of assessment the principal may record: a self-assessment by
// reviewers or managers of the owner or lead institution; an independent review by reviewers
// of any other organisation (and site admins).
func CanAssess(p authz.Principal, c Commitment, kind string) bool {
	own := func(org int64) bool { return org != 0 && p.Can(authz.Review, org) }
	switch kind {
	case "self":
		return own(c.PlanOrgID) || own(c.LeadOrgID)
	case "independent":
		if p.SiteAdmin {
			return true
		}
		// Independent means from outside: no role at all in the owner or lead institution.
		if _, ok := p.Roles[c.PlanOrgID]; ok {
			return false
		}
		if _, ok := p.Roles[c.LeadOrgID]; ok && c.LeadOrgID != 0 {
			return false
		}
		for org, r := range p.Roles {
			if r.Grants(authz.Review) && org != c.PlanOrgID && org != c.LeadOrgID {
				return true
			}
		}
	}
	return false
}

func (s *Service) filterVisibility(p authz.Principal) (all bool, orgs []int64) {
	return p.SiteAdmin, p.Orgs(authz.Read)
}

// Plans lists the plans the principal may see, with counts, progress and completion.
func (s *Service) Plans(ctx context.Context) ([]Plan, error) {
	all, orgs := s.filterVisibility(authz.From(ctx))
	plans, err := s.Store.Plans(ctx, s.DB, PlanFilter{AllVisible: all, VisibleOrgs: orgs})
	if err != nil {
		return nil, err
	}
	cs, err := s.Commitments(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	byPlan := map[int64][]Commitment{}
	for _, c := range cs {
		byPlan[c.PlanID] = append(byPlan[c.PlanID], c)
	}
	for i := range plans {
		summarise(&plans[i], byPlan[plans[i].ID])
	}
	return plans, nil
}

// summarise fills a plan's counts from its commitments.
func summarise(p *Plan, cs []Commitment) {
	p.Commitments = len(cs)
	p.ByCompletion = map[string]int{}
	var sum float64
	for _, c := range cs {
		if c.Measured {
			sum += c.Progress
			p.Measured++
		}
		key := "not_assessed"
		if c.Latest != nil && c.Latest.Completion != "" {
			key = c.Latest.Completion
		}
		p.ByCompletion[key]++
	}
	if p.Measured > 0 {
		p.Progress = sum / float64(p.Measured)
	}
}

// Plan returns a plan the principal may see, with its summary.
func (s *Service) Plan(ctx context.Context, id int64) (Plan, []Commitment, error) {
	pl, err := s.Store.Plan(ctx, s.DB, id)
	if err != nil {
		return Plan{}, nil, err
	}
	if !canSeePlan(authz.From(ctx), pl) {
		return Plan{}, nil, db.ErrNotFound
	}
	cs, err := s.Commitments(ctx, Filter{PlanID: id})
	if err != nil {
		return Plan{}, nil, err
	}
	summarise(&pl, cs)
	return pl, cs, nil
}

func planDoc(p Plan) search.Doc {
	return search.Doc{Kind: "plan", RecordID: p.ID, Title: p.Title, Body: strings.Join([]string{p.OrgName, p.Country, p.Locality, p.Cycle, p.Description}, " "),
		URL: fmt.Sprintf("/plans/%d", p.ID), Public: p.Public(), OrgID: p.OrgID}
}

// CreatePlan creates a plan owned by in.OrgID.
func (s *Service) CreatePlan(ctx context.Context, in PlanInput) (Plan, error) {
	p := authz.From(ctx)
	if !p.Can(authz.Contribute, in.OrgID) {
		if !CanCreatePlan(p) {
			return Plan{}, audit.Deny(ctx, s.DB, "plan.create", "plan", 0)
		}
		return Plan{}, valid.Errors{"organisation_id": "Choose an organisation you contribute to."}
	}
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	if in.Status != "draft" && !p.Can(authz.Manage, in.OrgID) {
		return Plan{}, valid.Errors{"status": "Only managers publish plans: save it as a draft."}
	}
	var pl Plan
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := s.Store.InsertPlan(ctx, tx, in)
		if errors.Is(err, db.ErrConflict) {
			return valid.Errors{"title": "A plan with this title already exists."}
		} else if err != nil {
			return err
		}
		if pl, err = s.Store.Plan(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, planDoc(pl)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "plan.create", TargetKind: "plan", TargetID: id, Target: pl.Title})
	})
	return pl, err
}

// UpdatePlan edits a plan; commitments' search documents follow its visibility.
func (s *Service) UpdatePlan(ctx context.Context, id int64, in PlanInput) (Plan, error) {
	p := authz.From(ctx)
	old, err := s.Store.Plan(ctx, s.DB, id)
	if err != nil {
		return Plan{}, err
	}
	if !CanEditPlan(p, old) {
		if !canSeePlan(p, old) {
			return Plan{}, db.ErrNotFound
		}
		return Plan{}, audit.Deny(ctx, s.DB, "plan.update", "plan", id)
	}
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	if in.OrgID != old.OrgID && !p.Can(authz.Manage, in.OrgID) {
		return Plan{}, valid.Errors{"organisation_id": "Choose an organisation you manage."}
	}
	if in.Status != old.Status && !p.Can(authz.Manage, old.OrgID) {
		return Plan{}, valid.Errors{"status": "Only managers change a plan's status."}
	}
	var pl Plan
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.UpdatePlan(ctx, tx, id, in); errors.Is(err, db.ErrConflict) {
			return valid.Errors{"title": "A plan with this title already exists."}
		} else if err != nil {
			return err
		}
		if pl, err = s.Store.Plan(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, planDoc(pl)); err != nil {
			return err
		}
		if pl.Public() != old.Public() {
			if err := s.reindexPlan(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "plan.update", TargetKind: "plan", TargetID: id, Target: pl.Title,
			Detail: fmt.Sprintf("status %s → %s", old.Status, pl.Status)})
	})
	return pl, err
}

func (s *Service) reindexPlan(ctx context.Context, tx db.Q, planID int64) error {
	cs, err := s.Store.Commitments(ctx, tx, Filter{PlanID: planID, AllVisible: true})
	if err != nil {
		return err
	}
	ms, err := s.Store.MilestonesOf(ctx, tx, ids(cs))
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := s.index(ctx, tx, c, ms[c.ID]); err != nil {
			return err
		}
	}
	return nil
}

func ids(cs []Commitment) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// index writes the search documents of a commitment and its milestones.
func (s *Service) index(ctx context.Context, tx db.Q, c Commitment, ms []Milestone) error {
	public := c.PlanStatus != "draft"
	body := strings.Join([]string{c.Reference, c.ShortTitle, c.LeadOrgName, c.PlanTitle, c.Problem, c.Description, c.Contribution, c.Relevance, c.AdditionalInfo}, "\n")
	if err := search.Index(ctx, tx, search.Doc{Kind: "commitment", RecordID: c.ID, Title: c.Reference + " " + c.Title, Body: body,
		URL: "/commitments/" + c.Reference, Public: public, OrgID: c.PlanOrgID}); err != nil {
		return err
	}
	for _, m := range ms {
		if err := search.Index(ctx, tx, search.Doc{Kind: "milestone", RecordID: m.ID, Title: m.Activity, Body: c.Reference + " " + c.Title + "\n" + m.Deliverable,
			URL: fmt.Sprintf("/commitments/%s#milestone-%d", c.Reference, m.ID), Public: public, OrgID: c.PlanOrgID}); err != nil {
			return err
		}
	}
	return nil
}

// Commitments lists what the principal may see, with progress, latest assessment and
// relations; Starred filters on the derived flag.
func (s *Service) Commitments(ctx context.Context, f Filter) ([]Commitment, error) {
	f.AllVisible, f.VisibleOrgs = s.filterVisibility(authz.From(ctx))
	cs, err := s.Store.Commitments(ctx, s.DB, f)
	if err != nil {
		return nil, err
	}
	if err := s.fill(ctx, s.DB, cs, false); err != nil {
		return nil, err
	}
	if f.Starred {
		kept := cs[:0]
		for _, c := range cs {
			if c.Starred {
				kept = append(kept, c)
			}
		}
		cs = kept
	}
	return cs, nil
}

// fill computes progress, the latest assessment and starred, and loads relations; with
// keepMilestones the milestones stay on each commitment.
func (s *Service) fill(ctx context.Context, q db.Q, cs []Commitment, keepMilestones bool) error {
	if len(cs) == 0 {
		return nil
	}
	load := s.Store.MilestoneProgressOf // what the roll-up needs
	if keepMilestones {
		load = s.Store.MilestonesOf
	}
	cids := ids(cs)
	var ms map[int64][]Milestone
	var as map[int64][]Assessment
	err := together(q,
		func() (err error) { ms, err = load(ctx, q, cids); return err },
		func() (err error) { as, err = s.Store.AssessmentsOf(ctx, q, cids); return err },
		func() error { return s.Store.Relations(ctx, q, cs) },
	)
	if err != nil {
		return err
	}
	for i := range cs {
		c := &cs[i]
		if c.Override != nil {
			c.Progress, c.Measured = *c.Override, true
		} else {
			c.Progress, c.Measured = RollUp(ms[c.ID]), Measurable(ms[c.ID])
		}
		if keepMilestones {
			c.Milestones = ms[c.ID]
			if c.Milestones == nil {
				c.Milestones = []Milestone{}
			}
		}
		c.Latest, c.Starred = latest(as[c.ID])
	}
	return nil
}

// latest picks the assessment shown in the review box: the newest independent review, or
// the newest self-assessment when there is no independent one. Starred comes only from an
// independent review.
func latest(as []Assessment) (*Assessment, bool) {
	var ind, self *Assessment
	for i := range as {
		a := &as[i]
		if a.Kind == "independent" {
			ind = a
		} else {
			self = a
		}
	}
	if ind != nil {
		return ind, ind.Starred
	}
	return self, false
}

// Commitment returns the commitment with reference ref, with milestones, if the principal
// may see it.
func (s *Service) Commitment(ctx context.Context, ref string) (Commitment, error) {
	c, err := s.Store.CommitmentByRef(ctx, s.DB, ref)
	if err != nil {
		return Commitment{}, err
	}
	if !canSeePlan(authz.From(ctx), Plan{OrgID: c.PlanOrgID, Status: c.PlanStatus}) {
		return Commitment{}, db.ErrNotFound
	}
	cs := []Commitment{c}
	if err := s.fill(ctx, s.DB, cs, true); err != nil {
		return Commitment{}, err
	}
	return cs[0], nil
}

// Updates lists a commitment's progress updates, newest first.
func (s *Service) Updates(ctx context.Context, c Commitment) ([]Update, error) {
	return s.Store.Updates(ctx, s.DB, 0, c.ID, 0)
}

// PlanUpdates lists the updates of a plan's commitments, newest first.
func (s *Service) PlanUpdates(ctx context.Context, pl Plan, limit int) ([]Update, error) {
	return s.Store.Updates(ctx, s.DB, pl.ID, 0, limit)
}

// Assessments lists a commitment's assessments, oldest first.
func (s *Service) Assessments(ctx context.Context, c Commitment) ([]Assessment, error) {
	m, err := s.Store.AssessmentsOf(ctx, s.DB, []int64{c.ID})
	return m[c.ID], err
}

// checkRelations refuses unknown plans, organisations, places and programs as field errors.
func (s *Service) checkRelations(ctx context.Context, q db.Q, p authz.Principal, in CommitmentInput) (Plan, error) {
	pl, err := s.Store.Plan(ctx, q, in.PlanID)
	if errors.Is(err, db.ErrNotFound) {
		return Plan{}, valid.Errors{"plan_id": "Choose an action plan from the list."}
	} else if err != nil {
		return Plan{}, err
	}
	exists := func(table string, ids []int64) (bool, error) {
		for _, id := range ids {
			var one int
			err := q.QueryRow(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id).Scan(&one)
			if errors.Is(db.MapError(err), db.ErrNotFound) {
				return false, nil
			} else if err != nil {
				return false, err
			}
		}
		return true, nil
	}
	checks := []struct {
		field, table, msg string
		ids               []int64
	}{
		{"lead_organisation_id", "organisations", "Choose the lead institution from the list.", nonZero(in.LeadOrgID)},
		{"supporting_organisation_ids", "organisations", "Choose supporting institutions from the list.", in.SupporterIDs},
		{"place_ids", "places", "Choose places from the list.", in.PlaceIDs},
		{"program_ids", "programs", "Choose programs from the list.", in.ProgramIDs},
	}
	for _, ch := range checks {
		ok, err := exists(ch.table, ch.ids)
		if err != nil {
			return Plan{}, err
		}
		if !ok {
			return Plan{}, valid.Errors{ch.field: ch.msg}
		}
	}
	return pl, nil
}

func nonZero(id int64) []int64 {
	if id == 0 {
		return nil
	}
	return []int64{id}
}

// save writes a commitment and its relations in tx and returns it reloaded.
func (s *Service) save(ctx context.Context, tx *db.Tx, id int64, in CommitmentInput) (Commitment, error) {
	var err error
	if id == 0 {
		id, err = s.Store.InsertCommitment(ctx, tx, in)
	} else {
		err = s.Store.UpdateCommitment(ctx, tx, id, in)
	}
	if errors.Is(err, db.ErrConflict) {
		return Commitment{}, valid.Errors{"reference": "Another commitment already has the reference " + in.Reference + "."}
	} else if err != nil {
		return Commitment{}, err
	}
	if err := s.Store.SetRelations(ctx, tx, id, in); err != nil {
		return Commitment{}, err
	}
	if err := s.Dir.SetTags(ctx, tx, "commitment", id, in.PolicyAreaIDs); err != nil {
		if ve, ok := valid.As(err); ok && ve["tags"] != "" {
			return Commitment{}, valid.Errors{"policy_area_ids": ve["tags"]}
		}
		return Commitment{}, err
	}
	c, err := s.Store.Commitment(ctx, tx, id)
	if err != nil {
		return Commitment{}, err
	}
	ms, err := s.Store.MilestonesOf(ctx, tx, []int64{id})
	if err != nil {
		return Commitment{}, err
	}
	return c, s.index(ctx, tx, c, ms[id])
}

// CreateCommitment adds a commitment to a plan.
func (s *Service) CreateCommitment(ctx context.Context, in CommitmentInput) (Commitment, error) {
	p := authz.From(ctx)
	if !p.CanAny(authz.Contribute) {
		return Commitment{}, audit.Deny(ctx, s.DB, "commitment.create", "commitment", 0)
	}
	if err := in.Validate(); err != nil {
		return Commitment{}, err
	}
	var c Commitment
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		pl, err := s.checkRelations(ctx, tx, p, in)
		if err != nil {
			return err
		}
		if !p.Can(authz.Contribute, pl.OrgID) {
			return valid.Errors{"plan_id": "Choose a plan of an organisation you contribute to."}
		}
		if c, err = s.save(ctx, tx, 0, in); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "commitment.create", TargetKind: "commitment", TargetID: c.ID, Target: c.Reference})
	})
	return c, err
}

// UpdateCommitment edits the commitment with reference ref.
func (s *Service) UpdateCommitment(ctx context.Context, ref string, in CommitmentInput) (Commitment, error) {
	p := authz.From(ctx)
	old, err := s.Store.CommitmentByRef(ctx, s.DB, ref)
	if err != nil {
		return Commitment{}, err
	}
	if !CanEditCommitment(p, old) {
		if !canSeePlan(p, Plan{OrgID: old.PlanOrgID, Status: old.PlanStatus}) {
			return Commitment{}, db.ErrNotFound
		}
		return Commitment{}, audit.Deny(ctx, s.DB, "commitment.update", "commitment", old.ID)
	}
	if err := in.Validate(); err != nil {
		return Commitment{}, err
	}
	var c Commitment
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		pl, err := s.checkRelations(ctx, tx, p, in)
		if err != nil {
			return err
		}
		if pl.ID != old.PlanID && !p.Can(authz.Contribute, pl.OrgID) {
			return valid.Errors{"plan_id": "Choose a plan of an organisation you contribute to."}
		}
		if c, err = s.save(ctx, tx, old.ID, in); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "commitment.update", TargetKind: "commitment", TargetID: c.ID, Target: c.Reference,
			Detail: commitmentChanges(old, c)})
	})
	return c, err
}

func commitmentChanges(a, b Commitment) string {
	var ch []string
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			ch = append(ch, name)
		}
	}
	add("reference", a.Reference, b.Reference)
	add("title", a.Title, b.Title)
	add("short_title", a.ShortTitle, b.ShortTitle)
	add("status", a.Status, b.Status)
	add("plan", a.PlanID, b.PlanID)
	add("lead", a.LeadOrgID, b.LeadOrgID)
	add("values", a.Values, b.Values)
	add("narrative", a.Problem+a.Description+a.Contribution+a.Relevance+a.AdditionalInfo, b.Problem+b.Description+b.Contribution+b.Relevance+b.AdditionalInfo)
	add("dates", a.Start.String()+a.End.String(), b.Start.String()+b.End.String())
	add("actors", a.OtherGovernment+a.OtherCivil, b.OtherGovernment+b.OtherCivil)
	add("contacts", a.Contacts, b.Contacts)
	add("url", a.URL, b.URL)
	if len(ch) == 0 {
		return "no change to the record's fields"
	}
	return "changed: " + strings.Join(ch, ", ")
}

// SetOverride sets (value non-nil) or clears a commitment's progress by hand, with a reason.
func (s *Service) SetOverride(ctx context.Context, ref string, value *float64, reason string) error {
	p := authz.From(ctx)
	c, err := s.Store.CommitmentByRef(ctx, s.DB, ref)
	if err != nil {
		return err
	}
	if !CanOverride(p, c) {
		if !canSeeCommitment(p, c) {
			return db.ErrNotFound
		}
		return audit.Deny(ctx, s.DB, "commitment.progress_override", "commitment", c.ID)
	}
	reason = strings.TrimSpace(reason)
	var ch valid.Checker
	if value != nil {
		ch.Check(*value >= 0 && *value <= 100, "progress", "Enter progress from 0 to 100.")
		ch.Required("reason", reason, "why progress is set by hand")
	}
	ch.MaxLen("reason", reason, 2000)
	if err := ch.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetOverride(ctx, tx, c.ID, value, reason); err != nil {
			return err
		}
		detail := "cleared: progress rolls up from milestones"
		if value != nil {
			detail = fmt.Sprintf("set to %.0f%%: %s", *value, reason)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "commitment.progress_override", TargetKind: "commitment", TargetID: c.ID, Target: c.Reference, Detail: detail})
	})
}

// AddMilestone adds a milestone; the warning says when it falls outside the commitment's period.
func (s *Service) AddMilestone(ctx context.Context, ref string, in MilestoneInput) (Milestone, string, error) {
	return s.saveMilestone(ctx, ref, 0, in)
}

// UpdateMilestone edits a milestone of the commitment.
func (s *Service) UpdateMilestone(ctx context.Context, ref string, id int64, in MilestoneInput) (Milestone, string, error) {
	return s.saveMilestone(ctx, ref, id, in)
}

func (s *Service) saveMilestone(ctx context.Context, ref string, id int64, in MilestoneInput) (Milestone, string, error) {
	p := authz.From(ctx)
	c, err := s.Store.CommitmentByRef(ctx, s.DB, ref)
	if err != nil {
		return Milestone{}, "", err
	}
	action := "milestone.create"
	if id != 0 {
		action = "milestone.update"
	}
	if !CanEditCommitment(p, c) {
		if !canSeeCommitment(p, c) {
			return Milestone{}, "", db.ErrNotFound
		}
		return Milestone{}, "", audit.Deny(ctx, s.DB, action, "commitment", c.ID)
	}
	if err := in.Validate(); err != nil {
		return Milestone{}, "", err
	}
	var m Milestone
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if id == 0 {
			if id, err = s.Store.InsertMilestone(ctx, tx, c.ID, in); err != nil {
				return err
			}
		} else {
			old, err := s.Store.Milestone(ctx, tx, id)
			if err != nil || old.CommitmentID != c.ID {
				return db.ErrNotFound
			}
			if err := s.Store.UpdateMilestone(ctx, tx, id, in); err != nil {
				return err
			}
		}
		if m, err = s.Store.Milestone(ctx, tx, id); err != nil {
			return err
		}
		ms, err := s.Store.MilestonesOf(ctx, tx, []int64{c.ID})
		if err != nil {
			return err
		}
		if err := s.index(ctx, tx, c, ms[c.ID]); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "milestone", TargetID: id, Target: c.Reference + ": " + m.Activity})
	})
	return m, OutsidePeriod(in, c), err
}

// AddUpdate appends a progress update (and, when it says so, sets its milestone's progress
// and status in the same transaction).
func (s *Service) AddUpdate(ctx context.Context, ref string, in UpdateInput) (Update, error) {
	p := authz.From(ctx)
	c, err := s.Store.CommitmentByRef(ctx, s.DB, ref)
	if err != nil {
		return Update{}, err
	}
	if !CanEditCommitment(p, c) {
		if !canSeeCommitment(p, c) {
			return Update{}, db.ErrNotFound
		}
		return Update{}, audit.Deny(ctx, s.DB, "update.create", "commitment", c.ID)
	}
	if err := in.Validate(s.Now()); err != nil {
		return Update{}, err
	}
	var u Update
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if in.MilestoneID != 0 {
			m, err := s.Store.Milestone(ctx, tx, in.MilestoneID)
			if err != nil || m.CommitmentID != c.ID {
				return valid.Errors{"milestone_id": "Choose one of this commitment's milestones."}
			}
			if err := s.Store.SetMilestoneProgress(ctx, tx, m.ID, in.Progress, in.Status); err != nil {
				return err
			}
		}
		author := p.Name
		if author == "" {
			author = p.Email
		}
		id, err := s.Store.InsertUpdate(ctx, tx, c.ID, p.UserID, author, in)
		if err != nil {
			return err
		}
		if u, err = s.Store.Update(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "update.create", TargetKind: "commitment", TargetID: c.ID, Target: c.Reference,
			Detail: fmt.Sprintf("update %d", id)})
	})
	return u, err
}

// AddAssessment appends an assessment by the principal.
func (s *Service) AddAssessment(ctx context.Context, ref string, in AssessmentInput) (Assessment, error) {
	p := authz.From(ctx)
	c, err := s.Store.CommitmentByRef(ctx, s.DB, ref)
	if err != nil {
		return Assessment{}, err
	}
	if !CanAssess(p, c, "self") && !CanAssess(p, c, "independent") {
		if !canSeeCommitment(p, c) {
			return Assessment{}, db.ErrNotFound
		}
		return Assessment{}, audit.Deny(ctx, s.DB, "assessment.create", "commitment", c.ID)
	}
	if err := in.Validate(s.Now()); err != nil {
		return Assessment{}, err
	}
	if !CanAssess(p, c, in.Kind) {
		msg := "An independent review is recorded by a reviewer from outside the plan's owner and lead institution."
		if in.Kind == "self" {
			msg = "A self-assessment is recorded by a reviewer or manager of the plan's owner or lead institution."
		}
		return Assessment{}, valid.Errors{"kind": msg}
	}
	var a Assessment
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		who := p.Name
		if who == "" {
			who = p.Email
		}
		id, err := s.Store.InsertAssessment(ctx, tx, c.ID, p.UserID, who, in)
		if err != nil {
			return err
		}
		if a, err = s.Store.Assessment(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.create", TargetKind: "commitment", TargetID: c.ID, Target: c.Reference,
			Detail: fmt.Sprintf("%s assessment %d", in.Kind, id)})
	})
	return a, err
}
