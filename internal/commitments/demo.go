package commitments

import (
	"context"
	"fmt"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
)

// DemoIDs are the directory records the demo refers to by name.
type DemoIDs struct {
	Orgs     map[string]int64 // by name
	Tags     map[string]int64 // policy areas by name
	Places   map[string]int64
	Programs map[string]int64
	Reviewer authz.Principal // an independent reviewer
	// Staff is a manager of the plans' owner, who writes the progress updates and the
	// self-assessment (the loader's own principal when zero).
	Staff authz.Principal
}

func d(s string) Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return Date{t}
}

func f(v float64) *float64 { return &v }

// demoList is the commitments list of Australia's plans from the seed's commitment page.
var demoList = []struct {
	Ref, Title, Year, Area string
}{
	{"AU0016", "Strengthen Anti-Corruption Framework", "2018", "Anti-Corruption Institutions"},
	{"AU0017", "Political Donation Transparency", "2018", "Legislation & Regulation"},
	{"AU0018", "Data Sharing", "2018", "E-Government"},
	{"AU0019", "Improve Public Service Practice", "2018", "Capacity Building"},
	{"AU0020", "Access to Information", "2018", "OGP"},
	{"AU0021", "Enhance Public Engagement Skills in the Public Service", "2018", "Capacity Building"},
	{"AU0022", "Independent Review of the Australian Public Service", "2018", "Capacity Building"},
	{"AU0023", "Expand Open Contracting", "2018", "E-Government"},
	{"AU0001", "Whistle-Blower Protections", "2016", "Legislation & Regulation"},
	{"AU0002", "Beneficial Ownership Transparency", "2016", "Beneficial Ownership"},
	{"AU0003", "Extractive Industries Transparency", "2016", "Beneficial Ownership"},
	{"AU0004", "Combating Corporate Crime", "2016", "Anti-Corruption Institutions"},
	{"AU0005", "Data Innovation", "2016", "E-Government"},
	{"AU0006", "Public Trust in Data Sharing", "2016", "Capacity Building"},
	{"AU0007", "Digitization of Government Services", "2016", "Capacity Building"},
	{"AU0008", "Information Management and Access Laws", "2016", "Capacity Building"},
	{"AU0009", "Freedom of Information", "2016", "Capacity Building"},
	{"AU0010", "Access to Government Data", "2016", "Capacity Building"},
	{"AU0011", "Electoral System and Political Parties", "2016", "Money in Politics"},
	{"AU0012", "National Integrity Framework", "2016", "Anti-Corruption Institutions"},
	{"AU0013", "Open Contracting", "2016", "Capacity Building"},
	{"AU0014", "OGP NAP", "2016", "OGP"},
	{"AU0015", "Public Participation", "2016", "Capacity Building"},
}

// LoadDemo loads Australia's 2016–18 and 2018–20 plans, AU0019 in full with its milestones,
// updates and assessments, and a starred commitment. ctx must carry a site admin.
func LoadDemo(ctx context.Context, s *Service, ids DemoIDs) (string, error) {
	pmc := ids.Orgs["Department of the Prime Minister and Cabinet"]
	if pmc == 0 {
		return "", fmt.Errorf("commitments demo: no PM&C organisation")
	}
	plans := map[string]Plan{}
	for _, in := range []PlanInput{
		{OrgID: pmc, Title: "Australia Action Plan 2016-2018", Country: "Australia", Number: 1, Cycle: "2016", Start: d("2016-12-07"), End: d("2018-06-30"), Status: "completed",
			Description: "Australia's first Open Government National Action Plan."},
		{OrgID: pmc, Title: "Australia Action Plan 2018-2020", Country: "Australia", Number: 2, Cycle: "2018", Start: d("2018-09-01"), End: d("2020-08-31"), Status: "in_implementation",
			Description: "Australia's second Open Government National Action Plan, developed with the Open Government Forum."},
	} {
		p, err := s.CreatePlan(ctx, in)
		if err != nil {
			return "", fmt.Errorf("plan %s: %w", in.Title, err)
		}
		plans[in.Cycle] = p
	}
	refs := map[string]Commitment{}
	for i, it := range demoList {
		in := CommitmentInput{PlanID: plans[it.Year].ID, Reference: it.Ref, Number: i + 1, Title: it.Title, Status: "completed", LeadOrgID: pmc}
		if it.Year == "2018" {
			in.Status = "active"
		}
		if t := ids.Tags[it.Area]; t != 0 {
			in.PolicyAreaIDs = []int64{t}
		}
		if it.Ref == "AU0019" {
			in = au0019(in, ids)
		}
		c, err := s.CreateCommitment(ctx, in)
		if err != nil {
			return "", fmt.Errorf("commitment %s: %w", it.Ref, err)
		}
		refs[it.Ref] = c
	}
	staff := ctx
	if ids.Staff.SignedIn() {
		staff = authz.With(ctx, ids.Staff)
	}
	if err := au0019Milestones(ctx, staff, s, ids); err != nil {
		return "", err
	}
	// A starred commitment of the first plan, from an independent review.
	yes := true
	if _, err := s.AddAssessment(authz.With(ctx, ids.Reviewer), "AU0002", AssessmentInput{Kind: "independent", AssessedOn: d("2019-03-15"), Verifiable: &yes,
		Relevance: Values{AccessInfo: true, Accountability: true}, PotentialImpact: "transformative", Completion: "substantial", OTGOverall: "major",
		Summary: "A public register of beneficial ownership was committed to and substantially delivered.", Source: "Independent end-of-term review (demo)"}); err != nil {
		return "", fmt.Errorf("AU0002 assessment: %w", err)
	}
	return fmt.Sprintf("2 action plans, %d commitments", len(demoList)), nil
}

