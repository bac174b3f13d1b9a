package chart

import (
	"fmt"
	"math"
	"strings"
)

// Radar is a radar (spider) chart: one axis per category from the centre (Min) to the rim
// (Max), one closed line per series.
type Radar struct {
	ID    string // unique on the page
	Title string
	// Desc describes the chart for those who cannot see it; when empty, one is written from
	// the data.
	Desc       string
	Categories []string
	Series     []Series
	Min, Max   float64 // the scale; Max 0 means 100
	Rings      []Ring  // reference lines; none gives five even rings
	// Format writes values (Format when nil).
	Format func(float64) string
	// TableCaption captions the data table (the title when empty).
	TableCaption string
	// CategoryName heads the table's first column ("Category" when empty).
	CategoryName string
}

const (
	radarW, radarH = 600.0, 472.0
	radarCX        = 300.0
	radarCY        = 232.0
	radarR         = 165.0
)

// Draw returns the SVG and the data table of the radar chart.
func (rd Radar) Draw() Chart {
	if rd.Max == rd.Min {
		rd.Min, rd.Max = 0, 100
	}
	if rd.Format == nil {
		rd.Format = Format
	}
	id := cleanID(rd.ID, "radar")
	n := len(rd.Categories)
	var b strings.Builder
	desc := rd.Desc
	if desc == "" {
		desc = rd.describe()
	}
	svgOpen(&b, id, "chart-radar", radarW, radarH, rd.Title, desc)
	angle := func(i int) float64 { return -math.Pi/2 + 2*math.Pi*float64(i)/float64(max(n, 1)) }
	at := func(i int, v float64) (float64, float64) {
		f := (v - rd.Min) / (rd.Max - rd.Min)
		f = math.Max(0, math.Min(1, f))
		a := angle(i)
		return radarCX + radarR*f*math.Cos(a), radarCY + radarR*f*math.Sin(a)
	}
	rings := rd.Rings
	if len(rings) == 0 {
		for k := 1; k <= 5; k++ {
			v := rd.Min + (rd.Max-rd.Min)*float64(k)/5
			rings = append(rings, Ring{Value: v, Label: rd.Format(v)})
		}
	}

	// The grid: rings as polygons (or circles with fewer than three axes), spokes, labels.
	b.WriteString(`<g class="grid" fill="none" stroke="#c9d1d9" stroke-width="1">`)
	for _, rg := range rings {
		if n >= 3 {
			var pts []string
			for i := range n {
				x, y := at(i, rg.Value)
				pts = append(pts, num(x)+","+num(y))
			}
			fmt.Fprintf(&b, `<polygon points="%s"/>`, strings.Join(pts, " "))
		} else {
			f := (rg.Value - rd.Min) / (rd.Max - rd.Min)
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s"/>`, num(radarCX), num(radarCY), num(radarR*f))
		}
	}
	for i := range n {
		x, y := at(i, rd.Max)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(radarCX), num(radarCY), num(x), num(y))
	}
	b.WriteString(`</g>`)
	// Ring labels sit just above their ring, right of the upward axis: a level's name labels
	// the band it starts.
	b.WriteString(`<g class="ring-labels" font-size="11" fill="#4a5560" stroke="#fff" stroke-width="3" paint-order="stroke">`)
	for _, rg := range rings {
		if rg.Label == "" {
			continue
		}
		f := (rg.Value - rd.Min) / (rd.Max - rd.Min)
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(radarCX+5), num(radarCY-radarR*f-4), esc(rg.Label))
	}
	b.WriteString(`</g>`)
	// Category labels outside the rim.
	b.WriteString(`<g class="axis-labels" font-size="13" fill="#1b1f24">`)
	for i, c := range rd.Categories {
		a := angle(i)
		cos, sin := math.Cos(a), math.Sin(a)
		x, y := radarCX+(radarR+16)*cos, radarCY+(radarR+16)*sin
		anchor := "middle"
		switch {
		case cos > 0.2:
			anchor = "start"
		case cos < -0.2:
			anchor = "end"
		}
		lines := wrap(c, 20, 2)
		dy := 4.5
		switch {
		case sin < -0.5: // above: the last line sits on the rim
			dy = 4.5 - 15*float64(len(lines)-1) - 4
		case sin > 0.5:
			dy = 12
		default:
			dy = 4.5 - 7.5*float64(len(lines)-1)
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s">`, num(x), num(y+dy), anchor)
		for k, l := range lines {
			if k == 0 {
				fmt.Fprintf(&b, `<tspan x="%s">%s</tspan>`, num(x), esc(l))
			} else {
				fmt.Fprintf(&b, `<tspan x="%s" dy="15">%s</tspan>`, num(x), esc(l))
			}
		}
		b.WriteString(`</text>`)
	}
	b.WriteString(`</g>`)

	// Series: areas first, then lines, then markers on top.
	for si, s := range rd.Series {
		if !s.Fill || n < 3 {
			continue
		}
		if pts, ok := rd.closedPoints(s, at); ok {
			fmt.Fprintf(&b, `<polygon class="area" points="%s" fill="%s" fill-opacity="0.14" stroke="none"/>`, pts, colourOf(si))
		}
	}
	for si, s := range rd.Series {
		colour := colourOf(si)
		fmt.Fprintf(&b, `<g class="series series-%d" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"%s>`, si, colour, s.Style.dash())
		for _, seg := range rd.segments(s, at) {
			fmt.Fprintf(&b, `<path d="%s"/>`, seg)
		}
		b.WriteString(`</g>`)
	}
	for si, s := range rd.Series {
		colour := colourOf(si)
		fmt.Fprintf(&b, `<g class="markers markers-%d">`, si)
		for i := range n {
			if i >= len(s.Values) || math.IsNaN(s.Values[i]) {
				continue
			}
			x, y := at(i, s.Values[i])
			marker(&b, s.Marker, x, y, colour, fmt.Sprintf("%s — %s: %s", rd.Categories[i], s.Name, rd.Format(s.Values[i])))
		}
		b.WriteString(`</g>`)
	}

	// Legend, centred under the chart.
	var items []legendItem
	width := 0.0
	for si, s := range rd.Series {
		s, colour := s, colourOf(si)
		items = append(items, legendItem{label: s.Name, colour: colour, draw0: func(b *strings.Builder, x, y float64) {
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5"%s/>`, num(x), num(y), num(x+32), num(y), colour, s.Style.dash())
			marker(b, s.Marker, x+16, y, colour, "")
		}})
		width += 46 + float64(len([]rune(s.Name)))*7.2 + 18
	}
	legend(&b, math.Max(10, (radarW-width+18)/2), radarH-18, items)
	b.WriteString(`</svg>`)
	return Chart{SVG: safe(b.String()), Table: rd.table()}
}

