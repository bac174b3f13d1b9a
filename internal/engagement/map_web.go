package engagement

// The pages of the opinion map: the results page (GET /engagements/{id}/map: the participants
// drawn on the map by group, with its data table; each group's size and representative
// statements in words; the statements all groups agree on; where the groups divide; how it is
// worked out), the downloads page (GET /engagements/{id}/export) and the map's summary on the
// engagement page (section "map", drawn by templates/_map.html). All are public for an
// engagement the viewer may see that runs a map.

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/chart"
	"github.com/joinedup/joinedup/internal/platform/web"
	"github.com/joinedup/joinedup/internal/stats"
)

// mapRoutes registers the opinion map's pages, its API and its section of the engagement page.
func (h *Web) mapRoutes(rt *web.Router) {
	h.AddSection(Section{Name: "map", Load: h.mapSection})
	rt.Page("GET", "/engagements/{id}/map", web.Public, h.mapShow)
	rt.Page("GET", "/engagements/{id}/export", web.Public, h.exportPage)
	h.mapAPIRoutes(rt)
}

// MapPointsDrawn is the most participants drawn on the map's chart; with more, an even
// sample of each group is drawn (the table and the sizes count everyone).
const MapPointsDrawn = 2000

// MapSection is the opinion map's summary on the engagement page.
type MapSection struct {
	Key string
	V   MapView
	// Top is the statement with the most consensus, "" when there is none.
	Top string
}

func (h *Web) mapSection(r *http.Request, pg *EngagementPage) (any, error) {
	e := pg.E.Engagement
	if !e.HasMap {
		return nil, nil
	}
	v, err := h.Svc.mapViewOf(r.Context(), e, false)
	if err != nil {
		return nil, err
	}
	sec := &MapSection{Key: e.Key(), V: v}
	for _, c := range v.Consensus {
		if c.Direction == "agree" {
			sec.Top = c.Text
			break
		}
	}
	return sec, nil
}

// mapPage is the data of the results page.
type mapPage struct {
	E       Detail
	V       MapView
	Chart   *chart.Chart
	Drawn   int // participants drawn (less than V.OnMap when sampled)
	Groups  []groupCard
	Agreed  []consensusLine
	Against []consensusLine
	Divide  *chart.Table
	All     *chart.Table
	Files   []PolisFile
}

// groupCard is a group in words.
type groupCard struct {
	Label, Size, Share string
	Lines              []consensusLine
}

// consensusLine is a statement and what the groups made of it, in words.
type consensusLine struct {
	Text, Detail string
}

func pctOf(p float64) string { return strconv.Itoa(int(math.Round(100*p))) + "%" }

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}

// representativeLine says in words how a group differs on a statement (the statement itself
// is shown beside it).
func representativeLine(g MapGroup, r MapRepresentative) string {
	more := "more"
	if r.Ratio >= 2 {
		more = "much more"
	}
	if r.Direction == "agree" {
		return fmt.Sprintf("Group %s agreed %s than everyone else: %s of the group agreed, against %s of everyone else.",
			g.Label, more, pctOf(r.Agree), pctOf(r.RestAgree))
	}
	return fmt.Sprintf("Group %s disagreed %s than everyone else: %s of the group disagreed, against %s of everyone else.",
		g.Label, more, pctOf(r.Disagree), pctOf(r.RestDisagree))
}

func groupShares(gs []GroupShare, disagree bool) string {
	var parts []string
	for _, g := range gs {
		p := g.Agree
		if disagree {
			p = g.Disagree
		}
		parts = append(parts, "Group "+g.Label+" "+pctOf(p))
	}
	return strings.Join(parts, ", ")
}

// buildMapPage prepares the results page.
func buildMapPage(d Detail, v MapView) mapPage {
	pg := mapPage{E: d, V: v, Files: PolisFiles}
	for _, g := range v.Groups {
		c := groupCard{Label: g.Label, Size: people(g.Size), Share: pctOf(g.Share)}
		for _, r := range g.Representative {
			c.Lines = append(c.Lines, consensusLine{Text: r.Text, Detail: representativeLine(g, r)})
		}
		pg.Groups = append(pg.Groups, c)
	}
	for _, c := range v.Consensus {
		if c.Direction == "agree" {
			pg.Agreed = append(pg.Agreed, consensusLine{Text: c.Text,
				Detail: fmt.Sprintf("%s of everyone on the map agreed (%s).", pctOf(c.Agree), groupShares(c.Groups, false))})
		} else {
			pg.Against = append(pg.Against, consensusLine{Text: c.Text,
				Detail: fmt.Sprintf("%s of everyone on the map disagreed (%s).", pctOf(c.Disagree), groupShares(c.Groups, true))})
		}
	}
	if len(v.Divisive) > 0 {
		t := chart.Table{Caption: "Statements that divide the groups: the share of each group that agreed and disagreed", Columns: []string{"Statement"}}
		for _, g := range v.Groups {
			t.Columns = append(t.Columns, "Group "+g.Label+": agreed", "Group "+g.Label+": disagreed")
			t.Numeric = append(t.Numeric, true, true)
		}
		for _, dv := range v.Divisive {
			row := chart.Row{Header: dv.Text}
			for _, g := range dv.Groups {
				row.Cells = append(row.Cells, pctOf(g.Agree), pctOf(g.Disagree))
			}
			t.Rows = append(t.Rows, row)
		}
		pg.Divide = &t
	}
	if len(v.Statements) > 0 {
		t := chart.Table{Caption: "Every statement on the map: votes, and the share of each group that agreed",
			Columns: []string{"Statement", "Votes", "Agreed", "Disagreed", "Passed"}, Numeric: []bool{true, true, true, true}}
		for _, g := range v.Groups {
			t.Columns = append(t.Columns, "Group "+g.Label+": agreed")
			t.Numeric = append(t.Numeric, true)
		}
		for _, st := range v.Statements {
			n := st.Agree + st.Disagree + st.Pass
			row := chart.Row{Header: st.Text, Cells: []string{strconv.Itoa(n), pctOf(ratio4(st.Agree, n)), pctOf(ratio4(st.Disagree, n)), pctOf(ratio4(st.Pass, n))}}
			for _, gv := range st.Groups {
				row.Cells = append(row.Cells, pctOf(ratio4(gv.Agree, gv.Votes)))
			}
			t.Rows = append(t.Rows, row)
		}
		pg.All = &t
	}
	if len(v.Points) > 0 && len(v.Groups) > 0 {
		c, drawn := mapChart(v)
		pg.Chart, pg.Drawn = &c, drawn
	}
	return pg
}

