package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Line is a line chart over categories (months such as "2025-01", years such as "2024–25"):
// one line per series on a numeric scale, a missing value (NaN, or ±Inf) a gap in the line.
// A series with Lower and Upper gets an interval band, shaded behind its line and skipping
// the categories where either bound is missing. Refs draw horizontal reference lines (a
// target) labelled in place; Dividers mark a category with a vertical line (where a forecast
// starts). Category labels are thinned, or turned, when there is not room for them all.
// Values outside a fixed scale are drawn at its edge; the table gives them as they are.
//
// The data table has a row per category and, for each series, a column of values and, when
// the series has a band, a column of intervals written "lower–upper" (headed BandName for a
// chart of one series, "<series name>: <BandName>" otherwise).
type Line struct {
	ID    string // unique on the page
	Title string
	// Desc describes the chart for those who cannot see it; when empty, one is written from
	// the data.
	Desc       string
	Categories []string
	Series     []Series // Values (and Lower, Upper) per category; Style and Marker per series
	// Min and Max fix the scale (0 and 100, say) when Min < Max; otherwise it is set from the
	// values, bands and reference lines, rounded out to nice numbers.
	Min, Max float64
	// YLabel names the values (written above the scale); XLabel names the categories (under
	// them).
	YLabel, XLabel string
	Refs           []Ring    // horizontal reference lines; an empty label is the value
	Dividers       []Divider // vertical lines at categories
	// BandName names the bands ("95% interval" when empty).
	BandName string
	// Format writes values (Format when nil; also the scale's labels when set).
	Format func(float64) string
	// Width and Height of the drawing (680 by 360 when 0); the SVG is as wide as its
	// container and keeps these proportions.
	Width, Height float64
	// TableCaption captions the data table (the title when empty); CategoryName heads its
	// first column ("Category" when empty); MissingText is a missing value in it (Missing when
	// empty).
	TableCaption, CategoryName, MissingText string
}

// Divider marks category At (an index into Categories) with a vertical line and a label.
type Divider struct {
	At    int
	Label string
}

const (
	lineW, lineH = 680.0, 360.0
	tickFont     = 6.6 // width of a character at 11px, roughly
	maxAbs       = 1e300
)

