package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// The demo community of practice: South Australia's Citizen Community of Practice (CCCoP), in
// the words of the seed (004), with workgroups on the themes the seed names, the two events it
// describes (the launch forum, whose date the seed does not give, set a few weeks ahead and
// marked illustrative; and the High Performance Framework seminar of 22 May 2012), a few
// members, discussions, and templates for the library made here.

func init() { registerDemo("communities", demoCommunities) }

// DemoCommunityName is the demo community's name.
const DemoCommunityName = "Citizen Community of Practice (CCCoP)"

const demoCommunityDescription = `The Citizen Community of Practice (CCCoP) will bring together service delivery practitioners with a passion for the development and delivery of more citizen-centric services in South Australia.

Global evidence suggests that a vibrant CCCoP will build our experience with creating citizen-centric service improvements by sharing tools, strategies and a helping hand when needed.

The CCCoP is designed to support and enable the "how" underneath SASP T32: *Customer and client satisfaction with government services*; and the High Performance Framework (HPF), particularly in relation to Characteristic 7, "High performing organisations are customer and citizen focused". This follows on from the HPF event held in March 2012, *A focus on customer and citizen participation and partnerships*, where over 400 public sector employees attended.

The Canadian experience over 10 years strongly evidences the strategic role that an interactive community of practice plays in embedding cultural change and in facilitating drastically reduced cycle times for the communication and adoption of innovative service improvement initiatives from within Government and other jurisdictions.

Following the launch, a number of facilitated CCCoP workgroups will commence, with practitioners engaging collaboratively on the development and delivery of more citizen-centric services in South Australia.`

var demoWorkgroups = []WorkgroupInput{
	{Name: "Measuring customer satisfaction", Description: "The Common Measurement Tool, and contemporary trends in customer satisfaction measures such as the net promoter score and the ease of doing business measure — the first topics of the launch forum."},
	{Name: "Citizen participation and partnerships", Description: "Following on from the High Performance Framework event of March 2012, *A focus on customer and citizen participation and partnerships*."},
	{Name: "Innovation and continuous improvement", Description: "High Performance Framework Characteristic Four: how innovation and continuous improvement are encouraged and enabled in public sector agencies."},
}

const demoLaunchDescription = `The South Australian CCCoP will be launched by the Hon. Michael O'Brien MP, Minister for the Public Sector, who will set the scene and introduce key themes for executive, senior managers and frontline practitioners in service delivery. Peter Welling, Director of Service SA, will be the facilitator of this Forum.

Initial discussion will include the use of the Common Measurement Tool as well as other contemporary trends in customer satisfaction measures such as the net promoter score and ease of doing business measure.

Following this, a number of facilitated CCCoP workgroups will commence, with practitioners engaging collaboratively on the development and delivery of more citizen-centric services in South Australia.

*Illustrative: the source gives no date, time, venue or number of places for the launch; those shown here are made up for the demonstration.*`

const demoSeminarDescription = `On 22 May 2012, the Hon Michael O'Brien MP, Minister for the Public Sector, introduced the second event of the High Performance Framework Seminar Series 2012, focusing on Characteristic Four.

With an audience of over 500 public sector delegates, this interactive event explored how innovation and continuous improvement are encouraged and enabled in public sector agencies. Erma Ranieri, Deputy Chief Executive, DMITRE, was the MC.

Our presenters and panellists addressed a number of questions including, but not limiting to:

- How is innovation systemically pursued and evaluated throughout the organisation?
- How do we develop a high performing innovative culture?
- How is innovation rewarded particularly in a risk adverse culture?
- How do leaders encourage and support individuals to be innovative and to learn?
- How is across government collaboration encouraged?
- How are business processes being evaluated to improve the performance and productivity of the organisation?

*The date is the source's; the times and venue are illustrative.*`

