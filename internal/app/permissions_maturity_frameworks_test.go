package app

import (
	"context"
	"fmt"
	"testing"
)

// Who may use the framework pages. Frameworks are published material: everyone reads them
// and downloads their files; site admins and managers of any organisation (B's admin too)
// load new ones. A form or body posted empty counts as let through when it answers 422.
func init() {
	for k, v := range map[string]string{
		"GET /frameworks":               "YYYYYYY",
		"GET /frameworks/import":        "---YYYY",
		"POST /frameworks/import":       "---YYYY",
		"GET /frameworks/{id}":          "YYYYYYY",
		"GET /frameworks/{id}/download": "YYYYYYY",
		"GET /api/v1/frameworks":        "YYYYYYY",
		"POST /api/v1/frameworks":       "---YYYY",
		"GET /api/v1/frameworks/{id}":   "YYYYYYY",
	} {
		permissionRules[k] = v
	}
}

// matrixMaturityFrameworkFixtures loads the built-in packs; {id} of /frameworks is the Charter pack.
func matrixMaturityFrameworkFixtures(t *testing.T, ctx context.Context, f *matrixFixture) {
	t.Helper()
	if err := f.app.Maturity.EnsureBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	fw, err := f.app.Maturity.FrameworkByKey(ctx, "charter-engagement", "")
	if err != nil {
		t.Fatal(err)
	}
	f.ids["frameworks"] = fmt.Sprint(fw.ID)
}
