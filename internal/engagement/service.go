package engagement

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Service holds the rules of engagements: who sees and changes what, one transaction per
// change, each change audited and indexed for search.
type Service struct {
	DB    *db.DB
	Store Store
	Dir   *directory.Service
	Now   func() time.Time
	// Mail sends the "the report is published" emails; nil sends none (participants stay
	// waiting, and are told when a report is next published with a sender).
	Mail mail.Sender
	// BaseURL is the site's public address, for links in emails ("" gives paths only).
	BaseURL func() string
	Log     *slog.Logger
	// OnVotes, if set, is called after each batch of opinion-map votes commits, once for each
	// engagement with votes in it (the opinion map schedules a recomputation). It must not block.
	OnVotes func(engagementID int64)
	// Flood limits votes per participant and per client address; nil takes DefaultFlood.
	Flood *FloodLimits
	// Maps recomputes opinion maps in the background (map.go: StartMaps, StopMaps).
	Maps MapWorker

	sending sync.WaitGroup
	part    participation // participants.go: caches and the vote writer
}

// NewService builds the service and registers its kinds of record with the directory.
func NewService(d *db.DB, dir *directory.Service) *Service {
	s := &Service{DB: d, Dir: dir, Now: db.Now, Log: slog.Default()}
	s.registerKinds()
	return s
}

// Wait waits for emails still being sent (at shutdown, and in tests).
func (s *Service) Wait() { s.sending.Wait() }

// Ref names a related record.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Detail is an engagement with the names of its partners, places and programs and what it
// means today: its phase, whether its report is overdue, the promise of its level of influence.
type Detail struct {
	Engagement
	Partners    []Ref  `json:"partners"`
	Places      []Ref  `json:"places"`
	Programs    []Ref  `json:"programs"`
	PhaseNow    string `json:"phase"`
	PromiseText string `json:"influence_promise,omitempty"`
	IsOverdue   bool   `json:"overdue"`
	DaysLate    int    `json:"days_overdue,omitempty"`
}

// PhaseLabel is the phase for people.
func (d Detail) PhaseLabel() string { return PhaseLabel(d.PhaseNow) }

func (s *Service) detail(e Engagement, r Refs) Detail {
	now := s.Now()
	d := Detail{Engagement: e, Partners: r.Partners, Places: r.Places, Programs: r.Programs,
		PhaseNow: e.Phase(now), PromiseText: e.Promise(), IsOverdue: e.Overdue(now), DaysLate: e.DaysOverdue(now)}
	for _, p := range []*[]Ref{&d.Partners, &d.Places, &d.Programs} {
		if *p == nil {
			*p = []Ref{}
		}
	}
	return d
}

func (s *Service) details(ctx context.Context, q db.Q, es []Engagement) ([]Detail, error) {
	refs, err := s.Store.Relations(ctx, q, es)
	if err != nil {
		return nil, err
	}
	out := make([]Detail, len(es))
	for i, e := range es {
		out[i] = s.detail(e, refs[e.ID])
	}
	return out, nil
}

// load finds an engagement by ID or slug that the principal may see.
func (s *Service) load(ctx context.Context, q db.Q, key string) (Engagement, error) {
	e, err := s.Store.EngagementByKey(ctx, q, key)
	if err != nil {
		return Engagement{}, err
	}
	if !CanSee(authz.From(ctx), e) {
		return Engagement{}, db.ErrNotFound
	}
	return e, nil
}

// Engagement returns the engagement with ID or slug key, if the principal may see it
// (db.ErrNotFound otherwise). Participation and the opinion map start every request here.
func (s *Service) Engagement(ctx context.Context, key string) (Detail, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, err
	}
	ds, err := s.details(ctx, s.DB, []Engagement{e})
	if err != nil {
		return Detail{}, err
	}
	return ds[0], nil
}

// visibility fills the filter's visibility from the principal.
func (s *Service) visibility(ctx context.Context, f *Filter) {
	p := authz.From(ctx)
	f.AllVisible, f.VisibleOrgs = p.SiteAdmin, p.Orgs(authz.Read)
	f.Today = day(s.Now())
}

// PageSize is the number of engagements on a page of the register.
const PageSize = 25

// Register lists a page of the register for f (f.Page counts from 1), the total matching,
// and whether there is a next page.
func (s *Service) Register(ctx context.Context, f Filter) ([]Detail, int, bool, error) {
	s.visibility(ctx, &f)
	if f.Page < 1 {
		f.Page = 1
	}
	f.Limit, f.Offset, f.After = PageSize+1, (f.Page-1)*PageSize, 0
	es, err := s.Store.List(ctx, s.DB, f, false)
	if err != nil {
		return nil, 0, false, err
	}
	more := len(es) > PageSize
	if more {
		es = es[:PageSize]
	}
	n, err := s.Store.Count(ctx, s.DB, f)
	if err != nil {
		return nil, 0, false, err
	}
	ds, err := s.details(ctx, s.DB, es)
	return ds, n, more, err
}

