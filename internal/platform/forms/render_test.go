package forms

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/valid"
)

var (
	idAttr    = regexp.MustCompile(`\sid="([^"]*)"`)
	labelFor  = regexp.MustCompile(`<label for="([^"]*)"`)
	describes = regexp.MustCompile(`aria-describedby="([^"]*)"`)
	control   = regexp.MustCompile(`<(input|textarea)\s[^>]*\bid="([^"]*)"`)
)

func rendered(t *testing.T, body string) (string, Answers, valid.Errors) {
	t.Helper()
	v, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	as, errs := ParseForm(survey(), v)
	return string(Render(survey(), as, errs)), as, errs
}

// element returns the opening tag of the element with id.
func element(t *testing.T, html, id string) string {
	t.Helper()
	i := strings.Index(html, ` id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element with id %q", id)
	}
	start := strings.LastIndex(html[:i], "<")
	end := strings.Index(html[i:], ">")
	return html[start : i+end+1]
}

// checkStructure checks what every rendering must have: unique IDs, a label bound to every
// input, and aria-describedby pointing only at elements that exist.
func checkStructure(t *testing.T, html string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range idAttr.FindAllStringSubmatch(html, -1) {
		if ids[m[1]] {
			t.Errorf("duplicate id %q", m[1])
		}
		ids[m[1]] = true
	}
	labelled := map[string]bool{}
	for _, m := range labelFor.FindAllStringSubmatch(html, -1) {
		labelled[m[1]] = true
	}
	for _, m := range control.FindAllStringSubmatch(html, -1) {
		if !labelled[m[2]] {
			t.Errorf("%s %q has no label", m[1], m[2])
		}
	}
	for id := range labelled {
		if !ids[id] {
			t.Errorf("label for missing element %q", id)
		}
	}
	for _, m := range describes.FindAllStringSubmatch(html, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !ids[id] {
				t.Errorf("aria-describedby names missing element %q", id)
			}
		}
	}
	if strings.Contains(html, " required") {
		t.Error("a required attribute would stop a browser without JavaScript submitting a form with hidden show-if questions")
	}
	if strings.Contains(html, "could not be shown") {
		t.Errorf("template failed: %s", html)
	}
}

func TestRenderBlank(t *testing.T) {
	html := string(Render(survey(), nil, nil))
	checkStructure(t, html)
	for _, want := range []string{
		`<p class="lede">Tell us about your visit.</p>`,
		`<fieldset class="field question q-scale" id="f-overall" aria-describedby="f-overall-hint">`,
		`<legend>Overall, how satisfied were you?</legend>`,
		`<p class="hint" id="f-overall-hint">1 means Very dissatisfied and 5 means Very satisfied.</p>`,
		// Scale points are native radios with visible numbers; the ends carry the anchors.
		`<input type="radio" id="f-overall-1" name="overall" value="1"><label for="f-overall-1">1 <span class="scale-anchor">Very dissatisfied</span></label>`,
		`<input type="radio" id="f-overall-3" name="overall" value="3"><label for="f-overall-3">3</label>`,
		`<label for="f-overall-5">5 <span class="scale-anchor">Very satisfied</span></label>`,
		// "Not applicable" is a separate choice of the same group.
		`<div class="checks q-na"><div class="check na"><input type="radio" id="f-overall-na" name="overall" value="na"><label for="f-overall-na">Not applicable</label>`,
		`<input type="radio" id="f-recommend-0" name="recommend" value="0">`,
		`<legend>How likely are you to recommend the service? <span class="optional">(optional)</span></legend>`,
		`<input type="radio" id="f-channel-0" name="channel" value="phone"><label for="f-channel-0">By phone</label>`,
		`<input type="checkbox" id="f-problems-1" name="problems" value="lost"><label for="f-problems-1">Lost paperwork</label>`,
		`<input type="checkbox" id="f-problems-na" name="problems" value="na">`,
		`<p class="hint" id="f-problems-hint">Choose up to 2.</p>`,
		`<label for="f-visits">How many times did you contact us? <span class="optional">(optional)</span></label>`,
		`<input type="text" id="f-visits" name="visits" value="" inputmode="decimal"`,
		`<textarea id="f-why" name="why" rows="5" aria-describedby="f-why-cond" data-maxlength="200"></textarea>`,
		`<input type="checkbox" id="f-agree" name="agree" value="yes">`,
		`<label for="f-agree">I agree that my answers may be published without my name.</label>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(html, "checked") || strings.Contains(html, "field-error") {
		t.Error("a blank form has checked inputs or errors")
	}
}

func TestRenderShowIf(t *testing.T) {
	html := string(Render(survey(), nil, nil))
	for _, want := range []string{
		`<div class="field question q-textarea" data-show-if="overall" data-show-if-equals="[&#34;1&#34;,&#34;2&#34;]">`,
		`<p class="hint show-if" id="f-why-cond">Answer only if you answered “1” or “2” to “Overall, how satisfied were you?”.</p>`,
		`data-show-if="channel" data-show-if-equals="[&#34;phone&#34;]"`,
		`<p class="hint show-if" id="f-phone-wait-cond">Answer only if you answered “By phone” to “How did you contact us?”.</p>`,
		`aria-describedby="f-phone-wait-cond"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s", want)
		}
	}
	if got := strings.Count(html, "data-show-if="); got != 2 {
		t.Errorf("%d questions with data-show-if, want 2", got)
	}
}

func TestRenderKeepsAnswersAndShowsErrors(t *testing.T) {
	html, _, errs := rendered(t, "overall=2&recommend=9&channel=phone&problems=wait&problems=lost&problems=rude"+
		"&why=Too+%3Cslow%3E&visits=lots&postcode=2600&phone-wait=12&agree=yes")
	checkStructure(t, html)
	if len(errs) != 2 || errs["problems"] == "" || errs["visits"] == "" {
		t.Fatalf("errors = %v", errs)
	}
	for id, want := range map[string]string{
		"f-overall-2":   "checked",
		"f-recommend-9": "checked",
		"f-channel-0":   "checked",
		"f-problems-0":  "checked",
		"f-problems-1":  "checked",
		"f-problems-2":  "checked", // kept as typed, though one too many
		"f-agree":       "checked",
		"f-visits":      `value="lots"`,
		"f-postcode":    `value="2600"`,
		"f-phone-wait":  `value="12"`,
	} {
		if el := element(t, html, id); !strings.Contains(el, want) {
			t.Errorf("%s: %s lacks %s", id, el, want)
		}
	}
	for _, id := range []string{"f-overall-1", "f-overall-na", "f-channel-1", "f-problems-na"} {
		if el := element(t, html, id); strings.Contains(el, "checked") {
			t.Errorf("%s checked: %s", id, el)
		}
	}
	if !strings.Contains(html, `>Too &lt;slow&gt;</textarea>`) {
		t.Error("textarea answer not kept (escaped)")
	}
	// Errors sit beside their question and are announced with it.
	fs := element(t, html, "f-problems")
	if !strings.Contains(fs, `class="field question q-multiple has-error"`) || !strings.Contains(fs, `aria-describedby="f-problems-hint f-problems-error"`) {
		t.Errorf("fieldset with error: %s", fs)
	}
	if !strings.Contains(html, `<p class="field-error" id="f-problems-error"><span class="visually-hidden">Error:</span> Choose no more than 2 answers to “What went wrong?”.</p>`) {
		t.Error("multiple error missing")
	}
	in := element(t, html, "f-visits")
	if !strings.Contains(in, `aria-describedby="f-visits-hint f-visits-error"`) || !strings.Contains(in, `aria-invalid="true"`) {
		t.Errorf("input with error: %s", in)
	}
	// web's error summary links to "#f-" + field: each key must name an element.
	for k := range errs {
		element(t, html, "f-"+k)
	}
}

func TestRenderNotApplicableAndConsentError(t *testing.T) {
	html, _, errs := rendered(t, "overall=na&channel=online&problems=na")
	checkStructure(t, html)
	if el := element(t, html, "f-overall-na"); !strings.Contains(el, "checked") {
		t.Errorf("NA not kept: %s", el)
	}
	if el := element(t, html, "f-problems-na"); !strings.Contains(el, "checked") {
		t.Errorf("NA not kept: %s", el)
	}
	if errs["agree"] == "" {
		t.Fatalf("errors = %v", errs)
	}
	in := element(t, html, "f-agree")
	if !strings.Contains(in, `aria-describedby="f-agree-error"`) || strings.Contains(in, "checked") {
		t.Errorf("consent with error: %s", in)
	}
	// Both NA and an option, refused, are shown as typed.
	html, _, _ = rendered(t, base+"&problems=wait&problems=na")
	for _, id := range []string{"f-problems-0", "f-problems-na"} {
		if el := element(t, html, id); !strings.Contains(el, "checked") {
			t.Errorf("%s not kept: %s", id, el)
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	q := Questionnaire{ID: `x"y`, Title: "T", Questions: []Question{
		{ID: "a", Type: Single, Text: `<script>alert(1)</script>`, Help: `"quoted" & <b>`,
			Options: []Option{{`v"1`, `<i>one</i>`}, {"v2", "two"}}},
		{ID: "b", Type: Text, Text: "B", ShowIf: &Condition{"a", []string{`v"1`}}},
	}}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	html := string(Render(q, Answers{{Question: "b", Text: `"><script>`}}, valid.Errors{"a": "<b>bad</b>"}))
	checkStructure(t, html)
	if strings.Contains(html, "<script>") || strings.Contains(html, "<i>") || strings.Contains(html, "<b>") {
		t.Errorf("unescaped markup: %s", html)
	}
	if !strings.Contains(html, `value="v&#34;1">`) || !strings.Contains(html, `&#34;&gt;&lt;script&gt;`) {
		t.Errorf("option value not escaped: %s", html)
	}
}
