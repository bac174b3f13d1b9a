package loadtest

import (
	"encoding/json"
	"net/url"
	"testing"
)

func FuzzParseDefinition(f *testing.F) {
	b, _ := json.Marshal(testDef())
	f.Add(b)
	f.Add([]byte(`{"questionnaire":{"questions":[{"id":"n","type":"number","min":5,"max":-5}]}}`))
	f.Add([]byte(`{"questions":[{"id":"m","type":"multiple","min":9,"options":[{"value":"a"}]}]}`))
	f.Add([]byte(`{"questions":[{"id":"s","type":"scale","min":1,"max":1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		def, err := ParseDefinition(b)
		if err != nil {
			return
		}
		g, err := NewGenerator(def, 1, ReadPageForm(b))
		if err != nil {
			return
		}
		for range 3 {
			body := g.AppendJSON(nil)
			if !json.Valid(body) {
				t.Fatalf("invalid JSON %s from %s", body, b)
			}
			if _, err := url.ParseQuery(string(g.AppendForm(nil))); err != nil {
				t.Fatalf("invalid form body: %v", err)
			}
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{`{"id":42}`, `{"id": 7}`, `"id"`, `{"id":-1}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if id := ParseID(b); id < 0 {
			t.Fatalf("negative id %d from %q", id, b)
		}
		_ = FindHoneypot(b)
	})
}