// List lists engagements for the API in ID order: those after f.After, at most f.Limit+1
// (the extra one tells there is a next page).
func (s *Service) List(ctx context.Context, f Filter) ([]Detail, error) {
	s.visibility(ctx, &f)
	f.Offset = 0
	if f.Limit > 0 {
		f.Limit++
	}
	es, err := s.Store.List(ctx, s.DB, f, true)
	if err != nil {
		return nil, err
	}
	return s.details(ctx, s.DB, es)
}

// Overdue lists the published engagements whose report is overdue, the longest overdue first.
func (s *Service) Overdue(ctx context.Context) ([]Detail, error) {
	f := Filter{Status: FilterOverdue}
	s.visibility(ctx, &f)
	f.AllVisible, f.VisibleOrgs = false, nil // drafts are never overdue
	es, err := s.Store.List(ctx, s.DB, f, true)
	if err != nil {
		return nil, err
	}
	ds, err := s.details(ctx, s.DB, es)
	if err != nil {
		return nil, err
	}
	out := ds[:0]
	for _, d := range ds {
		if d.IsOverdue {
			out = append(out, d)
		}
	}
	sortByLateness(out)
	return out, nil
}

func sortByLateness(ds []Detail) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && (ds[j].DaysLate > ds[j-1].DaysLate || (ds[j].DaysLate == ds[j-1].DaysLate && ds[j].ID < ds[j-1].ID)); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// Load is the consultation load of every place with engagements open, opening soon or
// closed in the last RecentDays days; placeID > 0 keeps only that place.
func (s *Service) Load(ctx context.Context, placeID int64) ([]PlaceLoad, error) {
	now := s.Now()
	// Engagements that closed before the first month considered cannot count in it.
	since := day(now).AddDate(0, 0, -RecentDays)
	since = time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, time.UTC)
	es, err := s.Store.LoadCandidates(ctx, s.DB, since)
	if err != nil {
		return nil, err
	}
	ds, err := s.details(ctx, s.DB, es)
	if err != nil {
		return nil, err
	}
	loads := Load(ds, now)
	if placeID > 0 {
		kept := loads[:0]
		for _, l := range loads {
			if l.Place.ID == placeID {
				kept = append(kept, l)
			}
		}
		loads = kept
	}
	return loads, nil
}

// ThemeNames lists the themes of published reports, for the register's filter.
func (s *Service) ThemeNames(ctx context.Context) ([]string, error) {
	return s.Store.ThemeNames(ctx, s.DB)
}

// ---- changes ----

// checkRelations refuses unknown organisations, places and programs as field errors.
func (s *Service) checkRelations(ctx context.Context, q db.Q, in Input) error {
	for _, ch := range []struct {
		field, table, msg string
		ids               []int64
	}{
		{"organisation_id", "organisations", "Choose the organisation that runs the engagement from the list.", []int64{in.OrgID}},
		{"partner_ids", "organisations", "Choose partners from the list.", in.PartnerIDs},
		{"place_ids", "places", "Choose places from the list.", in.PlaceIDs},
		{"program_ids", "programs", "Choose programs from the list.", in.ProgramIDs},
	} {
		ok, err := s.Store.Exists(ctx, q, ch.table, ch.ids)
		if err != nil {
			return err
		}
		if !ok {
			return valid.Errors{ch.field: ch.msg}
		}
	}
	return nil
}

