package app

import (
	"context"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

func orgInput(name string) directory.OrgInput {
	return directory.OrgInput{Name: name, Type: "government_agency"}
}

// matrixExtraFixtures adds the records of the directory's other kinds, owned by organisation A.
func matrixExtraFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
}
