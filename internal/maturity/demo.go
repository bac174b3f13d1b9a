package maturity

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// DemoIDs are the directory records the demo refers to: organisations by name, and PM&C's
// demo people by role ("contributor", "reviewer", "manager", "admin"). People left out are
// looked up by their demo email addresses (DemoEmails).
type DemoIDs struct {
	Orgs   map[string]int64
	People map[string]authz.Principal
}

// DemoEmails are the demo accounts of PM&C that take part, by role.
var DemoEmails = map[string]string{
	"contributor": "contributor@pmc.demo.joinedup.example",
	"reviewer":    "reviewer@pmc.demo.joinedup.example",
	"manager":     "manager@pmc.demo.joinedup.example",
	"admin":       "admin@pmc.demo.joinedup.example",
}

// The demo's organisations.
const (
	demoPMC = "Department of the Prime Minister and Cabinet"
	// DemoCharterKey is the built-in Charter pack the demo assesses against.
	DemoCharterKey = "charter-engagement"
)

// demoItem scripts one Charter item: each respondent's current level (in the order the
// respondents are listed), the agreed level and target, whether it needs improvement, the
// reason where respondents differed, and evidence from the first respondent.
type demoItem struct {
	id       string
	answers  []string
	agreed   string
	target   string
	flag     bool
	reason   string
	evidence string
}

// demo2024 is PM&C's first assessment: two respondents.
var demo2024 = []demoItem{
	{id: "open-early", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "open-ideas", answers: []string{"2", "3"}, agreed: "2", target: "3", reason: "Outside views are welcomed in a few branches only; most work treats them as a risk."},
	{id: "open-scope", answers: []string{"3", "3"}, agreed: "3", target: "4"},
	{id: "open-access", answers: []string{"2", "1"}, agreed: "2", target: "3", reason: "Interpreters and accessible formats are available but rarely planned for."},
	{id: "responsive-act", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "responsive-tailor", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "responsive-culture", answers: []string{"1", "2"}, agreed: "1", target: "3", reason: "No cultural guidance exists beyond the Indigenous engagement principles."},
	{id: "responsive-time", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "transparent-purpose", answers: []string{"3", "3"}, agreed: "3", target: "4"},
	{id: "transparent-feedback", answers: []string{"1", "1"}, agreed: "1", target: "3"},
	{id: "transparent-information", answers: []string{"2", "3"}, agreed: "2", target: "3", reason: "Data is published for the largest programs only."},
	{id: "transparent-constraints", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "accountable-leadership", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "accountable-commitments", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "accountable-concerns", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "accountable-evaluate", answers: []string{"1", "1"}, agreed: "1", target: "3"},
	{id: "informed-stakeholders", answers: []string{"3", "3"}, agreed: "3", target: "4"},
	{id: "informed-lived-experience", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "informed-capability", answers: []string{"2", "3"}, agreed: "2", target: "3", reason: "Training exists, but few staff outside the engagement team have taken it."},
	{id: "informed-reuse", answers: []string{"1", "2"}, agreed: "1", target: "3", reason: "Past submissions are not findable outside the team that ran each engagement."},
	{id: "collaborative-codesign", answers: []string{"2", "2"}, agreed: "2", target: "3"},
	{id: "collaborative-shared-decisions", answers: []string{"1", "1"}, agreed: "1", target: "2"},
	{id: "collaborative-across-government", answers: []string{"3", "2"}, agreed: "2", target: "3", reason: "Joint work with DSS on place-based approaches is the exception, not the rule."},
	{id: "collaborative-relationships", answers: []string{"2", "2"}, agreed: "2", target: "3"},
}

