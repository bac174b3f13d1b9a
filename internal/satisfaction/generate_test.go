package satisfaction

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// genSurvey stores an organisation and an open survey with the demo's questions.
func genSurvey(t testing.TB, d *db.DB) Survey {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	q := DemoQuestionnaire()
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	s := Survey{Code: "gen", Title: q.Title, Status: StatusOpen, Unit: UnitInteraction, Modules: Modules, Questionnaire: q}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO organisations (name, type, created_at, updated_at) VALUES ('Generated', 'agency', ?, ?) RETURNING id",
			now, now).Scan(&s.OrgID); err != nil {
			return err
		}
		id, err := Store{}.InsertSurvey(ctx, tx, s, now)
		s.ID = id
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err = Store{}.SurveyByID(ctx, d, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// genWindow is a fixed 24-month field period.
var genFrom, genTo = time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func genOptions(seed uint64) GenOptions {
	opt := GenOptions{Seed: seed, From: genFrom, To: genTo, Channels: DefaultGenChannels()}
	for i := range 20 {
		opt.Places = append(opt.Places, GenPlace{ID: int64(1000 + i), Weight: float64(1 + i%5), Shift: float64(i%3-1) / 10})
	}
	opt.Places[0].Links = map[string]int64{"in_person": 77}
	opt.Channels[2].LinkID = 78
	return opt
}

// genRow is one generated response as read back.
type genRow struct {
	at      time.Time
	period  string
	channel string
	place   int64
	link    int64
	answers map[string]any
	raw     string
	comment string
}

func readResponses(t testing.TB, d *db.DB, survey int64) []genRow {
	t.Helper()
	var out []genRow
	err := db.Each(context.Background(), d, "SELECT submitted_at, period, channel, COALESCE(place_id, 0), COALESCE(link_id, 0), answers, comment FROM survey_responses WHERE survey_id = ? ORDER BY id",
		[]any{survey}, func(rows *sql.Rows) error {
			var r genRow
			if err := rows.Scan(&r.at, &r.period, &r.channel, &r.place, &r.link, &r.raw, &r.comment); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(r.raw), &r.answers); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countTotal(t testing.TB, d *db.DB, survey int64, question string) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := d.QueryRow(context.Background(), "SELECT SUM(n) FROM survey_counts WHERE survey_id = ? AND question = ?", survey, question).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n.Int64
}

func TestGenerateCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := genSurvey(t, d)
		opt := genOptions(1)
		opt.Batch = 450
		var progress []int
		opt.Progress = func(n int) { progress = append(progress, n) }
		n, err := GenerateResponses(context.Background(), d, s, 1000, opt)
		if err != nil || n != 1000 {
			t.Fatalf("generated %d, %v", n, err)
		}
		if fmt.Sprint(progress) != "[450 900 1000]" {
			t.Errorf("progress %v", progress)
		}
		rs := readResponses(t, d, s.ID)
		if len(rs) != 1000 {
			t.Fatalf("%d responses genRow", len(rs))
		}
		if c := countTotal(t, d, s.ID, ""); c != 1000 {
			t.Errorf("counts total %d, want 1000", c)
		}
		overall := 0
		for _, r := range rs {
			if _, ok := r.answers[QOverall]; ok {
				overall++
			}
			if r.at.Before(genFrom) || !r.at.Before(genTo) || r.period != Period(r.at) {
				t.Fatalf("submitted %v (period %s) outside the window", r.at, r.period)
			}
		}
		if c := countTotal(t, d, s.ID, QOverall); c != int64(overall) || overall != 1000 {
			t.Errorf("overall counted %d, answered %d; want 1000", c, overall)
		}
	})
}

