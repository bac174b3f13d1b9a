package app

import (
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
)

// TestBrowserSignInCreateSearch is a new staff member's first path: sign in, add an
// organisation and a place, and find both with the search box. Every page is checked with axe.
func TestBrowserSignInCreateSearch(t *testing.T) {
	_, demo, srv := testServer(t)
	b := browsertest.New(t, srv.URL)

	b.Visit("/")
	b.MustContain("h1", "Public services")
	b.Visit("/organisations")

	// Signing in with a wrong password shows the message next to the field.
	b.Visit("/signin")
	b.Fill("#f-email", demo.AdminEmail)
	b.Fill("#f-password", "not the password")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".error-summary", "not right")

	b.Fill("#f-email", demo.AdminEmail)
	b.Fill("#f-password", demo.AdminPassword)
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".flash", "signed in")

	// A bad organisation keeps what was typed and says what is wrong.
	b.Visit("/organisations/new")
	b.Fill("#f-name", "Hawkes Bay Joined-Up Services Trust")
	b.Fill("#f-website", "not a web address")
	b.Submit("form.stack button[type=submit]")
	b.MustContain(".error-summary", "Choose a type")
	b.MustContain(".error-summary", "web address")
	if v := b.Text("h1"); v != "New organisation" {
		t.Fatalf("after a bad submission the form should stay: h1 %q", v)
	}
	b.Select("#f-type", "community_organisation")
	b.Fill("#f-website", "https://hawkesbay.example.org.nz")
	b.Fill("#f-jurisdiction", "New Zealand")
	b.Submit("form.stack button[type=submit]")
	b.MustContain("h1", "Hawkes Bay Joined-Up Services Trust")

	browserCreatePlace(t, b)

	b.Visit("/search?q=hawkes")
	b.MustContain("main", "Hawkes Bay Joined-Up Services Trust")
	b.Visit("/search?q=wairoa")
	b.MustContain("main", "Wairoa")
}
