package learning

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Observations arrive one at a time from the indicator's page, or many at once as CSV (place
// code, period, value, and optionally provisional and note) or JSON. A batch is checked whole
// and saved whole: one bad line and nothing is saved, and every bad line is reported with its
// number. A line for a place and period that already has a figure replaces it (the preview says
// which lines do); the same place and period twice in one batch is refused.

// Limits of an import.
const (
	MaxImportBytes = 1 << 20
	MaxImportRows  = 5000
)

// ObservationInput is one observation as submitted: the place by code (or ID), the period as
// written, the value, whether it is provisional, and a note.
type ObservationInput struct {
	PlaceCode   string   `json:"place_code,omitempty"`
	PlaceID     int64    `json:"place_id,omitempty"`
	Period      string   `json:"period"`
	Value       *float64 `json:"value"`
	Provisional bool     `json:"provisional,omitempty"`
	Note        string   `json:"note,omitempty"`

	// Line is the line of the CSV file, or the item's number in a JSON batch (from 1).
	Line int `json:"-"`
	// badValue marks a value the CSV reader already reported.
	badValue bool
}

// ObservationBatch is a batch of observations: the format of its periods (the indicator's when
// empty) and the observations.
type ObservationBatch struct {
	PeriodFormat string             `json:"period_format,omitempty"`
	Observations []ObservationInput `json:"observations"`
}

// LineError is a problem with one line of a batch (Line 0: with the batch as a whole). Field
// names the column: place_code, period, value, provisional, note.
type LineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ImportRow is a checked observation, with what saving it does: "new", "update" (replacing
// OldValue) or "same".
type ImportRow struct {
	Line        int      `json:"line"`
	PlaceID     int64    `json:"place_id"`
	PlaceName   string   `json:"place_name"`
	Period      string   `json:"period"`
	PeriodLabel string   `json:"-"`
	Value       float64  `json:"value"`
	Provisional bool     `json:"provisional"`
	Note        string   `json:"note,omitempty"`
	Change      string   `json:"change"`
	OldValue    *float64 `json:"old_value,omitempty"`
}

// ImportReport is the outcome of checking (and perhaps saving) a batch.
type ImportReport struct {
	PeriodFormat string      `json:"period_format"`
	Rows         []ImportRow `json:"rows"`
	Errors       []LineError `json:"errors"`
	Added        int         `json:"added"`
	Updated      int         `json:"updated"`
	Unchanged    int         `json:"unchanged"`
	Saved        bool        `json:"saved"`
}

// ErrorsByField gathers the errors by field name, for a form with one observation.
func (rep ImportReport) ErrorsByField() valid.Errors {
	out := valid.Errors{}
	for _, e := range rep.Errors {
		f := e.Field
		switch f {
		case "place_code":
			f = "place_id"
		case "":
			f = "file"
		}
		if out[f] == "" {
			out[f] = e.Message
		}
	}
	return out
}

// ---- CSV ----

// csvHeaders maps the column names a header may use to fields.
var csvHeaders = map[string]string{
	"place_code": "place_code", "place code": "place_code", "code": "place_code", "place": "place_code",
	"place_id": "place_id", "place id": "place_id",
	"period": "period", "year": "period",
	"value":       "value",
	"provisional": "provisional",
	"note":        "note", "notes": "note",
	"place_name": "", "place name": "", "name": "", "illustrative": "", // read by people, ignored here
}

var csvPositional = []string{"place_code", "period", "value", "provisional", "note"}

// ParseObservationCSV reads observations from CSV: a line per observation with the place
// code, the period and the value, then optionally whether it is provisional and a note. A
// first line naming the columns (place_code, period, value, provisional, note; place_id and
// place_name are understood too) is read as a header, which may order the columns freely. It
// returns the observations it could read, each with its line number, and the problems of the
// others; it stops at the first line that is not CSV.
func ParseObservationCSV(data []byte) ([]ObservationInput, []LineError) {
	if len(data) > MaxImportBytes {
		return nil, []LineError{{Message: fmt.Sprintf("The file is larger than %d KiB: split it into smaller files.", MaxImportBytes>>10)}}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, []LineError{{Message: "The file is not UTF-8 text: save it as “CSV UTF-8” and try again."}}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var out []ObservationInput
	var errs []LineError
	var cols []string // the field of each column
	lines := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
				err = pe.Err
			}
			errs = append(errs, LineError{Line: line, Message: "This line is not valid CSV (" + err.Error() + "): nothing after it was read."})
			break
		}
		line, _ := r.FieldPos(0)
		if cols == nil {
			if h, ok := csvHeader(rec); ok {
				if missing := missingColumns(h); missing != "" {
					return nil, append(errs, LineError{Line: line, Message: "The header names no " + missing + " column."})
				}
				cols = h
				continue
			}
			cols = csvPositional
		}
		if lines++; lines > MaxImportRows {
			return nil, []LineError{{Line: line, Message: fmt.Sprintf("The file has more than %d observations: split it into smaller files.", MaxImportRows)}}
		}
		in, lineErrs := csvObservation(rec, cols, line)
		errs = append(errs, lineErrs...)
		out = append(out, in)
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, LineError{Message: "The file holds no observations: give a line for each, with the place code, the period and the value."})
	}
	return out, errs
}

