package satisfaction

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// The management of surveys: the instrument (metadata, modules, custom questions, versions),
// its status, what its public results page shows, its targets and its weighting. Staff only:
// members of the survey's organisation see it (Read), its managers change it (Manage), site
// admins do both; everyone else is told it does not exist.
//
// Choices made here:
//   - A survey belongs to one organisation for good; its service is optional (none: a survey of
//     the whole organisation) and, when set, must be one of that organisation's services.
//   - The public code may change only while the survey is a draft: once opened, links, posters
//     and QR codes point to /s/{code}.
//   - A custom question's ID is fixed once added: its answers are stored under it, so renaming
//     would break the comparison across versions. Delete it and add another instead.

// SearchKind and SearchLabel name the search documents of surveys (staff of the organisation
// only: search.Doc.Public is false).
const (
	SearchKind  = "survey"
	SearchLabel = "Survey"
)

// Limits.
const (
	CodeMinLen         = 2
	CodeMaxLen         = 40
	MaxCustomQuestions = 60
	MaxTargets         = 50
	MaxMargins         = 6
	// DefaultTrim caps weights at this many times the mean weight; MaxTrim is the largest cap.
	DefaultTrim = 5.0
	MaxTrim     = 20.0
	maxTitle    = 200
	maxIntro    = 5000
	maxPop      = 300
	maxLabel    = 200
)

// SurveyModes are the ways a survey is fielded: responses are compared like with like.
var SurveyModes = []web.Option{
	{Value: "online", Label: "Online"},
	{Value: "phone", Label: "Phone interview"},
	{Value: "in_person", Label: "In person (interviewer)"},
	{Value: "kiosk", Label: "Kiosk or tablet at the service"},
	{Value: "mail", Label: "Paper, by mail"},
	{Value: "email", Label: "Email invitation"},
	{Value: "sms", Label: "Text message (SMS)"},
	{Value: "mixed", Label: "Mixed modes"},
}

// SurveyUnits are the units of analysis.
var SurveyUnits = []web.Option{
	{Value: UnitInteraction, Label: "A service interaction: one use of the service"},
	{Value: UnitRespondent, Label: "A respondent: one person"},
}

// ModuleOptions names the optional modules for people.
var ModuleOptions = []web.Option{
	{Value: ModuleRecommend, Label: "Likelihood to recommend (0–10, NPS®-style)"},
	{Value: ModuleEffort, Label: "Ease of getting it done (7 points)"},
	{Value: ModuleTrust, Label: "Trust after the interaction (5 points)"},
}

// SurveyStatuses names the statuses for people.
var SurveyStatuses = []web.Option{
	{Value: StatusDraft, Label: "Draft"},
	{Value: StatusOpen, Label: "Open"},
	{Value: StatusClosed, Label: "Closed"},
}

// CustomTypes are the question types a survey's custom questions may have.
var CustomTypes = []web.Option{
	{Value: string(forms.Single), Label: "Single choice"},
	{Value: string(forms.Multiple), Label: "Multiple choice"},
	{Value: string(forms.Scale), Label: "Scale"},
	{Value: string(forms.Number), Label: "Number"},
	{Value: string(forms.Text), Label: "Short text"},
	{Value: string(forms.Textarea), Label: "Long text"},
}

// MetricOptions names the metrics for people.
var MetricOptions = []web.Option{
	{Value: string(MetricIndex), Label: "Index (0–100)"},
	{Value: string(MetricTop2), Label: "Top-2-box (%)"},
	{Value: string(MetricNPS), Label: "NPS (−100 to 100)"},
	{Value: string(MetricEffort), Label: "Ease (mean, 1–7)"},
}

