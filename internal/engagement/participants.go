package engagement

// Taking part without an account: who a participant is, and the in-memory state that keeps
// the public routes fast.
//
// A participant is known by a random token: on the pages, a 128-bit token in an HttpOnly,
// SameSite=Lax cookie named ju_p_{engagement id} (Secure over HTTPS), set on their first
// action; through the API, any opaque string of 16 to 128 visible characters sent as
// X-Participant (the header wins when both are sent). Only the token's SHA-256 is stored.
// The participant row is created on the first action (a submission, a statement or a vote);
// a signed-in participant's account is recorded with it; an email only when they ask to hear
// back.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// ParticipantHeader identifies a participant to the API.
const ParticipantHeader = "X-Participant"

// Lengths of a participant token sent as X-Participant.
const (
	MinParticipantToken = 16
	MaxParticipantToken = 128
)

// participantCookieAge is how long the participant cookie lasts.
const participantCookieAge = 180 * 24 * time.Hour

// ParticipantCookie is the name of the cookie holding the participant token of an engagement.
func ParticipantCookie(engagementID int64) string {
	return "ju_p_" + strconv.FormatInt(engagementID, 10)
}

// ErrNoParticipant: an API request that needs a participant named none.
var ErrNoParticipant = errors.New("say who is taking part: send the X-Participant header (16 to 128 visible characters, the same for every request of one participant) or the participant cookie set by the engagement's pages")

// ErrBadParticipant: the X-Participant header is not a usable token.
var ErrBadParticipant = errors.New("the X-Participant header must be 16 to 128 visible ASCII characters (letters, digits and punctuation, no spaces)")

// Identity is who is taking part in one request.
type Identity struct {
	// Hash is the SHA-256 (hex) of the participant's token; "" when they have none yet.
	Hash string
	// UserID is the signed-in account, 0 when anonymous.
	UserID int64
}

// Known reports whether the request named a participant.
func (id Identity) Known() bool { return id.Hash != "" }

