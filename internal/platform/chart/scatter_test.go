package chart

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func drivers() Scatter {
	return Scatter{ID: "drivers", Title: "What drives satisfaction",
		XLabel: "Importance (share of R²)", YLabel: "Performance (index 0–100)",
		XFormat: func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
		Groups: []Group{{Name: "Drivers", Points: []Point{
			{X: 0.25, Y: 62, Label: "Staff attitude"}, {X: 0.2, Y: 80, Label: "Timeliness"},
			{X: 0.05, Y: 85, Label: "Ease of access"}, {X: 0.08, Y: 55, Label: "Information"},
			{X: 0.22, Y: 64, Label: "Outcome"}, {X: nan(), Y: 70, Label: "Not estimated"},
		}}},
		XRefs: []Ring{{Value: 0.16, Label: "Mean importance"}}, YRefs: []Ring{{Value: 69.2}},
		Quadrants: Quadrants{TopLeft: "Possible overkill", TopRight: "Keep it up", BottomLeft: "Lower priority", BottomRight: "Fix first"},
		YMin:      0, YMax: 100,
	}
}

func TestScatterQuadrant(t *testing.T) {
	c := drivers().Draw()
	accessible(t, c, "drivers")
	root := parseSVG(t, string(c.SVG))
	noBadNumbers(t, root)
	// Five points drawn (the one without an importance is not), each labelled and with a tooltip.
	pts := root.class("points")
	if len(pts) != 1 || len(pts[0].named("circle")) != 5 || len(pts[0].named("title")) != 5 {
		t.Fatalf("want five markers with tooltips")
	}
	if !strings.Contains(string(c.SVG), "Staff attitude — Drivers: Importance (share of R²) 0.25, Performance (index 0–100) 62") {
		t.Error("no tooltip for Staff attitude")
	}
	labels := root.class("point-labels")[0].texts()
	if strings.Join(labels, "|") != "Staff attitude|Timeliness|Ease of access|Information|Outcome" {
		t.Errorf("labels %v", labels)
	}
	// Labels do not overlap one another here (Staff attitude and Outcome are close).
	var boxes []box
	for _, l := range root.class("point-labels")[0].named("text") {
		x, _ := strconv.ParseFloat(l.attrs["x"], 64)
		y, _ := strconv.ParseFloat(l.attrs["y"], 64)
		w := float64(len([]rune(l.text))) * 7.2
		switch l.attrs["text-anchor"] {
		case "middle":
			x -= w / 2
		case "end":
			x -= w
		}
		b := box{x, y - 11, x + w, y + 3}
		if b.x0 < 0 || b.x1 > 660 { // inside the plot, which ends 20 short of the right edge
			t.Errorf("label %q sticks out: %v", l.text, b)
		}
		for k, o := range boxes {
			if b.overlap(o) > 0 {
				t.Errorf("label %q overlaps label %d", l.text, k)
			}
		}
		boxes = append(boxes, b)
	}
	// Quadrant captions, reference lines (an empty label is the value).
	if got := strings.Join(root.class("quadrants")[0].texts(), "|"); got != "Possible overkill|Keep it up|Lower priority|Fix first" {
		t.Errorf("quadrants %q", got)
	}
	refs, refLabels := root.class("ref"), root.class("ref-label")
	if len(refs) != 2 || len(refLabels) != 2 || refLabels[0].text != "Mean importance" || refLabels[1].text != "69.2" {
		t.Errorf("reference lines")
	}
	if !strings.Contains(refs[0].attrs["d"], "V") || !strings.Contains(refs[1].attrs["d"], "H") {
		t.Error("the x reference is upright, the y reference level")
	}
	// The fixed y scale and nice x ticks that hold the points.
	ticks := yTicks(t, root)
	if ticks[0] != 0 || ticks[len(ticks)-1] != 100 {
		t.Errorf("y ticks %v", ticks)
	}
	var xt []float64
	for _, s := range root.class("x-ticks")[0].texts() {
		v, _ := strconv.ParseFloat(s, 64)
		xt = append(xt, v)
	}
	if xt[0] > 0.05 || xt[len(xt)-1] < 0.25 || !isNice(xt[1]-xt[0]+1e-12) {
		t.Errorf("x ticks %v", xt)
	}
	if ax := root.class("y-label"); len(ax) != 1 || ax[0].text != "Performance (index 0–100)" {
		t.Error("no y axis label")
	}
	// One row per point, the missing value written as missing.
	if got := strings.Join(c.Table.Columns, "|"); got != "Point|Importance (share of R²)|Performance (index 0–100)" {
		t.Errorf("columns %s", got)
	}
	if r := c.Table.Rows[0]; r.Header != "Staff attitude" || strings.Join(r.Cells, "|") != "0.25|62" {
		t.Errorf("row %+v", r)
	}
	if r := c.Table.Rows[5]; strings.Join(r.Cells, "|") != Missing+"|70" {
		t.Errorf("row %+v", r)
	}
	if d := root.named("desc")[0].text; !strings.Contains(d, "Staff attitude (0.25, 62)") || !strings.Contains(d, "bottom right: Fix first") {
		t.Errorf("desc %q", d)
	}
}

