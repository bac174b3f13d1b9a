package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Service holds the directory's rules: who may see and change what, one transaction per
// change, each change audited and indexed for search.
type Service struct {
	DB    *db.DB
	Store Store
	kinds kindRegistry // the kinds of record links and taggings name: links.go
}

// NewService builds the service.
func NewService(d *db.DB) *Service { return &Service{DB: d} }

// RoleSource is the auth.RoleSource backed by memberships.
func (s *Service) RoleSource(ctx context.Context, userID int64) (map[int64]authz.Role, error) {
	return s.Store.Roles(ctx, s.DB, userID)
}

// canSeeArchived: archived records are hidden from the public; members of the owning
// organisation and site admins still see them.
func canSeeArchived(p authz.Principal, org int64) bool { return p.Can(authz.Read, org) }

// Org returns an organisation the principal may see.
func (s *Service) Org(ctx context.Context, id int64) (Organisation, error) {
	o, err := s.Store.Org(ctx, s.DB, id)
	if err != nil {
		return o, err
	}
	if o.Archived && !canSeeArchived(authz.From(ctx), o.ID) {
		return Organisation{}, db.ErrNotFound
	}
	return o, nil
}

// Orgs lists organisations; archived ones only for site admins who ask for them.
func (s *Service) Orgs(ctx context.Context, f ListFilter) ([]Organisation, error) {
	if f.Archived && !authz.From(ctx).SiteAdmin {
		f.Archived = false
	}
	return s.Store.Orgs(ctx, s.DB, f)
}

// CanCreateOrg reports whether the principal may create an organisation (site admins, and
// organisation admins for divisions under their organisation).
func CanCreateOrg(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Administer) }

func orgDoc(o Organisation) search.Doc {
	body := strings.Join([]string{o.ShortName, o.TypeLabel(), o.Jurisdiction, o.ParentName, o.Description}, " ")
	return search.Doc{Kind: "organisation", RecordID: o.ID, Title: o.Name, Body: body, URL: fmt.Sprintf("/organisations/%d", o.ID), Public: !o.Archived, OrgID: o.ID}
}

func (s *Service) checkOrgParent(ctx context.Context, q db.Q, p authz.Principal, self int64, in OrgInput) error {
	if in.ParentID == 0 {
		if !p.SiteAdmin && self == 0 {
			return valid.Errors{"parent_id": "Choose the organisation this one belongs to: only site administrators create top-level organisations."}
		}
		return nil
	}
	parent, err := s.Store.Org(ctx, q, in.ParentID)
	if err != nil {
		return valid.Errors{"parent_id": "Choose a parent organisation from the list."}
	}
	if !p.Can(authz.Administer, parent.ID) {
		return valid.Errors{"parent_id": "Choose an organisation you administer as the parent."}
	}
	if self != 0 {
		cyc, err := s.Store.IsAncestorOrg(ctx, q, self, in.ParentID)
		if err != nil {
			return err
		}
		if cyc {
			return valid.Errors{"parent_id": "An organisation cannot sit under itself or one of its own divisions."}
		}
	}
	return nil
}

// CreateOrg creates an organisation.
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (Organisation, error) {
	p := authz.From(ctx)
	if !CanCreateOrg(p) {
		return Organisation{}, audit.Deny(ctx, s.DB, "organisation.create", "organisation", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Organisation{}, err
	}
	var o Organisation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkOrgParent(ctx, tx, p, 0, in); err != nil {
			return err
		}
		id, err := s.Store.InsertOrg(ctx, tx, in)
		if err != nil {
			return conflict(err, "name", "An organisation with this name already exists.")
		}
		if o, err = s.Store.Org(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, orgDoc(o)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organisation.create", TargetKind: "organisation", TargetID: id, Target: o.Name})
	})
	return o, err
}

// UpdateOrg edits an organisation (its managers and admins, and site admins).
func (s *Service) UpdateOrg(ctx context.Context, id int64, in OrgInput) (Organisation, error) {
	p := authz.From(ctx)
	if !p.Can(authz.Manage, id) {
		return Organisation{}, audit.Deny(ctx, s.DB, "organisation.update", "organisation", id)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Organisation{}, err
	}
	var o Organisation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.Store.Org(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.ParentID != old.ParentID {
			if err := s.checkOrgParent(ctx, tx, p, id, in); err != nil {
				return err
			}
		}
		if err := s.Store.UpdateOrg(ctx, tx, id, in); err != nil {
			return conflict(err, "name", "An organisation with this name already exists.")
		}
		if o, err = s.Store.Org(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, orgDoc(o)); err != nil {
			return err
		}
		if o.Name != old.Name || o.ShortName != old.ShortName {
			if err := s.reindexOrgRecords(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organisation.update", TargetKind: "organisation", TargetID: id, Target: o.Name, Detail: changed(orgFields(old), orgFields(o))})
	})
	return o, err
}

// ArchiveOrg archives (or restores) an organisation: its admins and site admins.
func (s *Service) ArchiveOrg(ctx context.Context, id int64, archive bool) error {
	p := authz.From(ctx)
	action := archiveAction("organisation", archive)
	if !p.Can(authz.Administer, id) {
		return audit.Deny(ctx, s.DB, action, "organisation", id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetArchived(ctx, tx, "organisations", id, archive); err != nil {
			return err
		}
		o, err := s.Store.Org(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, orgDoc(o)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "organisation", TargetID: id, Target: o.Name})
	})
}

func archiveAction(kind string, archive bool) string {
	if archive {
		return kind + ".archive"
	}
	return kind + ".restore"
}

// conflict turns ErrConflict into a message on field.
func conflict(err error, field, msg string) error {
	if errors.Is(err, db.ErrConflict) {
		return valid.Errors{field: msg}
	}
	return err
}

func orgFields(o Organisation) map[string]string {
	return map[string]string{"name": o.Name, "short_name": o.ShortName, "type": o.Type, "jurisdiction": o.Jurisdiction,
		"parent_id": fmt.Sprint(o.ParentID), "description": o.Description, "website": o.Website}
}

// changed lists the fields whose values differ, for the audit detail.
func changed(before, after map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(after) {
		if before[k] != after[k] {
			parts = append(parts, k)
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return "changed: " + strings.Join(parts, ", ")
}

// Counts returns the home page's figures.
func (s *Service) Counts(ctx context.Context) (Counts, error) { return s.Store.Counts(ctx, s.DB) }

// reindexOrgRecords rewrites the search documents that name an organisation: its divisions,
// its services and the programs it leads or partners in.
func (s *Service) reindexOrgRecords(ctx context.Context, q db.Q, orgID int64) error {
	reindex := func(query string, index func(id int64) error) error {
		rows, err := q.Query(ctx, query, orgID, orgID)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := index(id); err != nil {
				return err
			}
		}
		return nil
	}
	if err := reindex("SELECT id FROM organisations WHERE parent_id = ? OR parent_id = ?", func(id int64) error {
		o, err := s.Store.Org(ctx, q, id)
		if err != nil {
			return err
		}
		return search.Index(ctx, q, orgDoc(o))
	}); err != nil {
		return err
	}
	if err := reindex("SELECT id FROM services WHERE organisation_id = ? OR organisation_id = ?", func(id int64) error {
		_, err := s.indexService(ctx, q, id)
		return err
	}); err != nil {
		return err
	}
	return reindex("SELECT id FROM programs WHERE lead_organisation_id = ? UNION SELECT program_id FROM program_partners WHERE organisation_id = ?", func(id int64) error {
		_, err := s.indexProgram(ctx, q, id)
		return err
	})
}
