package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// The benchmark's corpus: 100,000 documents of text drawn from a vocabulary with Zipf
// frequencies (function words first, then the words of public-service writing, then a long
// tail of rarer words), with kinds, organisations, places, themes and visibilities spread as
// a full site would have them.

// functionWords are the most frequent words of English prose.
var functionWords = strings.Fields(`the of and to a in for is on that by this with it as be are from at or an
was which will have has not their its they we our can more been also were these other all but
who one may new into than there such through each about between would would should most how
when where what them some any only out over up under both many well while those same then
because so within after before during across any very however including must first two three`)

// contentWords are words of public-service writing, most frequent first.
var contentWords = strings.Fields(`community services government local people public health support
program data place council service families outcomes housing approach education children
engagement planning delivery policy young agencies department national regional employment
accountability partners partnership evaluation funding indigenous learning evidence practice
change social design initiative project networks access needs wellbeing schools strategy
capacity reform collaboration trust workforce youth justice safety disability transport
economic development region report framework commitment action review investment decision
leadership priorities resources integrated coordination governance budget measures results
indicators participation citizens consultation voices culture language elders rural remote
urban city towns suburbs jobs training skills apprenticeships enterprise business industry
climate environment water energy waste land heritage arts sport recreation parks libraries
hospital clinic mental care ageing carers veterans migrants refugees women gender equity
inclusion poverty homelessness income payments welfare benefits tax digital online platform
information privacy sharing transparency openness integrity complaints ombudsman audit
oversight performance monitoring targets baseline trend forecast survey satisfaction feedback
pilot trial scale sustainability maintenance infrastructure roads safety police courts
prisons victims violence prevention early intervention school readiness literacy numeracy
attendance teachers students universities research innovation technology procurement
contracts grants philanthropy volunteers charities organisations cooperatives unions
employers workers wages hours conditions co-design deliberation jury panel forum workshop
meeting agenda minutes decisions recommendations learnings themes stories curve turning
mapping asset strengths relationships connection belonging identity resilience recovery
disaster flood fire drought emergency relief coordination centre maritime seasonal autism
taskforce mayors papakura hawkes trentham mangere otara logan adelaide brisbane perth
hobart darwin canberra melbourne sydney burnie ipswich mildura dubbo bourke katherine`)

// syllables build the long tail of rarer words.
var syllables = strings.Fields("ka lo mi ne ru sa te vi wo za ba ce di fo gu ha ji ku le mo nu pa qui ri so tu ve")

