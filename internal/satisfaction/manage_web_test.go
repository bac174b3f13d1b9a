package satisfaction

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// mgApp serves the satisfaction routes as the app does after its authentication middleware,
// with the principal named by the X-Test-As header.
func mgApp(t *testing.T, f *mgFixture) http.Handler {
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

type mgResp struct {
	code int
	body string
	loc  string
}

func mgDo(t *testing.T, h http.Handler, who, method, path string, form url.Values) mgResp {
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
	return mgResp{code: rec.Code, body: rec.Body.String(), loc: rec.Header().Get("Location")}
}

func mgJSON(t *testing.T, h http.Handler, who, method, path, body string) mgResp {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return mgResp{code: rec.Code, body: rec.Body.String(), loc: rec.Header().Get("Location")}
}

func has(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

func (f *mgFixture) custom(t *testing.T, id int64) []string {
	t.Helper()
	sv, err := f.s.Store.SurveyByID(t.Context(), f.d, id)
	if err != nil {
		t.Fatal(err)
	}
	return customIDs(sv)
}

func TestQuestionEditorWithoutJavaScript(t *testing.T) {
	f := newMgFixture(t, dbtest.SQLite(t))
	h := mgApp(t, f)
	sv := f.survey(t, "editor")
	base := sv.URL() + "/questions"

	r := mgDo(t, h, "mgr", "GET", base, nil)
	if r.code != http.StatusOK {
		t.Fatalf("questions page: %d %s", r.code, r.body)
	}
	has(t, "the questions page", r.body, "Add a question of your own", `name="q.type"`, `name="q.options"`, `name="q.show_if"`,
		"Overall, how satisfied were you with the service you received?", "core question", "Preview of the public form",
		`<fieldset disabled class="preview">`, `name="overall"`, "There are no questions of your own yet.")

	// Add a single-choice question: options as plain labels, the ID made from the text.
	r = mgDo(t, h, "mgr", "POST", base, url.Values{"q.type": {"single"}, "q.text": {"How old are you?"}, "q.required": {"on"},
		"q.options": {"Under 35\r\n35 to 64\r\n\r\n65 or over"}})
	if r.code != http.StatusSeeOther || r.loc != base+"#q-how_old_are_you" {
		t.Fatalf("add: %d %q %s", r.code, r.loc, r.body)
	}
	got, _ := f.s.Store.SurveyByID(t.Context(), f.d, sv.ID)
	age, ok := got.Questionnaire.Question("how_old_are_you")
	if !ok || !age.Required || len(age.Options) != 3 || age.Options[1] != (forms.Option{Value: "35_to_64", Label: "35 to 64"}) {
		t.Fatalf("stored question %+v", age)
	}
	// A scale shown only to the oldest, named by label; 1 to 5 by default.
	r = mgDo(t, h, "mgr", "POST", base, url.Values{"q.type": {"scale"}, "q.id": {"wait"}, "q.text": {"The wait was fine."},
		"q.low": {"No"}, "q.high": {"Yes"}, "q.na": {"on"}, "q.show_if": {"how_old_are_you"}, "q.show_values": {"65 or over"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("add scale: %d %s", r.code, r.body)
	}
	got, _ = f.s.Store.SurveyByID(t.Context(), f.d, sv.ID)
	wait, _ := got.Questionnaire.Question("wait")
	if wait.Min != 1 || wait.Max != 5 || !wait.NotApplicable || wait.ShowIf == nil || !slices.Equal(wait.ShowIf.Equals, []string{"65_or_over"}) || wait.Labels.Low != "No" {
		t.Fatalf("stored scale %+v", wait)
	}
	r = mgDo(t, h, "mgr", "POST", base, url.Values{"q.type": {"number"}, "q.id": {"visits"}, "q.text": {"How many visits?"}, "q.min": {"0"}, "q.max": {"50"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("add number: %d %s", r.code, r.body)
	}

	// A choice question without options: 422, the message beside the field, what was typed kept.
	r = mgDo(t, h, "mgr", "POST", base, url.Values{"q.type": {"single"}, "q.text": {"Pick one of these"}, "q.help": {"Only one"}, "q.options": {"Alone"}})
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid add: %d", r.code)
	}
	has(t, "the refused form", r.body, `<a href="#f-q.options">`, `id="f-q.options-error"`, "Give from 2 to 100 options.",
		">Pick one of these</textarea>", `value="Only one"`, ">Alone</textarea>", `<option value="single" selected>`)
	// Unreadable numbers: nothing is stored.
	r = mgDo(t, h, "mgr", "POST", base, url.Values{"q.type": {"scale"}, "q.text": {"Broken"}, "q.min": {"one"}, "q.max": {"5"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Enter a whole number") {
		t.Errorf("unreadable min: %d", r.code)
	}
	// A core ID is reserved.
	r = mgDo(t, h, "mgr", "POST", base, url.Values{"q.type": {"text"}, "q.id": {"trust"}, "q.text": {"Trust?"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="f-q.id-error"`) {
		t.Errorf("core ID: %d", r.code)
	}
	if ids := f.custom(t, sv.ID); !slices.Equal(ids, []string{"how_old_are_you", "wait", "visits"}) {
		t.Fatalf("custom questions %v", ids)
	}

	// Move: the follow-up cannot go above the question it depends on; the number question can.
	r = mgDo(t, h, "mgr", "POST", base+"/wait/move", url.Values{"direction": {"up"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "show-if must refer to an earlier question") {
		t.Errorf("move up past its condition: %d", r.code)
	}
	r = mgDo(t, h, "mgr", "POST", base+"/visits/move", url.Values{"direction": {"up"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("move up: %d %s", r.code, r.body)
	}
	if ids := f.custom(t, sv.ID); !slices.Equal(ids, []string{"how_old_are_you", "visits", "wait"}) {
		t.Errorf("after moving up: %v", ids)
	}
	r = mgDo(t, h, "mgr", "POST", base+"/how_old_are_you/move", url.Values{"direction": {"down"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("move down: %d", r.code)
	}
	if ids := f.custom(t, sv.ID); !slices.Equal(ids, []string{"visits", "how_old_are_you", "wait"}) {
		t.Errorf("after moving down: %v", ids)
	}
	page := mgDo(t, h, "mgr", "GET", base, nil).body
	has(t, "the list", page, `action="/surveys/`+idString(sv.ID)+`/questions/visits/move"`, "Move down", "Shown only if how_old_are_you is 65_or_over")

	// Edit: the form is filled, the ID fixed.
	r = mgDo(t, h, "mgr", "GET", base+"/wait/edit", nil)
	if r.code != http.StatusOK {
		t.Fatalf("edit page: %d", r.code)
	}
	has(t, "the edit page", r.body, "Edit question", `value="65_or_over"`, `<option value="how_old_are_you" selected>`, "An ID is fixed once added",
		`action="/surveys/`+idString(sv.ID)+`/questions/wait"`)
	r = mgDo(t, h, "mgr", "POST", base+"/wait", url.Values{"q.type": {"scale"}, "q.text": {"Waiting was fine."}, "q.min": {"1"}, "q.max": {"7"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	got, _ = f.s.Store.SurveyByID(t.Context(), f.d, sv.ID)
	if wait, _ = got.Questionnaire.Question("wait"); wait.Text != "Waiting was fine." || wait.Max != 7 || wait.ShowIf != nil {
		t.Errorf("saved %+v", wait)
	}
	r = mgDo(t, h, "mgr", "POST", base+"/wait", url.Values{"q.type": {"scale"}, "q.text": {""}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="f-q.text-error"`) {
		t.Errorf("save without text: %d", r.code)
	}

	// Delete.
	r = mgDo(t, h, "mgr", "POST", base+"/visits/delete", url.Values{})
	if r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.code)
	}
	if ids := f.custom(t, sv.ID); !slices.Equal(ids, []string{"how_old_are_you", "wait"}) {
		t.Errorf("after deleting: %v", ids)
	}
	if r = mgDo(t, h, "mgr", "POST", base+"/overall/delete", url.Values{}); r.code != http.StatusNotFound {
		t.Errorf("deleting a core question: %d", r.code)
	}

	// A viewer sees the questions without the editor; changes are refused; outsiders see nothing.
	r = mgDo(t, h, "viewer", "GET", base, nil)
	if r.code != http.StatusOK {
		t.Fatalf("viewer: %d", r.code)
	}
	lacks(t, "the viewer's page", r.body, "Add a question of your own", "Move up", "Delete")
	for _, p := range []string{base, base + "/wait", base + "/wait/move", base + "/wait/delete"} {
		if r := mgDo(t, h, "viewer", "POST", p, url.Values{"q.type": {"text"}, "q.text": {"X"}, "direction": {"up"}}); r.code != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d", p, r.code)
		}
	}
	if r := mgDo(t, h, "viewer", "GET", base+"/wait/edit", nil); r.code != http.StatusForbidden {
		t.Errorf("viewer edit page: %d", r.code)
	}
	if r := mgDo(t, h, "outsider", "GET", base, nil); r.code != http.StatusNotFound {
		t.Errorf("outsider: %d", r.code)
	}
	if ids := f.custom(t, sv.ID); !slices.Equal(ids, []string{"how_old_are_you", "wait"}) {
		t.Errorf("refused changes changed it: %v", ids)
	}
}

func TestSurveyPages(t *testing.T) {
	f := newMgFixture(t, dbtest.SQLite(t))
	h := mgApp(t, f)

	if r := mgDo(t, h, "viewer", "GET", "/surveys/new", nil); r.code != http.StatusForbidden {
		t.Errorf("viewer's new page: %d", r.code)
	}
	r := mgDo(t, h, "mgr", "GET", "/surveys/new", nil)
	if r.code != http.StatusOK {
		t.Fatalf("new: %d", r.code)
	}
	has(t, "the new page", r.body, "Create a survey", `name="organisation_id"`, "Renew a licence (Department of Licences)", `name="modules"`,
		"NPS®-style", `name="unit"`, `name="require_token"`)
	lacks(t, "the new page", r.body, "Register a boat", "Old counter")

	// Refused: the typed values stay, with the messages and a code suggested from the title.
	form := url.Values{"organisation_id": {idString(f.orgA)}, "service_id": {idString(f.svcB)}, "title": {"Licence counter"},
		"mode": {"kiosk"}, "field_start": {"2026-05-01"}, "field_end": {"2026-04-01"}, "target_population": {"Counter customers"}, "modules": {"effort"}}
	r = mgDo(t, h, "mgr", "POST", "/surveys", form)
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid create: %d", r.code)
	}
	has(t, "the refused form", r.body, `href="#f-service_id"`, `href="#f-field_end"`, `value="Counter customers"`, `value="licence-counter"`,
		`value="effort" checked`)
	if r := mgDo(t, h, "mgr", "POST", "/surveys", url.Values{"organisation_id": {"abc"}, "service_id": {"x"}, "title": {"T"}, "mode": {"online"}}); r.code != http.StatusUnprocessableEntity {
		t.Errorf("unreadable ids: %d", r.code)
	}
	form.Set("service_id", idString(f.svcA))
	form.Set("field_end", "2026-06-30")
	r = mgDo(t, h, "mgr", "POST", "/surveys", form)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/surveys/") {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	show := r.loc
	r = mgDo(t, h, "viewer", "GET", show, nil)
	if r.code != http.StatusOK {
		t.Fatalf("survey page: %d", r.code)
	}
	has(t, "the survey page", r.body, "<h1>Licence counter", "/s/licence-counter", show+"/dashboard", show+"/links", show+"/comments",
		"Versions of the questions", "1 (current)", "Kiosk or tablet", "1 May 2026 – 30 Jun 2026", "Counter customers")
	lacks(t, "the viewer's survey page", r.body, "Open the survey", "Edit the details", "Archive the survey")
	r = mgDo(t, h, "mgr", "GET", show, nil)
	has(t, "the manager's survey page", r.body, "Open the survey", "Edit the details", "Archive the survey")
	if r := mgDo(t, h, "outsider", "GET", show, nil); r.code != http.StatusNotFound {
		t.Errorf("outsider's survey page: %d", r.code)
	}

	// Status: a bad move comes back with the message; opening works.
	r = mgDo(t, h, "mgr", "POST", show+"/status", url.Values{"status": {"closed"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "A draft cannot be closed") {
		t.Errorf("close a draft: %d", r.code)
	}
	if r := mgDo(t, h, "viewer", "POST", show+"/status", url.Values{"status": {"open"}}); r.code != http.StatusForbidden {
		t.Errorf("viewer opens: %d", r.code)
	}
	if r = mgDo(t, h, "mgr", "POST", show+"/status", url.Values{"status": {"open"}}); r.code != http.StatusSeeOther {
		t.Fatalf("open: %d %s", r.code, r.body)
	}

	// Edit: the code is fixed once opened.
	r = mgDo(t, h, "mgr", "GET", show+"/edit", nil)
	has(t, "the edit page", r.body, "The code cannot change once the survey has been opened", `value="Licence counter"`, `value="effort" checked`)
	edit := url.Values{"title": {"Licence counter survey"}, "mode": {"kiosk"}, "modules": {"effort", "trust"}, "service_id": {idString(f.svcA)}, "unit": {"respondent"}}
	if r = mgDo(t, h, "mgr", "POST", show, edit); r.code != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.code, r.body)
	}
	edit.Set("code", "other-code")
	if r = mgDo(t, h, "mgr", "POST", show, edit); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "cannot change once") {
		t.Errorf("code change once open: %d", r.code)
	}

	// The list, its filters and counts.
	r = mgDo(t, h, "viewer", "GET", "/surveys", nil)
	has(t, "the list", r.body, "Licence counter survey", "/s/licence-counter", "Renew a licence", ">Open</span>", `<td class="num">0</td>`)
	r = mgDo(t, h, "viewer", "GET", "/surveys?status=closed", nil)
	has(t, "the filtered list", r.body, "No survey matches the filters")
	r = mgDo(t, h, "viewer", "GET", "/surveys?organisation=abc", nil)
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose an organisation from the list") {
		t.Errorf("bad filter: %d", r.code)
	}
	r = mgDo(t, h, "outsider", "GET", "/surveys", nil)
	lacks(t, "the outsider's list", r.body, "Licence counter survey")

	// Archive and restore.
	if r = mgDo(t, h, "mgr", "POST", show+"/archive", url.Values{}); r.code != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.code)
	}
	has(t, "the archived survey", mgDo(t, h, "mgr", "GET", show, nil).body, "Restore the survey", "Archived")
	if r = mgDo(t, h, "mgr", "POST", show+"/archive", url.Values{"restore": {"1"}}); r.code != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.code)
	}
}

