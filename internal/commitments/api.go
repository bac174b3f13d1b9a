package commitments

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

const apiTag = "Commitments"

// apiRoutes registers the JSON API. Reading is public (the services show the public only
// published plans); every change needs an account, and the services check the object.
func (h *Web) apiRoutes(rt *web.Router) {
	ex := apiExamples()
	rt.API("GET", "/api/v1/plans", web.Public, apiTag, "List action plans with their progress (cursor pagination; format=csv or format=json downloads every plan)",
		h.apiPlanList, web.Body(nil, api.List[Plan]{Items: []Plan{ex.plan}}))
	rt.API("POST", "/api/v1/plans", web.SignedIn, apiTag, "Create an action plan (contributors save drafts; managers may publish)",
		h.apiPlanCreate, web.Body(ex.planIn, ex.plan))
	rt.API("GET", "/api/v1/plans/{id}", web.Public, apiTag, "Get an action plan with its commitments",
		h.apiPlanGet, web.Body(nil, PlanDetail{Plan: ex.plan, Items: []Commitment{ex.commitment}}))
	rt.API("PUT", "/api/v1/plans/{id}", web.SignedIn, apiTag, "Update an action plan (managers; contributors while it is a draft)",
		h.apiPlanUpdate, web.Body(ex.planIn, ex.plan))

	rt.API("GET", "/api/v1/commitments", web.Public, apiTag,
		"List commitments (filters: plan, status, policy_area, lead, starred, q; cursor pagination; format=csv or format=json downloads every match)",
		h.apiCommitmentList, web.Body(nil, api.List[Commitment]{Items: []Commitment{ex.commitment}}))
	rt.API("POST", "/api/v1/commitments", web.SignedIn, apiTag, "Create a commitment in a plan",
		h.apiCommitmentCreate, web.Body(ex.commitmentIn, ex.commitment))
	rt.API("GET", "/api/v1/commitments/{ref}", web.Public, apiTag, "Get a commitment with its milestones, latest assessment and starred flag",
		h.apiCommitmentGet, web.Body(nil, ex.commitment))
	rt.API("PUT", "/api/v1/commitments/{ref}", web.SignedIn, apiTag, "Update a commitment",
		h.apiCommitmentUpdate, web.Body(ex.commitmentIn, ex.commitment))
	rt.API("PUT", "/api/v1/commitments/{ref}/progress", web.SignedIn, apiTag,
		"Set a commitment's progress by hand with a reason, or clear it with progress null (managers of the plan's owner)",
		h.apiProgress, web.Body(ProgressInput{Progress: f(75), Reason: "The report was published; the remaining milestone is a formality."}, ex.commitment))
	rt.API("GET", "/api/v1/commitments/{ref}/milestones", web.Public, apiTag, "List a commitment's milestones",
		h.apiMilestoneList, web.Body(nil, api.List[Milestone]{Items: []Milestone{ex.milestone}}))
	rt.API("POST", "/api/v1/commitments/{ref}/milestones", web.SignedIn, apiTag, "Add a milestone (warnings say when it falls outside the commitment's period)",
		h.apiMilestoneCreate, web.Body(ex.milestoneIn, MilestoneResult{Milestone: ex.milestone, Warnings: []string{}}))
	rt.API("PUT", "/api/v1/commitments/{ref}/milestones/{id}", web.SignedIn, apiTag, "Update a milestone (warnings say when it falls outside the commitment's period)",
		h.apiMilestoneUpdate, web.Body(ex.milestoneIn, MilestoneResult{Milestone: ex.milestone, Warnings: []string{}}))
	rt.API("GET", "/api/v1/commitments/{ref}/updates", web.Public, apiTag, "List a commitment's progress updates, newest first",
		listOf(h, h.Svc.Updates), web.Body(nil, api.List[Update]{Items: []Update{ex.update}}))
	rt.API("POST", "/api/v1/commitments/{ref}/updates", web.SignedIn, apiTag, "Add a progress update (updates are never changed or deleted)",
		addTo(h.Svc.AddUpdate), web.Body(ex.updateIn, ex.update))
	rt.API("GET", "/api/v1/commitments/{ref}/assessments", web.Public, apiTag, "List a commitment's assessments, oldest first",
		listOf(h, h.Svc.Assessments), web.Body(nil, api.List[Assessment]{Items: []Assessment{ex.assessment}}))
	rt.API("POST", "/api/v1/commitments/{ref}/assessments", web.SignedIn, apiTag,
		"Record an assessment: a self-assessment (the owner's or lead's reviewers and managers) or an independent review (reviewers of other organisations)",
		addTo(h.Svc.AddAssessment), web.Body(ex.assessmentIn, ex.assessment))

	rt.API("GET", "/api/v1/milestones", web.Public, apiTag, "List the milestones of every visible commitment (filter: plan; cursor pagination; format=csv or format=json downloads them all)",
		h.apiMilestonesAll, web.Body(nil, api.List[MilestoneRow]{Items: []MilestoneRow{{Milestone: ex.milestone, Reference: "AU0019"}}}))
	rt.API("GET", "/api/v1/commitment-assessments", web.Public, apiTag, "List the assessments of every visible commitment (filter: plan; cursor pagination; format=csv or format=json downloads them all)",
		h.apiAssessmentsAll, web.Body(nil, api.List[AssessmentRow]{Items: []AssessmentRow{{Assessment: ex.assessment, Reference: "AU0019"}}}))
}

