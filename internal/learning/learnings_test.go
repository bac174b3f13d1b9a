package learning

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
)

// TestLearningVisibility: who sees a learning, as a table: public ones everyone; members-only
// ones anyone signed in; community ones that community's members (and the owner's staff);
// archived ones only the owner's staff. Lists and single loads agree.
func TestLearningVisibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		pub := f.addLearning(t, f.learning("Public learning", Public))
		mem := f.addLearning(t, f.learning("Members learning", Members))
		com := f.addLearning(t, f.learning("Community learning", Community))
		arc := f.addLearning(t, f.learning("Archived learning", Public))
		if err := f.s.ArchiveLearning(f.as("manager-a"), arc.ID, true); err != nil {
			t.Fatal(err)
		}
		all := []Learning{pub, mem, com, arc}
		for _, c := range []struct {
			who  string
			sees []string // titles, in the order of all
		}{
			{"anonymous", []string{"Public learning"}},
			{"outsider", []string{"Public learning", "Members learning"}},
			{"member", []string{"Public learning", "Members learning", "Community learning"}},
			{"contributor-b", []string{"Public learning", "Members learning"}},
			{"viewer-a", []string{"Public learning", "Members learning", "Community learning", "Archived learning"}},
			{"site-admin", []string{"Public learning", "Members learning", "Community learning", "Archived learning"}},
		} {
			ctx := f.as(c.who)
			var got []string
			for _, l := range all {
				_, err := f.s.Learning(ctx, l.ID)
				switch {
				case err == nil:
					got = append(got, l.Title)
				case !errors.Is(err, db.ErrNotFound):
					t.Fatalf("%s loads %q: %v", c.who, l.Title, err)
				}
			}
			if !slices.Equal(got, c.sees) {
				t.Errorf("%s sees %v, want %v", c.who, got, c.sees)
			}
			// The list holds the same, less the archived one, newest first.
			ls, err := f.s.Learnings(ctx, LearningFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, l := range ls {
				listed = append(listed, l.Title)
			}
			want := slices.DeleteFunc(slices.Clone(c.sees), func(s string) bool { return s == "Archived learning" })
			slices.Reverse(want)
			if !slices.Equal(listed, want) {
				t.Errorf("%s lists %v, want %v", c.who, listed, want)
			}
		}
		// Archived learnings are listed apart, for their staff only.
		ls, err := f.s.Learnings(f.as("viewer-a"), LearningFilter{Archived: true})
		if err != nil || len(ls) != 1 || ls[0].ID != arc.ID {
			t.Errorf("archived list for A's viewer: %v %v", ls, err)
		}
		if ls, _ := f.s.Learnings(f.as("contributor-b"), LearningFilter{Archived: true}); len(ls) != 0 {
			t.Errorf("B's contributor lists A's archived learnings: %v", ls)
		}
	})
}

