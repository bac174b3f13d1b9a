package learning

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
)

// The demo's place outcome is Logan's: "Children in Logan are ready for school", the result
// Logan Together works towards, measured by the share of children developmentally on track on
// all five domains of the Australian Early Development Census (AEDC), collected every three
// years since 2009. The figures are invented — the seeds hold none — and marked illustrative
// wherever they are shown; the 2024 figure is provisional. The result links to what works (a
// learning) and to its action plan (AU0019). Logan Together's program has a set of performance
// measures, one or more for each of the three questions, also illustrative.

func init() { registerDemo("outcomes", demoOutcomes) }

// demoLoganFigures are the illustrative AEDC figures for Logan (and Queensland, to compare).
var demoLoganFigures = []struct {
	Code, Period string
	Value        float64
	Provisional  bool
	Note         string
}{
	{"34590", "2009", 47.5, false, ""}, {"34590", "2012", 49.8, false, ""}, {"34590", "2015", 50.6, false, ""},
	{"34590", "2018", 52.3, false, ""}, {"34590", "2021", 51.9, false, "Collected during the COVID-19 pandemic."},
	{"34590", "2024", 54.8, true, "Provisional: before the final release."},
	{"3", "2009", 50.4, false, ""}, {"3", "2012", 52.6, false, ""}, {"3", "2015", 54.9, false, ""},
	{"3", "2018", 55.4, false, ""}, {"3", "2021", 54.1, false, ""},
}

const demoLoganStory = `*The figures on this page are illustrative: they show how a turn-the-curve page works, and are not Logan's published results.*

## Why the curve is where it is

Logan is one of the youngest and fastest-growing places in Queensland, and one of the most diverse. Many families are new to the area, move often, or are doing it tough, and the services that help children in their first five years are spread thin and hard to find.

Over the baseline the share of children on track on all five domains rose slowly, and stalled in 2021, when the census was collected during the pandemic. Left as it is, the trend closes only a little of the gap to the rest of Queensland by 2030.

## What drives it

- **Pregnancy and the first thousand days**: antenatal care and early parenting support.
- **Early learning**: attendance at playgroups, kindergarten and early childhood education and care.
- **Family stress**: housing, income and safety.
- **Transition to school**: schools and early years services that know each child before they start.`

const demoLoganPartners = `Logan Together
Logan City Council
Department of Social Services
Queensland Department of Education
Early childhood education and care services in Logan
Schools in Logan
Families and community members`

// demoMeasures are the illustrative performance measures of Logan Together's program, by
// financial year.
var demoMeasures = []struct {
	In      IndicatorInput
	Figures []float64 // 2020-21, 2021-22, 2022-23, 2023-24 (the last provisional)
}{
	{IndicatorInput{Question: QuestionHowMuch, Name: "Families taking part in community playgroups", Unit: "families", GoodDirection: "up",
		Definition: "Families who came to at least one community playgroup session in the year.", Source: "Playgroup attendance records"},
		[]float64{310, 365, 402, 455}},
	{IndicatorInput{Question: QuestionHowWell, Name: "Parents who rate the playgroups good or very good", Unit: "%", GoodDirection: "up",
		Definition: "Share of parents answering the end-of-term survey who rate their playgroup good or very good.", Source: "Parent survey"},
		[]float64{81, 84, 86, 88}},
	{IndicatorInput{Question: QuestionBetterOff, Name: "Playgroup children on track at their three-year health check", Unit: "%", GoodDirection: "up",
		Definition: "Share of children who attended a playgroup for at least a term and are on track at their three-year-old child health check.",
		Source:     "Child health checks"},
		[]float64{66, 68, 71, 73}},
}

