package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/engagement"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Who may see the opinion map and download its data: everyone who may see the engagement
// (the fixture's engagement of organisation A is published, so everyone). The map, its JSON
// and the Pol.is files are open data; a draft's would be seen only by A's members and its
// partners, like the draft itself.
func init() {
	rules := map[string]string{
		"GET /engagements/{id}/map":        "YYYYYYY",
		"GET /engagements/{id}/export":     "YYYYYYY",
		"GET /api/v1/engagements/{id}/map": "YYYYYYY",
	}
	for _, f := range engagement.PolisFiles {
		rules["GET /api/v1/engagements/{id}/export/"+f.Name] = "YYYYYYY"
	}
	for k, v := range rules {
		permissionRules[k] = v
	}
}

// matrixEngagementMapFixtures gives the fixture's engagement (matrixEngagementFixtures) an
// opinion map: three statements, votes from four participants, and the map computed.
func matrixEngagementMapFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	s := f.app.Engagements
	key := f.ids["engagements"]
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		t.Fatalf("the engagement fixture must come first: %q", key)
	}
	if _, err := f.app.DB.Exec(ctx, "UPDATE engagements SET has_map = ? WHERE id = ?", true, id); err != nil {
		t.Fatal(err)
	}
	manager := authz.With(ctx, authz.Principal{UserID: users["manager"].ID, Email: users["manager"].Email, Roles: map[int64]authz.Role{orgA: authz.Manager}})
	var sids []int64
	for _, text := range []string{"Buses should run later at night.", "Fares should be lower for students.", "More shelters at stops."} {
		st, err := s.SeedStatement(manager, key, text)
		if err != nil {
			t.Fatal(err)
		}
		sids = append(sids, st.ID)
	}
	err = f.app.DB.InTx(ctx, func(tx *db.Tx) error {
		var rows []string
		var args []any
		for p := range 4 {
			pid, err := s.Store.InsertParticipant(ctx, tx, id, fmt.Sprintf("matrix-map-voter-%d", p), "", 0)
			if err != nil {
				return err
			}
			for j, sid := range sids {
				rows = append(rows, "(?, ?, ?, ?, ?)")
				args = append(args, sid, pid, id, []int{1, -1}[(p+j)%2], db.Now())
			}
		}
		_, err := tx.Exec(ctx, "INSERT INTO engagement_votes (statement_id, participant_id, engagement_id, vote, voted_at) VALUES "+strings.Join(rows, ", "), args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecomputeMap(ctx, id); err != nil {
		t.Fatal(err)
	}
}
