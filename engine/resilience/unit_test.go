package resilience

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

func TestAdaptiveTimeout(t *testing.T) {
	floor, cap := time.Second, 30*time.Second
	for _, c := range []struct {
		p95, want time.Duration
	}{
		{5 * time.Millisecond, time.Second},  // below the floor
		{2 * time.Second, 3 * time.Second},   // p95 × 1.5
		{10 * time.Second, 15 * time.Second}, // p95 × 1.5
		{time.Minute, 30 * time.Second},      // capped
		{0, time.Second},                     // no latency yet
		{20 * time.Second, 30 * time.Second}, // 30s exactly at the cap
		{1500 * time.Millisecond, 2250 * time.Millisecond},
	} {
		if got := AdaptiveTimeout(c.p95, 1.5, floor, cap); got != c.want {
			t.Errorf("AdaptiveTimeout(%s) = %s, want %s", c.p95, got, c.want)
		}
	}
}

// TestRouteTimerFollowsP95 feeds a route's HDR histogram and checks the
// timeout it derives: the cap before enough samples, then p95 × 1.5 within the
// floor and the cap, and it follows a target that became slower (rotation).
func TestRouteTimerFollowsP95(t *testing.T) {
	c := Defaults()
	c.TimeoutFloor = 10 * time.Millisecond
	rt := newRouteTimer(c.TimeoutCap)
	for range 15 {
		rt.observe(100*time.Millisecond, 0, &c)
	}
	if got := rt.current(); got != c.TimeoutCap {
		t.Fatalf("before %d samples: %s, want the cap %s", c.TimeoutMinSamples, got, c.TimeoutCap)
	}
	// 95 answers at 100ms and 5 at 1s per 100: p95 is 100ms → 150ms.
	for i := range 200 {
		d := 100 * time.Millisecond
		if i%100 >= 96 {
			d = time.Second
		}
		rt.observe(d, 0, &c)
	}
	if got := rt.current(); got < 148*time.Millisecond || got > 153*time.Millisecond {
		t.Fatalf("p95 100ms: timeout %s, want ≈150ms", got)
	}
	// The target slows down to 2s for good: after a window the timeout is ≈3s.
	for range timeoutWindow + 2*recomputeEvery {
		rt.observe(2*time.Second, 0, &c)
	}
	if got := rt.current(); got < 2900*time.Millisecond || got > 3100*time.Millisecond {
		t.Fatalf("p95 2s: timeout %s, want ≈3s", got)
	}
	for range timeoutWindow {
		rt.observe(time.Minute, 0, &c)
	}
	if got := rt.current(); got != c.TimeoutCap {
		t.Fatalf("p95 1m: timeout %s, want the cap", got)
	}
}

// TestRouteTimerBatchesExactly: recording a route's latencies in batches
// computes the same timeouts at the same answers as recording each at once
// (oneByOne, the timer before the batches), through rotations, a young
// route's every-answer computations and a second's gap.
func TestRouteTimerBatchesExactly(t *testing.T) {
	c := Defaults()
	c.TimeoutFloor = time.Millisecond
	rt := newRouteTimer(c.TimeoutCap)
	ref := oneByOne{cur: metrics.NewLatencyHistogram(), prev: metrics.NewLatencyHistogram(), timeout: c.TimeoutCap}
	rng := rand.New(rand.NewPCG(3, 4))
	at := int64(time.Hour)
	for i := range 5 * timeoutWindow {
		// Latency shifts every 700 answers, so each window differs; now and
		// then an answer comes more than a second after the one before.
		d := time.Duration(1+i/700) * time.Duration(1+rng.IntN(100)) * time.Millisecond
		if rng.IntN(200) == 0 {
			at += recomputeAfter
		}
		gotChanged, got := rt.observe(d, at, &c)
		wantChanged, want := ref.observe(d, at, &c)
		if gotChanged != wantChanged || got != want {
			t.Fatalf("answer %d (%s): observe = %v, %s; recorded one by one: %v, %s", i, d, gotChanged, got, wantChanged, want)
		}
	}
}

// oneByOne is a route timer that records each latency as it comes (the
// computation from the windows is the timer's own).
type oneByOne struct {
	cur, prev *hdrhistogram.Histogram
	pending   int
	computed  int64
	timeout   time.Duration
}

