package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// ServiceChannels are the ways people use a service.
var ServiceChannels = []web.Option{
	{Value: "in_person", Label: "In person"},
	{Value: "phone", Label: "Phone"},
	{Value: "online", Label: "Online"},
	{Value: "mail", Label: "Mail"},
	{Value: "email", Label: "Email"},
	{Value: "outreach", Label: "Outreach"},
}

// Limits on what one service or program may list.
const (
	maxPlacesPerRecord = 200
	maxPartners        = 100
)

// PublicService is what an agency delivers to the public, e.g. "Apply for a payment" (named so
// to keep it apart from Service, the directory's rules).
type PublicService struct {
	ID          int64      `json:"id"`
	OrgID       int64      `json:"organisation_id"`
	OrgName     string     `json:"organisation_name"`
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Channels    []string   `json:"channels"`
	Places      []PlaceRef `json:"places"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Archived    bool       `json:"archived"`
}

// ChannelLabels are the labels of the service's channels.
func (s PublicService) ChannelLabels() []string {
	out := make([]string, len(s.Channels))
	for i, c := range s.Channels {
		out[i] = Label(ServiceChannels, c)
	}
	return out
}

// ServiceInput is what a person submits to create or edit a service.
type ServiceInput struct {
	OrgID       int64    `json:"organisation_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Channels    []string `json:"channels"`
	PlaceIDs    []int64  `json:"place_ids"`
}

// Normalize trims the input, drops repeats and puts the channels in their usual order.
func (in *ServiceInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	var chans []string
	for _, c := range in.Channels {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(chans, c) {
			chans = append(chans, c)
		}
	}
	slices.SortStableFunc(chans, func(a, b string) int { return channelOrder(a) - channelOrder(b) })
	in.Channels = chans
	in.PlaceIDs = dedupeIDs(in.PlaceIDs)
}

func channelOrder(c string) int {
	for i, o := range ServiceChannels {
		if o.Value == c {
			return i
		}
	}
	return len(ServiceChannels)
}

// Validate checks the input.
func (in ServiceInput) Validate() error {
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation that delivers this service.")
	c.Text("name", in.Name, "the service's name", 200)
	c.MaxLen("description", in.Description, 5000)
	c.Check(len(in.Channels) > 0, "channels", "Choose at least one way people can use this service.")
	for _, ch := range in.Channels {
		c.OneOf("channels", ch, values(ServiceChannels), "channels")
	}
	c.Check(len(in.PlaceIDs) <= maxPlacesPerRecord, "place_ids", fmt.Sprintf("Choose %d places or fewer.", maxPlacesPerRecord))
	for _, id := range in.PlaceIDs {
		c.Check(id > 0, "place_ids", "Choose places from the list.")
	}
	return c.Err()
}

const serviceColumns = `s.id, s.organisation_id, o.name, s.name, s.description, s.created_at, s.updated_at, s.archived_at IS NOT NULL`
const serviceFrom = ` FROM services s JOIN organisations o ON o.id = s.organisation_id`

func scanService(row interface{ Scan(...any) error }) (PublicService, error) {
	var s PublicService
	err := row.Scan(&s.ID, &s.OrgID, &s.OrgName, &s.Name, &s.Description, &s.CreatedAt, &s.UpdatedAt, &s.Archived)
	return s, db.MapError(err)
}

// PublicService loads one service with its channels and places.
func (st Store) PublicService(ctx context.Context, q db.Q, id int64) (PublicService, error) {
	s, err := scanService(q.QueryRow(ctx, "SELECT "+serviceColumns+serviceFrom+" WHERE s.id = ?", id))
	if err != nil {
		return s, err
	}
	list := []PublicService{s}
	if err := st.fillServices(ctx, q, list); err != nil {
		return s, err
	}
	return list[0], nil
}

// PublicServices lists services by name. OrgID is the owner, PlaceID a place (the services tied
// to it or to a place within it), Type a channel.
func (st Store) PublicServices(ctx context.Context, q db.Q, f ListFilter) ([]PublicService, error) {
	return st.publicServices(ctx, q, f, where{})
}

// ServicesAt lists the services tied directly to any of the places (not to places within them).
func (st Store) ServicesAt(ctx context.Context, q db.Q, placeIDs []int64, f ListFilter) ([]PublicService, error) {
	if len(placeIDs) == 0 {
		return nil, nil
	}
	ph, args := db.In(placeIDs)
	var w where
	w.add("EXISTS (SELECT 1 FROM service_places sp WHERE sp.service_id = s.id AND sp.place_id IN ("+ph+"))", args...)
	return st.publicServices(ctx, q, f, w)
}

