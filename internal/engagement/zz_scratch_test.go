package engagement

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
)

func TestScratchRead(t *testing.T) {
	b := &testing.B{}
	_ = b
	s, e := benchMapEngagement(t, 10_000, 500, 100)
	ctx := context.Background()
	for _, q := range []string{
		"SELECT COUNT(*) FROM engagement_votes WHERE engagement_id = ?",
		"SELECT participant_id, statement_id, vote FROM engagement_votes WHERE engagement_id = ? ORDER BY participant_id",
		"SELECT participant_id, statement_id, vote FROM engagement_votes WHERE engagement_id = ?",
		"SELECT participant_id, group_concat(statement_id * 4 + vote + 1) FROM engagement_votes WHERE engagement_id = ? GROUP BY participant_id",
	} {
		start := time.Now()
		n := 0
		err := db.Each(ctx, s.DB, q, []any{e.ID}, func(rows *sql.Rows) error {
			cols, _ := rows.Columns()
			switch len(cols) {
			case 1:
				return rows.Scan(&n)
			case 2:
				var p int64
				var str string
				if err := rows.Scan(&p, &str); err != nil {
					return err
				}
				for _, f := range strings.Split(str, ",") {
					v, _ := strconv.ParseInt(f, 10, 64)
					_ = v
					n++
				}
				return nil
			}
			var a, b2, c int64
			n++
			return rows.Scan(&a, &b2, &c)
		})
		t.Logf("%v: %d rows in %v", q[:60], n, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
	}
}
