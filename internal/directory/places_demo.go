package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// demoPlace is a place of the demo story; Parent names a place listed before it.
type demoPlace struct {
	Name, Kind, Code, Parent, Description string
}

// demoPlaces are the places named in the seed documents, largest first. Codes are only those
// of official classifications: ISO 3166 for countries, the ABS state and territory codes, and
// the ABS local government area code of Logan.
var demoPlaces = []demoPlace{
	{Name: "Australia", Kind: "country", Code: "AU"},
	{Name: "New South Wales", Kind: "state", Code: "1", Parent: "Australia"},
	{Name: "Victoria", Kind: "state", Code: "2", Parent: "Australia"},
	{Name: "Queensland", Kind: "state", Code: "3", Parent: "Australia"},
	{Name: "South Australia", Kind: "state", Code: "4", Parent: "Australia"},
	{Name: "Western Australia", Kind: "state", Code: "5", Parent: "Australia"},
	{Name: "Tasmania", Kind: "state", Code: "6", Parent: "Australia"},
	{Name: "Northern Territory", Kind: "state", Code: "7", Parent: "Australia"},
	{Name: "Australian Capital Territory", Kind: "state", Code: "8", Parent: "Australia"},
	{Name: "Logan", Kind: "lga", Code: "34590", Parent: "Queensland",
		Description: "Logan City, in South East Queensland: the home of the Logan Together movement."},
	{Name: "Cape York", Kind: "region", Parent: "Queensland", Description: "An Empowered Communities region."},
	{Name: "Inner Sydney", Kind: "region", Parent: "New South Wales", Description: "An Empowered Communities region."},
	{Name: "Goulburn-Murray", Kind: "region", Parent: "Victoria", Description: "An Empowered Communities region."},
	{Name: "East Kimberley", Kind: "region", Parent: "Western Australia", Description: "An Empowered Communities region."},
	{Name: "West Kimberley", Kind: "region", Parent: "Western Australia", Description: "An Empowered Communities region."},
	{Name: "North East Arnhem Land", Kind: "region", Parent: "Northern Territory", Description: "An Empowered Communities region."},
	{Name: "Central Australia/NPY Lands", Kind: "region", Parent: "Australia",
		Description: "An Empowered Communities region: the Ngaanyatjarra, Pitjantjatjara and Yankunytjatjara lands, where the Northern Territory, South Australia and Western Australia meet."},
	{Name: "Ngukurr", Kind: "community", Parent: "Northern Territory", Description: "A Stronger Communities for Children community."},
	{Name: "Galiwin'ku", Kind: "community", Parent: "Northern Territory", Description: "A Stronger Communities for Children community, on Elcho Island."},
	{Name: "New Zealand", Kind: "country", Code: "NZ"},
	{Name: "Auckland", Kind: "region", Parent: "New Zealand"},
	{Name: "Papakura", Kind: "community", Parent: "Auckland"},
	{Name: "Mangere", Kind: "community", Parent: "Auckland", Description: "Also written Māngere."},
	{Name: "Otara", Kind: "community", Parent: "Auckland", Description: "Also written Ōtara."},
	{Name: "Hawke's Bay", Kind: "region", Parent: "New Zealand", Description: "Also written Hawkes Bay."},
}

// demoExtraOrgs are organisations the New Zealand seed names as leads that the directory's own
// demo list leaves out; they are added only when missing.
var demoExtraOrgs = []OrgInput{
	{Name: "Ministry of Education (New Zealand)", Type: "government_agency", Jurisdiction: "New Zealand"},
	{Name: "Department of Labour (New Zealand)", Type: "government_agency", Jurisdiction: "New Zealand",
		Description: "Ran the Recognised Seasonal Employer scheme when the Better Connected Services for Kiwis project studied it (2007–2008); its work passed to the Ministry of Business, Innovation and Employment in 2012."},
}

