package engagement

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/stats"
)

// ---- planted opinion groups, written straight to the tables ----

// planted is an engagement with planted opinion groups.
type planted struct {
	e     Detail
	sids  []int64
	truth map[int64]int // participant ID → planted group
	votes int
}

// plantMap makes an opinion-map engagement with stmts statements and groups × per
// participants; each group has its own random stance on every statement, and each
// participant votes on `seen` statements at random, answering their group's stance with
// probability 1 − noise (else agree, disagree or pass at random).
func plantMap(t *testing.T, f *fixture, title string, groups, per, stmts, seen int, noise float64, seed uint64) planted {
	t.Helper()
	ctx := context.Background()
	e := f.mapped(t, title, ModeratePost, stmts)
	sids := visibleIDs(t, f, e)
	if len(sids) != stmts {
		t.Fatalf("%d statements on show, want %d", len(sids), stmts)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	stance := make([][]int, groups)
	for g := range stance {
		stance[g] = make([]int, stmts)
		for j := range stance[g] {
			stance[g][j] = 1 - 2*rng.IntN(2)
		}
	}
	n := groups * per
	group := make([]int, n)
	for i := range group {
		group[i] = i % groups
	}
	rng.Shuffle(n, func(i, j int) { group[i], group[j] = group[j], group[i] })
	pl := planted{e: e, sids: sids, truth: map[int64]int{}}
	at := f.s.Now()
	err := f.d.InTx(ctx, func(tx *db.Tx) error {
		order := make([]int, stmts)
		for j := range order {
			order[j] = j
		}
		var rows []string
		var args []any
		flush := func() error {
			if len(rows) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, "INSERT INTO engagement_votes (statement_id, participant_id, engagement_id, vote, voted_at) VALUES "+strings.Join(rows, ", "), args...)
			rows, args = rows[:0], args[:0]
			return err
		}
		for p := range n {
			pid, err := f.s.Store.InsertParticipant(ctx, tx, e.ID, HashToken(fmt.Sprintf("planted-%s-%d", title, p)), "", 0)
			if err != nil {
				return err
			}
			pl.truth[pid] = group[p]
			for k := range seen {
				r := k + rng.IntN(stmts-k)
				order[k], order[r] = order[r], order[k]
				v := stance[group[p]][order[k]]
				if rng.Float64() < noise {
					v = rng.IntN(3) - 1
				}
				rows = append(rows, "(?, ?, ?, ?, ?)")
				args = append(args, sids[order[k]], pid, e.ID, v, at)
				pl.votes++
				if len(rows) == 400 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	})
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// ari compares the stored map's groups with the planted ones, over the participants on the map.
func (pl planted) ari(t *testing.T, f *fixture) (float64, int) {
	t.Helper()
	members, _, err := f.s.mapMembers(context.Background(), pl.e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var a, b []int
	for pid, g := range pl.truth {
		if got, ok := members[pid]; ok {
			a, b = append(a, g), append(b, got)
		}
	}
	return stats.AdjustedRandIndex(a, b), len(a)
}

// TestMapWorkerRecoversPlantedGroups: votes in the tables, the worker run by hand: the map
// finds the planted groups (adjusted Rand index ≥ 0.9), and its JSON has the documented shape.
func TestMapWorkerRecoversPlantedGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		pl := plantMap(t, f, "Planted", 3, 120, 40, 25, 0.25, 42)
		f.s.MarkMapDirty(pl.e.ID)
		ran, wait := f.s.runDueMaps(ctx)
		if ran != 1 || wait != -1 || f.s.Maps.Computations() != 1 {
			t.Fatalf("ran %d, wait %v, computations %d", ran, wait, f.s.Maps.Computations())
		}
		ari, n := pl.ari(t, f)
		if ari < 0.9 || n != 360 {
			t.Errorf("ARI %.4f over %d participants; want ≥ 0.9 over 360", ari, n)
		}
		_, v, err := f.s.OpinionMap(f.as("anonymous"), pl.e.Key(), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Groups) != 3 || v.Participants != 360 || v.OnMap != 360 || v.Votes != pl.votes || v.ComputedAt == nil || v.Message != "" {
			t.Errorf("groups %d, participants %d, on map %d, votes %d (want %d), computed %v, message %q",
				len(v.Groups), v.Participants, v.OnMap, v.Votes, pl.votes, v.ComputedAt, v.Message)
		}
		sizes := 0
		for g, gr := range v.Groups {
			sizes += gr.Size
			if gr.Label != string(rune('A'+g)) || len(gr.Representative) == 0 {
				t.Errorf("group %d: %+v", g, gr)
			}
			for _, r := range gr.Representative {
				if r.Z < 1.6449 || r.Ratio <= 1 || r.Text == "" || (r.Direction != "agree" && r.Direction != "disagree") {
					t.Errorf("group %s representative %+v", gr.Label, r)
				}
				if r.Direction == "agree" && r.Agree <= r.RestAgree || r.Direction == "disagree" && r.Disagree <= r.RestDisagree {
					t.Errorf("group %s: %+v does not set it apart", gr.Label, r)
				}
			}
		}
		if sizes != 360 {
			t.Errorf("group sizes add to %d", sizes)
		}
		if len(v.Statements) != 40 || v.Statements[0].ID != pl.sids[0] || len(v.Statements[0].Groups) != 3 {
			t.Errorf("statements %d, first %+v", len(v.Statements), v.Statements[0])
		}
		// The JSON through the API: documented keys, no points unless asked, nothing internal.
		h := pages(t, f)
		for _, c := range []struct {
			q      string
			points bool
		}{{"", false}, {"?points=0", false}, {"?points=1", true}} {
			r := do(t, h, "anonymous", "GET", API+"/"+pl.e.Key()+"/map"+c.q, nil)
			if r.code != 200 {
				t.Fatalf("map%s: %d %s", c.q, r.code, r.body)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"computed_at", "participants", "participants_on_map", "votes", "statements", "groups", "consensus", "divisive", "silhouettes"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("map%s lacks %q", c.q, k)
				}
			}
			for _, k := range []string{"smoother", "members_packed", "points_packed"} {
				if _, ok := doc[k]; ok {
					t.Errorf("map%s shows the internal %q", c.q, k)
				}
			}
			pts, ok := doc["points"].([]any)
			if ok != c.points || (c.points && len(pts) != 360) {
				t.Errorf("map%s: points %v (%d)", c.q, ok, len(pts))
			}
			if c.points {
				p0, _ := pts[0].(map[string]any)
				if len(p0) != 3 || p0["group"] == nil || p0["x"] == nil || p0["y"] == nil {
					t.Errorf("a point: %v", p0)
				}
			}
			g0 := doc["groups"].([]any)[0].(map[string]any)
			rep := g0["representative"].([]any)[0].(map[string]any)
			for _, k := range []string{"id", "label", "size", "share", "centre"} {
				if _, ok := g0[k]; !ok {
					t.Errorf("a group lacks %q", k)
				}
			}
			for _, k := range []string{"statement", "text", "direction", "agree", "disagree", "z"} {
				if _, ok := rep[k]; !ok {
					t.Errorf("a representative statement lacks %q", k)
				}
			}
		}
		if r := do(t, h, "anonymous", "GET", API+"/"+pl.e.Key()+"/map?points=maybe", nil); r.code != 400 || !strings.Contains(r.body, "points") {
			t.Errorf("points=maybe: %d %s", r.code, r.body)
		}
		// The statement picker reads the new map's extremities.
		if ext := extremityOf(storedResult(t, f, pl.e.ID)); len(ext) != 40 {
			t.Errorf("%d extremities read back from the stored map", len(ext))
		}
	})
}