// PlanDetail is a plan with its commitments.
type PlanDetail struct {
	Plan
	Items []Commitment `json:"commitments"`
}

// ProgressInput sets a commitment's progress by hand (Progress from 0 to 100, with a reason)
// or, with Progress null, lets it roll up from the milestones again.
type ProgressInput struct {
	Progress *float64 `json:"progress"`
	Reason   string   `json:"reason"`
}

// MilestoneResult is a saved milestone with the warnings about it.
type MilestoneResult struct {
	Milestone
	Warnings []string `json:"warnings"`
}

// --- request parameters ---

// apiBad collects parameter errors into one 400 problem.
type apiBad map[string]string

func (b apiBad) err() error {
	if len(b) == 0 {
		return nil
	}
	var keys []string
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	msg := "Check the query parameters: " + strings.Join(keys, ", ") + "."
	return &api.BadRequest{Msg: msg, Errors: b}
}

func (b apiBad) id(q url.Values, name string) int64 {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		b[name] = "Use the record's ID, a whole number."
		return 0
	}
	return n
}

func (b apiBad) bool(q url.Values, name string) bool {
	switch strings.ToLower(strings.TrimSpace(q.Get(name))) {
	case "", "0", "false", "no", "off":
		return false
	case "1", "true", "yes", "on":
		return true
	}
	b[name] = "Use true or false."
	return false
}

// apiFormat reads ?format=: "" (a page of JSON), "csv" or "json" (a download of everything).
func (b apiBad) format(q url.Values) string {
	switch s := strings.ToLower(strings.TrimSpace(q.Get("format"))); s {
	case "", "csv", "json":
		return s
	}
	b["format"] = "Use csv or json (or leave it out for a page of results)."
	return ""
}

func apiCommitmentFilter(q url.Values, b apiBad) Filter {
	f := Filter{PlanID: b.id(q, "plan"), PolicyArea: b.id(q, "policy_area"), LeadOrgID: b.id(q, "lead"), Starred: b.bool(q, "starred"),
		Status: strings.TrimSpace(q.Get("status")), Text: strings.TrimSpace(q.Get("q"))}
	if f.Status != "" && !has(CommitmentStatuses, f.Status) {
		b["status"] = "Use one of " + strings.Join(optionValues(CommitmentStatuses), ", ") + "."
	}
	if len(f.Text) > 200 {
		b["q"] = "Use 200 characters or fewer."
	}
	return f
}

