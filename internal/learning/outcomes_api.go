package learning

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// IndicatorDetail is an indicator with its observations and its curve at the main place
// (baseline, forecast with its prediction interval, actual and provisional figures).
type IndicatorDetail struct {
	Indicator
	Observations []Observation `json:"observations"`
	Curve        Curve         `json:"curve"`
}

// ProgramPerformance is a program's performance measures, by question.
type ProgramPerformance struct {
	ProgramID   int64             `json:"program_id"`
	ProgramName string            `json:"program_name"`
	HowMuch     []IndicatorDetail `json:"how_much"`
	HowWell     []IndicatorDetail `json:"how_well"`
	BetterOff   []IndicatorDetail `json:"better_off"`
}

func (h *Web) outcomeAPIRoutes(rt *web.Router) {
	const tag = "Place outcomes"
	rt.API("GET", "/api/v1/outcomes", web.Public, tag, "List population results with their indicators (filter: place_id; cursor pagination)",
		h.apiResultList, web.Body(nil, api.List[Result]{}))
	rt.API("POST", "/api/v1/outcomes", web.SignedIn, tag, "Create a population result for a place",
		api.Create(h.Svc.CreateResult, func(v Result) string { return "/api/v1/outcomes/" + ocID(v.ID) }), web.Body(ResultInput{}, Result{}))
	rt.API("GET", "/api/v1/outcomes/{id}", web.Public, tag, "Get a result with its indicators", api.Get(h.Svc.Result), web.Body(nil, Result{}))
	rt.API("PUT", "/api/v1/outcomes/{id}", web.SignedIn, tag, "Update a result", api.Update(h.Svc.UpdateResult), web.Body(ResultInput{}, Result{}))
	rt.API("DELETE", "/api/v1/outcomes/{id}", web.SignedIn, tag, "Delete a result with its indicators and their observations", h.apiResultDelete)
	rt.API("POST", "/api/v1/outcomes/{id}/indicators", web.SignedIn, tag, "Add an indicator to a result",
		createUnder(h.Svc.CreateIndicator), web.Body(IndicatorInput{}, Indicator{}))
	rt.API("GET", "/api/v1/indicators/{id}", web.Public, tag, "Get an indicator with its observations and its curve (baseline, forecast with 95% prediction interval, actuals)",
		h.apiIndicatorGet, web.Body(nil, IndicatorDetail{}))
	rt.API("PUT", "/api/v1/indicators/{id}", web.SignedIn, tag, "Update an indicator or performance measure", api.Update(h.Svc.UpdateIndicator), web.Body(IndicatorInput{}, Indicator{}))
	rt.API("DELETE", "/api/v1/indicators/{id}", web.SignedIn, tag, "Delete an indicator and its observations", h.apiIndicatorDelete)
	rt.API("GET", "/api/v1/indicators/{id}/observations", web.Public, tag, "List an indicator's observations", h.apiObservationList, web.Body(nil, []Observation{}))
	rt.API("POST", "/api/v1/indicators/{id}/observations", web.SignedIn, tag,
		"Add or replace observations, all or nothing: JSON, or CSV (Content-Type text/csv: place_code, period, value[, provisional, note]; query period_format); ?dry_run=true checks without saving",
		h.apiObservationImport, web.Body(ObservationBatch{}, ImportReport{}))
	rt.API("GET", "/api/v1/programs/{id}/performance", web.Public, tag, "A program's performance measures, by question (how much, how well, better off)",
		h.apiPerformance, web.Body(nil, ProgramPerformance{}))
	rt.API("POST", "/api/v1/programs/{id}/performance", web.SignedIn, tag, "Add a performance measure to a program (question: how_much, how_well or better_off)",
		createUnder(h.Svc.CreateMeasure), web.Body(IndicatorInput{}, Indicator{}))
}

// createUnder answers POST …/{id}/… with the record create makes under the record {id}: 201
// with its Location.
func createUnder(create func(ctx context.Context, id int64, in IndicatorInput) (Indicator, error)) api.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		var in IndicatorInput
		if err := api.Decode(r, &in); err != nil {
			return err
		}
		v, err := create(r.Context(), id, in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/indicators/"+ocID(v.ID))
		return api.JSON(w, http.StatusCreated, v)
	}
}

