package directory

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

func TestLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := tlpAs(authz.System)
		pmc := tlpOrg(t, s, "Department of the Prime Minister and Cabinet")
		logan := tlpOrg(t, s, "Logan Together")
		health := tlpOrg(t, s, "Department of Health")
		tag, err := s.CreateTag(admin, TagInput{Scheme: "theme", Name: "Local planning"})
		if err != nil {
			t.Fatal(err)
		}
		cPMC := tlpUser(t, d, "contributor@pmc.example")
		contribPMC := tlpAs(tlpMember(cPMC, pmc, authz.Contributor))
		contribLogan := tlpAs(tlpMember(tlpUser(t, d, "contributor@logan.example"), logan, authz.Contributor))
		mgrLogan := tlpAs(tlpMember(tlpUser(t, d, "manager@logan.example"), logan, authz.Manager))
		viewerPMC := tlpAs(tlpMember(tlpUser(t, d, "viewer@pmc.example"), pmc, authz.Viewer))

		// A contributor of the "from" record's organisation links it.
		l, err := s.CreateLink(contribPMC, LinkInput{FromKind: "organisation", FromID: pmc, Relation: "learned_from", ToKind: "organisation", ToID: logan, Note: " AU0019 "})
		if err != nil {
			t.Fatal(err)
		}
		if l.CreatedBy != cPMC || l.Note != "AU0019" || l.ToTitle != "Logan Together" || l.RelationLabel != "Learned from" {
			t.Fatalf("link: %+v", l)
		}

		// Validation: unknown kinds and relations, missing targets, self-links, duplicates.
		base := LinkInput{FromKind: "organisation", FromID: pmc, Relation: "related_to", ToKind: "organisation", ToID: health}
		for _, c := range []struct {
			field  string
			change func(*LinkInput)
		}{
			{"from_kind", func(in *LinkInput) { in.FromKind = "planet" }},
			{"to_kind", func(in *LinkInput) { in.ToKind = "planet" }},
			{"relation", func(in *LinkInput) { in.Relation = "loves" }},
			{"to_id", func(in *LinkInput) { in.ToID = 999999 }},
			{"to_id", func(in *LinkInput) { in.ToKind = "program"; in.ToID = 1 }},
			{"to_id", func(in *LinkInput) { in.ToID = pmc }},
			{"to_id", func(in *LinkInput) { in.Relation = "learned_from"; in.ToID = logan }},
			{"note", func(in *LinkInput) { in.Note = strings.Repeat("x", 1001) }},
			{"from_id", func(in *LinkInput) { in.FromID = 999999 }},
		} {
			in := base
			c.change(&in)
			_, err := s.CreateLink(contribPMC, in)
			tlpWantField(t, err, c.field)
		}

		// Permissions: another organisation's contributor, a viewer and the public may not link
		// from PM&C; from a shared record (a tag) managers may, contributors may not.
		for name, ctx := range map[string]context.Context{"other org": contribLogan, "viewer": viewerPMC, "anonymous": context.Background()} {
			if _, err := s.CreateLink(ctx, base); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s: %v", name, err)
			}
		}
		fromTag := LinkInput{FromKind: "tag", FromID: tag.ID, Relation: "related_to", ToKind: "organisation", ToID: pmc}
		if _, err := s.CreateLink(contribPMC, fromTag); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("contributor from a shared record: %v", err)
		}
		tagLink, err := s.CreateLink(mgrLogan, fromTag)
		if err != nil {
			t.Fatalf("manager from a shared record: %v", err)
		}
		if !s.CanLinkFrom(contribPMC, "organisation", pmc) || s.CanLinkFrom(contribPMC, "organisation", logan) || s.CanLinkFrom(context.Background(), "organisation", pmc) {
			t.Fatal("CanLinkFrom")
		}

		// Both ways, with the inverse wording; who made it is hidden from the public.
		set, err := s.LinksOf(context.Background(), "organisation", pmc)
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Outgoing) != 1 || set.Outgoing[0].ToID != logan || len(set.Incoming) != 1 || set.Incoming[0].FromTitle != "Local planning" ||
			set.Incoming[0].InverseLabel != "Related to" || set.Outgoing[0].CreatedBy != 0 || set.Outgoing[0].CanDelete {
			t.Fatalf("links of PM&C: %+v", set)
		}
		set, err = s.LinksOf(contribLogan, "organisation", logan)
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Incoming) != 1 || set.Incoming[0].InverseLabel != "Lessons taken up by" || set.Incoming[0].FromURL != "/organisations/"+id(pmc) || set.Incoming[0].CanDelete {
			t.Fatalf("links of Logan Together: %+v", set)
		}
		if _, err := s.LinksOf(context.Background(), "planet", 1); err == nil {
			t.Fatal("links of an unknown kind")
		}
		// An archived record drops out of the public's view.
		if err := s.ArchiveOrg(admin, logan, true); err != nil {
			t.Fatal(err)
		}
		if set, _ := s.LinksOf(context.Background(), "organisation", pmc); len(set.Outgoing) != 0 {
			t.Fatalf("link to an archived record shown to the public: %+v", set.Outgoing)
		}
		if set, _ := s.LinksOf(admin, "organisation", pmc); len(set.Outgoing) != 1 {
			t.Fatalf("link to an archived record hidden from an admin: %+v", set.Outgoing)
		}
		if _, err := s.LinksOf(context.Background(), "organisation", logan); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("links of an archived record: %v", err)
		}
		if err := s.ArchiveOrg(admin, logan, false); err != nil {
			t.Fatal(err)
		}

		// Capabilities register their own kinds.
		commitments := map[int64]string{1: "Improve Public Service Practice"}
		s.RegisterKind("commitment", "Commitment", func(ctx context.Context, q db.Q, cid int64) (LinkRecord, error) {
			name, ok := commitments[cid]
			if !ok {
				return LinkRecord{}, db.ErrNotFound
			}
			return LinkRecord{Title: name, URL: "/commitments/" + id(cid), Visible: true, Owners: []int64{pmc}}, nil
		})
		kinds := values(s.LinkKinds())
		if !slices.Equal(kinds, []string{"organisation", "place", "service", "program", "tag", "commitment"}) {
			t.Fatalf("kinds: %v", kinds)
		}
		cl, err := s.CreateLink(contribPMC, LinkInput{FromKind: "commitment", FromID: 1, Relation: "learned_from", ToKind: "organisation", ToID: logan})
		if err != nil || cl.FromTitle != "Improve Public Service Practice" || cl.FromURL != "/commitments/1" {
			t.Fatalf("link from a registered kind: %v %+v", err, cl)
		}
		_, err = s.CreateLink(contribPMC, LinkInput{FromKind: "organisation", FromID: pmc, Relation: "implements", ToKind: "commitment", ToID: 2})
		tlpWantField(t, err, "to_id")
		if _, err := s.CreateLink(contribLogan, LinkInput{FromKind: "commitment", FromID: 1, Relation: "related_to", ToKind: "tag", ToID: tag.ID}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation linking from a commitment: %v", err)
		}

		// Finding the target by name.
		if n, err := s.FindRecord(admin, "organisation", "logan"); err != nil || n != logan {
			t.Fatalf("find by name: %v %d", err, n)
		}
		if n, err := s.FindRecord(admin, "organisation", "department of health"); err != nil || n != health {
			t.Fatalf("find by exact name: %v %d", err, n)
		}
		if n, err := s.FindRecord(admin, "organisation", "#12"); err != nil || n != 12 {
			t.Fatalf("find by ID: %v %d", err, n)
		}
		_, err = s.FindRecord(admin, "organisation", "department")
		tlpWantField(t, err, "to_id")
		_, err = s.FindRecord(admin, "organisation", "zebra")
		tlpWantField(t, err, "to_id")

		// Deleting: the same people as may create, and site admins.
		if _, err := s.DeleteLink(contribLogan, l.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation deleting: %v", err)
		}
		if _, err := s.DeleteLink(contribPMC, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteLink(admin, tagLink.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteLink(admin, l.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
		tlpWantAudit(t, d, "link.", map[string]int{"link.create/success": 3, "link.create/denied": 5, "link.delete/success": 2, "link.delete/denied": 1})
	})
}