// filled completes a commitment just saved with its relations, milestones, progress and
// latest assessment.
func (h *Web) filled(ctx context.Context, c Commitment) (Commitment, error) {
	cs := []Commitment{c}
	if err := h.Svc.fill(ctx, h.Svc.DB, cs, true); err != nil {
		return Commitment{}, err
	}
	return cs[0], nil
}

// --- plans ---

func (h *Web) apiPlanList(w http.ResponseWriter, r *http.Request) error {
	b := apiBad{}
	format := b.format(r.URL.Query())
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	if err := b.err(); err != nil {
		return err
	}
	if format != "" {
		return h.exportPlans(w, r, format)
	}
	plans, err := h.Svc.PlansPage(r.Context(), pg.After, pg.Limit+1)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(plans, pg.Limit, func(p Plan) int64 { return p.ID }))
}

func (h *Web) apiPlanGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pl, cs, err := h.Svc.Plan(r.Context(), id)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []Commitment{}
	}
	return api.JSON(w, http.StatusOK, PlanDetail{Plan: pl, Items: cs})
}

func (h *Web) apiPlanCreate(w http.ResponseWriter, r *http.Request) error {
	var in PlanInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	pl, err := h.Svc.CreatePlan(r.Context(), in)
	if err != nil {
		return err
	}
	if pl.ByCompletion == nil {
		pl.ByCompletion = map[string]int{}
	}
	w.Header().Set("Location", "/api/v1/plans/"+strconv.FormatInt(pl.ID, 10))
	return api.JSON(w, http.StatusCreated, pl)
}

func (h *Web) apiPlanUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in PlanInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	if _, err := h.Svc.UpdatePlan(r.Context(), id, in); err != nil {
		return err
	}
	pl, _, err := h.Svc.Plan(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, pl)
}

// --- commitments ---

func (h *Web) apiCommitmentList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	b := apiBad{}
	f := apiCommitmentFilter(q, b)
	format := b.format(q)
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	if err := b.err(); err != nil {
		return err
	}
	if format != "" {
		return h.exportCommitments(w, r, f, format)
	}
	f.After, f.Limit = pg.After, pg.Limit+1
	cs, err := h.Svc.CommitmentsPage(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(cs, pg.Limit, func(c Commitment) int64 { return c.ID }))
}

func (h *Web) apiCommitmentGet(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Svc.Commitment(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, c)
}

func (h *Web) apiCommitmentCreate(w http.ResponseWriter, r *http.Request) error {
	var in CommitmentInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	c, err := h.Svc.CreateCommitment(r.Context(), in)
	if err != nil {
		return err
	}
	if c, err = h.filled(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/commitments/"+url.PathEscape(c.Reference))
	return api.JSON(w, http.StatusCreated, c)
}

func (h *Web) apiCommitmentUpdate(w http.ResponseWriter, r *http.Request) error {
	var in CommitmentInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	c, err := h.Svc.UpdateCommitment(r.Context(), r.PathValue("ref"), in)
	if err != nil {
		return err
	}
	if c, err = h.filled(r.Context(), c); err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, c)
}

func (h *Web) apiProgress(w http.ResponseWriter, r *http.Request) error {
	var in ProgressInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	ref := r.PathValue("ref")
	if err := h.Svc.SetOverride(r.Context(), ref, in.Progress, in.Reason); err != nil {
		return err
	}
	c, err := h.Svc.Store.CommitmentByRef(r.Context(), h.Svc.DB, ref)
	if err != nil {
		return err
	}
	if c, err = h.filled(r.Context(), c); err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, c)
}

// --- milestones, updates, assessments of one commitment ---

func (h *Web) apiMilestoneList(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Svc.Commitment(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(c.Milestones, 0, nil))
}

func milestoneResult(m Milestone, warning string) MilestoneResult {
	res := MilestoneResult{Milestone: m, Warnings: []string{}}
	if warning != "" {
		res.Warnings = append(res.Warnings, warning)
	}
	return res
}

