package learning

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var caseStudiesCrumb = web.Crumb{Label: "Case studies", URL: "/case-studies"}

// caseStudyRevisions describes case studies for the history pages.
func (h *Web) caseStudyRevisions() RevisionKind {
	return RevisionKind{Kind: CaseStudyKind, Label: "case study", Base: "/case-studies", Crumb: caseStudiesCrumb,
		Fields: CaseStudyFields, Title: h.Svc.CaseStudyTitle}
}

// caseStudyRoutes registers the case-study pages, their history, attachments, the file
// download shared by every area, and the API. Pages are public where the service decides who
// sees what (visibility); changes need a signed-in person, then the service's rules.
func (h *Web) caseStudyRoutes(rt *web.Router) {
	rt.Page("GET", "/case-studies", web.Public, h.caseStudyIndex)
	rt.Page("GET", "/case-studies/new", web.SignedIn, h.caseStudyNew)
	rt.Page("POST", "/case-studies", web.SignedIn, h.caseStudyCreate)
	rt.Page("GET", "/case-studies/{id}", web.Public, h.caseStudyShow)
	rt.Page("GET", "/case-studies/{id}/edit", web.SignedIn, h.caseStudyEdit)
	rt.Page("POST", "/case-studies/{id}", web.SignedIn, h.caseStudyUpdate)
	rt.Page("POST", "/case-studies/{id}/archive", web.SignedIn, archivePage(h.Svc.ArchiveCaseStudy, "/case-studies/", "The case study is archived: only its organisation's staff see it now.", "The case study is restored."))
	rt.Page("POST", "/case-studies/{id}/files", web.SignedIn, h.caseStudyUpload)
	rt.Page("POST", "/case-studies/{id}/files/{file_id}/delete", web.SignedIn, h.caseStudyDetach)
	h.revisionRoutes(rt, h.caseStudyRevisions())
	rt.Page("GET", "/files/{id}", web.Public, h.fileDownload)
	h.caseStudyAPIRoutes(rt)
}

