package directory

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Program is a cross-agency, place-based effort such as Logan Together or Empowered
// Communities: a lead organisation, partners, places and a period.
type Program struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	LeadOrgID   int64        `json:"lead_organisation_id"`
	LeadOrgName string       `json:"lead_organisation_name"`
	Partners    []PartnerOrg `json:"partners"`
	Places      []PlaceRef   `json:"places"`
	StartDate   string       `json:"start_date,omitempty"` // YYYY-MM-DD
	EndDate     string       `json:"end_date,omitempty"`
	Start       time.Time    `json:"-"`
	End         time.Time    `json:"-"`
	Website     string       `json:"website,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Archived    bool         `json:"archived"`
}

// PartnerOrg names a partner organisation of a program.
type PartnerOrg struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Archived bool   `json:"archived,omitempty"`
}

// Period describes the program's dates for people ("1 Sep 2018 to 31 Aug 2020", "From …").
func (p Program) Period() string {
	const f = "2 Jan 2006"
	switch {
	case !p.Start.IsZero() && !p.End.IsZero():
		return p.Start.Format(f) + " to " + p.End.Format(f)
	case !p.Start.IsZero():
		return "From " + p.Start.Format(f)
	case !p.End.IsZero():
		return "Until " + p.End.Format(f)
	}
	return ""
}

// RoleOf is the part organisation org plays in the program: "Lead", "Partner" or "".
func (p Program) RoleOf(org int64) string {
	if p.LeadOrgID == org {
		return "Lead"
	}
	for _, o := range p.Partners {
		if o.ID == org {
			return "Partner"
		}
	}
	return ""
}

// PartnerIDs lists the partners' IDs.
func (p Program) PartnerIDs() []int64 {
	out := make([]int64, len(p.Partners))
	for i, o := range p.Partners {
		out[i] = o.ID
	}
	return out
}

func (p Program) partnerNames() []string {
	out := make([]string, len(p.Partners))
	for i, o := range p.Partners {
		out[i] = o.Name
	}
	return out
}

// ProgramInput is what a person submits to create or edit a program.
type ProgramInput struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	LeadOrgID   int64   `json:"lead_organisation_id"`
	PartnerIDs  []int64 `json:"partner_ids"`
	PlaceIDs    []int64 `json:"place_ids"`
	StartDate   string  `json:"start_date"` // YYYY-MM-DD, optional
	EndDate     string  `json:"end_date"`
	Website     string  `json:"website"`
}

// Normalize trims the input, drops repeats and leaves the lead organisation out of the partners.
func (in *ProgramInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.StartDate = strings.TrimSpace(in.StartDate)
	in.EndDate = strings.TrimSpace(in.EndDate)
	in.Website = strings.TrimSpace(in.Website)
	in.PartnerIDs = slices.DeleteFunc(dedupeIDs(in.PartnerIDs), func(id int64) bool { return id == in.LeadOrgID && id != 0 })
	in.PlaceIDs = dedupeIDs(in.PlaceIDs)
}

// Validate checks the input.
func (in ProgramInput) Validate() error {
	var c valid.Checker
	c.Text("name", in.Name, "the program's name", 200)
	c.MaxLen("description", in.Description, 5000)
	c.Check(in.LeadOrgID > 0, "lead_organisation_id", "Choose the organisation that leads this program.")
	c.Check(len(in.PartnerIDs) <= maxPartners, "partner_ids", fmt.Sprintf("Choose %d partners or fewer.", maxPartners))
	for _, id := range in.PartnerIDs {
		c.Check(id > 0, "partner_ids", "Choose partners from the list.")
	}
	c.Check(len(in.PlaceIDs) <= maxPlacesPerRecord, "place_ids", fmt.Sprintf("Choose %d places or fewer.", maxPlacesPerRecord))
	for _, id := range in.PlaceIDs {
		c.Check(id > 0, "place_ids", "Choose places from the list.")
	}
	start := c.ParseDate("start_date", in.StartDate)
	end := c.ParseDate("end_date", in.EndDate)
	c.Period("start_date", start, "end_date", end)
	c.URL("website", in.Website)
	return c.Err()
}

// dates parses the (validated) start and end dates.
func (in ProgramInput) dates() (start, end time.Time) {
	start, _ = time.Parse(time.DateOnly, in.StartDate)
	end, _ = time.Parse(time.DateOnly, in.EndDate)
	return start, end
}

const programColumns = `p.id, p.name, p.description, p.lead_organisation_id, o.name, p.start_date, p.end_date, p.website,
	p.created_at, p.updated_at, p.archived_at IS NOT NULL`
const programFrom = ` FROM programs p JOIN organisations o ON o.id = p.lead_organisation_id`

func scanProgram(row interface{ Scan(...any) error }) (Program, error) {
	var p Program
	var start, end sql.NullTime
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.LeadOrgID, &p.LeadOrgName, &start, &end, &p.Website, &p.CreatedAt, &p.UpdatedAt, &p.Archived)
	if start.Valid {
		p.Start = dateOnly(start.Time)
		p.StartDate = p.Start.Format(time.DateOnly)
	}
	if end.Valid {
		p.End = dateOnly(end.Time)
		p.EndDate = p.End.Format(time.DateOnly)
	}
	return p, db.MapError(err)
}

// dateOnly is the calendar date of t (as stored) at midnight UTC.
func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Program loads one program with its partners and places.
func (st Store) Program(ctx context.Context, q db.Q, id int64) (Program, error) {
	p, err := scanProgram(q.QueryRow(ctx, "SELECT "+programColumns+programFrom+" WHERE p.id = ?", id))
	if err != nil {
		return p, err
	}
	list := []Program{p}
	if err := st.fillPrograms(ctx, q, list); err != nil {
		return p, err
	}
	return list[0], nil
}

// Programs lists programs by name. OrgID is the lead or a partner, PlaceID a place (the programs
// tied to it or to a place within it).
func (st Store) Programs(ctx context.Context, q db.Q, f ListFilter) ([]Program, error) {
	return st.programs(ctx, q, f, where{})
}

// ProgramsAt lists the programs tied directly to any of the places (not to places within them).
func (st Store) ProgramsAt(ctx context.Context, q db.Q, placeIDs []int64, f ListFilter) ([]Program, error) {
	if len(placeIDs) == 0 {
		return nil, nil
	}
	ph, args := db.In(placeIDs)
	var w where
	w.add("EXISTS (SELECT 1 FROM program_places ppl WHERE ppl.program_id = p.id AND ppl.place_id IN ("+ph+"))", args...)
	return st.programs(ctx, q, f, w)
}

func (st Store) programs(ctx context.Context, q db.Q, f ListFilter, w where) ([]Program, error) {
	if f.Text != "" {
		w.add(`(lower(p.name) LIKE ? ESCAPE '\' OR lower(p.description) LIKE ? ESCAPE '\')`, like(f.Text), like(f.Text))
	}
	if f.OrgID != 0 {
		w.add("(p.lead_organisation_id = ? OR EXISTS (SELECT 1 FROM program_partners pp WHERE pp.program_id = p.id AND pp.organisation_id = ?))", f.OrgID, f.OrgID)
	}
	if f.PlaceID != 0 {
		w.add("EXISTS (SELECT 1 FROM program_places ppl WHERE ppl.program_id = p.id AND ppl.place_id "+placeWithin+")", f.PlaceID)
	}
	if !f.Archived {
		w.add("p.archived_at IS NULL")
	}
	if f.After != 0 {
		w.add("p.id > ?", f.After)
	}
	order := " ORDER BY lower(p.name), p.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY p.id"
	}
	rows, err := q.Query(ctx, "SELECT "+programColumns+programFrom+w.sql()+order+" LIMIT ?", append(w.args, f.limit())...)
	if err != nil {
		return nil, err
	}
	var out []Program
	for rows.Next() {
		p, err := scanProgram(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, st.fillPrograms(ctx, q, out)
}

// fillPrograms loads the partners and places of each program.
func (st Store) fillPrograms(ctx context.Context, q db.Q, list []Program) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	ph, args := db.In(ids)
	rows, err := q.Query(ctx, `SELECT pp.program_id, o.id, o.name, o.archived_at IS NOT NULL FROM program_partners pp
		JOIN organisations o ON o.id = pp.organisation_id WHERE pp.program_id IN (`+ph+`) ORDER BY lower(o.name), o.id`, args...)
	if err != nil {
		return err
	}
	partners := map[int64][]PartnerOrg{}
	for rows.Next() {
		var pid int64
		var o PartnerOrg
		if err := rows.Scan(&pid, &o.ID, &o.Name, &o.Archived); err != nil {
			rows.Close()
			return err
		}
		partners[pid] = append(partners[pid], o)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	places, err := st.linkedPlaces(ctx, q, "program_places", "program_id", ids)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Partners = append([]PartnerOrg{}, partners[list[i].ID]...)
		list[i].Places = append([]PlaceRef{}, places[list[i].ID]...)
	}
	return nil
}

