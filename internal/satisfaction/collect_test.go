package satisfaction

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// colEnv is a satisfaction web application on one database, with a survey.
type colEnv struct {
	d   *db.DB
	svc *Service
	h   http.Handler
	s   Survey
	// as is the principal requests run as (anonymous by default).
	mu sync.Mutex
	as authz.Principal
}

func newColEnv(t testing.TB, d *db.DB, code string, lim *Limits) *colEnv {
	t.Helper()
	svc := NewService(d, directory.NewService(d))
	svc.Committer.Start()
	t.Cleanup(svc.Committer.Stop)
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: "test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	errs := &web.Errors{Render: rend, Log: log}
	rt := web.NewRouter(errs)
	if lim == nil {
		off := Limits{}
		lim = &off
	}
	if err := (&Web{Svc: svc, Render: rend, Limits: lim, BaseURL: "https://surveys.example.org"}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	e := &colEnv{d: d, svc: svc}
	inner := web.Chain(rt.Handler(), web.Observe(log, nil, false, errs), web.Secure(false))
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		p := e.as
		e.mu.Unlock()
		inner.ServeHTTP(w, r.WithContext(authz.With(r.Context(), p)))
	})
	if code != "" {
		e.s = testSurvey(t, d, code)
	}
	return e
}

func (e *colEnv) setPrincipal(p authz.Principal) {
	e.mu.Lock()
	e.as = p
	e.mu.Unlock()
}

func (e *colEnv) do(method, path, ctype string, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *colEnv) get(path string, hdr ...string) *httptest.ResponseRecorder {
	return e.do("GET", path, "", "", hdr...)
}

func (e *colEnv) postForm(path string, v url.Values, hdr ...string) *httptest.ResponseRecorder {
	return e.do("POST", path, "application/x-www-form-urlencoded", v.Encode(), hdr...)
}

func (e *colEnv) postJSON(path, body string, hdr ...string) *httptest.ResponseRecorder {
	return e.do("POST", path, "application/json", body, hdr...)
}

// counts returns the survey's stored responses and the responses counted in survey_counts.
func (e *colEnv) counts(t testing.TB) (stored, counted int64) {
	t.Helper()
	ctx := context.Background()
	e.svc.FlushCounts(ctx) // on SQLite the counts of acknowledged responses follow within half a second
	if err := e.d.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", e.s.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if err := e.d.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM survey_counts WHERE survey_id = ? AND question = ''", e.s.ID).Scan(&counted); err != nil {
		t.Fatal(err)
	}
	return stored, counted
}

func (e *colEnv) wantStored(t testing.TB, n int64) {
	t.Helper()
	stored, counted := e.counts(t)
	if stored != n || counted != n {
		t.Fatalf("stored %d responses, counted %d; want %d", stored, counted, n)
	}
}

func wantStatus(t testing.TB, what string, rec *httptest.ResponseRecorder, code int, wants ...string) {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("%s: status %d, want %d\n%.3000s", what, rec.Code, code, rec.Body.String())
	}
	for _, w := range wants {
		if !strings.Contains(rec.Body.String(), w) {
			t.Fatalf("%s: body lacks %q\n%.4000s", what, w, rec.Body.String())
		}
	}
}

var formKeyRe = regexp.MustCompile(`name="_k" value="([A-Za-z0-9_-]{22})"`)

// goodForm is a complete, valid answer to the test survey, with the form key of page.
func goodForm(page string) url.Values {
	v := url.Values{QOverall: {"4"}, QTimely: {"na"}, QRecommend: {"9"}, QComment: {"Quick and friendly."}}
	if m := formKeyRe.FindStringSubmatch(page); m != nil {
		v.Set(fieldKey, m[1])
	}
	return v
}

