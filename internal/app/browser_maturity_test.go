package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
	"github.com/joinedup/joinedup/internal/maturity"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// browserPasswords gives demo accounts a password for the test.
func browserPasswords(t *testing.T, a *App, password string, emails ...string) {
	t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range emails {
		u, err := auth.UserByEmail(ctx, a.DB, email)
		if err != nil {
			t.Fatalf("demo account %s: %v", email, err)
		}
		if err := auth.SetPassword(ctx, a.DB, u.ID, hash); err != nil {
			t.Fatal(err)
		}
	}
}

func browserSignIn(t *testing.T, b *browsertest.Browser, email, password string) {
	t.Helper()
	b.Visit("/signin")
	b.Fill("#f-email", email)
	b.Fill("#f-password", password)
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "signed in")
}

func browserSignOut(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	b.Submit(`form[action="/signout"] button`)
}

// byID selects an element by ID whatever its characters (answer fields hold a colon).
func byID(id string) string { return `[id="` + id + `"]` }

// radioID is the ID of the radio button for option index i (0-based) of an answer field.
func radioID(field string, i int) string {
	if i == 0 {
		return byID("f-" + field)
	}
	return byID(fmt.Sprintf("f-%s-%d", field, i))
}

// TestBrowserMaturityResults is a self-assessment from start to results: PM&C's manager
// starts a Charter assessment and invites two colleagues; each answers every item through the
// forms (radio buttons, a checkbox, buttons: native, keyboard-operable controls) and marks
// their answers done; the manager, as facilitator, agrees the common answers, reconciles the
// two disagreements with reasons and closes it. The results page then shows the overall level,
// the radar chart with its data table and the change since 2024–25; the improvement plan is
// drawn up from the flagged items and an action given an owner and due date; the printable
// report holds it all. Every page is checked with axe.
func TestBrowserMaturityResults(t *testing.T) {
	a, _, srv := testServer(t)
	const password = "a long demo passphrase 2026"
	manager, contributor, reviewer := maturity.DemoEmails["manager"], maturity.DemoEmails["contributor"], maturity.DemoEmails["reviewer"]
	browserPasswords(t, a, password, manager, contributor, reviewer)
	ctx := authz.With(context.Background(), authz.System)
	fw, err := a.Maturity.FrameworkByKey(ctx, maturity.DemoCharterKey, "")
	if err != nil {
		t.Fatal(err)
	}
	pmc, err := a.Dir.Store.OrgByName(ctx, a.DB, "Department of the Prime Minister and Cabinet")
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, srv.URL)

	// The manager starts the assessment and invites two respondents.
	browserSignIn(t, b, manager, password)
	b.Visit("/assessments/new")
	b.Select("#f-organisation_id", fmt.Sprint(pmc.ID))
	b.Select("#f-framework_id", fmt.Sprint(fw.ID))
	b.Fill("#f-title", "Charter engagement maturity 2025–26")
	b.Fill("#f-period_start", "2025-07-01")
	b.Fill("#f-period_end", "2026-06-30")
	b.Submit("form.stack button[type=submit]")
	b.MustContain("h1", "Charter engagement maturity 2025–26")
	loc, err := url.Parse(b.Location())
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(loc.Path, "/")
	if !strings.HasPrefix(base, "/assessments/") {
		t.Fatalf("after creating, at %s", loc)
	}
	for _, email := range []string{contributor, reviewer} {
		b.Fill("#f-email", email)
		b.Submit("form.m-invite button[type=submit]")
	}
	b.MustContain("#respondents", "Jordan Lee")
	b.MustContain("#respondents", "Morgan Chen")
	browserSignOut(t, b)

	// Each respondent answers every item on their own: "Established" now and "Advanced" as
	// the target, except where they see it differently.
	differ := map[string]map[string]int{ // respondent → item → option index of the current level
		contributor: {"open-early": 1},
		reviewer:    {"open-early": 3, "transparent-feedback": 1},
	}
	flag := map[string]string{contributor: "accountable-evaluate", reviewer: "transparent-feedback"}
	for _, who := range []string{contributor, reviewer} {
		browserSignIn(t, b, who, password)
		b.Visit(base + "/respond")
		for di, dim := range fw.Pack.Dimensions {
			b.MustContain("h1", dim.Title)
			var clicks []string
			for _, it := range (&maturity.Pack{Dimensions: []maturity.Dimension{dim}}).Items() {
				cur := 2 // Established
				if i, ok := differ[who][it.ID]; ok {
					cur = i
				}
				clicks = append(clicks, radioID(maturity.AnswerField(it.ID, "current"), cur),
					radioID(maturity.AnswerField(it.ID, "target"), max(cur, 3))) // Advanced
				if flag[who] == it.ID {
					clicks = append(clicks, byID("f-"+maturity.AnswerField(it.ID, "needs_improvement")))
				}
			}
			// From the bottom of the page up: the form's save bar sticks to the bottom of the
			// window, and a control scrolled just into view underneath it cannot be clicked.
			for i := len(clicks) - 1; i >= 0; i-- {
				b.Click(clicks[i])
			}
			b.Submit(`button[name="go"][value="next"]`)
			if di+1 < len(fw.Pack.Dimensions) {
				b.MustContain(".flash", "are saved")
			}
		}
		b.MustContain("#my-answers", "24 of 24 answered")
		b.Submit(`form[action="` + base + `/submit"] button`)
		b.MustContain("#my-answers", "You marked your answers done")
		browserSignOut(t, b)
	}

	// The facilitator reconciles: the common answers at once, the two disagreements with
	// reasons; then closes.
	browserSignIn(t, b, manager, password)
	b.Visit(base)
	b.Submit(`form[action="` + base + `/status"] button`)
	b.Visit(base + "/reconcile")
	b.MustContain("main", "Where respondents disagree")
	b.Submit("form.m-common button")
	b.MustContain(".flash", "22 items")
	for item, reason := range map[string]string{
		"open-early":           "Early engagement is the norm in the place-based work and rare elsewhere: Established overall.",
		"transparent-feedback": "Reports back go out for the larger engagements only.",
	} {
		b.Select(byID("f-"+maturity.AnswerField(item, "current")), "3")
		b.Select(byID("f-"+maturity.AnswerField(item, "target")), "4")
		if item == "transparent-feedback" {
			b.Click(byID("f-" + maturity.AnswerField(item, "needs_improvement")))
		}
		b.Fill(byID("f-"+maturity.AnswerField(item, "reason")), reason)
		b.Submit(`#item-` + item + ` form.m-agree button[type=submit]`)
	}
	b.Visit(base)
	b.Submit(`form[action="` + base + `/status"]:has(input[value="closed"]) button`)
	b.MustContain(".m-status-actions", "closed")

	// The results: the overall level in words, the radar chart with its table, the change.
	b.Visit(base + "/results")
	b.MustContain("#overall .m-res-level", "Established")
	b.MustContain("#overall .m-res-level", "A score of 50 out of 100")
	// The radar is an SVG image (its text labels name the principles) with its data table.
	b.MustContain(`#radar-figure .m-res-chart:has(> svg[role="img"][aria-labelledby="radar-title radar-desc"])`, "Be open")
	b.MustContain("#radar-figure table", "Be collaborative")
	b.MustContain("#gaps table", "Gap to target")
	b.MustContain("#spread", "Spread between respondents")
	b.MustContain("#change", "Charter engagement maturity 2024–25")
	b.MustContain("#benchmark", "Compared with")

	// The improvement plan, drawn from the two flagged items, then tracked.
	b.MustContain("#plan", "No actions yet")
	b.Submit(`form[action="` + base + `/plan/generate"] button`)
	b.MustContain(".flash", "2 actions added")
	b.MustContain("#plan table", "We evaluate")
	b.MustContain("#plan table", "How to do better")
	b.Click("#plan table tbody tr:first-child a")
	b.MustContain("h1", "Change an action")
	b.Fill("#f-owner", "Director, Policy Engagement")
	b.Fill("#f-due_date", "2027-03-31")
	b.Select("#f-status", "in_progress")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "In progress")
	b.MustContain("#plan table", "Director, Policy Engagement")
	b.MustContain("#plan table", "31 Mar 2027")

	b.Visit(base + "/report")
	b.MustContain("h1", "Self-assessment report")
	b.MustContain("#plan", "Director, Policy Engagement")
	b.MustContain("#answers", "Why agreed")

	// The demo's completed assessment, for a person to look at.
	var demoID int64
	if err := a.DB.QueryRow(ctx, "SELECT id FROM maturity_assessments WHERE organisation_id = ? AND title = ?", pmc.ID, "Charter engagement maturity 2024–25").Scan(&demoID); err != nil {
		t.Fatal(err)
	}
	b.Visit(fmt.Sprintf("/assessments/%d/results", demoID))
	b.MustContain("#benchmark", "Compared with 6")
	b.MustContain("#plan table", "Director, Policy Engagement")
	if dir := os.Getenv("JOINEDUP_SCREENSHOTS"); dir != "" {
		b.Screenshot(filepath.Join(dir, "maturity-results.png"))
		b.Visit(fmt.Sprintf("/assessments/%d/report", demoID))
		b.Screenshot(filepath.Join(dir, "maturity-report.png"))
	}
}
