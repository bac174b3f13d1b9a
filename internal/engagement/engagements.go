package engagement

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// The rules of engagements that need neither SQL nor HTTP: input, the publishing checks,
// status changes, phases, overdue and the consultation load per place.

// Date is a calendar date that may be unset; it reads and writes JSON as "2006-01-02" or null.
type Date struct{ time.Time }

// MarshalJSON writes the date or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// UnmarshalJSON reads "2006-01-02", "" or null; a timestamp as the engagement's JSON writes
// it ("2006-01-02T00:00:00Z") is taken as its date, so that what is read can be sent back.
func (d *Date) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		d.Time = time.Time{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		ts, terr := time.Parse(time.RFC3339, s)
		if terr != nil {
			return fmt.Errorf("use a date as YYYY-MM-DD")
		}
		t = day(ts)
	}
	d.Time = t
	return nil
}

// JSONSchema describes the JSON of a Date for the OpenAPI document.
func (Date) JSONSchema() map[string]any {
	return map[string]any{"type": []string{"string", "null"}, "format": "date", "example": "2018-09-07"}
}

// String is the date as YYYY-MM-DD, or "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// day is the calendar day of t, as midnight UTC.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Limits of an engagement's fields.
const (
	MaxTitle    = 200
	MaxSummary  = 1000
	MaxLongText = 5000
	MaxSlug     = 60
	MaxRelated  = 200 // partners, places or programs
)

// Input is what staff submit to create or edit an engagement. Moderation, the report
// threshold and the statement limit take their defaults when left empty.
type Input struct {
	OrgID           int64                `json:"organisation_id"`
	Slug            string               `json:"slug"`
	Title           string               `json:"title"`
	Summary         string               `json:"summary"`
	Purpose         string               `json:"purpose"`
	Decision        string               `json:"decision"`
	NotNegotiable   string               `json:"not_open_to_influence"`
	Influence       string               `json:"influence"`
	Affected        string               `json:"affected"`
	OpensOn         Date                 `json:"opens_on"`
	ClosesOn        Date                 `json:"closes_on"`
	ReportBackBy    Date                 `json:"report_back_by"`
	Moderation      string               `json:"moderation"`
	ReportThreshold int                  `json:"report_threshold"`
	StatementLimit  int                  `json:"statement_limit"`
	HasMap          bool                 `json:"has_map"`
	Questionnaire   *forms.Questionnaire `json:"questionnaire"`
	Demographics    *forms.Questionnaire `json:"demographics"`
	PartnerIDs      []int64              `json:"partner_ids"`
	PlaceIDs        []int64              `json:"place_ids"`
	ProgramIDs      []int64              `json:"program_ids"`
}

// InputOf is the input that would save e unchanged.
func InputOf(e Engagement) Input {
	return Input{OrgID: e.OrgID, Slug: e.Slug, Title: e.Title, Summary: e.Summary, Purpose: e.Purpose, Decision: e.Decision,
		NotNegotiable: e.NotNegotiable, Influence: e.Influence, Affected: e.Affected,
		OpensOn: Date{e.OpensOn}, ClosesOn: Date{e.ClosesOn}, ReportBackBy: Date{e.ReportBackBy},
		Moderation: e.Moderation, ReportThreshold: e.ReportThreshold, StatementLimit: e.StatementLimit, HasMap: e.HasMap,
		Questionnaire: e.Questionnaire, Demographics: e.Demographics,
		PartnerIDs: slices.Clone(e.PartnerIDs), PlaceIDs: slices.Clone(e.PlaceIDs), ProgramIDs: slices.Clone(e.ProgramIDs)}
}

