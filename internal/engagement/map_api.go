package engagement

// The JSON API of the opinion map and the Pol.is export files. Both are public for an
// engagement the caller may see that runs a map (a draft only for its organisation and
// partners; an engagement without a map is 404).
//
// GET /api/v1/engagements/{id}/map answers 200 with the MapView; before the first
// computation computed_at is null and message says why (not 404 or 204, so that clients
// polling it need no special case). ?points=1 adds every participant's place on the map with
// their group, without who they are; points=0 or no parameter leaves them out; anything else
// is 400.

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// ParsePoints reads the points parameter: absent, "0", "false" or "no" leave the points out;
// "1", "true" or "yes" ask for them; anything else, or the parameter twice, is a
// *api.BadRequest.
func ParsePoints(values []string) (bool, error) {
	if len(values) == 0 {
		return false, nil
	}
	bad := &api.BadRequest{Msg: "The points parameter must be 1 (include every participant's place on the map) or 0.",
		Errors: map[string]string{"points": "Send points=1 or points=0."}}
	if len(values) > 1 {
		return false, bad
	}
	switch strings.ToLower(strings.TrimSpace(values[0])) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, bad
}

func exampleMapView() MapView {
	at := time.Date(2025, 3, 15, 10, 0, 5, 0, time.UTC)
	share := []GroupShare{{Group: 0, Label: "A", Votes: 410, Agree: 0.91, Disagree: 0.04}, {Group: 1, Label: "B", Votes: 300, Agree: 0.12, Disagree: 0.8}}
	return MapView{EngagementID: 1, ComputedAt: &at, Participants: 1240, OnMap: 1180, Votes: 41000, MinVotes: 7, BestK: 2,
		Statements: []MapStatement{{ID: 12, Text: "Decisions about Logan should be made in Logan.", Agree: 700, Disagree: 320, Pass: 60,
			Extremity: 1.4, ConsensusAgree: 0.11, ConsensusDisagree: 0.03, Loadings: [2]float64{0.21, -0.02},
			Groups: []GroupVotes{{Group: 0, Votes: 410, Agree: 373, Disagree: 16, Pass: 21}, {Group: 1, Votes: 300, Agree: 36, Disagree: 240, Pass: 24}}}},
		Groups: []MapGroup{{ID: 0, Label: "A", Size: 690, Share: 0.5847, Centre: [2]float64{-1.2, 0.1}, Representative: []MapRepresentative{{
			Statement: 12, Text: "Decisions about Logan should be made in Logan.", Direction: "agree", Agree: 0.91, Disagree: 0.04,
			RestAgree: 0.12, RestDisagree: 0.8, Votes: 410, P: 0.9078, PRest: 0.1225, Ratio: 7.41, Z: 21.3}}},
			{ID: 1, Label: "B", Size: 490, Share: 0.4153, Centre: [2]float64{1.6, -0.2}, Representative: []MapRepresentative{}}},
		Consensus: []MapConsensus{{Statement: 14, Text: "Communities should see the data collected about them.", Direction: "agree",
			Agree: 0.86, Disagree: 0.06, Consensus: 0.72, Groups: share}},
		Divisive:    []MapDivisive{{Statement: 12, Text: "Decisions about Logan should be made in Logan.", Spread: 0.79, Groups: share}},
		Silhouettes: []MapCandidate{{K: 2, Silhouette: 0.71}, {K: 3, Silhouette: 0.52}},
		Points:      []MapPoint{{X: -1.31, Y: 0.2, Group: 0}, {X: 1.52, Y: -0.11, Group: 1}}}
}

func (h *Web) mapAPIRoutes(rt *web.Router) {
	rt.API("GET", API+"/{id}/map", web.Public, apiTag,
		"The opinion map, recomputed in the background a few seconds after votes arrive: when it was computed, from how many participants and votes; its groups with their sizes and representative statements; the statements all groups agree (or disagree) with; those that divide them; every statement's votes by group. computed_at is null before the first computation. points=1 adds each participant's place and group (no identities)",
		h.apiMap, web.Body(nil, exampleMapView()))
	for _, f := range PolisFiles {
		rt.API("GET", API+"/{id}/export/"+f.Name, web.Public, apiTag,
			"Pol.is export, "+f.Name+" (CSV with Pol.is's columns): "+f.About,
			h.apiPolisFile(f.Name))
	}
}

func (h *Web) apiMap(w http.ResponseWriter, r *http.Request) error {
	points, err := ParsePoints(r.URL.Query()["points"])
	if err != nil {
		return err
	}
	_, v, err := h.Svc.OpinionMap(r.Context(), r.PathValue("id"), points)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, v)
}

// countingWriter counts the bytes written, so that an error before the first byte can still
// become an error response.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// apiPolisFile streams one file of the Pol.is export.
func (h *Web) apiPolisFile(name string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		e, err := h.Svc.PolisExport(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		hd := w.Header()
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="engagement-`+safeFileKey(e.Key())+`-`+name+`"`)
		rc := http.NewResponseController(w)
		cw := &countingWriter{w: w}
		if err := h.Svc.WritePolis(ctx, e, name, cw, func() { _ = rc.Flush() }); err != nil {
			if cw.n == 0 {
				hd.Del("Content-Type")
				hd.Del("Content-Disposition")
				return err
			}
			if ctx.Err() == nil {
				h.Svc.log().ErrorContext(ctx, "Pol.is export failed part way", "engagement", e.ID, "file", name, "err", err)
			}
		}
		return nil
	}
}

// safeFileKey keeps the letters, digits and hyphens of a key for a file name.
func safeFileKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}