func storedResult(t *testing.T, f *fixture, id int64) string {
	t.Helper()
	var s string
	if err := f.d.QueryRow(context.Background(), "SELECT result FROM engagement_maps WHERE engagement_id = ?", id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMapBeforeAndHidden: before the first computation the map answers with computed_at null;
// a statement hidden after the computation drops out of what is shown; a draft and an
// engagement without a map are not found.
func TestMapBeforeAndHidden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		pl := plantMap(t, f, "Hidden", 2, 40, 10, 10, 0.1, 3)
		anon := f.as("anonymous")
		_, v, err := f.s.OpinionMap(anon, pl.e.Key(), true)
		if err != nil || v.ComputedAt != nil || v.Message == "" || v.Groups == nil || v.Statements == nil || v.Points != nil {
			t.Fatalf("before: %+v %v", v, err)
		}
		if _, err := f.s.RecomputeMap(ctx, pl.e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ModerateStatement(f.as("manager-a"), pl.e.Key(), pl.sids[0], DecisionHide, "Testing"); err != nil {
			t.Fatal(err)
		}
		_, v, err = f.s.OpinionMap(anon, pl.e.Key(), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range v.Statements {
			if st.ID == pl.sids[0] {
				t.Error("a hidden statement is still shown")
			}
		}
		for _, g := range v.Groups {
			for _, r := range g.Representative {
				if r.Statement == pl.sids[0] {
					t.Error("a hidden statement still represents a group")
				}
			}
		}
		if len(v.Statements) != 9 {
			t.Errorf("%d statements shown", len(v.Statements))
		}
		plain, err := f.s.Create(f.as("manager-a"), f.input("No map"))
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{plain.Key(), "999999"} {
			if _, _, err := f.s.OpinionMap(anon, key, false); err == nil {
				t.Errorf("%s: a map", key)
			}
		}
		draft, err := f.s.Create(f.as("manager-a"), f.mapInput("Draft map", ModeratePost))
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, "a draft's map, anonymously", func() error { _, _, err := f.s.OpinionMap(anon, draft.Key(), false); return err }(), db.ErrNotFound)
		if _, _, err := f.s.OpinionMap(f.as("viewer-a"), draft.Key(), false); err != nil {
			t.Errorf("a draft's map for its organisation: %v", err)
		}
	})
}

