package satisfaction

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// The collection routes: the public survey page and its form, the thank-you page, the JSON
// submission and the public definition. They are built to be fast: the survey, its links and
// the finished pages come from the DefinitionCache, so that a page costs no query and a
// response costs only its share of a group commit.
//
// Choices: a closed survey answers 410 Gone (a page, or problem+json); a form post that is
// stored redirects (303) to /s/{code}/thanks, so a refresh stores nothing; the form carries a
// random key, sent as the response's idempotency key, so that a double click or a resent form
// stores one response. A JSON submission answers 201 {"id": "<id as a string>"}, and a retry
// with the same Idempotency-Key answers 201 with the same id and Idempotent-Replayed: true.

// Form field names of the collection form. Question IDs are lower-case slugs, so none of these
// can be a question's.
const (
	fieldKey      = "_k"      // the form's idempotency key
	fieldVia      = "_via"    // the link the page was opened through
	fieldToken    = "_t"      // the single-use token
	fieldHoneypot = "Website" // left empty by people; bots fill it
)

// formKeyLen is the length of a form key: 16 random bytes in base64url.
const formKeyLen = 22

// keyMarker and viaMarker stand for the form key and the link's code in a finished page.
const (
	keyMarker = "KEYMARKERKEYMARKERKEY0"
	viaMarker = "VIAMARKERVIAMARKER"
)

// PrivacyNote is said on every survey page.
const PrivacyNote = "Your answers are anonymous: we do not store your name or your internet address with them."

// collector serves the collection routes.
type collector struct {
	h       *Web
	svc     *Service
	limits  Limits
	limiter *limiter
	// cat picks the language of a finished page as the renderer does (nil: keep a page per
	// Accept-Language header, within maxPages).
	cat *locale.Catalogues
}

func (h *Web) collectRoutes(rt *web.Router) {
	lim := DefaultLimits()
	if h.Limits != nil {
		lim = *h.Limits
	}
	lim = lim.withDefaults()
	c := &collector{h: h, svc: h.Svc, limits: lim, limiter: newLimiter(lim, nil)}
	if cat, err := locale.Load(); err == nil {
		c.cat = cat
	}
	rt.Handle(web.Route{Method: "GET", Path: "/s/{code}", Access: web.Public, Frameable: true}, c.page)
	rt.Handle(web.Route{Method: "POST", Path: "/s/{code}", Access: web.Public, Frameable: true}, c.submit)
	rt.Handle(web.Route{Method: "GET", Path: "/s/{code}/thanks", Access: web.Public, Frameable: true}, c.thanks)
	c.apiRoutes(rt)
	h.linkRoutes(rt)
}

// Page kinds of the finished-page cache.
const (
	kindSurvey = iota
	kindThanks
	kindClosed
	kindLimited
)

type pageKey struct {
	kind int
	lang string
}

// surveyPage is what the survey page template receives.
type surveyPage struct {
	Survey    Survey
	Intro     string
	Questions template.HTML
	Action    string
	Key       string
	Via       string
	Token     string
	Recommend bool
	Trademark string
	Privacy   string
	// Notice pages: a heading and what to do.
	Heading string
	Message string
}

// notices are the pages that say why a survey cannot be answered.
type notice struct {
	status           int
	heading, message string
}

var (
	noticeClosed  = notice{http.StatusGone, "This survey is closed", "It no longer takes answers. Thank you for your interest."}
	noticeToken   = notice{http.StatusForbidden, "You need your personal link", "This survey is answered through personal links. Open the link you were sent by email or text message; it works once."}
	noticeUsed    = notice{http.StatusConflict, "This link has already been used", "Each personal link can be used once, and this one has been used or is not valid. If you have not answered yet, contact the organisation that sent it."}
	noticeLimited = notice{http.StatusTooManyRequests, "Too many answers from this connection", "Please wait a minute, then send your answers again."}
	noticeStopped = notice{http.StatusServiceUnavailable, "Please try again in a moment", "The service is restarting. Your answers were not sent: go back and send them again in a moment."}
	noticeType    = notice{http.StatusUnsupportedMediaType, "The answers could not be read", "Send the form from the survey page."}
)

