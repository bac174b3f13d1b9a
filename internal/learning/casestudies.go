package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Case studies: an initiative or program in some places, with partners, a period, an
// approach and the level of public influence; a summary and a Markdown body; attachments,
// links and authors. Every change is kept as a revision. Contributors of the owning
// organisation create them; the creator (while still a contributor) and the organisation's
// managers edit them; managers archive them.

// CaseStudyKind is the kind of case studies in revisions, links, taggings and search.
const CaseStudyKind = "case_study"

// InfluenceLevels is the public's level of influence, after the IAP2 spectrum of public
// participation.
var InfluenceLevels = []web.Option{
	{Value: "inform", Label: "Inform: the public is kept informed"},
	{Value: "consult", Label: "Consult: the public's feedback is sought"},
	{Value: "involve", Label: "Involve: the public's concerns shape the options"},
	{Value: "collaborate", Label: "Collaborate: the public helps decide"},
	{Value: "empower", Label: "Empower: the public decides"},
}

// influenceShort is each level's one-word name.
func csInfluenceShort(v string) string {
	if v == "" {
		return ""
	}
	return strings.ToUpper(v[:1]) + v[1:]
}

// Limits of a case study's fields and lists.
const (
	csMaxTitle    = 200
	csMaxShort    = 300
	csMaxApproach = 10_000
	csMaxSummary  = 2_000
	csMaxBody     = 100_000
	csMaxRefs     = 100
	csMaxThemes   = 30
	csMaxNote     = 300
	csMaxFiles    = 50
)