// TestMapSmootherPersists: the smoother's state lives in the stored result, so a fresh
// service (a restart) keeps it: a map stored with 2 groups stays at 2 while 3 wins, until 3
// has won four computations in a row.
func TestMapSmootherPersists(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	ctx := context.Background()
	pl := plantMap(t, f, "Smooth", 3, 60, 24, 24, 0.15, 9)
	if _, err := f.s.RecomputeMap(ctx, pl.e.ID); err != nil {
		t.Fatal(err)
	}
	var st storedMap
	if err := json.Unmarshal([]byte(storedResult(t, f, pl.e.ID)), &st); err != nil {
		t.Fatal(err)
	}
	if st.BestK != 3 || st.Smoother != (smootherState{Current: 3}) || len(st.Groups) != 3 {
		t.Fatalf("first map: best %d, smoother %+v, groups %d", st.BestK, st.Smoother, len(st.Groups))
	}
	// Pretend the map had settled on 2 groups.
	st.Smoother = smootherState{Current: 2}
	b, _ := json.Marshal(st)
	if _, err := d.Exec(ctx, "UPDATE engagement_maps SET result = ? WHERE engagement_id = ?", string(b), pl.e.ID); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		groups int
		state  smootherState
	}{
		{2, smootherState{2, 3, 1}}, {2, smootherState{2, 3, 2}}, {2, smootherState{2, 3, 3}}, {3, smootherState{Current: 3}}, {3, smootherState{Current: 3}},
	} {
		s := NewService(d, nil) // a restart before each computation
		s.Now = f.s.Now
		v, err := s.RecomputeMap(ctx, pl.e.ID)
		s.StopVotes()
		if err != nil {
			t.Fatal(err)
		}
		var got storedMap
		if err := json.Unmarshal([]byte(storedResult(t, f, pl.e.ID)), &got); err != nil {
			t.Fatal(err)
		}
		if len(v.Groups) != want.groups || got.Smoother != want.state || v.BestK != 3 {
			t.Errorf("computation %d: %d groups, smoother %+v, best %d; want %d groups, %+v", i+1, len(v.Groups), got.Smoother, v.BestK, want.groups, want.state)
		}
	}
}

