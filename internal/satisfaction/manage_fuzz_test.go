package satisfaction

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// FuzzParseOptions: whatever is typed in the editor's options box, the options read are
// clean (trimmed, valid text, no line breaks), at most forms.MaxOptions, and writing them
// back and reading again gives the same options.
func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{"Yes\nNo", "y|Yes\nn|No", "a|\n|b\n|\n", "18 to 24\n18 to 24\n18_to_24|x", " | \r\n\t|\t", "日本\n中国",
		"a|b|c", "\xff\xfe|\x00", strings.Repeat("x\n", 101), "na|Not applicable\nNA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		opts, msg := ParseOptions(text)
		if msg != "" {
			if opts != nil {
				t.Fatalf("options %v with message %q", opts, msg)
			}
			return
		}
		if len(opts) > forms.MaxOptions {
			t.Fatalf("%d options", len(opts))
		}
		derived := map[string]bool{}
		for _, o := range opts {
			for _, s := range []string{o.Value, o.Label} {
				if s == "" || s != strings.TrimSpace(s) || !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") {
					t.Fatalf("unclean option %q from %q", o, text)
				}
			}
			if strings.Contains(o.Value, "|") {
				t.Fatalf("value with a bar %q", o.Value)
			}
			derived[o.Value] = true
		}
		again, msg := ParseOptions(FormatOptions(opts))
		if msg != "" || !slices.Equal(again, opts) {
			t.Fatalf("round trip of %q: %v then %v (%s)", text, opts, again, msg)
		}
	})
}

var questionSlug = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// FuzzSuggestions: codes and IDs made from any text are valid and avoid what is reserved.
func FuzzSuggestions(f *testing.F) {
	for _, s := range []string{"How was your visit?", "", "2026", "Überprüfung", "overall", strings.Repeat("ab ", 50), "-", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if c := SuggestCode(text); !ValidCode(c) {
			t.Fatalf("SuggestCode(%q) = %q", text, c)
		}
		taken := map[string]bool{"question": true, "age": true}
		id := SuggestQuestionID(text, func(s string) bool { return taken[s] })
		if !questionSlug.MatchString(id) || IsCore(id) || taken[id] || len(id) > 40 {
			t.Fatalf("SuggestQuestionID(%q) = %q", text, id)
		}
	})
}

// FuzzQuestionEditor: any submitted editor form is read without panicking, and a question
// it reads either passes the questionnaire's checks or is refused with messages.
func FuzzQuestionEditor(f *testing.F) {
	f.Add("single", "", "How old?", "Under 35\nOver", "", "", "", "")
	f.Add("scale", "wait", "Fine?", "", "1", "7", "overall", "1, 2")
	f.Add("multiple", "x", "Pick", "a|A\nb|B", "1", "2", "overall", "Very dissatisfied")
	f.Add("number", "n", "How many", "", "-5", "abc", "", "")
	f.Add("consent", "ok", "Agree", "", "", "", "nope", ",,,")
	f.Fuzz(func(t *testing.T, typ, id, text, options, min, max, showIf, showValues string) {
		form := &web.Form{Values: url.Values{"q.type": {typ}, "q.id": {id}, "q.text": {text}, "q.options": {options},
			"q.min": {min}, "q.max": {max}, "q.show_if": {showIf}, "q.show_values": {showValues}, "q.na": {"on"}}}
		earlier := BuildQuestionnaire("fuzz", "Fuzz", "", Modules, nil)
		earlier.Questions = earlier.Questions[:len(earlier.Questions)-1]
		qu, errs := questionOfForm(form, "", earlier, func(string) bool { return false })
		if errs != nil {
			return
		}
		q := BuildQuestionnaire("fuzz", "Fuzz", "", Modules, []forms.Question{qu})
		_ = checkCustom([]forms.Question{qu})
		_ = customErrors(q, len(earlier.Questions))
	})
}
