package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
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

// Learning reports: staff compile selected learnings into a report — an introduction, then
// sections in order, each with its learnings in order — and add recommendations (see
// recommendations.go). A draft report is seen by the organisation's staff; a published one by
// everyone, each reader seeing the learnings they may see.

// Report statuses.
const (
	ReportDraft     = "draft"
	ReportPublished = "published"
)

// Limits of reports.
const (
	maxReportIntro    = 50_000
	maxSectionIntro   = 10_000
	maxSections       = 50
	maxSectionItems   = 200
	maxLayoutPosition = 100_000
)

// Report is a learning report.
type Report struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"organisation_id"`
	OrgName      string    `json:"organisation_name"`
	Title        string    `json:"title"`
	Introduction string    `json:"introduction"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	PublishedAt  time.Time `json:"published_at,omitzero"`
	Sections     []Section `json:"sections"`
}

// Section is a part of a report with its learnings in order.
type Section struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	Intro       string  `json:"intro"`
	Position    int     `json:"position"`
	LearningIDs []int64 `json:"learning_ids"`
}

// URL is the report's page.
func (r Report) URL() string { return "/reports/" + strconv.FormatInt(r.ID, 10) }

// Published reports whether the report is published.
func (r Report) Published() bool { return r.Status == ReportPublished }

// StatusLabel names the status.
func (r Report) StatusLabel() string {
	if r.Published() {
		return "Published"
	}
	return "Draft"
}

// LearningCount is how many learnings the report holds.
func (r Report) LearningCount() int {
	n := 0
	for _, s := range r.Sections {
		n += len(s.LearningIDs)
	}
	return n
}

// --- permissions ---

// canSeeReport: published reports everyone; drafts the organisation's staff and site admins.
func canSeeReport(p authz.Principal, r Report) bool {
	return r.Status == ReportPublished || p.Can(authz.Read, r.OrgID)
}

// CanCompileReport: the organisation's contributors and up compile and edit its reports.
func CanCompileReport(p authz.Principal, r Report) bool { return p.Can(authz.Contribute, r.OrgID) }

// CanPublishReport: the organisation's managers publish and withdraw its reports.
func CanPublishReport(p authz.Principal, r Report) bool { return p.Can(authz.Manage, r.OrgID) }

// --- store ---

const reportColumns = `r.id, r.organisation_id, o.name, r.title, r.introduction, r.status, r.created_at, r.updated_at, r.published_at`

const reportFrom = ` FROM learning_reports r JOIN organisations o ON o.id = r.organisation_id`

