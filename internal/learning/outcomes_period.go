package learning

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/web"
)

// Periods of observations. Each indicator's series uses one format, stated on the indicator,
// so that "2011-12" is never read as December 2011 in one line and the financial year
// 2011–12 in the next.
const (
	PeriodYear          = "year"           // 2021
	PeriodQuarter       = "quarter"        // 2021-Q3
	PeriodMonth         = "month"          // 2021-07
	PeriodFinancialYear = "financial_year" // 2021-22: July 2021 to June 2022
)

// PeriodFormats lists the formats for a select.
var PeriodFormats = []web.Option{
	{Value: PeriodYear, Label: "Years, written 2021"},
	{Value: PeriodQuarter, Label: "Quarters, written 2021-Q3"},
	{Value: PeriodMonth, Label: "Months, written 2021-07"},
	{Value: PeriodFinancialYear, Label: "Financial years, written 2021-22"},
}

// obsFormatNoun names a format in messages ("years").
func obsFormatNoun(f string) string {
	switch f {
	case PeriodYear:
		return "years (2021)"
	case PeriodQuarter:
		return "quarters (2021-Q3)"
	case PeriodMonth:
		return "months (2021-07)"
	case PeriodFinancialYear:
		return "financial years (2021-22)"
	}
	return f
}

func validObsFormat(f string) bool {
	switch f {
	case PeriodYear, PeriodQuarter, PeriodMonth, PeriodFinancialYear:
		return true
	}
	return false
}

// ObsPeriod is one period of an indicator's series.
type ObsPeriod struct {
	Format string
	Year   int // the calendar year; for a financial year, the year it starts in
	Sub    int // the quarter (1–4) or month (1–12); 0 for years and financial years
}

// Years outside this range are refused as typing mistakes.
const (
	minObsYear = 1800
	maxObsYear = 2200
)

var (
	reObsYear      = regexp.MustCompile(`^(\d{4})$`)
	reObsQuarter   = regexp.MustCompile(`^(\d{4})[- ]?[Qq]([1-4])$`)
	reObsQuarter2  = regexp.MustCompile(`^[Qq]([1-4])[- ]?(\d{4})$`)
	reObsYearDash2 = regexp.MustCompile(`^(\d{4})-(\d{2})$`)                              // a month, or a financial year
	reObsFinancial = regexp.MustCompile(`^(?:[Ff][Yy] ?)?(\d{4})(?:/|-|–)(\d{2}|\d{4})$`) // 2021/22, FY2021-22, 2021-2022
)

// String is the period as stored and exported: 2021, 2021-Q3, 2021-07, 2021-22.
func (p ObsPeriod) String() string {
	switch p.Format {
	case PeriodQuarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Sub)
	case PeriodMonth:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Sub)
	case PeriodFinancialYear:
		return fmt.Sprintf("%04d-%02d", p.Year, (p.Year+1)%100)
	}
	return fmt.Sprintf("%04d", p.Year)
}

var obsMonthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Label is the period for people: 2021, Jul–Sep 2021 (Q3), Jul 2021, 2021–22.
func (p ObsPeriod) Label() string {
	switch p.Format {
	case PeriodQuarter:
		return fmt.Sprintf("Q%d %d", p.Sub, p.Year)
	case PeriodMonth:
		return fmt.Sprintf("%s %d", obsMonthNames[p.Sub-1], p.Year)
	case PeriodFinancialYear:
		return fmt.Sprintf("%d–%02d", p.Year, (p.Year+1)%100)
	}
	return strconv.Itoa(p.Year)
}

// Index places the period on a scale of whole periods (years, quarters or months) so that
// consecutive periods differ by one: the x of the trend.
func (p ObsPeriod) Index() int {
	switch p.Format {
	case PeriodQuarter:
		return p.Year*4 + p.Sub - 1
	case PeriodMonth:
		return p.Year*12 + p.Sub - 1
	}
	return p.Year
}

