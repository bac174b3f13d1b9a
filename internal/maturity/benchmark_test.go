package maturity

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// benchPack: two dimensions of one item each, on a five-point scale (1 → 0, 2 → 25, 3 → 50,
// 4 → 75, 5 → 100), with "not applicable".
const benchPack = `id: bench-test
version: "1"
title: Benchmark test
source: Written for the tests.
licence: CC0
subject: organisation
levels:
  - {label: Low, from: 0}
  - {label: Middle, from: 40}
  - {label: High, from: 70}
answer_sets:
  - id: five
    not_applicable: true
    options:
      - {value: 1, label: One}
      - {value: 2, label: Two}
      - {value: 3, label: Three}
      - {value: 4, label: Four}
      - {value: 5, label: Five}
dimensions:
  - id: d
    title: Dimension D
    items:
      - {id: i1, statement: The first statement., answer_set: five, guidance: Do better at the first.}
  - id: e
    title: Dimension E
    items:
      - {id: e1, statement: The second statement., answer_set: five, guidance: Do better at the second.}
`

// benchFixture is organisation "Home" and peers, each with an admin who runs its
// assessments alone, and the benchmark pack.
type benchFixture struct {
	d      *db.DB
	s      *Service
	fw     Framework
	orgs   map[string]int64
	admins map[string]authz.Principal
}

func newBenchFixture(t *testing.T, d *db.DB) *benchFixture {
	t.Helper()
	sys := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &benchFixture{d: d, s: NewService(d, dir), orgs: map[string]int64{}, admins: map[string]authz.Principal{}}
	for _, o := range []struct{ name, typ, jur string }{
		{"Home", "government_agency", "Commonwealth of Australia"},
		{"P1", "government_agency", "Commonwealth of Australia"}, {"P2", "government_agency", "Commonwealth of Australia"},
		{"P3", "government_agency", "New Zealand"}, {"P4", "government_agency", "New Zealand"},
		{"P5", "government_agency", "Commonwealth of Australia"}, {"P6", "government_agency", "Commonwealth of Australia"},
		{"P7", "community_organisation", "Commonwealth of Australia"}, {"P8", "community_organisation", "Commonwealth of Australia"},
		{"Blank", "government_agency", ""},
	} {
		org, err := dir.CreateOrg(sys, directory.OrgInput{Name: o.name, Type: o.typ, Jurisdiction: o.jur})
		if err != nil {
			t.Fatal(err)
		}
		email := strings.ToLower(o.name) + "@bench.example.org"
		uid, err := auth.InsertUser(sys, d, auth.User{Email: email, Name: "Admin of " + o.name})
		if err != nil {
			t.Fatal(err)
		}
		if err := dir.Store.SetMembership(sys, d, uid, org.ID, authz.Admin); err != nil {
			t.Fatal(err)
		}
		f.orgs[o.name] = org.ID
		f.admins[o.name] = authz.Principal{UserID: uid, Name: "Admin of " + o.name, Email: email, Roles: map[int64]authz.Role{org.ID: authz.Admin}}
	}
	res, err := f.s.Import(f.ctx("Home"), "bench.yaml", []byte(benchPack))
	if err != nil {
		t.Fatal(err)
	}
	f.fw = res.Framework
	return f
}

func (f *benchFixture) ctx(org string) context.Context {
	return authz.With(context.Background(), f.admins[org])
}

