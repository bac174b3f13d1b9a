package learning

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// lrApp serves learning's routes as the app does after authentication, with the principal
// named by the X-Test-As header.
func lrApp(t *testing.T, f *lrFixture) http.Handler {
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
	if err := (&Web{Svc: f.s, Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), f.people[r.Header.Get("X-Test-As")])))
	})
}

type lrResp struct {
	code int
	body string
	hdr  http.Header
}

func lrDo(t *testing.T, h http.Handler, who, method, path string, form url.Values) lrResp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return lrResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func lrJSON(t *testing.T, h http.Handler, who, method, path, body string) lrResp {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return lrResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func lrHas(t *testing.T, what string, r lrResp, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s (%d) lacks %q", what, r.code, w)
		}
	}
}

func lrLacks(t *testing.T, what string, r lrResp, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(r.body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

// TestLearningPagesAndAPI follows a learning, its evidence and a report through the pages
// and the API: forms keep what was typed and say what is wrong, restricted evidence says so
// to those who may see it and is missing for others, the report's edit form reorders without
// JavaScript, and the exports download.
func TestLearningPagesAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		h := lrApp(t, f)

		r := lrDo(t, h, "anonymous", "GET", "/learnings", nil)
		lrHas(t, "the empty list", r, "<h1>Learnings</h1>", "There are no learnings you can see yet.")
		lrLacks(t, "the list for the public", r, `href="/learnings/new"`)

		// A form with mistakes comes back with the messages and what was typed.
		form := url.Values{"organisation_id": {fmt.Sprint(f.orgA)}, "type": {"worked"}, "title": {""}, "insight": {"Keep <this> text"},
			"confidence": {"high"}, "visibility": {"public"}, "themes": {fmt.Sprint(f.themes[1])}, "case_studies": {fmt.Sprint(f.csLogan.ID)}}
		r = lrDo(t, h, "contributor-a", "POST", "/learnings", form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid learning: %d", r.code)
		}
		lrHas(t, "the invalid form", r, "There is a problem", `href="#f-title"`, "Enter a title", "Keep &lt;this&gt; text",
			fmt.Sprintf(`value="%d" checked`, f.csLogan.ID), "Logan Together")
		form.Set("title", "Local bodies set priorities that agencies fund")
		r = lrDo(t, h, "contributor-a", "POST", "/learnings", form)
		if r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), "/learnings/") {
			t.Fatalf("create: %d %s", r.code, r.hdr.Get("Location"))
		}
		lURL := r.hdr.Get("Location")
		r = lrDo(t, h, "outsider", "GET", lURL, nil)
		lrLacks(t, "the learning's Markdown", r, "<this>")
		lrHas(t, "the learning", r, "<h1>Local bodies set priorities that agencies fund</h1>", "What worked", "<p>Keep ",
			`href="/case-studies/`, "Delegation", "This worked for us too", lURL+"/history")
		lrLacks(t, "the learning for an outsider", r, lURL+"/edit")
		// Endorse, with a note.
		r = lrDo(t, h, "outsider", "POST", lURL+"/endorse", url.Values{"note": {"Same in Papakura."}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("endorse: %d", r.code)
		}
		r = lrDo(t, h, "anonymous", "GET", lURL, nil)
		lrHas(t, "the endorsed learning", r, "1 member said “this worked for us too”", "Same in Papakura.", "Sign in</a> to say")
		lrLacks(t, "names for the public", r, "Test outsider")
		r = lrDo(t, h, "outsider", "POST", lURL+"/endorse", url.Values{"note": {strings.Repeat("n", 1001)}})
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("long endorsement note: %d", r.code)
		}
		lrHas(t, "the refused endorsement", r, "1000 characters or fewer")
		// Filters.
		r = lrDo(t, h, "anonymous", "GET", fmt.Sprintf("/learnings?place=%d", f.places[0]), nil)
		lrHas(t, "the list by place", r, "Local bodies set priorities", "1 learning match")
		r = lrDo(t, h, "anonymous", "GET", "/learnings?type=did_not_work", nil)
		lrHas(t, "the list by type", r, "No learning matches these filters.")
		// History through L1's revision pages.
		r = lrDo(t, h, "anonymous", "GET", lURL+"/history", nil)
		if r.code != http.StatusOK {
			t.Errorf("history: %d", r.code)
		}

		// Evidence: restricted, said so to staff, hidden from others.
		ev := url.Values{"organisation_id": {fmt.Sprint(f.orgA)}, "kind": {"outcome_harvest"}, "title": {"Harvest of outcomes"}, "visibility": {"public"},
			"culturally_sensitive": {"on"}, "consent": {"on"}, "outcome": {"Two agencies moved funding."}}
		r = lrDo(t, h, "contributor-a", "POST", "/evidence", ev)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("harvest without its parts: %d", r.code)
		}
		lrHas(t, "the harvest form", r, "Enter why the outcome is significant", "Two agencies moved funding.")
		for k, v := range map[string]string{"significance": "A first.", "contribution": "The process.", "substantiation": "Budget papers."} {
			ev.Set(k, v)
		}
		r = lrDo(t, h, "contributor-a", "POST", "/evidence", ev)
		if r.code != http.StatusSeeOther {
			t.Fatalf("harvest: %d %s", r.code, r.body)
		}
		eURL := r.hdr.Get("Location")
		r = lrDo(t, h, "viewer-a", "GET", eURL, nil)
		lrHas(t, "restricted evidence for staff", r, "Restricted.", "Only the staff of Organisation A and site administrators can see this evidence",
			"it is culturally sensitive", "<h3>Substantiation</h3>")
		for _, who := range []string{"anonymous", "outsider", "contributor-b"} {
			if r := lrDo(t, h, who, "GET", eURL, nil); r.code != http.StatusNotFound && r.code != http.StatusSeeOther {
				t.Errorf("restricted evidence for %s: %d", who, r.code)
			}
		}

		// A report: start, add a section, add the learning, reorder, export.
		r = lrDo(t, h, "contributor-a", "POST", "/reports", url.Values{"organisation_id": {fmt.Sprint(f.orgA)}, "title": {"Learnings from place-based approaches"},
			"introduction": {"Why we wrote it."}, "first_section": {"Delegation"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("start report: %d %s", r.code, r.body)
		}
		editURL := r.hdr.Get("Location")
		repURL := strings.TrimSuffix(editURL, "/edit")
		r = lrDo(t, h, "contributor-a", "GET", editURL, nil)
		lrHas(t, "the edit page", r, "Section 1: Delegation", "Add a learning to this section", `value="add-section"`, "Add a recommendation")
		lrLacks(t, "the edit page for a contributor", r, "Publish the report")
		var sid int64
		if err := d.QueryRow(t.Context(), "SELECT id FROM learning_report_sections WHERE title = 'Delegation'").Scan(&sid); err != nil {
			t.Fatal(err)
		}
		var lid int64
		fmt.Sscan(strings.TrimPrefix(lURL, "/learnings/"), &lid)
		s := fmt.Sprint(sid)
		layout := url.Values{"title": {"Learnings from place-based approaches"}, "introduction": {"Why we wrote it."}, "section": {s},
			"section-" + s + "-title": {"Delegation"}, "section-" + s + "-add": {fmt.Sprint(lid)}, "op": {"item-add-" + s}}
		r = lrDo(t, h, "contributor-a", "POST", repURL, layout)
		if r.code != http.StatusSeeOther || !strings.HasSuffix(r.hdr.Get("Location"), "/edit#section-"+s) {
			t.Fatalf("add learning: %d %s %s", r.code, r.hdr.Get("Location"), r.body)
		}
		layout = url.Values{"title": {"Learnings from place-based approaches"}, "section": {s}, "section-" + s + "-title": {""},
			"section-" + s + "-item": {fmt.Sprint(lid)}, "op": {"save"}}
		r = lrDo(t, h, "contributor-a", "POST", repURL, layout)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("empty section title: %d", r.code)
		}
		lrHas(t, "the refused layout", r, `href="#f-section-`+s+`-title"`, "Enter the section")
		layout.Set("section-"+s+"-title", "Delegation")
		layout.Set("new-section-title", "Accountability")
		layout.Set("op", "add-section")
		if r = lrDo(t, h, "contributor-a", "POST", repURL, layout); r.code != http.StatusSeeOther {
			t.Fatalf("add section: %d", r.code)
		}
		var acc int64
		if err := d.QueryRow(t.Context(), "SELECT id FROM learning_report_sections WHERE title = 'Accountability'").Scan(&acc); err != nil {
			t.Fatal(err)
		}
		a := fmt.Sprint(acc)
		layout = url.Values{"title": {"Learnings from place-based approaches"}, "section": {s, a}, "section-" + s + "-title": {"Delegation"},
			"section-" + a + "-title": {"Accountability"}, "section-" + s + "-item": {fmt.Sprint(lid)}, "op": {"section-up-" + a}}
		if r = lrDo(t, h, "contributor-a", "POST", repURL, layout); r.code != http.StatusSeeOther {
			t.Fatalf("move up: %d", r.code)
		}
		r = lrDo(t, h, "viewer-a", "GET", repURL, nil)
		lrHas(t, "the draft report for staff", r, "Draft", "1. Accountability", "2. Delegation", "2.1 <a href=\""+lURL+"\">")
		if strings.Index(r.body, "1. Accountability") > strings.Index(r.body, "2. Delegation") {
			t.Errorf("sections out of order on the report")
		}
		if r := lrDo(t, h, "anonymous", "GET", repURL, nil); r.code == http.StatusOK {
			t.Errorf("the public reads a draft report")
		}
		if r := lrDo(t, h, "contributor-a", "POST", repURL+"/publish", url.Values{"publish": {"true"}}); r.code != http.StatusForbidden {
			t.Errorf("a contributor publishes: %d", r.code)
		}
		if r := lrDo(t, h, "manager-a", "POST", repURL+"/publish", url.Values{"publish": {"true"}}); r.code != http.StatusSeeOther {
			t.Errorf("a manager publishes: %d", r.code)
		}
		// A recommendation answered by AU0019, typed by its reference.
		r = lrDo(t, h, "contributor-a", "POST", repURL+"/recommendations", url.Values{"title": {"Let places set priorities"}, "priority": {"high"},
			"status": {"accepted"}, "learnings": {fmt.Sprint(lid)}, "commitments": {"AU9999"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown commitment: %d", r.code)
		}
		lrHas(t, "the recommendation form", r, "AU9999", "Let places set priorities")
		r = lrDo(t, h, "contributor-a", "POST", repURL+"/recommendations", url.Values{"title": {"Let places set priorities"}, "priority": {"high"},
			"status": {"accepted"}, "learnings": {fmt.Sprint(lid)}, "commitments": {"AU0019"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("recommendation: %d %s", r.code, r.body)
		}
		r = lrDo(t, h, "anonymous", "GET", repURL, nil)
		lrHas(t, "the published report", r, "Recommendations", "Priority: High", "Status: Accepted", `<a href="/commitments/AU0019">AU0019 Place-based approaches</a>`,
			"export.csv", "export.md")
		var mid int64
		if err := d.QueryRow(t.Context(), "SELECT id FROM recommendations").Scan(&mid); err != nil {
			t.Fatal(err)
		}
		r = lrDo(t, h, "anonymous", "GET", fmt.Sprintf("/recommendations/%d", mid), nil)
		lrHas(t, "the recommendation", r, "Commitments that answer it", `href="/commitments/AU0019"`, "Local bodies set priorities")
		r = lrDo(t, h, "contributor-a", "GET", fmt.Sprintf("/recommendations/%d/edit", mid), nil)
		lrHas(t, "the recommendation's edit form", r, "AU0019</textarea>")
		for _, ext := range []string{"json", "csv", "md"} {
			r = lrDo(t, h, "anonymous", "GET", repURL+"/export."+ext, nil)
			if r.code != http.StatusOK || !strings.Contains(r.hdr.Get("Content-Disposition"), "learnings-from-place-based-approaches-") {
				t.Errorf("export %s: %d %q", ext, r.code, r.hdr.Get("Content-Disposition"))
			}
			lrHas(t, "export "+ext, r, "Local bodies set priorities that agencies fund", "Let places set priorities")
		}

		// The API.
		r = lrJSON(t, h, "contributor-a", "POST", "/api/v1/learnings", `{"organisation_id": 0, "title": ""}`)
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.hdr.Get("Content-Type"), "problem+json") {
			t.Fatalf("API invalid learning: %d %s", r.code, r.body)
		}
		var prob struct{ Errors map[string]string }
		_ = json.Unmarshal([]byte(r.body), &prob)
		if prob.Errors["title"] == "" || prob.Errors["type"] == "" || prob.Errors["insight"] == "" {
			t.Errorf("API field messages: %v", prob.Errors)
		}
		r = lrJSON(t, h, "viewer-a", "POST", "/api/v1/learnings", `{}`)
		if r.code != http.StatusForbidden {
			t.Errorf("API create by a viewer: %d", r.code)
		}
		r = lrJSON(t, h, "anonymous", "GET", "/api/v1/learnings?type=worked&limit=1", "")
		var list struct {
			Items []Learning `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Items) != 1 || list.Items[0].Endorsements != 1 {
			t.Errorf("API list: %s %v", r.body, err)
		}
		if r := lrJSON(t, h, "anonymous", "GET", "/api/v1/learnings?type=nonsense", ""); r.code != http.StatusBadRequest {
			t.Errorf("API bad filter: %d", r.code)
		}
		r = lrJSON(t, h, "anonymous", "GET", "/api/v1/evidence", "")
		lrLacks(t, "the public evidence list", r, "Harvest of outcomes")
		r = lrJSON(t, h, "viewer-a", "GET", "/api/v1/evidence", "")
		lrHas(t, "the staff's evidence list", r, "Harvest of outcomes", `"restricted":true`)
		r = lrJSON(t, h, "anonymous", "GET", fmt.Sprintf("/api/v1/recommendations/%d", mid), "")
		lrHas(t, "the API recommendation", r, `"commitment_ids":[19]`, `"/commitments/AU0019"`)
		r = lrJSON(t, h, "outsider", "POST", lURL[:0]+"/api/v1"+lURL+"/endorsement", `{"note": "Still true."}`)
		if r.code != http.StatusOK {
			t.Errorf("API endorsement: %d %s", r.code, r.body)
		}
	})
}
