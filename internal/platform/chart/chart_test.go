package chart

import (
	"encoding/xml"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run go test -update if the change is intended; view the SVG before committing)\n got: %.400s", name, got)
	}
}

// wellFormed parses the SVG as XML and returns its root's attributes and every element name.
func wellFormed(t *testing.T, svg string) (map[string]string, map[string]int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	attrs, names := map[string]string{}, map[string]int{}
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			names[se.Name.Local]++
			if first {
				for _, a := range se.Attr {
					attrs[a.Name.Local] = a.Value
				}
				first = false
			}
		}
	}
	return attrs, names
}

// accessible checks what every chart must have: role img, labelled by its title and desc.
func accessible(t *testing.T, c Chart, id string) {
	t.Helper()
	attrs, names := wellFormed(t, string(c.SVG))
	if attrs["role"] != "img" || attrs["aria-labelledby"] != id+"-title "+id+"-desc" {
		t.Errorf("root attributes %v", attrs)
	}
	if names["title"] == 0 || names["desc"] != 1 || names["text"] == 0 {
		t.Errorf("elements %v: want a title, a desc and text labels", names)
	}
	if !strings.Contains(string(c.SVG), `<title id="`+id+`-title">`) || !strings.Contains(string(c.SVG), `<desc id="`+id+`-desc">`) {
		t.Error("title and desc must carry the IDs the SVG is labelled by")
	}
	if len(c.Table.Rows) == 0 || len(c.Table.Columns) < 2 {
		t.Errorf("no data table: %+v", c.Table)
	}
	for _, h := range c.Table.Columns {
		if h == "" {
			t.Errorf("an empty column header in %v", c.Table.Columns)
		}
	}
	wellFormed(t, "<div>"+string(c.Table.HTML())+"</div>")
}

var charter = []string{"Be open", "Be responsive", "Be transparent", "Be accountable", "Be informed", "Be collaborative"}

func TestRadar(t *testing.T) {
	c := Radar{ID: "r1", Title: "Current and target by principle",
		Categories: charter,
		Series: []Series{
			{Name: "Current", Values: []float64{62.5, 40, 55, 30, 70, 45}, Style: Solid, Marker: Circle, Fill: true},
			{Name: "Target", Values: []float64{80, 75, 75, 60, 80, 70}, Style: Dashed, Marker: Square},
		},
		Rings: []Ring{{20, "Developing"}, {40, "Defined"}, {60, "Managed"}, {80, "Leading"}, {100, ""}},
	}.Draw()
	accessible(t, c, "r1")
	svg := string(c.SVG)
	// Current and target differ in line style and marker, not only in colour.
	if !strings.Contains(svg, `stroke-dasharray="7 4"`) || !strings.Contains(svg, "<circle") || !strings.Contains(svg, "<rect") {
		t.Error("series must differ by dash and marker")
	}
	for _, want := range []string{"Be collaborative", "Developing", "Current", "Target", "Be open — Current: 62.5"} {
		if !strings.Contains(svg, want) {
			t.Errorf("no %q in the SVG", want)
		}
	}
	if got := c.Table.Rows[0]; got.Header != "Be open" || got.Cells[0] != "62.5" || got.Cells[1] != "80" {
		t.Errorf("table row %+v", got)
	}
	golden(t, "radar.svg", svg)
	golden(t, "radar_table.html", string(c.Table.HTML()))
}

// A missing value is a gap in the line and "not scored" in the table, never a zero.
func TestRadarMissing(t *testing.T) {
	c := Radar{ID: "r2", Title: "With a gap", Categories: []string{"A", "B", "C", "D"},
		Series: []Series{{Name: "Current", Values: []float64{50, math.NaN(), 50, 50}, Fill: true}}}.Draw()
	accessible(t, c, "r2")
	svg := string(c.SVG)
	if strings.Contains(svg, `class="area"`) || strings.Contains(svg, "Z\"") {
		t.Error("a series with a missing value must not be drawn closed or filled")
	}
	if strings.Count(svg, "<path d=\"M") != 2 { // C–D and D–A
		t.Errorf("want two segments:\n%s", svg)
	}
	if c.Table.Rows[1].Cells[0] != Missing || !strings.Contains(svg, "B not scored") {
		t.Errorf("missing value: %+v", c.Table.Rows[1])
	}
	golden(t, "radar_missing.svg", svg)
}

