package learning

import (
	"context"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// The demo's case studies come from two seed documents:
//   - the New Zealand "Better Connected Services for Kiwis" project page (seed 003), which
//     names six examples of joined-up working it studied through intensive interviews, with
//     its research questions, its scope and the issues it put to a workshop;
//   - Australia's open government commitment AU0019 (seed 000), which names four place-based
//     approaches for the public service to learn from — City Deals, Empowered Communities,
//     Stronger Communities for Children and Logan Together — and the focus of that learning.
// The seeds say little about each example's own results, so the case studies say what the
// seeds say and no more; what an example found is left for its authors to add.

func init() { registerDemo("casestudies", demoCaseStudies) }

// demoCaseStudy is one case study of the demo, with its records named.
type demoCaseStudy struct {
	Owner      string // organisation
	Title      string
	Initiative string
	Program    string
	Places     []string
	Partners   []string
	Themes     []string
	Influence  string
	Summary    string
	Approach   string
	Body       string
	Authors    string
	// AsStaff writes it as the demo's PM&C manager (else as the loader).
	AsStaff bool
}

// demoExtraPlaces are places the case studies need that the directory's demo leaves out.
var demoExtraPlaces = []struct{ Name, Kind, Parent, Description string }{
	{Name: "Wellington Region", Kind: "region", Parent: "New Zealand"},
	{Name: "Trentham", Kind: "community", Parent: "Wellington Region", Description: "In Upper Hutt: the home of the National Maritime Coordination Centre studied by the Better Connected Services for Kiwis project."},
}

const bcskFrame = `## Where this example comes from

This is one of six examples of joined-up working that the **Better Connected Services for Kiwis** project studied. Public Service Chief Executives commissioned the project from Victoria University of Wellington's School of Government under the Emerging Issues Programme, to learn what makes services more joined up and more focused on citizens and users. The project reviewed the literature, interviewed people involved in each example in depth, and then tested what it heard in eight focus groups — of front-line staff, of managers, and mixed — held in Auckland, Christchurch, Napier and Wellington in late October and early November 2007.

## What the project asked

1. What are the preconditions for services that are more joined up and centred on citizens and users?
2. What do the policy areas where such services are found in New Zealand have in common?
3. What helps, and what hinders, the spread of joined-up approaches?

The project looked at services that cross agencies and face citizens or users; at service design and service improvement; and at public services from central and local government and from NGOs. It left aside services of a single agency, back-office services, strategic policy and the design of the whole public management system.

## Questions it put to practitioners

Its issues papers were discussed at a workshop on 22 February 2008, under the Chatham House Rule, and published in May 2008. The questions it expected to raise included:

- **Governance:** does collaboration succeed more often when an agency with a formal mandate leads it, or when a network organises itself?
- **The system:** do better connected services happen in spite of the formal system rather than because of it?
- **Spread:** do networks built on trust and good relationships break down when key people move on?
- **Success factors:** do "soft" factors — an organisation's culture, how a mandate is understood — matter more than "hard" ones such as formal accountabilities, Votes and budgets?
- **Accountability:** does front-line staff's accountability to clients and co-workers count for more than formal, hierarchical accountability?

## What this example found

The project's findings on this example are in its issues papers; add them here, with a link, when you have them.`

const au0019Frame = `## Why the public service is learning from it

Australia's open government commitment AU0019, *Improve Public Service Practice* (Action Plan 2018–2020, led by the Department of the Prime Minister and Cabinet), starts from the problems of the most disadvantaged places in Australia: they are many and they are tangled together, and tackling them takes approaches tailored to each place and built with its community. Too often, the commitment says, decisions are made centrally without local people, and it is not clear who is accountable for delivery and for the quality of outcomes.

A place-based approach takes seriously how much a place shapes people's lives, and builds public and multi-stakeholder participation into how policy is made and services are delivered. AU0019 names four approaches already under way to learn from: City Deals, Empowered Communities, Stronger Communities for Children and Logan Together.

## What the learning looks at

Good practice and challenges in:

- delegation and accountability for local planning, engagement and service delivery;
- how the public service listens to the experiences of citizens;
- the capabilities, planning, engagement, data sharing and implementation practice the public service needs to work in a place-centred way.

The commitment's milestones run from scoping the work (2018), through a framework for learning (2018–19) and capturing learnings (2019), to a report on the learnings (2020) and recommendations to Government (2020).`

const influenceNote = "The level of public influence recorded for this case study is the demo's reading of the approach as described, not an official rating."

var demoCaseStudyList = []demoCaseStudy{
	// New Zealand: the six examples of seed 003, owned by the university that led the study.
	{Owner: "Victoria University of Wellington", Title: "Integrated Case Management – Papakura", Program: "Integrated Case Management – Papakura",
		Places: []string{"Papakura"}, Partners: []string{"Ministry of Social Development"}, Themes: []string{"Joined-up services"},
		Summary: "Case management joined up across agencies in Papakura, Auckland: one of six examples of joined-up working that the Better Connected Services for Kiwis project studied through intensive interviews.",
		Body:    bcskFrame,
		Authors: "Joined Up demo, from the Better Connected Services for Kiwis project"},
	{Owner: "Victoria University of Wellington", Title: "Recognised Seasonal Employer – pip fruit, Hawke's Bay", Program: "Recognised Seasonal Employer – pip fruit, Hawke's Bay",
		Places: []string{"Hawke's Bay"}, Partners: []string{"Department of Labour (New Zealand)"}, Themes: []string{"Joined-up services"},
		Summary: "Seasonal workers for Hawke's Bay's pip fruit growers under the Recognised Seasonal Employer scheme: one of six examples of joined-up working studied by the Better Connected Services for Kiwis project.",
		Body:    bcskFrame,
		Authors: "Joined Up demo, from the Better Connected Services for Kiwis project"},
	{Owner: "Victoria University of Wellington", Title: "National Maritime Coordination Centre – Trentham", Initiative: "National Maritime Coordination Centre",
		Places: []string{"Trentham"}, Themes: []string{"Joined-up services"},
		Summary: "The National Maritime Coordination Centre at Trentham: one of six examples of joined-up working studied by the Better Connected Services for Kiwis project.",
		Body:    bcskFrame,
		Authors: "Joined Up demo, from the Better Connected Services for Kiwis project"},
	{Owner: "Victoria University of Wellington", Title: "Strengthening Education in Mangere and Otara", Program: "Strengthening Education in Mangere and Otara",
		Places: []string{"Mangere", "Otara"}, Partners: []string{"Ministry of Education (New Zealand)"}, Themes: []string{"Joined-up services"},
		Summary: "Schools, families and agencies working together to raise achievement in Mangere and Otara, in Manukau: one of six examples of joined-up working studied by the Better Connected Services for Kiwis project.",
		Body:    bcskFrame,
		Authors: "Joined Up demo, from the Better Connected Services for Kiwis project"},
	{Owner: "Victoria University of Wellington", Title: "Autism – national", Initiative: "Services for people with autism",
		Places: []string{"New Zealand"}, Themes: []string{"Joined-up services"},
		Summary: "Joined-up working on autism, across New Zealand: one of six examples studied by the Better Connected Services for Kiwis project, and one of two national ones.",
		Body:    bcskFrame,
		Authors: "Joined Up demo, from the Better Connected Services for Kiwis project"},
	{Owner: "Victoria University of Wellington", Title: "Mayors Taskforce on Jobs – national", Initiative: "Mayors Taskforce on Jobs",
		Places: []string{"New Zealand"}, Themes: []string{"Joined-up services", "Local planning"},
		Summary: "The Mayors Taskforce on Jobs, across New Zealand: one of six examples of joined-up working studied by the Better Connected Services for Kiwis project, and one of two national ones.",
		Body:    bcskFrame,
		Authors: "Joined Up demo, from the Better Connected Services for Kiwis project"},

	// Australia: the four place-based approaches named in AU0019 (seed 000), written by PM&C
	// as the commitment's "capture learnings" milestone.
	{Owner: "Department of the Prime Minister and Cabinet", Title: "Logan Together", Program: "Logan Together", AsStaff: true,
		Places: []string{"Logan"}, Partners: []string{"Logan Together", "Logan City Council", "Department of Social Services"},
		Themes: []string{"Local planning", "Engagement", "Joined-up services"}, Influence: "collaborate",
		Summary:  "A collective-impact movement of Logan's community, government and service partners, working so that children grow up healthy and well — one of the four place-based approaches that commitment AU0019 sets out to learn from.",
		Approach: "Collective impact: Logan's community, government and service partners work together towards shared goals for the city's children.\n\n" + influenceNote,
		Body:     au0019Frame,
		Authors:  "Engagement and Development Branch, Department of the Prime Minister and Cabinet (demo)"},
	{Owner: "Department of the Prime Minister and Cabinet", Title: "Empowered Communities", Program: "Empowered Communities", AsStaff: true,
		Places:   []string{"Cape York", "Inner Sydney", "Goulburn-Murray", "East Kimberley", "West Kimberley", "Central Australia/NPY Lands", "North East Arnhem Land"},
		Partners: []string{"Empowered Communities"}, Themes: []string{"Delegation", "Accountability", "Engagement"}, Influence: "collaborate",
		Summary:  "Indigenous leaders in regions across Australia working in partnership with government on Indigenous-led development — one of the four place-based approaches that commitment AU0019 sets out to learn from.",
		Approach: "Indigenous leaders in each region lead the work, in partnership with government.\n\n" + influenceNote,
		Body:     au0019Frame,
		Authors:  "Engagement and Development Branch, Department of the Prime Minister and Cabinet (demo)"},
	{Owner: "Department of the Prime Minister and Cabinet", Title: "Stronger Communities for Children", Program: "Stronger Communities for Children", AsStaff: true,
		Places: []string{"Ngukurr", "Galiwin'ku"}, Themes: []string{"Delegation", "Service delivery"}, Influence: "empower",
		Summary:  "Communities in the Northern Territory deciding, with facilitating partners, which services their children and families need — one of the four place-based approaches that commitment AU0019 sets out to learn from.",
		Approach: "Each community decides which services its children and families need, working with a facilitating partner.\n\n" + influenceNote,
		Body:     au0019Frame,
		Authors:  "Special Adviser, Regional Governance, Department of the Prime Minister and Cabinet (demo)"},
	{Owner: "Department of the Prime Minister and Cabinet", Title: "City Deals", Program: "City Deals", AsStaff: true,
		Places: []string{"Australia"}, Partners: []string{"Department of Infrastructure, Regional Development and Cities"},
		Themes: []string{"Local planning", "Accountability"}, Influence: "involve",
		Summary:  "Partnerships between the three levels of government, and with communities, to plan and invest together in a city or region — one of the four place-based approaches that commitment AU0019 sets out to learn from.",
		Approach: "The three levels of government, with communities, plan and invest together in a city or region.\n\n" + influenceNote,
		Body:     au0019Frame,
		Authors:  "Engagement and Development Branch, Department of the Prime Minister and Cabinet (demo)"},
}

// demoCaseStudies writes the demo's case studies, adds a second revision to one (so that its
// history has a change to show), and links AU0019 to the four Australian ones.
func demoCaseStudies(ctx context.Context, s *Service, ids *DemoIDs) (string, error) {
	if s.Dir != nil {
		for _, p := range demoExtraPlaces {
			if ids.Places[p.Name] != 0 {
				continue
			}
			pl, err := s.Dir.CreatePlace(ctx, directory.PlaceInput{Name: p.Name, Kind: p.Kind, ParentID: ids.Places[p.Parent], Description: p.Description})
			if err != nil {
				return "", fmt.Errorf("place %s: %w", p.Name, err)
			}
			ids.Places[p.Name] = pl.ID
		}
	}
	lookup := func(what string, m map[string]int64, names []string) ([]int64, error) {
		out := make([]int64, 0, len(names))
		for _, n := range names {
			id := m[n]
			if id == 0 {
				return nil, fmt.Errorf("no %s %q", what, n)
			}
			out = append(out, id)
		}
		return out, nil
	}
	for _, d := range demoCaseStudyList {
		in := CaseStudyInput{OrgID: ids.Orgs[d.Owner], Title: d.Title, Initiative: d.Initiative, Influence: d.Influence, Summary: d.Summary,
			Approach: d.Approach, Body: d.Body, Authors: d.Authors, Visibility: Public}
		if in.OrgID == 0 {
			return "", fmt.Errorf("case study %s: no organisation %q", d.Title, d.Owner)
		}
		if d.Program != "" {
			if in.ProgramID = ids.Programs[d.Program]; in.ProgramID == 0 {
				return "", fmt.Errorf("case study %s: no program %q", d.Title, d.Program)
			}
		}
		var err error
		if in.PlaceIDs, err = lookup("place", ids.Places, d.Places); err != nil {
			return "", fmt.Errorf("case study %s: %w", d.Title, err)
		}
		if in.PartnerIDs, err = lookup("organisation", ids.Orgs, d.Partners); err != nil {
			return "", fmt.Errorf("case study %s: %w", d.Title, err)
		}
		if in.ThemeIDs, err = lookup("theme", ids.Tags, d.Themes); err != nil {
			return "", fmt.Errorf("case study %s: %w", d.Title, err)
		}
		wctx := ctx
		if d.AsStaff && ids.Staff.UserID != 0 {
			wctx = authz.With(ctx, ids.Staff)
		}
		c, err := s.CreateCaseStudy(wctx, in)
		if err != nil {
			return "", fmt.Errorf("case study %s: %w", d.Title, err)
		}
		ids.CaseStudies[c.Title] = c.ID
	}
	// A second revision: the Logan Together case study gains its learning questions.
	if id := ids.CaseStudies["Logan Together"]; id != 0 {
		wctx := ctx
		if ids.Staff.UserID != 0 {
			wctx = authz.With(ctx, ids.Staff)
		}
		c, err := s.CaseStudy(wctx, id)
		if err != nil {
			return "", err
		}
		in := c.Input()
		in.Body = strings.Replace(c.Body, "## What the learning looks at", "## Questions for Logan\n\n"+
			"- Who in Logan decides what, and who is accountable to whom for the results?\n"+
			"- How do the community's own plans shape what government funds and delivers in Logan?\n"+
			"- What do families say about the services they use, and how does that reach the people who design them?\n\n"+
			"## What the learning looks at", 1)
		in.Note = "Added the questions this case study will answer"
		if _, err := s.UpdateCaseStudy(wctx, id, in); err != nil {
			return "", fmt.Errorf("case study Logan Together, second revision: %w", err)
		}
	}
	// AU0019 learns from the four Australian approaches.
	linked := 0
	if au := ids.Commitments["AU0019"]; au != 0 && s.Dir != nil {
		wctx := ctx
		if ids.Staff.UserID != 0 {
			wctx = authz.With(ctx, ids.Staff)
		}
		for _, title := range []string{"Logan Together", "Empowered Communities", "Stronger Communities for Children", "City Deals"} {
			_, err := s.Dir.CreateLink(wctx, directory.LinkInput{FromKind: "commitment", FromID: au, Relation: "learned_from",
				ToKind: CaseStudyKind, ToID: ids.CaseStudies[title], Note: "Named in the commitment as a place-based approach to learn from."})
			if err != nil {
				return "", fmt.Errorf("link AU0019 → %s: %w", title, err)
			}
			linked++
		}
	}
	return fmt.Sprintf("%d case studies (%d linked to AU0019)", len(demoCaseStudyList), linked), nil
}
