package app

import (
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
)

// browserCreatePlace adds a place through the form.
func browserCreatePlace(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	b.Visit("/places/new")
	b.Fill("#f-name", "Wairoa")
	b.Select("#f-kind", "lga")
	b.Submit("form.stack button[type=submit]")
	b.MustContain("h1", "Wairoa")
}
