package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a tiny SMTP server that records the conversation.
type fakeSMTP struct {
	ln       net.Listener
	startTLS *tls.Config // offer STARTTLS with this certificate
	implicit *tls.Config // speak TLS from the start
	silent   bool        // accept and never answer

	mu       sync.Mutex
	commands []string
	from     string
	rcpt     []string
	data     string
	auth     string // decoded AUTH PLAIN credentials
	tlsUsed  bool
	done     chan struct{}
}

func startFake(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln, f.done = ln, make(chan struct{})
	t.Cleanup(func() { ln.Close() })
	go func() {
		defer close(f.done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if f.silent {
			_, _ = io.Copy(io.Discard, conn)
			return
		}
		if f.implicit != nil {
			tc := tls.Server(conn, f.implicit)
			if tc.Handshake() != nil {
				return
			}
			conn = tc
			f.mu.Lock()
			f.tlsUsed = true
			f.mu.Unlock()
		}
		f.serve(conn)
	}()
	return f
}

func (f *fakeSMTP) addr() (host, port string) {
	host, port, _ = net.SplitHostPort(f.ln.Addr().String())
	return host, port
}

func (f *fakeSMTP) serve(conn net.Conn) {
	tp := textproto.NewConn(conn)
	_ = tp.PrintfLine("220 fake.example ESMTP")
	inTLS := f.implicit != nil
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.commands = append(f.commands, line)
		f.mu.Unlock()
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"fake.example", "8BITMIME", "AUTH PLAIN"}
			if f.startTLS != nil && !inTLS {
				lines = append(lines, "STARTTLS")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				_ = tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			_ = tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, f.startTLS)
			if tc.Handshake() != nil {
				return
			}
			conn, inTLS = tc, true
			tp = textproto.NewConn(conn)
			f.mu.Lock()
			f.tlsUsed = true
			f.mu.Unlock()
		case "AUTH":
			_, cred, _ := strings.Cut(arg, " ")
			b, _ := base64.StdEncoding.DecodeString(cred)
			f.mu.Lock()
			f.auth = string(b)
			f.mu.Unlock()
			_ = tp.PrintfLine("235 ok")
		case "MAIL":
			f.mu.Lock()
			f.from = arg
			f.mu.Unlock()
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			f.mu.Lock()
			f.rcpt = append(f.rcpt, arg)
			f.mu.Unlock()
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go on")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			f.mu.Lock()
			f.data = string(b)
			f.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("250 ok")
		}
	}
}

func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func newSender(t *testing.T, f *fakeSMTP, scheme, user string) *SMTP {
	t.Helper()
	host, port := f.addr()
	u := scheme + "://" + host + ":" + port
	if user != "" {
		u = scheme + "://" + user + "@" + host + ":" + port
	}
	s, err := NewSMTP(u, "Joined Up <no-reply@joinedup.example>")
	if err != nil {
		t.Fatal(err)
	}
	s.Timeout = 5 * time.Second
	return s
}

func parsed(t *testing.T, raw string) (map[string]string, string) {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		// textproto's DotReader turns CRLF into LF.
		head, body, ok = strings.Cut(raw, "\n\n")
	}
	if !ok {
		t.Fatalf("no header/body separator in %q", raw)
	}
	h := map[string]string{}
	for _, l := range strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		h[k] = v
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	return h, string(dec)
}