// closed runs an assessment of org through to closed with the agreed choices for i1 and e1,
// shared for benchmarks or not; year sets its period.
func (f *benchFixture) closed(t *testing.T, org, i1, e1 string, share bool, year string) Assessment {
	t.Helper()
	run := demoRun{s: f.s, ctx: context.Background()}
	script := []demoItem{
		{id: "i1", answers: []string{i1}, agreed: i1, target: "5", flag: i1 == "2"},
		{id: "e1", answers: []string{e1}, agreed: e1, target: "5"},
	}
	for i := range script {
		if script[i].agreed == NotApplicable {
			script[i].target = ""
		}
	}
	a, err := run.assessment(f.fw, f.orgs[org], org+" "+year, year+"-01-01", year+"-12-31", year+"-12-01", f.admins[org], f.admins[org],
		[]authz.Principal{f.admins[org]}, script, year+"-12-20")
	if err != nil {
		t.Fatalf("%s %s: %v", org, year, err)
	}
	if !share {
		if a, err = f.s.SetBenchmark(f.ctx(org), a.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func dimOf(b Benchmark, id string) BenchmarkDimension {
	for _, d := range b.Dimensions {
		if d.ID == id {
			return d
		}
	}
	return BenchmarkDimension{}
}

// TestBenchmark: withheld until five other organisations share a closed assessment, then
// quartiles (definition 7) worked by hand; the latest per organisation; never a name.
func TestBenchmark(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newBenchFixture(t, d)
		home := f.closed(t, "Home", "4", "3", true, "2025")
		f.closed(t, "P1", "5", "5", true, "2023") // older: replaced by P1's 2025 one
		for _, p := range []struct{ org, i1, e1 string }{{"P1", "1", NotApplicable}, {"P2", "2", NotApplicable}, {"P3", "3", "3"}, {"P4", "3", "3"}} {
			f.closed(t, p.org, p.i1, p.e1, true, "2025")
		}
		f.closed(t, "P5", "5", "5", false, "2025") // not shared
		open, err := f.s.CreateAssessment(f.ctx("P6"), AssessmentInput{OrgID: f.orgs["P6"], FrameworkID: f.fw.ID, Title: "Open", PeriodStart: "2025-01-01", PeriodEnd: "2025-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		_ = open // not closed: not counted

		b, err := f.s.Benchmark(f.ctx("Home"), home.ID, CohortAll)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Withheld || b.Organisations != 4 || !strings.Contains(b.Reason, "Fewer than 5") || len(b.Dimensions) != 0 || b.Overall != nil {
			t.Fatalf("four peers: %+v", b)
		}

		f.closed(t, "P7", "4", "4", true, "2025")
		f.closed(t, "P8", "5", "4", true, "2025")
		b, err = f.s.Benchmark(f.ctx("Home"), home.ID, CohortAll)
		if err != nil {
			t.Fatal(err)
		}
		if b.Withheld || b.Organisations != 6 || b.Minimum != 5 {
			t.Fatalf("six peers: %+v", b)
		}
		// D: peers 0, 25, 50, 50, 75, 100 (P1's 2025 one, not its 2023 100). h = 5p:
		// Q1 at 1.25 → 25 + 0.25×25 = 31.25; median at 2.5 → 50; Q3 at 3.75 → 50 + 0.75×25 = 68.75.
		// Home scores 75: in the top quarter.
		dd := dimOf(b, "d")
		if dd.N != 6 || dd.Withheld || *dd.LowerQuartile != 31.3 || *dd.Median != 50 || *dd.UpperQuartile != 68.8 || *dd.Score != 75 ||
			!strings.HasPrefix(dd.Position, "in the top quarter") {
			t.Errorf("D: %+v (%v %v %v)", dd, orNaN(dd.LowerQuartile), orNaN(dd.Median), orNaN(dd.UpperQuartile))
		}
		// E: P1 and P2 not applicable: four peers scored it, so it is withheld on its own.
		de := dimOf(b, "e")
		if de.N != 4 || !de.Withheld || de.Median != nil || de.LowerQuartile != nil || *de.Score != 50 {
			t.Errorf("E: %+v", de)
		}
		// Overall: mean of D and E where both scored, else D: P1 0, P2 25, P3 50, P4 50, P7 75, P8 87.5.
		// Q1 = 25 + 0.25×25 = 31.25, median 50, Q3 = 50 + 0.75×25 = 68.75. Home (75 + 50)/2 = 62.5: above the median.
		if o := b.Overall; o == nil || o.N != 6 || *o.Median != 50 || *o.UpperQuartile != 68.8 || *o.Score != 62.5 || o.Position != "above the median" {
			t.Errorf("overall: %+v", b.Overall)
		}
		// Nothing of any peer but quartiles: no names, no organisation or assessment IDs.
		js, _ := json.Marshal(b)
		for _, never := range []string{"P1", "P2", "P7", "Admin of", "assessment_id", "organisation_id", "\"100\"", "87.5"} {
			if strings.Contains(string(js), never) {
				t.Errorf("benchmark JSON shows %q: %s", never, js)
			}
		}

		// By type: P7 and P8 are community organisations, so four government peers remain.
		bt, err := f.s.Benchmark(f.ctx("Home"), home.ID, CohortType)
		if err != nil || !bt.Withheld || bt.Organisations != 4 || !strings.Contains(bt.Reason, "Government agency") {
			t.Errorf("by type: %v %+v", err, bt)
		}
		// By jurisdiction: P3 and P4 are in New Zealand: P1, P2, P7, P8 remain.
		bj, err := f.s.Benchmark(f.ctx("Home"), home.ID, CohortJurisdiction)
		if err != nil || !bj.Withheld || bj.Organisations != 4 || !strings.Contains(bj.Cohort, "Commonwealth of Australia") {
			t.Errorf("by jurisdiction: %v %+v", err, bj)
		}
		blank := f.closed(t, "Blank", "3", "3", true, "2025")
		if bb, err := f.s.Benchmark(f.ctx("Blank"), blank.ID, CohortJurisdiction); err != nil || !bb.Withheld || !strings.Contains(bb.Reason, "no jurisdiction") {
			t.Errorf("no jurisdiction: %v %+v", err, bb)
		}

		// Only an organisation that shares sees its peers.
		if _, err := f.s.SetBenchmark(f.ctx("Home"), home.ID, false); err != nil {
			t.Fatal(err)
		}
		if b, err := f.s.Benchmark(f.ctx("Home"), home.ID, CohortAll); err != nil || !b.Withheld || !strings.Contains(b.Reason, "not shared") || b.Dimensions != nil {
			t.Errorf("not opted in: %v %+v", err, b)
		}
		// An open assessment is compared with nothing.
		mine, err := f.s.CreateAssessment(f.ctx("Home"), AssessmentInput{OrgID: f.orgs["Home"], FrameworkID: f.fw.ID, Title: "Next", PeriodStart: "2026-01-01", PeriodEnd: "2026-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := f.s.Benchmark(f.ctx("Home"), mine.ID, CohortAll); err != nil || !b.Withheld || !strings.Contains(b.Reason, "close") {
			t.Errorf("open: %v %+v", err, b)
		}
		// A peer cannot look at Home's benchmark (nor learn that the assessment exists).
		if _, err := f.s.Benchmark(f.ctx("P1"), home.ID, CohortAll); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a peer: %v", err)
		}
	})
}

func TestPosition(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{80, "in the top quarter (at or above the upper quartile)"},
		{70, "in the top quarter (at or above the upper quartile)"},
		{60, "above the median"},
		{50, "at the median"},
		{40, "below the median"},
		{30, "below the median"},
		{29.9, "in the bottom quarter (below the lower quartile)"},
	} {
		if got := position(c.v, 30, 50, 70); got != c.want {
			t.Errorf("position(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	// All peers alike: at the median, not in the top quarter.
	if got := position(50, 50, 50, 50); got != "at the median" {
		t.Errorf("flat cohort: %q", got)
	}
}

// compare withholds a dimension fewer than MinCohort peers scored, and gives quartiles
// (rounded to one decimal) otherwise.
func TestCompare(t *testing.T) {
	if d := compare("x", "X", 0, []float64{1, 2, 3, 4}, Score{Value: 2, OK: true}); !d.Withheld || d.Median != nil || *d.Score != 2 {
		t.Errorf("four values: %+v", d)
	}
	d := compare("x", "X", 0, []float64{7, 15, 36, 39, 40, 41}, Score{})
	if d.Withheld || *d.LowerQuartile != 20.3 || *d.Median != 37.5 || *d.UpperQuartile != 39.8 || d.Score != nil || d.Position != "" {
		t.Errorf("six values: %+v", d)
	}
}
