package directory

import (
	"context"
	"errors"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func TestOrganisations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := authz.With(context.Background(), authz.System)
		o, err := s.CreateOrg(admin, OrgInput{Name: "Department of Social Services", ShortName: "DSS", Type: "government_agency"})
		if err != nil {
			t.Fatal(err)
		}
		// A duplicate name is a field error and changes nothing.
		_, err = s.CreateOrg(admin, OrgInput{Name: "department of social services", Type: "government_agency"})
		if ve, ok := valid.As(err); !ok || ve["name"] == "" {
			t.Fatalf("duplicate: want a name error, got %v", err)
		}
		// Bad input: every field named.
		_, err = s.CreateOrg(admin, OrgInput{Name: "", Type: "bank", Website: "ftp://x"})
		ve, _ := valid.As(err)
		for _, f := range []string{"name", "type", "website"} {
			if ve[f] == "" {
				t.Errorf("want an error on %s, got %v", f, err)
			}
		}
		// Anonymous may not create; the refusal is audited.
		_, err = s.CreateOrg(context.Background(), OrgInput{Name: "X", Type: "other"})
		if !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("anonymous create: %v", err)
		}
		// A manager may edit their organisation, not another.
		mgr := authz.With(context.Background(), authz.Principal{UserID: 99, Roles: map[int64]authz.Role{o.ID: authz.Manager}})
		if _, err := s.UpdateOrg(mgr, o.ID, OrgInput{Name: "Department of Social Services", ShortName: "DSS", Type: "government_agency", Jurisdiction: "Commonwealth"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateOrg(mgr, o.ID+1000, OrgInput{Name: "Y", Type: "other"}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("manager editing another organisation: %v", err)
		}
		// A cycle is refused.
		child, err := s.CreateOrg(admin, OrgInput{Name: "Families Group", Type: "government_agency", ParentID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateOrg(admin, o.ID, OrgInput{Name: "Department of Social Services", Type: "government_agency", ParentID: child.ID})
		if ve, ok := valid.As(err); !ok || ve["parent_id"] == "" {
			t.Fatalf("cycle: %v", err)
		}
		// Search finds it; archiving hides it from the public.
		hits, err := search.Search(context.Background(), d, search.Query{Text: "social serv"})
		if err != nil || len(hits) != 2 || hits[0].RecordID != o.ID {
			t.Fatalf("search: %v %+v", err, hits)
		}
		if err := s.ArchiveOrg(admin, child.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Org(context.Background(), child.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived org visible to the public: %v", err)
		}
		// Audit: create, update, denied create, archive.
		rows, err := audit.List(context.Background(), d, audit.Filter{Action: "organisation."})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.Action+"/"+r.Outcome]++
		}
		want := map[string]int{"organisation.create/success": 2, "organisation.create/denied": 1, "organisation.update/success": 1,
			"organisation.update/denied": 1, "organisation.archive/success": 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("audit %s: got %d, want %d (all: %v)", k, got[k], n, got)
			}
		}
		// The audit log is append-only.
		if _, err := d.Exec(context.Background(), "DELETE FROM audit_log"); err == nil {
			t.Fatal("audit rows could be deleted")
		}
	})
}

// TestOrgRenameReindexes: a service's search document names its organisation, so renaming
// the organisation must rewrite it.
func TestOrgRenameReindexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := authz.With(context.Background(), authz.System)
		o, err := s.CreateOrg(admin, OrgInput{Name: "Department of Human Services", Type: "government_agency"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateService(admin, ServiceInput{OrgID: o.ID, Name: "Apply for a payment", Channels: []string{"online"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateOrg(admin, o.ID, OrgInput{Name: "Services Australia", Type: "government_agency"}); err != nil {
			t.Fatal(err)
		}
		hits, err := search.Search(context.Background(), d, search.Query{Text: "services australia payment", Kinds: []string{"service"}})
		if err != nil || len(hits) != 1 {
			t.Fatalf("service not found under its organisation's new name: %v %+v", err, hits)
		}
	})
}
