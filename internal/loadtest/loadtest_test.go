package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/forms"
)

// testDef has every question type, a required question, "not applicable" and a show-if.
func testDef() Definition {
	agree := forms.Anchors{Low: "Disagree", High: "Agree"}
	return Definition{Code: "demo", Title: "Test", Questions: []forms.Question{
		{ID: "overall", Type: forms.Scale, Text: "Overall?", Required: true, Min: 1, Max: 5, Labels: agree},
		{ID: "timeliness", Type: forms.Scale, Text: "Quick?", Min: 1, Max: 5, NotApplicable: true, Labels: agree},
		{ID: "recommend", Type: forms.Scale, Text: "Recommend?", Min: 0, Max: 10},
		{ID: "effort", Type: forms.Scale, Text: "Easy?", Min: 1, Max: 7},
		{ID: "how", Type: forms.Single, Text: "How did you contact us?", Required: true, NotApplicable: true,
			Options: []forms.Option{{Value: "phone", Label: "Phone"}, {Value: "web", Label: "Web"}, {Value: "counter", Label: "In person"}}},
		{ID: "why_phone", Type: forms.Text, Text: "Why the phone?", Required: true, MaxLength: 40,
			ShowIf: &forms.Condition{Question: "how", Equals: []string{"phone"}}},
		{ID: "topics", Type: forms.Multiple, Text: "Topics", Min: 1, Max: 2, NotApplicable: true,
			Options: []forms.Option{{Value: "rates", Label: "Rates"}, {Value: "bins", Label: "Bins & recycling"}, {Value: "dogs", Label: "Dogs"}, {Value: "roads", Label: "Roads"}}},
		{ID: "visits", Type: forms.Number, Text: "Visits", Min: 1, Max: 20},
		{ID: "agree", Type: forms.Consent, Text: "I agree"},
		{ID: "comment", Type: forms.Textarea, Text: "Anything else?", MaxLength: 2000},
	}}
}

func questionnaire(d Definition) forms.Questionnaire {
	return forms.Questionnaire{ID: d.Code, Title: d.Title, Questions: d.Questions}
}

func TestGeneratedAnswersAreValid(t *testing.T) {
	def := testDef()
	q := questionnaire(def)
	if err := q.Validate(); err != nil {
		t.Fatalf("test definition: %v", err)
	}
	g, err := NewGenerator(def, 42, PageForm{Honeypot: "website", Hidden: []HiddenField{{Name: "_k", Value: "KEYMARKERKEYMARKERKEY0", Random: true}, {Name: "_via", Value: "poster 1"}}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	overall := map[float64]int{}
	na, phoneWhy, comments := 0, 0, 0
	const n = 3000
	var buf []byte
	for range n {
		buf = g.AppendJSON(buf[:0])
		var body struct {
			Answers map[string]any `json:"answers"`
			Channel string         `json:"channel"`
		}
		if err := json.Unmarshal(buf, &body); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, buf)
		}
		as, errs := forms.ParseJSON(q, body.Answers)
		if errs != nil {
			t.Fatalf("generated answers refused: %v\n%s", errs, buf)
		}
		if body.Channel == "" {
			t.Fatalf("no channel: %s", buf)
		}
		counts[body.Channel]++
		o, _ := as.Get("overall")
		overall[*o.Number]++
		if a, ok := as.Get("timeliness"); ok && a.NA {
			na++
		}
		if a, ok := as.Get("why_phone"); ok && a.Text != "" {
			phoneWhy++
		}
		if _, ok := as.Get("comment"); ok {
			comments++
		}
		if _, ok := body.Answers["why_phone"]; ok {
			if h, _ := as.Get("how"); len(h.Values) == 0 || h.Values[0] != "phone" {
				t.Fatalf("a hidden question was answered: %s", buf)
			}
		}
	}
	// Skewed to the top: 4s and 5s are most of the answers, 1s rare but present.
	if top := overall[4] + overall[5]; top < n/2 || overall[1] == 0 || overall[1] > n/5 {
		t.Errorf("overall answers not skewed as expected: %v", overall)
	}
	if na == 0 || na > n/4 {
		t.Errorf("%d of %d not applicable", na, n)
	}
	if phoneWhy == 0 || comments == 0 || comments > n/2 {
		t.Errorf("%d phone reasons, %d comments of %d", phoneWhy, comments, n)
	}
	if len(counts) < 3 || counts["online"] < counts["phone"] {
		t.Errorf("channels: %v", counts)
	}

	// Form bodies parse as the page's form would be.
	keys := map[string]bool{}
	for range 500 {
		buf = g.AppendForm(buf[:0])
		v, err := url.ParseQuery(string(buf))
		if err != nil {
			t.Fatalf("not a form body: %v\n%s", err, buf)
		}
		if _, errs := forms.ParseForm(q, v); errs != nil {
			t.Fatalf("generated form refused: %v\n%s", errs, buf)
		}
		if hp, ok := v["website"]; !ok || hp[0] != "" {
			t.Fatalf("honeypot not sent empty: %s", buf)
		}
		if v.Get("_via") != "poster 1" || len(v.Get("_k")) != 22 || keys[v.Get("_k")] {
			t.Fatalf("hidden fields not sent, or the key repeated: %s", buf)
		}
		keys[v.Get("_k")] = true
	}
}

