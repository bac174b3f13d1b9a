package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Form holds a form's values (as typed, or loaded from a record) and its field errors.
type Form struct {
	Values url.Values
	Errors valid.Errors
}

// NewForm takes the submitted values of r (after ParseForm).
func NewForm(r *http.Request) *Form {
	_ = r.ParseForm()
	return &Form{Values: r.PostForm}
}

// FormOf makes a form from values, for an edit page.
func FormOf(values map[string]string) *Form {
	v := url.Values{}
	for k, s := range values {
		if s != "" {
			v.Set(k, s)
		}
	}
	return &Form{Values: v}
}

// Get returns the trimmed value of name.
func (f *Form) Get(name string) string {
	if f == nil {
		return ""
	}
	return strings.TrimSpace(f.Values.Get(name))
}

// All returns every value of name, trimmed, without empty ones.
func (f *Form) All(name string) []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, v := range f.Values[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Has reports whether value is among the values of name.
func (f *Form) Has(name, value string) bool {
	for _, v := range f.All(name) {
		if v == value {
			return true
		}
	}
	return false
}

// Bool reads a checkbox.
func (f *Form) Bool(name string) bool {
	v := f.Get(name)
	return v == "on" || v == "true" || v == "1" || v == "yes"
}

// Error returns the message for name.
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// HasErrors reports whether the form has any error.
func (f *Form) HasErrors() bool { return f != nil && len(f.Errors) > 0 }

// ErrorList returns the errors in a stable order for the summary at the top of the form.
func (f *Form) ErrorList() []FieldError {
	if f == nil {
		return nil
	}
	var out []FieldError
	for _, k := range sortedErrKeys(f.Errors) {
		out = append(out, FieldError{Field: k, Message: f.Errors[k]})
	}
	return out
}

// FieldError is one entry of the error summary.
type FieldError struct{ Field, Message string }

func sortedErrKeys(e valid.Errors) []string { return slices.Sorted(maps.Keys(e)) }

// DateString formats an optional date for a date input.
func DateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