// demo2025 is PM&C's second assessment: three respondents, five items flagged.
var demo2025 = []demoItem{
	{id: "open-early", answers: []string{"3", "4", "3"}, agreed: "3", target: "4", flag: true,
		reason:   "The Logan and Empowered Communities work engaged early; most policy work still engages on a draft.",
		evidence: "Engagement plans for the place-based learning report were dated before the options paper."},
	{id: "open-ideas", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "open-scope", answers: []string{"4", "4", "4"}, agreed: "4", target: "4"},
	{id: "open-access", answers: []string{"2", "2", "3"}, agreed: "2", target: "4", flag: true,
		reason: "Accessible formats are offered on request, but remote communities still struggle to take part."},
	{id: "responsive-act", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "responsive-tailor", answers: []string{"3", "3", "3"}, agreed: "3", target: "3"},
	{id: "responsive-culture", answers: []string{"2", DontKnow, "2"}, agreed: "2", target: "3", flag: true,
		reason: "One respondent could not judge; the other two saw guidance used in Indigenous programs only."},
	{id: "responsive-time", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "transparent-purpose", answers: []string{"4", "4", "4"}, agreed: "4", target: "5"},
	{id: "transparent-feedback", answers: []string{"1", "2", "2"}, agreed: "2", target: "4", flag: true,
		reason:   "“We asked, you said, we did” reports now go out for the larger engagements, late and not for all.",
		evidence: "Two of five 2024–25 engagements published a report back within three months."},
	{id: "transparent-information", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "transparent-constraints", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "accountable-leadership", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "accountable-commitments", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "accountable-concerns", answers: []string{"2", "2", "2"}, agreed: "2", target: "3"},
	{id: "accountable-evaluate", answers: []string{"2", "3", "1"}, agreed: "2", target: "4", flag: true,
		reason: "Evaluation is planned for the commitment AU0019 only; other engagements are not reviewed."},
	{id: "informed-stakeholders", answers: []string{"4", "4", "4"}, agreed: "4", target: "4"},
	{id: "informed-lived-experience", answers: []string{"3", "3", "4"}, agreed: "3", target: "4",
		reason: "Lived experience shapes the place-based programs; elsewhere it is occasional."},
	{id: "informed-capability", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "informed-reuse", answers: []string{"2", NotApplicable, "2"}, agreed: "2", target: "3",
		reason: "The reuse of past findings applies to the whole department, not only to the respondent's branch."},
	{id: "collaborative-codesign", answers: []string{"2", "3", "4"}, agreed: "3", target: "4",
		reason: "Co-design is real in Logan Together and Stronger Communities for Children; rare in national policy."},
	{id: "collaborative-shared-decisions", answers: []string{"2", "2", "2"}, agreed: "2", target: "3"},
	{id: "collaborative-across-government", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
	{id: "collaborative-relationships", answers: []string{"3", "3", "3"}, agreed: "3", target: "4"},
}

// demoPlan gives the generated actions owners, due dates and progress, by item.
var demoPlan = map[string]struct {
	owner, due, status string
}{
	"open-early":           {"Director, Policy Engagement", "2026-12-31", ActionInProgress},
	"open-access":          {"Engagement Capability Team", "2027-03-31", ActionPlanned},
	"responsive-culture":   {"Indigenous Affairs Group, with the Engagement Capability Team", "2026-09-30", ActionInProgress},
	"transparent-feedback": {"Director, Policy Engagement", "2026-06-30", ActionDone},
	"accountable-evaluate": {"Evaluation Unit", "2027-06-30", ActionPlanned},
}

// demoPeers are six other agencies that share their Charter results: a base level per
// principle (open, responsive, transparent, accountable, informed, collaborative).
var demoPeers = []struct {
	org, short, lead string
	levels           [6]int
}{
	{"Department of Social Services", "dss", "Priya Raman", [6]int{3, 3, 2, 3, 4, 3}},
	{"Department of Health", "health", "Tom Okafor", [6]int{2, 3, 3, 2, 3, 2}},
	{"Department of Human Services", "dhs", "Mei Lin Wong", [6]int{3, 2, 2, 3, 3, 3}},
	{"Department of Education and Training", "det", "Sarah Fitzgerald", [6]int{2, 2, 3, 2, 2, 2}},
	{"Australian Public Service Commission", "apsc", "Daniel Kerr", [6]int{4, 3, 4, 3, 4, 4}},
	{"Department of Infrastructure, Regional Development and Cities", "infrastructure", "Lena Novak", [6]int{2, 2, 2, 2, 3, 3}},
}

func demoDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err) // the demo's own constants
	}
	return t
}

// demoRun carries the demo's clock: the story's events happen on their own dates.
type demoRun struct {
	s   *Service
	ctx context.Context
}

func (r demoRun) at(day string, hour int) {
	t := demoDate(day).Add(time.Duration(hour) * time.Hour)
	r.s.Now = func() time.Time { return t }
}

func (r demoRun) as(p authz.Principal) context.Context { return authz.With(r.ctx, p) }

