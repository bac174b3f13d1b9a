package maturity

import (
	"context"
	"fmt"
	"math"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/stats"
)

// Benchmarks compare an organisation's closed assessment with its peers', anonymously and
// only by consent: the organisation must have opted this assessment in, the peers are other
// organisations' closed, opted-in assessments against the same framework (any version, the
// latest per organisation), and figures are shown only when at least MinCohort organisations
// are in the cohort. Nobody sees another organisation's name or scores: only quartiles.

// MinCohort is the fewest organisations a comparison is drawn from.
const MinCohort = 5

// Cohort filters.
const (
	CohortAll          = ""
	CohortType         = "type"
	CohortJurisdiction = "jurisdiction"
)

// Benchmark is the comparison of one assessment with its peers, or why it is withheld.
type Benchmark struct {
	Withheld bool   `json:"withheld"`
	Reason   string `json:"reason,omitempty"`
	// By is the cohort filter ("", "type" or "jurisdiction") and Cohort describes it in words
	// ("all that share their results", "of the same type: Government agency", …).
	By     string `json:"by"`
	Cohort string `json:"cohort"`
	// Organisations counts the organisations in the cohort (this one not included); Minimum
	// is the fewest needed.
	Organisations int                  `json:"organisations"`
	Minimum       int                  `json:"minimum"`
	Overall       *BenchmarkDimension  `json:"overall,omitempty"`
	Dimensions    []BenchmarkDimension `json:"dimensions,omitempty"`
}

// BenchmarkDimension is the peers' quartiles for one dimension and where this organisation
// sits. Quartiles follow Hyndman and Fan's definition 7 (R's default): see stats.Quantile.
type BenchmarkDimension struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Depth int    `json:"depth"`
	// N counts the peers that scored this dimension; with fewer than MinCohort its figures are
	// withheld.
	N             int      `json:"organisations"`
	Withheld      bool     `json:"withheld"`
	LowerQuartile *float64 `json:"lower_quartile"`
	Median        *float64 `json:"median"`
	UpperQuartile *float64 `json:"upper_quartile"`
	// Score is this organisation's own score; Position says where it sits among the peers.
	Score    *float64 `json:"score"`
	Position string   `json:"position,omitempty"`
}

// benchRound is v to one decimal, as a pointer for JSON.
func benchRound(v float64) *float64 { r := math.Round(v*10) / 10; return &r }

