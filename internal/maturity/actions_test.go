package maturity

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// TestPlanCandidates: flagged items first, largest gap first; with none flagged the largest
// gaps (at most PlanSize); never an item not agreed, not applicable, met, or already planned.
func TestPlanCandidates(t *testing.T) {
	item := func(id string, cur, tgt float64, flag bool) ItemResult {
		return ItemResult{ID: id, Agreed: true, Current: "x", CurrentScore: cur, TargetScore: tgt, CurrentOK: true, TargetOK: true, NeedsImprovement: flag}
	}
	ids := func(its []ItemResult) string {
		var out []string
		for _, it := range its {
			out = append(out, it.ID)
		}
		return strings.Join(out, ",")
	}
	na := ItemResult{ID: "na", Agreed: true, Current: NotApplicable, NeedsImprovement: true}
	notAgreed := ItemResult{ID: "none", NeedsImprovement: true}
	for _, c := range []struct {
		name   string
		items  []ItemResult
		inPlan map[string]bool
		want   string
	}{
		{"flagged, by gap", []ItemResult{item("a", 50, 75, true), item("b", 0, 100, false), item("c", 25, 100, true), na, notAgreed}, nil, "c,a"},
		{"flagged even with no gap", []ItemResult{item("a", 75, 75, true), item("b", 0, 100, false)}, nil, "a"},
		{"flagged, one already planned", []ItemResult{item("a", 50, 75, true), item("c", 25, 100, true)}, map[string]bool{"c": true}, "a"},
		{"flagged, all planned", []ItemResult{item("a", 50, 75, true)}, map[string]bool{"a": true}, ""},
		{"largest gaps, at most five", []ItemResult{item("a", 50, 75, false), item("b", 0, 100, false), item("c", 25, 100, false),
			item("d", 75, 75, false), item("e", 0, 50, false), item("f", 0, 25, false), item("g", 50, 100, false), item("h", 0, 10, false)}, nil, "b,c,e,g,a"},
		{"gaps, planned skipped", []ItemResult{item("a", 50, 75, false), item("b", 0, 100, false)}, map[string]bool{"b": true}, "a"},
		{"nothing to improve", []ItemResult{item("a", 75, 75, false), na}, nil, ""},
	} {
		if got := ids(PlanCandidates(Report{Items: c.items}, c.inPlan)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSortActionsAndOverdue(t *testing.T) {
	day := func(s string) time.Time { return demoDate(s) }
	xs := []Action{
		{ID: 1, Status: ActionDone, Due: day("2026-01-01")},
		{ID: 2, Status: ActionPlanned},
		{ID: 3, Status: ActionInProgress, Due: day("2026-03-01")},
		{ID: 4, Status: ActionDropped, Due: day("2025-01-01")},
		{ID: 5, Status: ActionPlanned, Due: day("2026-02-01")},
		{ID: 6, Status: ActionPlanned},
	}
	SortActions(xs)
	var got []string
	for _, x := range xs {
		got = append(got, strconv.FormatInt(x.ID, 10))
	}
	if strings.Join(got, ",") != "5,3,2,6,1,4" {
		t.Errorf("order %v", got)
	}
	today := day("2026-02-15").Add(15 * time.Hour)
	for _, c := range []struct {
		x    Action
		want bool
	}{
		{Action{Status: ActionPlanned, Due: day("2026-02-14")}, true},
		{Action{Status: ActionInProgress, Due: day("2026-02-14")}, true},
		{Action{Status: ActionPlanned, Due: day("2026-02-15")}, false}, // due today
		{Action{Status: ActionDone, Due: day("2026-01-01")}, false},
		{Action{Status: ActionDropped, Due: day("2026-01-01")}, false},
		{Action{Status: ActionPlanned}, false},
	} {
		if got := c.x.Overdue(today); got != c.want {
			t.Errorf("%+v overdue %v", c.x, got)
		}
	}
}

func auditRows(t *testing.T, d *db.DB, action, outcome string, id int64) int {
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

// TestPlanService: drawing up, adding and tracking actions, who may, what is refused, what
// is audited.
func TestPlanService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newBenchFixture(t, d)
		home := f.ctx("Home")
		// Before any answer is agreed there is nothing to draw from.
		open, err := f.s.CreateAssessment(home, AssessmentInput{OrgID: f.orgs["Home"], FrameworkID: f.fw.ID, Title: "Open", PeriodStart: "2024-01-01", PeriodEnd: "2024-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.GeneratePlan(home, open.ID); !hasField(err, "") {
			t.Errorf("no agreed answers: %v", err)
		}
		// i1 = 2 is flagged (see closed): the plan is that item alone, with its guidance.
		a := f.closed(t, "Home", "2", "3", true, "2025")
		added, err := f.s.GeneratePlan(home, a.ID)
		if err != nil || len(added) != 1 || added[0].ItemKey != "i1" || added[0].Title != "The first statement." ||
			added[0].Guidance != "Do better at the first." || added[0].Status != ActionPlanned || added[0].Owner != "" || !added[0].Due.IsZero() {
			t.Fatalf("generate: %v %+v", err, added)
		}
		if again, err := f.s.GeneratePlan(home, a.ID); err != nil || len(again) != 0 {
			t.Errorf("generating again: %v %+v", err, again)
		}
		if n := auditRows(t, d, "assessment.plan.generate", audit.Success, a.ID); n != 2 {
			t.Errorf("%d generate audit rows", n)
		}

		// Adding: field messages for what is wrong, nothing saved.
		_, err = f.s.AddAction(home, a.ID, ActionInput{Title: " ", Due: "31/12/2026", Status: "maybe", ItemKey: "nope", Owner: "a\nb"})
		for _, field := range []string{"title", "due_date", "status", "item", "owner"} {
			if !hasField(err, field) {
				t.Errorf("no message for %s in %v", field, err)
			}
		}
		x, err := f.s.AddAction(home, a.ID, ActionInput{ItemKey: "e1", Title: "Report back within three months", Owner: "Engagement team", Due: "2026-06-30"})
		if err != nil || x.ID == 0 || x.Status != ActionPlanned || x.Due.Format(time.DateOnly) != "2026-06-30" {
			t.Fatalf("add: %v %+v", err, x)
		}
		// Tracking: only the fields sent change.
		status := ActionInProgress
		y, err := f.s.UpdateAction(home, a.ID, x.ID, ActionChange{Status: &status})
		if err != nil || y.Status != ActionInProgress || y.Owner != "Engagement team" || y.Title != x.Title || y.ItemKey != "e1" {
			t.Errorf("status only: %v %+v", err, y)
		}
		empty, badDue := "", "2026-02-30"
		if _, err := f.s.UpdateAction(home, a.ID, x.ID, ActionChange{Due: &badDue}); !hasField(err, "due_date") {
			t.Errorf("bad date: %v", err)
		}
		if _, err := f.s.UpdateAction(home, a.ID, x.ID, ActionChange{Title: &empty}); !hasField(err, "title") {
			t.Errorf("empty title: %v", err)
		}
		y, err = f.s.UpdateAction(home, a.ID, x.ID, ActionChange{Owner: &empty, Due: &empty})
		if err != nil || y.Owner != "" || !y.Due.IsZero() || y.Status != ActionInProgress {
			t.Errorf("clearing: %v %+v", err, y)
		}
		_, plan, err := f.s.Plan(home, a.ID)
		if err != nil || len(plan) != 2 {
			t.Fatalf("plan: %v %d", err, len(plan))
		}
		// An action of another assessment is not found through this one.
		if _, err := f.s.UpdateAction(home, open.ID, x.ID, ActionChange{Status: &status}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another assessment's action: %v", err)
		}

		// Who: members who are not managers are refused (and it is audited); other
		// organisations are told it does not exist.
		viewer := authz.Principal{UserID: f.admins["P1"].UserID, Roles: map[int64]authz.Role{f.orgs["Home"]: authz.Viewer}}
		vctx := authz.With(context.Background(), viewer)
		if _, err := f.s.GeneratePlan(vctx, a.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer generates: %v", err)
		}
		if _, err := f.s.AddAction(vctx, a.ID, ActionInput{Title: "x"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer adds: %v", err)
		}
		if _, err := f.s.UpdateAction(vctx, a.ID, x.ID, ActionChange{Status: &status}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer updates: %v", err)
		}
		if n := auditRows(t, d, "assessment.action.update", audit.Denied, a.ID); n != 1 {
			t.Errorf("%d denied update rows", n)
		}
		// The viewer reads the closed assessment's plan.
		if _, xs, err := f.s.Plan(vctx, a.ID); err != nil || len(xs) != 2 {
			t.Errorf("viewer reads: %v %d", err, len(xs))
		}
		if _, err := f.s.AddAction(f.ctx("P1"), a.ID, ActionInput{Title: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation: %v", err)
		}
		if n := auditRows(t, d, "assessment.action.create", audit.Success, a.ID); n != 1 {
			t.Errorf("%d create audit rows", n)
		}
	})
}

func hasField(err error, field string) bool {
	ve, ok := valid.As(err)
	return ok && ve[field] != ""
}

// TestPlanPages: the forms keep what was typed and show errors beside the fields; the API
// adds, lists and changes actions.
func TestPlanPages(t *testing.T) {
	r := loadResultsDemo(t, dbtest.SQLite(t))
	h := resApp(t, r)
	id := r.assessmentID(t, demoPMC, "Charter engagement maturity 2024–25")
	base := resultsURL(id, "")

	if res := resDo(t, h, "viewer", "GET", base+"/actions/new", nil, ""); res.code != http.StatusForbidden {
		t.Errorf("viewer's form: %d", res.code)
	}
	form := resDo(t, h, "manager", "GET", base+"/actions/new", nil, "")
	if form.code != 200 || !strings.Contains(form.body, `name="owner"`) || !strings.Contains(form.body, "Be open: We involve the people affected") {
		t.Fatalf("form: %d", form.code)
	}
	bad := resDo(t, h, "manager", "POST", base+"/actions", url.Values{"title": {""}, "owner": {"Comms team"}, "due_date": {"next year"}, "status": {"planned"}}, "")
	if bad.code != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-title-error"`) || !strings.Contains(bad.body, `id="f-due_date-error"`) ||
		!strings.Contains(bad.body, `value="Comms team"`) {
		t.Errorf("bad form: %d", bad.code)
	}
	ok := resDo(t, h, "manager", "POST", base+"/actions", url.Values{"title": {"Train every branch"}, "item": {"informed-capability"}, "owner": {"Comms team"},
		"due_date": {"2027-01-31"}, "status": {"planned"}}, "")
	if ok.code != http.StatusSeeOther || !strings.HasPrefix(ok.hdr.Get("Location"), base+"/results#action-") {
		t.Fatalf("add: %d %s", ok.code, ok.hdr.Get("Location"))
	}
	aid := strings.TrimPrefix(ok.hdr.Get("Location"), base+"/results#action-")
	edit := resDo(t, h, "manager", "GET", base+"/actions/"+aid+"/edit", nil, "")
	if edit.code != 200 || !strings.Contains(edit.body, `value="Train every branch"`) || !strings.Contains(edit.body, "From the item:") {
		t.Errorf("edit form: %d", edit.code)
	}
	badUpd := resDo(t, h, "manager", "POST", base+"/actions/"+aid, url.Values{"status": {"finished"}, "owner": {"Someone new"}}, "")
	if badUpd.code != http.StatusUnprocessableEntity || !strings.Contains(badUpd.body, `id="f-status-error"`) || !strings.Contains(badUpd.body, `value="Someone new"`) ||
		!strings.Contains(badUpd.body, `value="Train every branch"`) {
		t.Errorf("bad update: %d", badUpd.code)
	}
	upd := resDo(t, h, "manager", "POST", base+"/actions/"+aid, url.Values{"status": {"done"}}, "")
	if upd.code != http.StatusSeeOther {
		t.Errorf("update: %d", upd.code)
	}
	if res := resDo(t, h, "manager", "POST", base+"/actions/999999", url.Values{"status": {"done"}}, ""); res.code != http.StatusNotFound {
		t.Errorf("no such action: %d", res.code)
	}
	// Generating again adds nothing: a flash says so.
	gen := resDo(t, h, "manager", "POST", base+"/plan/generate", url.Values{}, "")
	if gen.code != http.StatusSeeOther {
		t.Errorf("generate: %d", gen.code)
	}

	api := "/api/v1/assessments/" + strconv.FormatInt(id, 10) + "/actions"
	list := resDo(t, h, "viewer", "GET", api, nil, "")
	if list.code != 200 || !strings.Contains(list.body, `"title":"Train every branch"`) || !strings.Contains(list.body, `"status":"done"`) {
		t.Errorf("list: %d %s", list.code, list.body)
	}
	created := resDo(t, h, "admin", "POST", api, nil, `{"title":"Publish a register","owner":"Digital","due_date":"2027-02-01"}`)
	if created.code != http.StatusCreated || !strings.Contains(created.body, `"due_date":"2027-02-01"`) || created.hdr.Get("Location") == "" {
		t.Fatalf("api create: %d %s", created.code, created.body)
	}
	if res := resDo(t, h, "admin", "POST", api, nil, `{"title":""}`); res.code != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"title"`) {
		t.Errorf("api invalid: %d %s", res.code, res.body)
	}
	if res := resDo(t, h, "viewer", "POST", api, nil, `{"title":"x"}`); res.code != http.StatusForbidden {
		t.Errorf("api viewer: %d", res.code)
	}
	loc := created.hdr.Get("Location")
	put := resDo(t, h, "admin", "PUT", loc, nil, `{"status":"in_progress","due_date":null}`)
	if put.code != 200 || !strings.Contains(put.body, `"status":"in_progress"`) || !strings.Contains(put.body, `"due_date":"2027-02-01"`) {
		t.Errorf("api put: %d %s", put.code, put.body)
	}
	if res := resDo(t, h, "admin", "PUT", loc, nil, `{"colour":"red"}`); res.code != http.StatusBadRequest {
		t.Errorf("api unknown field: %d", res.code)
	}
	genAPI := resDo(t, h, "manager", "POST", "/api/v1/assessments/"+strconv.FormatInt(id, 10)+"/plan/generate", nil, "")
	if genAPI.code != 200 || !strings.Contains(genAPI.body, `"items":[]`) {
		t.Errorf("api generate: %d %s", genAPI.code, genAPI.body)
	}
}
