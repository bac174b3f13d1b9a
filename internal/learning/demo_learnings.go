package learning

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// The demo's learnings follow commitment AU0019 (seed 000): "capture learnings from existing
// place-based approaches", "finalise report on learnings", "provide Government with
// recommendations". Its learning focus — delegation and accountability for local planning,
// engagement and service delivery, listening to citizens, data sharing — gives the themes;
// the APS review's priorities (seed 001: seamless services and local solutions, an open APS
// sharing information, engagement that is not tick-a-box) give the context. The seeds report
// no findings, so every learning, evidence item and recommendation here is illustrative: each
// says so, and none states a figure.

func init() { registerDemo("learnings", demoLearnings) }

const demoNote = "\n\n*Illustrative demo content, written from the themes of commitment AU0019; not a finding of the programs named.*"

type demoLearning struct {
	Type, Title, Situation, Action, Result, Insight, Context, Confidence, Visibility string
	Themes                                                                           []string
	CaseStudies                                                                      []string
	Evidence                                                                         []string
}

var demoLearningList = []demoLearning{
	{Type: LearningWorked, Title: "Decisions made in the place hold better than decisions made centrally", Confidence: "medium",
		Situation: "Programs for a community were designed in Canberra and adjusted locally afterwards, if at all.",
		Action:    "Communities, with a facilitating partner, decided which services their children and families needed, and government funded those.",
		Result:    "People in the community spoke of the services as theirs, and the partners kept to the decisions when pressures came.",
		Insight:   "Delegate the decision, not only the consultation: when a place decides, the decision holds.",
		Context:   "Places with a body the community trusts to decide, and partners willing to fund what it decides.",
		Themes:    []string{"Delegation", "Local planning"}, CaseStudies: []string{"Stronger Communities for Children", "Empowered Communities"},
		Evidence: []string{"Evaluation of place-based approaches: interim report"}},
	{Type: LearningImprovement, Title: "Say who is accountable for what before the money flows", Confidence: "medium",
		Situation: "Three levels of government and community partners each funded part of the work; when results lagged, no one could say whose part it was.",
		Action:    "Partners wrote down, for each outcome, who answers for it, to whom, and how they will report.",
		Result:    "Reviews turned from blame to fixing what was not working.",
		Insight:   "Clear lines of accountability for delivery and for the quality of outcomes come first, not after problems appear.",
		Context:   "Partnerships with more than one funder, such as City Deals.",
		Themes:    []string{"Accountability"}, CaseStudies: []string{"City Deals", "Logan Together"},
		Evidence: []string{"Evaluation of place-based approaches: interim report"}},
	{Type: LearningWorked, Title: "A shared plan for the place lets agencies line up behind local priorities", Confidence: "high",
		Situation: "Agencies each ran their own programs in Logan, with their own targets.",
		Action:    "The community, government and service partners agreed one set of goals for the city's children, and each partner showed how its work served them.",
		Result:    "Partners could see where their work overlapped and where no one was working, and changed what they did.",
		Insight:   "One plan made in and with the place is what lets separate agencies act as one.",
		Context:   "Places with a collective-impact backbone organisation.",
		Themes:    []string{"Local planning", "Joined-up services"}, CaseStudies: []string{"Logan Together", "City Deals"},
		Evidence: []string{"Outcome harvest: partners' changes in practice in Logan"}},
	{Type: LearningDidNotWork, Title: "Consultation with a decided outcome costs trust", Confidence: "medium",
		Situation: "People were asked for their views on a program whose design was already settled.",
		Action:    "A round of consultation meetings was held late in the design.",
		Result:    "Turnout fell at each meeting, and people said they had been asked before and nothing had changed.",
		Insight:   "Engage while the choices are still open, and tell people what changed because of what they said — a tick-a-box consultation does harm.",
		Context:   "Any engagement on programs designed for a place.",
		Themes:    []string{"Engagement", "Listening to citizens' experiences"}, CaseStudies: []string{"Logan Together"},
		Evidence: []string{"Families' accounts of using services"}},
	{Type: LearningImprovement, Title: "Agree what partners may share about the people they serve at the start", Confidence: "low",
		Situation: "Agencies working with the same families could not share what they knew, so each assessed them again.",
		Action:    "A case manager worked across agencies with the family's consent.",
		Result:    "Families told their story fewer times; the agencies found that working out what they could share took longer than the work itself.",
		Insight:   "Settle data-sharing arrangements, and the consent behind them, when a partnership starts, not case by case.",
		Context:   "Joined-up services for people with many needs across several agencies.",
		Themes:    []string{"Data sharing", "Joined-up services"}, CaseStudies: []string{"Integrated Case Management – Papakura"}},
	{Type: LearningObservation, Title: "Front-line staff join services up before the system does", Confidence: "low", Visibility: Members,
		Situation: "Across the joined-up examples studied in New Zealand, the connections between services often began with people on the front line.",
		Action:    "Staff in different agencies got to know each other and referred people directly.",
		Result:    "Services felt joined up to the people using them before any formal arrangement existed.",
		Insight:   "Back the relationships front-line staff build; formal arrangements can follow and protect them.",
		Context:   "Services that cross agencies and face citizens or users.",
		Themes:    []string{"Service delivery", "Joined-up services"}, CaseStudies: []string{"Integrated Case Management – Papakura", "Strengthening Education in Mangere and Otara"}},
}

