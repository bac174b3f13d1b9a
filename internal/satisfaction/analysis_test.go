package satisfaction

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
	"github.com/joinedup/joinedup/internal/stats"
)

// anEnv serves the satisfaction routes as the app does, with the principal set by as.
type anEnv struct {
	d   *db.DB
	svc *Service
	h   http.Handler
	as  authz.Principal
}

func newAnEnv(t testing.TB, d *db.DB) *anEnv {
	t.Helper()
	svc := NewService(d, directory.NewService(d))
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
	e := &anEnv{d: d, svc: svc}
	inner := rt.Handler()
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(authz.With(r.Context(), e.as)))
	})
	return e
}

func (e *anEnv) get(path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

// staffOf is a viewer of the survey's organisation.
func staffOf(sv Survey) authz.Principal {
	return authz.Principal{UserID: 7, Name: "Viewer", Roles: map[int64]authz.Role{sv.OrgID: authz.Viewer}}
}

// outsider administers another organisation.
func outsider(sv Survey) authz.Principal {
	return authz.Principal{UserID: 8, Name: "Outsider", Roles: map[int64]authz.Role{sv.OrgID + 1000: authz.Admin}}
}

// anResp is a response to insert: when, where and the answers.
type anResp struct {
	when    time.Time
	channel string
	place   int64
	m       map[string]any
}

// anInsert stores responses (and their counts) through the store, as the committer does.
func anInsert(t testing.TB, d *db.DB, sv Survey, rs []anResp) {
	t.Helper()
	ctx := context.Background()
	q := sv.Questionnaire
	batch := make([]Response, 0, len(rs))
	for _, r := range rs {
		batch = append(batch, Response{SurveyID: sv.ID, Version: sv.Version, SubmittedAt: r.when, Channel: r.channel, PlaceID: r.place,
			Answers: answers(t, q, r.m), Questionnaire: &q})
	}
	for i := 0; i < len(batch); i += 500 {
		part := batch[i:min(i+500, len(batch))]
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := Store{}.InsertResponses(ctx, tx, part)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// anSurvey is testSurvey with version 1 set.
func anSurvey(t testing.TB, d *db.DB, code string) Survey {
	t.Helper()
	sv := testSurvey(t, d, code)
	sv.Version = 1
	return sv
}

// randomResponses makes n responses over three months, two channels and two places, with
// "not applicable" to timeliness now and then.
func randomResponses(n int, seed uint64) []anResp {
	rng := rand.New(rand.NewPCG(seed, 3))
	months := []time.Time{
		time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
	}
	out := make([]anResp, n)
	for i := range out {
		m := map[string]any{QOverall: float64(1 + rng.IntN(5)), QRecommend: float64(rng.IntN(11))}
		if rng.IntN(4) == 0 {
			m[QTimely] = "na"
		} else {
			m[QTimely] = float64(1 + rng.IntN(5))
		}
		if i%7 == 0 {
			m[QComment] = "The counter staff were SECRETCOMMENT helpful"
		}
		out[i] = anResp{when: months[i%3], channel: []string{"online", "phone"}[rng.IntN(2)], place: int64(1 + rng.IntN(2)), m: m}
	}
	return out
}

// answersOf lists the numeric answers of responses to a question, leaving out "na".
func answersOf(rs []anResp, q string, keep func(anResp) bool) (vals []int, na int) {
	for _, r := range rs {
		if keep != nil && !keep(r) {
			continue
		}
		switch v := r.m[q].(type) {
		case float64:
			vals = append(vals, int(v))
		case string:
			na++
		}
	}
	return vals, na
}

func nearly(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestDashboardMatchesResponses: the dashboard's figures, read from the counts, equal the
// per-response estimators on the responses themselves, overall and by channel, and "not
// applicable" is counted but in no denominator.
func TestDashboardMatchesResponses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv := anSurvey(t, d, "match")
		rs := randomResponses(400, 1)
		anInsert(t, d, sv, rs)
		ctx := authz.With(context.Background(), staffOf(sv))
		svc := NewService(d, directory.NewService(d))
		dash, err := svc.Dashboard(ctx, sv.ID, DashFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if dash.Responses != 400 || len(dash.Months) != 3 {
			t.Fatalf("responses %d, months %v", dash.Responses, dash.Months)
		}
		overall, _ := answersOf(rs, QOverall, nil)
		want, _ := stats.Index(overall)
		got := dash.Headline[0]
		if got.Metric != MetricIndex || !nearly(got.Est.Value, want.Value) || !nearly(got.Est.Lower, want.Lower) || got.Est.N != want.N {
			t.Errorf("overall index %+v, want %+v", got.Est, want)
		}
		top2, _ := stats.TopTwoBox(overall, 5)
		if g := dash.Headline[1]; !nearly(g.Est.Value, top2.Value) || !nearly(g.Est.Upper, top2.Upper) {
			t.Errorf("top-2-box %+v, want %+v", g.Est, top2)
		}
		rec, _ := answersOf(rs, QRecommend, nil)
		nps, _ := stats.NPS(rec)
		if g := dash.Headline[2]; g.Metric != MetricNPS || !nearly(g.Est.Value, nps.Value) || !nearly(g.Est.Lower, nps.Lower) {
			t.Errorf("NPS %+v, want %+v", g.Est, nps)
		}
		timely, na := answersOf(rs, QTimely, nil)
		wantT, _ := stats.Index(timely)
		for _, it := range dash.Items {
			if it.Question.ID != QTimely {
				continue
			}
			if it.NA != na || it.Answered != len(timely) || it.Figures[0].NA != na || !nearly(it.Figures[0].Est.Value, wantT.Value) {
				t.Errorf("timeliness: %d answered, %d n/a, index %v; want %d, %d, %v", it.Answered, it.NA, it.Figures[0].Est.Value, len(timely), na, wantT.Value)
			}
		}
		for _, row := range dash.Channels.Rows {
			vals, _ := answersOf(rs, QOverall, func(r anResp) bool { return r.channel == row.Key })
			w, _ := stats.Index(vals)
			if row.Responses != len(vals) || !nearly(row.Index.Est.Value, w.Value) || row.Hidden {
				t.Errorf("channel %s: %d responses, index %v; want %d, %v", row.Key, row.Responses, row.Index.Est.Value, len(vals), w.Value)
			}
		}
		if len(dash.Channels.Rows) != 2 || len(dash.Places.Rows) != 2 || dash.Channels.Total != 400 {
			t.Errorf("breakdowns: %d channels, %d places, total %d", len(dash.Channels.Rows), len(dash.Places.Rows), dash.Channels.Total)
		}
		// The change compares March with February (months: the range is three months).
		if dash.By != ByMonth || dash.Change.After != "Mar 2026" || dash.Change.Before != "Feb 2026" || len(dash.Change.Rows) == 0 {
			t.Errorf("change: by %s, %q vs %q, %d rows", dash.By, dash.Change.After, dash.Change.Before, len(dash.Change.Rows))
		}
		feb, _ := answersOf(rs, QOverall, func(r anResp) bool { return r.when.Month() == 2 })
		mar, _ := answersOf(rs, QOverall, func(r anResp) bool { return r.when.Month() == 3 })
		eb, _ := stats.Index(feb)
		ea, _ := stats.Index(mar)
		wc, _ := stats.ChangeInMean(eb, ea)
		if c := dash.Change.Rows[0]; !c.OK || !nearly(c.Change.Difference, wc.Difference) || !nearly(c.Change.Lower, wc.Lower) {
			t.Errorf("change %+v, want %+v", c.Change, wc)
		}
	})
}

// TestBreakdownSuppression: groups under 10 responses are hidden, and when only one would
// be, the next smallest too; a total under 10 hides everything.
func TestBreakdownSuppression(t *testing.T) {
	overall := CoreQuestions()[0]
	cases := []struct {
		name      string
		counts    []int
		hidden    []bool
		total     bool
		primary   int
		secondary int
	}{
		{"all large", []int{40, 25, 12}, []bool{false, false, false}, false, 0, 0},
		{"one small: the next smallest too", []int{40, 5, 25, 12}, []bool{false, true, false, true}, false, 1, 1},
		{"two small: no partner needed", []int{40, 5, 3, 25}, []bool{false, true, true, false}, false, 2, 0},
		{"empty group counts as small", []int{40, 0, 30}, []bool{false, true, true}, false, 1, 1},
		{"one small, one other", []int{4, 30}, []bool{true, true}, false, 1, 1},
		{"exactly 10 is shown", []int{10, 10}, []bool{false, false}, false, 0, 0},
		{"total under 10", []int{3, 4}, []bool{true, true}, true, 2, 0},
		{"one group alone, small", []int{6}, []bool{true}, true, 1, 0},
	}
	for _, c := range cases {
		var groups []groupCell
		for i, n := range c.counts {
			h := newScaleHist(overall)
			h.add(4, n)
			groups = append(groups, groupCell{key: fmt.Sprint(i), label: fmt.Sprint("G", i), responses: n, overall: h})
		}
		b := breakdownOf("g", "By group", overall, groups)
		for i, r := range b.Rows {
			if r.Hidden != c.hidden[i] {
				t.Errorf("%s: group %d hidden %v, want %v", c.name, i, r.Hidden, c.hidden[i])
			}
			if r.Hidden && (!r.Index.Hidden() || r.ResponsesText() != "" || r.Why == "") {
				t.Errorf("%s: hidden group %d shows %q / %q (why %q)", c.name, i, r.Index.Value(), r.ResponsesText(), r.Why)
			}
			if !r.Hidden && r.Index.Hidden() {
				t.Errorf("%s: group %d of %d responses hides its index: %s", c.name, i, r.Responses, r.Index.Reason)
			}
		}
		if b.TotalHidden != c.total || (b.TotalHidden && b.TotalText() != "") {
			t.Errorf("%s: total hidden %v, want %v", c.name, b.TotalHidden, c.total)
		}
		if b.Primary != c.primary || b.Complementary != c.secondary {
			t.Errorf("%s: %d primary, %d complementary; want %d, %d", c.name, b.Primary, b.Complementary, c.primary, c.secondary)
		}
	}
}

// TestDashboardPages renders the dashboard with 0, 5 and 500 responses: no division by zero,
// the suppression said in words, and the trademark attribution with the NPS®-style score.
func TestDashboardPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAnEnv(t, d)
		for _, n := range []int{0, 5, 500} {
			sv := anSurvey(t, d, fmt.Sprintf("dash%d", n))
			anInsert(t, d, sv, randomResponses(n, uint64(n)))
			e.as = staffOf(sv)
			rec := e.get(fmt.Sprintf("/surveys/%d/dashboard", sv.ID))
			body := rec.Body.String()
			if rec.Code != 200 {
				t.Fatalf("%d responses: status %d\n%s", n, rec.Code, body)
			}
			for _, bad := range []string{"NaN", "Inf", "SECRETCOMMENT"} {
				if strings.Contains(body, bad) {
					t.Errorf("%d responses: the page shows %q", n, bad)
				}
			}
			var wants []string
			switch n {
			case 0:
				wants = []string{"No responses yet", "No answers yet.", "Not computed yet"}
			case 5:
				wants = []string{"Hidden: fewer than 10 answers (5).", "Hidden: fewer than 10 responses."}
			case 500:
				wants = []string{"95% interval", "unweighted", "service interaction", "By channel", "By place", "Online", "Trend by month", `<svg`, "Data table"}
			}
			wants = append(wants, "NPS®-style score", "Net Promoter®, NPS® and the NPS-related emoticons are registered trademarks of Bain &amp; Company, Inc., NICE Systems, Inc. and Fred Reichheld.")
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%d responses: page lacks %q", n, w)
				}
			}
		}
	})
}