func TestSurveyPage(t *testing.T) {
	e := newColEnv(t, dbtest.SQLite(t), "counter", nil)
	rec := e.get("/s/counter")
	wantStatus(t, "page", rec, 200, "<h1>Counter survey</h1>", PrivacyNote, `name="overall"`, `action="/s/counter"`,
		`name="Website"`, `tabindex="-1"`, `autocomplete="off"`, "NPS®-style", "Net Promoter®, NPS® and the NPS-related emoticons are registered trademarks of Bain &amp; Company, Inc., NICE Systems, Inc. and Fred Reichheld.",
		"Send my answers", "Org counter")
	body := rec.Body.String()
	if rec.Header().Get("Content-Length") != fmt.Sprint(len(body)) {
		t.Errorf("Content-Length %s, body %d bytes", rec.Header().Get("Content-Length"), len(body))
	}
	// A valid form: one <form> posting to the survey, every question's input inside it, labels for
	// every input, and a fresh form key on each request.
	if strings.Count(body, "<form") != 2 || strings.Count(body, "</form>") != 2 { // the site search and the survey
		t.Errorf("want the search form and the survey form")
	}
	formStart := strings.Index(body, `action="/s/counter"`)
	formEnd := strings.Index(body[formStart:], "</form>") + formStart
	for _, q := range e.s.Questionnaire.Questions {
		i := strings.Index(body, `name="`+q.ID+`"`)
		if i < formStart || i > formEnd {
			t.Errorf("question %s is not inside the form", q.ID)
		}
	}
	for _, id := range regexp.MustCompile(`<input type="(?:radio|checkbox|text)" id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `for="`+id[1]+`"`) {
			t.Errorf("input %s has no label", id[1])
		}
	}
	k1 := formKeyRe.FindStringSubmatch(body)
	k2 := formKeyRe.FindStringSubmatch(e.get("/s/counter").Body.String())
	if k1 == nil || k2 == nil || k1[1] == k2[1] || k1[1] == keyMarker {
		t.Errorf("form keys %v and %v: want two fresh keys", k1, k2)
	}
	// Through a link: its code goes in a hidden field; an unknown one is left out.
	l := colLink(t, e, LinkInput{Label: "Front counter", Channel: "in_person"})
	rec = e.get("/s/counter?via=" + l.Code)
	wantStatus(t, "via page", rec, 200, `name="_via" value="`+l.Code+`"`)
	if rec.Header().Get("Content-Length") != fmt.Sprint(rec.Body.Len()) {
		t.Errorf("via page: Content-Length %s, body %d bytes", rec.Header().Get("Content-Length"), rec.Body.Len())
	}
	wantStatus(t, "unknown via", e.get("/s/counter?via=nothere"), 200, `name="_via" value=""`)
	if rec := e.get("/s/counter"); strings.Contains(rec.Body.String(), viaMarker) || strings.Contains(rec.Body.String(), keyMarker) ||
		rec.Header().Get("Content-Length") != fmt.Sprint(rec.Body.Len()) {
		t.Error("a marker was left in the page, or its length is wrong")
	}
	// The public definition.
	rec = e.get("/api/v1/surveys/counter")
	wantStatus(t, "definition", rec, 200)
	var def PublicSurvey
	if err := json.Unmarshal(rec.Body.Bytes(), &def); err != nil {
		t.Fatal(err)
	}
	if def.Code != "counter" || def.Title != "Counter survey" || def.Organisation != "Org counter" || len(def.Questions) != len(e.s.Questionnaire.Questions) ||
		def.Questions[0].ID != QOverall || def.Questions[0].Min != 1 || def.Questions[0].Max != 5 || !def.Questions[0].Required ||
		!def.Questions[1].NotApplicable || len(def.Channels) != len(directory.ServiceChannels) || def.Notice != Trademark || def.Status != StatusOpen {
		t.Errorf("definition: %+v", def)
	}
	// Unknown, draft and archived surveys are not found; closed ones say so.
	wantStatus(t, "unknown", e.get("/s/nosuch"), 404)
	wantStatus(t, "unknown definition", e.get("/api/v1/surveys/nosuch"), 404)
	colSetStatus(t, e, StatusDraft)
	wantStatus(t, "draft", e.get("/s/counter"), 404)
	wantStatus(t, "draft definition", e.get("/api/v1/surveys/counter"), 404)
	colSetStatus(t, e, StatusClosed)
	wantStatus(t, "closed", e.get("/s/counter"), 410, "This survey is closed")
	wantStatus(t, "closed post", e.postForm("/s/counter", goodForm("")), 410, "This survey is closed")
	wantStatus(t, "closed JSON", e.postJSON("/s/counter", `{"answers":{"overall":4}}`), 410, "closed")
	if _, err := e.d.Exec(context.Background(), "UPDATE surveys SET status = ?, archived_at = ? WHERE id = ?", StatusOpen, db.Now(), e.s.ID); err != nil {
		t.Fatal(err)
	}
	e.svc.Cache.Invalidate("counter")
	wantStatus(t, "archived", e.get("/s/counter"), 404)
	e.wantStored(t, 0)
}

func colSetStatus(t testing.TB, e *colEnv, status string) {
	t.Helper()
	if _, err := e.d.Exec(context.Background(), "UPDATE surveys SET status = ? WHERE id = ?", status, e.s.ID); err != nil {
		t.Fatal(err)
	}
	e.svc.Cache.Invalidate(e.s.Code)
}

// colLink makes a link of the env's survey as a site admin.
func colLink(t testing.TB, e *colEnv, in LinkInput) Link {
	t.Helper()
	l, err := e.svc.CreateLink(authz.With(context.Background(), authz.System), e.s.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFormSubmission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newColEnv(t, d, "form", nil)
		ctx := context.Background()
		page := e.get("/s/form").Body.String()

		// Errors: 422, the summary and the message by the question, what was typed kept, nothing stored.
		bad := url.Values{QTimely: {"4"}, QRecommend: {"11"}, QComment: {"Kept text"}}
		bad.Set(fieldKey, goodForm(page).Get(fieldKey))
		rec := e.postForm("/s/form", bad)
		wantStatus(t, "errors", rec, 422, "There is a problem", `href="#f-overall"`, `id="f-overall-error"`,
			"Choose a number from 1 to 5 for", "Kept text", `id="f-timeliness-4" name="timeliness" value="4" checked`,
			`name="_k" value="`+bad.Get(fieldKey)+`"`, "<title>Error: Counter survey")
		e.wantStored(t, 0)

		// Success: 303 to the thank-you page, one response, counted.
		l := colLink(t, e, LinkInput{Label: "Phone line", Channel: "phone"})
		good := goodForm(page)
		good.Set(fieldVia, l.Code)
		rec = e.postForm("/s/form", good)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/s/form/thanks" {
			t.Fatalf("post: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
		}
		e.wantStored(t, 1)
		var channel, answers, comment string
		var linkID int64
		if err := d.QueryRow(ctx, "SELECT channel, link_id, answers, comment FROM survey_responses WHERE survey_id = ?", e.s.ID).Scan(&channel, &linkID, &answers, &comment); err != nil {
			t.Fatal(err)
		}
		if channel != "phone" || linkID != l.ID || comment != "Quick and friendly." || !strings.Contains(answers, `"overall":4`) || !strings.Contains(answers, `"timeliness":"na"`) {
			t.Errorf("stored channel %q link %d answers %s comment %q", channel, linkID, answers, comment)
		}
		var n int64
		if err := d.QueryRow(ctx, "SELECT n FROM survey_counts WHERE survey_id = ? AND question = ? AND value = 4 AND channel = 'phone'", e.s.ID, QOverall).Scan(&n); err != nil || n != 1 {
			t.Errorf("overall=4 counted %d (%v), want 1", n, err)
		}
		// The same form sent again (a double click, a resent form) stores nothing more.
		rec = e.postForm("/s/form", good)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("resend: %d", rec.Code)
		}
		e.wantStored(t, 1)
		wantStatus(t, "thanks", e.get("/s/form/thanks"), 200, "Thank you", "Your answers have been sent")
		e.wantStored(t, 1)

		// The honeypot: pretend, store nothing.
		hp := goodForm(e.get("/s/form").Body.String())
		hp.Set(fieldHoneypot, "http://spam.example")
		rec = e.postForm("/s/form", hp)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/s/form/thanks" {
			t.Fatalf("honeypot: %d %q", rec.Code, rec.Header().Get("Location"))
		}
		e.wantStored(t, 1)

		// A show-if question hidden by the answers is ignored, not an error.
		// Nothing that is not form-encoded.
		wantStatus(t, "multipart", e.do("POST", "/s/form", "multipart/form-data; boundary=x", "--x--"), 415)
		e.wantStored(t, 1)
	})
}

func TestJSONSubmission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newColEnv(t, d, "json", nil)
		ctx := context.Background()
		place, err := e.svc.Dir.CreatePlace(authz.With(ctx, authz.System), directory.PlaceInput{Name: "Alice Springs", Kind: "community"})
		if err != nil {
			t.Fatal(err)
		}
		l := colLink(t, e, LinkInput{Label: "Kiosk", Channel: "in_person", PlaceID: place.ID})

		rec := e.postJSON("/s/json", `{"answers":{"overall":5,"courtesy":"na","recommend":10},"channel":"phone","place":`+fmt.Sprint(place.ID)+`}`)
		wantStatus(t, "json", rec, 201)
		var res struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.ID == "" {
			t.Fatalf("body %s: %v", rec.Body.String(), err)
		}
		var channel string
		var placeID int64
		if err := d.QueryRow(ctx, "SELECT channel, place_id FROM survey_responses WHERE id = ?", res.ID).Scan(&channel, &placeID); err != nil {
			t.Fatal(err)
		}
		if channel != "phone" || placeID != place.ID {
			t.Errorf("stored channel %q place %d", channel, placeID)
		}
		e.wantStored(t, 1)

		// Through a link, at the API address, the place as a string; the link gives the channel.
		rec = e.postJSON("/api/v1/surveys/json/responses", `{"answers":{"overall":3},"via":"`+l.Code+`","place":"`+fmt.Sprint(place.ID)+`"}`)
		wantStatus(t, "json via", rec, 201)
		if err := d.QueryRow(ctx, "SELECT channel FROM survey_responses WHERE survey_id = ? ORDER BY id DESC LIMIT 1", e.s.ID).Scan(&channel); err != nil || channel != "in_person" {
			t.Errorf("via: channel %q %v", channel, err)
		}
		e.wantStored(t, 2)

		// Idempotency: the retry stores nothing and answers with the same id.
		body := `{"answers":{"overall":2}}`
		first := e.postJSON("/s/json", body, "Idempotency-Key", "retry-1")
		wantStatus(t, "keyed", first, 201)
		again := e.postJSON("/s/json", body, "Idempotency-Key", "retry-1")
		wantStatus(t, "retry", again, 201)
		if first.Body.String() != again.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" || first.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("retry: %s %q, first %s", again.Body.String(), again.Header().Get("Idempotent-Replayed"), first.Body.String())
		}
		e.wantStored(t, 3)
		wantStatus(t, "bad key", e.postJSON("/s/json", body, "Idempotency-Key", strings.Repeat("k", 201)), 400, "Idempotency-Key")

		// Refusals: each says what is wrong, and nothing is stored.
		for _, c := range []struct {
			name, body string
			status     int
			field      string
			msg        string
		}{
			{"unknown question", `{"answers":{"overall":4,"colour":"blue"}}`, 422, "answers.colour", "There is no question"},
			{"out of scale", `{"answers":{"overall":6}}`, 422, "answers.overall", "from 1 to 5"},
			{"not a whole point", `{"answers":{"overall":4.5}}`, 422, "answers.overall", "from 1 to 5"},
			{"wrong type", `{"answers":{"overall":"four"}}`, 422, "answers.overall", "whole number"},
			{"missing required", `{"answers":{"courtesy":4}}`, 422, "answers.overall", "Choose a number"},
			{"unknown channel", `{"answers":{"overall":4},"channel":"pigeon"}`, 422, "channel", "in_person"},
			{"unknown place", `{"answers":{"overall":4},"place":999999}`, 422, "place", "no place 999999"},
			{"bad place", `{"answers":{"overall":4},"place":"Alice Springs"}`, 422, "place", "whole number"},
			{"unknown link", `{"answers":{"overall":4},"via":"zzzz"}`, 422, "via", "no link"},
			{"not JSON", `answers=4`, 400, "", "not valid JSON"},
			{"empty", ``, 400, "", "empty"},
			{"array", `[1,2]`, 400, "", "JSON object"},
			{"two values", `{"answers":{"overall":4}} {}`, 400, "", "single JSON object"},
			{"unknown field", `{"answers":{"overall":4},"ip":"1.2.3.4"}`, 400, "ip", "not known"},
			{"answers not an object", `{"answers":[4]}`, 400, "answers", "wrong type"},
			{"too large", `{"answers":{"comment":"` + strings.Repeat("x", 70<<10) + `"}}`, 413, "", "too large"},
		} {
			rec := e.postJSON("/s/json", c.body)
			if rec.Code != c.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %d %s, want %d problem+json\n%s", c.name, rec.Code, rec.Header().Get("Content-Type"), c.status, rec.Body.String())
				continue
			}
			var p struct {
				Detail string            `json:"detail"`
				Errors map[string]string `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			got := p.Detail
			if c.field != "" {
				got = p.Errors[c.field]
			}
			if !strings.Contains(got, c.msg) && !strings.Contains(p.Detail, c.msg) {
				t.Errorf("%s: %q / %v, want %q under %q", c.name, p.Detail, p.Errors, c.msg, c.field)
			}
		}
		wantStatus(t, "unknown survey", e.postJSON("/s/nosuch", body), 404)
		wantStatus(t, "API form", e.do("POST", "/api/v1/surveys/json/responses", "application/x-www-form-urlencoded", "overall=4"), 415)
		e.wantStored(t, 3)
	})
}

