package maturity

import (
	"math"
	"testing"
)

// nestedPack goes two levels deep with weights at every level, and has an answer set whose
// option values are uneven (0, 1, 3, 4 → 0, 25, 75, 100).
func nestedPack() *Pack {
	return &Pack{Key: "n", Version: "1", Title: "N", Subject: "organisation",
		Levels: []Level{{Label: "Initial", From: 0}, {Label: "Developing", From: 20}, {Label: "Defined", From: 40}, {Label: "Managed", From: 60}, {Label: "Leading", From: 80}},
		AnswerSets: []AnswerSet{
			{ID: "five", Options: []Option{{1, "1"}, {2, "2"}, {3, "3"}, {4, "4"}, {5, "5"}}, NotApplicable: true, DontKnow: true},
			{ID: "uneven", Options: []Option{{0, "None"}, {1, "Some"}, {3, "Most"}, {4, "All"}}, NotApplicable: true, DontKnow: true},
		},
		Dimensions: []Dimension{
			{ID: "A", Title: "A", Items: []Item{{ID: "a1", AnswerSet: "five", Weight: 2}, {ID: "a2", AnswerSet: "uneven"}},
				Dimensions: []Dimension{{ID: "A1", Title: "A1", Weight: 3, Items: []Item{{ID: "a11", AnswerSet: "five"}},
					Dimensions: []Dimension{{ID: "A11", Title: "A11", Items: []Item{{ID: "a111", AnswerSet: "five"}}}}}}},
			{ID: "B", Title: "B", Weight: 2, Items: []Item{{ID: "b1", AnswerSet: "uneven"}}},
		},
	}
}

// TestComputeNested extends TestCompute: weights at three levels, uneven option values,
// not applicable and don't know excluded, an unknown choice neither scored nor excluded, and
// targets scored the same way.
func TestComputeNested(t *testing.T) {
	p := nestedPack()
	type want struct {
		v        float64 // -1: not scored
		answered int
		excluded int
	}
	cases := []struct {
		name    string
		current map[string]string
		target  map[string]string
		dims    map[string]want
		overall want
		level   string
		targets map[string]want
	}{
		{
			// A11 = 100; A1 = (25 + 100)/2 = 62.5; A = (2×75 + 75 + 3×62.5)/6 = 68.75; B = 25.
			// Overall = (68.75 + 2×25)/3 = 39.58: Developing.
			name:    "all answered",
			current: map[string]string{"a1": "4", "a2": "3", "a11": "2", "a111": "5", "b1": "1"},
			dims:    map[string]want{"A11": {100, 1, 0}, "A1": {62.5, 2, 0}, "A": {68.75, 4, 0}, "B": {25, 1, 0}},
			overall: want{118.75 / 3, 5, 0}, level: "Developing",
		},
		{
			// a1 not applicable and a2 don't know are excluded; a11's "7" is no option: not
			// scored, not excluded. A11 = 0; A1 = 0 (from A11 alone); A = 0 (from A1 alone);
			// B = 100. Overall = (0 + 200)/3 = 66.67: Managed — zero where answered zero, never
			// where excluded.
			name:    "excluded and unknown",
			current: map[string]string{"a1": NotApplicable, "a2": DontKnow, "a11": "7", "a111": "1", "b1": "4"},
			dims:    map[string]want{"A11": {0, 1, 0}, "A1": {0, 1, 0}, "A": {0, 1, 2}, "B": {100, 1, 0}},
			overall: want{200.0 / 3, 2, 2}, level: "Managed",
		},
		{
			// Targets: a1 → 5 (100), a2 → not applicable, nothing else: A = 100, B unscored,
			// overall = A alone.
			name:    "targets",
			current: map[string]string{"a1": "1"},
			target:  map[string]string{"a1": "5", "a2": NotApplicable},
			dims:    map[string]want{"A": {0, 1, 0}, "A1": {-1, 0, 0}, "B": {-1, 0, 0}},
			overall: want{0, 1, 0}, level: "Initial",
			targets: map[string]want{"A": {100, 1, 1}, "A1": {-1, 0, 0}, "B": {-1, 0, 0}},
		},
	}
	check := func(name, what string, s Score, w want) {
		t.Helper()
		if w.v < 0 {
			if s.OK {
				t.Errorf("%s: %s scored %v, want none", name, what, s.Value)
			}
		} else if !s.OK || math.Abs(s.Value-w.v) > 1e-9 {
			t.Errorf("%s: %s = %v (ok %v), want %v", name, what, s.Value, s.OK, w.v)
		}
		if s.Answered != w.answered || s.Excluded != w.excluded {
			t.Errorf("%s: %s counts %d/%d, want %d/%d", name, what, s.Answered, s.Excluded, w.answered, w.excluded)
		}
	}
	for _, c := range cases {
		ans := map[string]Answer{}
		for k, v := range c.current {
			ans[k] = Answer{ItemKey: k, Current: v}
		}
		for k, v := range c.target {
			a := ans[k]
			a.ItemKey, a.Target = k, v
			ans[k] = a
		}
		r := Compute(p, ans)
		for id, w := range c.dims {
			check(c.name, id, r.Dimensions[id], w)
		}
		check(c.name, "overall", r.Overall, c.overall)
		if r.Overall.Level != c.level {
			t.Errorf("%s: level %q, want %q", c.name, r.Overall.Level, c.level)
		}
		for id, w := range c.targets {
			check(c.name, "target "+id, r.Targets[id], w)
		}
	}
}

func TestItemScoreUneven(t *testing.T) {
	p := nestedPack()
	set, _ := p.AnswerSetOf(Item{AnswerSet: "uneven"})
	for choice, want := range map[string]float64{"0": 0, "1": 25, "3": 75, "4": 100} {
		if got, ok := ItemScore(set, choice); !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("ItemScore(%q) = %v, %v; want %v", choice, got, ok, want)
		}
	}
	if _, ok := ItemScore(AnswerSet{Options: []Option{{1, "Only"}}}, "1"); ok {
		t.Error("a one-option set has no scale")
	}
	if _, ok := ItemScore(AnswerSet{Options: []Option{{2, "A"}, {2, "B"}}}, "2"); ok {
		t.Error("a set whose options share one value has no scale")
	}
}
