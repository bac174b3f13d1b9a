package commitments

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// pageRoutes registers the HTML pages and feeds. Public pages show the public only what is
// published (the service answers "not found" for a draft plan and its commitments); every
// signed-in route checks the object in its handler and again in the service.
func (h *Web) pageRoutes(rt *web.Router) {
	rt.Page("GET", "/plans", web.Public, h.planIndex)
	rt.Page("GET", "/plans/new", web.SignedIn, h.planNew)
	rt.Page("POST", "/plans", web.SignedIn, h.planCreate)
	rt.Page("GET", "/plans/{id}", web.Public, h.planShow)
	rt.Page("GET", "/plans/{id}/feed.atom", web.Public, h.planFeed)
	rt.Page("GET", "/plans/{id}/edit", web.SignedIn, h.planEdit)
	rt.Page("POST", "/plans/{id}", web.SignedIn, h.planUpdate)
	rt.Page("GET", "/plans/{id}/commitments/new", web.SignedIn, h.commitmentNew)
	rt.Page("POST", "/plans/{id}/commitments", web.SignedIn, h.commitmentCreate)

	rt.Page("GET", "/commitments/{ref}", web.Public, h.commitmentShow)
	rt.Page("GET", "/commitments/{ref}/feed.atom", web.Public, h.commitmentFeed)
	rt.Page("GET", "/commitments/{ref}/edit", web.SignedIn, h.commitmentEdit)
	rt.Page("POST", "/commitments/{ref}", web.SignedIn, h.commitmentUpdate)
	rt.Page("GET", "/commitments/{ref}/milestones/new", web.SignedIn, h.milestoneNew)
	rt.Page("POST", "/commitments/{ref}/milestones", web.SignedIn, h.milestoneCreate)
	rt.Page("GET", "/commitments/{ref}/milestones/{id}/edit", web.SignedIn, h.milestoneEdit)
	rt.Page("POST", "/commitments/{ref}/milestones/{id}", web.SignedIn, h.milestoneUpdate)
	rt.Page("POST", "/commitments/{ref}/updates", web.SignedIn, h.updateCreate)
	rt.Page("POST", "/commitments/{ref}/progress", web.SignedIn, h.progressOverride)
	rt.Page("GET", "/commitments/{ref}/assess", web.SignedIn, h.assessNew)
	rt.Page("POST", "/commitments/{ref}/assessments", web.SignedIn, h.assessCreate)
}

// idStr is an ID for a form value or URL, "" for 0.
func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func idStrings(ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, n := range ids {
		out = append(out, idStr(n))
	}
	return out
}

func refIDs(rs []Ref) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// formID reads an optional ID; a malformed one is -1, which the service refuses as "not in
// the list" on the field.
func formID(f *web.Form, name string) int64 {
	s := f.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// formIDs reads a multiple choice of IDs, malformed ones as -1.
func formIDs(f *web.Form, name string) []int64 {
	var out []int64
	for _, s := range f.All(name) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			n = -1
		}
		out = append(out, n)
	}
	return out
}

// queryID reads an optional ID from a query string: 0 when absent or malformed.
func queryID(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// formReader reads typed values from a form, collecting a message per field it cannot read
// (a date that is not a date, a number that is not a number).
type formReader struct {
	f    *web.Form
	errs valid.Errors
}

func (fr *formReader) add(field, msg string) {
	if fr.errs == nil {
		fr.errs = valid.Errors{}
	}
	if _, ok := fr.errs[field]; !ok {
		fr.errs[field] = msg
	}
}

func (fr *formReader) date(name string) Date {
	var c valid.Checker
	t := c.ParseDate(name, fr.f.Get(name))
	if ve, ok := valid.As(c.Err()); ok {
		fr.add(name, ve[name])
		return Date{}
	}
	return Date{t}
}

// int reads a whole number; blank is 0 (or nil with optInt).
func (fr *formReader) int(name, msg string) int {
	p := fr.optInt(name, msg)
	if p == nil {
		return 0
	}
	return *p
}

func (fr *formReader) optInt(name, msg string) *int {
	s := fr.f.Get(name)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		fr.add(name, msg)
		return nil
	}
	return &n
}

func (fr *formReader) optFloat(name, msg string) *float64 {
	s := strings.ReplaceAll(fr.f.Get(name), ",", ".")
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fr.add(name, msg)
		return nil
	}
	return &v
}

// lines reads a textarea of one entry per line.
func (fr *formReader) lines(name string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(fr.f.Get(name), "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// values reads OGP values from checkboxes named name.
func (fr *formReader) values(name string) Values {
	return Values{AccessInfo: fr.f.Has(name, "access_info"), CivicParticipation: fr.f.Has(name, "civic_participation"),
		Accountability: fr.f.Has(name, "accountability"), Technology: fr.f.Has(name, "technology")}
}

// result combines what could not be read with the input's own validation, so that a person
// sees every message at once; nil when the form could be read (the service validates then).
func (fr *formReader) result(validate func() error) error {
	if len(fr.errs) == 0 {
		return nil
	}
	all := valid.Errors{}
	if ve, ok := valid.As(validate()); ok {
		for k, v := range ve {
			all[k] = v
		}
	}
	for k, v := range fr.errs {
		all[k] = v
	}
	return all
}

// valueStrings is the form representation of OGP values.
func valueStrings(v Values) []string {
	var out []string
	for i, on := range []bool{v.AccessInfo, v.CivicParticipation, v.Accountability, v.Technology} {
		if on {
			out = append(out, OGPValues[i].Value)
		}
	}
	return out
}

// redirectInfo redirects with an "info" flash (a warning about what was saved).
func redirectInfo(w http.ResponseWriter, r *http.Request, to, msg string) error {
	web.SetFlash(w, r, web.Flash{Kind: "info", Message: msg})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
