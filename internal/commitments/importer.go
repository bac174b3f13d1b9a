package commitments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// ImportOptions says how an import runs.
type ImportOptions struct {
	// OwnerID is the organisation that owns the plans the import creates (the importer must
	// contribute to it). 0 lets each new plan be owned by the lead institution of its first row
	// in the file: site administrators only (the command line).
	OwnerID int64
	// DryRun works out every change and reports it, then writes nothing.
	DryRun bool
	// SkipInvalid writes the valid rows when some rows have errors; without it, any error
	// means nothing is written.
	SkipInvalid bool
	// Progress, when set, is called after each row with the rows done and the total.
	Progress func(done, total int)
}

// ImportChange is what the import did (or, in a dry run, would do) to one commitment.
type ImportChange struct {
	Line      int    `json:"line"`
	Reference string `json:"reference"`
	Action    string `json:"action"` // "create" or "update"
	Detail    string `json:"detail"`
}

// ImportResult reports an import.
type ImportResult struct {
	Rows                 int            `json:"rows"` // data rows read, good and bad
	Created              int            `json:"created"`
	Updated              int            `json:"updated"`
	Unchanged            int            `json:"unchanged"`
	Invalid              int            `json:"invalid"` // rows with errors
	PlansCreated         int            `json:"plans_created"`
	OrganisationsCreated int            `json:"organisations_created"`
	PolicyAreasCreated   int            `json:"policy_areas_created"`
	Assessments          int            `json:"assessments_recorded"`
	ReviewsSkipped       int            `json:"reviews_skipped"` // review columns the importer may not record
	Errors               []RowError     `json:"errors"`
	Changes              []ImportChange `json:"changes"`
	DryRun               bool           `json:"dry_run"`
	Written              bool           `json:"written"`
	Duration             time.Duration  `json:"-"`
}

// errRollback ends the import's transaction without writing (a dry run, or errors).
var errRollback = errors.New("import rolled back")

// CanImport: contributors of any organisation.
func CanImport(p authz.Principal) bool { return p.CanAny(authz.Contribute) }

// ImportCSV parses an OGP spreadsheet saved as CSV and imports it.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader, opts ImportOptions) (ImportResult, error) {
	rows, errs := ParseOGPCSV(r)
	return s.Import(ctx, rows, errs, opts)
}

// Import writes rows (parsed by ParseOGPCSV, whose errors are parseErrs) in one transaction:
// unknown institutions become organisations, unknown themes policy areas, and plans are
// created per country and action plan number. A row changes its commitment (found by its
// identifier) only when a field differs; each change is audited. With any error nothing is
// written, unless SkipInvalid. A returned error is a failure of the import itself (not of a
// row): nothing was written.
func (s *Service) Import(ctx context.Context, rows []Row, parseErrs []RowError, opts ImportOptions) (ImportResult, error) {
	start := time.Now()
	p := authz.From(ctx)
	res := ImportResult{DryRun: opts.DryRun, Errors: append([]RowError{}, parseErrs...), Changes: []ImportChange{}}
	if !CanImport(p) {
		return res, audit.Deny(ctx, s.DB, "commitment.import", "commitment", 0)
	}
	if opts.OwnerID == 0 && !p.SiteAdmin {
		return res, valid.Errors{"owner_id": "Choose the organisation that owns the plans the import creates."}
	}
	if opts.OwnerID != 0 && !p.Can(authz.Contribute, opts.OwnerID) {
		return res, valid.Errors{"owner_id": "Choose an organisation you contribute to."}
	}
	im := &importer{s: s, p: p, opts: opts, res: &res, today: Date{s.Now().UTC().Truncate(24 * time.Hour)},
		orgs: map[string]orgEntry{}, orgNames: map[int64]string{}, tags: map[string]tagEntry{}, plans: map[string]*Plan{}, existing: map[string]*existingCommitment{}}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		im.tx = tx
		if opts.OwnerID != 0 {
			o, err := s.Dir.Store.Org(ctx, tx, opts.OwnerID)
			if errors.Is(err, db.ErrNotFound) {
				return valid.Errors{"owner_id": "Choose an organisation from the list."}
			} else if err != nil {
				return err
			}
			im.owner = o
		}
		if err := im.loadNames(ctx); err != nil {
			return err
		}
		if err := im.loadExisting(ctx, rows); err != nil {
			return err
		}
		for i, r := range rows {
			rerrs, err := im.row(ctx, r)
			if err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			res.Errors = append(res.Errors, rerrs...)
			if opts.Progress != nil {
				opts.Progress(i+1, len(rows))
			}
		}
		if err := im.flush(ctx); err != nil {
			return err
		}
		if opts.DryRun || (len(res.Errors) > 0 && !opts.SkipInvalid) {
			return errRollback
		}
		if res.Created+res.Updated+res.PlansCreated+res.OrganisationsCreated+res.PolicyAreasCreated+res.Assessments == 0 {
			return nil // nothing changed: nothing to record
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "commitment.import", TargetKind: "commitment",
			Detail: fmt.Sprintf("OGP spreadsheet: %d created, %d updated, %d unchanged, %d invalid rows skipped; %d plans, %d organisations, %d policy areas created; %d assessments",
				res.Created, res.Updated, res.Unchanged, importCountLines(res.Errors), res.PlansCreated, res.OrganisationsCreated, res.PolicyAreasCreated, res.Assessments)})
	})
	importSortErrors(res.Errors)
	res.Invalid = importCountLines(res.Errors)
	res.Rows = len(rows) + importCountLines(parseErrs)
	res.Duration = time.Since(start)
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return ImportResult{DryRun: opts.DryRun, Errors: res.Errors, Changes: []ImportChange{}}, err
	}
	res.Written = true
	return res, nil
}