func optionLabel(opts []web.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func optionValues(opts []web.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

// StatusLabel is the survey's status for people.
func (s Survey) StatusLabel() string { return optionLabel(SurveyStatuses, s.Status) }

// ModeLabel is how the survey is fielded, for people.
func (s Survey) ModeLabel() string { return optionLabel(SurveyModes, s.Mode) }

// UnitLabel is the unit of analysis for people.
func (s Survey) UnitLabel() string { return optionLabel(SurveyUnits, s.Unit) }

// ModuleLabels names the survey's optional modules.
func (s Survey) ModuleLabels() []string {
	out := make([]string, len(s.Modules))
	for i, m := range s.Modules {
		out[i] = optionLabel(ModuleOptions, m)
	}
	return out
}

// Archived reports whether the survey is archived.
func (s Survey) Archived() bool { return s.ArchivedAt != nil }

// FieldPeriod is the fieldwork period for people: "1 Mar 2026 – 31 May 2026".
func (s Survey) FieldPeriod() string {
	f := func(t time.Time) string { return t.Format("2 Jan 2006") }
	switch {
	case s.FieldStart.IsZero() && s.FieldEnd.IsZero():
		return ""
	case s.FieldEnd.IsZero():
		return "from " + f(s.FieldStart)
	case s.FieldStart.IsZero():
		return "until " + f(s.FieldEnd)
	}
	return f(s.FieldStart) + " – " + f(s.FieldEnd)
}

// Label names a metric for people.
func (m Metric) Label() string { return optionLabel(MetricOptions, string(m)) }

// CanSeeSurvey: members of the survey's organisation and site admins.
func CanSeeSurvey(p authz.Principal, s Survey) bool { return p.Can(authz.Read, s.OrgID) }

// CanManageSurvey: the organisation's managers and admins, and site admins.
func CanManageSurvey(p authz.Principal, s Survey) bool { return p.Can(authz.Manage, s.OrgID) }

// --- codes and IDs ---

var codeShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidCode reports whether s may be a survey's public code: 2 to 40 lower-case letters,
// digits and single hyphens, with no hyphen at either end.
func ValidCode(s string) bool {
	return len(s) >= CodeMinLen && len(s) <= CodeMaxLen && codeShape.MatchString(s)
}

const codeHelp = "Use 2 to 40 lower-case letters, digits and hyphens, like “licence-counter” (no hyphen at either end, none doubled)."

var folds = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a", "æ", "ae", "ç", "c",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i",
	"ñ", "n", "ò", "o", "ó", "o", "ô", "o", "õ", "o", "ö", "o", "ø", "o", "œ", "oe",
	"ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y", "ß", "ss", "&", " and ",
)

// slugWords splits s into lower-case ASCII words of letters and digits.
func slugWords(s string) []string {
	s = folds.Replace(strings.ToLower(s))
	return strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
}

// joinWords joins words with sep up to n bytes, stopping before a word that would not fit
// (cutting the first word if it alone is too long).
func joinWords(words []string, sep string, n int) string {
	var b strings.Builder
	for _, w := range words {
		extra := len(w)
		if b.Len() > 0 {
			extra += len(sep)
		}
		if b.Len()+extra > n {
			if b.Len() == 0 {
				b.WriteString(w[:n])
			}
			break
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(w)
	}
	return b.String()
}

// SuggestCode makes a public code from a title: "Licence counter survey 2026" →
// "licence-counter-survey-2026"; "survey" when the title has no letters or digits to use.
func SuggestCode(title string) string {
	s := joinWords(slugWords(title), "-", CodeMaxLen-3) // room for "-99"
	if len(s) < CodeMinLen {
		return "survey"
	}
	return s
}

// withSuffix returns base with "-n" (or sep+n) appended, shortened to fit max bytes.
func withSuffix(base, sep string, n, max int) string {
	suf := sep + strconv.Itoa(n)
	if len(base)+len(suf) > max {
		base = strings.TrimRight(base[:max-len(suf)], "-_")
	}
	return base + suf
}

// SuggestQuestionID makes a question ID from its text, avoiding the core IDs and those taken.
func SuggestQuestionID(text string, taken func(string) bool) string {
	base := joinWords(slugWords(text), "_", 32)
	if base == "" {
		base = "question"
	}
	if base[0] >= '0' && base[0] <= '9' {
		base = "q_" + base
	}
	id := base
	for n := 2; IsCore(id) || taken(id); n++ {
		id = withSuffix(base, "_", n, 40)
	}
	return id
}

// --- survey input ---

// SurveyInput creates or changes a survey. Dates are YYYY-MM-DD. An empty code on creation is
// made from the title; on a change it keeps the code.
type SurveyInput struct {
	OrgID        int64    `json:"organisation_id"`
	ServiceID    int64    `json:"service_id,omitempty"`
	Code         string   `json:"code,omitempty"`
	Title        string   `json:"title"`
	Intro        string   `json:"intro,omitempty"`
	Modules      []string `json:"modules,omitempty"`
	Mode         string   `json:"mode"`
	FieldStart   string   `json:"field_start,omitempty"`
	FieldEnd     string   `json:"field_end,omitempty"`
	Population   string   `json:"target_population,omitempty"`
	Unit         string   `json:"unit,omitempty"`
	RequireToken bool     `json:"require_token,omitempty"`
}

// normalize trims the input and reads it into a survey, collecting messages in c.
func (in SurveyInput) normalize(c *valid.Checker) Survey {
	sv := Survey{
		OrgID: in.OrgID, ServiceID: in.ServiceID,
		Code: strings.ToLower(strings.TrimSpace(in.Code)), Title: strings.TrimSpace(in.Title),
		Intro: strings.TrimSpace(strings.ReplaceAll(in.Intro, "\r\n", "\n")),
		Mode:  strings.TrimSpace(in.Mode), Population: strings.TrimSpace(in.Population),
		Unit: strings.TrimSpace(in.Unit), RequireToken: in.RequireToken,
	}
	if sv.Unit == "" {
		sv.Unit = UnitInteraction
	}
	if sv.Code != "" && !ValidCode(sv.Code) {
		c.Add("code", codeHelp)
	}
	c.Text("title", sv.Title, "a title", maxTitle)
	c.MaxLen("intro", sv.Intro, maxIntro)
	c.Check(utf8.ValidString(sv.Intro), "intro", "Use valid text (UTF-8).")
	for _, m := range in.Modules {
		m = strings.TrimSpace(m)
		if !slices.Contains(Modules, m) {
			c.Add("modules", "Choose modules from the list: recommend, effort or trust.")
		}
	}
	for _, m := range Modules { // in the order they are asked, once each
		if slices.ContainsFunc(in.Modules, func(x string) bool { return strings.TrimSpace(x) == m }) {
			sv.Modules = append(sv.Modules, m)
		}
	}
	if sv.Mode == "" {
		c.Add("mode", "Choose how the survey is fielded.")
	} else {
		c.OneOf("mode", sv.Mode, optionValues(SurveyModes), "how the survey is fielded")
	}
	sv.FieldStart = c.ParseDate("field_start", in.FieldStart)
	sv.FieldEnd = c.ParseDate("field_end", in.FieldEnd)
	c.Period("field_start", sv.FieldStart, "field_end", sv.FieldEnd)
	if sv.Population != "" {
		c.Text("target_population", sv.Population, "the target population", maxPop)
	}
	c.OneOf("unit", sv.Unit, optionValues(SurveyUnits), "the unit of analysis")
	if in.OrgID < 0 {
		c.Add("organisation_id", "Choose an organisation from the list.")
	}
	if in.ServiceID < 0 {
		c.Add("service_id", "Choose a service from the list.")
	}
	return sv
}

// checkService checks that the chosen service belongs to the survey's organisation and is
// live (or is keep, the one already chosen), and fills in its name.
func (s *Service) checkService(ctx context.Context, c *valid.Checker, sv *Survey, orgName string, keep int64) {
	sv.ServiceName = ""
	if sv.ServiceID == 0 || c.Has("service_id") {
		return
	}
	ps, err := s.Dir.Store.PublicService(ctx, s.DB, sv.ServiceID)
	switch {
	case err != nil:
		c.Add("service_id", "Choose a service from the list.")
	case ps.OrgID != sv.OrgID:
		c.Addf("service_id", "“%s” is a service of %s: choose a service of %s, or none for a survey of the whole organisation.", ps.Name, ps.OrgName, orgName)
	case ps.Archived && ps.ID != keep:
		c.Addf("service_id", "“%s” is archived: choose another service.", ps.Name)
	default:
		sv.ServiceName = ps.Name
	}
}

// checkOrg checks that the principal manages the chosen organisation and that it is live.
func (s *Service) checkOrg(ctx context.Context, c *valid.Checker, p authz.Principal, sv *Survey) {
	if c.Has("organisation_id") {
		return
	}
	if sv.OrgID == 0 {
		c.Add("organisation_id", "Choose the organisation that runs the survey.")
		return
	}
	o, err := s.Dir.Store.Org(ctx, s.DB, sv.OrgID)
	switch {
	case err != nil:
		c.Add("organisation_id", "Choose an organisation from the list.")
	case !p.Can(authz.Manage, o.ID):
		c.Add("organisation_id", "Choose an organisation you manage.")
	case o.Archived:
		c.Addf("organisation_id", "%s is archived: choose another organisation.", o.Name)
	default:
		sv.OrgName = o.Name
	}
}

func codeTaken(code string) error {
	return valid.Errors{"code": fmt.Sprintf("The code “%s” is taken by another survey: choose another, for example “%s”.",
		code, withSuffix(code, "-", 2, CodeMaxLen))}
}

// checkCodeFree says so under "code" when another survey than except uses code (checked
// again when the survey is stored).
func (s *Service) checkCodeFree(ctx context.Context, c *valid.Checker, code string, except int64) error {
	if code == "" || c.Has("code") {
		return nil
	}
	taken, err := s.Store.CodeTaken(ctx, s.DB, code, except)
	if err != nil {
		return err
	}
	if taken {
		ve, _ := valid.As(codeTaken(code))
		c.Add("code", ve["code"])
	}
	return nil
}

// freeCode returns base, or base with a number, whichever is not taken.
func (s *Service) freeCode(ctx context.Context, tx *db.Tx, base string) (string, error) {
	code := base
	for n := 2; n < 1000; n++ {
		taken, err := s.Store.CodeTaken(ctx, tx, code, 0)
		if err != nil || !taken {
			return code, err
		}
		code = withSuffix(base, "-", n, CodeMaxLen)
	}
	return "", valid.Errors{"code": "Choose a code: every code made from this title is taken."}
}

// questionnaireErrors checks a survey's questionnaire. Messages about the title and intro
// keep their keys; those about questions go under other (the field that changed them).
func questionnaireErrors(q forms.Questionnaire, other string) error {
	err := q.Validate()
	ve, ok := valid.As(err)
	if !ok {
		return err
	}
	out := valid.Errors{}
	var msgs []string
	for k, m := range ve {
		switch k {
		case "title", "intro":
			out[k] = m
		default:
			msgs = append(msgs, m)
		}
	}
	if len(msgs) > 0 {
		slices.Sort(msgs)
		out[other] = strings.Join(msgs, " ")
	}
	return out
}

func sameQuestionnaire(a, b forms.Questionnaire) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func surveyDoc(sv Survey) search.Doc {
	body := strings.Join([]string{sv.Code, sv.OrgName, sv.ServiceName, sv.Population, sv.Intro}, " ")
	return search.Doc{Kind: SearchKind, RecordID: sv.ID, Title: sv.Title, Body: body, URL: sv.URL(), Public: false, OrgID: sv.OrgID}
}

// invalidate forgets the cached public definitions of codes once tx commits.
func (s *Service) invalidate(tx *db.Tx, codes ...string) {
	tx.AfterCommit(func() {
		if s.Cache == nil {
			return
		}
		for _, c := range codes {
			if c != "" {
				s.Cache.Invalidate(c)
			}
		}
	})
}

// --- reading ---

// SurveyForStaff returns a survey the principal may see (members of its organisation, site
// admins); others get db.ErrNotFound.
func (s *Service) SurveyForStaff(ctx context.Context, id int64) (Survey, error) {
	sv, err := s.Store.SurveyByID(ctx, s.DB, id)
	if err != nil {
		return Survey{}, err
	}
	if !CanSeeSurvey(authz.From(ctx), sv) {
		return Survey{}, db.ErrNotFound
	}
	return sv, nil
}

// SurveyForStaffByCode is SurveyForStaff by public code.
func (s *Service) SurveyForStaffByCode(ctx context.Context, code string) (Survey, error) {
	if code == "" || len(code) > 100 {
		return Survey{}, db.ErrNotFound
	}
	sv, err := s.Store.SurveyByCode(ctx, s.DB, code)
	if err != nil {
		return Survey{}, err
	}
	if !CanSeeSurvey(authz.From(ctx), sv) {
		return Survey{}, db.ErrNotFound
	}
	return sv, nil
}

// manageable loads a survey for a change: not found for those who may not see it, a denial
// (audited) for those who may see but not change it.
func (s *Service) manageable(ctx context.Context, id int64, action string) (Survey, error) {
	sv, err := s.SurveyForStaff(ctx, id)
	if err != nil {
		return Survey{}, err
	}
	if !CanManageSurvey(authz.From(ctx), sv) {
		return Survey{}, audit.Deny(ctx, s.DB, action, "survey", id)
	}
	return sv, nil
}

// ListSurveys lists the surveys the principal may see, narrowed by f.
func (s *Service) ListSurveys(ctx context.Context, f SurveyFilter) ([]Survey, error) {
	p := authz.From(ctx)
	if !p.SiteAdmin {
		f.OrgIDs = p.Orgs(authz.Read)
		if len(f.OrgIDs) == 0 {
			return nil, nil
		}
	} else {
		f.OrgIDs = nil
	}
	return s.Store.ListSurveys(ctx, s.DB, f)
}

// --- creating and changing ---

// CreateSurvey starts a draft survey of an organisation the principal manages.
func (s *Service) CreateSurvey(ctx context.Context, in SurveyInput) (Survey, error) {
	p := authz.From(ctx)
	if !p.CanAny(authz.Manage) {
		return Survey{}, audit.Deny(ctx, s.DB, "survey.create", "survey", 0)
	}
	var c valid.Checker
	sv := in.normalize(&c)
	s.checkOrg(ctx, &c, p, &sv)
	s.checkService(ctx, &c, &sv, sv.OrgName, 0)
	if err := s.checkCodeFree(ctx, &c, sv.Code, 0); err != nil {
		return Survey{}, err
	}
	if err := c.Err(); err != nil {
		return Survey{}, err
	}
	sv.Status = StatusDraft
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if sv.Code == "" {
			if sv.Code, err = s.freeCode(ctx, tx, SuggestCode(sv.Title)); err != nil {
				return err
			}
		} else if taken, err := s.Store.CodeTaken(ctx, tx, sv.Code, 0); err != nil {
			return err
		} else if taken {
			return codeTaken(sv.Code)
		}
		sv.Questionnaire = BuildQuestionnaire(sv.Code, sv.Title, sv.Intro, sv.Modules, nil)
		if err := questionnaireErrors(sv.Questionnaire, "modules"); err != nil {
			return err
		}
		sv.ID, err = s.Store.InsertSurvey(ctx, tx, sv, s.Now())
		if errors.Is(err, db.ErrConflict) {
			return codeTaken(sv.Code)
		} else if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, surveyDoc(sv)); err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.create", TargetKind: "survey", TargetID: sv.ID, Target: sv.Title,
			Detail: surveyDetail(sv)})
	})
	if err != nil {
		return Survey{}, err
	}
	return s.Store.SurveyByID(ctx, s.DB, sv.ID)
}

