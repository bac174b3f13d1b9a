package satisfaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Submission is the JSON body of a response, sent to POST /s/{code} (with Content-Type:
// application/json) or POST /api/v1/surveys/{code}/responses.
type Submission struct {
	// Answers are keyed by question id: a number (scale, number), "na" (not applicable), a
	// string (single choice, text), a list of strings (multiple choice) or true (consent).
	// Messages about them come back keyed "answers.<question id>".
	Answers map[string]any `json:"answers"`
	// Channel is how the service was used: one of the definition's channels (default: the
	// link's, or "online").
	Channel string `json:"channel,omitempty"`
	// Place is the id of a place in the directory, as a number or a string of digits.
	Place PlaceRef `json:"place,omitempty"`
	// Via is the code of one of the survey's links (the ?via= of its address).
	Via string `json:"via,omitempty"`
	// Token is the single-use token of a personal link, for surveys that require one.
	Token string `json:"token,omitempty"`
}

// SubmissionResult answers a stored submission. The id is a string: response ids are 64-bit
// integers, more than a JavaScript number holds exactly.
type SubmissionResult struct {
	ID string `json:"id"`
}

// PlaceRef is a place id given as a JSON number or a string of digits.
type PlaceRef []byte

// UnmarshalJSON keeps the value as sent; it is checked with the rest of the submission.
func (p *PlaceRef) UnmarshalJSON(b []byte) error {
	*p = append((*p)[:0], b...)
	return nil
}

// JSONSchema describes it for the OpenAPI document.
func (PlaceRef) JSONSchema() map[string]any {
	return map[string]any{"oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string", "pattern": "^[0-9]+$"}}}
}

// id reads the place id: 0 when absent or null; ok false when it is not a positive whole number.
func (p PlaceRef) id() (int64, bool) {
	s := strings.TrimSpace(string(p))
	if s == "" || s == "null" {
		return 0, true
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if json.Unmarshal([]byte(s), &str) != nil {
			return 0, false
		}
		s = strings.TrimSpace(str)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// maxIdemKey is the longest Idempotency-Key accepted.
const maxIdemKey = 200

func (c *collector) apiRoutes(rt *web.Router) {
	rt.API("GET", "/api/v1/surveys/{code}", web.Public, "Surveys",
		"The public definition of an open or closed survey: its questions, and the channels a response may name",
		c.definitionAPI, web.Body(nil, PublicSurvey{}))
	rt.API("POST", "/api/v1/surveys/{code}/responses", web.Public, "Surveys",
		"Submit a response (also accepted as JSON at POST /s/{code}). Answers 201 with the response id as a string; "+
			"with an Idempotency-Key header (up to 200 printable characters) a retry stores nothing and answers 201 with the same id "+
			"and Idempotent-Replayed: true. Unknown survey 404, closed 410, used token 409, too many submissions 429.",
		func(w http.ResponseWriter, r *http.Request) error {
			if !isJSON(r.Header.Get("Content-Type")) {
				problem(w, r, http.StatusUnsupportedMediaType, "Send the response as application/json.", nil)
				return nil
			}
			c.submitJSON(w, r)
			return nil
		}, web.Body(Submission{}, SubmissionResult{}))
}

// definitionAPI serves GET /api/v1/surveys/{code}.
func (c *collector) definitionAPI(w http.ResponseWriter, r *http.Request) error {
	d, err := c.visible(r)
	if err != nil {
		return err
	}
	h := w.Header()
	h["Content-Type"] = jsonType[:1:1]
	h["Cache-Control"] = noCache[:1:1]
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(d.Public)
	return err
}

var (
	jsonType = []string{"application/json; charset=utf-8"}
	noCache  = []string{"no-cache"}
)

// submitJSON stores a JSON submission and answers 201 {"id": "…"}; every refusal is
// problem+json and stores nothing.
func (c *collector) submitJSON(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := c.svc.definition(ctx, r.PathValue("code"))
	switch {
	case errors.Is(err, db.ErrNotFound) || (err == nil && !d.visible()):
		problem(w, r, http.StatusNotFound, "There is no survey with this code.", nil)
		return
	case err != nil:
		c.failed(w, r, err)
		return
	case !d.open():
		problem(w, r, http.StatusGone, "This survey is closed: it no longer takes responses.", nil)
		return
	}
	if ok, wait := c.allow(r); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		problem(w, r, http.StatusTooManyRequests, "Too many responses from this address: wait "+retryAfter(wait)+" seconds and try again.", nil)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !validIdemKey(key) {
		problem(w, r, http.StatusBadRequest, fmt.Sprintf("The Idempotency-Key header must be 1 to %d printable ASCII characters.", maxIdemKey),
			map[string]string{"Idempotency-Key": "Use a random string such as a UUID."})
		return
	}
	sub, err := readSubmission(http.MaxBytesReader(w, r.Body, c.limits.MaxBody), c.limits.MaxBody)
	if err != nil {
		var bad *api.BadRequest
		if errors.As(err, &bad) {
			status := http.StatusBadRequest
			if bad.Status != 0 {
				status = bad.Status
			}
			problem(w, r, status, bad.Msg, bad.Errors)
			return
		}
		c.failed(w, r, err)
		return
	}
	resp, errs, err := c.buildResponse(ctx, d, &sub)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	if len(errs) > 0 {
		problem(w, r, http.StatusUnprocessableEntity, "Some answers need attention: nothing was stored.", errs)
		return
	}
	resp.IdemKey = key
	out, err := c.svc.Committer.Submit(ctx, resp)
	switch {
	case errors.Is(err, ErrStopped):
		w.Header().Set("Retry-After", "5")
		problem(w, r, http.StatusServiceUnavailable, ErrStopped.Error(), nil)
		return
	case err != nil:
		c.failed(w, r, err)
		return
	case errors.Is(out.Err, ErrTokenUsed):
		problem(w, r, http.StatusConflict, "This personal link has already been used, or is not one of this survey's: nothing was stored.",
			map[string]string{"token": "Each token can be used once."})
		return
	case out.Err != nil:
		c.failed(w, r, out.Err)
		return
	}
	h := w.Header()
	h["Content-Type"] = jsonType[:1:1]
	if out.Replayed {
		h["Idempotent-Replayed"] = trueValue[:1:1]
	}
	w.WriteHeader(http.StatusCreated)
	var buf [48]byte
	b := append(buf[:0], `{"id":"`...)
	b = strconv.AppendInt(b, out.ID, 10)
	b = append(b, "\"}\n"...)
	_, _ = w.Write(b)
}

var trueValue = []string{"true"}

// failed answers an unexpected error (logged by the router's error handler).
func (c *collector) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		problem(w, r, http.StatusServiceUnavailable, "The response could not be stored in time: send it again with the same Idempotency-Key.", nil)
		return
	}
	c.svc.Committer.Log.ErrorContext(r.Context(), "storing a survey response failed", "err", err, "path", r.URL.Path)
	problem(w, r, http.StatusInternalServerError, "The response could not be stored. Try again later.", nil)
}

