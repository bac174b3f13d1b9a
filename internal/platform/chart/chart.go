// Package chart draws charts as SVG on the server, each with the data table that says the same
// thing in words and numbers. Charts are images to assistive technology (role="img" with a
// <title> and <desc>); their meaning never rests on colour alone: series differ by line style
// and marker shape too, every axis and legend entry is text, and the table is always there.
// The package is pure: it takes values and returns markup.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
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
}

// Ring is a reference line of a radar chart (a level boundary, say) with an optional label.
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

func esc(s string) string { return template.HTMLEscapeString(s) }

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
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" id="%s" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif">`,
		class, id, num(w), num(h), num(w), num(h), id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

// marker draws shape m centred on (x, y), with a tooltip.
func marker(b *strings.Builder, m Marker, x, y float64, colour, tip string) {
	const r = 4.5
	open := ""
	switch m {
	case Square:
		open = fmt.Sprintf(`<rect x="%s" y="%s" width="%s" height="%s" fill="#fff" stroke="%s" stroke-width="2"`, num(x-r+0.5), num(y-r+0.5), num(2*r-1), num(2*r-1), colour)
	case Diamond:
		open = fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s" stroke="#fff" stroke-width="1"`,
			num(x), num(y-r-1), num(x+r+1), num(y), num(x), num(y+r+1), num(x-r-1), num(y), colour)
	case Triangle:
		open = fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sZ" fill="%s"`, num(x), num(y-r-1), num(x+r+1), num(y+r), num(x-r-1), num(y+r), colour)
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
	case Diamond, Triangle:
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

type legendItem struct {
	label  string
	draw0  func(b *strings.Builder, x, y float64)
	colour string
}

func (it legendItem) draw(b *strings.Builder, x, y float64) {
	it.draw0(b, x, y)
	fmt.Fprintf(b, `<text x="%s" y="%s" fill="#1b1f24">%s</text>`, num(x+40), num(y+4.5), esc(it.label))
}
