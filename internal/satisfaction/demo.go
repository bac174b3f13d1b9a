package satisfaction

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// The demo survey: Service SA's vehicle registration and licensing service, surveyed at its
// counters, on the phone, online and by mail (the South Australian seed: the Common
// Measurement Tool, net promoter score, ease of doing business and the state's customer
// satisfaction target).
const (
	DemoCode = "demo"
	// DemoResponses is how many responses the demo survey gets unless told otherwise.
	DemoResponses = 5000
	// DemoSeed makes the demo's responses the same every time (the seed's year).
	DemoSeed = 2012

	demoOrg     = "Service SA"
	demoService = "Vehicle registration and driver's licences"
	demoState   = "South Australia"
	// The demo's custom questions.
	demoTopic    = "topic"
	demoBarriers = "barriers"
)

// demoCentre is a town with a Service SA customer service centre: its share of the counter
// visits, how it shifts the experience overall and the waiting, and the region it is in.
type demoCentre struct {
	Name, Region string
	Weight       float64
	Shift, Wait  float64
	// Link: the centre has a poster with a tracked link at its counter.
	Link bool
}

var demoCentres = []demoCentre{
	{Name: "Adelaide", Region: "the city centre", Weight: 14, Shift: -0.05, Wait: -0.25, Link: true},
	{Name: "Elizabeth", Region: "northern Adelaide", Weight: 9, Shift: -0.1, Wait: -0.3, Link: true},
	{Name: "Marion", Region: "southern Adelaide", Weight: 9, Wait: -0.2},
	{Name: "Modbury", Region: "north-eastern Adelaide", Weight: 7, Shift: 0.05},
	{Name: "Noarlunga", Region: "southern Adelaide", Weight: 7, Shift: -0.05, Wait: -0.15},
	{Name: "Prospect", Region: "inner northern Adelaide", Weight: 6, Shift: 0.05},
	{Name: "Tea Tree Gully", Region: "north-eastern Adelaide", Weight: 5},
	{Name: "Mount Barker", Region: "the Adelaide Hills", Weight: 5, Shift: 0.1},
	{Name: "Gawler", Region: "the northern fringe of Adelaide", Weight: 5, Wait: -0.1},
	{Name: "Mount Gambier", Region: "the Limestone Coast", Weight: 5, Shift: 0.15, Wait: 0.1, Link: true},
	{Name: "Murray Bridge", Region: "the Murraylands", Weight: 4, Shift: 0.05},
	{Name: "Whyalla", Region: "the Eyre Peninsula", Weight: 4, Shift: -0.05},
	{Name: "Port Augusta", Region: "the Upper Spencer Gulf", Weight: 3, Shift: -0.15, Wait: -0.1, Link: true},
	{Name: "Port Pirie", Region: "the Upper Spencer Gulf", Weight: 3, Shift: 0.05},
	{Name: "Port Lincoln", Region: "the Eyre Peninsula", Weight: 3, Shift: 0.2, Wait: 0.2},
	{Name: "Victor Harbor", Region: "the Fleurieu Peninsula", Weight: 3, Shift: 0.2, Wait: 0.1},
	{Name: "Berri", Region: "the Riverland", Weight: 3, Shift: 0.1},
	{Name: "Kadina", Region: "Yorke Peninsula", Weight: 2, Shift: 0.15, Wait: 0.15},
	{Name: "Naracoorte", Region: "the Limestone Coast", Weight: 2, Shift: 0.25, Wait: 0.2},
	{Name: "Ceduna", Region: "the far west coast", Weight: 1, Shift: 0.1, Wait: 0.3},
}

// demoChannelLinks are the tracked links of the channels without a place.
var demoChannelLinks = []struct{ Channel, Code, Label string }{
	{"online", "online-receipt", "Link on the online receipt"},
	{"phone", "phone-sms", "Text message after a phone call"},
}

