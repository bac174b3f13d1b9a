package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/app"
	"github.com/joinedup/joinedup/internal/migrations"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/satisfaction"
)

func cmdServe(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "serve", "serve [--addr 127.0.0.1:8080] [--database sqlite:joinedup.db] [--demo [--responses N]]")
	addr := f.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := f.database()
	demo := f.Bool("demo", false, "load the demo data into an empty database before serving")
	responses := f.Int("responses", 0, "with --demo: add this many generated responses to the demo survey")
	base := f.String("base-url", "", "the public address of the site, e.g. https://joinedup.example.gov.au (default: http://ADDR)")
	proxy := f.Bool("trust-proxy", false, "take client addresses from X-Forwarded-For (only behind your own load balancer)")
	tls := f.Bool("tls", false, "the site is served over HTTPS by the load balancer: Secure cookies and HSTS")
	smtp := f.String("smtp", "", "mail server for password resets, smtp://user:pass@host:587 (empty: write mail to the log)")
	from := f.String("mail-from", "Joined Up <no-reply@localhost>", "sender of the emails")
	issuer := f.String("oidc-issuer", "", "OpenID Connect issuer URL for agency single sign-on (empty: off)")
	clientID := f.String("oidc-client-id", "", "OpenID Connect client ID")
	secret := f.String("oidc-client-secret", "", "OpenID Connect client secret")
	label := f.String("oidc-label", "your agency account", "the name on the single sign-on button")
	level := f.String("log-level", "info", "debug, info, warn or error")
	submitLimit := f.Float64("submit-limit", 30, "survey responses one client address may submit per minute (0: no limit, e.g. behind a kiosk network or for load tests)")
	cpuprofile := f.String("cpuprofile", "", "write a CPU profile of the server to this file until it stops (for performance work)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *submitLimit <= 0 {
		*submitLimit = -1 // the flag's 0 means no limit; the config's 0 means the default
	}
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	log := logger(e.stderr, *level)
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if *demo {
		if err := loadDemo(ctx, e, d, false, *responses); err != nil {
			return err
		}
	}
	cfg := app.Config{Addr: *addr, Database: *dsn, BaseURL: *base, TrustProxy: *proxy, TLS: *tls, SMTP: *smtp, MailFrom: *from, SubmitLimit: *submitLimit}
	cfg.OIDC.Issuer, cfg.OIDC.ClientID, cfg.OIDC.ClientSecret, cfg.OIDC.Label = *issuer, *clientID, *secret, *label
	a, err := app.New(ctx, cfg, d, log)
	if err != nil {
		return err
	}
	return a.Serve(ctx, func(addr string) {
		if a.Cfg.BaseURL == "" {
			a.Cfg.BaseURL = "http://" + addr
		}
		fmt.Fprintf(e.stdout, "Joined Up is serving at http://%s (database %s). Stop it with Ctrl-C.\n", addr, d.Dialect())
		log.Info("serving", "addr", addr, "database", string(d.Dialect()))
	})
}

