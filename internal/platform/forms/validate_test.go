package forms

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/valid"
)

func TestValidateDefinition(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(q *Questionnaire)
		key    string
		phrase string
	}{
		{"no title", func(q *Questionnaire) { q.Title = " " }, "title", "Enter a title."},
		{"no questions", func(q *Questionnaire) { q.Questions = nil }, "questions", "Add at least one question."},
		{"too many questions", func(q *Questionnaire) {
			for len(q.Questions) <= MaxQuestions {
				q.Questions = append(q.Questions, Question{ID: "x", Type: Text, Text: "x"})
			}
		}, "questions", "Use at most 200 questions"},
		{"bad id", func(q *Questionnaire) { q.Questions[1].ID = "Recommend!" }, "questions[1].id", "Question 2: use an ID of lower-case letters"},
		{"duplicate id", func(q *Questionnaire) { q.Questions[2].ID = "overall" }, "questions[2].id", `Question 3: the ID "overall" is already used by question 1.`},
		{"bad type", func(q *Questionnaire) { q.Questions[0].Type = "slider" }, "questions[0].type", "Question 1: choose a type"},
		{"no text", func(q *Questionnaire) { q.Questions[0].Text = "" }, "questions[0].text", "Enter the text of question 1."},
		{"single without options", func(q *Questionnaire) { q.Questions[2].Options = q.Questions[2].Options[:1] }, "questions[2].options", "Question 3: give from 2 to 100 options."},
		{"duplicate option", func(q *Questionnaire) { q.Questions[2].Options[1].Value = "phone" }, "questions[2].options", `Question 3, option 2: the value "phone" is used twice.`},
		{"option without label", func(q *Questionnaire) { q.Questions[2].Options[1].Label = "" }, "questions[2].options", "Question 3, option 2: give a label"},
		{"option na with not applicable", func(q *Questionnaire) { q.Questions[3].Options[0].Value = NA }, "questions[3].options", "stands for “not applicable”"},
		{"options on a scale", func(q *Questionnaire) { q.Questions[0].Options = []Option{{"a", "A"}} }, "questions[0].options", "options are only for single and multiple questions"},
		{"scale min not below max", func(q *Questionnaire) { q.Questions[0].Min, q.Questions[0].Max = 5, 5 }, "questions[0].max", "the scale's min (5) must be less than its max (5)"},
		{"scale too long", func(q *Questionnaire) { q.Questions[0].Max = 100 }, "questions[0].max", "at most 21 points"},
		{"number min above max", func(q *Questionnaire) { q.Questions[5].Min, q.Questions[5].Max = 10, 2 }, "questions[5].max", "min (10) must be less than max (2)"},
		{"multiple max above options", func(q *Questionnaire) { q.Questions[3].Max = 4 }, "questions[3].max", "more choices than there are options"},
		{"multiple min above max", func(q *Questionnaire) { q.Questions[3].Min = 3 }, "questions[3].max", "the fewest choices (3) must not be more than the most (2)"},
		{"min on text", func(q *Questionnaire) { q.Questions[6].Min = 1 }, "questions[6].min", "min and max are only for"},
		{"na on text", func(q *Questionnaire) { q.Questions[6].NotApplicable = true }, "questions[6].not_applicable", "only on single, multiple and scale"},
		{"labels on single", func(q *Questionnaire) { q.Questions[2].Labels.Low = "Low" }, "questions[2].labels", "anchor labels are only for scales"},
		{"max length on number", func(q *Questionnaire) { q.Questions[5].MaxLength = 5 }, "questions[5].max_length", "only for text and textarea"},
		{"max length too big", func(q *Questionnaire) { q.Questions[6].MaxLength = MaxText + 1 }, "questions[6].max_length", "from 1 to 5000"},
		{"show-if later question", func(q *Questionnaire) {
			q.Questions[1].ShowIf = &Condition{Question: "channel", Equals: []string{"phone"}}
		}, "questions[1].show_if", `refer to an earlier question ("channel" is not one)`},
		{"show-if itself", func(q *Questionnaire) {
			q.Questions[2].ShowIf = &Condition{Question: "channel", Equals: []string{"phone"}}
		}, "questions[2].show_if", "earlier question"},
		{"show-if on text", func(q *Questionnaire) {
			q.Questions[7].ShowIf = &Condition{Question: "postcode", Equals: []string{"2600"}}
		}, "questions[7].show_if", "single, multiple, scale or consent"},
		{"show-if bad value", func(q *Questionnaire) { q.Questions[4].ShowIf.Equals = []string{"1", "9"} }, "questions[4].show_if", `"9" is not an answer to question "overall"`},
		{"show-if no values", func(q *Questionnaire) { q.Questions[4].ShowIf.Equals = nil }, "questions[4].show_if", "list the answers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := survey()
			c.edit(&q)
			err := q.Validate()
			ve, ok := valid.As(err)
			if !ok {
				t.Fatalf("Validate() = %v, want field errors", err)
			}
			if !strings.Contains(ve[c.key], c.phrase) {
				t.Errorf("errors[%q] = %q, want it to contain %q (all: %v)", c.key, ve[c.key], c.phrase, ve)
			}
		})
	}
	// Show-if on NA and on consent are fine.
	q := survey()
	q.Questions[4].ShowIf.Equals = []string{"1", NA}
	q.Questions = append(q.Questions, Question{ID: "email", Type: Text, Text: "Email", ShowIf: &Condition{Question: "agree", Equals: []string{ConsentValue}}})
	if err := q.Validate(); err != nil {
		t.Errorf("valid conditions refused: %v", err)
	}
}