// Normalize trims the input, lower-cases the slug, fills the defaults, drops repeated IDs and
// the owner from its own partners.
func (in *Input) Normalize() {
	for _, p := range []*string{&in.Slug, &in.Title, &in.Summary, &in.Purpose, &in.Decision, &in.NotNegotiable, &in.Influence, &in.Affected, &in.Moderation} {
		*p = strings.TrimSpace(strings.ReplaceAll(*p, "\r\n", "\n"))
	}
	in.Slug = strings.ToLower(in.Slug)
	in.Influence = strings.ToLower(in.Influence)
	if in.Moderation == "" {
		in.Moderation = ModeratePost
	}
	if in.ReportThreshold == 0 {
		in.ReportThreshold = 3
	}
	if in.StatementLimit == 0 {
		in.StatementLimit = 10
	}
	in.PartnerIDs = uniqueIDs(in.PartnerIDs)
	in.PartnerIDs = slices.DeleteFunc(in.PartnerIDs, func(id int64) bool { return id == in.OrgID && id > 0 })
	in.PlaceIDs = uniqueIDs(in.PlaceIDs)
	in.ProgramIDs = uniqueIDs(in.ProgramIDs)
	// An empty form is no form.
	if in.Questionnaire != nil && len(in.Questionnaire.Questions) == 0 && strings.TrimSpace(in.Questionnaire.Title) == "" {
		in.Questionnaire = nil
	}
	if in.Demographics != nil && len(in.Demographics.Questions) == 0 && strings.TrimSpace(in.Demographics.Title) == "" {
		in.Demographics = nil
	}
}

