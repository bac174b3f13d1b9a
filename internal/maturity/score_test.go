package maturity

import (
	"math"
	"testing"
)

func testPack() *Pack {
	return &Pack{Key: "t", Version: "1", Title: "T", Subject: "organisation",
		Levels: []Level{{Label: "Initial", From: 0}, {Label: "Developing", From: 20}, {Label: "Defined", From: 40}, {Label: "Managed", From: 60}, {Label: "Leading", From: 80}},
		AnswerSets: []AnswerSet{
			{ID: "five", Options: []Option{{1, "Initial"}, {2, "Developing"}, {3, "Defined"}, {4, "Managed"}, {5, "Leading"}}, NotApplicable: true, DontKnow: true},
			{ID: "yesno", Options: []Option{{0, "No"}, {1, "Yes"}}, NotApplicable: true},
		},
		Dimensions: []Dimension{
			{ID: "open", Title: "Be open", Items: []Item{{ID: "o1", AnswerSet: "five"}, {ID: "o2", AnswerSet: "five", Weight: 3}}},
			{ID: "resp", Title: "Be responsive", Weight: 2, Items: []Item{{ID: "r1", AnswerSet: "yesno"}},
				Dimensions: []Dimension{{ID: "resp-a", Title: "Sub", Items: []Item{{ID: "ra1", AnswerSet: "five"}}}}},
		},
	}
}

func TestItemScore(t *testing.T) {
	p := testPack()
	five, _ := p.AnswerSetOf(Item{AnswerSet: "five"})
	for _, c := range []struct {
		choice string
		want   float64
		ok     bool
	}{{"1", 0, true}, {"3", 50, true}, {"5", 100, true}, {"na", 0, false}, {"dont_know", 0, false}, {"", 0, false}, {"6", 0, false}, {"x", 0, false}} {
		got, ok := ItemScore(five, c.choice)
		if ok != c.ok || got != c.want {
			t.Errorf("ItemScore(%q) = %v, %v; want %v, %v", c.choice, got, ok, c.want, c.ok)
		}
	}
}

// TestCompute works through scores by hand: weights, not-applicable excluded (never zero),
// sub-dimensions, levels.
func TestCompute(t *testing.T) {
	p := testPack()
	cases := []struct {
		name    string
		answers map[string]string
		open    float64 // -1: no score
		resp    float64
		overall float64
		level   string
	}{
		// o1=3 (50), o2=5 (100) weight 3: (50+300)/4 = 87.5. r1=Yes (100), ra1=1 (0): resp = (100+0)/2 = 50.
		// overall = (87.5*1 + 50*2)/3 = 62.5 → Managed.
		{"all answered", map[string]string{"o1": "3", "o2": "5", "r1": "1", "ra1": "1"}, 87.5, 50, 62.5, "Managed"},
		// o2 not applicable: open = o1 only = 50. resp as before. overall = (50 + 100)/3 = 50.
		{"not applicable excluded", map[string]string{"o1": "3", "o2": "na", "r1": "1", "ra1": "1"}, 50, 50, 50, "Defined"},
		// Every open item excluded: open has no score; overall = resp only.
		{"a dimension with nothing", map[string]string{"o1": "na", "o2": "dont_know", "r1": "0", "ra1": "5"}, -1, 50, 50, "Defined"},
		// Sub-dimension only.
		{"sub-dimension only", map[string]string{"ra1": "4"}, -1, 75, 75, "Managed"},
		{"nothing", map[string]string{}, -1, -1, -1, ""},
	}
	for _, c := range cases {
		answers := map[string]Answer{}
		for k, v := range c.answers {
			answers[k] = Answer{ItemKey: k, Current: v}
		}
		r := Compute(p, answers)
		check := func(what string, s Score, want float64) {
			if want < 0 {
				if s.OK {
					t.Errorf("%s: %s scored %v, want no score", c.name, what, s.Value)
				}
				return
			}
			if !s.OK || math.Abs(s.Value-want) > 1e-9 {
				t.Errorf("%s: %s = %v (ok %v), want %v", c.name, what, s.Value, s.OK, want)
			}
		}
		check("open", r.Dimensions["open"], c.open)
		check("resp", r.Dimensions["resp"], c.resp)
		check("overall", r.Overall, c.overall)
		if r.Overall.Level != c.level {
			t.Errorf("%s: level %q, want %q", c.name, r.Overall.Level, c.level)
		}
	}
	// Excluded answers are counted as excluded, not as zero.
	r := Compute(p, map[string]Answer{"o1": {Current: "na"}, "o2": {Current: "1"}})
	if s := r.Dimensions["open"]; s.Excluded != 1 || s.Answered != 1 || s.Value != 0 {
		t.Errorf("counts: %+v", s)
	}
}

func TestLevelOf(t *testing.T) {
	p := testPack()
	for score, want := range map[float64]string{0: "Initial", 19.99: "Initial", 20: "Developing", 59.9: "Defined", 80: "Leading", 100: "Leading"} {
		if got := p.LevelOf(score); got != want {
			t.Errorf("LevelOf(%v) = %q, want %q", score, got, want)
		}
	}
}
