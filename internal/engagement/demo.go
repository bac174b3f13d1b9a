package engagement

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// DemoIDs are the records the demo refers to by name.
type DemoIDs struct {
	Orgs     map[string]int64 // by name
	Places   map[string]int64
	Programs map[string]int64
	// Commitments by reference: the scope engagement is linked to AU0019.
	Commitments map[string]int64
	// Staff is a manager of PM&C, who runs the scope engagement (the loader's principal when zero).
	Staff authz.Principal
}

func demoDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func pick(m map[string]int64, names ...string) []int64 {
	var out []int64
	for _, n := range names {
		if id := m[n]; id != 0 {
			out = append(out, id)
		}
	}
	return out
}

// demoQuestionnaire is the scope engagement's submission form.
func demoQuestionnaire() *forms.Questionnaire {
	return &forms.Questionnaire{ID: "au0019-scope", Title: "The scope of the place-based learning work",
		Intro: "Tell us what the public service should learn from place-based approaches. It takes about ten minutes.",
		Questions: []forms.Question{
			{ID: "role", Type: forms.Single, Text: "Who are you answering as?", Required: true, Options: []forms.Option{
				{Value: "resident", Label: "Someone who lives in the place"}, {Value: "community_org", Label: "A community organisation"},
				{Value: "first_nations_org", Label: "A First Nations organisation"}, {Value: "local_gov", Label: "Local government"},
				{Value: "state_gov", Label: "A state or territory agency"}, {Value: "commonwealth", Label: "A Commonwealth agency"}}},
			{ID: "cover", Type: forms.Textarea, Text: "What should the learning work cover?", Required: true, MaxLength: 2000},
			{ID: "worked", Type: forms.Textarea, Text: "What has worked in your place, and why?", MaxLength: 2000},
			{ID: "quote", Type: forms.Single, Text: "May we quote your answers, without your name, in the public report?", Required: true,
				Options: []forms.Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}},
		}}
}

// demoCover are answers to "what should the learning work cover?", each with the themes it raises.
var demoCover = []struct {
	Text   string
	Themes []int
}{
	{"Who gets to make decisions. In Logan the plans that stick are the ones the community wrote, not the ones handed down from Canberra.", []int{0}},
	{"How agencies listen before they design anything. Too often we are asked to comment on a program that is already decided.", []int{1}},
	{"Whether communities can see the data that is collected about them. We fill in forms for five agencies and never see the results.", []int{2}},
	{"Funding cycles. Three-year grants do not fit generational change, and every renewal costs us months.", []int{3}},
	{"Who is accountable when a joined-up approach fails. At the moment each department points at the others.", []int{4}},
	{"How local leaders are backed to make decisions about services in their region, with the authority to go with it.", []int{0}},
	{"Listening to Elders first. Engagement should start on country and in language, and take the time it takes.", []int{1}},
	{"Sharing data between agencies and with communities, with clear rules about privacy and consent.", []int{2}},
	{"Stable, long-term commitment. People stop trusting a program when it changes every election.", []int{3}},
	{"One place where all the agencies report what they spend and what they achieve in our community.", []int{4, 2}},
	{"Delegation: what a regional office can decide without asking head office, and how quickly.", []int{0, 4}},
	{"Co-design that starts with the problem, not with the answer the department already has.", []int{1}},
	{"What outcomes the community itself wants measured, rather than only the outputs agencies count.", []int{2, 4}},
	{"The cost of short pilots that end just as they start to work.", []int{3}},
	{"How the public service learns from what did not work, and says so publicly.", []int{4}},
	{"Giving community boards a real say over how money is spent locally.", []int{0, 3}},
	{"Feeding back what happened after we were consulted. We rarely hear how our input was used.", []int{1, 4}},
	{"Local data on children's development, so that families and services can see whether things are improving.", []int{2}},
}