func uniqueIDs(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// reservedSlugs are addresses under /engagements/ that are not engagements.
var reservedSlugs = []string{"new", "overdue", "load"}

// Validate checks the input (after Normalize). It does not require what publishing needs:
// a draft may be incomplete.
func (in Input) Validate() error {
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation that runs the engagement.")
	c.Text("title", in.Title, "the engagement's title", MaxTitle)
	if in.Slug != "" {
		switch {
		case len(in.Slug) > MaxSlug:
			c.Addf("slug", "Use at most %d characters for the web address.", MaxSlug)
		case !slugPattern.MatchString(in.Slug):
			c.Add("slug", "Use lower-case letters, digits and single hyphens for the web address, for example logan-learning-2018.")
		case strings.Trim(in.Slug, "0123456789-") == "":
			c.Add("slug", "Put at least one letter in the web address, so that it is not mistaken for a number.")
		case slices.Contains(reservedSlugs, in.Slug):
			c.Addf("slug", "The web address %q is taken by a page of the register: choose another.", in.Slug)
		}
	}
	longText(&c, "summary", in.Summary, MaxSummary)
	for _, f := range []struct{ name, value string }{{"purpose", in.Purpose}, {"decision", in.Decision},
		{"not_open_to_influence", in.NotNegotiable}, {"affected", in.Affected}} {
		longText(&c, f.name, f.value, MaxLongText)
	}
	if strings.ContainsRune(in.Title, 0) {
		c.Add("title", "Remove the control characters from the title.")
	}
	if in.Influence != "" {
		c.OneOf("influence", in.Influence, influenceValues(), "a level of public influence")
	}
	c.Period("opens_on", in.OpensOn.Time, "closes_on", in.ClosesOn.Time)
	if !in.ReportBackBy.IsZero() {
		switch {
		case !in.ClosesOn.IsZero() && in.ReportBackBy.Before(in.ClosesOn.Time):
			c.Add("report_back_by", "Report back on or after the closing date: people cannot hear back before they have had their say.")
		case in.ClosesOn.IsZero() && !in.OpensOn.IsZero() && in.ReportBackBy.Before(in.OpensOn.Time):
			c.Add("report_back_by", "Report back on or after the opening date.")
		}
	}
	c.OneOf("moderation", in.Moderation, []string{ModeratePre, ModeratePost}, "how statements are moderated")
	c.Check(in.ReportThreshold >= 1 && in.ReportThreshold <= 100, "report_threshold", "Hide a statement after 1 to 100 reports.")
	c.Check(in.StatementLimit >= 1 && in.StatementLimit <= 100, "statement_limit", "Allow each participant 1 to 100 statements.")
	for _, f := range []struct {
		name string
		ids  []int64
	}{{"partner_ids", in.PartnerIDs}, {"place_ids", in.PlaceIDs}, {"program_ids", in.ProgramIDs}} {
		if len(f.ids) > MaxRelated {
			c.Addf(f.name, "Choose at most %d.", MaxRelated)
		}
		for _, id := range f.ids {
			if id <= 0 {
				c.Add(f.name, "Choose from the list.")
				break
			}
		}
	}
	for _, q := range []struct {
		name string
		q    *forms.Questionnaire
	}{{"questionnaire", in.Questionnaire}, {"demographics", in.Demographics}} {
		if q.q == nil {
			continue
		}
		if err := q.q.Validate(); err != nil {
			if ve, ok := valid.As(err); ok {
				for _, k := range sortedKeys(ve) {
					c.Add(q.name, "The form is not valid: "+k+": "+ve[k])
					break
				}
			} else {
				c.Add(q.name, "The form is not valid.")
			}
		}
	}
	return c.Err()
}

// longText checks an optional text of at most n characters that both databases can store:
// valid UTF-8 without NUL characters.
func longText(c *valid.Checker, field, s string, n int) {
	c.MaxLen(field, s, n)
	if !utf8.ValidString(s) {
		c.Add(field, "Use valid text (UTF-8).")
	} else if strings.ContainsRune(s, 0) {
		c.Add(field, "Remove the control characters from the text.")
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func influenceValues() []string {
	out := make([]string, len(Influence))
	for i, l := range Influence {
		out[i] = l.Value
	}
	return out
}

// InfluenceLabel names a level of public influence ("" when unset).
func InfluenceLabel(v string) string {
	for _, l := range Influence {
		if l.Value == v {
			return l.Label
		}
	}
	return v
}

// InfluencePromise is what a level promises participants ("" when unset).
func InfluencePromise(v string) string {
	for _, l := range Influence {
		if l.Value == v {
			return l.Promise
		}
	}
	return ""
}

// InfluenceLabel is the engagement's level of public influence for people.
func (e Engagement) InfluenceLabel() string { return InfluenceLabel(e.Influence) }

// Promise is what the engagement's level of influence promises participants.
func (e Engagement) Promise() string { return InfluencePromise(e.Influence) }

// PublishProblems lists what must be filled in before an engagement is published: its
// purpose, the decision it will inform, the level of influence, the dates and the date by
// which participants will hear back. Nil when it may be published.
func PublishProblems(e Engagement) valid.Errors {
	errs := valid.Errors{}
	if strings.TrimSpace(e.Purpose) == "" {
		errs["purpose"] = "Say what the engagement is for before you publish it."
	}
	if strings.TrimSpace(e.Decision) == "" {
		errs["decision"] = "Say which decision the engagement will inform before you publish it."
	}
	if e.Influence == "" {
		errs["influence"] = "Choose the level of public influence before you publish it."
	}
	if e.OpensOn.IsZero() {
		errs["opens_on"] = "Give the date the engagement opens before you publish it."
	}
	if e.ClosesOn.IsZero() {
		errs["closes_on"] = "Give the date the engagement closes before you publish it."
	}
	if e.ReportBackBy.IsZero() {
		errs["report_back_by"] = "Give the date by which participants will hear back before you publish it."
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Phases of an engagement as people see it on a given day: an open engagement is "upcoming"
// before its opening date and "closed" after its closing date.
const (
	PhaseDraft    = StatusDraft
	PhaseUpcoming = "upcoming"
	PhaseOpen     = StatusOpen
	PhaseClosed   = StatusClosed
	PhaseReported = StatusReported
)

// Phase is the engagement's phase on day now.
func (e Engagement) Phase(now time.Time) string {
	today := day(now)
	switch e.Status {
	case StatusOpen:
		switch {
		case !e.OpensOn.IsZero() && today.Before(day(e.OpensOn)):
			return PhaseUpcoming
		case !e.ClosesOn.IsZero() && today.After(day(e.ClosesOn)):
			return PhaseClosed
		}
		return PhaseOpen
	case "":
		return PhaseDraft
	}
	return e.Status
}

// AcceptingInput reports whether people may take part on day now: the engagement is
// published, not archived, and today falls within its dates. Participation and the opinion
// map check it before they accept a submission, a statement or a vote.
func (e Engagement) AcceptingInput(now time.Time) bool {
	return e.ArchivedAt == nil && e.Phase(now) == PhaseOpen
}

// PhaseLabel names a phase for people.
func PhaseLabel(phase string) string {
	switch phase {
	case PhaseDraft:
		return "Draft"
	case PhaseUpcoming:
		return "Opens soon"
	case PhaseOpen:
		return "Open"
	case PhaseClosed:
		return "Closed"
	case PhaseReported:
		return "Report published"
	}
	return phase
}

// StatusLabel names a stored status for people.
func StatusLabel(s string) string { return PhaseLabel(s) }

// DaysOverdue is how many days the report is overdue on day now (0 when it is not).
func (e Engagement) DaysOverdue(now time.Time) int {
	if !e.Overdue(now) {
		return 0
	}
	return int(day(now).Sub(day(e.ReportBackBy)).Hours() / 24)
}

// Status changes. Publishing is draft → open, and needs PublishProblems to be empty; closing
// is open → closed; reopening is closed → open and needs a closing date today or later. A
// published report makes it "reported" (see PublishReport); nothing goes back to draft.

// Transition checks a change of status from e's to "to" on day now, with field messages.
func Transition(e Engagement, to string, now time.Time) error {
	switch {
	case to == e.Status:
		return valid.Errors{"status": fmt.Sprintf("The engagement is already %s.", strings.ToLower(StatusLabel(to)))}
	case e.Status == StatusDraft && to == StatusOpen:
		if errs := PublishProblems(e); errs != nil {
			return errs
		}
		return nil
	case e.Status == StatusOpen && to == StatusClosed:
		return nil
	case e.Status == StatusClosed && to == StatusOpen:
		if !e.ClosesOn.IsZero() && day(e.ClosesOn).Before(day(now)) {
			return valid.Errors{"closes_on": "The closing date has passed: move it to today or later before you reopen the engagement."}
		}
		return nil
	case to == StatusReported:
		return valid.Errors{"status": "Publish the report to mark the engagement as reported."}
	case to == StatusDraft:
		return valid.Errors{"status": "A published engagement stays on the public register: it cannot go back to draft."}
	case e.Status == StatusReported:
		return valid.Errors{"status": "The report is published: the engagement cannot be reopened or closed again."}
	case !slices.Contains([]string{StatusOpen, StatusClosed}, to):
		return valid.Errors{"status": "Choose open or closed."}
	}
	return valid.Errors{"status": fmt.Sprintf("An engagement that is %s cannot become %s.", strings.ToLower(StatusLabel(e.Status)), strings.ToLower(StatusLabel(to)))}
}

// ---- who may do what ----

// canSeeDrafts: members of the owner and of its partners (partners co-design), and site admins.
func canSeeDrafts(p authz.Principal, e Engagement) bool {
	if p.Can(authz.Read, e.OrgID) {
		return true
	}
	for _, o := range e.PartnerIDs {
		if p.Can(authz.Read, o) {
			return true
		}
	}
	return false
}

// CanSee reports whether the principal may see the engagement: everyone once it is
// published; while it is a draft, members of the owner and its partners. An archived
// engagement is seen only by the owner's members (and site admins). Those who may not see an
// engagement are told it does not exist.
func CanSee(p authz.Principal, e Engagement) bool {
	if e.ArchivedAt != nil {
		return p.Can(authz.Read, e.OrgID)
	}
	return e.Status != StatusDraft || canSeeDrafts(p, e)
}

// CanSeeDraftReport: those who see drafts see the report before it is published.
func CanSeeDraftReport(p authz.Principal, e Engagement) bool { return canSeeDrafts(p, e) }

// CanCreate: contributors of any organisation (the owner is checked on save).
func CanCreate(p authz.Principal) bool { return p.CanAny(authz.Contribute) }

// CanEdit: managers of the owner; its contributors while it is a draft.
func CanEdit(p authz.Principal, e Engagement) bool {
	return p.Can(authz.Manage, e.OrgID) || (e.Status == StatusDraft && p.Can(authz.Contribute, e.OrgID))
}

// CanManage: managers of the owner publish, close, reopen and archive, and write and publish
// the report.
func CanManage(p authz.Principal, e Engagement) bool { return p.Can(authz.Manage, e.OrgID) }

// CanWork: contributors of the owner read the submissions, sort them into themes and (in
// the participation part) moderate.
func CanWork(p authz.Principal, e Engagement) bool { return p.Can(authz.Contribute, e.OrgID) }

// CanArchive: managers archive drafts (abandoned ones); a published engagement stays on the
// register, so only site admins archive it (a test or a mistake).
func CanArchive(p authz.Principal, e Engagement) bool {
	return p.SiteAdmin || (CanManage(p, e) && e.Status == StatusDraft)
}

// ---- the register's filter ----

// Filter statuses beyond the phases.
const FilterOverdue = "overdue"

// FilterStatuses are the statuses the register filters on.
var FilterStatuses = []struct{ Value, Label string }{
	{PhaseUpcoming, "Opens soon"},
	{PhaseOpen, "Open now"},
	{PhaseClosed, "Closed, report to come"},
	{FilterOverdue, "Report overdue"},
	{PhaseReported, "Report published"},
	{PhaseDraft, "Draft (your organisations')"},
}

// Filter narrows the register. Dates select engagements whose dates overlap From–To.
type Filter struct {
	OrgID   int64
	PlaceID int64
	Theme   string
	Status  string
	From    Date
	To      Date
	Page    int // 1-based, for pages; the API pages with a cursor instead

	// Set by the service.
	Today       time.Time
	AllVisible  bool    // site admins
	VisibleOrgs []int64 // drafts of these organisations (owners or partners) are visible
	After       int64   // API cursor: IDs above After, in ID order
	Limit       int
	Offset      int
}

// MaxPage bounds the page number of the register.
const MaxPage = 1000

// ParseFilter reads the register's filter from a query string, with a message per field it
// cannot read: organisation, place, theme, status, from, to, page.
func ParseFilter(q map[string][]string) (Filter, valid.Errors) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	var f Filter
	errs := valid.Errors{}
	id := func(name, msg string) int64 {
		s := get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			errs[name] = msg
			return 0
		}
		return n
	}
	f.OrgID = id("organisation", "Choose an organisation from the list.")
	f.PlaceID = id("place", "Choose a place from the list.")
	f.Theme = get("theme")
	if !utf8.ValidString(f.Theme) || strings.ContainsRune(f.Theme, 0) {
		errs["theme"] = "Choose a theme from the list."
		f.Theme = ""
	} else if len([]rune(f.Theme)) > MaxThemeName {
		errs["theme"] = fmt.Sprintf("Use at most %d characters for a theme.", MaxThemeName)
		f.Theme = ""
	}
	if s := get("status"); s != "" {
		ok := false
		for _, st := range FilterStatuses {
			ok = ok || st.Value == s
		}
		if ok {
			f.Status = s
		} else {
			errs["status"] = "Choose a status from the list."
		}
	}
	date := func(name string) Date {
		s := get(name)
		if s == "" {
			return Date{}
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			errs[name] = "Enter a date as YYYY-MM-DD, for example 2025-03-31."
			return Date{}
		}
		return Date{t}
	}
	f.From, f.To = date("from"), date("to")
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From.Time) {
		errs["to"] = "The end of the period must be on or after its start."
		f.To = Date{}
	}
	f.Page = 1
	if s := get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPage {
			errs["page"] = fmt.Sprintf("Use a page number from 1 to %d.", MaxPage)
		} else {
			f.Page = n
		}
	}
	if len(errs) == 0 {
		return f, nil
	}
	return f, errs
}

// Query is the filter as a query string (without the page), for links that keep it.
func (f Filter) Query() string {
	var parts []string
	add := func(k, v string) {
		if v != "" && v != "0" {
			parts = append(parts, k+"="+url.QueryEscape(v))
		}
	}
	add("organisation", strconv.FormatInt(f.OrgID, 10))
	add("place", strconv.FormatInt(f.PlaceID, 10))
	add("theme", f.Theme)
	add("status", f.Status)
	add("from", f.From.String())
	add("to", f.To.String())
	return strings.Join(parts, "&")
}

// ---- consultation load ----

// Consultation load: how many engagements a place has open now or closed recently, and the
// months in which several agencies consult it at once.
const (
	RecentDays    = 90 // "recent": closed within this many days
	BusyThreshold = 3  // this many engagements open in one place in one month is a warning
)

// MonthLoad is one month in which a place has many engagements open.
type MonthLoad struct {
	Month       time.Time `json:"month"` // the first of the month
	Count       int       `json:"count"`
	Engagements []Ref     `json:"engagements"`
}

// Label is the month for people ("March 2025").
func (m MonthLoad) Label() string { return m.Month.Format("January 2006") }

// PlaceLoad is the consultation load of one place.
type PlaceLoad struct {
	Place    Ref         `json:"place"`
	Open     []Detail    `json:"open"`        // open for input today
	Upcoming []Detail    `json:"upcoming"`    // published, opening later
	Recent   []Detail    `json:"recent"`      // closed in the last RecentDays days
	Busy     []MonthLoad `json:"busy_months"` // months with BusyThreshold or more engagements open
}

// Warning reports whether the place has a month with BusyThreshold or more engagements open.
func (pl PlaceLoad) Warning() bool { return len(pl.Busy) > 0 }

// months lists the first day of each month from a to b (inclusive).
func months(a, b time.Time) []time.Time {
	a, b = day(a), day(b)
	if b.Before(a) {
		a, b = b, a
	}
	var out []time.Time
	for m := time.Date(a.Year(), a.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(b); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
		if len(out) > 240 { // twenty years is enough for any engagement
			break
		}
	}
	return out
}

// Load works out the consultation load per place on day now from published engagements
// (drafts and archived ones are left out). An engagement counts in a month when its dates
// overlap the month; an engagement without a closing date counts in its opening month. Only
// months from the one RecentDays ago onwards are considered, so that old history does not
// raise warnings. Places come busiest first (most open, then most in the busiest month),
// then by name.
func Load(es []Detail, now time.Time) []PlaceLoad {
	today := day(now)
	since := today.AddDate(0, 0, -RecentDays)
	firstMonth := time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, time.UTC)
	byPlace := map[int64]*PlaceLoad{}
	perMonth := map[int64]map[time.Time][]Ref{}
	for _, e := range es {
		if e.Status == StatusDraft || e.ArchivedAt != nil {
			continue
		}
		phase := e.Phase(now)
		recent := !e.ClosesOn.IsZero() && day(e.ClosesOn).Before(today) && !day(e.ClosesOn).Before(since)
		var span []time.Time
		if !e.OpensOn.IsZero() {
			end := e.ClosesOn
			if end.IsZero() {
				end = e.OpensOn
			}
			for _, m := range months(e.OpensOn, end) {
				if !m.Before(firstMonth) {
					span = append(span, m)
				}
			}
		}
		for _, pl := range e.Places {
			l := byPlace[pl.ID]
			if l == nil {
				l = &PlaceLoad{Place: pl}
				byPlace[pl.ID] = l
				perMonth[pl.ID] = map[time.Time][]Ref{}
			}
			switch {
			case phase == PhaseOpen:
				l.Open = append(l.Open, e)
			case phase == PhaseUpcoming:
				l.Upcoming = append(l.Upcoming, e)
			case recent:
				l.Recent = append(l.Recent, e)
			}
			for _, m := range span {
				perMonth[pl.ID][m] = append(perMonth[pl.ID][m], Ref{ID: e.ID, Name: e.Title})
			}
		}
	}
	out := make([]PlaceLoad, 0, len(byPlace))
	for id, l := range byPlace {
		for m, refs := range perMonth[id] {
			if len(refs) >= BusyThreshold {
				l.Busy = append(l.Busy, MonthLoad{Month: m, Count: len(refs), Engagements: refs})
			}
		}
		sort.Slice(l.Busy, func(i, j int) bool { return l.Busy[i].Month.Before(l.Busy[j].Month) })
		if len(l.Open)+len(l.Upcoming)+len(l.Recent) == 0 {
			continue
		}
		out = append(out, *l)
	}
	peak := func(l PlaceLoad) int {
		n := 0
		for _, b := range l.Busy {
			n = max(n, b.Count)
		}
		return n
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if len(a.Open) != len(b.Open) {
			return len(a.Open) > len(b.Open)
		}
		if peak(a) != peak(b) {
			return peak(a) > peak(b)
		}
		if a.Place.Name != b.Place.Name {
			return a.Place.Name < b.Place.Name
		}
		return a.Place.ID < b.Place.ID
	})
	return out
}
