package learning

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func csWantField(t *testing.T, err error, field, contains string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
	if !strings.Contains(ve[field], contains) {
		t.Fatalf("field %s: %q, want it to contain %q (all: %v)", field, ve[field], contains, ve)
	}
}

// TestCaseStudyVisibility: who sees a case study, for each visibility, on its page, in the
// list, through its attachment and through the links registry.
func TestCaseStudyVisibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		made := map[string]CaseStudy{}
		for _, v := range []string{Public, Members, Community} {
			c := f.create(t, "Seen by "+v, v)
			if _, err := f.s.AttachFile(f.as("contributor-a"), c.ID, Upload{Name: v + ".txt", Data: []byte("notes about " + v)}); err != nil {
				t.Fatal(err)
			}
			if c, err := f.s.CaseStudy(f.as("contributor-a"), c.ID); err != nil {
				t.Fatal(err)
			} else {
				made[v] = c
			}
		}
		archived := f.create(t, "Archived one", Public)
		if err := f.s.ArchiveCaseStudy(f.as("manager-a"), archived.ID, true); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			who                         string
			public, members, comm, arch bool
		}{
			{"anonymous", true, false, false, false},
			{"outsider", true, true, false, false},
			{"member", true, true, true, false},         // member of the community, of no organisation
			{"contributor-b", true, true, false, false}, // another organisation
			{"viewer-a", true, true, true, true},        // staff of the owner see everything of theirs
			{"contributor-a", true, true, true, true},
			{"site-admin", true, true, true, true},
		}
		for _, tc := range cases {
			t.Run(tc.who, func(t *testing.T) {
				ctx := f.as(tc.who)
				want := map[string]bool{Public: tc.public, Members: tc.members, Community: tc.comm}
				list, err := f.s.CaseStudies(ctx, CaseStudyFilter{})
				if err != nil {
					t.Fatal(err)
				}
				for v, c := range made {
					_, err := f.s.CaseStudy(ctx, c.ID)
					if got := err == nil; got != want[v] {
						t.Errorf("%s sees the %s case study: %v (err %v), want %v", tc.who, v, got, err, want[v])
					}
					if !want[v] && !errors.Is(err, db.ErrNotFound) {
						t.Errorf("%s on a %s case study: %v, want not found", tc.who, v, err)
					}
					inList := slices.ContainsFunc(list, func(x CaseStudy) bool { return x.ID == c.ID })
					if inList != want[v] {
						t.Errorf("%s finds the %s case study in the list: %v, want %v", tc.who, v, inList, want[v])
					}
					v2, err := f.s.ViewerOf(ctx)
					if err != nil {
						t.Fatal(err)
					}
					ok, err := f.s.CanSeeFile(ctx, v2, c.Files[0])
					if err != nil || ok != want[v] {
						t.Errorf("%s downloads the %s attachment: %v (%v), want %v", tc.who, v, ok, err, want[v])
					}
					rec, err := f.s.Dir.Resolve(ctx, CaseStudyKind, c.ID)
					if got := err == nil; got != want[v] {
						t.Errorf("%s resolves the %s case study as a link end: %v (%v), want %v", tc.who, v, got, err, want[v])
					} else if got && rec.URL != c.URL() {
						t.Errorf("link URL %q, want %q", rec.URL, c.URL())
					}
				}
				_, err = f.s.CaseStudy(ctx, archived.ID)
				if got := err == nil; got != tc.arch {
					t.Errorf("%s sees the archived case study: %v, want %v", tc.who, got, tc.arch)
				}
				if slices.ContainsFunc(list, func(x CaseStudy) bool { return x.ID == archived.ID }) {
					t.Errorf("%s finds the archived case study in the default list", tc.who)
				}
			})
		}
	})
}