// base answers the required questions of survey().
const base = "overall=4&channel=online&agree=yes"

func TestParseFormErrors(t *testing.T) {
	cases := []struct {
		name, body, key, msg string
	}{
		{"required scale", "channel=online&agree=yes", "overall", "Choose a number from 1 to 5, or “Not applicable”, for “Overall, how satisfied were you?”."},
		{"scale out of range", "overall=6&channel=online&agree=yes", "overall", "Choose a number from 1 to 5, or “Not applicable”, for “Overall, how satisfied were you?”."},
		{"scale not a number", "overall=four&channel=online&agree=yes", "overall", "Choose a number from 1 to 5, or “Not applicable”, for “Overall, how satisfied were you?”."},
		{"scale twice", "overall=4&overall=5&channel=online&agree=yes", "overall", "Give only one answer to “Overall, how satisfied were you?”."},
		{"optional scale out of range", base + "&recommend=11", "recommend", "Choose a number from 0 to 10 for “How likely are you to recommend the service?”."},
		{"required single", "overall=4&agree=yes", "channel", "Choose an answer to “How did you contact us?”."},
		{"blank single", "overall=4&channel=+&agree=yes", "channel", "Choose an answer to “How did you contact us?”."},
		{"single not an option", "overall=4&channel=fax&agree=yes", "channel", "Choose an answer to “How did you contact us?” from the list."},
		{"single twice", "overall=4&channel=phone&channel=online&agree=yes", "channel", "Give only one answer to “How did you contact us?”."},
		{"multiple too many", base + "&problems=wait&problems=lost&problems=rude", "problems", "Choose no more than 2 answers to “What went wrong?”."},
		{"multiple not an option", base + "&problems=wait&problems=cold", "problems", "Choose answers to “What went wrong?” from the list."},
		{"multiple na and others", base + "&problems=wait&problems=na", "problems", "Choose either “Not applicable” or other answers to “What went wrong?”, not both."},
		{"number not a number", base + "&visits=lots", "visits", "Enter “How many times did you contact us?” as a number, like 12 or 3.5."},
		{"number hex", base + "&visits=0x10", "visits", "Enter “How many times did you contact us?” as a number, like 12 or 3.5."},
		{"number NaN", base + "&visits=NaN", "visits", "Enter “How many times did you contact us?” as a number, like 12 or 3.5."},
		{"number out of range", base + "&visits=51", "visits", "Enter a number from 1 to 50 for “How many times did you contact us?”."},
		{"unbounded number huge", "overall=4&channel=phone&agree=yes&phone-wait=1e400", "phone-wait", "Enter “How many minutes did you wait on the phone?” as a number, like 12 or 3.5."},
		{"unbounded number too big", "overall=4&channel=phone&agree=yes&phone-wait=10000000000000", "phone-wait", "Enter a smaller number for “How many minutes did you wait on the phone?”."},
		{"text too long", base + "&postcode=12345678901", "postcode", "Shorten your answer to “Your postcode” to 10 characters or fewer (it has 11)."},
		{"text two lines", base + "&postcode=26%0A00", "postcode", "Answer “Your postcode” on a single line."},
		{"text invalid utf-8", base + "&postcode=%FF", "postcode", "Use ordinary text in your answer to “Your postcode”."},
		{"text twice", base + "&postcode=2600&postcode=2601", "postcode", "Give one answer to “Your postcode”."},
		{"textarea too long", "overall=1&channel=online&agree=yes&why=" + strings.Repeat("x", 201), "why", "Shorten your answer to “What could we have done better?” to 200 characters or fewer (it has 201)."},
		{"consent missing", "overall=4&channel=online", "agree", "Tick the box to agree to “I agree that my answers may be published without my name”."},
		{"consent wrong value", "overall=4&channel=online&agree=no", "agree", "Tick the box to agree to “I agree that my answers may be published without my name”."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := url.ParseQuery(c.body)
			if err != nil {
				t.Fatal(err)
			}
			_, errs := ParseForm(survey(), v)
			if got := errs[c.key]; got != c.msg {
				t.Errorf("errors[%q] = %q\nwant %q\n(all: %v)", c.key, got, c.msg, errs)
			}
			if len(errs) != 1 {
				t.Errorf("want exactly one error, got %v", errs)
			}
		})
	}
}

