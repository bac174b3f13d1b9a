package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/joinedup/joinedup/internal/commitments"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/engagement"
	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/maturity"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/satisfaction"
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
	ids, err := demoIDs(ctx, d, dir)
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo: %w", err)
	}
	csvc := commitments.NewService(d, dir)
	csum, err := commitments.LoadDemo(ctx, csvc, ids)
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo commitments: %w", err)
	}
	sum += "; " + csum
	msum, err := maturity.LoadDemo(ctx, maturity.NewService(d, dir), maturity.DemoIDs{Orgs: ids.Orgs})
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo maturity: %w", err)
	}
	sum += "; " + msum
	au0019, err := csvc.Commitment(ctx, "AU0019")
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo engagements: AU0019: %w", err)
	}
	esum, err := engagement.LoadDemo(ctx, engagement.NewService(d, dir), engagement.DemoIDs{Orgs: ids.Orgs, Places: ids.Places,
		Programs: ids.Programs, Commitments: map[string]int64{"AU0019": au0019.ID}, Staff: ids.Staff})
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo engagements: %w", err)
	}
	sum += "; " + esum
	ssum, err := satisfaction.LoadDemo(ctx, satisfaction.NewService(d, dir), satisfaction.DemoOptions{})
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo satisfaction: %w", err)
	}
	sum += "; " + ssum
	lsum, err := learning.LoadDemo(ctx, learning.NewService(d, dir), learning.DemoIDs{Orgs: ids.Orgs, Places: ids.Places,
		Programs: ids.Programs, Commitments: map[string]int64{"AU0019": au0019.ID}, Staff: ids.Staff})
	if err != nil {
		return DemoResult{}, fmt.Errorf("demo learning: %w", err)
	}
	sum += "; " + lsum
	return DemoResult{Summary: sum, AdminEmail: admin.Email, AdminPassword: password}, nil
}

// demoPolicyAreas are the policy areas of Australia's OGP commitments (from the seed).
var demoPolicyAreas = []string{"Anti-Corruption Institutions", "Legislation & Regulation", "E-Government", "OGP", "Beneficial Ownership",
	"Money in Politics", "Capacity Building", "Marginalized Communities", "Public Service Delivery"}

// demoIDs looks up the directory records the capabilities' demo data refers to by name,
// adding the policy areas it needs and an independent reviewer.
func demoIDs(ctx context.Context, d *db.DB, dir *directory.Service) (commitments.DemoIDs, error) {
	ids := commitments.DemoIDs{Orgs: map[string]int64{}, Tags: map[string]int64{}, Places: map[string]int64{}, Programs: map[string]int64{}}
	orgs, err := dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return ids, err
	}
	for _, o := range orgs {
		ids.Orgs[o.Name] = o.ID
	}
	tags, err := dir.Tags(ctx, directory.ListFilter{Type: "policy_area"})
	if err != nil {
		return ids, err
	}
	for _, t := range tags {
		ids.Tags[t.Name] = t.ID
	}
	for _, name := range demoPolicyAreas {
		if ids.Tags[name] == 0 {
			t, err := dir.CreateTag(ctx, directory.TagInput{Scheme: "policy_area", Name: name})
			if err != nil {
				return ids, fmt.Errorf("policy area %s: %w", name, err)
			}
			ids.Tags[name] = t.ID
		}
	}
	places, err := dir.Places(ctx, directory.ListFilter{})
	if err != nil {
		return ids, err
	}
	for _, p := range places {
		ids.Places[p.Name] = p.ID
	}
	progs, err := dir.Programs(ctx, directory.ListFilter{})
	if err != nil {
		return ids, err
	}
	for _, p := range progs {
		ids.Programs[p.Name] = p.ID
	}
	irm, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Independent Reporting Mechanism", ShortName: "IRM", Type: "other",
		Description: "The Open Government Partnership's independent reviewers of action plans and commitments (a demo stand-in)."})
	if err != nil {
		return ids, err
	}
	uid, err := auth.InsertUser(ctx, d, auth.User{Email: "reviewer@irm.demo.joinedup.example", Name: "Demo Independent Reviewer"})
	if err != nil {
		return ids, err
	}
	if err := dir.Store.SetMembership(ctx, d, uid, irm.ID, authz.Reviewer); err != nil {
		return ids, err
	}
	ids.Orgs[irm.Name] = irm.ID
	if u, err := auth.UserByEmail(ctx, d, "manager@pmc.demo.joinedup.example"); err == nil {
		roles, err := dir.RoleSource(ctx, u.ID)
		if err != nil {
			return ids, err
		}
		ids.Staff = authz.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Roles: roles}
	}
	ids.Reviewer = authz.Principal{UserID: uid, Name: "Demo Independent Reviewer", Email: "reviewer@irm.demo.joinedup.example",
		Roles: map[int64]authz.Role{irm.ID: authz.Reviewer}}
	return ids, nil
}
