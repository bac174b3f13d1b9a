package learning

import (
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// TestDigest checks what the digest says, to whom, and that it never says it twice.
func TestDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		cop := f.community(t, "Citizen practice", JoinOpen, "member1", "member2", "member3")
		other := f.community(t, "Other practice", JoinOpen, "member1")
		quiet := f.community(t, "Quiet practice", JoinOpen, "member4")
		_ = quiet
		// member3 turns the digest off.
		if _, err := f.s.SetDigest(f.as("member3"), cop.Slug, false); err != nil {
			t.Fatal(err)
		}
		// Nothing new yet: no email.
		f.now = f.now.Add(time.Hour)
		res, err := f.s.SendDigests(f.as("site-admin"), f.now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 0 || len(f.mail.take()) != 0 {
			t.Fatalf("digest with nothing new: %+v", res)
		}

		// News: a thread by member2 with a reply by member1, an event, a library item by
		// member1, a learning shared with the community, and a thread in the other community.
		f.now = f.now.Add(time.Hour)
		th, err := f.s.CreateThread(f.as("member2"), cop.Slug, ThreadInput{Title: "Who uses the CMT?", Body: "Tell us."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Reply(f.as("member1"), cop.Slug, th.ID, ReplyInput{Body: "We do."}); err != nil {
			t.Fatal(err)
		}
		ev := f.event(t, cop, "Launch forum", 10, 0)
		if _, err := f.s.AddLibraryItem(f.as("member1"), cop.Slug, LibraryInput{Title: "Journey map", Kind: "template", URL: "https://example.gov.au/map"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(f.as("site-admin"), `INSERT INTO learnings (organisation_id, type, title, visibility, community_id, created_at, updated_at)
			VALUES (?, 'worked', 'Ask early', 'community', ?, ?, ?)`, f.orgA, cop.ID, f.now, f.now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CreateThread(f.as("manager-a"), other.Slug, ThreadInput{Title: "Hello other", Body: "Hi."}); err != nil {
			t.Fatal(err)
		}
		// An older reply (before the window) in a thread from before: the thread is not new.
		f.now = f.now.Add(time.Hour)
		sendAt := f.now
		res, err = f.s.SendDigests(f.as("site-admin"), sendAt)
		if err != nil {
			t.Fatal(err)
		}
		msgs := f.mail.take()
		byTo := map[string]string{}
		subjects := map[string]string{}
		for _, m := range msgs {
			who := strings.TrimSuffix(strings.SplitN(m.To, "<", 2)[1], "@example.org>")
			byTo[who] = m.Text
			subjects[who] = m.Subject
		}
		// manager-a (host of all three, wrote the event and the other thread), member1, member2.
		// member3 opted out; member4's community is quiet.
		if res.Sent != 3 || len(msgs) != 3 || byTo["member3"] != "" || byTo["member4"] != "" {
			t.Fatalf("sent %+v to %v", res, cpKeys(byTo))
		}
		if res.NothingNew != 1 {
			t.Errorf("nothing new: %d, want 1 (member4)", res.NothingNew)
		}
		m1 := byTo["member1"]
		cpHas(t, "member1's digest", m1, "Hello Test member1,", "Citizen practice\n================",
			"New discussions:\n- Who uses the CMT? (started by Test member2)\n  https://joinedup.example/communities/citizen-practice/threads/",
			"Events coming up:\n- Launch forum (", "ACDT (Australia/Adelaide time))\n  https://joinedup.example/events/"+itoaT(ev.ID),
			"Learnings shared with the community:\n- Ask early\n  https://joinedup.example/learnings/",
			"Other practice", "- Hello other (started by Test manager-a)",
			"To stop it, untick", "https://joinedup.example/communities/other-practice\n")
		// member1 wrote the reply and the library item: not news to them.
		cpLacks(t, "member1's digest", m1, "Journey map", "New replies", "Quiet practice\n")
		if subjects["member1"] != "What is new in your communities of practice" {
			t.Errorf("member1's subject: %q", subjects["member1"])
		}
		m2 := byTo["member2"]
		cpHas(t, "member2's digest", m2, "New in the library:\n- Journey map (Template)", "Launch forum")
		// member2 started the thread: its reply is news, the thread is not.
		cpHas(t, "member2's digest", m2, "New replies:\n- Who uses the CMT? (1 new reply)")
		cpLacks(t, "member2's digest", m2, "New discussions", "Other practice")
		if subjects["member2"] != "What is new in Citizen practice" {
			t.Errorf("member2's subject: %q", subjects["member2"])
		}
		// manager-a wrote the event and the other thread.
		cpLacks(t, "manager-a's digest", byTo["manager-a"], "Launch forum", "Hello other")
		cpHas(t, "manager-a's digest", byTo["manager-a"], "Who uses the CMT?", "Journey map", "Ask early")

		// digest_sent_at is recorded for the memberships covered.
		var sent time.Time
		if err := d.QueryRow(f.as("site-admin"), "SELECT digest_sent_at FROM community_members WHERE community_id = ? AND user_id = ?",
			cop.ID, f.people["member1"].UserID).Scan(&sent); err != nil || !sent.Equal(sendAt) {
			t.Errorf("digest_sent_at %v %v, want %v", sent, err, sendAt)
		}

		// Once only: running again at the same time, or later with nothing new, sends nothing.
		for _, at := range []time.Time{sendAt, sendAt.Add(24 * time.Hour)} {
			res, err = f.s.SendDigests(f.as("site-admin"), at)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != 0 || len(f.mail.take()) != 0 {
				t.Errorf("second run at %v sent %+v", at, res)
			}
		}

		// Only what is new since: a reply by member2; member1 hears of it, and only of it.
		f.now = sendAt.Add(48 * time.Hour)
		if _, err := f.s.Reply(f.as("member2"), cop.Slug, th.ID, ReplyInput{Body: "Thanks!"}); err != nil {
			t.Fatal(err)
		}
		// A failed email is tried again on the next run.
		f.mail.fail = "member1@"
		res, err = f.s.SendDigests(f.as("site-admin"), f.now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed != 1 || res.Sent != 1 { // manager-a hears of it too
			t.Errorf("run with a failing address: %+v", res)
		}
		f.mail.take()
		f.mail.fail = ""
		res, err = f.s.SendDigests(f.as("site-admin"), f.now.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		msgs = f.mail.take()
		if res.Sent != 1 || len(msgs) != 1 || !strings.Contains(msgs[0].To, "member1@") {
			t.Fatalf("retry: %+v %v", res, msgs)
		}
		cpHas(t, "the retried digest", msgs[0].Text, "New replies:\n- Who uses the CMT? (1 new reply)")
		cpLacks(t, "the retried digest", msgs[0].Text, "Launch forum", "Ask early", "Other practice")

		// The run is audited; without a mail sender it refuses.
		var n int
		if err := d.QueryRow(f.as("site-admin"), "SELECT COUNT(*) FROM audit_log WHERE action = 'community.digest.send'").Scan(&n); err != nil || n < 5 {
			t.Errorf("audit rows %d %v", n, err)
		}
		f.s.Mail = nil
		if _, err := f.s.SendDigests(f.as("site-admin"), f.now); err == nil {
			t.Error("a digest without a mail sender")
		}
	})
}

func cpKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
