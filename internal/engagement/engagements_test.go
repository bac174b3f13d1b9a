package engagement

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func d0(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// ready is an engagement that may be published.
func ready() Engagement {
	return Engagement{ID: 1, OrgID: 1, Title: "Test", Status: StatusDraft, Purpose: "Why", Decision: "What", Influence: Consult,
		OpensOn: d0("2025-03-01"), ClosesOn: d0("2025-03-31"), ReportBackBy: d0("2025-04-30")}
}

func TestPublishProblems(t *testing.T) {
	if errs := PublishProblems(ready()); errs != nil {
		t.Fatalf("a complete engagement: %v", errs)
	}
	for _, c := range []struct {
		field string
		blank func(*Engagement)
	}{
		{"purpose", func(e *Engagement) { e.Purpose = "  \n " }},
		{"decision", func(e *Engagement) { e.Decision = "" }},
		{"influence", func(e *Engagement) { e.Influence = "" }},
		{"opens_on", func(e *Engagement) { e.OpensOn = time.Time{} }},
		{"closes_on", func(e *Engagement) { e.ClosesOn = time.Time{} }},
		{"report_back_by", func(e *Engagement) { e.ReportBackBy = time.Time{} }},
	} {
		e := ready()
		c.blank(&e)
		errs := PublishProblems(e)
		if len(errs) != 1 || errs[c.field] == "" {
			t.Errorf("without %s: %v, want one message on %s", c.field, errs, c.field)
		}
		if err := Transition(e, StatusOpen, d0("2025-02-01")); err == nil {
			t.Errorf("without %s the engagement was published", c.field)
		} else if ve, _ := valid.As(err); ve[c.field] == "" {
			t.Errorf("without %s: refused with %v", c.field, err)
		}
	}
	if errs := PublishProblems(Engagement{}); len(errs) != 6 {
		t.Errorf("an empty engagement has %d problems, want 6: %v", len(errs), errs)
	}
}

func TestTransition(t *testing.T) {
	now := d0("2025-03-15")
	for _, c := range []struct {
		from, to string
		closes   string
		ok       bool
		field    string
	}{
		{StatusDraft, StatusOpen, "2025-03-31", true, ""},
		{StatusOpen, StatusClosed, "2025-03-31", true, ""},
		{StatusClosed, StatusOpen, "2025-03-31", true, ""},
		{StatusClosed, StatusOpen, "2025-03-15", true, ""}, // closing today: may reopen
		{StatusClosed, StatusOpen, "2025-03-14", false, "closes_on"},
		{StatusDraft, StatusClosed, "2025-03-31", false, "status"},
		{StatusOpen, StatusOpen, "2025-03-31", false, "status"},
		{StatusOpen, StatusDraft, "2025-03-31", false, "status"},
		{StatusClosed, StatusDraft, "2025-03-31", false, "status"},
		{StatusOpen, StatusReported, "2025-03-31", false, "status"},
		{StatusReported, StatusOpen, "2025-03-31", false, "status"},
		{StatusReported, StatusClosed, "2025-03-31", false, "status"},
		{StatusOpen, "bogus", "2025-03-31", false, "status"},
	} {
		e := ready()
		e.Status, e.ClosesOn, e.ReportBackBy = c.from, d0(c.closes), d0("2025-04-30")
		err := Transition(e, c.to, now)
		if (err == nil) != c.ok {
			t.Errorf("%s → %s (closes %s): %v, want ok=%v", c.from, c.to, c.closes, err, c.ok)
			continue
		}
		if !c.ok {
			if ve, _ := valid.As(err); ve[c.field] == "" {
				t.Errorf("%s → %s: %v, want a message on %s", c.from, c.to, err, c.field)
			}
		}
	}
}

func TestPhaseAndOverdue(t *testing.T) {
	e := ready()
	e.Status = StatusOpen
	for _, c := range []struct {
		now     string
		status  string
		phase   string
		overdue bool
		late    int
		accepts bool
	}{
		{"2025-02-28", StatusOpen, PhaseUpcoming, false, 0, false},
		{"2025-03-01", StatusOpen, PhaseOpen, false, 0, true},
		{"2025-03-31", StatusOpen, PhaseOpen, false, 0, true}, // the closing day is still open
		{"2025-04-01", StatusOpen, PhaseClosed, false, 0, false},
		{"2025-04-30", StatusClosed, PhaseClosed, false, 0, false}, // due today: not yet overdue
		{"2025-05-01", StatusClosed, PhaseClosed, true, 1, false},
		{"2025-05-11", StatusOpen, PhaseClosed, true, 11, false}, // never closed by hand: still overdue
		{"2025-06-01", StatusReported, PhaseReported, false, 0, false},
		{"2025-06-01", StatusDraft, PhaseDraft, false, 0, false},
	} {
		e.Status = c.status
		now := d0(c.now).Add(13 * time.Hour)
		if got := e.Phase(now); got != c.phase {
			t.Errorf("%s on %s: phase %s, want %s", c.status, c.now, got, c.phase)
		}
		if got := e.Overdue(now); got != c.overdue {
			t.Errorf("%s on %s: overdue %v, want %v", c.status, c.now, got, c.overdue)
		}
		if got := e.DaysOverdue(now); got != c.late {
			t.Errorf("%s on %s: %d days late, want %d", c.status, c.now, got, c.late)
		}
		if got := e.AcceptingInput(now); got != c.accepts {
			t.Errorf("%s on %s: accepting %v, want %v", c.status, c.now, got, c.accepts)
		}
	}
	e.Status = StatusOpen
	at := time.Now()
	e.ArchivedAt = &at
	if e.AcceptingInput(d0("2025-03-10")) {
		t.Error("an archived engagement accepts input")
	}
}

func TestInputValidate(t *testing.T) {
	good := func() Input {
		return Input{OrgID: 1, Title: "A title", Influence: "Consult", OpensOn: Date{d0("2025-03-01")}, ClosesOn: Date{d0("2025-03-31")},
			ReportBackBy: Date{d0("2025-04-30")}, PartnerIDs: []int64{2, 2, 1}}
	}
	in := good()
	in.Normalize()
	if err := in.Validate(); err != nil {
		t.Fatalf("good input: %v", err)
	}
	if in.Influence != Consult || in.Moderation != ModeratePost || in.ReportThreshold != 3 || in.StatementLimit != 10 {
		t.Errorf("normalised: %+v", in)
	}
	if len(in.PartnerIDs) != 1 || in.PartnerIDs[0] != 2 {
		t.Errorf("partners %v: want the repeat and the owner dropped", in.PartnerIDs)
	}
	for _, c := range []struct {
		field  string
		change func(*Input)
	}{
		{"organisation_id", func(in *Input) { in.OrgID = 0 }},
		{"title", func(in *Input) { in.Title = " " }},
		{"title", func(in *Input) { in.Title = "two\nlines" }},
		{"title", func(in *Input) { in.Title = strings.Repeat("x", MaxTitle+1) }},
		{"slug", func(in *Input) { in.Slug = "Has Spaces" }},
		{"slug", func(in *Input) { in.Slug = "123" }},
		{"slug", func(in *Input) { in.Slug = "overdue" }},
		{"slug", func(in *Input) { in.Slug = "new" }},
		{"slug", func(in *Input) { in.Slug = "double--hyphen" }},
		{"influence", func(in *Input) { in.Influence = "decide" }},
		{"closes_on", func(in *Input) { in.ClosesOn = Date{d0("2025-02-01")} }},
		{"report_back_by", func(in *Input) { in.ReportBackBy = Date{d0("2025-03-30")} }},
		{"report_back_by", func(in *Input) { in.ClosesOn = Date{}; in.ReportBackBy = Date{d0("2025-02-27")} }},
		{"purpose", func(in *Input) { in.Purpose = strings.Repeat("x", MaxLongText+1) }},
		{"purpose", func(in *Input) { in.Purpose = "bad \xff text" }},
		{"decision", func(in *Input) { in.Decision = "nul \x00 inside" }},
		{"moderation", func(in *Input) { in.Moderation = "later" }},
		{"report_threshold", func(in *Input) { in.ReportThreshold = 101 }},
		{"statement_limit", func(in *Input) { in.StatementLimit = -1 }},
		{"place_ids", func(in *Input) { in.PlaceIDs = []int64{-1} }},
	} {
		in := good()
		c.change(&in)
		in.Normalize()
		ve, _ := valid.As(in.Validate())
		if ve[c.field] == "" {
			t.Errorf("%s: %v, want a message on it", c.field, ve)
		}
	}
	in = good()
	in.Slug = "Logan-2018"
	in.Normalize()
	if err := in.Validate(); err != nil || in.Slug != "logan-2018" {
		t.Errorf("a slug in capitals: %q %v", in.Slug, err)
	}
}

func TestPermissions(t *testing.T) {
	a, partner, other := int64(1), int64(2), int64(3)
	who := map[string]authz.Principal{
		"anonymous":     authz.Anonymous,
		"viewer-a":      {UserID: 1, Roles: map[int64]authz.Role{a: authz.Viewer}},
		"contributor-a": {UserID: 2, Roles: map[int64]authz.Role{a: authz.Contributor}},
		"manager-a":     {UserID: 3, Roles: map[int64]authz.Role{a: authz.Manager}},
		"viewer-p":      {UserID: 4, Roles: map[int64]authz.Role{partner: authz.Viewer}},
		"admin-other":   {UserID: 5, Roles: map[int64]authz.Role{other: authz.Admin}},
		"site-admin":    {UserID: 6, SiteAdmin: true},
	}
	draft := Engagement{OrgID: a, Status: StatusDraft, PartnerIDs: []int64{partner}}
	open := draft
	open.Status = StatusOpen
	at := time.Now()
	archived := open
	archived.ArchivedAt = &at
	for _, c := range []struct {
		name string
		e    Engagement
		can  func(authz.Principal, Engagement) bool
		yes  string // who may
	}{
		{"see a draft", draft, CanSee, "viewer-a contributor-a manager-a viewer-p site-admin"},
		{"see an open one", open, CanSee, "anonymous viewer-a contributor-a manager-a viewer-p admin-other site-admin"},
		{"see an archived one", archived, CanSee, "viewer-a contributor-a manager-a site-admin"},
		{"edit a draft", draft, CanEdit, "contributor-a manager-a site-admin"},
		{"edit an open one", open, CanEdit, "manager-a site-admin"},
		{"manage", open, CanManage, "manager-a site-admin"},
		{"work on submissions", open, CanWork, "contributor-a manager-a site-admin"},
		{"archive a draft", draft, CanArchive, "manager-a site-admin"},
		{"archive an open one", open, CanArchive, "site-admin"},
		{"see a draft report", open, CanSeeDraftReport, "viewer-a contributor-a manager-a viewer-p site-admin"},
	} {
		for name, p := range who {
			want := strings.Contains(" "+c.yes+" ", " "+name+" ")
			if got := c.can(p, c.e); got != want {
				t.Errorf("%s as %s: %v, want %v", c.name, name, got, want)
			}
		}
	}
}

func detailAt(id int64, title, status, opens, closes string, places ...Ref) Detail {
	e := Engagement{ID: id, Title: title, Status: status}
	if opens != "" {
		e.OpensOn = d0(opens)
	}
	if closes != "" {
		e.ClosesOn = d0(closes)
	}
	return Detail{Engagement: e, Places: places}
}

func TestLoad(t *testing.T) {
	logan, cape, ngukurr := Ref{ID: 1, Name: "Logan"}, Ref{ID: 2, Name: "Cape York"}, Ref{ID: 3, Name: "Ngukurr"}
	now := d0("2025-03-15").Add(9 * time.Hour)
	es := []Detail{
		detailAt(1, "A", StatusOpen, "2025-03-01", "2025-03-31", logan, cape),
		detailAt(2, "B", StatusOpen, "2025-02-10", "2025-04-10", logan),
		detailAt(3, "C", StatusOpen, "2025-03-20", "2025-05-01", logan),           // opening soon, counts in March
		detailAt(4, "D", StatusClosed, "2025-01-01", "2025-02-01", logan),         // closed 42 days ago
		detailAt(5, "E", StatusReported, "2024-10-01", "2024-11-30", cape),        // closed 105 days ago: not recent
		detailAt(6, "F", StatusDraft, "2025-03-01", "2025-03-31", logan),          // drafts never count
		detailAt(7, "G", StatusOpen, "2025-01-05", "2025-03-01", ngukurr),         // open, but closed by date 14 days ago
		detailAt(8, "H", StatusOpen, "2025-03-10", "", cape),                      // no closing date: open, counts in March
		detailAt(9, "I", StatusClosed, "2024-06-01", "2024-06-30", Ref{4, "Old"}), // nothing recent: the place is left out
	}
	loads := Load(es, now)
	if len(loads) != 3 {
		t.Fatalf("%d places, want 3: %+v", len(loads), loads)
	}
	got := map[string]PlaceLoad{}
	var order []string
	for _, l := range loads {
		got[l.Place.Name] = l
		order = append(order, l.Place.Name)
	}
	if strings.Join(order, ",") != "Logan,Cape York,Ngukurr" {
		t.Errorf("order %v: the busiest first", order)
	}
	ids := func(ds []Detail) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.Title)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		place, open, upcoming, recent string
		busy                          int // months with ≥ 3 open
		peak                          int
	}{
		{"Logan", "A,B", "C", "D", 1, 3},
		{"Cape York", "A,H", "", "", 0, 0},
		{"Ngukurr", "", "", "G", 0, 0},
	} {
		l := got[c.place]
		if ids(l.Open) != c.open || ids(l.Upcoming) != c.upcoming || ids(l.Recent) != c.recent {
			t.Errorf("%s: open %q upcoming %q recent %q, want %q %q %q", c.place, ids(l.Open), ids(l.Upcoming), ids(l.Recent), c.open, c.upcoming, c.recent)
		}
		if len(l.Busy) != c.busy || l.Warning() != (c.busy > 0) {
			t.Errorf("%s: busy months %+v, want %d", c.place, l.Busy, c.busy)
			continue
		}
		if c.busy > 0 && (l.Busy[0].Count != c.peak || !l.Busy[0].Month.Equal(d0("2025-03-01")) || l.Busy[0].Label() != "March 2025") {
			t.Errorf("%s: busy %+v, want %d in March 2025", c.place, l.Busy[0], c.peak)
		}
	}
	// A fourth in April: A closed in March, so April has B and C only.
	es = append(es, detailAt(10, "J", StatusOpen, "2025-04-01", "2025-04-20", logan))
	for _, l := range Load(es, now) {
		if l.Place.Name != "Logan" {
			continue
		}
		if len(l.Busy) != 2 || l.Busy[1].Label() != "April 2025" || l.Busy[1].Count != 3 {
			t.Errorf("Logan with J: %+v, want March (3) and April (3)", l.Busy)
		}
	}
}