// TestSmootherStateFollowsGroupSmoother: the state followed from outside and rebuilt from
// JSON behaves exactly like a GroupSmoother kept in memory.
func TestSmootherStateFollowsGroupSmoother(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 200 {
		live := &stats.GroupSmoother{}
		var st smootherState
		for step := range 30 {
			best := 2 + rng.IntN(4)
			if trial%3 == 0 && rng.IntN(3) > 0 {
				best = 3 // long runs of one value
			}
			rebuilt := st.smoother()
			if rebuilt.Current() != live.Current() {
				t.Fatalf("trial %d step %d: rebuilt %d, live %d (state %+v)", trial, step, rebuilt.Current(), live.Current(), st)
			}
			got := rebuilt.Update(best)
			want := live.Update(best)
			if got != want {
				t.Fatalf("trial %d step %d: best %d: rebuilt answers %d, live %d (state %+v)", trial, step, best, got, want, st)
			}
			st = st.after(best, got)
		}
	}
	for _, c := range []struct {
		st         smootherState
		best, cur  int
		want       smootherState
		desc       string
		wantRebuit int
	}{
		{smootherState{}, 3, 3, smootherState{Current: 3}, "first", 3},
		{smootherState{Current: 3}, 3, 3, smootherState{Current: 3}, "same", 3},
		{smootherState{Current: 3}, 2, 3, smootherState{3, 2, 1}, "a challenger", 3},
		{smootherState{3, 2, 1}, 2, 3, smootherState{3, 2, 2}, "it wins again", 3},
		{smootherState{3, 2, 2}, 4, 3, smootherState{3, 4, 1}, "another challenger", 3},
		{smootherState{3, 2, 3}, 2, 2, smootherState{Current: 2}, "the switch", 2},
		{smootherState{3, 2, 2}, 3, 3, smootherState{Current: 3}, "the current wins back", 3},
	} {
		if got := c.st.after(c.best, c.cur); got != c.want {
			t.Errorf("%s: %+v after (%d, %d) = %+v, want %+v", c.desc, c.st, c.best, c.cur, got, c.want)
		}
	}
}

// TestMapWorkerInterval: with a clock moved by hand, an engagement's map is never computed
// twice within the interval, however often it is marked; another engagement is not held up.
func TestMapWorkerInterval(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	ctx := context.Background()
	a := plantMap(t, f, "Interval A", 2, 20, 8, 8, 0.1, 1)
	b := plantMap(t, f, "Interval B", 2, 20, 8, 8, 0.1, 2)
	now := time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC)
	f.s.Maps.Clock = func() time.Time { return now }
	f.s.Maps.Interval = 5 * time.Second
	step := func(what string, wantRan int, wantWait time.Duration) {
		t.Helper()
		ran, wait := f.s.runDueMaps(ctx)
		if ran != wantRan || wait != wantWait {
			t.Errorf("%s: ran %d, wait %v; want %d, %v", what, ran, wait, wantRan, wantWait)
		}
	}
	step("nothing dirty", 0, -1)
	f.s.MarkMapDirty(a.e.ID)
	step("A marked", 1, -1)
	for range 5 {
		f.s.MarkMapDirty(a.e.ID)
	}
	step("A marked again at once", 0, 5*time.Second)
	now = now.Add(4 * time.Second)
	f.s.MarkMapDirty(b.e.ID)
	step("B marked while A waits", 1, time.Second)
	now = now.Add(999 * time.Millisecond)
	step("A a millisecond early", 0, time.Millisecond)
	now = now.Add(time.Millisecond)
	step("A due", 1, -1)
	if n := f.s.Maps.Computations(); n != 3 {
		t.Errorf("%d computations, want 3", n)
	}
	var at time.Time
	if err := d.QueryRow(ctx, "SELECT computed_at FROM engagement_maps WHERE engagement_id = ?", a.e.ID).Scan(&at); err != nil || !at.Equal(now) {
		t.Errorf("A computed at %v, want %v (%v)", at, now, err)
	}
}

