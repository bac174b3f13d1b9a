package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/loadtest"
)

func cmdLoadtest(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "loadtest", "loadtest --url URL --survey CODE [--duration 10s] [--connections 64] [--baseline] [--form | --page] [--ids FILE]")
	base := f.String("url", "http://127.0.0.1:8080", "the server to load")
	survey := f.String("survey", "", "the public code of an open survey (the CODE of /s/CODE)")
	duration := f.duration("duration", 10*time.Second, "how long to measure")
	warmup := f.duration("warmup", time.Second, "a warm-up before measuring, not counted")
	conns := f.Int("connections", 64, "keep-alive connections, each a goroutine sending one request after another")
	baseline := f.Bool("baseline", false, "also run the same load against a bare net/http handler in this process (in alternating rounds) and print the ratio of the two rates")
	form := f.Bool("form", false, "send form-encoded submissions, as the survey page's form does")
	page := f.Bool("page", false, "request the survey page (GET /s/CODE) instead of submitting")
	ids := f.String("ids", "", "write the ids of the acknowledged submissions to this file, one a line")
	timeout := f.duration("timeout", 10*time.Second, "the longest wait for one answer")
	rounds := f.Int("rounds", 5, "with --baseline: alternate between the bare handler and the server this many times, each round a share of the duration, so that both meet the same background load")
	clients := f.Int("clients", 0, "spread the requests over this many client addresses in X-Forwarded-For (for a server run with --trust-proxy, so that its per-client limit is not hit by one load generator); 0: none")
	profile := f.String("cpuprofile", "", "write a CPU profile of the load generator itself to this file")
	if err := f.parse(args); err != nil {
		return err
	}
	mode := loadtest.JSON
	switch {
	case *form && *page:
		return errors.New("choose one of --form and --page")
	case *form:
		mode = loadtest.Form
	case *page:
		mode = loadtest.Page
	}
	if *ids != "" && mode == loadtest.Page {
		return errors.New("--ids is for submissions; --page sends none")
	}
	cfg := loadtest.Config{BaseURL: *base, Survey: *survey, Mode: mode, Duration: *duration, Warmup: *warmup,
		Connections: *conns, Timeout: *timeout, KeepIDs: *ids != "", Clients: *clients, Rounds: *rounds}
	if err := cfg.Check(); err != nil {
		return err
	}
	c := loadtest.NewClient(2, *timeout)
	s, err := loadtest.Prepare(ctx, c, cfg)
	c.CloseIdleConnections()
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Fprintf(e.stdout, "Load test: %s, %d connections, %s warm-up then %s measured", mode.Describe(), *conns, *warmup, *duration)
	if *baseline && *rounds > 1 {
		fmt.Fprintf(e.stdout, ", against the bare handler and the server in %d alternating rounds", *rounds)
	}
	fmt.Fprintln(e.stdout, ".")
	var bare, real *loadtest.Result
	if *baseline {
		bare, real, err = loadtest.Compare(ctx, cfg, s)
	} else {
		real, err = loadtest.Run(ctx, cfg, s)
	}
	if err != nil {
		return err
	}
	if bare != nil {
		loadtest.Report(e.stdout, "Bare handler", bare)
	}
	loadtest.Report(e.stdout, "Server", real)
	if bare != nil {
		r := loadtest.Ratio(bare, real)
		verdict := "met"
		if r < mode.Target() {
			verdict = "NOT met"
		}
		fmt.Fprintf(e.stdout, "ratio %.2f of bare handler (%.1f/s against %.1f/s; target ≥ %.2f: %s)\n",
			r, real.OKRate(), bare.OKRate(), mode.Target(), verdict)
	}
	if *ids != "" {
		if err := writeIDs(*ids, real.IDs); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d acknowledged ids written to %s\n", len(real.IDs), *ids)
	}
	if real.OK == 0 {
		return fmt.Errorf("no request was answered as expected (%s)", summary(real))
	}
	return nil
}

func summary(r *loadtest.Result) string {
	for k, v := range r.Errors {
		return fmt.Sprintf("%d× %s", v, k)
	}
	for k, v := range r.Statuses {
		return fmt.Sprintf("%d× status %d", v, k)
	}
	return "no answers"
}

func writeIDs(path string, ids []int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var buf []byte
	for _, id := range ids {
		buf = strconv.AppendInt(buf[:0], id, 10)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// duration is a flag holding a time.Duration, with its JOINEDUP_* default.
func (f *flags) duration(name string, def time.Duration, usage string) *time.Duration {
	if v := f.env.getenv(envName(name)); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			def = d
		}
	}
	return f.FlagSet.Duration(name, def, usage+" ["+envName(name)+"]")
}

// startCPUProfile writes a CPU profile to path until the returned function is called; an
// empty path does nothing.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