// csvHeader reads rec as a header when its cells all name known columns.
func csvHeader(rec []string) ([]string, bool) {
	cols := make([]string, len(rec))
	named := 0
	for k, c := range rec {
		c = strings.ToLower(strings.TrimSpace(c))
		f, ok := csvHeaders[c]
		if !ok {
			if c == "" {
				continue
			}
			return nil, false
		}
		cols[k] = f
		named++
	}
	return cols, named > 0
}

func missingColumns(cols []string) string {
	var miss []string
	if !slices.Contains(cols, "place_code") && !slices.Contains(cols, "place_id") {
		miss = append(miss, "place_code")
	}
	for _, f := range []string{"period", "value"} {
		if !slices.Contains(cols, f) {
			miss = append(miss, f)
		}
	}
	return strings.Join(miss, ", ")
}

// csvObservation reads one line.
func csvObservation(rec, cols []string, line int) (ObservationInput, []LineError) {
	in := ObservationInput{Line: line}
	var errs []LineError
	got := map[string]string{}
	for k, v := range rec {
		v = strings.TrimSpace(v)
		// Undo the apostrophe that exports put before a cell starting = + - @ (export.SafeCell).
		if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@", rune(v[1])) {
			v = v[1:]
		}
		if k >= len(cols) {
			if v != "" {
				errs = append(errs, LineError{Line: line, Message: fmt.Sprintf("This line has %d columns; expected at most %d (place code, period, value, provisional, note).", len(rec), len(cols))})
				break
			}
			continue
		}
		if cols[k] != "" {
			got[cols[k]] = v
		}
	}
	in.PlaceCode = got["place_code"]
	if s := got["place_id"]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, LineError{Line: line, Field: "place_code", Message: fmt.Sprintf("The place ID %q is not a record ID.", ocClip(s))})
		} else {
			in.PlaceID = n
		}
	}
	in.Period = got["period"]
	if v, msg := parseObsValue(got["value"]); msg != "" {
		in.badValue = true
		errs = append(errs, LineError{Line: line, Field: "value", Message: msg})
	} else {
		in.Value = &v
	}
	if b, ok := parseProvisional(got["provisional"]); ok {
		in.Provisional = b
	} else {
		errs = append(errs, LineError{Line: line, Field: "provisional", Message: fmt.Sprintf("Write provisional as yes or no, not %q.", ocClip(got["provisional"]))})
	}
	in.Note = got["note"]
	return in, errs
}

func ocClip(s string) string {
	if utf8.RuneCountInString(s) > 30 {
		return string([]rune(s)[:29]) + "…"
	}
	return s
}

// parseObsValue reads a value: a number, with a % sign allowed after it; the message says
// what is wrong.
func parseObsValue(s string) (float64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "Give the value, e.g. 55.2."
	}
	t := strings.TrimSpace(strings.TrimSuffix(s, "%"))
	if strings.Contains(t, ",") {
		return 0, fmt.Sprintf("Write %q without thousands separators or a decimal comma, e.g. 1234.5.", ocClip(s))
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t, "xXpP_") {
		return 0, fmt.Sprintf("%q is not a number: write the value like 55.2.", ocClip(s))
	}
	if math.Abs(v) > maxObsValue {
		return 0, fmt.Sprintf("%q is too large a value.", ocClip(s))
	}
	return v, ""
}

func parseProvisional(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "n", "no", "false", "final":
		return false, true
	case "1", "y", "yes", "true", "p", "provisional", "x":
		return true, true
	}
	return false, false
}

// ---- checking and saving ----

type placeRow struct {
	id       int64
	name     string
	code     string
	archived bool
}

