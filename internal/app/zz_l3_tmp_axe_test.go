package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

func TestZZL3Axe(t *testing.T) {
	a, demo, srv := testServer(t)
	b := browsertest.New(t, srv.URL)
	var logan, res, prog, ind int64
	ctx := context.Background()
	_ = a.DB.QueryRow(ctx, "SELECT id FROM places WHERE name = 'Logan'").Scan(&logan)
	_ = a.DB.QueryRow(ctx, "SELECT id FROM outcome_results LIMIT 1").Scan(&res)
	_ = a.DB.QueryRow(ctx, "SELECT id FROM programs WHERE name = 'Logan Together'").Scan(&prog)
	_ = a.DB.QueryRow(ctx, "SELECT id FROM indicators WHERE kind = 'population' LIMIT 1").Scan(&ind)
	pub := []string{"/outcomes", fmt.Sprintf("/places/%d/outcomes", logan), fmt.Sprintf("/places/%d/outcomes/%d", logan, res),
		fmt.Sprintf("/indicators/%d", ind), fmt.Sprintf("/programs/%d/performance", prog), fmt.Sprintf("/places/%d", logan)}
	for _, p := range pub {
		b.Visit(p)
	}
	u, _ := auth.UserByEmail(ctx, a.DB, demo.AdminEmail)
	tok, _ := a.Auth.StartSession(ctx, u, "test", "axe")
	b.SetSession(tok)
	for _, p := range append(pub, fmt.Sprintf("/places/%d/outcomes/new", logan), fmt.Sprintf("/places/%d/outcomes/%d/edit", logan, res),
		fmt.Sprintf("/places/%d/outcomes/%d/indicators/new", logan, res), fmt.Sprintf("/indicators/%d/edit", ind),
		fmt.Sprintf("/indicators/%d/import", ind), fmt.Sprintf("/programs/%d/performance/new", prog)) {
		b.Visit(p)
	}
	// An import with problems, and the preview.
	b.Visit(fmt.Sprintf("/indicators/%d/import", ind))
	b.Fill("#f-text", "34590,2027,x\n")
	b.Submit("form.stack")
	b.CheckA11y()
	b.MustContain("main", "Problems in the file")
	b.Fill("#f-text", "34590,2027,56\n")
	b.Submit("form.stack")
	b.CheckA11y()
	b.MustContain("main", "Check before importing")
	b.Visit(fmt.Sprintf("/indicators/%d", ind))
	b.Fill("#f-period", "2027-Q1")
	b.Fill("#f-value", "abc")
	b.Submit(`form[action$="/observations"]`)
	b.CheckA11y()
	b.MustContain("main", "one series keeps one format")
}