// TestMapWorkerUnderConcurrentVotes: votes keep arriving from many participants while the
// worker computes in the background; once they stop, the map catches up with every vote.
// Run with -race.
func TestMapWorkerUnderConcurrentVotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.Flood = &FloodLimits{}
		f.s.Maps.Interval = 20 * time.Millisecond
		e := f.mapped(t, "Busy map", ModeratePost, 10)
		sids := visibleIDs(t, f, e)
		f.s.StartMaps()
		t.Cleanup(f.s.StopMaps)
		const voters, each = 24, 10
		var wg sync.WaitGroup
		errs := make(chan error, voters*each)
		for p := range voters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range each {
					v := []int{VoteAgree, VoteDisagree}[(p/12+j)%2]
					if j%5 == 4 {
						v = VotePass
					}
					if err := f.s.Vote(f.as("anonymous"), e.Key(), pt(1000+p), "", sids[j], v); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		var v MapView
		for time.Now().Before(deadline) {
			var err error
			if _, v, err = f.s.OpinionMap(f.as("anonymous"), e.Key(), false); err != nil {
				t.Fatal(err)
			}
			if v.Votes == voters*each {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if v.Votes != voters*each || v.Participants != voters || v.OnMap != voters {
			t.Fatalf("the map has %d votes from %d participants (%d on it); want %d from %d", v.Votes, v.Participants, v.OnMap, voters*each, voters)
		}
		if len(v.Groups) != 2 {
			t.Errorf("%d groups, want the 2 voting patterns", len(v.Groups))
		}
		if f.s.Maps.Computations() < 1 {
			t.Error("no computation")
		}
	})
}

