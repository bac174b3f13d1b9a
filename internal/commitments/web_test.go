package commitments

import (
	"context"
	"encoding/xml"
	"github.com/joinedup/joinedup/internal/directory"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// pagesApp serves the commitments routes as the app does after its authentication
// middleware, with the principal chosen per request by pagesAs.
func pagesApp(t *testing.T, f *svcFixture) http.Handler {
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
	if err := (&directory.Web{Svc: f.s.Dir, Render: rend}).Routes(rt); err != nil { // the links panel
		t.Fatal(err)
	}
	if err := (&Web{Svc: f.s, Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := r.Header.Get("X-Test-As")
		if who == "" {
			who = "anonymous"
		}
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), f.people[who])))
	})
}

type pagesResp struct {
	code int
	body string
	hdr  http.Header
}

func pagesDo(t *testing.T, h http.Handler, who, method, path string, form url.Values, cookies ...*http.Cookie) pagesResp {
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
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return pagesResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func pagesGet(t *testing.T, h http.Handler, who, path string) pagesResp {
	t.Helper()
	return pagesDo(t, h, who, "GET", path, nil)
}

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func wantNotIn(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

func TestPagesDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		h := pagesApp(t, f)
		r := pagesGet(t, h, "anonymous", "/plans")
		if r.code != http.StatusOK {
			t.Fatalf("/plans: %d", r.code)
		}
		wantIn(t, "the public plan list", r.body, f.plan.Title, "Not measured: no milestones yet", "<caption>")
		wantNotIn(t, "the public plan list", r.body, f.draft.Title)
		draft := "/plans/" + idStr(f.draft.ID)
		for _, path := range []string{draft, draft + "/feed.atom", "/commitments/XX0002", "/commitments/XX0002/feed.atom"} {
			if r := pagesGet(t, h, "anonymous", path); r.code != http.StatusNotFound {
				t.Errorf("anonymous %s: %d, want 404", path, r.code)
			}
			if r := pagesGet(t, h, "contributor-b", path); r.code != http.StatusNotFound {
				t.Errorf("another organisation's contributor %s: %d, want 404", path, r.code)
			}
			if r := pagesGet(t, h, "viewer-a", path); r.code != http.StatusOK {
				t.Errorf("the owner's viewer %s: %d, want 200", path, r.code)
			}
		}
		r = pagesGet(t, h, "viewer-a", "/plans")
		wantIn(t, "a member's plan list", r.body, f.draft.Title, "Draft")
		// Staff links only for those who may use them.
		r = pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantNotIn(t, "the public commitment page", r.body, "/edit", `action="/commitments/XX0001/updates"`, "/assess")
		r = pagesGet(t, h, "contributor-b", "/commitments/XX0001")
		wantIn(t, "the lead's contributor's page", r.body, "/commitments/XX0001/edit", `action="/commitments/XX0001/updates"`)
		wantNotIn(t, "the lead's contributor's page", r.body, `action="/commitments/XX0001/progress"`)
		if r := pagesGet(t, h, "viewer-a", "/commitments/XX0001/edit"); r.code != http.StatusForbidden {
			t.Errorf("a viewer opening the edit form: %d", r.code)
		}
		if r := pagesGet(t, h, "anonymous", "/plans/new"); r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), "/signin") {
			t.Errorf("anonymous /plans/new: %d %s", r.code, r.hdr.Get("Location"))
		}
	})
}

// commitmentRefs lists the references in the plan page's commitments table.
func commitmentRefs(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `<th scope="row"><a href="/commitments/`)[1:] {
		ref, _, _ := strings.Cut(part, `"`)
		out = append(out, ref)
	}
	return out
}

func TestPagesPlanFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		admin := f.as("site-admin")
		for _, in := range []CommitmentInput{
			{PlanID: f.plan.ID, Reference: "XX0003", Number: 3, Title: "Open contracting", Status: "completed", LeadOrgID: f.orgA, PolicyAreaIDs: []int64{f.areaB}},
			{PlanID: f.plan.ID, Reference: "XX0004", Number: 4, Title: "Beneficial ownership", Status: "active", LeadOrgID: f.orgA, PolicyAreaIDs: []int64{f.areaA, f.areaB}},
		} {
			if _, err := f.s.CreateCommitment(admin, in); err != nil {
				t.Fatal(err)
			}
		}
		yes := true
		if _, err := f.s.AddAssessment(f.as("reviewer-c"), "XX0004", AssessmentInput{Kind: "independent", Verifiable: &yes,
			Relevance: Values{AccessInfo: true}, PotentialImpact: "transformative", Completion: "complete"}); err != nil {
			t.Fatal(err)
		}
		h := pagesApp(t, f)
		base := "/plans/" + idStr(f.plan.ID)
		for _, c := range []struct {
			query string
			want  string
		}{
			{"", "XX0001 XX0003 XX0004"},
			{"?status=active", "XX0001 XX0004"},
			{"?status=completed", "XX0003"},
			{"?area=" + idStr(f.areaA), "XX0001 XX0004"},
			{"?area=" + idStr(f.areaB) + "&status=completed", "XX0003"},
			{"?lead=" + idStr(f.orgB), "XX0001"},
			{"?lead=" + idStr(f.orgA), "XX0003 XX0004"},
			{"?starred=on", "XX0004"},
			{"?status=nonsense", "XX0001 XX0003 XX0004"},
		} {
			r := pagesGet(t, h, "anonymous", base+c.query)
			if r.code != http.StatusOK {
				t.Fatalf("%s: %d", c.query, r.code)
			}
			if got := strings.Join(commitmentRefs(r.body), " "); got != c.want {
				t.Errorf("plan page%s: %q, want %q", c.query, got, c.want)
			}
		}
		r := pagesGet(t, h, "anonymous", base)
		wantIn(t, "the plan page", r.body, `<caption>Commitments by completion`, `<th scope="row"><span class="s-complete">Complete</span></th><td class="num">1</td>`,
			`<option value="`+idStr(f.areaA)+`">Capacity Building</option>`, `type="application/atom+xml"`, base+"/feed.atom")
		// The commitment page links its policy areas to the plan page filtered by them.
		r = pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantIn(t, "the commitment page", r.body, `href="`+base+`?area=`+idStr(f.areaA)+`"`)
	})
}

func TestPagesCommitmentFormErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		h := pagesApp(t, f)
		path := "/plans/" + idStr(f.plan.ID) + "/commitments"
		good := url.Values{"reference": {"XX0005"}, "title": {"Improve public service practice"}, "status": {"active"},
			"lead_organisation_id": {idStr(f.orgB)}, "start_date": {"2018-09-01"}, "end_date": {"2020-08-31"},
			"policy_area_ids": {idStr(f.areaA)}, "ogp_values": {"civic_participation"}}
		with := func(k, v string) url.Values {
			out := url.Values{}
			for kk, vv := range good {
				out[kk] = vv
			}
			out.Set(k, v)
			return out
		}
		before := f.count(t, "commitments")
		for _, c := range []struct {
			name  string
			form  url.Values
			field string
			msg   string
		}{
			{"September 2078 – August 2020", with("start_date", "2078-09-01"), "end_date", "The end (31 August 2020) is before the start (1 September 2078)"},
			{"a duplicate reference", with("reference", "xx0001"), "reference", "Another commitment already has the reference XX0001."},
			{"an unknown status", with("status", "finished"), "status", "Choose a status from the list."},
			{"a date that is not one", with("end_date", "August 2020"), "end_date", "Enter a date as YYYY-MM-DD"},
		} {
			r := pagesDo(t, h, "contributor-a", "POST", path, c.form)
			if r.code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d, want 422", c.name, r.code)
			}
			// The message is beside the field, in the summary, and what was typed is kept.
			wantIn(t, c.name, r.body, `id="f-`+c.field+`-error"`, `href="#f-`+c.field+`"`, c.msg, `value="Improve public service practice"`)
			if i, j := strings.Index(r.body, `id="f-`+c.field+`-error"`), strings.Index(r.body, `id="f-`+c.field+`"`); i < 0 || j < i {
				t.Errorf("%s: the message is not next to its field", c.name)
			}
			if n := f.count(t, "commitments"); n != before {
				t.Fatalf("%s: %d commitments, want %d: nothing may be saved", c.name, n, before)
			}
		}
		// The good one is saved and its page shows it.
		r := pagesDo(t, h, "contributor-a", "POST", path, good)
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/commitments/XX0005" {
			t.Fatalf("good form: %d %s\n%s", r.code, r.hdr.Get("Location"), r.body)
		}
		r = pagesGet(t, h, "anonymous", "/commitments/XX0005")
		wantIn(t, "the new commitment", r.body, "Improve public service practice", "(XX0005)", "September 2018 – August 2020", "Civic participation", "Capacity Building",
			"Pending independent review")
		// Another organisation's contributor may not add to the plan, whatever they send.
		if r := pagesDo(t, h, "contributor-b", "POST", path, with("reference", "XX0006")); r.code != http.StatusForbidden {
			t.Errorf("another organisation adding a commitment: %d", r.code)
		}
	})
}

func TestPagesMilestonesAndProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		h := pagesApp(t, f)
		ctx := context.Background()
		ms := "/commitments/XX0001/milestones"
		// Outside the period (the commitment starts 1 September 2018): saved, with a warning.
		r := pagesDo(t, h, "contributor-b", "POST", ms, url.Values{"activity": {"Finalise scope of works"}, "start_date": {"2018-07-01"},
			"end_date": {"2018-09-30"}, "status": {"completed"}, "progress": {"100"}, "weight": {"1"}})
		if r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), "/commitments/XX0001#milestone-") {
			t.Fatalf("milestone outside the period: %d %s\n%s", r.code, r.hdr.Get("Location"), r.body)
		}
		c, err := f.s.Commitment(f.as("anonymous"), "XX0001")
		if err != nil || len(c.Milestones) != 1 {
			t.Fatalf("the milestone was not saved: %v %+v", err, c.Milestones)
		}
		var flash *http.Cookie
		for _, ck := range (&http.Response{Header: r.hdr}).Cookies() {
			if ck.Name == "joinedup_flash" {
				flash = ck
			}
		}
		if flash == nil {
			t.Fatal("no flash message")
		}
		page := pagesDo(t, h, "contributor-b", "GET", "/commitments/XX0001", nil, flash)
		wantIn(t, "the page after the warning", page.body, `class="flash flash-info"`, "Please check its dates: The milestone starts (1 July 2018) before its commitment (1 September 2018).",
			`id="milestone-`+idStr(c.Milestones[0].ID)+`"`, "Outside the commitment's period")

		// Progress 101 is refused on the milestone form, the update form and the override.
		r = pagesDo(t, h, "contributor-b", "POST", ms, url.Values{"activity": {"Too far"}, "status": {"in_progress"}, "progress": {"101"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("progress 101: %d", r.code)
		}
		wantIn(t, "milestone progress 101", r.body, `id="f-progress-error"`, "Enter progress as a whole number from 0 to 100.", ">Too far</textarea>")
		r = pagesDo(t, h, "contributor-b", "POST", "/commitments/XX0001/updates", url.Values{"text": {"Nearly there"},
			"milestone_id": {idStr(c.Milestones[0].ID)}, "progress": {"101"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("update with progress 101: %d", r.code)
		}
		wantIn(t, "update progress 101", r.body, `id="f-progress-error"`, ">Nearly there</textarea>", "Improve public service practice")
		r = pagesDo(t, h, "manager-a", "POST", "/commitments/XX0001/progress", url.Values{"override_progress": {"101"}, "override_reason": {"x"}, "action": {"set"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("override 101: %d", r.code)
		}
		wantIn(t, "override 101", r.body, `id="f-override_progress-error"`, "Enter progress from 0 to 100.")
		if n := f.count(t, "progress_updates"); n != 0 {
			t.Errorf("%d updates saved by refused forms", n)
		}
		if n := f.count(t, "milestones"); n != 1 {
			t.Errorf("%d milestones, want 1", n)
		}
		got, _ := f.s.Store.CommitmentByRef(ctx, d, "XX0001")
		if got.Override != nil {
			t.Errorf("a refused override was saved: %v", *got.Override)
		}

		// A good update sets the milestone's progress and shows on the page.
		r = pagesDo(t, h, "contributor-b", "POST", "/commitments/XX0001/updates", url.Values{"text": {"Scope agreed with agencies.\n\nStakeholders invited."},
			"reported_on": {"2018-10-05"}, "milestone_id": {idStr(c.Milestones[0].ID)}, "progress": {"90"}, "evidence": {"https://example.org/scope.pdf"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("update: %d\n%s", r.code, r.body)
		}
		page = pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantIn(t, "the page after an update", page.body, "5 October 2018", "Test contributor-b", "<p>Scope agreed with agencies.</p>", "<p>Stakeholders invited.</p>",
			`href="https://example.org/scope.pdf"`, "Milestone progress set to <strong>90%</strong>", `value="90"`)

		// Progress set by hand shows, with its reason; clearing it rolls up again.
		r = pagesDo(t, h, "manager-a", "POST", "/commitments/XX0001/progress", url.Values{"override_progress": {"35"},
			"override_reason": {"The milestones understate the work done with communities."}, "action": {"set"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("override: %d\n%s", r.code, r.body)
		}
		page = pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantIn(t, "the overridden page", page.body, "set by hand", "Reason: The milestones understate the work done with communities.", `value="35"`, ">35%<")
		if r := pagesDo(t, h, "contributor-b", "POST", "/commitments/XX0001/progress", url.Values{"action": {"clear"}}); r.code != http.StatusForbidden {
			t.Errorf("a lead contributor clearing the override: %d", r.code)
		}
		if r := pagesDo(t, h, "manager-a", "POST", "/commitments/XX0001/progress", url.Values{"action": {"clear"}}); r.code != http.StatusSeeOther {
			t.Fatalf("clear: %d", r.code)
		}
		page = pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantNotIn(t, "the page after clearing", page.body, "Progress was set by hand")
		wantIn(t, "the page after clearing", page.body, ">90%<")
	})
}

func TestPagesAssessment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		h := pagesApp(t, f)
		path := "/commitments/XX0001/assessments"
		if r := pagesGet(t, h, "contributor-b", "/commitments/XX0001/assess"); r.code != http.StatusForbidden {
			t.Errorf("a contributor opening the assessment form: %d", r.code)
		}
		r := pagesGet(t, h, "reviewer-c", "/commitments/XX0001/assess")
		if r.code != http.StatusOK {
			t.Fatalf("assess form: %d", r.code)
		}
		// An outside reviewer may only review independently: the one choice is made for them.
		wantIn(t, "the assessment form", r.body, `<option value="independent" selected>Independent review</option>`)
		wantNotIn(t, "the assessment form", r.body, `value="self"`)
		form := url.Values{"kind": {"independent"}, "assessed_on": {"2019-11-20"}, "verifiable": {"yes"}, "relevance": {"civic_participation"},
			"potential_impact": {"transformative"}, "completion": {"finished"}, "summary": {"Verifiable and relevant."}}
		r = pagesDo(t, h, "reviewer-c", "POST", path, form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown completion: %d", r.code)
		}
		wantIn(t, "an unknown scale value", r.body, `id="f-completion-error"`, "&#34;finished&#34; is not on the completion scale", ">Verifiable and relevant.</textarea>")
		form.Set("verifiable", "perhaps")
		form.Set("completion", "substantial")
		r = pagesDo(t, h, "reviewer-c", "POST", path, form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown verifiable: %d", r.code)
		}
		wantIn(t, "an unknown yes/no", r.body, `id="f-verifiable-error"`)
		if n := f.count(t, "assessments"); n != 0 {
			t.Fatalf("%d assessments saved by refused forms", n)
		}
		// The owner's reviewer may not review independently.
		form.Set("verifiable", "yes")
		r = pagesDo(t, h, "reviewer-a", "POST", path, form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("the owner's reviewer: %d", r.code)
		}
		wantIn(t, "the owner's reviewer", r.body, `id="f-kind-error"`)
		r = pagesDo(t, h, "reviewer-c", "POST", path, form)
		if r.code != http.StatusSeeOther {
			t.Fatalf("good assessment: %d\n%s", r.code, r.body)
		}
		page := pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantIn(t, "the reviewed page", page.body, "Independent review of <time datetime=\"2019-11-20\">20 November 2019</time> by Test reviewer-c",
			`<span class="c-badge c-star">Starred</span>`, "Transformative", "Substantial", "Verifiable and relevant.")
		wantNotIn(t, "the reviewed page", page.body, "<strong>Pending independent review</strong>")
	})
}

type feedDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Author    string `xml:"author>name"`
		Content   struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
		Link struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func TestPagesFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		if _, err := f.s.CreateCommitment(f.as("site-admin"), CommitmentInput{PlanID: f.plan.ID, Reference: "XX0007", Title: "Another", Status: "active", LeadOrgID: f.orgB}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []struct{ ref, on, body string }{
			{"XX0001", "2019-04-12", "Learning framework agreed."},
			{"XX0007", "2019-05-01", "Another commitment's news."},
			{"XX0001", "2018-10-05", "Scope of works finalised <after> consultation & review."},
		} {
			if _, err := f.s.AddUpdate(f.as("contributor-b"), u.ref, UpdateInput{ReportedOn: d0(u.on), Body: u.body, Evidence: []string{"https://example.org/e"}}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond) // distinct recording times
		}
		h := pagesApp(t, f)
		for _, c := range []struct {
			path    string
			entries int
		}{{"/commitments/XX0001/feed.atom", 2}, {"/plans/" + idStr(f.plan.ID) + "/feed.atom", 3}} {
			r := pagesGet(t, h, "anonymous", c.path)
			if r.code != http.StatusOK || !strings.HasPrefix(r.hdr.Get("Content-Type"), "application/atom+xml") {
				t.Fatalf("%s: %d %s", c.path, r.code, r.hdr.Get("Content-Type"))
			}
			var doc feedDoc
			if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
				t.Fatalf("%s does not parse: %v\n%s", c.path, err, r.body)
			}
			if len(doc.Entries) != c.entries || doc.ID == "" || doc.Updated == "" || doc.Title == "" {
				t.Fatalf("%s: %d entries, id %q, updated %q", c.path, len(doc.Entries), doc.ID, doc.Updated)
			}
			if doc.Updated != doc.Entries[0].Updated {
				t.Errorf("%s: feed updated %s, newest entry %s", c.path, doc.Updated, doc.Entries[0].Updated)
			}
			self := false
			for _, l := range doc.Links {
				self = self || (l.Rel == "self" && l.Href == "http://example.com"+c.path)
			}
			if !self {
				t.Errorf("%s: no absolute self link: %+v", c.path, doc.Links)
			}
			var prev time.Time
			for i, e := range doc.Entries {
				up, err := time.Parse(time.RFC3339, e.Updated)
				if err != nil {
					t.Fatalf("entry updated %q: %v", e.Updated, err)
				}
				if _, err := time.Parse(time.RFC3339, e.Published); err != nil {
					t.Fatalf("entry published %q: %v", e.Published, err)
				}
				if i > 0 && up.After(prev) {
					t.Errorf("%s: entry %d (%s) is newer than the one before it (%s)", c.path, i, up, prev)
				}
				prev = up
				if !strings.HasPrefix(e.ID, "tag:example.com,2026:update/") || e.Author != "Test contributor-b" || e.Content.Type != "text" ||
					!strings.HasPrefix(e.Link.Href, "http://example.com/commitments/XX000") || !strings.Contains(e.Content.Text, "https://example.org/e") {
					t.Errorf("%s entry %d: %+v", c.path, i, e)
				}
			}
			if c.entries == 2 {
				if doc.Entries[0].Title != "XX0001: Scope of works finalised <after> consultation & review." ||
					doc.Entries[0].Published != "2018-10-05T00:00:00Z" || doc.Entries[1].Title != "XX0001: Learning framework agreed." {
					t.Errorf("commitment feed entries: %q (%s), %q", doc.Entries[0].Title, doc.Entries[0].Published, doc.Entries[1].Title)
				}
			}
		}
		// The pages name their feeds in the head.
		r := pagesGet(t, h, "anonymous", "/commitments/XX0001")
		wantIn(t, "the commitment page head", r.body, `<link rel="alternate" type="application/atom+xml" title="Progress updates: XX0001" href="/commitments/XX0001/feed.atom">`)
	})
}
