package maturity

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// The results API: /api/v1/assessments/{id}/results, /benchmark and /actions, as the issue
// names them. (The rest of the self-assessment API lives under AssessmentAPI.)
const resultAPI = "/api/v1/assessments/{id}"

const resultTag = "Self-assessment results"

// ResultsDoc is the results of an assessment as JSON: the API's answer, and the JSON export
// (which adds the improvement plan).
type ResultsDoc struct {
	Assessment  ResultAssessment  `json:"assessment"`
	Overall     ResultDimension   `json:"overall"`
	Dimensions  []ResultDimension `json:"dimensions"`
	Items       []ResultItem      `json:"items"`
	Respondents int               `json:"respondents"`
	// Previous is the assessment compared against; null for the first one.
	Previous *ResultPrevious `json:"previous"`
	Levels   []Level         `json:"levels"`
	Actions  []ActionDoc     `json:"actions,omitempty"`
}

// ResultAssessment says which assessment the results are of.
type ResultAssessment struct {
	ID               int64   `json:"id"`
	Title            string  `json:"title"`
	OrganisationID   int64   `json:"organisation_id"`
	Organisation     string  `json:"organisation"`
	FrameworkID      int64   `json:"framework_id"`
	Framework        string  `json:"framework"`
	FrameworkKey     string  `json:"framework_key"`
	FrameworkVersion string  `json:"framework_version"`
	PeriodStart      string  `json:"period_start"`
	PeriodEnd        string  `json:"period_end"`
	Status           string  `json:"status"`
	ClosedAt         *string `json:"closed_at"`
}

// ResultPrevious is the earlier assessment the change is measured from.
type ResultPrevious struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
}

// ResultDimension is one dimension's results (the overall has id ""): score and level of the
// agreed current answers, target and its level, the gap between them, what counted, the spread
// of the respondents' own scores and the change since the previous assessment. Scores run
// from 0 to 100; null where nothing scored.
type ResultDimension struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Parent      string        `json:"parent,omitempty"`
	Depth       int           `json:"depth"`
	Score       *float64      `json:"score"`
	Level       *string       `json:"level"`
	Target      *float64      `json:"target"`
	TargetLevel *string       `json:"target_level"`
	Gap         *float64      `json:"gap"`
	Answered    int           `json:"answered"`
	Excluded    int           `json:"excluded"`
	Spread      ResultSpread  `json:"spread"`
	Change      *ResultChange `json:"change"`
}

// ResultSpread is how far apart the respondents' own scores are: counts and extremes only,
// never who gave which.
type ResultSpread struct {
	Respondents int      `json:"respondents"`
	Min         *float64 `json:"min"`
	Max         *float64 `json:"max"`
	Range       *float64 `json:"range"`
}

// ResultChange is the change since the previous assessment (null for the first one).
type ResultChange struct {
	Previous *float64 `json:"previous"`
	Delta    *float64 `json:"delta"`
}

// ResultItem is the agreed answer to one item with its scores and the respondents' counts.
type ResultItem struct {
	ID               string        `json:"id"`
	Dimension        string        `json:"dimension"`
	Statement        string        `json:"statement"`
	Current          string        `json:"current"`
	CurrentLabel     string        `json:"current_label"`
	CurrentScore     *float64      `json:"current_score"`
	Target           string        `json:"target"`
	TargetLabel      string        `json:"target_label"`
	TargetScore      *float64      `json:"target_score"`
	Gap              *float64      `json:"gap"`
	NeedsImprovement bool          `json:"needs_improvement"`
	Reason           string        `json:"reason,omitempty"`
	Spread           ResultSpread  `json:"spread"`
	Answers          []ChoiceCount `json:"answers"`
}