func (st Store) publicServices(ctx context.Context, q db.Q, f ListFilter, w where) ([]PublicService, error) {
	if f.Text != "" {
		w.add(`(lower(s.name) LIKE ? ESCAPE '\' OR lower(s.description) LIKE ? ESCAPE '\')`, like(f.Text), like(f.Text))
	}
	if f.OrgID != 0 {
		w.add("s.organisation_id = ?", f.OrgID)
	}
	if f.Type != "" {
		w.add("EXISTS (SELECT 1 FROM service_channels sc WHERE sc.service_id = s.id AND sc.channel = ?)", f.Type)
	}
	if f.PlaceID != 0 {
		w.add("EXISTS (SELECT 1 FROM service_places sp WHERE sp.service_id = s.id AND sp.place_id "+placeWithin+")", f.PlaceID)
	}
	if !f.Archived {
		w.add("s.archived_at IS NULL")
	}
	if f.After != 0 {
		w.add("s.id > ?", f.After)
	}
	order := " ORDER BY lower(s.name), lower(o.name), s.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY s.id"
	}
	rows, err := q.Query(ctx, "SELECT "+serviceColumns+serviceFrom+w.sql()+order+" LIMIT ?", append(w.args, f.limit())...)
	if err != nil {
		return nil, err
	}
	var out []PublicService
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, st.fillServices(ctx, q, out)
}

