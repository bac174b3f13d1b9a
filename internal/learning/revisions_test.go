package learning

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// lcsLen is the length of a longest common subsequence, by the textbook table: the number of
// unchanged lines in a shortest diff.
func lcsLen(a, b []string) int {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	return t[0][0]
}

// checkDiff checks that a diff turns a into b (the old side is a, the new side b) and is
// shortest.
func checkDiff(t testing.TB, a, b []string, d []DiffLine) {
	t.Helper()
	var old, new []string
	eq := 0
	for _, l := range d {
		switch l.Op {
		case "eq":
			old, new = append(old, l.Text), append(new, l.Text)
			eq++
		case "del":
			old = append(old, l.Text)
		case "ins":
			new = append(new, l.Text)
		default:
			t.Fatalf("unknown op %q", l.Op)
		}
	}
	if !slices.Equal(old, a) || !slices.Equal(new, b) {
		t.Fatalf("diff of %q → %q does not rebuild them: %+v", a, b, d)
	}
	if len(a)+len(b) <= 200 {
		if want := lcsLen(a, b); eq != want {
			t.Fatalf("diff of %q → %q keeps %d lines, a shortest one keeps %d: %+v", a, b, eq, want, d)
		}
	}
}

func TestDiffLines(t *testing.T) {
	cases := []struct {
		a, b string
		want string // ops: = kept, - removed, + added
	}{
		{"", "", ""},
		{"a", "a", "="},
		{"", "a\nb", "++"},
		{"a\nb", "", "--"},
		{"a\nb\nc", "a\nc", "=-="},
		{"a\nc", "a\nb\nc", "=+="},
		{"a\nb\nc", "a\nx\nc", "=-+="},
		{"a\nb\nc\na\nb\nb\na", "c\nb\na\nb\na\nc", ""}, // Myers' own example: checked for length only
		{"x\ny", "y\nx", ""},
	}
	for _, tc := range cases {
		a, b := splitLines(tc.a), splitLines(tc.b)
		d := DiffLines(a, b)
		checkDiff(t, a, b, d)
		if tc.want != "" {
			var ops strings.Builder
			for _, l := range d {
				ops.WriteByte(map[string]byte{"eq": '=', "del": '-', "ins": '+'}[l.Op])
			}
			if ops.String() != tc.want {
				t.Errorf("%q → %q: %s, want %s", tc.a, tc.b, ops.String(), tc.want)
			}
		}
	}
	// Myers' example has an edit distance of 5.
	d := DiffLines(strings.Split("a b c a b b a", " "), strings.Split("c b a b a c", " "))
	edits := 0
	for _, l := range d {
		if l.Op != "eq" {
			edits++
		}
	}
	if edits != 5 {
		t.Errorf("Myers' example: %d edits, want 5", edits)
	}
}

func TestDiffLargeFallsBack(t *testing.T) {
	// More edits than the search allows: still a correct (if not shortest) diff.
	var a, b []string
	for i := 0; i < maxDiffEdits; i++ {
		a = append(a, "a"+strings.Repeat("x", i%7))
		b = append(b, "b"+strings.Repeat("y", i%5))
	}
	d := DiffLines(a, b)
	var old, new []string
	for _, l := range d {
		if l.Op != "ins" {
			old = append(old, l.Text)
		}
		if l.Op != "del" {
			new = append(new, l.Text)
		}
	}
	if !slices.Equal(old, a) || !slices.Equal(new, b) {
		t.Fatal("the fallback diff does not rebuild its texts")
	}
}

func TestDiffTextFoldsUnchanged(t *testing.T) {
	var a []string
	for i := 0; i < 20; i++ {
		a = append(a, "line "+string(rune('a'+i)))
	}
	b := slices.Clone(a)
	b[10] = "changed"
	got := DiffText(strings.Join(a, "\n"), strings.Join(b, "\n"), 2)
	var ops []string
	for _, l := range got {
		ops = append(ops, l.Op)
	}
	want := []string{"skip", "eq", "eq", "del", "ins", "eq", "eq", "skip"}
	if !slices.Equal(ops, want) {
		t.Fatalf("ops %v, want %v", ops, want)
	}
	if got[0].Skipped != 8 || got[7].Skipped != 7 {
		t.Errorf("skipped %d and %d, want 8 and 7", got[0].Skipped, got[7].Skipped)
	}
}

func TestSnapshotsAndSummary(t *testing.T) {
	type snap struct {
		Title  string   `json:"title"`
		Places []string `json:"places"`
		Done   bool     `json:"done"`
		N      int      `json:"n"`
	}
	fields := []RevisionField{{Key: "title", Label: "Title"}, {Key: "places", Label: "Places"}, {Key: "done", Label: "Done"}}
	before := snap{Title: "A", Places: []string{"Logan"}, N: 1}
	after := snap{Title: "A", Places: []string{"Logan", "Papakura"}, Done: true, N: 2}
	if got := ChangeSummary(fields, before, after, ""); got != "Changed: Places, Done" {
		t.Errorf("summary %q", got)
	}
	if got := ChangeSummary(fields, before, before, "Typo"); got != "Typo (No field changed)" {
		t.Errorf("summary %q", got)
	}
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	txt := SnapshotText(b2)
	if txt["places"] != "Logan\nPapakura" || txt["done"] != "yes" || txt["n"] != "2" {
		t.Errorf("snapshot text %q", txt)
	}
	diffs := DiffSnapshots(fields, b1, b2)
	// The known fields in order, then n (not listed) under its key.
	var keys []string
	for _, d := range diffs {
		keys = append(keys, d.Key)
	}
	if !slices.Equal(keys, []string{"title", "places", "done", "n"}) {
		t.Errorf("keys %v", keys)
	}
	if diffs[0].Changed || !diffs[1].Changed || diffs[1].Added != 1 || diffs[1].Removed != 0 {
		t.Errorf("diffs %+v", diffs)
	}
	if got := SnapshotText(json.RawMessage("not json")); len(got) != 0 {
		t.Errorf("bad JSON gives %v", got)
	}
}

func FuzzDiffLines(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Add("a b c a b b a", "c b a b a c")
	f.Fuzz(func(t *testing.T, x, y string) {
		// Small alphabets make many equal lines, which is where diffs go wrong.
		a, b := strings.Fields(x), strings.Fields(y)
		if len(a) > 300 || len(b) > 300 {
			return
		}
		checkDiff(t, a, b, DiffLines(a, b))
		_ = DiffText(x, y, 2)
	})
}
