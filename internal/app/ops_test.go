package app

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestOperations: health, readiness and metrics answer, and metrics count requests by route
// pattern (not by raw path, which would grow without bound).
func TestOperations(t *testing.T) {
	_, _, srv := testServer(t)
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("readyz: %d %q", code, body)
	}
	get("/organisations/1")
	get("/organisations/2")
	get("/no/such/page")
	code, body := get("/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`joinedup_http_requests_total{code="200",method="GET",route="GET /organisations/{id}"} 2`,
		`route="unmatched"`,
		`joinedup_http_request_duration_seconds_bucket`,
		`joinedup_db_open_connections{pool="write"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, `/organisations/1"`) {
		t.Error("metrics are labelled by raw path")
	}
}