func (h *Web) apiResultList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	f := ResultFilter{After: pg.After, Limit: pg.Limit + 1}
	if s := strings.TrimSpace(r.URL.Query().Get("place_id")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return &api.BadRequest{Msg: "place_id must be a record ID.", Errors: map[string]string{"place_id": "Use a whole number above 0."}}
		}
		f.PlaceID = n
	}
	rs, err := h.Svc.ResultsWithIndicators(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(rs, pg.Limit, func(v Result) int64 { return v.ID }))
}

func (h *Web) apiResultDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Svc.DeleteResult(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Web) apiIndicatorDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Svc.DeleteIndicator(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// indicatorDetail loads an indicator with its observations and its curve.
func (h *Web) indicatorDetail(ind Indicator, obs []Observation) IndicatorDetail {
	v := viewIndicator(ind, obs, ind.PlaceID, ind.PlaceName, false)
	if obs == nil {
		obs = []Observation{}
	}
	return IndicatorDetail{Indicator: ind, Observations: obs, Curve: v.Curve}
}

func (h *Web) apiIndicatorGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ind, err := h.Svc.Indicator(r.Context(), id)
	if err != nil {
		return err
	}
	obs, err := h.Svc.Observations(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, h.indicatorDetail(ind, obs))
}

func (h *Web) apiObservationList(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	obs, err := h.Svc.Observations(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, obs)
}

// apiObservationImport takes a batch as JSON or CSV and answers with the report: 200 when
// saved (or checked, with dry_run), 422 with an error per line otherwise.
func (h *Web) apiObservationImport(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	// Who may import is settled before the body is read.
	ind, err := h.Svc.Indicator(r.Context(), id)
	if err != nil {
		return err
	}
	if !h.Svc.CanEditIndicator(r.Context(), ind) {
		return authz.ErrForbidden
	}
	q := r.URL.Query()
	dry := q.Get("dry_run") == "true" || q.Get("dry_run") == "1"
	var batch ObservationBatch
	var pre []LineError
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "text/csv", "text/plain":
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
		if err != nil {
			return err
		}
		batch.Observations, pre = ParseObservationCSV(data)
		batch.PeriodFormat = q.Get("period_format")
	default:
		if err := api.Decode(r, &batch); err != nil {
			return err
		}
		if batch.PeriodFormat == "" {
			batch.PeriodFormat = q.Get("period_format")
		}
	}
	rep, err := h.Svc.ImportObservations(r.Context(), id, batch, pre, !dry)
	if _, ok := valid.As(err); ok {
		return &api.BadRequest{Status: http.StatusUnprocessableEntity, Msg: fmt.Sprintf("%d problems stop the import: nothing was saved.", len(rep.Errors)),
			Errors: lineErrorMap(rep.Errors)}
	} else if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, rep)
}

// lineErrorMap keys the errors by line ("line 3", or the field for the batch as a whole),
// joining several on one line.
func lineErrorMap(errs []LineError) map[string]string {
	out := map[string]string{}
	for _, e := range errs {
		k := "batch"
		switch {
		case e.Line > 0:
			k = fmt.Sprintf("line %d", e.Line)
		case e.Field != "":
			k = e.Field
		}
		if out[k] != "" {
			out[k] += " "
		}
		out[k] += e.Message
	}
	return out
}

func (h *Web) apiPerformance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	prog, err := h.programForPerformance(r)
	if err != nil {
		return err
	}
	ms, err := h.Svc.Measures(ctx, prog.ID)
	if err != nil {
		return err
	}
	obs, err := h.observationsByIndicator(ctx, ms)
	if err != nil {
		return err
	}
	out := ProgramPerformance{ProgramID: prog.ID, ProgramName: prog.Name, HowMuch: []IndicatorDetail{}, HowWell: []IndicatorDetail{}, BetterOff: []IndicatorDetail{}}
	sort.SliceStable(ms, func(a, b int) bool { return ms[a].ID < ms[b].ID })
	for _, m := range ms {
		d := h.indicatorDetail(m, obs[m.ID])
		switch m.Question {
		case QuestionHowMuch:
			out.HowMuch = append(out.HowMuch, d)
		case QuestionHowWell:
			out.HowWell = append(out.HowWell, d)
		case QuestionBetterOff:
			out.BetterOff = append(out.BetterOff, d)
		}
	}
	return api.JSON(w, http.StatusOK, out)
}