// Draw returns the SVG and the data table of the line chart.
func (lc Line) Draw() Chart {
	custom := lc.Format != nil
	if !custom {
		lc.Format = Format
	}
	lc.BandName = orDefault(lc.BandName, "95% interval")
	lc.MissingText = orDefault(lc.MissingText, Missing)
	w, h := size(lc.Width, lineW), size(lc.Height, lineH)
	id := cleanID(lc.ID, "line")
	n := len(lc.Categories)

	var all []float64
	for _, s := range lc.Series {
		for _, vs := range [][]float64{s.Values, s.Lower, s.Upper} {
			all = append(all, vs[:min(n, len(vs))]...)
		}
	}
	for _, r := range lc.Refs {
		all = append(all, r.Value)
	}
	ys := newScale(all, lc.Min, lc.Max, 5)
	tick := func(v float64) string {
		if custom {
			return lc.Format(v)
		}
		return ys.label(v)
	}

	// Layout, from the top: the y label, the plot, the category labels, the x label, the legend.
	left := 0.0
	for _, v := range ys.ticks {
		left = math.Max(left, float64(len([]rune(tick(v))))*tickFont)
	}
	x0 := math.Min(math.Max(36, left+14), w/3)
	x1 := w - 16
	y0 := 14.0
	if lc.YLabel != "" {
		y0 = 34
	}
	slot := (x1 - x0) / float64(max(n, 1))
	labels, every, turned := categoryLabels(lc.Categories, slot)
	labelH := 22.0
	if turned {
		longest := 0.0
		for _, l := range labels {
			longest = math.Max(longest, float64(len([]rune(l)))*tickFont)
		}
		labelH = longest*0.71 + 18
		// Room on the left for the first label, which reaches down and back from its category.
		if room := math.Min(w/3, longest*0.71-slot/2+8); room > x0 {
			x0 = room
			slot = (x1 - x0) / float64(max(n, 1))
			labels, every, _ = categoryLabels(lc.Categories, slot)
		}
	}
	xOf := func(i int) float64 { return x0 + slot*(float64(i)+0.5) }
	items := lc.legendItems()
	rows := legendRows(items, w-20)
	xl := 0.0
	if lc.XLabel != "" {
		xl = 20
	}
	bottom := labelH + xl + 10 + 22*float64(len(rows))
	if h-y0-bottom < 80 {
		h = y0 + bottom + 80
	}
	y1 := h - bottom
	yOf := func(v float64) float64 { return ys.at(v, y1, y0) }

	desc := lc.Desc
	if desc == "" {
		desc = lc.describe(ys)
	}
	var b strings.Builder
	svgOpenFluid(&b, id, "chart-line", w, h, lc.Title, desc)
	if lc.YLabel != "" {
		fmt.Fprintf(&b, `<text class="y-label" x="8" y="18" font-size="13" fill="#1b1f24">%s</text>`, esc(lc.YLabel))
	}
	// The scale: grid lines and their values.
	b.WriteString(`<g class="grid" stroke="#c9d1d9" stroke-width="1">`)
	for _, v := range ys.ticks {
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x0), num(yOf(v)), num(x1), num(yOf(v)))
	}
	b.WriteString(`</g><g class="ticks y-ticks" font-size="11" fill="#4a5560" text-anchor="end">`)
	for _, v := range ys.ticks {
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(x0-6), num(yOf(v)+4), esc(tick(v)))
	}
	b.WriteString(`</g>`)
	// The category axis: a tick at every category, a label at every shown one.
	fmt.Fprintf(&b, `<path class="x-axis" d="M%s %sH%s" stroke="#4a5560" stroke-width="1"/>`, num(x0), num(y1), num(x1))
	b.WriteString(`<g class="ticks x-ticks" font-size="11" fill="#4a5560">`)
	for i := range n {
		if i%every != 0 {
			continue
		}
		x := xOf(i)
		fmt.Fprintf(&b, `<path d="M%s %sv4" stroke="#4a5560"/>`, num(x), num(y1))
		if turned {
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" transform="rotate(-45 %s %s)">%s</text>`, num(x+3), num(y1+14), num(x+3), num(y1+14), esc(labels[i]))
		} else {
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(x), num(y1+17), esc(labels[i]))
		}
	}
	b.WriteString(`</g>`)
	if lc.XLabel != "" {
		fmt.Fprintf(&b, `<text class="x-label" x="%s" y="%s" text-anchor="middle" font-size="13" fill="#1b1f24">%s</text>`, num((x0+x1)/2), num(y1+labelH+14), esc(lc.XLabel))
	}

	// Bands behind everything drawn from the data.
	for si, s := range lc.Series {
		if !s.hasBand(n) {
			continue
		}
		fmt.Fprintf(&b, `<g class="band band-%d" fill="%s" fill-opacity="0.16" stroke="none">`, si, colourOf(si))
		for _, run := range runs(n, func(i int) bool { return finite(at(s.Lower, i)) && finite(at(s.Upper, i)) }) {
			var pts []string
			if run[0] == run[1] { // one category: a narrow box
				i := run[0]
				xl, xr := xOf(i)-math.Min(4, slot/3), xOf(i)+math.Min(4, slot/3)
				lo, hi := yOf(s.Lower[i]), yOf(s.Upper[i])
				pts = []string{num(xl) + "," + num(hi), num(xr) + "," + num(hi), num(xr) + "," + num(lo), num(xl) + "," + num(lo)}
			} else {
				for i := run[0]; i <= run[1]; i++ {
					pts = append(pts, num(xOf(i))+","+num(yOf(s.Upper[i])))
				}
				for i := run[1]; i >= run[0]; i-- {
					pts = append(pts, num(xOf(i))+","+num(yOf(s.Lower[i])))
				}
			}
			fmt.Fprintf(&b, `<polygon points="%s"/>`, strings.Join(pts, " "))
		}
		b.WriteString(`</g>`)
	}
	// Reference lines and dividers; their labels go on top of everything, over a white halo.
	var notes strings.Builder
	for _, r := range lc.Refs {
		if !finite(r.Value) {
			continue
		}
		y := yOf(r.Value)
		fmt.Fprintf(&b, `<path class="ref" d="M%s %sH%s" stroke="#4a5560" stroke-width="1.5" stroke-dasharray="8 3 2 3"/>`, num(x0), num(y), num(x1))
		fmt.Fprintf(&notes, `<text class="ref-label" x="%s" y="%s" text-anchor="end">%s</text>`, num(x1-4), num(y-5), esc(orDefault(r.Label, lc.Format(r.Value))))
	}
	for _, d := range lc.Dividers {
		if d.At < 0 || d.At >= n {
			continue
		}
		x := xOf(d.At)
		fmt.Fprintf(&b, `<path class="divider" d="M%s %sV%s" stroke="#4a5560" stroke-width="1.5" stroke-dasharray="4 3"/>`, num(x), num(y0), num(y1))
		anchor, tx := "start", x+4
		if x > (x0+x1)/2 && x-x0 > float64(len([]rune(d.Label)))*7 { // label to the left near the right edge
			anchor, tx = "end", x-4
		}
		fmt.Fprintf(&notes, `<text class="divider-label" x="%s" y="%s" text-anchor="%s">%s</text>`, num(tx), num(y0+12), anchor, esc(d.Label))
	}
	// Lines, then markers on top.
	for si, s := range lc.Series {
		fmt.Fprintf(&b, `<g class="series series-%d" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"%s>`, si, colourOf(si), s.Style.dash())
		for _, run := range runs(n, func(i int) bool { return finite(at(s.Values, i)) }) {
			if run[0] == run[1] {
				continue // a lone value is its marker
			}
			var d strings.Builder
			for i := run[0]; i <= run[1]; i++ {
				if i == run[0] {
					d.WriteString("M")
				} else {
					d.WriteString("L")
				}
				d.WriteString(num(xOf(i)) + " " + num(yOf(s.Values[i])))
			}
			fmt.Fprintf(&b, `<path d="%s"/>`, d.String())
		}
		b.WriteString(`</g>`)
	}
	for si, s := range lc.Series {
		fmt.Fprintf(&b, `<g class="markers markers-%d">`, si)
		band := s.hasBand(n)
		for i := range n {
			v := at(s.Values, i)
			if !finite(v) {
				continue
			}
			tip := fmt.Sprintf("%s — %s: %s", lc.Categories[i], s.Name, lc.Format(v))
			if band && finite(at(s.Lower, i)) && finite(at(s.Upper, i)) {
				tip += fmt.Sprintf(" (%s %s)", lc.BandName, interval(s.Lower[i], s.Upper[i], lc.Format))
			}
			marker(&b, s.Marker, xOf(i), yOf(v), colourOf(si), tip)
		}
		b.WriteString(`</g>`)
	}
	if notes.Len() > 0 {
		fmt.Fprintf(&b, `<g class="notes" font-size="12" fill="#1b1f24" stroke="#fff" stroke-width="3" paint-order="stroke">%s</g>`, notes.String())
	}
	for k, row := range rows {
		legend(&b, 16, y1+labelH+xl+16+22*float64(k), row)
	}
	b.WriteString(`</svg>`)
	return Chart{SVG: safe(b.String()), Table: lc.table()}
}