// TestLearningRules: bad input gets a message on the right field and changes nothing; those
// who may not change a learning are refused (404 for what they cannot see).
func TestLearningRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		ctx := context.Background()
		restricted := f.addEvidence(t, f.evidence("Interview notes", false, false, Public))
		var policy int64
		if err := d.QueryRow(ctx, "INSERT INTO tags (scheme, name, description, created_at, updated_at) VALUES ('policy_area', 'Health', '', ?, ?) RETURNING id",
			db.Now(), db.Now()).Scan(&policy); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			who    string
			change func(in *LearningInput)
			field  string
			msg    string
		}{
			{"no title", "contributor-a", func(in *LearningInput) { in.Title = "  " }, "title", "Enter a title"},
			{"title on two lines", "contributor-a", func(in *LearningInput) { in.Title = "One\nTwo" }, "title", "single line"},
			{"long title", "contributor-a", func(in *LearningInput) { in.Title = strings.Repeat("x", 201) }, "title", "200 characters or fewer"},
			{"unknown type", "contributor-a", func(in *LearningInput) { in.Type = "success" }, "type", "kind of learning"},
			{"no insight", "contributor-a", func(in *LearningInput) { in.Insight = "" }, "insight", "Enter the insight"},
			{"unknown confidence", "contributor-a", func(in *LearningInput) { in.Confidence = "certain" }, "confidence", "how confident"},
			{"community without one", "contributor-a", func(in *LearningInput) { in.Visibility, in.CommunityID = Community, 0 }, "community_id", "Choose the community"},
			{"unknown visibility", "contributor-a", func(in *LearningInput) { in.Visibility = "secret" }, "visibility", "who may see it"},
			{"no organisation", "contributor-a", func(in *LearningInput) { in.OrgID = 0 }, "organisation_id", "Choose the organisation"},
			{"another organisation", "contributor-a", func(in *LearningInput) { in.OrgID = f.orgB }, "organisation_id", "you contribute to"},
			{"a tag that is not a theme", "contributor-a", func(in *LearningInput) { in.ThemeIDs = []int64{policy} }, "themes", "no theme"},
			{"a theme that does not exist", "contributor-a", func(in *LearningInput) { in.ThemeIDs = []int64{99999} }, "themes", "no theme"},
			{"a case study B cannot see", "contributor-b", func(in *LearningInput) { in.OrgID, in.CaseStudyIDs = f.orgB, []int64{f.csCommA.ID} }, "case_studies", "no case study"},
			{"evidence B cannot see", "contributor-b", func(in *LearningInput) {
				in.OrgID, in.CaseStudyIDs, in.EvidenceIDs = f.orgB, nil, []int64{restricted.ID}
			}, "evidence", "no evidence"},
			{"too long a situation", "contributor-a", func(in *LearningInput) { in.Situation = strings.Repeat("y", maxLearningText+1) }, "situation", "characters or fewer"},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := f.learning("A learning", Public)
				c.change(&in)
				before := lrCount(t, d, "SELECT COUNT(*) FROM learnings")
				_, err := f.s.CreateLearning(f.as(c.who), in)
				lrWantField(t, err, c.field, c.msg)
				if n := lrCount(t, d, "SELECT COUNT(*) FROM learnings"); n != before {
					t.Errorf("a refused learning was written: %d rows, want %d", n, before)
				}
			})
		}
		// Permissions.
		_, err := f.s.CreateLearning(f.as("viewer-a"), f.learning("By a viewer", Public))
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.CreateLearning(f.as("outsider"), f.learning("By an outsider", Public))
		lrWantErr(t, err, authz.ErrForbidden)
		pub := f.addLearning(t, f.learning("Shared", Public))
		com := f.addLearning(t, f.learning("Among us", Community))
		_, err = f.s.UpdateLearning(f.as("contributor-b"), pub.ID, f.learning("Changed by B", Public))
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.UpdateLearning(f.as("viewer-a"), pub.ID, f.learning("Changed by a viewer", Public))
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.UpdateLearning(f.as("outsider"), com.ID, f.learning("Changed by an outsider", Public))
		lrWantErr(t, err, db.ErrNotFound)
		lrWantErr(t, f.s.ArchiveLearning(f.as("contributor-a"), pub.ID, true), authz.ErrForbidden)
		if n := lrCount(t, d, "SELECT COUNT(*) FROM audit_log WHERE action = 'learning.update' AND outcome = 'denied'"); n != 2 {
			t.Errorf("denied updates audited: %d, want 2", n)
		}
		// Another contributor of A may edit it.
		in := f.learning("Shared, revised", Public)
		l, err := f.s.UpdateLearning(f.as("contributor2-a"), pub.ID, in)
		if err != nil || l.Title != "Shared, revised" || l.Revision != 2 {
			t.Fatalf("update by A's other contributor: %+v %v", l, err)
		}
	})
}