func importCountLines(errs []RowError) int {
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	return len(lines)
}

func importSortErrors(errs []RowError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
}

type orgEntry struct {
	id   int64
	name string
}

type tagEntry struct {
	id       int64
	name     string
	archived bool
}

type existingCommitment struct {
	c        Commitment
	imported *Assessment // the latest assessment recorded by an import
}

// importer holds one import's caches: every lookup is made once.
type importer struct {
	s        *Service
	tx       *db.Tx
	p        authz.Principal
	opts     ImportOptions
	res      *ImportResult
	today    Date
	owner    directory.Organisation
	orgs     map[string]orgEntry // by lower-case name (or short name); id 0: not in the directory
	orgNames map[int64]string    // names of the organisations met, by ID
	tags     map[string]tagEntry // policy areas by lower-case name
	plans    map[string]*Plan    // by country and plan number; nil: none yet
	existing map[string]*existingCommitment
	pending  []pendingCommitment // new commitments not written yet
	reviews  []pendingReview     // assessments not written yet
}

// importBatch is how many new commitments (or assessments) are written at once.
const importBatch = 200

type pendingCommitment struct {
	line int
	in   CommitmentInput
	plan Plan
}

type pendingReview struct {
	line         int
	ref          string
	commitmentID int64 // 0: a new commitment, found by ref once written
	in           AssessmentInput
}

