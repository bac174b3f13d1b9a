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

func programIDs(list []Program) []int64 {
	out := make([]int64, len(list))
	for i, p := range list {
		out[i] = p.ID
	}
	return out
}

func TestPrograms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSpineFixture(t, d)
		s := f.s
		third, err := s.CreateOrg(f.adminCtx, OrgInput{Name: "Department of Social Services", ShortName: "DSS", Type: "government_agency"})
		if err != nil {
			t.Fatal(err)
		}
		contribA := spineAs(spineMember(40, f.orgA.ID, authz.Contributor))
		managerA := spineAs(spineMember(41, f.orgA.ID, authz.Manager))
		contribB := spineAs(spineMember(42, f.orgB.ID, authz.Contributor))
		viewerB := spineAs(spineMember(43, f.orgB.ID, authz.Viewer))

		// A contributor of the lead organisation starts a program; the lead is dropped from the
		// partners and repeats are dropped.
		prog, err := s.CreateProgram(contribA, ProgramInput{Name: "Logan Together", LeadOrgID: f.orgA.ID,
			PartnerIDs: []int64{f.orgB.ID, f.orgA.ID, f.orgB.ID}, PlaceIDs: []int64{f.logan.ID},
			StartDate: "2015-07-01", EndDate: "2025-06-30", Website: "https://logantogether.org.au"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(prog.PartnerIDs(), []int64{f.orgB.ID}) || !slices.Equal(placeRefIDs(prog.Places), []int64{f.logan.ID}) ||
			prog.StartDate != "2015-07-01" || prog.EndDate != "2025-06-30" || prog.Period() != "1 Jul 2015 to 30 Jun 2025" {
			t.Fatalf("created: %+v", prog)
		}

		// Validation: the end before the start, a malformed date, an unknown lead, an unknown
		// partner, a bad website, a duplicate name.
		_, err = s.CreateProgram(f.adminCtx, ProgramInput{Name: "P", LeadOrgID: f.orgA.ID, StartDate: "2020-01-01", EndDate: "2019-12-31"})
		spineWantField(t, err, "end_date", "before the start")
		_, err = s.CreateProgram(f.adminCtx, ProgramInput{Name: "P", LeadOrgID: f.orgA.ID, StartDate: "1 July 2015", Website: "logan.example"})
		spineWantField(t, err, "start_date", "YYYY-MM-DD")
		spineWantField(t, err, "website", "https://")
		_, err = s.CreateProgram(f.adminCtx, ProgramInput{Name: "P", LeadOrgID: 99999})
		spineWantField(t, err, "lead_organisation_id", "from the list")
		_, err = s.CreateProgram(f.adminCtx, ProgramInput{Name: "P", LeadOrgID: f.orgA.ID, PartnerIDs: []int64{99999}})
		spineWantField(t, err, "partner_ids", "from the list")
		_, err = s.CreateProgram(f.adminCtx, ProgramInput{Name: "LOGAN TOGETHER", LeadOrgID: f.orgA.ID})
		spineWantField(t, err, "name", "already exists")

		// Permissions: anonymous and a contributor of another organisation may not start a
		// program led by A; a contributor of A may not edit or archive it, a manager of A may.
		for _, ctx := range []context.Context{f.anonCtx, contribB} {
			if _, err := s.CreateProgram(ctx, ProgramInput{Name: "Q", LeadOrgID: f.orgA.ID}); !errors.Is(err, authz.ErrForbidden) {
				t.Fatalf("create by %v: %v", authz.From(ctx).Roles, err)
			}
		}
		edit := ProgramInput{Name: "Logan Together", LeadOrgID: f.orgA.ID, PartnerIDs: []int64{third.ID},
			PlaceIDs: []int64{f.logan.ID, f.qld.ID}, StartDate: "2015-07-01"}
		if _, err := s.UpdateProgram(contribA, prog.ID, edit); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("contributor editing: %v", err)
		}
		if _, err := s.UpdateProgram(contribB, prog.ID, edit); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("partner's contributor editing: %v", err)
		}
		// Edit replaces the partners and places, and clears the end date.
		if _, err := s.UpdateProgram(managerA, prog.ID, edit); err != nil {
			t.Fatal(err)
		}
		got, err := s.Program(f.anonCtx, prog.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.PartnerIDs(), []int64{third.ID}) || !slices.Equal(placeRefIDs(got.Places), []int64{f.logan.ID, f.qld.ID}) ||
			got.EndDate != "" || got.Period() != "From 1 Jul 2015" {
			t.Fatalf("after edit: %+v", got)
		}
		// The edit's end before its start is refused and changes nothing.
		bad := edit
		bad.EndDate = "2010-01-01"
		_, err = s.UpdateProgram(managerA, prog.ID, bad)
		spineWantField(t, err, "end_date", "before the start")

		// Filters: organisation as lead or partner, place with the places within it, text.
		other, err := s.CreateProgram(f.adminCtx, ProgramInput{Name: "City Deals", LeadOrgID: f.orgB.ID, PartnerIDs: []int64{f.orgA.ID}, PlaceIDs: []int64{f.au.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f    ListFilter
			want []int64
		}{
			{ListFilter{OrgID: f.orgA.ID}, []int64{other.ID, prog.ID}},
			{ListFilter{OrgID: third.ID}, []int64{prog.ID}},
			{ListFilter{OrgID: f.orgB.ID}, []int64{other.ID}},
			{ListFilter{PlaceID: f.au.ID}, []int64{other.ID, prog.ID}},
			{ListFilter{PlaceID: f.logan.ID}, []int64{prog.ID}},
			{ListFilter{Text: "deals"}, []int64{other.ID}},
		} {
			list, err := s.Programs(f.anonCtx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(programIDs(list), c.want) {
				t.Errorf("filter %+v: got %v, want %v", c.f, programIDs(list), c.want)
			}
		}

		// A search for Logan finds the program and the place; a search for a partner finds it.
		hits := spineSearch(t, f.anonCtx, d, "Logan")
		if !slices.Contains(hits, "program:"+id(prog.ID)) || !slices.Contains(hits, "place:"+id(f.logan.ID)) {
			t.Fatalf("search logan: %v", hits)
		}
		if hits := spineSearch(t, f.anonCtx, d, "social services", "program"); !slices.Contains(hits, "program:"+id(prog.ID)) {
			t.Fatalf("search by partner: %v", hits)
		}

		// Archive: hidden from the public and from organisations with no part in it.
		if err := s.ArchiveProgram(contribA, prog.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("contributor archiving: %v", err)
		}
		if err := s.ArchiveProgram(managerA, prog.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Program(f.anonCtx, prog.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived program visible to the public: %v", err)
		}
		if _, err := s.Program(viewerB, prog.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived program visible to an organisation with no part in it: %v", err)
		}
		if _, err := s.Program(spineAs(spineMember(44, third.ID, authz.Viewer)), prog.ID); err != nil {
			t.Fatalf("archived program hidden from a partner: %v", err)
		}
		if list, _ := s.Programs(f.anonCtx, ListFilter{Text: "logan"}); len(list) != 0 {
			t.Fatalf("archived program listed for the public: %v", programIDs(list))
		}
		if hits := spineSearch(t, f.anonCtx, d, "Logan Together", "program"); slices.Contains(hits, "program:"+id(prog.ID)) {
			t.Fatalf("archived program found by the public: %v", hits)
		}
		if err := s.ArchiveProgram(managerA, prog.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Program(f.anonCtx, prog.ID); err != nil {
			t.Fatalf("restored program: %v", err)
		}

		spineWantAudit(t, spineAuditCounts(t, d, "program."), map[string]int{
			"program.create/success": 2, "program.create/denied": 2, "program.update/success": 1, "program.update/denied": 2,
			"program.archive/success": 1, "program.archive/denied": 1, "program.restore/success": 1,
		})
	})
}

func TestProgramFormHTTP(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newSpineFixture(t, d)
	h := spineHarness(t, d, spineMember(50, f.orgA.ID, authz.Manager))

	// The end before the start: 422, the message beside the end date, the dates kept.
	form := url.Values{"name": {"Logan Together"}, "lead_organisation_id": {id(f.orgA.ID)}, "partner_ids": {id(f.orgB.ID)},
		"place_ids": {id(f.logan.ID)}, "start_date": {"2020-01-01"}, "end_date": {"2019-01-01"}}
	code, body := spinePost(t, h, "/programs", form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", code)
	}
	for _, want := range []string{`id="f-end_date-error"`, "is before the start", `value="2019-01-01"`, `value="2020-01-01"`, `href="#f-end_date"`,
		`<option value="` + id(f.orgB.ID) + `" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the re-rendered form lacks %q", want)
		}
	}
	// Fixed, it is created; the lead's and the partner's pages list it with their role.
	form.Set("end_date", "2025-06-30")
	if code, _ := spinePost(t, h, "/programs", form); code != http.StatusSeeOther {
		t.Fatalf("create: status %d", code)
	}
	code, body = spineGet(t, h, "/organisations/"+id(f.orgB.ID))
	if code != http.StatusOK || !strings.Contains(body, ">Logan Together</a>") || !strings.Contains(body, "<td>Partner</td>") {
		t.Fatalf("partner's organisation page: status %d", code)
	}
	code, body = spineGet(t, h, "/places/"+id(f.qld.ID))
	if code != http.StatusOK || !strings.Contains(body, ">Logan Together</a>") {
		t.Fatalf("the page of a place containing the program's place does not list it: status %d", code)
	}
	// A program across the whole country shows on Logan's page as working across a wider area.
	if _, err := f.s.CreateProgram(f.adminCtx, ProgramInput{Name: "City Deals", LeadOrgID: f.orgB.ID, PlaceIDs: []int64{f.au.ID}}); err != nil {
		t.Fatal(err)
	}
	code, body = spineGet(t, h, "/places/"+id(f.logan.ID))
	wider := strings.Index(body, "across a wider area that includes Logan")
	if code != http.StatusOK || wider < 0 || !strings.Contains(body[wider:], ">City Deals</a>") {
		t.Fatalf("Logan's page does not list the national program as wider: status %d", code)
	}
}