// TestCaseStudyRevisions follows one case study through its changes, as a table of steps.
func TestCaseStudyRevisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		c := f.create(t, "Logan Together", Public)
		steps := []struct {
			name    string
			who     string
			change  func(in *CaseStudyInput)
			act     func(ctx context.Context) error // instead of an edit
			wantErr string                          // a field whose error is expected ("-" for forbidden)
			wantRev int
			summary string // part of the new revision's summary
		}{
			{name: "creator edits the body", who: "contributor-a", change: func(in *CaseStudyInput) {
				in.Body += "\nThey kept meeting."
				in.Note = "Added what came next"
			}, wantRev: 2, summary: "Added what came next (Changed: The case study)"},
			{name: "manager changes title and places", who: "manager-a", change: func(in *CaseStudyInput) {
				in.Title = "Logan Together, 2018–2020"
				in.PlaceIDs = f.places
			}, wantRev: 3, summary: "Changed: Title, Places"},
			{name: "another contributor of the owner may not edit", who: "contributor2-a", change: func(in *CaseStudyInput) { in.Title = "x" }, wantErr: "-", wantRev: 3},
			{name: "another organisation may not edit", who: "contributor-b", change: func(in *CaseStudyInput) { in.Title = "x" }, wantErr: "-", wantRev: 3},
			{name: "an edit from an old revision is refused", who: "contributor-a", change: func(in *CaseStudyInput) {
				in.Revision = 2
				in.Summary = "stale"
			}, wantErr: "", wantRev: 3},
			{name: "bad input changes nothing", who: "contributor-a", change: func(in *CaseStudyInput) {
				in.Title = ""
				in.PeriodEnd = "2017-01-01"
			}, wantErr: "title", wantRev: 3},
			{name: "a community the editor is not in is refused", who: "manager-a", change: func(in *CaseStudyInput) {
				in.Visibility, in.CommunityID = Community, f.community
			}, wantErr: "community_id", wantRev: 3},
			{name: "a theme from another scheme is refused", who: "contributor-a", change: func(in *CaseStudyInput) {
				in.ThemeIDs = []int64{9999}
			}, wantErr: "theme_ids", wantRev: 3},
			{name: "attaching a file is a revision", who: "contributor-a", act: func(ctx context.Context) error {
				_, err := f.s.AttachFile(ctx, c.ID, Upload{Name: "evaluation.csv", Data: []byte("year,value\n2019,3\n")})
				return err
			}, wantRev: 4, summary: "Attached evaluation.csv"},
			{name: "a refused file changes nothing", who: "contributor-a", act: func(ctx context.Context) error {
				_, err := f.s.AttachFile(ctx, c.ID, Upload{Name: "run.exe", Data: []byte("MZ\x90\x00")})
				return err
			}, wantErr: "file", wantRev: 4},
			{name: "the creator may not archive", who: "contributor-a", act: func(ctx context.Context) error { return f.s.ArchiveCaseStudy(ctx, c.ID, true) },
				wantErr: "-", wantRev: 4},
			{name: "the manager archives", who: "manager-a", act: func(ctx context.Context) error { return f.s.ArchiveCaseStudy(ctx, c.ID, true) },
				wantRev: 5, summary: "Archived"},
			{name: "and restores", who: "manager-a", act: func(ctx context.Context) error { return f.s.ArchiveCaseStudy(ctx, c.ID, false) },
				wantRev: 6, summary: "Restored"},
		}
		for _, st := range steps {
			ctx := f.as(st.who)
			var err error
			if st.act != nil {
				err = st.act(ctx)
			} else {
				cur, lerr := f.s.CaseStudy(f.as("site-admin"), c.ID)
				if lerr != nil {
					t.Fatal(lerr)
				}
				in := cur.Input()
				st.change(&in)
				_, err = f.s.UpdateCaseStudy(ctx, c.ID, in)
			}
			switch {
			case st.wantErr == "-":
				if !errors.Is(err, authz.ErrForbidden) {
					t.Errorf("%s: %v, want forbidden", st.name, err)
				}
			case st.wantErr != "" || (st.summary == "" && st.wantErr == ""):
				if _, ok := valid.As(err); !ok {
					t.Errorf("%s: %v, want a field error", st.name, err)
				} else if st.wantErr != "" {
					csWantField(t, err, st.wantErr, "")
				}
			default:
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
			}
			revs, err := ListRevisions(context.Background(), d, CaseStudyKind, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(revs) != st.wantRev || revs[0].Revision != st.wantRev {
				t.Fatalf("%s: %d revisions (newest %d), want %d", st.name, len(revs), revs[0].Revision, st.wantRev)
			}
			cur, _ := f.s.CaseStudy(f.as("site-admin"), c.ID)
			if cur.Revision != st.wantRev {
				t.Errorf("%s: the case study says revision %d, want %d", st.name, cur.Revision, st.wantRev)
			}
			if st.summary != "" {
				if revs[0].Summary != st.summary {
					t.Errorf("%s: summary %q, want %q", st.name, revs[0].Summary, st.summary)
				}
				if want := f.people[st.who].Name; revs[0].UserName != want {
					t.Errorf("%s: by %q, want %q", st.name, revs[0].UserName, want)
				}
			}
		}
		// The diff between revisions 1 and 3 shows the title, the places and the body.
		r1, err := LoadRevision(context.Background(), d, CaseStudyKind, c.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		r3, err := LoadRevision(context.Background(), d, CaseStudyKind, c.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		var changed []string
		for _, fd := range DiffSnapshots(CaseStudyFields, r1.Snapshot, r3.Snapshot) {
			if fd.Changed {
				changed = append(changed, fd.Key)
			}
			if fd.Key == "body" && (fd.Added != 1 || fd.Removed != 0) {
				t.Errorf("body diff: +%d -%d, want +1 -0: %+v", fd.Added, fd.Removed, fd.Lines)
			}
			if fd.Key == "places" && (fd.OldText != "Logan" || fd.NewText != "Logan\nPapakura") {
				t.Errorf("places: %q → %q", fd.OldText, fd.NewText)
			}
		}
		if want := []string{"title", "places", "body"}; !slices.Equal(changed, want) {
			t.Errorf("changed fields %v, want %v", changed, want)
		}
		// Every change was audited.
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE target_kind = ? AND target_id = ? AND outcome = 'success'",
			CaseStudyKind, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("%d successful audit rows, want 6 (create, 2 edits, attach, archive, restore)", n)
		}
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE target_kind = ? AND target_id = ? AND outcome = 'denied'",
			CaseStudyKind, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("%d denied audit rows, want 3", n)
		}
	})
}

