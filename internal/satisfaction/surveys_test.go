package satisfaction

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// mgFixture: organisation A with a manager, a viewer and an admin; organisation B with an
// admin (an outsider to A's surveys); a site admin; a live and an archived service of A and a
// service of B.
type mgFixture struct {
	d                  *db.DB
	s                  *Service
	orgA, orgB         int64
	svcA, svcOld, svcB int64
	people             map[string]authz.Principal
}

func newMgFixture(t *testing.T, d *db.DB) *mgFixture {
	t.Helper()
	sys := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &mgFixture{d: d, s: NewService(d, dir), people: map[string]authz.Principal{}}
	a, err := dir.CreateOrg(sys, directory.OrgInput{Name: "Department of Licences", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.CreateOrg(sys, directory.OrgInput{Name: "Other Agency", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	f.orgA, f.orgB = a.ID, b.ID
	for _, p := range []struct {
		name string
		org  int64
		role authz.Role
		site bool
	}{{"mgr", f.orgA, authz.Manager, false}, {"admin", f.orgA, authz.Admin, false}, {"viewer", f.orgA, authz.Viewer, false},
		{"contrib", f.orgA, authz.Contributor, false}, {"outsider", f.orgB, authz.Admin, false}, {"site", 0, "", true}} {
		id, err := auth.InsertUser(sys, d, auth.User{Email: p.name + "@example.org", Name: "Test " + p.name, IsAdmin: p.site})
		if err != nil {
			t.Fatal(err)
		}
		roles := map[int64]authz.Role{}
		if p.org != 0 {
			if err := dir.Store.SetMembership(sys, d, id, p.org, p.role); err != nil {
				t.Fatal(err)
			}
			roles[p.org] = p.role
		}
		f.people[p.name] = authz.Principal{UserID: id, Name: "Test " + p.name, Email: p.name + "@example.org", SiteAdmin: p.site, Roles: roles, Via: "session"}
	}
	mk := func(org int64, name string) int64 {
		ps, err := dir.CreateService(sys, directory.ServiceInput{OrgID: org, Name: name, Channels: []string{"in_person", "online"}})
		if err != nil {
			t.Fatal(err)
		}
		return ps.ID
	}
	f.svcA, f.svcOld, f.svcB = mk(f.orgA, "Renew a licence"), mk(f.orgA, "Old counter"), mk(f.orgB, "Register a boat")
	if err := dir.ArchiveService(sys, f.svcOld, true); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *mgFixture) ctx(who string) context.Context {
	return authz.With(context.Background(), f.people[who])
}

// survey creates a draft survey of A's service with the recommend and effort modules.
func (f *mgFixture) survey(t *testing.T, code string) Survey {
	t.Helper()
	sv, err := f.s.CreateSurvey(f.ctx("mgr"), SurveyInput{OrgID: f.orgA, ServiceID: f.svcA, Code: code, Title: "Counter survey " + code,
		Modules: []string{ModuleEffort, ModuleRecommend}, Mode: "kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// respond stores one response to the survey's current version.
func (f *mgFixture) respond(t *testing.T, sv Survey, answers map[string]any) {
	t.Helper()
	ctx := context.Background()
	sv, err := f.s.Store.SurveyByID(ctx, f.d, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	q := sv.Questionnaire
	as, errs := forms.ParseJSON(q, answers)
	if errs != nil {
		t.Fatalf("answers: %v", errs)
	}
	err = f.d.InTx(ctx, func(tx *db.Tx) error {
		_, err := f.s.Store.InsertResponses(ctx, tx, []Response{{SurveyID: sv.ID, Version: sv.Version, SubmittedAt: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC),
			Channel: "in_person", Answers: as, Questionnaire: &q}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok {
		t.Fatalf("err = %v, want field errors %v", err, fields)
	}
	for _, k := range fields {
		if _, ok := ve[k]; !ok {
			t.Errorf("no message for %q in %v", k, ve)
		}
	}
	if len(ve) != len(fields) {
		t.Errorf("messages %v, want exactly %v", ve, fields)
	}
}

func auditCount(t *testing.T, d *db.DB, action string, id int64) int {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{Action: action, TargetKind: "survey", TargetID: id, Outcome: audit.Success})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestCreateSurvey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		f.survey(t, "taken-code")
		base := func() SurveyInput {
			return SurveyInput{OrgID: f.orgA, ServiceID: f.svcA, Title: "How was your visit?", Mode: "online"}
		}
		cases := []struct {
			name   string
			who    string
			change func(*SurveyInput)
			fields []string // field errors wanted; nil: created
			err    error    // or this error
		}{
			{"minimal, code from the title", "mgr", func(in *SurveyInput) {}, nil, nil},
			{"organisation-wide, every field", "admin", func(in *SurveyInput) {
				in.ServiceID, in.Code, in.Intro, in.Modules = 0, "whole-org-2026", "Tell us.", []string{"trust", "recommend", "trust"}
				in.FieldStart, in.FieldEnd, in.Population, in.Unit, in.RequireToken = "2026-03-01", "2026-05-31", "Everyone", UnitRespondent, true
			}, nil, nil},
			{"site admin", "site", func(in *SurveyInput) { in.Code = "site-made" }, nil, nil},
			{"viewer", "viewer", func(in *SurveyInput) {}, nil, authz.ErrForbidden},
			{"contributor", "contrib", func(in *SurveyInput) {}, nil, authz.ErrForbidden},
			{"another organisation's admin", "outsider", func(in *SurveyInput) {}, []string{"organisation_id"}, nil},
			{"service of another organisation", "mgr", func(in *SurveyInput) { in.ServiceID = f.svcB }, []string{"service_id"}, nil},
			{"archived service", "mgr", func(in *SurveyInput) { in.ServiceID = f.svcOld }, []string{"service_id"}, nil},
			{"unknown service", "mgr", func(in *SurveyInput) { in.ServiceID = 99999 }, []string{"service_id"}, nil},
			{"no organisation", "mgr", func(in *SurveyInput) { in.OrgID, in.ServiceID = 0, 0 }, []string{"organisation_id"}, nil},
			{"code taken", "mgr", func(in *SurveyInput) { in.Code = "taken-code" }, []string{"code"}, nil},
			{"bad code", "mgr", func(in *SurveyInput) { in.Code = "Bad code!" }, []string{"code"}, nil},
			{"hyphen at the end", "mgr", func(in *SurveyInput) { in.Code = "visit-" }, []string{"code"}, nil},
			{"one character", "mgr", func(in *SurveyInput) { in.Code = "a" }, []string{"code"}, nil},
			{"everything wrong", "mgr", func(in *SurveyInput) {
				in.Title, in.Mode, in.Unit, in.Modules = " ", "pigeon", "household", []string{"nps"}
				in.FieldStart, in.FieldEnd, in.Population = "2026-05-01", "2026-04-01", "a\nb"
			}, []string{"title", "mode", "unit", "modules", "field_end", "target_population"}, nil},
			{"no mode, bad date", "mgr", func(in *SurveyInput) { in.Mode, in.FieldStart = "", "2026-02-30" }, []string{"mode", "field_start"}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := base()
				c.change(&in)
				sv, err := f.s.CreateSurvey(f.ctx(c.who), in)
				switch {
				case c.err != nil:
					if !errors.Is(err, c.err) {
						t.Fatalf("err = %v, want %v", err, c.err)
					}
					return
				case c.fields != nil:
					wantFields(t, err, c.fields...)
					return
				case err != nil:
					t.Fatal(err)
				}
				if sv.Status != StatusDraft || sv.Version != 1 || sv.OrgID != f.orgA || sv.OrgName != "Department of Licences" {
					t.Errorf("created %+v", sv)
				}
				if !ValidCode(sv.Code) {
					t.Errorf("code %q", sv.Code)
				}
				core := len(CoreQuestions()) + 1 + len(sv.Modules)
				if n := len(sv.Questionnaire.Questions); n != core || sv.Questionnaire.ID != sv.Code || sv.Questionnaire.Title != sv.Title {
					t.Errorf("questionnaire: %d questions (want %d), id %q, title %q", n, core, sv.Questionnaire.ID, sv.Questionnaire.Title)
				}
				if auditCount(t, d, "survey.create", sv.ID) != 1 {
					t.Error("no audit row")
				}
			})
		}
		// The suggested code and the normalised modules.
		list, err := f.s.ListSurveys(f.ctx("site"), SurveyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		byCode := map[string]Survey{}
		for _, sv := range list {
			byCode[sv.Code] = sv
		}
		if _, ok := byCode["how-was-your-visit"]; !ok {
			t.Errorf("no survey with the code made from the title: %v", list)
		}
		whole := byCode["whole-org-2026"]
		if whole.ServiceID != 0 || !slices.Equal(whole.Modules, []string{ModuleRecommend, ModuleTrust}) || whole.Unit != UnitRespondent ||
			!whole.RequireToken || whole.FieldStart.Format(time.DateOnly) != "2026-03-01" || whole.FieldEnd.Format(time.DateOnly) != "2026-05-31" {
			t.Errorf("organisation-wide survey: %+v", whole)
		}
		if _, ok := whole.Questionnaire.Question(QTrust); !ok {
			t.Error("the trust module's question is missing")
		}
		// A second survey with the same title gets the next free code.
		sv, err := f.s.CreateSurvey(f.ctx("mgr"), base())
		if err != nil || sv.Code != "how-was-your-visit-2" {
			t.Errorf("second code %q, %v", sv.Code, err)
		}
		// Search finds it for A's members only.
		hits, err := search.Search(f.ctx("viewer"), d, search.Query{Text: "visit", Kinds: []string{SearchKind}})
		if err != nil || len(hits) != 4 {
			t.Errorf("viewer's search: %v %v", hits, err)
		}
		hits, err = search.Search(f.ctx("outsider"), d, search.Query{Text: "visit", Kinds: []string{SearchKind}})
		if err != nil || len(hits) != 0 {
			t.Errorf("outsider's search: %v %v", hits, err)
		}
	})
}

func TestSurveyAccessAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		sv := f.survey(t, "access")
		for who, want := range map[string]error{"viewer": nil, "contrib": nil, "site": nil, "outsider": db.ErrNotFound} {
			if _, err := f.s.SurveyForStaff(f.ctx(who), sv.ID); !errors.Is(err, want) {
				t.Errorf("%s sees it: %v, want %v", who, err, want)
			}
			if _, err := f.s.SurveyForStaffByCode(f.ctx(who), sv.Code); !errors.Is(err, want) {
				t.Errorf("%s sees it by code: %v, want %v", who, err, want)
			}
		}
		for who, want := range map[string]error{"viewer": authz.ErrForbidden, "contrib": authz.ErrForbidden, "outsider": db.ErrNotFound} {
			if _, err := f.s.UpdateSurvey(f.ctx(who), sv.ID, SurveyInput{Title: "x", Mode: "online"}); !errors.Is(err, want) {
				t.Errorf("%s changes it: %v, want %v", who, err, want)
			}
		}
		denied, err := audit.List(context.Background(), d, audit.Filter{Action: "survey.update", Outcome: audit.Denied})
		if err != nil || len(denied) != 2 {
			t.Errorf("denials audited: %d, %v", len(denied), err)
		}
		for who, n := range map[string]int{"viewer": 1, "outsider": 0, "site": 1} {
			list, err := f.s.ListSurveys(f.ctx(who), SurveyFilter{})
			if err != nil || len(list) != n {
				t.Errorf("%s lists %d surveys, want %d (%v)", who, len(list), n, err)
			}
		}
		if err := f.s.ArchiveSurvey(f.ctx("mgr"), sv.ID, true); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.s.ListSurveys(f.ctx("viewer"), SurveyFilter{}); len(list) != 0 {
			t.Errorf("archived survey listed: %v", list)
		}
		if list, _ := f.s.ListSurveys(f.ctx("viewer"), SurveyFilter{Archived: true}); len(list) != 1 || !list[0].Archived() {
			t.Errorf("archived survey not listed on request: %v", list)
		}
	})
}

func TestSurveyStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		sv := f.survey(t, "status")
		steps := []struct {
			who, to string
			want    string // the status after, or "" for a refusal
			field   bool   // refused with a field error (else: err)
			err     error
		}{
			{"mgr", StatusClosed, "", true, nil}, // a draft cannot be closed
			{"mgr", "archived", "", true, nil},   // not a status one moves to
			{"viewer", StatusOpen, "", false, authz.ErrForbidden},
			{"outsider", StatusOpen, "", false, db.ErrNotFound},
			{"mgr", StatusOpen, StatusOpen, false, nil},
			{"mgr", StatusOpen, "", true, nil}, // already open
			{"admin", StatusClosed, StatusClosed, false, nil},
			{"site", StatusOpen, StatusOpen, false, nil}, // reopened
		}
		for i, st := range steps {
			got, err := f.s.SetSurveyStatus(f.ctx(st.who), sv.ID, st.to)
			switch {
			case st.field:
				wantFields(t, err, "status")
			case st.err != nil:
				if !errors.Is(err, st.err) {
					t.Errorf("step %d: err %v, want %v", i, err, st.err)
				}
			case err != nil:
				t.Errorf("step %d: %v", i, err)
			case got.Status != st.want:
				t.Errorf("step %d: status %s, want %s", i, got.Status, st.want)
			}
		}
		if n := auditCount(t, d, "survey.status", sv.ID); n != 3 {
			t.Errorf("%d status changes audited, want 3", n)
		}
		// The code stays once opened; archiving closes.
		_, err := f.s.UpdateSurvey(f.ctx("mgr"), sv.ID, SurveyInput{Code: "new-code", Title: sv.Title, Mode: sv.Mode, Modules: sv.Modules})
		wantFields(t, err, "code")
		if err := f.s.ArchiveSurvey(f.ctx("mgr"), sv.ID, true); err != nil {
			t.Fatal(err)
		}
		got, _ := f.s.Store.SurveyByID(context.Background(), d, sv.ID)
		if got.Status != StatusClosed || !got.Archived() {
			t.Errorf("archived: %s %v", got.Status, got.ArchivedAt)
		}
		_, err = f.s.SetSurveyStatus(f.ctx("mgr"), sv.ID, StatusOpen)
		wantFields(t, err, "status")
		if err := f.s.ArchiveSurvey(f.ctx("mgr"), sv.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.SetSurveyStatus(f.ctx("mgr"), sv.ID, StatusOpen); got.Status != StatusOpen {
			t.Errorf("reopened after restoring: %s", got.Status)
		}
	})
}

func TestUpdateSurveyAndVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		ctx := f.ctx("mgr")
		sv := f.survey(t, "versions")
		in := SurveyInput{Code: "renamed", ServiceID: 0, Title: "New title", Intro: "Hello", Modules: []string{ModuleRecommend}, Mode: "online"}
		// While a draft without responses: the code may change, the questions change in place.
		got, err := f.s.UpdateSurvey(ctx, sv.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != "renamed" || got.Version != 1 || got.Questionnaire.Title != "New title" || got.Questionnaire.ID != "renamed" || got.ServiceID != 0 {
			t.Errorf("updated: %+v", got)
		}
		if _, ok := got.Questionnaire.Question(QEffort); ok {
			t.Error("the effort module is still asked")
		}
		_, err = f.s.UpdateSurvey(ctx, sv.ID, SurveyInput{OrgID: f.orgB, Title: "x", Mode: "online"})
		wantFields(t, err, "organisation_id")
		if _, err := f.s.SetSurveyStatus(ctx, sv.ID, StatusOpen); err != nil {
			t.Fatal(err)
		}
		f.respond(t, got, map[string]any{QOverall: 4, QRecommend: 9})
		// A new custom question after a response: version 2; version 1 keeps its response.
		got, err = f.s.AddQuestion(ctx, sv.ID, forms.Question{ID: "visits", Type: forms.Number, Text: "How many times did you come?"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Errorf("version %d, want 2", got.Version)
		}
		v1, err := f.s.Store.Questionnaire(context.Background(), d, sv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := v1.Question("visits"); ok {
			t.Error("version 1 changed after it had responses")
		}
		// No responses on version 2 yet: a change of title stays in version 2.
		in.Code, in.Title = "", "Newer title"
		if got, err = f.s.UpdateSurvey(ctx, sv.ID, in); err != nil || got.Version != 2 || got.Code != "renamed" {
			t.Fatalf("update without responses: version %d, code %s, %v", got.Version, got.Code, err)
		}
		// A change that does not touch the questions keeps the version even with responses.
		f.respond(t, got, map[string]any{QOverall: 2})
		in.FieldStart, in.Population = "2026-01-01", "Visitors"
		if got, err = f.s.UpdateSurvey(ctx, sv.ID, in); err != nil || got.Version != 2 {
			t.Fatalf("metadata only: version %d, %v", got.Version, err)
		}
		// Adding a module after responses: version 3.
		in.Modules = []string{ModuleRecommend, ModuleTrust}
		if got, err = f.s.UpdateSurvey(ctx, sv.ID, in); err != nil || got.Version != 3 {
			t.Fatalf("module added: version %d, %v", got.Version, err)
		}
		vs, err := f.s.Store.SurveyVersions(context.Background(), d, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var summary []string
		for _, v := range vs {
			summary = append(summary, strings.Join([]string{itoa(v.Version), itoa(int(v.Responses)), itoa(v.Questions)}, "/"))
		}
		core := len(CoreQuestions()) + 1
		want := []string{"3/0/" + itoa(core+3), "2/1/" + itoa(core+2), "1/1/" + itoa(core+1)}
		if !slices.Equal(summary, want) {
			t.Errorf("versions (version/responses/questions) %v, want %v", summary, want)
		}
		totals, err := f.s.Store.ResponseTotals(context.Background(), d, []int64{sv.ID, 999})
		if err != nil || totals[sv.ID] != 2 || totals[999] != 0 {
			t.Errorf("totals %v, %v", totals, err)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCustomQuestionsValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		sv := f.survey(t, "custom")
		age := forms.Question{ID: "age_group", Type: forms.Single, Text: "How old are you?",
			Options: []forms.Option{{Value: "young", Label: "Under 35"}, {Value: "mid", Label: "35 to 64"}, {Value: "old", Label: "65 or over"}}}
		why := forms.Question{ID: "why", Type: forms.Textarea, Text: "What went wrong?", ShowIf: &forms.Condition{Question: QOverall, Equals: []string{"1", "2"}}}
		cases := []struct {
			name   string
			custom []forms.Question
			fields []string
		}{
			{"valid: choice, show-if on a core question", []forms.Question{age, why}, nil},
			{"valid: show-if on an earlier custom question", []forms.Question{age, {ID: "senior_help", Type: forms.Single, Text: "Did you get help?",
				Options: []forms.Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}, ShowIf: &forms.Condition{Question: "age_group", Equals: []string{"old"}}}}, nil},
			{"show-if on a later question", []forms.Question{{ID: "senior_help", Type: forms.Text, Text: "Help?",
				ShowIf: &forms.Condition{Question: "age_group", Equals: []string{"old"}}}, age}, []string{"questions[0].show_if"}},
			{"show-if on the question itself", []forms.Question{{ID: "loop", Type: forms.Scale, Text: "Loop", Min: 1, Max: 5,
				ShowIf: &forms.Condition{Question: "loop", Equals: []string{"1"}}}}, []string{"questions[0].show_if"}},
			{"show-if with an answer the question does not have", []forms.Question{age, {ID: "x", Type: forms.Text, Text: "X",
				ShowIf: &forms.Condition{Question: "age_group", Equals: []string{"ancient"}}}}, []string{"questions[1].show_if"}},
			{"show-if on a text question", []forms.Question{{ID: "t", Type: forms.Text, Text: "T"}, {ID: "u", Type: forms.Text, Text: "U",
				ShowIf: &forms.Condition{Question: "t", Equals: []string{"a"}}}}, []string{"questions[1].show_if"}},
			{"core ID", []forms.Question{{ID: QOverall, Type: forms.Text, Text: "Again"}}, []string{"questions[0].id"}},
			{"module ID not chosen is still reserved", []forms.Question{{ID: QTrust, Type: forms.Text, Text: "Trust?"}}, []string{"questions[0].id"}},
			{"consent is not offered", []forms.Question{{ID: "ok", Type: forms.Consent, Text: "I agree"}}, []string{"questions[0].type"}},
			{"same ID twice", []forms.Question{age, age}, []string{"questions[1].id"}},
			{"bad ID, no text", []forms.Question{{ID: "Age Group", Type: forms.Text}}, []string{"questions[0].id", "questions[0].text"}},
			{"one option", []forms.Question{{ID: "one", Type: forms.Single, Text: "One", Options: []forms.Option{{Value: "a", Label: "A"}}}}, []string{"questions[0].options"}},
			{"scale backwards", []forms.Question{{ID: "s", Type: forms.Scale, Text: "S", Min: 5, Max: 1}}, []string{"questions[0].max"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := f.s.SetCustomQuestions(f.ctx("mgr"), sv.ID, c.custom)
				if c.fields != nil {
					wantFields(t, err, c.fields...)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				custom := CustomQuestions(got.Questionnaire)
				if len(custom) != len(c.custom) || custom[0].ID != c.custom[0].ID {
					t.Errorf("custom questions %v", custom)
				}
				last := got.Questionnaire.Questions[len(got.Questionnaire.Questions)-1]
				if last.ID != QComment {
					t.Errorf("the comment is not last: %s", last.ID)
				}
			})
		}
		if _, err := f.s.SetCustomQuestions(f.ctx("viewer"), sv.ID, nil); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer: %v", err)
		}
		// The editor's operations.
		ctx := f.ctx("mgr")
		if _, err := f.s.SetCustomQuestions(ctx, sv.ID, []forms.Question{age, why}); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.MoveQuestion(ctx, sv.ID, "age_group", -1)
		wantFields(t, err, "direction")
		got, err := f.s.MoveQuestion(ctx, sv.ID, "age_group", 1)
		if err != nil {
			t.Fatal(err)
		}
		if ids := customIDs(got); !slices.Equal(ids, []string{"why", "age_group"}) {
			t.Errorf("after moving down: %v", ids)
		}
		follow := forms.Question{Type: forms.Text, Text: "Which age exactly?", ShowIf: &forms.Condition{Question: "age_group", Equals: []string{"old"}}}
		follow.ID = "exact_age"
		if _, err := f.s.AddQuestion(ctx, sv.ID, follow); err != nil {
			t.Fatal(err)
		}
		// Moving the follow-up above the question it depends on is refused.
		_, err = f.s.MoveQuestion(ctx, sv.ID, "exact_age", -1)
		wantFields(t, err, "questions[1].show_if")
		_, err = f.s.DeleteQuestion(ctx, sv.ID, "age_group")
		wantFields(t, err, "questions")
		if _, err := f.s.DeleteQuestion(ctx, sv.ID, "nope"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleting an unknown question: %v", err)
		}
		if _, err := f.s.DeleteQuestion(ctx, sv.ID, QOverall); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleting a core question: %v", err)
		}
		follow.Text = "Your exact age?"
		got, err = f.s.UpdateQuestion(ctx, sv.ID, "exact_age", follow)
		if err != nil {
			t.Fatal(err)
		}
		if qu, _ := got.Questionnaire.Question("exact_age"); qu.Text != "Your exact age?" {
			t.Errorf("updated text %q", qu.Text)
		}
		if got, err = f.s.DeleteQuestion(ctx, sv.ID, "exact_age"); err != nil || !slices.Equal(customIDs(got), []string{"why", "age_group"}) {
			t.Errorf("after deleting: %v %v", customIDs(got), err)
		}
		if n := auditCount(t, d, "survey.questions", sv.ID); n != 7 {
			t.Errorf("%d question changes audited, want 7", n)
		}
	})
}

func customIDs(sv Survey) []string {
	var out []string
	for _, q := range CustomQuestions(sv.Questionnaire) {
		out = append(out, q.ID)
	}
	return out
}

func ptr(f float64) *float64 { return &f }

func TestTargets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		sv := f.survey(t, "targets") // with recommend (0–10) and effort (1–7)
		if _, err := f.s.SetCustomQuestions(f.ctx("mgr"), sv.ID, []forms.Question{{ID: "note", Type: forms.Text, Text: "Note"}}); err != nil {
			t.Fatal(err)
		}
		ok := TargetInput{Label: "State target", Metric: "index", Question: QOverall, Baseline: ptr(72.5), BaselinePeriod: "2025-06", Target: ptr(80), Due: "2027-06-30"}
		cases := []struct {
			name   string
			change func(*TargetInput)
			fields []string
		}{
			{"index", func(in *TargetInput) {}, nil},
			{"top-2 of a driver", func(in *TargetInput) { in.Metric, in.Question, in.BaselinePeriod = "top2", QTimely, "" }, nil},
			{"nps", func(in *TargetInput) {
				in.Metric, in.Question, in.Baseline, in.Target = "nps", QRecommend, ptr(-12), ptr(10)
			}, nil},
			{"effort", func(in *TargetInput) {
				in.Metric, in.Question, in.Baseline, in.Target = "effort", QEffort, ptr(4.2), ptr(5.5)
			}, nil},
			{"index above 100", func(in *TargetInput) { in.Target = ptr(101) }, []string{"target"}},
			{"nps below −100", func(in *TargetInput) { in.Metric, in.Question, in.Baseline = "nps", QRecommend, ptr(-101) }, []string{"baseline"}},
			{"effort beyond 7", func(in *TargetInput) {
				in.Metric, in.Question, in.Baseline, in.Target = "effort", QEffort, ptr(4), ptr(8)
			}, []string{"target"}},
			{"nps of a 5-point question", func(in *TargetInput) { in.Metric = "nps" }, []string{"metric"}},
			{"index of the recommend question", func(in *TargetInput) { in.Question = QRecommend }, []string{"metric"}},
			{"a text question", func(in *TargetInput) { in.Question = "note" }, []string{"question"}},
			{"unknown question and metric", func(in *TargetInput) { in.Question, in.Metric = "zzz", "mean" }, []string{"question", "metric"}},
			{"missing values", func(in *TargetInput) { in.Label, in.Baseline, in.Target, in.Due = "", nil, nil, "" }, []string{"label", "baseline", "target", "due"}},
			{"bad period and date", func(in *TargetInput) { in.BaselinePeriod, in.Due = "2025-13", "30/06/2027" }, []string{"baseline_period", "due"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := ok
				c.change(&in)
				got, err := f.s.AddTarget(f.ctx("mgr"), sv.ID, in)
				if c.fields != nil {
					wantFields(t, err, c.fields...)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				stored, err := f.s.Store.TargetByID(context.Background(), d, sv.ID, got.ID)
				if err != nil || stored.Baseline != *in.Baseline || stored.Target != *in.Target || string(stored.Metric) != in.Metric ||
					stored.Due.Format(time.DateOnly) != in.Due || stored.BaselinePeriod != in.BaselinePeriod {
					t.Errorf("stored %+v (%v)", stored, err)
				}
			})
		}
		_, ts, err := f.s.TargetsOf(f.ctx("viewer"), sv.ID)
		if err != nil || len(ts) != 4 {
			t.Fatalf("targets %d, %v", len(ts), err)
		}
		if _, err := f.s.AddTarget(f.ctx("viewer"), sv.ID, ok); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer adds: %v", err)
		}
		if _, _, err := f.s.TargetsOf(f.ctx("outsider"), sv.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider lists: %v", err)
		}
		upd := ok
		upd.Target = ptr(85)
		got, err := f.s.UpdateTarget(f.ctx("admin"), sv.ID, ts[0].ID, upd)
		if err != nil || got.Target != 85 {
			t.Errorf("update: %+v %v", got, err)
		}
		// Dropping the module a target is set on is refused until the target goes.
		var nps Target
		for _, t := range ts {
			if t.Metric == MetricNPS {
				nps = t
			}
		}
		_, err = f.s.UpdateSurvey(f.ctx("mgr"), sv.ID, SurveyInput{Title: sv.Title, Mode: sv.Mode, Modules: []string{ModuleEffort}, ServiceID: sv.ServiceID})
		wantFields(t, err, "modules")
		if err := f.s.DeleteTarget(f.ctx("mgr"), sv.ID, nps.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.DeleteTarget(f.ctx("mgr"), sv.ID, nps.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleting twice: %v", err)
		}
		if _, err = f.s.UpdateSurvey(f.ctx("mgr"), sv.ID, SurveyInput{Title: sv.Title, Mode: sv.Mode, Modules: []string{ModuleEffort}, ServiceID: sv.ServiceID}); err != nil {
			t.Errorf("module dropped after its target: %v", err)
		}
		if a, u, x := auditCount(t, d, "survey.target.create", sv.ID), auditCount(t, d, "survey.target.update", sv.ID), auditCount(t, d, "survey.target.delete", sv.ID); a != 4 || u != 1 || x != 1 {
			t.Errorf("audited %d/%d/%d", a, u, x)
		}
	})
}

func TestWeighting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		sv := f.survey(t, "weights")
		age := forms.Question{ID: "age_group", Type: forms.Single, Text: "How old are you?",
			Options: []forms.Option{{Value: "young", Label: "Under 35"}, {Value: "mid", Label: "35 to 64"}, {Value: "old", Label: "65 or over"}}}
		sex := forms.Question{ID: "sex", Type: forms.Single, Text: "Sex", Options: []forms.Option{{Value: "f", Label: "Female"}, {Value: "m", Label: "Male"}}}
		multi := forms.Question{ID: "used", Type: forms.Multiple, Text: "Used", Options: []forms.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}}
		if _, err := f.s.SetCustomQuestions(f.ctx("mgr"), sv.ID, []forms.Question{age, sex, multi}); err != nil {
			t.Fatal(err)
		}
		shares := func(v string, m map[string]float64) WeightMarginInput {
			return WeightMarginInput{Variable: v, Shares: m}
		}
		ageOK := shares("age_group", map[string]float64{"young": 30, "mid": 50, "old": 20})
		cases := []struct {
			name   string
			in     WeightingInput
			fields []string
			check  func(t *testing.T, w Weighting)
		}{
			{"shares of one question, default trim", WeightingInput{Margins: []WeightMarginInput{ageOK}}, nil, func(t *testing.T, w Weighting) {
				if w.Trim != DefaultTrim || len(w.Margins) != 1 || w.Margins[0].Entered != "shares" || w.Margins[0].Label != "How old are you?" {
					t.Errorf("%+v", w)
				}
				if got := w.Margins[0].Categories; len(got) != 3 || got[0].Value != "young" || got[0].Population != 30 || got[0].Label != "Under 35" || got[2].Value != "old" {
					t.Errorf("categories %+v", got)
				}
			}},
			{"two margins, counts and channel, shares within 0.5", WeightingInput{Trim: ptr(3.5), Margins: []WeightMarginInput{
				shares("sex", map[string]float64{"f": 50.2, "m": 49.6}),
				{Variable: WeightChannel, Counts: map[string]float64{"in_person": 3000, "online": 1000}}}}, nil, func(t *testing.T, w Weighting) {
				if w.Trim != 3.5 || len(w.Margins) != 2 {
					t.Fatalf("%+v", w)
				}
				sum := 0.0
				for _, c := range w.Margins[0].Categories {
					sum += c.Population
				}
				if sum < 99.9999 || sum > 100.0001 {
					t.Errorf("shares stored summing to %v", sum)
				}
				ch := w.Margins[1].Shares()
				if w.Margins[1].Entered != "counts" || ch["in_person"] != 75 || ch["online"] != 25 || w.Margins[1].Categories[0].Count != 3000 {
					t.Errorf("channel margin %+v", w.Margins[1])
				}
			}},
			{"shares not adding up", WeightingInput{Margins: []WeightMarginInput{shares("age_group", map[string]float64{"young": 30, "mid": 50, "old": 19})}},
				[]string{"margins.age_group"}, nil},
			{"not an option", WeightingInput{Margins: []WeightMarginInput{shares("age_group", map[string]float64{"young": 50, "ancient": 50})}},
				[]string{"margins.age_group"}, nil},
			{"zero share", WeightingInput{Margins: []WeightMarginInput{shares("sex", map[string]float64{"f": 100, "m": 0})}}, []string{"margins.sex"}, nil},
			{"negative count", WeightingInput{Margins: []WeightMarginInput{{Variable: "sex", Counts: map[string]float64{"f": 100, "m": -3}}}}, []string{"margins.sex"}, nil},
			{"both shares and counts", WeightingInput{Margins: []WeightMarginInput{{Variable: "sex", Shares: map[string]float64{"f": 50, "m": 50}, Counts: map[string]float64{"f": 1, "m": 1}}}}, []string{"margins.sex"}, nil},
			{"one category", WeightingInput{Margins: []WeightMarginInput{shares("sex", map[string]float64{"f": 100})}}, []string{"margins.sex"}, nil},
			{"twice", WeightingInput{Margins: []WeightMarginInput{ageOK, ageOK}}, []string{"margins.age_group"}, nil},
			{"a multiple-choice question", WeightingInput{Margins: []WeightMarginInput{shares("used", map[string]float64{"a": 50, "b": 50})}}, []string{"margins[0].variable"}, nil},
			{"a core question", WeightingInput{Margins: []WeightMarginInput{shares(QOverall, map[string]float64{"1": 50, "5": 50})}}, []string{"margins[0].variable"}, nil},
			{"trim of 1", WeightingInput{Trim: ptr(1), Margins: []WeightMarginInput{ageOK}}, []string{"trim"}, nil},
			{"trim too large", WeightingInput{Trim: ptr(50), Margins: []WeightMarginInput{ageOK}}, []string{"trim"}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.SetWeighting(f.ctx("mgr"), sv.ID, c.in)
				if c.fields != nil {
					wantFields(t, err, c.fields...)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				w, ok, err := f.s.Store.WeightingOf(context.Background(), d, sv.ID)
				if err != nil || !ok {
					t.Fatalf("stored: %v %v", ok, err)
				}
				c.check(t, w)
			})
		}
		// What the weighting uses cannot go from under it.
		if _, err := f.s.SetWeighting(f.ctx("mgr"), sv.ID, WeightingInput{Margins: []WeightMarginInput{ageOK}}); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.DeleteQuestion(f.ctx("mgr"), sv.ID, "age_group")
		wantFields(t, err, "questions")
		changed := age
		changed.Options = changed.Options[:2]
		_, err = f.s.UpdateQuestion(f.ctx("mgr"), sv.ID, "age_group", changed)
		wantFields(t, err, "questions")
		if _, err := f.s.SetWeighting(f.ctx("viewer"), sv.ID, WeightingInput{}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer: %v", err)
		}
		// No margins removes it.
		if _, err := f.s.SetWeighting(f.ctx("mgr"), sv.ID, WeightingInput{Margins: []WeightMarginInput{}}); err != nil {
			t.Fatal(err)
		}
		if w, ok, err := f.s.Store.WeightingOf(context.Background(), d, sv.ID); ok || err != nil || w.Trim != DefaultTrim {
			t.Errorf("after removing: %+v %v %v", w, ok, err)
		}
		if _, err := f.s.DeleteQuestion(f.ctx("mgr"), sv.ID, "age_group"); err != nil {
			t.Errorf("deleting once unweighted: %v", err)
		}
	})
}

