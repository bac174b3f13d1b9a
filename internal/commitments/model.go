// Package commitments tracks open-government action plans in public: plans, commitments,
// milestones, progress updates and assessments on the OGP scales, with the progress roll-up,
// the derived "starred" rule, feeds, exports and the import of the OGP commitment spreadsheet.
package commitments

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Choice lists are web.Option slices: the value stored and the label shown.
var (
	PlanStatuses = []web.Option{
		{Value: "draft", Label: "Draft"},
		{Value: "published", Label: "Published"},
		{Value: "in_implementation", Label: "In implementation"},
		{Value: "completed", Label: "Completed"},
	}
	CommitmentStatuses = []web.Option{
		{Value: "not_started", Label: "Not started"},
		{Value: "active", Label: "Active"},
		{Value: "completed", Label: "Completed"},
		{Value: "withdrawn", Label: "Withdrawn"},
	}
	MilestoneStatuses = []web.Option{
		{Value: "not_started", Label: "Not started"},
		{Value: "in_progress", Label: "In progress"},
		{Value: "delayed", Label: "Delayed"},
		{Value: "completed", Label: "Completed"},
		{Value: "withdrawn", Label: "Withdrawn"},
	}
	// OGP scales.
	PotentialImpacts = []web.Option{{Value: "none", Label: "None"}, {Value: "minor", Label: "Minor"},
		{Value: "moderate", Label: "Moderate"}, {Value: "transformative", Label: "Transformative"}}
	PotentialResults = []web.Option{{Value: "unclear", Label: "Unclear"}, {Value: "modest", Label: "Modest"},
		{Value: "substantial", Label: "Substantial"}}
	Completions = []web.Option{{Value: "no_evidence", Label: "No evidence available"}, {Value: "not_started", Label: "Not started"},
		{Value: "limited", Label: "Limited"}, {Value: "substantial", Label: "Substantial"}, {Value: "complete", Label: "Complete"}}
	OpenedGovernment = []web.Option{{Value: "worsened", Label: "Worsened"}, {Value: "did_not_change", Label: "Did not change"},
		{Value: "marginal", Label: "Marginal"}, {Value: "major", Label: "Major"}, {Value: "outstanding", Label: "Outstanding"}}
	AssessmentKinds = []web.Option{{Value: "independent", Label: "Independent review"}, {Value: "self", Label: "Self-assessment"}}
	// OGPValues are the four values, in the order of the OGP spreadsheet.
	OGPValues = []web.Option{{Value: "access_info", Label: "Access to information"}, {Value: "civic_participation", Label: "Civic participation"},
		{Value: "accountability", Label: "Public accountability"}, {Value: "technology", Label: "Technology and innovation for transparency and accountability"}}
)

// Label is the label of value in opts, or value itself.
func Label(opts []web.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

func has(opts []web.Option, value string) bool {
	for _, o := range opts {
		if o.Value == value {
			return true
		}
	}
	return false
}

func optionValues(opts []web.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

// Date is a calendar date that may be unset; it reads and writes JSON as "2006-01-02" or null.
type Date struct{ time.Time }

// MarshalJSON writes the date or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// JSONSchema describes the JSON of a Date for the OpenAPI document.
func (Date) JSONSchema() map[string]any {
	return map[string]any{"type": []string{"string", "null"}, "format": "date", "example": "2018-09-01"}
}

// UnmarshalJSON reads "2006-01-02", "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		d.Time = time.Time{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("use a date as YYYY-MM-DD")
	}
	d.Time = t
	return nil
}

// String is the date as YYYY-MM-DD, or "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// Human is the date as people read it ("September 2018" when it is the first of a month).
func (d Date) Human() string {
	if d.IsZero() {
		return ""
	}
	return d.Format("2 January 2006")
}

