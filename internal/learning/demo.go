package learning

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/authz"
)

// DemoIDs are the records the demo refers to by name: the directory's (given by the caller)
// and those the steps create and share with the steps after them.
type DemoIDs struct {
	Orgs     map[string]int64 // organisations by name
	Places   map[string]int64 // places by name (steps add the ones they create)
	Programs map[string]int64 // programs by name
	Tags     map[string]int64 // theme tags by name (filled by LoadDemo)
	// Commitments by reference; AU0019 is the commitment whose learning the demo follows.
	Commitments map[string]int64
	// Staff is a manager of the Department of the Prime Minister and Cabinet, who writes the
	// demo records (the loader's principal when zero).
	Staff authz.Principal
	// Filled in by the steps, for the steps after them.
	CaseStudies map[string]int64 // case studies by title
	Learnings   map[string]int64 // learnings by title
	Communities map[string]int64 // communities by name
}

// demoStep is one area's demo loader. Each area registers its own from an init function in
// its demo_<area>.go; LoadDemo runs them in the order of demoOrder, then any others by name.
type demoStep struct {
	Name string
	Run  func(ctx context.Context, s *Service, ids *DemoIDs) (string, error)
}

// demoSteps is filled by init functions only (registerDemo), and read-only afterwards.
var demoSteps []demoStep

// registerDemo adds an area's demo loader (call it from init).
func registerDemo(name string, run func(ctx context.Context, s *Service, ids *DemoIDs) (string, error)) {
	demoSteps = append(demoSteps, demoStep{Name: name, Run: run})
}

// demoOrder is the order of the areas' demo data: case studies first (learnings cite them),
// then learnings (reports and recommendations gather them), outcomes, and communities last
// (their threads and library point to everything else).
var demoOrder = []string{"casestudies", "learnings", "outcomes", "communities"}

// LoadDemo loads learning's demo data: each area's step in turn (ctx must carry a site admin).
// ids holds the directory's records by name and AU0019's id; it returns a summary.
func LoadDemo(ctx context.Context, s *Service, ids DemoIDs) (string, error) {
	s.RegisterKinds()
	if ids.Places == nil {
		ids.Places = map[string]int64{}
	}
	for _, m := range []*map[string]int64{&ids.Orgs, &ids.Programs, &ids.Tags, &ids.Commitments, &ids.CaseStudies, &ids.Learnings, &ids.Communities} {
		if *m == nil {
			*m = map[string]int64{}
		}
	}
	if err := demoThemes(ctx, s, &ids); err != nil {
		return "", err
	}
	steps := slices.Clone(demoSteps)
	rank := func(name string) int {
		if i := slices.Index(demoOrder, name); i >= 0 {
			return i
		}
		return len(demoOrder)
	}
	slices.SortStableFunc(steps, func(a, b demoStep) int {
		if ra, rb := rank(a.Name), rank(b.Name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
	var sums []string
	for _, st := range steps {
		sum, err := st.Run(ctx, s, &ids)
		if err != nil {
			return "", fmt.Errorf("learning demo %s: %w", st.Name, err)
		}
		if sum != "" {
			sums = append(sums, sum)
		}
	}
	return strings.Join(sums, ", "), nil
}

// demoThemes fills ids.Tags with the directory's theme tags.
func demoThemes(ctx context.Context, s *Service, ids *DemoIDs) error {
	if s.Dir == nil {
		return nil
	}
	tags, err := s.Dir.Tags(ctx, csDirFilter("theme"))
	if err != nil {
		return err
	}
	for _, t := range tags {
		ids.Tags[t.Name] = t.ID
	}
	return nil
}

// demoCtx is the context the demo writes with: the staff member when given, else ctx's own.
func (ids *DemoIDs) demoCtx(ctx context.Context) context.Context {
	if ids.Staff.UserID != 0 {
		return authz.With(ctx, ids.Staff)
	}
	return ctx
}
