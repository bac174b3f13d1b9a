package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/valid"
)

func postForm(body string) *Form {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", formCT)
	return NewForm(r)
}

func TestForm(t *testing.T) {
	f := postForm("name=+Ana+Tui+&tag=a&tag=+&tag=b&agree=on&no=off&yes=1")
	if f.Get("name") != "Ana Tui" || f.Get("missing") != "" {
		t.Errorf("Get: %q", f.Get("name"))
	}
	if got := strings.Join(f.All("tag"), ","); got != "a,b" {
		t.Errorf("All: %q", got)
	}
	if !f.Has("tag", "b") || f.Has("tag", "c") || f.Has("tag", "") {
		t.Error("Has")
	}
	if !f.Bool("agree") || !f.Bool("yes") || f.Bool("no") || f.Bool("missing") {
		t.Error("Bool")
	}
	if f.HasErrors() || f.ErrorList() != nil {
		t.Error("errors on a fresh form")
	}
	f.Errors = valid.Errors{"tag": "Choose one.", "name": "Too long.", "": "Something."}
	if l := f.ErrorList(); len(l) != 3 || l[0].Field != "" || l[1].Field != "name" || l[2].Field != "tag" || f.Error("tag") != "Choose one." {
		t.Errorf("ErrorList: %+v", l)
	}
	// The query string is not the form.
	r := httptest.NewRequest("POST", "/?name=fromquery", strings.NewReader("other=1"))
	r.Header.Set("Content-Type", formCT)
	if got := NewForm(r).Get("name"); got != "" {
		t.Errorf("query read as form: %q", got)
	}
	// A nil form answers like an empty one (templates may get none).
	var nf *Form
	if nf.Get("x") != "" || nf.All("x") != nil || nf.Bool("x") || nf.Has("x", "") || nf.Error("x") != "" || nf.HasErrors() || nf.ErrorList() != nil {
		t.Error("nil form")
	}
	of := FormOf(map[string]string{"name": "Ana", "empty": ""})
	if of.Get("name") != "Ana" || of.Values.Has("empty") {
		t.Errorf("FormOf: %v", of.Values)
	}
	if DateString(time.Time{}) != "" || DateString(time.Date(2020, 8, 1, 0, 0, 0, 0, time.UTC)) != "2020-08-01" {
		t.Error("DateString")
	}
	fd := Field{Form: f, Name: "tag", Hint: "h"}
	if fd.ID() != "f-tag" || fd.DescribedBy() != "f-tag-hint f-tag-error" || !fd.Checked("a") || fd.Value() != "a" {
		t.Errorf("Field: %q %q", fd.ID(), fd.DescribedBy())
	}
}

func FuzzForm(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1&a=2&b=", "name=%zz", "a=%", "=&=&", "a;b=c", "a=+%20+", "%00=%00", "a=\xff\xfe", "a[]=1&a[]=2",
		"agree=on&agree=off", strings.Repeat("x=y&", 1000), "a=" + strings.Repeat("%41", 500),
	} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, body, name string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", formCT)
		form := NewForm(r)
		names := []string{name, "a", ""}
		for k := range form.Values {
			names = append(names, k)
		}
		for _, n := range names {
			v := form.Get(n)
			if v != strings.TrimSpace(v) {
				t.Fatalf("Get(%q) = %q is not trimmed", n, v)
			}
			for _, a := range form.All(n) {
				if a == "" || a != strings.TrimSpace(a) {
					t.Fatalf("All(%q) holds %q", n, a)
				}
				if !form.Has(n, a) {
					t.Fatalf("Has(%q, %q) is false", n, a)
				}
			}
			_ = form.Bool(n)
			_ = form.Error(n)
			fd := Field{Form: form, Name: n}
			_, _, _ = fd.Value(), fd.DescribedBy(), fd.Checked(v)
		}
		form.Errors = valid.Errors{name: "x"}
		if len(form.ErrorList()) != 1 {
			t.Fatal("ErrorList")
		}
	})
}