// TestLearningRevisionsSearchAudit: every change is a revision with a summary of what
// changed, an audit row, and a search document found by those who may see the learning.
func TestLearningRevisionsSearchAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		l := f.addLearning(t, f.learning("Delegation works", Public))
		if len(l.Themes) != 1 || l.Themes[0].Title != "Delegation" || !slices.Equal(l.CaseStudyIDs, []int64{f.csLogan.ID}) {
			t.Fatalf("links as created: %+v", l)
		}
		in := f.learning("Delegation works with accountability", Members)
		in.ThemeIDs = []int64{f.themes[0], f.themes[1]}
		in.Note = "Sharpened the title"
		l2, err := f.s.UpdateLearning(f.as("contributor-a"), l.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		revs, err := ListRevisions(context.Background(), d, KindLearning, l.ID)
		if err != nil || len(revs) != 2 {
			t.Fatalf("revisions: %v %v", revs, err)
		}
		if revs[0].Revision != 2 || revs[0].Summary != "Sharpened the title (Changed: Title, Insight, Themes, Who may see it)" {
			t.Errorf("latest revision: %d %q", revs[0].Revision, revs[0].Summary)
		}
		if revs[1].Summary != "Created" || revs[0].UserName != "Test contributor-a" {
			t.Errorf("first revision %q, by %q", revs[1].Summary, revs[0].UserName)
		}
		old, err := LoadRevision(context.Background(), d, KindLearning, l.ID, 1)
		if err != nil || SnapshotText(old.Snapshot)["title"] != "Delegation works" || SnapshotText(old.Snapshot)["case_studies"] != "Logan Together" {
			t.Errorf("first snapshot: %s %v", old.Snapshot, err)
		}
		if l2.Revision != 2 || len(l2.Themes) != 2 {
			t.Errorf("after update: %+v", l2)
		}
		for _, a := range []string{"learning.create", "learning.update"} {
			if n := lrCount(t, d, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ? AND outcome = 'success'", a, l.ID); n != 1 {
				t.Errorf("audit %s: %d rows", a, n)
			}
		}
		// Members only now: the public no longer finds it; A's staff do.
		hits, err := search.Search(context.Background(), d, search.Query{Text: "accountability", Kinds: []string{KindLearning}})
		if err != nil || len(hits) != 0 {
			t.Errorf("anonymous search finds a members-only learning: %v %v", hits, err)
		}
		hits, err = search.Search(f.as("viewer-a"), d, search.Query{Text: "accountability", Kinds: []string{KindLearning}})
		if err != nil || len(hits) != 1 || hits[0].URL != l.URL() {
			t.Errorf("A's staff search: %v %v", hits, err)
		}
		// Archived: out of the index.
		if err := f.s.ArchiveLearning(f.as("manager-a"), l.ID, true); err != nil {
			t.Fatal(err)
		}
		if n := lrCount(t, d, "SELECT COUNT(*) FROM search_documents WHERE kind = ? AND record_id = ?", KindLearning, l.ID); n != 0 {
			t.Errorf("archived learning still indexed")
		}
		// The links registry resolves learnings for those who may see them.
		rec, err := f.s.Dir.Resolve(f.as("viewer-a"), KindLearning, l.ID)
		if err != nil || rec.Title != "Delegation works with accountability" {
			t.Errorf("resolve for staff: %+v %v", rec, err)
		}
		if _, err := f.s.Dir.Resolve(f.as("outsider"), KindLearning, l.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("resolve for an outsider of an archived learning: %v", err)
		}
	})
}