// demoMembers are the community's people: existing demo accounts by email, and two
// practitioners made here (without passwords).
var demoMembers = []struct{ Email, Name string }{
	{"manager@servicesa.demo.joinedup.example", ""}, // Jamie Russo, the host
	{"manager@pmc.demo.joinedup.example", ""},
	{"contributor@pmc.demo.joinedup.example", ""},
	{"reviewer@pmc.demo.joinedup.example", ""},
	{"frontline@cccop.demo.joinedup.example", "Alex Morgan"},
	{"service-design@cccop.demo.joinedup.example", "Priya Raman"},
}

var demoThreads = []struct {
	By, Workgroup, Title, Body string
	Replies                    []struct{ By, Body string }
}{
	{By: "contributor@pmc.demo.joinedup.example", Workgroup: "Measuring customer satisfaction",
		Title: "Has anyone used the Common Measurement Tool?",
		Body:  "We are choosing how to measure satisfaction with our front counters. The launch forum will cover the **Common Measurement Tool** — has anyone here used it, and what did you learn from the first round?",
		Replies: []struct{ By, Body string }{
			{"manager@servicesa.demo.joinedup.example", "Service SA's centres ask a short set of core questions after each visit. The hard part was not the questions but getting the results back to the counter staff quickly enough to act on them."},
			{"reviewer@pmc.demo.joinedup.example", "Agree. Keep a few core questions the same across agencies so results can be compared, and add your own after them."},
		}},
	{By: "frontline@cccop.demo.joinedup.example", Workgroup: "Measuring customer satisfaction",
		Title: "Net promoter score or ease of doing business?",
		Body:  "Our executive asked for a net promoter score. For a service people *have* to use, I wonder whether an ease of doing business measure tells us more. What do others report?",
		Replies: []struct{ By, Body string }{
			{"service-design@cccop.demo.joinedup.example", "We report both, and the effort question moves first when a form gets simpler. The promoter question barely moves for a licence renewal."},
		}},
	{By: "manager@servicesa.demo.joinedup.example", Title: "Ideas for the workgroups after the launch",
		Body: "After the launch forum, facilitated workgroups will start. Reply with the topic you would bring, and whether you could help facilitate.",
		Replies: []struct{ By, Body string }{
			{"manager@pmc.demo.joinedup.example", "Joining up services across agencies for people with complex needs — and how we would know it worked."},
			{"frontline@cccop.demo.joinedup.example", "How frontline staff can pass on improvement ideas without waiting for the next review."},
		}},
}

// demoLibrary are small templates made here (CSV and text).
var demoLibrary = []struct {
	By, Title, Kind, Description, File, Content string
}{
	{"service-design@cccop.demo.joinedup.example", "Customer journey map template", "template",
		"One row per step of a person's journey through a service: what they do, the channel, how it feels, and the idea it sparks. Open it in a spreadsheet.",
		"customer-journey-map.csv",
		"Step,What the person does,Channel,What they think or feel,Pain point,Improvement idea\n" +
			"1,Finds out they need the service,Website,\"Unsure which agency does it\",Two agencies' pages say different things,One page owned by both\n" +
			"2,Gathers documents,At home,Worried something is missing,Checklist only in the form's fine print,Checklist first on the page\n" +
			"3,Applies,Online form,,,\n" +
			"4,Waits for a decision,Email,,,\n" +
			"5,Gets the outcome,Letter,,,\n"},
	{"reviewer@pmc.demo.joinedup.example", "Satisfaction question bank", "tool",
		"A few core questions to keep the same across services so that results compare, in plain words, with the answer scale to use. Add your own questions after them.",
		"satisfaction-question-bank.csv",
		"Question,Answer scale,Why ask it\n" +
			"\"Overall, how satisfied were you with the service you received?\",1 Very dissatisfied to 5 Very satisfied,The headline measure\n" +
			"\"How easy was it to get what you needed?\",1 Very difficult to 5 Very easy,Effort: the ease of doing business\n" +
			"\"Did you get what you needed in the end?\",Yes / Partly / No,The outcome\n" +
			"\"How many times did you have to contact us?\",Number,Joined-up service\n" +
			"\"Were you treated fairly?\",1 Strongly disagree to 5 Strongly agree,Fairness\n" +
			"\"What one thing should we improve?\",Free text,Ideas to act on\n"},
	{"frontline@cccop.demo.joinedup.example", "Improvement idea log", "template",
		"A plain-text log for a team's improvement ideas: the idea, who raised it, what was decided and when to look again.",
		"improvement-idea-log.txt",
		"IMPROVEMENT IDEA LOG\n\nFor each idea, copy this block:\n\nDate raised:\nRaised by (team):\nThe problem, as the customer sees it:\nThe idea:\nWho decides:\nDecision (try it / not now / no) and why:\nLook again on:\nWhat happened:\n"},
}

