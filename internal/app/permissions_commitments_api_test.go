package app

// Who may use the commitments API, exports and import. The fixture (matrixCommitmentFixtures)
// is a published plan of organisation A with the commitment AU9999, led by A, and a
// milestone. Reading, lists and downloads are public (drafts are left out for those who may
// not see them); changes need an account and are checked against the object by the service:
// contributors of A edit the commitment, its milestones and updates; managers of A edit the
// published plan and set progress by hand; assessments come from A's reviewers and managers
// (self) or other organisations' reviewers (B's admin: independent). A body of {} counts as let
// through when it answers 422 with its field messages. The import page is for contributors of
// any organisation.
func init() {
	for k, v := range map[string]string{
		"GET /api/v1/plans":                             "YYYYYYY",
		"POST /api/v1/plans":                            "--YYYYY",
		"GET /api/v1/plans/{id}":                        "YYYYYYY",
		"PUT /api/v1/plans/{id}":                        "---YY-Y",
		"GET /api/v1/commitments":                       "YYYYYYY",
		"POST /api/v1/commitments":                      "--YYYYY",
		"GET /api/v1/commitments/{ref}":                 "YYYYYYY",
		"PUT /api/v1/commitments/{ref}":                 "--YYY-Y",
		"PUT /api/v1/commitments/{ref}/progress":        "---YY-Y",
		"GET /api/v1/commitments/{ref}/milestones":      "YYYYYYY",
		"POST /api/v1/commitments/{ref}/milestones":     "--YYY-Y",
		"PUT /api/v1/commitments/{ref}/milestones/{id}": "--YYY-Y",
		"GET /api/v1/commitments/{ref}/updates":         "YYYYYYY",
		"POST /api/v1/commitments/{ref}/updates":        "--YYY-Y",
		"GET /api/v1/commitments/{ref}/assessments":     "YYYYYYY",
		"POST /api/v1/commitments/{ref}/assessments":    "---YYYY",
		"GET /api/v1/milestones":                        "YYYYYYY",
		"GET /api/v1/commitment-assessments":            "YYYYYYY",
		"GET /commitments/import":                       "--YYYYY",
		"POST /commitments/import":                      "--YYYYY",
	} {
		permissionRules[k] = v
	}
}