func TestParseFilter(t *testing.T) {
	f, errs := ParseFilter(url.Values{"organisation": {"3"}, "place": {"7"}, "theme": {" Local decision-making "}, "status": {"overdue"},
		"from": {"2025-01-01"}, "to": {"2025-12-31"}, "page": {"2"}})
	if errs != nil || f.OrgID != 3 || f.PlaceID != 7 || f.Theme != "Local decision-making" || f.Status != FilterOverdue ||
		f.From.String() != "2025-01-01" || f.To.String() != "2025-12-31" || f.Page != 2 {
		t.Fatalf("good filter: %+v %v", f, errs)
	}
	if q := f.Query(); q != "organisation=3&place=7&theme=Local+decision-making&status=overdue&from=2025-01-01&to=2025-12-31" {
		t.Errorf("query %q", q)
	}
	if f, errs := ParseFilter(url.Values{}); errs != nil || f.Page != 1 || f.Query() != "" {
		t.Errorf("empty filter: %+v %v", f, errs)
	}
	for _, c := range []struct {
		q     url.Values
		field string
	}{
		{url.Values{"organisation": {"x"}}, "organisation"},
		{url.Values{"organisation": {"-1"}}, "organisation"},
		{url.Values{"place": {"0"}}, "place"},
		{url.Values{"status": {"pending"}}, "status"},
		{url.Values{"from": {"2025-13-01"}}, "from"},
		{url.Values{"to": {"yesterday"}}, "to"},
		{url.Values{"from": {"2025-02-01"}, "to": {"2025-01-01"}}, "to"},
		{url.Values{"page": {"0"}}, "page"},
		{url.Values{"page": {"1001"}}, "page"},
		{url.Values{"theme": {strings.Repeat("x", MaxThemeName+1)}}, "theme"},
		{url.Values{"theme": {"bad\xff"}}, "theme"},
	} {
		f, errs := ParseFilter(c.q)
		if errs[c.field] == "" {
			t.Errorf("%v: %v, want a message on %s", c.q, errs, c.field)
		}
		if f.Page < 1 {
			t.Errorf("%v: page %d", c.q, f.Page)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "organisation=1&place=2&status=open", "from=2025-01-01&to=2024-01-01", "theme=%FF", "page=99999999999999999999", "status=draft&theme=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, errs := ParseFilter(q)
		if fl.Page < 1 || fl.Page > MaxPage || fl.OrgID < 0 || fl.PlaceID < 0 {
			t.Fatalf("%q: %+v", raw, fl)
		}
		if len([]rune(fl.Theme)) > MaxThemeName || strings.ContainsRune(fl.Theme, 0) {
			t.Fatalf("%q: theme %q kept", raw, fl.Theme)
		}
		if !fl.From.IsZero() && !fl.To.IsZero() && fl.To.Before(fl.From.Time) {
			t.Fatalf("%q: a backwards period kept", raw)
		}
		for k := range errs {
			if errs[k] == "" {
				t.Fatalf("%q: empty message on %s", raw, k)
			}
		}
		// What the filter writes back, it reads again the same way.
		back, errs2 := ParseFilter(mustQuery(t, fl.Query()))
		if errs2 != nil || back.Query() != fl.Query() {
			t.Fatalf("%q: round trip %q → %q %v", raw, fl.Query(), back.Query(), errs2)
		}
	})
}