// demoServices are services named or implied by the seed documents.
var demoServices = []struct {
	Org      string
	In       ServiceInput
	Places   []string
	Channels []string
}{
	{Org: "Service SA", Places: []string{"South Australia"}, Channels: []string{"in_person"},
		In: ServiceInput{Name: "Customer service centres",
			Description: "South Australia's network of government service centres, where people deal with the state government in person."}},
	{Org: "Service SA", Places: []string{"South Australia"}, Channels: []string{"in_person", "phone", "online", "mail"},
		In: ServiceInput{Name: "Vehicle registration and driver's licences",
			Description: "Register a vehicle, renew a registration and apply for or renew a driver's licence."}},
	{Org: "Department of Human Services", Places: []string{"Australia"}, Channels: []string{"in_person", "phone", "online"},
		In: ServiceInput{Name: "Apply for a payment",
			Description: "Claim an Australian Government payment: online, by phone or at a service centre."}},
	{Org: "Department of Human Services", Places: []string{"Australia"}, Channels: []string{"outreach"},
		In: ServiceInput{Name: "Mobile service centres",
			Description: "Mobile offices that visit regional and remote communities, so that people can deal with the department without travelling to a town."}},
	{Org: "Ministry of Social Development", Places: []string{"New Zealand"}, Channels: []string{"in_person", "phone", "online"},
		In: ServiceInput{Name: "Apply for financial help",
			Description: "Apply to Work and Income for a benefit or other financial help."}},
}

// demoPrograms are the place-based approaches named by the seed documents: the four that
// Australia's commitment AU0019 (2018–2020) sets out to learn from, and the examples of
// joined-up working studied by the New Zealand "Better Connected Services for Kiwis" project.
// No dates are given: the seeds state none for the programs themselves.
var demoPrograms = []struct {
	Lead     string
	Partners []string
	Places   []string
	In       ProgramInput
}{
	{Lead: "Logan Together", Partners: []string{"Logan City Council", "Department of Social Services"}, Places: []string{"Logan"},
		In: ProgramInput{Name: "Logan Together", Website: "https://logantogether.org.au",
			Description: "A collective-impact movement of Logan's community, government and service partners, working so that children grow up healthy and well.\n\nNamed by Australia's open government commitment AU0019 as a place-based approach for the public service to learn from."}},
	{Lead: "Empowered Communities", Partners: []string{"Department of the Prime Minister and Cabinet"},
		Places: []string{"Cape York", "Inner Sydney", "Goulburn-Murray", "East Kimberley", "West Kimberley", "Central Australia/NPY Lands", "North East Arnhem Land"},
		In: ProgramInput{Name: "Empowered Communities", Website: "https://empoweredcommunities.org.au",
			Description: "Indigenous leaders in regions across Australia working in partnership with government on Indigenous-led development.\n\nNamed by commitment AU0019 as a place-based approach to learn from."}},
	{Lead: "Department of the Prime Minister and Cabinet", Places: []string{"Ngukurr", "Galiwin'ku"},
		In: ProgramInput{Name: "Stronger Communities for Children",
			Description: "Communities in the Northern Territory decide, with facilitating partners, which services their children and families need.\n\nNamed by commitment AU0019 as a place-based approach to learn from."}},
	{Lead: "Department of Infrastructure, Regional Development and Cities", Partners: []string{"Department of the Prime Minister and Cabinet"}, Places: []string{"Australia"},
		In: ProgramInput{Name: "City Deals",
			Description: "Partnerships between the three levels of government, and with communities, to plan and invest together in a city or region.\n\nNamed by commitment AU0019 as a place-based approach to learn from."}},
	{Lead: "Victoria University of Wellington", Partners: []string{"State Services Commission"}, Places: []string{"New Zealand"},
		In: ProgramInput{Name: "Better Connected Services for Kiwis",
			Description: "An Emerging Issues Programme project, commissioned by Public Service Chief Executives, on the preconditions for more joined-up, citizen-centred services in New Zealand and on what helps and hinders them. Its issues papers were due for publication in May 2008."}},
	{Lead: "Ministry of Social Development", Places: []string{"Papakura"},
		In: ProgramInput{Name: "Integrated Case Management – Papakura",
			Description: "Case management joined up across agencies in Papakura: one of the examples of joined-up working studied by the Better Connected Services for Kiwis project."}},
	{Lead: "Department of Labour (New Zealand)", Places: []string{"Hawke's Bay"},
		In: ProgramInput{Name: "Recognised Seasonal Employer – pip fruit, Hawke's Bay",
			Description: "Seasonal workers for Hawke's Bay's pip fruit growers under the Recognised Seasonal Employer scheme: one of the examples of joined-up working studied by the Better Connected Services for Kiwis project."}},
	{Lead: "Ministry of Education (New Zealand)", Places: []string{"Mangere", "Otara"},
		In: ProgramInput{Name: "Strengthening Education in Mangere and Otara",
			Description: "Schools, families and agencies working together to raise achievement in Mangere and Otara: one of the examples of joined-up working studied by the Better Connected Services for Kiwis project."}},
}

