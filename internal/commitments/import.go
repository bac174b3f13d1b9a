package commitments

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The columns of the OGP commitment spreadsheet, in its order.
const (
	colID = iota
	colCountry
	colRegion
	colTheme
	colYear
	colPlanNumber
	colNumber
	colTitle
	colShortTitle
	colFullText
	colLead
	colSupporters
	colURL
	colAccessInfo
	colCivic
	colAccountability
	colTechnology
	colSpecificity
	colImpact
	colCompletion
	colOTG
	numOGPColumns
)

// OGPColumns are the headers of the OGP commitment spreadsheet, in its order.
var OGPColumns = [numOGPColumns]string{
	"Commitment Unique Identifier", "Country/Locality", "Region", "Theme", "Year Of Submission", "Action Plan Number",
	"Commitment Number", "Commitment Title", "Short Title", "Full Text", "Lead Institution", "Supporting Institution(s)", "URL",
	"OGP Value Access To Information", "OGP Value Civic Participation", "OGP Value Public Accountability", "OGP Value Technology",
	"Specificity", "Potential Impact", "Completion (Progress Report)", "Did It Open Government (Overall)",
}

// importRequiredColumns must be in the header; any other column may be left out, and then the
// import leaves that field of an existing commitment as it is.
var importRequiredColumns = []int{colID, colCountry, colYear, colPlanNumber, colTitle}

// ImportSource is the source of the assessments the import records from the review columns.
const ImportSource = "OGP spreadsheet import"

// Limits of one import.
const (
	MaxImportRows   = 100000
	maxImportErrors = 1000
)

// Row is one valid data row of the OGP spreadsheet, mapped to our values.
type Row struct {
	Line       int // the file's line where the record starts
	Reference  string
	Country    string
	Region     string
	Themes     []string
	Year       int
	PlanNumber int
	Number     int
	Title      string
	ShortTitle string
	FullText   string
	Lead       string
	Supporters []string
	URL        string
	Values     Values
	// The review columns, as our scale values ("" when empty); Verifiable is nil when
	// Specificity is empty.
	Verifiable      *bool
	PotentialImpact string
	Completion      string
	OTGOverall      string
	cols            uint32 // which columns the file has
}

// Has reports whether the file has column col (colID…colOTG).
func (r Row) Has(col int) bool { return r.cols&(1<<col) != 0 }

// HasReview reports whether any review column of the row is set.
func (r Row) HasReview() bool {
	return r.Verifiable != nil || r.PotentialImpact != "" || r.Completion != "" || r.OTGOverall != ""
}

// RowError is a problem with one line of the file (the header's line for a problem with the
// header or the file).
type RowError struct {
	Line      int    `json:"line"`
	Column    string `json:"column,omitempty"`
	Reference string `json:"reference,omitempty"`
	Message   string `json:"message"`
}

func (e RowError) Error() string {
	s := fmt.Sprintf("line %d", e.Line)
	if e.Reference != "" {
		s += " (" + e.Reference + ")"
	}
	if e.Column != "" {
		s += ", " + e.Column
	}
	return s + ": " + e.Message
}

