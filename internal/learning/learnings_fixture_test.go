package learning

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// lrFixture is the case-study fixture (organisations A and B, people, a community, places,
// themes) with a case study at each place, and a stand-in for the commitments capability:
// commitment 19 ("AU0019 …", seen by everyone, in the search index) and commitment 20 (seen
// by no one).
type lrFixture struct {
	*csFixture
	csLogan    CaseStudy // public, at Logan
	csPapakura CaseStudy // public, at Papakura
	csCommA    CaseStudy // community only
}

func newLRFixture(t *testing.T, d *db.DB) *lrFixture {
	t.Helper()
	f := &lrFixture{csFixture: newCSFixture(t, d)}
	f.csLogan = f.create(t, "Logan Together", Public)
	in := f.input("Papakura integrated case management", Public)
	in.PlaceIDs = []int64{f.places[1]}
	in.ThemeIDs = nil
	var err error
	if f.csPapakura, err = f.s.CreateCaseStudy(f.as("contributor-a"), in); err != nil {
		t.Fatal(err)
	}
	f.csCommA = f.create(t, "A community-only case", Community)
	f.s.Dir.RegisterKind(KindCommitment, "Commitment", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		switch id {
		case 19:
			return directory.LinkRecord{Title: "AU0019 Place-based approaches", URL: "/commitments/AU0019", Visible: true}, nil
		case 20:
			return directory.LinkRecord{Title: "AU0020 Hidden", URL: "/commitments/AU0020", Visible: false}, nil
		}
		return directory.LinkRecord{}, db.ErrNotFound
	})
	ctx := authz.With(context.Background(), authz.System)
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return search.Index(ctx, tx, search.Doc{Kind: KindCommitment, RecordID: 19, Title: "AU0019 Place-based approaches",
			Body: "Learn from existing place-based approaches", URL: "/commitments/AU0019", Public: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// learning is a valid learning of organisation A with the given title and visibility.
func (f *lrFixture) learning(title, visibility string) LearningInput {
	in := LearningInput{OrgID: f.orgA, Type: LearningWorked, Title: title, Situation: "Agencies funded separately.",
		Action: "A local body set priorities.", Result: "Funding followed the priorities.", Insight: "Delegate priority-setting to " + title + ".",
		Context: "Places with a governance body.", Confidence: "high", Visibility: visibility, ThemeIDs: []int64{f.themes[1]},
		CaseStudyIDs: []int64{f.csLogan.ID}}
	if visibility == Community {
		in.CommunityID = f.community
	}
	return in
}

// addLearning creates a learning as contributor-a.
func (f *lrFixture) addLearning(t *testing.T, in LearningInput) Learning {
	t.Helper()
	l, err := f.s.CreateLearning(f.as("contributor-a"), in)
	if err != nil {
		t.Fatalf("create learning %q: %v", in.Title, err)
	}
	return l
}

// evidence is valid evidence of organisation A.
func (f *lrFixture) evidence(title string, consent, sensitive bool, visibility string) EvidenceInput {
	in := EvidenceInput{OrgID: f.orgA, Kind: EvidenceEvaluation, Title: title, Source: "Evaluation team", Date: "2024-06-30",
		Summary: "What the evaluation found.", Consent: consent, CulturallySensitive: sensitive, Visibility: visibility}
	if visibility == Community {
		in.CommunityID = f.community
	}
	return in
}

func (f *lrFixture) addEvidence(t *testing.T, in EvidenceInput) EvidenceItem {
	t.Helper()
	e, err := f.s.CreateEvidence(f.as("contributor-a"), in)
	if err != nil {
		t.Fatalf("create evidence %q: %v", in.Title, err)
	}
	return e
}

// lrWantField checks that err carries a message for field containing contains.
func lrWantField(t *testing.T, err error, field, contains string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok {
		t.Fatalf("want a message on %q, got %v", field, err)
	}
	if msg, ok := ve[field]; !ok || !strings.Contains(msg, contains) {
		t.Fatalf("want a message on %q containing %q, got %v", field, contains, ve)
	}
}

func lrWantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}

func lrCount(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
