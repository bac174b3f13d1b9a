package learning

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

const (
	learningTag       = "Learnings"
	evidenceTag       = "Evidence"
	reportTag         = "Learning reports"
	recommendationTag = "Recommendations"
)

// EndorsementInput is the body of an endorsement: an optional note.
type EndorsementInput struct {
	Note string `json:"note"`
}

// learningAPIRoutes registers the API of learnings, evidence, reports and recommendations.
func (h *Web) learningAPIRoutes(rt *web.Router) {
	exL, exE, exR, exM := apiExamples()
	rt.API("GET", "/api/v1/learnings", web.Public, learningTag,
		"List the learnings you may see, newest first (filters: type, theme, place, organisation, confidence, q; cursor pagination)",
		h.apiLearnings, web.Body(nil, api.List[Learning]{Items: []Learning{exL}}))
	rt.API("POST", "/api/v1/learnings", web.SignedIn, learningTag,
		"Share a learning (contributors of its organisation). type: worked, did_not_work, improvement or observation; confidence: low, medium or high; "+
			"visibility: public, members or community (with community_id); themes are taxonomy tags of the scheme theme",
		api.Create(h.Svc.CreateLearning, func(l Learning) string { return "/api/v1/learnings/" + strconv.FormatInt(l.ID, 10) }),
		web.Body(LearningInput{}, exL))
	rt.API("GET", "/api/v1/learnings/{id}", web.Public, learningTag, "A learning with its themes, case studies, evidence and endorsement count",
		api.Get(h.Svc.Learning), web.Body(nil, exL))
	rt.API("PUT", "/api/v1/learnings/{id}", web.SignedIn, learningTag,
		"Edit a learning (its organisation's contributors); every field is replaced and the edit is kept as a new revision",
		api.Update(h.Svc.UpdateLearning), web.Body(LearningInput{}, exL))
	rt.API("POST", "/api/v1/learnings/{id}/endorsement", web.SignedIn, learningTag,
		"Say “this worked for us too” (any signed-in member who may see the learning; one endorsement per person, sending again changes the note)",
		h.apiEndorse, web.Body(EndorsementInput{}, Endorsement{LearningID: exL.ID, Note: "The same happened in our region.", CreatedAt: exL.CreatedAt}))
	rt.API("GET", "/api/v1/learnings/{id}/revisions", web.Public, learningTag,
		"Every revision of a learning, newest first: who, when, what changed, and the learning as it was",
		h.revisionsAPI(h.learningRevisions()), web.Body(nil, api.List[Revision]{}))

	rt.API("GET", "/api/v1/evidence", web.Public, evidenceTag,
		"List the evidence you may see, newest first (filters: kind, organisation, q; cursor pagination). Evidence without consent, "+
			"or culturally sensitive, is listed only for its organisation's staff",
		h.apiEvidenceList, web.Body(nil, api.List[EvidenceItem]{Items: []EvidenceItem{exE}}))
	rt.API("POST", "/api/v1/evidence", web.SignedIn, evidenceTag,
		"Add evidence (contributors of its organisation). kind: evaluation, outcome_harvest, dataset, survey or lived_experience; "+
			"an outcome harvest needs outcome, significance, contribution and substantiation; consent must be true (the people in it agreed) "+
			"for anyone beyond the organisation's staff to see it, and culturally_sensitive restricts it to them too",
		api.Create(h.Svc.CreateEvidence, func(e EvidenceItem) string { return "/api/v1/evidence/" + strconv.FormatInt(e.ID, 10) }),
		web.Body(EvidenceInput{}, exE))
	rt.API("GET", "/api/v1/evidence/{id}", web.Public, evidenceTag, "One piece of evidence", api.Get(h.Svc.Evidence), web.Body(nil, exE))
	rt.API("PUT", "/api/v1/evidence/{id}", web.SignedIn, evidenceTag,
		"Edit evidence (its organisation's contributors); every field is replaced and the edit is kept as a new revision",
		api.Update(h.Svc.UpdateEvidence), web.Body(EvidenceInput{}, exE))
	rt.API("GET", "/api/v1/evidence/{id}/revisions", web.Public, evidenceTag,
		"Every revision of a piece of evidence, newest first", h.revisionsAPI(h.evidenceRevisions()), web.Body(nil, api.List[Revision]{}))

	rt.API("GET", "/api/v1/reports", web.Public, reportTag,
		"List the learning reports you may see (published ones, and your organisations' drafts), newest first; cursor pagination",
		h.apiReports, web.Body(nil, api.List[Report]{Items: []Report{exR}}))
	rt.API("POST", "/api/v1/reports", web.SignedIn, reportTag,
		"Start a learning report (contributors of its organisation), with sections of learnings in order; publishing needs a manager",
		api.Create(h.Svc.CreateReport, func(r Report) string { return "/api/v1/reports/" + strconv.FormatInt(r.ID, 10) }),
		web.Body(ReportInput{OrgID: exR.OrgID, Title: exR.Title, Introduction: exR.Introduction,
			Sections: []SectionInput{{Title: "Delegation", LearningIDs: []int64{exL.ID}}}}, exR))
	rt.API("GET", "/api/v1/reports/{id}", web.Public, reportTag,
		"A learning report: its sections with the learnings you may see, in order (the compiled report with recommendations: export.json)",
		api.Get(h.Svc.Report), web.Body(nil, exR))
	rt.API("PUT", "/api/v1/reports/{id}", web.SignedIn, reportTag,
		"Edit a learning report (its organisation's contributors): title, introduction and, when sections is sent, the sections in order "+
			"(those with an id keep it, those without are new, those left out are removed); a change of status (draft, published) needs a manager",
		api.Update(h.Svc.UpdateReport), web.Body(ReportInput{Title: exR.Title, Introduction: exR.Introduction, Status: ReportPublished,
			Sections: []SectionInput{{ID: 1, Title: "Delegation", LearningIDs: []int64{exL.ID}}}}, exR))

	rt.API("GET", "/api/v1/recommendations", web.Public, recommendationTag,
		"List the recommendations you may see, newest first, or those of one report in order (?report=); each with its learnings and the commitments that answer it",
		h.apiRecommendations, web.Body(nil, api.List[Recommendation]{Items: []Recommendation{exM}}))
	rt.API("POST", "/api/v1/recommendations", web.SignedIn, recommendationTag,
		"Add a recommendation to a report (the report's contributors). priority: high, medium or low; status: proposed, accepted, in_progress, "+
			"implemented or not_accepted; commitment_ids: the commitments that answer it (linked commitment —responds to→ recommendation)",
		api.Create(h.Svc.CreateRecommendation, func(m Recommendation) string { return "/api/v1/recommendations/" + strconv.FormatInt(m.ID, 10) }),
		web.Body(RecommendationInput{ReportID: exR.ID, Title: exM.Title, Audience: exM.Audience, Priority: "high", Status: "accepted",
			LearningIDs: []int64{exL.ID}, CommitmentIDs: []int64{19}}, exM))
	rt.API("GET", "/api/v1/recommendations/{id}", web.Public, recommendationTag, "A recommendation with its learnings and answering commitments",
		api.Get(h.Svc.Recommendation), web.Body(nil, exM))
	rt.API("PUT", "/api/v1/recommendations/{id}", web.SignedIn, recommendationTag,
		"Edit a recommendation (its organisation's contributors); learnings and commitments are replaced by those sent",
		api.Update(h.Svc.UpdateRecommendation), web.Body(RecommendationInput{Title: exM.Title, Priority: "high", Status: "in_progress",
			LearningIDs: []int64{exL.ID}, CommitmentIDs: []int64{19}}, exM))
}

