package chart

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// node is an element of a parsed SVG.
type node struct {
	name     string
	attrs    map[string]string
	text     string // the character data directly inside
	children []*node
}

// parseSVG parses svg into a tree, failing the test when it is not well-formed XML.
func parseSVG(t testing.TB, svg string) *node {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	root := &node{name: "#document"}
	stack := []*node{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%.2000s", err, svg)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text += string(tok)
		}
	}
	return root
}

// all lists the elements under n (n included) for which ok holds, in document order.
func (n *node) all(ok func(*node) bool) []*node {
	var out []*node
	if ok(n) {
		out = append(out, n)
	}
	for _, c := range n.children {
		out = append(out, c.all(ok)...)
	}
	return out
}

// class lists the elements whose class attribute has the word c.
func (n *node) class(c string) []*node {
	return n.all(func(m *node) bool { return hasWord(m.attrs["class"], c) })
}

// named lists the elements under n called name.
func (n *node) named(name string) []*node {
	return n.all(func(m *node) bool { return m.name == name })
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// texts are the texts of the <text> elements under n.
func (n *node) texts() []string {
	var out []string
	for _, m := range n.named("text") {
		out = append(out, m.text)
	}
	return out
}

// noBadNumbers fails when an attribute holds NaN or Inf: every coordinate must be finite.
func noBadNumbers(t testing.TB, root *node) {
	t.Helper()
	for _, n := range root.all(func(*node) bool { return true }) {
		for k, v := range n.attrs {
			if strings.Contains(v, "NaN") || strings.Contains(v, "Inf") {
				t.Fatalf("<%s %s=%q>", n.name, k, v)
			}
		}
	}
}

// isNice reports whether step is 1, 2 or 5 times a power of ten.
func isNice(step float64) bool {
	e := math.Floor(math.Log10(step))
	f := step / math.Pow(10, e)
	for _, n := range []float64{1, 2, 5, 10} {
		if math.Abs(f-n) < 1e-9 {
			return true
		}
	}
	return false
}

// yTicks reads the values written on the y scale.
func yTicks(t *testing.T, root *node) []float64 {
	t.Helper()
	var out []float64
	for _, g := range root.class("y-ticks") {
		for _, s := range g.texts() {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("tick %q: %v", s, err)
			}
			out = append(out, v)
		}
	}
	return out
}

func nan() float64 { return math.NaN() }

func trend() Line {
	return Line{ID: "trend", Title: "Satisfaction by month", YLabel: "Satisfied (%)",
		Categories: []string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"},
		Series: []Series{{Name: "Satisfied", Values: []float64{72.5, 74, nan(), 76, 75.25, 78},
			Lower: []float64{68, 70, nan(), 72, 71, 74}, Upper: []float64{77, 78, nan(), 80, 79.5, 82}}},
		Min: 0, Max: 100, Refs: []Ring{{Value: 80, Label: "Target 80"}}}
}

