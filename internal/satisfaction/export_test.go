package satisfaction

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

var topicsQuestion = forms.Question{ID: "topics", Type: forms.Multiple, Text: "What was it about?", NotApplicable: true,
	Options: []forms.Option{{Value: "tax", Label: "Tax"}, {Value: "rates", Label: "Rates"}, {Value: "parking", Label: "Parking"}}}

func surveyIDs(t *testing.T, d *db.DB, surveyID int64) []int64 {
	t.Helper()
	var ids []int64
	err := db.Each(context.Background(), d, "SELECT id FROM survey_responses WHERE survey_id = ? ORDER BY id", []any{surveyID}, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestExportSmallCaseExact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sv := surveyWith(t, d, "export", []forms.Question{ageQuestion, topicsQuestion})
		north := insPlace(t, d, "North")
		at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
		insStore(t, d, sv, []insResp{
			{answers: map[string]any{QOverall: 5, QTimely: "na", QRecommend: 9, "age": "young", "topics": []any{"tax", "parking"},
				QComment: "=SUM(A1) was \"fine\", thanks"}, channel: "online", place: north, at: at},
			{answers: map[string]any{QOverall: 2, QKnowledge: 4, "topics": []any{"na"}}, channel: "phone", at: at.Add(time.Hour)},
		})
		ids := surveyIDs(t, d, sv.ID)
		people := insPeople(t, d, sv.OrgID)
		s := NewService(d, nil)
		got, err := s.ExportSurvey(people["contributor"], sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := s.WriteResponsesCSV(ctx, &b, nil, got); err != nil {
			t.Fatal(err)
		}
		want := "id,submitted_at,version,channel,place,overall,timeliness,knowledge,courtesy,extra_mile,fairness,outcome,access,recommend,age,topics,comment\n" +
			fmt.Sprintf("%d,2026-02-03T04:05:06Z,1,online,North,5,NA,,,,,,,9,young,tax; parking,\"'=SUM(A1) was \"\"fine\"\", thanks\"\n", ids[0]) +
			fmt.Sprintf("%d,2026-02-03T05:05:06Z,1,phone,,2,,4,,,,,,,,NA,\n", ids[1])
		if b.String() != want {
			t.Errorf("CSV\n got %q\nwant %q", b.String(), want)
		}
		b.Reset()
		if err := s.WriteResponsesJSON(ctx, &b, nil, got); err != nil {
			t.Fatal(err)
		}
		wantJSON := "[\n" +
			fmt.Sprintf(`{"id":%d,"submitted_at":"2026-02-03T04:05:06Z","version":1,"channel":"online","place":"North","overall":5,"timeliness":"NA","knowledge":null,"courtesy":null,"extra_mile":null,"fairness":null,"outcome":null,"access":null,"recommend":9,"age":"young","topics":["tax","parking"],"comment":"=SUM(A1) was \"fine\", thanks"}`, ids[0]) + ",\n" +
			fmt.Sprintf(`{"id":%d,"submitted_at":"2026-02-03T05:05:06Z","version":1,"channel":"phone","place":"","overall":2,"timeliness":null,"knowledge":4,"courtesy":null,"extra_mile":null,"fairness":null,"outcome":null,"access":null,"recommend":null,"age":null,"topics":"NA","comment":""}`, ids[1]) +
			"\n]\n"
		if b.String() != wantJSON {
			t.Errorf("JSON\n got %s\nwant %s", b.String(), wantJSON)
		}
		var rows []map[string]any
		if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 2 {
			t.Fatalf("not a JSON array of 2: %v", err)
		}
		// Who may export: contributors and up, site admins; viewers 403; others 404.
		for who, want := range map[string]error{"contributor": nil, "manager": nil, "admin": nil, "site": nil,
			"viewer": authz.ErrForbidden, "other": db.ErrNotFound} {
			if _, err := s.ExportSurvey(people[who], sv.ID); !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", who, err, want)
			}
		}
		if _, err := s.ExportSurveyByCode(people["contributor"], "export"); err != nil {
			t.Error(err)
		}
		if _, err := s.ExportSurveyByCode(people["contributor"], "nosuch"); !errors.Is(err, db.ErrNotFound) {
			t.Error(err)
		}
	})
}

// sink counts what an export writes and remembers how much had been written at the first
// flush.
type sink struct {
	n, lines, atFirstFlush int
	flushes                int
	peakHeap               uint64
}

func (s *sink) Write(p []byte) (int, error) {
	s.n += len(p)
	s.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func (s *sink) flush() {
	if s.flushes == 0 {
		s.atFirstFlush = s.n
	}
	s.flushes++
	if s.flushes%10 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.peakHeap = max(s.peakHeap, m.HeapAlloc)
	}
}

func TestExportStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 20,000 responses")
	}
	d := dbtest.SQLite(t)
	ctx := context.Background()
	sv := testSurvey(t, d, "stream")
	const n = 20000
	rs := make([]insResp, n)
	for i := range rs {
		rs[i] = insResp{answers: map[string]any{QOverall: float64(1 + i%5), QComment: strings.Repeat("long comment ", 10)}}
	}
	insStore(t, d, sv, rs)
	s := NewService(d, nil)
	for _, format := range []string{"csv", "json"} {
		var out sink
		var err error
		if format == "csv" {
			err = s.WriteResponsesCSV(ctx, &out, out.flush, sv)
		} else {
			err = s.WriteResponsesJSON(ctx, &out, out.flush, sv)
		}
		if err != nil {
			t.Fatal(err)
		}
		wantLines := n + 1
		if format == "json" {
			wantLines = n + 2
		}
		// Streamed: written chunk by chunk, flushed after each, the first flush after a small
		// part of the whole.
		if out.lines != wantLines || out.flushes != n/exportChunk+1 || out.atFirstFlush*20 > out.n {
			t.Errorf("%s: %d lines, %d flushes, %d of %d bytes at the first flush", format, out.lines, out.flushes, out.atFirstFlush, out.n)
		}
		t.Logf("%s: %d bytes, peak heap %.1f MB", format, out.n, float64(out.peakHeap)/1e6)
	}
}

// BenchmarkExportCSV100k exports 100,000 responses; memory stays flat: the bytes allocated
// per run are garbage of each row, and the peak heap does not grow with the count.
func BenchmarkExportCSV100k(b *testing.B) {
	d := dbtest.SQLite(b)
	ctx := context.Background()
	sv := testSurvey(b, d, "bench")
	const n = 100000
	rs := make([]insResp, n)
	for i := range rs {
		rs[i] = insResp{answers: map[string]any{QOverall: float64(1 + i%5), QTimely: "na", QRecommend: float64(i % 11),
			QComment: "The queue was long but the staff were kind"}}
	}
	insStore(b, d, sv, rs)
	rs = nil
	s := NewService(d, nil)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		var out sink
		if err := s.WriteResponsesCSV(ctx, &out, out.flush, sv); err != nil {
			b.Fatal(err)
		}
		if out.lines != n+1 {
			b.Fatalf("%d lines", out.lines)
		}
		peak = max(peak, out.peakHeap)
	}
	b.ReportMetric(float64(peak-min(peak, base.HeapAlloc))/1e6, "peak-heap-MB")
}