// validToken reports whether s may be used as a participant token.
func validToken(s string) bool {
	if len(s) < MinParticipantToken || len(s) > MaxParticipantToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// HashToken is the stored form of a participant token: its SHA-256 in hex.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// newToken makes a 128-bit random token (32 hex characters).
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Identify reads the participant of r for the engagement: the X-Participant header if sent
// (ErrBadParticipant when it is malformed), otherwise the engagement's cookie (a malformed
// cookie counts as none). It never creates anything.
func Identify(r *http.Request, engagementID int64) (Identity, error) {
	id := Identity{UserID: authz.From(r.Context()).UserID}
	if hs := r.Header.Values(ParticipantHeader); len(hs) > 0 {
		if len(hs) > 1 || !validToken(hs[0]) {
			return id, ErrBadParticipant
		}
		id.Hash = HashToken(hs[0])
		return id, nil
	}
	if c, err := r.Cookie(ParticipantCookie(engagementID)); err == nil && validToken(c.Value) {
		id.Hash = HashToken(c.Value)
	}
	return id, nil
}

// identifyOrStart is Identify for the pages: a browser without the cookie is given one (set
// on w), so that its first action creates the participant.
func identifyOrStart(w http.ResponseWriter, r *http.Request, engagementID int64) (Identity, error) {
	id, err := Identify(r, engagementID)
	if err != nil || id.Known() {
		return id, err
	}
	tok := newToken()
	http.SetCookie(w, &http.Cookie{Name: ParticipantCookie(engagementID), Value: tok, Path: "/",
		MaxAge: int(participantCookieAge / time.Second), HttpOnly: true, Secure: web.HTTPS(r), SameSite: http.SameSiteLaxMode})
	id.Hash = HashToken(tok)
	return id, nil
}

// clientAddress is the client's address for the flood limit and for reporters without a token.
func clientAddress(r *http.Request) string {
	if ip := reqinfo.From(r.Context()).ClientIP; ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ---- participants in the database ----

// ensureParticipant returns the ID of the participant with tokenHash in the engagement,
// creating the row if there is none. A signed-in user is recorded on a row without one; an
// email (only given when they ask to hear back) replaces the one held and makes them due to
// be told again.
func ensureParticipant(ctx context.Context, q db.Q, engagementID int64, tokenHash string, userID int64, email string) (int64, error) {
	if _, err := q.Exec(ctx, `INSERT INTO engagement_participants (engagement_id, token_hash, user_id, email, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (engagement_id, token_hash) DO NOTHING`, engagementID, tokenHash, nullID(userID), email, db.Now()); err != nil {
		return 0, db.MapError(err)
	}
	var id int64
	var user sql.Null[int64]
	var held string
	if err := q.QueryRow(ctx, "SELECT id, user_id, email FROM engagement_participants WHERE engagement_id = ? AND token_hash = ?",
		engagementID, tokenHash).Scan(&id, &user, &held); err != nil {
		return 0, db.MapError(err)
	}
	if userID != 0 && !user.Valid {
		if _, err := q.Exec(ctx, "UPDATE engagement_participants SET user_id = ? WHERE id = ? AND user_id IS NULL", userID, id); err != nil {
			return 0, db.MapError(err)
		}
	}
	if email != "" && email != held {
		if _, err := q.Exec(ctx, "UPDATE engagement_participants SET email = ?, notified_at = NULL WHERE id = ?", email, id); err != nil {
			return 0, db.MapError(err)
		}
	}
	return id, nil
}

// participantID looks up a participant without creating one (0 when there is none).
func participantID(ctx context.Context, q db.Q, engagementID int64, tokenHash string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT id FROM engagement_participants WHERE engagement_id = ? AND token_hash = ?", engagementID, tokenHash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// ---- in-memory state ----

// participation is the in-memory state of taking part: the engagements, statements, vote
// counts and participant IDs the public routes need without a query, the flood limits and
// the vote writer. Its zero value is ready; init runs on first use.
type participation struct {
	once    sync.Once
	people  *participantCache
	engs    engagementCache
	stats   statsCache
	flood   *limiter // per participant
	ipFlood *limiter // per client address
	votes   voteWriter
}

func (s *Service) p() *participation {
	s.part.once.Do(func() {
		fl := DefaultFlood()
		if s.Flood != nil {
			fl = *s.Flood
		}
		s.part.people = newParticipantCache(100_000)
		s.part.flood = newLimiter(fl.VotesPerMinute, fl.Burst, 100_000, nil)
		s.part.ipFlood = newLimiter(fl.AddressVotesPerMinute, fl.AddressBurst, 100_000, nil)
		s.part.engs.ttl = engagementTTL
		s.part.votes.init(s)
	})
	return &s.part
}

// StopVotes writes the votes still queued and stops the vote writer (at shutdown). Votes sent
// after it are refused with db.ErrStopped.
func (s *Service) StopVotes() {
	s.p().votes.stop()
}

// participantCache maps (engagement, token hash) to a participant ID, so that a vote costs no
// query to find its participant. It holds at most about max entries: a full shard forgets
// half of its entries (an arbitrary half: those are looked up again on their next vote).
type participantCache struct {
	perShard int
	shards   [16]struct {
		mu sync.Mutex
		m  map[participantKey]int64
	}
}

type participantKey struct {
	engagementID int64
	hash         string
}

func newParticipantCache(max int) *participantCache {
	c := &participantCache{perShard: max/16 + 1}
	for i := range c.shards {
		c.shards[i].m = map[participantKey]int64{}
	}
	return c
}

func (c *participantCache) shard(k participantKey) int {
	if len(k.hash) == 0 {
		return 0
	}
	return int(k.hash[0]+k.hash[len(k.hash)-1]) % len(c.shards)
}

func (c *participantCache) get(engagementID int64, hash string) int64 {
	k := participantKey{engagementID, hash}
	sh := &c.shards[c.shard(k)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.m[k]
}

func (c *participantCache) put(engagementID int64, hash string, id int64) {
	k := participantKey{engagementID, hash}
	sh := &c.shards[c.shard(k)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[k]; !ok && len(sh.m) >= c.perShard {
		n := len(sh.m) / 2
		for old := range sh.m {
			if n == 0 {
				break
			}
			delete(sh.m, old)
			n--
		}
	}
	sh.m[k] = id
}

// engagementTTL is how long an engagement read for a vote or a page is reused: a change of
// status reaches the fast paths within it (the vote writer checks the status again in each
// batch, so a vote is never stored after the engagement closed).
const engagementTTL = time.Second

// engagementCache keeps engagements by key (ID or slug) for the fast paths.
type engagementCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]cachedEngagement
}

type cachedEngagement struct {
	e  Engagement
	at time.Time
}

// engagement returns the engagement with key, read at most ttl ago, if the principal may see
// it (db.ErrNotFound otherwise).
func (s *Service) cachedEngagement(ctx context.Context, key string) (Engagement, error) {
	c := &s.p().engs
	now := time.Now()
	c.mu.Lock()
	ce, ok := c.m[key]
	c.mu.Unlock()
	if !ok || now.Sub(ce.at) > c.ttl {
		e, err := s.Store.EngagementByKey(ctx, s.DB, key)
		if err != nil {
			return Engagement{}, err
		}
		ce = cachedEngagement{e: e, at: now}
		c.mu.Lock()
		if c.m == nil || len(c.m) > 10_000 {
			c.m = map[string]cachedEngagement{}
		}
		c.m[key] = ce
		c.mu.Unlock()
	}
	if !CanSee(authz.From(ctx), ce.e) {
		return Engagement{}, db.ErrNotFound
	}
	return ce.e, nil
}

// forgetEngagement drops the cached copies of an engagement.
func (s *Service) forgetEngagement(id int64) {
	c := &s.p().engs
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, ce := range c.m {
		if ce.e.ID == id {
			delete(c.m, k)
		}
	}
}

// ---- flood limits ----

// FloodLimits bound how fast votes may come: from one participant, and from one client
// address (several people may share one, so its limit is higher). A rate of 0 turns that
// limit off.
type FloodLimits struct {
	VotesPerMinute        float64
	Burst                 int
	AddressVotesPerMinute float64
	AddressBurst          int
}

// DefaultFlood: 60 votes a minute per participant (bursts of 30), 600 a minute per address
// (bursts of 300).
func DefaultFlood() FloodLimits {
	return FloodLimits{VotesPerMinute: 60, Burst: 30, AddressVotesPerMinute: 600, AddressBurst: 300}
}

// FloodError refuses a vote that came too fast; RetryAfter says when to try again.
type FloodError struct{ RetryAfter time.Duration }

func (e *FloodError) Error() string {
	return "You are voting faster than this engagement allows. Wait " + strconv.Itoa(e.Seconds()) + " seconds, then vote again."
}

// Seconds is the wait in whole seconds, at least 1.
func (e *FloodError) Seconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// limiter is a token bucket per key, spread over shards each with its own lock. A shard that
// reaches its share of the keys forgets the buckets that have refilled, then, if that is not
// enough, half of the rest.
type limiter struct {
	perNano  float64 // tokens per nanosecond; 0: off
	burst    float64
	perShard int
	now      func() time.Time
	shards   [32]limiterShard
}

type limiterShard struct {
	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     int64
}

func newLimiter(perMinute float64, burst, keys int, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	l := &limiter{perNano: perMinute / float64(time.Minute), burst: float64(max(burst, 1)), perShard: max(keys/32, 1), now: now}
	for i := range l.shards {
		l.shards[i].buckets = map[string]bucket{}
	}
	return l
}

// allow takes a token from key's bucket, or says how long until there is one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil || l.perNano <= 0 {
		return true, 0
	}
	now := l.now().UnixNano()
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	sh := &l.shards[h%uint32(len(l.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b, ok := sh.buckets[key]
	if !ok {
		if len(sh.buckets) >= l.perShard {
			l.evict(sh, now)
		}
		b = bucket{tokens: l.burst, at: now}
	} else {
		b.tokens = math.Min(l.burst, b.tokens+float64(now-b.at)*l.perNano)
		b.at = now
	}
	if b.tokens < 1 {
		sh.buckets[key] = b
		return false, time.Duration(math.Ceil((1 - b.tokens) / l.perNano))
	}
	b.tokens--
	sh.buckets[key] = b
	return true, 0
}

func (l *limiter) evict(sh *limiterShard, now int64) {
	for k, b := range sh.buckets {
		if b.tokens+float64(now-b.at)*l.perNano >= l.burst {
			delete(sh.buckets, k)
		}
	}
	n := len(sh.buckets) - l.perShard/2
	for k := range sh.buckets {
		if n <= 0 {
			break
		}
		delete(sh.buckets, k)
		n--
	}
}

// checkFlood takes a vote's tokens from the participant's and the address's buckets.
func (s *Service) checkFlood(id Identity, address string) error {
	p := s.p()
	if ok, wait := p.flood.allow(id.Hash); !ok {
		return &FloodError{RetryAfter: wait}
	}
	if address != "" {
		if ok, wait := p.ipFlood.allow(address); !ok {
			return &FloodError{RetryAfter: wait}
		}
	}
	return nil
}

// ClosedError refuses input to an engagement that does not take it today; Msg says why in
// plain words (it is shown to the participant).
type ClosedError struct{ Msg string }

func (e *ClosedError) Error() string { return e.Msg }

// checkOpen returns a *ClosedError unless the engagement takes input on day now.
func checkOpen(e Engagement, now time.Time) error {
	if e.AcceptingInput(now) {
		return nil
	}
	switch {
	case e.ArchivedAt != nil:
		return &ClosedError{"This engagement has been withdrawn: it no longer takes submissions, statements or votes."}
	case e.Status == StatusDraft:
		return &ClosedError{"This engagement is not published yet: people can take part once it opens."}
	case e.Phase(now) == PhaseUpcoming:
		return &ClosedError{"This engagement opens on " + e.OpensOn.Format("2 January 2006") + ": come back then to take part."}
	case e.Status == StatusReported:
		return &ClosedError{"This engagement has closed and its report is published: it no longer takes submissions, statements or votes. Read what was heard and what was done."}
	case !e.ClosesOn.IsZero():
		return &ClosedError{"This engagement closed on " + e.ClosesOn.Format("2 January 2006") + ": it no longer takes submissions, statements or votes. You can still see what people said."}
	}
	return &ClosedError{"This engagement has closed: it no longer takes submissions, statements or votes. You can still see what people said."}
}