func surveyDetail(sv Survey) string {
	d := fmt.Sprintf("code %s, organisation %d", sv.Code, sv.OrgID)
	if sv.ServiceID != 0 {
		d += fmt.Sprintf(", service %d", sv.ServiceID)
	}
	d += ", modules [" + strings.Join(sv.Modules, ",") + "], mode " + sv.Mode + ", unit " + sv.Unit
	if sv.RequireToken {
		d += ", single-use tokens"
	}
	return d
}

func surveyFields(sv Survey) map[string]string {
	return map[string]string{
		"code": sv.Code, "service": strconv.FormatInt(sv.ServiceID, 10), "title": sv.Title, "intro": sv.Intro,
		"modules": strings.Join(sv.Modules, ","), "mode": sv.Mode, "field_start": web.DateString(sv.FieldStart),
		"field_end": web.DateString(sv.FieldEnd), "target_population": sv.Population, "unit": sv.Unit,
		"require_token": strconv.FormatBool(sv.RequireToken),
	}
}

func changedFields(before, after map[string]string) string {
	var out []string
	for _, k := range []string{"code", "service", "title", "intro", "modules", "mode", "field_start", "field_end", "target_population", "unit", "require_token"} {
		if before[k] != after[k] {
			if k == "intro" {
				out = append(out, "intro changed")
				continue
			}
			out = append(out, fmt.Sprintf("%s %q → %q", k, before[k], after[k]))
		}
	}
	if len(out) == 0 {
		return "no change"
	}
	return strings.Join(out, "; ")
}

