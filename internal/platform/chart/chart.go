// Package chart draws charts as SVG on the server, each with the data table that says the same
// thing in words and numbers. Charts are images to assistive technology (role="img" with a
// <title> and <desc>); their meaning never rests on colour alone: series differ by line style
// and marker shape too, every axis and legend entry is text, and the table is always there.
// The package is pure: it takes values and returns markup.
//
// The kinds, each a struct whose Draw method returns a Chart (the SVG and its Table;
// Chart.Figure wraps both in a <figure>):
//
//   - Radar: categories as spokes, one closed line per series, with reference rings.
//   - Bars: horizontal bars against a 0–Max scale, with targets and the gap to them hatched.
//   - Ranges: horizontal boxes from low to high with a middle line and a mark (peers, spread).
//   - Line: series over categories (months, years) on a nice numeric scale, with gaps for
//     missing values, interval bands, horizontal reference lines (a target) and vertical
//     dividers (where a forecast starts).
//   - Scatter: points on two numeric axes in groups told apart by colour and shape, with
//     optional point labels, reference lines and quadrant captions; thousands of points are
//     drawn as small marks and tabled as a summary per group.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LineStyle tells series apart without colour.
type LineStyle int

const (
	Solid LineStyle = iota
	Dashed
	Dotted
)

func (s LineStyle) dash() string {
	switch s {
	case Dashed:
		return ` stroke-dasharray="7 4"`
	case Dotted:
		return ` stroke-dasharray="2 3"`
	}
	return ""
}

// Marker is the shape drawn at each data point.
type Marker int

const (
	Circle Marker = iota
	Square
	Diamond
	Triangle
	TriangleDown
	Cross
)

// palette: colours with at least 3:1 contrast on white (WCAG 1.4.11), used in order; shape and
// line style carry the meaning as well.
var palette = []string{"#0b5394", "#1b1f24", "#8a4b00", "#1d6b35", "#6a1b9a"}

// Series is one set of values, one per category; NaN is a missing value (drawn as a gap and
// written "not scored" in the table).
type Series struct {
	Name   string
	Values []float64
	Style  LineStyle
	Marker Marker
	// Fill shades the area of a radar series.
	Fill bool
	// Lower and Upper, when set, bound an interval band around a line series (one value per
	// category, NaN where there is none).
	Lower, Upper []float64
}

// Ring is a reference line with an optional label: a ring of a radar chart (a level
// boundary, say), a target across a line chart, a split between quadrants of a scatter chart.
type Ring struct {
	Value float64
	Label string
}

// Table is the data of a chart as rows and columns of text.
type Table struct {
	Caption string
	Columns []string // the first heads the row headers (the categories)
	Rows    []Row
	// Numeric marks the columns (after the first) whose cells are numbers, aligned right.
	Numeric []bool
}

// Row is one row of a table: a header cell and data cells.
type Row struct {
	Header string
	Cells  []string
}

