// Package loadtest is the load generator behind `joinedup loadtest`: it sends realistic
// survey submissions (JSON or form-encoded) or survey page requests to a running server
// over a fixed number of keep-alive connections, one closed-loop goroutine per connection,
// and reports throughput, exact latency percentiles and errors. A bare net/http handler
// started in the same process gives the machine's ceiling for comparison.
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Mode is what the load consists of.
type Mode string

// Modes.
const (
	JSON Mode = "json" // POST /s/{code} with a JSON body and an Idempotency-Key
	Form Mode = "form" // POST /s/{code} form-encoded, as the page's form sends it
	Page Mode = "page" // GET /s/{code}
)

// Describe names the load in plain words.
func (m Mode) Describe() string {
	switch m {
	case Form:
		return "form submissions"
	case Page:
		return "survey page requests"
	}
	return "JSON submissions"
}

// Target is the least ratio of the bare handler's rate each mode must reach (issue #4).
func (m Mode) Target() float64 {
	switch m {
	case Form:
		return 0.40
	case Page:
		return 0.30
	}
	return 0.50
}

// Config describes one run.
type Config struct {
	// BaseURL is the server's address, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Survey is the survey's public code.
	Survey string
	Mode   Mode
	// Duration is how long the measured part lasts; Warmup runs before it, unmeasured.
	Duration, Warmup time.Duration
	// Connections is the number of keep-alive connections, one goroutine each.
	Connections int
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// KeepIDs keeps the ids of every acknowledged submission, warm-up included.
	KeepIDs bool
	// Seed makes the generated answers repeatable (0: random).
	Seed uint64
	// Rounds is how many alternating rounds Compare runs (at least 1).
	Rounds int
	// Clients, when positive, spreads the requests over that many client addresses named in
	// X-Forwarded-For (10.0.0.0/8), as citizens reaching a server behind a load balancer would;
	// a server run with --trust-proxy then applies its per-client limits to each of them.
	Clients int
}

// Check reports a bad configuration in plain words.
func (c *Config) Check() error {
	if _, err := ParseBaseURL(c.BaseURL); err != nil {
		return err
	}
	if c.Survey == "" || strings.ContainsAny(c.Survey, "/?#% ") {
		return fmt.Errorf("give the survey's public code with --survey (the CODE of /s/CODE), not %q", c.Survey)
	}
	switch c.Mode {
	case JSON, Form, Page:
	default:
		return fmt.Errorf("unknown mode %q", c.Mode)
	}
	if c.Duration <= 0 {
		return errors.New("the duration must be positive, e.g. --duration 10s")
	}
	if c.Warmup < 0 {
		return errors.New("the warm-up cannot be negative")
	}
	if c.Connections < 1 || c.Connections > 10000 {
		return fmt.Errorf("connections must be from 1 to 10000, not %d", c.Connections)
	}
	if c.Timeout < 0 {
		return errors.New("the timeout cannot be negative")
	}
	if c.Rounds < 0 || c.Rounds > 1000 {
		return fmt.Errorf("rounds must be from 0 to 1000, not %d", c.Rounds)
	}
	if c.Clients < 0 || c.Clients > 1<<24 {
		return fmt.Errorf("clients must be from 0 to %d, not %d", 1<<24, c.Clients)
	}
	return nil
}

// ParseBaseURL checks a server address: http or https, a host, no query.
func ParseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q is not a server address: give one like http://127.0.0.1:8080", s)
	}
	return u, nil
}

func (c *Config) endpoint() string {
	return strings.TrimRight(c.BaseURL, "/") + "/s/" + url.PathEscape(c.Survey)
}

