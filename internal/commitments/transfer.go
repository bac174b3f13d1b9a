package commitments

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// MaxUpload is the largest spreadsheet the upload page accepts.
const MaxUpload = 20 << 20

// exportBatch is how many records an export reads at a time.
const exportBatch = 500

// transferRoutes registers the import page; the exports are the API lists with ?format=.
func (h *Web) transferRoutes(rt *web.Router) {
	rt.Page("GET", "/commitments/import", web.SignedIn, h.importForm)
	rt.Page("POST", "/commitments/import", web.SignedIn, h.importUpload)
}

// --- exports ---

// streamExport writes every record fetch gives, batch by batch, as CSV (header, row) or as a
// JSON array, as a download named name-DATE.csv|json. The first batch is read before
// anything is written, so that a failure then is still a proper error response.
func streamExport[T any](w http.ResponseWriter, r *http.Request, format, name string, fetch func(after int64) ([]T, error),
	id func(T) int64, header []string, row func(T) []string) error {
	batch, err := fetch(0)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.%s"`, name, time.Now().UTC().Format("2006-01-02"), format))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rc := http.NewResponseController(w)
	var cw *export.CSV
	var enc *json.Encoder
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		if cw, err = export.NewCSV(w, header...); err != nil {
			return nil // the client went away
		}
	} else {
		h.Set("Content-Type", "application/json; charset=utf-8")
		enc = json.NewEncoder(w)
		if _, err := io.WriteString(w, "["); err != nil {
			return nil
		}
	}
	first := true
	for {
		for _, x := range batch {
			if cw != nil {
				err = cw.Row(row(x)...)
			} else {
				if !first {
					_, err = io.WriteString(w, ",")
				}
				if err == nil {
					err = enc.Encode(x)
				}
				first = false
			}
			if err != nil {
				return nil // the client went away
			}
		}
		if cw != nil {
			if err := cw.Close(); err != nil {
				return nil
			}
		}
		_ = rc.Flush()
		if len(batch) < exportBatch {
			break
		}
		if batch, err = fetch(id(batch[len(batch)-1])); err != nil {
			if r.Context().Err() == nil {
				slog.ErrorContext(r.Context(), "export failed part way", "export", name, "err", err)
			}
			// Cut the connection so that the client sees a broken download, not a short one.
			panic(http.ErrAbortHandler)
		}
	}
	if enc != nil {
		_, _ = io.WriteString(w, "]\n")
	}
	return nil
}