// index writes the engagement's search document: public once published, found only by the
// owner's members while a draft, removed when archived. A published report's texts are
// searchable with it.
func (s *Service) index(ctx context.Context, q db.Q, e Engagement) error {
	if e.ArchivedAt != nil {
		return search.Remove(ctx, q, "engagement", e.ID)
	}
	parts := []string{e.OrgName, e.Summary, e.Purpose, e.Decision, e.Affected}
	refs, err := s.Store.Relations(ctx, q, []Engagement{e})
	if err != nil {
		return err
	}
	for _, r := range refs[e.ID].Places {
		parts = append(parts, r.Name)
	}
	for _, r := range refs[e.ID].Partners {
		parts = append(parts, r.Name)
	}
	if rep, err := s.Store.Report(ctx, q, e.ID); err == nil && rep.Published() {
		parts = append(parts, rep.WeAsked, rep.YouSaid, rep.WeDid)
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	return search.Index(ctx, q, search.Doc{Kind: "engagement", RecordID: e.ID, Title: e.Title, Body: strings.Join(parts, "\n"),
		URL: e.URL(), Public: e.Status != StatusDraft, OrgID: e.OrgID})
}

func slugTaken(err error, slug string) error {
	if errors.Is(err, db.ErrConflict) {
		if slug != "" {
			return valid.Errors{"slug": fmt.Sprintf("Another engagement has the web address %q: choose another.", slug)}
		}
		return valid.Errors{"": "The engagement could not be saved: a partner, place or program no longer exists."}
	}
	return err
}

// save writes an engagement and its relations in tx, indexes it and returns it reloaded.
func (s *Service) save(ctx context.Context, tx *db.Tx, id int64, in Input) (Engagement, error) {
	if err := s.checkRelations(ctx, tx, in); err != nil {
		return Engagement{}, err
	}
	var err error
	if id == 0 {
		id, err = s.Store.InsertEngagement(ctx, tx, in)
	} else {
		err = s.Store.UpdateEngagement(ctx, tx, id, in)
	}
	if err != nil {
		return Engagement{}, slugTaken(err, in.Slug)
	}
	if err := s.Store.SetRelations(ctx, tx, id, in); err != nil {
		return Engagement{}, slugTaken(err, "")
	}
	e, err := s.Store.Engagement(ctx, tx, id)
	if err != nil {
		return Engagement{}, err
	}
	return e, s.index(ctx, tx, e)
}

// Create makes a draft engagement owned by in.OrgID, whose contributors may create it.
func (s *Service) Create(ctx context.Context, in Input) (Detail, error) {
	p := authz.From(ctx)
	if !CanCreate(p) {
		return Detail{}, audit.Deny(ctx, s.DB, "engagement.create", "engagement", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Detail{}, err
	}
	if !p.Can(authz.Contribute, in.OrgID) {
		return Detail{}, valid.Errors{"organisation_id": "Choose an organisation you contribute to."}
	}
	var d Detail
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		e, err := s.save(ctx, tx, 0, in)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "engagement.create", TargetKind: "engagement", TargetID: e.ID, Target: e.Title}); err != nil {
			return err
		}
		ds, err := s.details(ctx, tx, []Engagement{e})
		if err == nil {
			d = ds[0]
		}
		return err
	})
	return d, err
}

// Update edits the engagement with ID or slug key: its owner's managers, or its contributors
// while it is a draft. Moving it to another organisation needs a manager there too. A
// published engagement must keep what publishing needed.
func (s *Service) Update(ctx context.Context, key string, in Input) (Detail, error) {
	p := authz.From(ctx)
	old, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, err
	}
	if !CanEdit(p, old) {
		return Detail{}, audit.Deny(ctx, s.DB, "engagement.update", "engagement", old.ID)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Detail{}, err
	}
	if in.OrgID != old.OrgID && !p.Can(authz.Manage, in.OrgID) {
		return Detail{}, valid.Errors{"organisation_id": "Only a manager of both organisations moves an engagement: keep its organisation."}
	}
	if old.Status != StatusDraft {
		next := old
		next.Purpose, next.Decision, next.Influence = in.Purpose, in.Decision, in.Influence
		next.OpensOn, next.ClosesOn, next.ReportBackBy = in.OpensOn.Time, in.ClosesOn.Time, in.ReportBackBy.Time
		if errs := PublishProblems(next); errs != nil {
			keep := map[string]string{"purpose": "its purpose", "decision": "the decision it will inform", "influence": "its level of public influence",
				"opens_on": "its opening date", "closes_on": "its closing date", "report_back_by": "the date by which participants will hear back"}
			for k := range errs {
				errs[k] = "The engagement is published, so it must keep " + keep[k] + "."
			}
			return Detail{}, errs
		}
	}
	var d Detail
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		e, err := s.save(ctx, tx, old.ID, in)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "engagement.update", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: changes(old, e)}); err != nil {
			return err
		}
		ds, err := s.details(ctx, tx, []Engagement{e})
		if err == nil {
			d = ds[0]
		}
		return err
	})
	return d, err
}

func changes(a, b Engagement) string {
	var ch []string
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			ch = append(ch, name)
		}
	}
	add("organisation", a.OrgID, b.OrgID)
	add("slug", a.Slug, b.Slug)
	add("title", a.Title, b.Title)
	add("summary", a.Summary, b.Summary)
	add("purpose", a.Purpose, b.Purpose)
	add("decision", a.Decision, b.Decision)
	add("not_open_to_influence", a.NotNegotiable, b.NotNegotiable)
	add("influence", a.Influence, b.Influence)
	add("affected", a.Affected, b.Affected)
	add("dates", []time.Time{a.OpensOn, a.ClosesOn, a.ReportBackBy}, []time.Time{b.OpensOn, b.ClosesOn, b.ReportBackBy})
	add("settings", []any{a.Moderation, a.ReportThreshold, a.StatementLimit, a.HasMap}, []any{b.Moderation, b.ReportThreshold, b.StatementLimit, b.HasMap})
	qa, _ := encodeForm(a.Questionnaire)
	qb, _ := encodeForm(b.Questionnaire)
	add("questionnaire", qa, qb)
	da, _ := encodeForm(a.Demographics)
	db_, _ := encodeForm(b.Demographics)
	add("demographics", da, db_)
	add("partners", a.PartnerIDs, b.PartnerIDs)
	add("places", a.PlaceIDs, b.PlaceIDs)
	add("programs", a.ProgramIDs, b.ProgramIDs)
	if len(ch) == 0 {
		return "no change to the record's fields"
	}
	return "changed: " + strings.Join(ch, ", ")
}

