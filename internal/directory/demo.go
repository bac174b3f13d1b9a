package directory

import (
	"context"
	"fmt"
)

// demoOrgs are the organisations named in the seed documents. Parents come first.
var demoOrgs = []struct {
	In     OrgInput
	Parent string
}{
	{In: OrgInput{Name: "Department of the Prime Minister and Cabinet", ShortName: "PM&C", Type: "government_agency", Jurisdiction: "Commonwealth of Australia",
		Description: "Lead institution for Australia's open government commitment to improve public service practice using place-based approaches (AU0019)."}},
	{In: OrgInput{Name: "Department of Social Services", ShortName: "DSS", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Department of Health", ShortName: "Health", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Department of Human Services", ShortName: "DHS", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Department of Education and Training", ShortName: "DET", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Department of Jobs and Small Business", ShortName: "DJSB", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Department of Infrastructure, Regional Development and Cities", ShortName: "Infrastructure", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Australian Bureau of Statistics", ShortName: "ABS", Type: "government_agency", Jurisdiction: "Commonwealth of Australia"}},
	{In: OrgInput{Name: "Australian Public Service Commission", ShortName: "APSC", Type: "government_agency", Jurisdiction: "Commonwealth of Australia",
		Description: "Published the Charter of Partnerships and Engagement (December 2023) and the APS Agency Engagement Maturity Assessment tool."}},
	{In: OrgInput{Name: "Victoria University of Wellington", ShortName: "VUW", Type: "academic", Jurisdiction: "New Zealand",
		Description: "Leads the Emerging Issues Programme research project on better connected, joined-up citizen-focused services for New Zealanders."}},
	{In: OrgInput{Name: "State Services Commission", ShortName: "SSC", Type: "government_agency", Jurisdiction: "New Zealand"}},
	{In: OrgInput{Name: "Ministry of Social Development", ShortName: "MSD", Type: "government_agency", Jurisdiction: "New Zealand"}},
	{In: OrgInput{Name: "Department of the Premier and Cabinet (South Australia)", ShortName: "DPC SA", Type: "government_agency", Jurisdiction: "South Australia"}},
	{In: OrgInput{Name: "Service SA", Type: "government_agency", Jurisdiction: "South Australia",
		Description: "South Australia's government service centre network; its director facilitates the Citizen Community of Practice."}, Parent: "Department of the Premier and Cabinet (South Australia)"},
	{In: OrgInput{Name: "Logan Together", Type: "community_organisation", Jurisdiction: "Queensland",
		Description: "A collective-impact movement in Logan working so that children grow up healthy and well."}},
	{In: OrgInput{Name: "Empowered Communities", Type: "first_nations_organisation", Jurisdiction: "Commonwealth of Australia",
		Description: "Indigenous leaders from regions across Australia working with government on Indigenous-led development."}},
	{In: OrgInput{Name: "Logan City Council", Type: "local_government", Jurisdiction: "Queensland"}},
}

// LoadDemo loads the directory's part of the demo story (ctx must carry a site admin) and
// returns a summary.
func LoadDemo(ctx context.Context, s *Service, adminID int64) (string, error) {
	ids := map[string]int64{}
	for _, d := range demoOrgs {
		in := d.In
		if d.Parent != "" {
			in.ParentID = ids[d.Parent]
		}
		o, err := s.CreateOrg(ctx, in)
		if err != nil {
			return "", fmt.Errorf("organisation %s: %w", in.Name, err)
		}
		ids[o.Name] = o.ID
	}
	more, err := loadDemoPlacesServicesPrograms(ctx, s, ids)
	if err != nil {
		return "", err
	}
	people, err := loadDemoTaxonomyPeople(ctx, s, ids)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d organisations, %s, %s", len(demoOrgs), more, people), nil
}