// UpdateSurvey changes a survey's details. The organisation stays; the code may change only
// while the survey is a draft. A change of title, intro or modules changes the questionnaire:
// a new version when the current one has responses.
func (s *Service) UpdateSurvey(ctx context.Context, id int64, in SurveyInput) (Survey, error) {
	old, err := s.manageable(ctx, id, "survey.update")
	if err != nil {
		return Survey{}, err
	}
	var c valid.Checker
	sv := in.normalize(&c)
	if in.OrgID != 0 && in.OrgID != old.OrgID {
		c.Add("organisation_id", "A survey stays with its organisation: start a new survey for another organisation.")
	}
	sv.OrgID, sv.OrgName = old.OrgID, old.OrgName
	s.checkService(ctx, &c, &sv, old.OrgName, old.ServiceID)
	if sv.Code == "" {
		sv.Code = old.Code
	}
	if sv.Code != old.Code && old.Status != StatusDraft && !c.Has("code") {
		c.Addf("code", "The code cannot change once the survey has been opened: its links, posters and QR codes point to /s/%s.", old.Code)
	}
	if sv.Code != old.Code {
		if err := s.checkCodeFree(ctx, &c, sv.Code, id); err != nil {
			return Survey{}, err
		}
	}
	if err := c.Err(); err != nil {
		return Survey{}, err
	}
	sv.ID, sv.Status, sv.Version, sv.CreatedAt, sv.ArchivedAt = old.ID, old.Status, old.Version, old.CreatedAt, old.ArchivedAt
	sv.Questionnaire = BuildQuestionnaire(sv.Code, sv.Title, sv.Intro, sv.Modules, CustomQuestions(old.Questionnaire))
	if err := questionnaireErrors(sv.Questionnaire, "modules"); err != nil {
		return Survey{}, err
	}
	sv.PublishResults, sv.PublishedQuestions = old.PublishResults, publishable(sv.Questionnaire, old.PublishedQuestions)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if sv.Code != old.Code {
			if taken, err := s.Store.CodeTaken(ctx, tx, sv.Code, id); err != nil {
				return err
			} else if taken {
				return codeTaken(sv.Code)
			}
		}
		if err := s.checkDependents(ctx, tx, id, sv.Questionnaire, "modules"); err != nil {
			return err
		}
		now := s.Now()
		if err := s.Store.UpdateSurvey(ctx, tx, sv, now); errors.Is(err, db.ErrConflict) {
			return codeTaken(sv.Code)
		} else if err != nil {
			return err
		}
		detail := changedFields(surveyFields(old), surveyFields(sv))
		if !sameQuestionnaire(old.Questionnaire, sv.Questionnaire) {
			v, err := s.Store.SetQuestionnaire(ctx, tx, id, sv.Questionnaire, now)
			if err != nil {
				return err
			}
			detail += fmt.Sprintf("; questionnaire version %d", v)
		}
		if err := search.Index(ctx, tx, surveyDoc(sv)); err != nil {
			return err
		}
		s.invalidate(tx, old.Code, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.update", TargetKind: "survey", TargetID: id, Target: sv.Title, Detail: detail})
	})
	if err != nil {
		return Survey{}, err
	}
	return s.Store.SurveyByID(ctx, s.DB, id)
}

// statusMoves lists the statuses a survey may move to from each status.
var statusMoves = map[string][]string{
	StatusDraft:  {StatusOpen},
	StatusOpen:   {StatusClosed},
	StatusClosed: {StatusOpen},
}

// SetSurveyStatus opens, closes or reopens a survey: draft → open → closed, and closed → open.
func (s *Service) SetSurveyStatus(ctx context.Context, id int64, status string) (Survey, error) {
	sv, err := s.manageable(ctx, id, "survey.status")
	if err != nil {
		return Survey{}, err
	}
	status = strings.TrimSpace(status)
	switch {
	case status != StatusOpen && status != StatusClosed:
		return Survey{}, valid.Errors{"status": "Choose open or closed."}
	case sv.Archived():
		return Survey{}, valid.Errors{"status": "The survey is archived: restore it first."}
	case status == sv.Status:
		return Survey{}, valid.Errors{"status": "The survey is already " + status + "."}
	case !slices.Contains(statusMoves[sv.Status], status):
		return Survey{}, valid.Errors{"status": "A draft cannot be closed: open it first, or archive it."}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetStatus(ctx, tx, id, status, s.Now()); err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.status", TargetKind: "survey", TargetID: id, Target: sv.Title,
			Detail: sv.Status + " → " + status})
	})
	if err != nil {
		return Survey{}, err
	}
	return s.Store.SurveyByID(ctx, s.DB, id)
}

// ArchiveSurvey archives a survey (closing it if open, and taking it out of lists and search)
// or restores it (still closed).
func (s *Service) ArchiveSurvey(ctx context.Context, id int64, archive bool) error {
	action := "survey.archive"
	if !archive {
		action = "survey.restore"
	}
	sv, err := s.manageable(ctx, id, action)
	if err != nil {
		return err
	}
	if sv.Archived() == archive {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := s.Now()
		status := sv.Status
		if archive && status == StatusOpen {
			status = StatusClosed
		}
		var at *time.Time
		if archive {
			at = &now
		}
		if err := s.Store.SetArchived(ctx, tx, id, at, status, now); err != nil {
			return err
		}
		var err error
		if archive {
			err = search.Remove(ctx, tx, SearchKind, id)
		} else {
			err = search.Index(ctx, tx, surveyDoc(sv))
		}
		if err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "survey", TargetID: id, Target: sv.Title,
			Detail: "status " + status})
	})
}

// --- custom questions ---

// customOffset is how many questions come before the custom ones.
func customOffset(sv Survey) int {
	return len(BuildQuestionnaire(sv.Code, sv.Title, sv.Intro, sv.Modules, nil).Questions) - 1
}

// QuestionError is the key of a message about custom question i (from 0) and its field.
func QuestionError(i int, field string) string { return fmt.Sprintf("questions[%d].%s", i, field) }

// checkCustom checks custom questions before the whole questionnaire is: their number, their
// types and that no core ID is used.
func checkCustom(custom []forms.Question) error {
	var c valid.Checker
	if len(custom) > MaxCustomQuestions {
		c.Addf("questions", "Use at most %d custom questions (this has %d).", MaxCustomQuestions, len(custom))
		return c.Err()
	}
	for i, qu := range custom {
		if !slices.Contains(optionValues(CustomTypes), string(qu.Type)) {
			c.Addf(QuestionError(i, "type"), "Custom question %d: choose a type: single, multiple, scale, number, text or textarea.", i+1)
		}
		if IsCore(qu.ID) {
			c.Addf(QuestionError(i, "id"), "Custom question %d: “%s” is the ID of a core question: choose another.", i+1, qu.ID)
		}
	}
	return c.Err()
}

// customErrors runs the questionnaire's checks and keys each message about a custom question
// by its place among the custom questions; the messages themselves count questions from the
// start of the whole questionnaire, as they are numbered on the page.
func customErrors(q forms.Questionnaire, offset int) error {
	err := q.Validate()
	ve, ok := valid.As(err)
	if !ok {
		return err
	}
	out := valid.Errors{}
	for k, m := range ve {
		var i int
		var field string
		if n, _ := fmt.Sscanf(k, "questions[%d].", &i); n == 1 {
			field = k[strings.Index(k, "].")+2:]
			if i >= offset {
				out[QuestionError(i-offset, field)] = m
				continue
			}
		}
		// The title, the intro or a core question: not the custom questions' doing, but say it.
		out["questions"] = strings.TrimSpace(out["questions"] + " " + m)
	}
	return out
}