// page serves GET /s/{code}: the survey, its questions and a button.
func (c *collector) page(w http.ResponseWriter, r *http.Request) error {
	d, err := c.visible(r)
	if err != nil {
		return err
	}
	if !d.open() {
		return c.notice(w, r, d, kindClosed, noticeClosed)
	}
	var via, tok string
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		if v := q.Get("via"); v != "" {
			if _, ok := d.Links[v]; ok {
				via = v
			}
		}
		tok = q.Get("t")
	}
	if d.Survey.RequireToken {
		if tok == "" {
			return c.notice(w, r, d, -1, noticeToken)
		}
		ok, err := c.svc.tokenUsable(r.Context(), d.Survey.ID, tok)
		if err != nil {
			return err
		}
		if !ok {
			return c.notice(w, r, d, -1, noticeUsed)
		}
		p := c.surveyView(d, d.Form, nil, newFormKey(), via, tok)
		c.h.Render.Render(w, r, http.StatusOK, "satisfaction/survey_page", p)
		return nil
	}
	return c.finished(w, r, d, pageKey{kind: kindSurvey}, via, "satisfaction/survey_page", http.StatusOK, func() web.Page {
		return c.surveyView(d, d.Form, nil, keyMarker, viaMarker, "")
	})
}

// thanks serves GET /s/{code}/thanks.
func (c *collector) thanks(w http.ResponseWriter, r *http.Request) error {
	d, err := c.visible(r)
	if err != nil {
		return err
	}
	return c.finished(w, r, d, pageKey{kind: kindThanks}, "", "satisfaction/survey_thanks", http.StatusOK, func() web.Page {
		return web.Page{Title: "Thank you", Data: surveyPage{Survey: d.Survey, Heading: "Thank you",
			Message: "Your answers have been sent. They help " + d.Survey.OrgName + " improve its services. You can close this page.",
			Privacy: PrivacyNote}}
	})
}

// submit serves POST /s/{code}: a form from the page, or JSON from a program.
func (c *collector) submit(w http.ResponseWriter, r *http.Request) error {
	if isJSON(r.Header.Get("Content-Type")) {
		c.submitJSON(w, r)
		return nil
	}
	return c.submitForm(w, r)
}

func (c *collector) submitForm(w http.ResponseWriter, r *http.Request) error {
	d, err := c.visible(r)
	if err != nil {
		return err
	}
	if !d.open() {
		return c.notice(w, r, d, kindClosed, noticeClosed)
	}
	if ct := r.Header.Get("Content-Type"); ct != formType {
		if mt, _, _ := mime.ParseMediaType(ct); mt != formType {
			return c.notice(w, r, d, -1, noticeType)
		}
	}
	if r.ContentLength > c.limits.MaxBody {
		return &http.MaxBytesError{Limit: c.limits.MaxBody}
	}
	if ok, wait := c.allow(r); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		return c.notice(w, r, d, kindLimited, noticeLimited)
	}
	form := r.PostForm
	if form.Get(fieldHoneypot) != "" {
		seeOther(w, d.thanks) // a bot: pretend, store nothing
		return nil
	}
	key := form.Get(fieldKey)
	if !validFormKey(key) {
		key = ""
	}
	via := form.Get(fieldVia)
	link, hasLink := d.Links[via]
	if !hasLink {
		via = ""
	}
	tok := form.Get(fieldToken)
	if d.Survey.RequireToken && tok == "" {
		return c.notice(w, r, d, -1, noticeToken)
	}
	answers, errs := forms.ParseForm(d.Survey.Questionnaire, form)
	if len(errs) > 0 {
		if key == "" {
			key = newFormKey()
		}
		p := c.surveyView(d, forms.Render(d.Display, answers, errs), errs, key, via, tok)
		c.h.Render.Render(w, r, http.StatusUnprocessableEntity, "satisfaction/survey_page", p)
		return nil
	}
	resp := Response{SurveyID: d.Survey.ID, Version: d.Survey.Version, SubmittedAt: c.svc.Now(), Channel: "online",
		Answers: answers, Questionnaire: &d.Survey.Questionnaire}
	if hasLink {
		resp.LinkID, resp.PlaceID = link.ID, link.PlaceID
		if link.Channel != "" {
			resp.Channel = link.Channel
		}
	}
	if key != "" {
		resp.IdemKey = "form:" + key
	}
	if d.Survey.RequireToken {
		if !validToken(tok) {
			return c.notice(w, r, d, -1, noticeUsed)
		}
		resp.TokenHash = HashToken(tok)
	}
	out, err := c.svc.Committer.Submit(r.Context(), resp)
	switch {
	case errors.Is(err, ErrStopped):
		w.Header().Set("Retry-After", "5")
		return c.notice(w, r, d, -1, noticeStopped)
	case err != nil:
		return err
	case errors.Is(out.Err, ErrTokenUsed):
		return c.notice(w, r, d, -1, noticeUsed)
	case out.Err != nil:
		return out.Err
	}
	seeOther(w, d.thanks)
	return nil
}