// flush writes the pending commitments (in multi-row statements), their supporters, policy
// areas, search documents and audit entries, then the pending assessments.
func (im *importer) flush(ctx context.Context) error {
	ins := make([]CommitmentInput, len(im.pending))
	for i, p := range im.pending {
		ins[i] = p.in
	}
	ids, err := im.s.Store.InsertCommitments(ctx, im.tx, ins)
	if err != nil {
		return err
	}
	var pairs [][2]int64
	for _, p := range im.pending {
		for _, sid := range importSortedIDs(p.in.SupporterIDs) {
			pairs = append(pairs, [2]int64{ids[p.in.Reference], sid})
		}
	}
	if err := im.s.Store.InsertSupporters(ctx, im.tx, pairs); err != nil {
		return err
	}
	for _, p := range im.pending {
		id := ids[p.in.Reference]
		if len(p.in.PolicyAreaIDs) > 0 {
			if err := im.s.Dir.Store.ReplaceTaggings(ctx, im.tx, "commitment", id, importSortedIDs(p.in.PolicyAreaIDs)); err != nil {
				return err
			}
		}
		c := im.commitmentOf(id, p.in, p.plan)
		if err := im.s.index(ctx, im.tx, c, nil); err != nil {
			return err
		}
		if err := audit.Record(ctx, im.tx, audit.Entry{Action: "commitment.create", TargetKind: "commitment", TargetID: id, Target: c.Reference,
			Detail: fmt.Sprintf("imported from the OGP spreadsheet (line %d)", p.line)}); err != nil {
			return err
		}
		im.existing[p.in.Reference] = &existingCommitment{c: c}
	}
	im.pending = im.pending[:0]
	for i := range im.reviews {
		if im.reviews[i].commitmentID == 0 {
			im.reviews[i].commitmentID = im.existing[im.reviews[i].ref].c.ID
		}
	}
	aids, err := im.s.Store.InsertAssessments(ctx, im.tx, importAssessor, im.reviews)
	if err != nil {
		return err
	}
	for _, rv := range im.reviews {
		if err := audit.Record(ctx, im.tx, audit.Entry{Action: "assessment.create", TargetKind: "commitment", TargetID: rv.commitmentID, Target: rv.ref,
			Detail: fmt.Sprintf("independent assessment %d from the OGP spreadsheet import (line %d)", aids[rv.commitmentID], rv.line)}); err != nil {
			return err
		}
	}
	im.reviews = im.reviews[:0]
	return nil
}

// importAssessor names the assessor of the reviews the import records.
const importAssessor = "Independent Reporting Mechanism (OGP spreadsheet)"

// loadExisting reads, in batches, the commitments the file names, with their relations and
// the latest imported assessment.
func (im *importer) loadExisting(ctx context.Context, rows []Row) error {
	refs := make([]string, len(rows))
	for i, r := range rows {
		refs[i] = r.Reference
	}
	cs, err := im.s.Store.CommitmentsByRefs(ctx, im.tx, refs)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return nil
	}
	if err := im.s.Store.Relations(ctx, im.tx, cs); err != nil {
		return err
	}
	as, err := im.s.Store.AssessmentsOf(ctx, im.tx, ids(cs))
	if err != nil {
		return err
	}
	for _, c := range cs {
		ex := &existingCommitment{c: c}
		for i := range as[c.ID] {
			if a := as[c.ID][i]; a.Source == ImportSource && a.Kind == "independent" {
				ex.imported = &a
			}
		}
		im.existing[NormalizeReference(c.Reference)] = ex
		if c.LeadOrgID != 0 {
			im.orgNames[c.LeadOrgID] = c.LeadOrgName
		}
	}
	return nil
}

func importPlanKey(country string, number int) string {
	return strings.ToLower(country) + "\x00" + strconv.Itoa(number)
}

// plan finds the plan of the row's country and plan number (nil when there is none yet).
func (im *importer) plan(ctx context.Context, r Row) (*Plan, error) {
	key := importPlanKey(r.Country, r.PlanNumber)
	if pl, ok := im.plans[key]; ok {
		return pl, nil
	}
	pl, err := im.s.Store.PlanByNumber(ctx, im.tx, r.Country, r.PlanNumber)
	if errors.Is(err, db.ErrNotFound) {
		im.plans[key] = nil
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	im.plans[key] = &pl
	return &pl, nil
}

// loadNames reads every organisation's and policy area's names once: the rows are matched
// against them in memory, as OrgByName and TagByName would (the first by ID of those whose
// name or short name matches, ignoring case).
func (im *importer) loadNames(ctx context.Context) error {
	orgs, err := im.s.Store.OrgNames(ctx, im.tx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		e := orgEntry{id: o.ID, name: o.Name}
		im.orgNames[o.ID] = o.Name
		for _, k := range []string{o.Name, o.ShortName} {
			if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
				if _, ok := im.orgs[k]; !ok {
					im.orgs[k] = e
				}
			}
		}
	}
	tags, err := im.s.Store.TagNames(ctx, im.tx, "policy_area")
	if err != nil {
		return err
	}
	for _, t := range tags {
		if k := strings.ToLower(strings.TrimSpace(t.Name)); k != "" {
			if _, ok := im.tags[k]; !ok {
				im.tags[k] = tagEntry{id: t.ID, name: t.Name, archived: t.Archived}
			}
		}
	}
	return nil
}

