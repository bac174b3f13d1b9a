package satisfaction

import (
	"context"
	"time"
)

// DriverResult is the cached key-driver analysis of a survey: placeholder, replaced by the
// analysis helper (drivers and weighting).
type DriverResult struct {
	ComputedAt time.Time
	Responses  int64
}

// DriverAnalysis returns the latest key-driver analysis of a survey, nil if none is computed yet.
func (s *Service) DriverAnalysis(ctx context.Context, surveyID int64) (*DriverResult, error) {
	return nil, nil
}
