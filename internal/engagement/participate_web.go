package engagement

// The pages of taking part: the submission form, the opinion map's voting page (one statement
// at a time, three plain submit buttons: it works without JavaScript), adding a statement,
// reporting, the moderators' queue, staff seed statements, and the submissions CSV.

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// participateRoutes registers the pages and API of taking part, and the participation
// section of the engagement page.
func (h *Web) participateRoutes(rt *web.Router) {
	h.AddSection(Section{Name: "participate", Load: h.participateSection})
	rt.Page("GET", "/engagements/{id}/take-part", web.Public, h.takePart)
	rt.Page("POST", "/engagements/{id}/take-part", web.Public, h.takePartSubmit)
	rt.Page("GET", "/engagements/{id}/take-part/thanks", web.Public, h.takePartThanks)
	rt.Page("GET", "/engagements/{id}/vote", web.Public, h.votePage)
	rt.Page("POST", "/engagements/{id}/vote", web.Public, h.voteSubmit)
	rt.Page("GET", "/engagements/{id}/statements/new", web.Public, h.statementNew)
	rt.Page("POST", "/engagements/{id}/statements", web.Public, h.statementCreate)
	rt.Page("GET", "/engagements/{id}/statements/seed", web.SignedIn, h.seedPage)
	rt.Page("POST", "/engagements/{id}/statements/seed", web.SignedIn, h.seedCreate)
	rt.Page("POST", "/engagements/{id}/statements/{statement_id}/report", web.Public, h.statementReport)
	rt.Page("POST", "/engagements/{id}/statements/{statement_id}/moderate", web.SignedIn, h.statementModerate)
	rt.Page("POST", "/engagements/{id}/quotes/{quote_id}/report", web.Public, h.quoteReport)
	rt.Page("POST", "/engagements/{id}/quotes/{quote_id}/moderate", web.SignedIn, h.quoteModerate)
	rt.Page("GET", "/engagements/{id}/moderation", web.SignedIn, h.moderationPage)
	rt.Page("GET", "/engagements/{id}/submissions.csv", web.SignedIn, h.submissionsCSV)
	h.participateAPIRoutes(rt)
}

// ---- the section of the engagement page ----

// ParticipateSection is the data of the engagement page's "engagement_participate" slot.
type ParticipateSection struct {
	Key string
	// Closed says why the engagement takes no input today ("" when it does).
	Closed     string
	HasForm    bool
	HasMap     bool
	Statements int // on show
	// For its moderators: how many statements and quotes wait for a decision.
	CanModerate bool
	CanSeed     bool
	CanExport   bool
	Waiting     int
}