func scanReport(row interface{ Scan(...any) error }) (Report, error) {
	var r Report
	var pub sql.Null[time.Time]
	err := row.Scan(&r.ID, &r.OrgID, &r.OrgName, &r.Title, &r.Introduction, &r.Status, &r.CreatedAt, &r.UpdatedAt, &pub)
	if pub.Valid {
		r.PublishedAt = pub.V.UTC()
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.Sections = []Section{}
	return r, db.MapError(err)
}

// loadReport loads a report with its sections and their learning IDs (all of them).
func loadReport(ctx context.Context, q db.Q, id int64) (Report, error) {
	r, err := scanReport(q.QueryRow(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r.id = ?", id))
	if err != nil {
		return r, err
	}
	at := map[int64]int{}
	err = db.Each(ctx, q, "SELECT id, title, intro, position FROM learning_report_sections WHERE report_id = ? ORDER BY position, id", []any{id},
		func(rows *sql.Rows) error {
			sc := Section{LearningIDs: []int64{}}
			if err := rows.Scan(&sc.ID, &sc.Title, &sc.Intro, &sc.Position); err != nil {
				return err
			}
			at[sc.ID] = len(r.Sections)
			r.Sections = append(r.Sections, sc)
			return nil
		})
	if err != nil {
		return r, err
	}
	err = db.Each(ctx, q, `SELECT it.section_id, it.learning_id FROM learning_report_items it
		JOIN learning_report_sections sc ON sc.id = it.section_id WHERE sc.report_id = ? ORDER BY it.section_id, it.position, it.learning_id`,
		[]any{id}, func(rows *sql.Rows) error {
			var sid, lid int64
			if err := rows.Scan(&sid, &lid); err != nil {
				return err
			}
			if i, ok := at[sid]; ok {
				r.Sections[i].LearningIDs = append(r.Sections[i].LearningIDs, lid)
			}
			return nil
		})
	return r, err
}

// Reports lists the reports the principal in ctx may see: published ones and the drafts of
// their organisations, newest first, at most limit+1 after the cursor.
func (s *Service) Reports(ctx context.Context, after int64, limit int) ([]Report, error) {
	p := authz.From(ctx)
	if limit <= 0 || limit > maxListLimit {
		limit = 50
	}
	cond, args := "r.status = 'published'", []any{}
	if p.SiteAdmin {
		cond = "1=1"
	} else if orgs := p.Orgs(authz.Read); len(orgs) > 0 {
		ph, a := db.In(orgs)
		cond = "(r.status = 'published' OR r.organisation_id IN (" + ph + "))"
		args = append(args, a...)
	}
	if after > 0 {
		cond += " AND r.id < ?"
		args = append(args, after)
	}
	args = append(args, limit+1)
	var out []Report
	err := db.Each(ctx, s.DB, "SELECT "+reportColumns+reportFrom+" WHERE "+cond+" ORDER BY r.id DESC LIMIT ?", args, func(rows *sql.Rows) error {
		r, err := scanReport(rows)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// Report loads a report the principal in ctx may see (db.ErrNotFound otherwise), with only
// the learnings they may see in its sections.
func (s *Service) Report(ctx context.Context, id int64) (Report, error) {
	r, _, err := s.visibleReport(ctx, id)
	return r, err
}

func (s *Service) visibleReport(ctx context.Context, id int64) (Report, Viewer, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Report{}, v, err
	}
	r, err := loadReport(ctx, s.DB, id)
	if err != nil {
		return Report{}, v, err
	}
	if !canSeeReport(v.P, r) {
		return Report{}, v, db.ErrNotFound
	}
	var all []int64
	for _, sc := range r.Sections {
		all = append(all, sc.LearningIDs...)
	}
	seen, err := s.visibleLearningIDs(ctx, v, all)
	if err != nil {
		return r, v, err
	}
	for i := range r.Sections {
		r.Sections[i].LearningIDs = slices.DeleteFunc(r.Sections[i].LearningIDs, func(id int64) bool { return !seen[id] })
	}
	return r, v, nil
}

// visibleLearningIDs says which of ids the viewer may see (archived ones left out).
func (s *Service) visibleLearningIDs(ctx context.Context, v Viewer, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	cond, cargs := v.VisibleSQL("l")
	err := db.InBatches(lrUniqueIDs(ids), func(args []any, ph string) error {
		return db.Each(ctx, s.DB, "SELECT l.id FROM learnings l WHERE l.archived_at IS NULL AND l.id IN ("+ph+") AND "+cond, append(args, cargs...),
			func(rows *sql.Rows) error {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				out[id] = true
				return nil
			})
	})
	return out, err
}

// ReportInput is what a person writes to start or change a report. Sections, when not nil,
// replace the report's sections (API: sections with an ID keep it, those without are new).
type ReportInput struct {
	OrgID        int64          `json:"organisation_id"`
	Title        string         `json:"title"`
	Introduction string         `json:"introduction"`
	Status       string         `json:"status,omitempty"`
	Sections     []SectionInput `json:"sections,omitempty"`
}

// SectionInput is one section of a report as written: ID 0 for a new section.
type SectionInput struct {
	ID          int64   `json:"id,omitempty"`
	Title       string  `json:"title"`
	Intro       string  `json:"intro"`
	LearningIDs []int64 `json:"learning_ids"`
}

func (in *ReportInput) normalize() error {
	in.Title = strings.TrimSpace(in.Title)
	in.Introduction = lrCleanText(in.Introduction)
	in.Status = strings.TrimSpace(in.Status)
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation compiling the report.")
	c.Text("title", in.Title, "the report's title", maxTitle)
	lrLongText(&c, "introduction", in.Introduction, maxReportIntro)
	if in.Status != "" {
		c.OneOf("status", in.Status, []string{ReportDraft, ReportPublished}, "draft or published")
	}
	return c.Err()
}

// ReportLayout is the structure of a report as the edit form or the API sends it.
type ReportLayout struct {
	Title        string
	Introduction string
	Sections     []SectionInput
}

// sectionField names a section's form field ("section-3-title"; new sections have none).
func sectionField(id int64, name string) string {
	return "section-" + strconv.FormatInt(id, 10) + "-" + name
}

// checkLayout checks the sections of a layout: titles, lengths, counts. Field names are
// those of the edit form.
func checkLayout(c *valid.Checker, secs []SectionInput) {
	if len(secs) > maxSections {
		c.Addf("new-section-title", "A report holds at most %d sections.", maxSections)
	}
	for i := range secs {
		sc := &secs[i]
		sc.Title = strings.TrimSpace(sc.Title)
		sc.Intro = lrCleanText(sc.Intro)
		field := "new-section-title"
		if sc.ID != 0 {
			field = sectionField(sc.ID, "title")
		}
		c.Text(field, sc.Title, "the section's title", maxTitle)
		introField := field
		if sc.ID != 0 {
			introField = sectionField(sc.ID, "intro")
		}
		lrLongText(c, introField, sc.Intro, maxSectionIntro)
		sc.LearningIDs = dedupeKeepOrder(sc.LearningIDs)
		if len(sc.LearningIDs) > maxSectionItems {
			c.Addf(field, "A section holds at most %d learnings.", maxSectionItems)
		}
	}
}

func dedupeKeepOrder(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// reportDoc is the search document of a report: found by everyone once published, by the
// organisation's staff while a draft.
func reportDoc(r Report) search.Doc {
	vis := search.VisOrg
	if r.Published() {
		vis = search.VisPublic
	}
	var titles []string
	for _, sc := range r.Sections {
		titles = append(titles, sc.Title)
	}
	body := strings.Join([]string{MarkdownText(r.Introduction), strings.Join(titles, "\n"), r.OrgName}, "\n")
	return search.Doc{Kind: KindReport, RecordID: r.ID, Title: r.Title, Body: valid.Truncate(body, 20_000), URL: r.URL(), Public: r.Published(), OrgID: r.OrgID, Visibility: vis}
}

// indexReport writes a report's search document.
func indexReport(ctx context.Context, tx db.Q, r Report) error {
	return search.Index(ctx, tx, reportDoc(r))
}

// CreateReport starts a report (contributors of the organisation), as a draft, with the
// sections given (API) or none.
func (s *Service) CreateReport(ctx context.Context, in ReportInput) (Report, error) {
	p := authz.From(ctx)
	if !CanAddLearning(p) {
		return Report{}, audit.Deny(ctx, s.DB, "report.create", KindReport, 0)
	}
	if err := in.normalize(); err != nil {
		return Report{}, err
	}
	var c valid.Checker
	checkLayout(&c, in.Sections)
	if err := c.Err(); err != nil {
		return Report{}, err
	}
	if in.Status == ReportPublished && !p.Can(authz.Manage, in.OrgID) {
		return Report{}, valid.Errors{"status": "Only the organisation's managers publish reports: save it as a draft."}
	}
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Report{}, err
	}
	var r Report
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !p.Can(authz.Contribute, in.OrgID) {
			return valid.Errors{"organisation_id": "Choose an organisation you contribute to."}
		}
		if err := lrCheckOrg(ctx, tx, in.OrgID); err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return valid.Errors{"organisation_id": "Choose an organisation from the list."}
			}
			return err
		}
		now := s.Now()
		status := ReportDraft
		var pub any
		if in.Status == ReportPublished {
			status, pub = ReportPublished, now
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO learning_reports (organisation_id, title, introduction, status, created_by, created_at, updated_at, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.OrgID, in.Title, in.Introduction, status, lrNullID(p.UserID), now, now, pub).Scan(&id)
		if err != nil {
			return db.MapError(err)
		}
		if err := s.writeSections(ctx, tx, v, Report{ID: id}, in.Sections); err != nil {
			return err
		}
		if r, err = loadReport(ctx, tx, id); err != nil {
			return err
		}
		if err := indexReport(ctx, tx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "report.create", TargetKind: KindReport, TargetID: id, Target: r.Title,
			Detail: reportDetail(r)})
	})
	return r, err
}

func reportDetail(r Report) string {
	return fmt.Sprintf("%s; %d sections, %d learnings", r.Status, len(r.Sections), r.LearningCount())
}

// editableReport loads a report for a change: ErrNotFound for those who may not see it, a
// denial (audited) for those who may see it but not change it.
func (s *Service) editableReport(ctx context.Context, id int64, action string, may func(authz.Principal, Report) bool) (Report, Viewer, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Report{}, v, err
	}
	r, err := loadReport(ctx, s.DB, id)
	if err != nil {
		return Report{}, v, err
	}
	if !canSeeReport(v.P, r) {
		return Report{}, v, db.ErrNotFound
	}
	if !may(v.P, r) {
		return Report{}, v, audit.Deny(ctx, s.DB, action, KindReport, id)
	}
	return r, v, nil
}

