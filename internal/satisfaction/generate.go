package satisfaction

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// GenChannel is a channel of generated responses: its share of them, whether its responses
// carry a place, its tracked link (for responses without a place) and how it shifts the
// experience (latent units, about one standard deviation each; "" shifts them all).
type GenChannel struct {
	Name   string
	Weight float64
	// AtPlace: responses on this channel happen at one of the places (a counter).
	AtPlace bool
	// LinkID is the tracked link most of its place-less responses arrive through (0: none).
	LinkID int64
	Shift  map[string]float64
	// ExtraNA adds to the not-applicable rate of some questions (no staff met online).
	ExtraNA map[string]float64
}

// GenPlace is a place of generated responses: its share of the in-place responses, how it
// shifts the experience overall and the waiting, and its tracked links by channel.
type GenPlace struct {
	ID     int64
	Weight float64
	Shift  float64
	Wait   float64
	Links  map[string]int64
}

// GenOptions configures GenerateResponses. Zero fields take the defaults named.
type GenOptions struct {
	// Seed makes the responses reproducible: the same seed, survey and n give the same ones.
	Seed uint64
	// From and To bound the submission times (zero: the 24 months to now).
	From, To time.Time
	// Channels default to DefaultGenChannels(); Places to none (in-place responses have none).
	Channels []GenChannel
	Places   []GenPlace
	// Base is the mean latent experience at From; Trend is how much it rises by To.
	Base, Trend float64
	// NA are the not-applicable rates by question (nil: DefaultNA).
	NA map[string]float64
	// CommentRate is the share of responses with a comment (0: 0.25; negative: none).
	CommentRate float64
	// LinkRate is the share of responses that arrive through a tracked link when there is
	// one (0: 0.8).
	LinkRate float64
	// Batch is how many responses one transaction carries (0: 20,000).
	Batch int
	// Progress, if set, is called after each transaction with the number written so far.
	Progress func(done int)
}

// DefaultNA are the default not-applicable rates of the core drivers.
func DefaultNA() map[string]float64 {
	return map[string]float64{QTimely: 0.02, QKnowledge: 0.04, QCourtesy: 0.03, QExtraMile: 0.15,
		QFairness: 0.05, QOutcome: 0.02, QAccess: 0.05}
}

// DefaultGenChannels are four channels of a service with counters: in person (at a place,
// warmer courtesy, some queues), phone (waits on hold), online (quick but harder to find, few
// staff met) and mail (slow).
func DefaultGenChannels() []GenChannel {
	return []GenChannel{
		{Name: "in_person", Weight: 0.42, AtPlace: true,
			Shift: map[string]float64{QCourtesy: 0.35, QKnowledge: 0.1, QTimely: -0.1, QExtraMile: 0.15, QAccess: 0.1}},
		{Name: "phone", Weight: 0.25,
			Shift: map[string]float64{QTimely: -0.3, QCourtesy: 0.05, QAccess: -0.05}},
		{Name: "online", Weight: 0.30,
			Shift:   map[string]float64{QAccess: -0.35, QTimely: 0.25, QExtraMile: -0.2, "": -0.05},
			ExtraNA: map[string]float64{QKnowledge: 0.2, QCourtesy: 0.2, QExtraMile: 0.2}},
		{Name: "mail", Weight: 0.03,
			Shift: map[string]float64{QTimely: -0.4, QAccess: -0.1, "": -0.05}},
	}
}

// driverWeights are how much each driver's experience makes up overall satisfaction.
var driverWeights = map[string]float64{QOutcome: 0.28, QTimely: 0.2, QKnowledge: 0.12, QAccess: 0.12,
	QCourtesy: 0.1, QFairness: 0.1, QExtraMile: 0.08}

