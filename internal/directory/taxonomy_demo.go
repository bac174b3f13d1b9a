package directory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

type demoTag struct {
	Scheme, Name, Parent, Description string
}

const charterNote = "One of the six principles of the Charter of Partnerships and Engagement, published by the Australian Public Service Commission in December 2023."

// demoTags come from the seed documents: the OGP values, the policy areas of the Australian
// commitments (AU0019 is tagged Capacity Building, Marginalized Communities and Public Service
// Delivery), the Charter's principles and the themes of AU0019. Parents come first.
var demoTags = []demoTag{
	{Scheme: "ogp_value", Name: "Access to Information", Description: "Making government information open, timely and usable by the public."},
	{Scheme: "ogp_value", Name: "Civic Participation", Description: "People taking part in the decisions and services that affect them."},
	{Scheme: "ogp_value", Name: "Public Accountability", Description: "Rules and practices that hold government to account for what it does and what it achieves."},
	{Scheme: "ogp_value", Name: "Technology and Innovation for Transparency and Accountability", Description: "Using technology to open government up and to hold it to account."},

	{Scheme: "policy_area", Name: "Capacity Building"},
	{Scheme: "policy_area", Name: "Marginalized Communities"},
	{Scheme: "policy_area", Name: "Public Service Delivery"},
	{Scheme: "policy_area", Name: "Anti-Corruption Institutions"},
	{Scheme: "policy_area", Name: "Legislation & Regulation"},
	{Scheme: "policy_area", Name: "E-Government"},
	{Scheme: "policy_area", Name: "Beneficial Ownership"},
	{Scheme: "policy_area", Name: "Money in Politics"},
	{Scheme: "policy_area", Name: "OGP", Description: "The Open Government Partnership process itself: national action plans and how they are made."},

	{Scheme: "charter_principle", Name: "Be open", Description: charterNote},
	{Scheme: "charter_principle", Name: "Be responsive", Description: charterNote},
	{Scheme: "charter_principle", Name: "Be transparent", Description: charterNote},
	{Scheme: "charter_principle", Name: "Be accountable", Description: charterNote},
	{Scheme: "charter_principle", Name: "Be informed", Description: charterNote},
	{Scheme: "charter_principle", Name: "Be collaborative", Description: charterNote},

	{Scheme: "theme", Name: "Delegation", Description: "Giving people in a place the authority and flexibility to decide how to work."},
	{Scheme: "theme", Name: "Accountability", Description: "Clear lines of accountability for delivery and for the quality of outcomes."},
	{Scheme: "theme", Name: "Local planning", Description: "Plans made in and with a place rather than centrally."},
	{Scheme: "theme", Name: "Engagement", Description: "Involving citizens and partners in the design and delivery of policy and services."},
	{Scheme: "theme", Name: "Citizen involvement in program design", Parent: "Engagement", Description: "Citizens helping to design and deliver programs, not only being consulted on them."},
	{Scheme: "theme", Name: "Listening to citizens' experiences", Parent: "Engagement", Description: "Learning from what people experience when they use services."},
	{Scheme: "theme", Name: "Service delivery", Description: "How services reach the people who need them."},
	{Scheme: "theme", Name: "Joined-up services", Parent: "Service delivery", Description: "Services designed and delivered across agencies around the citizen or user."},
	{Scheme: "theme", Name: "Data sharing", Description: "Sharing information across the public service and with partners."},

	{Scheme: "sdg", Name: "Goal 10: Reduced inequalities"},
	{Scheme: "sdg", Name: "Goal 16: Peace, justice and strong institutions"},
	{Scheme: "sdg", Name: "Goal 17: Partnerships for the goals"},
}

// demoTaggings tag organisations with the themes and areas of their work.
var demoTaggings = map[string][][2]string{
	"Department of the Prime Minister and Cabinet": {{"policy_area", "Capacity Building"}, {"policy_area", "Public Service Delivery"}, {"theme", "Delegation"}},
	"Australian Public Service Commission":         {{"theme", "Engagement"}, {"policy_area", "Capacity Building"}, {"charter_principle", "Be collaborative"}},
	"Logan Together":                               {{"policy_area", "Marginalized Communities"}, {"theme", "Local planning"}},
	"Empowered Communities":                        {{"policy_area", "Marginalized Communities"}, {"theme", "Delegation"}},
	"Service SA":                                   {{"theme", "Joined-up services"}, {"theme", "Listening to citizens' experiences"}},
	"Victoria University of Wellington":            {{"theme", "Joined-up services"}},
}

type demoPerson struct {
	Email, Name, Org string
	Role             authz.Role
}

// demoPeople have no password: they set one with "forgotten password" (or sign in with single
// sign-on where it is configured).
var demoPeople = []demoPerson{
	{Email: "viewer@pmc.demo.joinedup.example", Name: "Sam Taylor", Org: "Department of the Prime Minister and Cabinet", Role: authz.Viewer},
	{Email: "contributor@pmc.demo.joinedup.example", Name: "Jordan Lee", Org: "Department of the Prime Minister and Cabinet", Role: authz.Contributor},
	{Email: "reviewer@pmc.demo.joinedup.example", Name: "Morgan Chen", Org: "Department of the Prime Minister and Cabinet", Role: authz.Reviewer},
	{Email: "manager@pmc.demo.joinedup.example", Name: "Riley Nguyen", Org: "Department of the Prime Minister and Cabinet", Role: authz.Manager},
	{Email: "admin@pmc.demo.joinedup.example", Name: "Casey Walker", Org: "Department of the Prime Minister and Cabinet", Role: authz.Admin},
	{Email: "manager@servicesa.demo.joinedup.example", Name: "Jamie Russo", Org: "Service SA", Role: authz.Manager},
}