// csID is an ID as a form value ("" for 0).
func csID(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// csFormID reads an optional ID from a form: malformed is -1, which validation refuses.
func csFormID(f *web.Form, name string) int64 {
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

func csFormIDs(f *web.Form, name string) []int64 {
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

// csQueryID reads an optional ID from a query string (0 when absent or malformed).
func csQueryID(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ---- the list ----

type caseStudyFilterView struct {
	Place, Theme, Org, Influence string
}

func (f caseStudyFilterView) Any() bool {
	return f.Place != "" || f.Theme != "" || f.Org != "" || f.Influence != ""
}

type caseStudyIndexData struct {
	CaseStudies []caseStudyRow
	Filter      caseStudyFilterView
	Places      []web.Option
	Themes      []web.Option
	Orgs        []web.Option
	Influences  []web.Option
	Described   string
	Total       int
	CanCreate   bool
}

type caseStudyRow struct {
	CaseStudy
	Restricted bool // seen by fewer than everyone
}

func csSortedOpts(m map[int64]string) []web.Option {
	out := make([]web.Option, 0, len(m))
	for id, name := range m {
		out = append(out, web.Option{Value: csID(id), Label: name})
	}
	slices.SortFunc(out, func(a, b web.Option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	return out
}

func (h *Web) caseStudyIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := CaseStudyFilter{PlaceID: csQueryID(q, "place"), ThemeID: csQueryID(q, "theme"), OrgID: csQueryID(q, "organisation")}
	if v := strings.TrimSpace(q.Get("influence")); slices.Contains(csOptionValues(InfluenceLevels), v) {
		f.Influence = v
	}
	// The choices are those of the case studies the person may see.
	all, err := h.Svc.CaseStudies(ctx, CaseStudyFilter{Limit: 1000})
	if err != nil {
		return err
	}
	places, themes, orgs := map[int64]string{}, map[int64]string{}, map[int64]string{}
	for _, c := range all {
		for _, p := range c.Places {
			places[p.ID] = p.Name
		}
		for _, t := range c.Themes {
			themes[t.ID] = t.Name
		}
		orgs[c.OrgID] = c.OrgName
		for _, p := range c.Partners {
			orgs[p.ID] = p.Name
		}
	}
	d := caseStudyIndexData{Places: csSortedOpts(places), Themes: csSortedOpts(themes), Orgs: csSortedOpts(orgs), Total: len(all),
		CanCreate: CanCreateCaseStudy(authz.From(ctx))}
	for _, o := range InfluenceLevels {
		d.Influences = append(d.Influences, web.Option{Value: o.Value, Label: csInfluenceShort(o.Value)})
	}
	d.Filter = caseStudyFilterView{Place: csID(f.PlaceID), Theme: csID(f.ThemeID), Org: csID(f.OrgID), Influence: f.Influence}
	list := all
	if d.Filter.Any() {
		if list, err = h.Svc.CaseStudies(ctx, f); err != nil {
			return err
		}
		var parts []string
		if f.PlaceID != 0 {
			parts = append(parts, "in "+csOrName(places, f.PlaceID))
		}
		if f.ThemeID != 0 {
			parts = append(parts, "on the theme “"+csOrName(themes, f.ThemeID)+"”")
		}
		if f.OrgID != 0 {
			parts = append(parts, "with "+csOrName(orgs, f.OrgID))
		}
		if f.Influence != "" {
			parts = append(parts, "at the level “"+csInfluenceShort(f.Influence)+"”")
		}
		d.Described = strings.Join(parts, ", ")
	}
	for _, c := range list {
		d.CaseStudies = append(d.CaseStudies, caseStudyRow{CaseStudy: c, Restricted: c.Visibility != Public})
	}
	h.Render.OK(w, r, "learning/casestudy_list", web.Page{Title: "Case studies", Data: d, Breadcrumbs: []web.Crumb{{Label: "Case studies"}}})
	return nil
}

func csOrName(m map[int64]string, id int64) string {
	if s, ok := m[id]; ok {
		return s
	}
	return "#" + csID(id)
}

// ---- one case study ----

type caseStudyShowData struct {
	CaseStudy   CaseStudy
	Approach    template.HTML
	Body        template.HTML
	Links       directory.LinkSet
	CanEdit     bool
	CanArchive  bool
	CanLink     bool
	LinkURL     string
	FileAccept  string
	FileTypes   string
	MaxFileText string
}

func (h *Web) caseStudyShowPage(r *http.Request, c CaseStudy, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	d := caseStudyShowData{CaseStudy: c, Approach: Markdown(c.Approach), Body: Markdown(c.Body), CanEdit: CanEditCaseStudy(p, c),
		CanArchive: CanArchiveCaseStudy(p, c), FileAccept: FileAccept(), FileTypes: FileTypesText(), MaxFileText: MaxFileText()}
	if h.Svc.Dir != nil {
		links, err := h.Svc.Dir.LinksOf(ctx, CaseStudyKind, c.ID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return web.Page{}, err
		}
		d.Links = links
		d.CanLink = h.Svc.Dir.CanLinkFrom(ctx, CaseStudyKind, c.ID)
		d.LinkURL = "/links/new?" + url.Values{"from_kind": {CaseStudyKind}, "from_id": {csID(c.ID)}, "back": {c.URL()}}.Encode()
	}
	if f == nil {
		f = &web.Form{}
	}
	return web.Page{Title: c.Title, Data: d, Form: f, Breadcrumbs: []web.Crumb{caseStudiesCrumb, {Label: c.Title}}}, nil
}

func (h *Web) caseStudyShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Svc.CaseStudy(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := h.caseStudyShowPage(r, c, nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/casestudy_show", page)
	return nil
}

// ---- create and edit ----

type caseStudyFormData struct {
	CaseStudy   CaseStudy
	Orgs        []web.Option
	Programs    []web.Option
	Places      []web.Option
	Partners    []web.Option
	Themes      []web.Option
	Influences  []web.Option
	Visibility  []web.Option
	Communities []web.Option
	Action      string
	Cancel      string
}

func (h *Web) caseStudyFormPage(r *http.Request, c CaseStudy, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	d := caseStudyFormData{CaseStudy: c, Influences: InfluenceLevels, Action: "/case-studies", Cancel: "/case-studies"}
	if c.ID != 0 {
		d.Action, d.Cancel = c.URL(), c.URL()
	}
	for _, v := range Visibilities {
		d.Visibility = append(d.Visibility, web.Option{Value: v.Value, Label: v.Label})
	}
	if h.Svc.Dir != nil {
		orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
		if err != nil {
			return web.Page{}, err
		}
		for _, o := range orgs {
			// The owner: an organisation the person contributes to (or the current owner).
			if p.Can(authz.Contribute, o.ID) || o.ID == c.OrgID {
				d.Orgs = append(d.Orgs, web.Option{Value: csID(o.ID), Label: o.DisplayName()})
			}
			d.Partners = append(d.Partners, web.Option{Value: csID(o.ID), Label: o.DisplayName()})
		}
		progs, err := h.Svc.Dir.Programs(ctx, directory.ListFilter{})
		if err != nil {
			return web.Page{}, err
		}
		for _, pr := range progs {
			d.Programs = append(d.Programs, web.Option{Value: csID(pr.ID), Label: pr.Name})
		}
		places, err := h.Svc.Dir.Places(ctx, directory.ListFilter{})
		if err != nil {
			return web.Page{}, err
		}
		for _, pl := range places {
			label := pl.Name
			if pl.ParentName != "" {
				label += " (" + pl.ParentName + ")"
			}
			d.Places = append(d.Places, web.Option{Value: csID(pl.ID), Label: label})
		}
		slices.SortFunc(d.Places, func(a, b web.Option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
		tags, err := h.Svc.Dir.Tags(ctx, csDirFilter("theme"))
		if err != nil {
			return web.Page{}, err
		}
		for _, g := range directory.TagTree(tags) {
			var walk func(ns []*directory.TagNode, prefix string)
			walk = func(ns []*directory.TagNode, prefix string) {
				for _, n := range ns {
					d.Themes = append(d.Themes, web.Option{Value: csID(n.Tag.ID), Label: prefix + n.Tag.Name})
					walk(n.Children, prefix+n.Tag.Name+" › ")
				}
			}
			walk(g.Roots, "")
		}
	}
	comms, err := h.Svc.CommunityOptions(ctx)
	if err != nil {
		return web.Page{}, err
	}
	d.Communities = comms
	if c.CommunityID != 0 && !slices.ContainsFunc(comms, func(o web.Option) bool { return o.Value == csID(c.CommunityID) }) {
		d.Communities = append(d.Communities, web.Option{Value: csID(c.CommunityID), Label: c.CommunityName})
	}
	title, crumbs := "New case study", []web.Crumb{caseStudiesCrumb, {Label: "New"}}
	if c.ID != 0 {
		title, crumbs = "Edit "+c.Title, []web.Crumb{caseStudiesCrumb, {Label: c.Title, URL: c.URL()}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: d}, nil
}

// caseStudyInputFrom reads the case-study form.
func caseStudyInputFrom(f *web.Form) CaseStudyInput {
	in := CaseStudyInput{OrgID: csFormID(f, "organisation_id"), Title: f.Get("title"), Initiative: f.Get("initiative"),
		ProgramID: csFormID(f, "program_id"), PeriodStart: f.Get("period_start"), PeriodEnd: f.Get("period_end"),
		Approach: f.Values.Get("approach"), Influence: f.Get("influence"), Summary: f.Values.Get("summary"), Body: f.Values.Get("body"),
		Authors: f.Get("authors"), Visibility: f.Get("visibility"), CommunityID: csFormID(f, "community_id"),
		PlaceIDs: csFormIDs(f, "place_ids"), PartnerIDs: csFormIDs(f, "partner_ids"), ThemeIDs: csFormIDs(f, "theme_ids"), Note: f.Get("note")}
	if n, err := strconv.Atoi(f.Get("revision")); err == nil && n > 0 {
		in.Revision = n
	}
	if in.OrgID < 0 {
		in.OrgID = 0
	}
	return in
}

// caseStudyForm fills the form from a case study.
func caseStudyForm(c CaseStudy) *web.Form {
	in := c.Input()
	f := web.FormOf(map[string]string{"organisation_id": csID(in.OrgID), "title": in.Title, "initiative": in.Initiative,
		"program_id": csID(in.ProgramID), "period_start": in.PeriodStart, "period_end": in.PeriodEnd, "approach": in.Approach,
		"influence": in.Influence, "summary": in.Summary, "body": in.Body, "authors": in.Authors, "visibility": in.Visibility,
		"community_id": csID(in.CommunityID)})
	if in.Revision != 0 {
		f.Values.Set("revision", strconv.Itoa(in.Revision))
	}
	for name, ids := range map[string][]int64{"place_ids": in.PlaceIDs, "partner_ids": in.PartnerIDs, "theme_ids": in.ThemeIDs} {
		for _, id := range ids {
			f.Values.Add(name, csID(id))
		}
	}
	return f
}

func (h *Web) caseStudyNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreateCaseStudy(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.FormOf(map[string]string{"visibility": Public})
	if orgs := authz.From(r.Context()).Orgs(authz.Contribute); len(orgs) == 1 {
		f.Values.Set("organisation_id", csID(orgs[0]))
	}
	page, err := h.caseStudyFormPage(r, CaseStudy{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/casestudy_form", page)
	return nil
}

func (h *Web) caseStudyCreate(w http.ResponseWriter, r *http.Request) error {
	if !CanCreateCaseStudy(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.NewForm(r)
	c, err := h.Svc.CreateCaseStudy(r.Context(), caseStudyInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.caseStudyFormPage(r, CaseStudy{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/casestudy_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, c.URL(), "The case study is saved.")
}

// editable loads a case study the principal may edit: 404 when they may not see it, 403 when
// they may see but not edit it.
func (h *Web) caseStudyEditable(r *http.Request) (CaseStudy, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return CaseStudy{}, err
	}
	c, err := h.Svc.CaseStudy(r.Context(), id)
	if err != nil {
		return c, err
	}
	if !CanEditCaseStudy(authz.From(r.Context()), c) {
		return c, authz.ErrForbidden
	}
	return c, nil
}

func (h *Web) caseStudyEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.caseStudyEditable(r)
	if err != nil {
		return err
	}
	page, err := h.caseStudyFormPage(r, c, caseStudyForm(c))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/casestudy_form", page)
	return nil
}

func (h *Web) caseStudyUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.caseStudyEditable(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	saved, err := h.Svc.UpdateCaseStudy(r.Context(), c.ID, caseStudyInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.caseStudyFormPage(r, c, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/casestudy_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, saved.URL(), "The case study is saved as revision "+strconv.Itoa(saved.Revision)+".")
}

// ---- attachments ----

func (h *Web) caseStudyUpload(w http.ResponseWriter, r *http.Request) error {
	// Who may attach is checked before the body is read.
	c, err := h.caseStudyEditable(r)
	if err != nil {
		return err
	}
	up, _, err := ReadUpload(w, r, "file")
	if err == nil {
		var f File
		if f, err = h.Svc.AttachFile(r.Context(), c.ID, up); err == nil {
			return web.Redirect(w, r, c.URL()+"#attachments", f.Name+" is attached.")
		}
	}
	var bad *api.BadRequest
	status := http.StatusUnprocessableEntity
	fields, isValid := valid.As(err)
	switch {
	case errors.As(err, &bad) && bad.Status == http.StatusRequestEntityTooLarge:
		status, fields = http.StatusRequestEntityTooLarge, valid.Errors(bad.Errors)
	case isValid:
	default:
		return err
	}
	// Drawn again with the message beside the upload field.
	page, perr := h.caseStudyShowPage(r, c, &web.Form{Values: url.Values{}, Errors: fields})
	if perr != nil {
		return perr
	}
	h.Render.Render(w, r, status, "learning/casestudy_show", page)
	return nil
}

func (h *Web) caseStudyDetach(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	fileID, err := web.PathID(r, "file_id")
	if err != nil {
		return err
	}
	if err := h.Svc.RemoveFile(r.Context(), id, fileID); err != nil {
		return err
	}
	return web.Redirect(w, r, "/case-studies/"+csID(id)+"#attachments", "The attachment is removed.")
}