// TestCaseStudyCreateRules: who may create, for which organisation, with what.
func TestCaseStudyCreateRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		cases := []struct {
			name, who string
			change    func(in *CaseStudyInput)
			want      string // "" ok, "-" forbidden, else the field
		}{
			{"a contributor of the owner", "contributor-a", nil, ""},
			{"a viewer", "viewer-a", nil, "-"},
			{"anonymous", "anonymous", nil, "-"},
			{"a contributor of another organisation", "contributor-b", nil, "organisation_id"},
			{"a community they are a member of", "contributor-a", func(in *CaseStudyInput) { in.Visibility, in.CommunityID = Community, f.community }, ""},
			{"a community they are not in", "manager-a", func(in *CaseStudyInput) { in.Visibility, in.CommunityID = Community, f.community }, "community_id"},
			{"community without one", "contributor-a", func(in *CaseStudyInput) { in.Visibility = Community }, "community_id"},
			{"an unknown visibility", "contributor-a", func(in *CaseStudyInput) { in.Visibility = "secret" }, "visibility"},
			{"an unknown influence", "contributor-a", func(in *CaseStudyInput) { in.Influence = "shout" }, "influence"},
			{"an unknown place", "contributor-a", func(in *CaseStudyInput) { in.PlaceIDs = []int64{424242} }, "place_ids"},
			{"an unknown program", "contributor-a", func(in *CaseStudyInput) { in.ProgramID = 424242 }, "program_id"},
			{"a partner that is not an organisation", "contributor-a", func(in *CaseStudyInput) { in.PartnerIDs = []int64{424242} }, "partner_ids"},
			{"no summary", "contributor-a", func(in *CaseStudyInput) { in.Summary = " " }, "summary"},
			{"a body too long", "contributor-a", func(in *CaseStudyInput) { in.Body = strings.Repeat("x", csMaxBody+1) }, "body"},
			{"a bad date", "contributor-a", func(in *CaseStudyInput) { in.PeriodStart = "2018-02-30" }, "period_start"},
		}
		for _, tc := range cases {
			in := f.input("Case "+tc.name, Public)
			if tc.change != nil {
				tc.change(&in)
			}
			c, err := f.s.CreateCaseStudy(f.as(tc.who), in)
			switch tc.want {
			case "":
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				if c.Revision != 1 || c.OrgName != "Organisation A" || len(c.Places) != 1 || c.ProgramName != "Logan Together" || len(c.Themes) != 1 || c.Themes[0].Name != "Accountability" {
					t.Errorf("%s: saved %+v", tc.name, c)
				}
			case "-":
				if !errors.Is(err, authz.ErrForbidden) {
					t.Errorf("%s: %v, want forbidden", tc.name, err)
				}
			default:
				if ve, ok := valid.As(err); !ok || ve[tc.want] == "" {
					t.Errorf("%s: %v, want a message on %s", tc.name, err, tc.want)
				}
			}
		}
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM case_studies").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d case studies saved, want 2 (refusals change nothing)", n)
		}
	})
}