// CaseStudyRef names a related record.
type CaseStudyRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// CaseStudy is a case study as people see it.
type CaseStudy struct {
	ID            int64          `json:"id"`
	OrgID         int64          `json:"organisation_id"`
	OrgName       string         `json:"organisation_name"`
	Title         string         `json:"title"`
	Initiative    string         `json:"initiative"`
	ProgramID     int64          `json:"program_id,omitempty"`
	ProgramName   string         `json:"program_name,omitempty"`
	PeriodStart   string         `json:"period_start,omitempty"` // YYYY-MM-DD
	PeriodEnd     string         `json:"period_end,omitempty"`
	Approach      string         `json:"approach"`
	Influence     string         `json:"influence"`
	Summary       string         `json:"summary"`
	Body          string         `json:"body"` // Markdown
	Authors       string         `json:"authors"`
	Visibility    string         `json:"visibility"`
	CommunityID   int64          `json:"community_id,omitempty"`
	CommunityName string         `json:"community_name,omitempty"`
	Revision      int            `json:"revision"`
	CreatedBy     int64          `json:"created_by,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Archived      bool           `json:"archived"`
	Places        []CaseStudyRef `json:"places"`
	Partners      []CaseStudyRef `json:"partners"`
	Themes        []CaseStudyRef `json:"themes"`
	Files         []File         `json:"attachments"`
}

// URL is the case study's page.
func (c CaseStudy) URL() string { return "/case-studies/" + strconv.FormatInt(c.ID, 10) }

// InfluenceLabel is the level of influence for people.
func (c CaseStudy) InfluenceLabel() string { return csOptionLabel(InfluenceLevels, c.Influence) }

// InfluenceName is the level's one-word name ("Collaborate").
func (c CaseStudy) InfluenceName() string { return csInfluenceShort(c.Influence) }

// VisibilityLabel says who sees the case study.
func (c CaseStudy) VisibilityLabel() string {
	switch c.Visibility {
	case Public:
		return "Everyone"
	case Members:
		return "Signed-in members"
	case Community:
		if c.CommunityName != "" {
			return "Members of " + c.CommunityName
		}
		return "Members of one community of practice"
	}
	return c.Visibility
}

// Period is the case study's period for people ("1 July 2018 to 30 June 2020", "From …").
func (c CaseStudy) Period() string { return csPeriodText(c.PeriodStart, c.PeriodEnd) }

func csPeriodText(start, end string) string {
	f := func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return t.Format("2 January 2006")
	}
	switch {
	case start != "" && end != "":
		return f(start) + " to " + f(end)
	case start != "":
		return "From " + f(start)
	case end != "":
		return "Until " + f(end)
	}
	return ""
}

func csOptionLabel(opts []web.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func csOptionValues(opts []web.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

func csVisibilityValues() []string {
	out := make([]string, len(Visibilities))
	for i, v := range Visibilities {
		out[i] = v.Value
	}
	return out
}

// CaseStudyInput is what a person submits to create or edit a case study.
type CaseStudyInput struct {
	OrgID       int64   `json:"organisation_id"`
	Title       string  `json:"title"`
	Initiative  string  `json:"initiative"`
	ProgramID   int64   `json:"program_id"`
	PeriodStart string  `json:"period_start"` // YYYY-MM-DD, optional
	PeriodEnd   string  `json:"period_end"`
	Approach    string  `json:"approach"`
	Influence   string  `json:"influence"` // inform, consult, involve, collaborate, empower, or ""
	Summary     string  `json:"summary"`
	Body        string  `json:"body"` // Markdown
	Authors     string  `json:"authors"`
	Visibility  string  `json:"visibility"` // public, members, community
	CommunityID int64   `json:"community_id"`
	PlaceIDs    []int64 `json:"place_ids"`
	PartnerIDs  []int64 `json:"partner_ids"`
	ThemeIDs    []int64 `json:"theme_ids"`
	// Revision, on an edit, is the revision the editor started from: a newer one saved in the
	// meantime is not overwritten (0: do not check).
	Revision int `json:"revision,omitempty"`
	// Note says what the edit was for; it is kept with the revision.
	Note string `json:"note,omitempty"`
}

// Normalize trims the input and drops repeated IDs.
func (in *CaseStudyInput) Normalize() {
	for _, s := range []*string{&in.Title, &in.Initiative, &in.PeriodStart, &in.PeriodEnd, &in.Influence, &in.Authors, &in.Visibility, &in.Note} {
		*s = strings.TrimSpace(*s)
	}
	for _, s := range []*string{&in.Approach, &in.Summary, &in.Body} {
		*s = strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
	}
	if in.Visibility == "" {
		in.Visibility = Public
	}
	if in.Visibility != Community {
		in.CommunityID = 0
	}
	in.PlaceIDs = csUniqueIDs(in.PlaceIDs)
	in.PartnerIDs = slices.DeleteFunc(csUniqueIDs(in.PartnerIDs), func(id int64) bool { return id == in.OrgID && id > 0 })
	in.ThemeIDs = csUniqueIDs(in.ThemeIDs)
}

func csUniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Validate checks the input on its own (the service checks the records it names).
func (in CaseStudyInput) Validate() error {
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation that owns the case study.")
	c.Text("title", in.Title, "a title", csMaxTitle)
	c.MaxLen("initiative", in.Initiative, csMaxShort)
	c.Check(!strings.ContainsAny(in.Initiative, "\r\n"), "initiative", "Use a single line.")
	c.Check(in.ProgramID >= 0, "program_id", "Choose a program from the list.")
	start := c.ParseDate("period_start", in.PeriodStart)
	end := c.ParseDate("period_end", in.PeriodEnd)
	c.Period("period_start", start, "period_end", end)
	c.MaxLen("approach", in.Approach, csMaxApproach)
	if in.Influence != "" {
		c.OneOf("influence", in.Influence, csOptionValues(InfluenceLevels), "a level of public influence")
	}
	c.Required("summary", in.Summary, "a short summary")
	c.MaxLen("summary", in.Summary, csMaxSummary)
	c.MaxLen("body", in.Body, csMaxBody)
	c.MaxLen("authors", in.Authors, csMaxShort)
	c.Check(!strings.ContainsAny(in.Authors, "\r\n"), "authors", "Put the authors on one line, separated by commas.")
	c.OneOf("visibility", in.Visibility, csVisibilityValues(), "who may see the case study")
	if in.Visibility == Community {
		c.Check(in.CommunityID > 0, "community_id", "Choose the community of practice that may see the case study.")
	}
	c.Check(len(in.PlaceIDs) <= csMaxRefs, "place_ids", fmt.Sprintf("Choose %d places or fewer.", csMaxRefs))
	c.Check(len(in.PartnerIDs) <= csMaxRefs, "partner_ids", fmt.Sprintf("Choose %d partners or fewer.", csMaxRefs))
	c.Check(len(in.ThemeIDs) <= csMaxThemes, "theme_ids", fmt.Sprintf("Choose %d themes or fewer.", csMaxThemes))
	for _, f := range []struct {
		name string
		ids  []int64
		msg  string
	}{{"place_ids", in.PlaceIDs, "Choose places from the list."}, {"partner_ids", in.PartnerIDs, "Choose partners from the list."}, {"theme_ids", in.ThemeIDs, "Choose themes from the list."}} {
		for _, id := range f.ids {
			if id <= 0 {
				c.Add(f.name, f.msg)
			}
		}
	}
	c.MaxLen("note", in.Note, csMaxNote)
	return c.Err()
}

func (in CaseStudyInput) dates() (start, end any) {
	start, end = nil, nil
	if t, err := time.Parse(time.DateOnly, in.PeriodStart); err == nil {
		start = t
	}
	if t, err := time.Parse(time.DateOnly, in.PeriodEnd); err == nil {
		end = t
	}
	return start, end
}

// Input is the case study as an input, for the edit form and the API.
func (c CaseStudy) Input() CaseStudyInput {
	in := CaseStudyInput{OrgID: c.OrgID, Title: c.Title, Initiative: c.Initiative, ProgramID: c.ProgramID, PeriodStart: c.PeriodStart,
		PeriodEnd: c.PeriodEnd, Approach: c.Approach, Influence: c.Influence, Summary: c.Summary, Body: c.Body, Authors: c.Authors,
		Visibility: c.Visibility, CommunityID: c.CommunityID, Revision: c.Revision}
	for _, r := range c.Places {
		in.PlaceIDs = append(in.PlaceIDs, r.ID)
	}
	for _, r := range c.Partners {
		in.PartnerIDs = append(in.PartnerIDs, r.ID)
	}
	for _, r := range c.Themes {
		in.ThemeIDs = append(in.ThemeIDs, r.ID)
	}
	return in
}

// CaseStudyFilter selects case studies for a list.
type CaseStudyFilter struct {
	PlaceID   int64
	ThemeID   int64
	OrgID     int64 // the owner or a partner
	Influence string
	// Paged lists in ID order after After (the API's cursor); otherwise the most recently
	// updated come first. At most Limit (default 200).
	Paged bool
	After int64
	Limit int
	// Archived includes archived case studies (for the staff who may see them).
	Archived bool
}

// ---- store ----

const csColumns = `cs.id, cs.organisation_id, o.name, cs.title, cs.initiative, COALESCE(cs.program_id, 0), COALESCE(pr.name, ''),
	cs.period_start, cs.period_end, cs.approach, cs.influence, cs.summary, cs.body, cs.authors, cs.visibility,
	COALESCE(cs.community_id, 0), COALESCE(cm.name, ''), cs.revision, COALESCE(cs.created_by, 0), cs.created_at, cs.updated_at,
	cs.archived_at IS NOT NULL`

const csFrom = ` FROM case_studies cs JOIN organisations o ON o.id = cs.organisation_id
	LEFT JOIN programs pr ON pr.id = cs.program_id LEFT JOIN communities cm ON cm.id = cs.community_id`

func scanCaseStudy(row interface{ Scan(...any) error }) (CaseStudy, error) {
	var c CaseStudy
	var start, end sql.NullTime
	err := row.Scan(&c.ID, &c.OrgID, &c.OrgName, &c.Title, &c.Initiative, &c.ProgramID, &c.ProgramName, &start, &end, &c.Approach,
		&c.Influence, &c.Summary, &c.Body, &c.Authors, &c.Visibility, &c.CommunityID, &c.CommunityName, &c.Revision, &c.CreatedBy,
		&c.CreatedAt, &c.UpdatedAt, &c.Archived)
	if start.Valid {
		c.PeriodStart = start.Time.Format(time.DateOnly)
	}
	if end.Valid {
		c.PeriodEnd = end.Time.Format(time.DateOnly)
	}
	return c, db.MapError(err)
}

// loadCaseStudy reads one case study with its places, partners, themes and files.
func loadCaseStudy(ctx context.Context, q db.Q, id int64) (CaseStudy, error) {
	c, err := scanCaseStudy(q.QueryRow(ctx, "SELECT "+csColumns+csFrom+" WHERE cs.id = ?", id))
	if err != nil {
		return c, err
	}
	list := []CaseStudy{c}
	if err := fillCaseStudies(ctx, q, list, true); err != nil {
		return c, err
	}
	return list[0], nil
}

// fillCaseStudies loads the places, partners and themes (and, with files, the attachments)
// of a list of case studies.
func fillCaseStudies(ctx context.Context, q db.Q, list []CaseStudy, files bool) error {
	if len(list) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]int64, len(list))
	for i, c := range list {
		at[c.ID], ids[i] = i, c.ID
		list[i].Places, list[i].Partners, list[i].Themes, list[i].Files = []CaseStudyRef{}, []CaseStudyRef{}, []CaseStudyRef{}, []File{}
	}
	refs := func(query string, add func(c *CaseStudy, r CaseStudyRef)) error {
		return db.InBatches(ids, func(args []any, ph string) error {
			return db.Each(ctx, q, strings.ReplaceAll(query, "{ids}", ph), args, func(rows *sql.Rows) error {
				var cid int64
				var r CaseStudyRef
				if err := rows.Scan(&cid, &r.ID, &r.Name); err != nil {
					return err
				}
				add(&list[at[cid]], r)
				return nil
			})
		})
	}
	if err := refs(`SELECT x.case_study_id, p.id, p.name FROM case_study_places x JOIN places p ON p.id = x.place_id
		WHERE x.case_study_id IN ({ids}) ORDER BY lower(p.name), p.id`, func(c *CaseStudy, r CaseStudyRef) { c.Places = append(c.Places, r) }); err != nil {
		return err
	}
	if err := refs(`SELECT x.case_study_id, o.id, o.name FROM case_study_partners x JOIN organisations o ON o.id = x.organisation_id
		WHERE x.case_study_id IN ({ids}) ORDER BY lower(o.name), o.id`, func(c *CaseStudy, r CaseStudyRef) { c.Partners = append(c.Partners, r) }); err != nil {
		return err
	}
	if err := refs(`SELECT g.record_id, t.id, t.name FROM taggings g JOIN tags t ON t.id = g.tag_id
		WHERE g.kind = '`+CaseStudyKind+`' AND g.record_id IN ({ids}) AND t.scheme = 'theme' AND t.archived_at IS NULL
		ORDER BY lower(t.name), t.id`, func(c *CaseStudy, r CaseStudyRef) { c.Themes = append(c.Themes, r) }); err != nil {
		return err
	}
	if !files {
		return nil
	}
	return db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, `SELECT x.case_study_id, f.id, f.name, f.content_type, f.size, f.sha256, COALESCE(f.uploaded_by, 0), f.created_at
			FROM case_study_files x JOIN learning_files f ON f.id = x.file_id WHERE x.case_study_id IN (`+ph+`) ORDER BY f.id`, args,
			func(rows *sql.Rows) error {
				var cid int64
				var f File
				if err := rows.Scan(&cid, &f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt); err != nil {
					return err
				}
				c := &list[at[cid]]
				c.Files = append(c.Files, f)
				return nil
			})
	})
}

// listCaseStudies lists the case studies v may see that match f.
func listCaseStudies(ctx context.Context, q db.Q, v Viewer, f CaseStudyFilter) ([]CaseStudy, error) {
	vis, args := v.VisibleSQL("cs")
	conds := []string{vis}
	if !f.Archived {
		conds = append(conds, "cs.archived_at IS NULL")
	} else if !v.P.SiteAdmin {
		// Archived case studies only to the staff of their organisation.
		orgs := v.P.Orgs(authz.Read)
		ph, a := db.In(orgs)
		conds = append(conds, "(cs.archived_at IS NULL OR cs.organisation_id IN ("+ph+"))")
		args = append(args, a...)
	}
	if f.PlaceID != 0 {
		conds = append(conds, "cs.id IN (SELECT case_study_id FROM case_study_places WHERE place_id = ?)")
		args = append(args, f.PlaceID)
	}
	if f.ThemeID != 0 {
		conds = append(conds, "cs.id IN (SELECT record_id FROM taggings WHERE kind = '"+CaseStudyKind+"' AND tag_id = ?)")
		args = append(args, f.ThemeID)
	}
	if f.OrgID != 0 {
		conds = append(conds, "(cs.organisation_id = ? OR cs.id IN (SELECT case_study_id FROM case_study_partners WHERE organisation_id = ?))")
		args = append(args, f.OrgID, f.OrgID)
	}
	if f.Influence != "" {
		conds = append(conds, "cs.influence = ?")
		args = append(args, f.Influence)
	}
	order := " ORDER BY cs.updated_at DESC, cs.id DESC"
	if f.Paged {
		order = " ORDER BY cs.id"
	}
	if f.After > 0 {
		conds = append(conds, "cs.id > ?")
		args = append(args, f.After)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	args = append(args, limit)
	var out []CaseStudy
	err := db.Each(ctx, q, "SELECT "+csColumns+csFrom+" WHERE "+strings.Join(conds, " AND ")+order+" LIMIT ?", args, func(rows *sql.Rows) error {
		c, err := scanCaseStudy(rows)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, fillCaseStudies(ctx, q, out, false)
}

func insertCaseStudy(ctx context.Context, q db.Q, in CaseStudyInput, by int64) (int64, error) {
	start, end := in.dates()
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO case_studies (organisation_id, title, initiative, program_id, period_start, period_end, approach,
		influence, summary, body, authors, visibility, community_id, revision, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
		in.OrgID, in.Title, in.Initiative, csNull(in.ProgramID), start, end, in.Approach, in.Influence, in.Summary, in.Body,
		in.Authors, in.Visibility, csNull(in.CommunityID), csNull(by), now, now).Scan(&id)
	return id, db.MapError(err)
}

func updateCaseStudy(ctx context.Context, q db.Q, id int64, in CaseStudyInput) error {
	start, end := in.dates()
	return db.Affected(q.Exec(ctx, `UPDATE case_studies SET organisation_id = ?, title = ?, initiative = ?, program_id = ?, period_start = ?,
		period_end = ?, approach = ?, influence = ?, summary = ?, body = ?, authors = ?, visibility = ?, community_id = ?,
		revision = revision + 1, updated_at = ? WHERE id = ?`,
		in.OrgID, in.Title, in.Initiative, csNull(in.ProgramID), start, end, in.Approach, in.Influence, in.Summary, in.Body,
		in.Authors, in.Visibility, csNull(in.CommunityID), db.Now(), id))
}

func csReplaceRefs(ctx context.Context, q db.Q, table, column string, id int64, ids []int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM "+table+" WHERE case_study_id = ?", id); err != nil {
		return err
	}
	for _, r := range ids {
		if _, err := q.Exec(ctx, "INSERT INTO "+table+" (case_study_id, "+column+") VALUES (?, ?)", id, r); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

func csNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ---- rules ----

// CanCreateCaseStudy: contributors of any organisation (the owner is checked on save).
func CanCreateCaseStudy(p authz.Principal) bool { return p.CanAny(authz.Contribute) }

// CanEditCaseStudy: the creator while they contribute to the owner, and the owner's managers.
func CanEditCaseStudy(p authz.Principal, c CaseStudy) bool {
	return p.Can(authz.Manage, c.OrgID) || (p.UserID != 0 && c.CreatedBy == p.UserID && p.Can(authz.Contribute, c.OrgID))
}

// CanArchiveCaseStudy: the owner's managers.
func CanArchiveCaseStudy(p authz.Principal, c CaseStudy) bool { return p.Can(authz.Manage, c.OrgID) }

// canSeeCaseStudy: by its visibility; an archived one only by the owner's staff.
func canSeeCaseStudy(v Viewer, c CaseStudy) bool {
	if c.Archived {
		return v.P.SiteAdmin || v.P.Can(authz.Read, c.OrgID)
	}
	return v.CanSee(c.Visibility, c.OrgID, c.CommunityID)
}

// caseStudySnapshot is a case study as its revisions keep it: names, not IDs, so that the
// history reads well after renames.
type caseStudySnapshot struct {
	Title        string   `json:"title"`
	Organisation string   `json:"organisation"`
	Initiative   string   `json:"initiative"`
	Program      string   `json:"program"`
	Period       string   `json:"period"`
	Places       []string `json:"places"`
	Partners     []string `json:"partners"`
	Themes       []string `json:"themes"`
	Approach     string   `json:"approach"`
	Influence    string   `json:"influence"`
	Summary      string   `json:"summary"`
	Body         string   `json:"body"`
	Authors      string   `json:"authors"`
	Visibility   string   `json:"visibility"`
	Attachments  []string `json:"attachments"`
	Archived     bool     `json:"archived"`
}

// CaseStudyFields are the fields of case-study revisions, in page order.
var CaseStudyFields = []RevisionField{
	{Key: "title", Label: "Title"},
	{Key: "organisation", Label: "Organisation"},
	{Key: "initiative", Label: "Initiative"},
	{Key: "program", Label: "Program"},
	{Key: "period", Label: "Period"},
	{Key: "places", Label: "Places"},
	{Key: "partners", Label: "Partners"},
	{Key: "themes", Label: "Themes"},
	{Key: "approach", Label: "Approach", Markdown: true},
	{Key: "influence", Label: "Level of public influence"},
	{Key: "summary", Label: "Summary"},
	{Key: "body", Label: "The case study", Markdown: true},
	{Key: "authors", Label: "Authors"},
	{Key: "visibility", Label: "Who may see it"},
	{Key: "attachments", Label: "Attachments"},
	{Key: "archived", Label: "Archived"},
}

func csNames(rs []CaseStudyRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func caseStudySnapshotOf(c CaseStudy) caseStudySnapshot {
	s := caseStudySnapshot{Title: c.Title, Organisation: c.OrgName, Initiative: c.Initiative, Program: c.ProgramName, Period: c.Period(),
		Places: csNames(c.Places), Partners: csNames(c.Partners), Themes: csNames(c.Themes), Approach: c.Approach, Influence: c.InfluenceName(),
		Summary: c.Summary, Body: c.Body, Authors: c.Authors, Visibility: c.VisibilityLabel(), Archived: c.Archived, Attachments: []string{}}
	for _, f := range c.Files {
		s.Attachments = append(s.Attachments, f.Name+" ("+f.SizeText()+")")
	}
	return s
}

func caseStudyDoc(c CaseStudy) search.Doc {
	body := strings.Join([]string{c.Initiative, c.ProgramName, c.OrgName, strings.Join(csNames(c.Places), ", "), strings.Join(csNames(c.Partners), ", "),
		strings.Join(csNames(c.Themes), ", "), c.Summary, MarkdownText(c.Approach), MarkdownText(c.Body), c.Authors}, "\n")
	return search.Doc{Kind: CaseStudyKind, RecordID: c.ID, Title: c.Title, Body: body, URL: c.URL(), Public: c.Visibility == Public, OrgID: c.OrgID,
		Visibility: c.Visibility, CommunityID: c.CommunityID, Places: csRefIDs(c.Places), Themes: csRefIDs(c.Themes), Orgs: csRefIDs(c.Partners)}
}

func csRefIDs(rs []CaseStudyRef) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// indexCaseStudy writes (or, when archived, removes) the search document.
func indexCaseStudy(ctx context.Context, tx db.Q, c CaseStudy) error {
	if c.Archived {
		return search.Remove(ctx, tx, CaseStudyKind, c.ID)
	}
	return search.Index(ctx, tx, caseStudyDoc(c))
}

// ---- service ----

// CaseStudies lists the case studies the principal may see.
func (s *Service) CaseStudies(ctx context.Context, f CaseStudyFilter) ([]CaseStudy, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	return listCaseStudies(ctx, s.DB, v, f)
}

// CaseStudy returns a case study the principal may see (db.ErrNotFound otherwise).
func (s *Service) CaseStudy(ctx context.Context, id int64) (CaseStudy, error) {
	c, err := loadCaseStudy(ctx, s.DB, id)
	if err != nil {
		return c, err
	}
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return CaseStudy{}, err
	}
	if !canSeeCaseStudy(v, c) {
		return CaseStudy{}, db.ErrNotFound
	}
	return c, nil
}

// IsCommunityMember reports whether the user is an active member of the community.
func IsCommunityMember(ctx context.Context, q db.Q, communityID, userID int64) (bool, error) {
	if communityID <= 0 || userID <= 0 {
		return false, nil
	}
	var one int
	err := q.QueryRow(ctx, "SELECT 1 FROM community_members WHERE community_id = ? AND user_id = ? AND status = 'active'", communityID, userID).Scan(&one)
	if errors.Is(db.MapError(err), db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// checkCaseStudyRefs checks the records a case study names, as field errors: the program,
// places, partners and themes exist (archived ones only if the case study already has them),
// and a community the principal is a member of.
func (s *Service) checkCaseStudyRefs(ctx context.Context, q db.Q, p authz.Principal, in CaseStudyInput, old *CaseStudy) error {
	errs := valid.Errors{}
	live := func(table string, id int64) (exists, archived bool, err error) {
		err = q.QueryRow(ctx, "SELECT archived_at IS NOT NULL FROM "+table+" WHERE id = ?", id).Scan(&archived)
		if errors.Is(db.MapError(err), db.ErrNotFound) {
			return false, false, nil
		}
		return err == nil, archived, err
	}
	kept := func(rs []CaseStudyRef, id int64) bool {
		return slices.ContainsFunc(rs, func(r CaseStudyRef) bool { return r.ID == id })
	}
	var oldPlaces, oldPartners, oldThemes []CaseStudyRef
	var oldProgram int64
	if old != nil {
		oldPlaces, oldPartners, oldThemes, oldProgram = old.Places, old.Partners, old.Themes, old.ProgramID
	}
	if ok, archived, err := live("organisations", in.OrgID); err != nil {
		return err
	} else if !ok || (archived && (old == nil || old.OrgID != in.OrgID)) {
		errs["organisation_id"] = "Choose an organisation from the list."
	}
	if in.ProgramID != 0 {
		if ok, archived, err := live("programs", in.ProgramID); err != nil {
			return err
		} else if !ok || (archived && oldProgram != in.ProgramID) {
			errs["program_id"] = "Choose a program from the list."
		}
	}
	for _, c := range []struct {
		field, table, msg string
		ids               []int64
		old               []CaseStudyRef
	}{
		{"place_ids", "places", "Choose places from the list.", in.PlaceIDs, oldPlaces},
		{"partner_ids", "organisations", "Choose partners from the list.", in.PartnerIDs, oldPartners},
	} {
		for _, id := range c.ids {
			ok, archived, err := live(c.table, id)
			if err != nil {
				return err
			}
			if !ok || (archived && !kept(c.old, id)) {
				errs[c.field] = c.msg
				break
			}
		}
	}
	for _, id := range in.ThemeIDs {
		var scheme string
		var archived bool
		err := q.QueryRow(ctx, "SELECT scheme, archived_at IS NOT NULL FROM tags WHERE id = ?", id).Scan(&scheme, &archived)
		if errors.Is(db.MapError(err), db.ErrNotFound) || (err == nil && (scheme != "theme" || (archived && !kept(oldThemes, id)))) {
			errs["theme_ids"] = "Choose themes from the list."
			break
		} else if err != nil {
			return err
		}
	}
	if in.Visibility == Community && in.CommunityID > 0 {
		var archived bool
		err := q.QueryRow(ctx, "SELECT archived_at IS NOT NULL FROM communities WHERE id = ?", in.CommunityID).Scan(&archived)
		if errors.Is(db.MapError(err), db.ErrNotFound) || (err == nil && archived && (old == nil || old.CommunityID != in.CommunityID)) {
			errs["community_id"] = "Choose a community of practice from the list."
		} else if err != nil {
			return err
		} else if !p.SiteAdmin && (old == nil || old.CommunityID != in.CommunityID) {
			member, err := IsCommunityMember(ctx, q, in.CommunityID, p.UserID)
			if err != nil {
				return err
			}
			if !member {
				errs["community_id"] = "Choose a community of practice you are a member of."
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// saveCaseStudyRefs writes the places, partners and themes.
func (s *Service) saveCaseStudyRefs(ctx context.Context, tx db.Q, id int64, in CaseStudyInput) error {
	if err := csReplaceRefs(ctx, tx, "case_study_places", "place_id", id, in.PlaceIDs); err != nil {
		return err
	}
	if err := csReplaceRefs(ctx, tx, "case_study_partners", "organisation_id", id, in.PartnerIDs); err != nil {
		return err
	}
	if s.Dir == nil {
		return nil
	}
	// Keep the record's tags of other schemes; replace its themes.
	var keep []int64
	err := db.Each(ctx, tx, "SELECT g.tag_id FROM taggings g JOIN tags t ON t.id = g.tag_id WHERE g.kind = ? AND g.record_id = ? AND t.scheme <> 'theme'",
		[]any{CaseStudyKind, id}, func(rows *sql.Rows) error {
			var t int64
			if err := rows.Scan(&t); err != nil {
				return err
			}
			keep = append(keep, t)
			return nil
		})
	if err != nil {
		return err
	}
	err = s.Dir.SetTags(ctx, tx, CaseStudyKind, id, append(keep, in.ThemeIDs...))
	if ve, ok := valid.As(err); ok {
		return valid.Errors{"theme_ids": ve["tags"]}
	}
	return err
}

// CreateCaseStudy creates a case study owned by in.OrgID: its first revision, audited and
// indexed.
func (s *Service) CreateCaseStudy(ctx context.Context, in CaseStudyInput) (CaseStudy, error) {
	p := authz.From(ctx)
	in.Normalize()
	if !p.Can(authz.Contribute, in.OrgID) {
		if !CanCreateCaseStudy(p) {
			return CaseStudy{}, audit.Deny(ctx, s.DB, "case_study.create", CaseStudyKind, 0)
		}
		if err := in.Validate(); err != nil {
			return CaseStudy{}, err
		}
		return CaseStudy{}, valid.Errors{"organisation_id": "Choose an organisation you contribute to."}
	}
	if err := in.Validate(); err != nil {
		return CaseStudy{}, err
	}
	var c CaseStudy
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkCaseStudyRefs(ctx, tx, p, in, nil); err != nil {
			return err
		}
		id, err := insertCaseStudy(ctx, tx, in, p.UserID)
		if err != nil {
			return err
		}
		if err := s.saveCaseStudyRefs(ctx, tx, id, in); err != nil {
			return err
		}
		if c, err = loadCaseStudy(ctx, tx, id); err != nil {
			return err
		}
		summary := "Created"
		if in.Note != "" {
			summary = in.Note + " (created)"
		}
		if err := SaveRevision(ctx, tx, CaseStudyKind, id, 1, p.UserID, summary, caseStudySnapshotOf(c)); err != nil {
			return err
		}
		if err := indexCaseStudy(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "case_study.create", TargetKind: CaseStudyKind, TargetID: id, Target: c.Title,
			Detail: "visibility: " + c.Visibility})
	})
	return c, err
}

// errStaleRevision is the message for an edit made from an older revision.
func errStaleRevision(current int) error {
	return valid.Errors{"": fmt.Sprintf("Someone saved a newer version (revision %d) while you were editing. Your changes are below and were not saved: open the case study again to see theirs, then make your changes to it.", current)}
}

// UpdateCaseStudy edits a case study, keeping the result as a new revision.
func (s *Service) UpdateCaseStudy(ctx context.Context, id int64, in CaseStudyInput) (CaseStudy, error) {
	p := authz.From(ctx)
	old, err := s.CaseStudy(ctx, id)
	if err != nil {
		return CaseStudy{}, err
	}
	if !CanEditCaseStudy(p, old) {
		return CaseStudy{}, audit.Deny(ctx, s.DB, "case_study.update", CaseStudyKind, id)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return CaseStudy{}, err
	}
	if in.OrgID != old.OrgID && !p.Can(authz.Manage, old.OrgID) {
		return CaseStudy{}, valid.Errors{"organisation_id": "Only the owner's managers move a case study to another organisation."}
	}
	if in.OrgID != old.OrgID && !p.Can(authz.Contribute, in.OrgID) {
		return CaseStudy{}, valid.Errors{"organisation_id": "Choose an organisation you contribute to."}
	}
	var c CaseStudy
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := loadCaseStudy(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Revision != 0 && in.Revision != cur.Revision {
			return errStaleRevision(cur.Revision)
		}
		if err := s.checkCaseStudyRefs(ctx, tx, p, in, &cur); err != nil {
			return err
		}
		if err := updateCaseStudy(ctx, tx, id, in); err != nil {
			return err
		}
		if err := s.saveCaseStudyRefs(ctx, tx, id, in); err != nil {
			return err
		}
		if c, err = loadCaseStudy(ctx, tx, id); err != nil {
			return err
		}
		summary := ChangeSummary(CaseStudyFields, caseStudySnapshotOf(cur), caseStudySnapshotOf(c), in.Note)
		if err := SaveRevision(ctx, tx, CaseStudyKind, id, c.Revision, p.UserID, summary, caseStudySnapshotOf(c)); err != nil {
			return err
		}
		if err := indexCaseStudy(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "case_study.update", TargetKind: CaseStudyKind, TargetID: id, Target: c.Title,
			Detail: fmt.Sprintf("revision %d: %s", c.Revision, summary)})
	})
	return c, err
}

// bumpRevision records a change made outside the edit form (archive, attachment) as a new
// revision of the case study, in tx.
func (s *Service) bumpRevision(ctx context.Context, tx db.Q, before CaseStudy, summary string) (CaseStudy, error) {
	if err := db.Affected(tx.Exec(ctx, "UPDATE case_studies SET revision = revision + 1, updated_at = ? WHERE id = ?", db.Now(), before.ID)); err != nil {
		return CaseStudy{}, err
	}
	c, err := loadCaseStudy(ctx, tx, before.ID)
	if err != nil {
		return c, err
	}
	return c, SaveRevision(ctx, tx, CaseStudyKind, c.ID, c.Revision, authz.From(ctx).UserID, summary, caseStudySnapshotOf(c))
}

// ArchiveCaseStudy archives (or restores) a case study: the owner's managers. It leaves the
// search index while archived.
func (s *Service) ArchiveCaseStudy(ctx context.Context, id int64, archive bool) error {
	p := authz.From(ctx)
	action := "case_study.archive"
	if !archive {
		action = "case_study.restore"
	}
	old, err := s.CaseStudy(ctx, id)
	if err != nil {
		return err
	}
	if !CanArchiveCaseStudy(p, old) {
		return audit.Deny(ctx, s.DB, action, CaseStudyKind, id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := loadCaseStudy(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Archived == archive {
			return nil
		}
		var at any
		summary := "Restored"
		if archive {
			at, summary = db.Now(), "Archived"
		}
		if err := db.Affected(tx.Exec(ctx, "UPDATE case_studies SET archived_at = ? WHERE id = ?", at, id)); err != nil {
			return err
		}
		c, err := s.bumpRevision(ctx, tx, cur, summary)
		if err != nil {
			return err
		}
		if err := indexCaseStudy(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: CaseStudyKind, TargetID: id, Target: c.Title})
	})
}

// AttachFile checks and stores a file and attaches it to a case study, as a new revision:
// those who may edit the case study. Refusals of the file are field errors on "file"
// (ErrFileTooLarge for its size).
func (s *Service) AttachFile(ctx context.Context, id int64, up Upload) (File, error) {
	p := authz.From(ctx)
	old, err := s.CaseStudy(ctx, id)
	if err != nil {
		return File{}, err
	}
	if !CanEditCaseStudy(p, old) {
		return File{}, audit.Deny(ctx, s.DB, "case_study.attach", CaseStudyKind, id)
	}
	if len(old.Files) >= csMaxFiles {
		return File{}, valid.Errors{"file": fmt.Sprintf("A case study holds at most %d attachments: remove one first.", csMaxFiles)}
	}
	var f File
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := loadCaseStudy(ctx, tx, id)
		if err != nil {
			return err
		}
		if f, err = SaveFile(ctx, tx, up.Name, up.ContentType, up.Data, p.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO case_study_files (case_study_id, file_id) VALUES (?, ?)", id, f.ID); err != nil {
			return db.MapError(err)
		}
		c, err := s.bumpRevision(ctx, tx, cur, "Attached "+f.Name)
		if err != nil {
			return err
		}
		if err := indexCaseStudy(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "case_study.attach", TargetKind: CaseStudyKind, TargetID: id, Target: c.Title,
			Detail: fmt.Sprintf("file %d: %s (%s, %d bytes)", f.ID, f.Name, f.ContentType, f.Size)})
	})
	return f, err
}

// RemoveFile detaches a file from a case study (the file is kept for the history's sake but
// no longer downloadable through it), as a new revision.
func (s *Service) RemoveFile(ctx context.Context, id, fileID int64) error {
	p := authz.From(ctx)
	old, err := s.CaseStudy(ctx, id)
	if err != nil {
		return err
	}
	if !CanEditCaseStudy(p, old) {
		return audit.Deny(ctx, s.DB, "case_study.detach", CaseStudyKind, id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := loadCaseStudy(ctx, tx, id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(cur.Files, func(f File) bool { return f.ID == fileID })
		if i < 0 {
			return db.ErrNotFound
		}
		if err := db.Affected(tx.Exec(ctx, "DELETE FROM case_study_files WHERE case_study_id = ? AND file_id = ?", id, fileID)); err != nil {
			return err
		}
		c, err := s.bumpRevision(ctx, tx, cur, "Removed "+cur.Files[i].Name)
		if err != nil {
			return err
		}
		if err := indexCaseStudy(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "case_study.detach", TargetKind: CaseStudyKind, TargetID: id, Target: c.Title,
			Detail: fmt.Sprintf("file %d: %s", fileID, cur.Files[i].Name)})
	})
}

// CaseStudyTitle is the title of a case study the principal may see, for the history pages.
func (s *Service) CaseStudyTitle(ctx context.Context, id int64) (string, error) {
	c, err := s.CaseStudy(ctx, id)
	return c.Title, err
}

// caseStudyFileOwner: a file attached to case studies is seen by those who see one of them.
func caseStudyFileOwner(ctx context.Context, q db.Q, v Viewer, fileID int64) (owned, visible bool, err error) {
	err = db.Each(ctx, q, `SELECT cs.visibility, cs.organisation_id, COALESCE(cs.community_id, 0), cs.archived_at IS NOT NULL
		FROM case_study_files x JOIN case_studies cs ON cs.id = x.case_study_id WHERE x.file_id = ?`, []any{fileID},
		func(rows *sql.Rows) error {
			var c CaseStudy
			if err := rows.Scan(&c.Visibility, &c.OrgID, &c.CommunityID, &c.Archived); err != nil {
				return err
			}
			owned = true
			visible = visible || canSeeCaseStudy(v, c)
			return nil
		})
	return owned, visible, err
}

func init() { RegisterFileOwner(caseStudyFileOwner) }

// ---- choices for the forms ----

// dirFilter is a directory list filter by type.
func csDirFilter(typ string) directory.ListFilter { return directory.ListFilter{Type: typ} }

// CommunityOptions lists the communities the principal may share a record with: those they
// are an active member of (every live one for site admins).
func (s *Service) CommunityOptions(ctx context.Context) ([]web.Option, error) {
	p := authz.From(ctx)
	query := `SELECT c.id, c.name FROM communities c JOIN community_members m ON m.community_id = c.id
		WHERE m.user_id = ? AND m.status = 'active' AND c.archived_at IS NULL ORDER BY lower(c.name), c.id`
	args := []any{p.UserID}
	if p.SiteAdmin {
		query, args = "SELECT id, name FROM communities WHERE archived_at IS NULL ORDER BY lower(name), id", nil
	}
	var out []web.Option
	err := db.Each(ctx, s.DB, query, args, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Label: name})
		return nil
	})
	return out, err
}
