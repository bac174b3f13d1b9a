package learning

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Evidence behind learnings: evaluation reports, outcome harvests, datasets, surveys and
// lived experience, with their source and date. An outcome harvest records the outcome, its
// significance, the contribution made to it, and how that was substantiated. Evidence that
// the people in it did not agree to share, or that is culturally sensitive, is restricted:
// only the owning organisation's staff and site admins see it, whatever its visibility.

// Kinds of evidence.
const (
	EvidenceEvaluation      = "evaluation"
	EvidenceOutcomeHarvest  = "outcome_harvest"
	EvidenceDataset         = "dataset"
	EvidenceSurvey          = "survey"
	EvidenceLivedExperience = "lived_experience"
)

// EvidenceKinds are the kinds of evidence, in the order forms show them.
var EvidenceKinds = []web.Option{
	{Value: EvidenceEvaluation, Label: "Evaluation report"},
	{Value: EvidenceOutcomeHarvest, Label: "Outcome harvest"},
	{Value: EvidenceDataset, Label: "Dataset"},
	{Value: EvidenceSurvey, Label: "Survey"},
	{Value: EvidenceLivedExperience, Label: "Lived experience"},
}

const maxEvidenceText = 20_000

// EvidenceItem is one piece of evidence.
type EvidenceItem struct {
	ID                  int64     `json:"id"`
	OrgID               int64     `json:"organisation_id"`
	OrgName             string    `json:"organisation_name"`
	Kind                string    `json:"kind"`
	Title               string    `json:"title"`
	Source              string    `json:"source"`
	SourceURL           string    `json:"source_url"`
	Dated               time.Time `json:"-"`
	Date                string    `json:"date,omitempty"`
	Summary             string    `json:"summary"`
	Outcome             string    `json:"outcome,omitempty"`
	Significance        string    `json:"significance,omitempty"`
	Contribution        string    `json:"contribution,omitempty"`
	Substantiation      string    `json:"substantiation,omitempty"`
	Consent             bool      `json:"consent"`
	CulturallySensitive bool      `json:"culturally_sensitive"`
	Visibility          string    `json:"visibility"`
	CommunityID         int64     `json:"community_id,omitempty"`
	Revision            int       `json:"revision"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	Archived            bool      `json:"archived"`
	// Restricted is true when only the owning organisation's staff (and site admins) may see it.
	Restricted bool `json:"restricted"`
}

// URL is the evidence's page.
func (e EvidenceItem) URL() string { return "/evidence/" + strconv.FormatInt(e.ID, 10) }

// KindLabel names the kind of evidence.
func (e EvidenceItem) KindLabel() string { return lrOptionLabel(EvidenceKinds, e.Kind) }

// VisibilityLabel names who may see it (before any restriction).
func (e EvidenceItem) VisibilityLabel() string { return lrVisibilityLabel(e.Visibility) }

// IsHarvest reports whether it is an outcome harvest.
func (e EvidenceItem) IsHarvest() bool { return e.Kind == EvidenceOutcomeHarvest }

// RestrictionReason says, in words, why the evidence is restricted.
func (e EvidenceItem) RestrictionReason() string {
	switch {
	case !e.Consent && e.CulturallySensitive:
		return "the people in it have not agreed to it being shared, and it is culturally sensitive"
	case !e.Consent:
		return "the people in it have not agreed to it being shared"
	case e.CulturallySensitive:
		return "it is culturally sensitive"
	}
	return ""
}

// EvidenceInput is what a person writes to add or change evidence. Date is YYYY-MM-DD.
type EvidenceInput struct {
	OrgID               int64  `json:"organisation_id"`
	Kind                string `json:"kind"`
	Title               string `json:"title"`
	Source              string `json:"source"`
	SourceURL           string `json:"source_url"`
	Date                string `json:"date"`
	Summary             string `json:"summary"`
	Outcome             string `json:"outcome"`
	Significance        string `json:"significance"`
	Contribution        string `json:"contribution"`
	Substantiation      string `json:"substantiation"`
	Consent             bool   `json:"consent"`
	CulturallySensitive bool   `json:"culturally_sensitive"`
	Visibility          string `json:"visibility"`
	CommunityID         int64  `json:"community_id"`
	Note                string `json:"note,omitempty"`
}

// normalize trims the input and checks it; it returns the date.
func (in *EvidenceInput) normalize() (time.Time, error) {
	in.Kind = strings.TrimSpace(in.Kind)
	in.Title = strings.TrimSpace(in.Title)
	in.Source = strings.TrimSpace(in.Source)
	in.SourceURL = strings.TrimSpace(in.SourceURL)
	for _, p := range []*string{&in.Summary, &in.Outcome, &in.Significance, &in.Contribution, &in.Substantiation, &in.Note} {
		*p = lrCleanText(*p)
	}
	in.Visibility = strings.TrimSpace(in.Visibility)
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation the evidence belongs to.")
	c.OneOf("kind", in.Kind, lrOptionValues(EvidenceKinds), "the kind of evidence")
	c.Text("title", in.Title, "a title", maxTitle)
	c.MaxLen("source", in.Source, 300)
	c.Check(!strings.ContainsAny(in.Source, "\r\n"), "source", "Use a single line.")
	c.URL("source_url", in.SourceURL)
	dated := c.ParseDate("date", in.Date)
	if !dated.IsZero() && dated.After(time.Now().AddDate(1, 0, 0)) {
		c.Add("date", "Enter the date the evidence was produced: it cannot be more than a year ahead.")
	}
	lrLongText(&c, "summary", in.Summary, maxEvidenceText)
	if in.Kind == EvidenceOutcomeHarvest {
		c.Required("outcome", in.Outcome, "the outcome: what changed, for whom, when and where")
		c.Required("significance", in.Significance, "why the outcome is significant")
		c.Required("contribution", in.Contribution, "how the work contributed to the outcome")
		c.Required("substantiation", in.Substantiation, "how the outcome and the contribution were substantiated")
	} else {
		// Only outcome harvests keep these four.
		in.Outcome, in.Significance, in.Contribution, in.Substantiation = "", "", "", ""
	}
	for _, f := range []struct{ name, s string }{{"outcome", in.Outcome}, {"significance", in.Significance},
		{"contribution", in.Contribution}, {"substantiation", in.Substantiation}} {
		lrLongText(&c, f.name, f.s, maxEvidenceText)
	}
	c.MaxLen("note", in.Note, 500)
	lrCheckVisibility(&c, &in.Visibility, &in.CommunityID)
	return dated, c.Err()
}

// --- permissions ---

// CanAddEvidence: contributors of an organisation (and site admins) add evidence for it.
func CanAddEvidence(p authz.Principal) bool { return CanAddLearning(p) }

// CanEditEvidence: the owning organisation's contributors and up, and site admins.
func CanEditEvidence(p authz.Principal, e EvidenceItem) bool { return p.Can(authz.Contribute, e.OrgID) }

// CanArchiveEvidence: the owning organisation's managers and site admins.
func CanArchiveEvidence(p authz.Principal, e EvidenceItem) bool { return p.Can(authz.Manage, e.OrgID) }

// canSeeEvidence: restricted or archived evidence only the owning organisation's staff and
// site admins; otherwise as its visibility says.
func canSeeEvidence(v Viewer, e EvidenceItem) bool {
	if e.Restricted || e.Archived {
		return v.P.Can(authz.Read, e.OrgID)
	}
	return v.CanSee(e.Visibility, e.OrgID, e.CommunityID)
}

// evidenceVisibleSQL is VisibleSQL for evidence with the restriction applied.
func evidenceVisibleSQL(v Viewer, t string) (string, []any) {
	if v.P.SiteAdmin {
		return "1=1", nil
	}
	cond, args := v.VisibleSQL(t)
	open := "(" + t + ".consent AND NOT " + t + ".culturally_sensitive)"
	if orgs := v.P.Orgs(authz.Read); len(orgs) > 0 {
		ph, a := db.In(orgs)
		open = "(" + open + " OR " + t + ".organisation_id IN (" + ph + "))"
		args = append(args, a...)
	}
	return "(" + cond + " AND " + open + ")", args
}

// --- store ---

const evidenceColumns = `e.id, e.organisation_id, o.name, e.kind, e.title, e.source, e.source_url, e.dated, e.summary,
	e.outcome, e.significance, e.contribution, e.substantiation, e.consent, e.culturally_sensitive, e.visibility,
	COALESCE(e.community_id, 0), e.revision, e.created_at, e.updated_at, e.archived_at IS NOT NULL`

const evidenceFrom = ` FROM evidence e JOIN organisations o ON o.id = e.organisation_id`

func scanEvidence(row interface{ Scan(...any) error }) (EvidenceItem, error) {
	var e EvidenceItem
	var dated sql.Null[time.Time]
	err := row.Scan(&e.ID, &e.OrgID, &e.OrgName, &e.Kind, &e.Title, &e.Source, &e.SourceURL, &dated, &e.Summary,
		&e.Outcome, &e.Significance, &e.Contribution, &e.Substantiation, &e.Consent, &e.CulturallySensitive, &e.Visibility,
		&e.CommunityID, &e.Revision, &e.CreatedAt, &e.UpdatedAt, &e.Archived)
	if dated.Valid {
		t := dated.V.UTC()
		e.Dated = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		e.Date = e.Dated.Format(time.DateOnly)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.Restricted = !e.Consent || e.CulturallySensitive
	return e, db.MapError(err)
}

func loadEvidence(ctx context.Context, q db.Q, id int64) (EvidenceItem, error) {
	return scanEvidence(q.QueryRow(ctx, "SELECT "+evidenceColumns+evidenceFrom+" WHERE e.id = ?", id))
}

// evidenceByIDs returns the evidence of ids the viewer may see, newest first.
func (s *Service) evidenceByIDs(ctx context.Context, q db.Q, v Viewer, ids []int64) ([]EvidenceItem, error) {
	var out []EvidenceItem
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT "+evidenceColumns+evidenceFrom+" WHERE e.id IN ("+ph+")", args, func(rows *sql.Rows) error {
			e, err := scanEvidence(rows)
			if err != nil {
				return err
			}
			if canSeeEvidence(v, e) {
				out = append(out, e)
			}
			return nil
		})
	})
	sortEvidence(out)
	return out, err
}

// sortEvidence puts the newest evidence first, undated last, then by ID (newest first).
func sortEvidence(es []EvidenceItem) {
	slices.SortFunc(es, func(a, b EvidenceItem) int {
		switch {
		case a.Dated.IsZero() != b.Dated.IsZero():
			if a.Dated.IsZero() {
				return 1
			}
			return -1
		case !a.Dated.Equal(b.Dated):
			return b.Dated.Compare(a.Dated)
		}
		return cmp.Compare(b.ID, a.ID)
	})
}

// EvidenceFilter selects evidence for a list.
type EvidenceFilter struct {
	Kind  string
	OrgID int64
	Text  string
	After int64 // cursor: a smaller ID (newest first)
	Limit int
}

// EvidenceList lists the evidence the principal in ctx may see, newest first, with at most
// f.Limit+1 rows.
func (s *Service) EvidenceList(ctx context.Context, f EvidenceFilter) ([]EvidenceItem, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > maxListLimit {
		f.Limit = 50
	}
	cond, args := evidenceVisibleSQL(v, "e")
	conds := []string{cond, "e.archived_at IS NULL"}
	if f.Kind != "" {
		conds, args = append(conds, "e.kind = ?"), append(args, f.Kind)
	}
	if f.OrgID != 0 {
		conds, args = append(conds, "e.organisation_id = ?"), append(args, f.OrgID)
	}
	for i, w := range strings.Fields(f.Text) {
		if i >= 12 {
			break
		}
		p := lrLikePattern(w)
		conds = append(conds, `(lower(e.title) LIKE ? ESCAPE '\' OR lower(e.summary) LIKE ? ESCAPE '\' OR lower(e.source) LIKE ? ESCAPE '\'
			OR lower(e.outcome) LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p, p)
	}
	if f.After > 0 {
		conds, args = append(conds, "e.id < ?"), append(args, f.After)
	}
	args = append(args, f.Limit+1)
	var out []EvidenceItem
	err = db.Each(ctx, s.DB, "SELECT "+evidenceColumns+evidenceFrom+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY e.id DESC LIMIT ?", args,
		func(rows *sql.Rows) error {
			e, err := scanEvidence(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

// Evidence loads evidence the principal in ctx may see: db.ErrNotFound otherwise.
func (s *Service) Evidence(ctx context.Context, id int64) (EvidenceItem, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return EvidenceItem{}, err
	}
	e, err := loadEvidence(ctx, s.DB, id)
	if err != nil {
		return e, err
	}
	if !canSeeEvidence(v, e) {
		return EvidenceItem{}, db.ErrNotFound
	}
	return e, nil
}

// EvidenceDetail is evidence with what its page shows beside it.
type EvidenceDetail struct {
	EvidenceItem
	Learnings     []LearningRef
	CommunityName string
	CanEdit       bool
	CanArchive    bool
}

// EvidencePage loads evidence with the learnings it backs that the viewer may see.
func (s *Service) EvidencePage(ctx context.Context, id int64) (EvidenceDetail, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return EvidenceDetail{}, err
	}
	e, err := loadEvidence(ctx, s.DB, id)
	if err != nil {
		return EvidenceDetail{}, err
	}
	if !canSeeEvidence(v, e) {
		return EvidenceDetail{}, db.ErrNotFound
	}
	d := EvidenceDetail{EvidenceItem: e, CanEdit: CanEditEvidence(v.P, e), CanArchive: CanArchiveEvidence(v.P, e)}
	if e.CommunityID != 0 {
		_ = s.DB.QueryRow(ctx, "SELECT name FROM communities WHERE id = ?", e.CommunityID).Scan(&d.CommunityName)
	}
	cond, args := v.VisibleSQL("l")
	err = db.Each(ctx, s.DB, `SELECT l.id, l.title FROM learnings l JOIN learning_evidence le ON le.learning_id = l.id
		WHERE le.evidence_id = ? AND l.archived_at IS NULL AND `+cond+` ORDER BY lower(l.title), l.id LIMIT 500`, append([]any{id}, args...),
		func(rows *sql.Rows) error {
			var r LearningRef
			if err := rows.Scan(&r.ID, &r.Title); err != nil {
				return err
			}
			r.URL = "/learnings/" + strconv.FormatInt(r.ID, 10)
			d.Learnings = append(d.Learnings, r)
			return nil
		})
	return d, err
}

// evidenceOptions lists the evidence the principal may link a learning to, newest first.
func (s *Service) evidenceOptions(ctx context.Context) ([]web.Option, error) {
	es, err := s.EvidenceList(ctx, EvidenceFilter{Limit: maxListLimit})
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, 0, len(es))
	for _, e := range es {
		label := e.Title + " (" + e.KindLabel()
		if e.Date != "" {
			label += ", " + e.Dated.Format("Jan 2006")
		}
		label += ")"
		if e.Restricted {
			label += " – restricted"
		}
		out = append(out, web.Option{Value: strconv.FormatInt(e.ID, 10), Label: label})
	}
	return out, nil
}

