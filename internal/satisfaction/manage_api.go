package satisfaction

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// SurveyAPI is where the JSON API of surveys lives. Staff address a survey by its public
// code, as citizens do.
const SurveyAPI = "/api/v1/surveys"

const manageTag = "Satisfaction surveys"

// SurveyStatusInput opens, closes or reopens a survey.
type SurveyStatusInput struct {
	Status string `json:"status"`
}

// CustomQuestionsBody is a survey's custom questions: those after the core and module
// questions and before the closing comment.
type CustomQuestionsBody struct {
	Questions []forms.Question `json:"questions"`
}

// CustomQuestionsDoc is a survey's custom questions with the version they belong to and the
// IDs reserved for the core questions.
type CustomQuestionsDoc struct {
	Code      string           `json:"code"`
	Version   int              `json:"version"`
	Questions []forms.Question `json:"questions"`
	Reserved  []string         `json:"reserved_ids"`
}

// WeightingDoc is a survey's weighting with the variables it may use.
type WeightingDoc struct {
	Code string `json:"code"`
	// Set is false when no weighting is set: figures are unweighted.
	Set       bool             `json:"set"`
	Weighting Weighting        `json:"weighting"`
	Variables []WeightVariable `json:"variables"`
}

func surveyAPIExample() Survey {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return Survey{ID: 12, Code: "licence-counter", OrgID: 3, OrgName: "Department of Transport", ServiceID: 8, ServiceName: "Renew a driver licence",
		Title: "How was your visit?", Intro: "Tell us about the service you received today.", Status: StatusOpen,
		Modules: []string{ModuleRecommend, ModuleEffort}, Mode: "kiosk", FieldStart: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		FieldEnd: time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), Population: "Customers of the licence counters", Unit: UnitInteraction,
		PublishResults: true, PublishedQuestions: []string{QOverall, QTimely}, Version: 2, CreatedAt: at, UpdatedAt: at}
}