// TestPolisExports: the five files through the API, with Pol.is's header lines, and figures
// that agree with each other and with the map.
func TestPolisExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		pl := plantMap(t, f, "Exported", 2, 30, 6, 6, 0.2, 5)
		// A statement written by a participant, and one hidden (left out with its votes).
		var author int64
		for pid := range pl.truth {
			author = max(author, pid)
		}
		if _, err := d.Exec(ctx, "UPDATE engagement_statements SET participant_id = ?, text = ? WHERE id = ?", author, "=HYPERLINK(\"x\") buses, \"quoted\"", pl.sids[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ModerateStatement(f.as("manager-a"), pl.e.Key(), pl.sids[5], DecisionHide, "Testing"); err != nil {
			t.Fatal(err)
		}
		h := pages(t, f)
		// Before the map: the files exist; group figures are empty.
		r := do(t, h, "anonymous", "GET", API+"/"+pl.e.Key()+"/export/comment-groups.csv", nil)
		if r.code != 200 || r.body != "comment-id,comment,total-votes,total-agrees,total-disagrees,total-passes\n" {
			t.Errorf("comment-groups.csv before the map: %d %q", r.code, r.body)
		}
		mv, err := f.s.RecomputeMap(ctx, pl.e.ID)
		if err != nil {
			t.Fatal(err)
		}
		G := len(mv.Groups)
		if G < 2 {
			t.Fatalf("%d groups", G)
		}
		get := func(name string) [][]string {
			t.Helper()
			r := do(t, h, "anonymous", "GET", API+"/"+pl.e.Key()+"/export/"+name, nil)
			if r.code != 200 {
				t.Fatalf("%s: %d %s", name, r.code, r.body)
			}
			rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
			if err != nil && name != "participant-votes.csv" && name != "comment-groups.csv" && name != "summary.csv" {
				t.Fatalf("%s: %v", name, err)
			}
			if err != nil {
				rd := csv.NewReader(strings.NewReader(r.body))
				rd.FieldsPerRecord = -1
				rows, err = rd.ReadAll()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			first, _, _ := strings.Cut(r.body, "\n")
			headers := map[string]string{
				"summary.csv":           "topic,Exported",
				"comments.csv":          "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body",
				"votes.csv":             "timestamp,datetime,comment-id,voter-id,vote",
				"participant-votes.csv": "participant,group-id,n-comments,n-votes,n-agree,n-disagree",
				"comment-groups.csv":    "comment-id,comment,total-votes,total-agrees,total-disagrees,total-passes,group-a-votes,group-a-agrees,group-a-disagrees,group-a-passes,group-b-votes,group-b-agrees,group-b-disagrees,group-b-passes",
			}
			want := headers[name]
			if name == "comment-groups.csv" {
				for g := 2; g < G; g++ {
					want += strings.ReplaceAll(",group-x-votes,group-x-agrees,group-x-disagrees,group-x-passes", "x", string(rune('a'+g)))
				}
			}
			if name == "participant-votes.csv" {
				for _, id := range pl.sids[:5] {
					want += fmt.Sprintf(",%d", id)
				}
			}
			if first != want {
				t.Errorf("%s header:\n got %q\nwant %q", name, first, want)
			}
			return rows
		}
		sum := get("summary.csv")
		var names []string
		for _, row := range sum {
			names = append(names, row[0])
		}
		if !slices.Equal(names, []string{"topic", "url", "voters", "voters-in-conv", "commenters", "comments", "groups", "conversation-description"}) ||
			sum[1][1] != "https://joinedup.example"+pl.e.URL() || sum[2][1] != "60" || sum[3][1] != "60" || sum[4][1] != "1" || sum[5][1] != "5" || sum[6][1] != fmt.Sprint(G) {
			t.Errorf("summary.csv: %q", sum)
		}
		comments := get("comments.csv")
		if len(comments) != 6 || comments[2][3] != fmt.Sprint(author) || comments[1][3] != "" || comments[1][6] != "1" || comments[2][6] != "0" ||
			comments[2][7] != "'=HYPERLINK(\"x\") buses, \"quoted\"" || !strings.HasSuffix(comments[1][1], "GMT+0000 (Coordinated Universal Time)") {
			t.Errorf("comments.csv: %q", comments)
		}
		votes := get("votes.csv")
		want := 0
		for _, row := range votes[1:] {
			if row[2] == fmt.Sprint(pl.sids[5]) {
				t.Fatal("a vote on a hidden statement is exported")
			}
			if !slices.Contains([]string{"1", "-1", "0"}, row[4]) {
				t.Errorf("vote %q", row[4])
			}
		}
		var stored int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM engagement_votes WHERE engagement_id = ? AND statement_id <> ?", pl.e.ID, pl.sids[5]).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if want = stored; len(votes)-1 != want {
			t.Errorf("votes.csv: %d votes, want %d", len(votes)-1, want)
		}
		// comments.csv's counts agree with votes.csv.
		agrees := map[string]int{}
		for _, row := range votes[1:] {
			if row[4] == "1" {
				agrees[row[2]]++
			}
		}
		for _, row := range comments[1:] {
			if row[4] != fmt.Sprint(agrees[row[2]]) {
				t.Errorf("statement %s: %s agrees in comments.csv, %d in votes.csv", row[2], row[4], agrees[row[2]])
			}
		}
		members, _, _ := f.s.mapMembers(ctx, pl.e.ID)
		pv := get("participant-votes.csv")
		if len(pv) != 61 {
			t.Errorf("participant-votes.csv: %d rows", len(pv))
		}
		for _, row := range pv[1:] {
			var pid int64
			fmt.Sscan(row[0], &pid)
			if g, ok := members[pid]; !ok || row[1] != fmt.Sprint(g) {
				t.Errorf("participant %s: group %q, map %d %v", row[0], row[1], g, ok)
			}
			if row[3] != "5" || len(row) != 11 {
				t.Errorf("participant row %q", row)
			}
			if pid == author && row[2] != "1" {
				t.Errorf("the author's n-comments %q", row[2])
			}
		}
		cg := get("comment-groups.csv")
		if len(cg) != 6 {
			t.Errorf("comment-groups.csv: %d rows", len(cg))
		}
		for _, row := range cg[1:] {
			if len(row) != 6+4*G {
				t.Fatalf("comment-groups row %q", row)
			}
			n := make([]int, len(row))
			for i := 2; i < len(row); i++ {
				fmt.Sscan(row[i], &n[i])
			}
			var votes, agrees int
			for g := range G {
				votes, agrees = votes+n[6+4*g], agrees+n[7+4*g]
				if n[6+4*g] != n[7+4*g]+n[8+4*g]+n[9+4*g] {
					t.Errorf("comment-groups row %q: group %d does not add up", row, g)
				}
			}
			if n[2] != votes || n[3] != agrees || n[2] != n[3]+n[4]+n[5] || n[2] != 60 {
				t.Errorf("comment-groups row %q does not add up", row)
			}
		}
		// The downloads are public for a published engagement, not for a draft.
		draft, err := f.s.Create(f.as("manager-a"), f.mapInput("Draft export", ModeratePost))
		if err != nil {
			t.Fatal(err)
		}
		if r := do(t, h, "anonymous", "GET", API+"/"+draft.Key()+"/export/votes.csv", nil); r.code != 404 {
			t.Errorf("a draft's votes.csv, anonymously: %d", r.code)
		}
		if r := do(t, h, "viewer-a", "GET", API+"/"+draft.Key()+"/export/votes.csv", nil); r.code != 200 {
			t.Errorf("a draft's votes.csv for its organisation: %d", r.code)
		}
	})
}

