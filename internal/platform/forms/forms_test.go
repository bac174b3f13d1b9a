package forms

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// survey is a questionnaire with one question of every type, used across the tests.
func survey() Questionnaire {
	return Questionnaire{
		ID:    "service-experience",
		Title: "Your experience",
		Intro: "Tell us about your visit.",
		Questions: []Question{
			{ID: "overall", Type: Scale, Text: "Overall, how satisfied were you?", Required: true, Min: 1, Max: 5,
				NotApplicable: true, Labels: Anchors{Low: "Very dissatisfied", High: "Very satisfied"}},
			{ID: "recommend", Type: Scale, Text: "How likely are you to recommend the service?", Min: 0, Max: 10},
			{ID: "channel", Type: Single, Text: "How did you contact us?", Required: true, Help: "Choose the main way.",
				Options: []Option{{"phone", "By phone"}, {"online", "Online"}, {"counter", "In person"}}},
			{ID: "problems", Type: Multiple, Text: "What went wrong?", Max: 2, NotApplicable: true,
				Options: []Option{{"wait", "Long wait"}, {"lost", "Lost paperwork"}, {"rude", "Discourtesy"}}},
			{ID: "why", Type: Textarea, Text: "What could we have done better?", MaxLength: 200,
				ShowIf: &Condition{Question: "overall", Equals: []string{"1", "2"}}},
			{ID: "visits", Type: Number, Text: "How many times did you contact us?", Min: 1, Max: 50},
			{ID: "postcode", Type: Text, Text: "Your postcode", MaxLength: 10},
			{ID: "phone-wait", Type: Number, Text: "How many minutes did you wait on the phone?",
				ShowIf: &Condition{Question: "channel", Equals: []string{"phone"}}},
			{ID: "agree", Type: Consent, Text: "I agree that my answers may be published without my name."},
		},
	}
}

func TestQuestionnaireJSONShape(t *testing.T) {
	b, err := json.Marshal(survey())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"code", "title", "questions"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	q0 := m["questions"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "type", "text", "min", "max", "not_applicable", "labels"} {
		if _, ok := q0[k]; !ok {
			t.Errorf("no %q in first question %v", k, q0)
		}
	}
	q2 := m["questions"].([]any)[2].(map[string]any)
	opt := q2["options"].([]any)[0].(map[string]any)
	if opt["value"] != "phone" || opt["label"] != "By phone" {
		t.Errorf("option = %v", opt)
	}
	if !strings.Contains(string(b), `"show_if":{"question":"overall","equals":["1","2"]}`) {
		t.Errorf("show_if missing: %s", b)
	}
	var back Questionnaire
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, survey()) {
		t.Errorf("round trip differs:\n%+v\n%+v", back, survey())
	}
}

func TestSurveyIsValid(t *testing.T) {
	if err := survey().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAnswersGetAndMap(t *testing.T) {
	q := survey()
	five := 5.0
	as := Answers{
		{Question: "overall", Values: []string{"5"}, Number: &five},
		{Question: "problems", NA: true},
		{Question: "agree", Values: []string{ConsentValue}},
	}
	if a, ok := as.Get("problems"); !ok || !a.NA {
		t.Errorf("Get(problems) = %+v, %v", a, ok)
	}
	if _, ok := as.Get("nope"); ok {
		t.Error("Get(nope) found an answer")
	}
	want := map[string]any{"overall": 5.0, "problems": []string{NA}, "agree": true}
	if got := as.Map(q); !reflect.DeepEqual(got, want) {
		t.Errorf("Map = %#v, want %#v", got, want)
	}
}

func TestPointsAndLimits(t *testing.T) {
	q := survey()
	if got := q.Questions[1].Points(); len(got) != 11 || got[0] != 0 || got[10] != 10 {
		t.Errorf("0–10 points = %v", got)
	}
	if got := (Question{Type: Text}).TextLimit(); got != DefaultTextLength {
		t.Errorf("text limit = %d", got)
	}
	if got := (Question{Type: Textarea}).TextLimit(); got != MaxText {
		t.Errorf("textarea limit = %d", got)
	}
	if !(Question{Type: Consent}).IsRequired() {
		t.Error("consent is not required")
	}
	long := Question{Text: strings.Repeat("a", 100)}
	if n := long.name(); !strings.HasSuffix(n, "…”") || len([]rune(n)) != 82 {
		t.Errorf("name = %q", n)
	}
}