const formType = "application/x-www-form-urlencoded"

// seeOther answers 303 See Other to the path to (a local path, already clean).
func seeOther(w http.ResponseWriter, to string) {
	w.Header()["Location"] = []string{to}
	w.WriteHeader(http.StatusSeeOther)
}

// visible returns the definition of the survey named in the path, or ErrNotFound for an
// unknown code, a draft or an archived survey.
func (c *collector) visible(r *http.Request) (*surveyDef, error) {
	d, err := c.svc.definition(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	if !d.visible() {
		return nil, db.ErrNotFound
	}
	return d, nil
}

// surveyView is the page of survey d with questions drawn (the empty form, or one with
// answers and errors).
func (c *collector) surveyView(d *surveyDef, questions template.HTML, errs valid.Errors, key, via, tok string) web.Page {
	title := d.Survey.Title
	if len(errs) > 0 {
		title = "Error: " + title
	}
	return web.Page{Title: title, Form: &web.Form{Values: url.Values{}, Errors: errs}, Data: surveyPage{
		Survey: d.Survey, Intro: surveyIntro(d.Survey), Questions: questions, Action: "/s/" + d.Survey.Code,
		Key: key, Via: via, Token: tok, Recommend: d.Recommend, Trademark: Trademark, Privacy: PrivacyNote}}
}

// notice answers with a page saying why the survey cannot be answered. kind ≥ 0 lets the page
// be kept and served again.
func (c *collector) notice(w http.ResponseWriter, r *http.Request, d *surveyDef, kind int, n notice) error {
	view := func() web.Page {
		return web.Page{Title: n.heading, Data: surveyPage{Survey: d.Survey, Heading: n.heading, Message: n.message,
			Recommend: false, Privacy: PrivacyNote}}
	}
	if kind < 0 {
		c.h.Render.Render(w, r, n.status, "satisfaction/survey_notice", view())
		return nil
	}
	return c.finished(w, r, d, pageKey{kind: kind}, "", "satisfaction/survey_notice", n.status, view)
}

// finished serves a page from d's cache of finished pages, rendering it once per language;
// via, the code of a link of the survey (or ""), and a fresh form key go in per request. Only
// pages the same for everyone are kept: a visitor who is signed in, or who sends cookies (a
// flash message), gets the page rendered for them.
func (c *collector) finished(w http.ResponseWriter, r *http.Request, d *surveyDef, k pageKey, via, name string, status int, view func() web.Page) error {
	if authz.From(r.Context()).SignedIn() || r.Header.Get("Cookie") != "" {
		p := view()
		if sp, ok := p.Data.(surveyPage); ok {
			if sp.Key == keyMarker {
				sp.Key = newFormKey()
			}
			if sp.Via == viaMarker {
				sp.Via = via
			}
			p.Data = sp
		}
		c.h.Render.Render(w, r, status, name, p)
		return nil
	}
	k.lang = c.lang(r)
	fp := d.pages.get(k)
	if fp == nil {
		var err error
		if fp, err = c.renderFinished(r, status, name, view()); err != nil {
			return err
		}
		d.pages.put(k, fp)
	}
	writeFinished(w, fp, via)
	return nil
}

// lang is the language a page is drawn in for r: the catalogue the renderer will choose.
func (c *collector) lang(r *http.Request) string {
	al := r.Header.Get("Accept-Language")
	if c.cat == nil || al == "" {
		return al
	}
	return c.cat.Match(al)
}

var (
	htmlType = []string{"text/html; charset=utf-8"}
	noStore  = []string{"no-store"}
)

// writeFinished writes a finished page with a fresh form key and the link code via.
func writeFinished(w http.ResponseWriter, fp *finishedPage, via string) {
	h := w.Header()
	h["Content-Type"] = htmlType[:1:1]
	h["Cache-Control"] = noStore[:1:1]
	n := fp.fixed
	for _, s := range fp.Slots {
		if s == slotKey {
			n += formKeyLen
		} else {
			n += len(via)
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(n)}
	w.WriteHeader(fp.Status)
	var key [formKeyLen]byte
	for i, part := range fp.Parts {
		_, _ = w.Write(part)
		if i < len(fp.Slots) {
			switch fp.Slots[i] {
			case slotKey:
				fillFormKey(key[:])
				_, _ = w.Write(key[:])
			case slotVia:
				_, _ = io.WriteString(w, via)
			}
		}
	}
}

// renderFinished renders a page once, as an anonymous visitor with the request's language,
// and cuts it where the form key and the link's code go.
func (c *collector) renderFinished(r *http.Request, status int, name string, p web.Page) (*finishedPage, error) {
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: r.URL.Path}, Header: http.Header{}, Host: r.Host}
	if l := r.Header.Get("Accept-Language"); l != "" {
		req.Header.Set("Accept-Language", l)
	}
	req = req.WithContext(reqinfo.With(context.Background(), reqinfo.Info{ID: reqinfo.From(r.Context()).ID}))
	var bw bufferWriter
	c.h.Render.Render(&bw, req, status, name, p)
	if bw.status != status {
		return nil, errors.New("satisfaction: the page " + name + " could not be drawn")
	}
	return cutPage(status, bw.buf.Bytes()), nil
}