// Plan is an action plan.
type Plan struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"organisation_id"`
	OrgName     string    `json:"organisation_name"`
	Title       string    `json:"title"`
	Country     string    `json:"country,omitempty"`
	Locality    string    `json:"locality,omitempty"`
	Number      int       `json:"plan_number,omitempty"`
	Cycle       string    `json:"cycle,omitempty"`
	Start       Date      `json:"start_date"`
	End         Date      `json:"end_date"`
	Status      string    `json:"status"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Derived.
	Commitments int `json:"commitment_count"`
	// Measured counts the commitments whose progress is measured; Progress averages them.
	Measured     int            `json:"measured_commitments"`
	Progress     float64        `json:"progress"`
	ByCompletion map[string]int `json:"by_completion,omitempty"`
}

// Public reports whether the public may see the plan.
func (p Plan) Public() bool { return p.Status != "draft" }

// StatusLabel is the status's label.
func (p Plan) StatusLabel() string { return Label(PlanStatuses, p.Status) }

// PlanInput is what staff submit for a plan.
type PlanInput struct {
	OrgID       int64  `json:"organisation_id"`
	Title       string `json:"title"`
	Country     string `json:"country"`
	Locality    string `json:"locality"`
	Number      int    `json:"plan_number"`
	Cycle       string `json:"cycle"`
	Start       Date   `json:"start_date"`
	End         Date   `json:"end_date"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

// Validate checks a plan.
func (in *PlanInput) Validate() error {
	in.Title, in.Country, in.Locality = strings.TrimSpace(in.Title), strings.TrimSpace(in.Country), strings.TrimSpace(in.Locality)
	in.Cycle, in.Description = strings.TrimSpace(in.Cycle), strings.TrimSpace(in.Description)
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation that owns the plan.")
	c.Text("title", in.Title, "the plan's title", 300)
	c.MaxLen("country", in.Country, 100)
	c.MaxLen("locality", in.Locality, 100)
	c.MaxLen("cycle", in.Cycle, 40)
	c.Check(in.Number >= 0 && in.Number < 1000, "plan_number", "Enter a plan number from 0 to 999.")
	c.OneOf("status", in.Status, optionValues(PlanStatuses), "a status")
	c.MaxLen("description", in.Description, 20000)
	c.Period("start_date", in.Start.Time, "end_date", in.End.Time)
	return c.Err()
}

// Commitment is one commitment of a plan.
type Commitment struct {
	ID              int64     `json:"id"`
	PlanID          int64     `json:"plan_id"`
	PlanTitle       string    `json:"plan_title"`
	PlanStatus      string    `json:"-"`
	PlanOrgID       int64     `json:"-"`
	Reference       string    `json:"reference"`
	Number          int       `json:"number,omitempty"`
	Title           string    `json:"title"`
	ShortTitle      string    `json:"short_title,omitempty"`
	Status          string    `json:"status"`
	LeadOrgID       int64     `json:"lead_organisation_id,omitempty"`
	LeadOrgName     string    `json:"lead_organisation,omitempty"`
	Supporters      []Ref     `json:"supporting_organisations"`
	OtherGovernment string    `json:"other_actors_government,omitempty"`
	OtherCivil      string    `json:"other_actors_civil_society,omitempty"`
	Values          Values    `json:"ogp_values"`
	PolicyAreas     []Ref     `json:"policy_areas"`
	Places          []Ref     `json:"places"`
	Programs        []Ref     `json:"programs"`
	Problem         string    `json:"problem,omitempty"`
	Description     string    `json:"description,omitempty"`
	Contribution    string    `json:"contribution,omitempty"`
	Relevance       string    `json:"relevance,omitempty"`
	AdditionalInfo  string    `json:"additional_information,omitempty"`
	Start           Date      `json:"start_date"`
	End             Date      `json:"end_date"`
	Contacts        string    `json:"contacts,omitempty"`
	URL             string    `json:"url,omitempty"`
	Override        *float64  `json:"progress_override,omitempty"`
	OverrideReason  string    `json:"progress_override_reason,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Derived when loaded.
	Progress float64 `json:"progress"`
	// Measured is false when progress has nothing to go on: no milestones and no override.
	Measured   bool        `json:"progress_measured"`
	Milestones []Milestone `json:"milestones,omitempty"`
	Latest     *Assessment `json:"latest_assessment"`
	Starred    bool        `json:"starred"`
}

