package search

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/migrations"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

func expDB(t *testing.T) *db.DB {
	path := "/tmp/l5/bench2.db"
	dsn := "sqlite:" + path
	if v := os.Getenv("L5PG"); v != "" {
		dsn = v
	}
	_, statErr := os.Stat(path)
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("L5BUILD") != "" || (statErr != nil && d.Dialect() == db.SQLite) {
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
	var all []time.Duration
	for _, q := range benchQueries() {
		sq := Query{Text: q, Communities: []int64{2, 5}, Limit: 20}
		var a, w time.Duration = 1e12, 1e12
		var r Result
		var err error
		for range 3 {
			t0, w0 := cpu(), time.Now()
			r, err = Find(ctx, d, sq)
			a, w = min(a, cpu()-t0), min(w, time.Since(w0))
		}
		all = append(all, a)
		pl := newPlan(d.Dialect(), authz.From(ctx), Terms(q), sq, sq.filters(), "")
		n1, _ := pl.count(ctx, d, title)
		n2, _ := pl.count(ctx, d, rest)
		fmt.Printf("%-28q total=%6d (%5d+%5d) hits=%2d kinds=%2d places=%3d cpu %6.1fms wall %6.1fms %v\n", q, r.Total, n1, n2, len(r.Hits), len(r.Facets["kind"]), len(r.Facets["place"]), ms(a), ms(w), err)
	}
	fmt.Println(all)
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
