package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// ErrNotEmpty is returned by LoadDemo when the database already holds data.
var ErrNotEmpty = errors.New("database not empty")

// DemoAdminEmail is the demo administrator's sign-in.
const DemoAdminEmail = "admin@demo.joinedup.example"

// DemoResult tells the person who loaded the demo how to sign in.
type DemoResult struct {
	Summary       string
	AdminEmail    string
	AdminPassword string
}

// LoadDemo loads the demo story from the seed documents into an empty database.
func LoadDemo(ctx context.Context, d *db.DB) (DemoResult, error) {
	n, err := auth.CountUsers(ctx, d)
	if err != nil {
		return DemoResult{}, err
	}
	var orgs int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM organisations").Scan(&orgs); err != nil {
		return DemoResult{}, err
	}
	if n > 0 || orgs > 0 {
		return DemoResult{}, ErrNotEmpty
	}
	admin, password, err := CreateUser(ctx, d, DemoAdminEmail, "Demo Administrator", "", true)
	if err != nil {
		return DemoResult{}, err
	}
	dir := directory.NewService(d)
	sum, err := directory.LoadDemo(ctx, dir, admin.ID)
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo directory: %w", err)
	}
	return DemoResult{Summary: sum, AdminEmail: admin.Email, AdminPassword: password}, nil
}