// checkDependents refuses a questionnaire that would leave a target or the weighting
// pointing at a question that is gone or can no longer carry it; the message goes under key.
func (s *Service) checkDependents(ctx context.Context, tx *db.Tx, surveyID int64, q forms.Questionnaire, key string) error {
	ts, err := s.Store.Targets(ctx, tx, surveyID)
	if err != nil {
		return err
	}
	var msgs []string
	for _, t := range ts {
		qu, ok := q.Question(t.Question)
		if !ok || !slices.Contains(MetricsOf(qu), t.Metric) {
			msgs = append(msgs, fmt.Sprintf("The target “%s” is set on question “%s”: change or delete the target first.", t.Label, t.Question))
		}
	}
	w, ok, err := s.Store.WeightingOf(ctx, tx, surveyID)
	if err != nil {
		return err
	}
	if ok {
		for _, m := range w.Margins {
			if m.Variable == WeightPlace || m.Variable == WeightChannel {
				continue
			}
			qu, found := q.Question(m.Variable)
			if !found || qu.Type != forms.Single || IsCore(qu.ID) {
				msgs = append(msgs, fmt.Sprintf("The weighting uses question “%s”: take it out of the weighting first.", m.Variable))
				continue
			}
			for _, cat := range m.Categories {
				if !slices.ContainsFunc(qu.Options, func(o forms.Option) bool { return o.Value == cat.Value }) {
					msgs = append(msgs, fmt.Sprintf("The weighting uses the answer “%s” of question “%s”: change the weighting first.", cat.Value, m.Variable))
					break
				}
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return valid.Errors{key: strings.Join(msgs, " ")}
}

// SetCustomQuestions replaces a survey's custom questions (those after the core and module
// questions, before the closing comment). The whole questionnaire is checked first; when the
// current version already has responses the questions become a new version.
func (s *Service) SetCustomQuestions(ctx context.Context, id int64, custom []forms.Question) (Survey, error) {
	return s.changeQuestions(ctx, id, "replaced", func([]forms.Question) ([]forms.Question, error) { return custom, nil })
}

// changeQuestions applies change to the survey's custom questions, checks and stores them.
func (s *Service) changeQuestions(ctx context.Context, id int64, what string, change func([]forms.Question) ([]forms.Question, error)) (Survey, error) {
	sv, err := s.manageable(ctx, id, "survey.questions")
	if err != nil {
		return Survey{}, err
	}
	custom, err := change(slices.Clone(CustomQuestions(sv.Questionnaire)))
	if err != nil {
		return Survey{}, err
	}
	for i := range custom {
		normalizeQuestion(&custom[i])
	}
	if err := checkCustom(custom); err != nil {
		return Survey{}, err
	}
	q := BuildQuestionnaire(sv.Code, sv.Title, sv.Intro, sv.Modules, custom)
	if err := customErrors(q, customOffset(sv)); err != nil {
		return Survey{}, err
	}
	if sameQuestionnaire(q, sv.Questionnaire) {
		return sv, nil
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkDependents(ctx, tx, id, q, "questions"); err != nil {
			return err
		}
		now := s.Now()
		v, err := s.Store.SetQuestionnaire(ctx, tx, id, q, now)
		if err != nil {
			return err
		}
		if pub := publishable(q, sv.PublishedQuestions); !slices.Equal(pub, sv.PublishedQuestions) {
			if err := s.Store.SetPublishing(ctx, tx, id, sv.PublishResults, pub, now); err != nil {
				return err
			}
		}
		s.invalidate(tx, sv.Code)
		ids := make([]string, len(custom))
		for i, qu := range custom {
			ids[i] = qu.ID
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.questions", TargetKind: "survey", TargetID: id, Target: sv.Title,
			Detail: fmt.Sprintf("%s; version %d; custom questions [%s]", what, v, strings.Join(ids, ","))})
	})
	if err != nil {
		return Survey{}, err
	}
	return s.Store.SurveyByID(ctx, s.DB, id)
}

// normalizeQuestion trims what people type and drops settings the type does not use.
func normalizeQuestion(qu *forms.Question) {
	qu.ID = strings.TrimSpace(qu.ID)
	qu.Text = strings.TrimSpace(strings.ReplaceAll(qu.Text, "\r\n", "\n"))
	qu.Help = strings.TrimSpace(strings.ReplaceAll(qu.Help, "\r\n", "\n"))
	qu.Labels.Low, qu.Labels.High = strings.TrimSpace(qu.Labels.Low), strings.TrimSpace(qu.Labels.High)
	if qu.ShowIf != nil && qu.ShowIf.Question == "" && len(qu.ShowIf.Equals) == 0 {
		qu.ShowIf = nil
	}
}

// ErrNoQuestion is returned for a custom question that is not in the survey.
var ErrNoQuestion = db.ErrNotFound

func indexOf(custom []forms.Question, qid string) int {
	return slices.IndexFunc(custom, func(q forms.Question) bool { return q.ID == qid })
}

// AddQuestion adds a custom question after the others (before the closing comment).
func (s *Service) AddQuestion(ctx context.Context, id int64, qu forms.Question) (Survey, error) {
	return s.changeQuestions(ctx, id, "added "+qu.ID, func(custom []forms.Question) ([]forms.Question, error) {
		return append(custom, qu), nil
	})
}

// UpdateQuestion changes custom question qid; its ID stays.
func (s *Service) UpdateQuestion(ctx context.Context, id int64, qid string, qu forms.Question) (Survey, error) {
	return s.changeQuestions(ctx, id, "changed "+qid, func(custom []forms.Question) ([]forms.Question, error) {
		i := indexOf(custom, qid)
		if i < 0 {
			return nil, ErrNoQuestion
		}
		qu.ID = qid
		custom[i] = qu
		return custom, nil
	})
}

// MoveQuestion moves custom question qid up (delta −1) or down (+1) among the custom questions.
func (s *Service) MoveQuestion(ctx context.Context, id int64, qid string, delta int) (Survey, error) {
	return s.changeQuestions(ctx, id, fmt.Sprintf("moved %s by %d", qid, delta), func(custom []forms.Question) ([]forms.Question, error) {
		i := indexOf(custom, qid)
		if i < 0 {
			return nil, ErrNoQuestion
		}
		j := i + delta
		switch {
		case delta != 1 && delta != -1:
			return nil, valid.Errors{"direction": "Choose to move the question up or down."}
		case j < 0:
			return nil, valid.Errors{"direction": "This is already the first custom question."}
		case j >= len(custom):
			return nil, valid.Errors{"direction": "This is already the last custom question."}
		}
		custom[i], custom[j] = custom[j], custom[i]
		return custom, nil
	})
}

// DeleteQuestion removes custom question qid. A question that a later question's show-if, a
// target or the weighting depends on stays until they change.
func (s *Service) DeleteQuestion(ctx context.Context, id int64, qid string) (Survey, error) {
	return s.changeQuestions(ctx, id, "deleted "+qid, func(custom []forms.Question) ([]forms.Question, error) {
		i := indexOf(custom, qid)
		if i < 0 {
			return nil, ErrNoQuestion
		}
		for _, later := range custom[i+1:] {
			if later.ShowIf != nil && later.ShowIf.Question == qid {
				return nil, valid.Errors{"questions": fmt.Sprintf("Question “%s” is shown depending on the answer to this one: change or delete it first.", later.ID)}
			}
		}
		return slices.Delete(custom, i, i+1), nil
	})
}

// ParseOptions reads the options of a choice question as typed in the editor, one a line:
// "value|label", or just a label, whose value is then made from it ("18 to 24" → "18_to_24").
// Blank lines are skipped; a line "value|" uses the value as its label. Values made from labels
// never repeat; values typed twice are left for the questionnaire's check to report.
func ParseOptions(text string) ([]forms.Option, string) {
	text = strings.ToValidUTF8(text, "\uFFFD")
	var out []forms.Option
	used := map[string]bool{}
	var derived []int // options whose value is made from the label, made once all typed ones are known
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for _, line := range strings.Split(text, "\n") {
		value, label, found := strings.Cut(strings.TrimSpace(line), "|")
		value, label = strings.TrimSpace(value), strings.TrimSpace(label)
		if !found {
			value, label = "", value
		}
		if label == "" {
			label = value
		}
		if label == "" { // a blank line, or only "|"
			continue
		}
		if len(out) == forms.MaxOptions {
			return nil, fmt.Sprintf("Give at most %d options, one a line.", forms.MaxOptions)
		}
		if value == "" {
			derived = append(derived, len(out))
		} else {
			used[value] = true
		}
		out = append(out, forms.Option{Value: value, Label: label})
	}
	for _, i := range derived {
		base := joinWords(slugWords(out[i].Label), "_", 60)
		if base == "" {
			base = "option_" + strconv.Itoa(i+1)
		}
		v := base
		for n := 2; used[v]; n++ {
			v = withSuffix(base, "_", n, 64)
		}
		used[v] = true
		out[i].Value = v
	}
	return out, ""
}

// FormatOptions writes options as ParseOptions reads them, one "value|label" a line.
func FormatOptions(opts []forms.Option) string {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(o.Value + "|" + o.Label + "\n")
	}
	return b.String()
}