// vocabulary returns the words by frequency rank: function words, content words, then
// n-len(…) made-up words.
func vocabulary(n int) []string {
	words := append(slices.Clone(functionWords), contentWords...)
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	for i := 0; len(words) < n; i++ {
		var b strings.Builder
		for j := i; ; j /= len(syllables) {
			b.WriteString(syllables[j%len(syllables)])
			if j < len(syllables) {
				break
			}
		}
		b.WriteString(syllables[i%7])
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words[:n]
}

// zipf draws ranks 0…n-1 with probability proportional to 1/(rank+1).
type zipf struct{ cum []float64 }

func newZipf(n int) zipf {
	z := zipf{cum: make([]float64, n)}
	sum := 0.0
	for i := range n {
		sum += 1 / float64(i+1)
		z.cum[i] = sum
	}
	for i := range z.cum {
		z.cum[i] /= sum
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	i, _ := slices.BinarySearch(z.cum, r.Float64())
	return min(i, len(z.cum)-1)
}

// Shape of the corpus.
const (
	benchDocs        = 100_000
	benchVocabulary  = 50_000
	benchPlaces      = 500
	benchThemes      = 12
	benchOrgs        = 300
	benchCommunities = 20
)

var benchKinds = []string{"commitment", "milestone", "learning", "case_study", "evidence", "engagement", "service", "program", "event", "community", "report", "recommendation", "indicator", "survey", "plan", "framework"}

// corpus returns the documents of the benchmark, the same on every call.
func corpus() []Doc {
	r := rand.New(rand.NewPCG(2078, 19))
	words := vocabulary(benchVocabulary)
	z := newZipf(len(words))
	kindZ, placeZ, orgZ := newZipf(len(benchKinds)), newZipf(benchPlaces), newZipf(benchOrgs)
	text := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[z.draw(r)])
			if r.IntN(14) == 0 {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	var docs []Doc
	// The documents that label the facets: places, theme tags, organisations.
	for i := 1; i <= benchPlaces; i++ {
		docs = append(docs, Doc{Kind: "place", RecordID: int64(i), Title: "Place " + text(2), Body: text(20), URL: fmt.Sprintf("/places/%d", i), Public: true})
	}
	for i := 1; i <= benchThemes; i++ {
		docs = append(docs, Doc{Kind: "tag", RecordID: int64(i), Title: contentWords[i*3], Body: "Theme", URL: fmt.Sprintf("/taxonomy/%d", i), Public: true})
	}
	for i := 1; i <= benchOrgs; i++ {
		docs = append(docs, Doc{Kind: "organisation", RecordID: int64(i), Title: "Department of " + text(2), Body: text(40), URL: fmt.Sprintf("/organisations/%d", i), Public: true, OrgID: int64(i)})
	}
	for i := len(docs); i < benchDocs; i++ {
		d := Doc{Kind: benchKinds[kindZ.draw(r)], RecordID: int64(i), Title: text(5 + r.IntN(6)), Body: text(50 + r.IntN(251))}
		d.URL = fmt.Sprintf("/%s/%d", d.Kind, d.RecordID)
		if r.IntN(5) > 0 {
			d.OrgID = int64(1 + orgZ.draw(r))
		}
		switch v := r.IntN(100); {
		case v < 85:
			d.Visibility = VisPublic
		case v < 90:
			d.Visibility = VisMembers
		case v < 95:
			d.Visibility, d.CommunityID = VisCommunity, int64(1+r.IntN(benchCommunities))
		default:
			d.Visibility = VisOrg
		}
		for range r.IntN(4) {
			d.Places = append(d.Places, int64(1+placeZ.draw(r)))
		}
		for range r.IntN(4) {
			d.Themes = append(d.Themes, int64(1+r.IntN(benchThemes)))
		}
		if r.IntN(10) == 0 {
			d.Orgs = append(d.Orgs, int64(1+orgZ.draw(r)))
		}
		docs = append(docs, d)
	}
	return docs
}

// benchQueries are the queries measured: one or two words, common and rare. A common word
// (the first content words) is in 5–20% of documents, a rare one in under 0.1%.
func benchQueries() []string {
	words := vocabulary(benchVocabulary)
	c := len(functionWords)
	common := func(i int) string { return words[c+i] }
	rare := func(rank int) string { return words[rank] }
	return []string{
		common(0), common(3), common(11), common(25), common(60), common(150),
		rare(2000), rare(5000), rare(12000), rare(30000),
		common(1) + " " + common(5), common(2) + " " + common(14), common(8) + " " + common(40), common(20) + " " + common(90),
		common(4) + " " + rare(3000), common(0) + " " + rare(8000), common(30) + " " + rare(20000),
		rare(1500) + " " + rare(2500), common(12)[:4], common(7)[:3],
	}
}

// benchIndex writes the corpus into d, 250 documents a statement (the rows Index would write).
func benchIndex(tb testing.TB, d *db.DB) {
	docs := corpus()
	ctx := context.Background()
	start := time.Now()
	now := db.Now()
	for i := 0; i < len(docs); i += 250 {
		batch := docs[i:min(i+250, len(docs))]
		var args []any
		for _, doc := range batch {
			var org, community any
			if doc.OrgID != 0 {
				org = doc.OrgID
			}
			vis := doc.visibility()
			if vis == VisCommunity {
				community = doc.CommunityID
			}
			args = append(args, doc.Kind, doc.RecordID, clean(doc.Title), clean(doc.Body), doc.URL, vis == VisPublic, vis, community, org, doc.tags(), now)
		}
		_, err := d.Exec(ctx, "INSERT INTO search_documents (kind, record_id, title, body, url, public, visibility, community_id, org_id, tags, updated_at) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?),", len(batch)), ","), args...)
		if err != nil {
			tb.Fatal(err)
		}
	}
	if d.Dialect() == db.Postgres {
		if _, err := d.Exec(ctx, "VACUUM ANALYZE search_documents"); err != nil {
			tb.Fatal(err)
		}
	} else {
		if _, err := d.Exec(ctx, "INSERT INTO search_fts (search_fts) VALUES ('optimize')"); err != nil {
			tb.Fatal(err)
		}
		if _, err := d.Exec(ctx, "ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "search benchmark: indexed %d documents on %s in %s\n", len(docs), d.Dialect(), time.Since(start).Round(time.Millisecond))
}

// BenchmarkSearch100k measures one search as the page makes it — the first page of results
// with snippets, the totals and the facet counts (Find) — over 100,000 documents, for a
// signed-in member of two organisations and two communities, cycling through benchQueries.
// ns/op is the mean; median-ms and p90-ms are of every search timed, median-cpu-ms of the
// process's CPU time for each (on PostgreSQL only the client's share). The per-query
// medians are logged (-v).
func BenchmarkSearch100k(b *testing.B) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			var d *db.DB
			if dialect == db.Postgres {
				d = dbtest.Postgres(b) // skips without JOINEDUP_TEST_POSTGRES
			} else {
				d = dbtest.SQLite(b)
			}
			benchIndex(b, d)
			ctx := authz.With(context.Background(), authz.Principal{UserID: 1, Roles: map[int64]authz.Role{3: authz.Viewer, 40: authz.Contributor}})
			queries := benchQueries()
			// A first round unmeasured: the caches as a running server has them.
			for _, q := range queries {
				if _, err := Find(ctx, d, Query{Text: q, Communities: []int64{2, 5}, Limit: 20}); err != nil {
					b.Fatal(err)
				}
			}
			var wall, cpu []time.Duration
			perQuery := make([][]time.Duration, len(queries))
			for i := 0; b.Loop(); i++ {
				sq := Query{Text: queries[i%len(queries)], Communities: []int64{2, 5}, Limit: 20}
				t, c := time.Now(), processCPU()
				res, err := Find(ctx, d, sq)
				if err != nil {
					b.Fatal(err)
				}
				wall, cpu = append(wall, time.Since(t)), append(cpu, processCPU()-c)
				perQuery[i%len(queries)] = append(perQuery[i%len(queries)], wall[len(wall)-1])
				if len(res.Hits) == 0 {
					b.Fatalf("%q found nothing", sq.Text)
				}
			}
			b.ReportMetric(quantile(wall, 0.5), "median-ms")
			b.ReportMetric(quantile(wall, 0.9), "p90-ms")
			b.ReportMetric(quantile(cpu, 0.5), "median-cpu-ms")
			var lines []string
			for i, q := range queries {
				if len(perQuery[i]) > 0 {
					lines = append(lines, fmt.Sprintf("%-22q %6.1f ms", q, quantile(perQuery[i], 0.5)))
				}
			}
			b.Logf("median per query on %s:\n%s", dialect, strings.Join(lines, "\n"))
		})
	}
}

// quantile returns the q-quantile of ds in milliseconds.
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return float64(s[int(math.Round(q*float64(len(s)-1)))]) / 1e6
}