func (o GenOptions) withDefaults(now time.Time) GenOptions {
	if o.To.IsZero() {
		o.To = now
	}
	if o.From.IsZero() {
		o.From = o.To.AddDate(-2, 0, 0)
	}
	if len(o.Channels) == 0 {
		o.Channels = DefaultGenChannels()
	}
	if o.NA == nil {
		o.NA = DefaultNA()
	}
	if o.Base == 0 && o.Trend == 0 {
		o.Base, o.Trend = 0.3, 0.35
	}
	if o.CommentRate == 0 {
		o.CommentRate = 0.25
	}
	if o.LinkRate == 0 {
		o.LinkRate = 0.8
	}
	if o.Batch <= 0 {
		o.Batch = 20000
	}
	return o
}

// GenerateResponses adds n made-up responses to survey s, answering its current
// questionnaire from a latent-variable model: each respondent has a general experience that
// rises over time and differs by channel and place; each driver follows it with its own
// noise; overall satisfaction is a weighted sum of the drivers; the recommend, effort and
// trust items follow overall, timeliness and access, and fairness; some items are not
// applicable or skipped; about a quarter leave a comment that matches their scores. The
// responses are written through InsertResponses (so the running counts stay right) in
// transactions of opt.Batch. It returns how many were written.
func GenerateResponses(ctx context.Context, d *db.DB, s Survey, n int, opt GenOptions) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	opt = opt.withDefaults(db.Now())
	if !opt.To.After(opt.From) {
		return 0, fmt.Errorf("generate responses: the period ends before it starts")
	}
	g := newGenerator(s, opt, n)
	// Generate the next batch while the previous one is written: the two cores share the work.
	type batch struct {
		rs  []Response
		end int
	}
	batches := make(chan batch, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		// Three buffers, used in turn: one being written, one waiting, one being filled.
		var bufs [3][]Response
		for i, k := 0, 0; i < n; k++ {
			end := min(i+opt.Batch, n)
			rs := bufs[k%3][:0]
			for j := i; j < end; j++ {
				rs = append(rs, g.response(j))
			}
			bufs[k%3] = rs
			select {
			case batches <- batch{rs, end}:
			case <-stop:
				return
			}
			i = end
		}
	}()
	written := 0
	for b := range batches {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := Store{}.InsertResponses(ctx, tx, b.rs)
			return err
		})
		if err != nil {
			return written, fmt.Errorf("generate responses: %w", err)
		}
		written = b.end
		if opt.Progress != nil {
			opt.Progress(written)
		}
	}
	return written, ctx.Err()
}

// generator makes responses; it is used by one goroutine.
type generator struct {
	s       Survey
	q       *forms.Questionnaire
	opt     GenOptions
	n       int
	rnd     *rand.Rand
	from    time.Time
	span    float64 // seconds
	chCum   []float64
	plCum   []float64
	chans   []genChannel
	weights [nDrivers]float64
	na      [nDrivers]float64
	plan    []genQuestion
	arena   []forms.Answer
}

// genQuestion is how one question of the questionnaire is answered.
type genQuestion struct {
	qu    forms.Question
	index int // of the referenced earlier question in plan (show-if), or -1
}

func newGenerator(s Survey, opt GenOptions, n int) *generator {
	g := &generator{s: s, q: &s.Questionnaire, opt: opt, n: n,
		rnd:  rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		from: opt.From.UTC(), span: opt.To.Sub(opt.From).Seconds()}
	total := 0.0
	for _, c := range opt.Channels {
		total += c.Weight
		g.chCum = append(g.chCum, total)
		gc := genChannel{GenChannel: c}
		for i, d := range Drivers {
			gc.shift[i] = c.Shift[d]
			gc.na[i] = c.ExtraNA[d]
		}
		gc.shift[nDrivers] = c.Shift[""]
		g.chans = append(g.chans, gc)
	}
	for i, d := range Drivers {
		g.weights[i] = driverWeights[d]
		g.na[i] = opt.NA[d]
	}
	total = 0
	for _, p := range opt.Places {
		total += p.Weight
		g.plCum = append(g.plCum, total)
	}
	for _, qu := range s.Questionnaire.Questions {
		gq := genQuestion{qu: qu, index: -1}
		if qu.ShowIf != nil {
			gq.index = slices.IndexFunc(g.plan, func(e genQuestion) bool { return e.qu.ID == qu.ShowIf.Question })
		}
		g.plan = append(g.plan, gq)
	}
	return g
}

