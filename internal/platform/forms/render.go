package forms

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/valid"
)

//go:embed templates/questions.html
var templateFS embed.FS

// tmpl is parsed once and only ever executed.
var tmpl = template.Must(template.New("").ParseFS(templateFS, "templates/questions.html"))

// Render draws the questions of q as HTML for inside a page's <form>: each question with its
// hint and its message from errs beside it, and the answers given so far (as returned by
// ParseForm, even with errors) filled in. The page supplies the <form>, the error summary (web's
// "errorsummary" partial links to each question, since a question's element ID is "f-" + ID)
// and the submit button. It needs no JavaScript: a question with a show-if condition is shown
// with a note saying when to answer it, and carries data-show-if and data-show-if-equals (a JSON
// list) for a script that hides it.
func Render(q Questionnaire, answers Answers, errs valid.Errors) template.HTML {
	v := view{Code: q.ID, Intro: q.Intro}
	byID := make(map[string]Answer, len(answers))
	for _, a := range answers {
		byID[a.Question] = a
	}
	for _, qu := range q.Questions {
		v.Questions = append(v.Questions, questionView(q, qu, byID[qu.ID], errs[qu.ID]))
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "questionnaire", v); err != nil {
		// Only a programming error gets here; say so rather than draw half a form.
		return template.HTML(`<p class="field-error" role="alert">The questions could not be shown: ` +
			template.HTMLEscapeString(err.Error()) + `</p>`)
	}
	return template.HTML(buf.String())
}

type view struct {
	Code, Intro string
	Questions   []qview
}

type qview struct {
	ID, Name, Type, Text string
	Hint, Error, Cond    string
	Required, Fieldset   bool
	Choices              []choice
	NA                   *choice
	Value                string // text, textarea, number, consent
	Checked              bool   // consent
	MaxLength            int
	ShowIf               *showIf
	describedBy          []string
}

type showIf struct{ Question, Equals string }

type choice struct {
	Kind, ID, Name, Value, Label, Anchor string
	Checked, NA                          bool
}

// DescribedBy lists the IDs of the note, hint and error for aria-describedby.
func (v qview) DescribedBy() string { return strings.Join(v.describedBy, " ") }

func questionView(q Questionnaire, qu Question, a Answer, msg string) qview {
	id := "f-" + qu.ID
	v := qview{
		ID: id, Name: qu.ID, Type: string(qu.Type), Text: qu.Text, Error: msg,
		Required: qu.IsRequired(), MaxLength: qu.TextLimit(),
		Fieldset: qu.Type == Single || qu.Type == Multiple || qu.Type == Scale,
	}
	v.Hint = strings.TrimSpace(qu.Help + " " + autoHint(qu))
	if c := qu.ShowIf; c != nil {
		ref, _ := q.Question(c.Question)
		labels := make([]string, len(c.Equals))
		for i, e := range c.Equals {
			labels[i] = "“" + ref.label(e) + "”"
		}
		v.Cond = fmt.Sprintf("Answer only if you answered %s to %s.", orList(labels), ref.name())
		eq, _ := json.Marshal(c.Equals)
		v.ShowIf = &showIf{Question: c.Question, Equals: string(eq)}
	}
	for _, part := range []struct{ s, suffix string }{{v.Cond, "-cond"}, {v.Hint, "-hint"}, {msg, "-error"}} {
		if part.s != "" {
			v.describedBy = append(v.describedBy, id+part.suffix)
		}
	}
	has := func(val string) bool {
		if val == NA && a.NA {
			return true
		}
		for _, x := range a.Values {
			if x == val {
				return true
			}
		}
		return false
	}
	kind := "radio"
	if qu.Type == Multiple {
		kind = "checkbox"
	}
	switch qu.Type {
	case Single, Multiple:
		for i, o := range qu.Options {
			v.Choices = append(v.Choices, choice{Kind: kind, ID: id + "-" + strconv.Itoa(i), Name: qu.ID,
				Value: o.Value, Label: o.Label, Checked: has(o.Value)})
		}
	case Scale:
		pts := qu.Points()
		for i, p := range pts {
			s := strconv.Itoa(p)
			c := choice{Kind: kind, ID: id + "-" + s, Name: qu.ID, Value: s, Label: s, Checked: has(s)}
			switch i {
			case 0:
				c.Anchor = qu.Labels.Low
			case len(pts) - 1:
				c.Anchor = qu.Labels.High
			}
			v.Choices = append(v.Choices, c)
		}
	case Text, Textarea:
		v.Value = a.Text
	case Number:
		if len(a.Values) > 0 {
			v.Value = a.Values[0]
		}
	case Consent:
		v.Value, v.Checked = ConsentValue, has(ConsentValue)
	}
	if qu.NotApplicable && v.Fieldset {
		v.NA = &choice{Kind: kind, ID: id + "-na", Name: qu.ID, Value: NA, Label: NALabel, Checked: has(NA), NA: true}
	}
	return v
}

// autoHint describes limits the question text does not.
func autoHint(qu Question) string {
	switch qu.Type {
	case Multiple:
		switch {
		case qu.Max > 0 && qu.Min > 1 && qu.Min == qu.Max:
			return fmt.Sprintf("Choose %d.", qu.Max)
		case qu.Max > 0 && qu.Min > 1:
			return fmt.Sprintf("Choose from %d to %d.", qu.Min, qu.Max)
		case qu.Max > 0 && qu.Max < len(qu.Options):
			return fmt.Sprintf("Choose up to %d.", qu.Max)
		case qu.Min > 1:
			return fmt.Sprintf("Choose at least %d.", qu.Min)
		}
		return "Choose all that apply."
	case Scale:
		if qu.Labels.Low != "" && qu.Labels.High != "" {
			return fmt.Sprintf("%d means %s and %d means %s.", qu.Min, qu.Labels.Low, qu.Max, qu.Labels.High)
		}
	case Number:
		if qu.Max > qu.Min {
			return fmt.Sprintf("Enter a number from %d to %d.", qu.Min, qu.Max)
		}
	}
	return ""
}

func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