// validIdemKey: 1 to maxIdemKey printable ASCII characters.
func validIdemKey(k string) bool {
	if len(k) == 0 || len(k) > maxIdemKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// readSubmission decodes a JSON submission of at most limit bytes: exactly one object, no
// unknown fields. Its errors are *api.BadRequest (413 when too large).
func readSubmission(body io.Reader, limit int64) (Submission, error) {
	var sub Submission
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&sub)
	if err == nil {
		// Anything but white space after the object is refused.
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = terr
			if err == nil {
				return sub, &api.BadRequest{Msg: "Send a single JSON object: there is more after its end."}
			}
		}
	}
	if err == nil {
		return sub, nil
	}
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return sub, &api.BadRequest{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("The body is too large: send at most %d bytes.", limit)}
	case errors.Is(err, io.EOF):
		return sub, &api.BadRequest{Msg: "The body is empty: send a JSON object with the answers."}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sub, &api.BadRequest{Msg: "The body is not valid JSON: it ends before the object is complete."}
	case errors.As(err, &se):
		return sub, &api.BadRequest{Msg: fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset)}
	case errors.As(err, &te):
		if te.Field == "" {
			return sub, &api.BadRequest{Msg: "Send a JSON object with the answers, like {\"answers\": {\"overall\": 4}}."}
		}
		return sub, &api.BadRequest{Msg: fmt.Sprintf("The field %q has the wrong type.", te.Field),
			Errors: map[string]string{te.Field: fieldHint(te.Field)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		f = valid.Truncate(f, 100)
		return sub, &api.BadRequest{Msg: fmt.Sprintf("The field %q is not known: send answers, channel, place, via and token.", f),
			Errors: map[string]string{f: "This field is not known."}}
	}
	return sub, &api.BadRequest{Msg: "The body could not be read as JSON."}
}

func fieldHint(f string) string {
	switch f {
	case "answers":
		return "Send an object keyed by question id."
	case "channel", "via", "token":
		return "Send a string."
	}
	return "Check the type of this field."
}

// buildResponse checks a submission against the survey and makes the response to store;
// messages come back keyed by field ("channel", "place", "via", "token", "answers.<id>").
func (c *collector) buildResponse(ctx context.Context, d *surveyDef, sub *Submission) (Response, valid.Errors, error) {
	errs := valid.Errors{}
	r := Response{SurveyID: d.Survey.ID, Version: d.Survey.Version, SubmittedAt: c.svc.Now(), Channel: "online",
		Questionnaire: &d.Survey.Questionnaire}
	if sub.Via != "" {
		if l, ok := d.Links[sub.Via]; ok {
			r.LinkID, r.PlaceID = l.ID, l.PlaceID
			if l.Channel != "" {
				r.Channel = l.Channel
			}
		} else {
			errs["via"] = fmt.Sprintf("This survey has no link %q: send the code after ?via= in its address, or leave via out.", valid.Truncate(sub.Via, 40))
		}
	}
	if sub.Channel != "" {
		if knownChannel(sub.Channel) {
			r.Channel = sub.Channel
		} else {
			errs["channel"] = "Use one of the channels: " + strings.Join(channelValues(), ", ") + "."
		}
	}
	if id, ok := sub.Place.id(); !ok {
		errs["place"] = "Give the place as its id: a whole number, or a string of digits."
	} else if id > 0 {
		known, err := c.svc.knownPlace(ctx, id)
		if err != nil {
			return r, nil, err
		}
		if known {
			r.PlaceID = id
		} else {
			errs["place"] = fmt.Sprintf("There is no place %d in the directory.", id)
		}
	}
	if d.Survey.RequireToken {
		switch {
		case sub.Token == "":
			errs["token"] = "This survey is answered through personal links: send the token of yours (the t= of its address)."
		case !validToken(sub.Token):
			errs["token"] = "This is not a token of a personal link: send the t= of the address exactly."
		default:
			r.TokenHash = HashToken(sub.Token)
		}
	}
	answers, aerrs := forms.ParseJSON(d.Survey.Questionnaire, sub.Answers)
	for k, v := range aerrs {
		if k == "" {
			errs["answers"] = v
		} else {
			errs["answers."+k] = v
		}
	}
	r.Answers = answers
	if len(errs) == 0 {
		errs = nil
	}
	return r, errs, nil
}

func knownChannel(ch string) bool {
	for _, o := range directory.ServiceChannels {
		if o.Value == ch {
			return true
		}
	}
	return false
}