// ReportForEdit loads a report, with every learning in it, for its edit page.
func (s *Service) ReportForEdit(ctx context.Context, id int64) (Report, error) {
	r, _, err := s.editableReport(ctx, id, "report.update", CanCompileReport)
	return r, err
}

// writeSections replaces the sections of report r (as loaded, with its current sections)
// with secs, inside tx: sections keep their IDs, new ones are added, those left out are
// deleted. Every learning must exist and be one the editor may see, or already be in the
// section.
func (s *Service) writeSections(ctx context.Context, tx db.Q, v Viewer, r Report, secs []SectionInput) error {
	current := map[int64]Section{}
	for _, sc := range r.Sections {
		current[sc.ID] = sc
	}
	var c valid.Checker
	var want []int64
	for _, sc := range secs {
		if sc.ID != 0 {
			if _, ok := current[sc.ID]; !ok {
				c.Addf("sections", "There is no section with the ID %d in this report.", sc.ID)
			}
		}
		want = append(want, sc.LearningIDs...)
	}
	if err := c.Err(); err != nil {
		return err
	}
	ok := map[int64]bool{}
	cond, cargs := v.VisibleSQL("l")
	err := db.InBatches(lrUniqueIDs(want), func(args []any, ph string) error {
		return db.Each(ctx, tx, "SELECT l.id FROM learnings l WHERE l.archived_at IS NULL AND l.id IN ("+ph+") AND "+cond, append(args, cargs...),
			func(rows *sql.Rows) error {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ok[id] = true
				return nil
			})
	})
	if err != nil {
		return err
	}
	for _, sc := range secs {
		field := "new-section-title"
		if sc.ID != 0 {
			field = sectionField(sc.ID, "add")
		}
		for _, lid := range sc.LearningIDs {
			if !ok[lid] && !slices.Contains(current[sc.ID].LearningIDs, lid) {
				c.Addf(field, "There is no learning with the ID %d that you may add.", lid)
			}
		}
	}
	if err := c.Err(); err != nil {
		return err
	}
	keep := map[int64]bool{}
	for _, sc := range secs {
		keep[sc.ID] = true
	}
	for id := range current {
		if !keep[id] {
			if _, err := tx.Exec(ctx, "DELETE FROM learning_report_items WHERE section_id = ?", id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM learning_report_sections WHERE id = ?", id); err != nil {
				return err
			}
		}
	}
	for i, sc := range secs {
		pos := i + 1
		id := sc.ID
		if id == 0 {
			if err := tx.QueryRow(ctx, "INSERT INTO learning_report_sections (report_id, title, intro, position) VALUES (?, ?, ?, ?) RETURNING id",
				r.ID, sc.Title, sc.Intro, pos).Scan(&id); err != nil {
				return db.MapError(err)
			}
		} else {
			if err := db.Affected(tx.Exec(ctx, "UPDATE learning_report_sections SET title = ?, intro = ?, position = ? WHERE id = ? AND report_id = ?",
				sc.Title, sc.Intro, pos, id, r.ID)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM learning_report_items WHERE section_id = ?", id); err != nil {
				return err
			}
		}
		for j, lid := range sc.LearningIDs {
			if _, err := tx.Exec(ctx, "INSERT INTO learning_report_items (section_id, learning_id, position) VALUES (?, ?, ?)", id, lid, j+1); err != nil {
				return db.MapError(err)
			}
		}
	}
	return nil
}

