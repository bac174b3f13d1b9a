package learning

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func TestParseObservationCSV(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		n     int      // observations read
		lines []int    // their lines
		errs  []string // "line:field:substring"
	}{
		{name: "plain", in: "34590,2021,55.1\n34590,2024,56.3,yes,Preliminary\n", n: 2, lines: []int{1, 2}},
		{name: "header in another order", in: "period,value,place_code,note\n2021,55.1,34590,\n2018,\"54,0\",34590,x\n", n: 2, lines: []int{2, 3},
			errs: []string{"3:value:thousands separators"}},
		{name: "BOM and CRLF", in: "\ufeffplace_code,period,value\r\n34590,2021,55.1\r\n", n: 1, lines: []int{2}},
		{name: "per cent sign and export apostrophe", in: "34590,2021,55.1%\n34590,2022,'-3\n", n: 2, lines: []int{1, 2}},
		{name: "bad value and provisional", in: "34590,2021,abc\n34590,2022,5,maybe\n34590,2023,\n", n: 3,
			errs: []string{"1:value:not a number", "2:provisional:yes or no", "3:value:Give the value"}},
		{name: "NaN and Inf", in: "34590,2021,NaN\n34590,2022,Inf\n34590,2023,0x10\n", n: 3,
			errs: []string{"1:value:not a number", "2:value:not a number", "3:value:not a number"}},
		{name: "too many columns", in: "34590,2021,5,no,note,extra\n34590,2022,5,no,note,\n", n: 2, errs: []string{"1::columns"}},
		{name: "header missing value", in: "place_code,period\n34590,2021\n", errs: []string{"1::no value column"}},
		{name: "quoted newline keeps line numbers", in: "34590,2021,5,no,\"two\nlines\"\n34590,2022,6\n", n: 2, lines: []int{1, 3}},
		{name: "bad quote stops", in: "34590,2021,5\n34590,\"2022,6\n34590,2023,7\n", n: 1, errs: []string{"2::not valid CSV"}},
		{name: "empty", in: "\n\n", errs: []string{"0::no observations"}},
		{name: "not UTF-8", in: "34590,2021,5\xff\n", errs: []string{"0::UTF-8"}},
		{name: "place id column", in: "place_id,period,value\n7,2021,5\nx,2022,6\n", n: 2, errs: []string{"3:place_code:not a record ID"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obs, errs := ParseObservationCSV([]byte(c.in))
			if len(obs) != c.n {
				t.Errorf("%d observations, want %d (%+v)", len(obs), c.n, obs)
			}
			for k, l := range c.lines {
				if k < len(obs) && obs[k].Line != l {
					t.Errorf("observation %d on line %d, want %d", k, obs[k].Line, l)
				}
			}
			if len(errs) != len(c.errs) {
				t.Fatalf("errors %+v, want %v", errs, c.errs)
			}
			for k, want := range c.errs {
				parts := strings.SplitN(want, ":", 3)
				got := errs[k]
				if strconv.Itoa(got.Line) != parts[0] || got.Field != parts[1] || !strings.Contains(got.Message, parts[2]) {
					t.Errorf("error %d = %+v, want %s", k, got, want)
				}
			}
		})
	}
	obs, _ := ParseObservationCSV([]byte("34590,2024,56.3,yes,Preliminary release\n3,2021,'-3.5\n"))
	if o := obs[0]; o.PlaceCode != "34590" || o.Period != "2024" || o.Value == nil || *o.Value != 56.3 || !o.Provisional || o.Note != "Preliminary release" {
		t.Errorf("first observation %+v", o)
	}
	if o := obs[1]; o.Value == nil || *o.Value != -3.5 || o.Provisional {
		t.Errorf("second observation %+v", o)
	}
	// Too many lines.
	big := strings.Repeat("34590,2021,5\n", MaxImportRows+1)
	if _, errs := ParseObservationCSV([]byte(big)); len(errs) != 1 || !strings.Contains(errs[0].Message, "more than") {
		t.Errorf("too many lines: %+v", errs)
	}
	if _, errs := ParseObservationCSV(make([]byte, MaxImportBytes+1)); len(errs) != 1 || !strings.Contains(errs[0].Message, "larger") {
		t.Errorf("too large: %+v", errs)
	}
}

