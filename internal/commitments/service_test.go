package commitments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// svcFixture is a small world: organisation A owns a published plan and a draft plan;
// organisation B leads the published plan's commitment XX0001; organisation C is an
// independent reviewer's. People hold one role each.
type svcFixture struct {
	d         *db.DB
	s         *Service
	orgA      int64
	orgB      int64
	orgC      int64
	areaA     int64 // policy area "Capacity Building"
	areaB     int64 // policy area "Public Service Delivery"
	plan      Plan  // published, owned by A
	draft     Plan  // draft, owned by A
	people    map[string]authz.Principal
	reference string // XX0001, in the published plan, led by B
}

func svcPerson(t *testing.T, d *db.DB, name string, site bool, roles map[int64]authz.Role) authz.Principal {
	t.Helper()
	id, err := auth.InsertUser(context.Background(), d, auth.User{Email: name + "@example.org", Name: "Test " + name, IsAdmin: site})
	if err != nil {
		t.Fatal(err)
	}
	return authz.Principal{UserID: id, Name: "Test " + name, Email: name + "@example.org", SiteAdmin: site, Roles: roles, Via: "session"}
}

func newSvcFixture(t *testing.T, d *db.DB) *svcFixture {
	t.Helper()
	sys := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &svcFixture{d: d, s: NewService(d, dir), people: map[string]authz.Principal{}, reference: "XX0001"}
	for _, o := range []struct {
		name string
		id   *int64
	}{{"Department of Testing", &f.orgA}, {"Lead Agency", &f.orgB}, {"Independent Reviewers", &f.orgC}} {
		org, err := dir.CreateOrg(sys, directory.OrgInput{Name: o.name, Type: "government_agency"})
		if err != nil {
			t.Fatal(err)
		}
		*o.id = org.ID
	}
	for _, a := range []struct {
		name string
		id   *int64
	}{{"Capacity Building", &f.areaA}, {"Public Service Delivery", &f.areaB}} {
		tg, err := dir.CreateTag(sys, directory.TagInput{Scheme: "policy_area", Name: a.name})
		if err != nil {
			t.Fatal(err)
		}
		*a.id = tg.ID
	}
	f.people["anonymous"] = authz.Anonymous
	f.people["site-admin"] = svcPerson(t, d, "site-admin", true, nil)
	for name, roles := range map[string]map[int64]authz.Role{
		"viewer-a":      {f.orgA: authz.Viewer},
		"contributor-a": {f.orgA: authz.Contributor},
		"manager-a":     {f.orgA: authz.Manager},
		"reviewer-a":    {f.orgA: authz.Reviewer},
		"contributor-b": {f.orgB: authz.Contributor},
		"reviewer-c":    {f.orgC: authz.Reviewer},
	} {
		f.people[name] = svcPerson(t, d, name, false, roles)
	}
	admin := f.as("site-admin")
	var err error
	if f.plan, err = f.s.CreatePlan(admin, PlanInput{OrgID: f.orgA, Title: "Test Action Plan 2018-2020", Country: "Australia", Number: 2, Cycle: "2018",
		Start: d0("2018-09-01"), End: d0("2020-08-31"), Status: "in_implementation"}); err != nil {
		t.Fatal(err)
	}
	if f.draft, err = f.s.CreatePlan(admin, PlanInput{OrgID: f.orgA, Title: "Secret Draft Plan 2022-2024", Country: "Australia", Number: 3,
		Cycle: "2022", Status: "draft"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateCommitment(admin, CommitmentInput{PlanID: f.plan.ID, Reference: f.reference, Number: 1, Title: "Improve public service practice",
		Status: "active", LeadOrgID: f.orgB, PolicyAreaIDs: []int64{f.areaA}, Start: d0("2018-09-01"), End: d0("2020-08-31"),
		Problem: "The problems are numerous.\n\nAnd interrelated."}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateCommitment(admin, CommitmentInput{PlanID: f.draft.ID, Reference: "XX0002", Title: "A commitment nobody outside may see",
		Status: "not_started", LeadOrgID: f.orgA}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *svcFixture) as(name string) context.Context {
	p, ok := f.people[name]
	if !ok {
		panic("no person " + name)
	}
	return authz.With(context.Background(), p)
}

func d0(s string) Date { return d(s) }

func (f *svcFixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok || ve[field] == "" {
		t.Fatalf("want a message on %s, got %v", field, err)
	}
}

func TestStarredRule(t *testing.T) {
	yes, no := true, false
	good := Assessment{Kind: "independent", Verifiable: &yes, Relevance: Values{CivicParticipation: true}, PotentialImpact: "transformative", Completion: "substantial"}
	with := func(change func(*Assessment)) Assessment { a := good; change(&a); return a }
	cases := []struct {
		name string
		a    Assessment
		want bool
	}{
		{"verifiable, relevant, transformative, substantial", good, true},
		{"complete instead of substantial", with(func(a *Assessment) { a.Completion = "complete" }), true},
		{"any one value is enough", with(func(a *Assessment) { a.Relevance = Values{Technology: true} }), true},
		{"not verifiable", with(func(a *Assessment) { a.Verifiable = &no }), false},
		{"verifiability not assessed", with(func(a *Assessment) { a.Verifiable = nil }), false},
		{"relevant to no value", with(func(a *Assessment) { a.Relevance = Values{} }), false},
		{"moderate potential impact", with(func(a *Assessment) { a.PotentialImpact = "moderate" }), false},
		{"potential impact not assessed", with(func(a *Assessment) { a.PotentialImpact = "" }), false},
		{"limited completion", with(func(a *Assessment) { a.Completion = "limited" }), false},
		{"completion not assessed", with(func(a *Assessment) { a.Completion = "" }), false},
	}
	for _, c := range cases {
		if got := Starred(c.a); got != c.want {
			t.Errorf("%s: Starred = %v, want %v", c.name, got, c.want)
		}
	}
	// Only an independent review stars a commitment: a self-assessment that meets the rule
	// does not, and a later self-assessment does not hide an independent star.
	self := with(func(a *Assessment) { a.Kind = "self" })
	self.Starred, good.Starred = Starred(self), Starred(good)
	for _, c := range []struct {
		name string
		as   []Assessment
		want bool
	}{
		{"self-assessment only", []Assessment{self}, false},
		{"independent then self", []Assessment{good, self}, true},
		{"none", nil, false},
	} {
		if _, got := latest(c.as); got != c.want {
			t.Errorf("%s: starred = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRollUp(t *testing.T) {
	w := func(v float64) *float64 { return &v }
	m := func(progress int, weight *float64, status string) Milestone {
		return Milestone{Progress: progress, Weight: weight, Status: status}
	}
	cases := []struct {
		name string
		ms   []Milestone
		want float64
	}{
		{"no milestones", nil, 0},
		{"no weights: the plain mean", []Milestone{m(100, nil, "completed"), m(50, nil, "in_progress"), m(0, nil, "not_started")}, 50},
		{"weights: the weighted mean", []Milestone{m(100, w(1), "completed"), m(0, w(3), "not_started")}, 25},
		{"weights normalised, never a bare sum", []Milestone{m(100, w(0.5), "completed"), m(100, w(0.5), "completed")}, 100},
		{"large weights stay within 0-100", []Milestone{m(80, w(10), "in_progress"), m(60, w(30), "in_progress")}, 65},
		{"mixed: a milestone without a weight counts 1", []Milestone{m(100, w(2), "completed"), m(40, nil, "in_progress")}, 80},
		{"withdrawn milestones are left out", []Milestone{m(100, nil, "completed"), m(0, w(5), "withdrawn")}, 100},
		{"only withdrawn milestones", []Milestone{m(30, nil, "withdrawn")}, 0},
		{"the demo's AU0019", []Milestone{m(100, w(1), "completed"), m(100, w(2), "completed"), m(60, w(3), "in_progress"),
			m(0, w(2), "not_started"), m(0, w(2), "not_started")}, 48},
	}
	for _, c := range cases {
		if got := RollUp(c.ms); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: RollUp = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestServicePermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		ref := f.reference
		upd := UpdateInput{Body: "Scope of works finalised."}
		yes := true
		review := AssessmentInput{Kind: "independent", Verifiable: &yes, Relevance: Values{CivicParticipation: true}, PotentialImpact: "minor", Completion: "limited"}

		// Progress updates: the public and viewers are refused; contributors of the lead
		// institution (not the plan's owner) may add them.
		for _, who := range []string{"anonymous", "viewer-a", "reviewer-c"} {
			if _, err := f.s.AddUpdate(f.as(who), ref, upd); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s adding an update: %v, want forbidden", who, err)
			}
		}
		if _, err := f.s.AddUpdate(f.as("contributor-b"), ref, upd); err != nil {
			t.Fatalf("a contributor of the lead institution adding an update: %v", err)
		}
		if n := f.count(t, "progress_updates"); n != 1 {
			t.Fatalf("%d updates, want 1", n)
		}

		// Independent review: refused to a reviewer of the plan's owner (they may only
		// self-assess), allowed to a reviewer of another organisation.
		before := f.count(t, "assessments")
		_, err := f.s.AddAssessment(f.as("reviewer-a"), ref, review)
		wantField(t, err, "kind")
		if _, err := f.s.AddAssessment(f.as("anonymous"), ref, review); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("anonymous assessing: %v, want forbidden", err)
		}
		if _, err := f.s.AddAssessment(f.as("contributor-a"), ref, review); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a contributor assessing: %v, want forbidden", err)
		}
		if n := f.count(t, "assessments"); n != before {
			t.Fatalf("refused assessments were saved: %d, want %d", n, before)
		}
		if _, err := f.s.AddAssessment(f.as("reviewer-c"), ref, review); err != nil {
			t.Fatalf("another organisation's reviewer: %v", err)
		}
		self := review
		self.Kind = "self"
		_, err = f.s.AddAssessment(f.as("reviewer-c"), ref, self)
		wantField(t, err, "kind")
		if _, err := f.s.AddAssessment(f.as("reviewer-a"), ref, self); err != nil {
			t.Fatalf("the owner's reviewer self-assessing: %v", err)
		}

		// Plans and commitments.
		if _, err := f.s.CreatePlan(f.as("viewer-a"), PlanInput{OrgID: f.orgA, Title: "Viewer's plan", Status: "draft"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a viewer creating a plan: %v", err)
		}
		if _, err := f.s.CreatePlan(f.as("contributor-a"), PlanInput{OrgID: f.orgA, Title: "Contributor's plan", Status: "published"}); err == nil {
			t.Errorf("a contributor published a plan")
		} else {
			wantField(t, err, "status")
		}
		if _, err := f.s.CreateCommitment(f.as("anonymous"), CommitmentInput{PlanID: f.plan.ID, Reference: "XX0009", Title: "x", Status: "active"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("anonymous creating a commitment: %v", err)
		}
		c, err := f.s.Commitment(f.as("contributor-b"), ref)
		if err != nil {
			t.Fatal(err)
		}
		if !CanEditCommitment(f.people["contributor-b"], c) || CanEditCommitment(f.people["viewer-a"], c) {
			t.Errorf("CanEditCommitment: the lead's contributor may edit, a viewer may not")
		}
		v := 40.0
		if err := f.s.SetOverride(f.as("contributor-b"), ref, &v, "because"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a lead contributor setting progress by hand: %v, want forbidden", err)
		}
		if err := f.s.SetOverride(f.as("manager-a"), ref, &v, "Milestones understate the work done."); err != nil {
			t.Fatalf("the owner's manager setting progress: %v", err)
		}
	})
}

func TestServiceAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		ctx := context.Background()
		u, err := f.s.AddUpdate(f.as("contributor-b"), f.reference, UpdateInput{Body: "Learning framework agreed."})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		a, err := f.s.AddAssessment(f.as("reviewer-c"), f.reference, AssessmentInput{Kind: "independent", Verifiable: &yes, Completion: "limited"})
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			fmt.Sprintf("UPDATE progress_updates SET body = 'rewritten' WHERE id = %d", u.ID),
			fmt.Sprintf("DELETE FROM progress_updates WHERE id = %d", u.ID),
			fmt.Sprintf("UPDATE assessments SET completion = 'complete' WHERE id = %d", a.ID),
			fmt.Sprintf("DELETE FROM assessments WHERE id = %d", a.ID),
		} {
			if _, err := d.Exec(ctx, stmt); err == nil {
				t.Errorf("the database allowed %q", stmt)
			}
		}
		got, err := f.s.Store.Update(ctx, d, u.ID)
		if err != nil || got.Body != "Learning framework agreed." {
			t.Errorf("the update changed: %+v, %v", got, err)
		}
		ga, err := f.s.Store.Assessment(ctx, d, a.ID)
		if err != nil || ga.Completion != "limited" {
			t.Errorf("the assessment changed: %+v, %v", ga, err)
		}
	})
}

func TestServiceDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		for _, c := range []struct {
			who  string
			sees bool
		}{{"anonymous", false}, {"contributor-b", false}, {"reviewer-c", false}, {"viewer-a", true}, {"site-admin", true}} {
			ctx := f.as(c.who)
			plans, err := f.s.Plans(ctx)
			if err != nil {
				t.Fatal(err)
			}
			titles := []string{}
			for _, p := range plans {
				titles = append(titles, p.Title)
			}
			if got := slices.Contains(titles, f.draft.Title); got != c.sees {
				t.Errorf("%s: draft in the plan list = %v, want %v", c.who, got, c.sees)
			}
			if !slices.Contains(titles, f.plan.Title) {
				t.Errorf("%s: the published plan is missing", c.who)
			}
			_, _, err = f.s.Plan(ctx, f.draft.ID)
			if c.sees != (err == nil) || (!c.sees && !errors.Is(err, db.ErrNotFound)) {
				t.Errorf("%s: draft plan: %v", c.who, err)
			}
			_, err = f.s.Commitment(ctx, "XX0002")
			if c.sees != (err == nil) || (!c.sees && !errors.Is(err, db.ErrNotFound)) {
				t.Errorf("%s: a draft plan's commitment: %v", c.who, err)
			}
			cs, err := f.s.Commitments(ctx, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			found := slices.ContainsFunc(cs, func(x Commitment) bool { return x.Reference == "XX0002" })
			if found != c.sees {
				t.Errorf("%s: draft commitment in the list = %v, want %v", c.who, found, c.sees)
			}
		}
		// Publishing makes it public.
		in := PlanInput{OrgID: f.orgA, Title: f.draft.Title, Country: "Australia", Number: 3, Cycle: "2022", Status: "published"}
		if _, err := f.s.UpdatePlan(f.as("manager-a"), f.draft.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Commitment(f.as("anonymous"), "XX0002"); err != nil {
			t.Errorf("after publishing: %v", err)
		}
	})
}

func TestServiceAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		if _, _, err := f.s.AddMilestone(f.as("contributor-b"), f.reference, MilestoneInput{Activity: "Finalise scope of works", Status: "completed", Progress: 100}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddUpdate(f.as("contributor-b"), f.reference, UpdateInput{Body: "Done."}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddUpdate(f.as("viewer-a"), f.reference, UpdateInput{Body: "Not allowed."}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatal(err)
		}
		if _, err := f.s.AddAssessment(f.as("reviewer-c"), f.reference, AssessmentInput{Kind: "independent", Completion: "limited"}); err != nil {
			t.Fatal(err)
		}
		v := 10.0
		if err := f.s.SetOverride(f.as("manager-a"), f.reference, &v, "Started late."); err != nil {
			t.Fatal(err)
		}
		// A refused change writes nothing but the refusal.
		_, err := f.s.CreateCommitment(f.as("manager-a"), CommitmentInput{PlanID: f.plan.ID, Reference: "XX0003", Title: "Backwards", Status: "active",
			Start: d0("2078-09-01"), End: d0("2020-08-31")})
		wantField(t, err, "end_date")

		rows, err := audit.List(context.Background(), d, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		actor := map[string]string{}
		for _, r := range rows {
			got[r.Action+"/"+r.Outcome]++
			actor[r.Action+"/"+r.Outcome] = r.Actor
		}
		want := map[string]int{"plan.create/success": 2, "commitment.create/success": 2, "milestone.create/success": 1, "update.create/success": 1,
			"update.create/denied": 1, "assessment.create/success": 1, "commitment.progress_override/success": 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("audit %s: %d rows, want %d (all: %v)", k, got[k], n, got)
			}
		}
		if got["commitment.create/success"] != 2 || f.count(t, "commitments") != 2 {
			t.Errorf("the refused commitment left a trace")
		}
		if actor["update.create/success"] != "contributor-b@example.org" || actor["update.create/denied"] != "viewer-a@example.org" {
			t.Errorf("audit actors: %v", actor)
		}
	})
}