// InsertProgram creates a program (without its partners and places).
func (Store) InsertProgram(ctx context.Context, q db.Q, in ProgramInput) (int64, error) {
	start, end := in.dates()
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO programs (name, description, lead_organisation_id, start_date, end_date, website, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Name, in.Description, in.LeadOrgID, nullTime(start), nullTime(end), in.Website, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateProgram saves a program (without its partners and places).
func (Store) UpdateProgram(ctx context.Context, q db.Q, id int64, in ProgramInput) error {
	start, end := in.dates()
	return db.Affected(q.Exec(ctx, `UPDATE programs SET name = ?, description = ?, lead_organisation_id = ?, start_date = ?, end_date = ?, website = ?, updated_at = ?
		WHERE id = ?`, in.Name, in.Description, in.LeadOrgID, nullTime(start), nullTime(end), in.Website, db.Now(), id))
}

// SetProgramPartners replaces a program's partner organisations.
func (Store) SetProgramPartners(ctx context.Context, q db.Q, id int64, orgIDs []int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM program_partners WHERE program_id = ?", id); err != nil {
		return db.MapError(err)
	}
	for _, o := range orgIDs {
		if _, err := q.Exec(ctx, "INSERT INTO program_partners (program_id, organisation_id) VALUES (?, ?)", id, o); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// SetProgramPlaces replaces a program's places.
func (st Store) SetProgramPlaces(ctx context.Context, q db.Q, id int64, placeIDs []int64) error {
	return st.setLinkedPlaces(ctx, q, "program_places", "program_id", id, placeIDs)
}

// canSeeArchivedProgram: archived programs stay visible to members of the lead and partner
// organisations, and to site admins.
func canSeeArchivedProgram(p authz.Principal, prog Program) bool {
	if p.Can(authz.Read, prog.LeadOrgID) {
		return true
	}
	for _, o := range prog.Partners {
		if p.Can(authz.Read, o.ID) {
			return true
		}
	}
	return false
}

// Program returns a program the principal may see.
func (s *Service) Program(ctx context.Context, id int64) (Program, error) {
	p, err := s.Store.Program(ctx, s.DB, id)
	if err != nil {
		return p, err
	}
	if p.Archived && !canSeeArchivedProgram(authz.From(ctx), p) {
		return Program{}, db.ErrNotFound
	}
	return p, nil
}

// Programs lists programs. Archived ones are listed for site admins who ask, and for members
// of the organisation named in the filter (which leads them or is a partner).
func (s *Service) Programs(ctx context.Context, f ListFilter) ([]Program, error) {
	p := authz.From(ctx)
	if f.Archived && !p.SiteAdmin && (f.OrgID == 0 || !p.Can(authz.Read, f.OrgID)) {
		f.Archived = false
	}
	return s.Store.Programs(ctx, s.DB, f)
}

// ProgramsAt lists the live programs tied directly to any of the places: on a place's page,
// those working across a wider area that includes it.
func (s *Service) ProgramsAt(ctx context.Context, placeIDs []int64) ([]Program, error) {
	return s.Store.ProgramsAt(ctx, s.DB, placeIDs, ListFilter{})
}

// CanCreateProgram reports whether the principal may start a program for some organisation.
func CanCreateProgram(p authz.Principal) bool { return p.CanAny(authz.Contribute) }

func programDoc(p Program) search.Doc {
	parts := []string{p.LeadOrgName, strings.Join(p.partnerNames(), " "), strings.Join(placeRefNames(p.Places), " "), p.Period(), p.Description}
	return search.Doc{Kind: "program", RecordID: p.ID, Title: p.Name, Body: strings.Join(parts, " "),
		URL: fmt.Sprintf("/programs/%d", p.ID), Public: !p.Archived, OrgID: p.LeadOrgID}
}

func (s *Service) indexProgram(ctx context.Context, q db.Q, id int64) (Program, error) {
	p, err := s.Store.Program(ctx, q, id)
	if err != nil {
		return p, err
	}
	return p, search.Index(ctx, q, programDoc(p))
}

// checkPartners checks that each partner exists and is live (or was already a partner: keep).
func (s *Service) checkPartners(ctx context.Context, q db.Q, ids, keep []int64) error {
	for _, id := range ids {
		o, err := s.Store.Org(ctx, q, id)
		if err != nil {
			return valid.Errors{"partner_ids": "Choose partners from the list."}
		}
		if o.Archived && !slices.Contains(keep, id) {
			return valid.Errors{"partner_ids": o.Name + " is archived: choose another partner."}
		}
	}
	return nil
}

const programNameTaken = "A program with this name already exists."

// CreateProgram starts a program: contributors, managers and admins of the lead organisation.
func (s *Service) CreateProgram(ctx context.Context, in ProgramInput) (Program, error) {
	p := authz.From(ctx)
	if !CanCreateProgram(p) {
		return Program{}, audit.Deny(ctx, s.DB, "program.create", "program", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Program{}, err
	}
	if !p.Can(authz.Contribute, in.LeadOrgID) {
		return Program{}, audit.Deny(ctx, s.DB, "program.create", "program", 0)
	}
	var prog Program
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkOrgRef(ctx, tx, "lead_organisation_id", in.LeadOrgID, 0); err != nil {
			return err
		}
		if err := s.checkPartners(ctx, tx, in.PartnerIDs, nil); err != nil {
			return err
		}
		if err := s.checkPlaceIDs(ctx, tx, in.PlaceIDs, nil); err != nil {
			return err
		}
		id, err := s.Store.InsertProgram(ctx, tx, in)
		if err != nil {
			return conflict(err, "name", programNameTaken)
		}
		if err := s.Store.SetProgramPartners(ctx, tx, id, in.PartnerIDs); err != nil {
			return err
		}
		if err := s.Store.SetProgramPlaces(ctx, tx, id, in.PlaceIDs); err != nil {
			return err
		}
		if prog, err = s.indexProgram(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "program.create", TargetKind: "program", TargetID: id, Target: prog.Name})
	})
	return prog, err
}

// UpdateProgram edits a program: managers and admins of the lead organisation (and of the new
// lead, when the lead changes).
func (s *Service) UpdateProgram(ctx context.Context, id int64, in ProgramInput) (Program, error) {
	p := authz.From(ctx)
	cur, err := s.Store.Program(ctx, s.DB, id)
	if err != nil {
		return Program{}, err
	}
	if !p.Can(authz.Manage, cur.LeadOrgID) {
		return Program{}, audit.Deny(ctx, s.DB, "program.update", "program", id)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Program{}, err
	}
	if in.LeadOrgID != cur.LeadOrgID && !p.Can(authz.Manage, in.LeadOrgID) {
		return Program{}, audit.Deny(ctx, s.DB, "program.update", "program", id)
	}
	var prog Program
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.Store.Program(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.LeadOrgID != cur.LeadOrgID {
			return fmt.Errorf("program %d changed lead while being edited: %w", id, db.ErrConflict)
		}
		if err := s.checkOrgRef(ctx, tx, "lead_organisation_id", in.LeadOrgID, old.LeadOrgID); err != nil {
			return err
		}
		if err := s.checkPartners(ctx, tx, in.PartnerIDs, append(old.PartnerIDs(), old.LeadOrgID)); err != nil {
			return err
		}
		if err := s.checkPlaceIDs(ctx, tx, in.PlaceIDs, placeRefIDs(old.Places)); err != nil {
			return err
		}
		if err := s.Store.UpdateProgram(ctx, tx, id, in); err != nil {
			return conflict(err, "name", programNameTaken)
		}
		if err := s.Store.SetProgramPartners(ctx, tx, id, in.PartnerIDs); err != nil {
			return err
		}
		if err := s.Store.SetProgramPlaces(ctx, tx, id, in.PlaceIDs); err != nil {
			return err
		}
		if prog, err = s.indexProgram(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "program.update", TargetKind: "program", TargetID: id, Target: prog.Name,
			Detail: changed(programFields(old), programFields(prog))})
	})
	return prog, err
}

// ArchiveProgram archives (or restores) a program: managers and admins of the lead organisation.
func (s *Service) ArchiveProgram(ctx context.Context, id int64, archive bool) error {
	action := archiveAction("program", archive)
	cur, err := s.Store.Program(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if !authz.From(ctx).Can(authz.Manage, cur.LeadOrgID) {
		return audit.Deny(ctx, s.DB, action, "program", id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetArchived(ctx, tx, "programs", id, archive); err != nil {
			return err
		}
		prog, err := s.indexProgram(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "program", TargetID: id, Target: prog.Name})
	})
}

func programFields(p Program) map[string]string {
	return map[string]string{"name": p.Name, "description": p.Description, "lead_organisation_id": fmt.Sprint(p.LeadOrgID),
		"partner_ids": idsString(p.PartnerIDs()), "place_ids": idsString(placeRefIDs(p.Places)),
		"start_date": p.StartDate, "end_date": p.EndDate, "website": p.Website}
}