// HTML renders the table with a caption, column headers and row headers.
func (t Table) HTML() template.HTML {
	var b strings.Builder
	// The wrapper scrolls a wide table sideways: it takes focus so that keyboards can scroll it.
	fmt.Fprintf(&b, `<div class="table-wrap" role="region" tabindex="0" aria-label="%s"><table class="chart-table">`, esc(orDefault(t.Caption, "Data table")))
	if t.Caption != "" {
		fmt.Fprintf(&b, `<caption>%s</caption>`, esc(t.Caption))
	}
	b.WriteString(`<thead><tr>`)
	for i, c := range t.Columns {
		cls := ""
		if i > 0 && t.numeric(i-1) {
			cls = ` class="num"`
		}
		fmt.Fprintf(&b, `<th scope="col"%s>%s</th>`, cls, esc(c))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, r := range t.Rows {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(r.Header))
		for i, c := range r.Cells {
			cls := ""
			if t.numeric(i) {
				cls = ` class="num"`
			}
			fmt.Fprintf(&b, `<td%s>%s</td>`, cls, esc(c))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></div>`)
	return template.HTML(b.String())
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (t Table) numeric(i int) bool { return i < len(t.Numeric) && t.Numeric[i] }

// Chart is a drawn chart: the SVG and its data table.
type Chart struct {
	SVG   template.HTML
	Table Table
}

// Figure returns the chart as a <figure>: the caption (plain text, left out when empty), the
// SVG and its data table, for pages that do not lay them out themselves.
func (c Chart) Figure(caption string) template.HTML {
	var b strings.Builder
	b.WriteString(`<figure class="chart-figure">`)
	if caption != "" {
		fmt.Fprintf(&b, `<figcaption>%s</figcaption>`, esc(caption))
	}
	fmt.Fprintf(&b, `<div class="chart-svg">%s</div><div class="chart-data">%s</div></figure>`, c.SVG, c.Table.HTML())
	return safe(b.String())
}

// Format writes a value with at most one decimal ("62.5", "40").
func Format(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Missing is how a missing value reads in tables and descriptions.
const Missing = "not scored"

func cell(v float64, format func(float64) string) string {
	if math.IsNaN(v) {
		return Missing
	}
	return format(v)
}

func esc(s string) string { return template.HTMLEscapeString(xmlText(s)) }

// xmlText drops what XML cannot hold (control characters, U+FFFE, U+FFFF) and replaces
// invalid UTF-8, so that text from anywhere keeps the SVG well-formed.
func xmlText(s string) string {
	bad := func(r rune) bool {
		return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
	}
	if utf8.ValidString(s) && strings.IndexFunc(s, bad) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if bad(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// safe marks markup built here, from escaped text only, as safe for templates.
func safe(s string) template.HTML { return template.HTML(s) } //nolint:gosec // every text went through esc

// num writes a coordinate with one decimal.
func num(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	return s
}

var idChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func cleanID(id, fallback string) string {
	id = idChars.ReplaceAllString(id, "-")
	if id == "" {
		id = fallback
	}
	if c := id[0]; c >= '0' && c <= '9' || c == '-' {
		id = "c" + id
	}
	return id
}

// svgOpen starts an accessible SVG: role img, labelled by its title and described by desc.
func svgOpen(b *strings.Builder, id, class string, w, h float64, title, desc string) {
	svgStart(b, id, class, w, h, `width="`+num(w)+`" height="`+num(h)+`"`, title, desc)
}

// svgOpenFluid is svgOpen for an SVG as wide as its container (its height follows the
// viewBox's proportions).
func svgOpenFluid(b *strings.Builder, id, class string, w, h float64, title, desc string) {
	svgStart(b, id, class, w, h, `width="100%"`, title, desc)
}

func svgStart(b *strings.Builder, id, class string, w, h float64, size, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" id="%s" viewBox="0 0 %s %s" %s role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif">`,
		class, id, num(w), num(h), size, id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

// marker draws shape m centred on (x, y), with a tooltip.
func marker(b *strings.Builder, m Marker, x, y float64, colour, tip string) {
	markerR(b, m, x, y, 4.5, colour, tip)
}

// markerR is marker with radius r.
func markerR(b *strings.Builder, m Marker, x, y, r float64, colour, tip string) {
	open := ""
	switch m {
	case Square:
		open = fmt.Sprintf(`<rect x="%s" y="%s" width="%s" height="%s" fill="#fff" stroke="%s" stroke-width="2"`, num(x-r+0.5), num(y-r+0.5), num(2*r-1), num(2*r-1), colour)
	case Diamond:
		open = fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s" stroke="#fff" stroke-width="1"`,
			num(x), num(y-r-1), num(x+r+1), num(y), num(x), num(y+r+1), num(x-r-1), num(y), colour)
	case Triangle:
		open = fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sZ" fill="%s"`, num(x), num(y-r-1), num(x+r+1), num(y+r), num(x-r-1), num(y+r), colour)
	case TriangleDown:
		open = fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sZ" fill="%s"`, num(x), num(y+r+1), num(x+r+1), num(y-r), num(x-r-1), num(y-r), colour)
	case Cross:
		open = fmt.Sprintf(`<path d="M%s %sL%s %sM%s %sL%s %s" fill="none" stroke="%s" stroke-width="2.5"`,
			num(x-r), num(y-r), num(x+r), num(y+r), num(x+r), num(y-r), num(x-r), num(y+r), colour)
	default:
		open = fmt.Sprintf(`<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="#fff" stroke-width="1"`, num(x), num(y), num(r), colour)
	}
	if tip == "" {
		b.WriteString(open + "/>")
		return
	}
	fmt.Fprintf(b, `%s><title>%s</title>%s`, open, esc(tip), closeTag(m))
}

func closeTag(m Marker) string {
	switch m {
	case Square:
		return "</rect>"
	case Diamond, Triangle, TriangleDown, Cross:
		return "</path>"
	}
	return "</circle>"
}

// wrap splits a label into lines of about width characters, at most lines lines (the last
// one cut with an ellipsis).
func wrap(s string, width, lines int) []string {
	words := strings.Fields(s)
	var out []string
	cur := ""
	for _, w := range words {
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	if len(out) > lines {
		out = out[:lines]
		last := []rune(out[lines-1])
		if len(last) > width-1 {
			last = last[:width-1]
		}
		out[lines-1] = strings.TrimRight(string(last), " ,;:") + "…"
	}
	return out
}

func colourOf(i int) string { return palette[i%len(palette)] }

// legend draws the series' names with their line style and marker in a row from (x, y).
func legend(b *strings.Builder, x, y float64, items []legendItem) {
	b.WriteString(`<g class="legend" font-size="13">`)
	for _, it := range items {
		it.draw(b, x, y)
		x += 46 + float64(len([]rune(it.label)))*7.2 + 18
	}
	b.WriteString(`</g>`)
}

// legendRows splits legend items into rows that fit in width.
func legendRows(items []legendItem, width float64) [][]legendItem {
	var rows [][]legendItem
	used := 0.0
	for _, it := range items {
		w := 46 + float64(len([]rune(it.label)))*7.2 + 18
		if len(rows) == 0 || used+w-18 > width {
			rows = append(rows, nil)
			used = 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], it)
		used += w
	}
	return rows
}

type legendItem struct {
	label  string
	draw0  func(b *strings.Builder, x, y float64)
	colour string
}

func (it legendItem) draw(b *strings.Builder, x, y float64) {
	it.draw0(b, x, y)
	fmt.Fprintf(b, `<text x="%s" y="%s" fill="#1b1f24">%s</text>`, num(x+40), num(y+4.5), esc(it.label))
}
