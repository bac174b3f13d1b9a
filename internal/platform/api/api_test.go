package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type input struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	Tags  []string
	Inner struct {
		N int `json:"n"`
	} `json:"inner"`
}

func decode(body, contentType string) (input, error) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var in input
	err := Decode(r, &in)
	return in, err
}

func TestDecode(t *testing.T) {
	in, err := decode(`{"name":"Ana","count":2,"Tags":["a"],"inner":{"n":3}}`+"\n \t", "application/json")
	if err != nil || in.Name != "Ana" || in.Count != 2 || in.Inner.N != 3 || len(in.Tags) != 1 {
		t.Fatalf("valid body: %+v %v", in, err)
	}
	for _, ct := range []string{"", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"} {
		if _, err := decode(`{}`, ct); err != nil {
			t.Errorf("content type %q refused: %v", ct, err)
		}
	}

	for _, c := range []struct {
		name, body, ct string
		msg            string // part of the message
		field          string // the field with a message, if any
		status         int    // 0: 400
	}{
		{"unknown field", `{"name":"x","extra":1}`, "", `The field "extra" is not known.`, "extra", 0},
		{"unknown nested field", `{"inner":{"m":1}}`, "", `"m" is not known`, "m", 0},
		{"two values", `{"name":"x"} {"name":"y"}`, "", "Send a single JSON value", "", 0},
		{"closing brace after", `{"name":"x"}}`, "", "Send a single JSON value", "", 0},
		{"closing bracket after", `{"name":"x"}]`, "", "Send a single JSON value", "", 0},
		{"garbage after", `{"name":"x"} garbage`, "", "Send a single JSON value", "", 0},
		{"wrong type: string", `{"name":1}`, "", `The field "name" should be a string, not a JSON number.`, "name", 0},
		{"wrong type: integer", `{"count":"2"}`, "", `The field "count" should be a whole number, not a JSON string.`, "count", 0},
		{"wrong type: fraction", `{"count":1.5}`, "", `should be a whole number`, "count", 0},
		{"wrong type: array", `{"Tags":"a"}`, "", `The field "Tags" should be an array`, "Tags", 0},
		{"wrong type: nested", `{"inner":{"n":true}}`, "", `The field "inner.n" should be a whole number, not a JSON bool.`, "inner.n", 0},
		{"wrong type: body", `["a"]`, "", "The body should be an object, not a JSON array.", "", 0},
		{"empty", ``, "", "The body is empty", "", 0},
		{"only space", "  \n", "", "The body is empty", "", 0},
		{"truncated", `{"name":`, "", "ends before the value is complete", "", 0},
		{"syntax", `{"name" "x"}`, "", "not valid JSON (at byte", "", 0},
		{"wrong content type", `{}`, "text/plain", "Send the body as application/json.", "", 0},
		{"form content type", `name=x`, "application/x-www-form-urlencoded", "Send the body as application/json.", "", 0},
		{"lookalike content type", `{}`, "application/jsonx", "Send the body as application/json.", "", 0},
		{"bad content type", `{}`, "application/json; =", "Send the body as application/json.", "", 0},
		{"too large", `{"name":"` + strings.Repeat("x", MaxBody) + `"}`, "application/json", "larger than 1048576 bytes", "", http.StatusRequestEntityTooLarge},
		{"too large after the value", `{"name":"x"}` + strings.Repeat(" ", MaxBody), "application/json", "larger than 1048576 bytes", "", http.StatusRequestEntityTooLarge},
	} {
		_, err := decode(c.body, c.ct)
		var bad *BadRequest
		if !errors.As(err, &bad) {
			t.Errorf("%s: got %v, want a *BadRequest", c.name, err)
			continue
		}
		if !strings.Contains(bad.Msg, c.msg) || bad.Error() != bad.Msg {
			t.Errorf("%s: message %q, want %q", c.name, bad.Msg, c.msg)
		}
		if c.field != "" && bad.Errors[c.field] == "" {
			t.Errorf("%s: no message on %q: %v", c.name, c.field, bad.Errors)
		}
		if c.field == "" && len(bad.Errors) > 0 {
			t.Errorf("%s: unexpected field messages %v", c.name, bad.Errors)
		}
		if bad.Status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, bad.Status, c.status)
		}
	}
}

