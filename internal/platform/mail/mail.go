// Package mail sends the few emails Joined Up writes (password reset links): through an SMTP
// server when one is configured, otherwise to the log, which is the development default.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"time"
)

// Message is a plain-text email to one person.
type Message struct {
	To      string // an address, optionally with a name: "Ana Smith <ana@example.gov.au>"
	Subject string
	Text    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrBadHeader is returned for a recipient or subject that could smuggle extra headers.
var ErrBadHeader = errors.New("mail: line break in a header value")

// check refuses line breaks in header values and parses the recipient.
func check(m Message) (*netmail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return nil, ErrBadHeader
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	if strings.ContainsAny(to.Address, "\r\n<>") {
		return nil, ErrBadHeader
	}
	return to, nil
}

// Log writes messages to a logger at INFO instead of sending them.
type Log struct{ Logger *slog.Logger }

// NewLog returns a sender that logs (to slog.Default when l is nil).
func NewLog(l *slog.Logger) *Log { return &Log{Logger: l} }

// Send logs the message, body included.
func (l *Log) Send(ctx context.Context, m Message) error {
	if _, err := check(m); err != nil {
		return err
	}
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.InfoContext(ctx, "mail not sent (no mail server configured): here it is", "to", m.To, "subject", m.Subject, "body", m.Text)
	return nil
}

// SMTP sends through a mail server.
type SMTP struct {
	Host     string
	Port     string
	Username string
	Password string
	// ImplicitTLS is set by smtps://: TLS from the first byte. Otherwise STARTTLS is used
	// whenever the server offers it.
	ImplicitTLS bool
	From        *netmail.Address
	// Timeout bounds one delivery, from connecting to QUIT.
	Timeout time.Duration
	// TLS is the TLS configuration; nil verifies the server's certificate against the
	// system roots for Host.
	TLS *tls.Config
	// HelloName is the name given in EHLO ("localhost" when empty).
	HelloName string
}

// NewSMTP configures a sender from smtp://user:pass@host:port (STARTTLS when offered; port 587
// by default) or smtps://user:pass@host:port (implicit TLS; port 465 by default), sending from
// the address from ("Name <address>").
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail server address: %w", err)
	}
	s := &SMTP{Timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		s.Port = "587"
	case "smtps":
		s.Port, s.ImplicitTLS = "465", true
	default:
		return nil, fmt.Errorf("mail server address %q: use smtp://user:pass@host:port or smtps://…", redact(u))
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return nil, fmt.Errorf("mail server address %q has no host", redact(u))
	}
	if p := u.Port(); p != "" {
		s.Port = p
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if from == "" {
		return nil, errors.New("a sender address (--mail-from) is needed to send mail")
	}
	if strings.ContainsAny(from, "\r\n") {
		return nil, ErrBadHeader
	}
	if s.From, err = netmail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("sender address %q: %w", from, err)
	}
	return s, nil
}

func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}

// Send delivers m, giving up after Timeout or when ctx ends.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := check(m)
	if err != nil {
		return err
	}
	body, err := s.compose(to, m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(s.Host, s.Port)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// Ending ctx interrupts a conversation that is waiting on the server.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := s.deliver(conn, to, body); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mail: %s: %w (%v)", addr, ctx.Err(), err)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("mail: %s: no answer within %v: %w", addr, timeout, err)
		}
		return fmt.Errorf("mail: %s: %w", addr, err)
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLS != nil {
		c := s.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = s.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

func (s *SMTP) deliver(conn net.Conn, to *netmail.Address, body []byte) error {
	if s.ImplicitTLS {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	hello := s.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return err
	}
	if !s.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer authentication (AUTH) but a user name is configured")
		}
		// PlainAuth refuses to send the password unless the connection is encrypted (or to
		// localhost).
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
	}
	if err := c.Mail(s.From.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose writes the headers and the quoted-printable body, lines ending in CRLF.
func (s *SMTP) compose(to *netmail.Address, m Message) ([]byte, error) {
	var b bytes.Buffer
	domain := "localhost"
	if i := strings.LastIndexByte(s.From.Address, '@'); i >= 0 {
		domain = s.From.Address[i+1:]
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", s.From.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", time.Now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
