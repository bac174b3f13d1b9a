package engagement

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func FuzzNormalizeStatement(f *testing.F) {
	for _, s := range []string{"", " a  b ", "Buses\r\nlate", "\xff\xfe", "zero\u200bwidth", "\u00a0\u2028x\u2029", "🚌 ok", strings.Repeat("é ", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeStatement(s)
		if !utf8.ValidString(n) {
			t.Fatalf("invalid UTF-8 %q from %q", n, s)
		}
		if NormalizeStatement(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, NormalizeStatement(n))
		}
		if strings.TrimSpace(n) != n || strings.Contains(n, "  ") {
			t.Fatalf("spaces left in %q", n)
		}
		for _, r := range n {
			if !unicode.IsPrint(r) && r != ' ' {
				t.Fatalf("rune %U left in %q", r, n)
			}
		}
		if utf8.RuneCountInString(n) > utf8.RuneCountInString(s) {
			t.Fatalf("%q grew into %q", s, n)
		}
		if err := checkStatement(n); (err == nil) != (n != "" && utf8.RuneCountInString(n) <= MaxStatement) {
			t.Fatalf("check of %q: %v", n, err)
		}
	})
}

func FuzzParseVote(f *testing.F) {
	for _, s := range []string{`{"statement": 12, "vote": "agree"}`, `{"statement":"12","vote":"pass"}`, `{"statement": -1, "vote": "agree"}`,
		`{"statement": 1e3, "vote": "disagree"}`, `{"vote": null}`, `{}`, `[]`, `null`, `{"statement": 1, "vote": "agree"} x`, `{"x":1}`,
		`{"statement": 99999999999999999999, "vote": "agree"}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sid, vote, err := ParseVote(b)
		if err == nil {
			if sid <= 0 {
				t.Fatalf("statement %d accepted from %q", sid, b)
			}
			if _, ok := VoteNames[vote]; !ok {
				t.Fatalf("vote %d accepted from %q", vote, b)
			}
			return
		}
		var bad *api.BadRequest
		if _, ok := valid.As(err); !ok && !errors.As(err, &bad) {
			t.Fatalf("error of an unexpected kind %T %v from %q", err, err, b)
		}
	})
}

func TestParseVote(t *testing.T) {
	for _, c := range []struct {
		body  string
		sid   int64
		vote  int
		field string // "" for a 400
		ok    bool
	}{
		{`{"statement": 12, "vote": "agree"}`, 12, VoteAgree, "", true},
		{` {"vote":"disagree","statement":3} `, 3, VoteDisagree, "", true},
		{`{"statement": "7", "vote": "pass"}`, 7, VotePass, "", true},
		{`{"statement": 0, "vote": "pass"}`, 0, 0, "statement", false},
		{`{"statement": 1.5, "vote": "pass"}`, 0, 0, "statement", false},
		{`{"statement": 1, "vote": "Agree"}`, 0, 0, "vote", false},
		{`{"statement": 1, "vote": 1}`, 0, 0, "vote", false},
		{`{"statement": 1}`, 0, 0, "vote", false},
		{`{"statement": 1, "vote": "agree", "participant": "x"}`, 0, 0, "", false},
		{`{"statement": 1, "vote": "agree"}{}`, 0, 0, "", false},
		{`not json`, 0, 0, "", false},
	} {
		sid, vote, err := ParseVote([]byte(c.body))
		switch {
		case c.ok && (err != nil || sid != c.sid || vote != c.vote):
			t.Errorf("%s: %d %d %v", c.body, sid, vote, err)
		case !c.ok && c.field != "":
			wantField(t, c.body, err, c.field)
		case !c.ok:
			var bad *api.BadRequest
			if !errors.As(err, &bad) {
				t.Errorf("%s: %v, want a 400", c.body, err)
			}
		}
	}
}