// importNormHeader makes a header comparable: trimmed, lower case, runs of space as one.
func importNormHeader(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

var importHeaderIndex = func() map[string]int {
	m := map[string]int{}
	for i, h := range OGPColumns {
		m[importNormHeader(h)] = i
	}
	return m
}()

// importOneLine collapses white space (new lines included) to single spaces.
func importOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Scale words of the spreadsheet → our values. Keys are normalised with importNormHeader.
var (
	ogpYesNo = map[string]bool{"yes": true, "y": true, "no": false, "n": false}
	// Specificity: "High" and "Medium" are verifiable; "Low" and "None" are not (the IRM's
	// rule for starred commitments asks for medium or high specificity).
	ogpSpecificities = map[string]bool{"high": true, "medium": true, "low": false, "none": false,
		"high specificity": true, "medium specificity": true, "low specificity": false, "none specificity": false}
	ogpImpacts     = map[string]string{"none": "none", "minor": "minor", "moderate": "moderate", "transformative": "transformative"}
	ogpCompletions = map[string]string{"not started": "not_started", "limited": "limited", "substantial": "substantial",
		"complete": "complete", "completed": "complete", "no evidence available": "no_evidence", "no evidence": "no_evidence"}
	ogpOTG = map[string]string{"worsened": "worsened", "did not change": "did_not_change", "marginal": "marginal",
		"major": "major", "outstanding": "outstanding"}
)

// ParseOGPCSV reads the OGP commitment spreadsheet saved as CSV: a UTF-8 byte order mark is
// skipped, CRLF and LF both end lines, quoted cells may hold new lines, empty lines are
// skipped, the header is matched ignoring case and spaces. It returns the valid rows and one
// error per problem, each with the line of the file where its record starts.
func ParseOGPCSV(r io.Reader) ([]Row, []RowError) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	if b, err := br.Peek(4); err == nil && bytes.Equal(b, []byte("PK\x03\x04")) {
		return nil, []RowError{{Line: 1, Message: "This is an Excel workbook, not a CSV file: save the sheet as “CSV UTF-8” and import that."}}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	cr.ReuseRecord = true

	var rows []Row
	var errs []RowError
	addErr := func(e RowError) bool {
		errs = append(errs, e)
		if len(errs) >= maxImportErrors {
			errs = append(errs, RowError{Line: e.Line, Message: fmt.Sprintf("More than %d problems: reading stopped here. Correct these and import again.", maxImportErrors)})
			return false
		}
		return true
	}
	var cols [numOGPColumns]int // column index in the file, -1 when absent
	var present uint32
	headerLine := 0
	seenRef := map[string]int{}
	type planSeen struct{ year, line int }
	plans := map[string]planSeen{}
	lastLine := 0
	dataRows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line := max(pe.StartLine, 1)
				if !addErr(RowError{Line: line, Message: importCSVProblem(pe)}) {
					return nil, errs
				}
				if headerLine == 0 {
					return nil, errs
				}
				continue
			}
			addErr(RowError{Line: max(lastLine+1, 1), Message: "The file could not be read: " + err.Error()})
			return nil, errs
		}
		line, _ := cr.FieldPos(0)
		line = max(line, 1)
		lastLine = line
		if importBlankRecord(rec) {
			continue
		}
		if headerLine == 0 {
			headerLine = line
			var herrs []RowError
			cols, present, herrs = importReadHeader(rec, line)
			if len(herrs) > 0 {
				return nil, herrs
			}
			continue
		}
		dataRows++
		if dataRows > MaxImportRows {
			addErr(RowError{Line: line, Message: fmt.Sprintf("The file has more than %d rows: split it into smaller files.", MaxImportRows)})
			return nil, errs
		}
		row, rerrs := importParseRow(rec, line, cols, present)
		if len(rerrs) == 0 {
			key := row.Reference
			if first, ok := seenRef[key]; ok {
				rerrs = append(rerrs, RowError{Line: line, Column: OGPColumns[colID], Reference: key,
					Message: fmt.Sprintf("%s appears twice in the file: first on line %d. Keep one row per commitment.", key, first)})
			} else {
				seenRef[key] = line
			}
			pk := strings.ToLower(row.Country) + "\x00" + strconv.Itoa(row.PlanNumber)
			if ps, ok := plans[pk]; ok && ps.year != row.Year {
				rerrs = append(rerrs, RowError{Line: line, Column: OGPColumns[colYear], Reference: key,
					Message: fmt.Sprintf("Action plan %d of %s was given the year %d on line %d, and %d here: one plan has one year of submission.",
						row.PlanNumber, row.Country, ps.year, ps.line, row.Year)})
			} else if !ok {
				plans[pk] = planSeen{row.Year, line}
			}
		}
		if len(rerrs) > 0 {
			for _, e := range rerrs {
				if !addErr(e) {
					return nil, errs
				}
			}
			continue
		}
		rows = append(rows, row)
	}
	if headerLine == 0 && len(errs) == 0 {
		errs = append(errs, RowError{Line: 1, Message: "The file is empty: it needs a header row with the OGP spreadsheet's columns, then one row per commitment."})
	}
	return rows, errs
}

