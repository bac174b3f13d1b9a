package satisfaction

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// linkRoutes registers the staff pages of links, posters and personal links, and their API.
// Every route needs an account; the service checks the survey (members of its organisation
// with Contribute see, with Manage change; others are told it does not exist).
func (h *Web) linkRoutes(rt *web.Router) {
	rt.Page("GET", "/surveys/{id}/links", web.SignedIn, h.linksPage)
	rt.Page("POST", "/surveys/{id}/links", web.SignedIn, h.linkCreate)
	rt.Page("POST", "/surveys/{id}/links/{link_id}/archive", web.SignedIn, h.linkArchive)
	rt.Page("GET", "/surveys/{id}/links/{link_id}/poster", web.SignedIn, h.linkPoster)
	rt.Page("GET", "/surveys/{id}/links/{link_id}/qr.svg", web.SignedIn, h.linkQR)
	rt.Page("POST", "/surveys/{id}/tokens", web.SignedIn, h.tokensCreate)
	rt.API("GET", "/api/v1/surveys/{code}/links", web.SignedIn, "Surveys",
		"A survey's links (each records a channel and place for the responses that come through it), archived ones too",
		h.linksAPI, web.Body(nil, []LinkOut{}))
	rt.API("POST", "/api/v1/surveys/{code}/links", web.SignedIn, "Surveys",
		"Make a link of a survey for a channel and, optionally, a place",
		h.linkCreateAPI, web.Body(LinkInput{}, LinkOut{}))
}

// LinkOut is a link with its addresses.
type LinkOut struct {
	Link
	// URL is the address people open (what the QR code holds).
	URL    string `json:"url"`
	Poster string `json:"poster_url"`
	QR     string `json:"qr_url"`
}

// baseURL is the site's address without a trailing slash: the configured one, or the
// request's scheme and host.
func (h *Web) baseURL(r *http.Request) string {
	if h.BaseURL != "" {
		return strings.TrimRight(h.BaseURL, "/")
	}
	scheme := "http"
	if web.HTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// linkURL is the absolute address of a link; token, when given, makes it a personal link.
func linkURL(base string, sv Survey, code, token string) string {
	u := base + "/s/" + url.PathEscape(sv.Code)
	var q []string
	if code != "" {
		q = append(q, "via="+url.QueryEscape(code))
	}
	if token != "" {
		q = append(q, "t="+url.QueryEscape(token))
	}
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}

func (h *Web) linkOut(r *http.Request, sv Survey, l Link) LinkOut {
	staff := sv.URL() + "/links/" + strconv.FormatInt(l.ID, 10)
	return LinkOut{Link: l, URL: linkURL(h.baseURL(r), sv, l.Code, ""), Poster: staff + "/poster", QR: staff + "/qr.svg"}
}

// linksData is what the links page shows.
type linksData struct {
	Survey    Survey
	Links     []linkRow
	PublicURL string
	Channels  []web.Option
	Places    []web.Option
	LinkOpts  []web.Option
	CanManage bool
	Tokens    TokenCounts
	MaxTokens int
}

type linkRow struct {
	LinkOut
	ChannelLabel string
}

func (h *Web) linksView(ctx context.Context, r *http.Request, id int64) (web.Page, error) {
	sv, links, err := h.Svc.Links(ctx, id)
	if err != nil {
		return web.Page{}, err
	}
	tokens, err := h.Svc.Store.TokenStats(ctx, h.Svc.DB, sv.ID)
	if err != nil {
		return web.Page{}, err
	}
	d := linksData{Survey: sv, PublicURL: linkURL(h.baseURL(r), sv, "", ""), Channels: directory.ServiceChannels,
		CanManage: CanManageLinks(authz.From(ctx), sv), Tokens: tokens, MaxTokens: MaxTokens}
	for _, l := range links {
		d.Links = append(d.Links, linkRow{LinkOut: h.linkOut(r, sv, l), ChannelLabel: ChannelLabel(l.Channel)})
		if l.Archived == nil {
			d.LinkOpts = append(d.LinkOpts, web.Option{Value: strconv.FormatInt(l.ID, 10), Label: l.Label})
		}
	}
	if d.CanManage {
		places, err := h.Svc.Dir.Places(ctx, directory.ListFilter{Limit: 1000})
		if err != nil {
			return web.Page{}, err
		}
		for _, p := range places {
			d.Places = append(d.Places, web.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name + " (" + p.KindLabel() + ")"})
		}
	}
	return web.Page{Title: "Links and posters", Data: d, Form: &web.Form{Values: url.Values{}},
		Breadcrumbs: []web.Crumb{{Label: "Surveys", URL: "/surveys"}, {Label: sv.Title, URL: sv.URL()}, {Label: "Links and posters"}}}, nil
}

func (h *Web) linksPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.linksView(r.Context(), r, id)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "satisfaction/link_list", p)
	return nil
}

// invalidLinks shows the links page again with the form as typed and its errors.
func (h *Web) invalidLinks(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	if _, ok := valid.As(err); !ok {
		return err
	}
	p, perr := h.linksView(r.Context(), r, id)
	if perr != nil {
		return perr
	}
	p.Form = web.NewForm(r)
	h.Render.Invalid(w, r, "satisfaction/link_list", p, err)
	return nil
}

