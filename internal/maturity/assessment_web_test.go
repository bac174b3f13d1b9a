package maturity

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// asmtApp serves the maturity routes as the app does after its authentication middleware,
// with the principal named by the X-Test-As header.
func asmtApp(t *testing.T, f *asmtFixture) http.Handler {
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

type asmtResp struct {
	code int
	body string
	hdr  http.Header
}

func asmtDo(t *testing.T, h http.Handler, who, method, path string, form url.Values) asmtResp {
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
	return asmtResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func asmtJSON(t *testing.T, h http.Handler, who, method, path, body string) asmtResp {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return asmtResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func bodyHas(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func bodyLacks(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

func TestRespondPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		h := asmtApp(t, f)
		a := f.start(t)
		base := "/assessments/" + strconv.FormatInt(a.ID, 10)

		r := asmtDo(t, h, "r1", "GET", base+"/respond", nil)
		if r.code != http.StatusOK {
			t.Fatalf("respond: %d %s", r.code, r.body)
		}
		bodyHas(t, "the respond page", r.body,
			"<h1>Be open</h1>", "0 of 4 answered", `aria-current="step"`, "Be inclusive",
			`<legend><span class="m-num">1.1</span> We tell people early what is being decided.</legend>`,
			`<legend>Where are you now?</legend>`, `type="radio"`,
			// The descriptor describes its radio button.
			`aria-describedby="f-open-1/current-d"`, `id="f-open-1/current-d">Rarely</p>`,
			// open-1's set offers not applicable and don't know; open-2's does not.
			`name="open-1/current" value="na"`, `name="open-1/current" value="dont_know"`,
			`name="open-1/evidence"`, `name="open-1/links"`, `name="open-1/needs_improvement"`,
			"Publish a plan for each engagement.", "Published engagement plans",
			"Save and continue to Be inclusive")
		bodyLacks(t, "the respond page", r.body, `name="open-2/current" value="na"`, "inc-1")
		// The first radio carries the field's ID, for the error summary's links.
		bodyHas(t, "the respond page", r.body, `id="f-open-1/current"`)

		// The second dimension, with its sub-dimension as a heading.
		r = asmtDo(t, h, "r1", "GET", base+"/respond?dimension=inclusive", nil)
		bodyHas(t, "the second part", r.body, "<h1>Be inclusive</h1>", `<h2 class="m-sub">Access</h2>`, "2.2", "Save and finish")
		if r := asmtDo(t, h, "r1", "GET", base+"/respond?dimension=nope", nil); r.code != http.StatusNotFound {
			t.Errorf("unknown dimension: %d", r.code)
		}
		// Only respondents answer; other organisations see nothing.
		if r := asmtDo(t, h, "viewer", "GET", base+"/respond", nil); r.code != http.StatusForbidden {
			t.Errorf("viewer: %d", r.code)
		}
		for _, path := range []string{base, base + "/respond", base + "/reconcile"} {
			if r := asmtDo(t, h, "outsider", "GET", path, nil); r.code != http.StatusNotFound {
				t.Errorf("outsider %s: %d", path, r.code)
			}
		}
	})
}

func TestRespondSaveInvalidKeepsWhatWasTyped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		h := asmtApp(t, f)
		a := f.start(t)
		base := "/assessments/" + strconv.FormatInt(a.ID, 10)
		form := url.Values{
			"dimension":                {"open"},
			"item":                     {"open-1", "open-2"},
			"open-1/current":           {"2"},
			"open-1/target":            {"4"},
			"open-1/evidence":          {"Plans for <two> programs & more"},
			"open-1/links":             {"https://example.org/plan\nnot a link"},
			"open-1/needs_improvement": {"on"},
			"open-2/current":           {"na"}, // not offered by yes/no
			"go":                       {"next"},
		}
		r := asmtDo(t, h, "r1", "POST", base+"/respond", form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid save: %d", r.code)
		}
		bodyHas(t, "the re-rendered form", r.body,
			`class="error-summary"`, `href="#f-open-1%2flinks"`, `href="#f-open-2%2fcurrent"`,
			"Put one web address on each line", "Not applicable is not offered for this item",
			// What was typed and chosen is kept.
			"Plans for &lt;two&gt; programs &amp; more", "https://example.org/plan\nnot a link",
			`name="open-1/current" value="2" checked`, `name="open-1/target" value="4" checked`,
			`name="open-1/needs_improvement" value="on" checked`, `aria-invalid="true"`)
		mine, _ := f.s.MyAnswers(f.ctx("r1"), a)
		if len(mine.Answers) != 0 {
			t.Errorf("a refused save kept %v", mine.Answers)
		}

		// Corrected, it saves and continues to the next part.
		form.Set("open-1/links", "https://example.org/plan")
		form.Set("open-2/current", "1")
		r = asmtDo(t, h, "r1", "POST", base+"/respond", form)
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != base+"/respond?dimension=inclusive" {
			t.Fatalf("save: %d %q", r.code, r.hdr.Get("Location"))
		}
		// Resumed later, the answers are there.
		r = asmtDo(t, h, "r1", "GET", base+"/respond?dimension=open", nil)
		bodyHas(t, "the resumed form", r.body, "2 of 4 answered", `name="open-1/current" value="2" checked`,
			"Plans for &lt;two&gt; programs &amp; more", `name="open-2/current" value="1" checked`)
		r = asmtDo(t, h, "r1", "GET", base, nil)
		bodyHas(t, "the overview", r.body, "2 of 4 answered", "Continue answering", "?dimension=inclusive", "Mark my answers done")

		// The last part ends on the overview; marking done makes the form read-only.
		r = asmtDo(t, h, "r1", "POST", base+"/respond", url.Values{"dimension": {"inclusive"}, "item": {"inc-1"}, "inc-1/current": {"3"}, "go": {"next"}})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != base+"#my-answers" {
			t.Fatalf("last part: %d %q", r.code, r.hdr.Get("Location"))
		}
		if r := asmtDo(t, h, "r1", "POST", base+"/submit", url.Values{"done": {"yes"}}); r.code != http.StatusSeeOther {
			t.Fatalf("submit: %d", r.code)
		}
		r = asmtDo(t, h, "r1", "GET", base+"/respond", nil)
		bodyHas(t, "the submitted answers", r.body, "You have marked your answers done", "Reopen my answers", "Developing")
		bodyLacks(t, "the submitted answers", r.body, `type="radio"`)
	})
}

func TestReconcilePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		h := asmtApp(t, f)
		a := f.start(t)
		base := "/assessments/" + strconv.FormatInt(a.ID, 10)
		f.answer(t, "r1", a.ID, map[string]Answer{"open-1": {Current: "1", Evidence: "Only one plan."}, "open-2": {Current: "1", Target: "1"}})
		f.answer(t, "partner", a.ID, map[string]Answer{"open-1": {Current: "4"}, "open-2": {Current: "1", Target: "1"}})

		r := asmtDo(t, h, "fac", "GET", base, nil)
		bodyHas(t, "the facilitator's overview", r.body, "Start reconciling", "Test r1", "Community Partners", "r1@example.org", "Invite a respondent")
		r = asmtDo(t, h, "viewer", "GET", base, nil)
		bodyHas(t, "a viewer's overview", r.body, "Test r1")
		bodyLacks(t, "a viewer's overview", r.body, "r1@example.org", "Start reconciling", "Invite a respondent")

		if r := asmtDo(t, h, "fac", "POST", base+"/status", url.Values{"status": {"reconciling"}}); r.code != http.StatusSeeOther {
			t.Fatalf("reconciling: %d", r.code)
		}
		r = asmtDo(t, h, "fac", "GET", base+"/reconcile", nil)
		if r.code != http.StatusOK {
			t.Fatalf("reconcile: %d", r.code)
		}
		bodyHas(t, "the reconcile page", r.body, "Where respondents disagree", "Spread 100 points", "Only one plan.",
			"Agree the common answer for this item", `name="open-1/reason"`)
		if i, j := strings.Index(r.body, "open-1/reason"), strings.Index(r.body, "open-2/reason"); i > j {
			t.Error("the disagreement does not come first")
		}
		// No reason where respondents disagreed: 422, with what was chosen kept.
		r = asmtDo(t, h, "fac", "POST", base+"/agreed", url.Values{"item": {"open-1"}, "open-1/current": {"3"}, "open-1/target": {"4"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("agree without reason: %d", r.code)
		}
		bodyHas(t, "the re-rendered reconcile page", r.body, `href="#f-open-1%2freason"`, "Respondents disagreed on this item",
			`<option value="3" selected>`, `<option value="4" selected>`)
		r = asmtDo(t, h, "fac", "POST", base+"/agreed", url.Values{"item": {"open-1"}, "open-1/current": {"3"}, "open-1/reason": {"Most programs have plans."}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("agree: %d %s", r.code, r.body)
		}
		if r := asmtDo(t, h, "fac", "POST", base+"/agreed", url.Values{"all": {"common"}}); r.code != http.StatusSeeOther {
			t.Fatalf("agree common: %d", r.code)
		}
		// Closing with items unagreed shows why.
		r = asmtDo(t, h, "fac", "POST", base+"/status", url.Values{"status": {"closed"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("close too early: %d", r.code)
		}
		bodyHas(t, "the refused close", r.body, `href="#f-status"`, "2 of 4 items have no agreed answer yet")
		// Respondents may not reconcile.
		if r := asmtDo(t, h, "r1", "POST", base+"/agreed", url.Values{"item": {"inc-1"}, "inc-1/current": {"1"}}); r.code != http.StatusForbidden {
			t.Errorf("respondent agrees: %d", r.code)
		}
	})
}

func TestAssessmentAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newAsmtFixture(t, d)
		h := asmtApp(t, f)
		r := asmtJSON(t, h, "fac", "POST", AssessmentAPI, `{"organisation_id":`+strconv.FormatInt(f.orgA, 10)+`,"framework_id":`+strconv.FormatInt(f.fw.ID, 10)+`,"title":"API 2025","period_start":"2024-07-01","period_end":"2025-06-30"}`)
		if r.code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.code, r.body)
		}
		var a Assessment
		if err := json.Unmarshal([]byte(r.body), &a); err != nil {
			t.Fatal(err)
		}
		base := AssessmentAPI + "/" + strconv.FormatInt(a.ID, 10)
		if r := asmtJSON(t, h, "fac", "POST", base+"/respondents", `{"email":"partner@example.org"}`); r.code != http.StatusCreated {
			t.Fatalf("invite: %d %s", r.code, r.body)
		}
		// Field errors come back as problem+json, keyed by item and field.
		r = asmtJSON(t, h, "partner", "PUT", base+"/answers", `{"open-1":{"current":"9","links":["ftp://x"]},"ghost":{"current":"1"}}`)
		if r.code != http.StatusUnprocessableEntity || !strings.HasPrefix(r.hdr.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("invalid answers: %d %s", r.code, r.body)
		}
		var prob struct {
			Errors map[string]string `json:"errors"`
		}
		_ = json.Unmarshal([]byte(r.body), &prob)
		for _, k := range []string{"open-1/current", "open-1/links", "ghost"} {
			if prob.Errors[k] == "" {
				t.Errorf("no error for %s in %v", k, prob.Errors)
			}
		}
		r = asmtJSON(t, h, "partner", "PUT", base+"/answers", `{"open-1":{"current":"3","target":"4","evidence":"Two plans.","links":["https://example.org/a"],"needs_improvement":true}}`)
		if r.code != http.StatusOK {
			t.Fatalf("answers: %d %s", r.code, r.body)
		}
		var mine MyAnswers
		_ = json.Unmarshal([]byte(r.body), &mine)
		if mine.Answered != 1 || mine.Items != 4 || mine.Answers["open-1"].Target != "4" {
			t.Errorf("answers %+v", mine)
		}
		// Unknown fields are refused.
		if r := asmtJSON(t, h, "partner", "PUT", base+"/answers", `{"open-1":{"current":"3","user_id":5}}`); r.code != http.StatusBadRequest {
			t.Errorf("unknown field: %d", r.code)
		}
		// Agreed answers: facilitator only while open.
		if r := asmtJSON(t, h, "partner", "GET", base+"/agreed", ""); r.code != http.StatusForbidden {
			t.Errorf("partner reads agreed while open: %d", r.code)
		}
		if r := asmtJSON(t, h, "fac", "PUT", base+"/agreed", `{"open-1":{"current":"3"}}`); r.code != http.StatusConflict {
			t.Errorf("agree while open: %d", r.code)
		}
		if r := asmtJSON(t, h, "fac", "POST", base+"/status", `{"status":"reconciling"}`); r.code != http.StatusOK {
			t.Fatalf("status: %d %s", r.code, r.body)
		}
		if r := asmtJSON(t, h, "fac", "PUT", base+"/agreed", `{"open-1":{"current":"3","target":"4","needs_improvement":true}}`); r.code != http.StatusOK {
			t.Fatalf("agree: %d %s", r.code, r.body)
		}
		r = asmtJSON(t, h, "fac", "GET", base, "")
		var detail AssessmentDetail
		_ = json.Unmarshal([]byte(r.body), &detail)
		if detail.Status != StatusReconciling || len(detail.Respondents) != 1 || detail.Respondents[0].Email != "partner@example.org" || detail.Items != 4 {
			t.Errorf("detail %+v", detail)
		}
		r = asmtJSON(t, h, "viewer", "GET", base, "")
		detail = AssessmentDetail{}
		_ = json.Unmarshal([]byte(r.body), &detail)
		if r.code != http.StatusOK || detail.Respondents[0].Email != "" {
			t.Errorf("a viewer sees emails: %d %+v", r.code, detail.Respondents)
		}
		if r := asmtJSON(t, h, "outsider", "GET", base, ""); r.code != http.StatusNotFound {
			t.Errorf("outsider: %d", r.code)
		}
		r = asmtJSON(t, h, "viewer", "GET", AssessmentAPI+"?status=reconciling", "")
		if r.code != http.StatusOK || !strings.Contains(r.body, `"API 2025"`) {
			t.Errorf("list: %d %s", r.code, r.body)
		}
		if r := asmtJSON(t, h, "viewer", "GET", AssessmentAPI+"?status=lost", ""); r.code != http.StatusBadRequest {
			t.Errorf("bad filter: %d", r.code)
		}
	})
}