// evidenceSnapshot is evidence as its revisions keep it.
type evidenceSnapshot struct {
	Title          string `json:"title"`
	Kind           string `json:"kind"`
	Source         string `json:"source"`
	SourceURL      string `json:"source_url"`
	Date           string `json:"date"`
	Summary        string `json:"summary"`
	Outcome        string `json:"outcome"`
	Significance   string `json:"significance"`
	Contribution   string `json:"contribution"`
	Substantiation string `json:"substantiation"`
	Consent        bool   `json:"consent"`
	Sensitive      bool   `json:"culturally_sensitive"`
	Organisation   string `json:"organisation"`
	Visibility     string `json:"visibility"`
}

var evidenceRevisionFields = []RevisionField{
	{Key: "title", Label: "Title"},
	{Key: "kind", Label: "Kind of evidence"},
	{Key: "source", Label: "Source"},
	{Key: "source_url", Label: "Source address"},
	{Key: "date", Label: "Date"},
	{Key: "summary", Label: "Summary", Markdown: true},
	{Key: "outcome", Label: "Outcome", Markdown: true},
	{Key: "significance", Label: "Significance", Markdown: true},
	{Key: "contribution", Label: "Contribution", Markdown: true},
	{Key: "substantiation", Label: "Substantiation", Markdown: true},
	{Key: "consent", Label: "People in it agreed to it being shared"},
	{Key: "culturally_sensitive", Label: "Culturally sensitive"},
	{Key: "organisation", Label: "Organisation"},
	{Key: "visibility", Label: "Who may see it"},
}

