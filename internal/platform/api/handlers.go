package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// Handler is a JSON handler that may fail; the router turns its error into problem+json.
type Handler = func(w http.ResponseWriter, r *http.Request) error

// PathID reads the path value name as a positive int64; anything else is "not found".
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, db.ErrNotFound
	}
	return id, nil
}

// The handlers below serve the usual record endpoints from a service's methods, so that each
// capability states which method answers which route and nothing more.

// Get answers GET …/{id} with the record load returns.
func Get[T any](load func(ctx context.Context, id int64) (T, error)) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		v, err := load(r.Context(), id)
		if err != nil {
			return err
		}
		return JSON(w, http.StatusOK, v)
	}
}

// Create answers POST with the record create makes from the body: 201 with its Location.
func Create[In, T any](create func(ctx context.Context, in In) (T, error), location func(T) string) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := Decode(r, &in); err != nil {
			return err
		}
		v, err := create(r.Context(), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", location(v))
		return JSON(w, http.StatusCreated, v)
	}
}

// Update answers PUT …/{id} with the record update saves from the body.
func Update[In, T any](update func(ctx context.Context, id int64, in In) (T, error)) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if err := Decode(r, &in); err != nil {
			return err
		}
		v, err := update(r.Context(), id, in)
		if err != nil {
			return err
		}
		return JSON(w, http.StatusOK, v)
	}
}

// ArchiveBody is the body of the archive endpoints: true archives, false restores.
type ArchiveBody struct {
	Archived bool `json:"archived"`
}

// Do answers a request on …/{id} whose body In asks for an action: it runs act, then answers
// with the record as load sees it afterwards.
func Do[In, T any](act func(ctx context.Context, id int64, in In) error, load func(ctx context.Context, id int64) (T, error)) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if err := Decode(r, &in); err != nil {
			return err
		}
		if err := act(r.Context(), id, in); err != nil {
			return err
		}
		v, err := load(r.Context(), id)
		if err != nil {
			return err
		}
		return JSON(w, http.StatusOK, v)
	}
}

// Archive answers POST …/{id}/archive, then returns the record as load sees it.
func Archive[T any](archive func(ctx context.Context, id int64, archived bool) error, load func(ctx context.Context, id int64) (T, error)) Handler {
	return Do(func(ctx context.Context, id int64, in ArchiveBody) error { return archive(ctx, id, in.Archived) }, load)
}
