package maturity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// testAssessmentPack has two dimensions (the second with a sub-dimension), an answer set with
// "not applicable" and "don't know", and one without.
const testAssessmentPack = `id: test-maturity
version: "1.0"
title: Test maturity
source: Written for the tests.
licence: CC0
subject: organisation
levels:
  - {label: Starting, from: 0}
  - {label: Developing, from: 40}
  - {label: Leading, from: 80}
answer_sets:
  - id: four
    not_applicable: true
    dont_know: true
    options:
      - {value: 1, label: Starting}
      - {value: 2, label: Developing}
      - {value: 3, label: Established}
      - {value: 4, label: Leading}
  - id: yesno
    options:
      - {value: 0, label: "No"}
      - {value: 1, label: "Yes"}
dimensions:
  - id: open
    title: Be open
    items:
      - id: open-1
        statement: We tell people early what is being decided.
        answer_set: four
        descriptors: [Rarely, Sometimes, Usually, Always and early]
        evidence: [Published engagement plans]
        guidance: Publish a plan for each engagement.
      - id: open-2
        statement: We publish what we heard.
        answer_set: yesno
  - id: inclusive
    title: Be inclusive
    items:
      - {id: inc-1, statement: We reach people who are seldom heard., answer_set: four}
    dimensions:
      - id: inclusive-access
        title: Access
        items:
          - {id: inc-2, statement: Our venues and formats are accessible., answer_set: four}
`

type asmtFixture struct {
	d      *db.DB
	s      *Service
	orgA   int64
	orgB   int64
	fw     Framework
	people map[string]authz.Principal
}

// ctx is a context signed in as the named person.
func (f *asmtFixture) ctx(name string) context.Context {
	return authz.With(context.Background(), f.people[name])
}