// TestMapPages: the results page, the downloads page and the engagement page's summary.
func TestMapPages(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	pl := plantMap(t, f, "Paged", 3, 50, 20, 20, 0.15, 8)
	h := pages(t, f)
	path := "/engagements/" + pl.e.Key()
	r := do(t, h, "anonymous", "GET", path+"/map", nil)
	if r.code != 200 {
		t.Fatalf("map page before the map: %d", r.code)
	}
	has(t, "map page before the map", r.body, "Not computed yet", "not been computed yet")
	if _, err := f.s.RecomputeMap(context.Background(), pl.e.ID); err != nil {
		t.Fatal(err)
	}
	r = do(t, h, "anonymous", "GET", path+"/map", nil)
	if r.code != 200 {
		t.Fatalf("map page: %d %s", r.code, r.body)
	}
	has(t, "map page", r.body, "<svg", "Group A:", "Group B:", "Group C:", "What sets Group A apart", "than everyone else: ",
		"What all groups agree on", "Where the groups divide", "How the map is worked out", "from 150 participants and 3000 votes",
		"<caption>Opinion groups: their size", path+"/export", "<table")
	r = do(t, h, "anonymous", "GET", path, nil)
	has(t, "engagement page", r.body, `id="opinion-map"`, "people are on the map, in 3 opinion groups", path+"/map", path+"/export")
	r = do(t, h, "anonymous", "GET", path+"/export", nil)
	if r.code != 200 {
		t.Fatalf("export page: %d", r.code)
	}
	for _, pf := range PolisFiles {
		has(t, "export page", r.body, "/api/v1/engagements/"+pl.e.Key()+"/export/"+pf.Name)
	}
	plain := f.published(t, f.input("Without a map"))
	for _, p := range []string{"/map", "/export"} {
		if r := do(t, h, "anonymous", "GET", "/engagements/"+plain.Key()+p, nil); r.code != 404 {
			t.Errorf("%s of an engagement without a map: %d", p, r.code)
		}
	}
	r = do(t, h, "anonymous", "GET", "/engagements/"+plain.Key(), nil)
	hasNot(t, "an engagement page without a map", r.body, `id="opinion-map"`)
}