func au0019(in CommitmentInput, ids DemoIDs) CommitmentInput {
	in.ShortTitle = "Improve Public Service Practice"
	in.Title = "Improve public service practices using place-based approaches"
	in.Start, in.End = d("2018-09-01"), d("2020-08-31")
	for _, name := range []string{"Department of Health", "Department of Social Services", "Department of Human Services", "Department of Education and Training",
		"Department of Jobs and Small Business", "Department of Infrastructure, Regional Development and Cities", "Australian Bureau of Statistics"} {
		if id := ids.Orgs[name]; id != 0 {
			in.SupporterIDs = append(in.SupporterIDs, id)
		}
	}
	in.OtherGovernment = "Relevant State and Territory Government agencies."
	in.OtherCivil = "Specific organisations not yet identified, but may include a cross section of Empowered Communities organisations, Logan Together community partners and Stronger Communities for Children facilitating partners, local citizens and local government representatives."
	in.Values = Values{CivicParticipation: true, Accountability: true}
	for _, area := range []string{"Capacity Building", "Marginalized Communities", "Public Service Delivery"} {
		if t := ids.Tags[area]; t != 0 && !containsID(in.PolicyAreaIDs, t) {
			in.PolicyAreaIDs = append(in.PolicyAreaIDs, t)
		}
	}
	for _, p := range []string{"Logan"} {
		if id := ids.Places[p]; id != 0 {
			in.PlaceIDs = append(in.PlaceIDs, id)
		}
	}
	for _, p := range []string{"Logan Together", "Empowered Communities", "Stronger Communities for Children", "City Deals"} {
		if id := ids.Programs[p]; id != 0 {
			in.ProgramIDs = append(in.ProgramIDs, id)
		}
	}
	in.Problem = `The problems present in the most disadvantaged locations across Australia are numerous and interrelated, and addressing them requires locally tailored, community based approaches (Australian Social Inclusion Board). The public service must have the authority, flexibility and capabilities to collaborate with different communities in different places to develop and implement different approaches.

A place-based approach recognises the impact of 'place' on individuals' experiences and outcomes and incorporates this recognition into strategies to improve social, economic and environmental outcomes. It embeds meaningful public and multi-stakeholder participation into the business of policy development and service delivery.

Too often, decisions are taken centrally without the engagement of local citizens. In addition, there can be unclear lines of accountability for delivery and quality of outcomes.

This commitment, focused on public sector improvement, will explore what changes to capabilities, planning, engagement, data sharing and implementation practice of the public service are required to support a place-centred approach. It will identify learning from place-based approaches already underway such as City Deals, Empowered Communities, Stronger Communities for Children and Logan Together and consider how to better enable citizen engagement and involvement in program design and delivery.`
	in.Description = `The Government will explore ways to encourage the application and broader adoption of place-based approaches across the public service, and provide recommendations for how the public service could apply a more place-centred, transformational and joined-up delivery approach to its work.

This will be done by establishing mechanisms for the public service to learn from place-based approaches already underway, such as City Deals, Empowered Communities, Stronger Communities for Children, and Logan Together. The learning focus will be on good practice and challenges in relation to delegation and accountability for local planning, engagement and service delivery to support place-based approaches and listening to the experiences of citizens.`
	in.Contribution = `Our ambition is to design and promote a whole-of-government approach to learning from and applying place-based approaches. The adoption of place-centred approaches should contribute to the development of policy, implementation and service system responses that better take account of the needs and aspirations of citizens, deliver tangible outcomes, hold all stakeholders to account for their responsibilities and ensure that services are delivered in a way that meet the needs of the end user.`
	in.Relevance = `This commitment will advance the OGP values of transparency, civic participation and public accountability by facilitating informed public participation; improving policy development and service delivery; and encouraging an ongoing sharing of information and views across the public service that builds consensus on broad policy directions.`
	in.AdditionalInfo = "The work could draw on learnings from existing place-based approaches."
	in.Contacts = "Engagement and Development Branch, Department of the Prime Minister and Cabinet\nSpecial Adviser, Regional Governance, Department of the Prime Minister and Cabinet"
	return in
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// au0019Milestones adds AU0019's milestones (as the loader) and its updates and
// self-assessment (as staff).
func au0019Milestones(ctx, staff context.Context, s *Service, ids DemoIDs) error {
	ms := []MilestoneInput{
		{Activity: "Finalise scope of works", Deliverable: "Relevant Commonwealth agencies consulted on the scope of works; other relevant stakeholders invited to contribute their perspectives to the learning report.",
			Start: d("2018-07-01"), End: d("2018-09-30"), Status: "completed", Progress: 100, Weight: f(1)},
		{Activity: "Develop a framework/mechanism for the public service to learn from existing place-based approaches", Deliverable: "A learning framework agreed across agencies.",
			Start: d("2018-10-01"), End: d("2019-03-31"), Status: "completed", Progress: 100, Weight: f(2)},
		{Activity: "Capture learnings from existing place-based approaches", Deliverable: "Learnings captured from City Deals, Empowered Communities, Stronger Communities for Children and Logan Together.",
			Start: d("2019-01-01"), End: d("2019-12-31"), Status: "in_progress", Progress: 60, Weight: f(3)},
		{Activity: "Finalise report on learnings", Deliverable: "A published report on learnings.",
			Start: d("2020-01-01"), End: d("2020-06-30"), Status: "not_started", Progress: 0, Weight: f(2)},
		{Activity: "Provide Government with recommendations based on learnings and seek Government's agreement to publish recommendations", Deliverable: "Recommendations provided to Government; agreement sought to publish them.",
			Start: d("2020-04-01"), End: d("2020-09-30"), Status: "not_started", Progress: 0, Weight: f(2)},
	}
	var first []Milestone
	for _, in := range ms {
		m, _, err := s.AddMilestone(ctx, "AU0019", in)
		if err != nil {
			return fmt.Errorf("AU0019 milestone: %w", err)
		}
		first = append(first, m)
	}
	for _, u := range []UpdateInput{
		{MilestoneID: first[0].ID, ReportedOn: d("2018-10-05"), Body: "Scope of works finalised after consultation with the supporting agencies; stakeholders invited to contribute perspectives.", Status: "completed"},
		{MilestoneID: first[1].ID, ReportedOn: d("2019-04-12"), Body: "Learning framework agreed by the interdepartmental committee."},
		{MilestoneID: first[2].ID, ReportedOn: d("2019-09-20"), Body: "Site visits to Logan and two Empowered Communities regions held; learnings being written up with community partners.", Evidence: []string{"https://www.pmc.gov.au/"}},
	} {
		if _, err := s.AddUpdate(staff, "AU0019", u); err != nil {
			return fmt.Errorf("AU0019 update: %w", err)
		}
	}
	yes := true
	if _, err := s.AddAssessment(staff, "AU0019", AssessmentInput{Kind: "self", AssessedOn: d("2019-10-01"), Verifiable: &yes,
		Relevance: Values{CivicParticipation: true, Accountability: true}, PotentialImpact: "moderate", Completion: "limited",
		Summary: "Mid-term self-assessment: the framework is in place and learnings are being captured; the report and recommendations are still ahead.", Source: "Mid-term self-assessment report"}); err != nil {
		return fmt.Errorf("AU0019 self-assessment: %w", err)
	}
	if _, err := s.AddAssessment(authz.With(ctx, ids.Reviewer), "AU0019", AssessmentInput{Kind: "independent", AssessedOn: d("2019-11-20"), Verifiable: &yes,
		Relevance: Values{CivicParticipation: true}, PotentialImpact: "minor", Completion: "limited", OTGOverall: "marginal",
		Summary: "The commitment is verifiable and relevant to civic participation, but as written its potential impact is minor: it commits to learning and recommendations, not to changes in practice.",
		Source:  "Independent design report (demo)"}); err != nil {
		return fmt.Errorf("AU0019 independent assessment: %w", err)
	}
	return nil
}
