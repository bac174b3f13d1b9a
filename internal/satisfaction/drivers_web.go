package satisfaction

import (
	"context"
	"fmt"
	"math"
	"net/http"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/chart"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Drivers returns a survey and its cached driver analysis (nil when not computed yet: the
// survey is then queued). Members of the survey's organisation with Read (and site admins)
// may see it; others get db.ErrNotFound.
func (s *Service) Drivers(ctx context.Context, surveyID int64) (Survey, *DriverResult, error) {
	sv, err := s.surveyAllowing(ctx, surveyID, authz.Read)
	if err != nil {
		return Survey{}, nil, err
	}
	r, err := s.DriverAnalysis(ctx, sv.ID)
	return sv, r, err
}

// driversData is what survey_drivers.html shows.
type driversData struct {
	Survey Survey
	R      *DriverResult
	Chart  chart.Chart
	// Queued: nothing is computed yet and the worker will pick the survey up.
	Queued bool
}

// pct1 writes a share (0–1) as a percentage with one decimal.
func pct1(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// DriverChart draws the importance × performance quadrant of a driver analysis, with its
// data table (driver, importance with its interval, share of R², performance, quadrant).
func DriverChart(r *DriverResult) chart.Chart {
	groups := map[string]*chart.Group{}
	var order []string
	for _, c := range []string{CaptionFixFirst, CaptionKeepUp, CaptionMaintain, CaptionLower} {
		groups[c] = &chart.Group{Name: c}
		order = append(order, c)
	}
	table := chart.Table{
		Caption: "Drivers of overall satisfaction, most important first",
		Columns: []string{"Driver", "Importance (% of variance)", "95% interval", "Share of R²", "Performance (index 0–100)", "Quadrant"},
		Numeric: []bool{true, false, true, true, false},
	}
	for _, d := range r.Drivers {
		g := groups[d.Caption]
		if g == nil {
			g = &chart.Group{Name: d.Caption}
			groups[d.Caption] = g
			order = append(order, d.Caption)
		}
		g.Points = append(g.Points, chart.Point{X: 100 * d.Importance, Y: d.Performance, Label: d.Name})
		table.Rows = append(table.Rows, chart.Row{Header: d.Name + ": " + d.Label, Cells: []string{
			chart.Format(100 * d.Importance), chart.Format(100*d.Lower) + " to " + chart.Format(100*d.Upper),
			pct1(d.Share), chart.Format(d.Performance), d.Caption}})
	}
	var gs []chart.Group
	for _, c := range order {
		if g := groups[c]; len(g.Points) > 0 {
			gs = append(gs, *g)
		}
	}
	yMin := 0.0
	for _, d := range r.Drivers {
		yMin = math.Min(yMin, d.Performance)
	}
	sc := chart.Scatter{
		ID:     "drivers-quadrant",
		Title:  "Importance and performance of the drivers of overall satisfaction",
		XLabel: "Importance (% of the variance of overall satisfaction)",
		YLabel: "Performance (index 0–100)",
		Groups: gs,
		YMin:   yMin, YMax: 100,
		XRefs: []chart.Ring{{Value: 100 * r.MeanImportance, Label: "mean importance " + chart.Format(100*r.MeanImportance)}},
		YRefs: []chart.Ring{{Value: r.MeanPerformance, Label: "mean performance " + chart.Format(r.MeanPerformance)}},
		Quadrants: chart.Quadrants{TopLeft: CaptionMaintain, TopRight: CaptionKeepUp,
			BottomLeft: CaptionLower, BottomRight: CaptionFixFirst},
		GroupName:   "Quadrant",
		PointName:   "Driver",
		CustomTable: &table,
	}
	return sc.Draw()
}

func (h *Web) driversPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	sv, res, err := h.Svc.Drivers(r.Context(), id)
	if err != nil {
		return err
	}
	d := driversData{Survey: sv, R: res, Queued: res == nil}
	if res != nil && res.Error == "" && len(res.Drivers) > 0 {
		d.Chart = DriverChart(res)
	}
	h.Render.OK(w, r, "satisfaction/survey_drivers", web.Page{Title: "What drives satisfaction: " + sv.Title, Data: d,
		Breadcrumbs: surveyCrumbs(sv, "What drives satisfaction")})
	return nil
}
