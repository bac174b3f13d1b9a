package learning

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// layoutString writes a layout as "title: s1[l1 l2] s2[] +new[]" for comparisons.
func layoutString(l ReportLayout) string {
	var parts []string
	for _, s := range l.Sections {
		name := fmt.Sprint(s.ID)
		if s.ID == 0 {
			name = "+" + s.Title
		}
		ids := make([]string, len(s.LearningIDs))
		for i, id := range s.LearningIDs {
			ids[i] = fmt.Sprint(id)
		}
		parts = append(parts, name+"["+strings.Join(ids, " ")+"]")
	}
	return strings.Join(parts, " ")
}

// baseForm is the edit form of a report with sections 1 [10 11 12] and 2 [20], as the page
// sends it, plus extra values.
func baseForm(extra ...string) url.Values {
	v := url.Values{"title": {"Report"}, "introduction": {"Intro"},
		"section": {"1", "2"}, "section-1-title": {"One"}, "section-2-title": {"Two"},
		"section-1-item": {"10", "11", "12"}, "section-2-item": {"20"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Add(extra[i], extra[i+1])
	}
	return v
}

// TestParseLayoutForm: the edit form's buttons, typed positions and additions, as a table.
func TestParseLayoutForm(t *testing.T) {
	for _, c := range []struct {
		name  string
		form  url.Values
		want  string
		verb  string
		field string // a field error expected instead
	}{
		{"save changes nothing", baseForm("op", "save"), "1[10 11 12] 2[20]", "save", ""},
		{"no button is a save", baseForm(), "1[10 11 12] 2[20]", "save", ""},
		{"section down", baseForm("op", "section-down-1"), "2[20] 1[10 11 12]", "section-down", ""},
		{"section up", baseForm("op", "section-up-2"), "2[20] 1[10 11 12]", "section-up", ""},
		{"first section up stays", baseForm("op", "section-up-1"), "1[10 11 12] 2[20]", "section-up", ""},
		{"last section down stays", baseForm("op", "section-down-2"), "1[10 11 12] 2[20]", "section-down", ""},
		{"section delete", baseForm("op", "section-delete-1"), "2[20]", "section-delete", ""},
		{"item up", baseForm("op", "item-up-1-12"), "1[10 12 11] 2[20]", "item-up", ""},
		{"item down", baseForm("op", "item-down-1-10"), "1[11 10 12] 2[20]", "item-down", ""},
		{"last item down stays", baseForm("op", "item-down-1-12"), "1[10 11 12] 2[20]", "item-down", ""},
		{"item remove", baseForm("op", "item-remove-1-11"), "1[10 12] 2[20]", "item-remove", ""},
		{"item add", baseForm("op", "item-add-2", "section-2-add", "11"), "1[10 11 12] 2[20 11]", "item-add", ""},
		{"add already there", baseForm("op", "item-add-1", "section-1-add", "11"), "1[10 11 12] 2[20]", "item-add", ""},
		{"save also adds what is chosen", baseForm("section-1-add", "30"), "1[10 11 12 30] 2[20]", "save", ""},
		{"add section", baseForm("op", "add-section", "new-section-title", "Three"), "1[10 11 12] 2[20] +Three[]", "add-section", ""},
		{"save also adds a titled section", baseForm("new-section-title", "Three"), "1[10 11 12] 2[20] +Three[]", "save", ""},
		{"typed section positions", baseForm("section-2-position", "1", "section-1-position", "2"), "2[20] 1[10 11 12]", "save", ""},
		{"typed item positions", baseForm("section-1-item-12-position", "1"), "1[12 10 11] 2[20]", "save", ""},
		{"typed position moves one down", baseForm("section-1-item-10-position", "2"), "1[11 10 12] 2[20]", "save", ""},
		{"typed positions out of range", baseForm("section-1-item-10-position", "50", "section-1-item-12-position", "-3"), "1[12 11 10] 2[20]", "save", ""},
		{"two typed the same", baseForm("section-1-item-12-position", "1", "section-1-item-11-position", "1"), "1[11 12 10] 2[20]", "save", ""},
		{"positions then button", baseForm("section-1-item-12-position", "1", "op", "item-down-1-12"), "1[10 12 11] 2[20]", "item-down", ""},
		{"repeated items once", url.Values{"title": {"R"}, "section": {"1", "1"}, "section-1-title": {"One"}, "section-1-item": {"5", "5", "6"}}, "1[5 6]", "save", ""},
		{"add section without title", baseForm("op", "add-section"), "", "", "new-section-title"},
		{"add without a choice", baseForm("op", "item-add-1"), "", "", "section-1-add"},
		{"bad position", baseForm("section-1-position", "first"), "", "", "section-1-position"},
		{"huge position", baseForm("section-1-item-10-position", "99999999999"), "", "", "section-1-item-10-position"},
		{"bad learning to add", baseForm("section-1-add", "x"), "", "", "section-1-add"},
		{"unknown button", baseForm("op", "explode"), "", "", ""},
		{"button for a missing section", baseForm("op", "section-up-9"), "", "", ""},
		{"button for a missing item", baseForm("op", "item-up-1-99"), "", "", ""},
		{"bad section id", baseForm("section", "-3"), "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, op, err := ParseLayoutForm(c.form)
			if c.verb == "" {
				ve, ok := valid.As(err)
				if !ok {
					t.Fatalf("want field errors, got %v (%s)", err, layoutString(l))
				}
				if _, ok := ve[c.field]; !ok {
					t.Fatalf("want a message on %q, got %v", c.field, ve)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := layoutString(l); got != c.want || op.Verb != c.verb {
				t.Errorf("got %s (%s), want %s (%s)", got, op.Verb, c.want, c.verb)
			}
		})
	}
	v := baseForm()
	v.Set("title", " The report ")
	v.Set("section-1-title", "  Renamed ")
	l, _, _ := ParseLayoutForm(v)
	if l.Title != "The report" || l.Sections[0].Title != "Renamed" || l.Introduction != "Intro" {
		t.Errorf("titles: %q %q %q", l.Title, l.Sections[0].Title, l.Introduction)
	}
}

// FuzzParseLayoutForm: any form body parses without panicking, and what comes out holds no
// learning twice in a section, no non-positive ID, and at most one new section.
func FuzzParseLayoutForm(f *testing.F) {
	for _, s := range []string{
		baseForm("op", "item-up-1-12").Encode(),
		baseForm("op", "add-section", "new-section-title", "New").Encode(),
		"section=1&section=1&section-1-item=3&section-1-item=3&op=item-down-1-3",
		"section=9223372036854775807&section-9223372036854775807-position=-100000&op=section-up-9223372036854775807",
		"op=item-up-1-&section=1",
		"section=1&section-1-add=0&op=item-add-1",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		l, _, err := ParseLayoutForm(v)
		if err != nil {
			if _, ok := valid.As(err); !ok {
				t.Fatalf("error that is not field messages: %v", err)
			}
			return
		}
		newSections := 0
		seenSection := map[int64]bool{}
		for _, s := range l.Sections {
			if s.ID == 0 {
				newSections++
			} else if seenSection[s.ID] || s.ID < 0 {
				t.Fatalf("section %d twice or negative: %s", s.ID, layoutString(l))
			}
			seenSection[s.ID] = true
			seen := map[int64]bool{}
			for _, id := range s.LearningIDs {
				if id <= 0 || seen[id] {
					t.Fatalf("learning %d repeated or not positive: %s", id, layoutString(l))
				}
				seen[id] = true
			}
		}
		if newSections > 1 {
			t.Fatalf("%d new sections", newSections)
		}
	})
}

// TestReportCompileOrderExport: a report compiled from learnings in sections, reordered with
// the edit form, seen by staff while a draft and by everyone once published (each reader
// seeing the learnings they may see), exported as JSON, CSV and Markdown in that order.
func TestReportCompileOrderExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		l1 := f.addLearning(t, f.learning("Delegate priority-setting", Public))
		l2 := f.addLearning(t, f.learning("Name who is accountable", Public))
		l3 := f.addLearning(t, f.learning("Share data early", Members))
		contrib := f.as("contributor-a")
		rep, err := f.s.CreateReport(contrib, ReportInput{OrgID: f.orgA, Title: "Learnings from place-based approaches",
			Introduction: "# Why\n\nWhat we learned.", Sections: []SectionInput{{Title: "Delegation", LearningIDs: []int64{l1.ID, l3.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status != ReportDraft || len(rep.Sections) != 1 || !slices.Equal(rep.Sections[0].LearningIDs, []int64{l1.ID, l3.ID}) {
			t.Fatalf("created: %+v", rep)
		}
		sid := rep.Sections[0].ID
		// The edit form: add a section with l2, then move it up, then move l3 first.
		form := url.Values{"title": {rep.Title}, "introduction": {rep.Introduction}, "section": {fmt.Sprint(sid)},
			"section-" + fmt.Sprint(sid) + "-title": {"Delegation"}, "section-" + fmt.Sprint(sid) + "-item": {fmt.Sprint(l1.ID), fmt.Sprint(l3.ID)},
			"new-section-title": {"Accountability"}, "op": {"add-section"}}
		lay, _, err := ParseLayoutForm(form)
		if err != nil {
			t.Fatal(err)
		}
		if rep, err = f.s.SaveReportLayout(contrib, rep.ID, lay); err != nil {
			t.Fatal(err)
		}
		acc := rep.Sections[1].ID
		lay = ReportLayout{Title: rep.Title, Introduction: rep.Introduction, Sections: []SectionInput{
			{ID: acc, Title: "Accountability", LearningIDs: []int64{l2.ID}},
			{ID: sid, Title: "Delegation", Intro: "Giving places a say.", LearningIDs: []int64{l3.ID, l1.ID}}}}
		if rep, err = f.s.SaveReportLayout(contrib, rep.ID, lay); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(rep.Sections[0].ID, rep.Sections[0].LearningIDs, rep.Sections[1].ID, rep.Sections[1].LearningIDs); got != fmt.Sprint(acc, []int64{l2.ID}, sid, []int64{l3.ID, l1.ID}) {
			t.Errorf("order after the edit: %s", got)
		}
		// A section naming a learning the editor may not see, or a section of another report, is refused.
		hidden, err := f.s.CreateLearning(f.as("contributor-b"), LearningInput{OrgID: f.orgB, Type: LearningObservation, Title: "B's own",
			Insight: "Only B's staff, once archived.", Visibility: Public})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.ArchiveLearning(f.as("site-admin"), hidden.ID, true); err != nil {
			t.Fatal(err)
		}
		bad := lay
		bad.Sections = append(slices.Clone(lay.Sections[:1]), SectionInput{ID: sid, Title: "Delegation", LearningIDs: []int64{hidden.ID}})
		_, err = f.s.SaveReportLayout(contrib, rep.ID, bad)
		lrWantField(t, err, fmt.Sprintf("section-%d-add", sid), "no learning")
		_, err = f.s.SaveReportLayout(contrib, rep.ID, ReportLayout{Title: "R", Sections: []SectionInput{{ID: 99999, Title: "X"}}})
		lrWantField(t, err, "sections", "no section")
		// Draft: A's staff only.
		if _, err := f.s.CompileReport(context.Background(), rep.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the public reads a draft: %v", err)
		}
		if _, err := f.s.CompileReport(f.as("viewer-a"), rep.ID); err != nil {
			t.Errorf("A's viewer cannot read the draft: %v", err)
		}
		// Publishing: managers only.
		_, err = f.s.PublishReport(contrib, rep.ID, true)
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.UpdateReport(contrib, rep.ID, ReportInput{Title: rep.Title, Status: ReportPublished})
		lrWantErr(t, err, authz.ErrForbidden)
		if _, err := f.s.PublishReport(f.as("manager-a"), rep.ID, true); err != nil {
			t.Fatal(err)
		}
		// Published: the public sees the public learnings in order; members see l3 too.
		cr, err := f.s.CompileReport(context.Background(), rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		titles := func(cr CompiledReport) string {
			var out []string
			for _, s := range cr.Compiled {
				var ls []string
				for _, l := range s.Learnings {
					ls = append(ls, l.Title)
				}
				out = append(out, s.Title+": "+strings.Join(ls, ", "))
			}
			return strings.Join(out, " | ")
		}
		if got := titles(cr); got != "Accountability: Name who is accountable | Delegation: Delegate priority-setting" || cr.CanEdit || cr.Hidden != 0 {
			t.Errorf("the public reads %q (edit %v, hidden %d)", got, cr.CanEdit, cr.Hidden)
		}
		cr, err = f.s.CompileReport(f.as("viewer-a"), rep.ID)
		if err != nil || titles(cr) != "Accountability: Name who is accountable | Delegation: Share data early, Delegate priority-setting" {
			t.Errorf("A's staff read %q %v", titles(cr), err)
		}
		// Archiving a learning takes it out of the report for readers; its editors are told.
		if err := f.s.ArchiveLearning(f.as("manager-a"), l2.ID, true); err != nil {
			t.Fatal(err)
		}
		cr, _ = f.s.CompileReport(contrib, rep.ID)
		if cr.Hidden != 1 || !cr.CanEdit || cr.CanPublish {
			t.Errorf("for the contributor: hidden %d, edit %v, publish %v", cr.Hidden, cr.CanEdit, cr.CanPublish)
		}
		if err := f.s.ArchiveLearning(f.as("manager-a"), l2.ID, false); err != nil {
			t.Fatal(err)
		}
		// A recommendation, answered by AU0019.
		m, err := f.s.CreateRecommendation(contrib, RecommendationInput{ReportID: rep.ID, Title: "Let places set priorities",
			Body: "Agencies fund what places agree.", Audience: "Secretaries Board", Priority: "high", LearningIDs: []int64{l1.ID}, CommitmentIDs: []int64{19}})
		if err != nil {
			t.Fatal(err)
		}
		// Exports, as the public reads them.
		cr, err = f.s.CompileReport(context.Background(), rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		x := ExportOf(cr)
		if len(x.Sections) != 2 || x.Sections[1].Learnings[0].Number != "2.1" || x.Sections[1].Learnings[0].Title != "Delegate priority-setting" ||
			x.Sections[1].Intro != "Giving places a say." || len(x.Recommendations) != 1 || x.Recommendations[0].Commitments[0].Title != "AU0019 Place-based approaches" ||
			x.Recommendations[0].Priority != "High" || x.PublishedAt.IsZero() {
			t.Errorf("export: %+v", x)
		}
		var buf bytes.Buffer
		if err := WriteReportCSV(&buf, x); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][0] != "part" || rows[1][2] != "Accountability" || rows[1][3] != "1.1" || rows[2][5] != "Delegate priority-setting" ||
			rows[3][0] != "recommendation" || rows[3][16] != "Secretaries Board" || rows[3][20] != "AU0019 Place-based approaches" || rows[3][19] != "Delegate priority-setting" {
			t.Errorf("csv: %q", rows)
		}
		md := ReportMarkdown(x)
		for _, want := range []string{"# Learnings from place-based approaches\n", "\n## Why\n", "## 1. Accountability\n", "### 2.1 Delegate priority-setting\n",
			"**Insight.** Delegate priority-setting to Delegate priority-setting.", "## Recommendations\n", "### 1. Let places set priorities\n",
			"*Priority high · proposed · for Secretaries Board*", "Answered by:\n\n- AU0019 Place-based approaches\n"} {
			if !strings.Contains(md, want) {
				t.Errorf("markdown lacks %q:\n%s", want, md)
			}
		}
		if strings.Index(md, "1. Accountability") > strings.Index(md, "2. Delegation") {
			t.Errorf("markdown sections out of order")
		}
		// Published reports and their recommendations are found by everyone.
		hits, err := search.Search(context.Background(), d, search.Query{Text: "places set priorities", Kinds: []string{KindRecommendation}})
		if err != nil || len(hits) != 1 || hits[0].RecordID != m.ID {
			t.Errorf("recommendation search: %v %v", hits, err)
		}
		// Back to draft: out of public view, the recommendation with it.
		if _, err := f.s.PublishReport(f.as("manager-a"), rep.ID, false); err != nil {
			t.Fatal(err)
		}
		hits, _ = search.Search(context.Background(), d, search.Query{Text: "places set priorities", Kinds: []string{KindRecommendation, KindReport}})
		if len(hits) != 0 {
			t.Errorf("after unpublishing the public finds %v", hits)
		}
		if _, err := f.s.Recommendation(context.Background(), m.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the public reads a draft's recommendation: %v", err)
		}
		for _, a := range []string{"report.create", "report.update", "report.publish", "report.unpublish", "recommendation.create"} {
			if n := lrCount(t, d, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = 'success'", a); n == 0 {
				t.Errorf("no audit row for %s", a)
			}
		}
	})
}

// TestRecommendations: a recommendation links to the learnings behind it and, through the
// directory's links, to the commitments that answer it (commitment —responds to→
// recommendation), so that the commitment's links show it; changes replace both.
func TestRecommendations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newLRFixture(t, d)
		contrib := f.as("contributor-a")
		l1 := f.addLearning(t, f.learning("One", Public))
		l2 := f.addLearning(t, f.learning("Two", Public))
		rep, err := f.s.CreateReport(contrib, ReportInput{OrgID: f.orgA, Title: "Report", Sections: []SectionInput{{Title: "S", LearningIDs: []int64{l1.ID, l2.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := f.s.FindCommitments(contrib, "AU0019")
		if err != nil || !slices.Equal(ids, []int64{19}) {
			t.Fatalf("find AU0019: %v %v", ids, err)
		}
		_, err = f.s.FindCommitments(contrib, "19\nAU9999")
		lrWantField(t, err, "commitments", "AU9999")
		_, err = f.s.FindCommitments(contrib, "20")
		lrWantField(t, err, "commitments", "no commitment")
		for _, c := range []struct {
			name  string
			in    RecommendationInput
			field string
			msg   string
		}{
			{"no title", RecommendationInput{ReportID: rep.ID}, "title", "Enter the recommendation"},
			{"bad priority", RecommendationInput{ReportID: rep.ID, Title: "T", Priority: "urgent"}, "priority", "a priority"},
			{"bad status", RecommendationInput{ReportID: rep.ID, Title: "T", Status: "done"}, "status", "a status"},
			{"hidden commitment", RecommendationInput{ReportID: rep.ID, Title: "T", CommitmentIDs: []int64{20}}, "commitments", "no commitment"},
			{"unknown learning", RecommendationInput{ReportID: rep.ID, Title: "T", LearningIDs: []int64{99999}}, "learnings", "no learning"},
			{"no report", RecommendationInput{Title: "T"}, "report_id", "Choose the report"},
		} {
			_, err := f.s.CreateRecommendation(contrib, c.in)
			lrWantField(t, err, c.field, c.msg)
		}
		if n := lrCount(t, d, "SELECT COUNT(*) FROM recommendations"); n != 0 {
			t.Fatalf("refused recommendations written: %d", n)
		}
		_, err = f.s.CreateRecommendation(f.as("viewer-a"), RecommendationInput{ReportID: rep.ID, Title: "T"})
		lrWantErr(t, err, authz.ErrForbidden)
		_, err = f.s.CreateRecommendation(f.as("contributor-b"), RecommendationInput{ReportID: rep.ID, Title: "T"})
		lrWantField(t, err, "report_id", "no report")

		m, err := f.s.CreateRecommendation(contrib, RecommendationInput{ReportID: rep.ID, Title: "Fund what places agree", Priority: "high",
			Status: "accepted", LearningIDs: []int64{l1.ID}, CommitmentIDs: []int64{19}})
		if err != nil {
			t.Fatal(err)
		}
		m2, err := f.s.CreateRecommendation(contrib, RecommendationInput{ReportID: rep.ID, Title: "Second"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Position != 1 || m2.Position != 2 || m2.Priority != "medium" || m2.Status != "proposed" {
			t.Errorf("positions %d %d, defaults %s %s", m.Position, m2.Position, m2.Priority, m2.Status)
		}
		if len(m.Commitments) != 1 || m.Commitments[0].URL != "/commitments/AU0019" || len(m.Learnings) != 1 || m.Learnings[0].Title != "One" {
			t.Errorf("as created: %+v", m)
		}
		// The link is in the directory's registry: the commitment's links show the recommendation.
		set, err := f.s.Dir.LinksOf(f.as("viewer-a"), KindCommitment, 19)
		if err != nil || len(set.Outgoing) != 1 || set.Outgoing[0].ToKind != KindRecommendation || set.Outgoing[0].ToID != m.ID ||
			set.Outgoing[0].RelationLabel != "Responds to" || set.Outgoing[0].ToTitle != "Fund what places agree" {
			t.Errorf("the commitment's links: %+v %v", set, err)
		}
		// ... but not for the public while the report is a draft.
		if set, err := f.s.Dir.LinksOf(context.Background(), KindCommitment, 19); err != nil || len(set.Outgoing) != 0 {
			t.Errorf("public links of the commitment: %+v %v", set, err)
		}
		// Changing: learnings and commitments replaced.
		up, err := f.s.UpdateRecommendation(contrib, m.ID, RecommendationInput{Title: "Fund what places agree", Priority: "low", Status: "implemented",
			LearningIDs: []int64{l2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(up.Commitments) != 0 || !slices.Equal(up.LearningIDs, []int64{l2.ID}) || up.Status != "implemented" || up.ReportID != rep.ID || up.Position != 1 {
			t.Errorf("after update: %+v", up)
		}
		if n := lrCount(t, d, "SELECT COUNT(*) FROM links WHERE to_kind = 'recommendation'"); n != 0 {
			t.Errorf("links left: %d", n)
		}
		_, err = f.s.UpdateRecommendation(f.as("contributor-b"), m.ID, RecommendationInput{Title: "B"})
		lrWantErr(t, err, db.ErrNotFound)
		_, err = f.s.UpdateRecommendation(f.as("viewer-a"), m.ID, RecommendationInput{Title: "V"})
		lrWantErr(t, err, authz.ErrForbidden)
		ms, err := f.s.ReportRecommendations(f.as("viewer-a"), rep.ID)
		if err != nil || len(ms) != 2 || ms[0].ID != m.ID || ms[1].ID != m2.ID {
			t.Errorf("report's recommendations: %v %v", ms, err)
		}
	})
}