// FuzzParseObservationCSV: no panics; every observation and error carries a line within the
// file; errors are in order; nothing is read past MaxImportRows.
func FuzzParseObservationCSV(f *testing.F) {
	for _, s := range []string{
		"34590,2021,55.1\n", "place_code,period,value,provisional,note\n34590,2024,56.3,yes,x\n", "a,b\n\"\n", "\ufeff,,\n",
		"34590,2021,'-3\n", "period,value,place_id\n2021,1,2\n", "x,y,z,w,v,u\n", "\"a\nb\",2021,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, errs := ParseObservationCSV(data)
		lines := strings.Count(string(data), "\n") + 1
		if len(obs) > MaxImportRows {
			t.Fatalf("%d observations", len(obs))
		}
		for _, o := range obs {
			if o.Line < 1 || o.Line > lines {
				t.Fatalf("observation on line %d of %d", o.Line, lines)
			}
			if o.Value == nil && !o.badValue {
				t.Fatalf("line %d: no value and no error", o.Line)
			}
		}
		for _, e := range errs {
			if e.Line < 0 || e.Line > lines || e.Message == "" {
				t.Fatalf("error %+v in %d lines", e, lines)
			}
		}
		if len(obs) == 0 && len(errs) == 0 {
			t.Fatal("nothing read and no error")
		}
	})
}