// --- publishing ---

// Publishable reports whether a question may be shown on the public results page: scale and
// choice questions; free text and numbers never are.
func Publishable(qu forms.Question) bool {
	return qu.Type == forms.Scale || qu.Type == forms.Single || qu.Type == forms.Multiple
}

// publishable keeps the ids that are publishable questions of q, in questionnaire order.
func publishable(q forms.Questionnaire, ids []string) []string {
	out := []string{}
	for _, qu := range q.Questions {
		if Publishable(qu) && slices.Contains(ids, qu.ID) {
			out = append(out, qu.ID)
		}
	}
	return out
}

// PublishingInput says whether the public results page is on and which questions it shows.
type PublishingInput struct {
	Publish   bool     `json:"publish_results"`
	Questions []string `json:"published_questions"`
}

// SetPublishing turns the public results page on or off and chooses its questions.
func (s *Service) SetPublishing(ctx context.Context, id int64, in PublishingInput) (Survey, error) {
	sv, err := s.manageable(ctx, id, "survey.publishing")
	if err != nil {
		return Survey{}, err
	}
	var c valid.Checker
	for _, qid := range in.Questions {
		qu, ok := sv.Questionnaire.Question(qid)
		switch {
		case !ok:
			c.Addf("published_questions", "There is no question “%s” in this survey.", valid.Truncate(qid, 64))
		case !Publishable(qu):
			c.Addf("published_questions", "“%s” is a %s question: only scale and choice questions are published, never free text or numbers.", qid, qu.Type)
		}
	}
	ids := publishable(sv.Questionnaire, in.Questions)
	if in.Publish && len(ids) == 0 {
		c.Add("published_questions", "Choose at least one question to publish, or turn publishing off.")
	}
	if err := c.Err(); err != nil {
		return Survey{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetPublishing(ctx, tx, id, in.Publish, ids, s.Now()); err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.publishing", TargetKind: "survey", TargetID: id, Target: sv.Title,
			Detail: fmt.Sprintf("publish %t, questions [%s]", in.Publish, strings.Join(ids, ","))})
	})
	if err != nil {
		return Survey{}, err
	}
	return s.Store.SurveyByID(ctx, s.DB, id)
}

// --- targets ---

// TargetInput sets a target: a metric of a question, its baseline (and the month it was
// measured, YYYY-MM), the value aimed for and the date (YYYY-MM-DD) it is due.
type TargetInput struct {
	Label          string   `json:"label"`
	Metric         string   `json:"metric"`
	Question       string   `json:"question"`
	Baseline       *float64 `json:"baseline"`
	BaselinePeriod string   `json:"baseline_period,omitempty"`
	Target         *float64 `json:"target"`
	Due            string   `json:"due"`
}

// MetricRange is the range of values a metric takes.
func MetricRange(m Metric) (lo, hi float64) {
	switch m {
	case MetricNPS:
		return -100, 100
	case MetricEffort:
		return 1, 7
	}
	return 0, 100
}

