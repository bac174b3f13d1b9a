package search

import (
	"context"
	"fmt"
	"os"
	"testing"
	"syscall"
	"time"

	"github.com/joinedup/joinedup/internal/migrations"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

func expDB(t *testing.T) *db.DB {
	path := "/tmp/l5/bench.db"
	_, statErr := os.Stat(path)
	d, err := db.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if statErr != nil {
		if _, err := d.Migrate(context.Background(), migrations.FS); err != nil {
			t.Fatal(err)
		}
		benchIndex(t, d)
	}
	return d
}

func TestExperiment(t *testing.T) {
	if os.Getenv("L5EXP") == "" {
		t.Skip()
	}
	d := expDB(t)
	defer d.Close()
	ctx := authz.With(context.Background(), authz.Principal{UserID: 1, Roles: map[int64]authz.Role{3: authz.Viewer, 40: authz.Contributor}})
	for _, q := range benchQueries() {
		sq := Query{Text: q, Communities: []int64{2, 5}, Limit: 20}
		var a, b, c time.Duration = 1e12, 1e12, 1e12
		var n int
		var err, err2, err3 error
		for range 3 {
			t0 := cpu()
			_, err = Search(ctx, d, sq)
			t1 := cpu()
			m := newMatch(d.Dialect(), authz.From(ctx), Terms(q), sq, "")
			n, err2 = countMatches(ctx, d, m)
			t2 := cpu()
			out := map[string][]FacetValue{}
			err3 = countFacets(ctx, d, m, FacetNames(), out)
			t3 := cpu()
			a, b, c = min(a, t1-t0), min(b, t2-t1), min(c, t3-t2)
		}
		fmt.Printf("%-28q n=%6d search %6.1fms count %6.1fms facets %6.1fms %v %v %v\n", q, n, ms(a), ms(b), ms(c), err, err2, err3)
	}
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
