package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
)

// TestBrowserLearning is the learning chain of AU0019 in a browser: PM&C's manager writes a
// learning and links it to the Logan Together case study and a theme, endorses another
// learning ("this worked for us too", with a note), then — with JavaScript turned off —
// compiles a report: starts it, adds the new learning to its first section, adds a second
// section and moves it up, publishes it, and reads it; the public then follows its
// recommendation to the commitment that answers it. Every page is checked with axe.
func TestBrowserLearning(t *testing.T) {
	a, _, srv := testServer(t)
	const password = "a long demo passphrase 2026"
	const manager = "manager@pmc.demo.joinedup.example"
	browserPasswords(t, a, password, manager)
	ctx := context.Background()
	id := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := a.DB.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	pmc := id("SELECT id FROM organisations WHERE name = 'Department of the Prime Minister and Cabinet'")
	logan := id("SELECT id FROM case_studies WHERE title = 'Logan Together'")
	delegation := id("SELECT id FROM tags WHERE scheme = 'theme' AND name = 'Delegation'")
	other := id("SELECT id FROM learnings WHERE title = 'Say who is accountable for what before the money flows'")

	b := browsertest.New(t, srv.URL)
	b.Visit("/learnings")
	b.MustContain("main", "Decisions made in the place hold better than decisions made centrally")
	browserSignIn(t, b, manager, password)

	// A learning, linked to a case study and a theme. A first try without the insight is
	// refused with the message beside the field, keeping what was typed.
	b.Visit("/learnings/new")
	b.Select("#f-organisation_id", fmt.Sprint(pmc))
	b.Select("#f-type", "worked")
	b.Fill("#f-title", "A local table of partners keeps the plan alive")
	b.Fill("#f-situation", "Partners met only when a program needed sign-off.")
	b.Select("#f-confidence", "medium")
	b.Click(fmt.Sprintf(`input[name="case_studies"][value="%d"]`, logan))
	b.Click(fmt.Sprintf(`input[name="themes"][value="%d"]`, delegation))
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".error-summary", "Enter the insight")
	b.Fill("#f-insight", "Meet as partners every month, with the community at the table, not only when money moves.")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "The learning is shared")
	b.MustContain("h1", "A local table of partners keeps the plan alive")
	b.MustContain("main", "Logan Together")
	b.MustContain("main", "Delegation")
	loc := b.Location()
	mine := loc[strings.LastIndex(loc, "/")+1:]

	// "This worked for us too" on another learning.
	b.Visit(fmt.Sprintf("/learnings/%d", other))
	b.Fill("#f-note", "We wrote it down for the Testville deal too, and it helped.")
	b.Submit(fmt.Sprintf(`form[action="/learnings/%d/endorse"] button`, other))
	b.MustContain(".flash", "your endorsement is recorded")
	b.MustContain("#endorsements", "We wrote it down for the Testville deal too")
	b.MustContain("#endorsements", "Change my endorsement")

	// A report, compiled without JavaScript.
	b.DisableJavaScript()
	b.Visit("/reports/new")
	b.Select("#f-organisation_id", fmt.Sprint(pmc))
	b.Fill("#f-title", "What Logan taught us")
	b.Fill("#f-introduction", "Learnings from the **Logan Together** partnership.")
	b.Fill("#f-first_section", "Working together")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "The report is started")
	b.MustContain("h1", "What Logan taught us")
	b.Select(`select[id$="-add"]`, mine)
	b.Submit(`button[name="op"][value^="item-add-"]`)
	b.MustContain(".flash", "The learning is added to the section")
	b.MustContain("#sections ~ fieldset ol", "A local table of partners keeps the plan alive")
	b.Fill("#f-new-section-title", "Why it matters")
	b.Submit(`button[name="op"][value="add-section"]`)
	b.MustContain(".flash", "The section is added")
	b.Submit(`button[name="op"][value^="section-up-"]`)
	b.MustContain(".flash", "The section is moved")
	b.MustContain("#sections + p + fieldset legend", "Section 1: Why it matters")
	b.Submit(`form[action$="/publish"] button`)
	b.MustContain(".flash", "The report is published")
	b.MustContain("h1", "What Logan taught us")
	b.MustContain("main", "1. Why it matters")
	b.MustContain("main", "2.1 A local table of partners keeps the plan alive")
	report := b.Location()
	if dir := os.Getenv("JOINEDUP_SCREENSHOTS"); dir != "" {
		b.Visit(report[strings.Index(report, "/reports/"):] + "/edit")
		b.Screenshot(filepath.Join(dir, "learning-report-edit.png"))
	}
	browserSignOut(t, b)

	// The public reads it, and follows the demo report's recommendation to AU0019.
	b.Visit(report[strings.Index(report, "/reports/"):])
	b.MustContain("main", "Learnings from the Logan Together partnership.")
	b.Visit("/reports")
	b.MustContain("main", "Learnings from place-based approaches")
	rec := id("SELECT id FROM recommendations WHERE title = 'Give places a real say in the priorities that agencies fund'")
	b.Visit(fmt.Sprintf("/recommendations/%d", rec))
	b.MustContain("main", "Commitments that answer it")
	b.MustContain(`main a[href="/commitments/AU0019"]`, "AU0019")
	b.Visit("/commitments/AU0019")
	b.MustContain("main", "AU0019")
	if dir := os.Getenv("JOINEDUP_SCREENSHOTS"); dir != "" {
		b.Visit(report[strings.Index(report, "/reports/"):])
		b.Screenshot(filepath.Join(dir, "learning-report.png"))
		b.Visit(fmt.Sprintf("/reports/%d", id("SELECT id FROM learning_reports WHERE title = 'Learnings from place-based approaches'")))
		b.Screenshot(filepath.Join(dir, "learning-demo-report.png"))
		b.Visit(fmt.Sprintf("/learnings/%d", other))
		b.Screenshot(filepath.Join(dir, "learning.png"))
	}
}