func TestParseFormAnswers(t *testing.T) {
	v, _ := url.ParseQuery("overall=na&recommend=+9+&channel=phone&problems=rude&problems=wait&visits=3.5&postcode=+2600+&phone-wait=015&agree=yes&why=ignored&csrf=x")
	as, errs := ParseForm(survey(), v)
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	f := func(x float64) *float64 { return &x }
	want := Answers{
		{Question: "overall", NA: true},
		{Question: "recommend", Values: []string{"9"}, Number: f(9)},
		{Question: "channel", Values: []string{"phone"}},
		{Question: "problems", Values: []string{"wait", "rude"}}, // option order
		{Question: "visits", Values: []string{"3.5"}, Number: f(3.5)},
		{Question: "postcode", Text: "2600"},
		{Question: "phone-wait", Values: []string{"15"}, Number: f(15)},
		{Question: "agree", Values: []string{ConsentValue}},
	}
	if !reflect.DeepEqual(as, want) {
		t.Errorf("answers:\n got %s\nwant %s", show(as), show(want))
	}
}

func TestParseFormMinimumChoices(t *testing.T) {
	q := Questionnaire{Title: "T", Questions: []Question{
		{ID: "pick", Type: Multiple, Text: "Pick some", Min: 2, Options: []Option{{"a", "A"}, {"b", "B"}, {"c", "C"}}},
		{ID: "must", Type: Multiple, Text: "Pick one", Required: true, Options: []Option{{"a", "A"}, {"b", "B"}}},
		{ID: "name", Type: Textarea, Text: "Your view", Required: true},
	}}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	_, errs := ParseForm(q, url.Values{"pick": {"a"}, "name": {"  \r\n "}})
	want := valid.Errors{
		"pick": "Choose at least 2 answers to “Pick some”.",
		"must": "Choose at least one answer to “Pick one”.",
		"name": "Enter an answer to “Your view”.",
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %v\nwant %v", errs, want)
	}
	// Nothing chosen on an optional question with a minimum is no answer, not an error.
	as, errs := ParseForm(q, url.Values{"must": {"b"}, "name": {"Fine"}})
	if errs != nil || len(as) != 2 {
		t.Errorf("answers %s, errors %v", show(as), errs)
	}
}

func TestShowIfSkipping(t *testing.T) {
	q := survey()
	// "why" is shown for overall 1 or 2; "phone-wait" for channel phone.
	cases := []struct {
		name       string
		body       string
		has, lacks []string
	}{
		{"hidden answers dropped, even invalid ones", base + "&why=" + strings.Repeat("x", 500) + "&phone-wait=abc", nil, []string{"why", "phone-wait"}},
		{"shown answers kept", "overall=2&channel=phone&agree=yes&why=slow&phone-wait=5", []string{"why", "phone-wait"}, nil},
		{"na hides", "overall=na&channel=online&agree=yes&why=slow", nil, []string{"why"}},
		{"invalid trigger hides", "overall=9&channel=online&agree=yes&why=slow", nil, []string{"why"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _ := url.ParseQuery(c.body)
			as, errs := ParseForm(q, v)
			for _, id := range c.has {
				if _, ok := as.Get(id); !ok {
					t.Errorf("no answer to %s: %s", id, show(as))
				}
			}
			for _, id := range c.lacks {
				if _, ok := as.Get(id); ok {
					t.Errorf("answer to hidden %s kept: %s", id, show(as))
				}
				if _, ok := errs[id]; ok {
					t.Errorf("error for hidden %s: %v", id, errs)
				}
			}
		})
	}
	// A required question is required only when shown; chains follow the first hidden link.
	q = Questionnaire{Title: "T", Questions: []Question{
		{ID: "used", Type: Single, Text: "Did you use it?", Required: true, Options: []Option{{"yes", "Yes"}, {"no", "No"}}},
		{ID: "rating", Type: Scale, Text: "Rate it", Required: true, Min: 1, Max: 5, ShowIf: &Condition{"used", []string{"yes"}}},
		{ID: "low", Type: Text, Text: "Why so low?", Required: true, ShowIf: &Condition{"rating", []string{"1"}}},
	}}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if as, errs := ParseForm(q, url.Values{"used": {"no"}, "rating": {"1"}, "low": {"bad"}}); errs != nil || len(as) != 1 {
		t.Errorf("used=no: answers %s, errors %v", show(as), errs)
	}
	_, errs := ParseForm(q, url.Values{"used": {"yes"}, "rating": {"1"}})
	if errs["low"] != "Enter an answer to “Why so low?”." || len(errs) != 1 {
		t.Errorf("used=yes rating=1: errors %v", errs)
	}
	vis := Visible(q, Answers{{Question: "used", Values: []string{"yes"}}})
	if !vis["used"] || !vis["rating"] || vis["low"] {
		t.Errorf("Visible = %v", vis)
	}
}