func demoEvidenceList(org int64) []EvidenceInput {
	return []EvidenceInput{
		{OrgID: org, Kind: EvidenceEvaluation, Title: "Evaluation of place-based approaches: interim report", Source: "Department of the Prime Minister and Cabinet (demo)",
			Date: "2019-06-30", Consent: true, Visibility: Public,
			Summary: "An interim look at what the place-based approaches named in AU0019 show about delegation and accountability: who decides what, and who answers for the results." + demoNote},
		{OrgID: org, Kind: EvidenceOutcomeHarvest, Title: "Outcome harvest: partners' changes in practice in Logan", Source: "Logan partners' workshop (demo)",
			Date: "2019-11-15", Consent: true, Visibility: Public,
			Summary:        "Outcomes harvested from partners of the Logan collective-impact work: changes in what partners do, described by them and checked with others." + demoNote,
			Outcome:        "Two service partners changed when and where they offer their services, to match the priorities in the shared plan for Logan's children.",
			Significance:   "It is a change in how partners work, not only in what they say: the first sign that the shared plan steers what partners do.",
			Contribution:   "The shared plan and the partners' meetings made the gaps visible; the partners say they would not have seen them otherwise.",
			Substantiation: "Confirmed with a person outside each partner who knows the change (illustrative)."},
		{OrgID: org, Kind: EvidenceLivedExperience, Title: "Families' accounts of using services", Source: "Conversations with families (demo)",
			Date: "2019-08-01", Consent: true, CulturallySensitive: true, Visibility: Public,
			Summary: "What families said about being asked for their views and about the services they use. Culturally sensitive: kept to the department's staff." + demoNote},
	}
}

var demoReportSections = []struct {
	Title, Intro string
	Learnings    []int // indexes in demoLearningList
}{
	{"Delegation and accountability", "Who decides in a place, and who answers for the results.", []int{0, 1}},
	{"Local planning and joined-up services", "Plans made in and with a place, and services that meet there.", []int{2, 5}},
	{"Engagement and data sharing", "Listening to citizens while choices are open, and sharing what partners need to know.", []int{3, 4}},
}

var demoRecommendations = []struct {
	Title, Body, Audience, Priority, Status string
	Learnings                               []int
}{
	{"Give places a real say in the priorities that agencies fund", "Where a place has a body its community trusts, let it set the priorities, and have agencies show how their funding follows them." + demoNote,
		"Secretaries Board", "high", "accepted", []int{0, 2}},
	{"Set out who is accountable for each outcome in a place-based partnership", "Before funding starts, write down for each outcome who answers for it, to whom, and how progress is reported." + demoNote,
		"Agencies funding place-based approaches", "high", "in_progress", []int{1}},
	{"Agree data-sharing arrangements, and the consent behind them, when a partnership starts", "Model arrangements would spare each partnership working them out case by case." + demoNote,
		"Agencies and their partners", "medium", "proposed", []int{4}},
}

