package learning

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
)

// TestEvidenceRestrictions: evidence without consent, or culturally sensitive, is seen only
// by the owning organisation's staff and site admins, whatever its visibility says — on its
// page, in lists, on the learnings it backs, in search and through the links registry.
func TestEvidenceRestrictions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		items := []EvidenceItem{
			f.addEvidence(t, f.evidence("Open evaluation", true, false, Public)),
			f.addEvidence(t, f.evidence("No consent", false, false, Public)),
			f.addEvidence(t, f.evidence("Sensitive", true, true, Public)),
			f.addEvidence(t, f.evidence("Members survey", true, false, Members)),
			f.addEvidence(t, f.evidence("Community data", true, false, Community)),
			f.addEvidence(t, f.evidence("Sensitive, members", true, true, Members)),
		}
		in := f.learning("Backed by everything", Public)
		for _, e := range items {
			in.EvidenceIDs = append(in.EvidenceIDs, e.ID)
		}
		l := f.addLearning(t, in)
		everything := []string{"Open evaluation", "No consent", "Sensitive", "Members survey", "Community data", "Sensitive, members"}
		for _, c := range []struct {
			who  string
			sees []string
		}{
			{"anonymous", []string{"Open evaluation"}},
			{"outsider", []string{"Open evaluation", "Members survey"}},
			{"member", []string{"Open evaluation", "Members survey", "Community data"}},
			{"contributor-b", []string{"Open evaluation", "Members survey"}},
			{"viewer-a", everything},
			{"manager-a", everything},
			{"site-admin", everything},
		} {
			ctx := f.as(c.who)
			var got []string
			for _, e := range items {
				_, err := f.s.Evidence(ctx, e.ID)
				if err == nil {
					got = append(got, e.Title)
				} else if !errors.Is(err, db.ErrNotFound) {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, c.sees) {
				t.Errorf("%s sees %v, want %v", c.who, got, c.sees)
			}
			list, err := f.s.EvidenceList(ctx, EvidenceFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, e := range list {
				listed = append(listed, e.Title)
			}
			want := slices.Clone(c.sees)
			slices.Reverse(want)
			if !slices.Equal(listed, want) {
				t.Errorf("%s lists %v, want %v", c.who, listed, want)
			}
			page, err := f.s.LearningPage(ctx, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			var onPage []string
			for _, e := range page.Evidence {
				onPage = append(onPage, e.Title)
			}
			slices.Sort(onPage)
			sorted := slices.Sorted(slices.Values(c.sees))
			if !slices.Equal(onPage, sorted) {
				t.Errorf("%s sees on the learning %v, want %v", c.who, onPage, sorted)
			}
			_, err = f.s.Dir.Resolve(ctx, KindEvidence, items[1].ID)
			if canSee := slices.Contains(c.sees, "No consent"); canSee != (err == nil) {
				t.Errorf("%s resolves the evidence without consent: %v", c.who, err)
			}
		}
		// Restricted evidence is never in the public index.
		hits, err := search.Search(context.Background(), d, search.Query{Text: "evaluation found", Kinds: []string{KindEvidence}})
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, h := range hits {
			found = append(found, h.Title)
		}
		if !slices.Equal(found, []string{"Open evaluation"}) {
			t.Errorf("the public finds %v", found)
		}
		// The restriction is said on the record, in words.
		if items[2].RestrictionReason() != "it is culturally sensitive" || !items[1].Restricted || items[0].Restricted {
			t.Errorf("restriction: %q %v %v", items[2].RestrictionReason(), items[1].Restricted, items[0].Restricted)
		}
		// Giving consent lifts it.
		fix := f.evidence("No consent", true, false, Public)
		if _, err := f.s.UpdateEvidence(f.as("contributor-a"), items[1].ID, fix); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Evidence(context.Background(), items[1].ID); err != nil {
			t.Errorf("after consent the public still cannot see it: %v", err)
		}
	})
}

// TestEvidenceRules: an outcome harvest needs its four parts; other kinds do not keep them;
// addresses, dates and kinds are checked; edits are revisions; B may not edit A's evidence.
func TestEvidenceRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		harvest := func() EvidenceInput {
			in := f.evidence("Harvest", true, false, Public)
			in.Kind, in.Outcome, in.Significance, in.Contribution, in.Substantiation = EvidenceOutcomeHarvest,
				"Two agencies moved funding.", "A first.", "The body's process.", "Budget papers."
			return in
		}
		for _, c := range []struct {
			name   string
			change func(in *EvidenceInput)
			field  string
			msg    string
		}{
			{"harvest without outcome", func(in *EvidenceInput) { in.Outcome = "" }, "outcome", "Enter the outcome"},
			{"harvest without significance", func(in *EvidenceInput) { in.Significance = " " }, "significance", "significant"},
			{"harvest without contribution", func(in *EvidenceInput) { in.Contribution = "" }, "contribution", "contributed"},
			{"harvest without substantiation", func(in *EvidenceInput) { in.Substantiation = "" }, "substantiation", "substantiated"},
			{"unknown kind", func(in *EvidenceInput) { in.Kind = "anecdote" }, "kind", "kind of evidence"},
			{"no title", func(in *EvidenceInput) { in.Title = "" }, "title", "Enter a title"},
			{"bad address", func(in *EvidenceInput) { in.SourceURL = "javascript:alert(1)" }, "source_url", "https://"},
			{"bad date", func(in *EvidenceInput) { in.Date = "2024-02-30" }, "date", "no date 2024-02-30"},
			{"date far ahead", func(in *EvidenceInput) { in.Date = "2199-01-01" }, "date", "more than a year ahead"},
			{"another organisation", func(in *EvidenceInput) { in.OrgID = f.orgB }, "organisation_id", "you contribute to"},
		} {
			in := harvest()
			c.change(&in)
			_, err := f.s.CreateEvidence(f.as("contributor-a"), in)
			lrWantField(t, err, c.field, c.msg)
		}
		if n := lrCount(t, d, "SELECT COUNT(*) FROM evidence"); n != 0 {
			t.Errorf("refused evidence written: %d", n)
		}
		e := f.addEvidence(t, harvest())
		if e.Outcome != "Two agencies moved funding." || e.Date != "2024-06-30" || !e.IsHarvest() {
			t.Errorf("harvest as saved: %+v", e)
		}
		// Another kind drops the harvest's four parts.
		in := harvest()
		in.Kind = EvidenceDataset
		in.Note = "It is a dataset"
		e2, err := f.s.UpdateEvidence(f.as("contributor-a"), e.ID, in)
		if err != nil || e2.Outcome != "" || e2.Revision != 2 {
			t.Fatalf("as a dataset: %+v %v", e2, err)
		}
		revs, _ := ListRevisions(context.Background(), d, KindEvidence, e.ID)
		if len(revs) != 2 || revs[0].Summary != "It is a dataset (Changed: Kind of evidence, Outcome, Significance, Contribution, Substantiation)" {
			t.Errorf("revisions: %+v", revs)
		}
		_, err = f.s.UpdateEvidence(f.as("contributor-b"), e.ID, harvest())
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.CreateEvidence(f.as("viewer-a"), harvest())
		lrWantErr(t, err, authz.ErrForbidden)
		lrWantErr(t, f.s.ArchiveEvidence(f.as("contributor-a"), e.ID, true), authz.ErrForbidden)
		if err := f.s.ArchiveEvidence(f.as("manager-a"), e.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Evidence(f.as("outsider"), e.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("archived evidence seen by an outsider: %v", err)
		}
	})
}