// ActionDoc is a step of the improvement plan as JSON.
type ActionDoc struct {
	ID        int64     `json:"id"`
	Item      string    `json:"item,omitempty"`
	Title     string    `json:"title"`
	Guidance  string    `json:"guidance,omitempty"`
	Owner     string    `json:"owner"`
	DueDate   *string   `json:"due_date"`
	Status    string    `json:"status"`
	Overdue   bool      `json:"overdue"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func resNum(v float64, ok bool) *float64 {
	if !ok || math.IsNaN(v) {
		return nil
	}
	r := math.Round(v*100) / 100
	return &r
}

func resStr(s string, ok bool) *string {
	if !ok {
		return nil
	}
	return &s
}

func resDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func spreadDoc(s Spread) ResultSpread {
	return ResultSpread{Respondents: s.N, Min: resNum(s.Min, s.N > 0), Max: resNum(s.Max, s.N > 0), Range: resNum(s.Range(), s.N > 1)}
}

func dimensionDoc(d DimensionResult, hasPrevious bool) ResultDimension {
	gap, gok := d.Gap()
	out := ResultDimension{ID: d.ID, Title: d.Title, Parent: d.Parent, Depth: d.Depth,
		Score: resNum(d.Current.Value, d.Current.OK), Level: resStr(d.Current.Level, d.Current.OK),
		Target: resNum(d.Target.Value, d.Target.OK), TargetLevel: resStr(d.Target.Level, d.Target.OK), Gap: resNum(gap, gok),
		Answered: d.Current.Answered, Excluded: d.Current.Excluded, Spread: spreadDoc(d.Spread)}
	if hasPrevious {
		out.Change = &ResultChange{Previous: resNum(d.Change.Previous.Value, d.Change.Previous.OK), Delta: resNum(d.Change.Delta, d.Change.OK)}
	}
	return out
}

// ResultsDocOf turns a report into its JSON document.
func ResultsDocOf(rep Report, fw Framework) ResultsDoc {
	a := rep.Assessment
	doc := ResultsDoc{Assessment: ResultAssessment{ID: a.ID, Title: a.Title, OrganisationID: a.OrgID, Organisation: a.OrgName,
		FrameworkID: a.FrameworkID, Framework: fw.Title, FrameworkKey: fw.Key, FrameworkVersion: fw.Version,
		PeriodStart: resDate(a.PeriodStart), PeriodEnd: resDate(a.PeriodEnd), Status: a.Status},
		Overall: dimensionDoc(rep.Overall, rep.HasPrevious), Respondents: rep.Respondents,
		Dimensions: []ResultDimension{}, Items: []ResultItem{}, Levels: rep.Pack.Levels}
	if a.ClosedAt != nil {
		s := a.ClosedAt.UTC().Format(time.RFC3339)
		doc.Assessment.ClosedAt = &s
	}
	if rep.HasPrevious {
		p := rep.Previous
		doc.Previous = &ResultPrevious{ID: p.ID, Title: p.Title, PeriodStart: resDate(p.PeriodStart), PeriodEnd: resDate(p.PeriodEnd)}
	}
	for _, d := range rep.Dimensions {
		doc.Dimensions = append(doc.Dimensions, dimensionDoc(d, rep.HasPrevious))
	}
	for _, it := range rep.Items {
		gap, gok := it.Gap()
		counts := it.Spread.Counts
		if counts == nil {
			counts = []ChoiceCount{}
		}
		doc.Items = append(doc.Items, ResultItem{ID: it.ID, Dimension: it.Dimension, Statement: it.Statement,
			Current: it.Current, CurrentLabel: it.CurrentLabel, CurrentScore: resNum(it.CurrentScore, it.CurrentOK),
			Target: it.Target, TargetLabel: it.TargetLabel, TargetScore: resNum(it.TargetScore, it.TargetOK), Gap: resNum(gap, gok),
			NeedsImprovement: it.NeedsImprovement, Reason: it.Reason, Spread: spreadDoc(it.Spread.Spread), Answers: counts})
	}
	if doc.Levels == nil {
		doc.Levels = []Level{}
	}
	return doc
}

// ActionDocOf turns an action into JSON.
func ActionDocOf(x Action, today time.Time) ActionDoc {
	d := ActionDoc{ID: x.ID, Item: x.ItemKey, Title: x.Title, Guidance: x.Guidance, Owner: x.Owner, Status: x.Status,
		Overdue: x.Overdue(today), CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt}
	if !x.Due.IsZero() {
		s := resDate(x.Due)
		d.DueDate = &s
	}
	return d
}

func actionDocs(xs []Action, today time.Time) []ActionDoc {
	out := make([]ActionDoc, 0, len(xs))
	for _, x := range xs {
		out = append(out, ActionDocOf(x, today))
	}
	return out
}

func (h *Web) resultAPIRoutes(rt *web.Router) {
	ex := resultsExample()
	exAction := ex.Actions[0]
	rt.API("GET", resultAPI+"/results", web.SignedIn, resultTag,
		"Results of a self-assessment: per dimension (nested by parent and depth) and overall, the score (0–100) and level of the agreed answers, the target and its level, the gap, the spread of respondents' scores and the change since the previous assessment against the same framework; and every item's agreed answer. Members of the organisation and respondents once it is closed; the facilitator at any time",
		h.apiResults, web.Body(nil, ResultsDoc{Assessment: ex.Assessment, Overall: ex.Overall, Dimensions: ex.Dimensions, Items: ex.Items,
			Respondents: ex.Respondents, Previous: ex.Previous, Levels: ex.Levels}))
	rt.API("GET", resultAPI+"/benchmark", web.SignedIn, resultTag,
		"Compare a closed, opted-in assessment with peers' (by=type or by=jurisdiction narrows the cohort): per dimension the lower quartile, median and upper quartile (R's type 7) of the other organisations' latest shared results, and where this one sits; withheld, with the reason, when fewer than 5 organisations are in the cohort. No other organisation's name or scores are ever given",
		h.apiBenchmark, web.Body(nil, benchmarkExample()))
	rt.API("GET", resultAPI+"/actions", web.SignedIn, resultTag, "List the improvement plan: open actions by due date, then done and dropped ones",
		h.apiActionList, web.Body(nil, api.List[ActionDoc]{Items: []ActionDoc{exAction}}))
	rt.API("POST", resultAPI+"/actions", web.SignedIn, resultTag,
		"Add an action to the improvement plan (the facilitator and the organisation's managers); due_date as YYYY-MM-DD; status planned, in_progress, done or dropped",
		h.apiActionCreate, web.Body(ActionInput{ItemKey: exAction.Item, Title: exAction.Title, Guidance: exAction.Guidance, Owner: exAction.Owner,
			Due: "2026-03-31", Status: ActionPlanned}, exAction))
	rt.API("PUT", resultAPI+"/actions/{action_id}", web.SignedIn, resultTag,
		"Change an action of the plan: the fields sent replace the old ones (owner, due_date, status, title, guidance); those left out stay",
		h.apiActionUpdate, web.Body(actionChangeExample(), exAction))
	rt.API("POST", resultAPI+"/plan/generate", web.SignedIn, resultTag,
		"Draw up the plan from the agreed answers: an action for each item flagged as needing improvement, or else for the 5 largest gaps to target, with the framework's guidance; items already in the plan are skipped. Returns the actions added",
		h.apiPlanGenerate, web.Body(nil, api.List[ActionDoc]{Items: []ActionDoc{exAction}}))
}

func actionChangeExample() ActionChange {
	owner, due, status := "Director, Engagement", "2026-03-31", ActionInProgress
	return ActionChange{Owner: &owner, Due: &due, Status: &status}
}

func resultsExample() ResultsDoc {
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	at := time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)
	return ResultsDoc{
		Assessment: ResultAssessment{ID: 12, Title: "Charter engagement maturity 2025", OrganisationID: 1, Organisation: "Department of the Prime Minister and Cabinet",
			FrameworkID: 1, Framework: "APS Charter engagement maturity", FrameworkKey: "charter", FrameworkVersion: "1.0",
			PeriodStart: "2024-07-01", PeriodEnd: "2025-06-30", Status: StatusClosed, ClosedAt: s("2025-08-01T09:00:00Z")},
		Overall: ResultDimension{Title: "Overall", Score: f(52.5), Level: s("Defined"), Target: f(75), TargetLevel: s("Managed"), Gap: f(22.5),
			Answered: 24, Excluded: 1, Spread: ResultSpread{Respondents: 3, Min: f(45), Max: f(61.3), Range: f(16.3)},
			Change: &ResultChange{Previous: f(41.7), Delta: f(10.8)}},
		Dimensions: []ResultDimension{{ID: "open", Title: "Be open", Score: f(62.5), Level: s("Managed"), Target: f(75), TargetLevel: s("Managed"),
			Gap: f(12.5), Answered: 4, Spread: ResultSpread{Respondents: 3, Min: f(50), Max: f(75), Range: f(25)},
			Change: &ResultChange{Previous: f(50), Delta: f(12.5)}}},
		Items: []ResultItem{{ID: "open-1", Dimension: "open", Statement: "We say early what is open to influence and what is not.",
			Current: "3", CurrentLabel: "Defined", CurrentScore: f(50), Target: "4", TargetLabel: "Managed", TargetScore: f(75), Gap: f(25),
			NeedsImprovement: true, Reason: "Practice differs between divisions.", Spread: ResultSpread{Respondents: 3, Min: f(25), Max: f(75), Range: f(50)},
			Answers: []ChoiceCount{{Label: "Developing", N: 1}, {Label: "Defined", N: 1}, {Label: "Managed", N: 1}}}},
		Respondents: 3,
		Previous:    &ResultPrevious{ID: 4, Title: "Charter engagement maturity 2024", PeriodStart: "2023-07-01", PeriodEnd: "2024-06-30"},
		Levels:      []Level{{Label: "Initial", From: 0}, {Label: "Developing", From: 20}, {Label: "Defined", From: 40}, {Label: "Managed", From: 60}, {Label: "Leading", From: 80}},
		Actions: []ActionDoc{{ID: 3, Item: "open-1", Title: "We say early what is open to influence and what is not.",
			Guidance: "Publish, with every engagement, what is decided and what is open.", Owner: "Director, Engagement", DueDate: s("2026-03-31"),
			Status: ActionPlanned, CreatedAt: at, UpdatedAt: at}},
	}
}

func benchmarkExample() Benchmark {
	f := func(v float64) *float64 { return &v }
	d := BenchmarkDimension{ID: "open", Title: "Be open", N: 6, LowerQuartile: f(42.5), Median: f(55), UpperQuartile: f(71.3), Score: f(62.5), Position: "above the median"}
	o := d
	o.ID, o.Title = "", "Overall"
	return Benchmark{By: CohortType, Cohort: "of the same type: Government agency", Organisations: 6, Minimum: MinCohort,
		Overall: &o, Dimensions: []BenchmarkDimension{d}}
}

func (h *Web) apiResults(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.Svc.Results(r.Context(), id)
	if err != nil {
		return err
	}
	fw, err := h.Svc.Framework(r.Context(), rep.Assessment.FrameworkID)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, ResultsDocOf(rep, fw))
}

// cohortBy reads ?by= (type, jurisdiction or nothing).
func cohortBy(r *http.Request) (string, error) {
	switch by := strings.TrimSpace(r.URL.Query().Get("by")); by {
	case "", "all":
		return CohortAll, nil
	case CohortType, CohortJurisdiction:
		return by, nil
	}
	return "", &api.BadRequest{Msg: "by must be type or jurisdiction (or left out for every organisation).",
		Errors: map[string]string{"by": "Use type or jurisdiction."}}
}

func (h *Web) apiBenchmark(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	by, err := cohortBy(r)
	if err != nil {
		return err
	}
	b, err := h.Svc.Benchmark(r.Context(), id, by)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, b)
}

func (h *Web) apiActionList(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_, xs, err := h.Svc.Plan(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.List[ActionDoc]{Items: actionDocs(xs, h.Svc.Now())})
}

func (h *Web) apiActionCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in ActionInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	x, err := h.Svc.AddAction(r.Context(), id, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/assessments/"+strconv.FormatInt(id, 10)+"/actions/"+strconv.FormatInt(x.ID, 10))
	return api.JSON(w, http.StatusCreated, ActionDocOf(x, h.Svc.Now()))
}

func (h *Web) apiActionUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := web.PathID(r, "action_id")
	if err != nil {
		return err
	}
	var ch ActionChange
	if err := api.Decode(r, &ch); err != nil {
		return err
	}
	x, err := h.Svc.UpdateAction(r.Context(), id, aid, ch)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, ActionDocOf(x, h.Svc.Now()))
}

func (h *Web) apiPlanGenerate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	added, err := h.Svc.GeneratePlan(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.List[ActionDoc]{Items: actionDocs(added, h.Svc.Now())})
}
