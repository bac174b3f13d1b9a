package commitments

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// CommitmentsByRefs loads the commitments with these public references (any case), in
// batches of 500.
func (Store) CommitmentsByRefs(ctx context.Context, q db.Q, refs []string) ([]Commitment, error) {
	var out []Commitment
	seen := map[string]bool{}
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := db.Each(ctx, q, "SELECT "+commitmentColumns+commitmentFrom+" WHERE upper(c.reference) IN ("+db.Placeholders(len(batch))+")", batch,
			func(rows *sql.Rows) error {
				c, err := scanCommitment(rows)
				out = append(out, c)
				return err
			})
		batch = batch[:0]
		return err
	}
	for _, r := range refs {
		r = NormalizeReference(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		batch = append(batch, r)
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// PlanTitleTaken reports whether a plan already has this title (ignoring case).
func (Store) PlanTitleTaken(ctx context.Context, q db.Q, title string) (bool, error) {
	var one int
	err := db.MapError(q.QueryRow(ctx, "SELECT 1 FROM action_plans WHERE lower(title) = lower(?)", strings.TrimSpace(title)).Scan(&one))
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// NamedRecord is a record's ID and names, for lookups by name.
type NamedRecord struct {
	ID        int64
	Name      string
	ShortName string
	Archived  bool
}

// OrgNames lists every organisation's ID, name and short name, by ID (the import looks
// institutions up among them without a query per name).
func (Store) OrgNames(ctx context.Context, q db.Q) ([]NamedRecord, error) {
	var out []NamedRecord
	err := db.Each(ctx, q, "SELECT id, name, short_name, archived_at IS NOT NULL FROM organisations ORDER BY id", nil, func(rows *sql.Rows) error {
		var r NamedRecord
		err := rows.Scan(&r.ID, &r.Name, &r.ShortName, &r.Archived)
		out = append(out, r)
		return err
	})
	return out, err
}

// TagNames lists the tags of scheme, by ID.
func (Store) TagNames(ctx context.Context, q db.Q, scheme string) ([]NamedRecord, error) {
	var out []NamedRecord
	err := db.Each(ctx, q, "SELECT id, name, archived_at IS NOT NULL FROM tags WHERE scheme = ? ORDER BY id", []any{scheme}, func(rows *sql.Rows) error {
		var r NamedRecord
		err := rows.Scan(&r.ID, &r.Name, &r.Archived)
		out = append(out, r)
		return err
	})
	return out, err
}

// importChunk bounds the rows of one multi-row INSERT (24 parameters a commitment: well
// under either database's limit on parameters).
const importChunk = 100

// InsertCommitments creates commitments (relations are set separately) in multi-row
// statements and returns their IDs by reference.
func (Store) InsertCommitments(ctx context.Context, q db.Q, ins []CommitmentInput) (map[string]int64, error) {
	ids := make(map[string]int64, len(ins))
	now := db.Now()
	for len(ins) > 0 {
		chunk := ins[:min(len(ins), importChunk)]
		ins = ins[len(chunk):]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*24)
		b.WriteString(`INSERT INTO commitments (plan_id, reference, number, title, short_title, status, lead_organisation_id, other_actors_government, other_actors_civil,
		value_access_info, value_civic_participation, value_accountability, value_technology,
		problem, description, contribution, relevance, additional_info, start_date, end_date, contacts, url, created_at, updated_at) VALUES `)
		for i, in := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + db.Placeholders(24) + ")")
			args = append(append(args, commitmentArgs(in)...), now, now)
		}
		b.WriteString(" RETURNING id, reference")
		err := db.Each(ctx, q, b.String(), args, func(rows *sql.Rows) error {
			var id int64
			var ref string
			err := rows.Scan(&id, &ref)
			ids[NormalizeReference(ref)] = id
			return err
		})
		if err != nil {
			return nil, db.MapError(err)
		}
	}
	return ids, nil
}

// InsertSupporters adds (commitment ID, organisation ID) pairs.
func (Store) InsertSupporters(ctx context.Context, q db.Q, pairs [][2]int64) error {
	for len(pairs) > 0 {
		chunk := pairs[:min(len(pairs), 500)]
		pairs = pairs[len(chunk):]
		args := make([]any, 0, 2*len(chunk))
		vals := make([]string, len(chunk))
		for i, p := range chunk {
			vals[i] = "(?, ?)"
			args = append(args, p[0], p[1])
		}
		if _, err := q.Exec(ctx, "INSERT INTO commitment_supporters (commitment_id, organisation_id) VALUES "+strings.Join(vals, ", "), args...); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// InsertAssessments appends one assessment per commitment in multi-row statements and
// returns their IDs by commitment ID.
func (Store) InsertAssessments(ctx context.Context, q db.Q, assessor string, reviews []pendingReview) (map[int64]int64, error) {
	ids := make(map[int64]int64, len(reviews))
	now := db.Now()
	for len(reviews) > 0 {
		chunk := reviews[:min(len(reviews), importChunk)]
		reviews = reviews[len(chunk):]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*21)
		b.WriteString(`INSERT INTO assessments (commitment_id, kind, assessor_id, assessor, assessed_on, verifiable,
		rel_access_info, rel_civic_participation, rel_accountability, rel_technology, potential_impact, potential_results, completion,
		otg_overall, otg_access_info, otg_civic_participation, otg_accountability, otg_technology, summary, source, created_at) VALUES `)
		for i, rv := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + db.Placeholders(21) + ")")
			in := rv.in
			var ver any
			if in.Verifiable != nil {
				ver = *in.Verifiable
			}
			args = append(args, rv.commitmentID, in.Kind, nil, assessor, in.AssessedOn.Time, ver,
				in.Relevance.AccessInfo, in.Relevance.CivicParticipation, in.Relevance.Accountability, in.Relevance.Technology,
				in.PotentialImpact, in.PotentialResults, in.Completion, in.OTGOverall, in.OTG.AccessInfo, in.OTG.CivicParticipation,
				in.OTG.Accountability, in.OTG.Technology, in.Summary, in.Source, now)
		}
		b.WriteString(" RETURNING id, commitment_id")
		err := db.Each(ctx, q, b.String(), args, func(rows *sql.Rows) error {
			var id, cid int64
			err := rows.Scan(&id, &cid)
			ids[cid] = id
			return err
		})
		if err != nil {
			return nil, db.MapError(err)
		}
	}
	return ids, nil
}