func TestTargetPublishingWeightingPages(t *testing.T) {
	f := newMgFixture(t, dbtest.SQLite(t))
	h := mgApp(t, f)
	sv := f.survey(t, "settings")
	if _, err := f.s.SetCustomQuestions(f.ctx("mgr"), sv.ID, []forms.Question{{ID: "age_group", Type: forms.Single, Text: "How old are you?",
		Options: []forms.Option{{Value: "young", Label: "Under 35"}, {Value: "old", Label: "35 or over"}}}, {ID: "note", Type: forms.Text, Text: "Anything else?"}}); err != nil {
		t.Fatal(err)
	}
	base := sv.URL()

	// Targets.
	r := mgDo(t, h, "mgr", "GET", base+"/targets", nil)
	has(t, "the targets page", r.body, "Add a target", "(index, top2)", "(nps)", "(effort, top2)")
	lacks(t, "the targets page", r.body, "Anything else?")
	r = mgDo(t, h, "mgr", "POST", base+"/targets", url.Values{"label": {"State target"}, "question": {QOverall}, "metric": {"index"},
		"baseline": {"seventy"}, "target": {"120"}, "due": {"2027-06-30"}})
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid target: %d", r.code)
	}
	has(t, "the refused target", r.body, "Enter the baseline as a number", "Enter the target from 0 to 100", `value="State target"`, `value="seventy"`)
	r = mgDo(t, h, "mgr", "POST", base+"/targets", url.Values{"label": {"State target"}, "question": {QOverall}, "metric": {"index"},
		"baseline": {"72,5"}, "baseline_period": {"2025-06"}, "target": {"80"}, "due": {"2027-06-30"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("add target: %d %s", r.code, r.body)
	}
	_, ts, _ := f.s.TargetsOf(f.ctx("mgr"), sv.ID)
	if len(ts) != 1 || ts[0].Baseline != 72.5 {
		t.Fatalf("targets %+v", ts)
	}
	tid := idString(ts[0].ID)
	has(t, "the target list", mgDo(t, h, "viewer", "GET", base+"/targets", nil).body, "State target", "72.5", "2025-06", "30 Jun 2027")
	if r := mgDo(t, h, "viewer", "GET", base+"/targets/"+tid+"/edit", nil); r.code != http.StatusForbidden {
		t.Errorf("viewer's target edit: %d", r.code)
	}
	r = mgDo(t, h, "mgr", "GET", base+"/targets/"+tid+"/edit", nil)
	has(t, "the target edit page", r.body, `value="72.5"`, "Save the target")
	if r = mgDo(t, h, "mgr", "POST", base+"/targets/"+tid, url.Values{"label": {"State target"}, "question": {QOverall}, "metric": {"top2"},
		"baseline": {"60"}, "target": {"70"}, "due": {"2027-06-30"}}); r.code != http.StatusSeeOther {
		t.Fatalf("save target: %d %s", r.code, r.body)
	}
	if r = mgDo(t, h, "mgr", "POST", base+"/targets/"+tid+"/delete", url.Values{}); r.code != http.StatusSeeOther {
		t.Fatalf("delete target: %d", r.code)
	}

	// Publishing: text questions are not offered.
	r = mgDo(t, h, "mgr", "GET", base+"/publishing", nil)
	has(t, "the publishing page", r.body, `name="published_questions" value="overall"`, `value="age_group"`, "Never published", "Anything else?")
	lacks(t, "the publishing page", r.body, `value="note"`, `value="comment"`)
	if r = mgDo(t, h, "mgr", "POST", base+"/publishing", url.Values{"publish_results": {"on"}}); r.code != http.StatusUnprocessableEntity {
		t.Errorf("publish nothing: %d", r.code)
	}
	if r = mgDo(t, h, "mgr", "POST", base+"/publishing", url.Values{"publish_results": {"on"}, "published_questions": {"overall", "age_group"}}); r.code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.code, r.body)
	}
	got, _ := f.s.Store.SurveyByID(t.Context(), f.d, sv.ID)
	if !got.PublishResults || !slices.Equal(got.PublishedQuestions, []string{"overall", "age_group"}) {
		t.Errorf("published %v %v", got.PublishResults, got.PublishedQuestions)
	}

	// Weighting: a sum that is off comes back with what was typed.
	r = mgDo(t, h, "mgr", "GET", base+"/weighting", nil)
	has(t, "the weighting page", r.body, "Weight by How old are you?", "Under 35", "Weight by Channel", "In person", `value="5"`)
	bad := url.Values{"use": {"age_group"}, "kind.age_group": {"shares"}, "v.age_group.young": {"40"}, "v.age_group.old": {"50"}, "trim": {"5"}}
	r = mgDo(t, h, "mgr", "POST", base+"/weighting", bad)
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("bad weighting: %d", r.code)
	}
	has(t, "the refused weighting", r.body, `href="#f-margins.age_group"`, "add up to 90.0%", `value="40"`, `value="50"`)
	bad.Set("v.age_group.old", "lots")
	if r = mgDo(t, h, "mgr", "POST", base+"/weighting", bad); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "enter numbers") {
		t.Errorf("unreadable share: %d", r.code)
	}
	if r = mgDo(t, h, "viewer", "POST", base+"/weighting", bad); r.code != http.StatusForbidden {
		t.Errorf("viewer's weighting: %d", r.code)
	}
	good := url.Values{"use": {"age_group", "channel"}, "v.age_group.young": {"40"}, "v.age_group.old": {"60"},
		"kind.channel": {"counts"}, "v.channel.in_person": {"300"}, "v.channel.online": {"100"}, "trim": {"4"}}
	if r = mgDo(t, h, "mgr", "POST", base+"/weighting", good); r.code != http.StatusSeeOther {
		t.Fatalf("weighting: %d %s", r.code, r.body)
	}
	w, ok, err := f.s.Store.WeightingOf(t.Context(), f.d, sv.ID)
	if err != nil || !ok || w.Trim != 4 || len(w.Margins) != 2 || w.Margins[1].Shares()["in_person"] != 75 {
		t.Errorf("stored weighting %+v %v", w, err)
	}
	r = mgDo(t, h, "viewer", "GET", base+"/weighting", nil)
	has(t, "the viewer's weighting page", r.body, `value="300"`, "disabled", "Cap on weights: 4")
	lacks(t, "the viewer's weighting page", r.body, "Save the weighting")
}