// demoWorked are answers to "what has worked in your place, and why?".
var demoWorked = []string{
	"The Logan Together partnership table works because everyone at it can commit their organisation.",
	"A local coordinator who knew everyone made the agencies turn up to the same meetings.",
	"Yarning circles before the formal consultation: people said what mattered to them before we showed any papers.",
	"Shared data on school readiness, published every year, has kept everyone focused on the same goal.",
	"A ten-year agreement gave us the confidence to plan beyond the next grant round.",
	"Having the regional manager in the room, able to say yes on the day.",
	"Our community plan was written by the community, and the agencies signed up to it.",
	"Monthly report-backs to the community on what each agency had done since the last meeting.",
	"",
	"Funding that followed the community's priorities rather than each department's program guidelines.",
	"An interpreter at every meeting and papers in plain English.",
	"",
}

var demoRoles = []string{"resident", "community_org", "first_nations_org", "local_gov", "state_gov", "commonwealth", "resident", "community_org"}

// demoThemes are the scope engagement's themes, in order.
var demoThemes = []ThemeInput{
	{Name: "Local decision-making",
		Response: "Community members and agencies alike asked who makes decisions and how close to the community. The learning work will ask, in each place, which decisions are made locally, which are made centrally, and what it would take to move more of them closer to the community.",
		Change:   "Delegation and local decision-making became the first of the learning framework's questions."},
	{Name: "Listening before designing",
		Response: "People told us they are often consulted after the decision is made. The learning work will look at how each approach heard from the community before programs were designed, and what difference it made.",
		Change:   "The scope now includes how engagement is done, not only what programs deliver; each place's community partners help design the questions asked there."},
	{Name: "Data that communities can see",
		Response: "Communities want to see the data collected about them and to choose what is measured. The learning work will compare how Logan Together and Empowered Communities regions share data with their communities.",
		Change:   "Data sharing with communities was added to the scope of works."},
	{Name: "Long-term commitment",
		Response: "Short funding cycles were described as the biggest obstacle to lasting change. Funding arrangements are outside this work's remit, but the report to Government will set out what people told us about them.",
		Change:   "No change to the scope: funding decisions are not open to influence here. What was said is passed on to the agencies that make them."},
	{Name: "Accountability across agencies",
		Response: "People asked who is accountable when several agencies share a goal. The learning work will look at how accountability for shared outcomes works in each approach.",
		Change:   "Accountability for joined-up delivery became a question of the learning framework."},
}

// LoadDemo loads the engagements of the demo story: the consultation on the scope of the
// place-based learning work (AU0019's first milestone), closed, with a published report
// linked to AU0019; and an engagement whose report is overdue. ctx must carry a site admin.
func LoadDemo(ctx context.Context, s *Service, ids DemoIDs) (string, error) {
	pmc := ids.Orgs["Department of the Prime Minister and Cabinet"]
	dss := ids.Orgs["Department of Social Services"]
	if pmc == 0 || dss == 0 {
		return "", fmt.Errorf("engagement demo: PM&C and DSS are needed")
	}
	staff := ctx
	if ids.Staff.SignedIn() {
		staff = authz.With(ctx, ids.Staff)
	}
	n, err := demoScope(ctx, staff, s, ids, pmc)
	if err != nil {
		return "", fmt.Errorf("engagement demo, scope: %w", err)
	}
	if err := demoOverdue(ctx, s, ids, dss); err != nil {
		return "", fmt.Errorf("engagement demo, overdue: %w", err)
	}
	mapSum, err := demoMap(ctx, staff, s, ids, pmc) // demo_map.go
	if err != nil {
		return "", fmt.Errorf("engagement demo, opinion map: %w", err)
	}
	return fmt.Sprintf("3 engagements (AU0019's scope consultation with %d submissions and its report; one overdue; %s)", n, mapSum), nil
}

func demoToken(engagement string, i int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("demo participant %s %d", engagement, i)))
	return hex.EncodeToString(h[:])
}

// demoSubmit adds a participant and their submission, as if sent at at.
func demoSubmit(ctx context.Context, tx *db.Tx, s *Service, e Detail, key string, i int, email string, answers forms.Answers, consent bool, at time.Time) (int64, error) {
	pid, err := s.Store.InsertParticipant(ctx, tx, e.ID, demoToken(key, i), email, 0)
	if err != nil {
		return 0, err
	}
	return s.Store.InsertSubmission(ctx, tx, Submission{EngagementID: e.ID, ParticipantID: pid, Answers: answers, ConsentQuote: consent, CreatedAt: at})
}

