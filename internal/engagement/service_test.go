package engagement

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// fixture is a small world on 15 March 2025: organisation A runs engagements with B as a
// partner; C has nothing to do with them. Queensland contains Logan; Cape York is apart.
type fixture struct {
	d                *db.DB
	s                *Service
	orgA, orgB, orgC int64
	qld, logan, cape int64
	program          int64
	people           map[string]authz.Principal
	sent             *recorder
	today            time.Time
}

// recorder is a mail sender that keeps what it sends (and refuses addresses in fail).
type recorder struct {
	mu   sync.Mutex
	msgs []mail.Message
	fail map[string]bool
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[m.To] {
		return errors.New("mailbox unavailable")
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recorder) to() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		out = append(out, m.To)
	}
	return out
}

func person(t *testing.T, d *db.DB, name string, site bool, roles map[int64]authz.Role) authz.Principal {
	t.Helper()
	id, err := auth.InsertUser(context.Background(), d, auth.User{Email: name + "@example.org", Name: "Test " + name, IsAdmin: site})
	if err != nil {
		t.Fatal(err)
	}
	return authz.Principal{UserID: id, Name: "Test " + name, Email: name + "@example.org", SiteAdmin: site, Roles: roles, Via: "session"}
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	sys := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &fixture{d: d, s: NewService(d, dir), people: map[string]authz.Principal{}, sent: &recorder{fail: map[string]bool{}},
		today: d0("2025-03-15")}
	f.s.Now = func() time.Time { return f.today.Add(10 * time.Hour) }
	f.s.Mail = f.sent
	f.s.BaseURL = func() string { return "https://joinedup.example" }
	for _, o := range []struct {
		name string
		id   *int64
	}{{"Department of Testing", &f.orgA}, {"Partner Council", &f.orgB}, {"Unrelated Agency", &f.orgC}} {
		org, err := dir.CreateOrg(sys, directory.OrgInput{Name: o.name, Type: "government_agency"})
		if err != nil {
			t.Fatal(err)
		}
		*o.id = org.ID
	}
	q, err := dir.CreatePlace(sys, directory.PlaceInput{Name: "Queensland", Kind: "state"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := dir.CreatePlace(sys, directory.PlaceInput{Name: "Logan", Kind: "lga", ParentID: q.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, err := dir.CreatePlace(sys, directory.PlaceInput{Name: "Cape York", Kind: "region"})
	if err != nil {
		t.Fatal(err)
	}
	f.qld, f.logan, f.cape = q.ID, l.ID, c.ID
	p, err := dir.CreateProgram(sys, directory.ProgramInput{Name: "Logan Together", LeadOrgID: f.orgB})
	if err != nil {
		t.Fatal(err)
	}
	f.program = p.ID
	f.people["anonymous"] = authz.Anonymous
	f.people["site-admin"] = person(t, d, "site-admin", true, nil)
	for name, roles := range map[string]map[int64]authz.Role{
		"viewer-a":      {f.orgA: authz.Viewer},
		"contributor-a": {f.orgA: authz.Contributor},
		"manager-a":     {f.orgA: authz.Manager},
		"viewer-b":      {f.orgB: authz.Viewer},
		"admin-c":       {f.orgC: authz.Admin},
	} {
		f.people[name] = person(t, d, name, false, roles)
	}
	return f
}

func (f *fixture) as(name string) context.Context {
	p, ok := f.people[name]
	if !ok {
		panic("no person " + name)
	}
	return authz.With(context.Background(), p)
}

// input is a complete engagement of A in Logan, open through March.
func (f *fixture) input(title string) Input {
	return Input{OrgID: f.orgA, Title: title, Purpose: "To hear from Logan.", Decision: "The Logan service plan.", Influence: Consult,
		Affected: "Families in Logan.", OpensOn: Date{d0("2025-03-01")}, ClosesOn: Date{d0("2025-03-31")}, ReportBackBy: Date{d0("2025-04-30")},
		PartnerIDs: []int64{f.orgB}, PlaceIDs: []int64{f.logan}, ProgramIDs: []int64{f.program}}
}

// published creates an engagement and publishes it.
func (f *fixture) published(t *testing.T, in Input) Detail {
	t.Helper()
	d, err := f.s.Create(f.as("manager-a"), in)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err = f.s.SetStatus(f.as("manager-a"), d.Key(), StatusOpen)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantCode(t *testing.T, what string, err error, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok || ve[field] == "" {
		t.Errorf("%s: %v, want a message on %s", what, err, field)
	}
}

// auditCount counts the successful audit rows of action on engagement id.
func auditCount(t *testing.T, d *db.DB, action string, id int64) int {
	return auditRows(t, d, action, id, audit.Success)
}

// auditRows counts the audit rows of action on engagement id with outcome ("" for any).
func auditRows(t *testing.T, d *db.DB, action string, id int64, outcome string) int {
	t.Helper()
	rows, err := audit.List(context.Background(), d, audit.Filter{Action: action, TargetKind: "engagement", TargetID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Action == action && (outcome == "" || r.Outcome == outcome) {
			n++
		}
	}
	return n
}

func TestCreateEditPublish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.input("Logan services")
		in.Slug = "logan-services"
		in.Purpose = ""
		// Who may create: contributors of the owner; others are refused.
		_, err := f.s.Create(f.as("viewer-a"), in)
		wantCode(t, "a viewer creates", err, authz.ErrForbidden)
		_, err = f.s.Create(f.as("admin-c"), in)
		wantField(t, "C's admin creates for A", err, "organisation_id")
		e, err := f.s.Create(f.as("contributor-a"), in)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != StatusDraft || e.Key() != "logan-services" || len(e.Places) != 1 || e.Places[0].Name != "Logan" ||
			len(e.Partners) != 1 || e.Partners[0].Name != "Partner Council" || len(e.Programs) != 1 {
			t.Fatalf("created: %+v", e)
		}
		// A second with the same slug is refused on the field.
		_, err = f.s.Create(f.as("contributor-a"), in)
		wantField(t, "a taken slug", err, "slug")
		// Unknown places are refused on the field.
		bad := f.input("Nowhere")
		bad.PlaceIDs = []int64{99999}
		_, err = f.s.Create(f.as("contributor-a"), bad)
		wantField(t, "an unknown place", err, "place_ids")

		// Drafts: seen by A's members and B's (the partner), not by C or the public.
		for who, want := range map[string]error{"anonymous": db.ErrNotFound, "admin-c": db.ErrNotFound, "viewer-a": nil, "viewer-b": nil, "site-admin": nil} {
			_, err := f.s.Engagement(f.as(who), "logan-services")
			if !errors.Is(err, want) && !(want == nil && err == nil) {
				t.Errorf("%s sees the draft: %v, want %v", who, err, want)
			}
		}
		// A contributor edits the draft; publishing is for managers, and needs the purpose.
		if _, err := f.s.Update(f.as("contributor-a"), e.Key(), func() Input { x := in; x.Summary = "New summary"; return x }()); err != nil {
			t.Fatalf("contributor edits a draft: %v", err)
		}
		_, _, err = f.s.SetStatus(f.as("contributor-a"), e.Key(), StatusOpen)
		wantCode(t, "a contributor publishes", err, authz.ErrForbidden)
		_, _, err = f.s.SetStatus(f.as("manager-a"), e.Key(), StatusOpen)
		wantField(t, "publishing without a purpose", err, "purpose")
		in.Purpose = "To hear from Logan."
		if _, err := f.s.Update(f.as("manager-a"), e.Key(), in); err != nil {
			t.Fatal(err)
		}
		pub, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusOpen)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Status != StatusOpen || pub.PublishedAt == nil || pub.PhaseNow != PhaseOpen || pub.PromiseText == "" {
			t.Errorf("published: %+v", pub)
		}
		if _, err := f.s.Engagement(f.as("anonymous"), fmt.Sprint(e.ID)); err != nil {
			t.Errorf("the public sees the published engagement by ID: %v", err)
		}
		// Once published: contributors no longer edit; the checks hold for edits too.
		_, err = f.s.Update(f.as("contributor-a"), e.Key(), in)
		wantCode(t, "a contributor edits a published engagement", err, authz.ErrForbidden)
		in.ReportBackBy = Date{}
		_, err = f.s.Update(f.as("manager-a"), e.Key(), in)
		wantField(t, "clearing the report-back date of a published engagement", err, "report_back_by")
		// Archiving: managers archive drafts only.
		_, err = f.s.Archive(f.as("manager-a"), e.Key(), true)
		wantField(t, "a manager archives a published engagement", err, "archived")
		for _, action := range []string{"engagement.create", "engagement.update", "engagement.publish"} {
			if n := auditCount(t, d, action, e.ID); n == 0 {
				t.Errorf("no audit row %s", action)
			}
		}
		// Closing and reopening.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusOpen); err != nil {
			t.Errorf("reopening before the closing date: %v", err)
		}
	})
}

func TestRegisterFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		mgr := f.as("manager-a")
		open := f.published(t, f.input("Open in Logan"))
		upcoming := f.input("Upcoming in Cape York")
		upcoming.OpensOn, upcoming.ClosesOn, upcoming.ReportBackBy = Date{d0("2025-04-01")}, Date{d0("2025-04-30")}, Date{d0("2025-05-31")}
		upcoming.PlaceIDs, upcoming.PartnerIDs = []int64{f.cape}, nil
		up := f.published(t, upcoming)
		old := f.input("Overdue in Logan")
		old.OpensOn, old.ClosesOn, old.ReportBackBy = Date{d0("2025-01-01")}, Date{d0("2025-01-31")}, Date{d0("2025-02-28")}
		od := f.published(t, old)
		lapsed := f.input("Closed by date, report due")
		lapsed.OpensOn, lapsed.ClosesOn, lapsed.ReportBackBy = Date{d0("2025-02-01")}, Date{d0("2025-03-10")}, Date{d0("2025-04-10")}
		lp := f.published(t, lapsed)
		draft, err := f.s.Create(mgr, f.input("Draft in Logan"))
		if err != nil {
			t.Fatal(err)
		}
		reported := f.reported(t, "Reported in Logan")

		titles := func(ds []Detail) string {
			var s []string
			for _, d := range ds {
				s = append(s, d.Title)
			}
			return strings.Join(s, "|")
		}
		for _, c := range []struct {
			who  string
			f    Filter
			want []string
		}{
			{"anonymous", Filter{}, []string{up.Title, open.Title, reported.Title, lp.Title, od.Title}},
			{"viewer-b", Filter{}, []string{up.Title, draft.Title, open.Title, reported.Title, lp.Title, od.Title}},
			{"admin-c", Filter{Status: PhaseDraft}, nil},
			{"viewer-a", Filter{Status: PhaseDraft}, []string{draft.Title}},
			{"anonymous", Filter{Status: PhaseOpen}, []string{open.Title}},
			{"anonymous", Filter{Status: PhaseUpcoming}, []string{up.Title}},
			{"anonymous", Filter{Status: PhaseClosed}, []string{lp.Title, od.Title}},
			{"anonymous", Filter{Status: FilterOverdue}, []string{od.Title}},
			{"anonymous", Filter{Status: PhaseReported}, []string{reported.Title}},
			{"anonymous", Filter{PlaceID: f.cape}, []string{up.Title}},
			{"anonymous", Filter{PlaceID: f.qld}, []string{open.Title, reported.Title, lp.Title, od.Title}}, // Logan is in Queensland
			{"anonymous", Filter{OrgID: f.orgB}, []string{open.Title, reported.Title, lp.Title, od.Title}},  // B is a partner
			{"anonymous", Filter{OrgID: f.orgC}, nil},
			{"anonymous", Filter{Theme: "local DECISIONS"}, []string{reported.Title}},
			{"anonymous", Filter{Theme: "Funding"}, nil},
			{"anonymous", Filter{From: Date{d0("2025-04-05")}}, []string{up.Title}},
			{"anonymous", Filter{To: Date{d0("2025-01-15")}}, []string{od.Title}},
		} {
			c.f.Page = 1
			ds, n, more, err := f.s.Register(f.as(c.who), c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := titles(ds), strings.Join(c.want, "|"); got != want || n != len(c.want) || more {
				t.Errorf("%s %+v: %q (%d, more %v), want %q", c.who, c.f, got, n, more, want)
			}
		}
		// The overdue list, and the overdue engagement's detail.
		ods, err := f.s.Overdue(f.as("anonymous"))
		if err != nil {
			t.Fatal(err)
		}
		if titles(ods) != od.Title || !ods[0].IsOverdue || ods[0].DaysLate != 15 {
			t.Errorf("overdue: %+v", ods)
		}
		// The API's list pages by ID.
		first, err := f.s.List(f.as("anonymous"), Filter{Limit: 2})
		if err != nil || len(first) != 3 || first[0].ID != open.ID {
			t.Fatalf("first API page: %v %v", titles(first), err)
		}
		rest, err := f.s.List(f.as("anonymous"), Filter{After: first[1].ID, Limit: 50})
		if err != nil || len(rest) != 3 {
			t.Errorf("second API page: %v %v", titles(rest), err)
		}
		// Consultation load: Logan has the open one and the lapsed one open in March, the
		// reported one's dates too: three in March.
		loads, err := f.s.Load(f.as("anonymous"), f.logan)
		if err != nil {
			t.Fatal(err)
		}
		if len(loads) != 1 || titles(loads[0].Open) != open.Title || len(loads[0].Busy) != 1 || loads[0].Busy[0].Count != 3 {
			t.Errorf("Logan's load: %+v", loads)
		}
	})
}

