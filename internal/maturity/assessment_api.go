package maturity

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// AssessmentAPI is where the JSON API of self-assessments lives. (The reviews of
// open-government commitments are at /api/v1/commitment-assessments.)
const AssessmentAPI = "/api/v1/assessments"

const assessmentTag = "Self-assessment"

// AssessmentDetail is an assessment with its respondents (emails only for those who run it)
// and the number of items of its framework.
type AssessmentDetail struct {
	Assessment
	Items       int          `json:"items"`
	Respondents []Respondent `json:"respondents"`
}

// AnswerInput is one respondent's answer to one item, as sent to the API.
type AnswerInput struct {
	Current          string   `json:"current"`
	Target           string   `json:"target"`
	Evidence         string   `json:"evidence"`
	Links            []string `json:"links"`
	NeedsImprovement bool     `json:"needs_improvement"`
}

// AgreedInput is the facilitator's agreed answer to one item.
type AgreedInput struct {
	Current          string `json:"current"`
	Target           string `json:"target"`
	NeedsImprovement bool   `json:"needs_improvement"`
	Reason           string `json:"reason"`
}

// MyAnswers is a respondent's own answers.
type MyAnswers struct {
	AssessmentID int64             `json:"assessment_id"`
	Status       string            `json:"status"`
	SubmittedAt  *time.Time        `json:"submitted_at,omitempty"`
	Answered     int               `json:"answered"`
	Items        int               `json:"items"`
	Answers      map[string]Answer `json:"answers"`
}

// AgreedAnswers are the facilitator's agreed answers.
type AgreedAnswers struct {
	AssessmentID int64             `json:"assessment_id"`
	Status       string            `json:"status"`
	Answers      map[string]Answer `json:"answers"`
}

// StatusInput moves an assessment along.
type StatusInput struct {
	Status string `json:"status"`
}

// InviteInput names the account to invite.
type InviteInput struct {
	Email string `json:"email"`
}

// SubmitInput marks one's answers done (true) or reopens them (false).
type SubmitInput struct {
	Done bool `json:"done"`
}

// BenchmarkInput opts the assessment in or out of benchmarks.
type BenchmarkInput struct {
	OptIn bool `json:"opt_in"`
}