func TestParseJSONErrors(t *testing.T) {
	ok := func() map[string]any { return map[string]any{"overall": 4.0, "channel": "online", "agree": true} }
	cases := []struct {
		name string
		edit func(m map[string]any)
		key  string
		msg  string
	}{
		{"unknown question", func(m map[string]any) { m["colour"] = "blue" }, "colour", `There is no question "colour" in this questionnaire.`},
		{"scale as text", func(m map[string]any) { m["overall"] = "4" }, "overall", `Answer “Overall, how satisfied were you?” with a whole number from 1 to 5 or "na".`},
		{"scale fraction", func(m map[string]any) { m["overall"] = 4.5 }, "overall", "Choose a number from 1 to 5, or “Not applicable”, for “Overall, how satisfied were you?”."},
		{"scale out of range", func(m map[string]any) { m["recommend"] = 11.0 }, "recommend", "Choose a number from 0 to 10 for “How likely are you to recommend the service?”."},
		{"single as number", func(m map[string]any) { m["channel"] = 1.0 }, "channel", "Answer “How did you contact us?” with one option value, as text."},
		{"multiple as text", func(m map[string]any) { m["problems"] = "wait" }, "problems", "Answer “What went wrong?” with a list of option values."},
		{"multiple with a number", func(m map[string]any) { m["problems"] = []any{"wait", 2.0} }, "problems", "Answer “What went wrong?” with a list of option values, as text."},
		{"number as text", func(m map[string]any) { m["visits"] = "3" }, "visits", "Answer “How many times did you contact us?” with a number."},
		{"text as number", func(m map[string]any) { m["postcode"] = 2600.0 }, "postcode", "Answer “Your postcode” with text."},
		{"consent as text", func(m map[string]any) { m["agree"] = "yes" }, "agree", "Answer “I agree that my answers may be published without my name” with true or false."},
		{"consent false", func(m map[string]any) { m["agree"] = false }, "agree", "Tick the box to agree to “I agree that my answers may be published without my name”."},
		{"required null", func(m map[string]any) { m["channel"] = nil }, "channel", "Choose an answer to “How did you contact us?”."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ok()
			c.edit(m)
			_, errs := ParseJSON(survey(), m)
			if got := errs[c.key]; got != c.msg {
				t.Errorf("errors[%q] = %q\nwant %q\n(all: %v)", c.key, got, c.msg, errs)
			}
			if len(errs) != 1 {
				t.Errorf("want exactly one error, got %v", errs)
			}
		})
	}
	// Wrong types on hidden questions are dropped like any hidden answer.
	m := ok()
	m["why"] = 42.0
	if _, errs := ParseJSON(survey(), m); errs != nil {
		t.Errorf("hidden wrong type: %v", errs)
	}
	big := map[string]any{}
	for i := range MaxQuestions + 1 {
		big[strings.Repeat("k", i+1)] = 1.0
	}
	if _, errs := ParseJSON(survey(), big); !strings.Contains(errs[""], "at most 200 answers") {
		t.Errorf("too many keys: %v", errs)
	}
}