func (t *oneByOne) observe(d time.Duration, at int64, c *Config) (bool, time.Duration) {
	_ = t.cur.RecordValue(metrics.LatencyMicros(d))
	if t.cur.TotalCount() >= timeoutWindow {
		t.prev, t.cur = t.cur, t.prev
		t.cur.Reset()
	}
	if t.pending++; t.pending < recomputeEvery && at-t.computed < recomputeAfter && t.cur.TotalCount() > int64(2*c.TimeoutMinSamples) {
		return false, 0
	}
	t.pending, t.computed = 0, at
	nt, ok := windowTimeout(t.cur, t.prev, c)
	if !ok {
		return false, 0
	}
	changed := t.timeout != nt
	t.timeout = nt
	return changed, nt
}

// TestRouteTimerCadence checks when a route's timeout is computed again: not
// within 64 answers that come less than a second after the last computation,
// then on the first answer a second later, and on the 64th answer whatever
// the time.
func TestRouteTimerCadence(t *testing.T) {
	c := Defaults()
	c.TimeoutFloor = 10 * time.Millisecond
	rt := newRouteTimer(c.TimeoutCap)
	at := int64(time.Hour) // answers' arrival, unix ns
	within := func(lo, hi time.Duration, what string) {
		t.Helper()
		if got := rt.current(); got < lo || got > hi {
			t.Fatalf("%s: timeout %s, want %s to %s", what, got, lo, hi)
		}
	}
	for range 200 {
		rt.observe(100*time.Millisecond, at, &c)
	}
	within(148*time.Millisecond, 153*time.Millisecond, "p95 100ms")
	// 20 answers of 1s would make p95 1s, but they come within the same
	// second and fewer than 64 answers after the last computation.
	for range 20 {
		rt.observe(time.Second, at, &c)
	}
	within(148*time.Millisecond, 153*time.Millisecond, "20 slow answers within a second")
	at += recomputeAfter
	rt.observe(time.Second, at, &c)
	within(1485*time.Millisecond, 1515*time.Millisecond, "the first answer a second later")
	// 64 answers of 3s at that same instant: the 64th computes.
	for range recomputeEvery - 1 {
		rt.observe(3*time.Second, at, &c)
	}
	within(1485*time.Millisecond, 1515*time.Millisecond, "63 answers after the computation")
	rt.observe(3*time.Second, at, &c)
	within(4455*time.Millisecond, 4545*time.Millisecond, "the 64th answer")
}

func TestBackoffBounds(t *testing.T) {
	base, maxD := 100*time.Millisecond, 5*time.Second
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 3200 * time.Millisecond, 5 * time.Second, 5 * time.Second}
	for n, w := range want {
		if got := BackoffCeiling(n, base, maxD); got != w {
			t.Errorf("ceiling(%d) = %s, want %s", n, got, w)
		}
	}
	if got := BackoffCeiling(1000, base, maxD); got != maxD {
		t.Errorf("ceiling(1000) = %s, want the max", got)
	}
	for _, u := range []float64{0, 0.25, 0.5, 0.999999} {
		for n := 1; n < 12; n++ {
			d := Backoff(n, base, maxD, u)
			if d < 0 || d > BackoffCeiling(n, base, maxD) {
				t.Errorf("Backoff(%d, u=%g) = %s outside [0, %s]", n, u, d, BackoffCeiling(n, base, maxD))
			}
		}
	}
	if got := Backoff(3, base, maxD, 0.5); got != 200*time.Millisecond {
		t.Errorf("full jitter: Backoff(3, 0.5) = %s, want 200ms", got)
	}
}

func TestRetryAfterWait(t *testing.T) {
	for _, c := range []struct {
		status   int
		ra, want time.Duration
	}{
		{429, 3 * time.Second, 3 * time.Second},
		{503, 3 * time.Second, 3 * time.Second},
		{429, time.Hour, 30 * time.Second}, // capped
		{500, 3 * time.Second, 0},          // only 429 and 503
		{429, 0, 0},
	} {
		if got := RetryAfterWait(c.status, c.ra, 30*time.Second); got != c.want {
			t.Errorf("RetryAfterWait(%d, %s) = %s, want %s", c.status, c.ra, got, c.want)
		}
	}
}