// DemoQuestionnaire is the demo survey's questions: the core items, the three modules, what
// the person contacted Service SA about, and what got in the way for those who did not get
// what they needed.
func DemoQuestionnaire() forms.Questionnaire {
	custom := []forms.Question{
		{ID: demoTopic, Type: forms.Single, Text: "What did you contact us about?", Options: []forms.Option{
			{Value: "renew", Label: "Renewing a registration"},
			{Value: "register", Label: "Registering or transferring a vehicle"},
			{Value: "licence", Label: "A driver's licence or learner's permit"},
			{Value: "concession", Label: "A concession or fee"},
			{Value: "other", Label: "Something else"},
		}},
		{ID: demoBarriers, Type: forms.Multiple, Text: "What got in the way?",
			ShowIf: &forms.Condition{Question: QOutcome, Equals: []string{"1", "2"}},
			Options: []forms.Option{
				{Value: "wait", Label: "Waiting too long"},
				{Value: "transferred", Label: "Being passed from one person to another"},
				{Value: "forms", Label: "Forms that were hard to understand"},
				{Value: "documents", Label: "Not knowing which documents to bring"},
				{Value: "website", Label: "The website or online form"},
				{Value: "other", Label: "Something else"},
			}},
	}
	return BuildQuestionnaire(DemoCode, "Tell us about your visit, call or online service",
		"Service SA wants to know how we did, so that we can do better. Your answers are anonymous and take about three minutes.",
		Modules, custom)
}

// DemoOptions configure LoadDemo.
type DemoOptions struct {
	// Responses is how many responses to generate (0: DemoResponses; negative: none).
	Responses int
	// Now is the demo's today (zero: the clock).
	Now time.Time
}

// demoWindow is the 24 calendar months to now.
func demoWindow(now time.Time) (time.Time, time.Time) {
	now = now.UTC()
	return time.Date(now.Year(), now.Month()-23, 1, 0, 0, 0, 0, time.UTC), now
}

// LoadDemo loads the satisfaction part of the demo story (ctx must carry a site admin; the
// directory demo must be loaded): Service SA's customer service centres in twenty South
// Australian towns, an open survey with the code "demo" of its vehicle registration and
// licensing service with tracked links, thousands of responses over 24 months, a target like
// South Australia's customer satisfaction target, published results and a few comments
// tagged by staff. It returns a summary.
func LoadDemo(ctx context.Context, s *Service, opt DemoOptions) (string, error) {
	now := opt.Now
	if now.IsZero() {
		now = s.Now()
	}
	from, to := demoWindow(now)
	org, err := s.Dir.Store.OrgByName(ctx, s.DB, demoOrg)
	if err != nil {
		return "", fmt.Errorf("satisfaction demo: organisation %s: %w", demoOrg, err)
	}
	services, err := s.Dir.Services(ctx, directory.ListFilter{OrgID: org.ID})
	if err != nil {
		return "", err
	}
	var serviceID int64
	for _, sv := range services {
		if sv.Name == demoService {
			serviceID = sv.ID
		}
	}
	if serviceID == 0 {
		return "", fmt.Errorf("satisfaction demo: no service %q of %s", demoService, demoOrg)
	}
	places, added, err := demoPlaces(ctx, s.Dir)
	if err != nil {
		return "", fmt.Errorf("satisfaction demo: %w", err)
	}

	q := DemoQuestionnaire()
	if err := q.Validate(); err != nil {
		return "", fmt.Errorf("satisfaction demo: questionnaire: %w", err)
	}
	published := []string{}
	for _, qu := range q.Questions {
		if IsCore(qu.ID) && qu.ID != QComment {
			published = append(published, qu.ID)
		}
	}
	sv := Survey{Code: DemoCode, OrgID: org.ID, ServiceID: serviceID, Title: q.Title, Intro: q.Intro, Status: StatusOpen,
		Modules: Modules, Mode: "mixed", FieldStart: from, Unit: UnitInteraction,
		Population:     "People who registered a vehicle or dealt with a driver's licence through Service SA: at a customer service centre, by phone, online or by mail.",
		PublishResults: true, PublishedQuestions: published, Questionnaire: q}
	created := from.AddDate(0, 0, -14)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := s.Store.InsertSurvey(ctx, tx, sv, created)
		if err != nil {
			return err
		}
		sv.ID = id
		for _, c := range demoCentres {
			if !c.Link {
				continue
			}
			code := strings.ToLower(strings.ReplaceAll(c.Name, " ", "-")) + "-counter"
			if err := insertDemoLink(ctx, tx, id, code, "Poster at the "+c.Name+" counter", "in_person", places[c.Name], created); err != nil {
				return err
			}
		}
		for _, l := range demoChannelLinks {
			if err := insertDemoLink(ctx, tx, id, l.Code, l.Label, l.Channel, 0, created); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.create", TargetKind: "survey", TargetID: id, Target: sv.Title,
			Detail: "demo data"})
	})
	if err != nil {
		return "", fmt.Errorf("satisfaction demo: survey: %w", err)
	}
	if sv, err = s.Store.SurveyByID(ctx, s.DB, sv.ID); err != nil {
		return "", err
	}

	n := opt.Responses
	if n == 0 {
		n = DemoResponses
	}
	if n > 0 {
		gen, err := demoGenOptions(ctx, s.DB, sv, from, to)
		if err != nil {
			return "", fmt.Errorf("satisfaction demo: %w", err)
		}
		gen.Seed = DemoSeed
		if _, err := GenerateResponses(ctx, s.DB, sv, n, gen); err != nil {
			return "", fmt.Errorf("satisfaction demo: %w", err)
		}
	} else {
		n = 0
	}
	tsum, err := demoTarget(ctx, s.DB, sv, from, now, n)
	if err != nil {
		return "", fmt.Errorf("satisfaction demo: target: %w", err)
	}
	tagged, err := demoThemes(ctx, s.DB, sv, to)
	if err != nil {
		return "", fmt.Errorf("satisfaction demo: comment themes: %w", err)
	}
	sum := fmt.Sprintf("Service SA's survey /s/%s with %d responses over 24 months from %d places (%d added), %s, %d comments tagged",
		DemoCode, n, len(places), added, tsum, tagged)
	return sum, nil
}