// loadDemoPlacesServicesPrograms adds the demo places, services and programs (ctx must carry a
// site admin); orgs maps the demo organisations' names to their IDs and gains any it adds.
func loadDemoPlacesServicesPrograms(ctx context.Context, s *Service, orgs map[string]int64) (string, error) {
	added := 0
	for _, in := range demoExtraOrgs {
		o, err := s.Store.OrgByName(ctx, s.DB, in.Name)
		if errors.Is(err, db.ErrNotFound) {
			if o, err = s.CreateOrg(ctx, in); err == nil {
				added++
			}
		}
		if err != nil {
			return "", fmt.Errorf("organisation %s: %w", in.Name, err)
		}
		orgs[o.Name] = o.ID
	}
	org := func(name string) (int64, error) {
		if oid, ok := orgs[name]; ok {
			return oid, nil
		}
		o, err := s.Store.OrgByName(ctx, s.DB, name)
		if err != nil {
			return 0, fmt.Errorf("organisation %s: %w", name, err)
		}
		orgs[name] = o.ID
		return o.ID, nil
	}
	places := map[string]int64{}
	placeIDs := func(names []string) ([]int64, error) {
		out := make([]int64, len(names))
		for i, n := range names {
			pid, ok := places[n]
			if !ok {
				return nil, fmt.Errorf("demo: no place %q", n)
			}
			out[i] = pid
		}
		return out, nil
	}
	for _, d := range demoPlaces {
		in := PlaceInput{Name: d.Name, Kind: d.Kind, Code: d.Code, Description: d.Description}
		if d.Parent != "" {
			in.ParentID = places[d.Parent]
		}
		p, err := s.CreatePlace(ctx, in)
		if err != nil {
			return "", fmt.Errorf("place %s: %w", d.Name, err)
		}
		places[d.Name] = p.ID
	}
	for _, d := range demoServices {
		in := d.In
		var err error
		if in.OrgID, err = org(d.Org); err != nil {
			return "", err
		}
		if in.PlaceIDs, err = placeIDs(d.Places); err != nil {
			return "", err
		}
		in.Channels = d.Channels
		if _, err := s.CreateService(ctx, in); err != nil {
			return "", fmt.Errorf("service %s: %w", in.Name, err)
		}
	}
	for _, d := range demoPrograms {
		in := d.In
		var err error
		if in.LeadOrgID, err = org(d.Lead); err != nil {
			return "", err
		}
		for _, name := range d.Partners {
			oid, err := org(name)
			if err != nil {
				return "", err
			}
			in.PartnerIDs = append(in.PartnerIDs, oid)
		}
		if in.PlaceIDs, err = placeIDs(d.Places); err != nil {
			return "", err
		}
		if _, err := s.CreateProgram(ctx, in); err != nil {
			return "", fmt.Errorf("program %s: %w", in.Name, err)
		}
	}
	sum := fmt.Sprintf("%d places, %d services, %d programs", len(demoPlaces), len(demoServices), len(demoPrograms))
	if added > 0 {
		sum = fmt.Sprintf("%d more organisations, %s", added, sum)
	}
	return sum, nil
}