// Ref names a related record.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Values records relevance to each OGP value.
type Values struct {
	AccessInfo         bool `json:"access_to_information"`
	CivicParticipation bool `json:"civic_participation"`
	Accountability     bool `json:"public_accountability"`
	Technology         bool `json:"technology_and_innovation"`
}

// Any reports whether at least one value is marked.
func (v Values) Any() bool {
	return v.AccessInfo || v.CivicParticipation || v.Accountability || v.Technology
}

// Labels lists the marked values' labels.
func (v Values) Labels() []string {
	var out []string
	for i, on := range []bool{v.AccessInfo, v.CivicParticipation, v.Accountability, v.Technology} {
		if on {
			out = append(out, OGPValues[i].Label)
		}
	}
	return out
}

// StatusLabel is the status's label.
func (c Commitment) StatusLabel() string { return Label(CommitmentStatuses, c.Status) }

// Name is the short title, or the title.
func (c Commitment) Name() string {
	if c.ShortTitle != "" {
		return c.ShortTitle
	}
	return c.Title
}

// Overridden reports whether progress was set by hand.
func (c Commitment) Overridden() bool { return c.Override != nil }

// referenceRE: letters then digits, optionally a suffix, e.g. AU0019, NZ0012, SA-0003.
var referenceRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}(-?[0-9]{1,6})([A-Z0-9.-]{0,10})$`)

// NormalizeReference upper-cases and trims a public reference.
func NormalizeReference(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CommitmentInput is what staff (or an import) submit for a commitment.
type CommitmentInput struct {
	PlanID          int64   `json:"plan_id"`
	Reference       string  `json:"reference"`
	Number          int     `json:"number"`
	Title           string  `json:"title"`
	ShortTitle      string  `json:"short_title"`
	Status          string  `json:"status"`
	LeadOrgID       int64   `json:"lead_organisation_id"`
	SupporterIDs    []int64 `json:"supporting_organisation_ids"`
	OtherGovernment string  `json:"other_actors_government"`
	OtherCivil      string  `json:"other_actors_civil_society"`
	Values          Values  `json:"ogp_values"`
	PolicyAreaIDs   []int64 `json:"policy_area_ids"`
	PlaceIDs        []int64 `json:"place_ids"`
	ProgramIDs      []int64 `json:"program_ids"`
	Problem         string  `json:"problem"`
	Description     string  `json:"description"`
	Contribution    string  `json:"contribution"`
	Relevance       string  `json:"relevance"`
	AdditionalInfo  string  `json:"additional_information"`
	Start           Date    `json:"start_date"`
	End             Date    `json:"end_date"`
	Contacts        string  `json:"contacts"`
	URL             string  `json:"url"`
}

// Validate checks a commitment.
func (in *CommitmentInput) Validate() error {
	in.Reference = NormalizeReference(in.Reference)
	for _, p := range []*string{&in.Title, &in.ShortTitle, &in.Status, &in.OtherGovernment, &in.OtherCivil, &in.Problem, &in.Description,
		&in.Contribution, &in.Relevance, &in.AdditionalInfo, &in.Contacts, &in.URL} {
		*p = strings.TrimSpace(*p)
	}
	var c valid.Checker
	c.Check(in.PlanID > 0, "plan_id", "Choose the action plan.")
	switch {
	case in.Reference == "":
		c.Add("reference", "Enter the public reference, e.g. AU0019.")
	case len(in.Reference) > 24 || !referenceRE.MatchString(in.Reference):
		c.Add("reference", "Use letters followed by a number, e.g. AU0019.")
	}
	c.Text("title", in.Title, "the commitment's title", 500)
	c.MaxLen("short_title", in.ShortTitle, 200)
	c.OneOf("status", in.Status, optionValues(CommitmentStatuses), "a status")
	c.Check(in.Number >= 0 && in.Number < 100000, "number", "Enter a commitment number from 0 to 99999.")
	c.MaxLen("other_actors_government", in.OtherGovernment, 5000)
	c.MaxLen("other_actors_civil_society", in.OtherCivil, 5000)
	for name, s := range map[string]string{"problem": in.Problem, "description": in.Description, "contribution": in.Contribution,
		"relevance": in.Relevance, "additional_information": in.AdditionalInfo} {
		c.MaxLen(name, s, 50000)
	}
	c.MaxLen("contacts", in.Contacts, 2000)
	c.URL("url", in.URL)
	c.Period("start_date", in.Start.Time, "end_date", in.End.Time)
	c.Check(len(in.SupporterIDs) <= 200 && len(in.PolicyAreaIDs) <= 50 && len(in.PlaceIDs) <= 200 && len(in.ProgramIDs) <= 50, "", "Too many related records.")
	return c.Err()
}

// Milestone is a step of a commitment.
type Milestone struct {
	ID           int64     `json:"id"`
	CommitmentID int64     `json:"commitment_id"`
	Position     int       `json:"position"`
	Activity     string    `json:"activity"`
	Deliverable  string    `json:"deliverable,omitempty"`
	Start        Date      `json:"start_date"`
	End          Date      `json:"end_date"`
	Status       string    `json:"status"`
	Progress     int       `json:"progress"`
	Weight       *float64  `json:"weight,omitempty"`
	Evidence     []string  `json:"evidence"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// StatusLabel is the status's label.