func TestGeneratorRepeatable(t *testing.T) {
	a, _ := NewGenerator(testDef(), 7, PageForm{})
	b, _ := NewGenerator(testDef(), 7, PageForm{})
	for range 50 {
		x, y := string(a.AppendJSON(nil)), string(b.AppendJSON(nil))
		if x != y {
			t.Fatalf("same seed, different bodies:\n%s\n%s", x, y)
		}
	}
}

func TestParseDefinition(t *testing.T) {
	for _, body := range []string{
		`{"code":"demo","title":"T","questions":[{"id":"overall","type":"scale","min":1,"max":5}]}`,
		`{"code":"demo","questionnaire":{"code":"demo","title":"T","questions":[{"id":"overall","type":"scale","min":1,"max":5}]}}`,
	} {
		d, err := ParseDefinition([]byte(body))
		if err != nil || d.Code != "demo" || len(d.Questions) != 1 || d.Questions[0].Max != 5 {
			t.Errorf("%s: %+v %v", body, d, err)
		}
	}
	for _, body := range []string{`{"code":"demo"}`, `<html>`, ``} {
		if _, err := ParseDefinition([]byte(body)); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ls []time.Duration
	for i := 1; i <= 100; i++ {
		ls = append(ls, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := Percentile(ls, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	// Nearest rank on an uneven set: 10 values, p95 is the 10th, p50 the 5th.
	ten := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 1000}
	if Percentile(ten, 95) != 1000 || Percentile(ten, 50) != 5 || Percentile(ten, 90) != 9 {
		t.Errorf("p50 %v p90 %v p95 %v", Percentile(ten, 50), Percentile(ten, 90), Percentile(ten, 95))
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty set")
	}
}

func TestParseIDAndHoneypot(t *testing.T) {
	for in, want := range map[string]int64{
		`{"id":42,"status":"stored"}`:          42,
		`{"survey_id": 3, "id" : 17}`:          17,
		`{"response":{"id":9}}`:                9,
		`{"status":"stored"}`:                  0,
		`{"id":"abc"}`:                         0,
		`{"id":99999999999999999999999}`:       0,
		`{"id":1234567890123,"replayed":true}`: 1234567890123,
		`{"id":"1234"}`:                        1234,
		`{"id": "77" }`:                        77,
		`{"id":"12a"}`:                         0,
		`{"id" "12"}`:                          0,
	} {
		if got := ParseID([]byte(in)); got != want {
			t.Errorf("ParseID(%s) = %d, want %d", in, got, want)
		}
	}
	page := `<form method="post" action="/s/demo"><input type="hidden" name="_k" value="AbCdEfGhIjKlMnOpQrStUv">
<input type="hidden" name="_via" value="poster&amp;1"><div class="honeypot" aria-hidden="true"><label for="w">Leave empty</label>
<input id="w" name="Website" tabindex="-1" autocomplete="off"></div><input type="radio" name="overall" value="5"></form>`
	f := ReadPageForm([]byte(page))
	if f.Honeypot != "Website" || len(f.Hidden) != 2 || !f.Hidden[0].Random || f.Hidden[1].Random || f.Hidden[1].Value != "poster&1" {
		t.Errorf("page form: %+v", f)
	}
	if got := FindHoneypot([]byte(`<input data-honeypot name="nickname">`)); got != "nickname" {
		t.Errorf("data-honeypot: %q", got)
	}
	if got := FindHoneypot([]byte(`<input type="text" name="a" tabindex="-1" autocomplete="off">`)); got != "a" {
		t.Errorf("hidden from people: %q", got)
	}
	if got := FindHoneypot([]byte(`<form><input name="overall"><textarea name="comment"></textarea></form>`)); got != "" {
		t.Errorf("no honeypot: %q", got)
	}
}

// fakeServer answers the definition, the page and submissions like the real one: 201 with an
// id for each new Idempotency-Key, and every third submission fails with 503 when flaky.
type fakeServer struct {
	def      Definition
	flaky    bool
	mu       sync.Mutex
	keys     map[string]int64
	bad      []string
	requests atomic.Int64
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/api/v1/surveys/demo":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(f.def)
	case r.URL.Path == "/s/demo" && r.Method == http.MethodGet:
		io.WriteString(w, `<form method="post"><input type="hidden" name="_k" value="KEYMARKERKEYMARKERKEY0"><p class="honeypot"><input name="website"></p></form>`)
	case r.URL.Path == "/s/demo" && r.Method == http.MethodPost:
		n := f.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		var problem string
		if r.Header.Get("Content-Type") == "application/json" {
			var b struct {
				Answers map[string]any `json:"answers"`
			}
			if err := json.Unmarshal(body, &b); err != nil {
				problem = err.Error()
			} else if _, errs := forms.ParseJSON(questionnaire(f.def), b.Answers); errs != nil {
				problem = fmt.Sprint(errs)
			}
		} else {
			v, _ := url.ParseQuery(string(body))
			if _, errs := forms.ParseForm(questionnaire(f.def), v); errs != nil {
				problem = fmt.Sprint(errs)
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if problem != "" {
			f.bad = append(f.bad, problem)
			http.Error(w, problem, http.StatusUnprocessableEntity)
			return
		}
		if f.flaky && n%3 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("Content-Type") != "application/json" {
			http.Redirect(w, r, "/s/demo/thanks", http.StatusSeeOther)
			return
		}
		k := r.Header.Get("Idempotency-Key")
		if _, dup := f.keys[k]; dup || k == "" {
			f.bad = append(f.bad, "repeated or missing key "+k)
		}
		f.keys[k] = int64(len(f.keys) + 1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d,"status":"stored"}`, f.keys[k])
	default:
		http.NotFound(w, r)
	}
}

func newFake(t *testing.T, flaky bool) (*fakeServer, *httptest.Server) {
	f := &fakeServer{def: testDef(), flaky: flaky, keys: map[string]int64{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func quick(base string, mode Mode) Config {
	return Config{BaseURL: base, Survey: "demo", Mode: mode, Duration: 400 * time.Millisecond,
		Warmup: 150 * time.Millisecond, Connections: 4, KeepIDs: true}
}

func TestRunJSONCountsAndErrors(t *testing.T) {
	f, srv := newFake(t, true)
	ctx := context.Background()
	cfg := quick(srv.URL, JSON)
	s, err := Prepare(ctx, NewClient(1, 0), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Def.Questions) != len(testDef().Questions) {
		t.Fatalf("definition: %+v", s.Def)
	}
	res, err := Run(ctx, cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bad) > 0 {
		t.Fatalf("the server refused %d submissions, first: %s", len(f.bad), f.bad[0])
	}
	if res.Requests == 0 || res.Requests != len(res.Latencies) {
		t.Fatalf("requests %d, latencies %d", res.Requests, len(res.Latencies))
	}
	total := int(f.requests.Load())
	if res.Requests >= total {
		t.Errorf("the warm-up's requests were counted: %d of %d", res.Requests, total)
	}
	if res.Statuses[201]+res.Statuses[503] != res.Requests || res.OK != res.Statuses[201] || len(res.Errors) != 0 {
		t.Errorf("statuses %v, ok %d, errors %v, requests %d", res.Statuses, res.OK, res.Errors, res.Requests)
	}
	// A third of all requests failed, warm-up included: the window holds about a third too.
	if res.Statuses[503] == 0 || res.Failed() != res.Statuses[503] {
		t.Errorf("failures not counted: %v", res.Statuses)
	}
	// Every 201, warm-up included, was acknowledged and its id kept; ids are the fake's.
	if res.Acked != len(f.keys) || len(res.IDs) != len(f.keys) {
		t.Errorf("acked %d, ids %d, server stored %d", res.Acked, len(res.IDs), len(f.keys))
	}
	seen := map[int64]bool{}
	for _, id := range res.IDs {
		if id < 1 || id > int64(len(f.keys)) || seen[id] {
			t.Fatalf("id %d unknown or repeated", id)
		}
		seen[id] = true
	}
	for i := 1; i < len(res.Latencies); i++ {
		if res.Latencies[i] < res.Latencies[i-1] {
			t.Fatal("latencies not sorted")
		}
	}
	var out strings.Builder
	Report(&out, "Server", res)
	for _, want := range []string{"JSON submissions", "requests", "p99", "status 503: ", fmt.Sprintf("201: %d", res.OK)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunFormAndPage(t *testing.T) {
	f, srv := newFake(t, false)
	ctx := context.Background()
	cfg := quick(srv.URL, Form)
	s, err := Prepare(ctx, NewClient(1, 0), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Form.Honeypot != "website" || len(s.Form.Hidden) != 1 || s.PageBytes == 0 {
		t.Fatalf("page form %+v, page %d bytes", s.Form, s.PageBytes)
	}
	res, err := Run(ctx, cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	bad := f.bad
	f.mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("refused: %s", bad[0])
	}
	if res.OK == 0 || res.OK != res.Statuses[303] || res.Failed() != 0 {
		t.Errorf("form: %+v", res.Statuses)
	}

	cfg = quick(srv.URL, Page)
	s, err = Prepare(ctx, NewClient(1, 0), cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err = Run(ctx, cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK == 0 || res.OK != res.Statuses[200] || res.Acked != 0 {
		t.Errorf("page: %+v acked %d", res.Statuses, res.Acked)
	}
}

func TestCompareWithBare(t *testing.T) {
	_, srv := newFake(t, false)
	ctx := context.Background()
	for _, mode := range []Mode{JSON, Form, Page} {
		cfg := quick(srv.URL, mode)
		cfg.Duration, cfg.Warmup, cfg.Rounds = 300*time.Millisecond, 0, 3 // every request counts
		s, err := Prepare(ctx, NewClient(1, 0), cfg)
		if err != nil {
			t.Fatal(err)
		}
		bare, real, err := Compare(ctx, cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		if bare.OK == 0 || bare.Failed() != 0 || real.OK == 0 || Ratio(bare, real) <= 0 {
			t.Errorf("%s: bare %+v %+v, real %+v %+v", mode, bare.Statuses, bare.Errors, real.Statuses, real.Errors)
		}
		if !strings.Contains(bare.URL, "bare handler") {
			t.Errorf("bare URL %q", bare.URL)
		}
		// Three rounds of 100 ms each, added up.
		if bare.Duration != cfg.Duration || real.Duration != cfg.Duration || real.Requests != len(real.Latencies) {
			t.Errorf("%s: windows %v and %v, want %v in all", mode, bare.Duration, real.Duration, cfg.Duration)
		}
	}
}

func TestServerGoneAway(t *testing.T) {
	// A server that accepts connections and closes them without answering.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_, _ = c.Read(buf)
			c.Close()
		}
	}()
	defer ln.Close()
	cfg := quick("http://"+ln.Addr().String(), JSON)
	cfg.Duration = 150 * time.Millisecond
	res, err := Run(context.Background(), cfg, Survey{Def: testDef()})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Requests == 0 || res.Errors["connection closed by the server"]+res.Errors["connection reset"] != res.Requests {
		t.Errorf("errors %v, statuses %v, requests %d", res.Errors, res.Statuses, res.Requests)
	}
}

func TestPrepareErrors(t *testing.T) {
	_, srv := newFake(t, false)
	ctx := context.Background()
	c := NewClient(1, time.Second)
	cfg := quick(srv.URL, JSON)
	cfg.Survey = "nosuch"
	if _, err := Prepare(ctx, c, cfg); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("unknown survey: %v", err)
	}
	// A port nothing listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cfg = quick("http://"+addr, JSON)
	if _, err := Prepare(ctx, c, cfg); err == nil || !strings.Contains(err.Error(), "is the server running") {
		t.Errorf("server down: %v", err)
	}
	for _, bad := range []Config{
		{BaseURL: "localhost:8080", Survey: "demo", Mode: JSON, Duration: time.Second, Connections: 1},
		{BaseURL: "ftp://x", Survey: "demo", Mode: JSON, Duration: time.Second, Connections: 1},
		{BaseURL: "http://x?y=1", Survey: "demo", Mode: JSON, Duration: time.Second, Connections: 1},
		{BaseURL: "http://x", Survey: "", Mode: JSON, Duration: time.Second, Connections: 1},
		{BaseURL: "http://x", Survey: "a/b", Mode: JSON, Duration: time.Second, Connections: 1},
		{BaseURL: "http://x", Survey: "demo", Mode: JSON, Duration: 0, Connections: 1},
		{BaseURL: "http://x", Survey: "demo", Mode: JSON, Duration: time.Second, Connections: 0},
		{BaseURL: "http://x", Survey: "demo", Mode: "xml", Duration: time.Second, Connections: 1},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestStopsWithContext(t *testing.T) {
	_, srv := newFake(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := quick(srv.URL, JSON)
	cfg.Duration = time.Hour
	done := make(chan *Result)
	go func() {
		res, _ := Run(ctx, cfg, Survey{Def: testDef()})
		done <- res
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case res := <-done:
		if res == nil || res.Duration >= time.Hour || len(res.Errors) != 0 {
			t.Errorf("stopped run: %+v", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not stop when its context ended")
	}
}

func TestClientsSpreadOverAddresses(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("X-Forwarded-For")]++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	cfg := quick(srv.URL, Page)
	cfg.Clients = 20
	res, err := Run(context.Background(), cfg, Survey{})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for a, n := range seen {
		total += n
		var x int
		if _, err := fmt.Sscanf(a, "10.0.0.%d", &x); err != nil || x >= 20 {
			t.Errorf("address %q", a)
		}
	}
	if total == 0 || res.OK > total || len(seen) != min(total, 20) {
		t.Fatalf("%d requests (%d in the window) from %d addresses, want them spread over 20", total, res.OK, len(seen))
	}
	// Round robin: no address is used much more than its share.
	for a, n := range seen {
		if n > total/20+2 {
			t.Errorf("address %q used %d of %d times", a, n, total)
		}
	}
}

func TestMerge(t *testing.T) {
	a := &Result{Mode: JSON, Duration: time.Second, Requests: 3, Latencies: []time.Duration{1, 5, 9}, OK: 2, Acked: 4,
		Statuses: map[int]int{201: 2, 503: 1}, Errors: map[string]int{}, IDs: []int64{1, 2, 3, 4}}
	b := &Result{Mode: JSON, Duration: time.Second, Requests: 2, Latencies: []time.Duration{2, 7}, OK: 1, Acked: 1,
		Statuses: map[int]int{201: 1}, Errors: map[string]int{"timeout": 1}, IDs: []int64{5}}
	m := Merge(a, b)
	if m.Requests != 5 || m.OK != 3 || m.Acked != 5 || m.Duration != 2*time.Second || m.Statuses[201] != 3 ||
		m.Statuses[503] != 1 || m.Errors["timeout"] != 1 || len(m.IDs) != 5 || m.Rate() != 2.5 {
		t.Fatalf("merged: %+v", m)
	}
	if fmt.Sprint(m.Latencies) != "[1ns 2ns 5ns 7ns 9ns]" || m.Percentile(50) != 5 {
		t.Errorf("latencies %v", m.Latencies)
	}
}
