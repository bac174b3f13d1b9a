package chart

import (
	"fmt"
	"math"
	"strings"
)

// Bars is a horizontal bar chart, one row per category: a bar for the value and, when a row
// has a target, the gap from the value to the target hatched and the target marked by a tick.
type Bars struct {
	ID    string
	Title string
	Desc  string // written from the data when empty
	Rows  []Bar
	// Max is the end of the scale (100 when 0); the scale starts at 0.
	Max float64
	// Names of the value, the target and the gap, for the legend and the table.
	ValueName, TargetName, GapName string
	Format                         func(float64) string
	// TableCaption captions the data table (the title when empty); CategoryName heads its
	// first column ("Category" when empty).
	TableCaption, CategoryName string
}

// Bar is one row. Value NaN is missing; Target NaN means the row has no target.
type Bar struct {
	Label  string
	Value  float64
	Target float64
	// Indent shows the row as part of the one above (a sub-dimension).
	Indent int
}

const (
	barsW      = 680.0
	barsLabelW = 210.0
	barsTrackW = 330.0
	barsRowH   = 38.0
	barsTop    = 34.0
)

// Draw returns the SVG and the data table of the bar chart.
func (bc Bars) Draw() Chart {
	if bc.Max <= 0 {
		bc.Max = 100
	}
	if bc.Format == nil {
		bc.Format = Format
	}
	if bc.ValueName == "" {
		bc.ValueName = "Value"
	}
	hasTarget := false
	for _, r := range bc.Rows {
		if !math.IsNaN(r.Target) {
			hasTarget = true
		}
	}
	if hasTarget {
		if bc.TargetName == "" {
			bc.TargetName = "Target"
		}
		if bc.GapName == "" {
			bc.GapName = "Gap"
		}
	}
	id := cleanID(bc.ID, "bars")
	h := barsTop + barsRowH*float64(len(bc.Rows)) + 44
	desc := bc.Desc
	if desc == "" {
		desc = bc.describe(hasTarget)
	}
	var b strings.Builder
	svgOpen(&b, id, "chart-bars", barsW, h, bc.Title, desc)
	x0 := barsLabelW
	xOf := func(v float64) float64 { return x0 + barsTrackW*math.Max(0, math.Min(1, v/bc.Max)) }
	fmt.Fprintf(&b, `<defs><pattern id="%s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a4b00" stroke-width="2.5"/></pattern></defs>`, id)

	// Scale: five even ticks with grid lines.
	bottom := barsTop + barsRowH*float64(len(bc.Rows))
	b.WriteString(`<g class="grid" stroke="#c9d1d9" stroke-width="1">`)
	for k := 0; k <= 5; k++ {
		x := xOf(bc.Max * float64(k) / 5)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x), num(barsTop-6), num(x), num(bottom))
	}
	b.WriteString(`</g><g class="ticks" font-size="11" fill="#4a5560" text-anchor="middle">`)
	for k := 0; k <= 5; k++ {
		v := bc.Max * float64(k) / 5
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(xOf(v)), num(barsTop-10), esc(bc.Format(v)))
	}
	b.WriteString(`</g>`)

	for i, r := range bc.Rows {
		y := barsTop + barsRowH*float64(i)
		cy := y + barsRowH/2
		// Label, right-aligned against the track, indented for sub-rows.
		lines := wrap(r.Label, 24+3*min(r.Indent, 1), 2) // bold top rows are wider per character
		ly := cy + 4.5 - 7*float64(len(lines)-1)
		weight := ""
		if r.Indent == 0 {
			weight = ` font-weight="600"`
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" font-size="13" fill="#1b1f24"%s>`, num(x0-10), num(ly), weight)
		for k, l := range lines {
			if k == 0 {
				fmt.Fprintf(&b, `<tspan x="%s">%s</tspan>`, num(x0-10), esc(l))
			} else {
				fmt.Fprintf(&b, `<tspan x="%s" dy="14">%s</tspan>`, num(x0-10), esc(l))
			}
		}
		b.WriteString(`</text>`)
		// Track.
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="14" fill="#f3f6f8" stroke="#c9d1d9"/>`, num(x0), num(cy-7), num(barsTrackW))
		note := ""
		if math.IsNaN(r.Value) {
			note = Missing
		} else {
			xv := xOf(r.Value)
			tip := fmt.Sprintf("%s — %s: %s", r.Label, bc.ValueName, bc.Format(r.Value))
			fmt.Fprintf(&b, `<rect class="value" x="%s" y="%s" width="%s" height="14" fill="#0b5394"><title>%s</title></rect>`, num(x0), num(cy-7), num(math.Max(0, xv-x0)), esc(tip))
			note = bc.Format(r.Value)
			if !math.IsNaN(r.Target) {
				xt := xOf(r.Target)
				if xt > xv {
					fmt.Fprintf(&b, `<rect class="gap" x="%s" y="%s" width="%s" height="14" fill="url(#%s-hatch)" stroke="#8a4b00"><title>%s</title></rect>`,
						num(xv), num(cy-7), num(xt-xv), id, esc(fmt.Sprintf("%s — %s: %s", r.Label, bc.GapName, bc.Format(r.Target-r.Value))))
				}
				note = fmt.Sprintf("%s → %s", bc.Format(r.Value), bc.Format(r.Target))
			}
		}
		if !math.IsNaN(r.Target) {
			xt := xOf(r.Target)
			fmt.Fprintf(&b, `<path class="target" d="M%s %sV%s" stroke="#1b1f24" stroke-width="3"><title>%s</title></path>`,
				num(xt), num(cy-11), num(cy+11), esc(fmt.Sprintf("%s — %s: %s", r.Label, bc.TargetName, bc.Format(r.Target))))
			if math.IsNaN(r.Value) {
				note = Missing + " → " + bc.Format(r.Target)
			}
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="13" fill="#1b1f24">%s</text>`, num(x0+barsTrackW+10), num(cy+4.5), esc(note))
	}

	// Legend.
	items := []legendItem{{label: bc.ValueName, draw0: func(b *strings.Builder, x, y float64) {
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="32" height="12" fill="#0b5394"/>`, num(x), num(y-6))
	}}}
	if hasTarget {
		items = append(items,
			legendItem{label: bc.GapName, draw0: func(b *strings.Builder, x, y float64) {
				fmt.Fprintf(b, `<rect x="%s" y="%s" width="32" height="12" fill="url(#%s-hatch)" stroke="#8a4b00"/>`, num(x), num(y-6), id)
			}},
			legendItem{label: bc.TargetName, draw0: func(b *strings.Builder, x, y float64) {
				fmt.Fprintf(b, `<path d="M%s %sV%s" stroke="#1b1f24" stroke-width="3"/>`, num(x+16), num(y-9), num(y+9))
			}})
	}
	legend(&b, x0, h-16, items)
	b.WriteString(`</svg>`)
	return Chart{SVG: safe(b.String()), Table: bc.table(hasTarget)}
}

func (bc Bars) table(hasTarget bool) Table {
	t := Table{Caption: bc.TableCaption, Columns: []string{orDefault(bc.CategoryName, "Category"), bc.ValueName}, Numeric: []bool{true}}
	if t.Caption == "" {
		t.Caption = bc.Title
	}
	if hasTarget {
		t.Columns = append(t.Columns, bc.TargetName, bc.GapName)
		t.Numeric = append(t.Numeric, true, true)
	}
	for _, r := range bc.Rows {
		label := r.Label
		if r.Indent > 0 {
			label = strings.Repeat("— ", r.Indent) + label
		}
		row := Row{Header: label, Cells: []string{cell(r.Value, bc.Format)}}
		if hasTarget {
			gap := math.NaN()
			if !math.IsNaN(r.Value) && !math.IsNaN(r.Target) {
				gap = r.Target - r.Value
			}
			tc := cell(r.Target, bc.Format)
			if math.IsNaN(r.Target) {
				tc = "no target"
			}
			gc := cell(gap, bc.Format)
			if math.IsNaN(gap) {
				gc = "—"
			}
			row.Cells = append(row.Cells, tc, gc)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func (bc Bars) describe(hasTarget bool) string {
	parts := []string{fmt.Sprintf("Horizontal bar chart of %d rows on a scale from 0 to %s.", len(bc.Rows), bc.Format(bc.Max))}
	var rows []string
	for _, r := range bc.Rows {
		s := r.Label + ": " + bc.ValueName + " " + cell(r.Value, bc.Format)
		if hasTarget && !math.IsNaN(r.Target) {
			s += ", " + bc.TargetName + " " + bc.Format(r.Target)
		}
		rows = append(rows, s)
	}
	parts = append(parts, strings.Join(rows, "; ")+".", "The table that follows gives the same figures.")
	return strings.Join(parts, " ")
}