func (m Milestone) StatusLabel() string { return Label(MilestoneStatuses, m.Status) }

// MilestoneInput is what staff submit for a milestone.
type MilestoneInput struct {
	Activity    string   `json:"activity"`
	Deliverable string   `json:"deliverable"`
	Start       Date     `json:"start_date"`
	End         Date     `json:"end_date"`
	Status      string   `json:"status"`
	Progress    int      `json:"progress"`
	Weight      *float64 `json:"weight"`
	Evidence    []string `json:"evidence"`
}

// Validate checks a milestone; outside reports a milestone outside its commitment's period
// as a warning (it is saved).
func (in *MilestoneInput) Validate() error {
	in.Activity, in.Deliverable, in.Status = strings.TrimSpace(in.Activity), strings.TrimSpace(in.Deliverable), strings.TrimSpace(in.Status)
	var c valid.Checker
	c.Required("activity", in.Activity, "the activity")
	c.MaxLen("activity", in.Activity, 2000)
	c.MaxLen("deliverable", in.Deliverable, 2000)
	c.OneOf("status", in.Status, optionValues(MilestoneStatuses), "a status")
	c.Check(in.Progress >= 0 && in.Progress <= 100, "progress", "Enter progress as a whole number from 0 to 100.")
	if in.Weight != nil {
		c.Check(!math.IsNaN(*in.Weight) && *in.Weight > 0 && *in.Weight <= 1000, "weight", "Enter a weight above 0 (up to 1000), or leave it empty for equal weights.")
	}
	c.Period("start_date", in.Start.Time, "end_date", in.End.Time)
	var ev []string
	for _, e := range in.Evidence {
		if e = strings.TrimSpace(e); e != "" {
			ev = append(ev, e)
			if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				c.Add("evidence", "Give each evidence link as a web address starting with https:// or http://, one per line.")
			}
		}
	}
	c.Check(len(ev) <= 50, "evidence", "Give at most 50 evidence links.")
	in.Evidence = ev
	return c.Err()
}