func snapshotEvidence(e EvidenceItem) evidenceSnapshot {
	return evidenceSnapshot{Title: e.Title, Kind: e.KindLabel(), Source: e.Source, SourceURL: e.SourceURL, Date: e.Date,
		Summary: e.Summary, Outcome: e.Outcome, Significance: e.Significance, Contribution: e.Contribution, Substantiation: e.Substantiation,
		Consent: e.Consent, Sensitive: e.CulturallySensitive, Organisation: e.OrgName, Visibility: e.VisibilityLabel()}
}

// evidenceDoc is the search document of evidence: found as its visibility says, except that
// restricted evidence is found only by its organisation's staff.
func evidenceDoc(e EvidenceItem) search.Doc {
	vis := e.Visibility
	if e.Restricted {
		vis = search.VisOrg
	}
	body := strings.Join([]string{e.KindLabel(), e.Source, MarkdownText(e.Summary), MarkdownText(e.Outcome),
		MarkdownText(e.Significance), MarkdownText(e.Contribution), e.OrgName}, "\n")
	return search.Doc{Kind: KindEvidence, RecordID: e.ID, Title: e.Title, Body: valid.Truncate(body, 20_000), URL: e.URL(),
		Public: vis == Public, OrgID: e.OrgID, Visibility: vis, CommunityID: e.CommunityID}
}

