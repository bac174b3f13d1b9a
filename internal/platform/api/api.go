// Package api holds the JSON side of the platform: responses, problem+json errors (RFC 9457)
// with field messages, request decoding with limits, and cursor pagination.
package api

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// MaxBody is the largest JSON request body accepted (1 MiB).
const MaxBody = 1 << 20

// JSON writes v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// Problem is an RFC 9457 problem detail, with field messages in Errors.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// BadRequest is an error about the request itself (malformed JSON, a bad parameter); it
// becomes a 400 (or Status, when set: 413 for a body too large) with its message.
type BadRequest struct {
	Msg    string
	Errors map[string]string
	Status int
}

func (e *BadRequest) Error() string { return e.Msg }

// Badf returns a *BadRequest.
func Badf(format string, args ...any) error { return &BadRequest{Msg: fmt.Sprintf(format, args...)} }

// Decode reads a JSON body into v: at most MaxBody bytes, unknown fields refused, exactly one
// value.
func Decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &BadRequest{Msg: "Send the body as application/json."}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// Anything but white space after the value is refused ("{} {}", "{}}", "{} x").
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		return &BadRequest{Msg: "Send a single JSON value: there is more after the end of the first one."}
	}
	return nil
}

func tooLarge() error {
	return &BadRequest{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("The body is larger than %d bytes.", MaxBody)}
}

func decodeError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return &BadRequest{Msg: "The body is empty: send a JSON object."}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &BadRequest{Msg: "The body is not valid JSON: it ends before the value is complete."}
	case errors.As(err, &se):
		return &BadRequest{Msg: fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset)}
	case errors.As(err, &te):
		if te.Field == "" {
			return &BadRequest{Msg: fmt.Sprintf("The body should be %s, not a JSON %s.", jsonKind(te.Type), te.Value)}
		}
		return &BadRequest{Msg: fmt.Sprintf("The field %q should be %s, not a JSON %s.", te.Field, jsonKind(te.Type), te.Value),
			Errors: map[string]string{te.Field: "Use " + jsonKind(te.Type) + "."}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &BadRequest{Msg: fmt.Sprintf("The field %q is not known.", f), Errors: map[string]string{f: "This field is not known."}}
	}
	return &BadRequest{Msg: "The body could not be read as JSON: " + err.Error()}
}

// jsonKind names the JSON value that a Go type is read from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value of type " + t.String()
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// List is a page of items with the cursor of the next page.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Page is the pagination a request asks for: items after the cursor, at most Limit.
type Page struct {
	After int64 // the last ID of the previous page
	Limit int
}

// DefaultLimit and MaxLimit bound page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ParsePage reads ?cursor= and ?limit=.
func ParsePage(r *http.Request) (Page, error) {
	p := Page{Limit: DefaultLimit}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return p, &BadRequest{Msg: fmt.Sprintf("limit must be a whole number from 1 to %d.", MaxLimit),
				Errors: map[string]string{"limit": fmt.Sprintf("Use 1 to %d.", MaxLimit)}}
		}
		p.Limit = n
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		id, err := DecodeCursor(s)
		if err != nil {
			return p, &BadRequest{Msg: "The cursor is not valid: use next_cursor from the previous page.",
				Errors: map[string]string{"cursor": "Not a cursor this API gave out."}}
		}
		p.After = id
	}
	return p, nil
}

// EncodeCursor makes an opaque cursor from the last ID of a page.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "id:") {
		return 0, errors.New("bad cursor")
	}
	id, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || id < 0 {
		return 0, errors.New("bad cursor")
	}
	return id, nil
}

// NewList builds a page from items fetched with limit+1: when there is one more than the
// limit, the cursor points past the last item kept.
func NewList[T any](items []T, limit int, id func(T) int64) List[T] {
	l := List[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if limit > 0 && len(items) > limit {
		l.Items = items[:limit]
		l.NextCursor = EncodeCursor(id(items[limit-1]))
	}
	return l
}
