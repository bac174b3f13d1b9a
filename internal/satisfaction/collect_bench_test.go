package satisfaction

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// BenchmarkSubmitJSON posts JSON responses through the real handler (router, cache, parser,
// group committer) to SQLite in a temporary directory, from 64 concurrent clients on two
// cores. Each operation is one response stored and committed.
func BenchmarkSubmitJSON(b *testing.B) {
	e := newColEnv(b, dbtest.SQLite(b), "bench", &Limits{})
	const body = `{"answers":{"overall":4,"timeliness":5,"knowledge":"na","courtesy":5,"recommend":9,"comment":"Helpful staff."},"channel":"online"}`
	e.get("/s/bench") // warm the cache
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/s/bench", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 201 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
	})
}

// BenchmarkSubmitForm is the same through the HTML form (answered with a redirect).
func BenchmarkSubmitForm(b *testing.B) {
	e := newColEnv(b, dbtest.SQLite(b), "bench", &Limits{})
	const body = "overall=4&timeliness=5&knowledge=na&courtesy=5&recommend=9&comment=Helpful+staff."
	e.get("/s/bench")
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/s/bench", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 303 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
	})
}

// BenchmarkSurveyPage serves the survey page with a warm cache: no query, no template.
func BenchmarkSurveyPage(b *testing.B) {
	e := newColEnv(b, dbtest.SQLite(b), "bench", nil)
	if rec := e.get("/s/bench"); rec.Code != 200 {
		b.Fatal(rec.Code)
	}
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/s/bench", nil)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