// newAsmtFixture: organisation A with a facilitator (admin), a manager, two respondents
// (contributor, viewer) and a plain viewer; organisation B (a partner) with a respondent and an
// admin who has nothing to do with the assessment; a site admin.
func newAsmtFixture(t *testing.T, d *db.DB) *asmtFixture {
	t.Helper()
	sys := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &asmtFixture{d: d, s: NewService(d, dir), people: map[string]authz.Principal{}}
	a, err := dir.CreateOrg(sys, directory.OrgInput{Name: "Department of Testing", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.CreateOrg(sys, directory.OrgInput{Name: "Community Partners", Type: "community_organisation"})
	if err != nil {
		t.Fatal(err)
	}
	f.orgA, f.orgB = a.ID, b.ID
	for _, p := range []struct {
		name string
		org  int64
		role authz.Role
		site bool
	}{
		{"fac", f.orgA, authz.Admin, false}, {"mgr", f.orgA, authz.Manager, false}, {"r1", f.orgA, authz.Contributor, false},
		{"r2", f.orgA, authz.Viewer, false}, {"viewer", f.orgA, authz.Viewer, false}, {"partner", f.orgB, authz.Contributor, false},
		{"outsider", f.orgB, authz.Admin, false}, {"site", 0, "", true},
	} {
		id, err := auth.InsertUser(sys, d, auth.User{Email: p.name + "@example.org", Name: "Test " + p.name, IsAdmin: p.site})
		if err != nil {
			t.Fatal(err)
		}
		roles := map[int64]authz.Role{}
		if p.org != 0 {
			if err := dir.Store.SetMembership(sys, d, id, p.org, p.role); err != nil {
				t.Fatal(err)
			}
			roles[p.org] = p.role
		}
		f.people[p.name] = authz.Principal{UserID: id, Name: "Test " + p.name, Email: p.name + "@example.org", SiteAdmin: p.site, Roles: roles, Via: "session"}
	}
	res, err := f.s.Import(f.ctx("mgr"), "test.yaml", []byte(testAssessmentPack))
	if err != nil {
		t.Fatalf("import the test pack: %v", err)
	}
	f.fw = res.Framework
	return f
}

// start creates an open assessment of A facilitated by "fac" with r1, r2 and partner invited.
func (f *asmtFixture) start(t *testing.T) Assessment {
	t.Helper()
	a, err := f.s.CreateAssessment(f.ctx("fac"), AssessmentInput{OrgID: f.orgA, FrameworkID: f.fw.ID, Title: "Maturity 2025",
		PeriodStart: "2024-07-01", PeriodEnd: "2025-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"r1", "r2", "partner"} {
		if _, err := f.s.InviteRespondent(f.ctx("fac"), a.ID, who+"@example.org"); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (f *asmtFixture) answer(t *testing.T, who string, id int64, answers map[string]Answer) {
	t.Helper()
	if err := f.s.SaveAnswers(f.ctx(who), id, answers); err != nil {
		t.Fatalf("%s answers: %v", who, err)
	}
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok {
		t.Fatalf("err = %v, want field errors on %v", err, fields)
	}
	for _, f := range fields {
		if ve[f] == "" {
			t.Errorf("no message for %s in %v", f, ve)
		}
	}
	if len(ve) != len(fields) {
		t.Errorf("errors %v, want exactly %v", ve, fields)
	}
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var bad *api.BadRequest
	if !errors.As(err, &bad) || bad.Status != status {
		t.Fatalf("err = %v, want a %d", err, status)
	}
}

func auditCount(t *testing.T, d *db.DB, action, outcome string, id int64) int {
	t.Helper()
	rows, err := audit.List(context.Background(), d, audit.Filter{Action: action, Outcome: outcome, TargetKind: "assessment", TargetID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Action == action {
			n++
		}
	}
	return n
}

func TestCreateAssessment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		in := AssessmentInput{OrgID: f.orgA, FrameworkID: f.fw.ID, Title: "Maturity 2025", PeriodStart: "2024-07-01", PeriodEnd: "2025-06-30"}
		// Contributors and other organisations' admins may not start one for A.
		if _, err := f.s.CreateAssessment(f.ctx("r1"), in); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("contributor: err = %v, want forbidden", err)
		}
		if _, err := f.s.CreateAssessment(f.ctx("outsider"), in); err == nil {
			t.Error("B's admin started an assessment of A")
		}
		// Validation: title, period, framework, facilitator.
		_, err := f.s.CreateAssessment(f.ctx("mgr"), AssessmentInput{OrgID: f.orgA, FrameworkID: 9999, Title: " ",
			PeriodStart: "2025-07-01", PeriodEnd: "2025-06-30", Facilitator: "nobody@example.org"})
		wantFields(t, err, "framework_id", "title", "period_end", "facilitator")
		_, err = f.s.CreateAssessment(f.ctx("mgr"), AssessmentInput{OrgID: f.orgA, FrameworkID: f.fw.ID, Title: "X", SubjectKind: "planet", PeriodStart: "2024-07-01", PeriodEnd: "soon"})
		wantFields(t, err, "subject_kind", "period_end")
		// A manager starts one; they facilitate unless they name someone.
		a, err := f.s.CreateAssessment(f.ctx("mgr"), in)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != StatusOpen || a.FacilitatorID != f.people["mgr"].UserID || a.OrgName != "Department of Testing" || a.FrameworkTitle != "Test maturity" {
			t.Errorf("created %+v", a)
		}
		if got := a.PeriodStart.Format(time.DateOnly) + "/" + a.PeriodEnd.Format(time.DateOnly); got != "2024-07-01/2025-06-30" {
			t.Errorf("period %s", got)
		}
		in.Facilitator = "FAC@example.org"
		b, err := f.s.CreateAssessment(f.ctx("mgr"), in)
		if err != nil {
			t.Fatal(err)
		}
		if b.FacilitatorID != f.people["fac"].UserID || b.Facilitator != "Test fac" {
			t.Errorf("facilitator %d %q", b.FacilitatorID, b.Facilitator)
		}
		if n := auditCount(t, d, "assessment.create", audit.Success, a.ID); n != 1 {
			t.Errorf("%d create audit rows", n)
		}
		if n := auditCount(t, d, "assessment.create", audit.Denied, 0); n != 0 {
			t.Errorf("denials are recorded against the organisation, not an assessment: %d", n)
		}
	})
}

func TestAssessmentVisibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		for who, want := range map[string]bool{"fac": true, "mgr": true, "r1": true, "r2": true, "viewer": true, "partner": true, "site": true, "outsider": false} {
			_, err := f.s.Assessment(f.ctx(who), a.ID)
			if got := err == nil; got != want {
				t.Errorf("%s sees the assessment: %v (err %v)", who, got, err)
			}
			if !want && !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s: err = %v, want not found", who, err)
			}
			list, err := f.s.Assessments(f.ctx(who), AssessmentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(list) == 1; got != want {
				t.Errorf("%s lists %d assessments", who, len(list))
			}
		}
		// The outsider can change nothing either: 404, not 403.
		if _, err := f.s.InviteRespondent(f.ctx("outsider"), a.ID, "site@example.org"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider invites: %v", err)
		}
		if err := f.s.SaveAnswers(f.ctx("outsider"), a.ID, map[string]Answer{"open-1": {Current: "2"}}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider answers: %v", err)
		}
		if _, err := f.s.Reconciliation(f.ctx("outsider"), a.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider reconciles: %v", err)
		}
		// Members who are not respondents have no answers of their own and cannot answer.
		if _, err := f.s.MyAnswers(f.ctx("viewer"), a); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer's answers: %v", err)
		}
		if err := f.s.SaveAnswers(f.ctx("fac"), a.ID, map[string]Answer{"open-1": {Current: "2"}}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("facilitator (not a respondent) answers: %v", err)
		}
		if n := auditCount(t, d, "assessment.answer", audit.Denied, a.ID); n != 1 {
			t.Errorf("%d denied answer rows, want 1", n)
		}
		// Respondents, viewers and partners may not see the side-by-side view while open.
		for _, who := range []string{"r1", "viewer", "partner"} {
			if _, err := f.s.Reconciliation(f.ctx(who), a.ID); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s reconciles: %v", who, err)
			}
		}
		// Results: managers and the facilitator as they form; members and respondents once
		// closed.
		for who, want := range map[string]bool{"fac": true, "mgr": true, "site": true, "viewer": false, "r1": false, "partner": false} {
			if got, _ := f.s.MaySeeResults(f.ctx(who), a); got != want {
				t.Errorf("%s may see results of an open assessment: %v", who, got)
			}
		}
		a.Status = StatusClosed
		for who, want := range map[string]bool{"viewer": true, "r1": true, "partner": true, "outsider": false} {
			if got, _ := f.s.MaySeeResults(f.ctx(who), a); got != want {
				t.Errorf("%s may see results of a closed assessment: %v", who, got)
			}
		}
	})
}