// TestCaseStudyListFilters and the search index.
func TestCaseStudyListFiltersAndSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		a := f.create(t, "Accountability in Logan", Public)
		in := f.input("Delegation in Papakura", Public)
		in.PlaceIDs, in.ThemeIDs, in.Influence, in.PartnerIDs = []int64{f.places[1]}, []int64{f.themes[1]}, "empower", []int64{f.orgB}
		b, err := f.s.CreateCaseStudy(f.as("contributor-a"), in)
		if err != nil {
			t.Fatal(err)
		}
		hidden := f.create(t, "Members-only accountability", Members)
		titles := func(fl CaseStudyFilter) []string {
			list, err := f.s.CaseStudies(f.as("anonymous"), fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range list {
				out = append(out, c.Title)
			}
			slices.Sort(out)
			return out
		}
		for _, tc := range []struct {
			name string
			f    CaseStudyFilter
			want []string
		}{
			{"all", CaseStudyFilter{}, []string{a.Title, b.Title}},
			{"place", CaseStudyFilter{PlaceID: f.places[1]}, []string{b.Title}},
			{"theme", CaseStudyFilter{ThemeID: f.themes[0]}, []string{a.Title}},
			{"owner", CaseStudyFilter{OrgID: f.orgA}, []string{a.Title, b.Title}},
			{"partner", CaseStudyFilter{OrgID: f.orgB}, []string{b.Title}},
			{"influence", CaseStudyFilter{Influence: "empower"}, []string{b.Title}},
			{"paged", CaseStudyFilter{Paged: true, After: a.ID, Limit: 1}, []string{b.Title}},
		} {
			if got := titles(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		// Search: the public find the public case study by its body; not the members-only one.
		hits, err := search.Search(f.as("anonymous"), d, search.Query{Text: "accountability", Kinds: []string{CaseStudyKind}})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].RecordID != a.ID || hits[0].URL != a.URL() {
			t.Errorf("anonymous search: %+v, want only %d", hits, a.ID)
		}
		shared := f.create(t, "Shared accountability", Community)
		for who, want := range map[string]int{"anonymous": 1, "outsider": 2, "member": 3, "contributor-b": 2, "viewer-a": 3, "site-admin": 3} {
			v, err := f.s.ViewerOf(f.as(who))
			if err != nil {
				t.Fatal(err)
			}
			var comms []int64
			for id := range v.Communities {
				comms = append(comms, id)
			}
			hits, err = search.Search(f.as(who), d, search.Query{Text: "accountability", Kinds: []string{CaseStudyKind}, Communities: comms})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != want {
				t.Errorf("%s finds %d case studies, want %d (public %d, members %d, community %d)", who, len(hits), want, a.ID, hidden.ID, shared.ID)
			}
		}
		// Archived: out of the index.
		if err := f.s.ArchiveCaseStudy(f.as("manager-a"), a.ID, true); err != nil {
			t.Fatal(err)
		}
		hits, _ = search.Search(f.as("anonymous"), d, search.Query{Text: "accountability", Kinds: []string{CaseStudyKind}})
		if len(hits) != 0 {
			t.Errorf("an archived case study is still found: %+v", hits)
		}
	})
}
