// Package forms is the question engine shared by satisfaction surveys and engagement
// submissions: a questionnaire is data (questions of a few types, with simple show-if
// branching); this package checks a definition, parses answers from an HTML form or a JSON
// body into typed answers with plain-language messages, and renders accessible HTML that works
// without JavaScript.
//
// Form field names are the question IDs, and the element ID of a question is "f-" followed by
// its ID, so the error messages (keyed by question ID) link from web's "errorsummary" partial.
// A page that embeds a questionnaire must not use a question ID as the name of another field.
package forms

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits.
const (
	// MaxQuestions is the most questions a questionnaire may have.
	MaxQuestions = 200
	// MaxText is the most characters a text answer may have (and the largest MaxLength).
	MaxText = 5000
	// DefaultTextLength is the limit of a single-line text answer without MaxLength.
	DefaultTextLength = 500
	// MaxOptions is the most options a choice question may have.
	MaxOptions = 100
	// MaxScalePoints is the most points a scale may have (0–10 has 11).
	MaxScalePoints = 21
	// MaxNumber bounds the magnitude of a number answer when the question sets no range.
	MaxNumber = 1e12
)

// NA is the value that stands for "not applicable" in a form or a JSON answer, for questions
// that offer it. An option may not use it as its value on such a question.
const NA = "na"

// NALabel is the text of the "not applicable" choice.
const NALabel = "Not applicable"

// ConsentValue is the value of a ticked consent checkbox.
const ConsentValue = "yes"

// Type is the kind of a question.
type Type string

// Question types.
const (
	Single   Type = "single"   // one choice, as radios
	Multiple Type = "multiple" // several choices, as checkboxes, with Min/Max selections
	Scale    Type = "scale"    // integer points Min..Max, as a row of radios with anchors
	Number   Type = "number"   // a number, optionally in Min..Max
	Text     Type = "text"     // a single line of text
	Textarea Type = "textarea" // several lines of text
	Consent  Type = "consent"  // a checkbox that must be ticked to agree with Text
)

// Types lists every question type.
func Types() []Type { return []Type{Single, Multiple, Scale, Number, Text, Textarea, Consent} }

// Questionnaire is a set of questions shown and answered together.
type Questionnaire struct {
	ID        string     `json:"code"`
	Title     string     `json:"title"`
	Intro     string     `json:"intro,omitempty"`
	Questions []Question `json:"questions"`
}

// Question is one question of a questionnaire.
type Question struct {
	// ID is a slug, unique in the questionnaire: the form field name and JSON key.
	ID   string `json:"id"`
	Type Type   `json:"type"`
	// Text is the question as asked (for a consent question, the statement agreed to).
	Text string `json:"text"`
	// Help is a hint shown under the question.
	Help string `json:"help,omitempty"`
	// Required questions must be answered when shown. Consent questions are always required.
	Required bool `json:"required"`
	// Min and Max are the end points of a scale; the range of a number (both 0: any number);
	// the fewest and most choices of a multiple question (Max 0: no upper limit).
	Min int `json:"min"`
	Max int `json:"max"`
	// Options are the choices of single and multiple questions.
	Options []Option `json:"options,omitempty"`
	// NotApplicable offers an explicit "not applicable" choice (single, multiple and scale
	// questions), recorded as Answer.NA and excluded from scores.
	NotApplicable bool `json:"not_applicable"`
	// Labels anchor the low and high ends of a scale.
	Labels Anchors `json:"labels,omitzero"`
	// MaxLength limits a text answer (0: DefaultTextLength for text, MaxText for textarea).
	MaxLength int `json:"max_length,omitempty"`
	// ShowIf makes the question apply only when an earlier question has one of some answers.
	ShowIf *Condition `json:"show_if,omitempty"`
}

// Option is one choice of a single or multiple question.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Anchors label the ends of a scale, for example "Very dissatisfied" and "Very satisfied".
type Anchors struct {
	Low  string `json:"low,omitempty"`
	High string `json:"high,omitempty"`
}

// Condition is met when the answer to Question (an earlier single, multiple, scale or consent
// question) includes one of Equals: option values, scale points such as "4", NA, or
// ConsentValue.
type Condition struct {
	Question string   `json:"question"`
	Equals   []string `json:"equals"`
}

