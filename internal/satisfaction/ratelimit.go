package satisfaction

import (
	"math"
	"sync"
	"time"
)

// Limits protect the public collection routes (POST /s/{code} and the JSON submission).
type Limits struct {
	// PerMinute is how many submissions one client address may make per minute, on average;
	// 0 turns the limit off.
	PerMinute float64
	// Burst is how many it may make at once before the average applies (0: 10).
	Burst int
	// Clients bounds the memory of the limiter: at most this many addresses are tracked, those
	// idle longest forgotten first (0: 100,000).
	Clients int
	// MaxBody is the largest submission body in bytes (0: 64 KiB).
	MaxBody int64
}

// DefaultLimits are the limits used when Web.Limits is nil: 30 submissions a minute per
// client address with bursts of 10, bodies up to 64 KiB.
func DefaultLimits() Limits {
	return Limits{PerMinute: 30, Burst: 10, Clients: 100_000, MaxBody: 64 << 10}
}

func (l Limits) withDefaults() Limits {
	if l.Burst <= 0 {
		l.Burst = 10
	}
	if l.Clients <= 0 {
		l.Clients = 100_000
	}
	if l.MaxBody <= 0 {
		l.MaxBody = 64 << 10
	}
	return l
}

// limiter is a token bucket per client address. The buckets are spread over shards, each
// with its own lock, so that concurrent requests rarely wait for one another; a shard that
// reaches its share of Limits.Clients forgets the buckets that have refilled (they are the same
// as no bucket) and, if that is not enough, the ones idle longest.
type limiter struct {
	perNano  float64 // tokens per nanosecond; 0: off
	burst    float64
	perShard int
	now      func() time.Time
	shards   [limiterShards]limiterShard
}

const limiterShards = 64

type limiterShard struct {
	mu      sync.Mutex
	buckets map[string]bucket
	_       [40]byte // keep shards on separate cache lines
}

type bucket struct {
	tokens float64
	at     int64 // unix nanoseconds of the last update
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	l = l.withDefaults()
	lm := &limiter{perNano: l.PerMinute / float64(time.Minute), burst: float64(l.Burst), now: now,
		perShard: max(1, l.Clients/limiterShards)}
	if lm.now == nil {
		lm.now = time.Now
	}
	for i := range lm.shards {
		lm.shards[i].buckets = make(map[string]bucket)
	}
	return lm
}

// allow takes a token from key's bucket. When there is none it says how long until there
// will be one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil || l.perNano <= 0 {
		return true, 0
	}
	now := l.now().UnixNano()
	sh := &l.shards[fnv32(key)%limiterShards]
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
		wait := time.Duration(math.Ceil((1 - b.tokens) / l.perNano))
		return false, wait
	}
	b.tokens--
	sh.buckets[key] = b
	return true, 0
}

// evict makes room in a full shard: buckets that have refilled go first, then, if fewer than
// a quarter went, the least recently used until three quarters are left.
func (l *limiter) evict(sh *limiterShard, now int64) {
	for k, b := range sh.buckets {
		if b.tokens+float64(now-b.at)*l.perNano >= l.burst {
			delete(sh.buckets, k)
		}
	}
	keep := l.perShard * 3 / 4
	if len(sh.buckets) <= keep {
		return
	}
	// Find the cut-off time below which buckets are dropped: the (len-keep)th oldest.
	ats := make([]int64, 0, len(sh.buckets))
	for _, b := range sh.buckets {
		ats = append(ats, b.at)
	}
	cut := nthSmallest(ats, len(sh.buckets)-keep-1)
	for k, b := range sh.buckets {
		if len(sh.buckets) <= keep {
			break
		}
		if b.at <= cut {
			delete(sh.buckets, k)
		}
	}
}

// size reports how many buckets are held (for tests).
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].buckets)
		l.shards[i].mu.Unlock()
	}
	return n
}

// nthSmallest returns the k-th smallest of xs (0-based), reordering xs.
func nthSmallest(xs []int64, k int) int64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		p := xs[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < p {
				i++
			}
			for xs[j] > p {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