// fillServices loads the channels and places of each service.
func (st Store) fillServices(ctx context.Context, q db.Q, list []PublicService) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	ph, args := db.In(ids)
	rows, err := q.Query(ctx, "SELECT service_id, channel FROM service_channels WHERE service_id IN ("+ph+")", args...)
	if err != nil {
		return err
	}
	chans := map[int64][]string{}
	for rows.Next() {
		var sid int64
		var c string
		if err := rows.Scan(&sid, &c); err != nil {
			rows.Close()
			return err
		}
		chans[sid] = append(chans[sid], c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	places, err := st.linkedPlaces(ctx, q, "service_places", "service_id", ids)
	if err != nil {
		return err
	}
	for i := range list {
		c := chans[list[i].ID]
		slices.SortFunc(c, func(a, b string) int { return channelOrder(a) - channelOrder(b) })
		list[i].Channels = append([]string{}, c...)
		list[i].Places = append([]PlaceRef{}, places[list[i].ID]...)
	}
	return nil
}

// InsertService creates a service (without its channels and places).
func (Store) InsertService(ctx context.Context, q db.Q, in ServiceInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO services (organisation_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		in.OrgID, in.Name, in.Description, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateService saves a service (without its channels and places).
func (Store) UpdateService(ctx context.Context, q db.Q, id int64, in ServiceInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE services SET organisation_id = ?, name = ?, description = ?, updated_at = ? WHERE id = ?`,
		in.OrgID, in.Name, in.Description, db.Now(), id))
}

// SetServiceChannels replaces a service's channels.
func (Store) SetServiceChannels(ctx context.Context, q db.Q, id int64, channels []string) error {
	if _, err := q.Exec(ctx, "DELETE FROM service_channels WHERE service_id = ?", id); err != nil {
		return db.MapError(err)
	}
	for _, c := range channels {
		if _, err := q.Exec(ctx, "INSERT INTO service_channels (service_id, channel) VALUES (?, ?)", id, c); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// SetServicePlaces replaces the places where a service is delivered.
func (st Store) SetServicePlaces(ctx context.Context, q db.Q, id int64, placeIDs []int64) error {
	return st.setLinkedPlaces(ctx, q, "service_places", "service_id", id, placeIDs)
}

// checkOrgRef checks that an organisation chosen for field exists and is live (or is keep, the
// one already chosen).
func (s *Service) checkOrgRef(ctx context.Context, q db.Q, field string, id, keep int64) error {
	o, err := s.Store.Org(ctx, q, id)
	if err != nil {
		return valid.Errors{field: "Choose an organisation from the list."}
	}
	if o.Archived && id != keep {
		return valid.Errors{field: o.Name + " is archived: choose another organisation."}
	}
	return nil
}

// PublicService returns a service the principal may see: archived ones only for members of
// the owning organisation and site admins.
func (s *Service) PublicService(ctx context.Context, id int64) (PublicService, error) {
	ps, err := s.Store.PublicService(ctx, s.DB, id)
	if err != nil {
		return ps, err
	}
	if ps.Archived && !canSeeArchived(authz.From(ctx), ps.OrgID) {
		return PublicService{}, db.ErrNotFound
	}
	return ps, nil
}

// Services lists services. Archived ones are listed for site admins who ask, and for members
// of the organisation named in the filter.
func (s *Service) Services(ctx context.Context, f ListFilter) ([]PublicService, error) {
	p := authz.From(ctx)
	if f.Archived && !p.SiteAdmin && (f.OrgID == 0 || !p.Can(authz.Read, f.OrgID)) {
		f.Archived = false
	}
	return s.Store.PublicServices(ctx, s.DB, f)
}

// ServicesAt lists the live services tied directly to any of the places: on a place's page,
// those delivered across a wider area that includes it.
func (s *Service) ServicesAt(ctx context.Context, placeIDs []int64) ([]PublicService, error) {
	return s.Store.ServicesAt(ctx, s.DB, placeIDs, ListFilter{})
}

// CanCreateService reports whether the principal may add services for some organisation.
func CanCreateService(p authz.Principal) bool { return p.CanAny(authz.Contribute) }

func serviceDoc(ps PublicService) search.Doc {
	parts := []string{ps.OrgName, strings.Join(ps.ChannelLabels(), " "), strings.Join(placeRefNames(ps.Places), " "), ps.Description}
	return search.Doc{Kind: "service", RecordID: ps.ID, Title: ps.Name, Body: strings.Join(parts, " "),
		URL: fmt.Sprintf("/services/%d", ps.ID), Public: !ps.Archived, OrgID: ps.OrgID}
}

func (s *Service) indexService(ctx context.Context, q db.Q, id int64) (PublicService, error) {
	ps, err := s.Store.PublicService(ctx, q, id)
	if err != nil {
		return ps, err
	}
	return ps, search.Index(ctx, q, serviceDoc(ps))
}

const serviceNameTaken = "This organisation already has a service with this name."

// CreateService adds a service: contributors, managers and admins of the owning organisation.
func (s *Service) CreateService(ctx context.Context, in ServiceInput) (PublicService, error) {
	p := authz.From(ctx)
	if !CanCreateService(p) {
		return PublicService{}, audit.Deny(ctx, s.DB, "service.create", "service", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return PublicService{}, err
	}
	if !p.Can(authz.Contribute, in.OrgID) {
		return PublicService{}, audit.Deny(ctx, s.DB, "service.create", "service", 0)
	}
	var ps PublicService
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkOrgRef(ctx, tx, "organisation_id", in.OrgID, 0); err != nil {
			return err
		}
		if err := s.checkPlaceIDs(ctx, tx, in.PlaceIDs, nil); err != nil {
			return err
		}
		id, err := s.Store.InsertService(ctx, tx, in)
		if err != nil {
			return conflict(err, "name", serviceNameTaken)
		}
		if err := s.Store.SetServiceChannels(ctx, tx, id, in.Channels); err != nil {
			return err
		}
		if err := s.Store.SetServicePlaces(ctx, tx, id, in.PlaceIDs); err != nil {
			return err
		}
		if ps, err = s.indexService(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "service.create", TargetKind: "service", TargetID: id, Target: ps.Name})
	})
	return ps, err
}

// UpdateService edits a service: managers and admins of the owning organisation (and of the
// new owner, when it moves).
func (s *Service) UpdateService(ctx context.Context, id int64, in ServiceInput) (PublicService, error) {
	p := authz.From(ctx)
	cur, err := s.Store.PublicService(ctx, s.DB, id)
	if err != nil {
		return PublicService{}, err
	}
	if !p.Can(authz.Manage, cur.OrgID) {
		return PublicService{}, audit.Deny(ctx, s.DB, "service.update", "service", id)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return PublicService{}, err
	}
	if in.OrgID != cur.OrgID && !p.Can(authz.Manage, in.OrgID) {
		return PublicService{}, audit.Deny(ctx, s.DB, "service.update", "service", id)
	}
	var ps PublicService
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.Store.PublicService(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.OrgID != cur.OrgID {
			return fmt.Errorf("service %d changed owner while being edited: %w", id, db.ErrConflict)
		}
		if err := s.checkOrgRef(ctx, tx, "organisation_id", in.OrgID, old.OrgID); err != nil {
			return err
		}
		if err := s.checkPlaceIDs(ctx, tx, in.PlaceIDs, placeRefIDs(old.Places)); err != nil {
			return err
		}
		if err := s.Store.UpdateService(ctx, tx, id, in); err != nil {
			return conflict(err, "name", serviceNameTaken)
		}
		if err := s.Store.SetServiceChannels(ctx, tx, id, in.Channels); err != nil {
			return err
		}
		if err := s.Store.SetServicePlaces(ctx, tx, id, in.PlaceIDs); err != nil {
			return err
		}
		if ps, err = s.indexService(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "service.update", TargetKind: "service", TargetID: id, Target: ps.Name,
			Detail: changed(serviceFields(old), serviceFields(ps))})
	})
	return ps, err
}

// ArchiveService archives (or restores) a service: managers and admins of its organisation.
func (s *Service) ArchiveService(ctx context.Context, id int64, archive bool) error {
	action := archiveAction("service", archive)
	cur, err := s.Store.PublicService(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if !authz.From(ctx).Can(authz.Manage, cur.OrgID) {
		return audit.Deny(ctx, s.DB, action, "service", id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetArchived(ctx, tx, "services", id, archive); err != nil {
			return err
		}
		ps, err := s.indexService(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "service", TargetID: id, Target: ps.Name})
	})
}

func idsString(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func serviceFields(ps PublicService) map[string]string {
	return map[string]string{"organisation_id": fmt.Sprint(ps.OrgID), "name": ps.Name, "description": ps.Description,
		"channels": strings.Join(ps.Channels, ","), "place_ids": idsString(placeRefIDs(ps.Places))}
}
