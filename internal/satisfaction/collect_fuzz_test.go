package satisfaction

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// fuzzDef is a survey of every question type, with a show-if, a link and one known place,
// checked without a database.
func fuzzDef() (*collector, *surveyDef) {
	custom := []forms.Question{
		{ID: "visit", Type: forms.Single, Text: "Why did you visit?", Options: []forms.Option{{Value: "pay", Label: "To pay"}, {Value: "ask", Label: "To ask"}}},
		{ID: "paid", Type: forms.Multiple, Text: "How did you pay?", Options: []forms.Option{{Value: "card", Label: "Card"}, {Value: "cash", Label: "Cash"}},
			ShowIf: &forms.Condition{Question: "visit", Equals: []string{"pay"}}},
		{ID: "wait", Type: forms.Number, Text: "How many minutes did you wait?", Min: 0, Max: 600},
		{ID: "postcode", Type: forms.Text, Text: "Postcode", MaxLength: 10},
		{ID: "agree", Type: forms.Consent, Text: "I agree to be contacted."},
	}
	q := BuildQuestionnaire("fuzz", "Fuzz", "", []string{ModuleRecommend, ModuleEffort}, custom)
	svc := &Service{Now: db.Now, Cache: NewDefinitionCache()}
	svc.Cache.places.ids = map[int64]struct{}{7: {}}
	svc.Cache.places.loaded = time.Now().Add(24 * time.Hour) // fresh: never reloaded
	d := &surveyDef{Survey: Survey{ID: 1, Code: "fuzz", Status: StatusOpen, Version: 1, Questionnaire: q},
		Links: map[string]Link{"abcd2345": {ID: 3, Code: "abcd2345", Channel: "phone", PlaceID: 7}}}
	return &collector{svc: svc}, d
}

func FuzzSubmission(f *testing.F) {
	for _, s := range []string{
		`{"answers":{"overall":4,"timeliness":"na","recommend":10,"effort":7,"comment":"Good"}}`,
		`{"answers":{"overall":1,"visit":"pay","paid":["cash","card"],"wait":"12","postcode":"0870","agree":true},"channel":"in_person","place":7}`,
		`{"answers":{"overall":3,"visit":"ask","paid":["card"]},"via":"abcd2345","place":"7"}`,
		`{"answers":{"overall":6,"colour":"red"},"channel":"pigeon","place":-1,"via":"nope","token":"x"}`,
		`{"answers":{"overall":4.5,"wait":1e400}}`,
		`{"answers":null}`, `{}`, `[]`, `null`, `{"answers":{"overall":4}} x`, `{"place":{"id":7}}`, `{"answers":{"paid":"card"}}`,
	} {
		f.Add([]byte(s))
	}
	c, d := fuzzDef()
	q := d.Survey.Questionnaire
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte) {
		sub, err := readSubmission(bytes.NewReader(body), 64<<10)
		if err != nil {
			var bad *api.BadRequest
			if !errors.As(err, &bad) || bad.Msg == "" {
				t.Fatalf("%q: error %v is not a BadRequest with a message", body, err)
			}
			return
		}
		resp, errs, err := c.buildResponse(ctx, d, &sub)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		for k, msg := range errs {
			switch {
			case k == "channel", k == "place", k == "via", k == "token", k == "answers", strings.HasPrefix(k, "answers."):
			default:
				t.Errorf("%q: message under unexpected key %q", body, k)
			}
			if msg == "" {
				t.Errorf("%q: empty message for %q", body, k)
			}
		}
		if len(errs) > 0 {
			return
		}
		// Accepted: a known channel and place, answers only to questions shown, and stored
		// answers that read back the same.
		if !knownChannel(resp.Channel) || (resp.PlaceID != 0 && resp.PlaceID != 7) {
			t.Fatalf("%q: channel %q place %d", body, resp.Channel, resp.PlaceID)
		}
		shown := forms.Visible(q, resp.Answers)
		for _, a := range resp.Answers {
			if !shown[a.Question] {
				t.Fatalf("%q: answer to hidden or unknown question %q", body, a.Question)
			}
		}
		if _, ok := resp.Answers.Get(QOverall); !ok {
			t.Fatalf("%q: accepted without the required question", body)
		}
		again, errs2 := forms.ParseJSON(q, resp.Answers.Map(q))
		if len(errs2) > 0 || len(again) != len(resp.Answers) {
			t.Fatalf("%q: answers do not read back: %v", body, errs2)
		}
		if _, _, err := encodeAnswers(resp); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
	})
}

func TestPlaceRef(t *testing.T) {
	for in, want := range map[string]int64{``: 0, `null`: 0, `7`: 7, `"7"`: 7, `" 12 "`: 12} {
		if id, ok := PlaceRef(in).id(); !ok || id != want {
			t.Errorf("%s: %d %v, want %d", in, id, ok, want)
		}
	}
	for _, in := range []string{`0`, `-3`, `1.5`, `"x"`, `true`, `{}`, `99999999999999999999`, `"`} {
		if _, ok := PlaceRef(in).id(); ok {
			t.Errorf("%s accepted", in)
		}
	}
}
