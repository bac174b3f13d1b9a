package loadtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Definition is what the load generator needs of a survey's public definition
// (GET /api/v1/surveys/{code}): its code and questions.
type Definition struct {
	Code      string           `json:"code"`
	Title     string           `json:"title"`
	Questions []forms.Question `json:"questions"`
	// Channels, when the definition lists them, are the channels a response may name.
	Channels Channels `json:"channels,omitempty"`
}

// Channels are channel values, read from a JSON list of strings or of {"value": …} objects.
type Channels []string

// UnmarshalJSON reads either shape.
func (c *Channels) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*c = (*c)[:0]
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			*c = append(*c, s)
			continue
		}
		var o struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return err
		}
		*c = append(*c, o.Value)
	}
	return nil
}

// ParseDefinition reads a public survey definition. It accepts the questions at the top
// level or under "questionnaire" (the shape of forms.Questionnaire either way).
func ParseDefinition(b []byte) (Definition, error) {
	var d struct {
		Definition
		Questionnaire *Definition `json:"questionnaire"`
		Survey        *Definition `json:"survey"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return Definition{}, fmt.Errorf("the survey definition is not the JSON expected: %w", err)
	}
	def := d.Definition
	for _, alt := range []*Definition{d.Questionnaire, d.Survey} {
		if len(def.Questions) == 0 && alt != nil && len(alt.Questions) > 0 {
			def.Questions = alt.Questions
			if def.Code == "" {
				def.Code = alt.Code
			}
			if def.Title == "" {
				def.Title = alt.Title
			}
		}
	}
	if len(def.Questions) == 0 {
		return Definition{}, errors.New("the survey definition has no questions")
	}
	return def, nil
}

// DefaultChannels are the channels a generated response names when the definition lists none.
var DefaultChannels = []string{"online", "phone", "in_person", "email"}

// channelWeight makes most responses online, then phone and in person, as services see.
func channelWeight(c string) float64 {
	switch c {
	case "online":
		return 5
	case "phone", "in_person":
		return 2
	}
	return 1
}

// comments are the short open comments generated responses sometimes carry.
var comments = []string{
	"Quick and friendly, thank you.",
	"I waited a long time on the phone before anyone answered.",
	"The form was confusing and I had to call to finish it.",
	"Staff were helpful and explained everything clearly.",
	"It took three visits to get this sorted.",
	"Good service, but the office hours are hard for working people.",
	"The website did not work on my phone.",
	"Very happy with the outcome.",
	"Nobody told me what would happen next.",
	"Parking near the service centre is difficult.",
}

// plan is the precomputed shape of generated answers, shared by the generators of one run:
// every name and value already encoded, so that making a body only appends bytes.
type plan struct {
	qs       []genQuestion
	channels []string // JSON-encoded
	chanCum  []uint32
	form     PageForm
	hidden   []byte // the fixed hidden fields, form-encoded, each followed by '&'
	random   [][]byte
}

type genQuestion struct {
	q        forms.Question
	jsonKey  []byte   // "id":
	formKey  []byte   // id=
	cum      []uint32 // cumulative weights of the values below
	values   []string // raw values: scale points or option values
	jsonVals [][]byte
	formVals [][]byte
	naJSON   []byte
	naForm   []byte
	texts    [][]byte // JSON-encoded comments within the question's length limit
	textsF   [][]byte
}

const weightTotal = 1 << 20

// newPlan prepares the answers to def's questions.
func newPlan(def Definition, form PageForm) (*plan, error) {
	p := &plan{form: form}
	chans := def.Channels
	if len(chans) == 0 {
		chans = DefaultChannels
	}
	var w []float64
	for _, c := range chans {
		p.channels = append(p.channels, jsonString(c))
		w = append(w, channelWeight(c))
	}
	p.chanCum = cumulative(w)
	for _, h := range form.Hidden {
		if h.Random {
			p.random = append(p.random, []byte(url.QueryEscape(h.Name)+"="))
			continue
		}
		p.hidden = append(p.hidden, url.QueryEscape(h.Name)+"="+url.QueryEscape(h.Value)+"&"...)
	}
	for _, q := range def.Questions {
		g := genQuestion{q: q, jsonKey: append([]byte(jsonString(q.ID)), ':'), formKey: []byte(url.QueryEscape(q.ID) + "=")}
		g.naJSON = []byte(jsonString(forms.NA))
		g.naForm = []byte(forms.NA)
		var weights []float64
		switch q.Type {
		case forms.Scale:
			pts := q.Points()
			if len(pts) == 0 {
				return nil, fmt.Errorf("question %q: a scale without points", q.ID)
			}
			for i, pt := range pts {
				s := strconv.Itoa(pt)
				g.values = append(g.values, s)
				g.jsonVals = append(g.jsonVals, []byte(s))
				g.formVals = append(g.formVals, []byte(s))
				weights = append(weights, scaleWeight(i, len(pts)))
			}
		case forms.Single, forms.Multiple:
			if len(q.Options) == 0 {
				return nil, fmt.Errorf("question %q: a choice without options", q.ID)
			}
			for i, o := range q.Options {
				g.values = append(g.values, o.Value)
				g.jsonVals = append(g.jsonVals, []byte(jsonString(o.Value)))
				g.formVals = append(g.formVals, []byte(url.QueryEscape(o.Value)))
				weights = append(weights, 1/float64(i+2)) // earlier options a little more common
			}
		case forms.Text, forms.Textarea:
			for _, c := range comments {
				if len([]rune(c)) <= q.TextLimit() {
					g.texts = append(g.texts, []byte(jsonString(c)))
					g.textsF = append(g.textsF, []byte(url.QueryEscape(c)))
				}
			}
			if len(g.texts) == 0 {
				g.texts, g.textsF = [][]byte{[]byte(`"ok"`)}, [][]byte{[]byte("ok")}
			}
		}
		if len(weights) > 0 {
			g.cum = cumulative(weights)
		}
		p.qs = append(p.qs, g)
	}
	return p, nil
}

// scaleWeight skews answers to the top of a scale, as satisfaction answers are: on a
// 5-point scale about 5% 8% 15% 37% 35%; on 0–10 most answers are 7 to 10.
func scaleWeight(i, n int) float64 {
	if n == 5 {
		return []float64{5, 8, 15, 37, 35}[i]
	}
	x := float64(i) / float64(n-1)
	return 0.3 + 4*x*x*x
}

func cumulative(w []float64) []uint32 {
	var sum float64
	for _, x := range w {
		sum += x
	}
	out := make([]uint32, len(w))
	var acc float64
	for i, x := range w {
		acc += x
		out[i] = uint32(acc / sum * weightTotal)
	}
	out[len(out)-1] = weightTotal
	return out
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Generator makes realistic answers to one survey: scale values skewed to the top and
// correlated within a response (a respondent's mood moves every scale), some "not
// applicable", choices from the options, sometimes a short comment, a channel from a list.
// A Generator is not safe for concurrent use: give each goroutine its own.
type Generator struct {
	p   *plan
	rnd *rand.Rand
	// chosen holds the values picked so far in the current response, by question index,
	// for show-if conditions; na marks "not applicable".
	chosen [][]string
	na     []bool
	multi  []int
}

// NewGenerator builds a generator for def seeded with seed; form is what the page's form
// holds besides the questions (AppendForm sends it).
func NewGenerator(def Definition, seed uint64, form PageForm) (*Generator, error) {
	p, err := newPlan(def, form)
	if err != nil {
		return nil, err
	}
	return p.generator(seed), nil
}

func (p *plan) generator(seed uint64) *Generator {
	return &Generator{p: p, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		chosen: make([][]string, len(p.qs)), na: make([]bool, len(p.qs))}
}

func (g *Generator) pick(cum []uint32) int {
	r := g.rnd.Uint32N(weightTotal)
	for i, c := range cum {
		if r < c {
			return i
		}
	}
	return len(cum) - 1
}

// answer is one generated answer: kind says how to write it.
type answerKind uint8

const (
	skip answerKind = iota
	ansNA
	ansValue  // one value (scale point, single option)
	ansValues // several option values (multiple): g.multi
	ansText
	ansNumber
	ansTrue
)

// next decides the answer to question i and records it for later show-if conditions.
// It returns the kind and an index (value, text) or, for numbers, the number itself.
func (g *Generator) next(i int, mood int) (answerKind, int) {
	gq := &g.p.qs[i]
	q := &gq.q
	g.chosen[i] = g.chosen[i][:0]
	g.na[i] = false
	if c := q.ShowIf; c != nil && !g.meets(*c) {
		return skip, 0
	}
	required := q.IsRequired()
	if !required && g.rnd.IntN(100) < 4 {
		return skip, 0
	}
	switch q.Type {
	case forms.Scale:
		if q.NotApplicable && !required && g.rnd.IntN(100) < 8 {
			g.na[i] = true
			return ansNA, 0
		}
		v := min(max(g.pick(gq.cum)+mood, 0), len(gq.values)-1)
		g.chosen[i] = append(g.chosen[i], gq.values[v])
		return ansValue, v
	case forms.Single:
		if q.NotApplicable && !required && g.rnd.IntN(100) < 5 {
			g.na[i] = true
			return ansNA, 0
		}
		v := g.pick(gq.cum)
		g.chosen[i] = append(g.chosen[i], gq.values[v])
		return ansValue, v
	case forms.Multiple:
		if q.NotApplicable && !required && g.rnd.IntN(100) < 5 {
			g.na[i] = true
			return ansNA, 0
		}
		lo, hi := max(q.Min, 1), q.Max
		if hi <= 0 || hi > len(gq.values) {
			hi = len(gq.values)
		}
		hi = min(hi, max(lo, 3))
		if lo > hi {
			return skip, 0
		}
		n := lo + g.rnd.IntN(hi-lo+1)
		g.multi = g.multi[:0]
		for len(g.multi) < n {
			v := g.pick(gq.cum)
			dup := false
			for _, x := range g.multi {
				dup = dup || x == v
			}
			if !dup {
				g.multi = append(g.multi, v)
			}
		}
		// Option order, as the form sends them.
		for a := 1; a < len(g.multi); a++ {
			for b := a; b > 0 && g.multi[b] < g.multi[b-1]; b-- {
				g.multi[b], g.multi[b-1] = g.multi[b-1], g.multi[b]
			}
		}
		for _, v := range g.multi {
			g.chosen[i] = append(g.chosen[i], gq.values[v])
		}
		return ansValues, 0
	case forms.Number:
		lo, hi := q.Min, q.Max
		if lo == 0 && hi == 0 {
			hi = 100
		}
		if span := hi - lo + 1; span > 0 && hi >= lo {
			return ansNumber, lo + g.rnd.IntN(span)
		}
		return ansNumber, lo
	case forms.Text, forms.Textarea:
		if !required && g.rnd.IntN(100) < 70 { // most people leave the comment empty
			return skip, 0
		}
		return ansText, g.rnd.IntN(len(gq.texts))
	case forms.Consent:
		g.chosen[i] = append(g.chosen[i], forms.ConsentValue)
		return ansTrue, 0
	}
	return skip, 0
}

// meets reports whether the answers so far meet c.
func (g *Generator) meets(c forms.Condition) bool {
	for j := range g.p.qs {
		if g.p.qs[j].q.ID != c.Question {
			continue
		}
		for _, e := range c.Equals {
			if g.na[j] && e == forms.NA {
				return true
			}
			for _, v := range g.chosen[j] {
				if v == e {
					return true
				}
			}
		}
		return false
	}
	return false
}

func (g *Generator) mood() int {
	switch r := g.rnd.IntN(100); {
	case r < 15:
		return -1
	case r < 30:
		return 1
	}
	return 0
}

// AppendAnswers appends a JSON object of answers keyed by question id to dst.
func (g *Generator) AppendAnswers(dst []byte) []byte {
	mood := g.mood()
	dst = append(dst, '{')
	first := true
	for i := range g.p.qs {
		kind, v := g.next(i, mood)
		if kind == skip {
			continue
		}
		gq := &g.p.qs[i]
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, gq.jsonKey...)
		switch kind {
		case ansNA:
			if gq.q.Type == forms.Multiple {
				dst = append(dst, '[')
				dst = append(dst, gq.naJSON...)
				dst = append(dst, ']')
			} else {
				dst = append(dst, gq.naJSON...)
			}
		case ansValue:
			dst = append(dst, gq.jsonVals[v]...)
		case ansValues:
			dst = append(dst, '[')
			for k, x := range g.multi {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, gq.jsonVals[x]...)
			}
			dst = append(dst, ']')
		case ansNumber:
			dst = strconv.AppendInt(dst, int64(v), 10)
		case ansText:
			dst = append(dst, gq.texts[v]...)
		case ansTrue:
			dst = append(dst, "true"...)
		}
	}
	return append(dst, '}')
}

// AppendJSON appends one JSON submission to dst: {"answers":{…},"channel":"…"}.
func (g *Generator) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"answers":`...)
	dst = g.AppendAnswers(dst)
	dst = append(dst, `,"channel":`...)
	dst = append(dst, g.p.channels[g.pick(g.p.chanCum)]...)
	return append(dst, '}')
}

