package commitments

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// apiServer serves the commitments routes with the principal named by the X-Test-As header
// (anonymous when absent).
func apiServer(t testing.TB, svc *Service, people map[string]authz.Principal) http.Handler {
	t.Helper()
	h, _ := apiRouter(t, svc, people)
	return h
}

func apiRouter(t testing.TB, svc *Service, people map[string]authz.Principal) (http.Handler, *web.Router) {
	t.Helper()
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: "test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	rt := web.NewRouter(&web.Errors{Render: rend, Log: log})
	if err := (&Web{Svc: svc, Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), people[r.Header.Get("X-Test-As")])))
	}), rt
}

type apiResp struct {
	code int
	hdr  http.Header
	body []byte
}

func (r apiResp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%d %s: %v", r.code, r.body, err)
	}
}

// problem reads a problem+json body.
func (r apiResp) problem(t testing.TB) map[string]string {
	t.Helper()
	if ct := r.hdr.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("want problem+json, got %q (%d %s)", ct, r.code, r.body)
	}
	var p struct {
		Status int               `json:"status"`
		Errors map[string]string `json:"errors"`
	}
	r.json(t, &p)
	if p.Status != r.code {
		t.Errorf("problem status %d, response %d", p.Status, r.code)
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	return p.Errors
}

func apiDo(t testing.TB, h http.Handler, who, method, path string, body any) apiResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return apiResp{code: rec.Code, hdr: rec.Header(), body: rec.Body.Bytes()}
}

func nextCursor(body []byte) string {
	var l struct {
		Next string `json:"next_cursor"`
	}
	_ = json.Unmarshal(body, &l)
	return l.Next
}

type apiEnv struct {
	*importEnv
	h      http.Handler
	rt     *web.Router
	people map[string]authz.Principal
}

func newAPIEnv(t testing.TB, d *db.DB) *apiEnv {
	t.Helper()
	e := newImportEnv(t, d)
	irm, err := e.svc.Dir.CreateOrg(e.admin, directory.OrgInput{Name: "Independent Reporting Mechanism", Type: "other"})
	if err != nil {
		t.Fatal(err)
	}
	people := map[string]authz.Principal{"": authz.Anonymous, "admin": authz.System}
	for name, role := range map[string]struct {
		org  int64
		role authz.Role
	}{"viewer": {e.owner.ID, authz.Viewer}, "contributor": {e.owner.ID, authz.Contributor}, "manager": {e.owner.ID, authz.Manager},
		"stranger": {e.other.ID, authz.Admin}, "reviewer": {irm.ID, authz.Reviewer}} {
		id, err := auth.InsertUser(context.Background(), d, auth.User{Email: name + "@example.org", Name: "Test " + name})
		if err != nil {
			t.Fatal(err)
		}
		people[name] = authz.Principal{UserID: id, Name: "Test " + name, Email: name + "@example.org", Roles: map[int64]authz.Role{role.org: role.role}}
	}
	h, rt := apiRouter(t, e.svc, people)
	return &apiEnv{importEnv: e, h: h, rt: rt, people: people}
}

func (e *apiEnv) do(t testing.TB, who, method, path string, body any) apiResp {
	t.Helper()
	return apiDo(t, e.h, who, method, path, body)
}

func TestAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbx *db.DB) {
		e := newAPIEnv(t, dbx)
		owner := e.owner.ID

		// Plans: bad input is a 422 with a message per field.
		r := e.do(t, "manager", "POST", "/api/v1/plans", map[string]any{"title": "", "status": "live", "start_date": "2020-09-01", "end_date": "2018-08-31"})
		if r.code != 422 {
			t.Fatalf("bad plan: %d %s", r.code, r.body)
		}
		for _, f := range []string{"organisation_id"} {
			if r.problem(t)[f] == "" {
				t.Errorf("bad plan: no error on %s: %s", f, r.body)
			}
		}
		r = e.do(t, "manager", "POST", "/api/v1/plans", map[string]any{"organisation_id": owner, "title": "", "status": "live", "start_date": "2078-09-01", "end_date": "2020-08-31"})
		errs := r.problem(t)
		for _, f := range []string{"title", "status", "end_date"} {
			if errs[f] == "" {
				t.Errorf("bad plan: no error on %s: %s", f, r.body)
			}
		}
		// Malformed JSON and unknown fields are 400s naming the field.
		if r = e.do(t, "manager", "POST", "/api/v1/plans", `{"title": "x", "colour": "red"}`); r.code != 400 || r.problem(t)["colour"] == "" {
			t.Errorf("unknown field: %d %s", r.code, r.body)
		}
		if r = e.do(t, "manager", "POST", "/api/v1/plans", `{"title": `); r.code != 400 {
			t.Errorf("broken JSON: %d %s", r.code, r.body)
		}
		if r = e.do(t, "", "POST", "/api/v1/plans", map[string]any{}); r.code != 401 {
			t.Errorf("anonymous create: %d", r.code)
		}
		if r = e.do(t, "viewer", "POST", "/api/v1/plans", map[string]any{}); r.code != 403 {
			t.Errorf("viewer create: %d", r.code)
		}
		r = e.do(t, "manager", "POST", "/api/v1/plans", PlanInput{OrgID: owner, Title: "Australia Action Plan 2018-2020", Country: "Australia", Number: 2,
			Start: d("2018-09-01"), End: d("2020-08-31"), Status: "published"})
		if r.code != 201 || !strings.HasPrefix(r.hdr.Get("Location"), "/api/v1/plans/") {
			t.Fatalf("create plan: %d %s", r.code, r.body)
		}
		var pub Plan
		r.json(t, &pub)
		// A contributor's draft.
		r = e.do(t, "contributor", "POST", "/api/v1/plans", PlanInput{OrgID: owner, Title: "Draft plan", Status: "draft"})
		if r.code != 201 {
			t.Fatalf("draft plan: %d %s", r.code, r.body)
		}
		var draft Plan
		r.json(t, &draft)

		// Commitments: field errors.
		r = e.do(t, "contributor", "POST", "/api/v1/commitments", map[string]any{"plan_id": pub.ID, "reference": "nineteen", "title": "", "status": "busy", "url": "javascript:alert(1)"})
		errs = r.problem(t)
		for _, f := range []string{"reference", "title", "status", "url"} {
			if errs[f] == "" {
				t.Errorf("bad commitment: no error on %s: %s", f, r.body)
			}
		}
		if r.code != 422 {
			t.Errorf("bad commitment: %d", r.code)
		}
		if r = e.do(t, "contributor", "POST", "/api/v1/commitments", `{"plan_id": "two"}`); r.code != 400 || r.problem(t)["plan_id"] == "" {
			t.Errorf("wrong type: %d %s", r.code, r.body)
		}
		newC := func(who string, plan int64, ref string, start, end string) Commitment {
			t.Helper()
			in := CommitmentInput{PlanID: plan, Reference: ref, Title: "Commitment " + ref, Status: "active", LeadOrgID: owner,
				Values: Values{CivicParticipation: true}, Description: "=HYPERLINK(\"http://evil.example\")"}
			if start != "" {
				in.Start, in.End = d(start), d(end)
			}
			r := e.do(t, who, "POST", "/api/v1/commitments", in)
			if r.code != 201 {
				t.Fatalf("create %s: %d %s", ref, r.code, r.body)
			}
			var c Commitment
			r.json(t, &c)
			return c
		}
		c := newC("contributor", pub.ID, "AU0019", "2018-09-01", "2020-08-31")
		if c.Reference != "AU0019" || c.Supporters == nil || c.PlanTitle != pub.Title || c.Progress != 0 {
			t.Errorf("created: %+v", c)
		}
		for i := 1; i <= 6; i++ {
			newC("contributor", pub.ID, fmt.Sprintf("AU%04d", i), "", "")
		}
		newC("contributor", draft.ID, "DR0001", "", "")

		// A draft plan and its commitments are not found by the public.
		if r = e.do(t, "", "GET", "/api/v1/commitments/DR0001", nil); r.code != 404 {
			t.Errorf("draft commitment, public: %d", r.code)
		} else {
			r.problem(t)
		}
		if r = e.do(t, "", "GET", fmt.Sprintf("/api/v1/plans/%d", draft.ID), nil); r.code != 404 {
			t.Errorf("draft plan, public: %d", r.code)
		}
		if r = e.do(t, "stranger", "POST", "/api/v1/commitments/DR0001/milestones", MilestoneInput{Activity: "x", Status: "not_started"}); r.code != 404 {
			t.Errorf("draft commitment, stranger adding a milestone: %d", r.code)
		}
		if r = e.do(t, "contributor", "GET", "/api/v1/commitments/DR0001", nil); r.code != 200 {
			t.Errorf("draft commitment, its contributor: %d", r.code)
		}
		if r = e.do(t, "", "GET", "/api/v1/commitments/AU0019", nil); r.code != 200 {
			t.Errorf("published commitment, public: %d", r.code)
		}
		var detail PlanDetail
		e.do(t, "", "GET", fmt.Sprintf("/api/v1/plans/%d", pub.ID), nil).json(t, &detail)
		if detail.ID != pub.ID || len(detail.Items) != 7 || detail.Commitments != 7 {
			t.Errorf("plan detail: %d commitments, count %d", len(detail.Items), detail.Commitments)
		}

		// Cursor pagination visits every visible commitment once.
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			r = e.do(t, "", "GET", "/api/v1/commitments?limit=3&cursor="+cursor, nil)
			var l struct {
				Items []Commitment `json:"items"`
				Next  string       `json:"next_cursor"`
			}
			r.json(t, &l)
			pages++
			if len(l.Items) > 3 {
				t.Fatalf("page of %d", len(l.Items))
			}
			for _, c := range l.Items {
				if seen[c.Reference] {
					t.Errorf("%s on two pages", c.Reference)
				}
				seen[c.Reference] = true
			}
			if l.Next == "" {
				break
			}
			cursor = l.Next
		}
		if len(seen) != 7 || seen["DR0001"] || pages != 3 {
			t.Errorf("pagination: %d commitments in %d pages: %v", len(seen), pages, seen)
		}
		for _, q := range []string{"cursor=bogus", "limit=0", "limit=9999", "status=busy", "plan=two", "starred=perhaps", "format=xml"} {
			r = e.do(t, "", "GET", "/api/v1/commitments?"+q, nil)
			if r.code != 400 || len(r.problem(t)) == 0 {
				t.Errorf("?%s: %d %s", q, r.code, r.body)
			}
		}
		var l api0List
		e.do(t, "", "GET", fmt.Sprintf("/api/v1/commitments?plan=%d&status=active&lead=%d", pub.ID, owner), nil).json(t, &l)
		if len(l.Items) != 7 {
			t.Errorf("filtered: %d", len(l.Items))
		}
		e.do(t, "", "GET", "/api/v1/commitments?status=completed", nil).json(t, &l)
		if len(l.Items) != 0 {
			t.Errorf("status=completed: %d", len(l.Items))
		}

		// Milestones: a milestone outside the commitment's period is saved with a warning.
		r = e.do(t, "contributor", "POST", "/api/v1/commitments/AU0019/milestones", MilestoneInput{Activity: "Finalise scope", Start: d("2018-07-01"), End: d("2018-09-30"),
			Status: "completed", Progress: 100, Weight: f(1)})
		var mr MilestoneResult
		r.json(t, &mr)
		if r.code != 201 || len(mr.Warnings) != 1 || !strings.Contains(mr.Warnings[0], "before its commitment") || mr.ID == 0 {
			t.Fatalf("milestone: %d %s", r.code, r.body)
		}
		r = e.do(t, "contributor", "PUT", fmt.Sprintf("/api/v1/commitments/AU0019/milestones/%d", mr.ID), MilestoneInput{Activity: "Finalise scope",
			Start: d("2018-09-01"), End: d("2018-09-30"), Status: "completed", Progress: 100, Weight: f(1)})
		r.json(t, &mr)
		if r.code != 200 || len(mr.Warnings) != 0 || !strings.Contains(string(r.body), `"warnings":[]`) {
			t.Errorf("milestone update: %d %s", r.code, r.body)
		}
		if r = e.do(t, "contributor", "POST", "/api/v1/commitments/AU0019/milestones", MilestoneInput{Activity: "", Status: "x", Progress: 101}); r.code != 422 ||
			len(r.problem(t)) != 3 {
			t.Errorf("bad milestone: %d %s", r.code, r.body)
		}
		e.do(t, "contributor", "POST", "/api/v1/commitments/AU0019/milestones", MilestoneInput{Activity: "Report", Status: "in_progress", Progress: 20, Weight: f(3)})
		var ml struct{ Items []Milestone }
		e.do(t, "", "GET", "/api/v1/commitments/AU0019/milestones", nil).json(t, &ml)
		if len(ml.Items) != 2 {
			t.Errorf("milestones: %+v", ml)
		}
		e.do(t, "", "GET", "/api/v1/commitments/AU0019", nil).json(t, &c)
		if c.Progress != 40 || len(c.Milestones) != 2 {
			t.Errorf("roll-up: %v", c.Progress)
		}

		// Progress by hand: managers only, with a reason; null clears it.
		if r = e.do(t, "contributor", "PUT", "/api/v1/commitments/AU0019/progress", ProgressInput{Progress: f(75), Reason: "x"}); r.code != 403 {
			t.Errorf("contributor override: %d", r.code)
		}
		if r = e.do(t, "manager", "PUT", "/api/v1/commitments/AU0019/progress", ProgressInput{Progress: f(75)}); r.code != 422 || r.problem(t)["reason"] == "" {
			t.Errorf("override without reason: %d %s", r.code, r.body)
		}
		r = e.do(t, "manager", "PUT", "/api/v1/commitments/AU0019/progress", ProgressInput{Progress: f(75), Reason: "Report published."})
		r.json(t, &c)
		if r.code != 200 || c.Progress != 75 || c.Override == nil {
			t.Errorf("override: %d %s", r.code, r.body)
		}
		r = e.do(t, "manager", "PUT", "/api/v1/commitments/AU0019/progress", `{"progress": null}`)
		c = Commitment{}
		r.json(t, &c)
		if c.Progress != 40 || c.Override != nil {
			t.Errorf("cleared override: %s", r.body)
		}

		// Updates and assessments.
		r = e.do(t, "contributor", "POST", "/api/v1/commitments/AU0019/updates", UpdateInput{MilestoneID: mr.ID, ReportedOn: d("2019-01-10"), Body: "Done."})
		if r.code != 201 {
			t.Errorf("update: %d %s", r.code, r.body)
		}
		if r = e.do(t, "contributor", "POST", "/api/v1/commitments/AU0019/updates", UpdateInput{Body: "", ReportedOn: d("2999-01-01")}); r.code != 422 ||
			r.problem(t)["text"] == "" || r.problem(t)["reported_on"] == "" {
			t.Errorf("bad update: %d %s", r.code, r.body)
		}
		var ul struct{ Items []Update }
		e.do(t, "", "GET", "/api/v1/commitments/AU0019/updates", nil).json(t, &ul)
		if len(ul.Items) != 1 || ul.Items[0].Body != "Done." {
			t.Errorf("updates: %+v", ul)
		}
		yes := true
		review := AssessmentInput{Kind: "independent", AssessedOn: d("2019-11-20"), Verifiable: &yes, Relevance: Values{CivicParticipation: true},
			PotentialImpact: "transformative", Completion: "complete", Summary: "Delivered."}
		if r = e.do(t, "contributor", "POST", "/api/v1/commitments/AU0019/assessments", review); r.code != 403 {
			t.Errorf("contributor assessing: %d", r.code)
		}
		if r = e.do(t, "manager", "POST", "/api/v1/commitments/AU0019/assessments", review); r.code != 422 || r.problem(t)["kind"] == "" {
			t.Errorf("manager's independent review: %d %s", r.code, r.body)
		}
		if r = e.do(t, "reviewer", "POST", "/api/v1/commitments/AU0019/assessments", AssessmentInput{Kind: "independent", Completion: "nearly"}); r.code != 422 ||
			r.problem(t)["completion"] == "" {
			t.Errorf("bad scale: %d %s", r.code, r.body)
		}
		if r = e.do(t, "reviewer", "POST", "/api/v1/commitments/AU0019/assessments", review); r.code != 201 {
			t.Fatalf("review: %d %s", r.code, r.body)
		}
		var al struct{ Items []Assessment }
		e.do(t, "", "GET", "/api/v1/commitments/AU0019/assessments", nil).json(t, &al)
		if len(al.Items) != 1 || !al.Items[0].Starred {
			t.Errorf("assessments: %+v", al)
		}
		e.do(t, "", "GET", "/api/v1/commitments?starred=true", nil).json(t, &l)
		if len(l.Items) != 1 || l.Items[0].Reference != "AU0019" || !l.Items[0].Starred || l.Items[0].Latest == nil {
			t.Errorf("starred filter: %+v", l.Items)
		}

		// Update a commitment and a plan.
		in := CommitmentInput{PlanID: pub.ID, Reference: "AU0019", Title: "Improve public service practices", Status: "active", LeadOrgID: owner,
			Start: d("2018-09-01"), End: d("2020-08-31")}
		if r = e.do(t, "stranger", "PUT", "/api/v1/commitments/AU0019", in); r.code != 403 {
			t.Errorf("stranger edit: %d", r.code)
		}
		r = e.do(t, "contributor", "PUT", "/api/v1/commitments/AU0019", in)
		r.json(t, &c)
		if r.code != 200 || c.Title != in.Title || len(c.Milestones) != 2 || !c.Starred {
			t.Errorf("update commitment: %d %s", r.code, r.body)
		}
		if r = e.do(t, "contributor", "PUT", fmt.Sprintf("/api/v1/plans/%d", pub.ID), PlanInput{OrgID: owner, Title: "X", Status: "published"}); r.code != 403 {
			t.Errorf("contributor editing a published plan: %d", r.code)
		}
		r = e.do(t, "manager", "PUT", fmt.Sprintf("/api/v1/plans/%d", pub.ID), PlanInput{OrgID: owner, Title: "Australia Action Plan 2018-20",
			Country: "Australia", Number: 2, Status: "in_implementation"})
		var up Plan
		r.json(t, &up)
		if r.code != 200 || up.Title != "Australia Action Plan 2018-20" || up.Commitments != 7 {
			t.Errorf("update plan: %d %s", r.code, r.body)
		}
		if r = e.do(t, "", "GET", "/api/v1/plans/999999", nil); r.code != 404 {
			t.Errorf("missing plan: %d", r.code)
		}
		if r = e.do(t, "", "GET", "/api/v1/commitments/ZZ9999", nil); r.code != 404 {
			t.Errorf("missing commitment: %d", r.code)
		}

		// Lists of plans, milestones and assessments.
		var pl struct{ Items []Plan }
		e.do(t, "", "GET", "/api/v1/plans", nil).json(t, &pl)
		if len(pl.Items) != 1 || pl.Items[0].Commitments != 7 {
			t.Errorf("public plans: %+v", pl.Items)
		}
		e.do(t, "contributor", "GET", "/api/v1/plans", nil).json(t, &pl)
		if len(pl.Items) != 2 {
			t.Errorf("contributor's plans: %d", len(pl.Items))
		}
		var mrows struct{ Items []MilestoneRow }
		e.do(t, "", "GET", "/api/v1/milestones?limit=1", nil).json(t, &mrows)
		if len(mrows.Items) != 1 || mrows.Items[0].Reference != "AU0019" {
			t.Errorf("milestones: %+v", mrows)
		}
		var arows struct{ Items []AssessmentRow }
		e.do(t, "", "GET", fmt.Sprintf("/api/v1/commitment-assessments?plan=%d", pub.ID), nil).json(t, &arows)
		if len(arows.Items) != 1 || arows.Items[0].Reference != "AU0019" || !arows.Items[0].Starred {
			t.Errorf("assessments: %+v", arows)
		}
	})
}