func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (s *Service) checkEvidenceOrg(ctx context.Context, q db.Q, p authz.Principal, in EvidenceInput) error {
	var c valid.Checker
	if !p.Can(authz.Contribute, in.OrgID) {
		c.Add("organisation_id", "Choose an organisation you contribute to.")
	} else if err := lrCheckOrg(ctx, q, in.OrgID); err != nil {
		if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		c.Add("organisation_id", "Choose an organisation from the list.")
	}
	if in.CommunityID != 0 {
		if err := lrCheckCommunity(ctx, q, in.CommunityID); err != nil {
			if !errors.Is(err, db.ErrNotFound) {
				return err
			}
			c.Add("community_id", "Choose a community of practice from the list.")
		}
	}
	return c.Err()
}

func (s *Service) afterEvidenceSave(ctx context.Context, tx db.Q, id int64, action string, before *evidenceSnapshot, note string) (EvidenceItem, error) {
	e, err := loadEvidence(ctx, tx, id)
	if err != nil {
		return e, err
	}
	sn := snapshotEvidence(e)
	summary := "Created"
	if before != nil {
		summary = ChangeSummary(evidenceRevisionFields, *before, sn, note)
	} else if note != "" {
		summary = note + " (Created)"
	}
	if err := SaveRevision(ctx, tx, KindEvidence, id, e.Revision, authz.From(ctx).UserID, summary, sn); err != nil {
		return e, err
	}
	if e.Archived {
		err = search.Remove(ctx, tx, KindEvidence, id)
	} else {
		err = search.Index(ctx, tx, evidenceDoc(e))
	}
	if err != nil {
		return e, err
	}
	detail := fmt.Sprintf("revision %d: %s", e.Revision, summary)
	if e.Restricted {
		detail += "; restricted: " + e.RestrictionReason()
	}
	return e, audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: KindEvidence, TargetID: id, Target: e.Title, Detail: detail})
}

