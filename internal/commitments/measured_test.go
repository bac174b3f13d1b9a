package commitments

import (
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// TestUnmeasuredProgress: a commitment with no milestones and no override has no progress
// to show, and the plan's average leaves it out rather than counting it as 0%.
func TestUnmeasuredProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSvcFixture(t, d)
		admin := f.as("site-admin")
		if _, err := f.s.CreateCommitment(admin, CommitmentInput{PlanID: f.plan.ID, Reference: "XX0003", Title: "Measured", Status: "active"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.AddMilestone(admin, "XX0003", MilestoneInput{Activity: "Half done", Status: "in_progress", Progress: 50}); err != nil {
			t.Fatal(err)
		}
		pl, cs, err := f.s.Plan(admin, f.plan.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Commitments != 2 || pl.Measured != 1 || pl.Progress != 50 {
			t.Fatalf("plan: %d commitments, %d measured, progress %v; want 2, 1, 50", pl.Commitments, pl.Measured, pl.Progress)
		}
		for _, c := range cs {
			if want := c.Reference == "XX0003"; c.Measured != want {
				t.Errorf("%s measured = %v, want %v", c.Reference, c.Measured, want)
			}
		}
		// An override measures it.
		v := 20.0
		if err := f.s.SetOverride(admin, f.reference, &v, "Agreed at the steering committee"); err != nil {
			t.Fatal(err)
		}
		pl, _, _ = f.s.Plan(admin, f.plan.ID)
		if pl.Measured != 2 || pl.Progress != 35 {
			t.Fatalf("after override: %d measured, progress %v; want 2, 35", pl.Measured, pl.Progress)
		}
	})
}
