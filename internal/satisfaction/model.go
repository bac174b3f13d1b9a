// Package satisfaction is capability D: citizen service surveys. A survey belongs to an
// organisation and one of its services; citizens answer it at /s/{code} (a form or JSON),
// responses are written by a group committer and counted as they are written, and staff read
// honest statistics (intervals, suppression, weighting, drivers) on the analysis pages.
package satisfaction

import (
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Survey statuses.
const (
	StatusDraft  = "draft"  // being written; the public page answers 404
	StatusOpen   = "open"   // collecting
	StatusClosed = "closed" // the public page says so; results stay
)

// Units of analysis: what one response stands for.
const (
	UnitInteraction = "interaction" // one use of the service
	UnitRespondent  = "respondent"  // one person
)

// Optional modules of the core instrument.
const (
	ModuleRecommend = "recommend" // likelihood to recommend, 0–10 (NPS®-style)
	ModuleEffort    = "effort"    // ease / effort, 7-point agreement
	ModuleTrust     = "trust"     // trust after the interaction, 5-point agreement
)

// Modules lists the optional modules in the order they are asked.
var Modules = []string{ModuleRecommend, ModuleEffort, ModuleTrust}

// The question ids of the core instrument. Comparisons across surveys use only these, and
// only when the question text is identical.
const (
	QOverall   = "overall"
	QTimely    = "timeliness"
	QKnowledge = "knowledge"
	QCourtesy  = "courtesy"
	QExtraMile = "extra_mile"
	QFairness  = "fairness"
	QOutcome   = "outcome"
	QAccess    = "access"
	QRecommend = "recommend"
	QEffort    = "effort"
	QTrust     = "trust"
	QComment   = "comment"
)

// Drivers are the core questions analysed as drivers of overall satisfaction.
var Drivers = []string{QTimely, QKnowledge, QCourtesy, QExtraMile, QFairness, QOutcome, QAccess}

// Metric names a headline figure of a question.
type Metric string

// Metrics.
const (
	MetricIndex  Metric = "index"  // 0–100: (x−1)×25 on a 5-point item
	MetricTop2   Metric = "top2"   // % in the top two points
	MetricNPS    Metric = "nps"    // promoters (9–10) minus detractors (0–6)
	MetricEffort Metric = "effort" // mean of the 7-point ease item
)

// MinCell is the fewest responses a published figure may rest on.
const MinCell = 10

var agree5 = forms.Anchors{Low: "Strongly disagree", High: "Strongly agree"}

// scale5 is a 5-point agreement item with "not applicable".
func scale5(id, text string) forms.Question {
	return forms.Question{ID: id, Type: forms.Scale, Text: text, Min: 1, Max: 5, NotApplicable: true, Labels: agree5}
}

// CoreQuestions are the core service-experience items, in our own words (the Common
// Measurement Tool's pattern, not its licensed text).
func CoreQuestions() []forms.Question {
	return []forms.Question{
		{ID: QOverall, Type: forms.Scale, Required: true, Min: 1, Max: 5,
			Text:   "Overall, how satisfied were you with the service you received?",
			Labels: forms.Anchors{Low: "Very dissatisfied", High: "Very satisfied"}},
		scale5(QTimely, "It took a reasonable amount of time to get what I needed."),
		scale5(QKnowledge, "Staff knew what they were doing."),
		scale5(QCourtesy, "I was treated with courtesy and respect."),
		scale5(QExtraMile, "Staff went the extra mile to help me."),
		scale5(QFairness, "I was treated fairly."),
		scale5(QOutcome, "I got what I needed."),
		scale5(QAccess, "It was easy to find and reach the service."),
	}
}

// ModuleQuestions are the questions of an optional module.
func ModuleQuestions(module string) []forms.Question {
	switch module {
	case ModuleRecommend:
		return []forms.Question{{ID: QRecommend, Type: forms.Scale, Min: 0, Max: 10,
			Text:   "How likely are you to recommend this service to a friend or family member?",
			Labels: forms.Anchors{Low: "Not at all likely", High: "Extremely likely"}}}
	case ModuleEffort:
		return []forms.Question{{ID: QEffort, Type: forms.Scale, Min: 1, Max: 7,
			Text: "It was easy for me to get this done.", Labels: agree5}}
	case ModuleTrust:
		return []forms.Question{{ID: QTrust, Type: forms.Scale, Min: 1, Max: 5,
			Text: "After this experience, I trust this organisation to do the right thing.", Labels: agree5}}
	}
	return nil
}

// CommentQuestion is the open comment that ends every survey.
func CommentQuestion() forms.Question {
	return forms.Question{ID: QComment, Type: forms.Textarea, MaxLength: 2000,
		Text: "Is there anything else you would like to tell us about your experience?",
		Help: "Please do not include your name, address or other personal details."}
}

// IsCore reports whether id is a question of the core instrument or of a module.
func IsCore(id string) bool {
	switch id {
	case QOverall, QTimely, QKnowledge, QCourtesy, QExtraMile, QFairness, QOutcome, QAccess,
		QRecommend, QEffort, QTrust, QComment:
		return true
	}
	return false
}

// BuildQuestionnaire assembles a survey's questionnaire: the core items, the chosen modules,
// the custom questions, then the open comment.
func BuildQuestionnaire(code, title, intro string, modules []string, custom []forms.Question) forms.Questionnaire {
	q := forms.Questionnaire{ID: code, Title: title, Intro: intro}
	q.Questions = append(q.Questions, CoreQuestions()...)
	for _, m := range Modules {
		for _, chosen := range modules {
			if chosen == m {
				q.Questions = append(q.Questions, ModuleQuestions(m)...)
			}
		}
	}
	q.Questions = append(q.Questions, custom...)
	q.Questions = append(q.Questions, CommentQuestion())
	return q
}

// CustomQuestions are the questions of q that are neither core nor module questions.
func CustomQuestions(q forms.Questionnaire) []forms.Question {
	var out []forms.Question
	for _, qu := range q.Questions {
		if !IsCore(qu.ID) {
			out = append(out, qu)
		}
	}
	return out
}

// MetricsOf lists the headline metrics of a question (none for text and multiple choice).
func MetricsOf(qu forms.Question) []Metric {
	if qu.Type != forms.Scale {
		return nil
	}
	switch {
	case qu.ID == QRecommend || (qu.Min == 0 && qu.Max == 10):
		return []Metric{MetricNPS}
	case qu.ID == QEffort || (qu.Min == 1 && qu.Max == 7):
		return []Metric{MetricEffort, MetricTop2}
	case qu.Min == 1 && qu.Max == 5:
		return []Metric{MetricIndex, MetricTop2}
	}
	return []Metric{MetricTop2}
}

// Survey is a citizen service survey.
type Survey struct {
	ID                 int64     `json:"id"`
	Code               string    `json:"code"`
	OrgID              int64     `json:"organisation_id"`
	OrgName            string    `json:"organisation_name"`
	ServiceID          int64     `json:"service_id,omitempty"`
	ServiceName        string    `json:"service_name,omitempty"`
	Title              string    `json:"title"`
	Intro              string    `json:"intro"`
	Status             string    `json:"status"`
	Modules            []string  `json:"modules"`
	Mode               string    `json:"mode"`
	FieldStart         time.Time `json:"field_start,omitzero"`
	FieldEnd           time.Time `json:"field_end,omitzero"`
	Population         string    `json:"target_population"`
	Unit               string    `json:"unit"`
	RequireToken       bool      `json:"require_token"`
	PublishResults     bool      `json:"publish_results"`
	PublishedQuestions []string  `json:"published_questions"`
	Version            int       `json:"version"`
	// Questionnaire is the current version's questions.
	Questionnaire forms.Questionnaire `json:"-"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
	ArchivedAt    *time.Time          `json:"archived_at,omitempty"`
}

// URL is the survey's staff page.
func (s Survey) URL() string { return "/surveys/" + strconv.FormatInt(s.ID, 10) }

// PublicURL is the address citizens answer it at.
func (s Survey) PublicURL() string { return "/s/" + s.Code }

// Link is a tracked address of a survey for one channel and place; its poster carries a QR code.
type Link struct {
	ID        int64      `json:"id"`
	SurveyID  int64      `json:"survey_id"`
	Code      string     `json:"code"`
	Label     string     `json:"label"`
	Channel   string     `json:"channel"`
	PlaceID   int64      `json:"place_id,omitempty"`
	PlaceName string     `json:"place_name,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	Archived  *time.Time `json:"archived_at,omitempty"`
}

// Response is one citizen's answers, as stored.
type Response struct {
	ID          int64
	SurveyID    int64
	Version     int
	SubmittedAt time.Time
	Channel     string
	PlaceID     int64 // 0: none
	LinkID      int64 // 0: none
	// Answers are the parsed answers; Questionnaire is the version they answer (for counting).
	Answers       forms.Answers
	Questionnaire *forms.Questionnaire
	// IdemKey is the client's Idempotency-Key, if any; TokenHash the single-use token's hash.
	IdemKey   string
	TokenHash string
}

// Period is the month a time falls in, as stored: "2026-11".
func Period(t time.Time) string { return t.UTC().Format("2006-01") }

// Target is a goal for a metric of a question by a date.
type Target struct {
	ID             int64     `json:"id"`
	SurveyID       int64     `json:"survey_id"`
	Label          string    `json:"label"`
	Metric         Metric    `json:"metric"`
	Question       string    `json:"question"`
	Baseline       float64   `json:"baseline"`
	BaselinePeriod string    `json:"baseline_period"`
	Target         float64   `json:"target"`
	Due            time.Time `json:"due"`
	CreatedAt      time.Time `json:"created_at"`
}
