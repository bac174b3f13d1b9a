package loadtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// BareHandler is the least a server can do for the load of mode: for a JSON submission, read
// the body and answer 201 with a small JSON; for a form, read it and redirect (303) as the
// survey page does; for the page, answer 200 with pageBytes of HTML.
// Measured on the same machine in the same run, it is the ceiling the real server is
// compared with.
func BareHandler(mode Mode, pageBytes int) http.Handler {
	if pageBytes <= 0 {
		pageBytes = 8 << 10
	}
	page := make([]byte, pageBytes)
	for i := range page {
		page[i] = 'x'
	}
	copy(page, "<!doctype html><title>bare</title><p>")
	var seq atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(page)))
			_, _ = w.Write(page)
			return
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if mode == Form {
			w.Header().Set("Location", r.URL.Path+"/thanks")
			w.WriteHeader(http.StatusSeeOther)
			return
		}
		var buf [64]byte
		b := append(buf[:0], `{"id":`...)
		b = strconv.AppendInt(b, seq.Add(1), 10)
		b = append(b, `,"status":"stored"}`...)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	})
}

// Bare is a bare handler serving on 127.0.0.1.
type Bare struct {
	URL string
	srv *http.Server
}

// StartBare serves BareHandler(mode, pageBytes) on a free port of 127.0.0.1.
func StartBare(mode Mode, pageBytes int) (*Bare, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: BareHandler(mode, pageBytes), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // a failure shows as failed requests
	return &Bare{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the bare server.
func (b *Bare) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return b.srv.Shutdown(ctx)
}

// Compare runs the same load against a bare handler started in this process and against
// cfg.BaseURL, in alternating rounds (cfg.Rounds; each gets its share of cfg.Duration), so
// that both see the same background load on a shared machine, and returns the two sums.
// The first round of each warms up for cfg.Warmup, the others for at most 250 ms.
func Compare(ctx context.Context, cfg Config, s Survey) (bare, real *Result, err error) {
	b, err := StartBare(cfg.Mode, s.PageBytes)
	if err != nil {
		return nil, nil, err
	}
	defer b.Close()
	rounds := max(cfg.Rounds, 1)
	per := cfg.Duration / time.Duration(rounds)
	if per <= 0 {
		rounds, per = 1, cfg.Duration
	}
	var bares, reals []*Result
	for i := range rounds {
		rc := cfg
		rc.Duration = per
		if i == rounds-1 {
			rc.Duration = cfg.Duration - per*time.Duration(rounds-1)
		}
		if i > 0 {
			rc.Warmup = min(cfg.Warmup, 250*time.Millisecond)
		}
		bc := rc
		bc.BaseURL, bc.KeepIDs = b.URL, false
		r, err := Run(ctx, bc, s)
		if err != nil {
			return nil, nil, err
		}
		bares = append(bares, r)
		if r, err = Run(ctx, rc, s); err != nil {
			return nil, nil, err
		}
		reals = append(reals, r)
		if ctx.Err() != nil {
			break
		}
	}
	bare, real = Merge(bares...), Merge(reals...)
	bare.URL = "the bare handler at " + b.URL + "/s/" + cfg.Survey
	return bare, real, nil
}

// Merge adds up the results of several runs of the same load.
func Merge(rs ...*Result) *Result {
	if len(rs) == 1 {
		return rs[0]
	}
	out := &Result{Statuses: map[int]int{}, Errors: map[string]int{}}
	n := 0
	for _, r := range rs {
		n += len(r.Latencies)
	}
	out.Latencies = make([]time.Duration, 0, n)
	for _, r := range rs {
		out.Mode, out.URL, out.Connections = r.Mode, r.URL, r.Connections
		out.Duration += r.Duration
		out.Requests += r.Requests
		out.Latencies = append(out.Latencies, r.Latencies...)
		for k, v := range r.Statuses {
			out.Statuses[k] += v
		}
		for k, v := range r.Errors {
			out.Errors[k] += v
		}
		out.OK += r.OK
		out.Acked += r.Acked
		out.IDs = append(out.IDs, r.IDs...)
		out.CPU += r.CPU
		out.Wall += r.Wall
	}
	slices.Sort(out.Latencies)
	return out
}

// Ratio is real's rate of expected answers as a share of bare's.
func Ratio(bare, real *Result) float64 {
	if bare == nil || real == nil || bare.OKRate() == 0 {
		return 0
	}
	return real.OKRate() / bare.OKRate()
}
