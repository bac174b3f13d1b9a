package chart

import (
	"fmt"
	"math"
	"strings"
)

// Ranges is a horizontal range chart, one row per category: a box from Low to High (the
// middle half of a cohort, or the spread of answers), a line at Mid (the median) and a
// diamond at Mark (this organisation, or the agreed answer). Any of them may be NaN.
type Ranges struct {
	ID    string
	Title string
	Desc  string
	Rows  []Span
	Max   float64 // 100 when 0; the scale starts at 0
	// Names for the legend and the table columns.
	RangeName, LowName, MidName, HighName, MarkName string
	Format                                          func(float64) string
	// TableCaption captions the data table (the title when empty); CategoryName heads its
	// first column ("Category" when empty).
	TableCaption, CategoryName string
}

// Span is one row of a range chart.
type Span struct {
	Label                string
	Low, Mid, High, Mark float64
}

// Draw returns the SVG and the data table of the range chart.
func (rc Ranges) Draw() Chart {
	if rc.Max <= 0 {
		rc.Max = 100
	}
	if rc.Format == nil {
		rc.Format = Format
	}
	for p, d := range map[*string]string{&rc.RangeName: "Range", &rc.LowName: "Low", &rc.MidName: "Middle", &rc.HighName: "High", &rc.MarkName: "Mark"} {
		if *p == "" {
			*p = d
		}
	}
	id := cleanID(rc.ID, "ranges")
	h := barsTop + barsRowH*float64(len(rc.Rows)) + 44
	desc := rc.Desc
	if desc == "" {
		desc = rc.describe()
	}
	var b strings.Builder
	svgOpen(&b, id, "chart-ranges", barsW, h, rc.Title, desc)
	x0 := barsLabelW
	xOf := func(v float64) float64 { return x0 + barsTrackW*math.Max(0, math.Min(1, v/rc.Max)) }
	bottom := barsTop + barsRowH*float64(len(rc.Rows))
	b.WriteString(`<g class="grid" stroke="#c9d1d9" stroke-width="1">`)
	for k := 0; k <= 5; k++ {
		x := xOf(rc.Max * float64(k) / 5)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x), num(barsTop-6), num(x), num(bottom))
	}
	b.WriteString(`</g><g class="ticks" font-size="11" fill="#4a5560" text-anchor="middle">`)
	for k := 0; k <= 5; k++ {
		v := rc.Max * float64(k) / 5
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(xOf(v)), num(barsTop-10), esc(rc.Format(v)))
	}
	b.WriteString(`</g>`)
	for i, r := range rc.Rows {
		cy := barsTop + barsRowH*float64(i) + barsRowH/2
		lines := wrap(r.Label, 26, 2)
		ly := cy + 4.5 - 7*float64(len(lines)-1)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" font-size="13" fill="#1b1f24">`, num(x0-10), num(ly))
		for k, l := range lines {
			if k == 0 {
				fmt.Fprintf(&b, `<tspan x="%s">%s</tspan>`, num(x0-10), esc(l))
			} else {
				fmt.Fprintf(&b, `<tspan x="%s" dy="14">%s</tspan>`, num(x0-10), esc(l))
			}
		}
		b.WriteString(`</text>`)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#c9d1d9" stroke-width="2"/>`, num(x0), num(cy), num(x0+barsTrackW), num(cy))
		if !math.IsNaN(r.Low) && !math.IsNaN(r.High) {
			fmt.Fprintf(&b, `<rect class="range" x="%s" y="%s" width="%s" height="16" fill="#d5e3f0" stroke="#0b5394" stroke-width="1.5"><title>%s</title></rect>`,
				num(xOf(r.Low)), num(cy-8), num(math.Max(1, xOf(r.High)-xOf(r.Low))),
				esc(fmt.Sprintf("%s — %s: %s to %s", r.Label, rc.RangeName, rc.Format(r.Low), rc.Format(r.High))))
		}
		if !math.IsNaN(r.Mid) {
			fmt.Fprintf(&b, `<path class="mid" d="M%s %sV%s" stroke="#0b5394" stroke-width="3"><title>%s</title></path>`,
				num(xOf(r.Mid)), num(cy-10), num(cy+10), esc(fmt.Sprintf("%s — %s: %s", r.Label, rc.MidName, rc.Format(r.Mid))))
		}
		note := ""
		if !math.IsNaN(r.Mark) {
			marker(&b, Diamond, xOf(r.Mark), cy, "#1b1f24", fmt.Sprintf("%s — %s: %s", r.Label, rc.MarkName, rc.Format(r.Mark)))
			note = rc.MarkName + " " + rc.Format(r.Mark)
		}
		if math.IsNaN(r.Low) && math.IsNaN(r.Mid) && math.IsNaN(r.Mark) {
			note = Missing
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="13" fill="#1b1f24">%s</text>`, num(x0+barsTrackW+10), num(cy+4.5), esc(note))
	}
	// The legend names what the rows show (a mark no row has is left out).
	has := func(get func(Span) float64) bool {
		for _, r := range rc.Rows {
			if !math.IsNaN(get(r)) {
				return true
			}
		}
		return false
	}
	var items []legendItem
	if has(func(s Span) float64 { return s.Low }) {
		items = append(items, legendItem{label: rc.RangeName, draw0: func(b *strings.Builder, x, y float64) {
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="32" height="12" fill="#d5e3f0" stroke="#0b5394" stroke-width="1.5"/>`, num(x), num(y-6))
		}})
	}
	if has(func(s Span) float64 { return s.Mid }) {
		items = append(items, legendItem{label: rc.MidName, draw0: func(b *strings.Builder, x, y float64) {
			fmt.Fprintf(b, `<path d="M%s %sV%s" stroke="#0b5394" stroke-width="3"/>`, num(x+16), num(y-9), num(y+9))
		}})
	}
	if has(func(s Span) float64 { return s.Mark }) {
		items = append(items, legendItem{label: rc.MarkName, draw0: func(b *strings.Builder, x, y float64) { marker(b, Diamond, x+16, y, "#1b1f24", "") }})
	}
	legend(&b, 16, h-16, items)
	b.WriteString(`</svg>`)
	return Chart{SVG: safe(b.String()), Table: rc.table()}
}