// LoadDemo loads the self-assessment part of the demo story (ctx must carry a site admin):
// the built-in packs; PM&C's Charter assessment of 2023–24 and its completed 2024–25 one
// with three respondents, disagreements reconciled with reasons and an improvement plan with
// owners and due dates; and six more agencies' closed Charter assessments, shared for
// benchmarking, so that the peer comparison shows. It returns a summary.
func LoadDemo(ctx context.Context, s *Service, ids DemoIDs) (string, error) {
	defer func(now func() time.Time) { s.Now = now }(s.Now)
	run := demoRun{s: s, ctx: ctx}
	if err := s.EnsureBuiltins(ctx); err != nil {
		return "", fmt.Errorf("maturity demo: %w", err)
	}
	fws, err := s.Frameworks(ctx)
	if err != nil {
		return "", err
	}
	fw, err := s.FrameworkByKey(ctx, DemoCharterKey, "")
	if err != nil {
		return "", fmt.Errorf("maturity demo: the Charter pack %q: %w", DemoCharterKey, err)
	}
	pmc := ids.Orgs[demoPMC]
	if pmc == 0 {
		return "", errors.New("maturity demo: no PM&C organisation")
	}
	people := map[string]authz.Principal{}
	for role, email := range DemoEmails {
		p, ok := ids.People[role]
		if !ok {
			if p, err = demoPrincipal(ctx, s, email); err != nil {
				return "", fmt.Errorf("maturity demo: %s: %w", email, err)
			}
		}
		people[role] = p
	}

	// 2023–24: two respondents, reconciled and closed in August 2024.
	first, err := run.assessment(fw, pmc, "Charter engagement maturity 2023–24", "2023-07-01", "2024-06-30", "2024-07-22",
		people["manager"], people["admin"], []authz.Principal{people["contributor"], people["reviewer"]}, demo2024, "2024-08-14")
	if err != nil {
		return "", fmt.Errorf("maturity demo 2023–24: %w", err)
	}
	// 2024–25: three respondents.
	second, err := run.assessment(fw, pmc, "Charter engagement maturity 2024–25", "2024-07-01", "2025-06-30", "2025-07-21",
		people["manager"], people["admin"], []authz.Principal{people["contributor"], people["reviewer"], people["admin"]}, demo2025, "2025-08-13")
	if err != nil {
		return "", fmt.Errorf("maturity demo 2024–25: %w", err)
	}
	// The plan, drawn up by the facilitator and tracked since.
	run.at("2025-08-20", 10)
	mgr := run.as(people["manager"])
	added, err := s.GeneratePlan(mgr, second.ID)
	if err != nil {
		return "", fmt.Errorf("maturity demo plan: %w", err)
	}
	run.at("2026-07-06", 9)
	for _, x := range added {
		p, ok := demoPlan[x.ItemKey]
		if !ok {
			continue
		}
		owner, due, status := p.owner, p.due, p.status
		if _, err := s.UpdateAction(mgr, second.ID, x.ID, ActionChange{Owner: &owner, Due: &due, Status: &status}); err != nil {
			return "", fmt.Errorf("maturity demo plan: %w", err)
		}
	}
	title, guidance, owner, due := "Publish a register of PM&C's open engagements and what each can still change",
		"List every open engagement with its decision, what is fixed and what is open, and when people will hear back.",
		"Digital Communications", "2027-02-28"
	if _, err := s.AddAction(mgr, second.ID, ActionInput{ItemKey: "open-scope", Title: title, Guidance: guidance, Owner: owner, Due: due}); err != nil {
		return "", fmt.Errorf("maturity demo plan: %w", err)
	}

	// Six agencies share their 2024–25 results.
	for i, pr := range demoPeers {
		org := ids.Orgs[pr.org]
		if org == 0 {
			return "", fmt.Errorf("maturity demo: no organisation %q", pr.org)
		}
		run.at("2025-07-01", 9)
		np, err := s.Dir.CreatePerson(ctx, directory.PersonInput{Email: "engagement@" + pr.short + ".demo.joinedup.example",
			Name: pr.lead, OrgID: org, Role: authz.Admin})
		if err != nil {
			return "", fmt.Errorf("maturity demo: %s's engagement lead: %w", pr.org, err)
		}
		lead := authz.Principal{UserID: np.ID, Name: np.Name, Email: np.Email, Roles: map[int64]authz.Role{org: authz.Admin}}
		script := peerScript(pr.levels, i)
		closeOn := "2025-08-" + strconv.Itoa(18+i)
		if _, err := run.assessment(fw, org, "Charter engagement maturity 2024–25", "2024-07-01", "2025-06-30", "2025-07-14",
			lead, lead, []authz.Principal{lead}, script, closeOn); err != nil {
			return "", fmt.Errorf("maturity demo %s: %w", pr.org, err)
		}
	}
	return fmt.Sprintf("%d self-assessment frameworks, PM&C's Charter assessments %s and %s (%d actions in its plan), %d agencies sharing Charter results for benchmarks",
		len(fws), first.Title, second.Title, len(added)+1, len(demoPeers)), nil
}