func (h *Web) apiMilestoneCreate(w http.ResponseWriter, r *http.Request) error {
	var in MilestoneInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	ref := r.PathValue("ref")
	m, warning, err := h.Svc.AddMilestone(r.Context(), ref, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/commitments/"+url.PathEscape(NormalizeReference(ref))+"/milestones/"+strconv.FormatInt(m.ID, 10))
	return api.JSON(w, http.StatusCreated, milestoneResult(m, warning))
}

func (h *Web) apiMilestoneUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in MilestoneInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	m, warning, err := h.Svc.UpdateMilestone(r.Context(), r.PathValue("ref"), id, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, milestoneResult(m, warning))
}

// --- milestones and assessments of every commitment ---

func (h *Web) apiMilestonesAll(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	b := apiBad{}
	plan, format := b.id(q, "plan"), b.format(q)
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	if err := b.err(); err != nil {
		return err
	}
	if format != "" {
		return h.exportMilestones(w, r, plan, format)
	}
	ms, err := h.Svc.MilestonesPage(r.Context(), plan, pg.After, pg.Limit+1)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ms, pg.Limit, func(m MilestoneRow) int64 { return m.ID }))
}

func (h *Web) apiAssessmentsAll(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	b := apiBad{}
	plan, format := b.id(q, "plan"), b.format(q)
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	if err := b.err(); err != nil {
		return err
	}
	if format != "" {
		return h.exportAssessments(w, r, plan, format)
	}
	as, err := h.Svc.AssessmentsPage(r.Context(), plan, pg.After, pg.Limit+1)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(as, pg.Limit, func(a AssessmentRow) int64 { return a.ID }))
}

// --- examples for the OpenAPI document ---

type apiExampleSet struct {
	plan         Plan
	planIn       PlanInput
	commitment   Commitment
	commitmentIn CommitmentInput
	milestone    Milestone
	milestoneIn  MilestoneInput
	update       Update
	updateIn     UpdateInput
	assessment   Assessment
	assessmentIn AssessmentInput
}