// TestDashboardFilters: the channel, place and month filters narrow the figures; a bad month
// is a field error (422) and the figures fall back to every response.
func TestDashboardFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv := anSurvey(t, d, "filters")
		rs := randomResponses(300, 2)
		anInsert(t, d, sv, rs)
		ctx := authz.With(context.Background(), staffOf(sv))
		svc := NewService(d, directory.NewService(d))
		count := func(keep func(anResp) bool) int {
			n := 0
			for _, r := range rs {
				if keep(r) {
					n++
				}
			}
			return n
		}
		for _, c := range []struct {
			f    DashFilter
			keep func(anResp) bool
		}{
			{DashFilter{Channel: "phone"}, func(r anResp) bool { return r.channel == "phone" }},
			{DashFilter{PlaceID: 2}, func(r anResp) bool { return r.place == 2 }},
			{DashFilter{From: "2026-02", To: "2026-03"}, func(r anResp) bool { return r.when.Month() >= 2 }},
			{DashFilter{From: "2026-02", To: "2026-02", Channel: "online", PlaceID: 1}, func(r anResp) bool {
				return r.when.Month() == 2 && r.channel == "online" && r.place == 1
			}},
		} {
			dash, err := svc.Dashboard(ctx, sv.ID, c.f)
			if err != nil {
				t.Fatal(err)
			}
			vals, _ := answersOf(rs, QOverall, c.keep)
			want, _ := stats.Index(vals)
			if dash.Responses != count(c.keep) || !nearly(dash.Headline[0].Est.Value, want.Value) {
				t.Errorf("%+v: %d responses, index %v; want %d, %v", c.f, dash.Responses, dash.Headline[0].Est.Value, count(c.keep), want.Value)
			}
		}
		e := newAnEnv(t, d)
		e.as = staffOf(sv)
		rec := e.get(fmt.Sprintf("/surveys/%d/dashboard?from=2026-13&to=2026-03&channel=phone", sv.ID))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Enter the first month as a year and month") {
			t.Errorf("bad month: %d", rec.Code)
		}
		rec = e.get(fmt.Sprintf("/surveys/%d/dashboard?from=2026-03&to=2026-01", sv.ID))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "must not be before") {
			t.Errorf("reversed range: %d", rec.Code)
		}
		rec = e.get(fmt.Sprintf("/surveys/%d/dashboard?channel=phone&by=month&compare=halves", sv.ID))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<option value="phone" selected>`) {
			t.Errorf("filtered page: %d", rec.Code)
		}
	})
}

// TestDashboardAccess: the organisation's members and site admins see the dashboard; members
// of other organisations are told it does not exist, and anonymous visitors must sign in.
func TestDashboardAccess(t *testing.T) {
	d := dbtest.SQLite(t)
	sv := anSurvey(t, d, "access")
	e := newAnEnv(t, d)
	paths := []string{fmt.Sprintf("/surveys/%d/dashboard", sv.ID), fmt.Sprintf("/surveys/%d/dashboard.csv?table=items", sv.ID),
		fmt.Sprintf("/surveys/%d/dashboard.json?table=trend", sv.ID), "/api/v1/surveys/access/results"}
	for _, p := range paths {
		for _, c := range []struct {
			who  authz.Principal
			want int
		}{
			{staffOf(sv), 200},
			{authz.Principal{UserID: 9, SiteAdmin: true}, 200},
			{outsider(sv), 404},
		} {
			e.as = c.who
			if rec := e.get(p); rec.Code != c.want {
				t.Errorf("%s as %s: %d, want %d", p, c.who.Name, rec.Code, c.want)
			}
		}
		e.as = authz.Principal{}
		if rec := e.get(p); rec.Code != http.StatusSeeOther && rec.Code != http.StatusUnauthorized {
			t.Errorf("%s anonymous: %d", p, rec.Code)
		}
	}
	e.as = staffOf(sv)
	if rec := e.get("/surveys/999999/dashboard"); rec.Code != 404 {
		t.Errorf("unknown survey: %d", rec.Code)
	}
}

// TestDashboardDownloads: each table downloads as CSV and JSON with the page's filters; hidden
// figures are empty (CSV) or null (JSON); an unknown table is a field error.
func TestDashboardDownloads(t *testing.T) {
	d := dbtest.SQLite(t)
	sv := anSurvey(t, d, "downloads")
	rs := randomResponses(120, 5)
	rs = append(rs, anResp{when: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), channel: "=cmd|' /C calc'!A0", m: map[string]any{QOverall: 5.0}})
	anInsert(t, d, sv, rs)
	e := newAnEnv(t, d)
	e.as = staffOf(sv)
	for _, table := range DashboardTables {
		rec := e.get(fmt.Sprintf("/surveys/%d/dashboard.csv?table=%s&channel=", sv.ID, table))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("%s CSV: %d", table, rec.Code)
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%s CSV: %v, %d rows", table, err, len(rows))
		}
		if !strings.Contains(strings.Join(rows[0], ","), "weighting") || rows[1][len(rows[1])-2] != Unweighted || rows[1][len(rows[1])-1] != "service interaction" {
			t.Errorf("%s CSV: header %v, first row %v", table, rows[0], rows[1])
		}
		rec = e.get(fmt.Sprintf("/surveys/%d/dashboard.json?table=%s", sv.ID, table))
		var doc dashboardTableDoc
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != 200 || len(doc.Rows) == 0 || doc.Weighting != Unweighted {
			t.Errorf("%s JSON: %d %v %+v", table, rec.Code, err, doc)
		}
	}
	// The one response of the formula channel is hidden, and so is the next smallest channel;
	// the formula is neutralised.
	rec := e.get(fmt.Sprintf("/surveys/%d/dashboard.csv?table=channel", sv.ID))
	rows, _ := csv.NewReader(rec.Body).ReadAll()
	found := false
	for _, r := range rows[1:] {
		if strings.Contains(r[0], "cmd|") {
			found = true
			if !strings.HasPrefix(r[0], "'=") || r[2] != "" || r[3] != "" {
				t.Errorf("formula channel row %v", r)
			}
		}
	}
	if !found {
		t.Errorf("no formula channel in %v", rows)
	}
	if rec := e.get(fmt.Sprintf("/surveys/%d/dashboard.csv?table=secret", sv.ID)); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("unknown table: %d", rec.Code)
	}
	if rec := e.get(fmt.Sprintf("/surveys/%d/dashboard.json?table=items&from=bad", sv.ID)); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", rec.Code)
	}
}

// anPublish publishes the survey's results with the given questions.
func anPublish(t testing.TB, d *db.DB, sv Survey, questions ...string) {
	t.Helper()
	if _, err := d.Exec(context.Background(), "UPDATE surveys SET publish_results = ?, published_questions = ? WHERE id = ?",
		len(questions) > 0, joinList(questions), sv.ID); err != nil {
		t.Fatal(err)
	}
}

// TestPublicResults: the page answers 404 until results are published, then shows only the
// published scale questions (never the comments, nor a published text question), hides
// figures under 10 answers, and carries the field period, the unit and the attribution.
func TestPublicResults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv := anSurvey(t, d, "public")
		anInsert(t, d, sv, randomResponses(60, 9))
		small := anSurvey(t, d, "public-small")
		anInsert(t, d, small, randomResponses(6, 10))
		e := newAnEnv(t, d)
		if rec := e.get("/s/public/results"); rec.Code != 404 {
			t.Fatalf("not published: %d", rec.Code)
		}
		anPublish(t, d, sv, QOverall, QRecommend, QComment)
		anPublish(t, d, small, QOverall)
		e = newAnEnv(t, d) // a fresh cache
		rec := e.get("/s/public/results")
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("published: %d\n%s", rec.Code, body)
		}
		for _, w := range []string{CoreQuestions()[0].Text, "Likely range (95%)", "service interaction", "Jan 2026 – Mar 2026", "60", "NPS®-style score",
			"Bain &amp; Company"} {
			if !strings.Contains(body, w) {
				t.Errorf("public page lacks %q", w)
			}
		}
		timely, _ := coreQuestion(QTimely)
		for _, bad := range []string{timely.Text, "SECRETCOMMENT", CommentQuestion().Text} {
			if strings.Contains(body, bad) {
				t.Errorf("public page shows %q", bad)
			}
		}
		rec = e.get("/s/public-small/results")
		body = rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "fewer than 10 people answered") || !strings.Contains(body, "Fewer than 10 so far") {
			t.Errorf("small survey: %d", rec.Code)
		}
		if strings.Contains(body, "Bain") {
			t.Error("attribution without an NPS®-style score")
		}
		// Unpublished again: 404 once the cache has expired (a new environment).
		anPublish(t, d, sv)
		if rec := newAnEnv(t, d).get("/s/public/results"); rec.Code != 404 {
			t.Errorf("unpublished: %d", rec.Code)
		}
		if rec := e.get("/s/nosuchcode/results"); rec.Code != 404 {
			t.Errorf("unknown code: %d", rec.Code)
		}
	})
}

// TestPublicCache: within the time to live the page is served from memory.
func TestPublicCache(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := &publicCache{ttl: time.Minute, now: func() time.Time { return now }, entries: map[string]publicEntry{}}
	loads := 0
	load := func() (PublicResults, error) { loads++; return PublicResults{Responses: loads}, nil }
	for range 3 {
		if p, _ := c.get("a", load); p.Responses != 1 {
			t.Errorf("cached: %d", p.Responses)
		}
	}
	now = now.Add(61 * time.Second)
	if p, _ := c.get("a", load); p.Responses != 2 || loads != 2 {
		t.Errorf("after expiry: %d, %d loads", p.Responses, loads)
	}
	if _, err := c.get("missing", func() (PublicResults, error) { loads++; return PublicResults{}, db.ErrNotFound }); err != db.ErrNotFound {
		t.Error(err)
	}
	if _, err := c.get("missing", load); err != db.ErrNotFound || loads != 3 {
		t.Errorf("not found is cached too: %v, %d loads", err, loads)
	}
}

// TestResultsAPIByHand: twelve answers to overall satisfaction — six 5s, three 4s, two 3s and
// a 1 — are index values 100 ×6, 75 ×3, 50 ×2 and 0: mean 925/12 = 77.083; Σ(x − m)² =
// 10572.92, s² = 961.174, SE = √(961.174/12) = 8.9497; with t(0.975, 11) = 2.201 the interval
// is 57.39 to 96.78; CV 11.6%, n 12 < 30: "caution". Top-2-box 9/12 = 75% with the Wilson
// interval 46.77% to 91.11%. Timeliness: 8 answers and 4 "not applicable": under 10 answers,
// so suppressed (value null) though n and not_applicable are given.
func TestResultsAPIByHand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv := anSurvey(t, d, "byhand")
		when := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
		var rs []anResp
		for i, v := range []int{5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 3, 1} {
			m := map[string]any{QOverall: float64(v), QTimely: 4.0}
			if i%3 == 0 {
				m[QTimely] = "na"
			}
			rs = append(rs, anResp{when: when, channel: "online", m: m})
		}
		anInsert(t, d, sv, rs)
		anInsert(t, d, sv, []anResp{{when: when.AddDate(0, 1, 0), channel: "phone", m: map[string]any{QOverall: 1.0}}})
		e := newAnEnv(t, d)
		e.as = staffOf(sv)
		rec := e.get("/api/v1/surveys/byhand/results?channel=online&from=2026-04&to=2026-04")
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var doc SurveyResultsDoc
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.N != 12 || doc.Unit != "service interaction" || doc.Weighting != Unweighted || len(doc.Headline) != 3 {
			t.Fatalf("doc %+v", doc)
		}
		idx := doc.Headline[0]
		within := func(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }
		if idx.Metric != "index" || !within(idx.Value, 77.0833, 1e-3) || !within(idx.Lower, 57.39, 0.01) || !within(idx.Upper, 96.78, 0.01) ||
			idx.N != 12 || idx.Reliability != "caution" || idx.Weighting != Unweighted || idx.Unit != "service interaction" {
			t.Errorf("index %+v", idx)
		}
		top := doc.Headline[1]
		if top.Metric != "top2" || !within(top.Value, 75, 1e-9) || !within(top.Lower, 46.77, 0.01) || !within(top.Upper, 91.11, 0.01) {
			t.Errorf("top-2-box %+v", top)
		}
		if nps := doc.Headline[2]; nps.Metric != "nps" || nps.Value != nil || nps.Reliability != "suppressed" || nps.N != 0 {
			t.Errorf("unanswered NPS %+v", nps)
		}
		found := false
		for _, it := range doc.Items {
			if it.Question == QTimely && it.Metric == "index" {
				found = true
				if it.Value != nil || it.N != 8 || it.NotApplicable != 4 || it.Reliability != "suppressed" || !strings.Contains(it.Reason, "fewer than 10 answers (8)") {
					t.Errorf("timeliness %+v", it)
				}
			}
		}
		if !found {
			t.Error("no timeliness index")
		}
		// Without the filters the phone response counts too.
		rec = e.get("/api/v1/surveys/byhand/results")
		_ = json.Unmarshal(rec.Body.Bytes(), &doc)
		if doc.N != 13 {
			t.Errorf("unfiltered n %d", doc.N)
		}
		if rec := e.get("/api/v1/surveys/byhand/results?to=2026-99"); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), `"to"`) {
			t.Errorf("bad month: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestCompare: surveys are compared on a core item only when they ask it in the core wording;
// a survey whose current version words it differently is listed as not comparable.
func TestCompare(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := anSurvey(t, d, "cmp-a")
		b := anSurvey(t, d, "cmp-b")
		anInsert(t, d, a, randomResponses(90, 11))
		anInsert(t, d, b, randomResponses(30, 12))
		// b's next version rewords overall satisfaction.
		q := b.Questionnaire
		q.Questions = append([]forms.Question(nil), q.Questions...)
		q.Questions[0].Text = "How happy were you?"
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := Store{}.SetQuestionnaire(ctx, tx, b.ID, q, db.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		p := authz.Principal{UserID: 3, Name: "Both", Roles: map[int64]authz.Role{a.OrgID: authz.Viewer, b.OrgID: authz.Viewer}}
		svc := NewService(d, directory.NewService(d))
		c, err := svc.Compare(authz.With(ctx, p), CompareInput{Surveys: []int64{a.ID, b.ID}, Item: QOverall})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Rows) != 2 || !c.Rows[0].Comparable || c.Rows[1].Comparable || c.Rows[1].Why != "Not comparable: question wording differs." {
			t.Fatalf("rows %+v", c.Rows)
		}
		vals, _ := answersOf(randomResponses(90, 11), QOverall, nil)
		want, _ := stats.Index(vals)
		if !nearly(c.Rows[0].Figure.Est.Value, want.Value) || c.Rows[0].Figure.Est.N != 90 {
			t.Errorf("a: %+v, want %v", c.Rows[0].Figure.Est, want.Value)
		}
		// Timeliness is worded alike in both versions: both compare.
		c, err = svc.Compare(authz.With(ctx, p), CompareInput{Surveys: []int64{a.ID, b.ID}, Item: QTimely})
		if err != nil || !c.Rows[0].Comparable || !c.Rows[1].Comparable {
			t.Fatalf("timeliness: %v %+v", err, c.Rows)
		}
		// A user of a's organisation only cannot compare b: it is not offered, nor shown.
		only := authz.Principal{UserID: 4, Roles: map[int64]authz.Role{a.OrgID: authz.Viewer}}
		c, err = svc.Compare(authz.With(ctx, only), CompareInput{Surveys: []int64{a.ID, b.ID}, Item: QOverall})
		if err != nil || len(c.Rows) != 1 || len(c.Choices) != 1 {
			t.Errorf("one organisation: %v %d rows %d choices", err, len(c.Rows), len(c.Choices))
		}
		// The page.
		e := newAnEnv(t, d)
		e.as = p
		rec := e.get(fmt.Sprintf("/surveys/compare?survey=%d&survey=%d&item=overall", a.ID, b.ID))
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "Not comparable: question wording differs.") || !strings.Contains(body, "<svg") {
			t.Errorf("compare page: %d", rec.Code)
		}
		if rec := e.get("/surveys/compare?item=nonsense&survey=x"); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad input: %d", rec.Code)
		}
		if rec := e.get("/surveys/compare"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Counter survey (Org cmp-a)") {
			t.Errorf("empty compare page: %d", rec.Code)
		}
	})
}

// TestTargetsProgress: a target on the overall index is set against the latest period.
func TestTargetsProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv := anSurvey(t, d, "targets")
		var rs []anResp
		for i := range 40 {
			rs = append(rs, anResp{when: time.Date(2026, 3, 1+i%20, 0, 0, 0, 0, time.UTC), channel: "online", m: map[string]any{QOverall: float64(4 + i%2)}})
		}
		anInsert(t, d, sv, rs)
		ctx := context.Background()
		for _, tg := range []struct {
			label  string
			metric Metric
			target float64
		}{{"State target", MetricIndex, 80}, {"Stretch", MetricIndex, 95}, {"Top boxes", MetricTop2, 100}} {
			if _, err := d.Exec(ctx, `INSERT INTO survey_targets (survey_id, label, metric, question, baseline, baseline_period, target, due, created_at)
				VALUES (?,?,?,?,?,?,?,?,?)`, sv.ID, tg.label, string(tg.metric), QOverall, 60.0, "2026-01", tg.target,
				time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), db.Now()); err != nil {
				t.Fatal(err)
			}
		}
		svc := NewService(d, directory.NewService(d))
		dash, err := svc.Dashboard(authz.With(ctx, staffOf(sv)), sv.ID, DashFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// Index 87.5; a straight line from 60 in January to 80 (95) by the end of December
		// stands, at the end of March, at 60 + 20 (35) × (Jan 1 → Apr 1)/(Jan 1 → Dec 31).
		if len(dash.Targets) != 3 || dash.TrendTarget == nil || dash.TrendTarget.Target != 80 {
			t.Fatalf("targets %+v", dash.Targets)
		}
		frac := float64(90*24) / float64(364*24)
		want := map[string]struct {
			status   string
			expected float64
		}{"State target": {"met", 60 + 20*frac}, "Stretch": {"on track", 60 + 35*frac}, "Top boxes": {"met", 60 + 40*frac}}
		for _, tp := range dash.Targets {
			w := want[tp.Label]
			if tp.Status != w.status || math.Abs(tp.Expected-w.expected) > 1e-9 {
				t.Errorf("%s: %s, expected %v; want %s, %v (latest %v)", tp.Label, tp.Status, tp.Expected, w.status, w.expected, tp.Latest.Est.Value)
			}
		}
		e := newAnEnv(t, d)
		e.as = staffOf(sv)
		if rec := e.get(fmt.Sprintf("/surveys/%d/dashboard", sv.ID)); !strings.Contains(rec.Body.String(), "Target 80 by Dec 2026") {
			t.Error("the trend lacks its target line")
		}
	})
}

// TestDriversOnDashboard: with a cached driver analysis the quadrant chart and its table show.
func TestDriversOnDashboard(t *testing.T) {
	d := dbtest.SQLite(t)
	sv := anSurvey(t, d, "drivers")
	anInsert(t, d, sv, randomResponses(30, 4))
	dr := DriverResult{SurveyID: sv.ID, ComputedAt: time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC), N: 30, R2: 0.5, R2Lo: 0.4, R2Hi: 0.6,
		MeanImportance: 0.07, MeanPerformance: 60, Weighting: Unweighted, Replicates: 200, Sample: 30, Conf: 0.95,
		Drivers: []DriverFigure{
			{ID: QTimely, Label: "Timeliness", Importance: 0.2, Lower: 0.1, Upper: 0.3, Performance: 40, PerformanceN: 30, Caption: CaptionFixFirst},
			{ID: QCourtesy, Label: "Courtesy", Importance: 0.05, Lower: 0.01, Upper: 0.09, Performance: 80, PerformanceN: 30, Caption: CaptionMaintain},
		}}
	raw, _ := json.Marshal(dr)
	if _, err := d.Exec(context.Background(), "INSERT INTO survey_analyses (survey_id, kind, responses, computed_at, result) VALUES (?,?,?,?,?)",
		sv.ID, AnalysisDrivers, 30, dr.ComputedAt, string(raw)); err != nil {
		t.Fatal(err)
	}
	e := newAnEnv(t, d)
	e.as = staffOf(sv)
	body := e.get(fmt.Sprintf("/surveys/%d/dashboard", sv.ID)).Body.String()
	for _, w := range []string{`id="drivers"`, "Fix first", "10–30", "1 Apr 2026 09:30 UTC", "200 bootstrap replicates", "40% to 60%"} {
		if !strings.Contains(body, w) {
			t.Errorf("drivers section lacks %q", w)
		}
	}
}

// FuzzParseDashFilter: any query gives a filter or field errors, never a panic, and an
// accepted filter has valid months in order.
func FuzzParseDashFilter(f *testing.F) {
	for _, s := range []string{"from=2026-01&to=2026-03", "from=2026-13", "place=-1", "by=week", "from=1899-12&to=9999-12", "channel=%00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := ParseDashFilter(q)
		if err != nil {
			return
		}
		if fl.From != "" && !validMonth(fl.From) || fl.To != "" && !validMonth(fl.To) || fl.From != "" && fl.To != "" && fl.To < fl.From {
			t.Errorf("accepted %+v from %q", fl, raw)
		}
		if _, err := ParseCompareInput(q); err != nil {
			return
		}
	})
}

// monthSumsMismatch compares survey_counts_month with survey_counts summed over channel and
// place, and describes the first difference ("" when they agree).
func monthSumsMismatch(t *testing.T, d *db.DB) string {
	t.Helper()
	ctx := context.Background()
	read := func(q string) map[string]int64 {
		m := map[string]int64{}
		if err := db.Each(ctx, d, q, nil, func(rows *sql.Rows) error {
			var s int64
			var question, period string
			var value, n int64
			if err := rows.Scan(&s, &question, &period, &value, &n); err != nil {
				return err
			}
			if n != 0 {
				m[fmt.Sprint(s, "/", question, "/", period, "/", value)] = n
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := read("SELECT survey_id, question, period, value, SUM(n) FROM survey_counts GROUP BY survey_id, question, period, value")
	got := read("SELECT survey_id, question, period, value, n FROM survey_counts_month")
	if len(want) == 0 {
		return "no counts at all"
	}
	for k, n := range want {
		if got[k] != n {
			return fmt.Sprintf("%s: month sum %d, counts %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if want[k] != n {
			return fmt.Sprintf("%s: month sum %d, counts %d", k, n, want[k])
		}
	}
	return ""
}

// TestMonthSumsFollowCounts: the month sums the dashboard reads (kept by triggers, migration
// 00031) stay equal to the counts while several committers write at once (four writers on
// PostgreSQL, to several surveys, every channel and place), and after counts are changed,
// moved or deleted.
func TestMonthSumsFollowCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := anSurvey(t, d, "sums-a"), anSurvey(t, d, "sums-b")
		c := NewCommitter(d, Store{})
		c.MaxBatch = 7 // many small transactions, written at once on PostgreSQL
		c.Start()
		defer c.Stop()
		rs := randomResponses(600, 21)
		errs := make(chan error, len(rs))
		for i, r := range rs {
			sv := a
			if i%3 == 0 {
				sv = b
			}
			go func() {
				q := sv.Questionnaire
				resp := Response{SurveyID: sv.ID, Version: 1, SubmittedAt: r.when, Channel: r.channel, PlaceID: r.place,
					Answers: answers(t, q, r.m), Questionnaire: &q}
				_, err := c.Submit(ctx, resp)
				errs <- err
			}()
		}
		for range rs {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if m := monthSumsMismatch(t, d); m != "" {
			t.Fatalf("after concurrent commits: %s", m)
		}
		for _, q := range []string{
			"UPDATE survey_counts SET n = n + 5 WHERE question = 'overall' AND value = 3",
			"UPDATE survey_counts SET period = '2025-12' WHERE question = 'timeliness' AND period = '2026-01'",
			"DELETE FROM survey_counts WHERE question = 'recommend' AND value < 4",
		} {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
			if m := monthSumsMismatch(t, d); m != "" {
				t.Fatalf("after %s: %s", q, m)
			}
		}
	})
}

// TestWeightedBeside: when the survey is weighted and its weighted figures are computed, the
// dashboard sets them beside the unweighted headline figures, saying how they are weighted;
// with a filter it says they cover every response instead.
func TestWeightedBeside(t *testing.T) {
	d := dbtest.SQLite(t)
	sv := anSurvey(t, d, "weighted")
	anInsert(t, d, sv, randomResponses(60, 8))
	ctx := context.Background()
	at := db.Now()
	wr := WeightedResult{SurveyID: sv.ID, ComputedAt: at, Responses: 60, Method: "weighted to population margins (raking)", N: 60, NEff: 48,
		Figures: []WeightedFigure{{Question: QOverall, Metric: MetricIndex, Value: 61.3, Lower: 55.5, Upper: 67, N: 60, NEff: 48.4, Reliability: "reliable"}}}
	raw, _ := json.Marshal(wr)
	if _, err := d.Exec(ctx, "INSERT INTO survey_weighting (survey_id, margins, trim, updated_at) VALUES (?, '[]', 5, ?)", sv.ID, at.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "INSERT INTO survey_analyses (survey_id, kind, responses, computed_at, result) VALUES (?,?,?,?,?)",
		sv.ID, AnalysisWeighted, 60, at, string(raw)); err != nil {
		t.Fatal(err)
	}
	e := newAnEnv(t, d)
	e.as = staffOf(sv)
	body := e.get(fmt.Sprintf("/surveys/%d/dashboard", sv.ID)).Body.String()
	for _, w := range []string{"Weighted:", "61.3 (95% interval 55.5 to 67.0, effective sample 48)", "weighted to population margins (raking)"} {
		if !strings.Contains(body, w) {
			t.Errorf("dashboard lacks %q", w)
		}
	}
	body = e.get(fmt.Sprintf("/surveys/%d/dashboard?channel=phone", sv.ID)).Body.String()
	if strings.Contains(body, "Weighted:") || !strings.Contains(body, "clear the filters to see them") {
		t.Error("filtered dashboard sets the weighted figures beside")
	}
}