// cutPage cuts b at each marker.
func cutPage(status int, b []byte) *finishedPage {
	fp := &finishedPage{Status: status}
	for {
		k, v := bytes.Index(b, []byte(keyMarker)), bytes.Index(b, []byte(viaMarker))
		at, s, n := k, slotKey, len(keyMarker)
		if k < 0 || (v >= 0 && v < k) {
			at, s, n = v, slotVia, len(viaMarker)
		}
		if at < 0 {
			break
		}
		fp.Parts = append(fp.Parts, b[:at])
		fp.Slots = append(fp.Slots, s)
		fp.fixed += at
		b = b[at+n:]
	}
	fp.Parts = append(fp.Parts, b)
	fp.fixed += len(b)
	return fp
}

// bufferWriter is an http.ResponseWriter that keeps what is written.
type bufferWriter struct {
	h      http.Header
	buf    bytes.Buffer
	status int
}

func (b *bufferWriter) Header() http.Header {
	if b.h == nil {
		b.h = http.Header{}
	}
	return b.h
}

func (b *bufferWriter) WriteHeader(s int) {
	if b.status == 0 {
		b.status = s
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

// newFormKey returns a fresh form key.
func newFormKey() string {
	var k [formKeyLen]byte
	fillFormKey(k[:])
	return string(k[:])
}

func fillFormKey(dst []byte) {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	base64.RawURLEncoding.Encode(dst, raw[:])
}

func validFormKey(s string) bool {
	if len(s) != formKeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != keyMarker
}

// allow takes one submission from the client's allowance (always allowed when the limit is off).
func (c *collector) allow(r *http.Request) (bool, time.Duration) {
	if c.limiter == nil || c.limiter.perNano <= 0 {
		return true, 0
	}
	return c.limiter.allow(clientKey(r))
}

// clientKey is the address the rate limit counts against.
func clientKey(r *http.Request) string {
	if ip := reqinfo.From(r.Context()).ClientIP; ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

func isJSON(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// problem writes a problem+json answer.
func problem(w http.ResponseWriter, r *http.Request, status int, detail string, fields map[string]string) {
	api.WriteProblem(w, api.Problem{Status: status, Detail: detail, Errors: fields, Instance: r.URL.Path,
		RequestID: reqinfo.From(r.Context()).ID})
}
