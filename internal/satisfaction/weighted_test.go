package satisfaction

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// surveyWith stores an open survey with the core questions, the recommend module and custom
// questions.
func surveyWith(t testing.TB, d *db.DB, code string, custom []forms.Question) Survey {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	s := Survey{Code: code, Title: "Survey " + code, Status: StatusOpen, Unit: UnitInteraction, Modules: []string{ModuleRecommend}}
	s.Questionnaire = BuildQuestionnaire(code, s.Title, "", s.Modules, custom)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO organisations (name, type, created_at, updated_at) VALUES (?, 'agency', ?, ?) RETURNING id",
			"Org "+code, now, now).Scan(&s.OrgID); err != nil {
			return err
		}
		id, err := Store{}.InsertSurvey(ctx, tx, s, now)
		s.ID = id
		s.Version = 1
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var ageQuestion = forms.Question{ID: "age", Type: forms.Single, Text: "Your age group",
	Options: []forms.Option{{Value: "young", Label: "Under 40"}, {Value: "old", Label: "40 or over"}}}

func saveWeighting(t *testing.T, d *db.DB, surveyID int64, at time.Time, margins ...WeightMargin) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		return Store{}.SaveWeighting(ctx, tx, surveyID, Weighting{Margins: margins, Trim: 5, UpdatedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
}

var channelMargin = WeightMargin{Variable: WeightChannel, Label: "Channel", Categories: []WeightCategory{
	{Value: "online", Label: "Online", Population: 50}, {Value: "phone", Label: "Phone", Population: 30},
	{Value: "counter", Label: "Counter", Population: 20}}}

// skewed makes 1000 responses: 70% online (all very satisfied), 20% by phone (neutral), 10%
// at the counter (very dissatisfied), where the population is 50/30/20. Online respondents
// are mostly young; half come from each place.
func skewed(places [2]int64) []insResp {
	rng := rand.New(rand.NewPCG(9, 9))
	var out []insResp
	for i := range 1000 {
		ch, overall, youngShare := "online", 5.0, 7
		switch {
		case i >= 900:
			ch, overall, youngShare = "counter", 1, 2
		case i >= 700:
			ch, overall, youngShare = "phone", 3, 3
		}
		m := map[string]any{QOverall: overall}
		for _, id := range Drivers {
			m[id] = float64(1 + rng.IntN(5))
		}
		if i%10 < youngShare {
			m["age"] = "young"
		} else {
			m["age"] = "old"
		}
		m[QRecommend] = float64(map[string]int{"online": 10, "phone": 8, "counter": 2}[ch])
		out = append(out, insResp{answers: m, channel: ch, place: places[i%2]})
	}
	return out
}

func TestWeightingRecoversPopulationShares(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sv := surveyWith(t, d, "weighted", []forms.Question{ageQuestion})
		pa, pb := insPlace(t, d, "North"), insPlace(t, d, "South")
		insStore(t, d, sv, skewed([2]int64{pa, pb}))
		now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		a := newTestAnalyses(d, &now)
		a.Replicates = 20
		s := NewService(d, nil)
		s.Analyses = a

		// No weighting: no weighted figures.
		if w, err := s.WeightedFigures(ctx, sv.ID); err != nil || w != nil {
			t.Fatalf("%v %v", w, err)
		}

		// One margin (post-stratification by channel).
		saveWeighting(t, d, sv.ID, now.Add(-time.Hour), channelMargin)
		if w, err := s.WeightedFigures(ctx, sv.ID); err != nil || w != nil || !a.Dirty(sv.ID) {
			t.Fatalf("before computing: %v %v dirty %v", w, err, a.Dirty(sv.ID))
		}
		a.RunDue(ctx)
		w, err := s.WeightedFigures(ctx, sv.ID)
		if err != nil || w == nil {
			t.Fatal(w, err)
		}
		if w.Error != "" || w.N != 1000 || w.Excluded != 0 || !w.Converged {
			t.Fatalf("weighted: %+v", w)
		}
		if w.Method != "weighted to population margins (raking, weights trimmed at 5 × the mean weight)" {
			t.Errorf("method %q", w.Method)
		}
		// Weights 0.5/0.7, 0.3/0.2, 0.2/0.1: Kish n_eff = 1000² / Σw².
		sw2 := 700*math.Pow(0.5/0.7, 2) + 200*math.Pow(1.5, 2) + 100*math.Pow(2, 2)
		if want := 1e6 / sw2; math.Abs(w.NEff-want) > 1e-6 || math.Abs(w.DEff-1000/want) > 1e-9 {
			t.Errorf("n_eff %v, want %v; deff %v", w.NEff, want, w.DEff)
		}
		checks := []struct {
			q      string
			m      Metric
			want   float64
			unw    float64
			unit   string
			approx float64
		}{
			{QOverall, MetricIndex, 0.5*100 + 0.3*50 + 0.2*0, 80, "index 0–100", 1e-9},
			{QOverall, MetricTop2, 50, 70, "% in the top two points", 1e-9},
			{QRecommend, MetricNPS, 50 - 20, 70 - 10, "net promoter score, −100 to 100", 1e-9},
		}
		for _, c := range checks {
			f, ok := w.FigureFor(c.q, c.m)
			if !ok {
				t.Errorf("no %s %s", c.q, c.m)
				continue
			}
			if math.Abs(f.Value-c.want) > c.approx || math.Abs(f.Unweighted-c.unw) > c.approx || f.Unit != c.unit || f.Method != w.Method {
				t.Errorf("%s %s: %v (unweighted %v) %q; want %v (%v) %q", c.q, c.m, f.Value, f.Unweighted, f.Unit, c.want, c.unw, c.unit)
			}
			if !(f.Lower < f.Value && f.Value < f.Upper) || f.N != 1000 || math.Abs(f.NEff-w.NEff) > 1e-6 || f.Reliability != "reliable" {
				t.Errorf("%s %s: interval %v–%v n %d n_eff %v %s", c.q, c.m, f.Lower, f.Upper, f.N, f.NEff, f.Reliability)
			}
		}
		for _, mc := range w.Margins {
			for _, c := range mc.Categories {
				if math.Abs(c.Weighted-c.Population) > 1e-6 {
					t.Errorf("%s %s: weighted %v%%, population %v%%", mc.Variable, c.Value, c.Weighted, c.Population)
				}
			}
		}
		if got := w.Margins[0].Categories[0]; got.Sample != 70 || got.N != 700 {
			t.Errorf("online sample share %v (n %d)", got.Sample, got.N)
		}
		dr, err := s.DriverAnalysis(ctx, sv.ID)
		if err != nil || dr == nil || !dr.Weighted || dr.Weighting != w.Method {
			t.Fatalf("drivers %+v %v", dr, err)
		}

		// Three margins: raking meets each of them.
		now = now.Add(time.Minute)
		saveWeighting(t, d, sv.ID, now, channelMargin,
			WeightMargin{Variable: "age", Label: "Age group", Categories: []WeightCategory{{Value: "young", Population: 40}, {Value: "old", Population: 60}}},
			WeightMargin{Variable: WeightPlace, Label: "Place", Categories: []WeightCategory{
				{Value: strconv.FormatInt(pa, 10), Label: "North", Population: 45}, {Value: strconv.FormatInt(pb, 10), Label: "South", Population: 55}}})
		if w, _ := s.WeightedFigures(ctx, sv.ID); w != nil {
			t.Fatal("figures of the old margins are returned after the margins changed")
		}
		now = now.Add(time.Minute)
		a.RunDue(ctx)
		w, err = s.WeightedFigures(ctx, sv.ID)
		if err != nil || w == nil || w.Error != "" || !w.Converged || len(w.Margins) != 3 {
			t.Fatalf("three margins: %+v %v", w, err)
		}
		for _, mc := range w.Margins {
			for _, c := range mc.Categories {
				if math.Abs(c.Weighted-c.Population) > 1e-3 {
					t.Errorf("%s %s: weighted %v%%, population %v%%", mc.Variable, c.Value, c.Weighted, c.Population)
				}
			}
		}
		if w.VariablesText() != "Channel, Age group and Place" || w.Margins[2].Categories[0].Label != "North" {
			t.Errorf("variables %q", w.VariablesText())
		}
		if w.MaxWeight > 5+1e-9 {
			t.Errorf("max weight %v above the cap", w.MaxWeight)
		}
	})
}

