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
	d.Exec(ctx, "DROP INDEX IF EXISTS search_documents_tags")
	run := func(label, q string, args ...any) {
		best := 1e12
		var n int
		for range 5 {
			t0 := cpu()
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			best = min(best, ms(cpu()-t0))
		}
		fmt.Printf("%-70s %6d %6.2fms\n", label, n, best)
	}
	for _, term := range []string{`"community"*`, `"community"`, `"services"* AND "public"*`, `"partners"* AND "lovevelo"*`} {
		for _, m := range []string{
			"{title body} : (" + term + ")",
			"({title body} : (" + term + ")) AND tags : (zvsx OR zvc2x OR zvc5x OR zo3x OR zo40x)",
			"({title body} : (" + term + ")) AND tags : zvsx",
			"({title body} : (" + term + ")) NOT tags : zvmx",
			"({title body} : (" + term + ")) NOT tags : (zvmx NOT tags : (zvc2x OR zvc5x OR zo3x OR zo40x))",
			"title : (" + term + ")",
		} {
			run(m, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", m)
		}
		m := "{title body} : (" + term + ")"
		run("rowid desc limit 2001", "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT 2001)", m)
		run("rank all", "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 20)", m)
	}
}