func pick(r *rand.Rand, cum []float64) int {
	if len(cum) == 0 {
		return -1
	}
	u := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, u)
	return min(i, len(cum)-1)
}

// Precomputed answer values, shared by every generated answer (they are never changed).
var (
	genNumbers [11]float64
	genValues  [11][]string
	genNA      = []string{forms.NA}
)

func init() {
	for i := range genNumbers {
		genNumbers[i] = float64(i)
		genValues[i] = []string{strconv.Itoa(i)}
	}
}

// cuts5 and cuts7 turn a latent experience (mean about 0.5, sd about 1) into scale points.
var (
	cuts5 = []float64{-1.7, -0.9, -0.1, 0.9}
	cuts7 = []float64{-2.0, -1.3, -0.7, -0.2, 0.4, 1.1}
)

func point(latent float64, cuts []float64) int {
	p := 1
	for _, c := range cuts {
		if latent > c {
			p++
		}
	}
	return p
}

// experience is one respondent's latent experience, by driver in the order of Drivers.
type experience struct {
	general float64
	driver  [nDrivers]float64
	overall float64
	// points are the answers given to the drivers and (last) overall; 0: not applicable or skipped.
	points [nDrivers + 1]int
}

const nDrivers = 7

// driverIndex is the index of a driver in Drivers, or nDrivers for overall, -1 for others.
func driverIndex(id string) int {
	switch id {
	case QTimely:
		return 0
	case QKnowledge:
		return 1
	case QCourtesy:
		return 2
	case QExtraMile:
		return 3
	case QFairness:
		return 4
	case QOutcome:
		return 5
	case QAccess:
		return 6
	case QOverall:
		return nDrivers
	}
	return -1
}

// genChannel is a channel with its shifts and extra not-applicable rates by driver index
// (the last shift is the general one).
type genChannel struct {
	GenChannel
	shift [nDrivers + 1]float64
	na    [nDrivers]float64
}

// response makes the i-th of n responses.
func (g *generator) response(i int) Response {
	r := g.rnd
	o := &g.opt
	// Times are stratified over the period, so ids follow time as they would in life.
	f := (float64(i) + r.Float64()) / float64(g.n)
	at := g.from.Add(time.Duration(f * g.span * float64(time.Second)))
	ch := &g.chans[pick(r, g.chCum)]
	resp := Response{SurveyID: g.s.ID, Version: g.s.Version, Channel: ch.Name, Questionnaire: g.q}
	var pl *GenPlace
	if ch.AtPlace && len(o.Places) > 0 {
		pl = &o.Places[pick(r, g.plCum)]
		resp.PlaceID = pl.ID
		if id := pl.Links[ch.Name]; id != 0 && r.Float64() < o.LinkRate {
			resp.LinkID = id
		}
	} else if ch.LinkID != 0 && r.Float64() < o.LinkRate {
		resp.LinkID = ch.LinkID
	}
	if ch.Name != "online" {
		// Counters, phone lines and the mail room work business hours, Adelaide time.
		day := at.Add(9*time.Hour + 30*time.Minute).Truncate(24 * time.Hour)
		t := day.Add(-9*time.Hour - 30*time.Minute + 9*time.Hour + time.Duration(r.Float64()*8*float64(time.Hour)))
		if !t.Before(g.from) && t.Before(o.To) {
			at = t
		}
	}
	resp.SubmittedAt = at.Truncate(time.Second).UTC()

	// The latent experience.
	mu := o.Base + o.Trend*f + ch.shift[nDrivers]
	wait := 0.0
	if pl != nil {
		mu += pl.Shift
		wait = pl.Wait
	}
	var x experience
	x.general = mu + r.NormFloat64()
	x.overall = 0.2 * x.general
	for d := range nDrivers {
		l := 0.8*x.general + 0.6*r.NormFloat64() + ch.shift[d]
		if d == 0 { // timeliness
			l += wait
		}
		x.driver[d] = l
		x.overall += 0.8 * g.weights[d] * l
	}
	x.overall += 0.45 * r.NormFloat64()

	// The answers, in question order.
	if cap(g.arena)-len(g.arena) < len(g.plan) {
		g.arena = make([]forms.Answer, 0, max(4096, len(g.plan)))
	}
	as := g.arena[len(g.arena):len(g.arena)]
	for _, gq := range g.plan {
		qu := gq.qu
		if gq.index >= 0 {
			ref, ok := findAnswer(as, qu.ShowIf.Question)
			if !ok || !meets(*qu.ShowIf, ref) {
				continue
			}
		}
		a, ok := g.answer(qu, ch, &x, resp.Channel)
		if !ok {
			continue
		}
		as = append(as, a)
	}
	g.arena = g.arena[:len(g.arena)+len(as)]
	resp.Answers = as[:len(as):len(as)]
	return resp
}

