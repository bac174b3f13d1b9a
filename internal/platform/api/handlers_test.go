package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
)

type rec struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Archived bool   `json:"archived"`
}

// TestRecordHandlers drives Get, Create, Update and Archive against an in-memory store.
func TestRecordHandlers(t *testing.T) {
	store := map[int64]rec{1: {ID: 1, Name: "Logan"}}
	load := func(_ context.Context, id int64) (rec, error) {
		r, ok := store[id]
		if !ok {
			return rec{}, db.ErrNotFound
		}
		return r, nil
	}
	create := func(_ context.Context, in rec) (rec, error) {
		in.ID = int64(len(store) + 1)
		store[in.ID] = in
		return in, nil
	}
	update := func(_ context.Context, id int64, in rec) (rec, error) {
		if _, ok := store[id]; !ok {
			return rec{}, db.ErrNotFound
		}
		in.ID = id
		store[id] = in
		return in, nil
	}
	archive := func(_ context.Context, id int64, a bool) error {
		r, ok := store[id]
		if !ok {
			return db.ErrNotFound
		}
		r.Archived = a
		store[id] = r
		return nil
	}
	mux := http.NewServeMux()
	wrap := func(h Handler) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); errors.Is(err, db.ErrNotFound) {
				w.WriteHeader(http.StatusNotFound)
			} else if err != nil {
				w.WriteHeader(http.StatusBadRequest)
			}
		}
	}
	mux.Handle("GET /r/{id}", wrap(Get(load)))
	mux.Handle("POST /r", wrap(Create(create, func(r rec) string { return "/r/" + strings.Repeat("x", int(r.ID)) })))
	mux.Handle("PUT /r/{id}", wrap(Update(update)))
	mux.Handle("POST /r/{id}/archive", wrap(Archive(archive, load)))
	do := func(method, path, body string) (*httptest.ResponseRecorder, rec) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		var out rec
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		return w, out
	}
	if w, r := do("GET", "/r/1", ""); w.Code != 200 || r.Name != "Logan" {
		t.Fatalf("get: %d %+v", w.Code, r)
	}
	for _, p := range []string{"/r/2", "/r/0", "/r/x", "/r/-1"} {
		if w, _ := do("GET", p, ""); w.Code != 404 {
			t.Errorf("get %s: %d, want 404", p, w.Code)
		}
	}
	if w, r := do("POST", "/r", `{"name":"Papakura"}`); w.Code != 201 || r.ID != 2 || w.Header().Get("Location") != "/r/xx" {
		t.Fatalf("create: %d %+v %q", w.Code, r, w.Header().Get("Location"))
	}
	if w, _ := do("POST", "/r", `{"nom":"x"}`); w.Code != 400 {
		t.Errorf("create with an unknown field: %d", w.Code)
	}
	if w, r := do("PUT", "/r/2", `{"name":"Papakura, Auckland"}`); w.Code != 200 || store[2].Name != r.Name {
		t.Fatalf("update: %d %+v", w.Code, r)
	}
	if w, r := do("POST", "/r/2/archive", `{"archived":true}`); w.Code != 200 || !r.Archived {
		t.Fatalf("archive: %d %+v", w.Code, r)
	}
	if w, _ := do("POST", "/r/9/archive", `{"archived":true}`); w.Code != 404 {
		t.Errorf("archive missing: %d", w.Code)
	}
}
