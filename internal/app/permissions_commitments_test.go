package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/commitments"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

// Who may use the commitments pages. The fixture's plan is published and owned by
// organisation A; its commitment AU9999 is led by A. Reading is public; contributors of A add
// and edit commitments, milestones and progress updates; managers of A edit the published plan
// and set progress by hand; assessments are recorded by reviewers and managers of A
// (self-assessment) and by reviewers of other organisations (independent review: here B's
// admin, whose role includes reviewing). A form posted empty counts as let through when it
// answers 422 with its messages.
func init() {
	for k, v := range map[string]string{

		"GET /plans":                                  "YYYYYYY",
		"GET /plans/new":                              "--YYYYY", // contributors of any organisation
		"POST /plans":                                 "--YYYYY", // the owner is checked on save
		"GET /plans/{id}":                             "YYYYYYY",
		"GET /plans/{id}/feed.atom":                   "YYYYYYY",
		"GET /plans/{id}/edit":                        "---YY-Y", // a published plan: managers of the owner
		"POST /plans/{id}":                            "---YY-Y",
		"GET /plans/{id}/commitments/new":             "--YYY-Y",
		"POST /plans/{id}/commitments":                "--YYY-Y",
		"GET /commitments/{ref}":                      "YYYYYYY",
		"GET /commitments/{ref}/feed.atom":            "YYYYYYY",
		"GET /commitments/{ref}/edit":                 "--YYY-Y",
		"POST /commitments/{ref}":                     "--YYY-Y",
		"GET /commitments/{ref}/milestones/new":       "--YYY-Y",
		"POST /commitments/{ref}/milestones":          "--YYY-Y",
		"GET /commitments/{ref}/milestones/{id}/edit": "--YYY-Y",
		"POST /commitments/{ref}/milestones/{id}":     "--YYY-Y",
		"POST /commitments/{ref}/updates":             "--YYY-Y",
		"POST /commitments/{ref}/progress":            "---YY-Y",
		"GET /commitments/{ref}/assess":               "---YYYY",
		"POST /commitments/{ref}/assessments":         "---YYYY",
	} {
		permissionRules[k] = v
	}
}

// matrixCommitmentFixtures adds a published plan owned by organisation A with the commitment
// AU9999 (led by A) and one milestone, for the wildcards {id} of /plans, {ref} of
// /commitments and {id} of /commitments/{ref}/milestones.
func matrixCommitmentFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	svc := f.app.Commitments
	date := func(s string) commitments.Date {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return commitments.Date{Time: d}
	}
	plan, err := svc.CreatePlan(ctx, commitments.PlanInput{OrgID: orgA, Title: "Matrix Action Plan 2018-2020", Country: "Australia", Number: 2,
		Cycle: "2018", Start: date("2018-09-01"), End: date("2020-08-31"), Status: "published"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCommitment(ctx, commitments.CommitmentInput{PlanID: plan.ID, Reference: "AU9999", Title: "Improve public service practice",
		Status: "active", LeadOrgID: orgA, Start: date("2018-09-01"), End: date("2020-08-31")})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := svc.AddMilestone(ctx, c.Reference, commitments.MilestoneInput{Activity: "Finalise scope of works", Status: "in_progress", Progress: 50})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["plans"] = fmt.Sprint(plan.ID)
	f.ids["commitments"] = c.Reference
	f.ids["commitments/milestones"] = fmt.Sprint(m.ID)
}
