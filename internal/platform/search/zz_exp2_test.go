package search

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
)

func TestExp2(t *testing.T) {
	if os.Getenv("L5EXP2") == "" {
		t.Skip()
	}
	d := expDB(t)
	defer d.Close()
	ctx := authz.With(context.Background(), authz.Principal{UserID: 1, Roles: map[int64]authz.Role{3: authz.Viewer, 40: authz.Contributor}})
	for _, q := range []string{"celefolosa", "community", "services public", "partners lovevelo"} {
		sq := Query{Text: q, Communities: []int64{2, 5}, Limit: 20}
		pl := newPlan(d.Dialect(), authz.From(ctx), Terms(q), sq, sq.filters(), "")
		step := func(label string, f func()) {
			best := time.Duration(1e12)
			for range 3 {
				t0 := cpu()
				f()
				best = min(best, cpu()-t0)
			}
			fmt.Printf("%-20s %-10s %6.2fms\n", q, label, ms(best))
		}
		var n1, n2 int
		step("counts", func() { n1, n2, _ = pl.counts(ctx, d) })
		c1, a1 := pl.cond(1)
		c2, a2 := pl.cond(2)
		c0, a0 := pl.cond(0)
		cnt := func(c string, a []any) func() {
			return func() {
				var n int
				if err := d.QueryRow(ctx, "SELECT count(*) FROM "+pl.from()+" WHERE "+c, a...).Scan(&n); err != nil {
					t.Fatal(err)
				}
			}
		}
		step("count1", cnt(c1, a1))
		step("count2", cnt(c2, a2))
		step("count0", cnt(c0, a0))
		plain := pl
		plain.tags = ""
		cp, ap := plain.cond(0)
		step("count0-notags", cnt(cp, ap))
		var es []entry
		step("window", func() { es, _ = pl.window(ctx, d, n1, n2, 0, 1000) })
		step("hits", func() { pl.hits(ctx, d, es[:min(20, len(es))]) })
		step("find", func() { Find(ctx, d, sq) })
		fmt.Println(a0...)
	}
}
