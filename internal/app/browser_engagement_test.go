package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/browsertest"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/engagement"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// TestBrowserEngagementParticipation is taking part with JavaScript turned off: a participant
// opens an open engagement with an opinion map, adds a statement through the plain form (first
// sent empty, to see the error summary), then votes through ten statements with the Agree,
// Disagree and Pass buttons, one statement at a time, each vote a plain form post answered with
// a redirect to the next statement. A staff member then closes the engagement and publishes
// its report, which the participant reads. Every page is checked with axe.
func TestBrowserEngagementParticipation(t *testing.T) {
	a, _, srv := testServer(t)
	ctx := authz.With(context.Background(), authz.System)
	org, err := a.Dir.CreateOrg(ctx, directory.OrgInput{Name: "Logan City Transport", Type: "local_government"})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	e, err := a.Engagements.Create(ctx, engagement.Input{OrgID: org.ID, Slug: "logan-buses-after-dark", Title: "Buses after dark in Logan",
		Summary: "Which late-night bus services should Logan keep, change or add?", Purpose: "To plan the late-night bus network.",
		Decision: "The 2026 late-night timetable.", Influence: engagement.Involve, Affected: "People who travel in Logan at night.",
		OpensOn: engagement.Date{Time: today.AddDate(0, 0, -7)}, ClosesOn: engagement.Date{Time: today.AddDate(0, 0, 21)},
		ReportBackBy: engagement.Date{Time: today.AddDate(0, 2, 0)}, HasMap: true, Moderation: engagement.ModeratePost})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Engagements.SetStatus(ctx, e.Key(), engagement.StatusOpen); err != nil {
		t.Fatal(err)
	}
	seeds := []string{"Night buses should run until 2am on Fridays and Saturdays.", "Every night bus should stop at the hospital.",
		"Night buses should be free for shift workers.", "Bus stops used at night need better lighting.", "A night bus every hour is enough.",
		"Night buses should carry bikes.", "Drivers should wait for connecting trains at night.", "Late buses should link Beenleigh and Springwood.",
		"Real-time arrival signs matter most at night.", "Night services should be paid for by cutting daytime express buses.",
		"Security staff should ride the last buses.", "On-demand minibuses would serve the suburbs better than fixed routes."}
	for _, s := range seeds {
		if _, err := a.Engagements.SeedStatement(ctx, e.Key(), s); err != nil {
			t.Fatal(err)
		}
	}
	total := len(seeds) + 1

	b := browsertest.New(t, srv.URL)
	b.DisableJavaScript()
	b.Visit(e.URL())
	b.MustContain("section.p-take-part", "Vote on what others said")
	b.MustContain("section.p-take-part", "Add your own statement")

	// Add a statement: first empty (the error summary links to the field), then for real.
	b.Visit(e.URL() + "/statements/new")
	b.MustContain("main", "You can add 10 more statements.")
	b.Submit("main form button[type=submit]")
	b.MustContain(".error-summary", "Write your statement")
	b.Fill("#f-text", "Night buses should announce every stop out loud.")
	b.Submit("main form button[type=submit]")
	if loc := b.Location(); !strings.HasSuffix(loc, e.URL()+"/vote") {
		t.Fatalf("after adding a statement: at %s", loc)
	}
	b.MustContain(".flash", "your statement is on the map")
	b.MustContain("#progress", fmt.Sprintf("You have voted on 0 of %d statements.", total))

	// Vote through ten statements, one at a time, with the three buttons.
	buttons := []string{"agree", "disagree", "pass"}
	seen := map[string]bool{}
	for i := range 10 {
		text := b.Text("form.p-vote legend")
		if seen[text] {
			t.Fatalf("vote %d: %q shown again", i, text)
		}
		seen[text] = true
		b.Submit(fmt.Sprintf(`form.p-vote button[value="%s"]`, buttons[i%3]))
		b.MustContain(".flash", "Your vote is recorded")
		b.MustContain("#progress", fmt.Sprintf("You have voted on %d of %d statements.", i+1, total))
	}

	var votes int
	if err := a.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM engagement_votes WHERE engagement_id = ?", e.ID).Scan(&votes); err != nil || votes != 10 {
		t.Errorf("%d votes stored (%v), want 10", votes, err)
	}

	// A staff member closes the engagement and publishes its report; the participant, who has
	// no account, reads it.
	const password = "a long demo passphrase 2026"
	browserPasswords(t, a, password, DemoAdminEmail)
	browserSignIn(t, b, DemoAdminEmail, password)
	b.Visit(e.URL())
	b.Submit(`form[action="/engagements/` + fmt.Sprint(e.ID) + `/status"] button[type=submit]`)
	b.Visit(fmt.Sprintf("/engagements/%d/report/edit", e.ID))
	b.Fill("#f-we_asked", "We asked people who travel in Logan at night which late buses to keep, change or add.")
	b.Fill("#f-you_said", "You told us that safety at stops and the last buses home matter most.")
	b.Fill("#f-we_did", "From March the last buses run an hour later on Fridays and Saturdays, and twelve stops get new lights.")
	b.Fill("#f-theme_name_0", "Safety at night")
	b.Fill("#f-theme_response_0", "Twelve stops get new lighting this year.")
	b.Fill("#f-theme_change_0", "Lighting at twelve stops.")
	b.Submit("main form.stack button[type=submit]")
	b.Visit(fmt.Sprintf("/engagements/%d/report/edit", e.ID))
	b.Submit(`form[action="/engagements/` + fmt.Sprint(e.ID) + `/report/publish"] button[type=submit]`)
	browserSignOut(t, b)
	b.Visit(e.URL() + "/report")
	b.MustContain("main", "the last buses run an hour later")
	b.MustContain("main", "Safety at night")
	t.Logf("pages checked with axe: %d", len(b.Visited))
}
