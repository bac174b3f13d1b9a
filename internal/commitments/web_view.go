package commitments

import (
	"fmt"
	"strings"
)

// What the templates show, worked out in Go so that the templates stay plain.

// period writes two dates as people read them: "September 2018 – August 2020".
func period(start, end Date, layout string) string {
	f := func(d Date) string { return d.Format(layout) }
	switch {
	case !start.IsZero() && !end.IsZero():
		return f(start) + " – " + f(end)
	case !start.IsZero():
		return "From " + f(start)
	case !end.IsZero():
		return "Until " + f(end)
	}
	return "Not recorded"
}

const (
	monthYear = "January 2006"
	dayMonth  = "2 January 2006"
)

// countRow is one line of "commitments by completion".
type countRow struct {
	Key, Label string
	N          int
}

// completionRows orders a plan's counts by the completion scale, with the commitments that
// have no assessment last; scale values with no commitments are listed with 0.
func completionRows(by map[string]int) []countRow {
	var out []countRow
	for _, o := range Completions {
		out = append(out, countRow{Key: o.Value, Label: o.Label, N: by[o.Value]})
	}
	out = append(out, countRow{Key: "not_assessed", Label: "Not yet assessed", N: by["not_assessed"]})
	// A completion value the scale no longer lists (imported data) is still counted.
	for k, n := range by {
		if k != "not_assessed" && !has(Completions, k) {
			out = append(out, countRow{Key: k, Label: k, N: n})
		}
	}
	return out
}

// planView adds what pages show about a plan.
type planView struct {
	Plan
	Completion []countRow
}

func (p planView) Period() string { return period(p.Start, p.End, monthYear) }

// ProgressText is the progress as a whole percentage.
func (p planView) ProgressText() string { return fmt.Sprintf("%.0f", p.Progress) }

// Place is where the plan applies: "Australia", "Australia, New South Wales".
func (p planView) Place() string {
	var parts []string
	for _, s := range []string{p.Country, p.Locality} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// assessmentView labels an assessment's answers on the OGP scales.
type assessmentView struct{ Assessment }

func (a assessmentView) VerifiableText() string {
	switch {
	case a.Verifiable == nil:
		return "Not assessed"
	case *a.Verifiable:
		return "Yes"
	}
	return "No"
}

func (a assessmentView) RelevanceText() string {
	if l := a.Relevance.Labels(); len(l) > 0 {
		return strings.Join(l, "; ")
	}
	return "Not relevant"
}

// DesignLabel is "Potential impact" (older plans) or "Potential for results" (newer ones).
func (a assessmentView) DesignLabel() string {
	if a.PotentialResults != "" {
		return "Potential for results"
	}
	return "Potential impact"
}

func (a assessmentView) DesignText() string {
	switch {
	case a.PotentialResults != "":
		return Label(PotentialResults, a.PotentialResults)
	case a.PotentialImpact != "":
		return Label(PotentialImpacts, a.PotentialImpact)
	}
	return "Not assessed"
}

func (a assessmentView) CompletionText() string { return orNot(Label(Completions, a.Completion)) }

func (a assessmentView) OTGText() string { return orNot(Label(OpenedGovernment, a.OTGOverall)) }

// OTGByValue lists "did it open government?" per value, where answered.
func (a assessmentView) OTGByValue() []countLabel {
	var out []countLabel
	for i, v := range []string{a.OTG.AccessInfo, a.OTG.CivicParticipation, a.OTG.Accountability, a.OTG.Technology} {
		if v != "" {
			out = append(out, countLabel{Label: OGPValues[i].Label, Value: Label(OpenedGovernment, v)})
		}
	}
	return out
}

func (a assessmentView) StarredText() string {
	if a.Kind != "independent" {
		return "Only an independent review stars a commitment"
	}
	if a.Starred {
		return "Starred"
	}
	return "Not starred"
}

func (a assessmentView) On() string { return a.AssessedOn.Human() }

type countLabel struct{ Label, Value string }

func orNot(s string) string {
	if s == "" {
		return "Not assessed"
	}
	return s
}

// milestoneView adds a milestone's period and a warning when it falls outside its
// commitment's period.
type milestoneView struct {
	Milestone
	Warning string
}

func (m milestoneView) Period() string { return period(m.Start, m.End, dayMonth) }

func (m milestoneView) WeightText() string {
	if m.Weight == nil {
		return ""
	}
	return fmtFloat(*m.Weight)
}

// updateView adds the milestone an update is about.
type updateView struct {
	Update
	Milestone string
}

func (u updateView) StatusLabel() string {
	if u.Status == "" {
		return ""
	}
	return Label(MilestoneStatuses, u.Status)
}

// commitmentRow is a commitment in a plan's list.
type commitmentRow struct {
	Commitment
}

func (c commitmentRow) ProgressText() string { return fmt.Sprintf("%.0f", c.Progress) }

func (c commitmentRow) CompletionText() string {
	if c.Latest == nil || c.Latest.Completion == "" {
		return "Not yet assessed"
	}
	return Label(Completions, c.Latest.Completion)
}

func rows(cs []Commitment) []commitmentRow {
	out := make([]commitmentRow, len(cs))
	for i, c := range cs {
		out[i] = commitmentRow{c}
	}
	return out
}