func (h *Web) manageAPIRoutes(rt *web.Router) {
	base := SurveyAPI
	ex := surveyAPIExample()
	exIn := SurveyInput{OrgID: ex.OrgID, ServiceID: ex.ServiceID, Code: ex.Code, Title: ex.Title, Intro: ex.Intro, Modules: ex.Modules,
		Mode: ex.Mode, FieldStart: "2026-03-01", FieldEnd: "2026-05-31", Population: ex.Population, Unit: ex.Unit}
	exQ := []forms.Question{{ID: "age_group", Type: forms.Single, Text: "How old are you?", Options: []forms.Option{
		{Value: "under_35", Label: "Under 35"}, {Value: "35_64", Label: "35 to 64"}, {Value: "65_plus", Label: "65 or over"}}},
		{ID: "wait_reason", Type: forms.Textarea, Text: "What made the wait longer?", ShowIf: &forms.Condition{Question: QTimely, Equals: []string{"1", "2"}}}}
	exQDoc := CustomQuestionsDoc{Code: ex.Code, Version: 2, Questions: exQ, Reserved: reservedIDs()}
	baseline, target80 := 72.5, 80.0
	exT := Target{ID: 4, SurveyID: ex.ID, Label: "State customer satisfaction target", Metric: MetricIndex, Question: QOverall,
		Baseline: baseline, BaselinePeriod: "2025-06", Target: target80, Due: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), CreatedAt: ex.CreatedAt}
	exTIn := TargetInput{Label: exT.Label, Metric: string(exT.Metric), Question: exT.Question, Baseline: &baseline, BaselinePeriod: exT.BaselinePeriod,
		Target: &target80, Due: "2027-06-30"}
	trim := 5.0
	exW := Weighting{Trim: trim, UpdatedAt: ex.UpdatedAt, Margins: []WeightMargin{{Variable: "age_group", Label: "How old are you?", Entered: "shares",
		Categories: []WeightCategory{{Value: "under_35", Label: "Under 35", Population: 31}, {Value: "35_64", Label: "35 to 64", Population: 48},
			{Value: "65_plus", Label: "65 or over", Population: 21}}}}}
	exWDoc := WeightingDoc{Code: ex.Code, Set: true, Weighting: exW, Variables: []WeightVariable{{ID: "age_group", Label: "How old are you?",
		Categories: []web.Option{{Value: "under_35", Label: "Under 35"}, {Value: "35_64", Label: "35 to 64"}, {Value: "65_plus", Label: "65 or over"}}}}}
	exWIn := WeightingInput{Trim: &trim, Margins: []WeightMarginInput{{Variable: "age_group", Shares: map[string]float64{"under_35": 31, "35_64": 48, "65_plus": 21}}}}

	rt.API("GET", base, web.SignedIn, manageTag,
		"List the surveys you may see: those of the organisations you belong to (filters: organisation, service, status; archived=true includes archived ones; cursor pagination)",
		h.apiSurveyList, web.Body(nil, api.List[Survey]{Items: []Survey{ex}}))
	rt.API("POST", base, web.SignedIn, manageTag,
		"Create a draft survey for an organisation you manage (and optionally one of its services). Leave code out to make one from the title. Modes: online, phone, in_person, kiosk, mail, email, sms, mixed; units: interaction, respondent",
		h.apiSurveyCreate, web.Body(exIn, ex))
	rt.API("PUT", base+"/{code}", web.SignedIn, manageTag,
		"Change a survey's details (managers). The organisation stays; the code changes only while the survey is a draft; a change of title, intro or modules after responses makes a new version of the questions",
		h.apiSurveyUpdate, web.Body(exIn, ex))
	rt.API("POST", base+"/{code}/status", web.SignedIn, manageTag,
		"Open, close or reopen a survey (managers): draft → open → closed → open. Only open surveys take responses",
		h.apiSurveyStatus, web.Body(SurveyStatusInput{Status: StatusOpen}, ex))
	rt.API("GET", base+"/{code}/questions", web.SignedIn, manageTag,
		"Get a survey's custom questions (those between the core questions and the closing comment) and the current version",
		h.apiQuestionsGet, web.Body(nil, exQDoc))
	rt.API("PUT", base+"/{code}/questions", web.SignedIn, manageTag,
		"Replace a survey's custom questions (managers): single, multiple, scale, number, text or textarea, with show-if on an earlier question. The core IDs are reserved. Errors are keyed questions[i].field by the custom question's place in the list; their text numbers questions from the start of the whole questionnaire. After responses, a change makes a new version",
		h.apiQuestionsPut, web.Body(CustomQuestionsBody{Questions: exQ}, exQDoc))
	rt.API("GET", base+"/{code}/targets", web.SignedIn, manageTag, "List a survey's targets, by due date",
		h.apiTargetList, web.Body(nil, api.List[Target]{Items: []Target{exT}}))
	rt.API("POST", base+"/{code}/targets", web.SignedIn, manageTag,
		"Add a target (managers): a metric of a scale question (index and top2 0–100, nps −100–100, effort 1–7), its baseline and baseline month (YYYY-MM), the value aimed for and the due date",
		h.apiTargetCreate, web.Body(exTIn, exT))
	rt.API("PUT", base+"/{code}/targets/{target_id}", web.SignedIn, manageTag, "Change a target (managers)",
		h.apiTargetUpdate, web.Body(exTIn, exT))
	rt.API("DELETE", base+"/{code}/targets/{target_id}", web.SignedIn, manageTag, "Delete a target (managers)", h.apiTargetDelete)
	rt.API("GET", base+"/{code}/weighting", web.SignedIn, manageTag,
		"Get a survey's weighting (population margins and trimming cap) and the variables it may be weighted by",
		h.apiWeightingGet, web.Body(nil, exWDoc))
	rt.API("PUT", base+"/{code}/weighting", web.SignedIn, manageTag,
		"Set a survey's weighting (managers): for each variable (a custom single-choice question, place or channel) the population shares in per cent (summing to 100 ± 0.5) or counts of its categories, and the trimming cap (over 1, at most 20; 5 if left out). No margins removes the weighting. Errors are keyed margins.VARIABLE",
		h.apiWeightingPut, web.Body(exWIn, exWDoc))
}

func reservedIDs() []string {
	return []string{QOverall, QTimely, QKnowledge, QCourtesy, QExtraMile, QFairness, QOutcome, QAccess, QRecommend, QEffort, QTrust, QComment}
}

// codeSurvey loads the survey of the path's {code} for staff (404 for others).
func (h *Web) codeSurvey(r *http.Request) (Survey, error) {
	return h.Svc.SurveyForStaffByCode(r.Context(), r.PathValue("code"))
}

func queryID(r *http.Request, name string, bad map[string]string) int64 {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		bad[name] = "Use an ID, a whole number."
		return 0
	}
	return n
}

