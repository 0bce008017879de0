package resilience_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

const adminPassword = "Admin-pass-1"

// startTarget starts the reference user service on loopback.
func startTarget(t *testing.T, f usersvc.Faults) *usersvc.Running {
	t.Helper()
	tg, err := usersvc.Start(context.Background(), usersvc.Config{BcryptCost: 4, AdminPassword: adminPassword, Faults: f}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

func ptr[T any](v T) *T { return &v }

// healTarget lifts the faults once the VUs are done, so the end-of-run cleanup
// does not wait on them (a closed target stays closed).
func healTarget(tg *usersvc.Running) { _ = tg.Service.SetFaults(usersvc.Faults{}) }

// event is one request as a worker saw it.
type event struct {
	vu         int
	start, end time.Time
	status     int
	retryAfter time.Duration
}

// hammer runs workers that send POST /auth/me without a token (a quick 401)
// through a client with the policy until d has passed, and returns every event.
func hammer(t *testing.T, base string, pol client.Policy, workers int, d time.Duration) []event {
	t.Helper()
	c, err := client.New(client.Options{BaseURL: base, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ep := catalog.MustLookup(catalog.AuthMe)
	var mu sync.Mutex
	var evs []event
	deadline := time.Now().Add(d)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				res := c.Do(ctx, &client.Call{Endpoint: ep, Sender: w + 1})
				if res.ErrKind == client.KindCanceled {
					return
				}
				mu.Lock()
				evs = append(evs, event{vu: w, start: res.Start, end: res.Start.Add(res.Latency), status: res.Status, retryAfter: res.RetryAfter})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return evs
}

// TestRetryAfterHonoured drives a rate-limited group (the target answers 429
// with Retry-After: 1) and checks from the recorded events that no VU sends
// again on the group before the Retry-After has passed, and that the group's
// request rate falls to about what the target allows, against a client that
// ignores Retry-After.
func TestRetryAfterHonoured(t *testing.T) {
	tg := startTarget(t, usersvc.Faults{Groups: map[string]usersvc.GroupFaults{
		"auth": {RateLimitRPS: ptr(20.0), RetryAfterSeconds: ptr(1)},
	}})
	const workers, run = 8, 2500 * time.Millisecond
	cfg := resilience.Defaults()
	cfg.Breakers = false // 429 never trips a breaker anyway; keep the test about Retry-After
	pol, err := resilience.New(cfg, resilience.Run{ID: "retryaft", Users: workers})
	if err != nil {
		t.Fatal(err)
	}
	evs := hammer(t, tg.URL, pol, workers, run)

	var n429 int
	for vu := range workers {
		var mine []event
		for _, e := range evs {
			if e.vu == vu {
				mine = append(mine, e)
			}
		}
		slices.SortFunc(mine, func(a, b event) int { return a.start.Compare(b.start) })
		for i, e := range mine {
			if e.status != 429 {
				continue
			}
			n429++
			if e.retryAfter != time.Second {
				t.Fatalf("429 with Retry-After %s, want 1s", e.retryAfter)
			}
			if i+1 < len(mine) {
				if gap := mine[i+1].start.Sub(e.end); gap < e.retryAfter {
					t.Errorf("VU %d sent %s after a 429 with Retry-After %s", vu, gap, e.retryAfter)
				}
			}
		}
	}
	if n429 == 0 {
		t.Fatal("no 429 seen: the rate limit did not bite, the test proves nothing")
	}
	polite := float64(len(evs)) / run.Seconds()

	// The same load ignoring Retry-After: the rate is not held back.
	rude := float64(len(hammer(t, tg.URL, client.FixedTimeout(5*time.Second), workers, time.Second))) / time.Second.Seconds()
	t.Logf("auth group: %.0f req/s honouring Retry-After (%d answers 429), %.0f req/s ignoring it; the target allows 20/s", polite, n429, rude)
	// Honouring it: each second at most the target's 20 plus one request per
	// worker that finds the limit exhausted.
	if polite > 20+workers+10 {
		t.Errorf("honouring Retry-After the rate is %.0f/s, want about the target's 20/s", polite)
	}
	if rude < 5*polite {
		t.Errorf("ignoring Retry-After %.0f/s vs honouring %.0f/s: the policy made no difference", rude, polite)
	}
	s := pol.Summary()
	if s.Waits[resilience.WaitRetryAfter].Count == 0 {
		t.Errorf("summary waits %+v lack retry_after", s.Waits)
	}
}

// runWith runs the engine against the target with the resilience settings,
// polling during the run with watch.
func runWith(t *testing.T, base string, cfg runner.Config, rc resilience.Config, reg *prometheus.Registry, watch func(r *runner.Runner)) summary.Summary {
	t.Helper()
	cfg.BaseURL = base
	cfg.AdminPassword = adminPassword
	opts := []runner.Option{runner.WithResilience(rc), runner.WithGrace(time.Second)}
	if reg != nil {
		opts = append(opts, runner.WithRegisterer(reg))
	}
	r, err := runner.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Release)
	go r.Run(context.Background())
	if watch != nil {
		watch(r)
	}
	select {
	case <-r.Done():
	case <-time.After(60 * time.Second):
		r.Stop()
		t.Fatal("the run did not end within 60s")
	}
	s := r.Summary()
	if s.State == "failed" {
		t.Fatalf("run failed: %s", s.Error)
	}
	if s.Resilience == nil {
		t.Fatal("the summary has no resilience section")
	}
	return s
}

// waitFor polls cond until it holds; the test fails if it does not within d.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// started waits until the run has sent n requests.
func started(t *testing.T, r *runner.Runner, n int64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("the run's first %d requests", n), 10*time.Second, func() bool { return r.Snapshot().Requests >= n })
}

func baseConfig(users int, d time.Duration) runner.Config {
	cfg := runner.DefaultConfig()
	cfg.Users = users
	cfg.Duration = d
	cfg.MinRequests, cfg.MaxRequests = 100000, 100000
	cfg.DelayMin, cfg.DelayMax = time.Millisecond, 20*time.Millisecond
	cfg.Seed = 7
	return cfg
}

// TestBreakerOpensForFailingGroup gives one group 50% server errors: its
// breaker opens (summary, metric), no request of it is sent while it cools
// down, and the VUs keep working on the other groups.
func TestBreakerOpensForFailingGroup(t *testing.T) {
	tg := startTarget(t, usersvc.Faults{})
	rc := resilience.Defaults()
	rc.BreakerMinRequests = 10
	rc.BreakerWindow = 2 * time.Second
	rc.BreakerCooldown = time.Second
	reg := metrics.NewRegistry()
	type mark struct {
		at     time.Time
		groups map[string]int64
		snap   runner.Snapshot
	}
	var opened, cooled *mark
	// A generous run and deadline: on a loaded machine the VUs send less, and the
	// breaker needs its minimum of requests before it can open.
	s := runWith(t, tg.URL, baseConfig(20, 8*time.Second), rc, reg, func(r *runner.Runner) {
		// Warm up, then break the profile routes.
		started(t, r, 20)
		if err := tg.Service.SetFaults(usersvc.Faults{Groups: map[string]usersvc.GroupFaults{"profiles": {ErrorRate: ptr(0.5)}}}); err != nil {
			t.Error(err)
		}
		deadline := time.Now().Add(6 * time.Second)
		for time.Now().Before(deadline) {
			p := r.Resilience()
			if p != nil && opened == nil && p.BreakerState(catalog.GroupProfile) == "open" {
				snap := r.Snapshot()
				opened = &mark{time.Now(), snap.Stats.Groups, snap}
			}
			if opened != nil && time.Since(opened.at) >= rc.BreakerCooldown*8/10 {
				snap := r.Snapshot()
				cooled = &mark{time.Now(), snap.Stats.Groups, snap}
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	if opened == nil || cooled == nil {
		t.Fatalf("the profile breaker never opened: %+v", s.Resilience.Circuits)
	}
	// The live snapshot names the tripped breaker (a cooldown outlasts the look).
	if b := opened.snap.Breakers; len(b) != 1 || b[0].Group != catalog.GroupProfile || b[0].State == "closed" {
		t.Errorf("snapshot breakers when the profile breaker opened = %+v; want profile alone", b)
	}
	c := s.Resilience.Circuits[catalog.GroupProfile]
	if c.Opened < 1 {
		t.Errorf("summary circuit profile %+v: want opened ≥ 1", c)
	}
	for g, cs := range s.Resilience.Circuits {
		if g != catalog.GroupProfile && cs.Opened != 0 {
			t.Errorf("breaker %s opened %d times without failures", g, cs.Opened)
		}
	}
	// While open: at most the requests already in flight when it opened.
	during := cooled.groups[catalog.GroupProfile] - opened.groups[catalog.GroupProfile]
	var others int64
	for _, g := range catalog.Groups {
		if g != catalog.GroupProfile {
			others += cooled.groups[g] - opened.groups[g]
		}
	}
	t.Logf("while the profile breaker was open (%s): %d profile requests, %d on other groups; circuit %+v",
		cooled.at.Sub(opened.at).Round(time.Millisecond), during, others, c)
	if during > 20 {
		t.Errorf("%d profile requests while its breaker was open, want ≤ the 20 VUs' in-flight ones", during)
	}
	if others < 20 {
		t.Errorf("only %d requests on other groups while the profile breaker was open: the VUs stalled", others)
	}
	if v := gaugeValue(t, reg, "trafficsim_circuit_transitions_total", map[string]string{"group": "profile", "to": "open"}); v < 1 {
		t.Errorf("trafficsim_circuit_transitions_total{group=profile,to=open} = %g", v)
	}
	if s.State == "failed" || s.Requests == 0 {
		t.Errorf("the run did not complete: %s %d", s.State, s.Requests)
	}
}

// gaugeValue reads one series of a gathered family (gauge or counter).
func gaugeValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return metricValue(m)
		}
	}
	return math.NaN()
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	}
	return math.NaN()
}

// TestMaxRPSHoldsTheRate runs VUs that could send far more than the cap: the
// run stays under it, and its rate_limit waits show the VUs pressed against
// it. (The cap's pacing itself is TestRateCapOnTheClock, on a fake clock.)
func TestMaxRPSHoldsTheRate(t *testing.T) {
	tg := startTarget(t, usersvc.Faults{})
	rc := resilience.Defaults()
	rc.MaxRPS = 80
	s := runWith(t, tg.URL, baseConfig(20, 2*time.Second), rc, nil, nil)
	whole := float64(s.Requests) / s.DurationSeconds
	t.Logf("cap 80/s: %.1f/s over the run (%d requests in %.2fs); waits %+v", whole, s.Requests, s.DurationSeconds, s.Resilience.Waits)
	// Tolerance: a burst of one.
	if whole > 80+1/s.DurationSeconds {
		t.Errorf("rate above the cap: %.1f/s", whole)
	}
	if s.Resilience.MaxRPS != 80 || s.Resilience.Waits[resilience.WaitRateLimit].Count == 0 {
		t.Errorf("summary: %+v", s.Resilience)
	}
}

// TestBoundedUnderSlowAndDeadTarget checks that goroutines do not grow with the
// target's slowness: 2s latency on every answer, then the target gone (the
// port closed). The in-flight cap bounds the connections, so goroutines stay
// below the VUs plus a few per allowed request in flight (a request runs on its
// VU's goroutine; the in-process target serves each connection on its own).
func TestBoundedUnderSlowAndDeadTarget(t *testing.T) {
	const users, inFlight = 60, 8
	for _, name := range []string{"slow", "dead"} {
		t.Run(name, func(t *testing.T) {
			tg := startTarget(t, usersvc.Faults{})
			rc := resilience.Defaults()
			rc.MaxInFlight = inFlight
			base := runtime.NumGoroutine()
			peak := 0
			var inflightPeak float64
			reg := metrics.NewRegistry()
			s := runWith(t, tg.URL, baseConfig(users, 3*time.Second), rc, reg, func(r *runner.Runner) {
				started(t, r, 1)
				if name == "slow" {
					_ = tg.Service.SetFaults(usersvc.Faults{LatencyMs: 2000})
				} else {
					_ = tg.Close()
				}
				for r.Snapshot().State == runner.StateRunning {
					peak = max(peak, runtime.NumGoroutine())
					inflightPeak = max(inflightPeak, gaugeValue(t, reg, "trafficsim_in_flight_requests", nil))
					time.Sleep(20 * time.Millisecond)
				}
				healTarget(tg)
			})
			bound := base + users + 3*inFlight + 30
			t.Logf("%s target: goroutines %d before, peak %d (bound %d); in flight peak %g of %d; errors %v; waits %+v",
				name, base, peak, bound, inflightPeak, inFlight, s.Errors, s.Resilience.Waits)
			if peak > bound {
				t.Errorf("goroutines peaked at %d, above %d", peak, bound)
			}
			if inflightPeak > inFlight {
				t.Errorf("in flight peaked at %g, above the cap %d", inflightPeak, inFlight)
			}
			if name == "dead" && s.Errors[client.KindConnection] == 0 {
				t.Errorf("no connection errors against a closed port: %v", s.Errors)
			}
			if name == "dead" && s.Resilience.Waits[resilience.WaitBackoff].Count == 0 && s.Resilience.Waits[resilience.WaitCircuitOpen].Count == 0 {
				t.Errorf("no backoff or breaker wait against a dead target: %+v", s.Resilience.Waits)
			}
		})
	}
}

// TestAdaptiveTimeoutsFire adds 3s of latency to one group after a warm-up:
// its requests time out at the adaptive timeout (about the 1s floor), far
// below the 30s cap, and the timeouts are counted.
func TestAdaptiveTimeoutsFire(t *testing.T) {
	tg := startTarget(t, usersvc.Faults{})
	rc := resilience.Defaults()
	rc.TimeoutMinSamples = 5
	s := runWith(t, tg.URL, baseConfig(20, time.Minute), rc, nil, func(r *runner.Runner) {
		// Warm up until the role list has its adaptive timeout.
		waitFor(t, "the role list's adaptive timeout", 30*time.Second, func() bool {
			p := r.Resilience()
			return p != nil && p.Timeout("/api/v1/roles") < rc.TimeoutCap
		})
		_ = tg.Service.SetFaults(usersvc.Faults{Groups: map[string]usersvc.GroupFaults{"roles": {LatencyMs: ptr(3000)}}})
		waitFor(t, "a request timing out", 30*time.Second, func() bool { return r.Snapshot().Stats.Errors[client.KindTimeout] > 0 })
		r.Stop()
		healTarget(tg)
	})
	t.Logf("errors %v; timeouts %v", s.Errors, s.Resilience.TimeoutsSeconds)
	// With fixed 30s timeouts a 3s answer never times out: only the adaptive
	// timeout (≈1s for a warm route) fires.
	if s.Errors[client.KindTimeout] == 0 {
		t.Fatalf("no request timed out: %v", s.Errors)
	}
	var roleTimeouts int64
	for _, e := range s.Endpoints {
		if e.Group == catalog.GroupRolePermission {
			roleTimeouts += e.Statuses["none"]
		}
	}
	if roleTimeouts == 0 {
		t.Errorf("no role request without an answer; errors %v", s.Errors)
	}
}

// TestDegradationShowsInSnapshot: with every route failing often, the level
// climbs, and the live snapshot (progress display, plugin) names it.
func TestDegradationShowsInSnapshot(t *testing.T) {
	tg := startTarget(t, usersvc.Faults{})
	rc := resilience.Defaults()
	rc.Breakers = false // the level, not the breakers, is under test
	rc.Degrade = true
	rc.DegradeInterval = 100 * time.Millisecond
	var level string
	runWith(t, tg.URL, baseConfig(10, 5*time.Second), rc, nil, func(r *runner.Runner) {
		defer healTarget(tg)
		started(t, r, 10) // sessions started while healthy
		if err := tg.Service.SetFaults(usersvc.Faults{ErrorRate: 0.5}); err != nil {
			t.Error(err)
		}
		deadline := time.Now().Add(4 * time.Second)
		// The first interval may mix healthy and failing requests: wait for the climb.
		for time.Now().Before(deadline) && level != "heavy" && level != "emergency" {
			level = r.Snapshot().Degradation
			time.Sleep(20 * time.Millisecond)
		}
	})
	if level != "heavy" && level != "emergency" {
		t.Fatalf("snapshot degradation under 50%% errors = %q; want heavy or emergency (thresholds %v)", level, rc.DegradeErrorRate)
	}
}