// placeDirectory loads every place, by ID and by code, to resolve a batch's places.
func placeDirectory(ctx context.Context, q db.Q) (map[int64]placeRow, map[string][]placeRow, error) {
	byID := map[int64]placeRow{}
	byCode := map[string][]placeRow{}
	err := db.Each(ctx, q, "SELECT id, name, code, archived_at IS NOT NULL FROM places", nil, func(rows *sql.Rows) error {
		var p placeRow
		if err := rows.Scan(&p.id, &p.name, &p.code, &p.archived); err != nil {
			return err
		}
		byID[p.id] = p
		if p.code != "" {
			k := strings.ToLower(p.code)
			byCode[k] = append(byCode[k], p)
		}
		return nil
	})
	return byID, byCode, err
}

// checkBatch checks a batch against the indicator and the observations it has, without
// saving: the report's rows say what saving would do, its errors what stops it.
func checkBatch(ctx context.Context, q db.Q, ind Indicator, b ObservationBatch, pre []LineError) (ImportReport, error) {
	rep := ImportReport{PeriodFormat: b.PeriodFormat, Rows: []ImportRow{}, Errors: slices.Clone(pre)}
	if rep.PeriodFormat == "" {
		rep.PeriodFormat = ind.PeriodFormat
	}
	if !validObsFormat(rep.PeriodFormat) {
		rep.Errors = append(rep.Errors, LineError{Field: "period_format", Message: "Choose how the periods are written: years, quarters, months or financial years."})
		return rep, nil
	}
	if len(b.Observations) > MaxImportRows {
		rep.Errors = append(rep.Errors, LineError{Message: fmt.Sprintf("Send at most %d observations at once.", MaxImportRows)})
		return rep, nil
	}
	if len(b.Observations) == 0 && len(pre) == 0 {
		rep.Errors = append(rep.Errors, LineError{Message: "Send at least one observation."})
		return rep, nil
	}
	existing, err := loadObservations(ctx, q, ind.ID)
	if err != nil {
		return rep, err
	}
	if rep.PeriodFormat != ind.PeriodFormat && len(existing) > 0 {
		rep.Errors = append(rep.Errors, LineError{Field: "period_format", Message: fmt.Sprintf(
			"This indicator's %d figures are in %s: one series keeps one format, so give these in %s too.",
			len(existing), obsFormatNoun(ind.PeriodFormat), obsFormatNoun(ind.PeriodFormat))})
		return rep, nil
	}
	if rep.PeriodFormat != ind.PeriodFormat {
		for _, f := range []struct{ field, v string }{{"target_period", ind.TargetPeriod}, {"baseline_end", ind.BaselineEnd}} {
			if f.v == "" {
				continue
			}
			if _, err := ParseObsPeriod(f.v, rep.PeriodFormat); err != nil {
				rep.Errors = append(rep.Errors, LineError{Field: "period_format", Message: fmt.Sprintf(
					"The indicator's %s (%s) is not written in %s: change it on the indicator first.", strings.ReplaceAll(f.field, "_", " "), f.v, obsFormatNoun(rep.PeriodFormat))})
			}
		}
	}
	have := map[string]Observation{}
	for _, o := range existing {
		have[fmt.Sprint(o.PlaceID, "|", o.Period)] = o
	}
	byID, byCode, err := placeDirectory(ctx, q)
	if err != nil {
		return rep, err
	}
	seen := map[string]int{}
	for k, in := range b.Observations {
		line := in.Line
		if line == 0 {
			line = k + 1
		}
		bad := func(field, msg string) {
			rep.Errors = append(rep.Errors, LineError{Line: line, Field: field, Message: msg})
		}
		ok := true
		var place placeRow
		switch code := strings.TrimSpace(in.PlaceCode); {
		case code != "":
			ps := byCode[strings.ToLower(code)]
			live := slices.DeleteFunc(slices.Clone(ps), func(p placeRow) bool { return p.archived })
			switch {
			case len(ps) == 0:
				bad("place_code", fmt.Sprintf("No place has the code %q: check it, or add the place with its code first.", ocClip(code)))
				ok = false
			case len(live) == 0:
				bad("place_code", fmt.Sprintf("The place with the code %q (%s) is archived.", ocClip(code), ps[0].name))
				ok = false
			case len(live) > 1:
				bad("place_code", fmt.Sprintf("More than one place has the code %q: give the place's ID instead.", ocClip(code)))
				ok = false
			default:
				place = live[0]
			}
			if ok && in.PlaceID != 0 && in.PlaceID != place.id {
				bad("place_code", fmt.Sprintf("The place code %q and the place ID %d name different places.", ocClip(code), in.PlaceID))
				ok = false
			}
		case in.PlaceID != 0:
			p, found := byID[in.PlaceID]
			if !found || p.archived {
				bad("place_code", fmt.Sprintf("There is no place with the ID %d.", in.PlaceID))
				ok = false
			}
			place = p
		default:
			bad("place_code", "Give the place's code.")
			ok = false
		}
		per, perr := ParseObsPeriod(in.Period, rep.PeriodFormat)
		if perr != nil {
			bad("period", perr.Error())
			ok = false
		}
		switch {
		case in.badValue:
			ok = false
		case in.Value == nil:
			bad("value", "Give the value, e.g. 55.2.")
			ok = false
		case math.IsNaN(*in.Value) || math.IsInf(*in.Value, 0) || math.Abs(*in.Value) > maxObsValue:
			bad("value", "Give the value as a number, e.g. 55.2.")
			ok = false
		}
		note := strings.TrimSpace(in.Note)
		if utf8.RuneCountInString(note) > maxObsNote {
			bad("note", fmt.Sprintf("Keep the note to %d characters.", maxObsNote))
			ok = false
		}
		if !ok {
			continue
		}
		key := fmt.Sprint(place.id, "|", per.String())
		if first, dup := seen[key]; dup {
			bad("period", fmt.Sprintf("%s in %s is given twice, here and on line %d: keep one.", per.Label(), place.name, first))
			continue
		}
		seen[key] = line
		row := ImportRow{Line: line, PlaceID: place.id, PlaceName: place.name, Period: per.String(), PeriodLabel: per.Label(),
			Value: *in.Value, Provisional: in.Provisional, Note: note, Change: "new"}
		if old, found := have[key]; found {
			v := old.Value
			row.OldValue = &v
			row.Change = "update"
			if old.Value == row.Value && old.Provisional == row.Provisional && old.Note == row.Note {
				row.Change = "same"
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	slices.SortStableFunc(rep.Errors, func(a, b LineError) int { return a.Line - b.Line })
	for _, r := range rep.Rows {
		switch r.Change {
		case "new":
			rep.Added++
		case "update":
			rep.Updated++
		default:
			rep.Unchanged++
		}
	}
	return rep, nil
}

// errBatch is the error of a batch with bad lines.
func errBatch(rep ImportReport) error {
	if len(rep.Errors) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d problems stop the import: nothing was saved.", len(rep.Errors))
	if len(rep.Errors) == 1 {
		msg = "A problem stops the import: nothing was saved."
	}
	return valid.Errors{"file": msg}
}

// ImportObservations checks a batch of observations for an indicator and, when save is true
// and every line is good, saves them all in one transaction (replacing the figures for places
// and periods the indicator already has). pre holds the problems the CSV reader found. The
// report lists what each line does; with bad lines the error is a valid.Errors and the report
// holds a problem per line. An indicator without observations takes the batch's period format.
func (s *Service) ImportObservations(ctx context.Context, indicatorID int64, b ObservationBatch, pre []LineError, save bool) (ImportReport, error) {
	ind, err := s.editableIndicator(ctx, indicatorID, "indicator.import")
	if err != nil {
		return ImportReport{}, err
	}
	b.PeriodFormat = strings.TrimSpace(b.PeriodFormat)
	if !save {
		rep, err := checkBatch(ctx, s.DB, ind, b, pre)
		if err != nil {
			return rep, err
		}
		return rep, errBatch(rep)
	}
	var rep ImportReport
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if rep, err = checkBatch(ctx, tx, ind, b, pre); err != nil {
			return err
		}
		if err := errBatch(rep); err != nil {
			return err
		}
		if rep.PeriodFormat != ind.PeriodFormat {
			if err := db.Affected(tx.Exec(ctx, "UPDATE indicators SET period_format = ?, updated_at = ? WHERE id = ?", rep.PeriodFormat, db.Now(), ind.ID)); err != nil {
				return err
			}
		}
		for _, r := range rep.Rows {
			if r.Change == "same" {
				continue
			}
			if err := upsertObservation(ctx, tx, ind.ID, Observation{PlaceID: r.PlaceID, Period: r.Period, Value: r.Value, Provisional: r.Provisional, Note: r.Note}); err != nil {
				return err
			}
		}
		rep.Saved = true
		return audit.Record(ctx, tx, audit.Entry{Action: "indicator.import", TargetKind: IndicatorKind, TargetID: ind.ID, Target: ind.Name,
			Detail: fmt.Sprintf("%d added, %d updated, %d unchanged", rep.Added, rep.Updated, rep.Unchanged)})
	})
	if err != nil {
		rep.Saved = false
	}
	return rep, err
}

// SaveObservation adds or replaces one observation (the place by ID or code).
func (s *Service) SaveObservation(ctx context.Context, indicatorID int64, in ObservationInput) (ImportReport, error) {
	in.Line = 1
	return s.ImportObservations(ctx, indicatorID, ObservationBatch{Observations: []ObservationInput{in}}, nil, true)
}