// org finds an institution by name or short name (id 0 when it is not in the directory).
func (im *importer) org(name string) orgEntry {
	if e, ok := im.orgs[strings.ToLower(name)]; ok {
		return e
	}
	return orgEntry{name: name}
}

// tag finds a policy area by name (id 0 when there is none).
func (im *importer) tag(name string) tagEntry {
	if e, ok := im.tags[strings.ToLower(name)]; ok {
		return e
	}
	return tagEntry{name: name}
}

// Field names of CommitmentInput → the spreadsheet's columns, for messages.
var importInputColumns = map[string]int{"reference": colID, "number": colNumber, "title": colTitle, "short_title": colShortTitle,
	"description": colFullText, "url": colURL, "lead_organisation_id": colLead, "supporting_organisation_ids": colSupporters,
	"policy_area_ids": colTheme}

// row imports one row: first every check (no writes), then the writes. Row errors are
// returned as such; err is a failure of the database.
func (im *importer) row(ctx context.Context, r Row) (rerrs []RowError, err error) {
	bad := func(col int, format string, args ...any) {
		e := RowError{Line: r.Line, Reference: r.Reference, Message: fmt.Sprintf(format, args...)}
		if col >= 0 {
			e.Column = OGPColumns[col]
		}
		rerrs = append(rerrs, e)
	}
	pl, err := im.plan(ctx, r)
	if err != nil {
		return nil, err
	}
	ex := im.existing[r.Reference]
	if ex != nil && !CanEditCommitment(im.p, ex.c) {
		bad(colID, "The commitment %s exists and you may not edit it: it belongs to a plan of an organisation you do not contribute to.", r.Reference)
		return rerrs, nil
	}
	if pl != nil && !im.p.Can(authz.Contribute, pl.OrgID) {
		bad(colPlanNumber, "Action plan %d of %s (%q) belongs to %s, which you do not contribute to.", r.PlanNumber, r.Country, pl.Title, pl.OrgName)
		return rerrs, nil
	}

	// Names: institutions and themes, found or to be created.
	var toCreate []string // organisations, by name
	var lead orgEntry
	if r.Lead != "" {
		if lead = im.org(r.Lead); lead.id == 0 {
			toCreate = append(toCreate, lead.name)
		}
	}
	for _, name := range r.Supporters {
		if e := im.org(name); e.id == 0 && !slices.ContainsFunc(toCreate, func(s string) bool { return strings.EqualFold(s, e.name) }) {
			toCreate = append(toCreate, e.name)
		}
	}
	for _, name := range toCreate {
		in := directory.OrgInput{Name: name, Type: "government_agency", Jurisdiction: r.Country}
		in.Normalize()
		if err := in.Validate(); err != nil {
			col := colSupporters
			if strings.EqualFold(name, r.Lead) {
				col = colLead
			}
			ve, _ := valid.As(err)
			bad(col, "The institution %q cannot be added to the directory: %s", importClip(name), importFirstMessage(ve))
		}
	}
	themes := make([]tagEntry, 0, len(r.Themes))
	for _, name := range r.Themes {
		e := im.tag(name)
		if e.id == 0 {
			in := directory.TagInput{Scheme: "policy_area", Name: name}
			in.Normalize()
			if err := in.Validate(); err != nil {
				ve, _ := valid.As(err)
				bad(colTheme, "The theme %q cannot be added as a policy area: %s", importClip(name), importFirstMessage(ve))
			}
		} else if e.archived && (ex == nil || !importHasRef(ex.c.PolicyAreas, e.id)) {
			bad(colTheme, "The policy area %q is archived: remove it from the row, or restore it in the taxonomy first.", e.name)
		}
		themes = append(themes, e)
	}

	// The plan's owner, when the plan is new.
	var owner orgEntry
	if pl == nil {
		switch {
		case im.opts.OwnerID != 0:
			owner = orgEntry{id: im.owner.ID, name: im.owner.Name}
		case r.Lead != "":
			owner = lead
		default:
			bad(colLead, "Action plan %d of %s is new and this row names no lead institution to own it: give the owner of new plans (--owner).", r.PlanNumber, r.Country)
		}
	}

	// The commitment as it will be, checked with stand-in IDs for what is not created yet.
	in := CommitmentInput{Status: importStatus(r.Completion)}
	if ex != nil {
		in = importInputOf(ex.c)
	}
	apply := func(in *CommitmentInput, planID, leadID int64, supIDs, tagIDs []int64) {
		in.PlanID, in.Reference, in.Title = planID, r.Reference, r.Title
		if r.Has(colNumber) {
			in.Number = r.Number
		}
		if r.Has(colShortTitle) {
			in.ShortTitle = r.ShortTitle
		}
		if r.Has(colFullText) {
			in.Description = r.FullText
		}
		if r.Has(colURL) {
			in.URL = r.URL
		}
		if r.Has(colLead) {
			in.LeadOrgID = leadID
		}
		if r.Has(colSupporters) {
			in.SupporterIDs = supIDs
		}
		if r.Has(colTheme) {
			in.PolicyAreaIDs = tagIDs
		}
		if r.Has(colAccessInfo) {
			in.Values.AccessInfo = r.Values.AccessInfo
		}
		if r.Has(colCivic) {
			in.Values.CivicParticipation = r.Values.CivicParticipation
		}
		if r.Has(colAccountability) {
			in.Values.Accountability = r.Values.Accountability
		}
		if r.Has(colTechnology) {
			in.Values.Technology = r.Values.Technology
		}
	}
	check := in
	check.SupporterIDs = slices.Clone(in.SupporterIDs)
	check.PolicyAreaIDs = slices.Clone(in.PolicyAreaIDs)
	apply(&check, 1, 1, make([]int64, len(r.Supporters)), make([]int64, len(themes)))
	if err := check.Validate(); err != nil {
		ve, _ := valid.As(err)
		for _, field := range slices.Sorted(maps.Keys(ve)) {
			col, ok := importInputColumns[field]
			if !ok {
				col = -1
			}
			bad(col, "%s", ve[field])
		}
	}

	// The review columns, as an independent assessment.
	var review *AssessmentInput
	if r.HasReview() {
		ai := AssessmentInput{Kind: "independent", AssessedOn: im.today, Verifiable: r.Verifiable, Relevance: check.Values,
			PotentialImpact: r.PotentialImpact, Completion: r.Completion, OTGOverall: r.OTGOverall, Source: ImportSource,
			Summary: fmt.Sprintf("Imported from the OGP commitment spreadsheet (line %d).", r.Line)}
		if err := ai.Validate(im.s.Now()); err != nil {
			ve, _ := valid.As(err)
			bad(-1, "The review columns are not valid: %s", importFirstMessage(ve))
		} else if ex == nil || ex.imported == nil || importReviewDiffers(*ex.imported, ai) {
			review = &ai
		}
	}
	if len(rerrs) > 0 {
		return rerrs, nil
	}

	// Writes: organisations, policy areas and the plan, then the commitment.
	for _, name := range toCreate {
		if _, err := im.createOrg(ctx, name, r); err != nil {
			return nil, err
		}
	}
	if r.Lead != "" {
		lead = im.orgs[strings.ToLower(r.Lead)]
		if pl == nil && im.opts.OwnerID == 0 {
			owner = lead
		}
	}
	supIDs := make([]int64, 0, len(r.Supporters))
	for _, name := range r.Supporters {
		if id := im.orgs[strings.ToLower(name)].id; !slices.Contains(supIDs, id) {
			supIDs = append(supIDs, id)
		}
	}
	tagIDs := make([]int64, 0, len(themes))
	for _, e := range themes {
		if e.id == 0 {
			if e, err = im.createTag(ctx, e.name, r); err != nil {
				return nil, err
			}
		}
		tagIDs = append(tagIDs, e.id)
	}
	if pl == nil {
		if pl, err = im.createPlan(ctx, r, owner); err != nil {
			return nil, err
		}
	}
	apply(&in, pl.ID, lead.id, supIDs, tagIDs)
	if err := in.Validate(); err != nil {
		return nil, err // checked above: cannot happen
	}
	target := Commitment{PlanOrgID: pl.OrgID, LeadOrgID: in.LeadOrgID}
	if review != nil && !CanAssess(im.p, target, "independent") {
		review = nil
		im.res.ReviewsSkipped++
	}

	var c Commitment
	change := ImportChange{Line: r.Line, Reference: r.Reference}
	if ex == nil {
		// New commitments are written in batches (flush).
		im.pending = append(im.pending, pendingCommitment{line: r.Line, in: in, plan: *pl})
		change.Action, change.Detail = "create", fmt.Sprintf("new commitment in %s", pl.Title)
		im.res.Created++
	} else {
		old := importInputOf(ex.c)
		changed := importChanges(old, in)
		c = ex.c
		if len(changed) > 0 {
			if err := im.s.Store.UpdateCommitment(ctx, im.tx, ex.c.ID, in); err != nil {
				return nil, err
			}
			if !importSameIDs(old.SupporterIDs, in.SupporterIDs) {
				if err := replaceRefs(ctx, im.tx, "commitment_supporters", "organisation_id", ex.c.ID, in.SupporterIDs); err != nil {
					return nil, err
				}
			}
			if !importSameIDs(old.PolicyAreaIDs, in.PolicyAreaIDs) {
				if err := im.s.Dir.Store.ReplaceTaggings(ctx, im.tx, "commitment", ex.c.ID, importSortedIDs(in.PolicyAreaIDs)); err != nil {
					return nil, err
				}
			}
			c = im.commitmentOf(ex.c.ID, in, *pl)
			c.CreatedAt, c.Override, c.OverrideReason, c.Places, c.Programs = ex.c.CreatedAt, ex.c.Override, ex.c.OverrideReason, ex.c.Places, ex.c.Programs
			ms, err := im.s.Store.MilestonesOf(ctx, im.tx, []int64{c.ID})
			if err != nil {
				return nil, err
			}
			if err := im.s.index(ctx, im.tx, c, ms[c.ID]); err != nil {
				return nil, err
			}
			if err := audit.Record(ctx, im.tx, audit.Entry{Action: "commitment.update", TargetKind: "commitment", TargetID: c.ID, Target: c.Reference,
				Detail: fmt.Sprintf("OGP spreadsheet import (line %d): changed: %s", r.Line, strings.Join(changed, ", "))}); err != nil {
				return nil, err
			}
			ex.c = c
		}
		if review != nil {
			changed = append(changed, "review")
		}
		if len(changed) == 0 {
			im.res.Unchanged++
			return nil, nil
		}
		change.Action, change.Detail = "update", "changed: "+strings.Join(changed, ", ")
		im.res.Updated++
	}
	if review != nil {
		im.reviews = append(im.reviews, pendingReview{line: r.Line, ref: r.Reference, commitmentID: c.ID, in: *review})
		if ex != nil {
			a := Assessment{Kind: review.Kind, Verifiable: review.Verifiable, Relevance: review.Relevance, PotentialImpact: review.PotentialImpact,
				Completion: review.Completion, OTGOverall: review.OTGOverall, Source: review.Source}
			ex.imported = &a
		}
		im.res.Assessments++
		if change.Action == "create" {
			change.Detail += ", with an independent review"
		}
	}
	if len(im.pending) >= importBatch || len(im.reviews) >= importBatch {
		if err := im.flush(ctx); err != nil {
			return nil, err
		}
	}
	im.res.Changes = append(im.res.Changes, change)
	return nil, nil
}