// demoOutcomes loads Logan's result, its indicator and figures, its links, and the program's
// performance measures.
func demoOutcomes(ctx context.Context, s *Service, ids *DemoIDs) (string, error) {
	if s.Dir == nil {
		return "", nil
	}
	logan, err := demoLogan(ctx, s, ids)
	if err != nil {
		return "", err
	}
	res, err := s.CreateResult(ctx, ResultInput{PlaceID: logan, Title: "Children in Logan are ready for school", OrgID: ids.Orgs["Logan Together"],
		Story: demoLoganStory, Partners: demoLoganPartners})
	if err != nil {
		return "", fmt.Errorf("result: %w", err)
	}
	target := 58.0
	ind, err := s.CreateIndicator(ctx, res.ID, IndicatorInput{
		Name:       "% of children developmentally on track on all five AEDC domains",
		Definition: "Children in their first year of full-time school who score above the lowest quarter of the national baseline on every one of the five domains of the Australian Early Development Census — physical health and wellbeing, social competence, emotional maturity, language and cognitive skills, and communication skills and general knowledge — as a share of the children with valid scores.",
		Unit:       "%", GoodDirection: "up", Source: "Australian Early Development Census (collected every three years)", GeographyLevel: "lga",
		TargetValue: &target, TargetPeriod: "2030", PeriodFormat: PeriodYear, BaselineEnd: "2021", Illustrative: true})
	if err != nil {
		return "", fmt.Errorf("indicator: %w", err)
	}
	var batch ObservationBatch
	for _, o := range demoLoganFigures {
		v := o.Value
		batch.Observations = append(batch.Observations, ObservationInput{PlaceCode: o.Code, Period: o.Period, Value: &v, Provisional: o.Provisional, Note: o.Note})
	}
	if _, err := s.ImportObservations(ctx, ind.ID, batch, nil, true); err != nil {
		return "", fmt.Errorf("figures: %w", err)
	}
	links := 0
	kinds := map[string]bool{}
	for _, k := range s.Dir.LinkKinds() {
		kinds[k.Value] = true
	}
	link := func(kind string, id int64, relation, note string) error {
		if id == 0 || !kinds[kind] {
			return nil
		}
		if _, err := s.Dir.CreateLink(ctx, directory.LinkInput{FromKind: ResultKind, FromID: res.ID, Relation: relation, ToKind: kind, ToID: id, Note: note}); err != nil {
			return fmt.Errorf("link to %s %d: %w", kind, id, err)
		}
		links++
		return nil
	}
	if err := link("learning", demoLearningFor(ids), "learned_from", "What works in bringing services together around a place."); err != nil {
		return "", err
	}
	if err := link("commitment", ids.Commitments["AU0019"], "related_to", "The open government commitment to learn from place-based approaches such as Logan Together."); err != nil {
		return "", err
	}
	if err := link(CaseStudyKind, ids.CaseStudies["Logan Together"], "related_to", ""); err != nil {
		return "", err
	}
	measures := 0
	if prog := ids.Programs["Logan Together"]; prog != 0 {
		for _, m := range demoMeasures {
			in := m.In
			in.PeriodFormat, in.Illustrative = PeriodFinancialYear, true
			mi, err := s.CreateMeasure(ctx, prog, in)
			if err != nil {
				return "", fmt.Errorf("measure %s: %w", in.Name, err)
			}
			var b ObservationBatch
			for k, v := range m.Figures {
				v := v
				b.Observations = append(b.Observations, ObservationInput{PlaceID: logan, Period: fmt.Sprintf("%d-%02d", 2020+k, (21+k)%100), Value: &v,
					Provisional: k == len(m.Figures)-1})
			}
			if _, err := s.ImportObservations(ctx, mi.ID, b, nil, true); err != nil {
				return "", fmt.Errorf("measure %s figures: %w", in.Name, err)
			}
			measures++
		}
	}
	return fmt.Sprintf("1 place result for Logan with an indicator (illustrative figures) and %d links, %d performance measures", links, measures), nil
}

// demoLogan finds Logan, or adds it (in Queensland, when the directory has it).
func demoLogan(ctx context.Context, s *Service, ids *DemoIDs) (int64, error) {
	if id := ids.Places["Logan"]; id != 0 {
		return id, nil
	}
	p, err := s.Dir.Store.PlaceByName(ctx, s.DB, "Logan", "lga")
	if err == nil {
		ids.Places["Logan"] = p.ID
		return p.ID, nil
	}
	in := directory.PlaceInput{Name: "Logan", Kind: "lga", Code: "34590", ParentID: ids.Places["Queensland"]}
	created, err := s.Dir.CreatePlace(ctx, in)
	if err != nil {
		return 0, fmt.Errorf("place Logan: %w", err)
	}
	ids.Places["Logan"] = created.ID
	return created.ID, nil
}

// demoLearningFor picks the demo learning that says what works for Logan's result: one about
// Logan, shared goals or joining up services, else the first by title.
func demoLearningFor(ids *DemoIDs) int64 {
	titles := make([]string, 0, len(ids.Learnings))
	for t := range ids.Learnings {
		titles = append(titles, t)
	}
	slices.Sort(titles)
	for _, word := range []string{"logan", "early", "shared", "joined", "place"} {
		for _, t := range titles {
			if strings.Contains(strings.ToLower(t), word) {
				return ids.Learnings[t]
			}
		}
	}
	if len(titles) > 0 {
		return ids.Learnings[titles[0]]
	}
	return 0
}