// Groups differ in colour and in shape, and the legend names them.
func TestScatterGroups(t *testing.T) {
	var gs []Group
	for g := range 6 {
		gs = append(gs, Group{Name: "Group " + string(rune('A'+g)), Points: []Point{{X: float64(g), Y: float64(g)}, {X: float64(g) + 0.5, Y: 1}}})
	}
	c := Scatter{ID: "groups", Title: "Opinion groups", Groups: gs, PointName: "Participant"}.Draw()
	accessible(t, c, "groups")
	root := parseSVG(t, string(c.SVG))
	shapes := map[string]bool{}
	colours := map[string]bool{}
	for gi := range gs {
		g := root.class("points-" + strconv.Itoa(gi))
		if len(g) != 1 || len(g[0].children) != 2 {
			t.Fatalf("group %d: want two markers", gi)
		}
		m := g[0].children[0]
		key := shapeOf(m)
		shapes[key] = true
		colours[m.attrs["fill"]+m.attrs["stroke"]] = true
	}
	if len(shapes) != 6 {
		t.Errorf("%d shapes for six groups: %v", len(shapes), shapes)
	}
	if len(colours) < 5 {
		t.Errorf("%d colours", len(colours))
	}
	var got []string
	for _, l := range root.class("legend") { // the legend wraps onto a second row
		got = append(got, l.texts()...)
	}
	if len(got) != 6 || got[5] != "Group F" {
		t.Errorf("legend %v", got)
	}
	if got := strings.Join(c.Table.Columns, "|"); got != "Participant|Group|x|y" || len(root.class("legend")) != 2 {
		t.Errorf("columns %s", got)
	}
	if r := c.Table.Rows[3]; r.Header != "4" || strings.Join(r.Cells, "|") != "Group B|1.5|1" {
		t.Errorf("row %+v", r)
	}
}

// shapeOf names the shape of a marker.
func shapeOf(m *node) string {
	if m.name != "path" {
		return m.name // circle, rect
	}
	d := m.attrs["d"]
	switch {
	case m.attrs["fill"] == "none":
		return "cross"
	case strings.Count(d, "L") == 3:
		return "diamond"
	}
	// A triangle "Mx yLx yLx yZ": up when the first point (the apex) is above the second.
	var ys []float64
	for _, p := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(d, "M"), "Z"), "L") {
		f := strings.Fields(p)
		y, _ := strconv.ParseFloat(f[1], 64)
		ys = append(ys, y)
	}
	if ys[0] < ys[1] {
		return "triangle"
	}
	return "triangle-down"
}

func opinionMap(n int) Scatter {
	r := rand.New(rand.NewPCG(7, 11))
	gs := make([]Group, 3)
	for g := range gs {
		gs[g].Name = "Group " + string(rune('A'+g))
	}
	for i := range n {
		g := i % 3
		gs[g].Points = append(gs[g].Points, Point{X: r.NormFloat64() + float64(g)*3, Y: r.NormFloat64() * 2, Label: "Participant " + strconv.Itoa(i)})
	}
	return Scatter{ID: "map", Title: "Opinion map", XLabel: "First component", YLabel: "Second component", Groups: gs, GroupName: "Opinion group"}
}