func importFirstMessage(ve valid.Errors) string {
	for _, k := range slices.Sorted(maps.Keys(ve)) {
		return ve[k]
	}
	return "it is not valid."
}

func importHasRef(rs []Ref, id int64) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// importStatus is a new commitment's status from the spreadsheet's completion.
func importStatus(completion string) string {
	switch completion {
	case "complete":
		return "completed"
	case "limited", "substantial":
		return "active"
	}
	return "not_started"
}

// importInputOf is the input that would save c as it is.
func importInputOf(c Commitment) CommitmentInput {
	return CommitmentInput{PlanID: c.PlanID, Reference: c.Reference, Number: c.Number, Title: c.Title, ShortTitle: c.ShortTitle, Status: c.Status,
		LeadOrgID: c.LeadOrgID, SupporterIDs: importRefIDs(c.Supporters), OtherGovernment: c.OtherGovernment, OtherCivil: c.OtherCivil, Values: c.Values,
		PolicyAreaIDs: importRefIDs(c.PolicyAreas), PlaceIDs: importRefIDs(c.Places), ProgramIDs: importRefIDs(c.Programs), Problem: c.Problem,
		Description: c.Description, Contribution: c.Contribution, Relevance: c.Relevance, AdditionalInfo: c.AdditionalInfo,
		Start: c.Start, End: c.End, Contacts: c.Contacts, URL: c.URL}
}