// obsPeriodAt is the period of format at index i (the inverse of Index).
func obsPeriodAt(format string, i int) ObsPeriod {
	switch format {
	case PeriodQuarter:
		return ObsPeriod{Format: format, Year: obsFloorDiv(i, 4), Sub: i - obsFloorDiv(i, 4)*4 + 1}
	case PeriodMonth:
		return ObsPeriod{Format: format, Year: obsFloorDiv(i, 12), Sub: i - obsFloorDiv(i, 12)*12 + 1}
	}
	return ObsPeriod{Format: format, Year: i}
}

func obsFloorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ParseObsPeriod reads a period written in format (one of the Period* constants). With format
// "", the format is worked out from the text, which fails for text such as 2011-12 that could
// be a month or a financial year. Years, quarters (2021-Q3, 2021Q3, Q3 2021), months (2021-07)
// and financial years (2021-22, 2021/22, FY2021-22, 2021-2022) are read; the error is a
// sentence for people.
func ParseObsPeriod(s, format string) (ObsPeriod, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return ObsPeriod{}, errors.New("Give the period, e.g. 2021.")
	}
	if len(s) > 20 {
		return ObsPeriod{}, fmt.Errorf("%q is not a period: write it like 2021, 2021-Q3, 2021-07 or 2021-22.", s[:20]+"…")
	}
	cands := obsPeriodCandidates(s)
	if len(cands) == 0 {
		return ObsPeriod{}, fmt.Errorf("%q is not a period: write it like 2021, 2021-Q3, 2021-07 or 2021-22.", s)
	}
	var p ObsPeriod
	switch {
	case format == "" && len(cands) > 1:
		return ObsPeriod{}, fmt.Errorf("%q could be a month or a financial year: say how this series' periods are written.", s)
	case format == "":
		p = cands[0]
	default:
		found := false
		for _, c := range cands {
			if c.Format == format {
				p, found = c, true
			}
		}
		if !found {
			return ObsPeriod{}, fmt.Errorf("%q is written as %s, but this series is in %s: one series keeps one format.",
				s, obsFormatNoun(cands[0].Format), obsFormatNoun(format))
		}
	}
	if p.Year < minObsYear || p.Year > maxObsYear {
		return ObsPeriod{}, fmt.Errorf("%q is outside the years %d to %d.", s, minObsYear, maxObsYear)
	}
	return p, nil
}

// obsPeriodCandidates lists the readings of s: none, one, or (for 2011-12 and the like) a month
// and a financial year.
func obsPeriodCandidates(s string) []ObsPeriod {
	atoi := func(v string) int { n, _ := strconv.Atoi(v); return n }
	if m := reObsYear.FindStringSubmatch(s); m != nil {
		return []ObsPeriod{{Format: PeriodYear, Year: atoi(m[1])}}
	}
	if m := reObsQuarter.FindStringSubmatch(s); m != nil {
		return []ObsPeriod{{Format: PeriodQuarter, Year: atoi(m[1]), Sub: atoi(m[2])}}
	}
	if m := reObsQuarter2.FindStringSubmatch(s); m != nil {
		return []ObsPeriod{{Format: PeriodQuarter, Year: atoi(m[2]), Sub: atoi(m[1])}}
	}
	var out []ObsPeriod
	if m := reObsYearDash2.FindStringSubmatch(s); m != nil {
		if mo := atoi(m[2]); mo >= 1 && mo <= 12 {
			out = append(out, ObsPeriod{Format: PeriodMonth, Year: atoi(m[1]), Sub: mo})
		}
	}
	if m := reObsFinancial.FindStringSubmatch(s); m != nil {
		y, end := atoi(m[1]), atoi(m[2])
		if (len(m[2]) == 2 && end == (y+1)%100) || (len(m[2]) == 4 && end == y+1) {
			out = append(out, ObsPeriod{Format: PeriodFinancialYear, Year: y})
		}
	}
	return out
}