func demoScope(ctx, staff context.Context, s *Service, ids DemoIDs, pmc int64) (int, error) {
	in := Input{OrgID: pmc, Slug: "place-based-learning-scope", Title: "Scope of the place-based learning work",
		Summary:       "Agencies, community partners and people in places with place-based approaches were asked what the public service's learning work (open government commitment AU0019) should cover.",
		Purpose:       "To settle, with the agencies and the people who live and work in places with place-based approaches, what the public service's learning work should cover, before the learning framework is designed. It is the first milestone of Australia's open government commitment AU0019.",
		Decision:      "The scope of works for learning from place-based approaches: which approaches and places it learns from, which questions it asks, and how communities take part. The interdepartmental committee agreed the scope in October 2018.",
		NotNegotiable: "That the work learns from approaches already under way (City Deals, Empowered Communities, Stronger Communities for Children and Logan Together), that it reports to Government with recommendations by September 2020, and funding decisions for those programs.",
		Influence:     Involve,
		Affected:      "People and community organisations in places with place-based approaches, and the Commonwealth, state and local agencies that work with them.",
		OpensOn:       Date{demoDate("2018-07-16")}, ClosesOn: Date{demoDate("2018-09-07")}, ReportBackBy: Date{demoDate("2018-10-31")},
		Questionnaire: demoQuestionnaire(),
		PartnerIDs: pick(ids.Orgs, "Department of Social Services", "Department of Health", "Department of Human Services", "Department of Education and Training",
			"Department of Infrastructure, Regional Development and Cities", "Logan Together", "Empowered Communities"),
		PlaceIDs:   pick(ids.Places, "Logan", "Cape York", "Inner Sydney", "Ngukurr", "Galiwin'ku"),
		ProgramIDs: pick(ids.Programs, "Logan Together", "Empowered Communities", "Stronger Communities for Children", "City Deals"),
	}
	e, err := s.Create(staff, in)
	if err != nil {
		return 0, err
	}
	key := e.Key()
	if _, _, err := s.SetStatus(staff, key, StatusOpen); err != nil {
		return 0, err
	}
	// Thirty-six submissions over the seven weeks it was open; every third person asked to
	// hear back, and most agreed to be quoted.
	const count = 36
	start := demoDate("2018-07-16").Add(9 * time.Hour)
	subIDs := make([]int64, count)
	consent := make([]bool, count)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for i := range count {
			cover := demoCover[i%len(demoCover)]
			answers := forms.Answers{{Question: "role", Values: []string{demoRoles[i%len(demoRoles)]}}, {Question: "cover", Text: cover.Text}}
			if w := demoWorked[(i*5)%len(demoWorked)]; w != "" {
				answers = append(answers, forms.Answer{Question: "worked", Text: w})
			}
			consent[i] = i%5 != 3
			yes := "no"
			if consent[i] {
				yes = "yes"
			}
			answers = append(answers, forms.Answer{Question: "quote", Values: []string{yes}})
			email := ""
			if i%3 == 0 {
				email = fmt.Sprintf("participant%02d@example.org", i+1)
			}
			at := start.Add(time.Duration(i) * 33 * time.Hour)
			id, err := demoSubmit(ctx, tx, s, e, key, i, email, answers, consent[i], at)
			if err != nil {
				return err
			}
			subIDs[i] = id
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if _, _, err := s.SetStatus(staff, key, StatusClosed); err != nil {
		return 0, err
	}
	// Themes, and each submission tagged with the themes its answers raise.
	var themeIDs []int64
	for _, t := range demoThemes {
		th, err := s.CreateTheme(staff, key, t.Name)
		if err != nil {
			return 0, err
		}
		themeIDs = append(themeIDs, th.ID)
	}
	for i, sid := range subIDs {
		var tags []int64
		for _, k := range demoCover[i%len(demoCover)].Themes {
			tags = append(tags, themeIDs[k])
		}
		if err := s.SetItemThemes(staff, e.ID, ItemSubmission, sid, tags); err != nil {
			return 0, err
		}
	}
	// Quotes: excerpts of consenting submissions, one or two per theme.
	var quotes []QuoteInput
	for _, q := range []struct {
		sub   int // index into the submissions
		theme int
		text  string
	}{
		{0, 0, "the plans that stick are the ones the community wrote, not the ones handed down from Canberra."},
		{1, 1, "Too often we are asked to comment on a program that is already decided."},
		{6, 1, "Engagement should start on country and in language, and take the time it takes."},
		{2, 2, "We fill in forms for five agencies and never see the results."},
		{4, 4, "At the moment each department points at the others."},
		{31, 3, "The cost of short pilots that end just as they start to work."},
		{16, 4, "We rarely hear how our input was used."},
	} {
		if !consent[q.sub] {
			return 0, fmt.Errorf("demo quote from submission %d, which did not consent", q.sub)
		}
		quotes = append(quotes, QuoteInput{SubmissionID: subIDs[q.sub], Theme: demoThemes[q.theme].Name, Text: q.text})
	}
	themes := make([]ThemeInput, len(demoThemes))
	ts, err := s.Store.Themes(ctx, s.DB, e.ID)
	if err != nil {
		return 0, err
	}
	for i, t := range demoThemes {
		t.ID = ts[i].ID
		themes[i] = t
	}
	_, err = s.SaveReport(staff, key, ReportInput{
		WeAsked: "From 16 July to 7 September 2018 we asked agencies, community partners and people living in Logan, Cape York, Inner Sydney, Ngukurr and Galiwin'ku what the public service's learning work on place-based approaches should cover, and what has worked in their place. People answered online and at sessions run with Logan Together and Empowered Communities.",
		YouSaid: "Thirty-six people and organisations answered. Most asked that the work look at who makes decisions and how close to the community they are made. Many told us they are consulted after programs are designed, that they rarely see the data collected about them, and that short funding cycles undo progress. Several asked who is accountable when agencies share a goal.\n\nThe themes below count how many submissions raised each one; a submission can raise several.",
		WeDid:   "The interdepartmental committee agreed a scope of works in October 2018 that starts from local decision-making and accountability, adds how engagement is done and how data is shared with communities, and has community partners in each place help design the questions asked there. Funding arrangements stay outside the scope, but what you told us about them goes to the agencies that decide them and into the report to Government.\n\nThe learning framework built on this scope was agreed in April 2019 (AU0019's second milestone).",
		Themes:  themes, Quotes: quotes})
	if err != nil {
		return 0, err
	}
	if err := demoLinks(ctx, s, ids, e, themeIDs); err != nil {
		return 0, err
	}
	// The report went out in 2018: those who asked to hear back were told then, and their
	// addresses deleted.
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		rs, err := s.Store.ClaimRecipients(ctx, tx, e.ID, count)
		if err != nil {
			return err
		}
		ids := make([]int64, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		return s.Store.ForgetEmails(ctx, tx, ids)
	})
	if err != nil {
		return 0, err
	}
	if _, err := s.PublishReport(staff, key); err != nil {
		return 0, err
	}
	return count, s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.Store.Backdate(ctx, tx, e.ID, demoDate("2018-07-02").Add(10*time.Hour), demoDate("2018-07-16").Add(8*time.Hour), demoDate("2018-10-26").Add(14*time.Hour))
	})
}