func findAnswer(as forms.Answers, id string) (forms.Answer, bool) {
	for _, a := range as {
		if a.Question == id {
			return a, true
		}
	}
	return forms.Answer{}, false
}

func meets(c forms.Condition, a forms.Answer) bool {
	if a.NA {
		return slices.Contains(c.Equals, forms.NA)
	}
	for _, v := range a.Values {
		if slices.Contains(c.Equals, v) {
			return true
		}
	}
	return false
}

func scaleAnswer(id string, p int) forms.Answer {
	if p >= 0 && p < len(genNumbers) {
		return forms.Answer{Question: id, Values: genValues[p], Number: &genNumbers[p]}
	}
	v := float64(p)
	return forms.Answer{Question: id, Values: []string{strconv.Itoa(p)}, Number: &v}
}

// answer answers one question; false leaves it unanswered.
func (g *generator) answer(qu forms.Question, ch *genChannel, x *experience, channel string) (forms.Answer, bool) {
	r := g.rnd
	skip := func(rate float64) bool { return !qu.IsRequired() && r.Float64() < rate }
	if di := driverIndex(qu.ID); di >= 0 && qu.Type == forms.Scale && qu.Min == 1 && qu.Max == 5 {
		if di == nDrivers {
			p := point(x.overall, cuts5)
			x.points[di] = p
			return scaleAnswer(qu.ID, p), true
		}
		if qu.NotApplicable && r.Float64() < g.na[di]+ch.na[di] {
			return forms.Answer{Question: qu.ID, Values: genNA, NA: true}, true
		}
		if skip(0.015) {
			return forms.Answer{}, false
		}
		p := point(x.driver[di], cuts5)
		x.points[di] = p
		return scaleAnswer(qu.ID, p), true
	}
	switch qu.ID {
	case QRecommend:
		if skip(0.03) {
			return forms.Answer{}, false
		}
		v := int(math.Round(7.0 + 2.0*x.overall + r.NormFloat64()))
		return scaleAnswer(qu.ID, min(max(v, qu.Min), qu.Max)), true
	case QEffort:
		if skip(0.03) {
			return forms.Answer{}, false
		}
		l := 0.45*x.driver[0] + 0.35*x.driver[6] + 0.2*x.general + 0.5*r.NormFloat64()
		return scaleAnswer(qu.ID, min(max(point(l, cuts7), qu.Min), qu.Max)), true
	case QTrust:
		if skip(0.03) {
			return forms.Answer{}, false
		}
		l := 0.5*x.general + 0.3*x.driver[4] + 0.6*r.NormFloat64() - 0.1
		return scaleAnswer(qu.ID, min(max(point(l, cuts5), qu.Min), qu.Max)), true
	case QComment:
		rate := g.opt.CommentRate * commentFactor[x.points[nDrivers]]
		if g.opt.CommentRate < 0 || r.Float64() >= rate {
			return forms.Answer{}, false
		}
		return forms.Answer{Question: qu.ID, Text: g.comment(x, channel)}, true
	case demoTopic:
		if skip(0.08) {
			return forms.Answer{}, false
		}
		return forms.Answer{Question: qu.ID, Values: []string{qu.Options[pickTopic(r, len(qu.Options))].Value}}, true
	case demoBarriers:
		if skip(0.1) {
			return forms.Answer{}, false
		}
		return forms.Answer{Question: qu.ID, Values: barriers(r, qu, x, channel)}, true
	}
	return g.generic(qu, x)
}