// demoPlaces finds or adds the towns of the customer service centres, inside South Australia.
func demoPlaces(ctx context.Context, dir *directory.Service) (map[string]int64, int, error) {
	all, err := dir.Places(ctx, directory.ListFilter{Limit: 1000})
	if err != nil {
		return nil, 0, err
	}
	byName := map[string]int64{}
	for _, p := range all {
		byName[p.Name] = p.ID
	}
	state := byName[demoState]
	if state == 0 {
		return nil, 0, fmt.Errorf("no place %q", demoState)
	}
	out := map[string]int64{}
	added := 0
	for _, c := range demoCentres {
		if id := byName[c.Name]; id != 0 {
			out[c.Name] = id
			continue
		}
		p, err := dir.CreatePlace(ctx, directory.PlaceInput{Name: c.Name, Kind: "community", ParentID: state,
			Description: "A community in " + c.Region + " with a Service SA customer service centre."})
		if err != nil {
			return nil, 0, fmt.Errorf("place %s: %w", c.Name, err)
		}
		out[c.Name] = p.ID
		added++
	}
	return out, added, nil
}

func insertDemoLink(ctx context.Context, tx *db.Tx, survey int64, code, label, channel string, place int64, at time.Time) error {
	_, err := tx.Exec(ctx, "INSERT INTO survey_links (survey_id, code, label, channel, place_id, created_at) VALUES (?,?,?,?,?,?)",
		survey, code, label, channel, nullID(place), at)
	return db.MapError(err)
}