// sectionsOf turns a report's sections into input, for changes that keep them.
func sectionsOf(r Report) []SectionInput {
	out := make([]SectionInput, len(r.Sections))
	for i, sc := range r.Sections {
		out[i] = SectionInput{ID: sc.ID, Title: sc.Title, Intro: sc.Intro, LearningIDs: slices.Clone(sc.LearningIDs)}
	}
	return out
}

// UpdateReport changes a report's title, introduction and, when in.Sections is not nil, its
// sections (the organisation's contributors); a change of status needs a manager.
func (s *Service) UpdateReport(ctx context.Context, id int64, in ReportInput) (Report, error) {
	old, v, err := s.editableReport(ctx, id, "report.update", CanCompileReport)
	if err != nil {
		return Report{}, err
	}
	in.OrgID = old.OrgID
	if err := in.normalize(); err != nil {
		return Report{}, err
	}
	var c valid.Checker
	checkLayout(&c, in.Sections)
	if err := c.Err(); err != nil {
		return Report{}, err
	}
	if in.Status == "" {
		in.Status = old.Status
	}
	if in.Status != old.Status && !CanPublishReport(v.P, old) {
		return Report{}, audit.Deny(ctx, s.DB, "report.publish", KindReport, id)
	}
	var r Report
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := loadReport(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.Now()
		pub := any(nil)
		if in.Status == ReportPublished {
			pub = now
			if !cur.PublishedAt.IsZero() && cur.Published() {
				pub = cur.PublishedAt
			}
		}
		if err := db.Affected(tx.Exec(ctx, "UPDATE learning_reports SET title = ?, introduction = ?, status = ?, published_at = ?, updated_at = ? WHERE id = ?",
			in.Title, in.Introduction, in.Status, pub, now, id)); err != nil {
			return err
		}
		if in.Sections != nil {
			if err := s.writeSections(ctx, tx, v, cur, in.Sections); err != nil {
				return err
			}
		}
		if r, err = loadReport(ctx, tx, id); err != nil {
			return err
		}
		if err := indexReport(ctx, tx, r); err != nil {
			return err
		}
		if r.Status != cur.Status {
			if err := indexRecommendations(ctx, tx, r); err != nil {
				return err
			}
		}
		action := "report.update"
		if r.Status != cur.Status {
			action = "report.publish"
			if !r.Published() {
				action = "report.unpublish"
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: KindReport, TargetID: id, Target: r.Title, Detail: reportDetail(r)})
	})
	return r, err
}

