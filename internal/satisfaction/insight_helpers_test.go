package satisfaction

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// insResp is a response to store in a test.
type insResp struct {
	answers map[string]any
	channel string
	place   int64
	at      time.Time
}

// insStore writes responses through Store.InsertResponses (so answers, comments and counts
// are stored as the committer stores them), in batches.
func insStore(t testing.TB, d *db.DB, sv Survey, rs []insResp) {
	t.Helper()
	ctx := context.Background()
	q := sv.Questionnaire
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for start := 0; start < len(rs); start += 2000 {
		end := min(start+2000, len(rs))
		batch := make([]Response, 0, end-start)
		for i := start; i < end; i++ {
			r := rs[i]
			at := r.at
			if at.IsZero() {
				at = base.Add(time.Duration(i) * time.Minute)
			}
			batch = append(batch, Response{SurveyID: sv.ID, Version: sv.Version, SubmittedAt: at, Channel: r.channel,
				PlaceID: r.place, Answers: answers(t, q, r.answers), Questionnaire: &q})
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := Store{}.InsertResponses(ctx, tx, batch)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// insPlace stores a place and returns its id.
func insPlace(t testing.TB, d *db.DB, name string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	now := db.Now()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "INSERT INTO places (name, kind, created_at, updated_at) VALUES (?, 'community', ?, ?) RETURNING id", name, now, now).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// insPeople makes a person for each role in the survey's organisation, an admin of another
// organisation ("other") and a site admin ("site"), and returns their contexts.
func insPeople(t testing.TB, d *db.DB, orgID int64) map[string]context.Context {
	t.Helper()
	ctx := context.Background()
	var other int64
	now := db.Now()
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "INSERT INTO organisations (name, type, created_at, updated_at) VALUES (?, 'agency', ?, ?) RETURNING id", fmt.Sprintf("Elsewhere %d", orgID), now, now).Scan(&other)
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string]context.Context{}
	for _, role := range []string{"viewer", "contributor", "manager", "admin", "other", "site"} {
		id, err := auth.InsertUser(ctx, d, auth.User{Email: fmt.Sprintf("%s-%d@example.org", role, orgID), Name: "Test " + role, IsAdmin: role == "site"})
		if err != nil {
			t.Fatal(err)
		}
		p := authz.Principal{UserID: id, Email: role + "@example.org", Roles: map[int64]authz.Role{}}
		switch role {
		case "other":
			p.Roles[other] = authz.Admin
		case "site":
			p.SiteAdmin = true
		default:
			p.Roles[orgID] = authz.Role(role)
		}
		out[role] = authz.With(ctx, p)
	}
	return out
}