func TestRadarEscapes(t *testing.T) {
	c := Radar{ID: "x y<z", Title: `Tom & "Jerry" <script>`, Categories: []string{"<b>", "A&B", "C"},
		Series: []Series{{Name: "<i>", Values: []float64{1, 2, 3}}}}.Draw()
	svg := string(c.SVG)
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "<b>") || strings.Contains(svg, "<i>") {
		t.Errorf("unescaped text:\n%s", svg)
	}
	accessible(t, c, "x-y-z")
	if h := string(c.Table.HTML()); strings.Contains(h, "<b>") || !strings.Contains(h, "&lt;b&gt;") {
		t.Errorf("table not escaped: %s", h)
	}
}

func TestBars(t *testing.T) {
	c := Bars{ID: "gaps", Title: "Gap to target by principle", ValueName: "Current", TargetName: "Target", GapName: "Gap",
		Rows: []Bar{
			{Label: "Be open", Value: 62.5, Target: 80},
			{Label: "Open information and data", Value: 50, Target: 75, Indent: 1},
			{Label: "Be responsive", Value: 40, Target: 40},
			{Label: "Be transparent", Value: 70, Target: 60},
			{Label: "Be accountable", Value: math.NaN(), Target: 60},
			{Label: "A very long dimension title that needs to wrap over two lines at least", Value: 20, Target: math.NaN()},
		}}.Draw()
	accessible(t, c, "gaps")
	svg := string(c.SVG)
	if strings.Count(svg, `class="gap"`) != 2 {
		t.Errorf("want two hatched gaps (met and exceeded targets have none)")
	}
	want := [][]string{{"62.5", "80", "17.5"}, {"50", "75", "25"}, {"40", "40", "0"}, {"70", "60", "-10"}, {Missing, "60", "—"}, {"20", "no target", "—"}}
	for i, w := range want {
		if got := c.Table.Rows[i].Cells; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d: %v, want %v", i, got, w)
		}
	}
	if c.Table.Rows[1].Header != "— Open information and data" {
		t.Errorf("indent: %q", c.Table.Rows[1].Header)
	}
	golden(t, "bars.svg", svg)
}

func TestRanges(t *testing.T) {
	c := Ranges{ID: "bench", Title: "Peers", RangeName: "Middle half of peers", LowName: "Lower quartile", MidName: "Median",
		HighName: "Upper quartile", MarkName: "You",
		Rows: []Span{{Label: "Be open", Low: 40, Mid: 55, High: 70, Mark: 62.5}, {Label: "Be responsive", Low: math.NaN(), Mid: math.NaN(), High: math.NaN(), Mark: 30}}}.Draw()
	accessible(t, c, "bench")
	if got := strings.Join(c.Table.Rows[1].Cells, "|"); got != "—|—|—|30" {
		t.Errorf("row 2: %s", got)
	}
	golden(t, "ranges.svg", string(c.SVG))

	// A column no row has a value for is left out of the table and the legend.
	c = Ranges{ID: "spread", Title: "Spread", RangeName: "Lowest to highest", LowName: "Lowest", MidName: "Median", HighName: "Highest", MarkName: "Agreed",
		Rows: []Span{{Label: "A", Low: 25, Mid: math.NaN(), High: 75, Mark: 50}}}.Draw()
	if got := strings.Join(c.Table.Columns, "|"); got != "Category|Lowest|Highest|Agreed" {
		t.Errorf("columns %s", got)
	}
	if _, legend, _ := strings.Cut(string(c.SVG), `class="legend"`); strings.Contains(legend, "Median") || strings.Contains(string(c.Table.HTML()), "Median") {
		t.Error("the legend names a mark no row has")
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{62.5: "62.5", 40: "40", 33.333: "33.3", 66.666: "66.7", -0.01: "0", 100: "100"} {
		if got := Format(v); got != want {
			t.Errorf("Format(%v) = %q, want %q", v, got, want)
		}
	}
	if Format(math.NaN()) != "" {
		t.Error("NaN")
	}
}

func TestWrap(t *testing.T) {
	if got := wrap("Be collaborative and inclusive with partners", 20, 2); len(got) != 2 || got[0] != "Be collaborative and" || !strings.HasSuffix(got[1], "…") {
		t.Errorf("wrap: %q", got)
	}
	if got := wrap("Short", 20, 2); len(got) != 1 {
		t.Errorf("wrap: %q", got)
	}
}
