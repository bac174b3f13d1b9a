package forms

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/valid"
)

var slug = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Validate checks a questionnaire's definition. The messages are keyed "title", "questions"
// or "questions[i].field" (i counting from 0).
func (q Questionnaire) Validate() error {
	var c valid.Checker
	c.Text("title", q.Title, "a title", 200)
	c.MaxLen("intro", q.Intro, 5000)
	switch {
	case len(q.Questions) == 0:
		c.Add("questions", "Add at least one question.")
	case len(q.Questions) > MaxQuestions:
		c.Addf("questions", "Use at most %d questions (this has %d).", MaxQuestions, len(q.Questions))
		return c.Err()
	}
	seen := map[string]int{}
	for i, qu := range q.Questions {
		key := func(f string) string { return fmt.Sprintf("questions[%d].%s", i, f) }
		n := fmt.Sprintf("Question %d", i+1)
		switch {
		case !slug.MatchString(qu.ID):
			c.Addf(key("id"), "%s: use an ID of lower-case letters, digits, - and _, starting with a letter (at most 63).", n)
		case seen[qu.ID] > 0:
			c.Addf(key("id"), "%s: the ID %q is already used by question %d.", n, qu.ID, seen[qu.ID])
		default:
			seen[qu.ID] = i + 1
		}
		if !slices.Contains(Types(), qu.Type) {
			c.Addf(key("type"), "%s: choose a type: single, multiple, scale, number, text, textarea or consent.", n)
		}
		c.Required(key("text"), qu.Text, "the text of "+strings.ToLower(n[:1])+n[1:])
		c.MaxLen(key("text"), qu.Text, 1000)
		c.MaxLen(key("help"), qu.Help, 2000)
		validateOptions(&c, qu, n, key)
		validateRange(&c, qu, n, key)
		if qu.NotApplicable && qu.Type != Single && qu.Type != Multiple && qu.Type != Scale {
			c.Addf(key("not_applicable"), "%s: “not applicable” is offered only on single, multiple and scale questions.", n)
		}
		if (qu.Labels != Anchors{}) && qu.Type != Scale {
			c.Addf(key("labels"), "%s: anchor labels are only for scales.", n)
		}
		c.MaxLen(key("labels"), qu.Labels.Low+qu.Labels.High, 200)
		switch {
		case qu.MaxLength != 0 && qu.Type != Text && qu.Type != Textarea:
			c.Addf(key("max_length"), "%s: a length limit is only for text and textarea questions.", n)
		case qu.MaxLength < 0 || qu.MaxLength > MaxText:
			c.Addf(key("max_length"), "%s: set a length limit from 1 to %d characters.", n, MaxText)
		}
		if qu.ShowIf != nil {
			validateCondition(&c, q.Questions[:i], qu, n, key)
		}
	}
	return c.Err()
}

func validateOptions(c *valid.Checker, qu Question, n string, key func(string) string) {
	if qu.Type != Single && qu.Type != Multiple {
		if len(qu.Options) > 0 {
			c.Addf(key("options"), "%s: options are only for single and multiple questions.", n)
		}
		return
	}
	least := 2
	if qu.Type == Multiple {
		least = 1
	}
	if len(qu.Options) < least || len(qu.Options) > MaxOptions {
		c.Addf(key("options"), "%s: give from %d to %d options.", n, least, MaxOptions)
		return
	}
	values := map[string]bool{}
	for j, o := range qu.Options {
		switch {
		case strings.TrimSpace(o.Value) != o.Value || o.Value == "" || utf8.RuneCountInString(o.Value) > 100 || !utf8.ValidString(o.Value):
			c.Addf(key("options"), "%s, option %d: give a value of 1 to 100 characters without spaces at either end.", n, j+1)
		case values[o.Value]:
			c.Addf(key("options"), "%s, option %d: the value %q is used twice.", n, j+1, o.Value)
		case o.Value == NA && qu.NotApplicable:
			c.Addf(key("options"), "%s, option %d: the value %q stands for “not applicable”; use another.", n, j+1, NA)
		case strings.TrimSpace(o.Label) == "" || utf8.RuneCountInString(o.Label) > 500:
			c.Addf(key("options"), "%s, option %d: give a label of 1 to 500 characters.", n, j+1)
		}
		values[o.Value] = true
	}
}

