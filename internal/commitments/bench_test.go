package commitments

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

var benchCountries = []string{"Australia", "New Zealand", "Canada", "United Kingdom", "Ireland", "France", "Spain", "Italy", "Germany", "Norway",
	"Kenya", "Nigeria", "Ghana", "South Africa", "Mexico", "Brazil", "Chile", "Colombia", "Indonesia", "Philippines", "Korea", "Japan",
	"Georgia", "Ukraine", "Mongolia"}

var benchThemes = []string{"Access to Information", "Anti-Corruption Institutions", "Beneficial Ownership", "Capacity Building", "Civic Space",
	"Climate", "Open Contracting", "Digital Governance", "E-Government", "Education", "Elections", "Environment", "Extractive Industries",
	"Fiscal Openness", "Gender", "Health", "Judiciary", "Land Rights", "Legislation & Regulation", "Lobbying", "Marginalized Communities",
	"Media Freedom", "Money in Politics", "Open Data", "Open Parliaments", "Public Participation", "Public Procurement", "Public Service Delivery",
	"Regulatory Governance", "Right to Information", "Social Accountability", "Subnational", "Water and Sanitation", "Whistleblower Protections",
	"Youth", "Local Government", "Infrastructure", "Security", "Justice", "Labor"}

var benchWords = strings.Fields(`the government will establish a public register of beneficial owners and publish open data on contracts budgets
	and spending so that citizens civil society and journalists can follow how decisions are made monitor delivery and hold agencies to account
	through regular consultation independent review and a clear plan with milestones evidence and reporting to parliament and the public`)