func mustQuery(t *testing.T, s string) url.Values {
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQuoteFits(t *testing.T) {
	texts := []string{"Decisions about Logan\nshould be made   in Logan.", "We need data."}
	for _, c := range []struct {
		quote string
		ok    bool
	}{
		{"Decisions about Logan should be made in Logan.", true},
		{"  should be made in Logan ", true},
		{"We need data", true},
		{"Decisions about Logan should be made in Canberra.", false},
		{"decisions about logan", false}, // letters must match
		{"", false},
		{"   ", false},
		{"Logan. We need", false}, // not across two answers
	} {
		if got := QuoteFits(c.quote, texts); got != c.ok {
			t.Errorf("%q: %v, want %v", c.quote, got, c.ok)
		}
	}
}

func FuzzQuoteFits(f *testing.F) {
	f.Add("Decisions about Logan should be made in Logan.", 0, 20)
	f.Add("a\tb  c\n\nd", 1, 3)
	f.Fuzz(func(t *testing.T, text string, from, n int) {
		if !utf8.ValidString(text) {
			return // quotes are valid UTF-8: Validate refuses others
		}
		r := []rune(collapse(text))
		if len(r) == 0 || from < 0 || n <= 0 || from >= len(r) {
			return
		}
		to := min(len(r), from+n)
		q := string(r[from:to])
		if strings.TrimSpace(q) == "" {
			return
		}
		// Any stretch of the text, with its spaces collapsed, is a fair quote.
		if !QuoteFits(q, []string{text}) {
			t.Fatalf("%q is taken from %q but refused", q, text)
		}
	})
}

func TestReportInputValidate(t *testing.T) {
	in := ReportInput{WeAsked: "a", Themes: []ThemeInput{{Name: " Local  decisions "}, {Name: "Data"}},
		Quotes: []QuoteInput{{SubmissionID: 1, Theme: "local decisions", Text: "x"}}}
	in.Normalize()
	if in.Themes[0].Name != "Local decisions" {
		t.Errorf("name %q", in.Themes[0].Name)
	}
	if err := in.Validate([]string{"Local decisions", "Data"}); err != nil {
		t.Fatalf("good report: %v", err)
	}
	for _, c := range []struct {
		key    string
		change func(*ReportInput)
	}{
		{"themes[1].name", func(in *ReportInput) { in.Themes[1].Name = "local decisions" }},
		{"themes[0].name", func(in *ReportInput) { in.Themes[0].Name = "" }},
		{"themes[1].response", func(in *ReportInput) { in.Themes[1].Response = strings.Repeat("x", MaxThemeText+1) }},
		{"quotes[0].theme", func(in *ReportInput) { in.Quotes[0].Theme = "Funding" }},
		{"quotes[0].text", func(in *ReportInput) { in.Quotes[0].Text = "" }},
		{"quotes[0].submission_id", func(in *ReportInput) { in.Quotes[0].SubmissionID = 0 }},
		{"we_did", func(in *ReportInput) { in.WeDid = "\x00" }},
	} {
		x := ReportInput{WeAsked: "a", Themes: []ThemeInput{{Name: "Local decisions"}, {Name: "Data"}},
			Quotes: []QuoteInput{{SubmissionID: 1, Theme: "local decisions", Text: "x"}}}
		c.change(&x)
		x.Normalize()
		ve, _ := valid.As(x.Validate([]string{"Local decisions", "Data"}))
		if ve[c.key] == "" {
			t.Errorf("%s: %v", c.key, ve)
		}
	}
	r := Report{WeAsked: "a", YouSaid: "b", WeDid: "c", Themes: []Theme{{Name: "x", Response: "y"}, {Name: "z"}}}
	if errs := ReportProblems(r); len(errs) != 1 || errs["themes[1].response"] == "" {
		t.Errorf("report problems: %v", errs)
	}
	if errs := ReportProblems(Report{}); len(errs) != 4 {
		t.Errorf("an empty report: %v", errs)
	}
}

func FuzzDateJSON(f *testing.F) {
	for _, s := range []string{`"2025-03-01"`, `null`, `""`, `"2025-03-01T00:00:00Z"`, `"2025-03-01T23:30:00+10:00"`, `"yesterday"`, `"2025-02-30"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d Date
		if err := d.UnmarshalJSON([]byte(s)); err != nil {
			return
		}
		if d.IsZero() {
			return
		}
		if !d.Equal(day(d.Time)) {
			t.Fatalf("%q read as %v: not a calendar day", s, d.Time)
		}
		b, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Date
		if err := back.UnmarshalJSON(b); err != nil || !back.Equal(d.Time) {
			t.Fatalf("%q → %s → %v %v", s, b, back.Time, err)
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "0", "007", "-1", "1e3", "999999999999999999", "9999999999999999999", "demo-map", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseID(s)
		if ok && (n <= 0 || strings.TrimLeft(s, "0") != fmt.Sprint(n)) {
			t.Fatalf("%q → %d", s, n)
		}
	})
}