// demoLearnings writes the learnings, evidence, endorsements, and the learning report with
// its recommendations answered by AU0019.
func demoLearnings(ctx context.Context, s *Service, ids *DemoIDs) (string, error) {
	org := ids.Orgs["Department of the Prime Minister and Cabinet"]
	if org == 0 {
		return "", fmt.Errorf("no organisation Department of the Prime Minister and Cabinet")
	}
	wctx := ids.demoCtx(ctx)
	evidence := map[string]int64{}
	for _, in := range demoEvidenceList(org) {
		e, err := s.CreateEvidence(wctx, in)
		if err != nil {
			return "", fmt.Errorf("evidence %s: %w", in.Title, err)
		}
		evidence[e.Title] = e.ID
	}
	lookup := func(what string, m map[string]int64, names []string) ([]int64, error) {
		var out []int64
		for _, n := range names {
			id := m[n]
			if id == 0 {
				return nil, fmt.Errorf("no %s %q", what, n)
			}
			out = append(out, id)
		}
		return out, nil
	}
	if ids.Learnings == nil {
		ids.Learnings = map[string]int64{}
	}
	learningIDs := make([]int64, len(demoLearningList))
	for i, dl := range demoLearningList {
		in := LearningInput{OrgID: org, Type: dl.Type, Title: dl.Title, Situation: dl.Situation, Action: dl.Action, Result: dl.Result,
			Insight: dl.Insight, Context: dl.Context + demoNote, Confidence: dl.Confidence, Visibility: dl.Visibility}
		var err error
		if in.ThemeIDs, err = lookup("theme", ids.Tags, dl.Themes); err != nil {
			return "", fmt.Errorf("learning %s: %w", dl.Title, err)
		}
		if in.CaseStudyIDs, err = lookup("case study", ids.CaseStudies, dl.CaseStudies); err != nil {
			return "", fmt.Errorf("learning %s: %w", dl.Title, err)
		}
		if in.EvidenceIDs, err = lookup("evidence", evidence, dl.Evidence); err != nil {
			return "", fmt.Errorf("learning %s: %w", dl.Title, err)
		}
		l, err := s.CreateLearning(wctx, in)
		if err != nil {
			return "", fmt.Errorf("learning %s: %w", dl.Title, err)
		}
		learningIDs[i] = l.ID
		ids.Learnings[l.Title] = l.ID
	}
	// A second revision, so that a learning's history has a change to show.
	if l, err := s.LearningForEdit(wctx, learningIDs[2]); err == nil {
		in := demoLearningInput(l)
		in.Result += " Two partners changed when and where they offer services (see the outcome harvest)."
		in.Note = "Added what the outcome harvest found"
		if _, err := s.UpdateLearning(wctx, l.ID, in); err != nil {
			return "", fmt.Errorf("learning revision: %w", err)
		}
	} else {
		return "", err
	}
	// Endorsements from the demo's other people.
	endorsed := 0
	var people []authz.Principal
	err := db.Each(ctx, s.DB, "SELECT id, name, email FROM users WHERE email LIKE '%demo.joinedup.example' AND id <> ? ORDER BY id LIMIT 4",
		[]any{ids.Staff.UserID}, func(rows *sql.Rows) error {
			var p authz.Principal
			if err := rows.Scan(&p.UserID, &p.Name, &p.Email); err != nil {
				return err
			}
			people = append(people, p)
			return nil
		})
	if err != nil {
		return "", err
	}
	notes := []string{"The same in our region: the plan only held once the community decided.", "", "We saw this too, in a smaller way.", ""}
	for i, p := range people {
		for j, lid := range []int64{learningIDs[0], learningIDs[2], learningIDs[3]} {
			if (i+j)%2 == 1 {
				continue
			}
			note := ""
			if j == 0 {
				note = notes[i%len(notes)]
			}
			if _, err := s.Endorse(authz.With(ctx, p), lid, note); err != nil {
				return "", fmt.Errorf("endorsement: %w", err)
			}
			endorsed++
		}
	}
	// The learning report, published, with its recommendations.
	var secs []SectionInput
	for _, sc := range demoReportSections {
		si := SectionInput{Title: sc.Title, Intro: sc.Intro}
		for _, i := range sc.Learnings {
			si.LearningIDs = append(si.LearningIDs, learningIDs[i])
		}
		secs = append(secs, si)
	}
	rep, err := s.CreateReport(wctx, ReportInput{OrgID: org, Title: "Learnings from place-based approaches", Sections: secs,
		Introduction: "Commitment AU0019 asks the public service to learn from place-based approaches already under way — City Deals, Empowered Communities, " +
			"Stronger Communities for Children and Logan Together — with a focus on **delegation and accountability** for local planning, engagement and service " +
			"delivery, and on listening to the experiences of citizens.\n\nThis report gathers the learnings captured so far and the recommendations drawn from them." + demoNote})
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	recs := 0
	for _, dr := range demoRecommendations {
		in := RecommendationInput{ReportID: rep.ID, Title: dr.Title, Body: dr.Body, Audience: dr.Audience, Priority: dr.Priority, Status: dr.Status}
		for _, i := range dr.Learnings {
			in.LearningIDs = append(in.LearningIDs, learningIDs[i])
		}
		if au := ids.Commitments["AU0019"]; au != 0 {
			in.CommitmentIDs = []int64{au}
		}
		if _, err := s.CreateRecommendation(wctx, in); err != nil {
			return "", fmt.Errorf("recommendation %s: %w", dr.Title, err)
		}
		recs++
	}
	if _, err := s.PublishReport(wctx, rep.ID, true); err != nil {
		return "", fmt.Errorf("publish report: %w", err)
	}
	return fmt.Sprintf("%d learnings, %d evidence items, %d endorsements, a learning report with %d recommendations",
		len(learningIDs), len(evidence), endorsed, recs), nil
}

// demoLearningInput turns a learning back into input, for an edit.
func demoLearningInput(l Learning) LearningInput {
	return LearningInput{OrgID: l.OrgID, Type: l.Type, Title: l.Title, Situation: l.Situation, Action: l.Action, Result: strings.TrimSpace(l.Result),
		Insight: l.Insight, Context: l.Context, Confidence: l.Confidence, Visibility: l.Visibility, CommunityID: l.CommunityID,
		ThemeIDs: lrThemeIDs(l.Themes), CaseStudyIDs: l.CaseStudyIDs, EvidenceIDs: l.EvidenceIDs}
}