// apiExamples are AU0019 and its plan, as the API shows them.
func apiExamples() apiExampleSet {
	at := time.Date(2019, 10, 1, 9, 30, 0, 0, time.UTC)
	yes, progress := true, 60
	e := apiExampleSet{
		planIn: PlanInput{OrgID: 1, Title: "Australia Action Plan 2018-2020", Country: "Australia", Number: 2, Cycle: "2018",
			Start: d("2018-09-01"), End: d("2020-08-31"), Status: "in_implementation",
			Description: "Australia's second Open Government National Action Plan."},
		commitmentIn: CommitmentInput{PlanID: 2, Reference: "AU0019", Number: 4, Title: "Improve public service practices using place-based approaches",
			ShortTitle: "Improve Public Service Practice", Status: "active", LeadOrgID: 1, SupporterIDs: []int64{3, 4},
			Values: Values{CivicParticipation: true, Accountability: true}, PolicyAreaIDs: []int64{7}, PlaceIDs: []int64{5}, ProgramIDs: []int64{2},
			Description: "The Government will explore ways to encourage the application and broader adoption of place-based approaches across the public service.",
			Start:       d("2018-09-01"), End: d("2020-08-31")},
		milestoneIn: MilestoneInput{Activity: "Capture learnings from existing place-based approaches", Deliverable: "Learnings captured from City Deals and Logan Together.",
			Start: d("2019-01-01"), End: d("2019-12-31"), Status: "in_progress", Progress: 60, Weight: f(3), Evidence: []string{"https://www.pmc.gov.au/"}},
		updateIn: UpdateInput{MilestoneID: 3, ReportedOn: d("2019-09-20"), Body: "Site visits to Logan held; learnings being written up with community partners.",
			Evidence: []string{"https://www.pmc.gov.au/"}, Progress: &progress, Status: "in_progress"},
		assessmentIn: AssessmentInput{Kind: "independent", AssessedOn: d("2019-11-20"), Verifiable: &yes, Relevance: Values{CivicParticipation: true},
			PotentialImpact: "minor", Completion: "limited", OTGOverall: "marginal", Summary: "Verifiable and relevant to civic participation; minor potential impact.",
			Source: "Independent design report"},
	}
	e.plan = Plan{ID: 2, OrgID: 1, OrgName: "Department of the Prime Minister and Cabinet", Title: e.planIn.Title, Country: "Australia", Number: 2, Cycle: "2018",
		Start: e.planIn.Start, End: e.planIn.End, Status: "in_implementation", Description: e.planIn.Description, CreatedAt: at, UpdatedAt: at,
		Commitments: 8, Measured: 1, Progress: 51.25, ByCompletion: map[string]int{"limited": 1, "not_assessed": 7}}
	e.milestone = Milestone{ID: 3, CommitmentID: 19, Position: 3, Activity: e.milestoneIn.Activity, Deliverable: e.milestoneIn.Deliverable,
		Start: e.milestoneIn.Start, End: e.milestoneIn.End, Status: "in_progress", Progress: 60, Weight: f(3), Evidence: e.milestoneIn.Evidence, CreatedAt: at, UpdatedAt: at}
	e.update = Update{ID: 3, CommitmentID: 19, Reference: "AU0019", MilestoneID: 3, ReportedOn: e.updateIn.ReportedOn, Author: "Demo Administrator",
		Body: e.updateIn.Body, Evidence: e.updateIn.Evidence, Progress: &progress, Status: "in_progress", CreatedAt: at}
	e.assessment = Assessment{ID: 2, CommitmentID: 19, Kind: "independent", Assessor: "Demo Independent Reviewer", AssessedOn: e.assessmentIn.AssessedOn,
		Verifiable: &yes, Relevance: e.assessmentIn.Relevance, PotentialImpact: "minor", Completion: "limited", OTGOverall: "marginal",
		Summary: e.assessmentIn.Summary, Source: e.assessmentIn.Source, CreatedAt: at}
	in := e.commitmentIn
	e.commitment = Commitment{ID: 19, PlanID: 2, PlanTitle: e.plan.Title, Reference: in.Reference, Number: in.Number, Title: in.Title, ShortTitle: in.ShortTitle,
		Status: in.Status, LeadOrgID: 1, LeadOrgName: e.plan.OrgName, Supporters: []Ref{{ID: 3, Name: "Department of Health"}, {ID: 4, Name: "Department of Social Services"}},
		Values: in.Values, PolicyAreas: []Ref{{ID: 7, Name: "Capacity Building"}}, Places: []Ref{{ID: 5, Name: "Logan"}}, Programs: []Ref{{ID: 2, Name: "Logan Together"}},
		Description: in.Description, Start: in.Start, End: in.End, CreatedAt: at, UpdatedAt: at, Progress: 51.25, Measured: true,
		Milestones: []Milestone{e.milestone}, Latest: &e.assessment, Starred: false}
	return e
}

// listOf answers GET …/commitments/{ref}/… with what list returns for the commitment, if the
// principal may see it.
func listOf[T any](h *Web, list func(ctx context.Context, c Commitment) ([]T, error)) api.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := h.Svc.Commitment(r.Context(), r.PathValue("ref"))
		if err != nil {
			return err
		}
		items, err := list(r.Context(), c)
		if err != nil {
			return err
		}
		return api.JSON(w, http.StatusOK, api.NewList(items, 0, nil))
	}
}

// addTo answers POST …/commitments/{ref}/… with the record add appends from the body (201).
func addTo[In, T any](add func(ctx context.Context, ref string, in In) (T, error)) api.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := api.Decode(r, &in); err != nil {
			return err
		}
		v, err := add(r.Context(), r.PathValue("ref"), in)
		if err != nil {
			return err
		}
		return api.JSON(w, http.StatusCreated, v)
	}
}