// apiExamples are the examples of the API documentation.
func apiExamples() (Learning, EvidenceItem, Report, Recommendation) {
	at := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	l := Learning{ID: 12, OrgID: 3, OrgName: "Department of the Prime Minister and Cabinet", Type: LearningWorked,
		Title:     "Local decision-making bodies set priorities that agencies then fund",
		Situation: "Agencies each funded their own programs in the region.", Action: "A local body agreed the region's priorities first.",
		Result: "Agencies aligned their funding with the agreed priorities.", Insight: "Delegating priority-setting to a place works when agencies commit to follow it.",
		Context: "Places with an established community-led governance body.", Confidence: "medium", Visibility: Public, Revision: 2,
		CreatedAt: at, UpdatedAt: at, Themes: []LearningRef{{ID: 7, Title: "Delegation", URL: "/taxonomy/7"}},
		CaseStudyIDs: []int64{4}, EvidenceIDs: []int64{9}, Endorsements: 3}
	e := EvidenceItem{ID: 9, OrgID: 3, OrgName: l.OrgName, Kind: EvidenceOutcomeHarvest, Title: "Outcome harvest: regional priorities",
		Source: "Regional evaluation team", Date: "2024-11-30", Summary: "Outcomes harvested from partners in the region.",
		Outcome: "Two agencies moved funding to the priorities the local body set.", Significance: "The first time funding followed a local plan.",
		Contribution: "The body's priority-setting process and the agencies' agreement to it.", Substantiation: "Confirmed by both agencies' budget papers.",
		Consent: true, Visibility: Public, Revision: 1, CreatedAt: at, UpdatedAt: at}
	r := Report{ID: 5, OrgID: 3, OrgName: l.OrgName, Title: "Learnings from place-based approaches", Introduction: "What the public service learned.",
		Status: ReportPublished, CreatedAt: at, UpdatedAt: at, PublishedAt: at,
		Sections: []Section{{ID: 1, Title: "Delegation", Position: 1, LearningIDs: []int64{l.ID}}}}
	m := Recommendation{ID: 8, OrgID: 3, ReportID: r.ID, ReportTitle: r.Title, Title: "Give place-based bodies a say in how agencies fund their place",
		Audience: "Secretaries Board", Priority: "high", Status: "accepted", Position: 1, CreatedAt: at, UpdatedAt: at, LearningIDs: []int64{l.ID},
		Learnings: []LearningRef{{ID: l.ID, Title: l.Title, URL: l.URL()}}, CommitmentIDs: []int64{19},
		Commitments: []LearningRef{{ID: 19, Title: "AU0019 Place-based approaches", URL: "/commitments/AU0019"}}}
	return l, e, r, m
}