func importRefIDs(rs []Ref) []int64 {
	out := make([]int64, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func importSortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func importSameIDs(a, b []int64) bool { return slices.Equal(importSortedIDs(a), importSortedIDs(b)) }

// importChanges names the fields the import changes.
func importChanges(a, b CommitmentInput) []string {
	var ch []string
	add := func(name string, differ bool) {
		if differ {
			ch = append(ch, name)
		}
	}
	add("plan", a.PlanID != b.PlanID)
	add("number", a.Number != b.Number)
	add("title", a.Title != b.Title)
	add("short_title", a.ShortTitle != b.ShortTitle)
	add("description", a.Description != b.Description)
	add("url", a.URL != b.URL)
	add("lead", a.LeadOrgID != b.LeadOrgID)
	add("supporters", !importSameIDs(a.SupporterIDs, b.SupporterIDs))
	add("policy_areas", !importSameIDs(a.PolicyAreaIDs, b.PolicyAreaIDs))
	add("values", a.Values != b.Values)
	return ch
}

func importSameBool(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// importReviewDiffers reports whether the spreadsheet's review differs from the last one imported.
func importReviewDiffers(last Assessment, in AssessmentInput) bool {
	return !importSameBool(last.Verifiable, in.Verifiable) || last.Relevance != in.Relevance || last.PotentialImpact != in.PotentialImpact ||
		last.Completion != in.Completion || last.OTGOverall != in.OTGOverall
}

// commitmentOf is the commitment just written, as the search index needs it.
func (im *importer) commitmentOf(id int64, in CommitmentInput, pl Plan) Commitment {
	c := Commitment{ID: id, PlanID: pl.ID, PlanTitle: pl.Title, PlanStatus: pl.Status, PlanOrgID: pl.OrgID, Reference: in.Reference, Number: in.Number,
		Title: in.Title, ShortTitle: in.ShortTitle, Status: in.Status, LeadOrgID: in.LeadOrgID, OtherGovernment: in.OtherGovernment,
		OtherCivil: in.OtherCivil, Values: in.Values, Problem: in.Problem, Description: in.Description, Contribution: in.Contribution,
		Relevance: in.Relevance, AdditionalInfo: in.AdditionalInfo, Start: in.Start, End: in.End, Contacts: in.Contacts, URL: in.URL}
	c.LeadOrgName = im.orgNames[in.LeadOrgID]
	c.Supporters = make([]Ref, 0, len(in.SupporterIDs))
	for _, sid := range in.SupporterIDs {
		c.Supporters = append(c.Supporters, Ref{ID: sid})
	}
	c.PolicyAreas = make([]Ref, 0, len(in.PolicyAreaIDs))
	for _, tid := range in.PolicyAreaIDs {
		c.PolicyAreas = append(c.PolicyAreas, Ref{ID: tid})
	}
	c.Places, c.Programs = []Ref{}, []Ref{}
	for _, pid := range in.PlaceIDs {
		c.Places = append(c.Places, Ref{ID: pid})
	}
	for _, pid := range in.ProgramIDs {
		c.Programs = append(c.Programs, Ref{ID: pid})
	}
	return c
}

// createOrg adds an institution the directory does not know, as a government agency of the
// row's country (its managers can correct the type later).
func (im *importer) createOrg(ctx context.Context, name string, r Row) (orgEntry, error) {
	in := directory.OrgInput{Name: name, Type: "government_agency", Jurisdiction: r.Country}
	in.Normalize()
	id, err := im.s.Dir.Store.InsertOrg(ctx, im.tx, in)
	if err != nil {
		return orgEntry{}, err
	}
	if err := search.Index(ctx, im.tx, search.Doc{Kind: "organisation", RecordID: id, Title: in.Name,
		Body: strings.Join([]string{directory.Label(directory.OrgTypes, in.Type), in.Jurisdiction}, " "),
		URL:  fmt.Sprintf("/organisations/%d", id), Public: true, OrgID: id}); err != nil {
		return orgEntry{}, err
	}
	if err := audit.Record(ctx, im.tx, audit.Entry{Action: "organisation.create", TargetKind: "organisation", TargetID: id, Target: in.Name,
		Detail: fmt.Sprintf("institution named by the OGP spreadsheet import (line %d)", r.Line)}); err != nil {
		return orgEntry{}, err
	}
	e := orgEntry{id: id, name: in.Name}
	im.orgs[strings.ToLower(name)] = e
	im.orgNames[id] = in.Name
	im.res.OrganisationsCreated++
	return e, nil
}

// createTag adds a theme as a policy area.
func (im *importer) createTag(ctx context.Context, name string, r Row) (tagEntry, error) {
	in := directory.TagInput{Scheme: "policy_area", Name: name}
	in.Normalize()
	id, err := im.s.Dir.Store.InsertTag(ctx, im.tx, in)
	if err != nil {
		return tagEntry{}, err
	}
	if err := search.Index(ctx, im.tx, search.Doc{Kind: "tag", RecordID: id, Title: in.Name, Body: directory.Label(directory.TagSchemes, in.Scheme),
		URL: fmt.Sprintf("/taxonomy/%d", id), Public: true}); err != nil {
		return tagEntry{}, err
	}
	if err := audit.Record(ctx, im.tx, audit.Entry{Action: "tag.create", TargetKind: "tag", TargetID: id, Target: in.Name,
		Detail: fmt.Sprintf("scheme: policy_area; theme named by the OGP spreadsheet import (line %d)", r.Line)}); err != nil {
		return tagEntry{}, err
	}
	e := tagEntry{id: id, name: in.Name}
	im.tags[strings.ToLower(name)] = e
	im.res.PolicyAreasCreated++
	return e, nil
}

// createPlan adds the plan of the row's country and plan number, titled "<Country> Action
// Plan <Year>" (with the plan number when that title is taken). It is published when the
// importer manages the owner, a draft otherwise.
func (im *importer) createPlan(ctx context.Context, r Row, owner orgEntry) (*Plan, error) {
	title := fmt.Sprintf("%s Action Plan %d", r.Country, r.Year)
	for i, t := range []string{title, fmt.Sprintf("%s (plan %d)", title, r.PlanNumber), fmt.Sprintf("%s (plan %d, %s)", title, r.PlanNumber, r.Reference)} {
		taken, err := im.s.Store.PlanTitleTaken(ctx, im.tx, t)
		if err != nil {
			return nil, err
		}
		if !taken || i == 2 {
			title = t
			break
		}
	}
	status := "draft"
	if im.p.Can(authz.Manage, owner.id) {
		status = "published"
	}
	desc := "Imported from the OGP commitment spreadsheet."
	if r.Region != "" {
		desc = fmt.Sprintf("Imported from the OGP commitment spreadsheet (region: %s).", r.Region)
	}
	in := PlanInput{OrgID: owner.id, Title: title, Country: r.Country, Number: r.PlanNumber, Cycle: strconv.Itoa(r.Year), Status: status, Description: desc}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	id, err := im.s.Store.InsertPlan(ctx, im.tx, in)
	if err != nil {
		return nil, err
	}
	pl, err := im.s.Store.Plan(ctx, im.tx, id)
	if err != nil {
		return nil, err
	}
	if err := search.Index(ctx, im.tx, planDoc(pl)); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, im.tx, audit.Entry{Action: "plan.create", TargetKind: "plan", TargetID: id, Target: pl.Title,
		Detail: fmt.Sprintf("created by the OGP spreadsheet import (line %d)", r.Line)}); err != nil {
		return nil, err
	}
	im.plans[importPlanKey(r.Country, r.PlanNumber)] = &pl
	im.res.PlansCreated++
	return &pl, nil
}
