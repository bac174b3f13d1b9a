package engagement

// The demo's open engagement with an opinion map (/engagements/demo-map): about 2,000
// simulated participants in three opinion groups voting on 60 statements about place-based
// work and the learning framework (from AU0019: local decision-making, joined-up services,
// data sharing, accountability). The groups have planted patterns — one for community
// control, one for agency accountability and shared measures, one wary of data sharing and
// local boards — and some statements every group agrees or disagrees with. Votes are written
// in bulk (multi-row inserts in one transaction) and the map is computed before the demo
// finishes, so the page shows it at once.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// demoMapSlug is the demo map engagement's address.
const demoMapSlug = "demo-map"

// demoMapGroups are the planted groups' sizes: community control, agency accountability,
// wary of data sharing.
var demoMapGroups = []int{880, 680, 440}

// demoStatement is a statement with each planted group's stance: +1 agree, −1 disagree, 0
// divided.
type demoStatement struct {
	Text   string
	Stance [3]int
	Seed   bool // written by staff (else by a participant)
}

var demoMapStatements = []demoStatement{
	// Every group agrees.
	{"People should hear back about how their input was used, every time they are consulted.", [3]int{1, 1, 1}, true},
	{"Short pilots that end just as they start to work waste everyone's effort.", [3]int{1, 1, 1}, false},
	{"Meetings and papers should be in plain English, with an interpreter when people need one.", [3]int{1, 1, 1}, false},
	{"Agencies working in the same place should agree on the outcomes they are trying to achieve.", [3]int{1, 1, 1}, true},
	{"Local knowledge should shape services before they are designed, not after.", [3]int{1, 1, 1}, true},
	{"In First Nations communities, Elders and traditional owners should be heard first.", [3]int{1, 1, 1}, false},
	{"The public service should say openly what did not work, not only what did.", [3]int{1, 1, 1}, true},
	{"One shopfront or phone number for all the local services would make help easier to find.", [3]int{1, 1, 1}, false},
	{"Agencies should publish what they spend in each place every year.", [3]int{1, 1, 1}, false},
	// Every group disagrees.
	{"Consultation is mostly a waste of time: agencies already know what communities need.", [3]int{-1, -1, -1}, false},
	{"It is fine to ask communities for their views after a program has been designed.", [3]int{-1, -1, -1}, false},
	{"Each agency should keep its own separate plan for the same community.", [3]int{-1, -1, -1}, true},
	{"Funding rounds every year keep community organisations on their toes.", [3]int{-1, -1, -1}, false},
	// Community control.
	{"Community boards should decide how a share of government money is spent in their place.", [3]int{1, -1, 0}, false},
	{"Decisions about a place should be made in that place, not in Canberra.", [3]int{1, -1, 1}, false},
	{"Regional staff should be able to say yes on the day without asking head office.", [3]int{1, -1, 0}, true},
	{"Funding should follow the community's plan, not each department's program guidelines.", [3]int{1, -1, 0}, false},
	{"Ten-year agreements with communities are worth the loss of flexibility.", [3]int{1, -1, 0}, false},
	{"Community organisations, not agencies, should lead place-based partnerships.", [3]int{1, -1, 0}, false},
	{"The learning framework should be written with communities, not for them.", [3]int{1, 0, 1}, true},
	{"Outcome targets set in Canberra undermine local priorities.", [3]int{1, -1, 0}, false},
	{"Communities should be able to stop a program that is not working for them.", [3]int{1, -1, 1}, false},
	{"Local leaders need paid time to take part in partnerships, not just goodwill.", [3]int{1, -1, 0}, false},
	// Agency accountability and shared measures.
	{"Every place-based partnership should report against the same national outcome measures.", [3]int{-1, 1, 0}, true},
	{"A single minister should be accountable for results in each place.", [3]int{-1, 1, 0}, false},
	{"Money given to local boards needs the same audit as any other public spending.", [3]int{-1, 1, 1}, false},
	{"Agencies should share data about the families they serve so that services can join up.", [3]int{0, 1, -1}, true},
	{"A national dashboard should compare outcomes across places.", [3]int{-1, 1, -1}, false},
	{"Place-based approaches should be scaled up only where evaluation shows they work.", [3]int{-1, 1, 0}, true},
	{"Cabinet should set the priorities; communities should shape how they are delivered.", [3]int{-1, 1, 0}, false},
	{"Joined-up services need one lead agency in each place with authority over the others.", [3]int{-1, 1, 0}, false},
	{"Public servants should spend time in regional offices to learn how places work.", [3]int{0, 1, 0}, false},
	{"Shared outcome frameworks are the best way to hold agencies to account.", [3]int{-1, 1, 0}, true},
	// Wary of data sharing and of local boards.
	{"I should be asked before any agency shares information about me with another.", [3]int{0, -1, 1}, false},
	{"I do not trust agencies to keep shared data safe.", [3]int{-1, -1, 1}, false},
	{"Services should be available face to face, not only online.", [3]int{0, -1, 1}, false},
	{"Community boards can become closed circles of the same few people.", [3]int{-1, 0, 1}, false},
	{"I would rather choose my own services than have a local board choose for me.", [3]int{-1, 0, 1}, false},
	{"Linking records across agencies does more harm than good.", [3]int{-1, -1, 1}, false},
	{"Consent to share my information should run out after a year.", [3]int{0, -1, 1}, false},
	{"People should be able to see and correct what agencies hold about them.", [3]int{1, 0, 1}, false},
	{"Local partnerships listen mostly to organisations, not to residents.", [3]int{-1, 0, 1}, false},
	// Where the groups divide.
	{"Data sharing between agencies should be the default, with privacy rules, rather than opt-in.", [3]int{0, 1, -1}, true},
	{"Communities should see all the data agencies collect about their place.", [3]int{1, -1, 1}, false},
	{"Place-based work should be funded from savings in each department's budget.", [3]int{1, -1, -1}, false},
	{"Accountability for joined-up delivery should sit with the community partnership.", [3]int{1, -1, 0}, false},
	{"The learning framework should measure how much power moved to communities.", [3]int{1, -1, 0}, true},
	{"Evaluations should be run by independent researchers chosen by the department.", [3]int{-1, 1, 1}, true},
	{"Local government should lead place-based work, not the Commonwealth.", [3]int{1, -1, 0}, false},
	{"Employment services should be run by local organisations in each place.", [3]int{1, -1, 0}, false},
	// Views that split every group.
	{"City Deals are a good model for other regions.", [3]int{0, 1, -1}, false},
	{"Stronger Communities for Children shows what long-term funding can do.", [3]int{1, 0, 0}, true},
	{"Empowered Communities should be extended to more regions.", [3]int{1, 0, -1}, false},
	{"Logan Together's shared data on school readiness has kept everyone focused on the same goal.", [3]int{1, 1, 0}, false},
	{"Online engagement reaches more people than meetings in the community.", [3]int{-1, 1, 0}, false},
	{"Co-design takes too long for urgent problems.", [3]int{-1, 1, 0}, false},
	{"Young people should have their own seat at every local partnership table.", [3]int{1, 0, 0}, false},
	{"Place-based approaches work better in small towns than in big cities.", [3]int{0, 0, 0}, false},
	{"The same approach cannot work in every place.", [3]int{1, 0, 1}, false},
	{"Delegation to regions should be tested in a few places before it goes further.", [3]int{-1, 1, 1}, false},
}