func TestImportObservations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newOCFixture(t, d)
		_, ind := f.result(t)
		mgr := f.as("manager-a")
		count := func() int {
			n, err := countObservations(context.Background(), d, ind.ID)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Good lines: a preview saves nothing; then saving adds them.
		good := "place_code,period,value,provisional,note\n34590,2009,52.1,,\n34590,2012,53.0,no,\n34590,2015,54.2,no,\n3,2015,60,no,State\n"
		obs, pre := ParseObservationCSV([]byte(good))
		rep, err := f.s.ImportObservations(mgr, ind.ID, ObservationBatch{Observations: obs}, pre, false)
		if err != nil || rep.Added != 4 || rep.Saved || count() != 0 {
			t.Fatalf("preview: %+v, %v, %d stored", rep, err, count())
		}
		rep, err = f.s.ImportObservations(mgr, ind.ID, ObservationBatch{Observations: obs}, pre, true)
		if err != nil || rep.Added != 4 || !rep.Saved || count() != 4 {
			t.Fatalf("save: %+v, %v, %d stored", rep, err, count())
		}
		if rep.Rows[3].PlaceName != "Queensland" || rep.Rows[3].Note != "State" {
			t.Errorf("row 4: %+v", rep.Rows[3])
		}

		// Bad lines: each reported with its line; nothing saved, even the good lines.
		bad := "place_code,period,value\n34590,2018,55\n00000,2019,1\n34590,2021-Q3,1\n34590,2018,56\n99999,2020,1\n34590,2020,\n"
		obs, pre = ParseObservationCSV([]byte(bad))
		rep, err = f.s.ImportObservations(mgr, ind.ID, ObservationBatch{Observations: obs}, pre, true)
		if _, ok := valid.As(err); !ok || rep.Saved || count() != 4 {
			t.Fatalf("bad file: %v, saved %v, %d stored", err, rep.Saved, count())
		}
		want := []string{"3:place_code:No place has the code", "4:period:one series keeps one format", "5:period:line 2", "6:place_code:archived", "7:value:Give the value"}
		if len(rep.Errors) != len(want) {
			t.Fatalf("errors %+v", rep.Errors)
		}
		for k, w := range want {
			parts := strings.SplitN(w, ":", 3)
			e := rep.Errors[k]
			if strconv.Itoa(e.Line) != parts[0] || e.Field != parts[1] || !strings.Contains(e.Message, parts[2]) {
				t.Errorf("error %d = %+v, want %s", k, e, w)
			}
		}

		// Existing figures are replaced (the preview says which), unchanged ones left alone.
		obs, pre = ParseObservationCSV([]byte("34590,2012,53.5,yes\n34590,2015,54.2\n34590,2018,55.9\n"))
		rep, err = f.s.ImportObservations(mgr, ind.ID, ObservationBatch{Observations: obs}, pre, true)
		if err != nil || rep.Added != 1 || rep.Updated != 1 || rep.Unchanged != 1 {
			t.Fatalf("update: %+v, %v", rep, err)
		}
		if r := rep.Rows[0]; r.Change != "update" || r.OldValue == nil || *r.OldValue != 53.0 {
			t.Errorf("updated row %+v", r)
		}
		all, err := f.s.Observations(f.as("anonymous"), ind.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range all {
			if o.PlaceID == f.logan {
				got = append(got, o.Period+"="+fmtValue(o.Value, "")+map[bool]string{true: "p", false: ""}[o.Provisional])
			}
		}
		if strings.Join(got, " ") != "2009=52.1 2012=53.5p 2015=54.2 2018=55.9" {
			t.Errorf("stored %v", got)
		}

		// Another format for an indicator with figures is refused as a whole.
		obs, pre = ParseObservationCSV([]byte("34590,2021-22,1\n"))
		rep, err = f.s.ImportObservations(mgr, ind.ID, ObservationBatch{PeriodFormat: PeriodFinancialYear, Observations: obs}, pre, true)
		if _, ok := valid.As(err); !ok || len(rep.Errors) != 1 || rep.Errors[0].Field != "period_format" {
			t.Errorf("other format: %+v, %v", rep.Errors, err)
		}
		// … but a new indicator takes the format of its first import.
		q, err := f.s.CreateIndicator(mgr, ind.ResultID, IndicatorInput{Name: "Quarterly enrolments"})
		if err != nil {
			t.Fatal(err)
		}
		obs, pre = ParseObservationCSV([]byte("34590,2021-Q3,10\n34590,2021-Q4,12\n"))
		if _, err := f.s.ImportObservations(mgr, q.ID, ObservationBatch{PeriodFormat: PeriodQuarter, Observations: obs}, pre, true); err != nil {
			t.Fatal(err)
		}
		if q, _ = f.s.Indicator(mgr, q.ID); q.PeriodFormat != PeriodQuarter {
			t.Errorf("format after the first import: %s", q.PeriodFormat)
		}
		// Mixed formats in one file: the lines in the other format are refused.
		obs, pre = ParseObservationCSV([]byte("34590,2022-Q1,10\n34590,2022,12\n34590,2022-05,12\n"))
		rep, _ = f.s.ImportObservations(mgr, q.ID, ObservationBatch{Observations: obs}, pre, true)
		if len(rep.Errors) != 2 || rep.Errors[0].Line != 2 || rep.Errors[1].Line != 3 {
			t.Errorf("mixed formats: %+v", rep.Errors)
		}

		// JSON items by place ID; the API's items are numbered from 1.
		v := 3.0
		rep, err = f.s.ImportObservations(mgr, ind.ID, ObservationBatch{Observations: []ObservationInput{{PlaceID: f.logan, Period: "2021", Value: &v},
			{PlaceID: f.old, Period: "2021", Value: &v}, {PlaceCode: "3", PlaceID: f.logan, Period: "2021", Value: &v}}}, nil, true)
		if len(rep.Errors) != 2 || rep.Errors[0].Line != 2 || rep.Errors[1].Line != 3 || !strings.Contains(rep.Errors[1].Message, "different places") {
			t.Errorf("JSON: %+v, %v", rep.Errors, err)
		}
		if _, err := f.s.ImportObservations(mgr, ind.ID, ObservationBatch{}, nil, true); err == nil {
			t.Error("an empty batch was accepted")
		}

		// Who may import: the result's managers and site admins.
		for who, want := range map[string]error{"anonymous": authz.ErrForbidden, "viewer-a": authz.ErrForbidden, "contributor-a": authz.ErrForbidden,
			"manager-b": authz.ErrForbidden, "admin-a": nil, "site-admin": nil} {
			_, err := f.s.SaveObservation(f.as(who), ind.ID, ObservationInput{PlaceCode: "34590", Period: "2019", Value: &v})
			if !errors.Is(err, want) && !(want == nil && err == nil) {
				t.Errorf("%s saving an observation: %v, want %v", who, err, want)
			}
		}
		if err := f.s.DeleteObservation(f.as("manager-b"), ind.ID, f.logan, "2019"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("B's manager deleting: %v", err)
		}
		if err := f.s.DeleteObservation(mgr, ind.ID, f.logan, "2019"); err != nil {
			t.Errorf("deleting: %v", err)
		}
		if err := f.s.DeleteObservation(mgr, ind.ID, f.logan, "2019"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleting again: %v", err)
		}
	})
}