// AppendForm appends one form-encoded submission to dst, with the fields of the page's
// form: question id = value (repeated for several choices), and the honeypot left empty.
func (g *Generator) AppendForm(dst []byte) []byte {
	mood := g.mood()
	dst = append(dst, g.p.hidden...)
	for _, name := range g.p.random {
		dst = append(dst, name...)
		dst = g.appendKey(dst)
		dst = append(dst, '&')
	}
	first := true
	sep := func() {
		if !first {
			dst = append(dst, '&')
		}
		first = false
	}
	for i := range g.p.qs {
		kind, v := g.next(i, mood)
		if kind == skip {
			continue
		}
		gq := &g.p.qs[i]
		switch kind {
		case ansNA:
			sep()
			dst = append(dst, gq.formKey...)
			dst = append(dst, gq.naForm...)
		case ansValue:
			sep()
			dst = append(dst, gq.formKey...)
			dst = append(dst, gq.formVals[v]...)
		case ansValues:
			for _, x := range g.multi {
				sep()
				dst = append(dst, gq.formKey...)
				dst = append(dst, gq.formVals[x]...)
			}
		case ansNumber:
			sep()
			dst = append(dst, gq.formKey...)
			dst = strconv.AppendInt(dst, int64(v), 10)
		case ansText:
			sep()
			dst = append(dst, gq.formKey...)
			dst = append(dst, gq.textsF[v]...)
		case ansTrue:
			sep()
			dst = append(dst, gq.formKey...)
			dst = append(dst, forms.ConsentValue...)
		}
	}
	if g.p.form.Honeypot != "" {
		sep()
		dst = append(dst, url.QueryEscape(g.p.form.Honeypot)...)
		dst = append(dst, '=')
	}
	return dst
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// appendKey appends a fresh random form key of 22 base64url characters (128 bits).
func (g *Generator) appendKey(dst []byte) []byte {
	for range 2 {
		x := g.rnd.Uint64()
		for range 11 {
			dst = append(dst, keyAlphabet[x&63])
			x >>= 6
		}
	}
	return dst
}