// commentFactor makes those who were unhappy more likely to write, by overall point.
var commentFactor = [6]float64{1, 1.8, 1.5, 1.0, 0.85, 0.9}

// generic answers a question the generator knows nothing about.
func (g *generator) generic(qu forms.Question, x *experience) (forms.Answer, bool) {
	r := g.rnd
	if !qu.IsRequired() && r.Float64() < 0.1 {
		return forms.Answer{}, false
	}
	switch qu.Type {
	case forms.Scale:
		pts := qu.Max - qu.Min + 1
		if pts < 2 {
			break
		}
		u := 1 / (1 + math.Exp(-(1.2*x.general + 0.7*r.NormFloat64())))
		return scaleAnswer(qu.ID, qu.Min+min(int(u*float64(pts)), pts-1)), true
	case forms.Single, forms.Multiple:
		if len(qu.Options) == 0 {
			break
		}
		return forms.Answer{Question: qu.ID, Values: []string{qu.Options[r.IntN(len(qu.Options))].Value}}, true
	case forms.Consent:
		return forms.Answer{Question: qu.ID, Values: []string{forms.ConsentValue}}, true
	case forms.Number:
		v := float64(qu.Min)
		if qu.Max > qu.Min {
			v += float64(r.IntN(qu.Max - qu.Min + 1))
		}
		return forms.Answer{Question: qu.ID, Values: []string{strconv.FormatFloat(v, 'f', -1, 64)}, Number: &v}, true
	}
	return forms.Answer{}, false
}

// pickTopic chooses what a respondent contacted the service about: the first options are
// the most common.
var topicWeights = []float64{0.3, 0.2, 0.3, 0.08, 0.12}

func pickTopic(r *rand.Rand, n int) int {
	u := r.Float64()
	for i := range min(n, len(topicWeights)) {
		if u < topicWeights[i] {
			return i
		}
		u -= topicWeights[i]
	}
	return n - 1
}

// barriers chooses what got in the way, from the driver that went worst.
func barriers(r *rand.Rand, qu forms.Question, x *experience, channel string) []string {
	has := func(v string) bool {
		return slices.ContainsFunc(qu.Options, func(o forms.Option) bool { return o.Value == v })
	}
	var out []string
	add := func(v string) {
		if has(v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if x.points[0] > 0 && x.points[0] <= 2 {
		add("wait")
	}
	switch channel {
	case "phone":
		if r.Float64() < 0.5 {
			add("transferred")
		}
	case "online":
		if r.Float64() < 0.6 {
			add("website")
		}
	case "mail":
		add("forms")
	}
	if x.points[1] > 0 && x.points[1] <= 2 {
		add("transferred")
	}
	if r.Float64() < 0.25 {
		add("documents")
	}
	if r.Float64() < 0.2 {
		add("forms")
	}
	if len(out) == 0 {
		add("other")
	}
	if len(out) == 0 && len(qu.Options) > 0 {
		out = append(out, qu.Options[r.IntN(len(qu.Options))].Value)
	}
	// In option order, as parsing would give them.
	slices.SortFunc(out, func(a, b string) int {
		return slices.IndexFunc(qu.Options, func(o forms.Option) bool { return o.Value == a }) -
			slices.IndexFunc(qu.Options, func(o forms.Option) bool { return o.Value == b })
	})
	return out
}