func TestWeightingMissingVariableAndEmptyCategory(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	sv := surveyWith(t, d, "gaps", []forms.Question{ageQuestion})
	rs := skewed([2]int64{0, 0})
	for i := range 50 {
		delete(rs[i].answers, "age")
	}
	insStore(t, d, sv, rs)
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	a := newTestAnalyses(d, &now)
	a.Replicates = 20
	saveWeighting(t, d, sv.ID, now, WeightMargin{Variable: "age", Label: "Age group",
		Categories: []WeightCategory{{Value: "young", Population: 40}, {Value: "old", Population: 60}}})
	if err := a.Compute(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
	var w WeightedResult
	if _, _, err := cachedAnalysis(ctx, d, sv.ID, AnalysisWeighted, &w); err != nil {
		t.Fatal(err)
	}
	if w.N != 950 || w.Excluded != 50 || w.Error != "" {
		t.Errorf("n %d excluded %d error %q", w.N, w.Excluded, w.Error)
	}
	if f, ok := w.FigureFor(QOverall, MetricIndex); !ok || f.N != 950 {
		t.Errorf("index n %d", f.N)
	}
	// A population category no response comes from: no weights, and the drivers say so.
	saveWeighting(t, d, sv.ID, now, WeightMargin{Variable: WeightChannel, Label: "Channel",
		Categories: []WeightCategory{{Value: "online", Population: 50}, {Value: "post", Label: "Post", Population: 50}}})
	if err := a.Compute(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
	w = WeightedResult{}
	if _, _, err := cachedAnalysis(ctx, d, sv.ID, AnalysisWeighted, &w); err != nil {
		t.Fatal(err)
	}
	if w.Error == "" || len(w.Figures) != 0 {
		t.Errorf("empty category: %+v", w)
	}
	var dr DriverResult
	if _, _, err := cachedAnalysis(ctx, d, sv.ID, AnalysisDrivers, &dr); err != nil {
		t.Fatal(err)
	}
	if dr.Weighted || dr.Weighting != "unweighted (weighting could not be computed: "+w.Error+")" {
		t.Errorf("drivers weighting %q", dr.Weighting)
	}
	// Weighting removed: the weighted result goes.
	if err := d.InTx(ctx, func(tx *db.Tx) error { return Store{}.DeleteWeighting(ctx, tx, sv.ID) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Compute(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
	if n := analysisCount(t, d, sv.ID, AnalysisWeighted); n != -1 {
		t.Errorf("weighted result kept after the weighting went: %d", n)
	}
}