// TestDemoMapRecoversItsGroups: the demo's simulated votes give the three planted groups.
func TestDemoMapRecoversItsGroups(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	e := f.published(t, f.mapInput("Demo map", ModeratePost))
	groups, votes := demoMapData(19)
	if len(groups) != 2000 || len(demoMapStatements) != 60 {
		t.Fatalf("%d participants, %d statements", len(groups), len(demoMapStatements))
	}
	n, err := demoMapInsert(context.Background(), f.s, e.ID, f.today.AddDate(0, 0, -14), f.s.Now(), groups, votes)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.s.RecomputeMap(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Groups) != 3 || v.Votes != n || v.Participants != 2000 {
		t.Fatalf("%d groups from %d votes (%d written) and %d participants", len(v.Groups), v.Votes, n, v.Participants)
	}
	members, _, err := f.s.mapMembers(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var a, b []int
	for p, g := range groups {
		var pid int64
		if err := d.QueryRow(context.Background(), "SELECT id FROM engagement_participants WHERE engagement_id = ? AND token_hash = ?",
			e.ID, HashToken(demoToken(demoMapSlug, p))).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		a, b = append(a, g), append(b, members[pid])
	}
	if ari := stats.AdjustedRandIndex(a, b); ari < 0.9 {
		t.Errorf("ARI %.4f", ari)
	}
	agree := 0
	for _, c := range v.Consensus {
		if c.Direction == "agree" {
			agree++
		}
	}
	if agree == 0 || len(v.Divisive) == 0 {
		t.Errorf("consensus %d, divisive %d", agree, len(v.Divisive))
	}
}

// TestMarkStaleMaps: at start-up the worker marks the maps with votes newer than the map (or
// no map at all), and only those.
func TestMarkStaleMaps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := plantMap(t, f, "Stale A", 2, 10, 8, 8, 0.1, 1)
		b := plantMap(t, f, "Stale B", 2, 10, 8, 8, 0.1, 2)
		f.published(t, f.mapInput("No votes", ModeratePost))
		dirty := func() []int64 {
			f.s.Maps.mu.Lock()
			defer f.s.Maps.mu.Unlock()
			var ids []int64
			for id := range f.s.Maps.dirty {
				ids = append(ids, id)
			}
			clear(f.s.Maps.dirty)
			slices.Sort(ids)
			return ids
		}
		if err := f.s.markStaleMaps(ctx); err != nil {
			t.Fatal(err)
		}
		if got := dirty(); !slices.Equal(got, []int64{a.e.ID, b.e.ID}) {
			t.Errorf("without maps: dirty %v, want %v", got, []int64{a.e.ID, b.e.ID})
		}
		for _, pl := range []planted{a, b} {
			if _, err := f.s.RecomputeMap(ctx, pl.e.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.s.markStaleMaps(ctx); err != nil {
			t.Fatal(err)
		}
		if got := dirty(); len(got) != 0 {
			t.Errorf("with fresh maps: dirty %v", got)
		}
		if _, err := d.Exec(ctx, "UPDATE engagement_votes SET voted_at = ? WHERE engagement_id = ? AND statement_id = ?",
			time.Now().UTC().Add(time.Hour), b.e.ID, b.sids[0]); err != nil {
			t.Fatal(err)
		}
		if err := f.s.markStaleMaps(ctx); err != nil {
			t.Fatal(err)
		}
		if got := dirty(); !slices.Equal(got, []int64{b.e.ID}) {
			t.Errorf("after a newer vote on B: dirty %v", got)
		}
	})
}

// TestStartStopMaps: stopping at once after starting does not hang, and stopping twice is safe.
func TestStartStopMaps(t *testing.T) {
	d := dbtest.SQLite(t)
	s := NewService(d, nil)
	t.Cleanup(s.StopVotes)
	s.StartMaps()
	s.StartMaps()
	done := make(chan struct{})
	go func() {
		s.StopMaps()
		s.StopMaps()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("StopMaps hangs")
	}
	s.MarkMapDirty(1) // after the stop: remembered, never blocks
}