func TestRespondentsSeeOnlyTheirOwnAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: "2", Target: "3", Evidence: "Plans for two programs.", Links: []string{"https://example.org/plan\n\n http://example.org/b "}, NeedsImprovement: true}})
		f.answer(t, "partner", a.ID, map[string]Answer{"open-1": {Current: "4"}, "open-2": {Current: "1"}})

		mine, err := f.s.MyAnswers(f.ctx("r1"), a)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Answers) != 1 {
			t.Fatalf("r1 sees %d answers, want only their 1", len(mine.Answers))
		}
		got := mine.Answers["open-1"]
		if got.Current != "2" || got.Target != "3" || !got.NeedsImprovement || got.Evidence != "Plans for two programs." ||
			strings.Join(got.Links, " ") != "https://example.org/plan http://example.org/b" || got.UserID != f.people["r1"].UserID {
			t.Errorf("r1's answer %+v", got)
		}
		if mine.Respondent.Answered != 1 {
			t.Errorf("answered %d", mine.Respondent.Answered)
		}
		theirs, _ := f.s.MyAnswers(f.ctx("partner"), a)
		if len(theirs.Answers) != 2 || theirs.Answers["open-1"].Current != "4" {
			t.Errorf("partner sees %+v", theirs.Answers)
		}
		// The facilitator sees everyone's, side by side.
		rec, err := f.s.Reconciliation(f.ctx("fac"), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Respondents) != 3 || len(rec.Items) != 4 {
			t.Fatalf("%d respondents, %d items", len(rec.Respondents), len(rec.Items))
		}
		if rec.Respondents[0].Orgs == nil {
			t.Error("respondents are listed without their organisations")
		}
		seen := 0
		for _, ans := range rec.Items[0].Answers {
			if ans.Current != "" {
				seen++
			}
		}
		if seen != 2 {
			t.Errorf("facilitator sees %d answers to open-1, want 2", seen)
		}
		// Once closed, respondents may see the side-by-side view too.
		if _, err := f.s.Reconciliation(f.ctx("partner"), a.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("partner sees others' answers while open: %v", err)
		}
		// By user, for the results.
		all, err := f.s.Store.RespondentAnswers(context.Background(), d, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || len(all[f.people["partner"].UserID]) != 2 {
			t.Errorf("respondent answers %v", all)
		}
	})
}

func TestAnswerValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		long := strings.Repeat("é", maxEvidenceNotes+1)
		err := f.s.SaveAnswers(f.ctx("r1"), a.ID, map[string]Answer{
			"nope":   {Current: "1"},
			"open-1": {Current: "7", Target: "2", Evidence: long},
			"open-2": {Current: NotApplicable, Target: DontKnow, Links: []string{"javascript:alert(1)"}},
			"inc-1":  {Current: "3", Target: "2", Links: []string{"https://ok.example.org\nftp://files.example.org/x"}},
		})
		wantFields(t, err, "nope", "open-1/current", "open-1/evidence", "open-2/current", "open-2/target", "open-2/links", "inc-1/target", "inc-1/links")
		// Nothing was saved.
		mine, _ := f.s.MyAnswers(f.ctx("r1"), a)
		if len(mine.Answers) != 0 {
			t.Errorf("a refused save kept %d answers", len(mine.Answers))
		}
		// Not applicable with a target; too many links.
		links := strings.Repeat("https://example.org/x\n", maxAnswerLinks+1)
		err = f.s.SaveAnswers(f.ctx("r1"), a.ID, map[string]Answer{"open-1": {Current: NotApplicable, Target: "3"}, "inc-1": {Links: []string{links}}})
		wantFields(t, err, "open-1/target", "inc-1/links")
		// Valid: N/A and don't know where the set allows them, and a target with no current.
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: NotApplicable, Target: NotApplicable}, "inc-1": {Current: DontKnow, Target: "4"}, "inc-2": {Target: "3"}})
		// An empty answer clears the item.
		f.answer(t, "r1", a.ID, map[string]Answer{"inc-2": {}})
		mine, _ = f.s.MyAnswers(f.ctx("r1"), a)
		if len(mine.Answers) != 2 || mine.Answers["inc-1"].Current != DontKnow {
			t.Errorf("answers %+v", mine.Answers)
		}
		if n := auditCount(t, d, "assessment.answer", audit.Success, a.ID); n != 2 {
			t.Errorf("%d answer audit rows, want 2", n)
		}
	})
}

func TestResumeAndSubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: "2", Evidence: "First pass."}})
		// A new session (a new service over the same database) finds the answers as left.
		s2 := NewService(d, directory.NewService(d))
		mine, err := s2.MyAnswers(f.ctx("r1"), a)
		if err != nil {
			t.Fatal(err)
		}
		if mine.Answers["open-1"].Evidence != "First pass." {
			t.Errorf("resumed %+v", mine.Answers)
		}
		pk, err := f.s.Pack(f.ctx("r1"), a)
		if err != nil {
			t.Fatal(err)
		}
		if got := respondResumeDimension(pk, mine.Answers); got != "open" {
			t.Errorf("resume at %q, want open (open-2 unanswered)", got)
		}
		f.answer(t, "r1", a.ID, map[string]Answer{"open-2": {Current: "1"}})
		mine, _ = s2.MyAnswers(f.ctx("r1"), a)
		if got := respondResumeDimension(pk, mine.Answers); got != "inclusive" {
			t.Errorf("resume at %q, want inclusive", got)
		}
		// Submitted answers are fixed until reopened.
		err = f.s.Submit(f.ctx("r1"), a.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, f.s.SaveAnswers(f.ctx("r1"), a.ID, map[string]Answer{"open-1": {Current: "3"}}), http.StatusConflict)
		if err := f.s.Submit(f.ctx("r1"), a.ID, false); err != nil {
			t.Fatal(err)
		}
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: "3"}})
		if err := f.s.Submit(f.ctx("viewer"), a.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a member who is not a respondent submits: %v", err)
		}
		if n := auditCount(t, d, "assessment.submit", audit.Success, a.ID); n != 1 {
			t.Errorf("%d submit rows", n)
		}
		if n := auditCount(t, d, "assessment.reopen_answers", audit.Success, a.ID); n != 1 {
			t.Errorf("%d reopen rows", n)
		}
		// Once reconciling, answers are fixed.
		if _, err := f.s.SetStatus(f.ctx("fac"), a.ID, StatusReconciling); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, f.s.SaveAnswers(f.ctx("r1"), a.ID, map[string]Answer{"open-1": {Current: "4"}}), http.StatusConflict)
		wantStatus(t, f.s.Submit(f.ctx("r1"), a.ID, true), http.StatusConflict)
		// A change checked against "open" before its transaction cannot land once the status
		// has moved on.
		err = d.InTx(context.Background(), func(tx *db.Tx) error { return f.s.holdStatus(f.ctx("r1"), tx, a.ID, StatusOpen, f.s.Now()) })
		wantStatus(t, err, http.StatusConflict)
	})
}

