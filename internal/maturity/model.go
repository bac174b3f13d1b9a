// Package maturity is electronic self-assessment against frameworks kept as data: versioned
// packs of dimensions and items with level descriptors, assessments answered independently by
// several respondents and reconciled by a facilitator, results with levels, gaps, change and an
// improvement plan, and opt-in benchmarks against peers.
package maturity

import (
	"strconv"
	"time"
)

// Pack is a framework: the unit that is loaded, versioned and assessed against. It is read
// from YAML or JSON (the field names below, in lower case with underscores).
type Pack struct {
	Key         string      `json:"id" yaml:"id"`
	Version     string      `json:"version" yaml:"version"`
	Title       string      `json:"title" yaml:"title"`
	Description string      `json:"description,omitempty" yaml:"description"`
	Source      string      `json:"source" yaml:"source"`
	Licence     string      `json:"licence" yaml:"licence"`
	Subject     string      `json:"subject" yaml:"subject"` // organisation, project or program
	Levels      []Level     `json:"levels" yaml:"levels"`
	AnswerSets  []AnswerSet `json:"answer_sets" yaml:"answer_sets"`
	Dimensions  []Dimension `json:"dimensions" yaml:"dimensions"`
}

// Level names a band of scores (0–100): a score belongs to the highest level whose From it
// reaches. Levels are listed from lowest to highest; the first starts at 0.
type Level struct {
	Label       string  `json:"label" yaml:"label"`
	Description string  `json:"description,omitempty" yaml:"description"`
	From        float64 `json:"from" yaml:"from"`
}

// AnswerSet is a scale of options with numeric values; "not applicable" and "don't know" are
// offered when allowed and never count towards a score.
type AnswerSet struct {
	ID            string   `json:"id" yaml:"id"`
	Options       []Option `json:"options" yaml:"options"`
	NotApplicable bool     `json:"not_applicable" yaml:"not_applicable"`
	DontKnow      bool     `json:"dont_know" yaml:"dont_know"`
}

// Option is one answer with its value.
type Option struct {
	Value float64 `json:"value" yaml:"value"`
	Label string  `json:"label" yaml:"label"`
}

// Key is how the option is stored in an answer.
func (o Option) Key() string { return strconv.FormatFloat(o.Value, 'f', -1, 64) }

// Dimension groups items, and optionally one more level of dimensions.
type Dimension struct {
	ID          string      `json:"id" yaml:"id"`
	Title       string      `json:"title" yaml:"title"`
	Description string      `json:"description,omitempty" yaml:"description"`
	Weight      float64     `json:"weight,omitempty" yaml:"weight"`
	Items       []Item      `json:"items,omitempty" yaml:"items"`
	Dimensions  []Dimension `json:"dimensions,omitempty" yaml:"dimensions"`
}

// Item is one statement to rate.
type Item struct {
	ID        string `json:"id" yaml:"id"`
	Statement string `json:"statement" yaml:"statement"`
	AnswerSet string `json:"answer_set" yaml:"answer_set"`
	// Descriptors describe, best fit, what each option looks like in practice: one per option
	// of the answer set, in the same order.
	Descriptors []string `json:"descriptors,omitempty" yaml:"descriptors"`
	Evidence    []string `json:"evidence,omitempty" yaml:"evidence"`
	Guidance    string   `json:"guidance,omitempty" yaml:"guidance"`
	Weight      float64  `json:"weight,omitempty" yaml:"weight"`
}

// Special answers.
const (
	NotApplicable = "na"
	DontKnow      = "dont_know"
)

// weight is w, or 1 when unset.
func weight(w float64) float64 {
	if w == 0 {
		return 1
	}
	return w
}

// AnswerSetOf returns the item's answer set.
func (p *Pack) AnswerSetOf(it Item) (AnswerSet, bool) {
	for _, a := range p.AnswerSets {
		if a.ID == it.AnswerSet {
			return a, true
		}
	}
	return AnswerSet{}, false
}

