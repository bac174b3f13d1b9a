package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

func orgInput(name string) directory.OrgInput {
	return directory.OrgInput{Name: name, Type: "government_agency"}
}

// matrixExtraFixtures adds the records of the directory's other kinds, owned by organisation A.
func matrixExtraFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	dir := f.app.Dir
	place, err := dir.CreatePlace(ctx, directory.PlaceInput{Name: "Testville", Kind: "community"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := dir.CreateService(ctx, directory.ServiceInput{OrgID: orgA, Name: "Apply for a permit", Channels: []string{"online"}})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dir.CreateProgram(ctx, directory.ProgramInput{Name: "Testville Together", LeadOrgID: orgA})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := dir.CreateTag(ctx, directory.TagInput{Scheme: "theme", Name: "Local planning"})
	if err != nil {
		t.Fatal(err)
	}
	link, err := dir.CreateLink(ctx, directory.LinkInput{FromKind: "organisation", FromID: orgA, Relation: "delivers", ToKind: "service", ToID: svc.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["taxonomy"] = fmt.Sprint(tag.ID)
	f.ids["tags"] = fmt.Sprint(tag.ID)
	f.ids["links"] = fmt.Sprint(link.ID)
	f.ids["people"] = fmt.Sprint(users["viewer"].ID)
	f.ids["people/memberships"] = fmt.Sprint(orgA)
	f.ids["organisations/members"] = fmt.Sprint(users["viewer"].ID)
	matrixCommitmentFixtures(t, ctx, f, orgA, users)
	matrixMaturityFrameworkFixtures(t, ctx, f)
	matrixMaturityAssessmentFixtures(t, ctx, f, orgA, users)
	matrixMaturityResultFixtures(t, ctx, f, orgA, users)
	matrixEngagementFixtures(t, ctx, f, orgA, users)
	matrixEngagementParticipateFixtures(t, ctx, f, orgA, users)
	matrixEngagementMapFixtures(t, ctx, f, orgA, users)
	matrixSurveyFixtures(t, ctx, f, orgA, users)
	matrixSatisfactionCollectFixtures(t, ctx, f, orgA)
	matrixSatisfactionCommentFixtures(t, ctx, f)
	matrixSurveyAnalysisFixtures(t, ctx, f)
	matrixLearningCaseStudyFixtures(t, ctx, f, orgA, users)
	matrixLearningCommunityFixtures(t, ctx, f, orgA, users)
	matrixLearningLearningFixtures(t, ctx, f, orgA, users)
	f.ids["places"] = fmt.Sprint(place.ID)
	f.ids["services"] = fmt.Sprint(svc.ID)
	f.ids["programs"] = fmt.Sprint(prog.ID)
	matrixLearningOutcomeFixtures(t, ctx, f, orgA, place.ID, prog.ID)
}
