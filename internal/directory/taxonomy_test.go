package directory

import (
	"context"
	"errors"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
)

func TestTaxonomy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := tlpAs(authz.System)
		org := tlpOrg(t, s, "Department of Social Services")
		mgrID := tlpUser(t, d, "manager@dss.example")
		mgr := tlpAs(tlpMember(mgrID, org, authz.Manager))
		viewer := tlpAs(tlpMember(tlpUser(t, d, "viewer@dss.example"), org, authz.Viewer))

		// Site admins and managers create tags; viewers and the public may not.
		eng, err := s.CreateTag(admin, TagInput{Scheme: "theme", Name: "Engagement", Description: "Involving citizens."})
		if err != nil {
			t.Fatal(err)
		}
		design, err := s.CreateTag(mgr, TagInput{Scheme: "theme", Name: "Co-design", ParentID: eng.ID})
		if err != nil {
			t.Fatal(err)
		}
		if design.ParentID != eng.ID || design.ParentName != "Engagement" {
			t.Fatalf("child: %+v", design)
		}
		deep, err := s.CreateTag(mgr, TagInput{Scheme: "theme", Name: "Citizen panels", ParentID: design.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateTag(viewer, TagInput{Scheme: "theme", Name: "X"}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("viewer create: %v", err)
		}
		if _, err := s.CreateTag(context.Background(), TagInput{Scheme: "theme", Name: "X"}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("anonymous create: %v", err)
		}

		// Bad input, duplicates within a scheme (not across schemes).
		_, err = s.CreateTag(admin, TagInput{Scheme: "colour", Name: ""})
		tlpWantField(t, err, "scheme")
		tlpWantField(t, err, "name")
		_, err = s.CreateTag(admin, TagInput{Scheme: "theme", Name: "engagement"})
		tlpWantField(t, err, "name")
		if _, err := s.CreateTag(admin, TagInput{Scheme: "policy_area", Name: "Engagement"}); err != nil {
			t.Fatalf("same name in another scheme: %v", err)
		}
		pa, err := s.CreateTag(admin, TagInput{Scheme: "policy_area", Name: "Capacity Building"})
		if err != nil {
			t.Fatal(err)
		}

		// The parent must be in the same scheme, exist, and not make a cycle.
		_, err = s.CreateTag(admin, TagInput{Scheme: "theme", Name: "Wrong scheme", ParentID: pa.ID})
		tlpWantField(t, err, "parent_id")
		_, err = s.CreateTag(admin, TagInput{Scheme: "theme", Name: "No parent", ParentID: 99999})
		tlpWantField(t, err, "parent_id")
		_, err = s.UpdateTag(admin, eng.ID, TagInput{Scheme: "theme", Name: "Engagement", ParentID: deep.ID})
		tlpWantField(t, err, "parent_id")
		_, err = s.UpdateTag(admin, eng.ID, TagInput{Scheme: "theme", Name: "Engagement", ParentID: eng.ID})
		tlpWantField(t, err, "parent_id")
		// A tag with narrower tags keeps its scheme.
		_, err = s.UpdateTag(admin, eng.ID, TagInput{Scheme: "other", Name: "Engagement"})
		tlpWantField(t, err, "scheme")
		// Moving a leaf is fine.
		if moved, err := s.UpdateTag(mgr, deep.ID, TagInput{Scheme: "theme", Name: "Citizen panels", ParentID: eng.ID}); err != nil || moved.ParentID != eng.ID {
			t.Fatalf("move: %v %+v", err, moved)
		}

		// The tree nests them.
		all, err := s.Tags(context.Background(), ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		groups := TagTree(all)
		if len(groups) != 2 || groups[0].Scheme.Value != "theme" || groups[1].Scheme.Value != "policy_area" {
			t.Fatalf("groups: %+v", groups)
		}
		if r := groups[0].Roots; len(r) != 1 || r[0].Tag.ID != eng.ID || len(r[0].Children) != 2 ||
			r[0].Children[0].Tag.Name != "Citizen panels" || r[0].Children[1].Tag.Name != "Co-design" {
			t.Fatalf("theme tree: %+v", r)
		}

		// Searchable; archiving (site admins only) hides a tag from the public and from search.
		hits, err := search.Search(context.Background(), d, search.Query{Text: "co-design", Kinds: []string{"tag"}})
		if err != nil || len(hits) != 1 || hits[0].RecordID != design.ID || hits[0].URL != "/taxonomy/"+id(design.ID) {
			t.Fatalf("search: %v %+v", err, hits)
		}
		if err := s.ArchiveTag(mgr, design.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("manager archive: %v", err)
		}
		if err := s.ArchiveTag(admin, design.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tag(context.Background(), design.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived tag visible to the public: %v", err)
		}
		if _, err := s.Tag(mgr, design.ID); err != nil {
			t.Fatalf("archived tag hidden from a manager: %v", err)
		}
		if hits, _ := search.Search(context.Background(), d, search.Query{Text: "co-design"}); len(hits) != 0 {
			t.Fatalf("archived tag found: %+v", hits)
		}
		// An archived tag is no longer offered as a parent.
		_, err = s.CreateTag(admin, TagInput{Scheme: "theme", Name: "Juries", ParentID: design.ID})
		tlpWantField(t, err, "parent_id")

		tlpWantAudit(t, d, "tag.", map[string]int{"tag.create/success": 5, "tag.create/denied": 2, "tag.update/success": 1,
			"tag.archive/denied": 1, "tag.archive/success": 1})
	})
}

func TestTaggings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := tlpAs(authz.System)
		org := tlpOrg(t, s, "Logan Together")
		other := tlpOrg(t, s, "Empowered Communities")
		a, _ := s.CreateTag(admin, TagInput{Scheme: "theme", Name: "Local planning"})
		b, _ := s.CreateTag(admin, TagInput{Scheme: "policy_area", Name: "Marginalized Communities"})
		c, _ := s.CreateTag(admin, TagInput{Scheme: "sdg", Name: "Goal 10: Reduced inequalities"})
		set := func(ids ...int64) error {
			return d.InTx(admin, func(tx *db.Tx) error { return s.SetTags(admin, tx, "organisation", org, ids) })
		}
		names := func() []string {
			tags, err := s.TagsOf(context.Background(), "organisation", org)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tg := range tags {
				out = append(out, tg.Name)
			}
			return out
		}
		// Set, with a duplicate ignored.
		if err := set(a.ID, b.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if got := names(); len(got) != 2 {
			t.Fatalf("after set: %v", got)
		}
		// Replace.
		if err := set(c.ID); err != nil {
			t.Fatal(err)
		}
		if got := names(); len(got) != 1 || got[0] != c.Name {
			t.Fatalf("after replace: %v", got)
		}
		// An unknown tag is a field error and changes nothing.
		tlpWantField(t, set(c.ID, 424242), "tags")
		if got := names(); len(got) != 1 {
			t.Fatalf("after a failed set: %v", got)
		}
		// An archived tag is kept where it already is, refused where it is new, hidden in TagsOf.
		if err := s.ArchiveTag(admin, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := names(); len(got) != 0 {
			t.Fatalf("archived tag shown: %v", got)
		}
		if err := set(c.ID, a.ID); err != nil {
			t.Fatalf("keeping an archived tag: %v", err)
		}
		err := d.InTx(admin, func(tx *db.Tx) error { return s.SetTags(admin, tx, "organisation", other, []int64{c.ID}) })
		tlpWantField(t, err, "tags")
		// Clear.
		if err := set(); err != nil {
			t.Fatal(err)
		}
		if got := names(); len(got) != 0 {
			t.Fatalf("after clearing: %v", got)
		}

		// The tag's page lists what it tags, leaving out what the visitor may not see.
		if err := set(a.ID); err != nil {
			t.Fatal(err)
		}
		if err := d.InTx(admin, func(tx *db.Tx) error { return s.SetTags(admin, tx, "organisation", other, []int64{a.ID}) }); err != nil {
			t.Fatal(err)
		}
		if err := d.InTx(admin, func(tx *db.Tx) error { return s.SetTags(admin, tx, "unregistered", 7, []int64{a.ID}) }); err != nil {
			t.Fatal(err)
		}
		if err := s.ArchiveOrg(admin, other, true); err != nil {
			t.Fatal(err)
		}
		tagged, err := s.Tagged(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tagged) != 1 || tagged[0].RecordID != org || tagged[0].Title != "Logan Together" || tagged[0].URL != "/organisations/"+id(org) {
			t.Fatalf("tagged, as the public: %+v", tagged)
		}
		if tagged, _ := s.Tagged(admin, a.ID); len(tagged) != 2 {
			t.Fatalf("tagged, as an admin: %+v", tagged)
		}
	})
}