func (h *Web) participateSection(r *http.Request, pg *EngagementPage) (any, error) {
	ctx := r.Context()
	e := pg.E.Engagement
	p := authz.From(ctx)
	sec := &ParticipateSection{Key: e.Key(), HasForm: e.Questionnaire != nil, HasMap: e.HasMap,
		CanModerate: CanModerate(p, e), CanSeed: e.HasMap && CanManage(p, e), CanExport: CanWork(p, e) && e.Questionnaire != nil}
	if err := checkOpen(e, h.Svc.Now()); err != nil {
		sec.Closed = err.Error()
	}
	if e.HasMap {
		es, err := h.Svc.engStats(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		es.mu.RLock()
		sec.Statements = len(es.ids)
		es.mu.RUnlock()
	}
	if sec.CanModerate {
		err := h.Svc.DB.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM engagement_statements WHERE engagement_id = ? AND (status = 'pending' OR (status = 'visible' AND reports > 0)
				OR (status = 'hidden' AND moderated_by IS NULL)))
			+ (SELECT COUNT(*) FROM engagement_quotes WHERE engagement_id = ? AND ((hidden_at IS NULL AND reports > 0) OR hidden_reason = ?))`,
			e.ID, e.ID, AutoHiddenReason).Scan(&sec.Waiting)
		if err != nil {
			return nil, err
		}
	}
	return sec, nil
}

// ---- errors ----

// noticePage is a page that says why something cannot be done, and where to go.
type noticePage struct {
	E       Detail
	Heading string
	Message string
}

// refuse answers a refused participation: a closed engagement (409) or a flood (429) gets a
// page saying so; anything else goes to the router.
func (h *Web) refuse(w http.ResponseWriter, r *http.Request, d Detail, err error) error {
	var ce *ClosedError
	var fe *FloodError
	switch {
	case errors.As(err, &ce):
		h.Render.Render(w, r, http.StatusConflict, "engagement/participate_notice", web.Page{Title: "This engagement is not taking part now",
			Data: noticePage{E: d, Heading: "This engagement is not taking part now", Message: ce.Msg}, Breadcrumbs: crumbs(d, "Take part")})
		return nil
	case errors.As(err, &fe):
		w.Header().Set("Retry-After", strconv.Itoa(fe.Seconds()))
		h.Render.Render(w, r, http.StatusTooManyRequests, "engagement/participate_notice", web.Page{Title: "Please slow down",
			Data: noticePage{E: d, Heading: "Please slow down", Message: fe.Error()}, Breadcrumbs: crumbs(d, "Vote")})
		return nil
	case errors.Is(err, db.ErrStopped):
		w.Header().Set("Retry-After", "5")
		h.Render.Render(w, r, http.StatusServiceUnavailable, "engagement/participate_notice", web.Page{Title: "Please try again in a moment",
			Data:        noticePage{E: d, Heading: "Please try again in a moment", Message: "The service is restarting and your vote was not recorded. Go back and vote again in a moment."},
			Breadcrumbs: crumbs(d, "Vote")})
		return nil
	case errors.Is(err, ErrNoParticipant), errors.Is(err, ErrBadParticipant):
		return &api.BadRequest{Msg: err.Error()}
	}
	return err
}

// ---- the submission form ----

// TakePartPage is the data of the submission form.
type TakePartPage struct {
	E            Detail
	Closed       string
	Questions    template.HTML
	Demographics template.HTML
	DemoIntro    string
	HasDemo      bool
}

func (h *Web) formEngagement(r *http.Request) (Detail, error) {
	d, err := h.Svc.Engagement(r.Context(), r.PathValue("id"))
	if err != nil {
		return Detail{}, err
	}
	if d.Questionnaire == nil {
		return Detail{}, db.ErrNotFound
	}
	return d, nil
}

func (h *Web) takePartView(d Detail, answers, demo forms.Answers, errs valid.Errors) TakePartPage {
	v := TakePartPage{E: d}
	if err := checkOpen(d.Engagement, h.Svc.Now()); err != nil {
		v.Closed = err.Error()
		return v
	}
	v.Questions = forms.Render(*d.Questionnaire, answers, errs)
	if dq := DemographicsForm(d.Engagement); dq != nil {
		v.HasDemo = true
		v.DemoIntro = dq.Intro
		dq.Intro = ""
		v.Demographics = forms.Render(*dq, demo, errs)
	}
	return v
}

func (h *Web) takePart(w http.ResponseWriter, r *http.Request) error {
	d, err := h.formEngagement(r)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/participate_take_part", web.Page{Title: "Take part: " + d.Title, Data: h.takePartView(d, nil, nil, nil),
		Form: web.NewForm(r), Breadcrumbs: crumbs(d, "Take part")})
	return nil
}

func (h *Web) takePartSubmit(w http.ResponseWriter, r *http.Request) error {
	d, err := h.formEngagement(r)
	if err != nil {
		return err
	}
	if err := checkOpen(d.Engagement, h.Svc.Now()); err != nil {
		return h.refuse(w, r, d, err)
	}
	in, typed, demo, errs := ParseSubmission(d.Engagement, r.PostForm)
	page := web.Page{Title: "Take part: " + d.Title, Form: web.NewForm(r), Breadcrumbs: crumbs(d, "Take part")}
	if errs != nil {
		page.Data = h.takePartView(d, typed, demo, errs)
		h.Render.Invalid(w, r, "engagement/participate_take_part", page, errs)
		return nil
	}
	id, err := identifyOrStart(w, r, d.ID)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	if _, err := h.Svc.Submit(r.Context(), d.Key(), id, in); err != nil {
		if ve, ok := valid.As(err); ok {
			page.Data = h.takePartView(d, typed, demo, ve)
			h.Render.Invalid(w, r, "engagement/participate_take_part", page, ve)
			return nil
		}
		return h.refuse(w, r, d, err)
	}
	http.Redirect(w, r, d.URL()+"/take-part/thanks", http.StatusSeeOther)
	return nil
}

func (h *Web) takePartThanks(w http.ResponseWriter, r *http.Request) error {
	d, err := h.formEngagement(r)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/participate_thanks", web.Page{Title: "Thank you", Data: TakePartPage{E: d}, Breadcrumbs: crumbs(d, "Thank you")})
	return nil
}

// ---- voting ----

// VotePage is the data of the voting page.
type VotePage struct {
	E         Detail
	Closed    string
	Next      Next
	Allowance StatementAllowance
}

func (h *Web) mapDetail(r *http.Request) (Detail, error) {
	d, err := h.Svc.Engagement(r.Context(), r.PathValue("id"))
	if err != nil {
		return Detail{}, err
	}
	if !d.HasMap {
		return Detail{}, db.ErrNotFound
	}
	return d, nil
}

func (h *Web) votePage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.mapDetail(r)
	if err != nil {
		return err
	}
	id, err := Identify(r, d.ID)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	v := VotePage{E: d}
	if err := checkOpen(d.Engagement, h.Svc.Now()); err != nil {
		v.Closed = err.Error()
	}
	if v.Next, err = h.Svc.next(r.Context(), d.Engagement, id); err != nil {
		return err
	}
	if v.Allowance, err = h.Svc.Allowance(r.Context(), d.Engagement, id); err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/participate_vote", web.Page{Title: "Vote: " + d.Title, Data: v, Breadcrumbs: crumbs(d, "Vote")})
	return nil
}

func (h *Web) voteSubmit(w http.ResponseWriter, r *http.Request) error {
	d, err := h.mapDetail(r)
	if err != nil {
		return err
	}
	back := d.URL() + "/vote"
	f := web.NewForm(r)
	sid, perr := strconv.ParseInt(f.Get("statement"), 10, 64)
	vote, ok := ParseVoteValue(f.Get("vote"))
	if perr != nil || sid <= 0 || !ok {
		setFlash(w, r, "error", "Choose Agree, Disagree or Pass for the statement shown.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if err := checkOpen(d.Engagement, h.Svc.Now()); err != nil {
		return h.refuse(w, r, d, err)
	}
	id, err := identifyOrStart(w, r, d.ID)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	err = h.Svc.Vote(r.Context(), d.Key(), id, clientAddress(r), sid, vote)
	if _, invalid := valid.As(err); invalid {
		setFlash(w, r, "error", "That statement is no longer on the map, so your vote was not recorded. Here is another.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	setFlash(w, r, "success", "Your vote is recorded: "+map[int]string{VoteAgree: "you agreed.", VoteDisagree: "you disagreed.", VotePass: "you passed."}[vote])
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// ---- adding a statement ----

// StatementPage is the data of the page that adds a statement.
type StatementPage struct {
	E         Detail
	Closed    string
	Allowance StatementAllowance
	Pre       bool // moderated before it appears
	Max       int
	// Seeds lists the statements on show, for the staff page that adds seed statements.
	Seeds []Candidate
	Texts map[int64]string
}

func (h *Web) statementView(r *http.Request, d Detail) (StatementPage, error) {
	v := StatementPage{E: d, Pre: d.Moderation == ModeratePre, Max: MaxStatement}
	if err := checkOpen(d.Engagement, h.Svc.Now()); err != nil {
		v.Closed = err.Error()
	}
	id, err := Identify(r, d.ID)
	if err != nil {
		return v, err
	}
	v.Allowance, err = h.Svc.Allowance(r.Context(), d.Engagement, id)
	return v, err
}

func (h *Web) statementNew(w http.ResponseWriter, r *http.Request) error {
	d, err := h.mapDetail(r)
	if err != nil {
		return err
	}
	v, err := h.statementView(r, d)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	h.Render.OK(w, r, "engagement/statement_new", web.Page{Title: "Add a statement: " + d.Title, Data: v, Form: web.NewForm(r), Breadcrumbs: crumbs(d, "Add a statement")})
	return nil
}

func (h *Web) statementCreate(w http.ResponseWriter, r *http.Request) error {
	d, err := h.mapDetail(r)
	if err != nil {
		return err
	}
	if err := checkOpen(d.Engagement, h.Svc.Now()); err != nil {
		return h.refuse(w, r, d, err)
	}
	id, err := identifyOrStart(w, r, d.ID)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	f := web.NewForm(r)
	st, err := h.Svc.AddStatement(r.Context(), d.Key(), id, f.Get("text"))
	if ve, ok := valid.As(err); ok {
		v, verr := h.statementView(r, d)
		if verr != nil {
			return verr
		}
		v.Allowance, _ = h.Svc.Allowance(r.Context(), d.Engagement, id)
		h.Render.Invalid(w, r, "engagement/statement_new", web.Page{Title: "Add a statement: " + d.Title, Data: v, Form: f, Breadcrumbs: crumbs(d, "Add a statement")}, ve)
		return nil
	}
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	msg := "Thank you: your statement is on the map for others to vote on."
	if st.Status == StatementPending {
		msg = "Thank you for your statement: it will appear once a moderator has checked it."
	}
	return web.Redirect(w, r, d.URL()+"/vote", msg)
}

// ---- seed statements (staff) ----

func (h *Web) seedView(r *http.Request, d Detail) (StatementPage, error) {
	v := StatementPage{E: d, Max: MaxStatement, Texts: map[int64]string{}}
	es, err := h.Svc.engStats(r.Context(), d.ID)
	if err != nil {
		return v, err
	}
	v.Seeds = es.candidates()
	es.mu.RLock()
	for _, c := range v.Seeds {
		v.Texts[c.ID] = es.visible[c.ID].Text
	}
	es.mu.RUnlock()
	return v, nil
}

func (h *Web) seedPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.mapDetail(r)
	if err != nil {
		return err
	}
	if !CanManage(authz.From(r.Context()), d.Engagement) {
		return authz.ErrForbidden
	}
	v, err := h.seedView(r, d)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/statement_seed", web.Page{Title: "Seed statements: " + d.Title, Data: v, Form: web.NewForm(r), Breadcrumbs: crumbs(d, "Seed statements")})
	return nil
}

func (h *Web) seedCreate(w http.ResponseWriter, r *http.Request) error {
	d, err := h.mapDetail(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	_, err = h.Svc.SeedStatement(r.Context(), d.Key(), f.Get("text"))
	if ve, ok := valid.As(err); ok {
		v, verr := h.seedView(r, d)
		if verr != nil {
			return verr
		}
		h.Render.Invalid(w, r, "engagement/statement_seed", web.Page{Title: "Seed statements: " + d.Title, Data: v, Form: f, Breadcrumbs: crumbs(d, "Seed statements")}, ve)
		return nil
	}
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	return web.Redirect(w, r, d.URL()+"/statements/seed", "The statement is on the map.")
}

// ---- reports ----

// backTo is where a report returns: the page it came from on this site, or the fallback.
func backTo(r *http.Request, fallback string) string {
	if b := safeBack(r.PostForm.Get("back")); b != "" {
		return b
	}
	return fallback
}

func (h *Web) statementReport(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Svc.Engagement(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	sid, err := web.PathID(r, "statement_id")
	if err != nil {
		return err
	}
	id, err := identifyOrStart(w, r, d.ID)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	res, err := h.Svc.ReportStatement(r.Context(), d.Key(), sid, id, clientAddress(r), r.PostForm.Get("reason"))
	if ve, ok := valid.As(err); ok {
		setFlash(w, r, "error", ve.Error())
		http.Redirect(w, r, backTo(r, d.URL()+"/vote"), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	msg := "Thank you: your report is recorded. Moderators will look at the statement."
	switch {
	case res.Hidden:
		msg = "Thank you: the statement is hidden until a moderator has looked at it."
	case !res.Counted:
		msg = "You have already reported this statement. Moderators will look at it."
	}
	return web.Redirect(w, r, backTo(r, d.URL()+"/vote"), msg)
}

func (h *Web) quoteReport(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Svc.Engagement(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	qid, err := web.PathID(r, "quote_id")
	if err != nil {
		return err
	}
	id, err := identifyOrStart(w, r, d.ID)
	if err != nil {
		return h.refuse(w, r, d, err)
	}
	res, err := h.Svc.ReportQuote(r.Context(), d.Key(), qid, id, clientAddress(r), r.PostForm.Get("reason"))
	if ve, ok := valid.As(err); ok {
		setFlash(w, r, "error", ve.Error())
		http.Redirect(w, r, backTo(r, d.URL()+"/report"), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	msg := "Thank you: your report is recorded. Moderators will look at the quote."
	switch {
	case res.Hidden:
		msg = "Thank you: the quote is hidden until a moderator has looked at it."
	case !res.Counted:
		msg = "You have already reported this quote. Moderators will look at it."
	}
	return web.Redirect(w, r, backTo(r, d.URL()+"/report"), msg)
}

// ---- moderation ----

// ModerationPage is the data of the moderators' queue.
type ModerationPage struct {
	E Detail
	Queue
	Sections []ModSection
	// Item is the statement ("s12") or quote ("q3") whose decision was refused, for its errors.
	Item string
}

// ModSection is a list of the queue.
type ModSection struct {
	ID, Heading string
	Items       []ModItem
}

// ModItem is a statement or quote of the queue with its decision form.
type ModItem struct {
	Key     string // "s12", "q3": the suffix of its fields' IDs
	Text    string
	Note    string
	Action  string
	Choices []web.Option
	// After a refused decision: what was chosen and typed, and the messages.
	Chosen, Reason             string
	DecisionError, ReasonError string
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func statementItem(e Detail, st ModeratedStatement) ModItem {
	it := ModItem{Key: "s" + strconv.FormatInt(st.ID, 10), Text: st.Text,
		Action: "/engagements/" + e.Key() + "/statements/" + strconv.FormatInt(st.ID, 10) + "/moderate"}
	who := "a participant"
	if st.Seed {
		who = "staff"
	}
	it.Note = "Added by " + who + " on " + st.CreatedAt.Format("2 Jan 2006 15:04 UTC")
	if st.Reports > 0 {
		it.Note += " · reported " + plural(st.Reports, "time", "times")
	}
	hide := web.Option{Value: DecisionHide, Label: "Hide it"}
	switch {
	case st.Status == StatementPending:
		it.Note += " · waiting to appear"
		it.Choices = []web.Option{{Value: DecisionAccept, Label: "Accept it: put it on show"}, hide}
	case st.AwaitingDecision():
		it.Note += " · hidden until you decide"
		it.Choices = []web.Option{{Value: DecisionRestore, Label: "Restore it: put it back on show and clear its reports"}, {Value: DecisionHide, Label: "Keep it hidden"}}
	case st.Status == StatementHidden:
		it.Note += " · hidden"
		if st.ModeratedAt != nil {
			it.Note += " on " + st.ModeratedAt.Format("2 Jan 2006")
		}
		if st.Reason != "" {
			it.Note += ": " + st.Reason
		}
		it.Choices = []web.Option{{Value: DecisionRestore, Label: "Restore it: put it back on show"}}
	default:
		it.Note += " · on show"
		it.Choices = []web.Option{hide, {Value: DecisionRestore, Label: "Keep it on show and clear its reports"}}
	}
	return it
}

func quoteItem(e Detail, q ModeratedQuote) ModItem {
	it := ModItem{Key: "q" + strconv.FormatInt(q.ID, 10), Text: q.Text,
		Action: "/engagements/" + e.Key() + "/quotes/" + strconv.FormatInt(q.ID, 10) + "/moderate"}
	it.Note = "A quote of the report, from submission " + strconv.FormatInt(q.SubmissionID, 10)
	if q.Reports > 0 {
		it.Note += " · reported " + plural(q.Reports, "time", "times")
	}
	switch {
	case q.AwaitingDecision():
		it.Note += " · hidden until you decide"
		it.Choices = []web.Option{{Value: DecisionRestore, Label: "Restore it: show it in the report and clear its reports"}, {Value: DecisionHide, Label: "Keep it hidden"}}
	case q.HiddenAt != nil:
		it.Note += " · hidden: " + q.HiddenReason
		it.Choices = []web.Option{{Value: DecisionRestore, Label: "Restore it: show it in the report again"}}
	default:
		it.Note += " · shown in the report"
		it.Choices = []web.Option{{Value: DecisionHide, Label: "Hide it from the report"}, {Value: DecisionRestore, Label: "Keep it and clear its reports"}}
	}
	return it
}

// moderationSections lays out the queue; the item whose decision was refused keeps what was
// chosen and typed, with its messages.
func moderationSections(d Detail, q Queue, item string, f *web.Form) []ModSection {
	var out []ModSection
	add := func(id, heading string, items []ModItem) {
		if len(items) == 0 {
			return
		}
		for i := range items {
			if items[i].Key == item && f != nil {
				items[i].Chosen, items[i].Reason = f.Get("decision"), f.Get("reason")
				items[i].DecisionError, items[i].ReasonError = f.Error("decision-"+item), f.Error("reason-"+item)
			}
		}
		out = append(out, ModSection{ID: id, Heading: heading, Items: items})
	}
	var pending, reported, hidden, quotes, hiddenQuotes []ModItem
	for _, st := range q.Pending {
		pending = append(pending, statementItem(d, st))
	}
	for _, st := range q.Reported {
		reported = append(reported, statementItem(d, st))
	}
	for _, st := range q.Hidden {
		hidden = append(hidden, statementItem(d, st))
	}
	for _, x := range q.Quotes {
		if x.Reports > 0 || x.AwaitingDecision() {
			quotes = append(quotes, quoteItem(d, x))
		} else {
			hiddenQuotes = append(hiddenQuotes, quoteItem(d, x))
		}
	}
	add("pending", "Statements waiting to appear", pending)
	add("reported", "Reported statements", reported)
	add("quotes", "Reported quotes", quotes)
	add("hidden", "Statements hidden by a moderator", hidden)
	add("hidden-quotes", "Quotes hidden by a moderator", hiddenQuotes)
	return out
}

func (h *Web) moderationView(w http.ResponseWriter, r *http.Request, status int, item string, f *web.Form) error {
	d, q, err := h.Svc.ModerationQueue(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	h.Render.Render(w, r, status, "engagement/moderation_queue", web.Page{Title: "Moderation: " + d.Title,
		Data: ModerationPage{E: d, Queue: q, Item: item, Sections: moderationSections(d, q, item, f)}, Form: f, Breadcrumbs: crumbs(d, "Moderation")})
	return nil
}

func (h *Web) moderationPage(w http.ResponseWriter, r *http.Request) error {
	return h.moderationView(w, r, http.StatusOK, "", web.NewForm(r))
}

// moderationErrors keys a decision's field errors by item, as the queue's fields are named.
func moderationErrors(item string, ve valid.Errors) valid.Errors {
	out := valid.Errors{}
	for k, m := range ve {
		if k == "" {
			out[""] = m
			continue
		}
		out[k+"-"+item] = m
	}
	return out
}

func (h *Web) statementModerate(w http.ResponseWriter, r *http.Request) error {
	sid, err := web.PathID(r, "statement_id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	st, err := h.Svc.ModerateStatement(r.Context(), r.PathValue("id"), sid, f.Get("decision"), f.Get("reason"))
	if ve, ok := valid.As(err); ok {
		item := "s" + strconv.FormatInt(sid, 10)
		f.Errors = moderationErrors(item, ve)
		return h.moderationView(w, r, http.StatusUnprocessableEntity, item, f)
	}
	if err != nil {
		return err
	}
	msg := map[string]string{StatementVisible: "The statement is on show.", StatementHidden: "The statement is hidden."}[st.Status]
	return web.Redirect(w, r, backTo(r, "/engagements/"+r.PathValue("id")+"/moderation"), msg+" Your decision is recorded in the audit log.")
}

func (h *Web) quoteModerate(w http.ResponseWriter, r *http.Request) error {
	qid, err := web.PathID(r, "quote_id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	qt, err := h.Svc.ModerateQuote(r.Context(), r.PathValue("id"), qid, f.Get("decision"), f.Get("reason"))
	if ve, ok := valid.As(err); ok {
		item := "q" + strconv.FormatInt(qid, 10)
		f.Errors = moderationErrors(item, ve)
		return h.moderationView(w, r, http.StatusUnprocessableEntity, item, f)
	}
	if err != nil {
		return err
	}
	msg := "The quote is shown in the report again."
	if qt.HiddenAt != nil {
		msg = "The quote is hidden from the report."
	}
	return web.Redirect(w, r, backTo(r, "/engagements/"+r.PathValue("id")+"/moderation"), msg+" Your decision is recorded in the audit log.")
}

// ---- the submissions CSV ----

func (h *Web) submissionsCSV(w http.ResponseWriter, r *http.Request) error {
	e, withEmail, err := h.Svc.SubmissionExport(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="engagement-`+strconv.FormatInt(e.ID, 10)+`-submissions.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	c, err := export.NewCSV(w, CSVHeader(e, withEmail)...)
	if err != nil {
		return nil // the client went away
	}
	var after int64
	for {
		rows, err := h.Svc.SubmissionRows(r.Context(), e, withEmail, after, ExportBatch)
		if err != nil {
			h.Svc.log().ErrorContext(r.Context(), "submissions export", "engagement", e.ID, "err", err)
			_ = c.Row("The export stopped early because of an error; download it again.")
			break
		}
		for _, row := range rows {
			if err := c.Row(row.CSVRow(e, withEmail)...); err != nil {
				return nil
			}
			after = row.ID
		}
		if len(rows) < ExportBatch {
			break
		}
	}
	_ = c.Close()
	return nil
}