func (h *Web) apiSurveyList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	bad := map[string]string{}
	f := SurveyFilter{After: pg.After, Limit: pg.Limit + 1, Status: q.Get("status")}
	f.OrgID = queryID(r, "organisation", bad)
	f.ServiceID = queryID(r, "service", bad)
	switch q.Get("archived") {
	case "", "false":
	case "true":
		f.Archived = true
	default:
		bad["archived"] = "Use true or false."
	}
	switch f.Status {
	case "", StatusDraft, StatusOpen, StatusClosed:
	default:
		bad["status"] = "Use draft, open or closed."
	}
	if len(bad) > 0 {
		return &api.BadRequest{Msg: "Check the query parameters.", Errors: bad}
	}
	list, err := h.Svc.ListSurveys(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(list, pg.Limit, func(s Survey) int64 { return s.ID }))
}

func (h *Web) apiSurveyCreate(w http.ResponseWriter, r *http.Request) error {
	if !authz.From(r.Context()).CanAny(authz.Manage) {
		return authz.ErrForbidden
	}
	var in SurveyInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	sv, err := h.Svc.CreateSurvey(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", SurveyAPI+"/"+sv.Code)
	return api.JSON(w, http.StatusCreated, sv)
}

func (h *Web) apiSurveyUpdate(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	var in SurveyInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	if in.Code == "" {
		in.Code = sv.Code
	}
	out, err := h.Svc.UpdateSurvey(r.Context(), sv.ID, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, out)
}

func (h *Web) apiSurveyStatus(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	var in SurveyStatusInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	out, err := h.Svc.SetSurveyStatus(r.Context(), sv.ID, in.Status)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, out)
}

func questionsDoc(sv Survey) CustomQuestionsDoc {
	qs := CustomQuestions(sv.Questionnaire)
	if qs == nil {
		qs = []forms.Question{}
	}
	return CustomQuestionsDoc{Code: sv.Code, Version: sv.Version, Questions: qs, Reserved: reservedIDs()}
}

func (h *Web) apiQuestionsGet(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, questionsDoc(sv))
}

func (h *Web) apiQuestionsPut(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	var in CustomQuestionsBody
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	if in.Questions == nil {
		// The permission comes first: only then is the body's shape worth a message.
		if _, err := h.Svc.manageable(r.Context(), sv.ID, "survey.questions"); err != nil {
			return err
		}
		return valid.Errors{"questions": "Send the custom questions as a list (an empty list removes them all)."}
	}
	out, err := h.Svc.SetCustomQuestions(r.Context(), sv.ID, in.Questions)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, questionsDoc(out))
}

func (h *Web) apiTargetList(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	_, ts, err := h.Svc.TargetsOf(r.Context(), sv.ID)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ts, 0, func(t Target) int64 { return t.ID }))
}

func (h *Web) apiTargetCreate(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	var in TargetInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	t, err := h.Svc.AddTarget(r.Context(), sv.ID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", SurveyAPI+"/"+sv.Code+"/targets/"+idString(t.ID))
	return api.JSON(w, http.StatusCreated, t)
}

// codeTarget reads the path's survey and target.
func (h *Web) codeTarget(r *http.Request) (Survey, int64, error) {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return Survey{}, 0, err
	}
	tid, err := api.PathID(r, "target_id")
	return sv, tid, err
}

func (h *Web) apiTargetUpdate(w http.ResponseWriter, r *http.Request) error {
	sv, tid, err := h.codeTarget(r)
	if err != nil {
		return err
	}
	var in TargetInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	t, err := h.Svc.UpdateTarget(r.Context(), sv.ID, tid, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, t)
}

func (h *Web) apiTargetDelete(w http.ResponseWriter, r *http.Request) error {
	sv, tid, err := h.codeTarget(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteTarget(r.Context(), sv.ID, tid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Web) weightingDoc(ctx context.Context, id int64) (WeightingDoc, error) {
	sv, wt, set, vars, err := h.Svc.WeightingFor(ctx, id)
	if err != nil {
		return WeightingDoc{}, err
	}
	if vars == nil {
		vars = []WeightVariable{}
	}
	return WeightingDoc{Code: sv.Code, Set: set, Weighting: wt, Variables: vars}, nil
}

func (h *Web) apiWeightingGet(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	doc, err := h.weightingDoc(r.Context(), sv.ID)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, doc)
}

func (h *Web) apiWeightingPut(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.codeSurvey(r)
	if err != nil {
		return err
	}
	var in WeightingInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	if _, err := h.Svc.SetWeighting(r.Context(), sv.ID, in); err != nil {
		return err
	}
	doc, err := h.weightingDoc(r.Context(), sv.ID)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, doc)
}