func (h *Web) assessmentAPIRoutes(rt *web.Router) {
	base := AssessmentAPI
	ex := assessmentExample()
	exAnswer := Answer{ItemKey: "open-1", Current: "3", Target: "4", Evidence: "Engagement plans are published for two of five programs.",
		Links: []string{"https://example.gov.au/engagement-plans"}, NeedsImprovement: true, UpdatedAt: ex.UpdatedAt}
	exIn := AnswerInput{Current: "3", Target: "4", Evidence: exAnswer.Evidence, Links: exAnswer.Links, NeedsImprovement: true}
	exAgreed := Answer{ItemKey: "open-1", Current: "3", Target: "4", NeedsImprovement: true, Reason: "Two respondents saw plans only for their own programs.", UpdatedAt: ex.UpdatedAt}
	exResp := Respondent{UserID: 7, Name: "Sam Lee", Email: "sam.lee@example.gov.au", Orgs: []string{"Department of the Prime Minister and Cabinet"}, InvitedAt: ex.CreatedAt, Answered: 12}
	detail := AssessmentDetail{Assessment: ex, Items: 24, Respondents: []Respondent{exResp}}

	rt.API("GET", base, web.SignedIn, assessmentTag,
		"List the self-assessments you may see: your organisations', and those you facilitate or answer (filters: organisation, status; cursor pagination)",
		h.apiAssessmentList, web.Body(nil, api.List[Assessment]{Items: []Assessment{ex}}))
	rt.API("POST", base, web.SignedIn, assessmentTag,
		"Start a self-assessment of an organisation you manage against a framework, for a period; you facilitate unless facilitator names someone else by email",
		h.apiAssessmentCreate, web.Body(AssessmentInput{OrgID: ex.OrgID, FrameworkID: ex.FrameworkID, Title: ex.Title, SubjectKind: "organisation",
			PeriodStart: "2024-07-01", PeriodEnd: "2025-06-30"}, ex))
	rt.API("GET", base+"/{id}", web.SignedIn, assessmentTag, "Get a self-assessment with its respondents",
		h.apiAssessmentGet, web.Body(nil, detail))
	rt.API("POST", base+"/{id}/status", web.SignedIn, assessmentTag,
		"Move a self-assessment along (facilitator): open → reconciling → closed, or reconciling → open; closing needs an agreed answer for every item",
		h.apiAssessmentStatus, web.Body(StatusInput{Status: StatusReconciling}, ex))
	rt.API("POST", base+"/{id}/benchmark", web.SignedIn, assessmentTag,
		"Opt the assessment's results in or out of anonymous benchmarks against peers (organisation admins)",
		h.apiAssessmentBenchmark, web.Body(BenchmarkInput{OptIn: true}, ex))
	rt.API("GET", base+"/{id}/respondents", web.SignedIn, assessmentTag, "List the respondents and who has marked their answers done",
		h.apiRespondentList, web.Body(nil, api.List[Respondent]{Items: []Respondent{exResp}}))
	rt.API("POST", base+"/{id}/respondents", web.SignedIn, assessmentTag, "Invite an account, by email, to answer (facilitator, while open)",
		h.apiRespondentInvite, web.Body(InviteInput{Email: exResp.Email}, exResp))
	rt.API("DELETE", base+"/{id}/respondents/{user_id}", web.SignedIn, assessmentTag, "Withdraw an invitation and the answers given under it (facilitator, while open)",
		h.apiRespondentRemove)
	rt.API("GET", base+"/{id}/answers", web.SignedIn, assessmentTag, "Get your own answers (respondents)",
		api.Get(h.myAnswers), web.Body(nil, MyAnswers{AssessmentID: ex.ID, Status: StatusOpen, Answered: 1, Items: 24, Answers: map[string]Answer{"open-1": exAnswer}}))
	rt.API("PUT", base+"/{id}/answers", web.SignedIn, assessmentTag,
		"Save your answers to the items given, by item ID (others are left as they are; an empty answer clears one). Choices are an option's value, \"na\" or \"dont_know\" where the answer set allows them, or \"\". Field errors are keyed ITEM/current, ITEM/target, ITEM/evidence, ITEM/links",
		api.Do(h.saveAnswers, h.myAnswers), web.Body(map[string]AnswerInput{"open-1": exIn}, MyAnswers{AssessmentID: ex.ID, Status: StatusOpen, Answered: 1, Items: 24, Answers: map[string]Answer{"open-1": exAnswer}}))
	rt.API("POST", base+"/{id}/submit", web.SignedIn, assessmentTag, "Mark your answers done, or reopen them (respondents, while open)",
		api.Do(h.submit, h.myAnswers), web.Body(SubmitInput{Done: true}, MyAnswers{AssessmentID: ex.ID, Status: StatusOpen, Answered: 1, Items: 24, Answers: map[string]Answer{"open-1": exAnswer}}))
	rt.API("GET", base+"/{id}/agreed", web.SignedIn, assessmentTag, "Get the agreed answers (the facilitator; once closed, everyone who may see the results)",
		api.Get(h.agreedAnswers), web.Body(nil, AgreedAnswers{AssessmentID: ex.ID, Status: StatusReconciling, Answers: map[string]Answer{"open-1": exAgreed}}))
	rt.API("PUT", base+"/{id}/agreed", web.SignedIn, assessmentTag,
		"Record agreed answers by item ID (facilitator, while reconciling); a reason is required where respondents disagreed or the agreed level differs from every respondent's (errors keyed ITEM/reason)",
		api.Do(h.agree, h.agreedAnswers), web.Body(map[string]AgreedInput{"open-1": {Current: "3", Target: "4", NeedsImprovement: true, Reason: exAgreed.Reason}},
			AgreedAnswers{AssessmentID: ex.ID, Status: StatusReconciling, Answers: map[string]Answer{"open-1": exAgreed}}))
}

func assessmentExample() Assessment {
	at := time.Date(2025, 7, 14, 9, 30, 0, 0, time.UTC)
	return Assessment{ID: 1, OrgID: 2, OrgName: "Department of the Prime Minister and Cabinet", FrameworkID: 1,
		FrameworkTitle: "Charter engagement maturity", Title: "Engagement maturity 2024–25", SubjectKind: "organisation",
		PeriodStart: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		Status: StatusOpen, FacilitatorID: 5, Facilitator: "Alex Chen", CreatedAt: at, UpdatedAt: at}
}

func (h *Web) apiAssessmentList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := AssessmentFilter{ByID: true, After: pg.After, Limit: pg.Limit + 1, Status: q.Get("status")}
	bad := map[string]string{}
	if s := q.Get("organisation"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			bad["organisation"] = "Use the organisation's ID, a whole number."
		}
		f.OrgID = n
	}
	switch f.Status {
	case "", StatusOpen, StatusReconciling, StatusClosed:
	default:
		bad["status"] = "Use open, reconciling or closed."
	}
	if len(bad) > 0 {
		return &api.BadRequest{Msg: "Check the query parameters.", Errors: bad}
	}
	list, err := h.Svc.Assessments(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(list, pg.Limit, func(a Assessment) int64 { return a.ID }))
}

