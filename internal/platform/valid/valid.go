// Package valid carries field-level validation errors from services to the web layer (shown
// next to each field) and the API (problem+json "errors").
package valid

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors maps a field name to its message. The empty name "" holds a message about the whole
// input. An Errors value with entries is an error.
type Errors map[string]string

func (e Errors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if k == "" {
			parts = append(parts, e[k])
		} else {
			parts = append(parts, k+": "+e[k])
		}
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// As returns the field errors carried by err, if any.
func As(err error) (Errors, bool) {
	var e Errors
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Checker collects the first message per field.
type Checker struct{ errs Errors }

// Add records msg for field unless the field already has a message.
func (c *Checker) Add(field, msg string) {
	if c.errs == nil {
		c.errs = Errors{}
	}
	if _, ok := c.errs[field]; !ok {
		c.errs[field] = msg
	}
}

// Addf is Add with formatting.
func (c *Checker) Addf(field, format string, args ...any) { c.Add(field, fmt.Sprintf(format, args...)) }

// Check adds msg when ok is false.
func (c *Checker) Check(ok bool, field, msg string) {
	if !ok {
		c.Add(field, msg)
	}
}

// Has reports whether field already has a message.
func (c *Checker) Has(field string) bool { _, ok := c.errs[field]; return ok }

// Err returns the collected errors, or nil.
func (c *Checker) Err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// Required checks that s is not blank.
func (c *Checker) Required(field, s, label string) {
	if strings.TrimSpace(s) == "" {
		c.Add(field, "Enter "+label+".")
	}
}

// MaxLen checks that s has at most n characters.
func (c *Checker) MaxLen(field, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		c.Addf(field, "Use %d characters or fewer (this has %d).", n, utf8.RuneCountInString(s))
	}
}

// Text checks a required single-line text of at most n characters.
func (c *Checker) Text(field, s, label string, n int) {
	c.Required(field, s, label)
	c.MaxLen(field, s, n)
	if strings.ContainsAny(s, "\r\n") {
		c.Add(field, "Use a single line.")
	}
	if !utf8.ValidString(s) {
		c.Add(field, "Use valid text (UTF-8).")
	}
}

// OneOf checks that s is one of allowed.
func (c *Checker) OneOf(field, s string, allowed []string, label string) {
	if !slices.Contains(allowed, s) {
		c.Addf(field, "Choose %s from the list.", label)
	}
}

// Email checks an email address.
func (c *Checker) Email(field, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		c.Add(field, "Enter an email address.")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		c.Add(field, "Enter an email address like name@example.gov.au.")
	}
	c.MaxLen(field, s, 254)
}

// URL checks an optional http(s) address.
func (c *Checker) URL(field, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Add(field, "Enter a web address starting with https:// or http://.")
	}
	c.MaxLen(field, s, 2000)
}

// Period checks that end is not before start when both are set.
func (c *Checker) Period(startField string, start time.Time, endField string, end time.Time) {
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		c.Addf(endField, "The end (%s) is before the start (%s): enter an end on or after the start.",
			end.Format("2 January 2006"), start.Format("2 January 2006"))
	}
}

var dateShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ParseDate parses an optional YYYY-MM-DD date, adding a message on failure.
func (c *Checker) ParseDate(field, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if dateShape.MatchString(s) {
			c.Addf(field, "There is no date %s: check the day and the month.", s)
		} else {
			c.Add(field, "Enter a date as YYYY-MM-DD, for example 2018-09-01.")
		}
		return time.Time{}
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		c.Add(field, "Enter a year between 1900 and 2200.")
	}
	return t
}

// Truncate cuts s to at most n bytes at a character boundary, replacing invalid UTF-8, so
// that what is stored is always valid text (PostgreSQL refuses anything else).
func Truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