func validateRange(c *valid.Checker, qu Question, n string, key func(string) string) {
	switch qu.Type {
	case Scale:
		switch {
		case qu.Min >= qu.Max:
			c.Addf(key("max"), "%s: the scale's min (%d) must be less than its max (%d).", n, qu.Min, qu.Max)
		case qu.Max-qu.Min >= MaxScalePoints:
			c.Addf(key("max"), "%s: a scale may have at most %d points.", n, MaxScalePoints)
		}
	case Number:
		if (qu.Min != 0 || qu.Max != 0) && qu.Min >= qu.Max {
			c.Addf(key("max"), "%s: min (%d) must be less than max (%d), or both 0 for any number.", n, qu.Min, qu.Max)
		}
	case Multiple:
		switch {
		case qu.Min < 0 || qu.Max < 0:
			c.Addf(key("min"), "%s: the number of choices cannot be negative.", n)
		case qu.Max > 0 && qu.Min > qu.Max:
			c.Addf(key("max"), "%s: the fewest choices (%d) must not be more than the most (%d).", n, qu.Min, qu.Max)
		case qu.Min > len(qu.Options) || qu.Max > len(qu.Options):
			c.Addf(key("max"), "%s: it asks for more choices than there are options.", n)
		}
	default:
		if qu.Min != 0 || qu.Max != 0 {
			c.Addf(key("min"), "%s: min and max are only for scale, number and multiple questions.", n)
		}
	}
}

func validateCondition(c *valid.Checker, earlier []Question, qu Question, n string, key func(string) string) {
	i := slices.IndexFunc(earlier, func(e Question) bool { return e.ID == qu.ShowIf.Question })
	if i < 0 {
		c.Addf(key("show_if"), "%s: show-if must refer to an earlier question (%q is not one).", n, qu.ShowIf.Question)
		return
	}
	ref := earlier[i]
	if ref.Type != Single && ref.Type != Multiple && ref.Type != Scale && ref.Type != Consent {
		c.Addf(key("show_if"), "%s: show-if must refer to a single, multiple, scale or consent question.", n)
		return
	}
	if len(qu.ShowIf.Equals) == 0 {
		c.Addf(key("show_if"), "%s: list the answers to %q that show this question.", n, ref.ID)
		return
	}
	allowed := ref.choices()
	for _, v := range qu.ShowIf.Equals {
		if !slices.Contains(allowed, v) {
			c.Addf(key("show_if"), "%s: %q is not an answer to question %q.", n, v, ref.ID)
			return
		}
	}
}

// raw is what was submitted for one question, before checking.
type raw struct {
	values  []string
	typeErr string // JSON of the wrong kind, reported only when the question is shown
}

// ParseForm reads the answers to q from submitted form values (fields named by question ID;
// other fields are ignored). Questions hidden by their show-if condition are skipped and their
// answers dropped.
func ParseForm(q Questionnaire, v url.Values) (Answers, valid.Errors) {
	raws := make(map[string]raw, len(q.Questions))
	for _, qu := range q.Questions {
		if vs, ok := v[qu.ID]; ok {
			raws[qu.ID] = raw{values: vs}
		}
	}
	return parse(q, raws, nil)
}

// ParseJSON reads the answers to q from a decoded JSON object keyed by question ID, in the
// shape Answers.Map writes. Unknown keys are refused; null is no answer.
func ParseJSON(q Questionnaire, m map[string]any) (Answers, valid.Errors) {
	errs := valid.Errors{}
	if len(m) > MaxQuestions {
		errs[""] = fmt.Sprintf("Send at most %d answers (this has %d).", MaxQuestions, len(m))
		return nil, errs
	}
	raws := make(map[string]raw, len(m))
	for k, val := range m {
		qu, ok := q.Question(k)
		if !ok {
			errs[valid.Truncate(k, 100)] = fmt.Sprintf("There is no question %q in this questionnaire.", valid.Truncate(k, 100))
			continue
		}
		raws[k] = fromJSON(qu, val)
	}
	return parse(q, raws, errs)
}