// Answer is the typed answer to one question.
type Answer struct {
	Question string `json:"question"`
	// Values: the chosen option values (single, multiple, in option order), the scale point
	// as text, the number as typed, or ConsentValue.
	Values []string `json:"values,omitempty"`
	// Number is the scale point or number; nil when not answered with one (or NA).
	Number *float64 `json:"number,omitempty"`
	// Text is the answer to a text or textarea question.
	Text string `json:"text,omitempty"`
	// NA reports that "not applicable" was chosen.
	NA bool `json:"na,omitempty"`
}

// Answers are the answers to a questionnaire in question order; unanswered and hidden
// questions have no entry. When parsing reports errors, the answers hold what was typed, for
// showing the form again, and must not be stored.
type Answers []Answer

// Get returns the answer to question id.
func (as Answers) Get(id string) (Answer, bool) {
	for _, a := range as {
		if a.Question == id {
			return a, true
		}
	}
	return Answer{}, false
}

// Map returns the answers in the JSON shape ParseJSON reads: a string (single; NA as "na"),
// a list of strings (multiple), a number (scale, number; NA as "na"), a string (text), true
// (consent).
func (as Answers) Map(q Questionnaire) map[string]any {
	out := make(map[string]any, len(as))
	for _, a := range as {
		qu, ok := q.Question(a.Question)
		if !ok {
			continue
		}
		switch {
		case a.NA && qu.Type == Multiple:
			out[a.Question] = []string{NA}
		case a.NA:
			out[a.Question] = NA
		case qu.Type == Single && len(a.Values) > 0:
			out[a.Question] = a.Values[0]
		case qu.Type == Multiple:
			out[a.Question] = append([]string(nil), a.Values...)
		case (qu.Type == Scale || qu.Type == Number) && a.Number != nil:
			out[a.Question] = *a.Number
		case qu.Type == Text || qu.Type == Textarea:
			out[a.Question] = a.Text
		case qu.Type == Consent:
			out[a.Question] = len(a.Values) > 0 && a.Values[0] == ConsentValue
		}
	}
	return out
}

// Question returns the question with id.
func (q Questionnaire) Question(id string) (Question, bool) {
	for _, qu := range q.Questions {
		if qu.ID == id {
			return qu, true
		}
	}
	return Question{}, false
}

// IsRequired reports whether the question must be answered when shown.
func (qu Question) IsRequired() bool { return qu.Required || qu.Type == Consent }

// TextLimit is the most characters a text answer to qu may have.
func (qu Question) TextLimit() int {
	switch {
	case qu.MaxLength > 0:
		return min(qu.MaxLength, MaxText)
	case qu.Type == Text:
		return DefaultTextLength
	}
	return MaxText
}

// Points lists the points of a scale question, low to high.
func (qu Question) Points() []int {
	if qu.Type != Scale || qu.Max <= qu.Min || qu.Max-qu.Min >= MaxScalePoints {
		return nil
	}
	out := make([]int, 0, qu.Max-qu.Min+1)
	for p := qu.Min; p <= qu.Max; p++ {
		out = append(out, p)
	}
	return out
}

// choices lists the values an answer to qu may hold, for choice-like questions.
func (qu Question) choices() []string {
	var out []string
	switch qu.Type {
	case Single, Multiple:
		for _, o := range qu.Options {
			out = append(out, o.Value)
		}
	case Scale:
		for _, p := range qu.Points() {
			out = append(out, strconv.Itoa(p))
		}
	case Consent:
		out = append(out, ConsentValue)
	}
	if qu.NotApplicable {
		out = append(out, NA)
	}
	return out
}

// label returns the label shown for value v of qu.
func (qu Question) label(v string) string {
	if v == NA && qu.NotApplicable {
		return NALabel
	}
	for _, o := range qu.Options {
		if o.Value == v {
			return o.Label
		}
	}
	if qu.Type == Consent && v == ConsentValue {
		return "Yes"
	}
	return v
}

// name is the question as quoted in messages: its text, shortened when long.
func (qu Question) name() string {
	s := strings.TrimSuffix(strings.TrimSpace(qu.Text), ".")
	if s == "" {
		s = qu.ID
	}
	const n = 80
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n-1]) + "…"
	}
	return "“" + s + "”"
}