// OutsidePeriod says whether a milestone falls outside its commitment's period, as a warning.
func OutsidePeriod(m MilestoneInput, c Commitment) string {
	if !c.Start.IsZero() && !m.Start.IsZero() && m.Start.Before(c.Start.Time) {
		return fmt.Sprintf("The milestone starts (%s) before its commitment (%s).", m.Start.Human(), c.Start.Human())
	}
	if !c.End.IsZero() && !m.End.IsZero() && m.End.After(c.End.Time) {
		return fmt.Sprintf("The milestone ends (%s) after its commitment (%s).", m.End.Human(), c.End.Human())
	}
	return ""
}

// Update is a dated, attributed progress report; updates are never changed or deleted.
type Update struct {
	ID           int64     `json:"id"`
	CommitmentID int64     `json:"commitment_id"`
	Reference    string    `json:"commitment_reference,omitempty"`
	MilestoneID  int64     `json:"milestone_id,omitempty"`
	ReportedOn   Date      `json:"reported_on"`
	AuthorID     int64     `json:"-"`
	Author       string    `json:"author"`
	Body         string    `json:"text"`
	Evidence     []string  `json:"evidence"`
	Progress     *int      `json:"progress,omitempty"`
	Status       string    `json:"milestone_status,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// UpdateInput is a new progress update; Progress and Status, when given, also set the
// milestone's progress and status.
type UpdateInput struct {
	MilestoneID int64    `json:"milestone_id"`
	ReportedOn  Date     `json:"reported_on"`
	Body        string   `json:"text"`
	Evidence    []string `json:"evidence"`
	Progress    *int     `json:"progress"`
	Status      string   `json:"milestone_status"`
}

// Validate checks an update.
func (in *UpdateInput) Validate(today time.Time) error {
	in.Body, in.Status = strings.TrimSpace(in.Body), strings.TrimSpace(in.Status)
	var c valid.Checker
	c.Required("text", in.Body, "what happened")
	c.MaxLen("text", in.Body, 20000)
	if in.ReportedOn.IsZero() {
		in.ReportedOn = Date{today.Truncate(24 * time.Hour)}
	}
	c.Check(!in.ReportedOn.After(today.Add(24*time.Hour)), "reported_on", "The date of an update cannot be in the future.")
	if in.Progress != nil {
		c.Check(in.MilestoneID > 0, "progress", "Choose the milestone whose progress this sets.")
		c.Check(*in.Progress >= 0 && *in.Progress <= 100, "progress", "Enter progress as a whole number from 0 to 100.")
	}
	if in.Status != "" {
		c.Check(in.MilestoneID > 0, "milestone_status", "Choose the milestone whose status this sets.")
		c.OneOf("milestone_status", in.Status, optionValues(MilestoneStatuses), "a status")
	}
	m := MilestoneInput{Activity: "x", Status: "not_started", Evidence: in.Evidence}
	if err := m.Validate(); err != nil {
		if ve, ok := valid.As(err); ok && ve["evidence"] != "" {
			c.Add("evidence", ve["evidence"])
		}
	}
	in.Evidence = m.Evidence
	return c.Err()
}

// Assessment is a review on the OGP scales, by an independent reviewer or the agency itself.
type Assessment struct {
	ID               int64     `json:"id"`
	CommitmentID     int64     `json:"commitment_id"`
	Kind             string    `json:"kind"`
	AssessorID       int64     `json:"-"`
	Assessor         string    `json:"assessor"`
	AssessedOn       Date      `json:"assessed_on"`
	Verifiable       *bool     `json:"verifiable"`
	Relevance        Values    `json:"relevance"`
	PotentialImpact  string    `json:"potential_impact,omitempty"`
	PotentialResults string    `json:"potential_results,omitempty"`
	Completion       string    `json:"completion,omitempty"`
	OTGOverall       string    `json:"did_it_open_government,omitempty"`
	OTG              OTG       `json:"did_it_open_government_by_value"`
	Summary          string    `json:"summary,omitempty"`
	Source           string    `json:"source,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	Starred          bool      `json:"starred"`
}

// OTG is "did it open government?" per value.
type OTG struct {
	AccessInfo         string `json:"access_to_information,omitempty"`
	CivicParticipation string `json:"civic_participation,omitempty"`
	Accountability     string `json:"public_accountability,omitempty"`
	Technology         string `json:"technology_and_innovation,omitempty"`
}