// Thousands of points: small marks in one path per group, no labels, no tooltips, and a
// table that summarises each group.
func TestScatterMany(t *testing.T) {
	sc := opinionMap(2000)
	sc.Groups[2].Points = append(sc.Groups[2].Points, Point{X: math.Inf(1), Y: 0}, Point{X: 0, Y: nan()})
	c := sc.Draw()
	accessible(t, c, "map")
	root := parseSVG(t, string(c.SVG))
	noBadNumbers(t, root)
	if n := len(root.named("title")); n != 1 {
		t.Errorf("%d titles: only the chart's own when there are many points", n)
	}
	if len(root.class("point-labels")) != 0 || strings.Contains(string(c.SVG), "Participant 1") {
		t.Error("no point labels when there are many points")
	}
	drawn := 0
	for gi := range 3 {
		p := root.class("points-" + strconv.Itoa(gi))
		if len(p) != 1 || p[0].name != "path" {
			t.Fatalf("group %d: want one path", gi)
		}
		d := p[0].attrs["d"]
		drawn += strings.Count(d, "M")
		for _, f := range strings.FieldsFunc(d, func(r rune) bool { return !(r == '.' || r >= '0' && r <= '9') }) {
			if i := strings.IndexByte(f, '.'); i >= 0 && len(f)-i-1 > 1 {
				t.Fatalf("coordinate %s has more than one decimal", f)
			}
		}
	}
	if drawn != 2000 {
		t.Errorf("%d points drawn, want 2000 (the two with a missing coordinate are not)", drawn)
	}
	if len(c.SVG) > 60_000 {
		t.Errorf("%d bytes for 2,000 points", len(c.SVG))
	}
	if got := strings.Join(c.Table.Columns, "|"); got != "Opinion group|Count|First component, mean|Second component, mean" {
		t.Errorf("columns %s", got)
	}
	if len(c.Table.Rows) != 3 {
		t.Fatalf("%d rows, want one per group", len(c.Table.Rows))
	}
	// Means of the drawn points, checked against a sum here.
	for gi, g := range sc.Groups {
		n, sx := 0, 0.0
		for _, p := range g.Points {
			if finite(p.X) && finite(p.Y) {
				n++
				sx += p.X
			}
		}
		r := c.Table.Rows[gi]
		if r.Header != g.Name || r.Cells[0] != strconv.Itoa(n) || r.Cells[1] != Format(sx/float64(n)) {
			t.Errorf("row %+v, want %d points, mean x %s", r, n, Format(sx/float64(n)))
		}
	}
	if !strings.Contains(root.named("desc")[0].text, "summarises each group") {
		t.Error("the description must say the table is a summary")
	}
	// At the limit, points are still drawn one by one.
	sc = opinionMap(30)
	sc.Limit = 30
	if c := sc.Draw(); len(c.Table.Rows) != 30 || len(parseSVG(t, string(c.SVG)).class("point-labels")) != 1 {
		t.Error("30 points at a limit of 30: one row and a label each")
	}
	// A table of the caller's own.
	sc = opinionMap(500)
	sc.CustomTable = &Table{Columns: []string{"Opinion group", "Share agreeing"}, Rows: []Row{{Header: "Group A", Cells: []string{"62%"}}}}
	if c := sc.Draw(); c.Table.Caption != "Opinion map" || c.Table.Rows[0].Cells[0] != "62%" {
		t.Errorf("custom table %+v", c.Table)
	}
}

func TestScatterEscapes(t *testing.T) {
	c := Scatter{ID: "<x>", Title: "<script>", XLabel: "<b>", YLabel: "A&B", Desc: `"<i>"`,
		Groups:    []Group{{Name: "<script>alert(1)</script>", Points: []Point{{X: 1, Y: 2, Label: "<script>"}}}},
		XRefs:     []Ring{{Value: 1, Label: "<u>"}},
		Quadrants: Quadrants{TopLeft: "<em>"}}.Draw()
	svg := string(c.SVG)
	for _, bad := range []string{"<script>", "<b>", "<i>", "<u>", "<em>"} {
		if strings.Contains(svg, bad) {
			t.Errorf("unescaped %s", bad)
		}
	}
	accessible(t, c, "c-x-")
	if h := string(c.Table.HTML()); strings.Contains(h, "<script>") || !strings.Contains(h, "&lt;script&gt;") {
		t.Errorf("table not escaped: %s", h)
	}
}

// FuzzScatter: whatever the values, Draw never panics, writes no NaN or Inf coordinate and
// gives well-formed XML.
func FuzzScatter(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 4.0, uint16(6), false, "driver")
	f.Add(math.NaN(), math.Inf(1), math.Inf(-1), 1e308, uint16(300), true, "<script>")
	f.Add(5.0, 5.0, 5.0, 5.0, uint16(3), false, "")
	f.Add(-math.MaxFloat64, math.MaxFloat64, 0.0, math.SmallestNonzeroFloat64, uint16(40), true, "a\x00b\xff\ufffe")
	f.Fuzz(func(t *testing.T, a, b, c, d float64, n uint16, fixed bool, label string) {
		pick := []float64{a, b, c, d, math.NaN()}
		gs := make([]Group, 1+int(n)%7)
		for i := range int(n) % 400 {
			g := &gs[i%len(gs)]
			g.Name = label
			g.Points = append(g.Points, Point{X: pick[i%5], Y: pick[(i*3+1)%5], Label: label})
		}
		sc := Scatter{ID: label, Title: label, XLabel: label, YLabel: label, Groups: gs, Limit: 150,
			XRefs: []Ring{{Value: c, Label: label}}, YRefs: []Ring{{Value: d}},
			Quadrants: Quadrants{label, label, label, label}}
		if fixed {
			sc.XMin, sc.XMax, sc.YMin, sc.YMax = a, b, c, d
		}
		ch := sc.Draw()
		noBadNumbers(t, parseSVG(t, string(ch.SVG)))
		parseSVG(t, "<div>"+string(ch.Table.HTML())+"</div>")
	})
}

func BenchmarkScatter2000(b *testing.B) {
	sc := opinionMap(2000)
	b.ReportAllocs()
	for b.Loop() {
		c := sc.Draw()
		b.SetBytes(int64(len(c.SVG)))
	}
}