func (h *Web) apiAssessmentCreate(w http.ResponseWriter, r *http.Request) error {
	var in AssessmentInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	a, err := h.Svc.CreateAssessment(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", AssessmentAPI+"/"+strconv.FormatInt(a.ID, 10))
	return api.JSON(w, http.StatusCreated, a)
}

func (h *Web) apiAssessment(r *http.Request) (Assessment, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Assessment{}, err
	}
	return h.Svc.Assessment(r.Context(), id)
}

func (h *Web) apiRespondents(r *http.Request, a Assessment) ([]Respondent, error) {
	rs, err := h.Svc.Respondents(r.Context(), a)
	if err != nil {
		return nil, err
	}
	if !CanFacilitate(authz.From(r.Context()), a) {
		for i := range rs {
			rs[i].Email = ""
		}
	}
	if rs == nil {
		rs = []Respondent{}
	}
	return rs, nil
}

func (h *Web) apiAssessmentGet(w http.ResponseWriter, r *http.Request) error {
	a, err := h.apiAssessment(r)
	if err != nil {
		return err
	}
	rs, err := h.apiRespondents(r, a)
	if err != nil {
		return err
	}
	d := AssessmentDetail{Assessment: a, Respondents: rs}
	if pk, err := h.Svc.Pack(r.Context(), a); err == nil {
		d.Items = len(pk.Items())
	} else {
		return err
	}
	return api.JSON(w, http.StatusOK, d)
}

func (h *Web) apiAssessmentStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in StatusInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	a, err := h.Svc.SetStatus(r.Context(), id, in.Status)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, a)
}

func (h *Web) apiAssessmentBenchmark(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in BenchmarkInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	a, err := h.Svc.SetBenchmark(r.Context(), id, in.OptIn)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, a)
}

func (h *Web) apiRespondentList(w http.ResponseWriter, r *http.Request) error {
	a, err := h.apiAssessment(r)
	if err != nil {
		return err
	}
	rs, err := h.apiRespondents(r, a)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.List[Respondent]{Items: rs})
}

func (h *Web) apiRespondentInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in InviteInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	rs, err := h.Svc.InviteRespondent(r.Context(), id, in.Email)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusCreated, rs)
}

func (h *Web) apiRespondentRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	userID, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.Svc.RemoveRespondent(r.Context(), id, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Web) myAnswers(ctx context.Context, id int64) (MyAnswers, error) {
	a, err := h.Svc.Assessment(ctx, id)
	if err != nil {
		return MyAnswers{}, err
	}
	mine, err := h.Svc.MyAnswers(ctx, a)
	if err != nil {
		return MyAnswers{}, err
	}
	pk, err := h.Svc.Pack(ctx, a)
	if err != nil {
		return MyAnswers{}, err
	}
	out := MyAnswers{AssessmentID: a.ID, Status: a.Status, SubmittedAt: mine.Respondent.SubmittedAt, Items: len(pk.Items()), Answers: mine.Answers}
	for _, ans := range mine.Answers {
		if ans.Current != "" {
			out.Answered++
		}
	}
	return out, nil
}

// agreedAnswers loads the agreed answers for those who may read them: the facilitator at
// any time; once closed, everyone who may see the results.
func (h *Web) agreedAnswers(ctx context.Context, id int64) (AgreedAnswers, error) {
	a, err := h.Svc.Assessment(ctx, id)
	if err != nil {
		return AgreedAnswers{}, err
	}
	ok, err := h.Svc.MaySeeResults(ctx, a)
	if err != nil {
		return AgreedAnswers{}, err
	}
	if !ok {
		return AgreedAnswers{}, authz.ErrForbidden
	}
	ans, err := h.Svc.Store.AgreedAnswers(ctx, h.Svc.DB, id)
	if err != nil {
		return AgreedAnswers{}, err
	}
	return AgreedAnswers{AssessmentID: a.ID, Status: a.Status, Answers: ans}, nil
}

func (h *Web) saveAnswers(ctx context.Context, id int64, in map[string]AnswerInput) error {
	answers := make(map[string]Answer, len(in))
	for k, v := range in {
		answers[k] = Answer{Current: v.Current, Target: v.Target, Evidence: v.Evidence, Links: v.Links, NeedsImprovement: v.NeedsImprovement}
	}
	return h.Svc.SaveAnswers(ctx, id, answers)
}

func (h *Web) submit(ctx context.Context, id int64, in SubmitInput) error {
	return h.Svc.Submit(ctx, id, in.Done)
}

func (h *Web) agree(ctx context.Context, id int64, in map[string]AgreedInput) error {
	agreed := make(map[string]Answer, len(in))
	for k, v := range in {
		agreed[k] = Answer{Current: v.Current, Target: v.Target, NeedsImprovement: v.NeedsImprovement, Reason: v.Reason}
	}
	return h.Svc.Agree(ctx, id, agreed)
}