func TestRespondents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		_, err := f.s.InviteRespondent(f.ctx("fac"), a.ID, "r1@example.org")
		wantFields(t, err, "email")
		_, err = f.s.InviteRespondent(f.ctx("fac"), a.ID, "ghost@example.org")
		wantFields(t, err, "email")
		_, err = f.s.InviteRespondent(f.ctx("fac"), a.ID, "not an email")
		wantFields(t, err, "email")
		// Managers may invite; respondents and viewers may not.
		if _, err := f.s.InviteRespondent(f.ctx("mgr"), a.ID, "viewer@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.InviteRespondent(f.ctx("r1"), a.ID, "mgr@example.org"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("respondent invites: %v", err)
		}
		f.answer(t, "viewer", a.ID, map[string]Answer{"open-1": {Current: "1"}})
		if err := f.s.RemoveRespondent(f.ctx("fac"), a.ID, f.people["viewer"].UserID); err != nil {
			t.Fatal(err)
		}
		all, _ := f.s.Store.RespondentAnswers(context.Background(), d, a.ID)
		if len(all) != 0 {
			t.Errorf("a removed respondent's answers remain: %v", all)
		}
		if err := f.s.RemoveRespondent(f.ctx("fac"), a.ID, f.people["viewer"].UserID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("removing twice: %v", err)
		}
		rs, _ := f.s.Respondents(f.ctx("fac"), a)
		if len(rs) != 3 {
			t.Errorf("%d respondents", len(rs))
		}
		if n := auditCount(t, d, "assessment.invite", audit.Success, a.ID); n != 4 {
			t.Errorf("%d invite rows, want 4", n)
		}
		if n := auditCount(t, d, "assessment.uninvite", audit.Success, a.ID); n != 1 {
			t.Errorf("%d uninvite rows, want 1", n)
		}
		if n := auditCount(t, d, "assessment.invite", audit.Denied, a.ID); n != 1 {
			t.Errorf("%d denied invite rows, want 1", n)
		}
	})
}

func TestDisagreementAndSpread(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: "1", Target: "3"}, "open-2": {Current: "1", Target: "1"}, "inc-1": {Current: "2", NeedsImprovement: true}})
		f.answer(t, "r2", a.ID, map[string]Answer{"open-1": {Current: "4", Target: "4"}, "open-2": {Current: "1", Target: "1"}, "inc-1": {Current: "2"}})
		f.answer(t, "partner", a.ID, map[string]Answer{"open-1": {Current: "3"}, "inc-1": {Current: NotApplicable}})
		rec, err := f.s.Reconciliation(f.ctx("fac"), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]Comparison{}
		for _, c := range rec.Items {
			by[c.Item.ID] = c
		}
		// open-1: 1, 4 and 3 on a 1–4 scale: scores 0, 100, 66.7; spread 100.
		if c := by["open-1"]; !c.Disagree || c.Spread != 100 || c.Answered != 3 || c.HasCommon {
			t.Errorf("open-1: %+v", c)
		}
		// open-2: the same from both who answered.
		if c := by["open-2"]; c.Disagree || c.Spread != 0 || !c.HasCommon || c.Common.Current != "1" || c.Common.Target != "1" {
			t.Errorf("open-2: %+v", c)
		}
		// inc-1: 2, 2 and not applicable: a disagreement without spread (N/A does not score).
		if c := by["inc-1"]; !c.Disagree || c.Spread != 0 {
			t.Errorf("inc-1: %+v", c)
		}
		// inc-2: nobody answered.
		if c := by["inc-2"]; c.Answered != 0 || c.Disagree || c.HasCommon {
			t.Errorf("inc-2: %+v", c)
		}
		if rec.Disagreements != 2 {
			t.Errorf("%d disagreements", rec.Disagreements)
		}
		items := append([]Comparison(nil), rec.Items...)
		SortDisagreementsFirst(items)
		if items[0].Item.ID != "open-1" || items[1].Item.ID != "inc-1" {
			t.Errorf("order %s, %s", items[0].Item.ID, items[1].Item.ID)
		}
	})
}

func TestAgreeAndClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		a := f.start(t)
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: "1"}, "open-2": {Current: "1", Target: "1", NeedsImprovement: true}, "inc-1": {Current: "2"}})
		f.answer(t, "r2", a.ID, map[string]Answer{"open-1": {Current: "4"}, "open-2": {Current: "1", Target: "1"}, "inc-1": {Current: "2"}})
		// Agreed answers wait for reconciling.
		wantStatus(t, f.s.Agree(f.ctx("fac"), a.ID, map[string]Answer{"open-2": {Current: "1"}}), http.StatusConflict)
		// Open cannot jump to closed.
		_, err := f.s.SetStatus(f.ctx("fac"), a.ID, StatusClosed)
		wantFields(t, err, "status")
		if _, err := f.s.SetStatus(f.ctx("r1"), a.ID, StatusReconciling); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("respondent moves it along: %v", err)
		}
		if _, err := f.s.SetStatus(f.ctx("fac"), a.ID, StatusReconciling); err != nil {
			t.Fatal(err)
		}
		// A reason is required where respondents disagreed, and where the agreed level
		// differs from every respondent's; don't know is not an agreed answer; N/A only where
		// the set allows it.
		err = f.s.Agree(f.ctx("fac"), a.ID, map[string]Answer{
			"open-1": {Current: "3"},
			"inc-1":  {Current: "4"},
			"open-2": {Current: NotApplicable},
			"inc-2":  {Current: DontKnow},
		})
		wantFields(t, err, "open-1/reason", "inc-1/reason", "open-2/current", "inc-2/current")
		err = f.s.Agree(f.ctx("fac"), a.ID, map[string]Answer{"inc-1": {Current: "2", Target: "1"}, "zzz": {Current: "1"}})
		wantFields(t, err, "inc-1/target", "zzz")
		if err := f.s.Agree(f.ctx("fac"), a.ID, map[string]Answer{
			"open-1": {Current: "3", Target: "4", Reason: "Plans exist for most programs, not all.", NeedsImprovement: true},
			"inc-1":  {Current: "2"}, // the same as both respondents: no reason needed
		}); err != nil {
			t.Fatal(err)
		}
		// The common answers in one go: open-2 (inc-1 is already agreed).
		n, err := f.s.AgreeCommon(f.ctx("fac"), a.ID)
		if err != nil || n != 1 {
			t.Fatalf("common: %d, %v", n, err)
		}
		agreed, err := f.s.Store.AgreedAnswers(context.Background(), d, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g := agreed["open-2"]; g.Current != "1" || g.Target != "1" || !g.NeedsImprovement || g.UserID != f.people["fac"].UserID {
			t.Errorf("common answer %+v", g)
		}
		if g := agreed["open-1"]; g.Reason != "Plans exist for most programs, not all." || g.Target != "4" {
			t.Errorf("open-1 %+v", g)
		}
		// Closing needs every item agreed: inc-2 is not.
		_, err = f.s.SetStatus(f.ctx("fac"), a.ID, StatusClosed)
		wantFields(t, err, "status")
		if ve, _ := valid.As(err); !strings.Contains(ve["status"], "inc-2") {
			t.Errorf("message %q does not name the item", ve["status"])
		}
		// Explicitly not applicable counts as agreed; nobody answered it, so no reason needed.
		if err := f.s.Agree(f.ctx("mgr"), a.ID, map[string]Answer{"inc-2": {Current: NotApplicable}}); err != nil {
			t.Fatal(err)
		}
		closed, err := f.s.SetStatus(f.ctx("fac"), a.ID, StatusClosed)
		if err != nil {
			t.Fatal(err)
		}
		if closed.Status != StatusClosed || closed.ClosedAt == nil {
			t.Errorf("closed %+v", closed)
		}
		// Closed is final.
		_, err = f.s.SetStatus(f.ctx("fac"), a.ID, StatusOpen)
		wantStatus(t, err, http.StatusConflict)
		wantStatus(t, f.s.Agree(f.ctx("fac"), a.ID, map[string]Answer{"inc-2": {Current: "1"}}), http.StatusConflict)
		// Now respondents see the answers side by side, and the results.
		if _, err := f.s.Reconciliation(f.ctx("r1"), a.ID); err != nil {
			t.Errorf("respondent after closing: %v", err)
		}
		if n := auditCount(t, d, "assessment.agree", audit.Success, a.ID); n != 4 {
			t.Errorf("%d agree rows, want 4", n)
		}
		if n := auditCount(t, d, "assessment.close", audit.Success, a.ID); n != 1 {
			t.Errorf("%d close rows, want 1", n)
		}
		if n := auditCount(t, d, "assessment.status", audit.Success, a.ID); n != 1 {
			t.Errorf("%d status rows, want 1", n)
		}
		if n := auditCount(t, d, "assessment.status", audit.Denied, a.ID); n != 1 {
			t.Errorf("%d denied status rows, want 1", n)
		}
	})
}