func TestLinksHTTP(t *testing.T) {
	d := dbtest.SQLite(t)
	s := NewService(d)
	pmc := tlpOrg(t, s, "Department of the Prime Minister and Cabinet")
	logan := tlpOrg(t, s, "Logan Together")
	uid := tlpUser(t, d, "contributor@pmc.example")
	h := tlpHarness(t, d, tlpMember(uid, pmc, authz.Contributor))
	orgURL := "/organisations/" + id(pmc)

	// The organisation page offers the form to those allowed.
	code, body := tlpGet(t, h, orgURL)
	if code != http.StatusOK || !strings.Contains(body, "Add a link") || !strings.Contains(body, `name="to_id"`) {
		t.Fatalf("organisation page: %d", code)
	}
	// Target by name; back to the organisation page.
	code, loc := tlpPost(t, h, "/links", url.Values{"from_kind": {"organisation"}, "from_id": {id(pmc)}, "relation": {"learned_from"},
		"to_kind": {"organisation"}, "to_id": {"Logan"}, "back": {orgURL}})
	if code != http.StatusSeeOther || loc != orgURL {
		t.Fatalf("create: %d %q", code, loc)
	}
	// An error re-renders the form with the message and what was typed.
	code, body = tlpPost(t, h, "/links", url.Values{"from_kind": {"organisation"}, "from_id": {id(pmc)}, "relation": {"learned_from"},
		"to_kind": {"organisation"}, "to_id": {id(pmc)}, "note": {"typed"}, "back": {"//evil.example"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "cannot link to itself") || !strings.Contains(body, ">typed</textarea>") ||
		strings.Contains(body, "evil.example") {
		t.Fatalf("invalid: %d", code)
	}
	// The public sees the link both ways, without the form.
	pub := tlpHarness(t, d, authz.Anonymous)
	_, body = tlpGet(t, pub, orgURL)
	if !strings.Contains(body, "Learned from") || !strings.Contains(body, "Logan Together") || strings.Contains(body, "Add a link") {
		t.Fatal("public organisation page lacks the link, or offers the form")
	}
	_, body = tlpGet(t, pub, "/organisations/"+id(logan))
	if !strings.Contains(body, "Lessons taken up by") {
		t.Fatal("the linked organisation does not show the inverse link")
	}
	code, body = tlpGet(t, pub, "/api/v1/links?kind=organisation&id="+id(logan))
	var set LinkSet
	if code != http.StatusOK || json.Unmarshal([]byte(body), &set) != nil || len(set.Incoming) != 1 || len(set.Outgoing) != 0 {
		t.Fatalf("API: %d %s", code, body)
	}
	if code, _ := tlpGet(t, pub, "/api/v1/links?kind=organisation"); code != http.StatusBadRequest {
		t.Fatalf("API without an id: %d", code)
	}
	// Delete through the page; the public may not.
	if code, _ := tlpPost(t, pub, "/links/"+id(set.Incoming[0].ID)+"/delete", nil); code != http.StatusForbidden {
		t.Fatalf("anonymous delete: %d", code)
	}
	code, loc = tlpPost(t, h, "/links/"+id(set.Incoming[0].ID)+"/delete", url.Values{"back": {orgURL}})
	if code != http.StatusSeeOther || loc != orgURL {
		t.Fatalf("delete: %d %q", code, loc)
	}
}