var periodShape = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ValidPeriod reports whether p is a month as YYYY-MM.
func ValidPeriod(p string) bool {
	m := periodShape.FindStringSubmatch(p)
	if m == nil {
		return false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	return y >= 1900 && y <= 2200 && mo >= 1 && mo <= 12
}

// normalize checks a target against the survey's current questions.
func (in TargetInput) normalize(q forms.Questionnaire) (Target, error) {
	var c valid.Checker
	t := Target{Label: strings.TrimSpace(in.Label), Metric: Metric(strings.TrimSpace(in.Metric)), Question: strings.TrimSpace(in.Question),
		BaselinePeriod: strings.TrimSpace(in.BaselinePeriod)}
	c.Text("label", t.Label, "a name for the target", maxLabel)
	c.OneOf("metric", string(t.Metric), optionValues(MetricOptions), "a metric")
	qu, ok := q.Question(t.Question)
	switch {
	case t.Question == "":
		c.Add("question", "Choose the question the target is for.")
	case !ok:
		c.Add("question", "Choose a question of this survey.")
	case len(MetricsOf(qu)) == 0:
		c.Add("question", "Choose a scale question: targets are set on scale questions.")
	case !c.Has("metric") && !slices.Contains(MetricsOf(qu), t.Metric):
		var names []string
		for _, m := range MetricsOf(qu) {
			names = append(names, m.Label())
		}
		c.Addf("metric", "This question's metrics are: %s.", strings.Join(names, ", "))
	}
	lo, hi := MetricRange(t.Metric)
	for _, f := range []struct {
		key, name string
		v         *float64
		dst       *float64
	}{{"baseline", "the baseline", in.Baseline, &t.Baseline}, {"target", "the target", in.Target, &t.Target}} {
		switch {
		case f.v == nil:
			c.Addf(f.key, "Enter %s, a number.", f.name)
		case math.IsNaN(*f.v) || math.IsInf(*f.v, 0):
			c.Addf(f.key, "Enter %s as a number.", f.name)
		case !c.Has("metric") && (*f.v < lo || *f.v > hi):
			c.Addf(f.key, "Enter %s from %s to %s for this metric.", f.name, formatNumber(lo), formatNumber(hi))
		default:
			*f.dst = *f.v
		}
	}
	if t.BaselinePeriod != "" && !ValidPeriod(t.BaselinePeriod) {
		c.Add("baseline_period", "Enter the month of the baseline as YYYY-MM, for example 2025-06.")
	}
	if strings.TrimSpace(in.Due) == "" {
		c.Add("due", "Enter the date the target is due, as YYYY-MM-DD.")
	} else {
		t.Due = c.ParseDate("due", in.Due)
	}
	return t, c.Err()
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TargetsOf lists a survey's targets, by due date.
func (s *Service) TargetsOf(ctx context.Context, id int64) (Survey, []Target, error) {
	sv, err := s.SurveyForStaff(ctx, id)
	if err != nil {
		return Survey{}, nil, err
	}
	ts, err := s.Store.Targets(ctx, s.DB, id)
	return sv, ts, err
}

func targetDetail(t Target) string {
	return fmt.Sprintf("target %d %q: %s of %s from %s (%s) to %s by %s", t.ID, t.Label, t.Metric, t.Question,
		formatNumber(t.Baseline), t.BaselinePeriod, formatNumber(t.Target), t.Due.Format(time.DateOnly))
}

// AddTarget adds a target to a survey.
func (s *Service) AddTarget(ctx context.Context, id int64, in TargetInput) (Target, error) {
	sv, err := s.manageable(ctx, id, "survey.target.create")
	if err != nil {
		return Target{}, err
	}
	t, err := in.normalize(sv.Questionnaire)
	if err != nil {
		return Target{}, err
	}
	t.SurveyID, t.CreatedAt = id, s.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.Store.CountTargets(ctx, tx, id)
		if err != nil {
			return err
		}
		if n >= MaxTargets {
			return valid.Errors{"": fmt.Sprintf("A survey holds at most %d targets: delete some first.", MaxTargets)}
		}
		if t.ID, err = s.Store.InsertTarget(ctx, tx, t); err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.target.create", TargetKind: "survey", TargetID: id, Target: sv.Title, Detail: targetDetail(t)})
	})
	return t, err
}

// UpdateTarget changes a target of a survey.
func (s *Service) UpdateTarget(ctx context.Context, id, targetID int64, in TargetInput) (Target, error) {
	sv, err := s.manageable(ctx, id, "survey.target.update")
	if err != nil {
		return Target{}, err
	}
	old, err := s.Store.TargetByID(ctx, s.DB, id, targetID)
	if err != nil {
		return Target{}, err
	}
	t, err := in.normalize(sv.Questionnaire)
	if err != nil {
		return Target{}, err
	}
	t.ID, t.SurveyID, t.CreatedAt = old.ID, id, old.CreatedAt
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.UpdateTarget(ctx, tx, t); err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.target.update", TargetKind: "survey", TargetID: id, Target: sv.Title, Detail: targetDetail(t)})
	})
	return t, err
}

// DeleteTarget removes a target of a survey.
func (s *Service) DeleteTarget(ctx context.Context, id, targetID int64) error {
	sv, err := s.manageable(ctx, id, "survey.target.delete")
	if err != nil {
		return err
	}
	t, err := s.Store.TargetByID(ctx, s.DB, id, targetID)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.DeleteTarget(ctx, tx, id, targetID); err != nil {
			return err
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.target.delete", TargetKind: "survey", TargetID: id, Target: sv.Title, Detail: targetDetail(t)})
	})
}

// --- weighting ---

// The weighting variables that are not questions: the place and the channel recorded with
// each response.
const (
	WeightPlace   = "place"
	WeightChannel = "channel"
)