func TestPreviousAndBenchmark(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		close := func(a Assessment) {
			t.Helper()
			if _, err := f.s.SetStatus(f.ctx("fac"), a.ID, StatusReconciling); err != nil {
				t.Fatal(err)
			}
			all := map[string]Answer{}
			for _, it := range []string{"open-1", "open-2", "inc-1", "inc-2"} {
				all[it] = Answer{Current: "1"}
			}
			if err := f.s.Agree(f.ctx("fac"), a.ID, all); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.SetStatus(f.ctx("fac"), a.ID, StatusClosed); err != nil {
				t.Fatal(err)
			}
		}
		mk := func(title, start, end string) Assessment {
			t.Helper()
			a, err := f.s.CreateAssessment(f.ctx("fac"), AssessmentInput{OrgID: f.orgA, FrameworkID: f.fw.ID, Title: title, PeriodStart: start, PeriodEnd: end})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		first := mk("2023", "2022-07-01", "2023-06-30")
		second := mk("2024", "2023-07-01", "2024-06-30")
		third := mk("2025", "2024-07-01", "2025-06-30")
		if _, ok, err := f.s.Previous(f.ctx("fac"), third); ok || err != nil {
			t.Errorf("previous before any is closed: %v %v", ok, err)
		}
		close(first)
		close(second)
		prev, ok, err := f.s.Previous(f.ctx("viewer"), third)
		if err != nil || !ok || prev.ID != second.ID {
			t.Errorf("previous of third = %d %v %v, want %d", prev.ID, ok, err, second.ID)
		}
		prev, ok, _ = f.s.Previous(f.ctx("fac"), second)
		if !ok || prev.ID != first.ID {
			t.Errorf("previous of second = %d", prev.ID)
		}
		if _, ok, _ := f.s.Previous(f.ctx("fac"), first); ok {
			t.Error("the first has a previous")
		}
		// Benchmarks: organisation admins only.
		if _, err := f.s.SetBenchmark(f.ctx("mgr"), third.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("manager opts in: %v", err)
		}
		if _, err := f.s.SetBenchmark(f.ctx("outsider"), third.ID, true); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider opts in: %v", err)
		}
		b, err := f.s.SetBenchmark(f.ctx("fac"), third.ID, true)
		if err != nil || !b.BenchmarkOptIn {
			t.Fatalf("opt in: %+v %v", b, err)
		}
		if n := auditCount(t, d, "assessment.benchmark", audit.Success, third.ID); n != 1 {
			t.Errorf("%d benchmark rows", n)
		}
	})
}
