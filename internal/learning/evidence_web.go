package learning

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var evidenceCrumb = web.Crumb{Label: "Evidence", URL: "/evidence"}

// evidenceRevisions describes evidence for the history pages.
func (h *Web) evidenceRevisions() RevisionKind {
	return RevisionKind{Kind: KindEvidence, Label: "evidence", Base: "/evidence", Crumb: evidenceCrumb,
		Fields: evidenceRevisionFields, Title: func(ctx context.Context, id int64) (string, error) {
			e, err := h.Svc.Evidence(ctx, id)
			return e.Title, err
		}}
}

func (h *Web) evidenceRoutes(rt *web.Router) {
	rt.Page("GET", "/evidence", web.Public, h.evidenceIndex)
	rt.Page("GET", "/evidence/new", web.SignedIn, h.evidenceNew)
	rt.Page("POST", "/evidence", web.SignedIn, h.evidenceCreate)
	rt.Page("GET", "/evidence/{id}", web.Public, h.evidenceShow)
	rt.Page("GET", "/evidence/{id}/edit", web.SignedIn, h.evidenceEdit)
	rt.Page("POST", "/evidence/{id}", web.SignedIn, h.evidenceUpdate)
	rt.Page("POST", "/evidence/{id}/archive", web.SignedIn, archivePage(h.Svc.ArchiveEvidence, "/evidence/", "The evidence is archived: it no longer shows in lists or search.", "The evidence is restored."))
	h.revisionRoutes(rt, h.evidenceRevisions())
}

type evidenceListData struct {
	Form      *web.Form
	Evidence  []evidenceCard
	Kinds     []web.Option
	Filtered  bool
	Next      string
	CanCreate bool
}

type evidenceCard struct {
	EvidenceItem
	SummaryText string
}

func (h *Web) evidenceIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := EvidenceFilter{Kind: strings.TrimSpace(q.Get("kind")), OrgID: lrQueryID(q, "organisation"), Text: strings.TrimSpace(q.Get("q")), Limit: 50}
	if len(f.Text) > 200 {
		f.Text = f.Text[:200]
	}
	if c := q.Get("cursor"); c != "" {
		after, err := api.DecodeCursor(c)
		if err != nil {
			return &api.BadRequest{Msg: "This page of evidence does not exist: go back to the first page."}
		}
		f.After = after
	}
	es, err := h.Svc.EvidenceList(ctx, f)
	if err != nil {
		return err
	}
	d := evidenceListData{Form: &web.Form{Values: q}, Kinds: EvidenceKinds, CanCreate: CanAddEvidence(authz.From(ctx)),
		Filtered: f.Kind != "" || f.OrgID != 0 || f.Text != ""}
	if len(es) > f.Limit {
		es = es[:f.Limit]
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", api.EncodeCursor(es[len(es)-1].ID))
		d.Next = "/evidence?" + nq.Encode()
	}
	for _, e := range es {
		d.Evidence = append(d.Evidence, evidenceCard{EvidenceItem: e, SummaryText: clipText(MarkdownText(e.Summary), 300)})
	}
	h.Render.OK(w, r, "learning/evidence_list", web.Page{Title: "Evidence", Data: d, Breadcrumbs: []web.Crumb{{Label: "Evidence"}}})
	return nil
}

type evidenceShowData struct {
	EvidenceDetail
	Summary, Outcome, Significance, Contribution, Substantiation template.HTML
}

func (h *Web) evidenceShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.Svc.EvidencePage(r.Context(), id)
	if err != nil {
		return err
	}
	sd := evidenceShowData{EvidenceDetail: d, Summary: Markdown(d.Summary), Outcome: Markdown(d.Outcome), Significance: Markdown(d.Significance),
		Contribution: Markdown(d.Contribution), Substantiation: Markdown(d.Substantiation)}
	h.Render.OK(w, r, "learning/evidence_show", web.Page{Title: d.Title, Data: sd, Breadcrumbs: []web.Crumb{evidenceCrumb, {Label: d.Title}}})
	return nil
}

