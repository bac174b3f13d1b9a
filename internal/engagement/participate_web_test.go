package engagement

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// browser is a client with a cookie jar, as a person with JavaScript turned off.
type browser struct {
	t       *testing.T
	h       http.Handler
	who     string
	cookies map[string]*http.Cookie
	header  http.Header
}

func newBrowser(t *testing.T, h http.Handler, who string) *browser {
	return &browser{t: t, h: h, who: who, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

type page struct {
	code   int
	body   string
	loc    string
	header http.Header
}

func (b *browser) do(method, path, contentType, body string) page {
	b.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range b.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("X-Test-As", b.who)
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return page{code: rec.Code, body: rec.Body.String(), loc: rec.Header().Get("Location"), header: rec.Header()}
}

func (b *browser) get(path string) page { return b.do("GET", path, "", "") }

func (b *browser) post(path string, form url.Values) page {
	return b.do("POST", path, "application/x-www-form-urlencoded", form.Encode())
}

func (b *browser) postJSON(path, body string) page {
	return b.do("POST", path, "application/json", body)
}

var statementField = regexp.MustCompile(`name="statement" value="(\d+)"`)
var progressLine = regexp.MustCompile(`You have voted on (\d+) of (\d+) statements?\.`)

// TestVoteLoopWithoutJavaScript is the JS-off path through httptest: a participant opens the
// voting page, adds a statement through the plain form, and votes through ten statements with
// the three submit buttons, following every redirect, with only the cookie the site sets.
func TestVoteLoopWithoutJavaScript(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Buses without JavaScript", ModeratePost, 11)
		h := pages(t, f)
		b := newBrowser(t, h, "anonymous")

		p := b.get(e.URL() + "/vote")
		if p.code != 200 {
			t.Fatalf("vote page: %d", p.code)
		}
		has(t, "the first vote page", p.body, "You have voted on 0 of 11 statements.", `value="agree"`, `value="disagree"`, `value="pass"`, "Report this statement")
		if len(b.cookies) != 0 {
			t.Errorf("a cookie before any action: %v", b.cookies)
		}

		// Add a statement.
		p = b.get(e.URL() + "/statements/new")
		has(t, "the statement form", p.body, `name="text"`, "You can add 3 more statements.")
		p = b.post(e.URL()+"/statements", url.Values{"text": {""}})
		if p.code != http.StatusUnprocessableEntity {
			t.Fatalf("an empty statement: %d", p.code)
		}
		has(t, "the refused statement", p.body, "There is a problem", `href="#f-text"`, "Write your statement")
		p = b.post(e.URL()+"/statements", url.Values{"text": {"Night buses   should run\r\nuntil 2am."}})
		if p.code != http.StatusSeeOther || p.loc != e.URL()+"/vote" {
			t.Fatalf("add a statement: %d %q %s", p.code, p.loc, p.body)
		}
		c := b.cookies[ParticipantCookie(e.ID)]
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) != 32 || c.Secure {
			t.Fatalf("participant cookie %+v", c)
		}
		p = b.get(p.loc)
		has(t, "after adding", p.body, "your statement is on the map", "You have voted on 0 of 12 statements.", "you have added 1 of the 3 allowed")

		votes := []string{"agree", "disagree", "pass"}
		seen := map[string]bool{}
		for i := range 10 {
			m := statementField.FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("vote %d: no statement on the page:\n%s", i, p.body)
			}
			if seen[m[1]] {
				t.Fatalf("vote %d: statement %s shown twice", i, m[1])
			}
			seen[m[1]] = true
			if pr := progressLine.FindStringSubmatch(p.body); pr == nil || pr[1] != strconv.Itoa(i) || pr[2] != "12" {
				t.Fatalf("vote %d: progress %v", i, pr)
			}
			r := b.post(e.URL()+"/vote", url.Values{"statement": {m[1]}, "vote": {votes[i%3]}})
			if r.code != http.StatusSeeOther || r.loc != e.URL()+"/vote" {
				t.Fatalf("vote %d: %d %q %s", i, r.code, r.loc, r.body)
			}
			p = b.get(r.loc)
			if p.code != 200 {
				t.Fatalf("vote %d: next page %d", i, p.code)
			}
			has(t, "after a vote", p.body, "Your vote is recorded")
		}
		has(t, "after ten votes", p.body, "You have voted on 10 of 12 statements.")
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM engagement_votes v JOIN engagement_participants p ON p.id = v.participant_id
			WHERE p.token_hash = ?`, HashToken(c.Value)).Scan(&n); err != nil || n != 10 {
			t.Errorf("%d votes stored (%v), want 10", n, err)
		}
		// A bad form and a hidden statement send the participant back with a message.
		r := b.post(e.URL()+"/vote", url.Values{"statement": {"x"}, "vote": {"maybe"}})
		if r.code != http.StatusSeeOther {
			t.Errorf("a bad vote form: %d", r.code)
		}
		r = b.post(e.URL()+"/vote", url.Values{"statement": {"999999"}, "vote": {"agree"}})
		if r.code != http.StatusSeeOther {
			t.Errorf("a vote on an unknown statement: %d", r.code)
		}
		has(t, "after a vote on a statement not on show", b.get(e.URL()+"/vote").body, "no longer on the map")
		// Report a statement from the page.
		m := statementField.FindStringSubmatch(p.body)
		r = b.post(e.URL()+"/statements/"+m[1]+"/report", url.Values{"reason": {"Off-topic."}, "back": {e.URL() + "/vote"}})
		if r.code != http.StatusSeeOther || r.loc != e.URL()+"/vote" {
			t.Errorf("report: %d %q", r.code, r.loc)
		}
		has(t, "after a report", b.get(r.loc).body, "your report is recorded")

		// Closed: the page says so and votes are refused with 409.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		p = b.get(e.URL() + "/vote")
		has(t, "the closed vote page", p.body, "closed on 31 March 2025")
		hasNot(t, "the closed vote page", p.body, `value="agree"`)
		r = b.post(e.URL()+"/vote", url.Values{"statement": {m[1]}, "vote": {"agree"}})
		if r.code != http.StatusConflict || !strings.Contains(r.body, "no longer takes") {
			t.Errorf("a vote on a closed engagement: %d", r.code)
		}
		// No map, no vote page.
		plain := f.published(t, f.input("No map"))
		if p := b.get(plain.URL() + "/vote"); p.code != 404 {
			t.Errorf("a vote page without a map: %d", p.code)
		}
	})
}

func TestParticipateAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.Flood = &FloodLimits{VotesPerMinute: 60, Burst: 6}
		e := f.mapped(t, "Buses by API", ModeratePost, 3)
		h := pages(t, f)
		base := API + "/" + strconv.FormatInt(e.ID, 10)
		b := newBrowser(t, h, "anonymous")

		p := b.get(base + "/statements")
		if p.code != 200 {
			t.Fatalf("statements: %d %s", p.code, p.body)
		}
		var list struct {
			Items []Statement `json:"items"`
		}
		if err := json.Unmarshal([]byte(p.body), &list); err != nil || len(list.Items) != 3 {
			t.Fatalf("statements %s %v", p.body, err)
		}
		s1, s2 := list.Items[0].ID, list.Items[1].ID
		if p := b.get(base + "/statements?status=hidden"); p.code != http.StatusForbidden && p.code != http.StatusUnauthorized {
			t.Errorf("the public asks for hidden statements: %d", p.code)
		}

		vote := func(b *browser, sid int64, v string) page {
			return b.postJSON(base+"/votes", fmt.Sprintf(`{"statement": %d, "vote": %q}`, sid, v))
		}
		// No participant: 400 with a clear message.
		p = vote(b, s1, "agree")
		if p.code != http.StatusBadRequest || !strings.Contains(p.body, "X-Participant") {
			t.Errorf("no participant: %d %s", p.code, p.body)
		}
		// By header.
		b.header.Set(ParticipantHeader, "api-client-participant-0001")
		if p = vote(b, s1, "agree"); p.code != http.StatusCreated || !strings.Contains(p.body, `"stored":true`) {
			t.Fatalf("a vote by header: %d %s", p.code, p.body)
		}
		// Replaced.
		if p = vote(b, s1, "disagree"); p.code != http.StatusCreated {
			t.Fatalf("a repeated vote: %d %s", p.code, p.body)
		}
		var v, n int
		_ = d.QueryRow(context.Background(), `SELECT COUNT(*), MIN(vote) FROM engagement_votes v JOIN engagement_participants p ON p.id = v.participant_id
			WHERE p.token_hash = ?`, HashToken("api-client-participant-0001")).Scan(&n, &v)
		if n != 1 || v != VoteDisagree {
			t.Errorf("after replacing: %d votes, last %d", n, v)
		}
		// By cookie; with both, the header wins.
		c := newBrowser(t, h, "anonymous")
		c.cookies[ParticipantCookie(e.ID)] = &http.Cookie{Name: ParticipantCookie(e.ID), Value: "0123456789abcdef0123456789abcdef"}
		if p = vote(c, s2, "pass"); p.code != http.StatusCreated {
			t.Fatalf("a vote by cookie: %d %s", p.code, p.body)
		}
		c.header.Set(ParticipantHeader, "api-client-participant-0001")
		if p = vote(c, s2, "agree"); p.code != http.StatusCreated {
			t.Fatal(p.code)
		}
		var viaHeader int
		_ = d.QueryRow(context.Background(), `SELECT COUNT(*) FROM engagement_votes v JOIN engagement_participants p ON p.id = v.participant_id
			WHERE v.statement_id = ? AND p.token_hash = ?`, s2, HashToken("api-client-participant-0001")).Scan(&viaHeader)
		if viaHeader != 1 {
			t.Errorf("with cookie and header, the vote went to the header's participant: %d", viaHeader)
		}
		// Bad bodies and statements.
		for _, c := range []struct {
			body string
			code int
		}{
			{`{"statement": 999999, "vote": "agree"}`, http.StatusUnprocessableEntity},
			{`{"statement": 1, "vote": "maybe"}`, http.StatusUnprocessableEntity},
			{`{"statement": "x", "vote": "agree"}`, http.StatusUnprocessableEntity},
			{`{"vote": "agree"}`, http.StatusUnprocessableEntity},
			{`{"statement": 1, "vote": "agree", "extra": 1}`, http.StatusBadRequest},
			{`{"statement": 1`, http.StatusBadRequest},
			{`[]`, http.StatusBadRequest},
			{`{"statement": 1, "vote": "agree"} {}`, http.StatusBadRequest},
		} {
			if p := b.postJSON(base+"/votes", c.body); p.code != c.code || !strings.Contains(p.header.Get("Content-Type"), "problem+json") {
				t.Errorf("%s: %d %s, want %d", c.body, p.code, p.body, c.code)
			}
		}
		// Next statement, then none left (204).
		p = b.get(base + "/next-statement")
		var next Next
		if err := json.Unmarshal([]byte(p.body), &next); p.code != 200 || err != nil || next.Statement == nil || next.Voted != 2 || next.Total != 3 {
			t.Fatalf("next: %d %s", p.code, p.body)
		}
		if p = vote(b, next.Statement.ID, "agree"); p.code != http.StatusCreated {
			t.Fatal(p.code)
		}
		if p = b.get(base + "/next-statement"); p.code != http.StatusNoContent {
			t.Errorf("none left: %d %s", p.code, p.body)
		}
		// Statements by API: 201, 422, the limit.
		p = b.postJSON(base+"/statements", `{"text": "Buses should carry bikes."}`)
		if p.code != http.StatusCreated || !strings.Contains(p.body, `"status":"visible"`) {
			t.Errorf("add a statement: %d %s", p.code, p.body)
		}
		if p = b.postJSON(base+"/statements", `{"text": ""}`); p.code != http.StatusUnprocessableEntity || !strings.Contains(p.body, `"text"`) {
			t.Errorf("an empty statement: %d %s", p.code, p.body)
		}
		if p = b.postJSON(base+"/statements", `{"text": "`+strings.Repeat("x", 281)+`"}`); p.code != http.StatusUnprocessableEntity {
			t.Errorf("281 characters: %d", p.code)
		}
		// The flood limit: a burst of 6 per participant, then 429 with Retry-After.
		fl := newBrowser(t, h, "anonymous")
		fl.header.Set(ParticipantHeader, "api-client-flooding-00001")
		codes := []int{}
		for range 8 {
			codes = append(codes, vote(fl, s1, "agree").code)
		}
		last := vote(fl, s1, "agree")
		if codes[5] != http.StatusCreated || codes[6] != http.StatusTooManyRequests || last.code != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
			t.Errorf("flood: %v, Retry-After %q", codes, last.header.Get("Retry-After"))
		}
		// Closed: 409.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		f.s.forgetEngagement(e.ID)
		if p = vote(b, s1, "agree"); p.code != http.StatusConflict {
			t.Errorf("a vote on a closed engagement: %d %s", p.code, p.body)
		}
		if p = b.postJSON(base+"/statements", `{"text": "Too late."}`); p.code != http.StatusConflict {
			t.Errorf("a statement to a closed engagement: %d", p.code)
		}
	})
}

func TestTakePartPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Buses by form", ModeratePost, 0)
		h := pages(t, f)
		b := newBrowser(t, h, "anonymous")
		p := b.get(e.URL() + "/take-part")
		if p.code != 200 {
			t.Fatalf("form: %d", p.code)
		}
		has(t, "the form", p.body, "What matters most to you about buses in Logan?", `name="views"`, `name="demo.age"`, `id="f-demo.age"`,
			`name="_consent_quote"`, `name="_hear_back"`, `name="_email"`, "stored apart from your views")
		p = b.post(e.URL()+"/take-part", url.Values{"demo.age": {"bogus"}, "_hear_back": {"on"}, "_email": {"nope"}})
		if p.code != http.StatusUnprocessableEntity {
			t.Fatalf("an empty form: %d", p.code)
		}
		has(t, "the refused form", p.body, "There is a problem", `href="#f-views"`, `href="#f-_email"`, `href="#f-demo.age"`, `value="nope"`)
		p = b.post(e.URL()+"/take-part", url.Values{"views": {"Later buses."}, "often": {"daily"}, "demo.age": {"25-64"}, "_consent_quote": {"on"}})
		if p.code != http.StatusSeeOther || p.loc != e.URL()+"/take-part/thanks" {
			t.Fatalf("a submission: %d %q %s", p.code, p.loc, p.body)
		}
		has(t, "thanks", b.get(p.loc).body, "Thank you", "Now vote on what others said", "30 Apr 2025")
		var subs, demos int
		_ = d.QueryRow(context.Background(), "SELECT (SELECT COUNT(*) FROM engagement_submissions WHERE engagement_id = ?), (SELECT COUNT(*) FROM engagement_demographics WHERE engagement_id = ?)",
			e.ID, e.ID).Scan(&subs, &demos)
		if subs != 1 || demos != 1 {
			t.Errorf("%d submissions, %d demographic rows", subs, demos)
		}
		// The engagement page offers the ways to take part.
		has(t, "the engagement page", b.get(e.URL()).body, "Take part", e.URL()+"/take-part", e.URL()+"/vote", "/statements/new")
		has(t, "the engagement page for a manager", newBrowser(t, h, "manager-a").get(e.URL()).body, "/moderation", "/statements/seed", "/submissions.csv")
		// Closed.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		p = b.get(e.URL() + "/take-part")
		has(t, "the closed form", p.body, "closed on 31 March 2025")
		hasNot(t, "the closed form", p.body, `name="views"`)
		if p = b.post(e.URL()+"/take-part", url.Values{"views": {"Late."}}); p.code != http.StatusConflict {
			t.Errorf("a submission to a closed engagement: %d", p.code)
		}
	})
}

func TestModerationPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Moderated buses", ModeratePre, 1)
		h := pages(t, f)
		anon := newBrowser(t, h, "anonymous")
		p := anon.post(e.URL()+"/statements", url.Values{"text": {"Buses should stop at the hospital."}})
		if p.code != http.StatusSeeOther {
			t.Fatalf("add: %d", p.code)
		}
		has(t, "after adding to a pre-moderated map", anon.get(p.loc).body, "it will appear once a moderator has checked it")
		mgr := newBrowser(t, h, "manager-a")
		p = mgr.get(e.URL() + "/moderation")
		if p.code != 200 {
			t.Fatalf("queue: %d", p.code)
		}
		has(t, "the queue", p.body, "Statements waiting to appear (1)", "Buses should stop at the hospital.", "Accept it: put it on show")
		if c := newBrowser(t, h, "contributor-a").get(e.URL() + "/moderation"); c.code != http.StatusForbidden {
			t.Errorf("a contributor's queue: %d", c.code)
		}
		var sid int64
		_ = d.QueryRow(context.Background(), "SELECT id FROM engagement_statements WHERE status = 'pending' AND engagement_id = ?", e.ID).Scan(&sid)
		path := fmt.Sprintf("%s/statements/%d/moderate", e.URL(), sid)
		p = mgr.post(path, url.Values{"decision": {"hide"}, "reason": {""}})
		if p.code != http.StatusUnprocessableEntity {
			t.Fatalf("hide without a reason: %d", p.code)
		}
		has(t, "the refused decision", p.body, fmt.Sprintf(`href="#f-reason-s%d"`, sid), fmt.Sprintf(`id="f-reason-s%d"`, sid), "Give the reason")
		p = mgr.post(path, url.Values{"decision": {"accept"}})
		if p.code != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", p.code, p.body)
		}
		has(t, "after accepting", mgr.get(p.loc).body, "The statement is on show.", "Nothing is waiting for a decision.")
		if c := newBrowser(t, h, "contributor-a").post(path, url.Values{"decision": {"hide"}, "reason": {"x"}}); c.code != http.StatusForbidden {
			t.Errorf("a contributor moderates: %d", c.code)
		}
		// The seed page: managers only.
		if p := mgr.get(e.URL() + "/statements/seed"); p.code != 200 || !strings.Contains(p.body, "Seed statement number 1") {
			t.Errorf("seed page: %d", p.code)
		}
		if p := newBrowser(t, h, "contributor-a").get(e.URL() + "/statements/seed"); p.code != http.StatusForbidden {
			t.Errorf("a contributor's seed page: %d", p.code)
		}
		if p := mgr.post(e.URL()+"/statements/seed", url.Values{"text": {"Buses should be electric."}}); p.code != http.StatusSeeOther {
			t.Errorf("seed: %d", p.code)
		}
	})
}

func TestSubmissionExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Exported buses", ModeratePost, 0)
		h := pages(t, f)
		for i, email := range []string{"first@example.org", ""} {
			b := newBrowser(t, h, "anonymous")
			form := url.Values{"views": {fmt.Sprintf("=HYPERLINK(%d)", i)}, "often": {"rarely"}}
			if email != "" {
				form.Set("_hear_back", "on")
				form.Set("_email", email)
			}
			if p := b.post(e.URL()+"/take-part", form); p.code != http.StatusSeeOther {
				t.Fatalf("submission %d: %d %s", i, p.code, p.body)
			}
		}
		read := func(who string) [][]string {
			t.Helper()
			p := newBrowser(t, h, who).get(e.URL() + "/submissions.csv")
			if p.code != 200 {
				t.Fatalf("CSV as %s: %d", who, p.code)
			}
			rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		rows := read("manager-a")
		if strings.Join(rows[0], ",") != "id,submitted_at,consent_to_quote,hidden,email,views,often" || len(rows) != 3 {
			t.Fatalf("manager's CSV %v", rows)
		}
		if rows[1][4] != "first@example.org" || rows[1][5] != "'=HYPERLINK(0)" || rows[1][6] != "Rarely" {
			t.Errorf("manager's first row %v", rows[1])
		}
		rows = read("contributor-a")
		if strings.Contains(strings.Join(rows[0], ","), "email") || strings.Contains(fmt.Sprint(rows), "first@example.org") {
			t.Errorf("a contributor's CSV shows emails: %v", rows)
		}
		if p := newBrowser(t, h, "viewer-a").get(e.URL() + "/submissions.csv"); p.code != http.StatusForbidden {
			t.Errorf("a viewer's CSV: %d", p.code)
		}
		api := API + "/" + strconv.FormatInt(e.ID, 10) + "/submissions"
		p := newBrowser(t, h, "manager-a").get(api + "?limit=1")
		if p.code != 200 || !strings.Contains(p.body, `"email":"first@example.org"`) || !strings.Contains(p.body, `"next_cursor"`) {
			t.Errorf("manager's JSON: %d %s", p.code, p.body)
		}
		p = newBrowser(t, h, "contributor-a").get(api)
		if p.code != 200 || strings.Contains(p.body, "first@example.org") || !strings.Contains(p.body, `"views":"=HYPERLINK(0)"`) {
			t.Errorf("contributor's JSON: %d %s", p.code, p.body)
		}
		if p := newBrowser(t, h, "admin-c").get(api); p.code != http.StatusForbidden {
			t.Errorf("another organisation's export: %d", p.code)
		}
	})
}
