package maturity

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var resUpdate = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func resGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *resUpdate {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

// resDemo is the directory's demo with this package's loaded on top.
type resDemo struct {
	d    *db.DB
	s    *Service
	orgs map[string]int64
	// who maps a short name to a principal: the PM&C people by role, "site", and "dss" (an
	// agency lead who has nothing to do with PM&C's assessments).
	who map[string]authz.Principal
}

func (r *resDemo) ctx(name string) context.Context {
	return authz.With(context.Background(), r.who[name])
}

// assessmentID finds a demo assessment by organisation and title.
func (r *resDemo) assessmentID(t *testing.T, org, title string) int64 {
	t.Helper()
	var id int64
	if err := r.d.QueryRow(context.Background(), "SELECT id FROM maturity_assessments WHERE organisation_id = ? AND title = ?", r.orgs[org], title).Scan(&id); err != nil {
		t.Fatalf("assessment %s / %s: %v", org, title, err)
	}
	return id
}

func loadResultsDemo(t *testing.T, d *db.DB) *resDemo {
	t.Helper()
	ctx := authz.With(context.Background(), authz.System)
	admin, err := auth.InsertUser(ctx, d, auth.User{Email: "admin@demo.joinedup.example", Name: "Demo Administrator", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := directory.NewService(d)
	if _, err := directory.LoadDemo(ctx, dir, admin); err != nil {
		t.Fatal(err)
	}
	orgs, err := dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	r := &resDemo{d: d, orgs: map[string]int64{}, who: map[string]authz.Principal{}}
	for _, o := range orgs {
		r.orgs[o.Name] = o.ID
	}
	r.s = NewService(d, dir)
	if _, err := LoadDemo(ctx, r.s, DemoIDs{Orgs: r.orgs}); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	for role, email := range DemoEmails {
		if r.who[role], err = demoPrincipal(ctx, r.s, email); err != nil {
			t.Fatal(err)
		}
	}
	if r.who["viewer"], err = demoPrincipal(ctx, r.s, "viewer@pmc.demo.joinedup.example"); err != nil {
		t.Fatal(err)
	}
	if r.who["dss"], err = demoPrincipal(ctx, r.s, "engagement@dss.demo.joinedup.example"); err != nil {
		t.Fatal(err)
	}
	r.who["site"] = authz.Principal{UserID: admin, Name: "Demo Administrator", SiteAdmin: true}
	return r
}

// resApp serves the maturity routes with the principal named by X-Test-As.
func resApp(t *testing.T, r *resDemo) http.Handler {
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
	if err := (&Web{Svc: r.s, Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(authz.With(req.Context(), r.who[req.Header.Get("X-Test-As")])))
	})
}

type resResp struct {
	code int
	body string
	hdr  http.Header
}

func resDo(t *testing.T, h http.Handler, who, method, path string, form url.Values, jsonBody string) resResp {
	t.Helper()
	var body io.Reader
	req := httptest.NewRequest(method, path, nil)
	switch {
	case form != nil:
		body = strings.NewReader(form.Encode())
		req = httptest.NewRequest(method, path, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case jsonBody != "":
		req = httptest.NewRequest(method, path, strings.NewReader(jsonBody))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return resResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

// reportPack is testPack (score_test.go) with a guidance text on each item.
func reportPack() *Pack {
	p := testPack()
	var walk func(ds []Dimension)
	walk = func(ds []Dimension) {
		for i := range ds {
			for j := range ds[i].Items {
				ds[i].Items[j].Statement = "Statement " + ds[i].Items[j].ID
				ds[i].Items[j].Guidance = "Guidance for " + ds[i].Items[j].ID
			}
			walk(ds[i].Dimensions)
		}
	}
	walk(p.Dimensions)
	return p
}

func resAnswers(kv ...string) map[string]Answer {
	out := map[string]Answer{}
	for i := 0; i+2 < len(kv)+1; i += 3 {
		out[kv[i]] = Answer{ItemKey: kv[i], Current: kv[i+1], Target: kv[i+2]}
	}
	return out
}

func resNear(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// TestBuildReport works a report through by hand: weights and sub-dimensions for the agreed
// current and target answers, not applicable left out, the respondents' spread (counts and
// extremes, names only for the facilitator) and the change since a previous assessment
// whose framework lacked a sub-dimension.
func TestBuildReport(t *testing.T) {
	p := reportPack()
	// Agreed: o1 = 3 (50) → 5 (100); o2 = 5 (100, weight 3) → 5; r1 = Yes (100) → Yes; ra1 = 1 (0) → 3 (50).
	// Current: open (50 + 300)/4 = 87.5; resp-a 0; resp (100 + 0)/2 = 50; overall (87.5 + 2×50)/3 = 62.5.
	// Target: open 100; resp-a 50; resp (100 + 50)/2 = 75; overall (100 + 150)/3 = 83.33.
	agreed := resAnswers("o1", "3", "5", "o2", "5", "5", "r1", "1", "1", "ra1", "1", "3")
	agreed["o1"] = Answer{ItemKey: "o1", Current: "3", Target: "5", NeedsImprovement: true, Reason: "Respondents differed."}
	// u1: o1 = 2 (25), o2 = 3 (50), r1 = No (0), ra1 n/a → open 43.75; resp 0; overall 14.58.
	// u2: o1 = 4 (75), o2 = 3 (50), r1 = Yes (100), ra1 = 2 (25) → open 56.25; resp-a 25; resp 62.5; overall 60.42.
	// u3 answered nothing.
	resp := map[int64]map[string]Answer{
		1: resAnswers("o1", "2", "", "o2", "3", "", "r1", "0", "", "ra1", NotApplicable, ""),
		2: resAnswers("o1", "4", "", "o2", "3", "", "r1", "1", "", "ra1", "2", ""),
		3: {},
	}
	names := map[int64]string{1: "Zoe", 2: "Adam", 3: "Kim"}
	// The previous framework had no sub-dimension resp-a: o1 = o2 = 1 (0), r1 not applicable.
	prevPack := reportPack()
	prevPack.Dimensions[1].Dimensions = nil
	prevAgreed := resAnswers("o1", "1", "", "o2", "1", "", "r1", NotApplicable, "")

	rep := BuildReport(Assessment{ID: 7, Title: "T"}, p, agreed, resp, names, true, prevPack, prevAgreed)
	dims := map[string]DimensionResult{}
	for _, d := range rep.Dimensions {
		dims[d.ID] = d
	}
	for _, c := range []struct {
		id                    string
		depth                 int
		parent                string
		current, target, gap  float64
		level, targetLevel    string
		n                     int
		min, max              float64
		changeOK              bool
		delta                 float64
		changeWords, rangeTxt string
	}{
		{"open", 0, "", 87.5, 100, 12.5, "Leading", "Leading", 2, 43.75, 56.25, true, 87.5, "up 87.5", "12.5"},
		{"resp", 0, "", 50, 75, 25, "Defined", "Managed", 2, 0, 62.5, false, 0, "not comparable", "62.5"},
		{"resp-a", 1, "resp", 0, 50, 50, "Initial", "Defined", 1, 25, 25, false, 0, "not comparable", "—"},
	} {
		d, ok := dims[c.id]
		if !ok {
			t.Fatalf("no dimension %s", c.id)
		}
		gap, _ := d.Gap()
		if d.Depth != c.depth || d.Parent != c.parent || !resNear(d.Current.Value, c.current) || !resNear(d.Target.Value, c.target) || !resNear(gap, c.gap) ||
			d.Current.Level != c.level || d.Target.Level != c.targetLevel {
			t.Errorf("%s: %+v", c.id, d)
		}
		if d.Spread.N != c.n || !resNear(d.Spread.Min, c.min) || !resNear(d.Spread.Max, c.max) || d.Spread.RangeText() != c.rangeTxt {
			t.Errorf("%s spread %+v, want %d %v–%v", c.id, d.Spread, c.n, c.min, c.max)
		}
		if d.Change.OK != c.changeOK || !resNear(d.Change.Delta, c.delta) || d.Change.Words() != c.changeWords {
			t.Errorf("%s change %+v (%s), want %v %v", c.id, d.Change, d.Change.Words(), c.changeOK, c.delta)
		}
	}
	o := rep.Overall
	if !resNear(o.Current.Value, 62.5) || o.Current.Level != "Managed" || !resNear(o.Target.Value, 250.0/3) || o.Target.Level != "Leading" {
		t.Errorf("overall %+v", o)
	}
	// The previous overall is open only (resp had nothing that scored): 0 → up 62.5.
	if !o.Change.OK || !resNear(o.Change.Delta, 62.5) || o.Change.Words() != "up 62.5" || o.Change.Direction() != "up" {
		t.Errorf("overall change %+v", o.Change)
	}
	if o.Spread.N != 2 || !resNear(o.Spread.Min, 43.75/3) || !resNear(o.Spread.Max, (56.25+125)/3) {
		t.Errorf("overall spread %+v", o.Spread)
	}
	if rep.Respondents != 3 || rep.Answering != 2 || !rep.HasPrevious {
		t.Errorf("respondents %d answering %d previous %v", rep.Respondents, rep.Answering, rep.HasPrevious)
	}
	items := map[string]ItemResult{}
	for _, it := range rep.Items {
		items[it.ID] = it
	}
	o1 := items["o1"]
	if o1.CurrentLabel != "Defined" || o1.TargetLabel != "Leading" || o1.GapText() != "50" || !o1.NeedsImprovement || o1.Guidance != "Guidance for o1" {
		t.Errorf("o1 %+v", o1)
	}
	if got := o1.Spread.CountsText(); got != "1 × Developing, 1 × Managed, 1 not answered" {
		t.Errorf("o1 counts %q", got)
	}
	if !o1.Spread.Wide() || o1.Spread.RangeText() != "50" {
		t.Errorf("o1 spread %+v", o1.Spread)
	}
	// Not applicable is counted as an answer but never scored.
	ra1 := items["ra1"]
	if got := ra1.Spread.CountsText(); got != "1 × Developing, 1 × Not applicable, 1 not answered" || ra1.Spread.N != 1 {
		t.Errorf("ra1 %q %+v", got, ra1.Spread)
	}
	// Names for the facilitator, in order; none otherwise.
	if w := o1.Spread.Who; len(w) != 2 || w[0] != (WhoSaid{"Adam", "Managed"}) || w[1] != (WhoSaid{"Zoe", "Developing"}) {
		t.Errorf("who %+v", w)
	}
	anon := BuildReport(Assessment{ID: 7}, p, agreed, resp, names, false, nil, nil)
	for _, it := range anon.Items {
		if len(it.Spread.Who) != 0 {
			t.Errorf("%s: names shown to a non-facilitator: %+v", it.ID, it.Spread.Who)
		}
	}
	if anon.HasPrevious || anon.Overall.Change.OK || anon.Overall.Change.Words() != "not comparable" {
		t.Errorf("first assessment: %+v", anon.Overall.Change)
	}
	if anon.Disagreements() != 3 { // o1, r1, ra1 (o2: both "Defined")
		t.Errorf("disagreements %d", anon.Disagreements())
	}
}

// Nothing agreed, or everything not applicable: no score, no level, no gap, never zero.
func TestBuildReportNothingScored(t *testing.T) {
	p := reportPack()
	for _, agreed := range []map[string]Answer{{}, resAnswers("o1", NotApplicable, "", "o2", NotApplicable, "", "r1", NotApplicable, "", "ra1", DontKnow, "")} {
		rep := BuildReport(Assessment{}, p, agreed, nil, nil, false, nil, nil)
		o := rep.Overall
		if o.Current.OK || o.Current.Text() != "not scored" || o.Current.LevelText() != "not scored" || o.GapText() != "—" || rep.LevelDescription() != "" {
			t.Errorf("overall %+v", o)
		}
		if o.Spread.N != 0 || o.Spread.MinText() != "—" || o.Spread.RangeText() != "—" {
			t.Errorf("spread %+v", o.Spread)
		}
	}
	rep := BuildReport(Assessment{}, p, resAnswers("o1", NotApplicable, "", "o2", "1", "1"), nil, nil, false, nil, nil)
	if got := rep.Overall.Current.CountsText(); got != "1 item scored, 1 not applicable or don't know" {
		t.Errorf("counts %q", got)
	}
}

func TestChangeWords(t *testing.T) {
	for _, c := range []struct {
		ch   Change
		want string
		dir  string
	}{
		{Change{OK: true, Delta: 8}, "up 8", "up"},
		{Change{OK: true, Delta: -2.54}, "down 2.5", "down"},
		{Change{OK: true, Delta: 0.01}, "no change", "same"},
		{Change{}, "not comparable", "same"},
	} {
		if c.ch.Words() != c.want || c.ch.Direction() != c.dir {
			t.Errorf("%+v: %q %q", c.ch, c.ch.Words(), c.ch.Direction())
		}
	}
}

// TestResultsCSV compares the CSV export of the worked report with its golden file.
func TestResultsCSV(t *testing.T) {
	p := reportPack()
	agreed := resAnswers("o1", "3", "5", "o2", "5", "5", "r1", "1", "1", "ra1", "1", "3")
	agreed["o1"] = Answer{ItemKey: "o1", Current: "3", Target: "5", NeedsImprovement: true, Reason: "=HYPERLINK(\"x\") is not run"}
	resp := map[int64]map[string]Answer{1: resAnswers("o1", "2", ""), 2: resAnswers("o1", "4", "")}
	rep := BuildReport(Assessment{ID: 7}, p, agreed, resp, nil, false, reportPack(), resAnswers("o1", "1", ""))
	var b strings.Builder
	if err := WriteResultsCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	resGolden(t, "results.csv", b.String())
	if !strings.Contains(b.String(), "'=HYPERLINK") {
		t.Error("a formula in a reason must be neutralised")
	}
}

// TestResultsService checks who sees results on the demo: members of the organisation and
// respondents once closed, the facilitator and managers while it forms, and nobody outside;
// names only for the facilitator; the change since the earlier assessment.
func TestResultsService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := loadResultsDemo(t, d)
		id := r.assessmentID(t, demoPMC, "Charter engagement maturity 2024–25")
		first := r.assessmentID(t, demoPMC, "Charter engagement maturity 2023–24")
		for _, who := range []string{"viewer", "contributor", "reviewer", "manager", "admin", "site"} {
			rep, err := r.s.Results(r.ctx(who), id)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			if rep.Names != (who == "manager" || who == "admin" || who == "site") {
				t.Errorf("%s: names shown %v", who, rep.Names)
			}
			if !rep.HasPrevious || rep.Previous.ID != first || !rep.Overall.Change.OK || rep.Overall.Change.Delta <= 0 {
				t.Errorf("%s: change %+v from %+v", who, rep.Overall.Change, rep.Previous)
			}
			if rep.Respondents != 3 || rep.Answering != 3 {
				t.Errorf("respondents %d/%d", rep.Respondents, rep.Answering)
			}
		}
		if _, err := r.s.Results(r.ctx("dss"), id); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation: %v", err)
		}
		rep, err := r.s.Results(r.ctx("viewer"), first)
		if err != nil || rep.HasPrevious {
			t.Errorf("the first assessment: %v %+v", err, rep.Previous)
		}
		// The agreed answers: 2024–25 agreed "Established" (3 of 5: 50) and above on most items.
		if !rep.Overall.Current.OK {
			t.Error("2023–24 has no overall score")
		}

		// A new assessment: its results form for the facilitator only.
		open, err := r.s.CreateAssessment(r.ctx("manager"), AssessmentInput{OrgID: r.orgs[demoPMC], FrameworkID: mustFramework(t, r).ID,
			Title: "Charter engagement maturity 2025–26", PeriodStart: "2025-07-01", PeriodEnd: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.Results(r.ctx("viewer"), open.ID); !isStatus(err, http.StatusForbidden) {
			t.Errorf("a member before closing: %v", err)
		}
		forming, err := r.s.Results(r.ctx("manager"), open.ID)
		if err != nil || forming.Overall.Current.OK || !forming.HasPrevious || forming.Previous.ID != id {
			t.Errorf("forming: %v %+v", err, forming.Overall)
		}
	})
}

func mustFramework(t *testing.T, r *resDemo) Framework {
	t.Helper()
	fw, err := r.s.FrameworkByKey(context.Background(), DemoCharterKey, "")
	if err != nil {
		t.Fatal(err)
	}
	return fw
}

func isStatus(err error, status int) bool {
	var bad *api.BadRequest
	return errors.As(err, &bad) && bad.Status == status
}

// TestResultsPages renders the results page, the report, the exports and the API for the
// demo's completed assessment.
func TestResultsPages(t *testing.T) {
	r := loadResultsDemo(t, dbtest.SQLite(t))
	h := resApp(t, r)
	id := r.assessmentID(t, demoPMC, "Charter engagement maturity 2024–25")

	page := resDo(t, h, "viewer", "GET", resultsURL(id, "/results"), nil, "")
	if page.code != 200 {
		t.Fatalf("results: %d %s", page.code, page.body)
	}
	for _, want := range []string{"Overall level", "Established", `role="img"`, `aria-labelledby="radar-title radar-desc"`, "<caption>Current and target scores (0–100) by dimension</caption>",
		"Gap to target", "Spread between respondents", "Compared with <strong>Charter engagement maturity 2023–24</strong>", "Improvement plan",
		"Director, Policy Engagement", "Compared with 6 other organisations", "Agreed answers by item", "Why agreed:", "/export.csv", "/report"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	// A viewer sees counts, never who said what, and no planning forms.
	for _, never := range []string{"Who said what", "Jordan Lee", "Morgan Chen", "/plan/generate", "/actions/new", "Department of Social Services", "Priya Raman"} {
		if strings.Contains(page.body, never) {
			t.Errorf("the viewer's results page shows %q", never)
		}
	}
	fac := resDo(t, h, "manager", "GET", resultsURL(id, "/results"), nil, "")
	for _, want := range []string{"Who said what", "Jordan Lee", "/plan/generate", "/actions/new"} {
		if !strings.Contains(fac.body, want) {
			t.Errorf("the facilitator's page lacks %q", want)
		}
	}
	if strings.Contains(fac.body, "Priya Raman") || strings.Contains(fac.body, "Department of Social Services") {
		t.Error("a peer is named on the results page")
	}
	// The cohort can be narrowed; a bad value falls back to everyone on the page and is a 400 in the API.
	if p := resDo(t, h, "viewer", "GET", resultsURL(id, "/results?by=jurisdiction"), nil, ""); !strings.Contains(p.body, "in the same jurisdiction: Commonwealth of Australia") {
		t.Error("by=jurisdiction")
	}

	rpt := resDo(t, h, "viewer", "GET", resultsURL(id, "/report"), nil, "")
	if rpt.code != 200 || !strings.Contains(rpt.body, "Self-assessment report") || !strings.Contains(rpt.body, "How to do better:") ||
		strings.Contains(rpt.body, "<form method=\"post\"") {
		t.Errorf("report: %d", rpt.code)
	}

	csv := resDo(t, h, "viewer", "GET", resultsURL(id, "/export.csv"), nil, "")
	if csv.code != 200 || !strings.HasPrefix(csv.hdr.Get("Content-Type"), "text/csv") || !strings.Contains(csv.hdr.Get("Content-Disposition"), "attachment") {
		t.Errorf("csv: %d %v", csv.code, csv.hdr)
	}
	if lines := strings.Count(csv.body, "\n"); lines != 1+1+6+24 {
		t.Errorf("csv has %d lines, want header, overall, 6 dimensions, 24 items", lines)
	}

	js := resDo(t, h, "viewer", "GET", resultsURL(id, "/export.json"), nil, "")
	var doc ResultsDoc
	if err := json.Unmarshal([]byte(js.body), &doc); err != nil || js.code != 200 {
		t.Fatalf("json export: %d %v", js.code, err)
	}
	if len(doc.Actions) != 6 || len(doc.Items) != 24 || doc.Previous == nil {
		t.Errorf("json export: %d actions, %d items, previous %v", len(doc.Actions), len(doc.Items), doc.Previous)
	}

	// The API: per dimension id, title, score, level, target.
	api := resDo(t, h, "contributor", "GET", "/api/v1/assessments/"+strconv.FormatInt(id, 10)+"/results", nil, "")
	if api.code != 200 {
		t.Fatalf("api: %d %s", api.code, api.body)
	}
	var raw struct {
		Dimensions []map[string]any `json:"dimensions"`
		Overall    map[string]any   `json:"overall"`
	}
	if err := json.Unmarshal([]byte(api.body), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Dimensions) != 6 {
		t.Fatalf("dimensions %d", len(raw.Dimensions))
	}
	for _, k := range []string{"id", "title", "score", "level", "target", "target_level", "gap", "spread", "change"} {
		if _, ok := raw.Dimensions[0][k]; !ok {
			t.Errorf("dimension lacks %q: %v", k, raw.Dimensions[0])
		}
	}
	if raw.Dimensions[0]["id"] != "open" || raw.Dimensions[0]["level"] != "Established" || raw.Overall["level"] != "Established" {
		t.Errorf("first dimension %v, overall %v", raw.Dimensions[0], raw.Overall)
	}
	if strings.Contains(api.body, "Jordan") || strings.Contains(api.body, "user_id") {
		t.Error("the API names respondents")
	}
	if out := resDo(t, h, "dss", "GET", "/api/v1/assessments/"+strconv.FormatInt(id, 10)+"/results", nil, ""); out.code != 404 {
		t.Errorf("another organisation: %d", out.code)
	}
}