type demoLink struct {
	FromKind, From, Relation, ToKind, To, Note string
}

// demoLinks between records of the story; a link whose ends do not exist (programs loaded by
// another part of the demo, say) is skipped.
var demoLinks = []demoLink{
	{FromKind: "organisation", From: "Department of the Prime Minister and Cabinet", Relation: "learned_from", ToKind: "organisation", To: "Logan Together",
		Note: "AU0019 sets out to learn from place-based approaches already under way, Logan Together among them."},
	{FromKind: "organisation", From: "Department of the Prime Minister and Cabinet", Relation: "learned_from", ToKind: "organisation", To: "Empowered Communities",
		Note: "AU0019 sets out to learn from place-based approaches already under way, Empowered Communities among them."},
	{FromKind: "organisation", From: "Victoria University of Wellington", Relation: "related_to", ToKind: "organisation", To: "State Services Commission",
		Note: "The Better Services for Kiwis project complements the SSC's work on the State Sector Development goals."},
	{FromKind: "organisation", From: "Logan City Council", Relation: "partner_in", ToKind: "program", To: "Logan Together"},
	{FromKind: "organisation", From: "Logan Together", Relation: "delivers", ToKind: "program", To: "Logan Together"},
	{FromKind: "organisation", From: "Empowered Communities", Relation: "delivers", ToKind: "program", To: "Empowered Communities"},
}

// demoRecordID finds a live record of a directory kind by name, or 0.
func demoRecordID(ctx context.Context, q db.Q, kind, name string) (int64, error) {
	table := map[string]string{"organisation": "organisations", "program": "programs", "place": "places", "service": "services"}[kind]
	if table == "" {
		return 0, fmt.Errorf("demo: no table for %s", kind)
	}
	var id int64
	err := q.QueryRow(ctx, "SELECT id FROM "+table+" WHERE lower(name) = lower(?) AND archived_at IS NULL ORDER BY id LIMIT 1", name).Scan(&id)
	if err := db.MapError(err); errors.Is(err, db.ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

// loadDemoTaxonomyPeople loads the taxonomy, people with a role at PM&C and Service SA, and
// links of the demo story (ctx must carry a site admin). ids maps organisation names to IDs.
func loadDemoTaxonomyPeople(ctx context.Context, s *Service, ids map[string]int64) (string, error) {
	tagIDs := map[[2]string]int64{}
	for _, d := range demoTags {
		in := TagInput{Scheme: d.Scheme, Name: d.Name, Description: d.Description}
		if d.Parent != "" {
			in.ParentID = tagIDs[[2]string{d.Scheme, d.Parent}]
		}
		t, err := s.CreateTag(ctx, in)
		if err != nil {
			return "", fmt.Errorf("tag %s: %w", d.Name, err)
		}
		tagIDs[[2]string{d.Scheme, d.Name}] = t.ID
	}

	taggings := 0
	for _, org := range slices.Sorted(maps.Keys(demoTaggings)) {
		oid := ids[org]
		if oid == 0 {
			continue
		}
		var tids []int64
		for _, k := range demoTaggings[org] {
			if t := tagIDs[k]; t != 0 {
				tids = append(tids, t)
			}
		}
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := s.SetTags(ctx, tx, "organisation", oid, tids); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "organisation.tag", TargetKind: "organisation", TargetID: oid, Target: org,
				Detail: fmt.Sprintf("%d tags", len(tids))})
		})
		if err != nil {
			return "", fmt.Errorf("tags of %s: %w", org, err)
		}
		taggings += len(tids)
	}

	people := 0
	for _, d := range demoPeople {
		oid := ids[d.Org]
		if oid == 0 {
			continue
		}
		if _, err := s.CreatePerson(ctx, PersonInput{Email: d.Email, Name: d.Name, OrgID: oid, Role: d.Role}); err != nil {
			return "", fmt.Errorf("person %s: %w", d.Email, err)
		}
		people++
	}

	links := 0
	for _, d := range demoLinks {
		from, err := demoRecordID(ctx, s.DB, d.FromKind, d.From)
		if err != nil {
			return "", err
		}
		to, err := demoRecordID(ctx, s.DB, d.ToKind, d.To)
		if err != nil {
			return "", err
		}
		if from == 0 || to == 0 {
			continue
		}
		if _, err := s.CreateLink(ctx, LinkInput{FromKind: d.FromKind, FromID: from, Relation: d.Relation, ToKind: d.ToKind, ToID: to, Note: d.Note}); err != nil {
			return "", fmt.Errorf("link %s %s %s: %w", d.From, d.Relation, d.To, err)
		}
		links++
	}
	return fmt.Sprintf("%d tags, %d taggings, %d people without passwords (they use password reset), %d links", len(demoTags), taggings, people, links), nil
}