func TestCursor(t *testing.T) {
	for _, id := range []int64{0, 1, 42, 1 << 40, math.MaxInt64} {
		c := EncodeCursor(id)
		got, err := DecodeCursor(c)
		if err != nil || got != id {
			t.Errorf("round trip %d: %q → %d %v", id, c, got, err)
		}
		if strings.ContainsAny(c, "+/=") {
			t.Errorf("cursor %q is not URL-safe", c)
		}
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{"", "!!!", "12", enc("id:"), enc("id:-1"), enc("id:x"), enc("xx:1"), enc("id:1 "), enc("id:99999999999999999999"),
		base64.StdEncoding.EncodeToString([]byte("id:1")), enc("ID:1"), enc("id:0x10"), "aWQ6MQ==="} {
		if id, err := DecodeCursor(s); err == nil {
			t.Errorf("DecodeCursor(%q) = %d, want an error", s, id)
		}
	}
}

func page(query string) (Page, error) {
	return ParsePage(httptest.NewRequest("GET", "/x?"+query, nil))
}

func TestParsePage(t *testing.T) {
	p, err := page("")
	if err != nil || p.Limit != DefaultLimit || p.After != 0 {
		t.Errorf("default: %+v %v", p, err)
	}
	for _, q := range []string{"limit=1", "limit=500", "limit=50&cursor=" + EncodeCursor(7)} {
		if _, err := page(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	p, _ = page("limit=2&cursor=" + EncodeCursor(7))
	if p.Limit != 2 || p.After != 7 {
		t.Errorf("parsed: %+v", p)
	}
	for _, c := range []struct{ q, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=-1", "limit"}, {"limit=x", "limit"}, {"limit=1.5", "limit"},
		{"limit=99999999999999999999999", "limit"}, {"cursor=nope", "cursor"}, {"cursor=" + EncodeCursor(1) + "x", "cursor"},
	} {
		_, err := page(c.q)
		var bad *BadRequest
		if !errors.As(err, &bad) || bad.Errors[c.field] == "" || bad.Msg == "" {
			t.Errorf("%s: %v, want a message on %s", c.q, err, c.field)
		}
	}
}

type item struct{ ID int64 }

func TestNewList(t *testing.T) {
	id := func(i item) int64 { return i.ID }
	l := NewList[item](nil, 10, id)
	b, _ := json.Marshal(l)
	if string(b) != `{"items":[]}` {
		t.Errorf("empty list: %s", b)
	}
	items := []item{{5}, {6}, {7}}
	if l := NewList(items, 3, id); len(l.Items) != 3 || l.NextCursor != "" {
		t.Errorf("exactly the limit: %+v", l)
	}
	l = NewList(items, 2, id)
	if len(l.Items) != 2 || l.Items[1].ID != 6 {
		t.Fatalf("over the limit: %+v", l)
	}
	if after, err := DecodeCursor(l.NextCursor); err != nil || after != 6 {
		t.Errorf("cursor points at %d %v, want 6", after, err)
	}
	if l := NewList(items, 0, id); len(l.Items) != 3 || l.NextCursor != "" {
		t.Errorf("no limit: %+v", l)
	}
}

func TestJSONAndProblem(t *testing.T) {
	w := httptest.NewRecorder()
	if err := JSON(w, http.StatusCreated, map[string]string{"html": "<b>&"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != 201 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" || !strings.Contains(w.Body.String(), `\u003cb\u003e\u0026`) {
		t.Errorf("JSON: %d %v %s", w.Code, w.Header(), w.Body.String())
	}
	w = httptest.NewRecorder()
	WriteProblem(w, Problem{Status: 422, Errors: map[string]string{"name": "Enter a name."}})
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if w.Code != 422 || w.Header().Get("Content-Type") != "application/problem+json" || p.Type != "about:blank" ||
		p.Title != "Unprocessable Entity" || p.Errors["name"] == "" || p.Status != 422 {
		t.Errorf("problem: %d %+v", w.Code, p)
	}
	if e := Badf("bad %s", "thing"); e.Error() != "bad thing" {
		t.Errorf("Badf: %v", e)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", EncodeCursor(0), EncodeCursor(42), EncodeCursor(math.MaxInt64), "aWQ6", "aWQ6LTE", "!!", "aWQ6MQ=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := DecodeCursor(s)
		if err != nil {
			return
		}
		if id < 0 {
			t.Fatalf("DecodeCursor(%q) = %d", s, id)
		}
		if again, err := DecodeCursor(EncodeCursor(id)); err != nil || again != id {
			t.Fatalf("round trip of %d: %d %v", id, again, err)
		}
	})
}

func FuzzParsePage(f *testing.F) {
	for _, s := range []string{"", "limit=1", "limit=500", "limit=501", "limit=-1", "cursor=" + EncodeCursor(9), "cursor=%zz", "limit=1&limit=2", "limit=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r, err := http.NewRequest("GET", "/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = query
		p, err := ParsePage(r)
		if err != nil {
			var bad *BadRequest
			if !errors.As(err, &bad) || len(bad.Errors) == 0 {
				t.Fatalf("ParsePage(%q): %v", query, err)
			}
			return
		}
		if p.Limit < 1 || p.Limit > MaxLimit || p.After < 0 {
			t.Fatalf("ParsePage(%q) = %+v", query, p)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"x"}`, `{"name":1}`, `[]`, `{"inner":{"n":"x"}}`, `{} {}`, `{}}`, `{"a":`, `null`, `"x"`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var in input
		if err := Decode(r, &in); err != nil {
			var bad *BadRequest
			if !errors.As(err, &bad) || bad.Msg == "" {
				t.Fatalf("Decode(%q): %v", body, err)
			}
		}
	})
}