func TestPublishing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newMgFixture(t, d)
		sv := f.survey(t, "publish")
		if _, err := f.s.SetCustomQuestions(f.ctx("mgr"), sv.ID, []forms.Question{{ID: "visits", Type: forms.Number, Text: "Visits"},
			{ID: "channel_used", Type: forms.Single, Text: "How?", Options: []forms.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}}}); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.SetPublishing(f.ctx("mgr"), sv.ID, PublishingInput{Publish: true, Questions: []string{QComment, "visits", "nope"}})
		wantFields(t, err, "published_questions")
		_, err = f.s.SetPublishing(f.ctx("mgr"), sv.ID, PublishingInput{Publish: true})
		wantFields(t, err, "published_questions")
		got, err := f.s.SetPublishing(f.ctx("mgr"), sv.ID, PublishingInput{Publish: true, Questions: []string{"channel_used", QRecommend, QOverall, QOverall}})
		if err != nil {
			t.Fatal(err)
		}
		if !got.PublishResults || !slices.Equal(got.PublishedQuestions, []string{QOverall, QRecommend, "channel_used"}) {
			t.Errorf("published %v %v", got.PublishResults, got.PublishedQuestions)
		}
		// A question that goes is no longer published.
		got, err = f.s.DeleteQuestion(f.ctx("mgr"), sv.ID, "channel_used")
		if err != nil || !slices.Equal(got.PublishedQuestions, []string{QOverall, QRecommend}) {
			t.Errorf("after deleting: %v %v", got.PublishedQuestions, err)
		}
		if _, err := f.s.SetPublishing(f.ctx("viewer"), sv.ID, PublishingInput{}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer: %v", err)
		}
	})
}

