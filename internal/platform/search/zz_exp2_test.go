package search

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestExp2(t *testing.T) {
	if os.Getenv("L5EXP2") == "" {
		t.Skip()
	}
	d := expDB(t)
	defer d.Close()
	ctx := context.Background()
	run := func(label, q string, args ...any) {
		best := time.Duration(1e12)
		var res string
		for range 3 {
			t0 := cpu()
			rows, err := d.Query(ctx, q, args...)
			if err != nil {
				t.Fatal(label, err)
			}
			n := 0
			for rows.Next() {
				n++
				if n == 1 {
					cols, _ := rows.Columns()
					vals := make([]any, len(cols))
					for i := range vals {
						vals[i] = new(any)
					}
					rows.Scan(vals...)
					res = fmt.Sprint(*(vals[0].(*any)))
				}
			}
			rows.Close()
			best = min(best, cpu()-t0)
		}
		fmt.Printf("%-40s %8.2fms  %s\n", label, ms(best), res)
	}
	for _, term := range []string{`"community"*`, `"community"`, `"survey"*`, `"services"* AND "public"*`, `"bavimisa"*`} {
		fmt.Println("==", term)
		run("count fts", "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", term)
		run("count title", "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", "{title} : ("+term+")")
		run("count join", "SELECT count(*) FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid WHERE search_fts MATCH ? AND d.public", term)
		run("rank fts order by rank", "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 20", term)
		run("rank fts bm25 expr", "SELECT rowid, bm25(search_fts, 4.0, 1.0) r FROM search_fts WHERE search_fts MATCH ? ORDER BY r LIMIT 20", term)
		run("rank title only", "SELECT rowid, bm25(search_fts, 4.0, 1.0) r FROM search_fts WHERE search_fts MATCH ? ORDER BY r LIMIT 20", "{title} : ("+term+")")
		run("rowid desc limit 1000", "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT 1000)", term)
	}
}