// SaveReportLayout saves what the edit form sends: the title, the introduction and the
// sections in order with their learnings in order.
func (s *Service) SaveReportLayout(ctx context.Context, id int64, l ReportLayout) (Report, error) {
	secs := l.Sections
	if secs == nil {
		secs = []SectionInput{}
	}
	return s.UpdateReport(ctx, id, ReportInput{Title: l.Title, Introduction: l.Introduction, Sections: secs})
}

// PublishReport publishes (or withdraws to draft) a report: its managers.
func (s *Service) PublishReport(ctx context.Context, id int64, publish bool) (Report, error) {
	r, _, err := s.editableReport(ctx, id, "report.publish", CanPublishReport)
	if err != nil {
		return Report{}, err
	}
	status := ReportDraft
	if publish {
		status = ReportPublished
	}
	return s.UpdateReport(ctx, id, ReportInput{Title: r.Title, Introduction: r.Introduction, Status: status})
}

// --- the edit form: parsing the layout and the button pressed ---

// LayoutOp is the button pressed on the report's edit form.
type LayoutOp struct {
	Verb    string // save, add-section, section-up, section-down, section-delete, item-up, item-down, item-remove, item-add
	Section int64
	Item    int64
}

// Message says what the operation did, for the flash after it.
func (op LayoutOp) Message() string {
	switch op.Verb {
	case "add-section":
		return "The section is added."
	case "section-up", "section-down":
		return "The section is moved."
	case "section-delete":
		return "The section is removed. Its learnings are still in the library."
	case "item-up", "item-down":
		return "The learning is moved."
	case "item-remove":
		return "The learning is taken out of the section."
	case "item-add":
		return "The learning is added to the section."
	}
	return "The report is saved."
}