func TestRateLimit(t *testing.T) {
	e := newColEnv(t, dbtest.SQLite(t), "limited", &Limits{PerMinute: 1, Burst: 2})
	for i := range 2 {
		wantStatus(t, fmt.Sprint("submission ", i), e.postJSON("/s/limited", `{"answers":{"overall":4}}`), 201)
	}
	rec := e.postJSON("/s/limited", `{"answers":{"overall":4}}`)
	wantStatus(t, "third JSON", rec, 429, "Too many")
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Errorf("Retry-After %q, type %q", ra, rec.Header().Get("Content-Type"))
	}
	rec = e.postForm("/s/limited", goodForm(""))
	wantStatus(t, "form", rec, 429, "Too many answers from this connection")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on the page")
	}
	// Another address is not limited.
	req := httptest.NewRequest("POST", "/s/limited", strings.NewReader(`{"answers":{"overall":4}}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.7:1234"
	other := httptest.NewRecorder()
	e.h.ServeHTTP(other, req)
	wantStatus(t, "other address", other, 201)
	e.wantStored(t, 3)
}

func TestCacheInvalidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newColEnv(t, d, "changing", nil)
		ctx := context.Background()
		wantStatus(t, "before", e.get("/s/changing"), 200, "Overall, how satisfied")
		custom := forms.Question{ID: "parking", Type: forms.Single, Text: "Was parking easy to find?",
			Options: []forms.Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}}
		q := BuildQuestionnaire("changing", e.s.Title, "", e.s.Modules, []forms.Question{custom})
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := Store{}.SetQuestionnaire(ctx, tx, e.s.ID, q, db.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.get("/s/changing").Body.String(), "parking") {
			t.Fatal("the cached page changed before Invalidate")
		}
		e.svc.Cache.Invalidate("changing")
		wantStatus(t, "after", e.get("/s/changing"), 200, "Was parking easy to find?", `name="parking"`)
		wantStatus(t, "definition after", e.get("/api/v1/surveys/changing"), 200, `"id":"parking"`)
		wantStatus(t, "answer the new question", e.postJSON("/s/changing", `{"answers":{"overall":4,"parking":"no"}}`), 201)
		// An unknown code is remembered briefly, then looked up again.
		wantStatus(t, "not yet", e.get("/s/later"), 404)
		testSurvey(t, d, "later")
		wantStatus(t, "still remembered", e.get("/s/later"), 404)
		e.svc.Cache.Invalidate("later")
		wantStatus(t, "found", e.get("/s/later"), 200)
	})
}

func TestCacheLoadsOnce(t *testing.T) {
	c := NewDefinitionCache()
	var mu sync.Mutex
	loads := 0
	release := make(chan struct{})
	load := func(context.Context) (*surveyDef, error) {
		mu.Lock()
		loads++
		mu.Unlock()
		<-release
		return &surveyDef{Survey: Survey{Code: "x", Status: StatusOpen}}, nil
	}
	var wg sync.WaitGroup
	got := make([]*surveyDef, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.slow(context.Background(), "x", load)
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if loads != 1 {
		t.Errorf("%d loads for 50 concurrent requests, want 1", loads)
	}
	for i, d := range got {
		if d == nil || d != got[0] {
			t.Fatalf("request %d got %p, want %p", i, d, got[0])
		}
	}
	// An invalidation during a load: the load's result is not kept.
	release2 := make(chan struct{})
	done := make(chan struct{})
	c.Invalidate("x")
	go func() {
		c.slow(context.Background(), "x", func(context.Context) (*surveyDef, error) {
			<-release2
			return &surveyDef{Survey: Survey{Code: "x", Version: 1}}, nil
		})
		close(done)
	}()
	time.Sleep(10 * time.Millisecond)
	c.Invalidate("x")
	close(release2)
	<-done
	c.mu.RLock()
	_, kept := c.defs["x"]
	c.mu.RUnlock()
	if kept {
		t.Error("a load overtaken by Invalidate was kept")
	}
}

func TestTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newColEnv(t, d, "personal", nil)
		ctx := context.Background()
		admin := authz.With(ctx, authz.System)
		// Not while the survey does not require them.
		if _, _, _, err := e.svc.GenerateTokens(admin, e.s.ID, 3, 0); err == nil {
			t.Fatal("tokens for a survey that does not require them")
		}
		if _, err := d.Exec(ctx, "UPDATE surveys SET require_token = ? WHERE id = ?", true, e.s.ID); err != nil {
			t.Fatal(err)
		}
		e.svc.Cache.Invalidate("personal")
		_, _, toks, err := e.svc.GenerateTokens(admin, e.s.ID, 3, 0)
		if err != nil || len(toks) != 3 {
			t.Fatalf("tokens %v %v", toks, err)
		}
		// Only hashes are stored.
		var stored string
		if err := d.QueryRow(ctx, "SELECT token_hash FROM survey_tokens WHERE survey_id = ? ORDER BY token_hash LIMIT 1", e.s.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			if stored == tok || !validToken(tok) {
				t.Fatalf("token %q, stored %q", tok, stored)
			}
		}
		var audited int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.tokens.create' AND target_id = ?", e.s.ID).Scan(&audited); err != nil || audited != 1 {
			t.Errorf("audit rows %d %v", audited, err)
		}

		wantStatus(t, "no token", e.get("/s/personal"), 403, "You need your personal link")
		wantStatus(t, "bad token", e.get("/s/personal?t=nonsense"), 409, "already been used")
		page := e.get("/s/personal?t=" + toks[0])
		wantStatus(t, "token page", page, 200, `name="_t" value="`+toks[0]+`"`)
		form := goodForm(page.Body.String())
		form.Set(fieldToken, toks[0])
		if rec := e.postForm("/s/personal", form); rec.Code != http.StatusSeeOther {
			t.Fatalf("first use: %d\n%s", rec.Code, rec.Body.String())
		}
		e.wantStored(t, 1)
		// Spent: the page and a second form (a new key) are refused.
		wantStatus(t, "spent page", e.get("/s/personal?t="+toks[0]), 409, "already been used")
		form.Set(fieldKey, newFormKey())
		wantStatus(t, "second use", e.postForm("/s/personal", form), 409, "already been used")
		delete(form, fieldToken)
		wantStatus(t, "no token form", e.postForm("/s/personal", form), 403)
		// JSON: a token is needed, works once.
		wantStatus(t, "json no token", e.postJSON("/s/personal", `{"answers":{"overall":4}}`), 422, "personal links")
		wantStatus(t, "json token", e.postJSON("/s/personal", `{"answers":{"overall":4},"token":"`+toks[1]+`"}`), 201)
		wantStatus(t, "json spent", e.postJSON("/s/personal", `{"answers":{"overall":4},"token":"`+toks[1]+`"}`), 409, "already been used")
		wantStatus(t, "json other survey's", e.postJSON("/s/personal", `{"answers":{"overall":4},"token":"`+newToken()+`"}`), 409)
		e.wantStored(t, 2)
		var used int
		if err := d.QueryRow(ctx, "SELECT COUNT(used_at) FROM survey_tokens WHERE survey_id = ?", e.s.ID).Scan(&used); err != nil || used != 2 {
			t.Errorf("used tokens %d %v, want 2", used, err)
		}
	})
}

// TestNoPersonalData: a response keeps no address, account or browser.
func TestNoPersonalData(t *testing.T) {
	e := newColEnv(t, dbtest.SQLite(t), "anon", nil)
	e.setPrincipal(authz.Principal{UserID: 77, Email: "staff@example.org", Name: "Staff"})
	wantStatus(t, "signed-in page", e.get("/s/anon"), 200, `<a href="/account">Staff</a>`)
	req := httptest.NewRequest("POST", "/s/anon", bytes.NewReader([]byte(`{"answers":{"overall":4,"comment":"fine"}}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "UniqueAgent/1.0")
	req.RemoteAddr = "198.51.100.23:5555"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	wantStatus(t, "post", rec, 201)
	rows, err := e.d.Query(context.Background(), "SELECT * FROM survey_responses")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := fmt.Sprint(vals...)
		for _, leak := range []string{"198.51.100.23", "UniqueAgent", "77", "staff@example.org"} {
			if strings.Contains(row, leak) {
				t.Errorf("the response row holds %q: %v", leak, row)
			}
		}
	}
}