// demoLinks ties the scope engagement to AU0019, and its themes to where they went.
func demoLinks(ctx context.Context, s *Service, ids DemoIDs, e Detail, themeIDs []int64) error {
	au := ids.Commitments["AU0019"]
	links := []directory.LinkInput{}
	if au != 0 {
		links = append(links,
			directory.LinkInput{FromKind: KindEngagement, FromID: e.ID, Relation: "implements", ToKind: "commitment", ToID: au,
				Note: "Milestone 1: relevant agencies consulted on the scope of works; other stakeholders invited to contribute their perspectives."},
			directory.LinkInput{FromKind: KindTheme, FromID: themeIDs[0], Relation: "evidence_for", ToKind: "commitment", ToID: au,
				Note: "Delegation and local decision-making became the learning framework's first question."},
			directory.LinkInput{FromKind: KindTheme, FromID: themeIDs[4], Relation: "evidence_for", ToKind: "commitment", ToID: au,
				Note: "Accountability for joined-up delivery added to the learning framework."})
	}
	if p := ids.Programs["Empowered Communities"]; p != 0 {
		links = append(links, directory.LinkInput{FromKind: KindTheme, FromID: themeIDs[2], Relation: "related_to", ToKind: "program", ToID: p,
			Note: "Data sharing with communities in Empowered Communities regions is one of the cases compared."})
	}
	if p := ids.Programs["Logan Together"]; p != 0 {
		links = append(links, directory.LinkInput{FromKind: KindTheme, FromID: themeIDs[2], Relation: "related_to", ToKind: "program", ToID: p,
			Note: "Logan Together's shared data on school readiness is one of the cases compared."})
	}
	for _, l := range links {
		if _, err := s.Dir.CreateLink(ctx, l); err != nil {
			return fmt.Errorf("link %s %d → %s %d: %w", l.FromKind, l.FromID, l.ToKind, l.ToID, err)
		}
	}
	return nil
}

