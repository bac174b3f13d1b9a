package directory

import (
	"context"
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

// spineFixture is two organisations and three nested places.
type spineFixture struct {
	s                 *Service
	orgA, orgB        Organisation
	au, qld, logan    Place
	adminCtx, anonCtx context.Context
}

func newSpineFixture(t *testing.T, d *db.DB) spineFixture {
	t.Helper()
	f := spineFixture{s: NewService(d), adminCtx: spineAs(authz.System), anonCtx: context.Background()}
	var err error
	if f.orgA, err = f.s.CreateOrg(f.adminCtx, OrgInput{Name: "Department of Human Services", ShortName: "DHS", Type: "government_agency"}); err != nil {
		t.Fatal(err)
	}
	if f.orgB, err = f.s.CreateOrg(f.adminCtx, OrgInput{Name: "Logan City Council", Type: "local_government"}); err != nil {
		t.Fatal(err)
	}
	if f.au, err = f.s.CreatePlace(f.adminCtx, PlaceInput{Name: "Australia", Kind: "country"}); err != nil {
		t.Fatal(err)
	}
	if f.qld, err = f.s.CreatePlace(f.adminCtx, PlaceInput{Name: "Queensland", Kind: "state", ParentID: f.au.ID}); err != nil {
		t.Fatal(err)
	}
	if f.logan, err = f.s.CreatePlace(f.adminCtx, PlaceInput{Name: "Logan", Kind: "lga", ParentID: f.qld.ID}); err != nil {
		t.Fatal(err)
	}
	return f
}

func serviceIDs(list []PublicService) []int64 {
	out := make([]int64, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}

func TestServices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSpineFixture(t, d)
		s := f.s
		contribA := spineAs(spineMember(20, f.orgA.ID, authz.Contributor))
		managerA := spineAs(spineMember(21, f.orgA.ID, authz.Manager))
		contribB := spineAs(spineMember(22, f.orgB.ID, authz.Contributor))
		viewerA := spineAs(spineMember(23, f.orgA.ID, authz.Viewer))

		// A contributor of the owner creates; channels are de-duplicated and put in order.
		ps, err := s.CreateService(contribA, ServiceInput{OrgID: f.orgA.ID, Name: "Apply for a payment",
			Channels: []string{"online", "phone", "online"}, PlaceIDs: []int64{f.logan.ID, f.logan.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ps.Channels, []string{"phone", "online"}) || len(ps.Places) != 1 || ps.Places[0].ID != f.logan.ID || ps.OrgName != f.orgA.Name {
			t.Fatalf("created: %+v", ps)
		}

		// Validation: unknown organisation, unknown channel, no channel, unknown place, blank name.
		_, err = s.CreateService(f.adminCtx, ServiceInput{OrgID: 99999, Name: "X", Channels: []string{"online"}})
		spineWantField(t, err, "organisation_id", "from the list")
		_, err = s.CreateService(f.adminCtx, ServiceInput{OrgID: f.orgA.ID, Name: "", Channels: []string{"fax"}, PlaceIDs: []int64{-1}})
		for _, fld := range []string{"name", "channels", "place_ids"} {
			spineWantField(t, err, fld, "")
		}
		_, err = s.CreateService(f.adminCtx, ServiceInput{OrgID: f.orgA.ID, Name: "X"})
		spineWantField(t, err, "channels", "at least one")
		_, err = s.CreateService(f.adminCtx, ServiceInput{OrgID: f.orgA.ID, Name: "X", Channels: []string{"online"}, PlaceIDs: []int64{99999}})
		spineWantField(t, err, "place_ids", "from the list")
		_, err = s.CreateService(f.adminCtx, ServiceInput{OrgID: f.orgA.ID, Name: "apply for a payment", Channels: []string{"online"}})
		spineWantField(t, err, "name", "already has a service")

		// Permissions: anonymous, a viewer, and a contributor of another organisation are refused.
		for _, ctx := range []context.Context{f.anonCtx, viewerA, contribB} {
			if _, err := s.CreateService(ctx, ServiceInput{OrgID: f.orgA.ID, Name: "Y", Channels: []string{"online"}}); !errors.Is(err, authz.ErrForbidden) {
				t.Fatalf("create by %v: %v", authz.From(ctx).Roles, err)
			}
		}
		// Editing needs Manage: the contributor is refused, the manager allowed; moving the
		// service to an organisation the manager does not manage is refused.
		edit := ServiceInput{OrgID: f.orgA.ID, Name: "Apply for a payment", Description: "Online, by phone or in person.",
			Channels: []string{"in_person"}, PlaceIDs: []int64{f.au.ID, f.qld.ID}}
		if _, err := s.UpdateService(contribA, ps.ID, edit); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("contributor editing: %v", err)
		}
		moved := edit
		moved.OrgID = f.orgB.ID
		if _, err := s.UpdateService(managerA, ps.ID, moved); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("manager moving the service away: %v", err)
		}
		// The manager's edit replaces the channels and the places.
		ps, err = s.UpdateService(managerA, ps.ID, edit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.PublicService(f.anonCtx, ps.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Channels, []string{"in_person"}) || !slices.Equal(placeRefIDs(got.Places), []int64{f.au.ID, f.qld.ID}) {
			t.Fatalf("after edit: channels %v places %+v", got.Channels, got.Places)
		}

		// Filters: channel, owner, place (with the places within it), text.
		other, err := s.CreateService(f.adminCtx, ServiceInput{OrgID: f.orgB.ID, Name: "Library services", Channels: []string{"in_person", "online"}, PlaceIDs: []int64{f.logan.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f    ListFilter
			want []int64
		}{
			{ListFilter{Type: "online"}, []int64{other.ID}},
			{ListFilter{Type: "in_person"}, []int64{ps.ID, other.ID}},
			{ListFilter{OrgID: f.orgA.ID}, []int64{ps.ID}},
			{ListFilter{PlaceID: f.au.ID}, []int64{ps.ID, other.ID}},
			{ListFilter{PlaceID: f.logan.ID}, []int64{other.ID}},
			{ListFilter{Text: "PAYMENT"}, []int64{ps.ID}},
		} {
			list, err := s.Services(f.anonCtx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(serviceIDs(list), c.want) {
				t.Errorf("filter %+v: got %v, want %v", c.f, serviceIDs(list), c.want)
			}
		}

		// Search finds the service by its place and its organisation; renaming the place
		// carries into the service's document.
		if hits := spineSearch(t, f.anonCtx, d, "queensland", "service"); !slices.Contains(hits, "service:"+id(ps.ID)) {
			t.Fatalf("search by place: %v", hits)
		}
		if hits := spineSearch(t, f.anonCtx, d, "human services payment", "service"); !slices.Contains(hits, "service:"+id(ps.ID)) {
			t.Fatalf("search by organisation: %v", hits)
		}
		if _, err := s.UpdatePlace(f.adminCtx, f.qld.ID, PlaceInput{Name: "Sunshine State", Kind: "state", ParentID: f.au.ID}); err != nil {
			t.Fatal(err)
		}
		if hits := spineSearch(t, f.anonCtx, d, "sunshine", "service"); !slices.Contains(hits, "service:"+id(ps.ID)) {
			t.Fatalf("search after renaming the place: %v", hits)
		}

		// Archiving: the contributor may not; the manager may. Archived services are hidden
		// from the public and from other organisations, not from the owner's members.
		if err := s.ArchiveService(contribA, ps.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("contributor archiving: %v", err)
		}
		if err := s.ArchiveService(managerA, ps.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublicService(f.anonCtx, ps.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived service visible to the public: %v", err)
		}
		if _, err := s.PublicService(contribB, ps.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived service visible to another organisation: %v", err)
		}
		if _, err := s.PublicService(viewerA, ps.ID); err != nil {
			t.Fatalf("archived service hidden from the owner's viewer: %v", err)
		}
		if list, _ := s.Services(f.anonCtx, ListFilter{OrgID: f.orgA.ID, Archived: true}); len(list) != 0 {
			t.Fatalf("archived service listed for the public: %v", serviceIDs(list))
		}
		if list, _ := s.Services(viewerA, ListFilter{OrgID: f.orgA.ID, Archived: true}); !slices.Equal(serviceIDs(list), []int64{ps.ID}) {
			t.Fatalf("archived service not listed for the owner's members: %v", serviceIDs(list))
		}
		if hits := spineSearch(t, f.anonCtx, d, "payment", "service"); slices.Contains(hits, "service:"+id(ps.ID)) {
			t.Fatalf("archived service found by the public: %v", hits)
		}
		if hits := spineSearch(t, viewerA, d, "payment", "service"); !slices.Contains(hits, "service:"+id(ps.ID)) {
			t.Fatalf("archived service not found by the owner's members: %v", hits)
		}

		spineWantAudit(t, spineAuditCounts(t, d, "service."), map[string]int{
			"service.create/success": 2, "service.create/denied": 3, "service.update/success": 1, "service.update/denied": 2,
			"service.archive/success": 1, "service.archive/denied": 1,
		})
	})
}

func TestServiceFormHTTP(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newSpineFixture(t, d)
	h := spineHarness(t, d, spineMember(30, f.orgA.ID, authz.Manager))

	// No channel: 422, with the message beside the field and what was typed or chosen kept.
	code, body := spinePost(t, h, "/services", url.Values{"organisation_id": {id(f.orgA.ID)}, "name": {"Apply for a payment"}, "place_ids": {id(f.logan.ID)}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", code)
	}
	for _, want := range []string{`id="f-channels-error"`, "Choose at least one way people can use this service.", `value="Apply for a payment"`,
		`<option value="` + id(f.logan.ID) + `" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the re-rendered form lacks %q", want)
		}
	}
	// A good one: redirect, then the page lists the channels and places, and the organisation
	// page lists the service.
	code, _ = spinePost(t, h, "/services", url.Values{"organisation_id": {id(f.orgA.ID)}, "name": {"Apply for a payment"},
		"channels": {"online", "phone"}, "place_ids": {id(f.logan.ID), id(f.qld.ID)}})
	if code != http.StatusSeeOther {
		t.Fatalf("create: status %d", code)
	}
	list, err := f.s.Services(f.anonCtx, ListFilter{OrgID: f.orgA.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", err, list)
	}
	code, body = spineGet(t, h, "/services/"+id(list[0].ID))
	if code != http.StatusOK || !strings.Contains(body, "Phone, Online") || !strings.Contains(body, ">Logan</a>") {
		t.Fatalf("service page: status %d", code)
	}
	code, body = spineGet(t, h, "/organisations/"+id(f.orgA.ID))
	if code != http.StatusOK || !strings.Contains(body, `href="/services/`+id(list[0].ID)+`"`) {
		t.Fatalf("organisation page does not list the service: status %d", code)
	}
	// A contributor of another organisation cannot post a service for this one.
	hb := spineHarness(t, d, spineMember(31, f.orgB.ID, authz.Contributor))
	if code, _ := spinePost(t, hb, "/services", url.Values{"organisation_id": {id(f.orgA.ID)}, "name": {"Z"}, "channels": {"online"}}); code != http.StatusForbidden {
		t.Fatalf("other organisation's contributor: status %d", code)
	}
}