// orNaN is *f, or NaN when f is nil (for charts).
func orNaN(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

// peer is one organisation's latest opted-in, closed assessment against the framework key.
type peer struct {
	assessmentID int64
	orgID        int64
	frameworkID  int64
}

// peers lists, for framework key, the latest closed, opted-in assessment of each organisation
// other than orgID, optionally only organisations of a type or a jurisdiction.
func (Store) peers(ctx context.Context, q db.Q, key string, orgID int64, orgType, jurisdiction string) ([]peer, error) {
	query := `SELECT a.id, a.organisation_id, a.framework_id FROM maturity_assessments a
		JOIN frameworks f ON f.id = a.framework_id JOIN organisations o ON o.id = a.organisation_id
		WHERE f.key = ? AND a.status = ? AND a.benchmark_optin = ? AND a.organisation_id <> ? AND o.archived_at IS NULL`
	args := []any{key, StatusClosed, true, orgID}
	if orgType != "" {
		query += " AND o.type = ?"
		args = append(args, orgType)
	}
	if jurisdiction != "" {
		query += " AND lower(o.jurisdiction) = lower(?)"
		args = append(args, jurisdiction)
	}
	query += " ORDER BY a.organisation_id, a.period_end DESC, a.closed_at DESC, a.id DESC"
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []peer
	for rows.Next() {
		var p peer
		if err := rows.Scan(&p.assessmentID, &p.orgID, &p.frameworkID); err != nil {
			return nil, err
		}
		if len(out) > 0 && out[len(out)-1].orgID == p.orgID {
			continue // an older assessment of the same organisation
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// frameworkKey reads the pack key of a framework.
func (Store) frameworkKey(ctx context.Context, q db.Q, id int64) (string, error) {
	var key string
	err := q.QueryRow(ctx, "SELECT key FROM frameworks WHERE id = ?", id).Scan(&key)
	return key, db.MapError(err)
}

// Benchmark compares assessment id with its peers, for those who may see its results. by is
// CohortAll, CohortType or CohortJurisdiction.
func (s *Service) Benchmark(ctx context.Context, id int64, by string) (Benchmark, error) {
	a, err := s.resultsAssessment(ctx, id)
	if err != nil {
		return Benchmark{}, err
	}
	org, err := s.Dir.Store.Org(ctx, s.DB, a.OrgID)
	if err != nil {
		return Benchmark{}, err
	}
	b := Benchmark{By: by, Minimum: MinCohort, Cohort: "all that share their results"}
	orgType, jurisdiction := "", ""
	switch by {
	case CohortType:
		orgType = org.Type
		b.Cohort = "of the same type: " + directory.Label(directory.OrgTypes, org.Type)
	case CohortJurisdiction:
		jurisdiction = org.Jurisdiction
		b.Cohort = "in the same jurisdiction: " + org.Jurisdiction
		if org.Jurisdiction == "" {
			return withheld(b, org.Name+" has no jurisdiction recorded, so there is no jurisdiction to compare within."), nil
		}
	}
	switch {
	case a.Status != StatusClosed:
		return withheld(b, "Benchmarks compare closed assessments: close this one to compare it with peers."), nil
	case !a.BenchmarkOptIn:
		return withheld(b, "This assessment is not shared for benchmarking. Organisations see their peers only when they share their own results too: "+
			org.Name+"'s administrators can opt it in on the assessment's page."), nil
	}
	key, err := s.Store.frameworkKey(ctx, s.DB, a.FrameworkID)
	if err != nil {
		return Benchmark{}, err
	}
	peers, err := s.Store.peers(ctx, s.DB, key, a.OrgID, orgType, jurisdiction)
	if err != nil {
		return Benchmark{}, err
	}
	b.Organisations = len(peers)
	if len(peers) < MinCohort {
		return withheld(b, fmt.Sprintf("Fewer than %d other organisations (%s) have shared a closed assessment against this framework, "+
			"so the comparison is withheld: with so few, their results could be told apart.", MinCohort, b.Cohort)), nil
	}
	// Every peer's scores, by dimension ID (overall under "").
	values := map[string][]float64{}
	packs := map[int64]*Pack{}
	for _, pr := range peers {
		pk, ok := packs[pr.frameworkID]
		if !ok {
			fw, err := s.Store.Framework(ctx, s.DB, pr.frameworkID)
			if err != nil {
				return Benchmark{}, err
			}
			if fw.Pack == nil {
				return Benchmark{}, fmt.Errorf("framework %d has no pack", pr.frameworkID)
			}
			pk, packs[pr.frameworkID] = fw.Pack, fw.Pack
		}
		agreed, err := s.Store.AgreedAnswers(ctx, s.DB, pr.assessmentID)
		if err != nil {
			return Benchmark{}, err
		}
		res := Compute(pk, agreed)
		if res.Overall.OK {
			values[""] = append(values[""], res.Overall.Value)
		}
		for dim, sc := range res.Dimensions {
			if sc.OK {
				values[dim] = append(values[dim], sc.Value)
			}
		}
	}
	p, err := s.pack(ctx, a)
	if err != nil {
		return Benchmark{}, err
	}
	ownAgreed, err := s.Store.AgreedAnswers(ctx, s.DB, a.ID)
	if err != nil {
		return Benchmark{}, err
	}
	own := Compute(p, ownAgreed)
	overall := compare("", "Overall", 0, values[""], own.Overall)
	b.Overall = &overall
	var walk func(ds []Dimension, depth int)
	walk = func(ds []Dimension, depth int) {
		for _, d := range ds {
			b.Dimensions = append(b.Dimensions, compare(d.ID, d.Title, depth, values[d.ID], own.Dimensions[d.ID]))
			walk(d.Dimensions, depth+1)
		}
	}
	walk(p.Dimensions, 0)
	return b, nil
}

func withheld(b Benchmark, reason string) Benchmark {
	b.Withheld, b.Reason = true, reason
	return b
}

// compare sums up the peers' values for one dimension and places own among them.
func compare(id, title string, depth int, vs []float64, own Score) BenchmarkDimension {
	d := BenchmarkDimension{ID: id, Title: title, Depth: depth, N: len(vs)}
	if own.OK {
		d.Score = benchRound(own.Value)
	}
	if len(vs) < MinCohort {
		d.Withheld = true
		return d
	}
	qs, err := stats.Quantiles(vs, 0.25, 0.5, 0.75)
	if err != nil {
		d.Withheld = true
		return d
	}
	d.LowerQuartile, d.Median, d.UpperQuartile = benchRound(qs[0]), benchRound(qs[1]), benchRound(qs[2])
	if own.OK {
		d.Position = position(own.Value, qs[0], qs[1], qs[2])
	}
	return d
}

// position says where a score sits against the quartiles.
func position(v, q1, med, q3 float64) string {
	const eps = 1e-9
	switch {
	case v >= q3-eps && v > med+eps:
		return "in the top quarter (at or above the upper quartile)"
	case v > med+eps:
		return "above the median"
	case v >= med-eps:
		return "at the median"
	case v >= q1-eps:
		return "below the median"
	}
	return "in the bottom quarter (below the lower quartile)"
}