func importCSVProblem(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("A quoted cell is not closed properly (line %d, column %d): a quote inside a quoted cell must be doubled (\"\").", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("A quote appears inside an unquoted cell (line %d, column %d): put the cell in quotes and double the quote (\"\").", pe.Line, pe.Column)
	}
	return "The line could not be read as CSV: " + pe.Err.Error()
}

func importBlankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func importReadHeader(rec []string, line int) (cols [numOGPColumns]int, present uint32, errs []RowError) {
	for i := range cols {
		cols[i] = -1
	}
	for i, h := range rec {
		if !utf8.ValidString(h) {
			errs = append(errs, RowError{Line: line, Message: "The header is not UTF-8 text: save the file as “CSV UTF-8”."})
			return cols, 0, errs
		}
		c, ok := importHeaderIndex[importNormHeader(h)]
		if !ok {
			continue // other columns are ignored
		}
		if cols[c] >= 0 {
			errs = append(errs, RowError{Line: line, Column: OGPColumns[c], Message: fmt.Sprintf("The column %q appears twice in the header.", OGPColumns[c])})
			continue
		}
		cols[c] = i
		present |= 1 << c
	}
	for _, c := range importRequiredColumns {
		if cols[c] < 0 {
			errs = append(errs, RowError{Line: line, Column: OGPColumns[c], Message: fmt.Sprintf("The header has no %q column: it is required.", OGPColumns[c])})
		}
	}
	if len(errs) > 0 && present == 0 {
		errs = []RowError{{Line: line, Message: "The first row is not the OGP spreadsheet's header: it needs the columns " +
			strings.Join(importRequiredNames(), ", ") + " (and may have the others)."}}
	}
	return cols, present, errs
}

func importRequiredNames() []string {
	var out []string
	for _, c := range importRequiredColumns {
		out = append(out, "“"+OGPColumns[c]+"”")
	}
	return out
}

