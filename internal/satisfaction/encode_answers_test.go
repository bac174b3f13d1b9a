package satisfaction

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/forms"
)

// encodeQuestionnaire has a question of every type.
var encodeQuestionnaire = forms.Questionnaire{ID: "enc", Questions: []forms.Question{
	{ID: "single", Type: forms.Single, NotApplicable: true, Options: []forms.Option{{Value: "a", Label: "A"}, {Value: "<b>&", Label: "B"}}},
	{ID: "multi", Type: forms.Multiple, NotApplicable: true, Options: []forms.Option{{Value: "x", Label: "X"}, {Value: "y", Label: "Y"}}},
	{ID: "scale", Type: forms.Scale, Min: 0, Max: 10, NotApplicable: true},
	{ID: "number", Type: forms.Number},
	{ID: "text", Type: forms.Text},
	{ID: "ta", Type: forms.Textarea},
	{ID: "consent", Type: forms.Consent, Text: "I agree"},
	{ID: "é\u2028<key>", Type: forms.Text},
}}

// slowJSON is what encodeAnswers gave before it was written by hand.
func slowJSON(as forms.Answers, q forms.Questionnaire) (string, error) {
	b, err := json.Marshal(as.Map(q))
	return string(b), err
}

func checkEncode(t *testing.T, as forms.Answers) {
	t.Helper()
	want, werr := slowJSON(as, encodeQuestionnaire)
	got, _, gerr := encodeAnswers(Response{Answers: as, Questionnaire: &encodeQuestionnaire})
	if (werr != nil) != (gerr != nil) || got != want {
		t.Fatalf("answers %+v:\n got %s (%v)\nwant %s (%v)", as, got, gerr, want, werr)
	}
}

func encNum(f float64) *float64 { return &f }

func TestEncodeAnswers(t *testing.T) {
	cases := []forms.Answers{
		nil,
		{{Question: "scale", Values: []string{"7"}, Number: encNum(7)}, {Question: "single", Values: []string{"a"}}},
		{{Question: "single", Values: []string{"<b>&"}}, {Question: "multi", Values: []string{"x", "y"}}, {Question: "multi2"}},
		{{Question: "multi", NA: true}, {Question: "scale", NA: true}, {Question: "single", NA: true}},
		{{Question: "multi"}, {Question: "single"}, {Question: "scale"}, {Question: "consent"}},
		{{Question: "number", Number: encNum(-0.0)}, {Question: "text", Text: "tab\there \"quoted\" \\ é \u2028 \xff"}},
		{{Question: "number", Number: encNum(1e21)}, {Question: "ta", Text: "line\nline"}, {Question: "consent", Values: []string{"yes"}}},
		{{Question: "number", Number: encNum(1.5e-7)}, {Question: "é\u2028<key>", Text: "k"}},
		{{Question: "number", Number: encNum(123456789012345678)}, {Question: "scale", Values: []string{"3"}, Number: encNum(3)}},
		{{Question: "number", Number: encNum(0.1)}, {Question: "number", Number: encNum(2)}},           // repeated: the last wins
		{{Question: "single", Values: []string{"a"}}, {Question: "single"}},                            // the last has no entry
		{{Question: "number", Number: encNum(math.NaN())}},                                             // an error, as before
		{{Question: "ta", Text: "b"}, {Question: "single", Values: []string{"a"}}, {Question: "text"}}, // out of order
	}
	for _, as := range cases {
		checkEncode(t, as)
	}
	if got, _, _ := encodeAnswers(Response{Answers: cases[1]}); got != "{}" {
		t.Errorf("without a questionnaire: %s", got)
	}
}

func FuzzEncodeAnswers(f *testing.F) {
	f.Add("scale", "7", 7.0, false, "a,b", "x", uint8(0))
	f.Add("text", "<&>\u2028", -0.0, true, "", "single", uint8(3))
	f.Add("number", "1e21", 1e21, false, "x,y", "multi", uint8(9))
	f.Fuzz(func(t *testing.T, q1, text string, n float64, na bool, vals, q2 string, flags uint8) {
		var values []string
		if vals != "" {
			values = strings.Split(vals, ",")
		}
		a1 := forms.Answer{Question: q1, Values: values, Text: text, NA: na}
		if flags&1 != 0 {
			a1.Number = &n
		}
		a2 := forms.Answer{Question: q2, Values: values, Text: text, NA: flags&2 != 0}
		if flags&4 != 0 {
			a2.Number = &n
		}
		ids := []string{"single", "multi", "scale", "number", "text", "ta", "consent", "é\u2028<key>"}
		a3 := forms.Answer{Question: ids[int(flags)%len(ids)], Values: values, Text: text, Number: &n}
		as := forms.Answers{a1, a2, a3}
		if flags&8 != 0 {
			as = forms.Answers{a3, a2, a1}
		}
		checkEncode(t, as)
	})
}

// TestEncodeGenerated compares the encoder with json on generated responses.
func TestEncodeGenerated(t *testing.T) {
	q := DemoQuestionnaire()
	s := Survey{ID: 1, Version: 1, Questionnaire: q}
	g := newGenerator(s, genOptions(5).withDefaults(time.Now()), 3000)
	for i := range 3000 {
		r := g.response(i)
		want, err := slowJSON(r.Answers, q)
		if err != nil {
			t.Fatal(err)
		}
		got, comment, err := encodeAnswers(r)
		if err != nil || got != want {
			t.Fatalf("response %d:\n got %s\nwant %s", i, got, want)
		}
		if a, _ := r.Answers.Get(QComment); a.Text != comment {
			t.Fatalf("comment %q, want %q", comment, a.Text)
		}
	}
}