func cmdMigrate(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "migrate", "migrate [up|status] [--database …]")
	dsn := f.database()
	sub := "up"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	if err := f.parse(args); err != nil {
		return err
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	switch sub {
	case "up":
		res, err := d.Migrate(ctx, migrations.FS)
		if err != nil {
			return err
		}
		for _, r := range res {
			fmt.Fprintf(e.stdout, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
		}
		if len(res) == 0 {
			fmt.Fprintln(e.stdout, "the database is up to date")
		}
	case "status":
		st, err := d.MigrationStatus(ctx, migrations.FS)
		if err != nil {
			return err
		}
		for _, s := range st {
			when := "pending"
			if !s.AppliedAt.IsZero() {
				when = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(e.stdout, "%-40s %s\n", s.Source.Path, when)
		}
	default:
		return fmt.Errorf("unknown migrate command %q: use up or status", sub)
	}
	return nil
}

func cmdDemo(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "demo", "demo [--database …] [--responses N]")
	dsn := f.database()
	responses := f.Int("responses", 0, "add this many generated responses to the demo survey, e.g. 1000000 for a load test")
	if err := f.parse(args); err != nil {
		return err
	}
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	return loadDemo(ctx, e, d, true, *responses)
}

// loadDemo loads the demo data, then adds responses generated responses to the demo survey;
// when strict, a database that already holds data is an error, otherwise it is left alone.
func loadDemo(ctx context.Context, e *cmdEnv, d *db.DB, strict bool, responses int) error {
	if responses < 0 {
		return errors.New("--responses must not be negative")
	}
	start := time.Now()
	res, err := app.LoadDemo(authz.With(ctx, authz.System), d)
	if errors.Is(err, app.ErrNotEmpty) {
		if strict {
			return errors.New("the database already holds data: the demo loads only into an empty database")
		}
		fmt.Fprintln(e.stdout, "The database already holds data: the demo data was not loaded, and the demo administrator's password is the one printed the first time.")
		if p := d.Path(); p != "" {
			fmt.Fprintf(e.stdout, "To start afresh, stop the server and delete %s (with its -wal and -shm files); or make yourself an account with: joinedup user create --database sqlite:%s --admin --email … --name …\n", p, p)
		}
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Demo data loaded: %s.\n", res.Summary)
	if responses > 0 {
		gen := time.Now()
		n, err := satisfaction.AddDemoResponses(ctx, d, responses, nil)
		if err != nil {
			return fmt.Errorf("after %d responses: %w", n, err)
		}
		took := time.Since(gen)
		fmt.Fprintf(e.stdout, "Added %d generated responses to the demo survey in %s (%.0f a second); the whole demo took %s.\n",
			n, took.Round(time.Millisecond), float64(n)/took.Seconds(), time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(e.stdout, "Sign in as the demo administrator:\n  email:    %s\n  password: %s\n(The password is shown only now.)\n", res.AdminEmail, res.AdminPassword)
	return nil
}

func cmdUser(ctx context.Context, e *cmdEnv, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprintln(e.stdout, "Usage: joinedup user create --email E --name N [--admin] [--password-file F]")
			return nil
		}
		return errors.New("use: joinedup user create --email E --name N [--admin] [--password-file F]")
	}
	f := newFlags(e, "user create", "user create --email E --name N [--admin] [--password-file F] [--database …]")
	email := f.String("email", "", "the person's email address (their sign-in name)")
	name := f.String("name", "", "the person's name")
	admin := f.Bool("admin", false, "make a site administrator")
	pwFile := f.String("password-file", "", "read the password from this file (first line); without it a password is generated and printed")
	dsn := f.database()
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	password := ""
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return err
		}
		password = strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
	}
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	u, generated, err := app.CreateUser(authz.With(ctx, authz.System), d, *email, *name, password, *admin)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created %s <%s> (id %d%s).\n", u.Name, u.Email, u.ID, map[bool]string{true: ", site administrator"}[u.IsAdmin])
	if generated != "" {
		fmt.Fprintf(e.stdout, "Password (shown only now): %s\n", generated)
	}
	return nil
}

func cmdToken(ctx context.Context, e *cmdEnv, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprintln(e.stdout, "Usage: joinedup token create --email E [--name N]")
			return nil
		}
		return errors.New("use: joinedup token create --email E [--name N]")
	}
	f := newFlags(e, "token create", "token create --email E [--name N] [--database …]")
	email := f.String("email", "", "the account the token acts as")
	name := f.String("name", "command line", "what the token is for")
	dsn := f.database()
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	tok, err := app.CreateToken(authz.With(ctx, authz.System), d, *email, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	return nil
}

func cmdBackup(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "backup", "backup --out FILE [--database …]")
	out := f.String("out", "", "where to write the snapshot (must not exist)")
	dsn := f.database()
	if err := f.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("say where to write the backup with --out FILE")
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Backup written to %s.\n", *out)
	return nil
}
