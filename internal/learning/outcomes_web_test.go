package learning

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

func ocMultipart(t *testing.T, h http.Handler, who, path string, fields map[string]string, file string) ocResp {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		fw, err := mw.CreateFormFile("file", "figures.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(file))
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return ocServe(h, req, who)
}

func TestOutcomePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newOCFixture(t, d)
		h := ocApp(t, f)
		logan := "/places/" + strconv.FormatInt(f.logan, 10)

		// A manager adds a result from the place's outcomes page.
		r := ocDo(t, h, "manager-a", "GET", logan+"/outcomes/new", nil)
		if r.code != 200 {
			t.Fatalf("new result: %d %s", r.code, r.body)
		}
		ocHas(t, "the new result form", r.body, `name="title"`, `name="organisation_id"`, "Organisation A", `<option value="`+strconv.FormatInt(f.logan, 10)+`" selected>Logan`)
		ocLacks(t, "the new result form", r.body, "Organisation B")
		r = ocDo(t, h, "manager-a", "POST", logan+"/outcomes", url.Values{"title": {""}, "organisation_id": {strconv.FormatInt(f.orgA, 10)}})
		if r.code != 422 || !strings.Contains(r.body, "error-summary") {
			t.Errorf("empty title: %d", r.code)
		}
		r = ocDo(t, h, "manager-a", "POST", logan+"/outcomes", url.Values{"title": {"Children in Logan are ready for school"},
			"organisation_id": {strconv.FormatInt(f.orgA, 10)}, "story": {"Families move **often**.\n\n<script>alert(1)</script>"}, "partners": {"Logan Together\nSchools"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("create result: %d %s", r.code, r.body)
		}
		resURL := r.hdr.Get("Location")
		if !strings.HasPrefix(resURL, logan+"/outcomes/") {
			t.Fatalf("redirected to %q", resURL)
		}
		for who, code := range map[string]int{"anonymous": 403, "viewer-a": 403, "contributor-a": 403} {
			if r := ocDo(t, h, who, "POST", logan+"/outcomes", url.Values{"title": {"x"}}); r.code != code {
				t.Errorf("%s creating: %d, want %d", who, r.code, code)
			}
		}

		// Adding an indicator; a target that is not a number stays in the form with its error.
		r = ocDo(t, h, "manager-a", "POST", resURL+"/indicators", url.Values{"name": {"% on track"}, "target_value": {"lots"}, "period_format": {"year"}, "good_direction": {"up"}})
		if r.code != 422 || !strings.Contains(r.body, "Enter the target as a number") || !strings.Contains(r.body, `value="lots"`) {
			t.Errorf("bad target: %d", r.code)
		}
		r = ocDo(t, h, "manager-a", "POST", resURL+"/indicators", url.Values{"name": {"% of children on track on all five domains"}, "unit": {"%"},
			"good_direction": {"up"}, "period_format": {"year"}, "target_value": {"60"}, "target_period": {"2030"}, "illustrative": {"on"},
			"source": {"Australian Early Development Census"}, "geography_level": {"lga"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("create indicator: %d %s", r.code, r.body)
		}
		indURL := r.hdr.Get("Location")
		indID := strings.TrimPrefix(indURL, "/indicators/")

		// Import: a file with a bad line is refused with its line number; nothing is saved.
		r = ocMultipart(t, h, "manager-a", indURL+"/import", map[string]string{"period_format": "year"}, "place_code,period,value\n34590,2009,52\n34590,20x,1\n")
		if r.code != 422 {
			t.Fatalf("bad import: %d", r.code)
		}
		ocHas(t, "the refused import", r.body, "Problems in the file", `<td class="num">3</td><td>period</td>`, "is not a period", "Nothing was saved")
		// A good file: the preview, then the import.
		good := "place_code,period,value,provisional\n34590,2009,52.1,no\n34590,2012,53.0,no\n34590,2015,54.2,no\n34590,2018,55.0,no\n34590,2021,55.4,no\n34590,2024,58.9,yes\n"
		r = ocMultipart(t, h, "manager-a", indURL+"/import", map[string]string{"period_format": "year"}, good)
		if r.code != 200 {
			t.Fatalf("preview: %d %s", r.code, r.body)
		}
		ocHas(t, "the preview", r.body, "Check before importing", "6 new figures", `name="confirm" value="1"`, "34590,2024,58.9,yes")
		r = ocMultipart(t, h, "manager-a", indURL+"/import", map[string]string{"period_format": "year", "confirm": "1", "csv": good}, "")
		if r.code != http.StatusSeeOther {
			t.Fatalf("import: %d %s", r.code, r.body)
		}
		var n int
		if err := d.QueryRow(f.as("site-admin"), "SELECT COUNT(*) FROM indicator_observations WHERE indicator_id = ?", indID).Scan(&n); err != nil || n != 6 {
			t.Fatalf("stored %d, %v", n, err)
		}
		// Pasted text works too (urlencoded forms carry no file).
		r = ocDo(t, h, "manager-a", "POST", indURL+"/import", url.Values{"period_format": {"year"}, "text": {"3,2021,60\n"}})
		if r.code != 200 || !strings.Contains(r.body, "1 new figure,") {
			t.Errorf("pasted preview: %d", r.code)
		}

		// The turn-the-curve page: the chart with its table, the forecast, the provisional
		// figure, the illustrative mark, the story (Markdown, without script), the partners.
		r = ocDo(t, h, "anonymous", "GET", resURL, nil)
		if r.code != 200 {
			t.Fatalf("result page: %d", r.code)
		}
		ocHas(t, "the turn-the-curve page", r.body, "<h1>Children in Logan are ready for school</h1>", "<svg", "Forecast if nothing changes",
			"95% prediction interval", "Provisional (may change)", "Illustrative figures", "Target: 60% by 2030", "<strong>often</strong>",
			"<li>Schools</li>", "The story behind the curve", "What works", "The action plan", "is above the forecast’s 95% range", `<th scope="row">2024</th>`)
		ocLacks(t, "the turn-the-curve page", r.body, "<script>alert", "Edit the result", "Link a learning")
		r = ocDo(t, h, "manager-a", "GET", resURL, nil)
		ocHas(t, "the page for its manager", r.body, "Edit the result", "Add an indicator")
		// The place's outcomes and the list across places.
		r = ocDo(t, h, "anonymous", "GET", logan+"/outcomes", nil)
		if r.code != 200 || !strings.Contains(r.body, "Outcomes in Logan") || !strings.Contains(r.body, "<svg") {
			t.Errorf("place outcomes: %d", r.code)
		}
		if r := ocDo(t, h, "anonymous", "GET", "/outcomes", nil); r.code != 200 || !strings.Contains(r.body, "Children in Logan are ready for school") {
			t.Errorf("outcomes: %d", r.code)
		}
		if r := ocDo(t, h, "anonymous", "GET", "/places/"+strconv.FormatInt(f.old, 10)+"/outcomes", nil); r.code != 404 {
			t.Errorf("an archived place's outcomes: %d", r.code)
		}
		if r := ocDo(t, h, "anonymous", "GET", "/places/"+strconv.FormatInt(f.qld, 10)+strings.TrimPrefix(resURL, logan), nil); r.code != 404 {
			t.Errorf("the result under another place: %d", r.code)
		}

		// The indicator page: every figure, provisional marked; the entry form for editors.
		r = ocDo(t, h, "anonymous", "GET", indURL, nil)
		if r.code != 200 {
			t.Fatalf("indicator page: %d %s", r.code, r.body)
		}
		ocHas(t, "the indicator page", r.body, "<strong>Provisional</strong>", "58.9%", "Download the figures")
		ocLacks(t, "the indicator page for the public", r.body, "Enter a figure")
		r = ocDo(t, h, "manager-a", "POST", indURL+"/observations", url.Values{"place_id": {strconv.FormatInt(f.logan, 10)}, "period": {"2021-Q1"}, "value": {"x"}})
		if r.code != 422 {
			t.Errorf("a bad figure: %d", r.code)
		}
		ocHas(t, "the refused figure", r.body, "one series keeps one format", "is not a number", `value="2021-Q1"`)
		r = ocDo(t, h, "manager-a", "POST", indURL+"/observations", url.Values{"place_id": {strconv.FormatInt(f.logan, 10)}, "period": {"2024"}, "value": {"59.2"}})
		if r.code != http.StatusSeeOther {
			t.Errorf("replacing a figure: %d %s", r.code, r.body)
		}
		if r := ocDo(t, h, "manager-b", "POST", indURL+"/observations", url.Values{"period": {"2024"}, "value": {"1"}}); r.code != 403 {
			t.Errorf("B's manager entering a figure: %d", r.code)
		}
		r = ocDo(t, h, "anonymous", "GET", indURL+"/observations.csv", nil)
		if r.code != 200 || !strings.HasPrefix(r.body, "place_code,place_id,place_name,period,value,provisional,note,illustrative\n34590,") || !strings.Contains(r.body, ",2024,59.2,no,,yes") {
			t.Errorf("CSV: %d %q", r.code, r.body)
		}
		// The export reads back in: every figure unchanged.
		back := ocRaw(t, h, "manager-a", "POST", "/api/v1/indicators/"+indID+"/observations?dry_run=true", "text/csv", r.body)
		if back.code != 200 || !strings.Contains(back.body, `"unchanged":6`) || !strings.Contains(back.body, `"added":0`) {
			t.Errorf("re-reading the export: %d %s", back.code, back.body)
		}
		r = ocDo(t, h, "manager-a", "POST", indURL+"/observations/delete", url.Values{"place_id": {strconv.FormatInt(f.logan, 10)}, "period": {"2024"}})
		if r.code != http.StatusSeeOther {
			t.Errorf("removing a figure: %d", r.code)
		}

		// The API: the indicator with its curve; a JSON batch; a CSV batch with a bad line.
		r = ocDo(t, h, "anonymous", "GET", "/api/v1/indicators/"+indID, nil)
		var detail IndicatorDetail
		if err := json.Unmarshal([]byte(r.body), &detail); err != nil || r.code != 200 {
			t.Fatalf("API indicator: %d %v", r.code, err)
		}
		if len(detail.Curve.Baseline) != 5 || len(detail.Curve.Forecast) != 3 || detail.Curve.Forecast[0].Period != "2024" || !detail.Illustrative {
			t.Errorf("API curve: %+v", detail.Curve)
		}
		r = ocRaw(t, h, "manager-a", "POST", "/api/v1/indicators/"+indID+"/observations", "application/json",
			`{"observations":[{"place_code":"34590","period":"2024","value":58.1,"provisional":true}]}`)
		if r.code != 200 || !strings.Contains(r.body, `"added":1`) || !strings.Contains(r.body, `"saved":true`) {
			t.Errorf("API JSON import: %d %s", r.code, r.body)
		}
		r = ocRaw(t, h, "manager-a", "POST", "/api/v1/indicators/"+indID+"/observations?dry_run=true", "text/csv", "34590,2027,60\n34590,2027,61\n")
		if r.code != 422 || !strings.Contains(r.body, `"line 2"`) || !strings.Contains(r.body, "given twice") {
			t.Errorf("API CSV import: %d %s", r.code, r.body)
		}
		if r := ocRaw(t, h, "viewer-a", "POST", "/api/v1/indicators/"+indID+"/observations", "text/csv", "34590,2027,60\n"); r.code != 403 {
			t.Errorf("API import by a viewer: %d", r.code)
		}
		r = ocDo(t, h, "anonymous", "GET", "/api/v1/outcomes?place_id="+strconv.FormatInt(f.logan, 10), nil)
		if r.code != 200 || !strings.Contains(r.body, `"title":"Children in Logan are ready for school"`) {
			t.Errorf("API outcomes: %d %s", r.code, r.body)
		}
		r = ocRaw(t, h, "manager-a", "POST", "/api/v1/outcomes", "application/json", `{"place_id":`+strconv.FormatInt(f.qld, 10)+`,"title":"Queenslanders are well"}`)
		if r.code != 201 || r.hdr.Get("Location") == "" {
			t.Errorf("API create: %d %s", r.code, r.body)
		}

		// Program performance: three sections; a measure added by the lead's manager.
		prog := "/programs/" + strconv.FormatInt(f.program, 10) + "/performance"
		r = ocDo(t, h, "manager-a", "POST", prog, url.Values{"name": {"Families supported"}, "question": {QuestionHowMuch}, "good_direction": {"up"}, "period_format": {"year"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("add a measure: %d %s", r.code, r.body)
		}
		if r := ocDo(t, h, "manager-b", "GET", prog+"/new", nil); r.code != 403 {
			t.Errorf("B's manager adding a measure: %d", r.code)
		}
		r = ocDo(t, h, "anonymous", "GET", prog, nil)
		ocHas(t, "the performance page", r.body, "How much did we do?", "How well did we do it?", "Is anyone better off?", "Families supported",
			"No measures answer this question yet.")
		r = ocDo(t, h, "anonymous", "GET", "/api/v1/programs/"+strconv.FormatInt(f.program, 10)+"/performance", nil)
		if r.code != 200 || !strings.Contains(r.body, `"how_much":[{`) {
			t.Errorf("API performance: %d %s", r.code, r.body)
		}

		// Deleting the result.
		if r := ocDo(t, h, "manager-b", "POST", resURL+"/delete", url.Values{}); r.code != 403 {
			t.Errorf("B deleting: %d", r.code)
		}
		if r := ocDo(t, h, "manager-a", "POST", resURL+"/delete", url.Values{}); r.code != http.StatusSeeOther {
			t.Errorf("deleting: %d", r.code)
		}
		if r := ocDo(t, h, "anonymous", "GET", indURL, nil); r.code != 404 {
			t.Errorf("the deleted result's indicator: %d", r.code)
		}
	})
}

// TestOutcomeLinks: what works and the action plan come from the directory's links.
func TestOutcomeLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newOCFixture(t, d)
		h := ocApp(t, f)
		res, _ := f.result(t)
		// A linkable kind standing in for learnings.
		f.s.Dir.RegisterKind("learning", "Learning", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
			return directory.LinkRecord{Title: "Shared goals work", URL: "/learnings/" + strconv.FormatInt(id, 10), Visible: true}, nil
		})
		if _, err := f.s.Dir.CreateLink(f.as("manager-a"), directory.LinkInput{FromKind: ResultKind, FromID: res.ID, Relation: "learned_from", ToKind: "learning", ToID: 5}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Dir.CreateLink(f.as("manager-b"), directory.LinkInput{FromKind: ResultKind, FromID: res.ID, Relation: "learned_from", ToKind: "learning", ToID: 6}); err == nil {
			t.Error("B's manager linked from A's result")
		}
		r := ocDo(t, h, "contributor-a", "GET", res.URL(), nil)
		ocHas(t, "the page", r.body, `<a href="/learnings/5">Shared goals work</a>`, "Link a learning", `name="to_kind" value="learning"`)
		ocLacks(t, "the page", r.body, "No learnings are linked yet.")
	})
}