func (h *Web) linkCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in := LinkInput{Label: f.Get("label"), Channel: f.Get("channel")}
	if s := f.Get("place_id"); s != "" {
		if in.PlaceID, err = strconv.ParseInt(s, 10, 64); err != nil || in.PlaceID <= 0 {
			return h.invalidLinks(w, r, id, valid.Errors{"place_id": "Choose a place from the list."})
		}
	}
	l, err := h.Svc.CreateLink(r.Context(), id, in)
	if err != nil {
		return h.invalidLinks(w, r, id, err)
	}
	return web.Redirect(w, r, "/surveys/"+strconv.FormatInt(id, 10)+"/links#link-"+strconv.FormatInt(l.ID, 10),
		"The link “"+l.Label+"” was made. Print its poster, or use its address.")
}

func (h *Web) linkArchive(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	linkID, err := web.PathID(r, "link_id")
	if err != nil {
		return err
	}
	restore := web.NewForm(r).Bool("restore")
	l, err := h.Svc.ArchiveLink(r.Context(), id, linkID, !restore)
	if err != nil {
		return err
	}
	msg := "The link “" + l.Label + "” was archived. Answers through it are still taken."
	if restore {
		msg = "The link “" + l.Label + "” was restored."
	}
	return web.Redirect(w, r, "/surveys/"+strconv.FormatInt(id, 10)+"/links", msg)
}

// posterData is what the printable poster shows.
type posterData struct {
	Survey       Survey
	Link         LinkOut
	ChannelLabel string
	QR           template.HTML
}

func (h *Web) linkFor(r *http.Request) (Survey, Link, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Survey{}, Link{}, err
	}
	linkID, err := web.PathID(r, "link_id")
	if err != nil {
		return Survey{}, Link{}, err
	}
	return h.Svc.Link(r.Context(), id, linkID)
}

func (h *Web) linkPoster(w http.ResponseWriter, r *http.Request) error {
	sv, l, err := h.linkFor(r)
	if err != nil {
		return err
	}
	out := h.linkOut(r, sv, l)
	code, err := qrCode(out.URL)
	if err != nil {
		return err
	}
	d := posterData{Survey: sv, Link: out, ChannelLabel: ChannelLabel(l.Channel),
		QR: qrSVG(code, "QR code for "+out.URL, "qr-"+strconv.FormatInt(l.ID, 10), 340)}
	h.Render.OK(w, r, "satisfaction/link_poster", web.Page{Title: "Poster: " + sv.Title, Data: d,
		Breadcrumbs: []web.Crumb{{Label: "Surveys", URL: "/surveys"}, {Label: sv.Title, URL: sv.URL()},
			{Label: "Links and posters", URL: sv.URL() + "/links"}, {Label: "Poster: " + l.Label}}})
	return nil
}

func (h *Web) linkQR(w http.ResponseWriter, r *http.Request) error {
	sv, l, err := h.linkFor(r)
	if err != nil {
		return err
	}
	u := linkURL(h.baseURL(r), sv, l.Code, "")
	code, err := qrCode(u)
	if err != nil {
		return err
	}
	svg := qrSVG(code, "QR code for "+u, "qr", 0)
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="survey-%s-%s.svg"`, safeName(sv.Code), l.Code))
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, err = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + string(svg) + "\n"))
	return err
}

// tokensCreate makes personal links and sends them, once, as CSV.
func (h *Web) tokensCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	n, nerr := strconv.Atoi(f.Get("count"))
	if nerr != nil {
		n = 0
	}
	var linkID int64
	if s := f.Get("link"); s != "" {
		if linkID, err = strconv.ParseInt(s, 10, 64); err != nil || linkID <= 0 {
			return h.invalidLinks(w, r, id, valid.Errors{"link": "Choose one of this survey's links, or none."})
		}
	}
	sv, l, toks, err := h.Svc.GenerateTokens(r.Context(), id, n, linkID)
	if err != nil {
		return h.invalidLinks(w, r, id, err)
	}
	base := h.baseURL(r)
	name := fmt.Sprintf("survey-%s-personal-links-%s.csv", safeName(sv.Code), h.Svc.Now().UTC().Format("20060102-150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	out, err := export.NewCSV(w, "number", "personal_link", "link_label")
	if err != nil {
		return err
	}
	for i, tok := range toks {
		if err := out.Row(strconv.Itoa(i+1), linkURL(base, sv, l.Code, tok), l.Label); err != nil {
			return err
		}
	}
	return out.Close()
}

// safeName keeps the letters, digits, - and _ of s, for a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "survey"
	}
	return b.String()
}

// --- API ---

func (h *Web) surveyIDFromCode(r *http.Request) (int64, error) {
	return h.Svc.SurveyIDByCode(r.Context(), r.PathValue("code"))
}

func (h *Web) linksAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := h.surveyIDFromCode(r)
	if err != nil {
		return err
	}
	sv, links, err := h.Svc.Links(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]LinkOut, 0, len(links))
	for _, l := range links {
		out = append(out, h.linkOut(r, sv, l))
	}
	return api.JSON(w, http.StatusOK, out)
}

func (h *Web) linkCreateAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := h.surveyIDFromCode(r)
	if err != nil {
		return err
	}
	var in LinkInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	l, err := h.Svc.CreateLink(r.Context(), id, in)
	if err != nil {
		return err
	}
	sv, err := h.Svc.Store.SurveyByID(r.Context(), h.Svc.DB, id)
	if err != nil {
		return err
	}
	out := h.linkOut(r, sv, l)
	w.Header().Set("Location", "/api/v1/surveys/"+url.PathEscape(sv.Code)+"/links")
	return api.JSON(w, http.StatusCreated, out)
}
