package valid

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// msg runs check on a fresh Checker and returns the message for field ("" when none).
func msg(field string, check func(c *Checker)) string {
	var c Checker
	check(&c)
	if err := c.Err(); err != nil {
		e, _ := As(err)
		return e[field]
	}
	return ""
}

func TestEmail(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"ana@example.gov.au", true},
		{"  ana.tui+survey@example.org.nz ", true},
		{"a@b.co", true},
		{"", false},
		{"   ", false},
		{"ana", false},
		{"ana@", false},
		{"@example.com", false},
		{"ana@localhost", false},
		{"Ana Tui <ana@example.gov.au>", false},
		{"ana@example.com, ben@example.com", false},
		{"ana@exa mple.com", false},
		{"ana@@example.com", false},
		{"ana@example.com\n", true}, // trimmed
		{"ana\n@example.com", false},
		{strings.Repeat("a", 250) + "@example.com", false},
	} {
		got := msg("email", func(ch *Checker) { ch.Email("email", c.in) })
		if (got == "") != c.ok {
			t.Errorf("Email(%q): message %q, want ok=%v", c.in, got, c.ok)
		}
	}
	if got := msg("email", func(c *Checker) { c.Email("email", "") }); got != "Enter an email address." {
		t.Errorf("empty email: %q", got)
	}
	if got := msg("email", func(c *Checker) { c.Email("email", "nope") }); !strings.Contains(got, "like name@example.gov.au") {
		t.Errorf("bad email: %q", got)
	}
}

func TestURL(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"", true}, // optional
		{"https://www.dss.gov.au", true},
		{"http://example.com/a?b=c#d", true},
		{"HTTPS://EXAMPLE.COM", true},
		{"ftp://example.com", false},
		{"javascript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"//example.com", false},
		{"www.example.com", false},
		{"https://", false},
		{"https:///path", false},
		{"https://exa mple.com", false},
		{"http://[::1", false},
		{"https://example.com/" + strings.Repeat("a", 2000), false},
	} {
		got := msg("website", func(ch *Checker) { ch.URL("website", c.in) })
		if (got == "") != c.ok {
			t.Errorf("URL(%q): message %q, want ok=%v", c.in, got, c.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" for the zero time
		ok   bool
	}{
		{"", "", true},
		{"   ", "", true},
		{"2018-09-01", "2018-09-01", true},
		{" 2020-08-31 ", "2020-08-31", true},
		{"2024-02-29", "2024-02-29", true},
		{"2023-02-29", "", false},
		{"2018-9-1", "", false},
		{"01/09/2018", "", false},
		{"1 September 2018", "", false},
		{"2018-09-01T00:00:00Z", "", false},
		{"2018-13-01", "", false},
		{"2018-00-10", "", false},
		{"yesterday", "", false},
		{"1899-12-31", "1899-12-31", false}, // parsed, but out of range
		{"2201-01-01", "2201-01-01", false},
		{"1900-01-01", "1900-01-01", true},
		{"2200-12-31", "2200-12-31", true},
	} {
		var ch Checker
		got := ch.ParseDate("start", c.in)
		if ok := ch.Err() == nil; ok != c.ok {
			t.Errorf("ParseDate(%q): error %v, want ok=%v", c.in, ch.Err(), c.ok)
		}
		s := ""
		if !got.IsZero() {
			s = got.Format(time.DateOnly)
			if got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) in %v, want UTC", c.in, got.Location())
			}
		}
		if s != c.want {
			t.Errorf("ParseDate(%q) = %q, want %q", c.in, s, c.want)
		}
	}
	if got := msg("start", func(c *Checker) { c.ParseDate("start", "1/9/2018") }); !strings.Contains(got, "YYYY-MM-DD") {
		t.Errorf("message: %q", got)
	}
}