// importParseRow maps one record; every problem is reported against its column.
func importParseRow(rec []string, line int, cols [numOGPColumns]int, present uint32) (Row, []RowError) {
	row := Row{Line: line, cols: present}
	var errs []RowError
	cell := func(c int) string {
		if cols[c] < 0 || cols[c] >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[cols[c]])
	}
	for c := range cols {
		if s := cell(c); !utf8.ValidString(s) {
			errs = append(errs, RowError{Line: line, Column: OGPColumns[c], Message: "The cell is not UTF-8 text: save the file as “CSV UTF-8”."})
			return row, errs
		}
	}
	bad := func(c int, format string, args ...any) {
		errs = append(errs, RowError{Line: line, Column: OGPColumns[c], Reference: row.Reference, Message: fmt.Sprintf(format, args...)})
	}
	row.Reference = NormalizeReference(cell(colID))
	switch {
	case row.Reference == "":
		bad(colID, "The commitment's identifier is empty: give one such as AU0019.")
	case len(row.Reference) > 24 || !referenceRE.MatchString(row.Reference):
		bad(colID, "%q is not a commitment identifier: use letters followed by a number, e.g. AU0019.", importClip(row.Reference))
		row.Reference = ""
	}
	row.Country = importOneLine(cell(colCountry))
	switch {
	case row.Country == "":
		bad(colCountry, "The country or locality is empty.")
	case utf8.RuneCountInString(row.Country) > 100:
		bad(colCountry, "Use 100 characters or fewer for the country or locality.")
	}
	row.Region = importOneLine(cell(colRegion))
	row.Themes = importSplitList(cell(colTheme), true)
	if y, ok := importWholeNumber(cell(colYear)); !ok || y < 1990 || y > 2200 {
		if cell(colYear) == "" {
			bad(colYear, "The year of submission is empty: give the year the action plan was submitted, e.g. 2018.")
		} else {
			bad(colYear, "%q is not a year: give the year the action plan was submitted, e.g. 2018.", importClip(cell(colYear)))
		}
	} else {
		row.Year = y
	}
	if n, ok := importWholeNumber(cell(colPlanNumber)); !ok || n < 1 || n > 999 {
		bad(colPlanNumber, "%q is not an action plan number: give the plan's number from 1 to 999.", importClip(cell(colPlanNumber)))
	} else {
		row.PlanNumber = n
	}
	if s := cell(colNumber); s != "" {
		if n, ok := importWholeNumber(s); !ok || n < 0 || n >= 100000 {
			bad(colNumber, "%q is not a commitment number: give a whole number such as 3.", importClip(s))
		} else {
			row.Number = n
		}
	}
	row.Title = importOneLine(cell(colTitle))
	if row.Title == "" {
		bad(colTitle, "The commitment's title is empty.")
	}
	row.ShortTitle = importOneLine(cell(colShortTitle))
	row.FullText = strings.ReplaceAll(cell(colFullText), "\r\n", "\n")
	row.Lead = importOneLine(cell(colLead))
	row.Supporters = importSplitList(cell(colSupporters), false)
	row.URL = cell(colURL)
	for c, v := range map[int]*bool{colAccessInfo: &row.Values.AccessInfo, colCivic: &row.Values.CivicParticipation,
		colAccountability: &row.Values.Accountability, colTechnology: &row.Values.Technology} {
		s := cell(c)
		if s == "" {
			continue
		}
		b, ok := ogpYesNo[importNormHeader(s)]
		if !ok {
			bad(c, "%q is not Yes or No: give Yes, No or leave the cell empty.", importClip(s))
		}
		*v = b
	}
	if s := cell(colSpecificity); s != "" {
		v, ok := ogpSpecificities[importNormHeader(s)]
		if !ok {
			bad(colSpecificity, "%q is not a specificity: use High, Medium, Low or None (or leave the cell empty).", importClip(s))
		} else {
			row.Verifiable = &v
		}
	}
	scale := func(c int, words map[string]string, dst *string, allowed string) {
		s := cell(c)
		if s == "" {
			return
		}
		v, ok := words[importNormHeader(s)]
		if !ok {
			bad(c, "%q is not on the scale: use %s (or leave the cell empty).", importClip(s), allowed)
			return
		}
		*dst = v
	}
	scale(colImpact, ogpImpacts, &row.PotentialImpact, "None, Minor, Moderate or Transformative")
	scale(colCompletion, ogpCompletions, &row.Completion, "Not started, Limited, Substantial, Complete or No evidence available")
	scale(colOTG, ogpOTG, &row.OTGOverall, "Worsened, Did not change, Marginal, Major or Outstanding")
	return row, errs
}

// importWholeNumber reads "12", " 12 " or "12.0".
func importWholeNumber(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) && f > -1e9 && f < 1e9 {
		return int(f), true
	}
	return 0, false
}

// importSplitList splits a cell listing several names. Semicolons and new lines always separate;
// commas separate too when the cell has neither (themes: always), since institutions' names
// may hold commas ("Department of Infrastructure, Regional Development and Cities"): list
// such names one per line or with semicolons. Duplicates (ignoring case) are dropped.
func importSplitList(s string, commas bool) []string {
	if s == "" {
		return nil
	}
	seps := ";\n\r"
	if commas || !strings.ContainsAny(s, ";\n\r") {
		seps += ","
	}
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		part = strings.TrimRightFunc(importOneLine(part), func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
		if part == "" || seen[strings.ToLower(part)] {
			continue
		}
		seen[strings.ToLower(part)] = true
		out = append(out, part)
	}
	return out
}

// importClip shortens a value quoted in a message.
func importClip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:57]) + "…"
}
