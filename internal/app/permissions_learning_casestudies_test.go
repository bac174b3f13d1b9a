package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

// Who may use the case-study pages, their history, attachments and API, and the file
// download. The fixture's case study (matrixLearningCaseStudyFixtures) belongs to organisation
// A, is seen by signed-in members only, was written by nobody in the matrix (so A's
// contributor is not its creator), and holds one attachment. Anonymous visitors are told it
// does not exist; every signed-in person reads it, its history and its file; A's managers and
// admins (and site admins) edit, archive and attach. Contributors of any organisation may
// start a new one (B's admin for B). An empty form posted counts as let through when it
// answers 422 (or 400 for an upload that is not multipart).
func init() {
	for k, v := range map[string]string{
		"GET /case-studies":                              "YYYYYYY",
		"GET /case-studies/new":                          "--YYYYY",
		"POST /case-studies":                             "--YYYYY",
		"GET /case-studies/{id}":                         "-YYYYYY",
		"GET /case-studies/{id}/edit":                    "---YY-Y",
		"POST /case-studies/{id}":                        "---YY-Y",
		"POST /case-studies/{id}/archive":                "---YY-Y",
		"POST /case-studies/{id}/files":                  "---YY-Y",
		"POST /case-studies/{id}/files/{file_id}/delete": "---YY-Y",
		"GET /case-studies/{id}/history":                 "-YYYYYY",
		"GET /case-studies/{id}/history/{revision}":      "-YYYYYY",
		"GET /case-studies/{id}/diff":                    "-YYYYYY",
		"GET /files/{id}":                                "-YYYYYY",
		"GET /api/v1/case-studies":                       "YYYYYYY",
		"POST /api/v1/case-studies":                      "--YYYYY",
		"GET /api/v1/case-studies/{id}":                  "-YYYYYY",
		"PUT /api/v1/case-studies/{id}":                  "---YY-Y",
		"POST /api/v1/case-studies/{id}/archive":         "---YY-Y",
		"GET /api/v1/case-studies/{id}/revisions":        "-YYYYYY",
	} {
		permissionRules[k] = v
	}
}

// matrixLearningCaseStudyFixtures adds organisation A's members-only case study with an
// attachment and a second revision, for the wildcards {id}, {file_id} and {revision}, and the
// file's download address.
func matrixLearningCaseStudyFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	s := f.app.Learning
	c, err := s.CreateCaseStudy(ctx, learning.CaseStudyInput{OrgID: orgA, Title: "Testville Together", Summary: "Neighbours and agencies plan together.",
		Body: "## What happened\n\nA plan.", Visibility: learning.Members})
	if err != nil {
		t.Fatal(err)
	}
	file, err := s.AttachFile(ctx, c.ID, learning.Upload{Name: "plan.txt", Data: []byte("The Testville plan.\n")})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["case-studies"] = fmt.Sprint(c.ID)
	f.ids["case-studies/files"] = fmt.Sprint(file.ID)
	f.ids["case-studies/history"] = "2"
	f.ids["files"] = fmt.Sprint(file.ID)
}
