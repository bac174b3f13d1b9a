package search

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestExp3(t *testing.T) {
	if os.Getenv("L5EXP3") == "" {
		t.Skip()
	}
	d := expDB(t)
	defer d.Close()
	ctx := context.Background()
	run := func(label, q string, args ...any) {
		best := 1e12
		var n any
		for range 5 {
			t0 := cpu()
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			best = min(best, ms(cpu()-t0))
		}
		fmt.Printf("%-60s %6v %6.2fms\n", label, n, best)
	}
	for _, term := range []string{`"community"*`, `"community"`, `"services"* AND "public"*`, `"services" AND "public"*`, `"partners"* AND "lovevelo"*`, `"partners" AND "lovevelo"*`} {
		m := "{title body} : (" + term + ")"
		run(m, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", m)
		run("  title", "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", "title : ("+term+")")
		run("  bm25 top 20 of title", "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY bm25(search_fts, 4.0, 1.0, 0.0) LIMIT 20)", "title : ("+term+")")
		run("  bm25 of first 100 ", "SELECT sum(r) FROM (SELECT bm25(search_fts, 4.0, 1.0, 0.0) r FROM search_fts WHERE search_fts MATCH ? LIMIT 100)", m)
		run("  bm25 of first 500 ", "SELECT sum(r) FROM (SELECT bm25(search_fts, 4.0, 1.0, 0.0) r FROM search_fts WHERE search_fts MATCH ? LIMIT 500)", m)
		run("  docsize of 500 ", "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT 500) t JOIN search_fts_docsize s ON s.id = t.rowid", m)
	}
}
