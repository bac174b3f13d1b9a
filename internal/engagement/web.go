package engagement

// The HTML side of engagements.
//
// # How participation and the opinion map join the engagement page
//
// The engagement page (GET /engagements/{id}, templates/engagement_show.html) has two slots,
// drawn between what the engagement is about and the staff box:
//
//	{{block "engagement_participate" $}}{{end}}   the submission form, statements and votes
//	{{block "engagement_map" $}}{{end}}           the opinion map
//
// Both are empty until a part defines them: put {{define "engagement_participate"}}…{{end}}
// in a partial of your own (templates/_participate.html; a file starting with "_" is shared by
// every page of the namespace). A definition with content replaces the empty block whatever
// order the files are read in. The slot receives the whole web.Page: .Data is an
// *EngagementPage (.Data.E is the Detail; .Data.Sections.participate is your section's
// data), .Form is the page's form (what was typed and the field errors after a failed POST).
//
// Data for a slot comes from a Section your route function registers:
//
//	func (h *Web) participateRoutes(rt *web.Router) {
//		h.AddSection(Section{Name: "participate", Load: h.participateSection})
//		rt.Page("POST", "/engagements/{id}/submissions", web.Public, h.submit)
//	}
//
// and that route function is listed, one line, in parts() in routes.go. Load runs on every
// view of the page after the visibility check; what it returns is .Data.Sections.<Name>
// (nil leaves the slot's data empty). A POST handler whose input is refused draws the page
// again, with the form and its errors and status 422, through h.ShowEngagement.
//
// Services to use: Svc.Engagement(ctx, key) loads an engagement by ID or slug with the
// visibility check (db.ErrNotFound for a draft the principal may not see); Detail.AcceptingInput(now)
// says whether people may take part today; CanWork/CanManage say who moderates; Svc.TagItem
// tags a statement with a theme; Store.InsertParticipant and Store.InsertSubmission write
// participants and submissions (answers as the JSON of forms.Answers).

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves the pages and API of engagements.
type Web struct {
	Svc    *Service
	Render *web.Renderer

	sections []Section
}

// Section is the data of one slot of the engagement page, registered by the part of the
// capability that draws it.
type Section struct {
	// Name is the key under .Data.Sections ("participate", "map").
	Name string
	// Load returns the section's data for the page being drawn.
	Load func(r *http.Request, pg *EngagementPage) (any, error)
}

// AddSection registers a section of the engagement page (at start-up, from a route function).
func (h *Web) AddSection(s Section) {
	h.sections = slices.DeleteFunc(h.sections, func(x Section) bool { return x.Name == s.Name })
	h.sections = append(h.sections, s)
}

var registerCrumb = web.Crumb{Label: "Engagements", URL: "/engagements"}

func crumbs(d Detail, here string) []web.Crumb {
	if here == "" {
		return []web.Crumb{registerCrumb, {Label: d.Title}}
	}
	return []web.Crumb{registerCrumb, {Label: d.Title, URL: d.URL()}, {Label: here}}
}

// statusAction is a button of the staff box.
type statusAction struct {
	Status string
	Label  string
	Hint   string
}

// EngagementPage is the data of the engagement page.
type EngagementPage struct {
	E   Detail
	Now time.Time
	// What the viewer may do.
	CanEdit, CanManage, CanWork, CanArchive, CanSeeReport bool
	// Publishing checks still failing (drafts, for staff).
	Problems []string
	Actions  []statusAction
	// The report, once published (its summary and link), or for staff the draft's state.
	Report *Report
	Links  directory.LinkSet
	// LinkFrom is the address of the directory's form that adds a link from the engagement
	// ("" for those who may not).
	LinkFrom string
	// Sections holds the data of the slots, by section name.
	Sections map[string]any
}