// CreateEvidence adds evidence (contributors of its organisation).
func (s *Service) CreateEvidence(ctx context.Context, in EvidenceInput) (EvidenceItem, error) {
	p := authz.From(ctx)
	if !CanAddEvidence(p) {
		return EvidenceItem{}, audit.Deny(ctx, s.DB, "evidence.create", KindEvidence, 0)
	}
	dated, err := in.normalize()
	if err != nil {
		return EvidenceItem{}, err
	}
	var e EvidenceItem
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkEvidenceOrg(ctx, tx, p, in); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO evidence (organisation_id, kind, title, source, source_url, dated, summary, outcome,
			significance, contribution, substantiation, consent, culturally_sensitive, visibility, community_id, revision,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			in.OrgID, in.Kind, in.Title, in.Source, in.SourceURL, dateArg(dated), in.Summary, in.Outcome, in.Significance,
			in.Contribution, in.Substantiation, in.Consent, in.CulturallySensitive, in.Visibility, lrNullID(in.CommunityID),
			lrNullID(p.UserID), now, now).Scan(&id)
		if err != nil {
			return db.MapError(err)
		}
		e, err = s.afterEvidenceSave(ctx, tx, id, "evidence.create", nil, in.Note)
		return err
	})
	return e, err
}

func (s *Service) editableEvidence(ctx context.Context, id int64, action string, may func(authz.Principal, EvidenceItem) bool) (EvidenceItem, error) {
	e, err := s.Evidence(ctx, id)
	if err != nil {
		return e, err
	}
	if !may(authz.From(ctx), e) {
		return EvidenceItem{}, audit.Deny(ctx, s.DB, action, KindEvidence, id)
	}
	return e, nil
}