// reported makes a published engagement of A with two submissions (one consenting), a theme
// and a published report.
func (f *fixture) reported(t *testing.T, title string) Detail {
	t.Helper()
	in := f.input(title)
	in.OpensOn, in.ClosesOn, in.ReportBackBy = Date{d0("2025-02-01")}, Date{d0("2025-03-05")}, Date{d0("2025-03-31")}
	in.Questionnaire = &forms.Questionnaire{Title: "Tell us", Questions: []forms.Question{{ID: "say", Type: forms.Textarea, Text: "What matters?", Required: true}}}
	e := f.published(t, in)
	subs := f.submit(t, e, []string{"Decisions about Logan should be made in Logan.", "More buses please."}, []bool{true, false}, []string{"a@example.org", ""})
	mgr := f.as("manager-a")
	if _, _, err := f.s.SetStatus(mgr, e.Key(), StatusClosed); err != nil {
		t.Fatal(err)
	}
	th, err := f.s.CreateTheme(mgr, e.Key(), "Local decisions")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.TagItem(mgr, e.ID, th.ID, ItemSubmission, subs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SaveReport(mgr, e.Key(), ReportInput{WeAsked: "What matters", YouSaid: "Local decisions", WeDid: "We changed the plan",
		Themes: []ThemeInput{{ID: th.ID, Name: "Local decisions", Response: "Agreed", Change: "The plan changed"}},
		Quotes: []QuoteInput{{SubmissionID: subs[0], Theme: "Local decisions", Text: "made in Logan"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PublishReport(mgr, e.Key()); err != nil {
		t.Fatal(err)
	}
	f.s.Wait()
	d, err := f.s.Engagement(mgr, e.Key())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// submit adds submissions to an engagement, each from a new participant.
func (f *fixture) submit(t *testing.T, e Detail, texts []string, consent []bool, emails []string) []int64 {
	t.Helper()
	var ids []int64
	err := f.d.InTx(context.Background(), func(tx *db.Tx) error {
		for i, text := range texts {
			pid, err := f.s.Store.InsertParticipant(context.Background(), tx, e.ID, fmt.Sprintf("%064d", int(e.ID)*1000+i), emails[i], 0)
			if err != nil {
				return err
			}
			id, err := f.s.Store.InsertSubmission(context.Background(), tx, Submission{EngagementID: e.ID, ParticipantID: pid,
				Answers: forms.Answers{{Question: "say", Text: text}}, ConsentQuote: consent[i]})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestReportPublishingSendsMailOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		mgr := f.as("manager-a")
		in := f.input("Logan services")
		in.ClosesOn = Date{d0("2025-03-20")}
		e := f.published(t, in)
		subs := f.submit(t, e, []string{"Decisions about Logan\nshould be made in Logan.", "I want buses.", "No email here.", "Bounce me."},
			[]bool{true, false, true, true}, []string{"ana@example.org", "ben@example.org", "", "bounce@example.org"})
		f.sent.fail["bounce@example.org"] = true

		// The report is written while the engagement is still open, but not published.
		th, err := f.s.CreateTheme(mgr, e.Key(), "Local decisions")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.CreateTheme(mgr, e.Key(), "local decisions ")
		wantField(t, "a second theme of the same name", err, "name")
		// Quotes: only word for word, only with consent, only from this engagement.
		base := ReportInput{WeAsked: "What matters in Logan", YouSaid: "Decide locally", WeDid: "We moved decisions to Logan",
			Themes: []ThemeInput{{ID: th.ID, Name: "Local decisions", Response: "We agree", Change: "The plan changed"}, {Name: "Transport", Response: "Noted"}}}
		for _, c := range []struct {
			q     QuoteInput
			field string
		}{
			{QuoteInput{SubmissionID: subs[0], Text: "Decisions about Canberra"}, "quotes[0].text"},
			{QuoteInput{SubmissionID: subs[1], Text: "I want buses."}, "quotes[0].submission_id"},
			{QuoteInput{SubmissionID: 999999, Text: "x"}, "quotes[0].submission_id"},
			{QuoteInput{SubmissionID: subs[0], Text: "made in Logan", Theme: "Housing"}, "quotes[0].theme"},
		} {
			x := base
			x.Quotes = []QuoteInput{c.q}
			_, err := f.s.SaveReport(mgr, e.Key(), x)
			wantField(t, fmt.Sprintf("quote %+v", c.q), err, c.field)
		}
		base.Quotes = []QuoteInput{{SubmissionID: subs[0], Theme: "local decisions", Text: "Decisions about Logan should be  made in Logan."}}
		_, err = f.s.SaveReport(f.as("contributor-a"), e.Key(), base)
		wantCode(t, "a contributor saves the report", err, authz.ErrForbidden)
		rep, err := f.s.SaveReport(mgr, e.Key(), base)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Themes) != 2 || rep.Themes[1].Name != "Transport" || len(rep.Themes[0].Quotes) != 1 ||
			rep.Themes[0].Quotes[0].Text != "Decisions about Logan should be made in Logan." || rep.Submissions != 4 || rep.Participants != 4 {
			t.Fatalf("saved report: %+v", rep)
		}
		// Tags count per theme.
		if err := f.s.TagItem(f.as("contributor-a"), e.ID, th.ID, ItemSubmission, subs[0]); err != nil {
			t.Fatal(err)
		}
		if err := f.s.TagItem(f.as("contributor-a"), e.ID, th.ID, ItemSubmission, subs[0]); err != nil {
			t.Errorf("tagging again: %v", err)
		}
		wantCode(t, "a viewer tags", f.s.TagItem(f.as("viewer-a"), e.ID, th.ID, ItemSubmission, subs[1]), authz.ErrForbidden)
		wantField(t, "tagging another engagement's item", f.s.TagItem(mgr, e.ID, th.ID, ItemSubmission, 999999), "item_id")
		// Not published yet: the public does not see the report; the partner does.
		_, _, err = f.s.Report(f.as("anonymous"), e.Key())
		wantCode(t, "the public reads the draft report", err, db.ErrNotFound)
		if _, _, err := f.s.Report(f.as("viewer-b"), e.Key()); err != nil {
			t.Errorf("the partner reads the draft report: %v", err)
		}
		// Publishing needs the engagement closed.
		_, err = f.s.PublishReport(mgr, e.Key())
		wantField(t, "publishing while open", err, "status")
		if _, _, err := f.s.SetStatus(mgr, e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.PublishReport(f.as("viewer-a"), e.Key())
		wantCode(t, "a viewer publishes", err, authz.ErrForbidden)
		if _, err := f.s.PublishReport(mgr, e.Key()); err != nil {
			t.Fatal(err)
		}
		f.s.Wait()
		got := f.sent.to()
		if strings.Join(got, ",") != "ana@example.org,ben@example.org" {
			t.Fatalf("sent to %v, want ana and ben", got)
		}
		m := f.sent.msgs[0]
		if !strings.Contains(m.Text, "https://joinedup.example/engagements/"+fmt.Sprint(e.ID)+"/report") || !strings.Contains(m.Subject, "Logan services") {
			t.Errorf("email: %+v", m)
		}
		after, err := f.s.Engagement(f.as("anonymous"), e.Key())
		if err != nil || after.Status != StatusReported || after.IsOverdue {
			t.Fatalf("after publishing: %+v %v", after, err)
		}
		pub, r, err := f.s.Report(f.as("anonymous"), e.Key())
		if err != nil || !r.Published() || pub.ID != e.ID || r.Themes[0].Count() != 1 {
			t.Fatalf("the public reads the report: %+v %v", r, err)
		}
		// Publishing again sends nothing to those told; the bounced one is tried again.
		notified, waiting, err := f.s.Store.Notifications(context.Background(), d, e.ID)
		if err != nil || notified != 2 || waiting != 1 {
			t.Errorf("after the first round: %d notified, %d waiting, %v", notified, waiting, err)
		}
		delete(f.sent.fail, "bounce@example.org")
		if _, err := f.s.PublishReport(mgr, e.Key()); err != nil {
			t.Fatal(err)
		}
		f.s.Wait()
		if got := f.sent.to(); strings.Join(got, ",") != "ana@example.org,ben@example.org,bounce@example.org" {
			t.Errorf("after publishing again: %v", got)
		}
		if _, err := f.s.PublishReport(mgr, e.Key()); err != nil {
			t.Fatal(err)
		}
		f.s.Wait()
		if n := len(f.sent.to()); n != 3 {
			t.Errorf("a third publication sent %d in all, want 3", n)
		}
		// Addresses are deleted once their owner is told.
		var left int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM engagement_participants WHERE engagement_id = ? AND email <> ''", e.ID).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d addresses kept, %v", left, err)
		}
		if n := auditCount(t, d, "engagement.report_publish", e.ID); n != 1 {
			t.Errorf("%d report_publish audit rows, want 1", n)
		}
		if n := auditRows(t, d, "engagement.report_notify", e.ID, ""); n != 2 {
			t.Errorf("%d report_notify audit rows, want 2", n)
		}
		// The published report can be corrected; dropping a theme drops its tags.
		rep, err = f.s.SaveReport(mgr, e.Key(), ReportInput{WeAsked: "a", YouSaid: "b", WeDid: "c", Themes: []ThemeInput{{Name: "Transport", ID: rep.Themes[1].ID, Response: "x"}}})
		if err != nil || len(rep.Themes) != 1 || len(rep.Quotes) != 1 || rep.Quotes[0].ThemeID != 0 {
			t.Errorf("corrected report: %+v %v", rep, err)
		}
	})
}

func TestSwapThemeNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		mgr := f.as("manager-a")
		e := f.published(t, f.input("Swap"))
		a, _ := f.s.CreateTheme(mgr, e.Key(), "A")
		b, _ := f.s.CreateTheme(mgr, e.Key(), "B")
		rep, err := f.s.SaveReport(mgr, e.Key(), ReportInput{Themes: []ThemeInput{{ID: b.ID, Name: "A"}, {ID: a.ID, Name: "B"}}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Themes[0].ID != b.ID || rep.Themes[0].Name != "A" || rep.Themes[1].ID != a.ID || rep.Themes[1].Name != "B" {
			t.Errorf("swapped: %+v", rep.Themes)
		}
		_, err = f.s.SaveReport(mgr, e.Key(), ReportInput{Themes: []ThemeInput{{ID: 999999, Name: "Z"}}})
		wantField(t, "a theme of another engagement", err, "themes[0].name")
	})
}

func TestSearchIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft, err := f.s.Create(f.as("manager-a"), f.input("Quokka consultation"))
		if err != nil {
			t.Fatal(err)
		}
		var public bool
		if err := d.QueryRow(context.Background(), "SELECT public FROM search_documents WHERE kind = 'engagement' AND record_id = ?", draft.ID).Scan(&public); err != nil {
			t.Fatalf("the draft's search document: %v", err)
		}
		if public {
			t.Error("a draft is indexed as public")
		}
		if _, _, err := f.s.SetStatus(f.as("manager-a"), draft.Key(), StatusOpen); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(context.Background(), "SELECT public FROM search_documents WHERE kind = 'engagement' AND record_id = ?", draft.ID).Scan(&public); err != nil || !public {
			t.Errorf("published: public %v %v", public, err)
		}
	})
}