func demoCommunities(ctx context.Context, s *Service, ids *DemoIDs) (string, error) {
	people := map[string]authz.Principal{}
	for _, m := range demoMembers {
		u, err := auth.UserByEmail(ctx, s.DB, m.Email)
		if errors.Is(err, db.ErrNotFound) && m.Name != "" {
			id, err := auth.InsertUser(ctx, s.DB, auth.User{Email: m.Email, Name: m.Name})
			if err != nil {
				return "", err
			}
			u, err = auth.UserByID(ctx, s.DB, id)
			if err != nil {
				return "", err
			}
		} else if errors.Is(err, db.ErrNotFound) {
			continue // the directory's demo people are not loaded
		} else if err != nil {
			return "", err
		}
		people[m.Email] = authz.Principal{UserID: u.ID, Name: u.Name, Email: u.Email}
	}
	as := func(email string) context.Context {
		if p, ok := people[email]; ok {
			return authz.With(ctx, p)
		}
		return ctx
	}
	c, err := s.CreateCommunity(ctx, CommunityInput{Name: DemoCommunityName, Slug: "citizen-community-of-practice",
		Description: demoCommunityDescription, JoinPolicy: JoinOpen, OrgID: ids.Orgs["Service SA"]})
	if err != nil {
		return "", fmt.Errorf("community: %w", err)
	}
	ids.Communities[c.Name] = c.ID
	for _, m := range demoMembers {
		p, ok := people[m.Email]
		if !ok {
			continue
		}
		if _, err := s.Join(authz.With(ctx, p), c.Slug); err != nil {
			return "", fmt.Errorf("member %s: %w", m.Email, err)
		}
	}
	host := demoMembers[0].Email
	if p, ok := people[host]; ok {
		if _, err := s.UpdateMember(ctx, c.Slug, p.UserID, MemberInput{Role: RoleHost}); err != nil {
			return "", err
		}
	}
	wgs := map[string]int64{}
	for _, in := range demoWorkgroups {
		w, err := s.CreateWorkgroup(ctx, c.Slug, in)
		if err != nil {
			return "", fmt.Errorf("workgroup %s: %w", in.Name, err)
		}
		wgs[w.Name] = w.ID
	}
	// Workgroup members: the practitioners in the measurement group, the host in all.
	for email, groups := range map[string][]string{
		host:                                         {"Measuring customer satisfaction", "Citizen participation and partnerships", "Innovation and continuous improvement"},
		"contributor@pmc.demo.joinedup.example":      {"Measuring customer satisfaction"},
		"frontline@cccop.demo.joinedup.example":      {"Measuring customer satisfaction", "Innovation and continuous improvement"},
		"service-design@cccop.demo.joinedup.example": {"Citizen participation and partnerships"},
		"manager@pmc.demo.joinedup.example":          {"Citizen participation and partnerships"},
	} {
		if _, ok := people[email]; !ok {
			continue
		}
		for _, g := range groups {
			if err := s.JoinWorkgroup(as(email), c.Slug, wgs[g], true); err != nil {
				return "", fmt.Errorf("workgroup member %s: %w", email, err)
			}
		}
	}

	// The launch forum: a Thursday four to five weeks ahead (early February rather than in the
	// summer holidays), 10:00–12:30 in Adelaide.
	adelaide, err := time.LoadLocation("Australia/Adelaide")
	if err != nil {
		return "", err
	}
	day := s.Now().In(adelaide).AddDate(0, 0, 28)
	if (day.Month() == time.December && day.Day() >= 15) || day.Month() == time.January {
		day = time.Date(day.Year(), time.February, 1, 0, 0, 0, 0, adelaide) // not in the summer holidays
		if day.Before(s.Now()) {
			day = day.AddDate(1, 0, 0)
		}
	}
	for day.Weekday() != time.Thursday {
		day = day.AddDate(0, 0, 1)
	}
	launch, err := s.CreateEvent(ctx, c.Slug, EventInput{Title: "Launch forum of the Citizen Community of Practice",
		Description: demoLaunchDescription, WorkgroupID: wgs["Measuring customer satisfaction"],
		Start: day.Format("2006-01-02") + "T10:00", End: day.Format("2006-01-02") + "T12:30", TimeZone: "Australia/Adelaide",
		Venue: "Adelaide (venue illustrative)", Capacity: 120})
	if err != nil {
		return "", fmt.Errorf("launch forum: %w", err)
	}
	if _, err := s.CreateEvent(ctx, c.Slug, EventInput{Title: "High Performance Framework Seminar Series 2012: Characteristic Four",
		Description: demoSeminarDescription, WorkgroupID: wgs["Innovation and continuous improvement"],
		Start: "2012-05-22T09:00", End: "2012-05-22T12:00", TimeZone: "Australia/Adelaide", Venue: "Adelaide (venue illustrative)"}); err != nil {
		return "", fmt.Errorf("seminar: %w", err)
	}
	for _, email := range []string{host, "manager@pmc.demo.joinedup.example", "frontline@cccop.demo.joinedup.example"} {
		if _, ok := people[email]; !ok {
			continue
		}
		if _, err := s.Register(as(email), launch.ID); err != nil {
			return "", fmt.Errorf("registration %s: %w", email, err)
		}
	}

	nThreads := 0
	for _, th := range demoThreads {
		if _, ok := people[th.By]; !ok {
			continue
		}
		t, err := s.CreateThread(as(th.By), c.Slug, ThreadInput{Title: th.Title, Body: th.Body, WorkgroupID: wgs[th.Workgroup]})
		if err != nil {
			return "", fmt.Errorf("thread %s: %w", th.Title, err)
		}
		nThreads++
		for _, r := range th.Replies {
			if _, ok := people[r.By]; !ok {
				continue
			}
			if _, err := s.Reply(as(r.By), c.Slug, t.ID, ReplyInput{Body: r.Body}); err != nil {
				return "", fmt.Errorf("reply: %w", err)
			}
		}
	}
	nItems := 0
	for _, it := range demoLibrary {
		if _, ok := people[it.By]; !ok {
			continue
		}
		if _, err := s.AddLibraryItem(as(it.By), c.Slug, LibraryInput{Title: it.Title, Kind: it.Kind, Description: it.Description,
			File: &Upload{Name: it.File, ContentType: "text/plain", Data: []byte(it.Content)}}); err != nil {
			return "", fmt.Errorf("library %s: %w", it.Title, err)
		}
		nItems++
	}
	// The digest starts from now: members are not sent the demo's own history.
	if _, err := s.DB.Exec(ctx, "UPDATE community_members SET digest_sent_at = ? WHERE community_id = ?", s.Now(), c.ID); err != nil {
		return "", err
	}
	return fmt.Sprintf("1 community of practice (%d members, %d workgroups, 2 events, %d discussions, %d library items)",
		len(people), len(wgs), nThreads, nItems), nil
}
