package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Scatter is a scatter chart: points on two numeric axes, in groups. Each group has its own
// colour from the palette and its own marker shape (circle, square, triangle, diamond,
// triangle pointing down, cross: distinct for up to six groups) and a legend entry. XRefs and
// YRefs draw reference lines at given x and y (the means, splitting the plot into quadrants),
// and Quadrants captions the plot's corners. A point with a missing coordinate (NaN, ±Inf)
// is not drawn; values outside a fixed scale are drawn at its edge.
//
// Up to Limit points (200 when 0) each get a marker with a tooltip, their Label written
// beside them (moved crudely to avoid other labels), and a row in the data table. With more
// (an opinion map of thousands of participants) the points are small marks without labels
// or tooltips, and the table has a row per group: the count of points drawn and their mean
// x and y. CustomTable, when set, replaces the table written from the points.
type Scatter struct {
	ID    string // unique on the page
	Title string
	// Desc describes the chart for those who cannot see it; when empty, one is written from
	// the data.
	Desc string
	// XLabel and YLabel name the axes ("Importance (share of R²)"); they head the table's
	// columns too ("x" and "y" when empty).
	XLabel, YLabel string
	Groups         []Group
	// XMin, XMax and YMin, YMax fix a scale when min < max; otherwise it is set from the
	// points and reference lines, rounded out to nice numbers.
	XMin, XMax, YMin, YMax float64
	// XRefs are vertical lines at x values, YRefs horizontal lines at y values; an empty
	// label is the value.
	XRefs, YRefs []Ring
	Quadrants    Quadrants
	// XFormat and YFormat write the values (Format when nil; also the scale's labels when set).
	XFormat, YFormat func(float64) string
	// Width and Height of the drawing (680 by 440 when 0); the SVG is as wide as its
	// container and keeps these proportions.
	Width, Height float64
	// Limit is the most points drawn one by one with labels and tabled one per row (200 when 0).
	Limit int
	// TableCaption captions the data table (the title when empty); GroupName heads the group
	// column ("Group" when empty); PointName heads the point column ("Point" when empty);
	// MissingText is a missing value in the table (Missing when empty).
	TableCaption, GroupName, PointName, MissingText string
	// CustomTable, when not nil, is the data table instead of the one written from the points
	// (its caption defaults as above).
	CustomTable *Table
}

// Group is a set of points drawn alike, named in the legend.
type Group struct {
	Name   string
	Points []Point
}

// Point is one point; Label is written beside it and heads its table row (its number when
// empty).
type Point struct {
	X, Y  float64
	Label string
}

// Quadrants are captions for the corners of a scatter chart's plot.
type Quadrants struct {
	TopLeft, TopRight, BottomLeft, BottomRight string
}

// groupMarkers are the shapes of the groups, in order.
var groupMarkers = []Marker{Circle, Square, Triangle, Diamond, TriangleDown, Cross}

const (
	scatterW, scatterH = 680.0, 440.0
	scatterLimit       = 200
)

