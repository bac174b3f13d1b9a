package satisfaction

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiterBucket(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(Limits{PerMinute: 30, Burst: 10}, clk.now)
	for i := range 10 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 2*time.Second {
		t.Fatalf("11th: %v, wait %v; want refused, 2s (30 a minute)", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another client refused")
	}
	clk.add(time.Second)
	if ok, wait := l.allow("a"); ok || wait != time.Second {
		t.Fatalf("after 1s: %v %v; want refused for 1s more", ok, wait)
	}
	clk.add(time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("after 2s: refused")
	}
	if ok, _ := l.allow("a"); ok {
		t.Fatal("the refilled token was used twice")
	}
	// A long pause refills up to the burst, no more.
	clk.add(time.Hour)
	n := 0
	for {
		if ok, _ := l.allow("a"); !ok {
			break
		}
		n++
	}
	if n != 10 {
		t.Errorf("after an hour %d allowed, want the burst of 10", n)
	}
	// Off.
	off := newLimiter(Limits{}, clk.now)
	for range 1000 {
		if ok, _ := off.allow("a"); !ok {
			t.Fatal("a zero rate refused")
		}
	}
	if off.size() != 0 {
		t.Errorf("an unlimited limiter keeps %d buckets", off.size())
	}
}

func TestLimiterMemoryBounded(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(Limits{PerMinute: 1, Burst: 1, Clients: 6400}, clk.now)
	for i := range 100_000 {
		l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		clk.add(time.Millisecond)
	}
	if n := l.size(); n > 6400 {
		t.Fatalf("%d buckets kept, bound 6400", n)
	}
	// The most recent client is still limited (its bucket was not dropped).
	last := fmt.Sprintf("10.0.%d.%d", 99_999/256, 99_999%256)
	if ok, _ := l.allow(last); ok {
		t.Error("the most recent client's empty bucket was forgotten")
	}
}

func TestNthSmallest(t *testing.T) {
	for _, xs := range [][]int64{{5, 1, 4, 2, 3}, {1, 1, 1, 2}, {9}, {3, 3, 1, 1, 2, 2}} {
		for k := range xs {
			cp := append([]int64(nil), xs...)
			got := nthSmallest(cp, k)
			less, equal := 0, 0
			for _, x := range xs {
				if x < got {
					less++
				} else if x == got {
					equal++
				}
			}
			if !(less <= k && k < less+equal) {
				t.Errorf("nthSmallest(%v, %d) = %d", xs, k, got)
			}
		}
	}
}
