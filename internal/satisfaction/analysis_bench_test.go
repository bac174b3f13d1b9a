package satisfaction

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// benchSurvey stores an open survey with every module in a new organisation.
func benchSurvey(b testing.TB, d *db.DB, code string) Survey {
	b.Helper()
	ctx := context.Background()
	now := db.Now()
	s := Survey{Code: code, Title: "Licensing counter", Status: StatusOpen, Unit: UnitInteraction, Modules: Modules, Version: 1}
	s.Questionnaire = BuildQuestionnaire(code, s.Title, "", s.Modules, nil)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO organisations (name, type, created_at, updated_at) VALUES (?, 'agency', ?, ?) RETURNING id",
			"Org "+code, now, now).Scan(&s.OrgID); err != nil {
			return err
		}
		id, err := Store{}.InsertSurvey(ctx, tx, s, now)
		s.ID = id
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// fillCounts writes survey_counts as if the survey had total responses spread over months ×
// channels × places, each scale question answered on every point (and "not applicable" where
// offered), straight into the table: the committer's running counts, without the responses.
func fillCounts(b testing.TB, d *db.DB, sv Survey, total, months, channels, places int) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	cells := months * channels * places
	per := total / cells
	extra := total - per*cells
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	chans := []string{"online", "phone", "in_person", "mail", "email", "outreach"}[:channels]
	qs := scaleQuestions(sv.Questionnaire)
	type row struct {
		q, period, channel string
		place, value, n    int
	}
	var rows []row
	cell := 0
	for m := range months {
		period := Period(start.AddDate(0, m, 0))
		for _, ch := range chans {
			for p := 1; p <= places; p++ {
				n := per
				if cell < extra {
					n++
				}
				cell++
				rows = append(rows, row{"", period, ch, p, 0, n})
				for _, qu := range qs {
					left := n
					if qu.NotApplicable {
						na := rng.IntN(n/10 + 1)
						rows = append(rows, row{qu.ID, period, ch, p, NAValue, na})
						left -= na
					}
					// Spread the answers over the points, leaning to the top.
					points := qu.Max - qu.Min + 1
					for v := qu.Max; v >= qu.Min; v-- {
						k := left
						if v > qu.Min {
							k = left * (2 + rng.IntN(3)) / (points + 2)
						}
						rows = append(rows, row{qu.ID, period, ch, p, v, k})
						left -= k
					}
				}
			}
		}
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for i := 0; i < len(rows); i += 500 {
			part := rows[i:min(i+500, len(rows))]
			var sb strings.Builder
			sb.WriteString("INSERT INTO survey_counts (survey_id, question, period, channel, place_id, value, n) VALUES ")
			args := make([]any, 0, 7*len(part))
			for j, r := range part {
				if j > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString("(?,?,?,?,?,?,?)")
				args = append(args, sv.ID, r.q, r.period, r.channel, r.place, r.value, r.n)
			}
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDashboard1M renders the dashboard of a survey with a million responses over 24
// months × 4 channels × 20 places through the real handler, on SQLite in a temporary
// directory (warm: after one render). The target is under 200 ms per render.
func BenchmarkDashboard1M(b *testing.B) {
	d := dbtest.SQLite(b)
	sv := benchSurvey(b, d, "million")
	fillCounts(b, d, sv, 1_000_000, 24, 4, 20)
	e := newAnEnv(b, d)
	e.as = staffOf(sv)
	path := fmt.Sprintf("/surveys/%d/dashboard", sv.ID)
	rec := e.get(path)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "1000000 responses") {
		b.Fatalf("status %d", rec.Code)
	}
	b.ResetTimer()
	for b.Loop() {
		if rec := e.get(path); rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkDashboard1MFiltered is the same with a channel, a place and a year.
func BenchmarkDashboard1MFiltered(b *testing.B) {
	d := dbtest.SQLite(b)
	sv := benchSurvey(b, d, "millionf")
	fillCounts(b, d, sv, 1_000_000, 24, 4, 20)
	e := newAnEnv(b, d)
	e.as = staffOf(sv)
	path := fmt.Sprintf("/surveys/%d/dashboard?from=2025-01&to=2025-12&channel=phone&place=7", sv.ID)
	if rec := e.get(path); rec.Code != 200 {
		b.Fatalf("status %d", rec.Code)
	}
	b.ResetTimer()
	for b.Loop() {
		if rec := e.get(path); rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
