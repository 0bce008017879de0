package threshold

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// second records one second of traffic: n requests at lat, every other one
// answered 500 (unexpected) when bad.
func second(run *metrics.Run, n int, lat time.Duration, bad bool) {
	for i := range n {
		s := metrics.Sample{VU: i, Group: "user_query", Method: "GET", Route: "/api/v1/users", Status: 200, Expected: true, Latency: lat}
		if bad && i%2 == 0 {
			s.Status, s.Expected = 500, false
		}
		run.Record(s)
	}
}

func mustParse(t *testing.T, exprs ...string) []Threshold {
	t.Helper()
	ts, err := ParseAll(exprs)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func snap(run *metrics.Run, at time.Time) Snapshot {
	return Snapshot{At: at, Stats: run.Stats(), Histograms: run.LatencyHistograms()}
}

func TestWindowAbortAndFinal(t *testing.T) {
	run := newRun(t)
	ts := mustParse(t, "p95<500ms", "error_rate<10%;abort", "requests>=150", "rps>=15")
	var aborts []Result
	verdicts := map[string]bool{} // the latest told of each threshold
	m, err := NewMonitor(ts, nil, Options{Window: 10 * time.Second, Step: time.Second,
		OnVerdicts: func(rs []Result) {
			for _, r := range rs {
				verdicts[r.Expr] = r.Pass
			}
		},
		OnAbort: func(r Result) { aborts = append(aborts, r) }})
	if err != nil {
		t.Fatal(err)
	}
	at := func(k int) time.Time { return m.start.Add(time.Duration(k) * time.Second) }
	// 20s of good traffic, then 10s of slow, half-failing traffic; 20 req/s.
	for k := 1; k <= 30; k++ {
		second(run, 20, map[bool]time.Duration{false: 10 * time.Millisecond, true: 800 * time.Millisecond}[k > 20], k > 20)
		m.Observe(snap(run, at(k)))
		if len(m.slots) > 11 {
			t.Fatalf("after %ds the monitor keeps %d slots; a 10s window in 1s steps needs at most 11", k, len(m.slots))
		}
		if k == 9 && len(aborts)+m.windows[0].Evaluated != 0 {
			t.Fatalf("judged a window before a full window had passed")
		}
		if k == 21 && len(aborts) != 0 {
			t.Fatalf("aborted at 21s: the window (11s–21s] has 10/200 = 5%% errors")
		}
		if k == 22 && len(aborts) != 1 {
			t.Fatalf("not aborted at 22s: the window (12s–22s] has 20/200 = 10%% errors, not < 10%%")
		}
	}
	if len(aborts) != 1 || aborts[0].Expr != "error_rate<10%" || !aborts[0].Aborted || !within(aborts[0].Observed, 0.10) {
		t.Fatalf("aborts = %+v; want one, error_rate<10%% at 10%%", aborts)
	}
	if th, ok := m.Aborted(); !ok || th.Expr != "error_rate<10%" {
		t.Fatalf("Aborted() = %v, %v", th, ok)
	}

	rs := m.Final(snap(run, at(30).Add(500*time.Millisecond)), 30*time.Second)
	byExpr := map[string]Result{}
	for _, r := range rs {
		byExpr[r.Expr] = r
	}
	p95 := byExpr["p95<500ms"]
	// Windows end at 10s..30s (21); Final judges none of its own.
	if w := p95.Window; w == nil || w.Evaluated != 21 || w.Failed != 10 || !within(w.Worst, 0.8) || w.FirstFailedAt == nil || !w.FirstFailedAt.Equal(at(21).UTC()) {
		t.Fatalf("p95 window = %+v; want 21 judged, 10 failed from 21s, worst 800ms", p95.Window)
	}
	if p95.Pass || !within(p95.Observed, 0.8) {
		t.Fatalf("p95 whole run = %+v; 200 of 600 requests took 800ms", p95)
	}
	er := byExpr["error_rate<10%"]
	if er.Pass || !er.Aborted || !er.AbortOnFail || !within(er.Observed, 100.0/600) {
		t.Fatalf("error_rate = %+v", er)
	}
	if r := byExpr["requests>=150"]; !r.Pass || r.Observed != 600 || r.Window.Failed != 0 || r.Window.Worst != 200 {
		t.Fatalf("requests = %+v (window %+v); 200 per window", r, r.Window)
	}
	if r := byExpr["rps>=15"]; !r.Pass || !within(r.Observed, 20) || !within(r.Window.Worst, 20) {
		t.Fatalf("rps = %+v (window %+v)", r, r.Window)
	}
	if got := verdicts; got["p95<500ms"] || !got["requests>=150"] || got["error_rate<10%"] || len(got) != 4 {
		t.Fatalf("verdicts told = %v", got)
	}
}

// A blip: the whole run holds, one stretch does not; with a window the
// threshold fails, and its failure (JUnit's message) says why.
func TestWindowCatchesBlipTheWholeRunHides(t *testing.T) {
	run := newRun(t)
	ts := mustParse(t, "error_rate<6%")
	m, err := NewMonitor(ts, nil, Options{Window: 10 * time.Second, Step: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 45; k++ {
		second(run, 20, 5*time.Millisecond, k > 40)
		if k%2 == 0 {
			m.Observe(snap(run, m.start.Add(time.Duration(k)*time.Second)))
		}
	}
	rs := m.Final(snap(run, m.start.Add(45*time.Second)), 45*time.Second)
	r := rs[0]
	if !within(r.Observed, 50.0/900) || r.Pass || r.Window.Failed == 0 || r.Aborted {
		t.Fatalf("result = %+v window %+v; whole run 5.6%% < 6%%, but windows over the last 5s fail", r, r.Window)
	}
	if f := r.Failure(); !strings.Contains(f, "held over the whole run (5.556%) but failed in") {
		t.Fatalf("the failure does not explain the window failure: %s", f)
	}

	// Without a window the same run passes.
	plain, err := NewMonitor(ts, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := plain.Final(snap(run, time.Now()), 45*time.Second)[0]; !r.Pass || r.Window != nil {
		t.Fatalf("whole run only: %+v", r)
	}
}

func TestNewMonitorRejects(t *testing.T) {
	ts := mustParse(t, "p95<1s;abort")
	if _, err := NewMonitor(ts, nil, Options{}); err == nil || !strings.Contains(err.Error(), "--threshold-window") {
		t.Fatalf("abort without window: %v", err)
	}
	if _, err := NewMonitor(ts, nil, Options{Window: time.Second}); err == nil || !strings.Contains(err.Error(), "at least 5s") {
		t.Fatalf("1s window: %v", err)
	}
	if _, err := NewMonitor(ts, nil, Options{Window: 10 * time.Second, Step: 20 * time.Second}); err == nil {
		t.Fatal("step above window accepted")
	}
	m, err := NewMonitor(ts, nil, Options{Window: 30 * time.Second})
	if err != nil || m.opts.Step != 3*time.Second {
		t.Fatalf("default step for 30s = %v (%v), want 3s", m.opts.Step, err)
	}
}

// Run samples the source every step until its context ends.
func TestMonitorRunSamplesSource(t *testing.T) {
	run := newRun(t)
	var calls atomic.Int64
	var current atomic.Pointer[metrics.Run]
	src := RunSource(current.Load)
	counting := func() (Snapshot, bool) {
		calls.Add(1)
		return src()
	}
	m, err := NewMonitor(mustParse(t, "p95<1s"), counting, Options{Window: 5 * time.Second, Step: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	// Not started yet: the source has nothing, no slot is added.
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not call the source")
		}
		time.Sleep(5 * time.Millisecond)
	}
	m.mu.Lock()
	n := len(m.slots)
	m.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d slots before the run had statistics", n)
	}
	second(run, 5, time.Millisecond, false)
	current.Store(run)
	for {
		m.mu.Lock()
		n = len(m.slots)
		var reqs int64
		for _, sl := range m.slots {
			for _, d := range sl.eps {
				reqs += d.requests
			}
		}
		m.mu.Unlock()
		if n >= 2 && reqs == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not record the run's traffic: %d slots, %d requests", n, reqs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
