package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
)

func TestDemoResponses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	env := map[string]string{"JOINEDUP_DATABASE": "sqlite:" + path}
	if code, _, errs := run(t, env, "demo", "--responses", "-5"); code != 1 || !strings.Contains(errs, "must not be negative") {
		t.Fatalf("negative: %d %q", code, errs)
	}
	code, out, errs := run(t, env, "demo", "--responses", "700")
	if code != 0 || !strings.Contains(out, "Added 700 generated responses to the demo survey") {
		t.Fatalf("demo --responses: %d %q %q", code, out, errs)
	}
	d, err := db.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n, counted int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM survey_responses r JOIN surveys s ON s.id = r.survey_id WHERE s.code = 'demo'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(context.Background(), "SELECT SUM(n) FROM survey_counts c JOIN surveys s ON s.id = c.survey_id WHERE s.code = 'demo' AND c.question = ''").Scan(&counted); err != nil {
		t.Fatal(err)
	}
	if n != 5700 || counted != 5700 {
		t.Errorf("%d responses, %d counted; want 5,700 (the demo's 5,000 and 700 more)", n, counted)
	}
}