// demoMapVote is one simulated vote: participant and statement by index.
type demoMapVote struct {
	participant, statement int
	vote                   int
}

// demoMapData simulates the votes: each participant belongs to a planted group (returned per
// participant), sees 20 to 60 statements at random and answers their group's stance four
// times in five (a divided stance is agree or disagree at random), otherwise at random; one
// vote in twelve is a pass.
func demoMapData(seed uint64) (groups []int, votes []demoMapVote) {
	rng := rand.New(rand.NewPCG(seed, 0xd3))
	for g, n := range demoMapGroups {
		for range n {
			groups = append(groups, g)
		}
	}
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	S := len(demoMapStatements)
	order := make([]int, S)
	for j := range order {
		order[j] = j
	}
	for p, g := range groups {
		seen := 20 + rng.IntN(S-20+1)
		for k := range seen {
			r := k + rng.IntN(S-k)
			order[k], order[r] = order[r], order[k]
			j := order[k]
			v := demoMapStatements[j].Stance[g]
			if v == 0 {
				v = 1 - 2*rng.IntN(2)
			}
			switch x := rng.Float64(); {
			case x < 1.0/12:
				v = VotePass
			case x < 0.2:
				v = rng.IntN(3) - 1
			}
			votes = append(votes, demoMapVote{participant: p, statement: j, vote: v})
		}
	}
	return groups, votes
}