func TestGenerateDeterministic(t *testing.T) {
	run := func(seed uint64, batch int) []genRow {
		d := dbtest.SQLite(t)
		s := genSurvey(t, d)
		opt := genOptions(seed)
		opt.Batch = batch
		if _, err := GenerateResponses(context.Background(), d, s, 1500, opt); err != nil {
			t.Fatal(err)
		}
		return readResponses(t, d, s.ID)
	}
	key := func(rs []genRow) string {
		var b strings.Builder
		for _, r := range rs {
			fmt.Fprintf(&b, "%s|%s|%d|%d|%s|%s\n", r.at.UTC().Format(time.RFC3339), r.channel, r.place, r.link, r.raw, r.comment)
		}
		return b.String()
	}
	a, b, c := key(run(7, 400)), key(run(7, 1500)), key(run(8, 400))
	if a != b {
		t.Error("the same seed gave different responses")
	}
	if a == c {
		t.Error("different seeds gave the same responses")
	}
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, syy, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		syy += ys[i] * ys[i]
		sxy += xs[i] * ys[i]
	}
	return (sxy - sx*sy/n) / math.Sqrt((sxx-sx*sx/n)*(syy-sy*sy/n))
}

func TestGenerateModel(t *testing.T) {
	d := dbtest.SQLite(t)
	s := genSurvey(t, d)
	const n = 8000
	if _, err := GenerateResponses(context.Background(), d, s, n, genOptions(3)); err != nil {
		t.Fatal(err)
	}
	rs := readResponses(t, d, s.ID)
	num := func(r genRow, id string) (float64, bool) {
		v, ok := r.answers[id].(float64)
		return v, ok
	}
	// Every response is one the public form would accept.
	for i, r := range rs {
		if _, errs := forms.ParseJSON(s.Questionnaire, r.answers); len(errs) > 0 {
			t.Fatalf("response %d %s is not valid: %v", i, r.raw, errs)
		}
		if i > 2000 {
			break
		}
	}
	// Drivers, recommend, effort and trust correlate with overall.
	for _, q := range append(append([]string{}, Drivers...), QRecommend, QEffort, QTrust) {
		var xs, ys []float64
		for _, r := range rs {
			o, ok1 := num(r, QOverall)
			v, ok2 := num(r, q)
			if ok1 && ok2 {
				xs, ys = append(xs, o), append(ys, v)
			}
		}
		if c := pearson(xs, ys); c < 0.3 || len(xs) < n/2 {
			t.Errorf("overall and %s: correlation %.2f over %d responses, want > 0.3", q, c, len(xs))
		}
	}
	var ts, es []float64
	for _, r := range rs {
		tv, ok1 := num(r, QTimely)
		ev, ok2 := num(r, QEffort)
		if ok1 && ok2 {
			ts, es = append(ts, tv), append(es, ev)
		}
	}
	if c := pearson(ts, es); c < 0.3 {
		t.Errorf("effort and timeliness: correlation %.2f, want > 0.3", c)
	}
	// Not applicable, at the configured rates (in person: no extra for the channel).
	na := map[string]int{}
	inPerson := 0
	for _, r := range rs {
		if r.channel != "in_person" {
			continue
		}
		inPerson++
		for q, v := range r.answers {
			if v == forms.NA {
				na[q]++
			}
		}
	}
	for q, want := range DefaultNA() {
		got := float64(na[q]) / float64(inPerson)
		if math.Abs(got-want) > 0.025 {
			t.Errorf("%s not applicable in %.3f of in-person responses, want about %.2f", q, got, want)
		}
	}
	// Channels and places.
	mean := func(channel, q string) float64 {
		var sum, k float64
		for _, r := range rs {
			if v, ok := num(r, q); ok && r.channel == channel {
				sum += v
				k++
			}
		}
		return sum / k
	}
	if on, in := mean("online", QAccess), mean("in_person", QAccess); on >= in {
		t.Errorf("access online %.2f, in person %.2f: want online lower", on, in)
	}
	if in, ph := mean("in_person", QCourtesy), mean("phone", QCourtesy); in <= ph {
		t.Errorf("courtesy in person %.2f, by phone %.2f: want in person higher", in, ph)
	}
	periods, channels, places := map[string]int{}, map[string]int{}, map[int64]int{}
	comments, links, barriers := 0, 0, 0
	for _, r := range rs {
		periods[r.period]++
		channels[r.channel]++
		if r.place != 0 {
			places[r.place]++
			if r.channel != "in_person" {
				t.Fatalf("a %s response at a place", r.channel)
			}
		}
		if r.link != 0 {
			links++
		}
		if r.comment != "" {
			comments++
			if r.answers[QComment] != r.comment {
				t.Fatalf("comment %q not in the answers %s", r.comment, r.raw)
			}
		}
		if _, ok := r.answers[demoBarriers]; ok {
			barriers++
			if o, _ := num(r, QOutcome); o > 2 {
				t.Fatalf("what got in the way asked with outcome %v", r.answers[QOutcome])
			}
		}
	}
	if len(periods) != 24 {
		t.Errorf("responses in %d months, want 24", len(periods))
	}
	for p, k := range periods {
		if k < n/24/2 && p != "2026-11" {
			t.Errorf("only %d responses in %s", k, p)
		}
	}
	if len(channels) != 4 || len(places) != 20 {
		t.Errorf("channels %v, %d places", channels, len(places))
	}
	if r := float64(comments) / n; r < 0.2 || r > 0.32 {
		t.Errorf("%.3f of responses have a comment, want about 0.25", r)
	}
	if links == 0 || barriers == 0 {
		t.Errorf("%d through links, %d asked what got in the way", links, barriers)
	}
	// A gentle upward trend: more satisfied in the last six months than in the first six.
	top2 := func(from, to string) float64 {
		var k, top float64
		for _, r := range rs {
			if r.period >= from && r.period < to {
				k++
				if o, _ := num(r, QOverall); o >= 4 {
					top++
				}
			}
		}
		return top / k
	}
	first, last := top2("2024-12", "2025-06"), top2("2026-06", "2026-12")
	if last <= first+0.02 || first < 0.5 || last > 0.95 {
		t.Errorf("satisfied %.3f in the first six months, %.3f in the last: want a gentle rise", first, last)
	}
	// Comments match the scores: complaints from the dissatisfied, praise from the satisfied.
	for _, r := range rs {
		o, _ := num(r, QOverall)
		switch {
		case o <= 2 && inBank(r.comment, commentStaffPraise, commentQuick, commentOnlinePraise, commentPositive, commentPhonePraise):
			t.Fatalf("overall %v with praise %q", o, r.comment)
		case o >= 4 && inBank(r.comment, commentQueue, commentHold, commentOutcome, commentStaffBad, commentTransfer):
			t.Fatalf("overall %v with a complaint %q", o, r.comment)
		}
	}
}