func (lc Line) legendItems() []legendItem {
	n := len(lc.Categories)
	var items []legendItem
	for si, s := range lc.Series {
		s, colour := s, colourOf(si)
		items = append(items, legendItem{label: s.Name, colour: colour, draw0: func(b *strings.Builder, x, y float64) {
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5"%s/>`, num(x), num(y), num(x+32), num(y), colour, s.Style.dash())
			marker(b, s.Marker, x+16, y, colour, "")
		}})
	}
	for si, s := range lc.Series {
		if !s.hasBand(n) {
			continue
		}
		colour := colourOf(si)
		items = append(items, legendItem{label: lc.bandHeader(s), colour: colour, draw0: func(b *strings.Builder, x, y float64) {
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="32" height="14" fill="%s" fill-opacity="0.16" stroke="%s" stroke-opacity="0.5"/>`, num(x), num(y-7), colour, colour)
		}})
	}
	return items
}

func (lc Line) bandHeader(s Series) string {
	if len(lc.Series) == 1 {
		return lc.BandName
	}
	return s.Name + ": " + lc.BandName
}

// hasBand reports whether the series has at least one interval among the first n categories.
func (s Series) hasBand(n int) bool {
	for i := range n {
		if finite(at(s.Lower, i)) && finite(at(s.Upper, i)) {
			return true
		}
	}
	return false
}

func (lc Line) table() Table {
	n := len(lc.Categories)
	t := Table{Caption: orDefault(lc.TableCaption, lc.Title), Columns: []string{orDefault(lc.CategoryName, "Category")}}
	for _, s := range lc.Series {
		t.Columns = append(t.Columns, s.Name)
		t.Numeric = append(t.Numeric, true)
		if s.hasBand(n) {
			t.Columns = append(t.Columns, lc.bandHeader(s))
			t.Numeric = append(t.Numeric, true)
		}
	}
	for i, c := range lc.Categories {
		r := Row{Header: c}
		for _, s := range lc.Series {
			r.Cells = append(r.Cells, lc.cell(at(s.Values, i)))
			if s.hasBand(n) {
				lo, hi := at(s.Lower, i), at(s.Upper, i)
				if math.IsNaN(lo) || math.IsNaN(hi) {
					r.Cells = append(r.Cells, lc.MissingText)
				} else {
					r.Cells = append(r.Cells, interval(lo, hi, lc.Format))
				}
			}
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

func (lc Line) cell(v float64) string {
	if math.IsNaN(v) {
		return lc.MissingText
	}
	return lc.Format(v)
}

func (lc Line) describe(ys scale) string {
	n := len(lc.Categories)
	parts := []string{fmt.Sprintf("Line chart of %d series over %d categories", len(lc.Series), n)}
	if n > 0 {
		parts[0] += fmt.Sprintf(", from %s to %s", lc.Categories[0], lc.Categories[n-1])
	}
	parts[0] += fmt.Sprintf(", on a scale from %s to %s.", lc.Format(ys.lo), lc.Format(ys.hi))
	for _, s := range lc.Series {
		first, last, lo, hi := -1, -1, -1, -1
		for i := range n {
			v := at(s.Values, i)
			if !finite(v) {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			if lo < 0 || v < s.Values[lo] {
				lo = i
			}
			if hi < 0 || v > s.Values[hi] {
				hi = i
			}
		}
		if first < 0 {
			parts = append(parts, s.Name+": no values.")
			continue
		}
		p := fmt.Sprintf("%s: %s in %s", s.Name, lc.Format(s.Values[first]), lc.Categories[first])
		if last != first {
			p += fmt.Sprintf(", %s in %s; lowest %s in %s, highest %s in %s", lc.Format(s.Values[last]), lc.Categories[last],
				lc.Format(s.Values[lo]), lc.Categories[lo], lc.Format(s.Values[hi]), lc.Categories[hi])
		}
		if s.hasBand(n) {
			p += ", with its " + lc.BandName + " shaded"
		}
		parts = append(parts, p+".")
	}
	for _, r := range lc.Refs {
		if finite(r.Value) {
			parts = append(parts, fmt.Sprintf("A line marks %s.", orDefault(r.Label, lc.Format(r.Value))))
		}
	}
	for _, d := range lc.Dividers {
		if d.At >= 0 && d.At < n {
			parts = append(parts, fmt.Sprintf("A vertical line at %s marks %s.", lc.Categories[d.At], orDefault(d.Label, "a change")))
		}
	}
	parts = append(parts, "The table that follows gives the same figures.")
	return strings.Join(parts, " ")
}

// categoryLabels shortens the category labels and decides how many to skip (every) and
// whether to turn them 45° so that they do not overlap in slots of the given width.
func categoryLabels(cats []string, slot float64) (labels []string, every int, turned bool) {
	longest := 0.0
	for _, c := range cats {
		l := shorten(c, 18)
		labels = append(labels, l)
		longest = math.Max(longest, float64(len([]rune(l)))*tickFont)
	}
	if slot <= 0 {
		return labels, 1, false
	}
	flat := max(1, int(math.Ceil((longest+8)/slot))) // labels side by side
	steep := max(1, int(math.Ceil(16/slot)))         // labels turned: a line's height apart
	if flat <= steep {                               // flat unless turning shows more of them
		return labels, flat, false
	}
	return labels, steep, true
}

// shorten cuts s to at most n characters, the last an ellipsis.
func shorten(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimRight(string(r[:n-1]), " ,;:") + "…"
}

// runs lists the runs [first, last] of consecutive indices below n for which ok holds.
func runs(n int, ok func(int) bool) [][2]int {
	var out [][2]int
	start := -1
	for i := 0; i <= n; i++ {
		if i < n && ok(i) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, [2]int{start, i - 1})
			start = -1
		}
	}
	return out
}

// at is vs[i], NaN beyond the end.
func at(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return math.NaN()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// interval writes an interval "lower–upper".
func interval(lo, hi float64, format func(float64) string) string {
	return format(lo) + "–" + format(hi)
}

// size is v when it is a sensible size for a drawing, def otherwise.
func size(v, def float64) float64 {
	if !(v >= 200 && v <= 4000) {
		return def
	}
	return v
}

// scale is a numeric axis from lo to hi with ticks at nice numbers (1, 2 or 5 times a power
// of ten).
type scale struct {
	lo, hi, step float64
	ticks        []float64
}

// newScale is the scale from fixMin to fixMax when fixMin < fixMax, otherwise one that holds
// the finite values (0 to 100 when there are none), rounded out to nice numbers; about n ticks.
func newScale(values []float64, fixMin, fixMax float64, n int) scale {
	if finite(fixMin) && finite(fixMax) && fixMin < fixMax && finite(fixMax-fixMin) {
		s := scale{lo: fixMin, hi: fixMax, step: niceStep(fixMax-fixMin, n)}
		first := math.Ceil(fixMin/s.step) * s.step
		count := math.Floor((fixMax-first)/s.step+1e-9) + 1
		if !(count >= 1 && count <= 50) {
			s.ticks = []float64{fixMin, fixMax}
			return s
		}
		for k := range int(count) {
			s.ticks = append(s.ticks, snap(first+float64(k)*s.step, s.step))
		}
		return s
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if finite(v) {
			v = math.Max(-maxAbs, math.Min(maxAbs, v))
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	switch {
	case lo > hi:
		lo, hi = 0, 100
	case lo == hi:
		pad := math.Max(math.Abs(lo)*0.1, 1)
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep(hi-lo, n)
	s := scale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, step: step}
	if !(s.hi > s.lo) || !finite(s.hi-s.lo) { // beyond float precision: the values as they are
		s = scale{lo: lo, hi: hi, step: hi - lo, ticks: []float64{lo, hi}}
		return s
	}
	count := math.Round((s.hi-s.lo)/step) + 1
	if !(count >= 2 && count <= 50) {
		s.ticks = []float64{s.lo, s.hi}
		return s
	}
	for k := range int(count) {
		s.ticks = append(s.ticks, snap(s.lo+float64(k)*step, step))
	}
	return s
}

// niceStep is the step of about n ticks over span: 1, 2 or 5 times a power of ten.
func niceStep(span float64, n int) float64 {
	raw := span / float64(max(n, 1))
	if !(raw > 0) || !finite(raw) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	if !(mag > 0) || !finite(mag) {
		return raw
	}
	switch f := raw / mag; {
	case f <= 1:
		return mag
	case f <= 2:
		return 2 * mag
	case f <= 5:
		return 5 * mag
	}
	return 10 * mag
}

// snap rounds v to a whole number of steps, dropping the float noise of repeated sums.
func snap(v, step float64) float64 {
	if r := math.Round(v/step) * step; finite(r) {
		v = r
	}
	if v == 0 {
		return 0 // no -0
	}
	return v
}

// at maps v to a coordinate between from (at lo) and to (at hi), clamping to the ends.
func (s scale) at(v, from, to float64) float64 {
	f := (v - s.lo) / (s.hi - s.lo)
	if math.IsNaN(f) {
		f = 0
	}
	f = math.Max(0, math.Min(1, f))
	return from + (to-from)*f
}

// label writes a tick value with as many decimals as the step needs.
func (s scale) label(v float64) string {
	if a := math.Abs(v); a >= 1e9 || (a > 0 && a < 1e-6) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	d := 0
	if s.step > 0 && s.step < 1 {
		d = min(6, int(math.Ceil(-math.Log10(s.step)-1e-9)))
	}
	out := strconv.FormatFloat(v, 'f', d, 64)
	if strings.Trim(out, "-0.") == "" {
		return "0"
	}
	return out
}