// segments are the lines of a series: around the whole polygon when every value is there,
// otherwise the runs between missing values (a missing value is a gap, not a zero).
func (rd Radar) segments(s Series, at func(int, float64) (float64, float64)) []string {
	n := len(rd.Categories)
	has := func(i int) bool { i %= n; return i < len(s.Values) && !math.IsNaN(s.Values[i]) }
	if n == 0 {
		return nil
	}
	if pts, ok := rd.closedPoints(s, at); ok {
		return []string{"M" + strings.ReplaceAll(pts, " ", "L") + "Z"}
	}
	var out []string
	for i := range n {
		j := (i + 1) % n
		if j == i || !has(i) || !has(j) || (n == 2 && j == 0) {
			continue
		}
		x1, y1 := at(i, s.Values[i])
		x2, y2 := at(j, s.Values[j])
		out = append(out, fmt.Sprintf("M%s,%sL%s,%s", num(x1), num(y1), num(x2), num(y2)))
	}
	return out
}

// closedPoints lists every point of the series when none is missing.
func (rd Radar) closedPoints(s Series, at func(int, float64) (float64, float64)) (string, bool) {
	n := len(rd.Categories)
	if n < 3 || len(s.Values) < n {
		return "", false
	}
	pts := make([]string, n)
	for i := range n {
		if math.IsNaN(s.Values[i]) {
			return "", false
		}
		x, y := at(i, s.Values[i])
		pts[i] = num(x) + "," + num(y)
	}
	return strings.Join(pts, " "), true
}

func (rd Radar) table() Table {
	t := Table{Caption: rd.TableCaption, Columns: []string{orDefault(rd.CategoryName, "Category")}}
	if t.Caption == "" {
		t.Caption = rd.Title
	}
	for _, s := range rd.Series {
		t.Columns = append(t.Columns, s.Name)
		t.Numeric = append(t.Numeric, true)
	}
	for i, c := range rd.Categories {
		r := Row{Header: c}
		for _, s := range rd.Series {
			v := math.NaN()
			if i < len(s.Values) {
				v = s.Values[i]
			}
			r.Cells = append(r.Cells, cell(v, rd.Format))
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

func (rd Radar) describe() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("Radar chart of %d categories on a scale from %s to %s.", len(rd.Categories), rd.Format(rd.Min), rd.Format(rd.Max)))
	for _, s := range rd.Series {
		var vs []string
		for i, c := range rd.Categories {
			v := math.NaN()
			if i < len(s.Values) {
				v = s.Values[i]
			}
			vs = append(vs, c+" "+cell(v, rd.Format))
		}
		parts = append(parts, s.Name+": "+strings.Join(vs, ", ")+".")
	}
	parts = append(parts, "The table that follows gives the same figures.")
	return strings.Join(parts, " ")
}