func TestLine(t *testing.T) {
	c := trend().Draw()
	accessible(t, c, "trend")
	root := parseSVG(t, string(c.SVG))
	svg := root.children[0]
	if svg.attrs["width"] != "100%" || svg.attrs["viewBox"] != "0 0 680.0 360.0" || svg.attrs["height"] != "" {
		t.Errorf("not responsive: %v", svg.attrs)
	}
	// The band is drawn as polygons, one per run of intervals: the gap in March splits it.
	bands := root.class("band")
	if len(bands) != 1 || len(bands[0].named("polygon")) != 2 {
		t.Fatalf("bands: %d groups", len(bands))
	}
	if pts := strings.Fields(bands[0].named("polygon")[0].attrs["points"]); len(pts) != 4 { // Jan–Feb: two upper, two lower
		t.Errorf("first band polygon %v", pts)
	}
	if pts := strings.Fields(bands[0].named("polygon")[1].attrs["points"]); len(pts) != 6 {
		t.Errorf("second band polygon %v", pts)
	}
	// The band comes before the line, which comes before the markers.
	order := strings.Index(string(c.SVG), `class="band`) < strings.Index(string(c.SVG), `class="series`) &&
		strings.Index(string(c.SVG), `class="series`) < strings.Index(string(c.SVG), `class="markers`)
	if !order {
		t.Error("the band must be drawn behind the line and the markers on top")
	}
	// NaN is a gap: two line segments, with two and three points.
	paths := root.class("series")[0].named("path")
	if len(paths) != 2 || strings.Count(paths[0].attrs["d"], "L") != 1 || strings.Count(paths[1].attrs["d"], "L") != 2 {
		t.Errorf("want two segments around the gap, got %d", len(paths))
	}
	if n := len(root.class("markers")[0].named("circle")); n != 5 {
		t.Errorf("%d markers, want 5", n)
	}
	// The fixed scale 0–100 with nice ticks, and the target labelled in place.
	ticks := yTicks(t, root)
	if len(ticks) < 3 || ticks[0] != 0 || ticks[len(ticks)-1] != 100 {
		t.Errorf("ticks %v: want 0 to 100", ticks)
	}
	if !isNice(ticks[1] - ticks[0]) {
		t.Errorf("tick step %v", ticks[1]-ticks[0])
	}
	if refs, labels := root.class("ref"), root.class("ref-label"); len(refs) != 1 || len(labels) != 1 || labels[0].text != "Target 80" {
		t.Error("want the target line labelled 'Target 80'")
	}
	// The target line lies on the grid line of 80 (the fifth of 0, 20, …, 100).
	ref := root.class("ref")[0].attrs["d"] // "M<x> <y>H<x>"
	yRef := strings.SplitN(strings.Fields(ref)[1], "H", 2)[0]
	if got := root.class("grid")[0].named("line")[4].attrs["y1"]; got != yRef {
		t.Errorf("target at y %s, grid line of 80 at %s", yRef, got)
	}
	// The table: category, value, interval.
	if got := strings.Join(c.Table.Columns, "|"); got != "Category|Satisfied|95% interval" {
		t.Errorf("columns %s", got)
	}
	want := [][]string{{"72.5", "68–77"}, {"74", "70–78"}, {Missing, Missing}, {"76", "72–80"}, {"75.3", "71–79.5"}, {"78", "74–82"}}
	for i, w := range want {
		if got := c.Table.Rows[i].Cells; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d: %v, want %v", i, got, w)
		}
	}
	if c.Table.Rows[4].Header != "2025-05" || c.Table.Caption != "Satisfaction by month" {
		t.Errorf("table %+v", c.Table)
	}
	// The legend names the series and the band in text.
	if legend := strings.Join(root.class("legend")[0].texts(), "|"); legend != "Satisfied|95% interval" {
		t.Errorf("legend %q", legend)
	}
	if svg := string(c.SVG); strings.Contains(svg, "2025-03 — Satisfied") || !strings.Contains(svg, "2025-01 — Satisfied: 72.5 (95% interval 68–77)") {
		t.Error("want a tooltip with the interval on each marker, and no marker for a missing value")
	}
}

// The turn-the-curve chart: history solid, forecast dashed with its band, target, actuals,
// and a divider where the forecast starts.
func TestLineTurnTheCurve(t *testing.T) {
	years := []string{"2019–20", "2020–21", "2021–22", "2022–23", "2023–24", "2024–25", "2025–26"}
	c := Line{ID: "curve", Title: "Turn the curve", Categories: years, CategoryName: "Year", MissingText: "—",
		Series: []Series{
			{Name: "Baseline", Values: []float64{40, 42, 45, 47, nan(), nan(), nan()}},
			{Name: "Forecast", Values: []float64{nan(), nan(), nan(), 47, 49, 51, 53}, Style: Dashed, Marker: Square,
				Lower: []float64{nan(), nan(), nan(), 47, 44, 42, 40}, Upper: []float64{nan(), nan(), nan(), 47, 54, 60, 66}},
			{Name: "Actual", Values: []float64{nan(), nan(), nan(), nan(), 50}, Style: Dotted, Marker: Diamond},
		},
		Refs:     []Ring{{Value: 70, Label: "Target 70"}, {Value: math.Inf(1)}},
		Dividers: []Divider{{At: 3, Label: "Forecast starts"}, {At: 99, Label: "ignored"}},
	}.Draw()
	accessible(t, c, "curve")
	root := parseSVG(t, string(c.SVG))
	if got := strings.Join(c.Table.Columns, "|"); got != "Year|Baseline|Forecast|Forecast: 95% interval|Actual" {
		t.Errorf("columns %s", got)
	}
	if got := strings.Join(c.Table.Rows[5].Cells, "|"); got != "—|51|42–60|—" {
		t.Errorf("row 2024–25: %s", got)
	}
	if d, l := root.class("divider"), root.class("divider-label"); len(d) != 1 || len(l) != 1 || l[0].text != "Forecast starts" {
		t.Error("want one divider labelled 'Forecast starts'")
	}
	if n := len(root.class("ref")); n != 1 {
		t.Errorf("%d reference lines; an infinite one is not drawn", n)
	}
	if root.class("series-1")[0].attrs["stroke-dasharray"] != "7 4" || root.class("series-0")[0].attrs["stroke-dasharray"] != "" {
		t.Error("the forecast is dashed, the baseline solid")
	}
	// A lone actual has a marker but no line.
	if len(root.class("series-2")[0].named("path")) != 0 || len(root.class("markers-2")[0].named("path")) != 1 {
		t.Error("a lone value is a marker without a line")
	}
	// The automatic scale holds the target and the band: up to 70 at least, down to 40 at most.
	ticks := yTicks(t, root)
	if ticks[0] > 40 || ticks[len(ticks)-1] < 70 {
		t.Errorf("ticks %v do not hold the band and the target", ticks)
	}
	for i := 1; i < len(ticks); i++ {
		if !isNice(ticks[i]-ticks[i-1]) || math.Abs(math.Remainder(ticks[i], ticks[1]-ticks[0])) > 1e-9 {
			t.Errorf("ticks %v are not nice", ticks)
		}
	}
	if !strings.Contains(root.named("desc")[0].text, "Baseline: 40 in 2019–20, 47 in 2022–23") {
		t.Errorf("desc %q", root.named("desc")[0].text)
	}
}

