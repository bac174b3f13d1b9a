package learning

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// TestBuildCurve checks the curve against the forecast worked by hand in
// internal/stats/trend_test.go (TestForecastByHand): the values 2, 4, 5, 4, 5 every three
// years from 2009 are that example with x = (year − 2006)/3, so the trend rises 0.6 a step
// (0.2 a year) and the forecast for 2024 (x = 6) is 5.8 with the 95% prediction interval
// 1.675078 to 9.924922, for 2027 (x = 7) 6.4 with 1.636951 to 11.163049.
func TestBuildCurve(t *testing.T) {
	target := 9.0
	ind := Indicator{ID: 1, Name: "On track", Unit: "%", GoodDirection: "up", PeriodFormat: PeriodYear, TargetValue: &target, TargetPeriod: "2030", Illustrative: true}
	var obs []Observation
	for k, v := range []float64{2, 4, 5, 4, 5} {
		obs = append(obs, Observation{PlaceID: 7, PlaceName: "Logan", Period: strconv.Itoa(2009 + 3*k), Value: v})
	}
	obs = append(obs, Observation{PlaceID: 7, Period: "2024", Value: 10.5, Provisional: true}, Observation{PlaceID: 8, Period: "2024", Value: 99})
	c := BuildCurve(ind, obs, 7, "")
	if len(c.Baseline) != 5 || len(c.Provisional) != 1 || len(c.Actual) != 0 || c.PlaceName != "Logan" {
		t.Fatalf("curve %+v", c)
	}
	if c.Trend == nil || c.Trend.Step != 3 || math.Abs(c.Trend.ChangePerPeriod-0.2) > 1e-12 || c.Trend.Points != 5 {
		t.Fatalf("trend %+v", c.Trend)
	}
	want := []ForecastPoint{{Period: "2024", Value: 5.8, Lower: 1.675078, Upper: 9.924922}, {Period: "2027", Value: 6.4, Lower: 1.636951, Upper: 11.163049},
		{Period: "2030", Value: 7.0}}
	if len(c.Forecast) != len(want) {
		t.Fatalf("forecast %+v", c.Forecast)
	}
	for k, w := range want {
		g := c.Forecast[k]
		if g.Period != w.Period || math.Abs(g.Value-w.Value) > 1e-9 || (w.Lower != 0 && (math.Abs(g.Lower-w.Lower) > 5e-6 || math.Abs(g.Upper-w.Upper) > 5e-6)) {
			t.Errorf("forecast %d = %+v, want %+v", k, g, w)
		}
	}
	// 10.5 (provisional) is above the 2024 range: better than the trend, since higher is better.
	if !strings.Contains(c.Verdict, "10.5% for 2024 (provisional), is above the forecast’s 95% range of 1.7% to 9.9%: better than if nothing had changed") {
		t.Errorf("verdict %q", c.Verdict)
	}
	ind.GoodDirection = "down"
	if c := BuildCurve(ind, obs, 7, ""); !strings.Contains(c.Verdict, "worse than if nothing had changed") {
		t.Errorf("verdict when lower is better: %q", c.Verdict)
	}
	if got := c.TrendText(); got != "The baseline of 5 figures is rising by about 0.2 percentage points a year." {
		t.Errorf("trend text %q", got)
	}

	// The chart: four series at most, the band, the target and the divider; the table marks
	// the provisional figure in its own column and the illustrative figures in the caption.
	ch := c.Chart(ind, "t")
	svg := string(ch.SVG)
	for _, s := range []string{"Target: 9% by 2030", "Forecast starts", `class="band band-1"`, "(illustrative figures)", "Provisional (may change)"} {
		if !strings.Contains(svg, s) {
			t.Errorf("chart lacks %q", s)
		}
	}
	cols := strings.Join(ch.Table.Columns, "|")
	if cols != "Period|Baseline|Forecast if nothing changes|Forecast if nothing changes: 95% prediction interval|Provisional (may change)" {
		t.Errorf("table columns %s", cols)
	}
	if r := ch.Table.Rows[5]; r.Header != "2024" || strings.Join(r.Cells, "|") != "–|5.8%|1.7%–9.9%|10.5%" {
		t.Errorf("2024 row %+v", r)
	}

	// A baseline end splits final figures into baseline and actuals.
	ind.BaselineEnd = "2015"
	c = BuildCurve(ind, obs, 7, "")
	if len(c.Baseline) != 3 || len(c.Actual) != 2 || c.Forecast[0].Period != "2018" {
		t.Errorf("baseline to 2015: %d baseline, %d actual, forecast from %s", len(c.Baseline), len(c.Actual), c.Forecast[0].Period)
	}
	// Too few figures: no forecast, and a reason.
	c = BuildCurve(Indicator{PeriodFormat: PeriodYear}, obs[:2], 7, "Logan")
	if len(c.Forecast) != 0 || !strings.Contains(c.NoForecast, "at least 3") {
		t.Errorf("two figures: %+v", c)
	}
	// Shares stay between 0% and 100%.
	var high []Observation
	for k, v := range []float64{90, 95, 99} {
		high = append(high, Observation{PlaceID: 1, Period: strconv.Itoa(2020 + k), Value: v})
	}
	c = BuildCurve(Indicator{PeriodFormat: PeriodYear, Unit: "%"}, high, 1, "")
	if last := c.Forecast[2]; last.Value != 100 || last.Upper != 100 || last.Lower >= 100 {
		t.Errorf("a share past 100%%: %+v", last)
	}
	// Quarters step by one quarter.
	var qs []Observation
	for k, p := range []string{"2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"} {
		qs = append(qs, Observation{PlaceID: 1, Period: p, Value: float64(10 + k)})
	}
	c = BuildCurve(Indicator{PeriodFormat: PeriodQuarter}, qs, 1, "")
	if len(c.Forecast) != 3 || c.Forecast[0].Period != "2024-Q3" || c.Forecast[2].Period != "2025-Q1" || math.Abs(c.Forecast[0].Value-14) > 1e-9 {
		t.Errorf("quarters: %+v", c.Forecast)
	}
}

func TestResultRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newOCFixture(t, d)
		r, ind := f.result(t)

		// Who may create: managers (for an organisation they manage, or none) and site admins.
		for _, c := range []struct {
			who  string
			org  int64
			want string // "", "forbidden", or a field with an error
		}{
			{"anonymous", 0, "forbidden"}, {"viewer-a", f.orgA, "forbidden"}, {"contributor-a", f.orgA, "forbidden"},
			{"manager-a", f.orgA, ""}, {"manager-a", 0, ""}, {"manager-a", f.orgB, "organisation_id"},
			{"manager-b", f.orgB, ""}, {"site-admin", f.orgB, ""},
		} {
			_, err := f.s.CreateResult(f.as(c.who), ResultInput{PlaceID: f.logan, Title: "Families are safe", OrgID: c.org})
			ve, _ := valid.As(err)
			switch {
			case c.want == "" && err != nil, c.want == "forbidden" && !errors.Is(err, authz.ErrForbidden), c.want != "" && c.want != "forbidden" && ve[c.want] == "":
				t.Errorf("%s creating for org %d: %v, want %s", c.who, c.org, err, c.want)
			}
		}
		// Bad input changes nothing.
		for _, in := range []ResultInput{{PlaceID: f.logan}, {Title: "x"}, {Title: "x", PlaceID: 999999}, {Title: "x", PlaceID: f.old},
			{Title: strings.Repeat("x", 201), PlaceID: f.logan}, {Title: "x", PlaceID: f.logan, OrgID: 999999}} {
			if _, err := f.s.CreateResult(f.as("site-admin"), in); err == nil {
				t.Errorf("%+v accepted", in)
			} else if _, ok := valid.As(err); !ok {
				t.Errorf("%+v: %v, want field errors", in, err)
			}
		}

		// Who may edit a result owned by A: A's managers and admins, site admins.
		for who, ok := range map[string]bool{"viewer-a": false, "contributor-a": false, "manager-a": true, "admin-a": true, "manager-b": false, "site-admin": true} {
			_, err := f.s.UpdateResult(f.as(who), r.ID, ResultInput{Title: r.Title + " (" + who + ")", OrgID: f.orgA})
			if ok != (err == nil) || (!ok && !errors.Is(err, authz.ErrForbidden)) {
				t.Errorf("%s editing: %v", who, err)
			}
			_, err = f.s.UpdateIndicator(f.as(who), ind.ID, IndicatorInput{Name: ind.Name + " " + who, Unit: "%"})
			if ok != (err == nil) {
				t.Errorf("%s editing the indicator: %v", who, err)
			}
		}
		// A shared result (no owner) is kept by the managers of any organisation.
		shared, err := f.s.CreateResult(f.as("manager-a"), ResultInput{PlaceID: f.qld, Title: "Queenslanders are healthy"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateResult(f.as("manager-b"), shared.ID, ResultInput{Title: "Queenslanders are healthy and well"}); err != nil {
			t.Errorf("B's manager editing a shared result: %v", err)
		}
		if _, err := f.s.UpdateResult(f.as("contributor-a"), shared.ID, ResultInput{Title: "x"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a contributor editing a shared result: %v", err)
		}

		// Results are public, but not at archived places.
		if _, err := f.s.Result(f.as("anonymous"), r.ID); err != nil {
			t.Errorf("anonymous reading: %v", err)
		}
		atOld, err := f.s.CreateResult(f.as("site-admin"), ResultInput{PlaceID: f.logan, Title: "Old result"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(f.as("site-admin"), "UPDATE outcome_results SET place_id = ? WHERE id = ?", f.old, atOld.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Result(f.as("manager-a"), atOld.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a result at an archived place: %v", err)
		}
		if _, err := f.s.Result(f.as("site-admin"), atOld.ID); err != nil {
			t.Errorf("site admin reading a result at an archived place: %v", err)
		}
		list, err := f.s.Results(f.as("anonymous"), ResultFilter{})
		if err != nil || len(list) != 6 { // the fixture's, four created above, the shared one; not the archived place's
			var names []string
			for _, x := range list {
				names = append(names, x.Title)
			}
			t.Errorf("list: %v, %v", names, err)
		}

		// Search finds the indicator by its name.
		hits, err := search.Search(f.as("anonymous"), d, search.Query{Text: "five domains", Kinds: []string{IndicatorKind}})
		if err != nil || len(hits) != 1 || hits[0].RecordID != ind.ID {
			t.Errorf("search for the indicator: %+v, %v", hits, err)
		}

		// Deleting removes the indicators and their figures; only editors may.
		v := 1.0
		if _, err := f.s.SaveObservation(f.as("manager-a"), ind.ID, ObservationInput{PlaceID: f.logan, Period: "2021", Value: &v}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DeleteResult(f.as("manager-b"), r.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("B's manager deleting: %v", err)
		}
		if _, err := f.s.DeleteResult(f.as("manager-a"), r.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRow(f.as("site-admin"), "SELECT (SELECT COUNT(*) FROM indicators WHERE result_id = ?) + (SELECT COUNT(*) FROM indicator_observations WHERE indicator_id = ?)", r.ID, ind.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("left behind: %d, %v", n, err)
		}
		if _, err := f.s.Indicator(f.as("manager-a"), ind.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the deleted indicator: %v", err)
		}
		// The audit log has the story.
		if err := d.QueryRow(f.as("site-admin"), "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'outcome_result.%' OR action LIKE 'indicator.%'").Scan(&n); err != nil || n < 10 {
			t.Errorf("audit rows: %d, %v", n, err)
		}
	})
}

func TestIndicatorRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newOCFixture(t, d)
		r, ind := f.result(t)
		mgr := f.as("manager-a")
		nan := math.NaN()
		for _, c := range []struct {
			in    IndicatorInput
			field string
		}{
			{IndicatorInput{}, "name"},
			{IndicatorInput{Name: "x", GoodDirection: "sideways"}, "good_direction"},
			{IndicatorInput{Name: "x", PeriodFormat: "decade"}, "period_format"},
			{IndicatorInput{Name: "x", GeographyLevel: "planet"}, "geography_level"},
			{IndicatorInput{Name: "x", TargetValue: &nan}, "target_value"},
			{IndicatorInput{Name: "x", TargetPeriod: "2030"}, "target_value"},
			{IndicatorInput{Name: "x", TargetValue: new(float64), TargetPeriod: "2030-Q1"}, "target_period"},
			{IndicatorInput{Name: "x", BaselineEnd: "2021-22", PeriodFormat: PeriodYear}, "baseline_end"},
		} {
			_, err := f.s.CreateIndicator(mgr, r.ID, c.in)
			if ve, _ := valid.As(err); ve[c.field] == "" {
				t.Errorf("%+v: %v, want an error on %s", c.in, err, c.field)
			}
		}
		// Periods are stored in their canonical form.
		fy, err := f.s.CreateIndicator(mgr, r.ID, IndicatorInput{Name: "Enrolments", PeriodFormat: PeriodFinancialYear, BaselineEnd: "2019/20",
			TargetValue: new(float64), TargetPeriod: "FY2029-30"})
		if err != nil || fy.BaselineEnd != "2019-20" || fy.TargetPeriod != "2029-30" {
			t.Errorf("financial years: %+v, %v", fy, err)
		}
		// The format cannot change once there are figures.
		v := 50.0
		if _, err := f.s.SaveObservation(mgr, ind.ID, ObservationInput{PlaceCode: "34590", Period: "2021", Value: &v}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.UpdateIndicator(mgr, ind.ID, IndicatorInput{Name: ind.Name, PeriodFormat: PeriodQuarter})
		if ve, _ := valid.As(err); !strings.Contains(ve["period_format"], "one series keeps one format") {
			t.Errorf("changing the format: %v", err)
		}

		// Performance measures: the program's lead and partner managers.
		m, err := f.s.CreateMeasure(mgr, f.program, IndicatorInput{Name: "Families supported", Question: QuestionHowMuch})
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != IndicatorPerformance || m.ProgramName != "Logan Together" || m.Back() != "/programs/"+strconv.FormatInt(f.program, 10)+"/performance" {
			t.Errorf("measure %+v", m)
		}
		if _, err := f.s.CreateMeasure(mgr, f.program, IndicatorInput{Name: "No question"}); err == nil {
			t.Error("a measure without its question was accepted")
		}
		for who, ok := range map[string]bool{"contributor-a": false, "manager-b": false, "admin-a": true, "site-admin": true} {
			_, err := f.s.CreateMeasure(f.as(who), f.program, IndicatorInput{Name: "Parents satisfied", Question: QuestionHowWell})
			if ok != (err == nil) {
				t.Errorf("%s adding a measure: %v", who, err)
			}
			if s := f.s.CanEditIndicator(f.as(who), m); s != ok {
				t.Errorf("%s may edit the measure: %v", who, s)
			}
		}
		ms, err := f.s.Measures(f.as("anonymous"), f.program)
		if err != nil || len(ms) != 3 {
			t.Errorf("measures: %d, %v", len(ms), err)
		}
		if _, err := f.s.DeleteIndicator(f.as("manager-b"), m.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("B deleting a measure: %v", err)
		}
		if _, err := f.s.DeleteIndicator(mgr, m.ID); err != nil {
			t.Errorf("deleting a measure: %v", err)
		}
	})
}
