package resilience

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// A route's latency histograms have the engine's latency geometry
// (metrics.NewLatencyHistogram: microseconds, 1 µs to 10 min, 1% error).
const (
	// timeoutWindow is how many answers a route histogram takes before it is
	// rotated: the timeout follows the recent past, not the whole run.
	timeoutWindow = 1000
	// recomputeEvery answers the route's timeout is computed again, or on the
	// first answer recomputeAfter after the last computation: a busy route
	// scans its histogram a few times a second (each scan reads its counts up
	// to p95, cold between requests: 1-2% of a journey's CPU at every 16
	// answers, bench/run.sh p), and a quiet one still follows within a second.
	recomputeEvery = 64
	recomputeAfter = int64(time.Second)
)

// AdaptiveTimeout is p95 × factor within [floor, cap].
func AdaptiveTimeout(p95 time.Duration, factor float64, floor, cap time.Duration) time.Duration {
	t := time.Duration(float64(p95) * factor)
	return min(max(t, floor), cap)
}

// routeTimer keeps a route's recent latency in two HDR histograms (the current
// window and the one before) and its current timeout.
type routeTimer struct {
	timeout atomic.Int64 // nanoseconds

	mu       sync.Mutex
	cur      *hdrhistogram.Histogram
	prev     *hdrhistogram.Histogram
	pending  int
	computed int64 // unix ns of the last computation
	// Latencies not yet in cur, recorded in one go before each computation
	// (and where cur would rotate): one by one, each landed on a line of
	// cur's counts that was cold by the next answer, a memory stall a
	// request; in a row the stalls overlap. Never more than pending.
	pend  [recomputeEvery]int32
	npend int
}

func newRouteTimer(initial time.Duration) *routeTimer {
	t := &routeTimer{
		cur:  metrics.NewLatencyHistogram(),
		prev: metrics.NewLatencyHistogram(),
	}
	t.timeout.Store(int64(initial))
	return t
}

// observe records one latency, answered at unix ns at, and recomputes the
// timeout now and then. A timed-out request is observed at its timeout: a
// censored sample still pulls p95 up, so a target that became slower for good
// is followed up to the cap.
func (t *routeTimer) observe(d time.Duration, at int64, c *Config) (changed bool, now time.Duration) {
	us := metrics.LatencyMicros(d)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pend[t.npend] = int32(us) // us ≤ 10 min fits
	t.npend++
	if t.cur.TotalCount()+int64(t.npend) >= timeoutWindow {
		t.flush() // cur rotates where recording one by one would rotate it
	}
	// Every few answers; on every one while the route is young, so its first
	// timeout comes as soon as it has TimeoutMinSamples answers.
	if t.pending++; t.pending < recomputeEvery && at-t.computed < recomputeAfter && t.cur.TotalCount()+int64(t.npend) > int64(2*c.TimeoutMinSamples) {
		return false, 0
	}
	t.flush()
	t.pending, t.computed = 0, at
	nt, ok := windowTimeout(t.cur, t.prev, c)
	if !ok {
		return false, 0
	}
	return t.timeout.Swap(int64(nt)) != int64(nt), nt
}

// windowTimeout is the timeout from a route's windows: from the current
// one's p95, or the previous one's while the current has fewer than
// TimeoutMinSamples answers; false when neither has as many.
func windowTimeout(cur, prev *hdrhistogram.Histogram, c *Config) (time.Duration, bool) {
	h := cur
	if h.TotalCount() < int64(c.TimeoutMinSamples) {
		h = prev
	}
	if h.TotalCount() < int64(c.TimeoutMinSamples) {
		return 0, false
	}
	p95 := time.Duration(h.ValueAtQuantile(95)) * time.Microsecond
	return AdaptiveTimeout(p95, c.TimeoutFactor, c.TimeoutFloor, c.TimeoutCap), true
}

// flush records the pending latencies, rotating cur after each
// timeoutWindow of them (under t.mu).
func (t *routeTimer) flush() {
	for _, us := range t.pend[:t.npend] {
		_ = t.cur.RecordValue(int64(us)) // cannot fail: clamped to the range by LatencyMicros
		if t.cur.TotalCount() >= timeoutWindow {
			t.prev, t.cur = t.cur, t.prev
			t.cur.Reset()
		}
	}
	t.npend = 0
}

func (t *routeTimer) current() time.Duration { return time.Duration(t.timeout.Load()) }