func TestSuggestions(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"How was your visit?", "how-was-your-visit"},
		{"  Café & Bar — Zürich 2026 ", "cafe-and-bar-zurich-2026"},
		{"!!!", "survey"},
		{"x", "survey"},
		{strings.Repeat("word ", 20), "word-word-word-word-word-word-word"},
		{"Supercalifragilisticexpialidocious-and-more-words", "supercalifragilisticexpialidocious"},
	} {
		got := SuggestCode(c.in)
		if got != c.want || !ValidCode(got) {
			t.Errorf("SuggestCode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	taken := map[string]bool{"age_group": true}
	for _, c := range []struct{ in, want string }{
		{"Age group", "age_group_2"},
		{"Overall", "overall_2"},
		{"2 things", "q_2_things"},
		{"¿?", "question"},
	} {
		if got := SuggestQuestionID(c.in, func(s string) bool { return taken[s] }); got != c.want {
			t.Errorf("SuggestQuestionID(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []forms.Option
		msg  bool
	}{
		{"Yes\nNo\n", []forms.Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}, false},
		{"y|Yes, always\n\n n | No | never \r\n", []forms.Option{{Value: "y", Label: "Yes, always"}, {Value: "n", Label: "No | never"}}, false},
		{"18 to 24\n18 to 24\n18_to_24|Typed", []forms.Option{{Value: "18_to_24_2", Label: "18 to 24"}, {Value: "18_to_24_3", Label: "18 to 24"}, {Value: "18_to_24", Label: "Typed"}}, false},
		{"a|\n|B\n|\n日本", []forms.Option{{Value: "a", Label: "a"}, {Value: "b", Label: "B"}, {Value: "option_3", Label: "日本"}}, false},
		{strings.Repeat("x\n", forms.MaxOptions+1), nil, true},
	} {
		got, msg := ParseOptions(c.in)
		if (msg != "") != c.msg || !slices.Equal(got, c.want) {
			t.Errorf("ParseOptions(%q) = %v %q, want %v", c.in, got, msg, c.want)
		}
	}
}