func fromJSON(qu Question, val any) raw {
	if val == nil {
		return raw{}
	}
	num := func() (string, bool) {
		switch x := val.(type) {
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return strconv.FormatFloat(f, 'f', -1, 64), true
			}
			return x.String(), true
		case int:
			return strconv.Itoa(x), true
		case int64:
			return strconv.FormatInt(x, 10), true
		}
		return "", false
	}
	switch qu.Type {
	case Single, Text, Textarea:
		if s, ok := val.(string); ok {
			return raw{values: []string{s}}
		}
		if qu.Type == Single {
			return raw{typeErr: "Answer " + qu.name() + " with one option value, as text."}
		}
		return raw{typeErr: "Answer " + qu.name() + " with text."}
	case Multiple:
		switch x := val.(type) {
		case []string:
			return raw{values: x}
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return raw{typeErr: "Answer " + qu.name() + " with a list of option values, as text."}
				}
				out = append(out, s)
			}
			return raw{values: out}
		}
		return raw{typeErr: "Answer " + qu.name() + " with a list of option values."}
	case Scale, Number:
		if s, ok := num(); ok {
			return raw{values: []string{s}}
		}
		if s, ok := val.(string); ok && s == NA && qu.NotApplicable {
			return raw{values: []string{NA}}
		}
		if qu.Type == Scale {
			return raw{typeErr: fmt.Sprintf("Answer %s with a whole number from %d to %d%s.", qu.name(), qu.Min, qu.Max, naOr(qu))}
		}
		return raw{typeErr: "Answer " + qu.name() + " with a number."}
	case Consent:
		if b, ok := val.(bool); ok {
			if b {
				return raw{values: []string{ConsentValue}}
			}
			return raw{}
		}
		return raw{typeErr: "Answer " + qu.name() + " with true or false."}
	}
	return raw{}
}

func naOr(qu Question) string {
	if qu.NotApplicable {
		return ` or "` + NA + `"`
	}
	return ""
}

// Visible reports which questions apply given answers: a question with a show-if condition
// applies when the question it refers to applies and its answer includes one of the values.
func Visible(q Questionnaire, as Answers) map[string]bool {
	shown := make(map[string]bool, len(q.Questions))
	byID := make(map[string]Answer, len(as))
	for _, a := range as {
		byID[a.Question] = a
	}
	for _, qu := range q.Questions {
		shown[qu.ID] = qu.ShowIf == nil || (shown[qu.ShowIf.Question] && meets(*qu.ShowIf, byID[qu.ShowIf.Question]))
	}
	return shown
}

func meets(c Condition, a Answer) bool {
	if a.NA {
		return slices.Contains(c.Equals, NA)
	}
	for _, v := range a.Values {
		if slices.Contains(c.Equals, v) {
			return true
		}
	}
	return false
}

func parse(q Questionnaire, raws map[string]raw, errs valid.Errors) (Answers, valid.Errors) {
	if errs == nil {
		errs = valid.Errors{}
	}
	var out Answers
	shown := make(map[string]bool, len(q.Questions))
	good := make(map[string]Answer, len(q.Questions))
	for _, qu := range q.Questions {
		if c := qu.ShowIf; c != nil && !(shown[c.Question] && meets(*c, good[c.Question])) {
			continue
		}
		shown[qu.ID] = true
		r := raws[qu.ID]
		if r.typeErr != "" {
			errs[qu.ID] = r.typeErr
			continue
		}
		a, msg := check(qu, r.values)
		if msg != "" {
			errs[qu.ID] = msg
		} else if a.Question != "" {
			good[qu.ID] = a
		}
		if a.Question != "" {
			out = append(out, a)
		}
	}
	if len(errs) == 0 {
		errs = nil
	}
	return out, errs
}

var numberShape = regexp.MustCompile(`^[-+]?(\d+\.?\d*|\.\d+)$`)

