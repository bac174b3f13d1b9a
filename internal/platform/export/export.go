// Package export writes CSV safely: cells a spreadsheet would run as a formula are
// neutralised, and rows are flushed in batches so large exports stream.
package export

import (
	"encoding/csv"
	"io"
	"strings"
)

// SafeCell neutralises a cell that begins with = + - @ (or a tab or carriage return) by
// prefixing an apostrophe, so that a spreadsheet shows it as text.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSV wraps csv.Writer, neutralising every cell.
type CSV struct {
	w *csv.Writer
	n int
}

// NewCSV starts a CSV with the header row.
func NewCSV(w io.Writer, header ...string) (*CSV, error) {
	c := &CSV{w: csv.NewWriter(w)}
	return c, c.w.Write(header)
}

// Row writes one row, flushing every 500 rows.
func (c *CSV) Row(cells ...string) error {
	for i := range cells {
		cells[i] = SafeCell(cells[i])
	}
	if err := c.w.Write(cells); err != nil {
		return err
	}
	c.n++
	if c.n%500 == 0 {
		c.w.Flush()
	}
	return c.w.Error()
}

// Close flushes what is left.
func (c *CSV) Close() error {
	c.w.Flush()
	return c.w.Error()
}