// table lists the rows' values; a column with no value in any row is left out.
func (rc Ranges) table() Table {
	t := Table{Caption: rc.TableCaption, Columns: []string{orDefault(rc.CategoryName, "Category")}}
	if t.Caption == "" {
		t.Caption = rc.Title
	}
	cols := []struct {
		name string
		get  func(Span) float64
	}{
		{rc.LowName, func(s Span) float64 { return s.Low }},
		{rc.MidName, func(s Span) float64 { return s.Mid }},
		{rc.HighName, func(s Span) float64 { return s.High }},
		{rc.MarkName, func(s Span) float64 { return s.Mark }},
	}
	var keep []int
	for i, c := range cols {
		for _, r := range rc.Rows {
			if !math.IsNaN(c.get(r)) {
				keep = append(keep, i)
				t.Columns = append(t.Columns, c.name)
				t.Numeric = append(t.Numeric, true)
				break
			}
		}
	}
	for _, r := range rc.Rows {
		row := Row{Header: r.Label}
		for _, i := range keep {
			row.Cells = append(row.Cells, dash(cols[i].get(r), rc.Format))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func dash(v float64, format func(float64) string) string {
	if math.IsNaN(v) {
		return "—"
	}
	return format(v)
}

func (rc Ranges) describe() string {
	t := rc.table()
	parts := []string{fmt.Sprintf("Range chart of %d rows on a scale from 0 to %s.", len(rc.Rows), rc.Format(rc.Max))}
	var rows []string
	for _, r := range t.Rows {
		var cells []string
		for i, c := range r.Cells {
			cells = append(cells, t.Columns[i+1]+" "+c)
		}
		rows = append(rows, r.Header+": "+strings.Join(cells, ", "))
	}
	parts = append(parts, strings.Join(rows, "; ")+".", "The table that follows gives the same figures.")
	return strings.Join(parts, " ")
}