// check returns the answer to qu from its submitted values, or a message. An answer with an
// empty Question means no answer; with a message, the answer holds what was typed.
func check(qu Question, vs []string) (Answer, string) {
	a := Answer{Question: qu.ID}
	if qu.Type == Text || qu.Type == Textarea {
		if len(vs) == 0 {
			return requiredMsg(qu)
		}
		s := strings.TrimSpace(strings.ReplaceAll(vs[0], "\r\n", "\n"))
		a.Text = valid.Truncate(s, 4*MaxText+4)
		switch n := utf8.RuneCountInString(s); {
		case len(vs) > 1:
			return a, "Give one answer to " + qu.name() + "."
		case !utf8.ValidString(s):
			return a, "Use ordinary text in your answer to " + qu.name() + "."
		case s == "":
			return requiredMsg(qu)
		case n > qu.TextLimit():
			return a, fmt.Sprintf("Shorten your answer to %s to %d characters or fewer (it has %d).", qu.name(), qu.TextLimit(), n)
		case qu.Type == Text && strings.ContainsAny(s, "\r\n"):
			return a, "Answer " + qu.name() + " on a single line."
		}
		return a, ""
	}
	var vals []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
		if len(vals) > MaxOptions+1 {
			return Answer{}, "Choose answers to " + qu.name() + " from the list."
		}
	}
	if len(vals) == 0 {
		return requiredMsg(qu)
	}
	a.Values = vals
	if qu.Type != Multiple && len(vals) > 1 {
		return a, "Give only one answer to " + qu.name() + "."
	}
	v := vals[0]
	switch qu.Type {
	case Single:
		if !slices.Contains(qu.choices(), v) {
			a.Values = nil
			return a, "Choose an answer to " + qu.name() + " from the list."
		}
	case Multiple:
		allowed := qu.choices()
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				a.Values = nil
				return a, "Choose answers to " + qu.name() + " from the list."
			}
		}
		if slices.Contains(vals, NA) && len(vals) > 1 {
			return a, "Choose either “" + NALabel + "” or other answers to " + qu.name() + ", not both."
		}
		if v != NA {
			// Option order, whatever order they came in.
			a.Values = a.Values[:0:0]
			for _, o := range qu.Options {
				if slices.Contains(vals, o.Value) {
					a.Values = append(a.Values, o.Value)
				}
			}
			switch {
			case len(vals) < qu.Min:
				return a, fmt.Sprintf("Choose at least %d answers to %s.", qu.Min, qu.name())
			case qu.Max > 0 && len(vals) > qu.Max:
				return a, fmt.Sprintf("Choose no more than %d %s to %s.", qu.Max, plural(qu.Max, "answer"), qu.name())
			}
		}
	case Scale:
		if !slices.Contains(qu.choices(), v) {
			a.Values = nil
			return a, scaleMsg(qu)
		}
		if v != NA {
			f, _ := strconv.ParseFloat(v, 64)
			a.Number = &f
		}
	case Number:
		f, err := strconv.ParseFloat(v, 64)
		if len(v) > 30 || !numberShape.MatchString(v) || err != nil {
			a.Values = []string{valid.Truncate(v, 100)}
			return a, "Enter " + qu.name() + " as a number, like 12 or 3.5."
		}
		if qu.Max > qu.Min {
			if f < float64(qu.Min) || f > float64(qu.Max) {
				return a, fmt.Sprintf("Enter a number from %d to %d for %s.", qu.Min, qu.Max, qu.name())
			}
		} else if f > MaxNumber || f < -MaxNumber {
			return a, "Enter a smaller number for " + qu.name() + "."
		}
		a.Number = &f
		a.Values = []string{strconv.FormatFloat(f, 'f', -1, 64)}
	case Consent:
		if v != ConsentValue {
			return Answer{}, consentMsg(qu)
		}
	}
	if v == NA && qu.NotApplicable {
		a.Values, a.Number, a.NA = nil, nil, true
	}
	return a, ""
}

func requiredMsg(qu Question) (Answer, string) {
	if !qu.IsRequired() {
		return Answer{}, ""
	}
	switch qu.Type {
	case Single:
		return Answer{}, "Choose an answer to " + qu.name() + "."
	case Multiple:
		if qu.Min > 1 {
			return Answer{}, fmt.Sprintf("Choose at least %d answers to %s.", qu.Min, qu.name())
		}
		return Answer{}, "Choose at least one answer to " + qu.name() + "."
	case Scale:
		return Answer{}, scaleMsg(qu)
	case Number:
		return Answer{}, "Enter a number for " + qu.name() + "."
	case Consent:
		return Answer{}, consentMsg(qu)
	}
	return Answer{}, "Enter an answer to " + qu.name() + "."
}

func scaleMsg(qu Question) string {
	if qu.NotApplicable {
		return fmt.Sprintf("Choose a number from %d to %d, or “%s”, for %s.", qu.Min, qu.Max, NALabel, qu.name())
	}
	return fmt.Sprintf("Choose a number from %d to %d for %s.", qu.Min, qu.Max, qu.name())
}

func consentMsg(qu Question) string {
	return "Tick the box to agree to " + qu.name() + "."
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