// TestEndorsements: one per person, with an optional note; again changes the note; withdraw
// removes it; only signed-in people who may see the learning.
func TestEndorsements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		l := f.addLearning(t, f.learning("Worth repeating", Public))
		com := f.addLearning(t, f.learning("Among us", Community))
		if _, err := f.s.Endorse(f.as("outsider"), l.ID, "Same in Papakura."); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Endorse(f.as("outsider"), l.ID, "Same in Papakura, twice."); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Endorse(f.as("member"), l.ID, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := f.s.Learning(context.Background(), l.ID)
		if got.Endorsements != 2 {
			t.Errorf("endorsements %d, want 2", got.Endorsements)
		}
		page, err := f.s.LearningPage(f.as("outsider"), l.ID)
		if err != nil || page.MyEndorsement == nil || page.MyEndorsement.Note != "Same in Papakura, twice." || len(page.Endorsers) != 2 {
			t.Fatalf("outsider's page: %+v %v", page.MyEndorsement, err)
		}
		anon, _ := f.s.LearningPage(context.Background(), l.ID)
		if anon.Endorsers[0].Name != "" || anon.MyEndorsement != nil || anon.CanEndorse {
			t.Errorf("the public sees names or may endorse: %+v", anon.Endorsers)
		}
		if err := f.s.WithdrawEndorsement(f.as("outsider"), l.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Learning(context.Background(), l.ID); got.Endorsements != 1 {
			t.Errorf("after withdrawing: %d", got.Endorsements)
		}
		_, err = f.s.Endorse(context.Background(), l.ID, "")
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.Endorse(f.as("outsider"), com.ID, "")
		lrWantErr(t, err, db.ErrNotFound)
		_, err = f.s.Endorse(f.as("outsider"), l.ID, strings.Repeat("n", maxEndorsementLen+1))
		lrWantField(t, err, "note", "characters or fewer")
		if n := lrCount(t, d, "SELECT COUNT(*) FROM audit_log WHERE action IN ('learning.endorse', 'learning.unendorse') AND outcome = 'success'"); n != 4 {
			t.Errorf("endorsement audit rows: %d, want 4", n)
		}
	})
}

// TestLearningFilters: type, theme (with its narrower themes), place through the case
// studies, organisation, confidence and words.
func TestLearningFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		sys := authz.With(context.Background(), authz.System)
		child, err := f.s.Dir.CreateTag(sys, directory.TagInput{Scheme: "theme", Name: "Devolved budgets", ParentID: f.themes[1]})
		if err != nil {
			t.Fatal(err)
		}
		a := f.learning("Budgets devolved to Logan", Public)
		a.ThemeIDs, a.Confidence = []int64{child.ID}, "low"
		la := f.addLearning(t, a)
		b := f.learning("Papakura case managers", Public)
		b.Type, b.ThemeIDs, b.CaseStudyIDs, b.Insight = LearningDidNotWork, []int64{f.themes[0]}, []int64{f.csPapakura.ID}, "Shared caseloads need shared data."
		lb := f.addLearning(t, b)
		cIn := f.learning("From B", Public)
		cIn.OrgID, cIn.CaseStudyIDs = f.orgB, nil
		lc, err := f.s.CreateLearning(f.as("contributor-b"), cIn)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(fl LearningFilter) []int64 {
			ls, err := f.s.Learnings(context.Background(), fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, l := range ls {
				out = append(out, l.ID)
			}
			return out
		}
		for _, c := range []struct {
			name string
			f    LearningFilter
			want []int64
		}{
			{"all", LearningFilter{}, []int64{lc.ID, lb.ID, la.ID}},
			{"type", LearningFilter{Type: LearningDidNotWork}, []int64{lb.ID}},
			{"theme and narrower", LearningFilter{ThemeID: f.themes[1]}, []int64{lc.ID, la.ID}},
			{"narrower theme", LearningFilter{ThemeID: child.ID}, []int64{la.ID}},
			{"place", LearningFilter{PlaceID: f.places[1]}, []int64{lb.ID}},
			{"organisation", LearningFilter{OrgID: f.orgB}, []int64{lc.ID}},
			{"confidence", LearningFilter{Confidence: "low"}, []int64{la.ID}},
			{"words", LearningFilter{Text: "shared DATA"}, []int64{lb.ID}},
			{"words with LIKE signs", LearningFilter{Text: "100%_"}, nil},
			{"page", LearningFilter{Limit: 1, After: lb.ID}, []int64{la.ID}},
		} {
			if got := ids(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		// A case study's page lists the learnings drawn from it.
		refs, err := f.s.CaseStudyLearnings(context.Background(), f.csPapakura.ID)
		if err != nil || len(refs) != 1 || refs[0].ID != lb.ID || refs[0].URL != lb.URL() {
			t.Errorf("learnings of the Papakura case study: %v %v", refs, err)
		}
	})
}