// EvidenceForEdit loads evidence for its edit form.
func (s *Service) EvidenceForEdit(ctx context.Context, id int64) (EvidenceItem, error) {
	return s.editableEvidence(ctx, id, "evidence.update", CanEditEvidence)
}

// UpdateEvidence changes evidence and keeps the new revision.
func (s *Service) UpdateEvidence(ctx context.Context, id int64, in EvidenceInput) (EvidenceItem, error) {
	old, err := s.editableEvidence(ctx, id, "evidence.update", CanEditEvidence)
	if err != nil {
		return EvidenceItem{}, err
	}
	if in.OrgID == 0 {
		in.OrgID = old.OrgID
	}
	dated, err := in.normalize()
	if err != nil {
		return EvidenceItem{}, err
	}
	p := authz.From(ctx)
	var e EvidenceItem
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkEvidenceOrg(ctx, tx, p, in); err != nil {
			return err
		}
		cur, err := loadEvidence(ctx, tx, id)
		if err != nil {
			return err
		}
		before := snapshotEvidence(cur)
		err = db.Affected(tx.Exec(ctx, `UPDATE evidence SET organisation_id = ?, kind = ?, title = ?, source = ?, source_url = ?, dated = ?,
			summary = ?, outcome = ?, significance = ?, contribution = ?, substantiation = ?, consent = ?, culturally_sensitive = ?,
			visibility = ?, community_id = ?, revision = revision + 1, updated_at = ? WHERE id = ?`,
			in.OrgID, in.Kind, in.Title, in.Source, in.SourceURL, dateArg(dated), in.Summary, in.Outcome, in.Significance,
			in.Contribution, in.Substantiation, in.Consent, in.CulturallySensitive, in.Visibility, lrNullID(in.CommunityID), s.Now(), id))
		if err != nil {
			return err
		}
		e, err = s.afterEvidenceSave(ctx, tx, id, "evidence.update", &before, in.Note)
		return err
	})
	return e, err
}

// ArchiveEvidence archives (or restores) evidence: its managers and site admins.
func (s *Service) ArchiveEvidence(ctx context.Context, id int64, archived bool) error {
	e, err := s.editableEvidence(ctx, id, "evidence.archive", CanArchiveEvidence)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var at any
		if archived {
			at = s.Now()
		}
		if err := db.Affected(tx.Exec(ctx, "UPDATE evidence SET archived_at = ? WHERE id = ?", at, id)); err != nil {
			return err
		}
		action := "evidence.archive"
		if !archived {
			action = "evidence.restore"
		}
		e.Archived = archived
		if archived {
			if err := search.Remove(ctx, tx, KindEvidence, id); err != nil {
				return err
			}
		} else if err := search.Index(ctx, tx, evidenceDoc(e)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: KindEvidence, TargetID: id, Target: e.Title})
	})
}