// sample keeps about n of the points, evenly spread through them.
func sample(ps []MapPoint, n int) []MapPoint {
	if len(ps) <= n {
		return ps
	}
	out := make([]MapPoint, 0, n)
	for i := range n {
		out = append(out, ps[i*len(ps)/n])
	}
	return out
}

// mapChart draws the participants by group, each group with its colour and marker shape.
func mapChart(v MapView) (chart.Chart, int) {
	byGroup := make([][]MapPoint, len(v.Groups))
	for _, p := range v.Points {
		if p.Group >= 0 && p.Group < len(byGroup) {
			byGroup[p.Group] = append(byGroup[p.Group], p)
		}
	}
	total := len(v.Points)
	sc := chart.Scatter{ID: "opinion-map", Title: "Participants on the opinion map, by opinion group",
		XLabel: "First axis of opinion", YLabel: "Second axis of opinion", GroupName: "Group",
		XFormat: func(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) },
		YFormat: func(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) }}
	drawn := 0
	table := chart.Table{Caption: "Opinion groups: their size and the centre of their place on the map",
		Columns: []string{"Group", "People", "Share of the map", "Centre, first axis", "Centre, second axis"}, Numeric: []bool{true, true, true, true}}
	var desc []string
	for g, grp := range v.Groups {
		pts := byGroup[g]
		if total > MapPointsDrawn {
			pts = sample(pts, max(1, len(pts)*MapPointsDrawn/total))
		}
		cg := chart.Group{Name: fmt.Sprintf("Group %s (%s)", grp.Label, people(grp.Size))}
		for _, p := range pts {
			cg.Points = append(cg.Points, chart.Point{X: p.X, Y: p.Y})
		}
		drawn += len(pts)
		sc.Groups = append(sc.Groups, cg)
		table.Rows = append(table.Rows, chart.Row{Header: "Group " + grp.Label, Cells: []string{strconv.Itoa(grp.Size), pctOf(grp.Share),
			sc.XFormat(grp.Centre[0]), sc.YFormat(grp.Centre[1])}})
		desc = append(desc, fmt.Sprintf("Group %s, %s, centred at %s across and %s up", grp.Label, people(grp.Size), sc.XFormat(grp.Centre[0]), sc.YFormat(grp.Centre[1])))
	}
	sc.CustomTable = &table
	sc.Desc = fmt.Sprintf("Scatter chart of %s on the opinion map: people who voted alike are drawn close together, and each group has its own colour and marker shape. %s. The table that follows gives each group's size and centre.",
		people(total), strings.Join(desc, "; "))
	if drawn < total {
		sc.Desc += fmt.Sprintf(" An even sample of %d of the %d participants is drawn.", drawn, total)
	}
	return sc.Draw(), drawn
}

func (h *Web) mapShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, v, err := h.Svc.OpinionMap(ctx, r.PathValue("id"), true)
	if err != nil {
		return err
	}
	d, err := h.Svc.detailOf(ctx, e)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/map_show", web.Page{Title: "Opinion map: " + d.Title, Data: buildMapPage(d, v), Breadcrumbs: crumbs(d, "Opinion map")})
	return nil
}

// exportData is the downloads page.
type exportData struct {
	E     Detail
	Files []PolisFile
	V     MapView
}

func (h *Web) exportPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, v, err := h.Svc.OpinionMap(ctx, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	d, err := h.Svc.detailOf(ctx, e)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/map_export", web.Page{Title: "Download the opinion map's data: " + d.Title,
		Data: exportData{E: d, Files: PolisFiles, V: v}, Breadcrumbs: crumbs(d, "Download the data")})
	return nil
}

// MinVotesText explains when a participant is placed on the map.
func (v MapView) MinVotesText() string {
	n := v.MinVotes
	if n <= 0 {
		n = stats.MinVotesToInclude
	}
	return fmt.Sprintf("%d statement%s", n, map[bool]string{true: "", false: "s"}[n == 1])
}

// Figure is the chart with its table, as one block.
func (pg mapPage) Figure() template.HTML {
	if pg.Chart == nil {
		return ""
	}
	return pg.Chart.Figure("")
}