type api0List struct {
	Items []Commitment `json:"items"`
}

func TestAPIExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbx *db.DB) {
		e := newAPIEnv(t, dbx)
		res := e.run(t, e.admin, "good.csv", ImportOptions{OwnerID: e.owner.ID})
		if !res.Written {
			t.Fatal(res.Errors)
		}
		pl, err := e.svc.CreatePlan(e.admin, PlanInput{OrgID: e.owner.ID, Title: "Secret draft", Status: "draft"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CreateCommitment(e.admin, CommitmentInput{PlanID: pl.ID, Reference: "DR0001", Title: "=cmd|' /C calc'!A0", Status: "active"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.AddMilestone(e.admin, "AU0019", MilestoneInput{Activity: "+Finalise scope", Status: "completed", Progress: 100}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.AddMilestone(e.admin, "DR0001", MilestoneInput{Activity: "Draft milestone", Status: "completed", Progress: 100}); err != nil {
			t.Fatal(err)
		}
		readCSV := func(who, path string) [][]string {
			t.Helper()
			r := e.do(t, who, "GET", path, nil)
			if r.code != 200 || r.hdr.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("%s: %d %q %s", path, r.code, r.hdr.Get("Content-Type"), r.body)
			}
			cd := r.hdr.Get("Content-Disposition")
			if !strings.HasPrefix(cd, `attachment; filename="`) || !strings.HasSuffix(cd, `.csv"`) {
				t.Errorf("%s: Content-Disposition %q", path, cd)
			}
			recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return recs
		}
		recs := readCSV("", "/api/v1/commitments?format=csv")
		if len(recs) != 7 || recs[0][0] != "reference" {
			t.Fatalf("commitments CSV: %d rows", len(recs))
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, rec := range recs[1:] {
			if rec[col["reference"]] == "DR0001" {
				t.Errorf("the public export holds a draft")
			}
			if rec[col["reference"]] == "AU0002" && (rec[col["starred"]] != "yes" || rec[col["completion"]] != "substantial" || rec[col["lead_organisation"]] != "Treasury") {
				t.Errorf("AU0002 in CSV: %v", rec)
			}
		}
		// The admin's export has the draft, with its formula neutralised.
		recs = readCSV("admin", "/api/v1/commitments?format=csv")
		found := false
		for _, rec := range recs[1:] {
			if rec[0] == "DR0001" {
				found = true
				if rec[col["title"]] != "'=cmd|' /C calc'!A0" {
					t.Errorf("formula not neutralised: %q", rec[col["title"]])
				}
			}
		}
		if !found {
			t.Errorf("admin's export lacks the draft")
		}
		// Filters apply to the export.
		if recs = readCSV("", "/api/v1/commitments?format=csv&starred=true"); len(recs) != 2 || recs[1][0] != "AU0002" {
			t.Errorf("starred export: %v", recs)
		}
		recs = readCSV("", "/api/v1/milestones?format=csv")
		if len(recs) != 2 || recs[1][1] != "AU0019" || recs[1][3] != "'+Finalise scope" {
			t.Errorf("milestones CSV: %v", recs)
		}
		if recs = readCSV("", "/api/v1/commitment-assessments?format=csv"); len(recs) != 5 {
			t.Errorf("assessments CSV: %d rows", len(recs))
		}
		if recs = readCSV("", "/api/v1/plans?format=csv"); len(recs) != 4 {
			t.Errorf("plans CSV: %d rows", len(recs))
		}
		// JSON downloads are arrays of the API's objects.
		r := e.do(t, "", "GET", "/api/v1/commitments?format=json", nil)
		var cs []Commitment
		r.json(t, &cs)
		if len(cs) != 6 || !strings.Contains(r.hdr.Get("Content-Disposition"), ".json") || r.hdr.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("commitments JSON: %d %v", len(cs), r.hdr)
		}
		var ms []MilestoneRow
		e.do(t, "admin", "GET", "/api/v1/milestones?format=json", nil).json(t, &ms)
		if len(ms) != 2 {
			t.Errorf("milestones JSON for the admin: %d", len(ms))
		}
		var as []AssessmentRow
		e.do(t, "", "GET", "/api/v1/commitment-assessments?format=json", nil).json(t, &as)
		if len(as) != 4 || as[0].Reference == "" {
			t.Errorf("assessments JSON: %+v", as)
		}
		var ps []Plan
		e.do(t, "", "GET", "/api/v1/plans?format=json", nil).json(t, &ps)
		if len(ps) != 3 {
			t.Errorf("plans JSON: %d", len(ps))
		}
		// An empty export is a header (or an empty array).
		if recs = readCSV("", "/api/v1/commitments?format=csv&status=withdrawn"); len(recs) != 1 {
			t.Errorf("empty export: %v", recs)
		}
		e.do(t, "", "GET", "/api/v1/commitments?format=json&status=withdrawn", nil).json(t, &cs)
		if len(cs) != 0 {
			t.Errorf("empty JSON export: %v", cs)
		}
	})
}

// TestAPIOpenAPI checks that every route of the API is described with its bodies.
func TestAPIOpenAPI(t *testing.T) {
	e := newAPIEnv(t, dbtest.SQLite(t))
	n := 0
	for _, r := range e.rt.Routes() {
		if !r.API {
			continue
		}
		n++
		if r.Summary == "" || r.Tag == "" || r.Response == nil {
			t.Errorf("%s %s: summary %q, tag %q, response %v", r.Method, r.Path, r.Summary, r.Tag, r.Response)
		}
		if (r.Method == "POST" || r.Method == "PUT") && r.Request == nil {
			t.Errorf("%s %s has no request example", r.Method, r.Path)
		}
		if r.Method != "GET" && r.Access == web.Public {
			t.Errorf("%s %s changes data and is public", r.Method, r.Path)
		}
	}
	if n != 18 {
		t.Errorf("%d API routes, want 18", n)
	}
}

// upload posts a multipart form to the import page.
func (e *apiEnv) upload(t *testing.T, who, name string, data []byte, fields map[string]string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/commitments/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestImportPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbx *db.DB) {
		e := newAPIEnv(t, dbx)
		owner := fmt.Sprint(e.owner.ID)
		get := func(who string) (int, string) {
			req := httptest.NewRequest("GET", "/commitments/import", nil)
			req.Header.Set("X-Test-As", who)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			return rec.Code, rec.Body.String()
		}
		if code, _ := get("viewer"); code != 403 {
			t.Errorf("viewer: %d", code)
		}
		if code, _ := get(""); code != 303 {
			t.Errorf("anonymous: %d", code)
		}
		code, body := get("contributor")
		if code != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `name="owner_id"`) ||
			!strings.Contains(body, `value="`+owner+`" selected`) || strings.Contains(body, "Treasury</option>") {
			t.Errorf("form: %d %s", code, body)
		}
		if code, _ := e.upload(t, "viewer", "good.csv", importCorpus(t, "good.csv"), map[string]string{"owner_id": owner}); code != 403 {
			t.Errorf("viewer upload: %d", code)
		}
		before := importCounts(t, dbx)
		// A dry run shows the changes and writes nothing.
		code, body = e.upload(t, "contributor", "good.csv", importCorpus(t, "good.csv"), map[string]string{"owner_id": owner, "dry_run": "on"})
		if code != 200 || !strings.Contains(body, "dry run") || !strings.Contains(body, "AU0019") {
			t.Errorf("dry run: %d %s", code, body)
		}
		if got := importCounts(t, dbx); !importSameCounts(before, got) {
			t.Errorf("dry run wrote: %v → %v", before, got)
		}
		// A broken file: every bad row with its line, nothing written.
		code, body = e.upload(t, "contributor", "bad.csv", importCorpus(t, "bad_values.csv"), map[string]string{"owner_id": owner})
		if code != 422 || !strings.Contains(body, "Nothing was imported") || !strings.Contains(body, "<td>6</td>") || !strings.Contains(body, "Huge") {
			t.Errorf("bad file: %d %s", code, body)
		}
		if got := importCounts(t, dbx); !importSameCounts(before, got) {
			t.Errorf("bad file wrote: %v → %v", before, got)
		}
		// Skipping invalid rows writes the good one.
		code, body = e.upload(t, "contributor", "mixed.csv", importCorpus(t, "mixed.csv"), map[string]string{"owner_id": owner, "skip_invalid": "on"})
		if code != 200 || !strings.Contains(body, "were skipped") {
			t.Errorf("skip invalid: %d %s", code, body)
		}
		if _, err := e.svc.Store.CommitmentByRef(e.admin, dbx, "AU0019"); err != nil {
			t.Errorf("AU0019 not imported: %v", err)
		}
		// The form's own errors.
		if code, body = e.upload(t, "contributor", "", nil, map[string]string{"owner_id": owner}); code != 422 || !strings.Contains(body, "Choose the CSV file") {
			t.Errorf("no file: %d %s", code, body)
		}
		if code, body = e.upload(t, "contributor", "good.csv", importCorpus(t, "good.csv"), map[string]string{"owner_id": fmt.Sprint(e.other.ID)}); code != 422 ||
			!strings.Contains(body, "an organisation you contribute to") {
			t.Errorf("another's owner: %d %s", code, body)
		}
		if code, body = e.upload(t, "contributor", "book.xlsx", []byte("PK\x03\x04"), map[string]string{"owner_id": owner}); code != 422 || !strings.Contains(body, "CSV") {
			t.Errorf("xlsx: %d", code)
		}
		big := bytes.Repeat([]byte("x"), MaxUpload+(2<<20))
		if code, body = e.upload(t, "contributor", "big.csv", big, map[string]string{"owner_id": owner}); code != 413 || !strings.Contains(body, "MiB") {
			t.Errorf("too large: %d", code)
		}
		req := httptest.NewRequest("POST", "/commitments/import", strings.NewReader("owner_id=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Test-As", "contributor")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 422 {
			t.Errorf("not multipart: %d", rec.Code)
		}
	})
}