// demoGenOptions are the generator's settings for the demo survey: the centres as places with
// their links, the channels with theirs.
func demoGenOptions(ctx context.Context, d *db.DB, s Survey, from, to time.Time) (GenOptions, error) {
	type link struct {
		channel string
		place   int64
	}
	links := map[link]int64{}
	rows, err := d.Query(ctx, "SELECT id, channel, COALESCE(place_id, 0) FROM survey_links WHERE survey_id = ? AND archived_at IS NULL ORDER BY id", s.ID)
	if err != nil {
		return GenOptions{}, err
	}
	for rows.Next() {
		var id int64
		var l link
		if err := rows.Scan(&id, &l.channel, &l.place); err != nil {
			rows.Close()
			return GenOptions{}, err
		}
		if links[l] == 0 {
			links[l] = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return GenOptions{}, err
	}
	names := make([]any, len(demoCentres))
	for i, c := range demoCentres {
		names[i] = c.Name
	}
	ids := map[string]int64{}
	rows, err = d.Query(ctx, "SELECT id, name FROM places WHERE archived_at IS NULL AND name IN ("+db.Placeholders(len(names))+") ORDER BY id", names...)
	if err != nil {
		return GenOptions{}, err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return GenOptions{}, err
		}
		if ids[name] == 0 {
			ids[name] = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return GenOptions{}, err
	}
	opt := GenOptions{From: from, To: to, Channels: DefaultGenChannels()}
	for i := range opt.Channels {
		opt.Channels[i].LinkID = links[link{opt.Channels[i].Name, 0}]
	}
	for _, c := range demoCentres {
		id := ids[c.Name]
		if id == 0 {
			continue
		}
		p := GenPlace{ID: id, Weight: c.Weight, Shift: c.Shift, Wait: c.Wait}
		if l := links[link{"in_person", id}]; l != 0 {
			p.Links = map[string]int64{"in_person": l}
		}
		opt.Places = append(opt.Places, p)
	}
	return opt, nil
}

// demoTarget sets a target for overall satisfaction like South Australia's: the seed names
// SASP target T32, "Customer and client satisfaction with government services", without a
// figure, so the figure here (80% satisfied by the 30 June after next) is illustrative. The
// baseline is the first month's share satisfied.
func demoTarget(ctx context.Context, d *db.DB, s Survey, from, now time.Time, responses int) (string, error) {
	period := Period(from)
	var top2, total int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN value >= 4 THEN n ELSE 0 END), 0), COALESCE(SUM(n), 0)
		FROM survey_counts WHERE survey_id = ? AND question = ? AND period = ? AND value > 0`, s.ID, QOverall, period).Scan(&top2, &total); err != nil {
		return "", err
	}
	baseline := 0.0
	if total > 0 {
		baseline = float64(int64(1000*top2/total)) / 10
	}
	due := time.Date(now.Year()+1, time.June, 30, 0, 0, 0, 0, time.UTC)
	label := "Customer and client satisfaction with government services: 80% satisfied by " + due.Format("2 January 2006") +
		" (like South Australia's Strategic Plan target T32; the figure is illustrative)"
	_, err := d.Exec(ctx, `INSERT INTO survey_targets (survey_id, label, metric, question, baseline, baseline_period, target, due, created_at)
		VALUES (?,?,?,?,?,?,?,?,?)`, s.ID, label, string(MetricTop2), QOverall, baseline, period, 80.0, due, from)
	if err != nil {
		return "", err
	}
	if responses == 0 {
		return "a target of 80% satisfied", nil
	}
	return fmt.Sprintf("a target of 80%% satisfied (baseline %.1f%% in %s)", baseline, period), nil
}

// The staff themes put on a few comments.
const (
	DemoThemeWaiting = "waiting times"
	DemoThemeStaff   = "helpful staff"
)

// demoThemes tags the latest comments about waiting, and the latest praising staff, as a
// Service SA manager would. It returns how many comments it tagged.
func demoThemes(ctx context.Context, d *db.DB, s Survey, at time.Time) (int, error) {
	var by any
	if u, err := auth.UserByEmail(ctx, d, "manager@servicesa.demo.joinedup.example"); err == nil {
		by = u.ID
	} else if !errors.Is(err, db.ErrNotFound) {
		return 0, err
	}
	n := 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for _, t := range []struct {
			theme    string
			comments [][]string
		}{
			{DemoThemeWaiting, [][]string{commentQueue, commentHold}},
			{DemoThemeStaff, [][]string{commentStaffPraise, commentPhonePraise}},
		} {
			// Comments may carry a short second sentence: match the start.
			var conds []string
			args := []any{s.ID}
			for _, pool := range t.comments {
				for _, c := range pool {
					conds = append(conds, "comment LIKE ?")
					args = append(args, c+"%")
				}
			}
			var ids []int64
			err := db.Each(ctx, tx, "SELECT id FROM survey_responses WHERE survey_id = ? AND ("+strings.Join(conds, " OR ")+") ORDER BY id DESC LIMIT 25",
				args, func(rows *sql.Rows) error {
					var id int64
					if err := rows.Scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
					return nil
				})
			if err != nil {
				return err
			}
			for _, id := range ids {
				if _, err := tx.Exec(ctx, "INSERT INTO survey_comment_themes (response_id, theme, tagged_by, tagged_at) VALUES (?,?,?,?)",
					id, t.theme, by, at); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// AddDemoResponses adds n more generated responses to the demo survey, with the demo's
// places, channels and links, over the 24 months to now; progress, if set, is called after
// each transaction. The responses differ from those already there (the seed follows how many
// there are).
func AddDemoResponses(ctx context.Context, d *db.DB, n int, progress func(done int)) (int, error) {
	s, err := Store{}.SurveyByCode(ctx, d, DemoCode)
	if err != nil {
		return 0, fmt.Errorf("the demo survey %q: %w", DemoCode, err)
	}
	var have int64
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", s.ID).Scan(&have); err != nil {
		return 0, err
	}
	from, to := demoWindow(db.Now())
	opt, err := demoGenOptions(ctx, d, s, from, to)
	if err != nil {
		return 0, err
	}
	opt.Seed = DemoSeed + uint64(have)
	opt.Progress = progress
	return GenerateResponses(ctx, d, s, n, opt)
}

// The bank of made-up comments the generator draws from, in plain Australian English, tied
// to the scores a respondent gave. No real person is named.

var (
	commentQueue = []string{
		"Waited over an hour to be seen, with only two of the six counters open.",
		"The queue was out the door at lunchtime. More staff at peak times, please.",
		"I took a ticket and waited 50 minutes to do something that took five.",
		"Waiting time was far too long, especially with a toddler in tow.",
		"There was nowhere to sit while waiting and the screen calling numbers kept freezing.",
		"Came in on my lunch break and had to leave before my number was called.",
		"Long wait again. It's like this every time I come in.",
	}
	commentHold = []string{
		"I was on hold for 45 minutes before anyone answered.",
		"Spent most of my morning on hold listening to the same message over and over.",
		"The call dropped out after half an hour on hold and I had to start again.",
		"Please offer a call-back option instead of leaving people on hold.",
		"On hold for ages, then told the system was down and to ring back tomorrow.",
	}
	commentWebsite = []string{
		"The website kept timing out when I tried to pay, so I gave up and rang instead.",
		"Couldn't find the right form online. The search just sent me round in circles.",
		"The online form wouldn't accept my licence number and gave no reason why.",
		"Logging in took three attempts and the verification code never arrived.",
		"The website isn't easy to use on a phone. Half the page was cut off.",
	}
	commentMail = []string{
		"I posted my form and heard nothing for five weeks.",
		"Sent everything by post as asked, then got a letter saying a page was missing.",
		"Paper forms take forever. I'd have done it online if I could.",
	}
	commentTransfer = []string{
		"I was transferred four times and had to explain my situation to each person.",
		"Nobody seemed to know who handled my question, so I got passed around.",
		"Was told to ring another department, who then sent me straight back.",
		"Got different answers from two different staff members.",
	}
	commentForms = []string{
		"The forms are confusing and ask for the same information twice.",
		"Too much paperwork for a simple change of address.",
		"Nobody told me which documents to bring, so I had to come back another day.",
		"The form asked for things I'd already given you last year.",
	}
	commentOutcome = []string{
		"I still haven't got what I came in for. Very frustrating.",
		"Left without my problem being fixed and no clear idea of what happens next.",
		"Was told it would be sorted in a week. It's been a month.",
		"Went home with a list of things to do and nothing actually done.",
	}
	commentStaffBad = []string{
		"The staff member was short with me and didn't seem to care.",
		"Felt rushed and talked down to at the counter.",
		"Staff were chatting among themselves while the queue built up.",
	}
	commentUnfair = []string{
		"The rules seem to apply differently depending on who you get.",
		"I was charged a late fee even though the delay was your mistake.",
		"My neighbour got a concession for the same thing and I was knocked back.",
	}
	commentAccess = []string{
		"Parking near the centre is impossible, and there's no disabled parking close by.",
		"The centre is only open business hours, which doesn't suit anyone who works.",
		"Hard to find the right phone number on the website.",
		"Had to drive over an hour to the nearest centre.",
	}
	commentMixed = []string{
		"Staff were friendly enough but the wait was too long.",
		"Got it done in the end, but it took longer than it should have.",
		"It was okay. Nothing special, but nothing went wrong either.",
		"Good once I got through, but getting through took ages.",
		"The website worked, but I had to ring up to finish the last step.",
		"Fine, though the instructions on the letter could be clearer.",
		"Service was average. The centre could do with a tidy up.",
		"Helpful staff, but the system was down so I have to come back.",
		"Not bad. Would be better if I could do it all online.",
		"Reasonable service, but I wasn't told about the concession until I asked.",
	}
	commentStaffPraise = []string{
		"The staff member at the counter was lovely and sorted everything out quickly.",
		"Really helpful staff. She went out of her way to help me fill in the form.",
		"Friendly, patient service. The young bloke at the counter explained everything clearly.",
		"Staff were very kind to my elderly mum and took their time with her.",
		"Fantastic service from the team today. Thank you!",
		"The staff knew exactly what I needed and had me out in ten minutes.",
	}
	commentPhonePraise = []string{
		"The person on the phone was patient and explained everything clearly.",
		"Great phone service. They even rang me back to check it had gone through.",
		"Friendly, knowledgeable person on the phone who fixed it in one call.",
	}
	commentQuick = []string{
		"In and out in under ten minutes. Couldn't ask for more.",
		"Quick and easy, no waiting at all.",
		"Much faster than I expected.",
	}
	commentOnlinePraise = []string{
		"Renewed my rego online in two minutes. Easy.",
		"The website was simple to use and the confirmation came straight away.",
		"So much easier than going into a centre. Did it from home at night.",
		"Online form was clear and didn't ask for anything I didn't have.",
	}
	commentPositive = []string{
		"Very happy with the service, thank you.",
		"Everything went smoothly. Well done.",
		"Good service, no complaints.",
		"Better than I expected from a government office!",
		"Easy process and clear instructions.",
	}
	tailPositive = []string{"Thanks again.", "Keep up the good work.", "Much appreciated.", "Will happily tell my friends."}
	tailNegative = []string{"Please fix this.", "Not good enough.", "Someone needs to look at this.", "Very disappointing."}
	tailMixed    = []string{"Hope this helps.", "Room for improvement.", "Otherwise fine."}
)

// comment writes a comment that matches the respondent's scores and channel.
func (g *generator) comment(x *experience, channel string) string {
	r := g.rnd
	var pool, tails []string
	switch p := x.points[nDrivers]; {
	case p <= 2:
		tails = tailNegative
		// Complain about the driver that went worst.
		worst, low := -1, 6
		for d := range nDrivers {
			if v := x.points[d]; v > 0 && v < low {
				worst, low = d, v
			}
		}
		switch worst {
		case 0: // timeliness
			switch channel {
			case "phone":
				pool = commentHold
			case "online":
				pool = commentWebsite
			case "mail":
				pool = commentMail
			default:
				pool = commentQueue
			}
		case 1: // knowledge
			pool = commentTransfer
		case 2, 3: // courtesy, extra mile
			pool = commentStaffBad
			if channel == "online" {
				pool = commentWebsite
			}
		case 4: // fairness
			pool = commentUnfair
		case 6: // access
			pool = commentAccess
			if channel == "online" {
				pool = commentWebsite
			}
		default: // outcome, or nothing rated
			pool = commentOutcome
			if r.IntN(2) == 0 {
				pool = commentForms
			}
		}
	case p == 3:
		pool, tails = commentMixed, tailMixed
	default:
		tails = tailPositive
		staff := x.points[2] == 5 || x.points[3] == 5 || x.points[1] == 5
		switch {
		case channel == "in_person" && staff:
			pool = commentStaffPraise
		case channel == "phone" && staff:
			pool = commentPhonePraise
		case channel == "online":
			pool = commentOnlinePraise
		case x.points[0] == 5:
			pool = commentQuick
		default:
			pool = commentPositive
		}
	}
	c := pool[r.IntN(len(pool))]
	if r.Float64() < 0.3 {
		c += " " + tails[r.IntN(len(tails))]
	}
	return c
}
