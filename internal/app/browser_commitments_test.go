package app

import (
	"context"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

// TestBrowserCommitmentAssessment is an independent reviewer's path: sign in, record an
// assessment of AU0019 through the form (after a mistake the form keeps what was typed), sign
// out, and find it, as a citizen, in the review box of the public commitment page. Every page
// is checked with axe.
func TestBrowserCommitmentAssessment(t *testing.T) {
	a, _, srv := testServer(t)
	ctx := context.Background()
	const email, password = "reviewer@irm.demo.joinedup.example", "a long reviewer passphrase 2026"
	u, err := auth.UserByEmail(ctx, a.DB, email)
	if err != nil {
		t.Fatalf("the demo's reviewer: %v", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.SetPassword(ctx, a.DB, u.ID, hash); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, srv.URL)

	// A citizen first: the plan list, the plan and the commitment as it stands.
	b.Visit("/plans")
	b.MustContain("main table", "Australia Action Plan 2018-2020")
	b.Visit("/plans/2")
	b.MustContain("h1", "Australia Action Plan 2018-2020")
	b.Visit("/commitments/AU0019")
	b.MustContain("h1", "Improve Public Service Practice (AU0019)")
	b.MustContain(".c-review", "Minor")

	b.Visit("/signin")
	b.Fill("#f-email", email)
	b.Fill("#f-password", password)
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "signed in")

	b.Visit("/commitments/AU0019")
	b.MustContain(".actions", "Record an assessment")
	b.Visit("/commitments/AU0019/assess")
	b.MustContain("h1", "Assess AU0019")
	// An outside reviewer's only choice is an independent review, already chosen.
	b.MustContain("#f-kind", "Independent review")
	b.Select("#f-verifiable", "yes")
	b.Click("#f-relevance-1") // civic participation
	b.Click("#f-relevance-2") // public accountability
	b.Select("#f-potential_impact", "transformative")
	b.Select("#f-potential_results", "substantial") // a mistake: only one of the two scales
	b.Select("#f-completion", "substantial")
	b.Select("#f-did_it_open_government", "major")
	b.Fill("#f-summary", "End-of-term review: the learning report was published and its recommendations adopted across agencies.")
	b.Fill("#f-source", "Transitional results report (browser test)")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".error-summary", "not both")
	b.MustContain("#f-potential_results-error", "not both")
	// What was typed is kept: the summary is not typed again.
	b.Select("#f-potential_results", "")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "independent review is recorded")
	b.MustContain(".c-review", "End-of-term review")

	// Signed out, the public sees the new review in the review box, with the star it earns.
	b.Submit(`form[action="/signout"] button`)
	b.Visit("/commitments/AU0019")
	if got := b.Text(".account"); !strings.Contains(got, "Sign in") {
		t.Fatalf("not signed out: %q", got)
	}
	b.MustContain(".c-review", "Demo Independent Reviewer")
	b.MustContain(".c-review", "End-of-term review: the learning report was published")
	b.MustContain(".c-review", "Transformative")
	b.MustContain(".c-review", "Substantial")
	b.MustContain(".c-review", "Major")
	b.MustContain(".c-review", "Civic participation; Public accountability")
	b.MustContain(".c-review", "Starred")
	b.MustContain("#assessments table", "Major")
	b.Visit("/plans/2?starred=on")
	b.MustContain("#commitment-list", "AU0019")
}
