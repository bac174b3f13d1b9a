package search

import (
	"context"
	"os"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
)

func TestExp4(t *testing.T) {
	if os.Getenv("L5EXP4") == "" {
		t.Skip()
	}
	d := expDB(t)
	defer d.Close()
	ctx := authz.With(context.Background(), authz.Principal{UserID: 1, Roles: map[int64]authz.Role{3: authz.Viewer, 40: authz.Contributor}})
	for range 20 {
		for _, q := range []string{os.Getenv("L5Q")} {
			sq := Query{Text: q, Communities: []int64{2, 5}, Limit: 20}
			Find(ctx, d, sq)
		}
	}
}