func yesNoCell(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func optBool(b *bool) string {
	if b == nil {
		return ""
	}
	return yesNoCell(*b)
}

func refNames(rs []Ref) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	return strings.Join(names, "; ")
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// progressCell is a progress to one decimal, or empty when nothing measures it.
func progressCell(v float64, measured bool) string {
	if !measured {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func numCell(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func optNum(v *float64) string {
	if v == nil {
		return ""
	}
	return numCell(*v)
}

func itoa64(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func (h *Web) exportPlans(w http.ResponseWriter, r *http.Request, format string) error {
	return streamExport(w, r, format, "plans",
		func(after int64) ([]Plan, error) { return h.Svc.PlansPage(r.Context(), after, exportBatch) },
		func(p Plan) int64 { return p.ID },
		[]string{"id", "title", "organisation_id", "organisation", "country", "locality", "plan_number", "cycle", "start_date", "end_date",
			"status", "commitments", "measured_commitments", "progress", "description", "created_at", "updated_at"},
		func(p Plan) []string {
			return []string{itoa64(p.ID), p.Title, itoa64(p.OrgID), p.OrgName, p.Country, p.Locality, strconv.Itoa(p.Number), p.Cycle,
				p.Start.String(), p.End.String(), p.Status, strconv.Itoa(p.Commitments), strconv.Itoa(p.Measured), progressCell(p.Progress, p.Measured > 0), p.Description,
				timeCell(p.CreatedAt), timeCell(p.UpdatedAt)}
		})
}

func (h *Web) exportCommitments(w http.ResponseWriter, r *http.Request, f Filter, format string) error {
	return streamExport(w, r, format, "commitments",
		func(after int64) ([]Commitment, error) {
			g := f
			g.After, g.Limit = after, exportBatch
			return h.Svc.CommitmentsPage(r.Context(), g)
		},
		func(c Commitment) int64 { return c.ID },
		[]string{"reference", "number", "title", "short_title", "plan_id", "plan", "status", "lead_organisation", "supporting_organisations",
			"policy_areas", "places", "programs", "access_to_information", "civic_participation", "public_accountability", "technology_and_innovation",
			"start_date", "end_date", "progress", "progress_override", "progress_override_reason", "starred",
			"latest_assessment_kind", "verifiable", "potential_impact", "potential_results", "completion", "did_it_open_government",
			"other_actors_government", "other_actors_civil_society", "problem", "description", "contribution", "relevance", "additional_information",
			"contacts", "url", "created_at", "updated_at"},
		func(c Commitment) []string {
			var la Assessment
			if c.Latest != nil {
				la = *c.Latest
			}
			return []string{c.Reference, strconv.Itoa(c.Number), c.Title, c.ShortTitle, itoa64(c.PlanID), c.PlanTitle, c.Status, c.LeadOrgName,
				refNames(c.Supporters), refNames(c.PolicyAreas), refNames(c.Places), refNames(c.Programs),
				yesNoCell(c.Values.AccessInfo), yesNoCell(c.Values.CivicParticipation), yesNoCell(c.Values.Accountability), yesNoCell(c.Values.Technology),
				c.Start.String(), c.End.String(), progressCell(c.Progress, c.Measured), optNum(c.Override), c.OverrideReason, yesNoCell(c.Starred),
				la.Kind, optBool(la.Verifiable), la.PotentialImpact, la.PotentialResults, la.Completion, la.OTGOverall,
				c.OtherGovernment, c.OtherCivil, c.Problem, c.Description, c.Contribution, c.Relevance, c.AdditionalInfo,
				c.Contacts, c.URL, timeCell(c.CreatedAt), timeCell(c.UpdatedAt)}
		})
}

func (h *Web) exportMilestones(w http.ResponseWriter, r *http.Request, planID int64, format string) error {
	return streamExport(w, r, format, "milestones",
		func(after int64) ([]MilestoneRow, error) {
			return h.Svc.MilestonesPage(r.Context(), planID, after, exportBatch)
		},
		func(m MilestoneRow) int64 { return m.ID },
		[]string{"id", "commitment_reference", "position", "activity", "deliverable", "start_date", "end_date", "status", "progress", "weight",
			"evidence", "created_at", "updated_at"},
		func(m MilestoneRow) []string {
			return []string{itoa64(m.ID), m.Reference, strconv.Itoa(m.Position), m.Activity, m.Deliverable, m.Start.String(), m.End.String(),
				m.Status, strconv.Itoa(m.Progress), optNum(m.Weight), strings.Join(m.Evidence, " "), timeCell(m.CreatedAt), timeCell(m.UpdatedAt)}
		})
}

func (h *Web) exportAssessments(w http.ResponseWriter, r *http.Request, planID int64, format string) error {
	return streamExport(w, r, format, "assessments",
		func(after int64) ([]AssessmentRow, error) {
			return h.Svc.AssessmentsPage(r.Context(), planID, after, exportBatch)
		},
		func(a AssessmentRow) int64 { return a.ID },
		[]string{"id", "commitment_reference", "kind", "assessor", "assessed_on", "verifiable", "relevant_access_to_information",
			"relevant_civic_participation", "relevant_public_accountability", "relevant_technology_and_innovation", "potential_impact",
			"potential_results", "completion", "did_it_open_government", "otg_access_to_information", "otg_civic_participation",
			"otg_public_accountability", "otg_technology_and_innovation", "starred", "summary", "source", "created_at"},
		func(a AssessmentRow) []string {
			return []string{itoa64(a.ID), a.Reference, a.Kind, a.Assessor, a.AssessedOn.String(), optBool(a.Verifiable),
				yesNoCell(a.Relevance.AccessInfo), yesNoCell(a.Relevance.CivicParticipation), yesNoCell(a.Relevance.Accountability),
				yesNoCell(a.Relevance.Technology), a.PotentialImpact, a.PotentialResults, a.Completion, a.OTGOverall, a.OTG.AccessInfo,
				a.OTG.CivicParticipation, a.OTG.Accountability, a.OTG.Technology, yesNoCell(a.Starred), a.Summary, a.Source, timeCell(a.CreatedAt)}
		})
}

// --- the upload page ---

type importFormData struct {
	Owners  []web.Option
	MaxMiB  int
	Columns []string
}

type importResultData struct {
	Result   ImportResult
	FileName string
	// Shown lists the first changes and errors (the counts cover all).
	Changes    []ImportChange
	MoreChange int
	Errors     []RowError
	MoreErrors int
}

// maxShown bounds the changes and errors listed on the result page.
const maxShown = 1000

// ownerOptions lists the organisations the principal contributes to (for a site admin, the
// directory's first thousand by name).
func (h *Web) ownerOptions(ctx context.Context) ([]web.Option, error) {
	p := authz.From(ctx)
	var orgs []directory.Organisation
	if p.SiteAdmin {
		var err error
		if orgs, err = h.Svc.Dir.Orgs(ctx, directory.ListFilter{}); err != nil {
			return nil, err
		}
	} else {
		for _, id := range p.Orgs(authz.Contribute) {
			o, err := h.Svc.Dir.Org(ctx, id)
			if errors.Is(err, db.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			orgs = append(orgs, o)
		}
		slices.SortFunc(orgs, func(a, b directory.Organisation) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
	}
	out := make([]web.Option, 0, len(orgs))
	for _, o := range orgs {
		if !o.Archived {
			out = append(out, web.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.DisplayName()})
		}
	}
	return out, nil
}

func (h *Web) importPage(r *http.Request, f *web.Form) (web.Page, error) {
	owners, err := h.ownerOptions(r.Context())
	if err != nil {
		return web.Page{}, err
	}
	return web.Page{Title: "Import commitments", Form: f, Data: importFormData{Owners: owners, MaxMiB: MaxUpload >> 20, Columns: OGPColumns[:]},
		Breadcrumbs: []web.Crumb{{Label: "Action plans", URL: "/plans"}, {Label: "Import"}}}, nil
}

func (h *Web) importForm(w http.ResponseWriter, r *http.Request) error {
	if !CanImport(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := &web.Form{}
	if owners, err := h.ownerOptions(r.Context()); err == nil && len(owners) == 1 {
		f = web.FormOf(map[string]string{"owner_id": owners[0].Value})
	}
	p, err := h.importPage(r, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "commitments/import", p)
	return nil
}

func (h *Web) importUpload(w http.ResponseWriter, r *http.Request) error {
	if !CanImport(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+1<<20) // the file and the form's other fields
	invalid := func(f *web.Form, status int, errs valid.Errors) error {
		if f == nil {
			f = &web.Form{}
		}
		f.Errors = errs
		p, err := h.importPage(r, f)
		if err != nil {
			return err
		}
		h.Render.Render(w, r, status, "commitments/import", p)
		return nil
	}
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return invalid(nil, http.StatusRequestEntityTooLarge, valid.Errors{"file": fmt.Sprintf("The file is larger than %d MiB: split it into smaller files.", MaxUpload>>20)})
		}
		return invalid(nil, http.StatusUnprocessableEntity, valid.Errors{"file": "Choose the CSV file to import."})
	}
	defer r.MultipartForm.RemoveAll()
	f := &web.Form{Values: r.PostForm}
	var errs valid.Errors = map[string]string{}
	owner, err := strconv.ParseInt(f.Get("owner_id"), 10, 64)
	if err != nil || owner <= 0 {
		errs["owner_id"] = "Choose the organisation that owns the plans the import creates."
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		errs["file"] = "Choose the CSV file to import."
	} else {
		defer file.Close()
		if hdr.Size > MaxUpload {
			errs["file"] = fmt.Sprintf("The file is larger than %d MiB: split it into smaller files.", MaxUpload>>20)
		} else if ext := strings.ToLower(path.Ext(hdr.Filename)); ext != ".csv" && ext != ".txt" {
			errs["file"] = "Choose a CSV file (.csv): save the OGP spreadsheet as “CSV UTF-8”."
		}
	}
	if len(errs) > 0 {
		return invalid(f, http.StatusUnprocessableEntity, errs)
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxUpload+1))
	if err != nil {
		return err
	}
	if len(data) > MaxUpload {
		return invalid(f, http.StatusRequestEntityTooLarge, valid.Errors{"file": fmt.Sprintf("The file is larger than %d MiB: split it into smaller files.", MaxUpload>>20)})
	}
	res, err := h.Svc.ImportCSV(r.Context(), bytes.NewReader(data), ImportOptions{OwnerID: owner, DryRun: f.Bool("dry_run"), SkipInvalid: f.Bool("skip_invalid")})
	if ve, ok := valid.As(err); ok {
		return invalid(f, http.StatusUnprocessableEntity, ve)
	} else if err != nil {
		return err
	}
	d := importResultData{Result: res, FileName: path.Base(hdr.Filename), Changes: res.Changes, Errors: res.Errors}
	if len(d.Changes) > maxShown {
		d.Changes, d.MoreChange = d.Changes[:maxShown], len(d.Changes)-maxShown
	}
	if len(d.Errors) > maxShown {
		d.Errors, d.MoreErrors = d.Errors[:maxShown], len(d.Errors)-maxShown
	}
	status := http.StatusOK
	if len(res.Errors) > 0 && !res.Written && !res.DryRun {
		status = http.StatusUnprocessableEntity
	}
	title := "Import result"
	if res.DryRun {
		title = "Import dry run"
	}
	h.Render.Render(w, r, status, "commitments/import_result", web.Page{Title: title, Data: d,
		Breadcrumbs: []web.Crumb{{Label: "Action plans", URL: "/plans"}, {Label: "Import", URL: "/commitments/import"}, {Label: "Result"}}})
	return nil
}
