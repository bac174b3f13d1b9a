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
	for _, q := range []string{"community", "survey", "services public", "planning towns", "bavimisa"} {
		sq := Query{Text: q, Communities: []int64{2, 5}, Limit: 20}
		pl := newPlan(d.Dialect(), authz.From(ctx), Terms(q), sq, sq.filters(), "")
		step := func(label string, f func()) {
			best := time.Duration(1e12)
			for range 3 {
				t0 := time.Now()
				f()
				best = min(best, time.Since(t0))
			}
			fmt.Printf("%-20s %-10s %6.2fms\n", q, label, ms(best))
		}
		step("count0", func() { pl.count(ctx, d, all) })
		step("count1", func() { pl.count(ctx, d, title) })
		step("newest1", func() { pl.newest(ctx, d, title, 0, MaxRanked+1) })
		step("newest2", func() { pl.newest(ctx, d, rest, 0, 1000) })
		step("rank1", func() { pl.ranked(ctx, d, title, 0, MaxRanked+1) })
		c, a := pl.cond(all, true)
		step("plainpass", func() { var n int; d.QueryRow(ctx, "SELECT count(*) FROM search_fts WHERE "+c, a...).Scan(&n) })
		step("bm25all", func() { var n int; d.QueryRow(ctx, "SELECT max(bm25(search_fts)) FROM (SELECT * FROM search_fts WHERE "+c+" LIMIT 1)", a...).Scan(&n) })
		var o []int64
		step("order", func() { _, o, _ = pl.order(ctx, d, 1000) })
		step("tags", func() { pl.countTags(ctx, d, o, FacetNames(), map[string]map[string]int{}) })
		step("hits", func() { pl.hits(ctx, d, o[:min(20, len(o))]) })
		var r Result
		step("find", func() { r, _ = Find(ctx, d, sq) })
		step("labels", func() { labelFacets(ctx, d, r.Facets) })
	}
}
