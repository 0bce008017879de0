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
	_ = t.cur.RecordValue(us)
	if t.cur.TotalCount() >= timeoutWindow {
		t.prev, t.cur = t.cur, t.prev
		t.cur.Reset()
	}
	// Every few answers; on every one while the route is young, so its first
	// timeout comes as soon as it has TimeoutMinSamples answers.
	if t.pending++; t.pending < recomputeEvery && at-t.computed < recomputeAfter && t.cur.TotalCount() > int64(2*c.TimeoutMinSamples) {
		return false, 0
	}
	t.pending, t.computed = 0, at
	h := t.cur
	if h.TotalCount() < int64(c.TimeoutMinSamples) {
		h = t.prev
	}
	if h.TotalCount() < int64(c.TimeoutMinSamples) {
		return false, 0
	}
	p95 := time.Duration(h.ValueAtQuantile(95)) * time.Microsecond
	nt := AdaptiveTimeout(p95, c.TimeoutFactor, c.TimeoutFloor, c.TimeoutCap)
	return t.timeout.Swap(int64(nt)) != int64(nt), nt
}

func (t *routeTimer) current() time.Duration { return time.Duration(t.timeout.Load()) }