// Weighting is what a survey's responses are weighted to: known population margins for
// post-stratification (one margin) or raking (several), and the trimming cap. It is stored in
// survey_weighting (the margins as JSON, the cap in its own column); read it with
// Store.WeightingOf.
type Weighting struct {
	Margins []WeightMargin `json:"margins"`
	// Trim caps each weight at Trim × the mean weight (greater than 1; DefaultTrim unless set).
	Trim      float64   `json:"trim"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// WeightMargin is the population distribution of one variable: a custom single-choice
// question's ID (categories: its option values), WeightPlace (categories: place IDs in decimal)
// or WeightChannel (categories: channel values as recorded with responses).
type WeightMargin struct {
	Variable string `json:"variable"`
	Label    string `json:"label"`
	// Entered is how the margin was given: "shares" (per cent) or "counts".
	Entered    string           `json:"entered"`
	Categories []WeightCategory `json:"categories"`
}

// WeightCategory is one category of a margin.
type WeightCategory struct {
	Value string `json:"value"`
	Label string `json:"label"`
	// Population is the category's share of the population in per cent: positive, and summing
	// to exactly 100 over the margin as stored (shares entered within 100 ± 0.5 are scaled to
	// 100; counts are turned into shares).
	Population float64 `json:"population"`
	// Count is the population count as entered, when the margin was given as counts.
	Count float64 `json:"count,omitempty"`
}

// Shares returns the margin's population shares by category value.
func (m WeightMargin) Shares() map[string]float64 {
	out := make(map[string]float64, len(m.Categories))
	for _, c := range m.Categories {
		out[c.Value] = c.Population
	}
	return out
}

// WeightMarginInput is one margin as sent: shares in % (summing to 100 ± 0.5) or counts.
type WeightMarginInput struct {
	Variable string             `json:"variable"`
	Shares   map[string]float64 `json:"shares,omitempty"`
	Counts   map[string]float64 `json:"counts,omitempty"`
}

// WeightingInput sets a survey's weighting; no margins removes it. Trim defaults to DefaultTrim.
type WeightingInput struct {
	Margins []WeightMarginInput `json:"margins"`
	Trim    *float64            `json:"trim,omitempty"`
}

// WeightVariable is a variable a survey may be weighted by, with its categories.
type WeightVariable struct {
	ID         string       `json:"variable"`
	Label      string       `json:"label"`
	Categories []web.Option `json:"categories"`
}

// MarginError is the key of messages about the margin of variable v.
func MarginError(v string) string { return "margins." + v }

// WeightVariables lists what a survey may be weighted by: its custom single-choice questions,
// the places and the channels its responses may record (those of the service, its links and
// responses so far).
func (s *Service) WeightVariables(ctx context.Context, sv Survey) ([]WeightVariable, error) {
	var out []WeightVariable
	for _, qu := range CustomQuestions(sv.Questionnaire) {
		if qu.Type != forms.Single {
			continue
		}
		v := WeightVariable{ID: qu.ID, Label: qu.Text}
		for _, o := range qu.Options {
			v.Categories = append(v.Categories, web.Option{Value: o.Value, Label: o.Label})
		}
		out = append(out, v)
	}
	var serviceChannels []string
	var placeIDs []int64
	if sv.ServiceID != 0 {
		ps, err := s.Dir.Store.PublicService(ctx, s.DB, sv.ServiceID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
		serviceChannels = ps.Channels
		for _, p := range ps.Places {
			placeIDs = append(placeIDs, p.ID)
		}
	}
	seen, err := s.Store.RecordedPlacesAndChannels(ctx, s.DB, sv.ID)
	if err != nil {
		return nil, err
	}
	placeIDs = append(placeIDs, seen.Places...)
	slices.Sort(placeIDs)
	placeIDs = slices.Compact(placeIDs)
	if len(placeIDs) > 0 {
		names, err := s.Store.PlaceNames(ctx, s.DB, placeIDs)
		if err != nil {
			return nil, err
		}
		v := WeightVariable{ID: WeightPlace, Label: "Place"}
		for _, id := range placeIDs {
			if n, ok := names[id]; ok {
				v.Categories = append(v.Categories, web.Option{Value: strconv.FormatInt(id, 10), Label: n})
			}
		}
		if len(v.Categories) >= 2 {
			out = append(out, v)
		}
	}
	v := WeightVariable{ID: WeightChannel, Label: "Channel"}
	channels := append(append([]string{}, serviceChannels...), seen.Channels...)
	if len(channels) == 0 {
		channels = optionValues(directory.ServiceChannels)
	}
	for _, o := range directory.ServiceChannels { // known channels in their usual order first
		if slices.Contains(channels, o.Value) {
			v.Categories = append(v.Categories, web.Option{Value: o.Value, Label: o.Label})
		}
	}
	for _, ch := range channels {
		if !slices.ContainsFunc(v.Categories, func(o web.Option) bool { return o.Value == ch }) {
			v.Categories = append(v.Categories, web.Option{Value: ch, Label: ch})
		}
	}
	if len(v.Categories) >= 2 {
		out = append(out, v)
	}
	return out, nil
}

// normalize checks the input against the variables and makes the stored weighting.
func (in WeightingInput) normalize(vars []WeightVariable) (Weighting, error) {
	var c valid.Checker
	w := Weighting{Trim: DefaultTrim}
	if in.Trim != nil {
		if t := *in.Trim; math.IsNaN(t) || !(t > 1) || t > MaxTrim {
			c.Addf("trim", "Enter a trimming cap greater than 1 and at most %s (5 is usual).", formatNumber(MaxTrim))
		} else {
			w.Trim = t
		}
	}
	if len(in.Margins) > MaxMargins {
		c.Addf("margins", "Weight by at most %d variables.", MaxMargins)
		return w, c.Err()
	}
	seen := map[string]bool{}
	for i, m := range in.Margins {
		key := MarginError(m.Variable)
		vi := slices.IndexFunc(vars, func(v WeightVariable) bool { return v.ID == m.Variable })
		switch {
		case vi < 0:
			c.Addf(fmt.Sprintf("margins[%d].variable", i), "Weight by a custom single-choice question of this survey, by place or by channel (“%s” is none of these).", valid.Truncate(m.Variable, 64))
			continue
		case seen[m.Variable]:
			c.Addf(key, "“%s” is given twice: give each variable once.", m.Variable)
			continue
		}
		seen[m.Variable] = true
		v := vars[vi]
		values, counts := m.Shares, false
		switch {
		case len(m.Shares) > 0 && len(m.Counts) > 0:
			c.Addf(key, "%s: give either shares or counts, not both.", v.Label)
			continue
		case len(m.Counts) > 0:
			values, counts = m.Counts, true
		case len(m.Shares) == 0:
			c.Addf(key, "%s: give the population share of each category.", v.Label)
			continue
		}
		if len(values) < 2 {
			c.Addf(key, "%s: give at least two categories.", v.Label)
			continue
		}
		total, bad := 0.0, ""
		for cat, x := range values {
			switch {
			case !slices.ContainsFunc(v.Categories, func(o web.Option) bool { return o.Value == cat }):
				bad = fmt.Sprintf("%s: “%s” is not one of its categories.", v.Label, valid.Truncate(cat, 64))
			case math.IsNaN(x) || math.IsInf(x, 0) || !(x > 0):
				bad = fmt.Sprintf("%s: give each category a number above 0 (leave out categories with no population).", v.Label)
			}
			if bad != "" {
				break
			}
			total += x
		}
		if bad != "" {
			c.Add(key, bad)
			continue
		}
		if !counts && math.Abs(total-100) > 0.5 {
			c.Addf(key, "%s: the shares add up to %s%%; they must add up to 100%% (give or take 0.5).", v.Label, strconv.FormatFloat(total, 'f', 1, 64))
			continue
		}
		wm := WeightMargin{Variable: m.Variable, Label: v.Label, Entered: "shares"}
		if counts {
			wm.Entered = "counts"
		}
		for _, o := range v.Categories { // in the variable's order
			x, ok := values[o.Value]
			if !ok {
				continue
			}
			c := WeightCategory{Value: o.Value, Label: o.Label, Population: x / total * 100}
			if counts {
				c.Count = x
			}
			wm.Categories = append(wm.Categories, c)
		}
		w.Margins = append(w.Margins, wm)
	}
	return w, c.Err()
}

// WeightingFor returns a survey's weighting (ok false: none set, with the default trim) and
// the variables it may be weighted by.
func (s *Service) WeightingFor(ctx context.Context, id int64) (Survey, Weighting, bool, []WeightVariable, error) {
	sv, err := s.SurveyForStaff(ctx, id)
	if err != nil {
		return Survey{}, Weighting{}, false, nil, err
	}
	w, ok, err := s.Store.WeightingOf(ctx, s.DB, id)
	if err != nil {
		return Survey{}, Weighting{}, false, nil, err
	}
	vars, err := s.WeightVariables(ctx, sv)
	return sv, w, ok, vars, err
}

// SetWeighting sets (or, with no margins, removes) a survey's weighting.
func (s *Service) SetWeighting(ctx context.Context, id int64, in WeightingInput) (Weighting, error) {
	sv, err := s.manageable(ctx, id, "survey.weighting")
	if err != nil {
		return Weighting{}, err
	}
	vars, err := s.WeightVariables(ctx, sv)
	if err != nil {
		return Weighting{}, err
	}
	w, err := in.normalize(vars)
	if err != nil {
		return Weighting{}, err
	}
	w.UpdatedAt = s.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var detail string
		if len(w.Margins) == 0 {
			if err := s.Store.DeleteWeighting(ctx, tx, id); err != nil {
				return err
			}
			detail = "removed"
		} else {
			if err := s.Store.SaveWeighting(ctx, tx, id, w); err != nil {
				return err
			}
			var names []string
			for _, m := range w.Margins {
				names = append(names, fmt.Sprintf("%s (%d categories, as %s)", m.Variable, len(m.Categories), m.Entered))
			}
			detail = fmt.Sprintf("margins %s; trim %s", strings.Join(names, ", "), formatNumber(w.Trim))
		}
		s.invalidate(tx, sv.Code)
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.weighting", TargetKind: "survey", TargetID: id, Target: sv.Title, Detail: detail})
	})
	if err != nil {
		return Weighting{}, err
	}
	if len(w.Margins) == 0 {
		return Weighting{Margins: []WeightMargin{}, Trim: DefaultTrim}, nil
	}
	return w, nil
}