// NewClient is an HTTP client tuned for load: n keep-alive connections to one host, no
// compression, no redirects followed, no proxy.
func NewClient(n int, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          n,
		MaxIdleConnsPerHost:   n,
		MaxConnsPerHost:       n,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Survey is what a run needs to know of the survey before it starts.
type Survey struct {
	Def Definition
	// Form is what the page's form holds besides the questions (form mode).
	Form PageForm
	// PageBytes is the size of the survey page, for the bare handler's answer.
	PageBytes int
}

// Prepare fetches what the run needs from the server: the public definition (JSON and form
// modes) and the survey page (form and page modes). Its errors say what is wrong: a bad
// address, a server that does not answer, an unknown survey.
func Prepare(ctx context.Context, c *http.Client, cfg Config) (Survey, error) {
	var s Survey
	if err := cfg.Check(); err != nil {
		return s, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Mode != Page {
		b, err := fetch(ctx, c, base+"/api/v1/surveys/"+url.PathEscape(cfg.Survey), cfg.Survey)
		if err != nil {
			return s, err
		}
		if s.Def, err = ParseDefinition(b); err != nil {
			return s, err
		}
	}
	if cfg.Mode != JSON {
		b, err := fetch(ctx, c, cfg.endpoint(), cfg.Survey)
		if err != nil {
			return s, err
		}
		s.PageBytes = len(b)
		s.Form = ReadPageForm(b)
	}
	return s, nil
}

func fetch(ctx context.Context, c *http.Client, u, code string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %s", u, ErrorKind(err)+hintFor(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", u, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("no open survey %q at %s (404): check the code and that the survey is open", code, u)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	return b, nil
}

func hintFor(err error) string {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return " (is the server running?)"
	}
	return ""
}

// PageForm is what a load generator must copy from the survey page's form.
type PageForm struct {
	// Honeypot is the field people leave empty ("" if none).
	Honeypot string
	// Hidden are the form's hidden fields, sent back as they are, except those whose value
	// is a random key (Random): each submission sends a fresh one, as a new page load would.
	Hidden []HiddenField
}

// HiddenField is a hidden input of the form.
type HiddenField struct {
	Name, Value string
	Random      bool
}

var (
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attrRe   = regexp.MustCompile(`(?is)\b([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
	randomRe = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
)

// ReadPageForm finds the hidden fields and the honeypot of a survey page's form. A honeypot
// is a text input marked data-honeypot, or inside an element whose class names a honeypot,
// or hidden from people with tabindex="-1" and aria-hidden.
func ReadPageForm(page []byte) PageForm {
	var f PageForm
	for _, loc := range inputTag.FindAllIndex(page, -1) {
		tag := page[loc[0]:loc[1]]
		attrs := map[string]string{}
		for _, m := range attrRe.FindAllSubmatch(tag, -1) {
			v := string(m[2]) + string(m[3]) + string(m[4])
			attrs[strings.ToLower(string(m[1]))] = html.UnescapeString(v)
		}
		name := attrs["name"]
		if name == "" {
			continue
		}
		typ := strings.ToLower(attrs["type"])
		if typ == "hidden" {
			f.Hidden = append(f.Hidden, HiddenField{Name: name, Value: attrs["value"], Random: randomRe.MatchString(attrs["value"])})
			continue
		}
		if f.Honeypot != "" || (typ != "" && typ != "text" && typ != "url" && typ != "email") {
			continue
		}
		before := page[max(loc[0]-400, 0):loc[0]]
		if bytes.Contains(bytes.ToLower(tag), []byte("data-honeypot")) ||
			bytes.Contains(bytes.ToLower(before[max(bytes.LastIndex(before, []byte("<div")), bytes.LastIndex(before, []byte("<p")), 0):]), []byte("honeypot")) ||
			attrs["tabindex"] == "-1" && attrs["autocomplete"] == "off" {
			f.Honeypot = name
		}
	}
	return f
}

// FindHoneypot returns the name of the honeypot field of a survey page's form, "" if none.
func FindHoneypot(page []byte) string { return ReadPageForm(page).Honeypot }

// Result is the outcome of one run.
type Result struct {
	Mode        Mode
	URL         string
	Connections int
	// Duration is the measured window (the warm-up excluded).
	Duration time.Duration
	// Requests is the number of requests started in the window and answered or failed.
	Requests int
	// Latencies of the requests of the window, sorted.
	Latencies []time.Duration
	// Statuses counts answers by HTTP status; Errors counts requests without an answer by kind.
	Statuses map[int]int
	Errors   map[string]int
	// OK counts the requests of the window answered as expected: 201 for submissions
	// (303 for a form answered with a redirect), 200 for the page.
	OK int
	// Acked counts acknowledged submissions, warm-up included; IDs holds their ids when
	// Config.KeepIDs is set.
	Acked int
	IDs   []int64
	// CPU is the CPU time this process used during the run (warm-up included), and Wall the
	// run's length: the load generator's share of the machine (with the bare handler's,
	// for a run against it).
	CPU, Wall time.Duration
}

// Rate is the requests per second of the window.
func (r *Result) Rate() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Duration.Seconds()
}

// OKRate is the expected answers per second of the window.
func (r *Result) OKRate() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.OK) / r.Duration.Seconds()
}

// Failed counts the requests of the window not answered as expected.
func (r *Result) Failed() int { return r.Requests - r.OK }

// Percentile returns the p-th percentile (0 < p ≤ 100) of the latencies by nearest rank.
func (r *Result) Percentile(p float64) time.Duration { return Percentile(r.Latencies, p) }

// Percentile returns the p-th percentile of sorted by nearest rank: the smallest value with
// at least p% of the values at or below it.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(p/100*float64(n) + 0.9999999)
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// success reports whether status is the expected answer for the mode.
func success(m Mode, status int) bool {
	switch m {
	case Page:
		return status == http.StatusOK
	case Form:
		return status == http.StatusCreated || status == http.StatusOK || status == http.StatusSeeOther
	}
	return status == http.StatusCreated
}

// worker is one connection's closed loop.
type worker struct {
	cfg      *Config
	c        *http.Client
	url      string
	gen      *Generator
	keyBase  []byte
	seq      uint64
	clients  *atomic.Uint64 // requests so far, shared: each names the next client address
	xff      []byte
	body     []byte
	key      []byte
	rd       bytes.Reader
	resp     bytes.Buffer
	lat      []time.Duration
	statuses map[int]int
	errs     map[string]int
	ok       int
	acked    int
	ids      []int64
}

// Run drives the load against cfg.BaseURL until the warm-up and the duration have passed
// (or ctx ends) and returns the figures.
func Run(ctx context.Context, cfg Config, s Survey) (*Result, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	var p *plan
	if cfg.Mode != Page {
		var err error
		if p, err = newPlan(s.Def, s.Form); err != nil {
			return nil, err
		}
	}
	seed := cfg.Seed
	run := make([]byte, 8)
	_, _ = rand.Read(run)
	if seed == 0 {
		seed = binary.LittleEndian.Uint64(run)
	}
	c := NewClient(cfg.Connections, cfg.Timeout)
	defer c.CloseIdleConnections()
	// Room for the latencies of a fast run without growing: the closed loop at n connections
	// rarely exceeds 40,000 requests a second on a small machine.
	per := int(min(cfg.Duration.Seconds()*40000/float64(cfg.Connections), 1<<20)) + 64
	ws := make([]*worker, cfg.Connections)
	var clients atomic.Uint64
	for i := range ws {
		w := &worker{cfg: &cfg, c: c, url: cfg.endpoint(), lat: make([]time.Duration, 0, per), clients: &clients,
			statuses: map[int]int{}, errs: map[string]int{},
			keyBase: fmt.Appendf(nil, "lt-%s-%d-", hex.EncodeToString(run), i)}
		if p != nil {
			w.gen = p.generator(seed + uint64(i)*7919)
		}
		ws[i] = w
	}
	cpu0 := processCPU()
	start := time.Now()
	measure := start.Add(cfg.Warmup)
	end := measure.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, measure, end)
		}()
	}
	wg.Wait()
	window := cfg.Duration
	if now := time.Now(); now.Before(end) { // stopped early
		window = max(now.Sub(measure), 0)
	}
	res := &Result{Mode: cfg.Mode, URL: cfg.endpoint(), Connections: cfg.Connections, Duration: window,
		Statuses: map[int]int{}, Errors: map[string]int{}, CPU: processCPU() - cpu0, Wall: time.Since(start)}
	total := 0
	for _, w := range ws {
		total += len(w.lat)
	}
	res.Latencies = make([]time.Duration, 0, total)
	for _, w := range ws {
		res.Latencies = append(res.Latencies, w.lat...)
		for k, v := range w.statuses {
			res.Statuses[k] += v
		}
		for k, v := range w.errs {
			res.Errors[k] += v
		}
		res.OK += w.ok
		res.Acked += w.acked
		res.IDs = append(res.IDs, w.ids...)
	}
	res.Requests = len(res.Latencies)
	slices.Sort(res.Latencies)
	if ctx.Err() != nil && res.Requests == 0 {
		return res, ctx.Err()
	}
	return res, nil
}

func (w *worker) loop(ctx context.Context, measure, end time.Time) {
	for ctx.Err() == nil {
		t := time.Now()
		if !t.Before(end) {
			return
		}
		status, id, err := w.do(ctx)
		d := time.Since(t)
		if ctx.Err() != nil && err != nil {
			return // stopped: the interrupted request is not a server's failure
		}
		good := err == nil && success(w.cfg.Mode, status)
		if good && w.cfg.Mode != Page {
			w.acked++
			if w.cfg.KeepIDs && id > 0 {
				w.ids = append(w.ids, id)
			}
		}
		if t.Before(measure) {
			continue
		}
		w.lat = append(w.lat, d)
		switch {
		case err != nil:
			w.errs[ErrorKind(err)]++
		default:
			w.statuses[status]++
			if good {
				w.ok++
			}
		}
		if err != nil {
			// A failed connection: do not spin on a server that refuses everything.
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

// do sends one request and returns the status and, for an acknowledged submission, its id.
func (w *worker) do(ctx context.Context) (int, int64, error) {
	var req *http.Request
	var err error
	switch w.cfg.Mode {
	case Page:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, w.url, nil)
		if err != nil {
			return 0, 0, err
		}
	default:
		w.body = w.body[:0]
		ct := "application/json"
		if w.cfg.Mode == Form {
			w.body = w.gen.AppendForm(w.body)
			ct = "application/x-www-form-urlencoded"
		} else {
			w.body = w.gen.AppendJSON(w.body)
		}
		w.rd.Reset(w.body)
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, w.url, &w.rd)
		if err != nil {
			return 0, 0, err
		}
		req.Header["Content-Type"] = []string{ct}
		if w.cfg.Mode == JSON {
			w.seq++
			w.key = strconv.AppendUint(append(w.key[:0], w.keyBase...), w.seq, 10)
			req.Header["Idempotency-Key"] = []string{string(w.key)}
			req.Header["Accept"] = []string{"application/json"}
		}
	}
	req.Header["User-Agent"] = []string{"joinedup-loadtest"}
	if n := w.cfg.Clients; n > 0 {
		c := w.clients.Add(1) % uint64(n)
		w.xff = append(w.xff[:0], "10."...)
		w.xff = strconv.AppendUint(w.xff, c>>16&255, 10)
		w.xff = append(w.xff, '.')
		w.xff = strconv.AppendUint(w.xff, c>>8&255, 10)
		w.xff = append(w.xff, '.')
		w.xff = strconv.AppendUint(w.xff, c&255, 10)
		req.Header["X-Forwarded-For"] = []string{string(w.xff)}
	}
	resp, err := w.c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	w.resp.Reset()
	_, err = w.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, 0, err
	}
	var id int64
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK && w.cfg.Mode != Page {
		id = ParseID(w.resp.Bytes())
	}
	return resp.StatusCode, id, nil
}

// ParseID finds the first "id" member of a JSON answer, a number or a string of digits,
// e.g. {"id":"42"}; 0 if none.
func ParseID(b []byte) int64 {
	i := bytes.Index(b, []byte(`"id"`))
	if i < 0 {
		return 0
	}
	b = b[i+4:]
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	if len(b) == 0 || b[0] != ':' {
		return 0
	}
	b = b[1:]
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	quoted := len(b) > 0 && b[0] == '"'
	if quoted {
		b = b[1:]
	}
	var n int64
	digits := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	if digits == 0 || digits > 18 || quoted && (digits >= len(b) || b[digits] != '"') {
		return 0
	}
	return n
}

// ErrorKind names the kind of a failed request: timeout, connection refused, connection
// reset, connection closed, or the error's own words.
func ErrorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local ports left"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// Report writes the figures of r.
func Report(w io.Writer, label string, r *Result) {
	fmt.Fprintf(w, "%s — %s to %s, %d connections, %s measured\n", label, r.Mode.Describe(), r.URL, r.Connections, r.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  requests   %d (%.1f/s); answered as expected %d (%.1f/s)\n", r.Requests, r.Rate(), r.OK, r.OKRate())
	fmt.Fprintf(w, "  latency    p50 %s  p95 %s  p99 %s  max %s\n", ms(r.Percentile(50)), ms(r.Percentile(95)), ms(r.Percentile(99)), ms(r.Percentile(100)))
	var codes []int
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d: %d", c, r.Statuses[c]))
	}
	fmt.Fprintf(w, "  answers    %s\n", orNone(strings.Join(parts, ", ")))
	parts = parts[:0]
	for _, c := range codes {
		if !success(r.Mode, c) {
			parts = append(parts, fmt.Sprintf("status %d: %d", c, r.Statuses[c]))
		}
	}
	var kinds []string
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s: %d", k, r.Errors[k]))
	}
	fmt.Fprintf(w, "  errors     %s\n", orNone(strings.Join(parts, ", ")))
	if r.Wall > 0 && r.CPU > 0 {
		fmt.Fprintf(w, "  this process used %.2f cores", r.CPU.Seconds()/r.Wall.Seconds())
		if r.Requests > 0 && r.Duration > 0 {
			// The requests of the whole run, warm-up included, at the window's rate.
			perReq := time.Duration(float64(r.CPU) / (r.Rate() * r.Wall.Seconds()))
			fmt.Fprintf(w, " (%s of CPU a request)", us(perReq))
		}
		fmt.Fprintln(w)
	}
	if r.Mode != Page {
		fmt.Fprintf(w, "  acknowledged %d in the window, %d with the warm-up", r.OK, r.Acked)
		if len(r.IDs) > 0 {
			lo, hi := slices.Min(r.IDs), slices.Max(r.IDs)
			fmt.Fprintf(w, "; ids %d–%d", lo, hi)
		}
		fmt.Fprintln(w)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func us(d time.Duration) string {
	return strconv.FormatInt(d.Microseconds(), 10) + " µs"
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}