// benchCSV writes n realistic rows of the OGP spreadsheet: 25 countries with up to five
// plans each, 1,000 institutions (40 per country), 40 themes, a paragraph of text and a review on half the rows.
func benchCSV(n int, countries []string) []byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(OGPColumns[:])
	yn := func() string {
		if rnd.IntN(2) == 0 {
			return "Yes"
		}
		return "No"
	}
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	for i := 0; i < n; i++ {
		country := countries[i%len(countries)]
		plan := 1 + (i/len(countries))%5
		inst := func() string { return fmt.Sprintf("%s Ministry of %s", country, pick(benchThemes)) }
		var text []string
		for range 90 {
			text = append(text, pick(benchWords))
		}
		var sup []string
		for range rnd.IntN(4) {
			sup = append(sup, inst())
		}
		themes := []string{pick(benchThemes)}
		if rnd.IntN(2) == 0 {
			themes = append(themes, pick(benchThemes))
		}
		row := []string{fmt.Sprintf("%s%05d", strings.ToUpper(country[:2]), i+1), country, "Region", strings.Join(themes, ", "), strconv.Itoa(2011 + 2*plan),
			strconv.Itoa(plan), strconv.Itoa(i/len(countries)/5 + 1), "Commitment " + strconv.Itoa(i+1) + ": " + strings.Join(text[:8], " "), "",
			strings.Join(text, " "), inst(), strings.Join(sup, "; "), fmt.Sprintf("https://www.opengovpartnership.org/commitments/%d/", i+1),
			yn(), yn(), yn(), yn(), "", "", "", ""}
		if i%2 == 0 {
			row[17], row[18], row[19], row[20] = pick([]string{"High", "Medium", "Low"}), pick([]string{"Minor", "Moderate", "Transformative"}),
				pick([]string{"Limited", "Substantial", "Complete"}), pick([]string{"Marginal", "Major", "Did not change"})
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// cpuPerOp reports the process's CPU time per iteration (cpu-ms/op) beside the wall time:
// the work done, which other load on a shared machine does not stretch.
func cpuPerOp(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkImport10k imports 10,000 rows into a fresh SQLite database (set up outside the
// timer) as the command line does: parse, then one transaction.
func BenchmarkImport10k(b *testing.B) {
	data := benchCSV(10000, benchCountries)
	b.SetBytes(int64(len(data)))
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		e := newImportEnv(b, dbtest.SQLite(b))
		b.StartTimer()
		start := processCPU()
		res, err := e.svc.ImportCSV(e.admin, bytes.NewReader(data), ImportOptions{OwnerID: e.owner.ID})
		cpu += processCPU() - start
		if err != nil || res.Created != 10000 || !res.Written {
			b.Fatalf("%v %+v", err, res.Errors[:min(3, len(res.Errors))])
		}
	}
	b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkReimport10kUnchanged imports the same 10,000 rows again: every row unchanged.
func BenchmarkReimport10kUnchanged(b *testing.B) {
	data := benchCSV(10000, benchCountries)
	e := newImportEnv(b, dbtest.SQLite(b))
	if _, err := e.svc.ImportCSV(e.admin, bytes.NewReader(data), ImportOptions{OwnerID: e.owner.ID}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	start := processCPU()
	for b.Loop() {
		res, err := e.svc.ImportCSV(e.admin, bytes.NewReader(data), ImportOptions{OwnerID: e.owner.ID})
		if err != nil || res.Unchanged != 10000 {
			b.Fatalf("%v %+v", err, res)
		}
	}
	cpuPerOp(b, start)
}

// benchPlan500 is a server over a plan of 500 commitments (of 2,500 in five plans), each
// with three milestones and half with an independent review, and the plan's ID.
func benchPlan500(b *testing.B) (http.Handler, int64) {
	dbx := dbtest.SQLite(b)
	e := newImportEnv(b, dbx)
	res, err := e.svc.ImportCSV(e.admin, bytes.NewReader(benchCSV(2500, benchCountries[:1])), ImportOptions{OwnerID: e.owner.ID})
	if err != nil || !res.Written {
		b.Fatal(err, res.Errors)
	}
	pl, err := e.svc.Store.PlanByNumber(context.Background(), dbx, "Australia", 1)
	if err != nil {
		b.Fatal(err)
	}
	cs, err := e.svc.Store.Commitments(context.Background(), dbx, Filter{PlanID: pl.ID, AllVisible: true})
	if err != nil || len(cs) != 500 {
		b.Fatalf("plan has %d commitments: %v", len(cs), err)
	}
	err = dbx.InTx(context.Background(), func(tx *db.Tx) error {
		for i, c := range cs {
			for j := range 3 {
				if _, err := e.svc.Store.InsertMilestone(context.Background(), tx, c.ID, MilestoneInput{Activity: fmt.Sprintf("Milestone %d of %s", j+1, c.Reference),
					Status: "in_progress", Progress: (i * 7 * (j + 1)) % 101, Start: d("2016-09-01"), End: d("2018-06-30")}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return apiServer(b, e.svc, nil), pl.ID
}

// BenchmarkPlanPage500 renders the public page of a plan with 500 commitments through the
// real handler and templates.
func BenchmarkPlanPage500(b *testing.B) {
	h, id := benchPlan500(b)
	path := "/plans/" + strconv.FormatInt(id, 10)
	b.ResetTimer()
	start := processCPU()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
	}
	cpuPerOp(b, start)
}

// BenchmarkAPIPlan500 is the same plan as JSON (GET /api/v1/plans/{id}).
func BenchmarkAPIPlan500(b *testing.B) {
	h, id := benchPlan500(b)
	path := "/api/v1/plans/" + strconv.FormatInt(id, 10)
	b.ResetTimer()
	start := processCPU()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
	}
	cpuPerOp(b, start)
}

// BenchmarkAPICommitmentList pages through 10,000 commitments 100 at a time
// (GET /api/v1/commitments?limit=100), one page per iteration.
func BenchmarkAPICommitmentList(b *testing.B) {
	e := newImportEnv(b, dbtest.SQLite(b))
	if _, err := e.svc.ImportCSV(e.admin, bytes.NewReader(benchCSV(10000, benchCountries)), ImportOptions{OwnerID: e.owner.ID}); err != nil {
		b.Fatal(err)
	}
	h := apiServer(b, e.svc, nil)
	cursor := ""
	start := processCPU()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/commitments?limit=100&cursor="+cursor, nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
		cursor = nextCursor(rec.Body.Bytes())
	}
	cpuPerOp(b, start)
}

// BenchmarkExportCommitmentsCSV streams 10,000 commitments as CSV.
func BenchmarkExportCommitmentsCSV(b *testing.B) {
	e := newImportEnv(b, dbtest.SQLite(b))
	if _, err := e.svc.ImportCSV(e.admin, bytes.NewReader(benchCSV(10000, benchCountries)), ImportOptions{OwnerID: e.owner.ID}); err != nil {
		b.Fatal(err)
	}
	h := apiServer(b, e.svc, nil)
	start := processCPU()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/commitments?format=csv", nil))
		if rec.Code != http.StatusOK || bytes.Count(rec.Body.Bytes(), []byte("opengovpartnership.org/commitments/")) != 10000 {
			b.Fatal(rec.Code)
		}
	}
	cpuPerOp(b, start)
}
