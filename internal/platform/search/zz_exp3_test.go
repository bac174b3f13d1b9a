package search

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
)

func TestExp3(t *testing.T) {
	if os.Getenv("L5EXP3") == "" {
		t.Skip()
	}
	d := expDB(t)
	defer d.Close()
	ctx := authz.With(context.Background(), authz.Principal{UserID: 1, Roles: map[int64]authz.Role{3: authz.Viewer, 40: authz.Contributor}})
	sq := Query{Text: os.Getenv("L5Q"), Communities: []int64{2, 5}, Limit: 20}
	pl := newPlan(d.Dialect(), authz.From(ctx), Terms(sq.Text), sq, sq.filters(), "")
	c, args := pl.cond(2)
	rank := "-bm25(search_fts, 4.0, 1.0, 0.0)"
	for _, query := range []string{
		"SELECT t.id, t.r, s.tags FROM (SELECT search_fts.rowid AS id, " + rank + " AS r FROM search_fts WHERE " + c + " ORDER BY r DESC, id DESC LIMIT 1000 OFFSET 0) t CROSS JOIN search_documents s WHERE s.id = t.id ORDER BY t.r DESC, t.id DESC",
		"SELECT search_fts.rowid AS id, " + rank + " AS r FROM search_fts WHERE " + c + " ORDER BY r DESC, id DESC LIMIT 1000 OFFSET 0",
		"SELECT search_fts.rowid AS id FROM search_fts WHERE " + c + " ORDER BY id DESC LIMIT 1000 OFFSET 0",
	} {
		rows, err := d.Query(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c2 int
			var s string
			rows.Scan(&a, &b, &c2, &s)
			fmt.Println(a, b, s)
		}
		rows.Close()
		best := 1e12
		for range 3 {
			t0 := cpu()
			rows, _ := d.Query(ctx, query, args...)
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			best = min(best, ms(cpu()-t0))
			if best > 1e11 {
				fmt.Println(n)
			}
		}
		fmt.Printf("%.2fms\n\n", best)
	}
}