// peerScript turns a peer's level per principle into agreed answers, varying the four items
// of each principle a little (the second item one higher, the fourth one lower, within 1–5).
func peerScript(levels [6]int, seed int) []demoItem {
	principles := []string{"open", "responsive", "transparent", "accountable", "informed", "collaborative"}
	var out []demoItem
	for _, it := range demo2025 {
		for pi, pr := range principles {
			if len(it.id) <= len(pr) || it.id[:len(pr)+1] != pr+"-" {
				continue
			}
			lv := levels[pi]
			switch n := len(out) % 4; {
			case n == 1 && (seed+pi)%2 == 0:
				lv++
			case n == 3 && (seed+pi)%3 == 0:
				lv--
			}
			lv = min(max(lv, 1), 5)
			v := strconv.Itoa(lv)
			out = append(out, demoItem{id: it.id, answers: []string{v}, agreed: v, target: strconv.Itoa(min(lv+1, 5))})
		}
	}
	return out
}

// assessment runs one assessment through: created by the facilitator, respondents invited
// and answering, reconciled (every agreed answer recorded with its reason) and closed, then
// shared for benchmarks by the organisation's admin.
func (r demoRun) assessment(fw Framework, org int64, title, start, end, answeredOn string, facilitator, admin authz.Principal,
	respondents []authz.Principal, script []demoItem, closedOn string) (Assessment, error) {
	s := r.s
	r.at(answeredOn, 9)
	fac := r.as(facilitator)
	a, err := s.CreateAssessment(fac, AssessmentInput{OrgID: org, FrameworkID: fw.ID, Title: title, SubjectKind: "organisation",
		PeriodStart: start, PeriodEnd: end, Facilitator: facilitator.Email})
	if err != nil {
		return Assessment{}, err
	}
	for _, p := range respondents {
		if _, err := s.InviteRespondent(fac, a.ID, p.Email); err != nil {
			return Assessment{}, err
		}
	}
	for i, p := range respondents {
		r.at(answeredOn, 10+i)
		answers := map[string]Answer{}
		for _, it := range script {
			if i >= len(it.answers) {
				continue
			}
			cur := it.answers[i]
			tgt := it.target
			if cur == NotApplicable {
				tgt = ""
			} else if cur != DontKnow && cur > tgt { // single digits: string order is numeric order
				tgt = cur
			}
			ans := Answer{Current: cur, Target: tgt, NeedsImprovement: it.flag}
			if i == 0 {
				ans.Evidence = it.evidence
			}
			answers[it.id] = ans
		}
		if err := s.SaveAnswers(r.as(p), a.ID, answers); err != nil {
			return Assessment{}, err
		}
		if err := s.Submit(r.as(p), a.ID, true); err != nil {
			return Assessment{}, err
		}
	}
	day := demoDate(closedOn).AddDate(0, 0, -2).Format(time.DateOnly)
	r.at(day, 14)
	if _, err := s.SetStatus(fac, a.ID, StatusReconciling); err != nil {
		return Assessment{}, err
	}
	agreed := map[string]Answer{}
	for _, it := range script {
		agreed[it.id] = Answer{Current: it.agreed, Target: it.target, NeedsImprovement: it.flag, Reason: it.reason}
	}
	if err := s.Agree(fac, a.ID, agreed); err != nil {
		return Assessment{}, err
	}
	r.at(closedOn, 11)
	if a, err = s.SetStatus(fac, a.ID, StatusClosed); err != nil {
		return Assessment{}, err
	}
	r.at(closedOn, 15)
	return s.SetBenchmark(r.as(admin), a.ID, true)
}

// demoPrincipal looks up a demo account by email with its roles.
func demoPrincipal(ctx context.Context, s *Service, email string) (authz.Principal, error) {
	u, err := auth.UserByEmail(ctx, s.DB, email)
	if errors.Is(err, db.ErrNotFound) {
		return authz.Principal{}, fmt.Errorf("no demo account %s", email)
	} else if err != nil {
		return authz.Principal{}, err
	}
	roles, err := s.Dir.RoleSource(ctx, u.ID)
	if err != nil {
		return authz.Principal{}, err
	}
	return authz.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Roles: roles}, nil
}