// demoMap loads the open engagement with its opinion map, and computes the map.
func demoMap(ctx, staff context.Context, s *Service, ids DemoIDs, pmc int64) (string, error) {
	today := day(s.Now())
	in := Input{OrgID: pmc, Slug: demoMapSlug, Title: "Place-based work: where do we agree?",
		Summary:       "An opinion map for everyone with a stake in place-based work: vote on statements about local decision-making, joined-up services, data sharing and accountability, and add your own. The map shows the groups of opinion that form, what they all agree on and where they divide.",
		Purpose:       "To find where people agree and where they differ about how the public service should work in places with place-based approaches, as the learning framework for AU0019 is put into practice.",
		Decision:      "Which questions the learning framework asks first in each place, and what the report to Government recommends about delegation, data sharing and accountability.",
		NotNegotiable: "That the learning work reports to Government, and the funding decisions for existing programs.",
		Influence:     Involve,
		Affected:      "People and community organisations in places with place-based approaches, and the Commonwealth, state and local agencies that work with them.",
		OpensOn:       Date{today.AddDate(0, 0, -21)}, ClosesOn: Date{today.AddDate(0, 0, 35)}, ReportBackBy: Date{today.AddDate(0, 0, 90)},
		HasMap: true, Moderation: ModeratePost, StatementLimit: 10, ReportThreshold: 3,
		PartnerIDs: pick(ids.Orgs, "Department of Social Services", "Logan Together", "Empowered Communities"),
		PlaceIDs:   pick(ids.Places, "Logan", "Cape York", "Inner Sydney", "Ngukurr", "Galiwin'ku"),
		ProgramIDs: pick(ids.Programs, "Logan Together", "Empowered Communities", "Stronger Communities for Children", "City Deals"),
	}
	e, err := s.Create(staff, in)
	if err != nil {
		return "", err
	}
	if _, _, err := s.SetStatus(staff, e.Key(), StatusOpen); err != nil {
		return "", err
	}
	groups, votes := demoMapData(19)
	n, err := demoMapInsert(ctx, s, e.ID, today.AddDate(0, 0, -21), s.Now(), groups, votes)
	if err != nil {
		return "", err
	}
	v, err := s.RecomputeMap(ctx, e.ID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("an open opinion map (%s: %d participants, %d statements, %d votes, %d groups)", demoMapSlug, len(groups), len(demoMapStatements), n, len(v.Groups)), nil
}

// demoMapInsert writes the participants, statements and votes in one transaction with
// multi-row inserts, spread in time between from and to. It returns the votes written.
func demoMapInsert(ctx context.Context, s *Service, engagementID int64, from, to time.Time, groups []int, votes []demoMapVote) (int, error) {
	span := to.Sub(from)
	if span <= 0 {
		span = time.Hour
	}
	P, S := len(groups), len(demoMapStatements)
	joined := func(p int) time.Time {
		return from.Add(span * time.Duration(p) / time.Duration(P+1)).UTC().Truncate(time.Microsecond)
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Participants.
		for start := 0; start < P; start += 500 {
			end := min(start+500, P)
			var sb strings.Builder
			sb.WriteString("INSERT INTO engagement_participants (engagement_id, token_hash, email, created_at) VALUES ")
			args := make([]any, 0, 3*(end-start))
			for p := start; p < end; p++ {
				if p > start {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, '', ?)")
				args = append(args, engagementID, HashToken(demoToken(demoMapSlug, p)), joined(p))
			}
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return db.MapError(err)
			}
		}
		pid := make([]int64, P)
		byHash := map[string]int{}
		for p := range P {
			byHash[HashToken(demoToken(demoMapSlug, p))] = p
		}
		err := db.Each(ctx, tx, "SELECT id, token_hash FROM engagement_participants WHERE engagement_id = ?", []any{engagementID}, func(rows *sql.Rows) error {
			var id int64
			var h string
			if err := rows.Scan(&id, &h); err != nil {
				return err
			}
			if p, ok := byHash[h]; ok {
				pid[p] = id
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Statements: seeds by staff on the first day, the rest by participants of the group
		// that holds them (the first participant of that group after a stride).
		var sb strings.Builder
		sb.WriteString("INSERT INTO engagement_statements (engagement_id, participant_id, text, status, created_at) VALUES ")
		args := make([]any, 0, 5*S)
		created := make([]time.Time, S)
		for j, st := range demoMapStatements {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, 'visible', ?)")
			var author any
			at := from.Add(time.Duration(j) * time.Minute)
			if !st.Seed {
				p := (j * 37) % P
				for q := range P { // someone of a group that agrees with it
					cand := (p + q) % P
					if st.Stance[groups[cand]] >= 0 {
						p = cand
						break
					}
				}
				author, at = pid[p], joined(p).Add(time.Minute)
			}
			created[j] = at.UTC().Truncate(time.Microsecond)
			args = append(args, engagementID, author, st.Text, created[j])
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return db.MapError(err)
		}
		sid := make([]int64, 0, S)
		err = db.Each(ctx, tx, "SELECT id FROM engagement_statements WHERE engagement_id = ? ORDER BY id", []any{engagementID}, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			sid = append(sid, id)
			return nil
		})
		if err != nil {
			return err
		}
		if len(sid) != S {
			return fmt.Errorf("demo map: %d statements stored of %d", len(sid), S)
		}
		// Votes, 500 to an INSERT, each after the statement was added.
		for start := 0; start < len(votes); start += 500 {
			end := min(start+500, len(votes))
			var sb strings.Builder
			sb.WriteString("INSERT INTO engagement_votes (statement_id, participant_id, engagement_id, vote, voted_at) VALUES ")
			args := make([]any, 0, 5*(end-start))
			for k := start; k < end; k++ {
				v := votes[k]
				if k > start {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?)")
				at := joined(v.participant)
				if created[v.statement].After(at) {
					at = created[v.statement]
				}
				at = at.Add(time.Duration(2+k%40) * time.Minute)
				if at.After(to) {
					at = to
				}
				args = append(args, sid[v.statement], pid[v.participant], engagementID, v.vote, at)
			}
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return db.MapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(votes), nil
}