type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlap(b box) float64 {
	w := math.Min(a.x1, b.x1) - math.Max(a.x0, b.x0)
	h := math.Min(a.y1, b.y1) - math.Max(a.y0, b.y0)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// Draw returns the SVG and the data table of the scatter chart.
func (sc Scatter) Draw() Chart {
	customX, customY := sc.XFormat != nil, sc.YFormat != nil
	if !customX {
		sc.XFormat = Format
	}
	if !customY {
		sc.YFormat = Format
	}
	if sc.Limit <= 0 {
		sc.Limit = scatterLimit
	}
	sc.MissingText = orDefault(sc.MissingText, Missing)
	w, h := size(sc.Width, scatterW), size(sc.Height, scatterH)
	id := cleanID(sc.ID, "scatter")
	total := 0
	var xsAll, ysAll []float64
	for _, g := range sc.Groups {
		total += len(g.Points)
		for _, p := range g.Points {
			if finite(p.X) && finite(p.Y) {
				xsAll, ysAll = append(xsAll, p.X), append(ysAll, p.Y)
			}
		}
	}
	for _, r := range sc.XRefs {
		xsAll = append(xsAll, r.Value)
	}
	for _, r := range sc.YRefs {
		ysAll = append(ysAll, r.Value)
	}
	xs, ys := newScale(padded(xsAll), sc.XMin, sc.XMax, 6), newScale(padded(ysAll), sc.YMin, sc.YMax, 5)
	xTick, yTick := xs.label, ys.label
	if customX {
		xTick = sc.XFormat
	}
	if customY {
		yTick = sc.YFormat
	}
	many := total > sc.Limit

	// Layout, from the top: the y label, labels of vertical reference lines, the plot, the x
	// scale, the x label, the legend.
	left := 0.0
	for _, v := range ys.ticks {
		left = math.Max(left, float64(len([]rune(yTick(v))))*tickFont)
	}
	x0 := math.Min(math.Max(36, left+14), w/3)
	x1 := w - 20
	y0 := 14.0
	if sc.YLabel != "" {
		y0 += 20
	}
	if len(sc.XRefs) > 0 {
		y0 += 18
	}
	items := sc.legendItems()
	rows := legendRows(items, w-20)
	xl := 0.0
	if sc.XLabel != "" {
		xl = 20
	}
	bottom := 22 + xl + 10 + 22*float64(len(rows))
	if h-y0-bottom < 80 {
		h = y0 + bottom + 80
	}
	y1 := h - bottom
	xOf := func(v float64) float64 { return xs.at(v, x0, x1) }
	yOf := func(v float64) float64 { return ys.at(v, y1, y0) }

	desc := sc.Desc
	if desc == "" {
		desc = sc.describe(xs, ys, total)
	}
	var b strings.Builder
	b.Grow(4096 + 16*total)
	svgOpenFluid(&b, id, "chart-scatter", w, h, sc.Title, desc)
	if sc.YLabel != "" {
		fmt.Fprintf(&b, `<text class="y-label" x="8" y="18" font-size="13" fill="#1b1f24">%s</text>`, esc(sc.YLabel))
	}
	b.WriteString(`<g class="grid" stroke="#e1e6eb" stroke-width="1">`)
	for _, v := range ys.ticks {
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x0), num(yOf(v)), num(x1), num(yOf(v)))
	}
	for _, v := range xs.ticks {
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(xOf(v)), num(y0), num(xOf(v)), num(y1))
	}
	b.WriteString(`</g><g class="ticks y-ticks" font-size="11" fill="#4a5560" text-anchor="end">`)
	for _, v := range ys.ticks {
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(x0-6), num(yOf(v)+4), esc(yTick(v)))
	}
	b.WriteString(`</g><g class="ticks x-ticks" font-size="11" fill="#4a5560" text-anchor="middle">`)
	for _, v := range xs.ticks {
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(xOf(v)), num(y1+17), esc(xTick(v)))
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(&b, `<path class="axes" d="M%s %sV%sH%s" fill="none" stroke="#4a5560" stroke-width="1"/>`, num(x0), num(y0), num(y1), num(x1))
	if sc.XLabel != "" {
		fmt.Fprintf(&b, `<text class="x-label" x="%s" y="%s" text-anchor="middle" font-size="13" fill="#1b1f24">%s</text>`, num((x0+x1)/2), num(y1+22+14), esc(sc.XLabel))
	}

	// Quadrant captions in the corners and the labels of reference lines are written over the
	// points (notes); point labels keep clear of them.
	var placed []box
	var notes strings.Builder
	halo := ` stroke="#fff" stroke-width="3" paint-order="stroke"`
	corners := []struct {
		text   string
		x, y   float64
		anchor string
	}{
		{sc.Quadrants.TopLeft, x0 + 6, y0 + 16, "start"},
		{sc.Quadrants.TopRight, x1 - 6, y0 + 16, "end"},
		{sc.Quadrants.BottomLeft, x0 + 6, y1 - 8, "start"},
		{sc.Quadrants.BottomRight, x1 - 6, y1 - 8, "end"},
	}
	notes.WriteString(`<g class="quadrants" font-size="13" font-weight="600" fill="#4a5560">`)
	for _, c := range corners {
		if c.text == "" {
			continue
		}
		tw := float64(len([]rune(c.text))) * 7.5
		bx := box{c.x, c.y - 12, c.x + tw, c.y + 3}
		if c.anchor == "end" {
			bx.x0, bx.x1 = c.x-tw, c.x
		}
		placed = append(placed, bx)
		fmt.Fprintf(&notes, `<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`, num(c.x), num(c.y), c.anchor, halo, esc(c.text))
	}
	notes.WriteString(`</g>`)
	// Reference lines, labelled above the plot (vertical) or at its right (horizontal).
	for _, r := range sc.XRefs {
		if !finite(r.Value) {
			continue
		}
		x := xOf(r.Value)
		fmt.Fprintf(&b, `<path class="ref" d="M%s %sV%s" stroke="#4a5560" stroke-width="1.5" stroke-dasharray="8 3 2 3"/>`, num(x), num(y0), num(y1))
		fmt.Fprintf(&notes, `<text class="ref-label" x="%s" y="%s" text-anchor="middle" font-size="12" fill="#1b1f24">%s</text>`, num(x), num(y0-5), esc(orDefault(r.Label, sc.XFormat(r.Value))))
	}
	for _, r := range sc.YRefs {
		if !finite(r.Value) {
			continue
		}
		y := yOf(r.Value)
		fmt.Fprintf(&b, `<path class="ref" d="M%s %sH%s" stroke="#4a5560" stroke-width="1.5" stroke-dasharray="8 3 2 3"/>`, num(x0), num(y), num(x1))
		label := orDefault(r.Label, sc.YFormat(r.Value))
		tw := float64(len([]rune(label))) * 7
		placed = append(placed, box{x1 - 4 - tw, y - 17, x1 - 4, y - 3})
		fmt.Fprintf(&notes, `<text class="ref-label" x="%s" y="%s" text-anchor="end" font-size="12" fill="#1b1f24"%s>%s</text>`, num(x1-4), num(y-5), halo, esc(label))
	}

	// The points.
	if many {
		for gi, g := range sc.Groups {
			dots(&b, gi, g.Points, xOf, yOf)
		}
	} else {
		type label struct {
			text string
			x, y float64
		}
		var labels []label
		n := 0
		for gi, g := range sc.Groups {
			colour, shape := colourOf(gi), groupMarkers[gi%len(groupMarkers)]
			fmt.Fprintf(&b, `<g class="points points-%d">`, gi)
			for _, p := range g.Points {
				n++
				if !finite(p.X) || !finite(p.Y) {
					continue
				}
				name := orDefault(p.Label, strconv.Itoa(n))
				tip := fmt.Sprintf("%s — %s: %s %s, %s %s", name, g.Name, orDefault(sc.XLabel, "x"), sc.XFormat(p.X), orDefault(sc.YLabel, "y"), sc.YFormat(p.Y))
				if g.Name == "" {
					tip = fmt.Sprintf("%s: %s %s, %s %s", name, orDefault(sc.XLabel, "x"), sc.XFormat(p.X), orDefault(sc.YLabel, "y"), sc.YFormat(p.Y))
				}
				markerR(&b, shape, xOf(p.X), yOf(p.Y), 4.5, colour, tip)
				placed = append(placed, box{xOf(p.X) - 5, yOf(p.Y) - 5, xOf(p.X) + 5, yOf(p.Y) + 5}) // labels avoid markers too
				if p.Label != "" {
					labels = append(labels, label{shorten(p.Label, 28), xOf(p.X), yOf(p.Y)})
				}
			}
			b.WriteString(`</g>`)
		}
		b.WriteString(notes.String())
		notes.Reset()
		if len(labels) > 0 {
			b.WriteString(`<g class="point-labels" font-size="12" fill="#1b1f24">`)
			plot := box{x0, y0, x1, y1}
			for _, l := range labels {
				tw := float64(len([]rune(l.text))) * tickFont * 12 / 11
				// Beside the point, to the right, left, above, below, then further off.
				type spot struct {
					dx, dy float64
					anchor string
				}
				spots := []spot{{8, 4, "start"}, {-8, 4, "end"}, {0, -9, "middle"}, {0, 17, "middle"},
					{8, -8, "start"}, {8, 16, "start"}, {-8, -8, "end"}, {-8, 16, "end"}, {0, -22, "middle"}, {0, 30, "middle"}}
				best, bestCost := 0, math.Inf(1)
				var bestBox box
				for k, s := range spots {
					tx, ty := l.x+s.dx, l.y+s.dy
					bx := box{tx, ty - 11, tx + tw, ty + 3}
					switch s.anchor {
					case "end":
						bx.x0, bx.x1 = tx-tw, tx
					case "middle":
						bx.x0, bx.x1 = tx-tw/2, tx+tw/2
					}
					cost := 0.0
					for _, p := range placed {
						cost += bx.overlap(p)
					}
					// Outside the plot costs as much as the part that sticks out.
					cost += (bx.x1-bx.x0)*(bx.y1-bx.y0) - bx.overlap(plot) + float64(k)*0.01
					if cost < bestCost {
						best, bestCost, bestBox = k, cost, bx
					}
					if cost < 0.1 {
						break
					}
				}
				s := spots[best]
				placed = append(placed, bestBox)
				fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`, num(l.x+s.dx), num(l.y+s.dy), s.anchor, halo, esc(l.text))
			}
			b.WriteString(`</g>`)
		}
	}
	b.WriteString(notes.String()) // when the points are many
	for k, row := range rows {
		legend(&b, 16, y1+22+xl+16+22*float64(k), row)
	}
	b.WriteString(`</svg>`)
	return Chart{SVG: safe(b.String()), Table: sc.table(total)}
}

// padded adds to values two that lie a little beyond them, so that no point sits on the
// edge of a scale set from the values (a scale that starts at 0 or more stays so).
func padded(values []float64) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	pad := (hi/2 - lo/2) * 0.08 // halves: no overflow
	if !(pad > 0) || !finite(pad) {
		return values
	}
	a, b := lo-pad, hi+pad
	if lo >= 0 && a < 0 {
		a = 0
	}
	return append(values[:len(values):len(values)], a, b)
}

// dots draws many points of group gi as one path of small marks, each a few bytes.
func dots(b *strings.Builder, gi int, points []Point, xOf, yOf func(float64) float64) {
	colour, shape := colourOf(gi), groupMarkers[gi%len(groupMarkers)]
	attrs, mark := "", ""
	switch shape {
	case Circle: // a zero-length stroke with round caps is a dot
		attrs, mark = `fill="none" stroke="`+colour+`" stroke-width="5" stroke-linecap="round"`, "h0"
	case Square: // hollow, as in the legend
		attrs, mark = `fill="none" stroke="`+colour+`" stroke-width="1.4"`, "m-2.2-2.2h4.4v4.4h-4.4z"
	case Diamond:
		attrs, mark = `fill="`+colour+`"`, "m0-3l3 3-3 3-3-3z"
	case Triangle:
		attrs, mark = `fill="`+colour+`"`, "m0-3l3 5.2h-6z"
	case TriangleDown:
		attrs, mark = `fill="`+colour+`"`, "m0 3l3-5.2h-6z"
	default: // Cross
		attrs, mark = `fill="none" stroke="`+colour+`" stroke-width="1.5"`, "m-2.5-2.5l5 5m0-5l-5 5"
	}
	fmt.Fprintf(b, `<path class="points points-%d" %s d="`, gi, attrs)
	buf := make([]byte, 0, 32)
	for _, p := range points {
		if !finite(p.X) || !finite(p.Y) {
			continue
		}
		buf = append(buf[:0], 'M')
		buf = strconv.AppendFloat(buf, math.Round(xOf(p.X)*10)/10, 'f', -1, 64)
		buf = append(buf, ' ')
		buf = strconv.AppendFloat(buf, math.Round(yOf(p.Y)*10)/10, 'f', -1, 64)
		b.Write(buf)
		b.WriteString(mark)
	}
	b.WriteString(`"/>`)
}

func (sc Scatter) legendItems() []legendItem {
	if len(sc.Groups) == 1 && sc.Groups[0].Name == "" {
		return nil
	}
	var items []legendItem
	for gi, g := range sc.Groups {
		colour, shape := colourOf(gi), groupMarkers[gi%len(groupMarkers)]
		items = append(items, legendItem{label: g.Name, colour: colour, draw0: func(b *strings.Builder, x, y float64) {
			markerR(b, shape, x+16, y, 4.5, colour, "")
		}})
	}
	return items
}

// stats are the count of a group's drawn points and their means.
func (g Group) stats() (n int, mx, my float64) {
	for _, p := range g.Points {
		if finite(p.X) && finite(p.Y) {
			n++
			mx += (p.X - mx) / float64(n) // running means do not overflow
			my += (p.Y - my) / float64(n)
		}
	}
	if n == 0 {
		return 0, math.NaN(), math.NaN()
	}
	return n, mx, my
}

func (sc Scatter) table(total int) Table {
	caption := orDefault(sc.TableCaption, sc.Title)
	if sc.CustomTable != nil {
		t := *sc.CustomTable
		t.Caption = orDefault(t.Caption, caption)
		return t
	}
	xName, yName := orDefault(sc.XLabel, "x"), orDefault(sc.YLabel, "y")
	groupName := orDefault(sc.GroupName, "Group")
	cell := func(v float64, f func(float64) string) string {
		if math.IsNaN(v) {
			return sc.MissingText
		}
		return f(v)
	}
	if total > sc.Limit {
		t := Table{Caption: caption, Columns: []string{groupName, "Count", xName + ", mean", yName + ", mean"}, Numeric: []bool{true, true, true}}
		for _, g := range sc.Groups {
			n, mx, my := g.stats()
			t.Rows = append(t.Rows, Row{Header: g.Name, Cells: []string{strconv.Itoa(n), cell(mx, sc.XFormat), cell(my, sc.YFormat)}})
		}
		return t
	}
	t := Table{Caption: caption, Columns: []string{orDefault(sc.PointName, "Point")}}
	withGroup := len(sc.Groups) > 1
	if withGroup {
		t.Columns = append(t.Columns, groupName)
		t.Numeric = append(t.Numeric, false)
	}
	t.Columns = append(t.Columns, xName, yName)
	t.Numeric = append(t.Numeric, true, true)
	n := 0
	for _, g := range sc.Groups {
		for _, p := range g.Points {
			n++
			r := Row{Header: orDefault(p.Label, strconv.Itoa(n))}
			if withGroup {
				r.Cells = append(r.Cells, g.Name)
			}
			r.Cells = append(r.Cells, cell(p.X, sc.XFormat), cell(p.Y, sc.YFormat))
			t.Rows = append(t.Rows, r)
		}
	}
	return t
}

func (sc Scatter) describe(xs, ys scale, total int) string {
	xName, yName := orDefault(sc.XLabel, "x"), orDefault(sc.YLabel, "y")
	parts := []string{fmt.Sprintf("Scatter chart of %d points in %d groups: across, %s from %s to %s; up, %s from %s to %s.",
		total, len(sc.Groups), xName, sc.XFormat(xs.lo), sc.XFormat(xs.hi), yName, sc.YFormat(ys.lo), sc.YFormat(ys.hi))}
	if total <= 20 {
		n := 0
		for _, g := range sc.Groups {
			var ps []string
			for _, p := range g.Points {
				n++
				ps = append(ps, fmt.Sprintf("%s (%s, %s)", orDefault(p.Label, strconv.Itoa(n)), orDefault(sc.XFormat(p.X), sc.MissingText), orDefault(sc.YFormat(p.Y), sc.MissingText)))
			}
			if len(ps) > 0 {
				parts = append(parts, strings.TrimPrefix(g.Name+": ", ": ")+strings.Join(ps, "; ")+".")
			}
		}
	} else {
		for _, g := range sc.Groups {
			n, mx, my := g.stats()
			parts = append(parts, fmt.Sprintf("%s: %d points, mean %s %s, mean %s %s.", orDefault(g.Name, "Points"), n, xName, orDefault(sc.XFormat(mx), sc.MissingText), yName, orDefault(sc.YFormat(my), sc.MissingText)))
		}
	}
	for _, r := range sc.XRefs {
		if finite(r.Value) {
			parts = append(parts, fmt.Sprintf("An upright line marks %s at %s.", orDefault(r.Label, xName), sc.XFormat(r.Value)))
		}
	}
	for _, r := range sc.YRefs {
		if finite(r.Value) {
			parts = append(parts, fmt.Sprintf("A level line marks %s at %s.", orDefault(r.Label, yName), sc.YFormat(r.Value)))
		}
	}
	q := sc.Quadrants
	var cs []string
	for _, c := range [][2]string{{"top left", q.TopLeft}, {"top right", q.TopRight}, {"bottom left", q.BottomLeft}, {"bottom right", q.BottomRight}} {
		if c[1] != "" {
			cs = append(cs, c[0]+": "+c[1])
		}
	}
	if len(cs) > 0 {
		parts = append(parts, "Corners: "+strings.Join(cs, "; ")+".")
	}
	if total > sc.Limit && sc.CustomTable == nil {
		parts = append(parts, "The table that follows summarises each group.")
	} else {
		parts = append(parts, "The table that follows gives the same figures.")
	}
	return strings.Join(parts, " ")
}