// Anchor is where the edit page should open after the operation.
func (op LayoutOp) Anchor() string {
	if op.Section != 0 && op.Verb != "section-delete" {
		return "#section-" + strconv.FormatInt(op.Section, 10)
	}
	if op.Verb == "add-section" || op.Verb == "section-delete" {
		return "#sections"
	}
	return ""
}

// parseOp reads the value of the "op" button: "save", "add-section", "section-up-3",
// "item-down-3-12" (section 3, learning 12), …
func parseOp(s string) (LayoutOp, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "save":
		return LayoutOp{Verb: "save"}, true
	case "add-section":
		return LayoutOp{Verb: s}, true
	}
	for _, verb := range []string{"section-up", "section-down", "section-delete", "item-add"} {
		if rest, ok := strings.CutPrefix(s, verb+"-"); ok {
			id, err := strconv.ParseInt(rest, 10, 64)
			if err != nil || id <= 0 {
				return LayoutOp{}, false
			}
			return LayoutOp{Verb: verb, Section: id}, true
		}
	}
	for _, verb := range []string{"item-up", "item-down", "item-remove"} {
		if rest, ok := strings.CutPrefix(s, verb+"-"); ok {
			a, b, ok := strings.Cut(rest, "-")
			if !ok {
				return LayoutOp{}, false
			}
			sid, err1 := strconv.ParseInt(a, 10, 64)
			lid, err2 := strconv.ParseInt(b, 10, 64)
			if err1 != nil || err2 != nil || sid <= 0 || lid <= 0 {
				return LayoutOp{}, false
			}
			return LayoutOp{Verb: verb, Section: sid, Item: lid}, true
		}
	}
	return LayoutOp{}, false
}

// parsePosition reads an optional position box: ok false (with a message) when it is not a
// whole number in range; set false when it is empty.
func parsePosition(c *valid.Checker, field, s string) (n int, set bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < -maxLayoutPosition || v > maxLayoutPosition {
		c.Add(field, "Enter the position as a whole number, such as 2.")
		return 0, false
	}
	return v, true
}

// reorder puts ids in the order their typed positions ask for: each typed one goes to the
// position it names (1 is first; out-of-range numbers go to the nearest end; two asking for
// the same place keep their order), and the others keep their order in the places left.
func reorder(ids []int64, pos map[int64]int) []int64 {
	n := len(ids)
	type want struct {
		id       int64
		pos, idx int
	}
	var typed []want
	for i, id := range ids {
		if p, ok := pos[id]; ok {
			typed = append(typed, want{id, min(max(p, 1), n), i})
		}
	}
	slices.SortStableFunc(typed, func(a, b want) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return a.idx - b.idx
	})
	out := make([]int64, n)
	filled := make([]bool, n)
	free := func(from int) int {
		for i := from; i < n; i++ {
			if !filled[i] {
				return i
			}
		}
		for i := 0; i < n; i++ {
			if !filled[i] {
				return i
			}
		}
		return -1
	}
	for _, w := range typed {
		i := free(w.pos - 1)
		out[i], filled[i] = w.id, true
	}
	for _, id := range ids {
		if _, ok := pos[id]; ok {
			continue
		}
		i := free(0)
		out[i], filled[i] = id, true
	}
	return out
}

