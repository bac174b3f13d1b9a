package engagement

// The JSON API of taking part. A participant is named by the X-Participant header (16 to 128
// visible characters of the client's choosing, the same on every request; only its SHA-256 is
// stored) or by the cookie the pages set.
//
// Choices: a vote is answered 201 only once it is committed; a repeated vote replaces the
// earlier one (201 again). A vote on a statement that is not on show is 422; an engagement not
// taking input is 409; no participant is 400; too many votes too fast is 429 with Retry-After;
// a server shutting down is 503 with Retry-After. The submissions export gives the email a
// participant left to hear back only to the owner's managers (the owner's contributors get the
// rest); the same rule holds for the CSV at /engagements/{id}/submissions.csv.

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// StatementInput is a statement sent to the API.
type StatementInput struct {
	Text string `json:"text"`
}

// VoteWord is a vote as the API spells it.
type VoteWord string

// JSONSchema lists the words for the OpenAPI document.
func (VoteWord) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []string{"agree", "disagree", "pass"}, "example": "agree"}
}

// VoteBody documents the body of POST …/votes (ParseVote reads it).
type VoteBody struct {
	Statement int64    `json:"statement"`
	Vote      VoteWord `json:"vote"`
}

func (h *Web) participateAPIRoutes(rt *web.Router) {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	st := Statement{ID: 12, EngagementID: 1, Text: "Decisions about Logan should be made in Logan.", Status: StatementVisible,
		Agree: 31, Disagree: 4, Pass: 6, CreatedAt: at}
	rt.API("GET", API+"/{id}/statements", web.Public, apiTag,
		"List an engagement's opinion-map statements with their agree, disagree and pass counts (those on show; its moderators may ask for status=pending, hidden or all; cursor pagination)",
		h.apiStatements, web.Body(nil, api.List[Statement]{Items: []Statement{st}}))
	rt.API("POST", API+"/{id}/statements", web.Public, apiTag,
		"Add a statement as a participant (X-Participant header or the participant cookie): 1 to 280 characters, at most the engagement's statement limit per participant; pending until a moderator accepts it when the engagement moderates first. 409 when the engagement is not open",
		h.apiStatementCreate, web.Body(StatementInput{Text: st.Text}, st))
	rt.API("POST", API+"/{id}/votes", web.Public, apiTag,
		"Vote on a statement on show as a participant (X-Participant header or the participant cookie): 201 once stored; a repeated vote replaces the earlier one; 422 for a statement not on show, 409 when the engagement is not open, 400 without a participant, 429 (Retry-After) when voting too fast",
		h.apiVote, web.Body(VoteBody{Statement: 12, Vote: "agree"}, VoteResult{Statement: 12, Vote: "agree", Stored: true}))
	rt.API("GET", API+"/{id}/next-statement", web.Public, apiTag,
		"The statement to show this participant next, by Pol.is priority among those they have not voted on, with their progress (204 when none is left)",
		h.apiNextStatement, web.Body(nil, Next{Statement: &st, Voted: 7, Total: 60}))
	rt.API("GET", API+"/{id}/submissions", web.SignedIn, apiTag,
		"Export an engagement's submissions (its organisation's contributors; the email a participant left to hear back only for its managers; cursor pagination)",
		h.apiSubmissions, web.Body(nil, api.List[SubmissionRow]{Items: []SubmissionRow{{ID: 1, CreatedAt: at, ConsentQuote: true,
			Answers: map[string]any{"views": "Decisions about Logan should be made in Logan."}}}}))
}

// apiRefuse answers the refusals of participation with the right status.
func apiRefuse(w http.ResponseWriter, r *http.Request, err error) error {
	var ce *ClosedError
	var fe *FloodError
	switch {
	case errors.As(err, &ce):
		return &api.BadRequest{Status: http.StatusConflict, Msg: ce.Msg}
	case errors.As(err, &fe):
		w.Header().Set("Retry-After", strconv.Itoa(fe.Seconds()))
		return &api.BadRequest{Status: http.StatusTooManyRequests, Msg: fe.Error()}
	case errors.Is(err, ErrNoParticipant), errors.Is(err, ErrBadParticipant):
		return &api.BadRequest{Msg: err.Error(), Errors: map[string]string{ParticipantHeader: "Send 16 to 128 visible characters, the same on every request."}}
	case errors.Is(err, db.ErrStopped):
		w.Header().Set("Retry-After", "5")
		api.WriteProblem(w, api.Problem{Status: http.StatusServiceUnavailable, Detail: err.Error(), Instance: r.URL.Path})
		return nil
	}
	return err
}

func (h *Web) apiStatements(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	items, err := h.Svc.Statements(r.Context(), r.PathValue("id"), r.URL.Query().Get("status"), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(items, pg.Limit, func(s Statement) int64 { return s.ID }))
}

func (h *Web) apiStatementCreate(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("id")
	e, err := h.Svc.mapEngagement(r.Context(), key, true)
	if err != nil {
		return err
	}
	id, err := Identify(r, e.ID)
	if err != nil {
		return apiRefuse(w, r, err)
	}
	var in StatementInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	st, err := h.Svc.AddStatement(r.Context(), key, id, in.Text)
	if err != nil {
		return apiRefuse(w, r, err)
	}
	if es, err := h.Svc.engStats(r.Context(), e.ID); err == nil {
		es.fill(&st)
	}
	return api.JSON(w, http.StatusCreated, st)
}

func (h *Web) apiVote(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	e, err := h.Svc.mapEngagement(ctx, key, true)
	if err != nil {
		return err
	}
	id, err := Identify(r, e.ID)
	if err != nil {
		return apiRefuse(w, r, err)
	}
	if err := checkOpen(e, h.Svc.Now()); err != nil {
		return apiRefuse(w, r, err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxVoteBody+1))
	if err != nil {
		return &api.BadRequest{Status: http.StatusRequestEntityTooLarge, Msg: "The body is larger than 4096 bytes."}
	}
	sid, vote, err := ParseVote(body)
	if err != nil {
		return err
	}
	if err := h.Svc.Vote(ctx, key, id, clientAddress(r), sid, vote); err != nil {
		return apiRefuse(w, r, err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	b := make([]byte, 0, 64)
	b = append(b, `{"statement":`...)
	b = strconv.AppendInt(b, sid, 10)
	b = append(b, `,"vote":"`...)
	b = append(b, VoteNames[vote]...)
	b = append(b, `","stored":true}`+"\n"...)
	_, _ = w.Write(b)
	return nil
}

func (h *Web) apiNextStatement(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("id")
	e, err := h.Svc.mapEngagement(r.Context(), key, true)
	if err != nil {
		return err
	}
	id, err := Identify(r, e.ID)
	if err != nil {
		return apiRefuse(w, r, err)
	}
	n, err := h.Svc.next(r.Context(), e, id)
	if err != nil {
		return err
	}
	if n.Statement == nil {
		w.Header().Set("X-Voted", strconv.Itoa(n.Voted))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return api.JSON(w, http.StatusOK, n)
}

func (h *Web) apiSubmissions(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	e, withEmail, err := h.Svc.SubmissionExport(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, err := h.Svc.SubmissionRows(r.Context(), e, withEmail, pg.After, pg.Limit+1)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(rows, pg.Limit, func(s SubmissionRow) int64 { return s.ID }))
}