func TestSMTPSend(t *testing.T) {
	f := startFake(t, &fakeSMTP{})
	s := newSender(t, f, "smtp", "")
	text := "Kia ora Ana,\n\nOpen this link: http://localhost:8080/password/reset?token=abc_DEF-123\n\n.\nA line that is exactly a dot, and a long one: " + strings.Repeat("x", 120) + "\n"
	err := s.Send(context.Background(), Message{To: "Ana Tūhoe <ana@example.gov.au>", Subject: "Reset your password – Joined Up", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(f.from, "FROM:<no-reply@joinedup.example>") {
		t.Errorf("MAIL %q", f.from)
	}
	if len(f.rcpt) != 1 || f.rcpt[0] != "TO:<ana@example.gov.au>" {
		t.Errorf("RCPT %q", f.rcpt)
	}
	h, body := parsed(t, f.data)
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"} {
		if h[k] == "" {
			t.Errorf("header %s missing in %q", k, f.data)
		}
	}
	if h["Content-Type"] != "text/plain; charset=utf-8" || h["Content-Transfer-Encoding"] != "quoted-printable" || h["MIME-Version"] != "1.0" {
		t.Errorf("content headers: %v", h)
	}
	if !strings.HasPrefix(h["Message-ID"], "<") || !strings.HasSuffix(h["Message-ID"], "@joinedup.example>") {
		t.Errorf("Message-ID %q", h["Message-ID"])
	}
	if _, err := time.Parse(time.RFC1123Z, h["Date"]); err != nil {
		t.Errorf("Date %q: %v", h["Date"], err)
	}
	if strings.Contains(h["Subject"], "–") || !strings.HasPrefix(h["Subject"], "=?utf-8?") {
		t.Errorf("Subject should be RFC 2047 encoded: %q", h["Subject"])
	}
	if strings.Contains(h["To"], "ū") {
		t.Errorf("To should be encoded: %q", h["To"])
	}
	if got := strings.ReplaceAll(body, "\r\n", "\n"); got != text {
		t.Errorf("body:\n%q\nwant\n%q", got, text)
	}
	if f.auth != "" || f.tlsUsed {
		t.Errorf("no auth or TLS expected: %q %v", f.auth, f.tlsUsed)
	}
}

func TestSMTPAuthOnLocalhost(t *testing.T) {
	f := startFake(t, &fakeSMTP{})
	s := newSender(t, f, "smtp", "mailer:s3cret%21")
	if err := s.Send(context.Background(), Message{To: "ana@example.gov.au", Subject: "Hi", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.auth != "\x00mailer\x00s3cret!" {
		t.Errorf("AUTH PLAIN %q", f.auth)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cfg, pool := selfSigned(t)
	f := startFake(t, &fakeSMTP{startTLS: cfg})
	s := newSender(t, f, "smtp", "mailer:pw")
	s.TLS = &tls.Config{RootCAs: pool}
	if err := s.Send(context.Background(), Message{To: "ana@example.gov.au", Subject: "Hi", Text: "over TLS"}); err != nil {
		t.Fatal(err)
	}
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tlsUsed || f.auth != "\x00mailer\x00pw" || !strings.Contains(f.data, "over TLS") {
		t.Errorf("tls %v auth %q data %q", f.tlsUsed, f.auth, f.data)
	}
	// The STARTTLS came before AUTH.
	i := slices.Index(f.commands, "STARTTLS")
	j := slices.IndexFunc(f.commands, func(c string) bool { return strings.HasPrefix(c, "AUTH") })
	if i < 0 || j < i {
		t.Errorf("commands %q", f.commands)
	}
}

func TestSMTPStartTLSUntrusted(t *testing.T) {
	cfg, _ := selfSigned(t)
	f := startFake(t, &fakeSMTP{startTLS: cfg})
	s := newSender(t, f, "smtp", "")
	if err := s.Send(context.Background(), Message{To: "ana@example.gov.au", Subject: "Hi", Text: "x"}); err == nil {
		t.Fatal("an untrusted certificate must fail")
	}
}

func TestSMTPS(t *testing.T) {
	cfg, pool := selfSigned(t)
	f := startFake(t, &fakeSMTP{implicit: cfg})
	s := newSender(t, f, "smtps", "mailer:pw")
	s.TLS = &tls.Config{RootCAs: pool}
	if !s.ImplicitTLS {
		t.Fatal("smtps:// means implicit TLS")
	}
	if err := s.Send(context.Background(), Message{To: "ana@example.gov.au", Subject: "Hi", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tlsUsed || f.auth == "" {
		t.Errorf("tls %v auth %q", f.tlsUsed, f.auth)
	}
}

func TestSMTPTimeout(t *testing.T) {
	f := startFake(t, &fakeSMTP{silent: true})
	s := newSender(t, f, "smtp", "")
	s.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := s.Send(context.Background(), Message{To: "ana@example.gov.au", Subject: "Hi", Text: "x"})
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	f := startFake(t, &fakeSMTP{})
	s := newSender(t, f, "smtp", "")
	for _, m := range []Message{
		{To: "ana@example.gov.au\r\nBcc: all@example.gov.au", Subject: "Hi"},
		{To: "ana@example.gov.au", Subject: "Hi\r\nBcc: all@example.gov.au"},
		{To: "ana@example.gov.au", Subject: "Hi\nX-Evil: 1"},
	} {
		if err := s.Send(context.Background(), m); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: want ErrBadHeader, got %v", m, err)
		}
		if err := NewLog(slog.New(slog.DiscardHandler)).Send(context.Background(), m); !errors.Is(err, ErrBadHeader) {
			t.Errorf("log sender %q: want ErrBadHeader, got %v", m, err)
		}
	}
	if err := s.Send(context.Background(), Message{To: "not an address", Subject: "Hi"}); err == nil {
		t.Error("a malformed recipient must be refused")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.commands) != 0 {
		t.Errorf("nothing should have been sent: %q", f.commands)
	}
}

func TestNewSMTP(t *testing.T) {
	s, err := NewSMTP("smtp://u:p@mail.example.gov.au", "no-reply@example.gov.au")
	if err != nil || s.Port != "587" || s.Host != "mail.example.gov.au" || s.Username != "u" || s.Password != "p" || s.ImplicitTLS {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = NewSMTP("smtps://mail.example.gov.au", "no-reply@example.gov.au")
	if err != nil || s.Port != "465" || !s.ImplicitTLS {
		t.Fatalf("%+v %v", s, err)
	}
	for _, bad := range []string{"http://mail.example", "smtp://", "::"} {
		if _, err := NewSMTP(bad, "no-reply@example.gov.au"); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if _, err := NewSMTP("smtp://u:secret@mail.example", ""); err == nil {
		t.Error("an empty sender must be refused")
	}
	if _, err := NewSMTP("smtp://u:secret@mail.example", "a@b.c\r\nBcc: x@y.z"); err == nil {
		t.Error("a sender with a line break must be refused")
	}
	_, err = NewSMTP("ftp://u:secret@mail.example", "a@b.c")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("the password must not appear in errors: %v", err)
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	l := NewLog(slog.New(slog.NewTextHandler(&buf, nil)))
	if err := l.Send(context.Background(), Message{To: "ana@example.gov.au", Subject: "Reset", Text: "http://x/password/reset?token=T0K"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"level=INFO", "ana@example.gov.au", "Reset", "token=T0K"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
}