// Many categories: the labels are thinned or turned so that they do not overlap.
func TestLineManyCategories(t *testing.T) {
	var cats []string
	var vs []float64
	for i := range 120 {
		cats = append(cats, strconv.Itoa(2016+i/12)+"-"+strconv.Itoa(10+i%12))
		vs = append(vs, float64(i))
	}
	c := Line{ID: "long", Title: "Ten years", Categories: cats, Series: []Series{{Name: "Count", Values: vs}}}.Draw()
	root := parseSVG(t, string(c.SVG))
	labels := root.class("x-ticks")[0].named("text")
	if len(labels) >= 120 || len(labels) < 10 {
		t.Fatalf("%d labels for 120 categories", len(labels))
	}
	turned := labels[0].attrs["transform"] != ""
	for i := 1; i < len(labels); i++ {
		a, _ := strconv.ParseFloat(labels[i-1].attrs["x"], 64)
		b, _ := strconv.ParseFloat(labels[i].attrs["x"], 64)
		gap := 7 * tickFont // width of "2016-10"
		if turned {
			gap = 14
		}
		if b-a < gap {
			t.Fatalf("labels %q and %q are %.1f apart (turned %v)", labels[i-1].text, labels[i].text, b-a, turned)
		}
	}
	if len(c.Table.Rows) != 120 {
		t.Error("the table keeps every category")
	}
	// Few short categories are all labelled, flat.
	c = Line{ID: "few", Categories: []string{"Q1", "Q2", "Q3"}, Series: []Series{{Name: "A", Values: []float64{1, 2, 3}}}}.Draw()
	if labels := parseSVG(t, string(c.SVG)).class("x-ticks")[0].named("text"); len(labels) != 3 || labels[0].attrs["transform"] != "" {
		t.Errorf("want three flat labels")
	}
}

func TestLineEscapes(t *testing.T) {
	c := Line{ID: "e<1>", Title: `<script>alert("x")</script>`, YLabel: "<b>", Categories: []string{"<script>", "A&B"},
		Series:   []Series{{Name: "<i>", Values: []float64{1, 2}, Lower: []float64{0, 1}, Upper: []float64{2, 3}}},
		Refs:     []Ring{{Value: 1, Label: "<u>"}},
		Dividers: []Divider{{At: 1, Label: "<em>\x01"}}}.Draw()
	svg := string(c.SVG)
	for _, bad := range []string{"<script>", "<b>", "<i>", "<u>", "<em>"} {
		if strings.Contains(svg, bad) {
			t.Errorf("unescaped %s", bad)
		}
	}
	accessible(t, c, "e-1-")
	if h := string(c.Table.HTML()); strings.Contains(h, "<script>") || !strings.Contains(h, "&lt;script&gt;") {
		t.Errorf("table not escaped: %s", h)
	}
	f := string(c.Figure(`Caption <script>`))
	if strings.Contains(f, "<script>") || !strings.HasPrefix(f, `<figure class="chart-figure"><figcaption>Caption &lt;script&gt;</figcaption>`) {
		t.Errorf("figure %.200s", f)
	}
	parseSVG(t, f)
}

func TestChartFigure(t *testing.T) {
	c := trend().Draw()
	f := parseSVG(t, string(c.Figure("")))
	fig := f.children[0]
	if fig.name != "figure" || len(fig.named("figcaption")) != 0 || len(fig.named("svg")) != 1 || len(fig.named("table")) != 1 {
		t.Errorf("figure without a caption: %s, %d svg, %d table", fig.name, len(fig.named("svg")), len(fig.named("table")))
	}
}