type evidenceFormData struct {
	Evidence    EvidenceItem
	Orgs        []web.Option
	Kinds       []web.Option
	Visibility  []web.Option
	Communities []web.Option
	Action      string
}

func (h *Web) evidenceFormPage(r *http.Request, e EvidenceItem, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	d := evidenceFormData{Evidence: e, Kinds: EvidenceKinds, Visibility: lrVisibilityOptions(), Action: "/evidence"}
	var err error
	if d.Orgs, err = h.Svc.lrOrgOptions(ctx, authz.Contribute); err != nil {
		return web.Page{}, err
	}
	if d.Communities, err = h.Svc.lrCommunityOptions(ctx); err != nil {
		return web.Page{}, err
	}
	title, crumbs := "Add evidence", []web.Crumb{evidenceCrumb, {Label: "Add evidence"}}
	if e.ID != 0 {
		d.Action = e.URL()
		title, crumbs = "Edit the evidence", []web.Crumb{evidenceCrumb, {Label: e.Title, URL: e.URL()}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Data: d, Breadcrumbs: crumbs}, nil
}

func evidenceForm(e EvidenceItem) *web.Form {
	f := web.FormOf(map[string]string{"organisation_id": lrIDString(e.OrgID), "kind": e.Kind, "title": e.Title, "source": e.Source,
		"source_url": e.SourceURL, "date": e.Date, "summary": e.Summary, "outcome": e.Outcome, "significance": e.Significance,
		"contribution": e.Contribution, "substantiation": e.Substantiation, "visibility": e.Visibility, "community_id": lrIDString(e.CommunityID)})
	if e.Consent {
		f.Values.Set("consent", "on")
	}
	if e.CulturallySensitive {
		f.Values.Set("culturally_sensitive", "on")
	}
	return f
}

func evidenceInputOf(f *web.Form) EvidenceInput {
	return EvidenceInput{OrgID: lrFormID(f, "organisation_id"), Kind: f.Get("kind"), Title: f.Get("title"), Source: f.Get("source"),
		SourceURL: f.Get("source_url"), Date: f.Get("date"), Summary: f.Values.Get("summary"), Outcome: f.Values.Get("outcome"),
		Significance: f.Values.Get("significance"), Contribution: f.Values.Get("contribution"), Substantiation: f.Values.Get("substantiation"),
		Consent: f.Bool("consent"), CulturallySensitive: f.Bool("culturally_sensitive"), Visibility: f.Get("visibility"),
		CommunityID: lrFormID(f, "community_id"), Note: f.Get("note")}
}

func (h *Web) evidenceNew(w http.ResponseWriter, r *http.Request) error {
	p := authz.From(r.Context())
	if !CanAddEvidence(p) {
		return authz.ErrForbidden
	}
	f := evidenceForm(EvidenceItem{Consent: true, Visibility: Public})
	if k := r.URL.Query().Get("kind"); k != "" {
		f.Values.Set("kind", k)
	}
	if orgs := p.Orgs(authz.Contribute); len(orgs) == 1 {
		f.Values.Set("organisation_id", strconv.FormatInt(orgs[0], 10))
	}
	page, err := h.evidenceFormPage(r, EvidenceItem{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/evidence_form", page)
	return nil
}

func (h *Web) evidenceCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	e, err := h.Svc.CreateEvidence(r.Context(), evidenceInputOf(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.evidenceFormPage(r, EvidenceItem{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/evidence_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, e.URL(), "The evidence is added.")
}

func (h *Web) evidenceEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.Svc.EvidenceForEdit(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := h.evidenceFormPage(r, e, evidenceForm(e))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/evidence_form", page)
	return nil
}

func (h *Web) evidenceUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	e, err := h.Svc.UpdateEvidence(r.Context(), id, evidenceInputOf(f))
	if _, ok := valid.As(err); ok {
		old, lerr := h.Svc.EvidenceForEdit(r.Context(), id)
		if lerr != nil {
			return lerr
		}
		page, perr := h.evidenceFormPage(r, old, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/evidence_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, e.URL(), "The evidence is saved.")
}
