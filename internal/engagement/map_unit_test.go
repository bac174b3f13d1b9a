package engagement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
)

func TestParsePoints(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want bool
		bad  bool
	}{
		{nil, false, false},
		{[]string{""}, false, false},
		{[]string{"0"}, false, false},
		{[]string{"false"}, false, false},
		{[]string{"No"}, false, false},
		{[]string{"1"}, true, false},
		{[]string{" true "}, true, false},
		{[]string{"YES"}, true, false},
		{[]string{"2"}, false, true},
		{[]string{"maybe"}, false, true},
		{[]string{"1", "1"}, false, true},
	} {
		got, err := ParsePoints(c.in)
		var br *api.BadRequest
		if got != c.want || (err != nil) != c.bad || (err != nil && !errors.As(err, &br)) {
			t.Errorf("ParsePoints(%q) = %v, %v; want %v, bad %v", c.in, got, err, c.want, c.bad)
		}
	}
}

func FuzzParsePoints(f *testing.F) {
	for _, s := range []string{"", "0", "1", "true", "no", "2", "\x00", "１"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, twice bool) {
		in := []string{s}
		if twice {
			in = append(in, s)
		}
		got, err := ParsePoints(in)
		var br *api.BadRequest
		if err != nil && (!errors.As(err, &br) || got) {
			t.Fatalf("ParsePoints(%q): %v, %v", in, got, err)
		}
		if err == nil && twice {
			t.Fatalf("ParsePoints(%q) accepted the parameter twice", in)
		}
		if err == nil && got != (strings.TrimSpace(strings.ToLower(s)) == "1" || strings.EqualFold(strings.TrimSpace(s), "true") || strings.EqualFold(strings.TrimSpace(s), "yes")) {
			t.Fatalf("ParsePoints(%q) = %v", in, got)
		}
	})
}

// FuzzPolisCSVCell: any statement text goes through the export's CSV writer and reads back
// as one cell, unchanged except that a cell a spreadsheet would run as a formula starts with
// an apostrophe.
func FuzzPolisCSVCell(f *testing.F) {
	for _, s := range []string{"", "plain", "=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx", `a "quoted", text`, "line\nbreak", "é 🚌", ",", "\"", "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var buf bytes.Buffer
		out := newCSVOut(&buf, nil)
		if err := out.row("12", csvText(s), "-1"); err != nil {
			t.Fatal(err)
		}
		if err := out.close(); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) != 1 || len(rows[0]) != 3 {
			t.Fatalf("%q: %q %v", s, rows, err)
		}
		got := rows[0][1]
		formula := s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
		want := s
		if formula {
			want = "'" + s
		}
		// encoding/csv reads \r\n inside a quoted cell as \n.
		want = strings.ReplaceAll(want, "\r\n", "\n")
		if got != want && !(strings.Contains(want, "\r") && strings.ReplaceAll(got, "\r", "") == strings.ReplaceAll(want, "\r", "")) {
			t.Fatalf("%q read back as %q, want %q", s, got, want)
		}
		if rows[0][0] != "12" || rows[0][2] != "-1" {
			t.Fatalf("numbers changed: %q", rows[0])
		}
	})
}

func TestPolisDatetime(t *testing.T) {
	at := time.Date(2018, 7, 16, 9, 5, 3, 0, time.FixedZone("AEST", 10*3600))
	if got := polisDatetime(at); got != "Sun Jul 15 2018 23:05:03 GMT+0000 (Coordinated Universal Time)" {
		t.Errorf("datetime %q", got)
	}
	if got := polisTimestamp(at); got != "1531695903" {
		t.Errorf("timestamp %q", got)
	}
}

func TestGroupLabel(t *testing.T) {
	for g, want := range map[int]string{-1: "", 0: "A", 1: "B", 4: "E", 25: "Z", 26: "G27"} {
		if got := GroupLabel(g); got != want {
			t.Errorf("GroupLabel(%d) = %q, want %q", g, got, want)
		}
	}
}

func TestPackRoundTrip(t *testing.T) {
	ps := []MapPoint{{X: -1.25, Y: 3.5, Group: 0}, {X: 0, Y: -0.125, Group: 4}, {X: 1e3, Y: 2, Group: 2}}
	got := unpackPoints(packPoints(ps))
	if len(got) != len(ps) {
		t.Fatalf("%d points back", len(got))
	}
	for i := range ps {
		if math.Abs(got[i].X-ps[i].X) > 1e-3 || math.Abs(got[i].Y-ps[i].Y) > 1e-3 || got[i].Group != ps[i].Group {
			t.Errorf("point %d: %+v, want %+v", i, got[i], ps[i])
		}
	}
	ids, groups := []int64{3, 4, 900, 1 << 40}, []int{1, 0, 2, 4}
	m := unpackMembers(packMembers(ids, groups))
	if len(m) != 4 || m[3] != 1 || m[4] != 0 || m[900] != 2 || m[1<<40] != 4 {
		t.Errorf("members %v", m)
	}
	if len(unpackMembers("not base64!")) != 0 || unpackPoints("!!") != nil {
		t.Error("garbage unpacked")
	}
}

