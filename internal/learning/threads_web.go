package learning

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

func (h *Web) threadRoutes(rt *web.Router) {
	rt.Page("GET", "/communities/{id}/threads", web.SignedIn, h.threadList)
	rt.Page("GET", "/communities/{id}/threads/new", web.SignedIn, h.threadNew)
	rt.Page("POST", "/communities/{id}/threads", web.SignedIn, h.threadCreate)
	rt.Page("GET", "/communities/{id}/threads/{thread_id}", web.SignedIn, h.threadShow)
	rt.Page("POST", "/communities/{id}/threads/{thread_id}/replies", web.SignedIn, h.threadReply)
}

type threadListData struct {
	A       Access
	Threads []Thread
}

func (h *Web) threadList(w http.ResponseWriter, r *http.Request) error {
	a, ts, err := h.Svc.Threads(r.Context(), r.PathValue("id"), 0, 200)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/thread_list", web.Page{Title: "Discussions of " + a.Community.Name, Data: threadListData{A: a, Threads: ts},
		Breadcrumbs: communityCrumbs(a.Community, web.Crumb{Label: "Discussions"})})
	return nil
}

type threadFormData struct {
	A          Access
	Workgroups []web.Option
}

func (h *Web) threadFormPage(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	ctx := r.Context()
	a, err := h.Svc.inside(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	wgs, err := h.Svc.Workgroups(ctx, a.Community.ID)
	if err != nil {
		return err
	}
	h.Render.Render(w, r, status, "learning/thread_form", web.Page{Title: "Start a discussion", Form: form,
		Data:        threadFormData{A: a, Workgroups: cpOptions(wgs, func(w Workgroup) (string, string) { return cpItoa(w.ID), w.Name })},
		Breadcrumbs: communityCrumbs(a.Community, web.Crumb{Label: "Discussions", URL: a.Community.URL() + "/threads"}, web.Crumb{Label: "New"})})
	return nil
}

func (h *Web) threadNew(w http.ResponseWriter, r *http.Request) error {
	form := web.FormOf(map[string]string{"workgroup_id": r.URL.Query().Get("workgroup")})
	return h.threadFormPage(w, r, http.StatusOK, form)
}

func (h *Web) threadCreate(w http.ResponseWriter, r *http.Request) error {
	form := web.NewForm(r)
	errs := valid.Errors{}
	in := ThreadInput{Title: form.Get("title"), Body: form.Get("body"), WorkgroupID: cpFormInt(errs, form, "workgroup_id", "Choose a workgroup from the list.")}
	var t Thread
	var err error
	if len(errs) == 0 {
		t, err = h.Svc.CreateThread(r.Context(), r.PathValue("id"), in)
	} else if _, err = h.Svc.inside(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if err = cpMergeErrors(errs, err); err != nil {
		if ve, ok := valid.As(err); ok {
			form.Errors = ve
			return h.threadFormPage(w, r, http.StatusUnprocessableEntity, form)
		}
		return err
	}
	return web.Redirect(w, r, t.URL(), "Your discussion is started.")
}

// replyView is a reply with its body rendered.
type replyView struct {
	Reply
	HTML template.HTML
}

type threadShowData struct {
	V       ThreadView
	Body    template.HTML
	Replies []replyView
	Me      int64
}

func (h *Web) threadPage(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	id, err := web.PathID(r, "thread_id")
	if err != nil {
		return err
	}
	v, err := h.Svc.Thread(r.Context(), r.PathValue("id"), id)
	if err != nil {
		return err
	}
	d := threadShowData{V: v, Body: Markdown(v.Thread.Body), Me: authz.From(r.Context()).UserID}
	for _, rp := range v.Replies {
		d.Replies = append(d.Replies, replyView{Reply: rp, HTML: Markdown(rp.Body)})
	}
	h.Render.Render(w, r, status, "learning/thread_show", web.Page{Title: v.Thread.Title, Form: form, Data: d,
		Breadcrumbs: communityCrumbs(v.Access.Community, web.Crumb{Label: "Discussions", URL: v.Access.Community.URL() + "/threads"}, web.Crumb{Label: v.Thread.Title})})
	return nil
}

func (h *Web) threadShow(w http.ResponseWriter, r *http.Request) error {
	return h.threadPage(w, r, http.StatusOK, web.FormOf(nil))
}

func (h *Web) threadReply(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "thread_id")
	if err != nil {
		return err
	}
	form := web.NewForm(r)
	rp, err := h.Svc.Reply(r.Context(), r.PathValue("id"), id, ReplyInput{Body: form.Get("body")})
	if ve, ok := valid.As(err); ok {
		form.Errors = ve
		return h.threadPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	v, err := h.Svc.Thread(r.Context(), r.PathValue("id"), id)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, v.Thread.URL()+"#reply-"+strconv.FormatInt(rp.ID, 10), "Your reply is posted.")
}
