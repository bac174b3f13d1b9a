package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var (
	ana       = authz.Principal{UserID: 5, Name: "Ana Tui", Email: "ana@example.gov.au"}
	siteAdmin = authz.Principal{UserID: 1, Name: "Admin", Email: "admin@example.gov.au", SiteAdmin: true}
)

// insertAt writes a row at a chosen time (Record always writes now).
func insertAt(t *testing.T, d *db.DB, at time.Time, actor, action, kind string, id int64, outcome string) {
	t.Helper()
	_, err := d.Exec(context.Background(), `INSERT INTO audit_log (at, actor, action, target_kind, target_id, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
		at.UTC(), actor, action, kind, id, outcome)
	if err != nil {
		t.Fatal(err)
	}
}

func actions(rows []Entry) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Action)
	}
	return strings.Join(s, ",")
}

func TestRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := reqinfo.With(context.Background(), reqinfo.Info{ID: "req-42", ClientIP: "203.0.113.7"})
		before := db.Now().Add(-time.Second)
		err := d.InTx(ctx, func(tx *db.Tx) error {
			return Record(authz.With(ctx, ana), tx, Entry{Action: "organisation.create", TargetKind: "organisation", TargetID: 3, Target: "Department of Social Services"})
		})
		if err != nil {
			t.Fatal(err)
		}
		// Anonymous, a long detail, and an actor named by the caller (a failed sign-in).
		if err := Record(ctx, d, Entry{Action: "survey.respond", Detail: strings.Repeat("x", 5000)}); err != nil {
			t.Fatal(err)
		}
		if err := Record(ctx, d, Entry{Action: "auth.login", Actor: "someone@example.com", Outcome: Failure}); err != nil {
			t.Fatal(err)
		}
		if err := Deny(authz.With(ctx, ana), d, "organisation.update", "organisation", 3); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("Deny returned %v", err)
		}
		// A change that rolls back leaves no audit row.
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			if err := Record(ctx, tx, Entry{Action: "organisation.archive"}); err != nil {
				return err
			}
			return errors.New("the change failed")
		})

		rows, err := List(context.Background(), d, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(rows); got != "organisation.update,auth.login,survey.respond,organisation.create" {
			t.Fatalf("rows, newest first: %s", got)
		}
		c := rows[3]
		if c.ActorID != 5 || c.Actor != "ana@example.gov.au" || c.RequestID != "req-42" || c.ClientIP != "203.0.113.7" ||
			c.Outcome != Success || c.TargetKind != "organisation" || c.TargetID != 3 || c.Target != "Department of Social Services" {
			t.Errorf("create row: %+v", c)
		}
		if c.At.Before(before) || c.At.After(db.Now().Add(time.Second)) {
			t.Errorf("create row at %v, want about now", c.At)
		}
		if a := rows[2]; a.ActorID != 0 || a.Actor != "anonymous" || len(a.Detail) != 4000 {
			t.Errorf("anonymous row: actor %d %q, detail %d bytes", a.ActorID, a.Actor, len(a.Detail))
		}
		if l := rows[1]; l.Actor != "someone@example.com" || l.Outcome != Failure {
			t.Errorf("login row: %+v", l)
		}
		if dn := rows[0]; dn.Outcome != Denied || dn.ActorID != 5 || dn.TargetID != 3 {
			t.Errorf("denied row: %+v", dn)
		}
	})
}

func TestFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		day := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
		insertAt(t, d, day.Add(-14*time.Hour), "ana@example.gov.au", "organisation.create", "organisation", 1, Success)
		insertAt(t, d, day.Add(10*time.Hour), "Ben@Example.gov.au", "organisation.update", "organisation", 1, Success)
		insertAt(t, d, day.Add(23*time.Hour+59*time.Minute), "ana@example.gov.au", "organisation.update", "organisation", 2, Denied)
		insertAt(t, d, day.Add(24*time.Hour), "anonymous", "auth.login", "user", 7, Failure)
		insertAt(t, d, day.Add(25*time.Hour), "ana@example.gov.au", "authXlogin", "user", 7, Success)
		insertAt(t, d, day.Add(26*time.Hour), "100%_sure", "organisations.other", "organisation", 1, Success)

		for _, c := range []struct {
			name string
			f    Filter
			want string
		}{
			{"all", Filter{}, "organisations.other,authXlogin,auth.login,organisation.update,organisation.update,organisation.create"},
			{"action prefix", Filter{Action: "organisation."}, "organisation.update,organisation.update,organisation.create"},
			{"underscore is literal", Filter{Action: "auth_"}, ""},
			{"percent is literal", Filter{Actor: "100%"}, "organisations.other"},
			{"actor, any case", Filter{Actor: "BEN@"}, "organisation.update"},
			{"target", Filter{TargetKind: "organisation", TargetID: 1}, "organisations.other,organisation.update,organisation.create"},
			{"outcome", Filter{Outcome: Denied}, "organisation.update"},
			{"from", Filter{From: day.Add(24 * time.Hour)}, "organisations.other,authXlogin,auth.login"},
			{"to is exclusive", Filter{To: day.Add(24 * time.Hour)}, "organisation.update,organisation.update,organisation.create"},
			{"combined", Filter{Actor: "ana", From: day, To: day.Add(48 * time.Hour)}, "authXlogin,organisation.update"},
			{"limit", Filter{Limit: 2}, "organisations.other,authXlogin"},
		} {
			rows, err := List(ctx, d, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := actions(rows); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
		// The cursor: rows before the last one seen.
		first, _ := List(ctx, d, Filter{Limit: 4})
		rest, err := List(ctx, d, Filter{Before: first[3].ID})
		if err != nil || actions(rest) != "organisation.update,organisation.create" {
			t.Errorf("before: %v %s", err, actions(rest))
		}

		// The page's filters: dates are whole days, "to" included.
		f, err := parseFilter(map[string][]string{"from": {"2020-01-02"}, "to": {" 2020-01-02 "}, "outcome": {"denied"}, "target_id": {"2"}})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := List(ctx, d, f)
		if actions(rows) != "organisation.update" || rows[0].TargetID != 2 {
			t.Errorf("one day: %s", actions(rows))
		}
		_, err = parseFilter(map[string][]string{"from": {"2020-13-01"}, "to": {"yesterday"}, "outcome": {"maybe"}, "target_id": {"-3"}})
		ve, _ := valid.As(err)
		for _, field := range []string{"from", "to", "outcome", "target_id"} {
			if ve[field] == "" {
				t.Errorf("want an error on %s, got %v", field, err)
			}
		}
		_, err = parseFilter(map[string][]string{"from": {"2078-09-01"}, "to": {"2020-08-31"}})
		if err == nil || !strings.Contains(err.Error(), "31 August 2020") || !strings.Contains(err.Error(), "1 September 2078") {
			t.Errorf("to before from: %v", err)
		}
	})
}

func TestCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := authz.With(context.Background(), authz.Principal{UserID: 3, Email: "@attacker"})
		if err := Record(ctx, d, Entry{Action: "organisation.update", TargetKind: "organisation", TargetID: 9,
			Target: `=cmd|' /C calc'!A0`, Detail: "+SUM(A1:A9)", Outcome: Success}); err != nil {
			t.Fatal(err)
		}
		// Enough rows for several batches.
		err := d.InTx(context.Background(), func(tx *db.Tx) error {
			for i := 0; i < 2100; i++ {
				if err := Record(context.Background(), tx, Entry{Action: "bulk.row", Actor: "bulk"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteCSV(context.Background(), d, Filter{}, &buf); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2102 || recs[0][0] != "id" || recs[0][4] != "action" {
			t.Fatalf("%d records, header %v", len(recs), recs[0])
		}
		seen := map[string]bool{}
		for _, r := range recs[1:] {
			if seen[r[0]] {
				t.Fatalf("row %s twice", r[0])
			}
			seen[r[0]] = true
		}
		last := recs[len(recs)-1]
		if last[3] != "'@attacker" || last[7] != `'=cmd|' /C calc'!A0` || last[9] != "'+SUM(A1:A9)" || last[6] != "9" {
			t.Errorf("cells not neutralised: %q", last)
		}
		// Filters apply.
		buf.Reset()
		if err := WriteCSV(context.Background(), d, Filter{Action: "organisation."}, &buf); err != nil {
			t.Fatal(err)
		}
		if recs, _ := csv.NewReader(&buf).ReadAll(); len(recs) != 2 {
			t.Errorf("filtered CSV: %d records", len(recs))
		}
	})
}

func TestAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Record(ctx, d, Entry{Action: "organisation.create", Target: "original"}); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			"UPDATE audit_log SET target = 'changed'",
			"UPDATE audit_log SET outcome = 'success' WHERE id > 0",
			"DELETE FROM audit_log",
			"DELETE FROM audit_log WHERE action = 'organisation.create'",
		} {
			if _, err := d.Exec(ctx, stmt); err == nil {
				t.Errorf("%s: not refused", stmt)
			}
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, stmt)
				return err
			})
			if err == nil {
				t.Errorf("%s in a transaction: not refused", stmt)
			}
		}
		rows, err := List(ctx, d, Filter{})
		if err != nil || len(rows) != 1 || rows[0].Target != "original" {
			t.Errorf("after refused changes: %v %+v", err, rows)
		}
	})
}

func TestWeb(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat, err := locale.Load()
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: "test"}, log)
		if err != nil {
			t.Fatal(err)
		}
		rt := web.NewRouter(&web.Errors{Render: rend, Log: log})
		if err := (&Web{DB: d, Render: rend, Log: log}).Routes(rt); err != nil {
			t.Fatal(err)
		}
		get := func(p authz.Principal, target string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			rt.Handler().ServeHTTP(w, httptest.NewRequestWithContext(authz.With(context.Background(), p), "GET", target, nil))
			return w
		}
		day := time.Date(2020, 1, 2, 12, 0, 0, 0, time.UTC)
		for i := 0; i < 60; i++ {
			insertAt(t, d, day.Add(time.Duration(i)*time.Minute), "ana@example.gov.au", "organisation.update", "organisation", int64(i+1), Success)
		}
		insertAt(t, d, day.Add(24*time.Hour), "=HYPERLINK(\"http://evil.example\")", "auth.login", "user", 1, Failure)

		// Site admins only.
		for _, target := range []string{"/admin/audit", "/admin/audit.csv", "/api/v1/audit"} {
			if w := get(ana, target); w.Code != 403 || strings.Contains(w.Body.String(), "organisation.update") {
				t.Errorf("%s for a non-admin: %d", target, w.Code)
			}
			if w := get(authz.Anonymous, target); w.Code == 200 {
				t.Errorf("%s for anonymous: %d", target, w.Code)
			}
		}
		if w := get(authz.Anonymous, "/admin/audit"); w.Code != 303 || w.Header().Get("Location") != "/signin?next=%2Fadmin%2Faudit" {
			t.Errorf("anonymous page: %d %s", w.Code, w.Header().Get("Location"))
		}

		// The page: newest first, 50 rows, a link to older ones that keeps the filters.
		w := get(siteAdmin, "/admin/audit")
		body := w.Body.String()
		if w.Code != 200 || strings.Count(body, "<tr>") != PageSize+1 || !strings.Contains(body, "<h1>Audit log</h1>") ||
			strings.Index(body, "auth.login") > strings.Index(body, "organisation.update") {
			t.Fatalf("page: %d\n%s", w.Code, body)
		}
		w = get(siteAdmin, "/admin/audit?action=organisation.&outcome=success")
		body = w.Body.String()
		if strings.Contains(body, "<code>auth.login</code>") || !strings.Contains(body, `href="/admin/audit?action=organisation.&amp;before=11&amp;outcome=success" rel="next"`) {
			t.Fatalf("filtered page:\n%s", body)
		}
		w = get(siteAdmin, "/admin/audit?action=organisation.&outcome=success&before=11")
		if body := w.Body.String(); strings.Count(body, "<code>organisation.update</code>") != 10 || strings.Contains(body, `rel="next"`) || !strings.Contains(body, "Newest rows</a>") {
			t.Errorf("older page:\n%s", body)
		}
		// Invalid filters: messages beside the fields, what was typed kept, nothing listed.
		w = get(siteAdmin, "/admin/audit?from=2020-02-30&to=soon&target_id=abc&actor=ana")
		body = w.Body.String()
		for _, s := range []string{`id="f-from-error"`, `id="f-to-error"`, `id="f-target_id-error"`, `value="soon"`, `value="ana"`, `class="error-summary"`} {
			if !strings.Contains(body, s) {
				t.Errorf("invalid filters page lacks %s", s)
			}
		}
		if w.Code != 400 || strings.Contains(body, "<tbody>") {
			t.Errorf("invalid filters: %d", w.Code)
		}
		if w := get(siteAdmin, "/admin/audit?before=x"); w.Code != 400 {
			t.Errorf("bad before: %d", w.Code)
		}

		// The download: every matching row, cells neutralised.
		w = get(siteAdmin, "/admin/audit.csv?action=auth.")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(w.Header().Get("Content-Disposition"), `attachment; filename="audit-log-`) {
			t.Fatalf("csv: %d %v", w.Code, w.Header())
		}
		recs, err := csv.NewReader(w.Body).ReadAll()
		if err != nil || len(recs) != 2 || recs[1][3] != `'=HYPERLINK("http://evil.example")` {
			t.Errorf("csv rows: %v %q", err, recs)
		}
		if w := get(siteAdmin, "/admin/audit.csv?from=nope"); w.Code != 400 || w.Header().Get("Content-Disposition") != "" {
			t.Errorf("csv with a bad filter: %d %v", w.Code, w.Header())
		}

		// The API: cursor pagination, newest first.
		var page struct {
			Items      []Row  `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		var got []Row
		target := "/api/v1/audit?limit=25&target_kind=organisation"
		for i := 0; i < 10; i++ {
			w := get(siteAdmin, target)
			page.NextCursor = ""
			if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 {
				t.Fatalf("api: %d %v %s", w.Code, err, w.Body.String())
			}
			got = append(got, page.Items...)
			if page.NextCursor == "" {
				break
			}
			target = "/api/v1/audit?limit=25&target_kind=organisation&cursor=" + page.NextCursor
		}
		if len(got) != 60 || got[0].TargetID != 60 || got[59].TargetID != 1 || got[0].Actor != "ana@example.gov.au" || got[0].At.IsZero() {
			t.Errorf("api pages: %d rows, first %+v", len(got), got[0])
		}
		for _, c := range []struct{ target, field string }{
			{"/api/v1/audit?from=2020-1-1", "from"},
			{"/api/v1/audit?cursor=garbage", "cursor"},
			{"/api/v1/audit?limit=0", "limit"},
			{"/api/v1/audit?outcome=maybe", "outcome"},
		} {
			w := get(siteAdmin, c.target)
			var p struct {
				Errors map[string]string `json:"errors"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != 400 || p.Errors[c.field] == "" {
				t.Errorf("%s: %d %s, want 400 with an error on %s", c.target, w.Code, w.Body.String(), c.field)
			}
		}
	})
}
