package satisfaction

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// testSurvey stores an organisation and an open core survey with the recommend module.
func testSurvey(t testing.TB, d *db.DB, code string) Survey {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	s := Survey{Code: code, Title: "Counter survey", Status: StatusOpen, Unit: UnitInteraction, Modules: []string{ModuleRecommend}}
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
		t.Fatal(err)
	}
	return s
}

func answers(t testing.TB, q forms.Questionnaire, m map[string]any) forms.Answers {
	t.Helper()
	as, errs := forms.ParseJSON(q, m)
	if len(errs) > 0 {
		t.Fatalf("answers %v: %v", m, errs)
	}
	return as
}

func TestCommitterStoresAndCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := testSurvey(t, d, "counter")
		c := NewCommitter(d, Store{})
		c.Start()
		defer c.Stop()
		when := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
		const n = 300
		ids := make([]int64, n)
		replayed := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := map[string]any{QOverall: float64(1 + i%5), QTimely: "na", QRecommend: float64(i % 11)}
				r := Response{SurveyID: s.ID, Version: 1, SubmittedAt: when, Channel: "online",
					Answers: answers(t, s.Questionnaire, m), Questionnaire: &s.Questionnaire}
				if i%3 == 0 {
					r.IdemKey = fmt.Sprintf("key-%d", i/6) // pairs i, i+3 share a key
				}
				out, err := c.Submit(ctx, r)
				if err != nil {
					t.Error(err)
					return
				}
				ids[i], replayed[i] = out.ID, out.Replayed
			}()
		}
		wg.Wait()
		// 300 responses, 100 keyed in 50 pairs: 250 stored.
		var stored, counted, na int64
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", s.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, "SELECT SUM(n) FROM survey_counts WHERE survey_id = ? AND question = ''", s.ID).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, "SELECT SUM(n) FROM survey_counts WHERE survey_id = ? AND question = ? AND value = ?", s.ID, QTimely, NAValue).Scan(&na); err != nil {
			t.Fatal(err)
		}
		if stored != 250 || counted != 250 || na != 250 {
			t.Fatalf("stored %d, counted %d, not applicable %d; want 250 each", stored, counted, na)
		}
		nReplayed := 0
		for i := range n {
			if replayed[i] {
				nReplayed++
			}
			if i%3 == 0 && i%6 == 0 && ids[i] != ids[i+3] {
				t.Errorf("responses %d and %d share a key but got ids %d and %d", i, i+3, ids[i], ids[i+3])
			}
			if ids[i] <= 0 {
				t.Errorf("response %d got id %d", i, ids[i])
			}
		}
		if nReplayed != 50 {
			t.Errorf("%d replayed, want 50", nReplayed)
		}
		// A retry long after is a replay too, and stores nothing.
		r := Response{SurveyID: s.ID, Version: 1, SubmittedAt: when, IdemKey: "key-0",
			Answers: answers(t, s.Questionnaire, map[string]any{QOverall: 5.0}), Questionnaire: &s.Questionnaire}
		out, err := c.Submit(ctx, r)
		if err != nil || !out.Replayed || out.ID != ids[0] {
			t.Fatalf("retry: %+v %v, want replay of %d", out, err, ids[0])
		}
		var overall int64
		if err := d.QueryRow(ctx, "SELECT SUM(n) FROM survey_counts WHERE survey_id = ? AND question = ?", s.ID, QOverall).Scan(&overall); err != nil {
			t.Fatal(err)
		}
		if overall != 250 {
			t.Errorf("overall counted %d times, want 250", overall)
		}
	})
}

func TestCommitterStop(t *testing.T) {
	d := dbtest.SQLite(t)
	s := testSurvey(t, d, "stop")
	c := NewCommitter(d, Store{})
	c.Start()
	c.Stop()
	_, err := c.Submit(context.Background(), Response{SurveyID: s.ID, Version: 1, SubmittedAt: db.Now(), Questionnaire: &s.Questionnaire})
	if err != ErrStopped {
		t.Fatalf("after Stop: %v, want ErrStopped", err)
	}
}
