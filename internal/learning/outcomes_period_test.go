package learning

import (
	"strings"
	"testing"
)

func TestParseObsPeriod(t *testing.T) {
	cases := []struct {
		in, format   string
		want, label  string
		index        int
		errSubstring string
	}{
		{in: "2021", format: PeriodYear, want: "2021", label: "2021", index: 2021},
		{in: " 2021 ", format: "", want: "2021", label: "2021", index: 2021},
		{in: "2021-Q3", format: PeriodQuarter, want: "2021-Q3", label: "Q3 2021", index: 2021*4 + 2},
		{in: "2021q1", format: "", want: "2021-Q1", label: "Q1 2021", index: 2021 * 4},
		{in: "Q4 2020", format: PeriodQuarter, want: "2020-Q4", label: "Q4 2020", index: 2020*4 + 3},
		{in: "2021-07", format: PeriodMonth, want: "2021-07", label: "Jul 2021", index: 2021*12 + 6},
		{in: "2021-13", format: PeriodMonth, errSubstring: "is not a period"}, // neither a month nor a financial year (13 ≠ 22)
		{in: "2021-22", format: PeriodFinancialYear, want: "2021-22", label: "2021–22", index: 2021},
		{in: "2021-22", format: "", want: "2021-22", label: "2021–22", index: 2021}, // month 22 does not exist
		{in: "2021/22", format: PeriodFinancialYear, want: "2021-22", label: "2021–22", index: 2021},
		{in: "FY2021-22", format: PeriodFinancialYear, want: "2021-22", label: "2021–22", index: 2021},
		{in: "2021-2022", format: "", want: "2021-22", label: "2021–22", index: 2021},
		{in: "1999-00", format: PeriodFinancialYear, want: "1999-00", label: "1999–00", index: 1999},
		{in: "2021-12", format: PeriodMonth, want: "2021-12", label: "Dec 2021", index: 2021*12 + 11},
		{in: "2011-12", format: PeriodFinancialYear, want: "2011-12", label: "2011–12", index: 2011},
		// Ambiguous without a format: December 2011, or the financial year 2011–12.
		{in: "2011-12", format: "", errSubstring: "could be a month or a financial year"},
		// Mixed formats: a quarter in a series of years.
		{in: "2021-Q3", format: PeriodYear, errSubstring: "one series keeps one format"},
		{in: "2021", format: PeriodQuarter, errSubstring: "one series keeps one format"},
		{in: "2021-23", format: PeriodFinancialYear, errSubstring: "is not a period"},
		{in: "2021/23", format: "", errSubstring: "is not a period"},
		{in: "21", format: PeriodYear, errSubstring: "is not a period"},
		{in: "", format: PeriodYear, errSubstring: "Give the period"},
		{in: "0999", format: PeriodYear, errSubstring: "outside the years"},
		{in: "2021-Q5", format: PeriodQuarter, errSubstring: "is not a period"},
		{in: "2021-00", format: PeriodMonth, errSubstring: "is not a period"},
		{in: strings.Repeat("9", 40), format: PeriodYear, errSubstring: "is not a period"},
	}
	for _, c := range cases {
		p, err := ParseObsPeriod(c.in, c.format)
		if c.errSubstring != "" {
			if err == nil || !strings.Contains(err.Error(), c.errSubstring) {
				t.Errorf("ParseObsPeriod(%q, %q) = %v, %v; want an error with %q", c.in, c.format, p, err, c.errSubstring)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseObsPeriod(%q, %q): %v", c.in, c.format, err)
			continue
		}
		if p.String() != c.want || p.Label() != c.label || p.Index() != c.index {
			t.Errorf("ParseObsPeriod(%q, %q) = %s (%s, index %d); want %s (%s, index %d)", c.in, c.format, p, p.Label(), p.Index(), c.want, c.label, c.index)
		}
		if back := obsPeriodAt(p.Format, p.Index()); back != p {
			t.Errorf("obsPeriodAt(%s, %d) = %+v, want %+v", p.Format, p.Index(), back, p)
		}
	}
}

func TestObsPeriodSequence(t *testing.T) {
	// Consecutive periods differ by one index, across year ends.
	for _, c := range []struct{ a, b, format string }{
		{"2020-Q4", "2021-Q1", PeriodQuarter}, {"2020-12", "2021-01", PeriodMonth}, {"2020-21", "2021-22", PeriodFinancialYear}, {"1999", "2000", PeriodYear},
	} {
		pa, err1 := ParseObsPeriod(c.a, c.format)
		pb, err2 := ParseObsPeriod(c.b, c.format)
		if err1 != nil || err2 != nil || pb.Index()-pa.Index() != 1 {
			t.Errorf("%s → %s: %d → %d (%v, %v)", c.a, c.b, pa.Index(), pb.Index(), err1, err2)
		}
	}
}

// FuzzParseObsPeriod: no panics; whatever parses prints in its stored form, which parses back
// to the same period in the same format, and its index maps back to it.
func FuzzParseObsPeriod(f *testing.F) {
	for _, s := range []string{"2021", "2021-Q3", "Q3 2021", "2021-07", "2021-22", "2021/22", "FY2021-22", "2011-12", "2021-2022", "", "x", "2021-Q9", "９９９９"} {
		f.Add(s, "")
		f.Add(s, PeriodYear)
		f.Add(s, PeriodQuarter)
		f.Add(s, PeriodMonth)
		f.Add(s, PeriodFinancialYear)
	}
	f.Fuzz(func(t *testing.T, s, format string) {
		p, err := ParseObsPeriod(s, format)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if !validObsFormat(p.Format) {
			t.Fatalf("%q parsed to format %q", s, p.Format)
		}
		if format != "" && p.Format != format {
			t.Fatalf("%q in %q parsed as %q", s, format, p.Format)
		}
		again, err := ParseObsPeriod(p.String(), p.Format)
		if err != nil || again != p {
			t.Fatalf("%q → %s → %+v, %v", s, p, again, err)
		}
		if obsPeriodAt(p.Format, p.Index()) != p {
			t.Fatalf("index of %s does not map back", p)
		}
		if p.Label() == "" {
			t.Fatalf("no label for %s", p)
		}
	})
}