func parseIDs(c *valid.Checker, field string, vals []string) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, v := range vals {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			c.Add(field, "The form was changed in a way this page cannot read: reload the page and try again.")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// ParseLayoutForm reads the report's edit form: the report's title and introduction, the
// sections in the order the form lists them ("section", repeated), each with its title,
// introduction, typed position and learnings ("section-{id}-item", repeated, with typed
// positions "section-{id}-item-{learning}-position"), a learning to add to each
// ("section-{id}-add"), a new section's title ("new-section-title"), and the button pressed
// ("op"). Typed positions are applied first, then the additions, then the button. Field
// errors name the form's fields; nothing is saved here.
func ParseLayoutForm(v url.Values) (ReportLayout, LayoutOp, error) {
	var c valid.Checker
	l := ReportLayout{Title: strings.TrimSpace(v.Get("title")), Introduction: v.Get("introduction")}
	op, ok := parseOp(v.Get("op"))
	if !ok {
		c.Add("", "The button pressed is not one this page knows: reload the page and try again.")
	}
	if len(v["section"]) > maxSections*2 || len(v) > 20_000 {
		c.Add("", "The form is too large.")
		return l, op, c.Err()
	}
	sids := parseIDs(&c, "", v["section"])
	secPos := map[int64]int{}
	byID := map[int64]*SectionInput{}
	secs := make([]SectionInput, 0, len(sids))
	for _, sid := range sids {
		if n, set := parsePosition(&c, sectionField(sid, "position"), v.Get(sectionField(sid, "position"))); set {
			secPos[sid] = n
		}
		itemVals := v[sectionField(sid, "item")]
		if len(itemVals) > maxSectionItems*2 {
			c.Addf(sectionField(sid, "add"), "A section holds at most %d learnings.", maxSectionItems)
			itemVals = itemVals[:maxSectionItems*2]
		}
		items := parseIDs(&c, "", itemVals)
		itemPos := map[int64]int{}
		for _, lid := range items {
			f := sectionField(sid, "item-"+strconv.FormatInt(lid, 10)+"-position")
			if n, set := parsePosition(&c, f, v.Get(f)); set {
				itemPos[lid] = n
			}
		}
		secs = append(secs, SectionInput{ID: sid, Title: strings.TrimSpace(v.Get(sectionField(sid, "title"))), Intro: v.Get(sectionField(sid, "intro")),
			LearningIDs: reorder(items, itemPos)})
	}
	order := reorder(sids, secPos)
	sorted := make([]SectionInput, 0, len(secs))
	for _, sid := range order {
		for i := range secs {
			if secs[i].ID == sid {
				sorted = append(sorted, secs[i])
			}
		}
	}
	for i := range sorted {
		byID[sorted[i].ID] = &sorted[i]
	}
	// Additions: every section whose "add" box holds a learning.
	for _, sid := range order {
		f := sectionField(sid, "add")
		if s := strings.TrimSpace(v.Get(f)); s != "" {
			lid, err := strconv.ParseInt(s, 10, 64)
			if err != nil || lid <= 0 {
				c.Add(f, "Choose a learning from the list.")
				continue
			}
			sc := byID[sid]
			if !slices.Contains(sc.LearningIDs, lid) {
				sc.LearningIDs = append(sc.LearningIDs, lid)
			}
		}
	}
	if op.Verb == "item-add" {
		if sc, ok := byID[op.Section]; !ok {
			c.Add("", "That section is no longer in the report: reload the page.")
		} else if strings.TrimSpace(v.Get(sectionField(sc.ID, "add"))) == "" {
			c.Add(sectionField(sc.ID, "add"), "Choose a learning to add.")
		}
	}
	newTitle := strings.TrimSpace(v.Get("new-section-title"))
	if newTitle != "" {
		sorted = append(sorted, SectionInput{Title: newTitle, Intro: v.Get("new-section-intro"), LearningIDs: []int64{}})
	} else if op.Verb == "add-section" {
		c.Add("new-section-title", "Enter the new section's title.")
	}
	// The button.
	idx := func(sid int64) int {
		return slices.IndexFunc(sorted, func(sc SectionInput) bool { return sc.ID == sid && sid != 0 })
	}
	switch op.Verb {
	case "section-up", "section-down", "section-delete":
		i := idx(op.Section)
		if i < 0 {
			c.Add("", "That section is no longer in the report: reload the page.")
			break
		}
		switch {
		case op.Verb == "section-delete":
			sorted = slices.Delete(sorted, i, i+1)
		case op.Verb == "section-up" && i > 0:
			sorted[i-1], sorted[i] = sorted[i], sorted[i-1]
		case op.Verb == "section-down" && i < len(sorted)-1 && sorted[i+1].ID != 0:
			sorted[i+1], sorted[i] = sorted[i], sorted[i+1]
		}
	case "item-up", "item-down", "item-remove":
		i := idx(op.Section)
		if i < 0 {
			c.Add("", "That section is no longer in the report: reload the page.")
			break
		}
		items := sorted[i].LearningIDs
		j := slices.Index(items, op.Item)
		if j < 0 {
			c.Add("", "That learning is no longer in the section: reload the page.")
			break
		}
		switch {
		case op.Verb == "item-remove":
			sorted[i].LearningIDs = slices.Delete(items, j, j+1)
		case op.Verb == "item-up" && j > 0:
			items[j-1], items[j] = items[j], items[j-1]
		case op.Verb == "item-down" && j < len(items)-1:
			items[j+1], items[j] = items[j], items[j+1]
		}
	}
	for i := range sorted {
		if sorted[i].LearningIDs == nil {
			sorted[i].LearningIDs = []int64{}
		}
	}
	l.Sections = sorted
	return l, op, c.Err()
}

// LearningChoices lists the learnings an editor may add to a report: those they may see, not
// archived, newest first (at most 500).
func (s *Service) LearningChoices(ctx context.Context) ([]web.Option, error) {
	ls, err := s.Learnings(ctx, LearningFilter{Limit: maxListLimit})
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, 0, len(ls))
	for i, l := range ls {
		if i >= maxListLimit {
			break
		}
		out = append(out, web.Option{Value: strconv.FormatInt(l.ID, 10), Label: l.Title + " (" + l.TypeLabel() + ", " + l.OrgName + ")"})
	}
	return out, nil
}