// SetStatus publishes (draft → open, with the publishing checks), closes (open → closed) or
// reopens (closed → open) an engagement: its owner's managers. Publishing returns a warning
// when one of its places already has BusyThreshold or more engagements open in a month it
// runs in.
func (s *Service) SetStatus(ctx context.Context, key, status string) (Detail, string, error) {
	p := authz.From(ctx)
	old, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, "", err
	}
	if !CanManage(p, old) {
		return Detail{}, "", audit.Deny(ctx, s.DB, "engagement.status", "engagement", old.ID)
	}
	status = strings.ToLower(strings.TrimSpace(status))
	if status == "" {
		return Detail{}, "", valid.Errors{"status": "Say whether to open or close the engagement."}
	}
	if err := Transition(old, status, s.Now()); err != nil {
		return Detail{}, "", err
	}
	action := map[string]string{StatusDraft + ">" + StatusOpen: "engagement.publish", StatusOpen + ">" + StatusClosed: "engagement.close",
		StatusClosed + ">" + StatusOpen: "engagement.reopen"}[old.Status+">"+status]
	var d Detail
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetStatus(ctx, tx, old.ID, status); err != nil {
			return err
		}
		e, err := s.Store.Engagement(ctx, tx, old.ID)
		if err != nil {
			return err
		}
		if err := s.index(ctx, tx, e); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("status %s → %s", old.Status, status)}); err != nil {
			return err
		}
		ds, err := s.details(ctx, tx, []Engagement{e})
		if err == nil {
			d = ds[0]
		}
		return err
	})
	if err != nil || action != "engagement.publish" {
		return d, "", err
	}
	return d, s.loadWarning(ctx, d), nil
}

// loadWarning says which of the engagement's places are busy in the months it runs.
func (s *Service) loadWarning(ctx context.Context, d Detail) string {
	loads, err := s.Load(ctx, 0)
	if err != nil {
		s.Log.WarnContext(ctx, "consultation load", "err", err)
		return ""
	}
	var notes []string
	for _, l := range loads {
		for _, b := range l.Busy {
			for _, r := range b.Engagements {
				if r.ID == d.ID {
					notes = append(notes, fmt.Sprintf("%s has %d engagements open in %s", l.Place.Name, b.Count, b.Label()))
				}
			}
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return "Heavy consultation load: " + strings.Join(notes, "; ") + ". See who else is consulting there and whether you can work together."
}

// Archive archives (or restores) an engagement: managers archive drafts; site admins any.
// An archived engagement leaves the register and search.
func (s *Service) Archive(ctx context.Context, key string, archive bool) (Detail, error) {
	p := authz.From(ctx)
	old, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, err
	}
	if !CanManage(p, old) && !p.SiteAdmin {
		return Detail{}, audit.Deny(ctx, s.DB, "engagement.archive", "engagement", old.ID)
	}
	if !CanArchive(p, old) {
		return Detail{}, valid.Errors{"archived": "A published engagement stays on the public register: close it instead. Ask a site administrator if it was published by mistake."}
	}
	if archive == (old.ArchivedAt != nil) {
		return s.detailOf(ctx, old)
	}
	var at *time.Time
	action := "engagement.restore"
	if archive {
		now := s.Now().UTC()
		at, action = &now, "engagement.archive"
	}
	var d Detail
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetArchived(ctx, tx, old.ID, at); err != nil {
			return err
		}
		e, err := s.Store.Engagement(ctx, tx, old.ID)
		if err != nil {
			return err
		}
		if err := s.index(ctx, tx, e); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "engagement", TargetID: e.ID, Target: e.Title}); err != nil {
			return err
		}
		ds, err := s.details(ctx, tx, []Engagement{e})
		if err == nil {
			d = ds[0]
		}
		return err
	})
	return d, err
}

func (s *Service) detailOf(ctx context.Context, e Engagement) (Detail, error) {
	ds, err := s.details(ctx, s.DB, []Engagement{e})
	if err != nil {
		return Detail{}, err
	}
	return ds[0], nil
}