// demoOverdue is an engagement that closed weeks ago and promised a report that has not come.
func demoOverdue(ctx context.Context, s *Service, ids DemoIDs, dss int64) error {
	today := day(s.Now())
	in := Input{OrgID: dss, Slug: "logan-joined-up-services", Title: "Joined-up services in Logan: what would make them easier to use?",
		Summary:       "Families in Logan were asked where services fail to join up, and what would make it easier to get help from several services at once.",
		Purpose:       "To hear from families in Logan where services fail to join up, before agencies agree a local service plan with Logan Together.",
		Decision:      "Which three changes to how services work together the agencies commit to first in the Logan local service plan.",
		NotNegotiable: "The eligibility rules of each payment and service, which are set in law.",
		Influence:     Consult,
		Affected:      "Families with young children in Logan, and the services they use.",
		OpensOn:       Date{today.AddDate(0, 0, -100)}, ClosesOn: Date{today.AddDate(0, 0, -45)}, ReportBackBy: Date{today.AddDate(0, 0, -15)},
		PartnerIDs: pick(ids.Orgs, "Logan Together", "Logan City Council", "Department of Human Services"),
		PlaceIDs:   pick(ids.Places, "Logan"),
		ProgramIDs: pick(ids.Programs, "Logan Together"),
		Questionnaire: &forms.Questionnaire{ID: "logan-services", Title: "Joined-up services in Logan", Questions: []forms.Question{
			{ID: "hard", Type: forms.Textarea, Text: "When did getting help from more than one service go wrong for you?", Required: true},
			{ID: "fix", Type: forms.Textarea, Text: "What one change would make it easier?"}}},
	}
	e, err := s.Create(ctx, in)
	if err != nil {
		return err
	}
	if _, _, err := s.SetStatus(ctx, e.Key(), StatusOpen); err != nil {
		return err
	}
	answers := []struct{ hard, fix string }{
		{"I told my story to four different services in one week after my partner left.", "One worker who follows our family across services."},
		{"The Centrelink appointment and the child health check were on opposite sides of town on the same morning.", "Services in the same place on the same day."},
		{"Nobody told me I could get help with childcare while I studied.", "Someone who knows what all the services offer."},
		{"Forms asked for the same documents again and again.", "Share my documents between agencies if I agree."},
		{"The housing service and the school did not talk to each other when we moved.", "A plan that both of them can see."},
		{"Interpreters were booked for one appointment and not the next.", "Book the interpreter once for the whole visit."},
		{"I was sent back and forth between two phone numbers.", "A local phone number that answers."},
		{"The service hub closes before I finish work.", "Evening hours once a week."},
	}
	start := today.AddDate(0, 0, -99).Add(10 * time.Hour)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for i, a := range answers {
			as := forms.Answers{{Question: "hard", Text: a.hard}, {Question: "fix", Text: a.fix}}
			email := ""
			if i%2 == 0 {
				email = fmt.Sprintf("family%02d@example.org", i+1)
			}
			if _, err := demoSubmit(ctx, tx, s, e, e.Key(), i, email, as, i%4 != 1, start.Add(time.Duration(i)*150*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, _, err := s.SetStatus(ctx, e.Key(), StatusClosed); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.Store.Backdate(ctx, tx, e.ID, today.AddDate(0, 0, -110).Add(9*time.Hour), today.AddDate(0, 0, -100).Add(9*time.Hour), time.Time{})
	})
}
