package commitments

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func importCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ogp", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importParseFile(t testing.TB, name string) ([]Row, []RowError) {
	t.Helper()
	return ParseOGPCSV(bytes.NewReader(importCorpus(t, name)))
}

func TestParseOGPCSV(t *testing.T) {
	for _, tc := range []struct {
		file string
		rows int
		// errs lists "line:column" (column "" for the whole row or file) expected, in order.
		errs []string
	}{
		{file: "good.csv", rows: 6},
		{file: "bom_crlf.csv", rows: 6},
		{file: "header_case.csv", rows: 2},
		{file: "quoted_newlines.csv", rows: 2},
		{file: "empty_lines.csv", rows: 2},
		{file: "missing_columns.csv", errs: []string{"1:Action Plan Number", "1:Commitment Title"}},
		{file: "bad_values.csv", rows: 1, errs: []string{"2:Year Of Submission", "3:Action Plan Number", "4:OGP Value Access To Information",
			"5:Potential Impact", "6:Commitment Unique Identifier"}},
		{file: "duplicates.csv", rows: 3, errs: []string{"4:Commitment Unique Identifier"}},
		{file: "mixed.csv", rows: 2, errs: []string{"3:Commitment Title", "4:Completion (Progress Report)"}},
		{file: "bare_quote.csv", rows: 1, errs: []string{"2:"}},
		{file: "empty.csv", errs: []string{"1:"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rows, errs := importParseFile(t, tc.file)
			if len(rows) != tc.rows {
				t.Errorf("rows: got %d, want %d (errors %v)", len(rows), tc.rows, errs)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.TrimSpace(strconv.Itoa(e.Line)+":"+e.Column))
				if e.Message == "" || e.Line < 1 {
					t.Errorf("error without a line or message: %+v", e)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.errs, "|") {
				t.Errorf("errors: got %q, want %q\n%v", got, tc.errs, errs)
			}
		})
	}

	// The mapping of one row.
	rows, _ := importParseFile(t, "good.csv")
	r := rows[1]
	if r.Line != 3 || r.Reference != "AU0002" || r.Country != "Australia" || r.Year != 2016 || r.PlanNumber != 1 || r.Number != 2 ||
		r.Lead != "Treasury" || strings.Join(r.Supporters, "|") != "Attorney-General's Department|Australian Securities and Investments Commission" ||
		strings.Join(r.Themes, "|") != "Beneficial Ownership|Anti-Corruption Institutions" ||
		r.Values != (Values{AccessInfo: true, Accountability: true}) || r.Verifiable == nil || !*r.Verifiable ||
		r.PotentialImpact != "transformative" || r.Completion != "substantial" || r.OTGOverall != "major" || !r.Has(colOTG) {
		t.Errorf("AU0002 mapped as %+v", r)
	}
	if rows[4].Verifiable == nil || *rows[4].Verifiable || rows[4].OTGOverall != "did_not_change" {
		t.Errorf("AU0020: Low specificity is not verifiable; got %+v", rows[4])
	}
	if rows[2].HasReview() || rows[2].Lead != "Department of Industry, Innovation and Science" {
		t.Errorf("AU0003: %+v", rows[2])
	}
	// Quoted new lines: the full text keeps its paragraphs; supporters one per line.
	rows, _ = importParseFile(t, "quoted_newlines.csv")
	if !strings.Contains(rows[0].FullText, "approaches.\n\nThis will") || len(rows[0].Supporters) != 3 || rows[1].Line != 7 {
		t.Errorf("quoted new lines: %q %q line %d", rows[0].FullText, rows[0].Supporters, rows[1].Line)
	}
	// Empty lines are skipped but counted: the second record starts on line 7.
	rows, _ = importParseFile(t, "empty_lines.csv")
	if rows[0].Line != 4 || rows[1].Line != 7 {
		t.Errorf("empty lines: lines %d and %d", rows[0].Line, rows[1].Line)
	}
	// CRLF and a byte order mark change nothing.
	a, _ := importParseFile(t, "good.csv")
	b, _ := importParseFile(t, "bom_crlf.csv")
	for i := range a {
		if a[i].Reference != b[i].Reference || a[i].Title != b[i].Title || a[i].FullText != b[i].FullText || a[i].Line != b[i].Line {
			t.Errorf("row %d differs with BOM and CRLF: %+v / %+v", i, a[i], b[i])
		}
	}
	// A spreadsheet saved as a workbook.
	if _, errs := ParseOGPCSV(strings.NewReader("PK\x03\x04rest")); len(errs) != 1 || !strings.Contains(errs[0].Message, "Excel") {
		t.Errorf("xlsx: %v", errs)
	}
	// Not UTF-8.
	if _, errs := ParseOGPCSV(strings.NewReader(strings.Join(OGPColumns[:], ",") + "\nAU0001,Espa\xf1a,,,2016,1,1,T\n")); len(errs) != 1 || errs[0].Line != 2 {
		t.Errorf("latin-1: %v", errs)
	}
}

func FuzzParseOGPCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "ogp", "*.csv"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\xEF\xBB\xBF\r\n\r\n"))
	f.Add([]byte("Commitment Unique Identifier\n\"AU1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := ParseOGPCSV(bytes.NewReader(data))
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines || e.Message == "" {
				t.Fatalf("error without a line (of %d) or message: %+v", lines, e)
			}
		}
		seen := map[string]bool{}
		last := 0
		for _, r := range rows {
			if r.Line <= last || r.Line > lines || r.Reference == "" || r.Title == "" || r.Country == "" || r.PlanNumber < 1 {
				t.Fatalf("row not valid (after line %d of %d): %+v", last, lines, r)
			}
			last = r.Line
			if seen[r.Reference] {
				t.Fatalf("duplicate reference %s returned", r.Reference)
			}
			seen[r.Reference] = true
		}
	})
}

// importEnv is a service on a fresh database with an owner organisation and principals.
type importEnv struct {
	svc      *Service
	d        *db.DB
	admin    context.Context // the command line
	owner    directory.Organisation
	other    directory.Organisation
	contrib  context.Context // a contributor of owner
	stranger context.Context // a contributor of other
}

func newImportEnv(t testing.TB, d *db.DB) *importEnv {
	t.Helper()
	admin := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	owner, err := dir.CreateOrg(admin, directory.OrgInput{Name: "Department of the Prime Minister and Cabinet", ShortName: "PM&C", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := dir.CreateOrg(admin, directory.OrgInput{Name: "Treasury", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	return &importEnv{svc: NewService(d, dir), d: d, admin: admin, owner: owner, other: other,
		contrib:  authz.With(context.Background(), authz.Principal{UserID: 7, Email: "c@example.org", Roles: map[int64]authz.Role{owner.ID: authz.Contributor}}),
		stranger: authz.With(context.Background(), authz.Principal{UserID: 8, Email: "s@example.org", Roles: map[int64]authz.Role{other.ID: authz.Contributor}})}
}

func (e *importEnv) run(t testing.TB, ctx context.Context, file string, opts ImportOptions) ImportResult {
	t.Helper()
	res, err := e.svc.ImportCSV(ctx, bytes.NewReader(importCorpus(t, file)), opts)
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return res
}

// counts is how many rows some tables hold, to show that nothing was written.
func importCounts(t testing.TB, d *db.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"action_plans", "commitments", "organisations", "tags", "taggings", "assessments", "audit_log", "search_documents", "commitment_supporters"} {
		var n int
		if err := d.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func importSameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newImportEnv(t, d)
		ctx := e.admin
		opts := ImportOptions{OwnerID: e.owner.ID}
		before := importCounts(t, d)

		// A dry run reports everything and writes nothing.
		res := e.run(t, ctx, "good.csv", ImportOptions{OwnerID: e.owner.ID, DryRun: true})
		if res.Created != 6 || res.Written || !res.DryRun || len(res.Changes) != 6 || res.PlansCreated != 3 {
			t.Fatalf("dry run: %+v", res)
		}
		if got := importCounts(t, d); !importSameCounts(before, got) {
			t.Fatalf("dry run wrote: %v → %v", before, got)
		}

		// Import.
		res = e.run(t, ctx, "good.csv", opts)
		if res.Created != 6 || res.Updated != 0 || res.Invalid != 0 || !res.Written || res.PlansCreated != 3 || res.Rows != 6 {
			t.Fatalf("import: %+v", res)
		}
		// Treasury existed; PM&C is the owner; the others were created: AGD, ASIC, DIIS, DoH, DSS, ABS, OAIC, Treasury NZ.
		if res.OrganisationsCreated != 8 || res.PolicyAreasCreated != 8 || res.Assessments != 4 {
			t.Errorf("created: %d organisations, %d policy areas, %d assessments", res.OrganisationsCreated, res.PolicyAreasCreated, res.Assessments)
		}
		c, err := e.svc.Commitment(context.Background(), "AU0019")
		if err != nil {
			t.Fatal(err)
		}
		if c.PlanTitle != "Australia Action Plan 2018" || c.LeadOrgName != "Department of the Prime Minister and Cabinet" || len(c.Supporters) != 3 ||
			len(c.PolicyAreas) != 3 || c.Values != (Values{CivicParticipation: true, Accountability: true}) || c.Status != "not_started" || c.Number != 4 {
			t.Errorf("AU0019: %+v", c)
		}
		c, err = e.svc.Commitment(context.Background(), "AU0002")
		if err != nil {
			t.Fatal(err)
		}
		if !c.Starred || c.Latest == nil || c.Latest.Source != ImportSource || c.Latest.Kind != "independent" || c.Status != "active" || c.LeadOrgID != e.other.ID {
			t.Errorf("AU0002 should be starred from the imported review: %+v %+v", c, c.Latest)
		}
		pl, _, err := e.svc.Plan(context.Background(), c.PlanID)
		if err != nil || pl.OrgID != e.owner.ID || pl.Status != "published" || pl.Number != 1 || pl.Cycle != "2016" || !strings.Contains(pl.Description, "Asia Pacific") {
			t.Errorf("plan: %+v %v", pl, err)
		}
		hits, err := search.Search(context.Background(), d, search.Query{Text: "place-based approaches"})
		if err != nil || len(hits) == 0 || hits[0].URL != "/commitments/AU0019" {
			t.Errorf("search after import: %v %+v", err, hits)
		}

		if rows, err := audit.List(context.Background(), d, audit.Filter{Action: "commitment.import"}); err != nil || len(rows) != 1 ||
			!strings.Contains(rows[0].Detail, "6 created") {
			t.Errorf("the import's summary in the audit log: %v %+v", err, rows)
		}
		if rows, _ := audit.List(context.Background(), d, audit.Filter{Action: "commitment.create"}); len(rows) != 6 {
			t.Errorf("%d commitment.create audit rows", len(rows))
		}

		// Importing again changes nothing.
		mid := importCounts(t, d)
		res = e.run(t, ctx, "good.csv", opts)
		if res.Created != 0 || res.Updated != 0 || res.Unchanged != 6 || res.Assessments != 0 || len(res.Changes) != 0 {
			t.Fatalf("re-import: %+v", res)
		}
		if got := importCounts(t, d); got["commitments"] != mid["commitments"] || got["assessments"] != mid["assessments"] || !importSameCounts(mid, got) {
			t.Errorf("re-import wrote: %v → %v", mid, got)
		}
		// The same rows with a BOM, CRLF, another header order and case: unchanged too.
		if res = e.run(t, ctx, "bom_crlf.csv", opts); res.Unchanged != 6 {
			t.Errorf("BOM + CRLF re-import: %+v", res)
		}
		if res = e.run(t, ctx, "header_case.csv", opts); res.Unchanged != 2 {
			t.Errorf("header case re-import: %+v", res)
		}

		// A changed row updates its commitment, audited; a changed review adds an assessment.
		res = e.run(t, ctx, "changed.csv", opts)
		if res.Updated != 2 || res.Unchanged != 4 || res.Assessments != 1 || len(res.Changes) != 2 {
			t.Fatalf("changed: %+v", res)
		}
		c, _ = e.svc.Commitment(context.Background(), "AU0019")
		if c.Title != "Improve public service practice through place-based approaches" || len(c.Supporters) != 2 {
			t.Errorf("AU0019 not updated: %+v", c)
		}
		rows, err := audit.List(context.Background(), d, audit.Filter{Action: "commitment.update", TargetID: c.ID})
		if err != nil || len(rows) != 1 || !strings.Contains(rows[0].Detail, "title") || !strings.Contains(rows[0].Detail, "supporters") || rows[0].Actor != "system" {
			t.Errorf("audit of the update: %v %+v", err, rows)
		}
		as, _ := e.svc.Assessments(context.Background(), Commitment{ID: importRefID(t, e, "AU0002")})
		if len(as) != 2 || as[1].Completion != "complete" {
			t.Errorf("AU0002 assessments: %+v", as)
		}

		// A broken file writes nothing and reports every bad row with its line.
		mid = importCounts(t, d)
		res = e.run(t, ctx, "bad_values.csv", opts)
		if res.Written || res.Invalid != 6 || res.Created+res.Updated != 0 && res.Written {
			t.Fatalf("bad values: %+v", res)
		}
		lines := map[int]bool{}
		for _, re := range res.Errors {
			lines[re.Line] = true
		}
		for l := 2; l <= 7; l++ {
			if !lines[l] {
				t.Errorf("bad values: no error on line %d: %v", l, res.Errors)
			}
		}
		if got := importCounts(t, d); !importSameCounts(mid, got) {
			t.Errorf("a broken file wrote: %v → %v", mid, got)
		}
	})
}

func importRefID(t testing.TB, e *importEnv, ref string) int64 {
	t.Helper()
	c, err := e.svc.Store.CommitmentByRef(context.Background(), e.d, ref)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestImportSkipInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newImportEnv(t, d)
		before := importCounts(t, d)
		// Without --skip-invalid: nothing.
		res := e.run(t, e.admin, "mixed.csv", ImportOptions{OwnerID: e.owner.ID})
		if res.Written || res.Invalid != 2 || res.Created != 2 {
			t.Fatalf("mixed: %+v", res)
		}
		if got := importCounts(t, d); !importSameCounts(before, got) {
			t.Fatalf("mixed wrote: %v → %v", before, got)
		}
		// With it: the two good rows.
		res = e.run(t, e.admin, "mixed.csv", ImportOptions{OwnerID: e.owner.ID, SkipInvalid: true})
		if !res.Written || res.Invalid != 2 || res.Created != 2 || len(res.Errors) != 2 {
			t.Fatalf("mixed, skipping: %+v", res)
		}
		for _, ref := range []string{"AU0001", "AU0019"} {
			if _, err := e.svc.Commitment(e.admin, ref); err != nil {
				t.Errorf("%s: %v", ref, err)
			}
		}
		for _, ref := range []string{"AU0002", "AU0003"} {
			if _, err := e.svc.Commitment(e.admin, ref); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s was written: %v", ref, err)
			}
		}
		// Duplicates: the second occurrence is refused, the rest imported when skipping.
		res = e.run(t, e.admin, "duplicates.csv", ImportOptions{OwnerID: e.owner.ID, SkipInvalid: true})
		if !res.Written || res.Invalid != 1 || res.Created != 1 || res.Unchanged != 2 || res.Errors[0].Line != 4 {
			t.Fatalf("duplicates: %+v", res)
		}
		// A file that is not the spreadsheet.
		res = e.run(t, e.admin, "missing_columns.csv", ImportOptions{OwnerID: e.owner.ID, SkipInvalid: true})
		if res.Written && res.Created+res.Updated > 0 || len(res.Errors) != 2 {
			t.Fatalf("missing columns: %+v", res)
		}
	})
}

func TestImportPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newImportEnv(t, d)
		// The public and viewers may not import; the refusal is audited.
		if _, err := e.svc.ImportCSV(context.Background(), bytes.NewReader(importCorpus(t, "good.csv")), ImportOptions{OwnerID: e.owner.ID}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("anonymous import: %v", err)
		}
		// A contributor must name an organisation they contribute to as owner.
		_, err := e.svc.ImportCSV(e.contrib, bytes.NewReader(importCorpus(t, "good.csv")), ImportOptions{})
		if ve, ok := valid.As(err); !ok || ve["owner_id"] == "" {
			t.Fatalf("contributor without owner: %v", err)
		}
		_, err = e.svc.ImportCSV(e.contrib, bytes.NewReader(importCorpus(t, "good.csv")), ImportOptions{OwnerID: e.other.ID})
		if ve, ok := valid.As(err); !ok || ve["owner_id"] == "" {
			t.Fatalf("contributor with another's owner: %v", err)
		}
		// A contributor imports into drafts of their organisation; the review columns are not
		// theirs to record (an independent review comes from outside).
		res := e.run(t, e.contrib, "good.csv", ImportOptions{OwnerID: e.owner.ID})
		if !res.Written || res.Created != 6 || res.Assessments != 0 || res.ReviewsSkipped != 4 {
			t.Fatalf("contributor: %+v", res)
		}
		pl, err := e.svc.Store.PlanByNumber(context.Background(), d, "Australia", 2)
		if err != nil || pl.Status != "draft" || pl.OrgID != e.owner.ID {
			t.Fatalf("contributor's plan: %+v %v", pl, err)
		}
		// The public does not see the drafts.
		if _, err := e.svc.Commitment(context.Background(), "AU0019"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("draft commitment visible: %v", err)
		}
		// A contributor of another organisation may not change those plans' commitments.
		res = e.run(t, e.stranger, "changed.csv", ImportOptions{OwnerID: e.other.ID})
		if res.Written || res.Invalid != 6 {
			t.Fatalf("stranger: %+v", res)
		}
		// The command line without an owner: each new plan is owned by its first row's lead.
		e2 := newImportEnv(t, dbtest.SQLite(t))
		res = e2.run(t, e2.admin, "good.csv", ImportOptions{})
		if !res.Written || res.PlansCreated != 3 {
			t.Fatalf("no owner: %+v", res)
		}
		pl, _ = e2.svc.Store.PlanByNumber(context.Background(), e2.d, "New Zealand", 3)
		if pl.OrgName != "Treasury NZ" {
			t.Errorf("owner of the New Zealand plan: %q", pl.OrgName)
		}
	})
}

func TestImportProgress(t *testing.T) {
	e := newImportEnv(t, dbtest.SQLite(t))
	var calls, last int
	res := e.run(t, e.admin, "good.csv", ImportOptions{OwnerID: e.owner.ID, Progress: func(done, total int) {
		calls++
		if total != 6 || done != last+1 {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
	}})
	if calls != 6 || res.Created != 6 {
		t.Errorf("progress called %d times: %+v", calls, res)
	}
}