func TestPeriod(t *testing.T) {
	d := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct {
		name       string
		start, end time.Time
		ok         bool
	}{
		{"in order", d("2018-09-01"), d("2020-08-31"), true},
		{"one day", d("2020-08-31"), d("2020-08-31"), true},
		{"no start", time.Time{}, d("2020-08-31"), true},
		{"no end", d("2020-08-31"), time.Time{}, true},
		{"neither", time.Time{}, time.Time{}, true},
		{"end before start", d("2020-09-01"), d("2020-08-31"), false},
	} {
		got := msg("end", func(ch *Checker) { ch.Period("start", c.start, "end", c.end) })
		if (got == "") != c.ok {
			t.Errorf("%s: message %q", c.name, got)
		}
	}
	// The seed's "September 2078 – August 2020": the message names both dates, on the end field.
	var ch Checker
	ch.Period("start", d("2078-09-01"), "end", d("2020-08-01"))
	e, _ := As(ch.Err())
	if m := e["end"]; !strings.Contains(m, "1 September 2078") || !strings.Contains(m, "1 August 2020") || e["start"] != "" {
		t.Errorf("period message: %v", e)
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string // part of the message, "" when valid
	}{
		{"Department of Social Services", 200, ""},
		{"Māori Health Authority – Te Aka Whai Ora", 200, ""},
		{strings.Repeat("é", 10), 10, ""}, // characters, not bytes
		{strings.Repeat("é", 11), 10, "Use 10 characters or fewer (this has 11)."},
		{"", 200, "Enter a name."},
		{"  \t ", 200, "Enter a name."},
		{"two\nlines", 200, "Use a single line."},
		{"carriage\rreturn", 200, "Use a single line."},
		{"bad \xff utf-8", 200, "Use valid text (UTF-8)."},
	} {
		got := msg("name", func(ch *Checker) { ch.Text("name", c.in, "a name", c.max) })
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestChecker(t *testing.T) {
	var c Checker
	if c.Err() != nil || c.Has("x") {
		t.Fatal("fresh checker has errors")
	}
	c.Add("x", "first")
	c.Add("x", "second")
	c.Addf("y", "%d items", 3)
	c.Check(true, "z", "never")
	c.Check(false, "", "Whole input.")
	c.OneOf("role", "owner", []string{"viewer", "admin"}, "a role")
	err := c.Err()
	e, ok := As(fmt.Errorf("wrapped: %w", err))
	if !ok || e["x"] != "first" || e["y"] != "3 items" || e["z"] != "" || e[""] != "Whole input." || e["role"] != "Choose a role from the list." {
		t.Fatalf("errors: %v", e)
	}
	if got := err.Error(); got != "invalid input: Whole input.; role: Choose a role from the list.; x: first; y: 3 items" {
		t.Errorf("Error() = %q", got)
	}
	if _, ok := As(errors.New("other")); ok {
		t.Error("As on another error")
	}
	if _, ok := As(nil); ok {
		t.Error("As on nil")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "2018-09-01", " 2020-08-31 ", "2023-02-29", "2018-9-1", "0000-00-00", "9999-12-31", "+2018-09-01",
		"2018-09-01\x00", "２０１８-09-01", "2018-09-01T00:00:00Z", "-001-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c Checker
		got := c.ParseDate("d", s)
		e, _ := As(c.Err())
		if len(e) > 1 {
			t.Fatalf("%d messages", len(e))
		}
		if c.Err() != nil && e["d"] == "" {
			t.Fatal("an error without a message on the field")
		}
		if c.Err() == nil {
			if strings.TrimSpace(s) == "" {
				if !got.IsZero() {
					t.Fatalf("blank %q gave %v", s, got)
				}
				return
			}
			// A date accepted is the date written, in range.
			if got.Format(time.DateOnly) != strings.TrimSpace(s) || got.Year() < 1900 || got.Year() > 2200 {
				t.Fatalf("ParseDate(%q) = %v", s, got)
			}
		}
	})
}

func TestImpossibleDate(t *testing.T) {
	var c Checker
	c.ParseDate("start", "2024-02-30")
	if e, _ := As(c.Err()); !strings.Contains(e["start"], "no date 2024-02-30") {
		t.Errorf("impossible date: %v", c.Err())
	}
}