// TestFormJSONParity checks that the same answers sent as a form and as JSON (decoded the way
// an API handler would, with and without UseNumber) give the same answers and errors.
func TestFormJSONParity(t *testing.T) {
	cases := []struct{ form, json string }{
		{base, `{"overall":4,"channel":"online","agree":true}`},
		{"overall=na&recommend=10&channel=phone&problems=wait&problems=lost&visits=2&postcode=2600&phone-wait=7.5&agree=yes",
			`{"overall":"na","recommend":10,"channel":"phone","problems":["lost","wait"],"visits":2,"postcode":"2600","phone-wait":7.5,"agree":true}`},
		{"overall=1&channel=online&agree=yes&why=Slow+and+rude&problems=na",
			`{"overall":1,"channel":"online","agree":true,"why":"Slow and rude","problems":["na"]}`},
		{"overall=3&channel=online&agree=yes&why=hidden", `{"overall":3,"channel":"online","agree":true,"why":"hidden"}`},
		{"overall=7&channel=fax&visits=0&postcode=" + strings.Repeat("9", 11),
			`{"overall":7,"channel":"fax","visits":0,"postcode":"` + strings.Repeat("9", 11) + `"}`},
		{"channel=online&problems=wait&problems=lost&problems=rude&agree=yes",
			`{"channel":"online","problems":["wait","lost","rude"],"agree":true}`},
	}
	q := survey()
	for _, c := range cases {
		v, _ := url.ParseQuery(c.form)
		fa, fe := ParseForm(q, v)
		for _, useNumber := range []bool{false, true} {
			d := json.NewDecoder(strings.NewReader(c.json))
			if useNumber {
				d.UseNumber()
			}
			var m map[string]any
			if err := d.Decode(&m); err != nil {
				t.Fatal(err)
			}
			ja, je := ParseJSON(q, m)
			if !reflect.DeepEqual(fe, je) {
				t.Errorf("%s: errors differ:\nform %v\njson %v", c.form, fe, je)
			}
			if fe == nil && !reflect.DeepEqual(fa, ja) {
				t.Errorf("%s: answers differ:\nform %s\njson %s", c.form, show(fa), show(ja))
			}
		}
		if fe == nil {
			// Map writes what ParseJSON reads back unchanged.
			back, errs := ParseJSON(q, fa.Map(q))
			if errs != nil || !reflect.DeepEqual(back, fa) {
				t.Errorf("%s: Map round trip: %s, %v", c.form, show(back), errs)
			}
		}
	}
}

func show(as Answers) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.Question + "=")
		switch {
		case a.NA:
			b.WriteString("NA")
		case a.Number != nil:
			b.WriteString(strings.Join(a.Values, ",") + "#")
		case a.Text != "":
			b.WriteString(a.Text)
		default:
			b.WriteString(strings.Join(a.Values, ","))
		}
		b.WriteString("; ")
	}
	return b.String()
}

// FuzzParseAnswers checks that no form body (nor JSON body) makes parsing or rendering panic,
// that errors name only questions, and that accepted answers survive a JSON round trip.
func FuzzParseAnswers(f *testing.F) {
	for _, s := range []string{
		base,
		"overall=na&recommend=10&channel=phone&problems=wait&problems=lost&visits=2&postcode=2600&phone-wait=7.5&agree=yes",
		"overall=1&channel=online&agree=yes&why=Slow%0D%0Aand+rude&problems=na",
		"overall=9&overall=&channel=fax&visits=-1e9&phone-wait=.5&postcode=%FF%FE",
		"problems=wait&problems=wait&problems=na&problems=&visits=0x1p3&agree=on",
		"%zz&=&&a=b;c",
		`{"overall":4,"channel":"online","agree":true,"problems":["wait",1],"why":null}`,
		`{"overall":"na","visits":1e400,"x":{}}`,
	} {
		f.Add(s)
	}
	q := survey()
	f.Fuzz(func(t *testing.T, body string) {
		v, _ := url.ParseQuery(body)
		as, errs := ParseForm(q, v)
		for k := range errs {
			if _, ok := q.Question(k); !ok {
				t.Errorf("error for %q, not a question", k)
			}
		}
		if errs == nil {
			vis := Visible(q, as)
			for _, a := range as {
				if !vis[a.Question] {
					t.Errorf("answer to hidden question %s", a.Question)
				}
			}
			back, jerrs := ParseJSON(q, as.Map(q))
			if jerrs != nil || !reflect.DeepEqual(back, as) {
				t.Errorf("round trip: %s, %v; was %s", show(back), jerrs, show(as))
			}
		}
		if h := Render(q, as, errs); strings.Contains(string(h), "could not be shown") {
			t.Errorf("render failed: %s", h)
		}
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) == nil {
			as, errs := ParseJSON(q, m)
			if h := Render(q, as, errs); strings.Contains(string(h), "could not be shown") {
				t.Errorf("render failed: %s", h)
			}
		}
	})
}