func (h *Web) engagementPage(r *http.Request, d Detail) (*EngagementPage, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	pg := &EngagementPage{E: d, Now: h.Svc.Now(), CanEdit: CanEdit(p, d.Engagement), CanManage: CanManage(p, d.Engagement),
		CanWork: CanWork(p, d.Engagement), CanArchive: CanArchive(p, d.Engagement), CanSeeReport: CanSeeDraftReport(p, d.Engagement),
		Sections: map[string]any{}}
	if pg.CanManage {
		switch d.Status {
		case StatusDraft:
			pg.Actions = []statusAction{{StatusOpen, "Publish the engagement", "It appears on the public register and, between its dates, people can take part."}}
			for _, k := range sortedKeys(PublishProblems(d.Engagement)) {
				pg.Problems = append(pg.Problems, PublishProblems(d.Engagement)[k])
			}
		case StatusOpen:
			pg.Actions = []statusAction{{StatusClosed, "Close the engagement", "People can no longer take part. You then write and publish the report."}}
		case StatusClosed:
			pg.Actions = []statusAction{{StatusOpen, "Reopen the engagement", "People can take part again until the closing date."}}
		}
	}
	if d.Status == StatusReported || pg.CanSeeReport {
		_, rep, err := h.Svc.Report(ctx, d.Key())
		if err == nil {
			pg.Report = &rep
		} else if !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
	}
	if h.Svc.Dir != nil {
		set, err := h.Svc.Dir.LinksOf(ctx, KindEngagement, d.ID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
		pg.Links = set
		if h.Svc.Dir.CanLinkFrom(ctx, KindEngagement, d.ID) {
			pg.LinkFrom = linkFormURL(KindEngagement, d.ID, d.URL())
		}
	}
	for _, s := range h.sections {
		v, err := s.Load(r, pg)
		if err != nil {
			return nil, err
		}
		pg.Sections[s.Name] = v
	}
	return pg, nil
}

// linkFormURL is the directory's page that adds a link from a record, coming back to back.
func linkFormURL(kind string, id int64, back string) string {
	return "/links/new?from_kind=" + kind + "&from_id=" + strconv.FormatInt(id, 10) + "&back=" + url.QueryEscape(back)
}

// ShowEngagement draws the engagement page with key (ID or slug): with f and err (a refused
// form) it draws it again with what was typed and the field errors, status 422.
func (h *Web) ShowEngagement(w http.ResponseWriter, r *http.Request, key string, f *web.Form, err error) error {
	d, lerr := h.Svc.Engagement(r.Context(), key)
	if lerr != nil {
		return lerr
	}
	pg, perr := h.engagementPage(r, d)
	if perr != nil {
		return perr
	}
	page := web.Page{Title: d.Title, Data: pg, Form: f, Breadcrumbs: crumbs(d, "")}
	if err != nil {
		if _, ok := valid.As(err); !ok {
			return err
		}
		h.Render.Invalid(w, r, "engagement/engagement_show", page, err)
		return nil
	}
	h.Render.OK(w, r, "engagement/engagement_show", page)
	return nil
}

// safeBack keeps a return address on this site.
func safeBack(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) || strings.ContainsAny(s, "\r\n") {
		return ""
	}
	return s
}

// formIDs reads a multiple choice of IDs; a malformed one is -1, which validation refuses.
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

// formID reads an optional ID: 0 when blank, -1 when malformed.
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

func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// options turns references into choices.
func options(refs []Ref) []web.Option {
	out := make([]web.Option, len(refs))
	for i, r := range refs {
		out[i] = web.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name}
	}
	return out
}

// InfluenceOptions are the levels of public influence for a form, each with its promise.
func InfluenceOptions() []web.Option {
	out := make([]web.Option, len(Influence))
	for i, l := range Influence {
		out[i] = web.Option{Value: l.Value, Label: l.Label + ": " + l.Promise}
	}
	return out
}

func setFlash(w http.ResponseWriter, r *http.Request, kind, msg string) {
	web.SetFlash(w, r, web.Flash{Kind: kind, Message: msg})
}