// TestConsensusAndDivisive: the rules of the lists, on counts worked by hand.
func TestConsensusAndDivisive(t *testing.T) {
	// counts[j][g] = {votes, agree, disagree}; two groups.
	counts := [][2][3]int{
		{{10, 9, 1}, {10, 8, 1}},  // 0: both agree → consensus agree
		{{10, 1, 8}, {10, 2, 7}},  // 1: both disagree → consensus disagree
		{{10, 9, 0}, {10, 1, 9}},  // 2: A agrees, B disagrees → divides (spread 10/12 − 2/12)
		{{10, 5, 5}, {10, 6, 3}},  // 3: A split evenly (not a majority) → neither
		{{10, 10, 0}, {10, 9, 0}}, // 4: both agree, more strongly than 0
		{{4, 3, 1}, {10, 0, 10}},  // 5: divides, narrower (4/6 − 1/12)
	}
	K, S := 2, len(counts)
	gv := func(g, j int) GroupVotes {
		if g == K {
			var all GroupVotes
			for _, c := range counts[j] {
				all.Votes, all.Agree, all.Disagree = all.Votes+c[0], all.Agree+c[1], all.Disagree+c[2]
			}
			return all
		}
		c := counts[j][g]
		return GroupVotes{Group: g, Votes: c[0], Agree: c[1], Disagree: c[2], Pass: c[0] - c[1] - c[2]}
	}
	ca, cd := make([]float64, S), make([]float64, S)
	for j := range S {
		ca[j], cd[j] = 1, 1
		for g := range K {
			c := gv(g, j)
			ca[j] *= float64(c.Agree+1) / float64(c.Votes+2)
			cd[j] *= float64(c.Disagree+1) / float64(c.Votes+2)
		}
	}
	stmt := func(j int) (int64, string) { return int64(100 + j), "s" }
	cons, div := consensusAndDivisive(K, S, gv, stmt, ca, cd, func(int) []GroupShare { return nil })
	var got []string
	for _, c := range cons {
		got = append(got, c.Direction+":"+string(rune('0'+c.Statement-100)))
	}
	if strings.Join(got, " ") != "agree:4 agree:0 disagree:1" {
		t.Errorf("consensus %v", got)
	}
	// Statement 4: (11/12)(10/12) = 0.763889; statement 0: (10/12)(9/12) = 0.625.
	if math.Abs(cons[0].Consensus-0.763889) > 1e-6 || math.Abs(cons[1].Consensus-0.625) > 1e-6 {
		t.Errorf("consensus values %v %v", cons[0].Consensus, cons[1].Consensus)
	}
	if cons[0].Agree != 0.95 {
		t.Errorf("overall agreement %v, want 19/20", cons[0].Agree)
	}
	if len(div) != 2 || div[0].Statement != 102 || div[1].Statement != 105 || math.Abs(div[0].Spread-round4(10.0/12-2.0/12)) > 1e-9 ||
		math.Abs(div[1].Spread-round4(4.0/6-1.0/12)) > 1e-9 {
		t.Errorf("divisive %+v", div)
	}
	// One group: no division; no groups: nothing.
	if _, d1 := consensusAndDivisive(1, S, gv, stmt, ca, cd, func(int) []GroupShare { return nil }); len(d1) != 0 {
		t.Errorf("one group divides: %+v", d1)
	}
	if c0, d0 := consensusAndDivisive(0, S, gv, stmt, nil, nil, nil); len(c0) != 0 || len(d0) != 0 {
		t.Error("lists without groups")
	}
}

func TestRepresentativeLine(t *testing.T) {
	g := MapGroup{Label: "B"}
	for _, c := range []struct {
		r    MapRepresentative
		want string
	}{
		{MapRepresentative{Text: "Buses late", Direction: "agree", Agree: 0.854, RestAgree: 0.2, Ratio: 3.1},
			"Group B agreed much more than everyone else: 85% of the group agreed, against 20% of everyone else."},
		{MapRepresentative{Text: "Trams", Direction: "disagree", Disagree: 0.6, RestDisagree: 0.4, Ratio: 1.4},
			"Group B disagreed more than everyone else: 60% of the group disagreed, against 40% of everyone else."},
	} {
		if got := representativeLine(g, c.r); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestMapMessage(t *testing.T) {
	for _, c := range []struct {
		v    MapView
		s    int
		want string
	}{
		{MapView{}, 0, "no statements"},
		{MapView{}, 3, "Nobody has voted"},
		{MapView{Votes: 4, OnMap: 1, MinVotes: 3}, 3, "voted on 3 statements, and 1 person has so far"},
		{MapView{Votes: 40, OnMap: 5, Groups: []MapGroup{{}}}, 9, "one group"},
		{MapView{Votes: 40, OnMap: 5, Groups: []MapGroup{{}, {}}}, 9, ""},
	} {
		got := mapMessage(c.v, c.s)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.v, got, c.want)
		}
	}
}

func TestSample(t *testing.T) {
	ps := make([]MapPoint, 10)
	for i := range ps {
		ps[i].X = float64(i)
	}
	got := sample(ps, 4)
	if len(got) != 4 || got[0].X != 0 || got[1].X != 2 || got[3].X != 7 {
		t.Errorf("sample %v", got)
	}
	if len(sample(ps, 20)) != 10 {
		t.Error("a sample larger than the points")
	}
}