// CompiledSection is a section with its learnings, in order, as the reader may see them.
type CompiledSection struct {
	Section
	Learnings []Learning
}

// CompiledReport is a report as its reader sees it: the introduction, the sections with
// their learnings in order, and the recommendations with the commitments that answer them.
type CompiledReport struct {
	Report
	Compiled        []CompiledSection
	Recommendations []Recommendation
	// Hidden counts the learnings in the report the reader may not see (told to staff only).
	Hidden     int
	CanEdit    bool
	CanPublish bool
}

// CompileReport gathers a report for reading, printing and export, as the principal in ctx
// may see it.
func (s *Service) CompileReport(ctx context.Context, id int64) (CompiledReport, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return CompiledReport{}, err
	}
	full, err := loadReport(ctx, s.DB, id)
	if err != nil {
		return CompiledReport{}, err
	}
	if !canSeeReport(v.P, full) {
		return CompiledReport{}, db.ErrNotFound
	}
	r, _, err := s.visibleReport(ctx, id)
	if err != nil {
		return CompiledReport{}, err
	}
	cr := CompiledReport{Report: r, CanEdit: CanCompileReport(v.P, r), CanPublish: CanPublishReport(v.P, r)}
	if cr.CanEdit {
		cr.Hidden = full.LearningCount() - r.LearningCount()
	}
	var ids []int64
	for _, sc := range r.Sections {
		ids = append(ids, sc.LearningIDs...)
	}
	byID := map[int64]Learning{}
	err = db.InBatches(lrUniqueIDs(ids), func(args []any, ph string) error {
		var ls []Learning
		err := db.Each(ctx, s.DB, "SELECT "+learningColumns+learningFrom+" WHERE l.id IN ("+ph+")", args, func(rows *sql.Rows) error {
			l, err := scanLearning(rows)
			if err != nil {
				return err
			}
			ls = append(ls, l)
			return nil
		})
		if err != nil {
			return err
		}
		if err := fillLearnings(ctx, s.DB, ls); err != nil {
			return err
		}
		for _, l := range ls {
			byID[l.ID] = l
		}
		return nil
	})
	if err != nil {
		return cr, err
	}
	for _, sc := range r.Sections {
		cs := CompiledSection{Section: sc}
		for _, lid := range sc.LearningIDs {
			if l, ok := byID[lid]; ok {
				cs.Learnings = append(cs.Learnings, l)
			}
		}
		cr.Compiled = append(cr.Compiled, cs)
	}
	cr.Recommendations, err = s.recommendationsOf(ctx, v, id)
	return cr, err
}