// apiID reads an optional positive ID query parameter: a malformed one is a 400.
func apiID(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, &api.BadRequest{Msg: name + " must be an ID (a positive whole number).", Errors: map[string]string{name: "Use an ID."}}
	}
	return n, nil
}

func apiOneOf(r *http.Request, name string, opts []string) (string, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return "", nil
	}
	for _, o := range opts {
		if o == s {
			return s, nil
		}
	}
	return "", &api.BadRequest{Msg: name + " must be one of: " + strings.Join(opts, ", ") + ".", Errors: map[string]string{name: "Use one of the listed values."}}
}

func (h *Web) apiLearnings(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	f := LearningFilter{After: pg.After, Limit: pg.Limit, Text: strings.TrimSpace(r.URL.Query().Get("q"))}
	if len(f.Text) > 200 {
		return &api.BadRequest{Msg: "q is too long: use 200 characters or fewer.", Errors: map[string]string{"q": "Use 200 characters or fewer."}}
	}
	if f.Type, err = apiOneOf(r, "type", lrOptionValues(LearningTypes)); err != nil {
		return err
	}
	if f.Confidence, err = apiOneOf(r, "confidence", lrOptionValues(LearningConfidences)); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		to   *int64
	}{{"theme", &f.ThemeID}, {"place", &f.PlaceID}, {"organisation", &f.OrgID}} {
		if *p.to, err = apiID(r, p.name); err != nil {
			return err
		}
	}
	ls, err := h.Svc.Learnings(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ls, pg.Limit, func(l Learning) int64 { return l.ID }))
}

func (h *Web) apiEndorse(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	var in EndorsementInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	e, err := h.Svc.Endorse(r.Context(), id, in.Note)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, e)
}

func (h *Web) apiEvidenceList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	f := EvidenceFilter{After: pg.After, Limit: pg.Limit, Text: strings.TrimSpace(r.URL.Query().Get("q"))}
	if len(f.Text) > 200 {
		return &api.BadRequest{Msg: "q is too long: use 200 characters or fewer.", Errors: map[string]string{"q": "Use 200 characters or fewer."}}
	}
	if f.Kind, err = apiOneOf(r, "kind", lrOptionValues(EvidenceKinds)); err != nil {
		return err
	}
	if f.OrgID, err = apiID(r, "organisation"); err != nil {
		return err
	}
	es, err := h.Svc.EvidenceList(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(es, pg.Limit, func(e EvidenceItem) int64 { return e.ID }))
}

func (h *Web) apiReports(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	rs, err := h.Svc.Reports(r.Context(), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	// The list gives each report's sections as the reader may see them.
	for i := range rs {
		full, err := h.Svc.Report(r.Context(), rs[i].ID)
		if err != nil {
			return err
		}
		rs[i] = full
	}
	return api.JSON(w, http.StatusOK, api.NewList(rs, pg.Limit, func(r Report) int64 { return r.ID }))
}

func (h *Web) apiRecommendations(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	report, err := apiID(r, "report")
	if err != nil {
		return err
	}
	if report != 0 {
		ms, err := h.Svc.ReportRecommendations(r.Context(), report)
		if err != nil {
			return err
		}
		return api.JSON(w, http.StatusOK, api.NewList(ms, 0, func(m Recommendation) int64 { return m.ID }))
	}
	ms, err := h.Svc.Recommendations(r.Context(), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ms, pg.Limit, func(m Recommendation) int64 { return m.ID }))
}