func TestManageAPI(t *testing.T) {
	f := newMgFixture(t, dbtest.SQLite(t))
	h := mgApp(t, f)
	r := mgJSON(t, h, "mgr", "POST", "/api/v1/surveys", `{"organisation_id":`+idString(f.orgA)+`,"service_id":`+idString(f.svcA)+
		`,"title":"Phone line survey","mode":"phone","modules":["recommend"],"field_start":"2026-01-01"}`)
	if r.code != http.StatusCreated || r.loc != "/api/v1/surveys/phone-line-survey" {
		t.Fatalf("create: %d %q %s", r.code, r.loc, r.body)
	}
	var sv Survey
	if err := json.Unmarshal([]byte(r.body), &sv); err != nil || sv.Status != StatusDraft || sv.ServiceName != "Renew a licence" {
		t.Fatalf("created %+v %v", sv, err)
	}
	if r := mgJSON(t, h, "viewer", "POST", "/api/v1/surveys", `{"title":"x"}`); r.code != http.StatusForbidden {
		t.Errorf("viewer creates: %d", r.code)
	}
	r = mgJSON(t, h, "mgr", "POST", "/api/v1/surveys", `{"organisation_id":`+idString(f.orgA)+`,"title":"","mode":"fax","code":"phone-line-survey"}`)
	if r.code != http.StatusUnprocessableEntity {
		t.Errorf("invalid create: %d", r.code)
	}
	has(t, "the problem", r.body, `"title":`, `"mode":`, `"code":`)

	// Lists: by organisation, only what the caller may see.
	var list struct {
		Items []Survey `json:"items"`
	}
	r = mgJSON(t, h, "viewer", "GET", "/api/v1/surveys?organisation="+idString(f.orgA), "")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Items) != 1 || list.Items[0].Code != "phone-line-survey" {
		t.Errorf("viewer's list: %s", r.body)
	}
	r = mgJSON(t, h, "outsider", "GET", "/api/v1/surveys?organisation="+idString(f.orgA), "")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Items) != 0 {
		t.Errorf("outsider's list: %s", r.body)
	}
	if r := mgJSON(t, h, "viewer", "GET", "/api/v1/surveys?status=done", ""); r.code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", r.code)
	}

	// Questions.
	q := "/api/v1/surveys/phone-line-survey/questions"
	r = mgJSON(t, h, "mgr", "PUT", q, `{"questions":[{"id":"why","type":"text","text":"Why?","show_if":{"question":"later","equals":["a"]}},
		{"id":"later","type":"single","text":"Later","options":[{"value":"a","label":"A"},{"value":"b","label":"B"}]}]}`)
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"questions[0].show_if"`) {
		t.Errorf("show-if on a later question: %d %s", r.code, r.body)
	}
	if r = mgJSON(t, h, "mgr", "PUT", q, `{}`); r.code != http.StatusUnprocessableEntity {
		t.Errorf("no list: %d", r.code)
	}
	if r = mgJSON(t, h, "viewer", "PUT", q, `{}`); r.code != http.StatusForbidden {
		t.Errorf("viewer, no list: %d", r.code)
	}
	r = mgJSON(t, h, "mgr", "PUT", q, `{"questions":[{"id":"region","type":"single","text":"Where do you live?","options":[{"value":"city","label":"City"},{"value":"country","label":"Country"}]}]}`)
	if r.code != http.StatusOK {
		t.Fatalf("put questions: %d %s", r.code, r.body)
	}
	var doc CustomQuestionsDoc
	r = mgJSON(t, h, "viewer", "GET", q, "")
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || len(doc.Questions) != 1 || doc.Questions[0].ID != "region" || doc.Version != 1 || !slices.Contains(doc.Reserved, QOverall) {
		t.Errorf("questions %s", r.body)
	}
	if r := mgJSON(t, h, "outsider", "GET", q, ""); r.code != http.StatusNotFound {
		t.Errorf("outsider's questions: %d", r.code)
	}

	// Status and details.
	s := "/api/v1/surveys/phone-line-survey"
	if r = mgJSON(t, h, "mgr", "POST", s+"/status", `{"status":"open"}`); r.code != http.StatusOK || !strings.Contains(r.body, `"status":"open"`) {
		t.Errorf("open: %d %s", r.code, r.body)
	}
	if r = mgJSON(t, h, "viewer", "PUT", s, `{"title":"x","mode":"phone"}`); r.code != http.StatusForbidden {
		t.Errorf("viewer's update: %d", r.code)
	}
	if r = mgJSON(t, h, "mgr", "PUT", s, `{"title":"Phone line","mode":"phone","modules":["recommend"],"service_id":`+idString(f.svcA)+`}`); r.code != http.StatusOK || !strings.Contains(r.body, `"title":"Phone line"`) {
		t.Errorf("update: %d %s", r.code, r.body)
	}

	// Targets.
	tg := s + "/targets"
	r = mgJSON(t, h, "mgr", "POST", tg, `{"label":"NPS","metric":"nps","question":"recommend","baseline":-5,"target":20,"due":"2027-01-31"}`)
	if r.code != http.StatusCreated || !strings.HasPrefix(r.loc, tg+"/") {
		t.Fatalf("add target: %d %s", r.code, r.body)
	}
	one := r.loc
	if r = mgJSON(t, h, "mgr", "PUT", one, `{"label":"NPS","metric":"nps","question":"recommend","baseline":-5,"target":120,"due":"2027-01-31"}`); r.code != http.StatusUnprocessableEntity {
		t.Errorf("nps target over 100: %d", r.code)
	}
	if r = mgJSON(t, h, "mgr", "PUT", one, `{"label":"NPS","metric":"nps","question":"recommend","baseline":-5,"target":25,"due":"2027-01-31"}`); r.code != http.StatusOK {
		t.Errorf("update target: %d %s", r.code, r.body)
	}
	r = mgJSON(t, h, "viewer", "GET", tg, "")
	if !strings.Contains(r.body, `"target":25`) {
		t.Errorf("targets: %s", r.body)
	}
	if r = mgJSON(t, h, "viewer", "DELETE", one, ""); r.code != http.StatusForbidden {
		t.Errorf("viewer deletes: %d", r.code)
	}
	if r = mgJSON(t, h, "mgr", "DELETE", one, ""); r.code != http.StatusNoContent {
		t.Errorf("delete: %d", r.code)
	}
	if r = mgJSON(t, h, "mgr", "DELETE", one, ""); r.code != http.StatusNotFound {
		t.Errorf("delete twice: %d", r.code)
	}

	// Weighting.
	wt := s + "/weighting"
	r = mgJSON(t, h, "viewer", "GET", wt, "")
	if r.code != http.StatusOK || !strings.Contains(r.body, `"set":false`) || !strings.Contains(r.body, `"variable":"region"`) {
		t.Errorf("weighting: %d %s", r.code, r.body)
	}
	r = mgJSON(t, h, "mgr", "PUT", wt, `{"margins":[{"variable":"region","shares":{"city":70,"country":20}}]}`)
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"margins.region"`) {
		t.Errorf("bad weighting: %d %s", r.code, r.body)
	}
	r = mgJSON(t, h, "mgr", "PUT", wt, `{"trim":6,"margins":[{"variable":"region","shares":{"city":70,"country":30}}]}`)
	if r.code != http.StatusOK || !strings.Contains(r.body, `"set":true`) || !strings.Contains(r.body, `"trim":6`) || !strings.Contains(r.body, `"population":70`) {
		t.Errorf("weighting: %d %s", r.code, r.body)
	}
}