func TestScale(t *testing.T) {
	for _, tc := range []struct {
		values           []float64
		min, max         float64
		lo, hi, step     float64
		first, last      float64
		labelOf, labelIs string
	}{
		{[]float64{72, 78}, 0, 100, 0, 100, 20, 0, 100, "", ""},
		{[]float64{72, 78}, 0, 0, 72, 78, 2, 72, 78, "", ""},
		{[]float64{0.03, 0.41}, 0, 0, 0, 0.5, 0.1, 0, 0.5, "0.1", "0.1"},
		{[]float64{0.012, 0.038}, 0, 0, 0.01, 0.04, 0.01, 0.01, 0.04, "0.02", "0.02"},
		{[]float64{5, 5, 5}, 0, 0, 4, 6, 0.5, 4, 6, "4.5", "4.5"},
		{[]float64{nan(), math.Inf(1)}, 0, 0, 0, 100, 20, 0, 100, "", ""},
		{[]float64{-3, 7}, 0, 0, -4, 8, 2, -4, 8, "-4", "-4"},
		{[]float64{1, 2}, 10, 3, 1, 2, 0.2, 1, 2, "", ""}, // min ≥ max: automatic
	} {
		s := newScale(tc.values, tc.min, tc.max, 5)
		if math.Abs(s.lo-tc.lo) > 1e-12 || math.Abs(s.hi-tc.hi) > 1e-12 || math.Abs(s.step-tc.step) > 1e-12 ||
			s.ticks[0] != tc.first || math.Abs(s.ticks[len(s.ticks)-1]-tc.last) > 1e-12 {
			t.Errorf("%v [%v, %v]: %+v", tc.values, tc.min, tc.max, s)
		}
		for _, v := range s.ticks {
			if math.Abs(math.Remainder(v, s.step)) > 1e-9*s.step {
				t.Errorf("%v: tick %v is not a multiple of %v", tc.values, v, s.step)
			}
		}
		if tc.labelOf != "" {
			v, _ := strconv.ParseFloat(tc.labelOf, 64)
			if got := s.label(v); got != tc.labelIs {
				t.Errorf("label(%v) = %q, want %q", v, got, tc.labelIs)
			}
		}
	}
	// Huge values give a finite scale.
	s := newScale([]float64{-math.MaxFloat64, math.MaxFloat64}, 0, 0, 5)
	if !finite(s.lo) || !finite(s.hi) || s.lo >= s.hi || len(s.ticks) < 2 {
		t.Errorf("huge: %+v", s)
	}
}

// FuzzLine: whatever the values, Draw never panics, writes no NaN or Inf coordinate and
// gives well-formed XML.
func FuzzLine(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 4.0, uint8(6), false, "2025-01")
	f.Add(math.NaN(), math.Inf(1), math.Inf(-1), 1e308, uint8(12), true, "<script>")
	f.Add(5.0, 5.0, 5.0, 5.0, uint8(3), false, "")
	f.Add(-math.MaxFloat64, math.MaxFloat64, 0.0, math.SmallestNonzeroFloat64, uint8(40), true, "a\x00b\xff")
	f.Add(0.0, 100.0, 1e-300, -1e-300, uint8(1), true, "x")
	f.Fuzz(func(t *testing.T, a, b, c, d float64, n uint8, fixed bool, label string) {
		pick := []float64{a, b, c, d, math.NaN()}
		cats := make([]string, int(n)%64)
		var vs, lo, hi, ws []float64
		for i := range cats {
			cats[i] = label + strconv.Itoa(i)
			v := pick[i%5]
			vs = append(vs, v)
			lo, hi = append(lo, v-math.Abs(d)), append(hi, v+math.Abs(c))
			ws = append(ws, pick[(i*3)%5])
		}
		l := Line{ID: label, Title: label, YLabel: label, XLabel: label, Categories: cats,
			Series:   []Series{{Name: label, Values: vs, Lower: lo, Upper: hi}, {Name: "b", Values: ws, Style: Dashed, Marker: Cross}},
			Refs:     []Ring{{Value: c, Label: label}, {Value: d}},
			Dividers: []Divider{{At: int(n) % 7, Label: label}}}
		if fixed {
			l.Min, l.Max = a, b
		}
		ch := l.Draw()
		root := parseSVG(t, string(ch.SVG))
		noBadNumbers(t, root)
		parseSVG(t, "<div>"+string(ch.Table.HTML())+"</div>")
		if len(ch.Table.Rows) != len(cats) {
			t.Fatalf("%d rows for %d categories", len(ch.Table.Rows), len(cats))
		}
	})
}
