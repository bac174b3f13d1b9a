package maturity

import (
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Service holds the rules of self-assessment: who sees and changes what, one transaction per
// change, each change audited.
type Service struct {
	DB    *db.DB
	Dir   *directory.Service
	Store Store
	Now   func() time.Time
}

// Store is the SQL of maturity.
type Store struct{}

// NewService builds the service.
func NewService(d *db.DB, dir *directory.Service) *Service {
	return &Service{DB: d, Dir: dir, Now: db.Now}
}