func inBank(c string, banks ...[]string) bool {
	for _, b := range banks {
		for _, s := range b {
			if strings.HasPrefix(c, s) {
				return true
			}
		}
	}
	return false
}

func TestDriverIndex(t *testing.T) {
	for i, d := range Drivers {
		if driverIndex(d) != i {
			t.Errorf("driverIndex(%s) = %d, want %d", d, driverIndex(d), i)
		}
	}
	if driverIndex(QOverall) != nDrivers || driverIndex(QTrust) != -1 || len(Drivers) != nDrivers {
		t.Error("driverIndex of overall or trust")
	}
}

// BenchmarkGenerate writes 100,000 responses per iteration into SQLite in a temporary directory.
func BenchmarkGenerate(b *testing.B) {
	d := dbtest.SQLite(b)
	s := genSurvey(b, d)
	total := 0
	seed := uint64(0)
	for b.Loop() {
		seed++
		opt := genOptions(seed)
		n, err := GenerateResponses(context.Background(), d, s, 100000, opt)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkGenerateOnly makes and encodes responses without writing them.
func BenchmarkGenerateOnly(b *testing.B) {
	s := genSurvey(b, dbtest.SQLite(b))
	opt := genOptions(1).withDefaults(genTo)
	const n = 1_000_000
	g := newGenerator(s, opt, n)
	counts := map[countKey]int64{}
	i := 0
	for b.Loop() {
		r := g.response(i % n)
		i++
		if _, _, err := encodeAnswers(r); err != nil {
			b.Fatal(err)
		}
		addCounts(counts, r)
		if len(g.arena) > 1<<20 {
			g.arena = nil
		}
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "responses/s")
}