func TestDegraderHysteresis(t *testing.T) {
	d := NewDegrader(Defaults()) // error 5/15/30%, p95 1s/2s/5s, calm 3, recover 0.7
	ms := time.Millisecond
	steps := []struct {
		errRate float64
		p95     time.Duration
		want    Level
	}{
		{0, 50 * ms, Normal},
		{0.06, 50 * ms, Light},       // error rate crosses light
		{0.049, 50 * ms, Light},      // just below: not calm (0.7 × 5% = 3.5%)
		{0.03, 50 * ms, Light},       // calm 1
		{0.03, 50 * ms, Light},       // calm 2
		{0.03, 50 * ms, Normal},      // calm 3: down
		{0, 2500 * ms, Heavy},        // p95 crosses heavy directly
		{0.35, 0, Emergency},         // error rate crosses emergency
		{0.25, 0, Emergency},         // 25% ≥ 0.7 × 30%: not calm
		{0.1, 0, Emergency},          // calm 1
		{0.31, 0, Emergency},         // back up: the calm count restarts
		{0.1, 0, Emergency},          // calm 1
		{0.1, 0, Emergency},          // calm 2
		{0.1, 0, Heavy},              // calm 3: one step down only
		{0.1, 0, Heavy},              // 10% < 0.7 × 15%: calm 1
		{0.1, 0, Heavy},              // calm 2
		{0.1, 0, Light},              // calm 3
		{0, 1100 * ms, Light},        // p95 above light, below heavy: stays
		{0, 0, Light}, {0, 0, Light}, // calm 1, 2
		{0, 0, Normal},
	}
	for i, s := range steps {
		if got := d.Observe(s.errRate, s.p95); got != s.want {
			t.Fatalf("step %d (%g, %s): level %s, want %s", i, s.errRate, s.p95, got, s.want)
		}
	}
}

func TestShed(t *testing.T) {
	for _, c := range []struct {
		l             Level
		group, method string
		shed          bool
	}{
		{Normal, "admin", "DELETE", false},
		{Normal, "auth", "mistake", false},
		{Light, "admin", "POST", true},
		{Light, "user_mutation", "POST", false},
		{Light, "auth", "mistake", true},
		{Heavy, "user_mutation", "PUT", true},
		{Heavy, "user_query", "GET", false},
		{Heavy, "auth", "POST", false},
		{Heavy, "profile", "GET", false},
		{Emergency, "role_permission", "GET", false},
		{Emergency, "profile", "POST", true},
	} {
		if got := Shed(c.l, c.group, c.method); got != c.shed {
			t.Errorf("Shed(%s, %s, %s) = %v, want %v", c.l, c.group, c.method, got, c.shed)
		}
	}
}

func TestWindowP95(t *testing.T) {
	var w window
	for i := range 100 {
		d := 10 * time.Millisecond
		if i >= 94 {
			d = 3 * time.Second
		}
		w.add(d, i%10 == 0)
	}
	n, er, p95 := w.take()
	if n != 100 || er != 0.1 {
		t.Fatalf("n %d error rate %g", n, er)
	}
	if p95 < 3*time.Second || p95 > 3*time.Second*125/100 {
		t.Fatalf("p95 %s, want ≈3s (bucket bound)", p95)
	}
	if n, _, p95 := w.take(); n != 0 || p95 != 0 {
		t.Fatalf("after take: %d %s", n, p95)
	}
}

func TestValidateNamesTheFlag(t *testing.T) {
	c := Defaults()
	c.TimeoutFloor = time.Minute
	var fe *FieldError
	if err := c.Validate(); !errors.As(err, &fe) || fe.Field != "timeout-floor" {
		t.Fatalf("floor above cap: %v", err)
	}
	c = Defaults()
	c.MaxRPS = -1
	if err := c.Validate(); !errors.As(err, &fe) || fe.Field != "max-rps" {
		t.Fatalf("negative rate: %v", err)
	}
	c = Defaults()
	c.Degrade = true
	c.DegradeErrorRate = [3]float64{0.3, 0.2, 0.1}
	if err := c.Validate(); !errors.As(err, &fe) || fe.Field != "degrade-error-rates" {
		t.Fatalf("falling rates: %v", err)
	}
	c = Defaults()
	c.DegradeInterval = 0 // with degradation off too
	if err := c.Validate(); !errors.As(err, &fe) || fe.Field != "degrade-interval" {
		t.Fatalf("degrade interval 0 with degradation off: %v", err)
	}
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
}
