package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup/internal/app"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/mail"
)

// cmdDigest sends the communities' email digests: to each member who wants it, what is new in
// their communities since their last digest. Run it from cron (daily or weekly); a second run
// sends only what is new since the first.
func cmdDigest(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "digest", "digest --base-url https://… [--smtp smtp://…] [--database …]")
	dsn := f.database()
	base := f.String("base-url", "", "the public address of the site, for the links in the emails, e.g. https://joinedup.example.gov.au")
	smtp := f.String("smtp", "", "mail server, smtp://user:pass@host:587 (empty: write the emails to the log)")
	from := f.String("mail-from", "Joined Up <no-reply@localhost>", "sender of the emails")
	level := f.String("log-level", "info", "debug, info, warn or error")
	if err := f.parse(args); err != nil {
		return err
	}
	if *base == "" {
		return errors.New("--base-url is needed: the digest's links point to the site")
	}
	log := logger(e.stderr, *level)
	var sender mail.Sender = mail.NewLog(log)
	if *smtp != "" {
		s, err := mail.NewSMTP(*smtp, *from)
		if err != nil {
			return fmt.Errorf("mail (--smtp, --mail-from): %w", err)
		}
		sender = s
	} else {
		fmt.Fprintln(e.stdout, "No mail server (--smtp): the digests are written to the log instead of being sent.")
	}
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	s := learning.NewService(d, directory.NewService(d))
	s.Mail = sender
	s.BaseURL = func() string { return *base }
	res, err := s.SendDigests(authz.With(ctx, authz.System), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Digest: %s.\n", res)
	if res.Failed > 0 {
		return fmt.Errorf("%d digest%s could not be sent: they are tried again on the next run", res.Failed, map[bool]string{true: "", false: "s"}[res.Failed == 1])
	}
	return nil
}