// KindLabel is the kind's label.
func (a Assessment) KindLabel() string { return Label(AssessmentKinds, a.Kind) }

// Starred is derived, never typed: verifiable, relevant to at least one OGP value,
// transformative potential impact, and substantial or complete completion.
func Starred(a Assessment) bool {
	return a.Verifiable != nil && *a.Verifiable && a.Relevance.Any() && a.PotentialImpact == "transformative" &&
		(a.Completion == "substantial" || a.Completion == "complete")
}

// AssessmentInput is a new assessment.
type AssessmentInput struct {
	Kind             string `json:"kind"`
	AssessedOn       Date   `json:"assessed_on"`
	Verifiable       *bool  `json:"verifiable"`
	Relevance        Values `json:"relevance"`
	PotentialImpact  string `json:"potential_impact"`
	PotentialResults string `json:"potential_results"`
	Completion       string `json:"completion"`
	OTGOverall       string `json:"did_it_open_government"`
	OTG              OTG    `json:"did_it_open_government_by_value"`
	Summary          string `json:"summary"`
	Source           string `json:"source"`
}

// Validate checks an assessment: every scale value must be one of the scale's.
func (in *AssessmentInput) Validate(today time.Time) error {
	var c valid.Checker
	c.OneOf("kind", in.Kind, optionValues(AssessmentKinds), "who assessed it")
	if in.AssessedOn.IsZero() {
		in.AssessedOn = Date{today.Truncate(24 * time.Hour)}
	}
	c.Check(!in.AssessedOn.After(today.Add(24*time.Hour)), "assessed_on", "The date of an assessment cannot be in the future.")
	scale := func(field, v string, opts []web.Option, label string) {
		if v != "" && !has(opts, v) {
			c.Addf(field, "%q is not on the %s scale: use one of %s.", v, label, strings.Join(optionValues(opts), ", "))
		}
	}
	scale("potential_impact", in.PotentialImpact, PotentialImpacts, "potential impact")
	scale("potential_results", in.PotentialResults, PotentialResults, "potential for results")
	c.Check(in.PotentialImpact == "" || in.PotentialResults == "", "potential_results",
		"Give either potential impact (older plans) or potential for results (newer plans), not both.")
	scale("completion", in.Completion, Completions, "completion")
	scale("did_it_open_government", in.OTGOverall, OpenedGovernment, "“did it open government?”")
	for field, v := range map[string]string{"otg_access_info": in.OTG.AccessInfo, "otg_civic_participation": in.OTG.CivicParticipation,
		"otg_accountability": in.OTG.Accountability, "otg_technology": in.OTG.Technology} {
		scale(field, v, OpenedGovernment, "“did it open government?”")
	}
	in.Summary, in.Source = strings.TrimSpace(in.Summary), strings.TrimSpace(in.Source)
	c.MaxLen("summary", in.Summary, 20000)
	c.MaxLen("source", in.Source, 2000)
	return c.Err()
}

// Measurable reports whether milestones give a progress at all (one that is not withdrawn).
func Measurable(ms []Milestone) bool {
	for _, m := range ms {
		if m.Status != "withdrawn" {
			return true
		}
	}
	return false
}

// RollUp is a commitment's progress from its milestones: the weighted mean Σ(w·p)/Σw, or the
// plain mean when no milestone has a weight (a milestone without a weight counts 1 when others
// have weights). Withdrawn milestones are left out. No milestones: 0.
func RollUp(ms []Milestone) float64 {
	var sum, weights float64
	for _, m := range ms {
		if m.Status == "withdrawn" {
			continue
		}
		w := 1.0
		if m.Weight != nil {
			w = *m.Weight
		}
		sum += w * float64(m.Progress)
		weights += w
	}
	if weights == 0 {
		return 0
	}
	return sum / weights
}