// Items lists every item of the pack in order, with the dimension path of each.
func (p *Pack) Items() []PlacedItem {
	var out []PlacedItem
	var walk func(ds []Dimension, path []string)
	walk = func(ds []Dimension, path []string) {
		for _, d := range ds {
			here := append(append([]string(nil), path...), d.ID)
			for _, it := range d.Items {
				out = append(out, PlacedItem{Item: it, Dimension: d.ID, Path: here})
			}
			walk(d.Dimensions, here)
		}
	}
	walk(p.Dimensions, nil)
	return out
}

// PlacedItem is an item with the dimension it sits in.
type PlacedItem struct {
	Item
	Dimension string
	Path      []string
}

// Item finds an item by ID.
func (p *Pack) Item(id string) (Item, bool) {
	for _, it := range p.Items() {
		if it.ID == id {
			return it.Item, true
		}
	}
	return Item{}, false
}

// LevelOf is the label of the level a score (0–100) reaches.
func (p *Pack) LevelOf(score float64) string {
	label := ""
	for _, l := range p.Levels {
		if score+1e-9 >= l.From {
			label = l.Label
		}
	}
	return label
}

// Framework is a stored pack version.
type Framework struct {
	ID        int64     `json:"id"`
	Key       string    `json:"key"`
	Version   string    `json:"version"`
	Title     string    `json:"title"`
	Subject   string    `json:"subject"`
	Source    string    `json:"source"`
	Licence   string    `json:"licence"`
	Builtin   bool      `json:"builtin"`
	CreatedAt time.Time `json:"created_at"`
	Pack      *Pack     `json:"pack,omitempty"`
	// InUse is true once an assessment uses the version: it can no longer change.
	InUse bool `json:"in_use"`
}

// Assessment statuses.
const (
	StatusOpen        = "open"        // respondents answer
	StatusReconciling = "reconciling" // the facilitator agrees answers
	StatusClosed      = "closed"      // results are final
)

// Assessment is one organisation's self-assessment against one framework version.
type Assessment struct {
	ID             int64      `json:"id"`
	OrgID          int64      `json:"organisation_id"`
	OrgName        string     `json:"organisation_name"`
	FrameworkID    int64      `json:"framework_id"`
	FrameworkTitle string     `json:"framework_title"`
	Title          string     `json:"title"`
	SubjectKind    string     `json:"subject_kind"`
	SubjectID      int64      `json:"subject_id,omitempty"`
	PeriodStart    time.Time  `json:"period_start"`
	PeriodEnd      time.Time  `json:"period_end"`
	Status         string     `json:"status"`
	FacilitatorID  int64      `json:"facilitator_id,omitempty"`
	Facilitator    string     `json:"facilitator,omitempty"`
	BenchmarkOptIn bool       `json:"benchmark_opt_in"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

// Answer is one respondent's (or the agreed) answer to one item. Choices hold an option's
// Key, NotApplicable, DontKnow, or "" when not answered.
type Answer struct {
	ItemKey          string    `json:"item"`
	UserID           int64     `json:"user_id,omitempty"`
	Current          string    `json:"current"`
	Target           string    `json:"target"`
	Evidence         string    `json:"evidence,omitempty"`
	Links            []string  `json:"links,omitempty"`
	NeedsImprovement bool      `json:"needs_improvement"`
	Reason           string    `json:"reason,omitempty"` // agreed answers: why
	UpdatedAt        time.Time `json:"updated_at"`
}

// Action is a step of the improvement plan.
type Action struct {
	ID           int64     `json:"id"`
	AssessmentID int64     `json:"assessment_id"`
	ItemKey      string    `json:"item,omitempty"`
	Title        string    `json:"title"`
	Guidance     string    `json:"guidance,omitempty"`
	Owner        string    `json:"owner,omitempty"`
	Due          time.Time `json:"due_date"`
	Status       string    `json:"status"` // planned, in_progress, done, dropped
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}
