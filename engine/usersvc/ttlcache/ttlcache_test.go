package ttlcache

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock so expiry is tested without sleeping.
type fakeClock struct{ ns atomic.Int64 }

func (f *fakeClock) now() time.Time          { return time.Unix(0, f.ns.Load()) }
func (f *fakeClock) advance(d time.Duration) { f.ns.Add(int64(d)) }

func TestExpiry(t *testing.T) {
	clk := &fakeClock{}
	clk.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	c := New[int](WithClock(clk.now), WithSweepInterval(time.Second))
	c.Set("a", 1, clk.now().Add(10*time.Second))
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %v, %v; want 1, true", v, ok)
	}
	clk.advance(10 * time.Second)
	if c.Has("a") {
		t.Fatal("entry still live at its expiry time")
	}
	if _, ok := c.Take("a"); ok {
		t.Fatal("Take returned an expired entry")
	}
}

func TestSweepBoundsMemory(t *testing.T) {
	clk := &fakeClock{}
	c := New[int](WithClock(clk.now), WithSweepInterval(time.Second))
	for i := range 1000 {
		c.Set(strconv.Itoa(i), i, clk.now().Add(time.Second))
	}
	if got := c.stored(); got != 1000 {
		t.Fatalf("stored = %d; want 1000", got)
	}
	clk.advance(2 * time.Second)
	// Writes after the interval sweep the shards they land in; enough writes reach all.
	for i := range 1000 {
		c.Set("new"+strconv.Itoa(i), i, clk.now().Add(time.Hour))
	}
	if got := c.stored(); got != 1000 {
		t.Fatalf("stored after sweep = %d; want 1000 (only the new entries)", got)
	}
	if got := c.Len(); got != 1000 {
		t.Fatalf("Len = %d; want 1000", got)
	}
}

func TestTakeOnlyOnce(t *testing.T) {
	c := New[int]()
	c.Set("tok", 7, time.Now().Add(time.Hour))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := c.Take("tok"); ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("Take succeeded %d times; want exactly 1", wins.Load())
	}
}

func TestDeleteFunc(t *testing.T) {
	c := New[int]()
	exp := time.Now().Add(time.Hour)
	for i := range 10 {
		c.Set(strconv.Itoa(i), i%2, exp)
	}
	c.DeleteFunc(func(_ string, v int) bool { return v == 1 })
	if got := c.Len(); got != 5 {
		t.Fatalf("Len = %d; want 5", got)
	}
}
