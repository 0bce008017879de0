package runner

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trafficsim/trafficsim/engine/behaviour"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/report"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func writeFinalText(b *strings.Builder, s summary.Summary) error { return report.WriteFinal(b, s) }

func totalWeight(archs []scenario.Archetype) float64 {
	var w float64
	for _, a := range archs {
		w += a.Weight
	}
	return w
}

// startRun starts cfg against the embedded target (low bcrypt cost) and
// returns the runner; the run is stopped and awaited when the test ends.
func startRun(t *testing.T, cfg Config, opts ...Option) *Runner {
	t.Helper()
	r, err := New(cfg, append([]Option{WithTargetConfig(fastTarget)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.Done():
		case <-time.After(time.Minute):
			t.Error("the run did not end within a minute of the test")
		}
	})
	return r
}

// waitFor polls the runner's snapshot until ok holds or the deadline passes.
func waitFor(t *testing.T, r *Runner, within time.Duration, what string, ok func(Snapshot) bool) Snapshot {
	t.Helper()
	deadline := time.Now().Add(within)
	var s Snapshot
	for time.Now().Before(deadline) {
		s = r.Snapshot()
		if ok(s) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not seen within %v; last snapshot: state %s, target %d, active %d, VUs %v, stage %d",
		what, within, s.State, s.TargetUsers, s.ActiveUsers, s.Stats.VUs, s.Stage)
	return s
}

// gauge reads one series of a gauge or counter family from the registry.
func gauge(t *testing.T, g prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					match = true
				}
			}
			if !match {
				continue
			}
			switch mf.GetType() {
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

// TestStagesReachTargets: the closed model follows --stages up to 6 VUs, then
// down to 2 (the other 4 park), and the end of the stages ends the run. Small
// budgets make slots run several VUs one after another.
func TestStagesReachTargets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinRequests, cfg.MaxRequests = 15, 30
	cfg.DelayMin, cfg.DelayMax = 20*time.Millisecond, 80*time.Millisecond
	cfg.Scenario = "active_user"
	cfg.Seed = 11
	var err error
	cfg.Stages, err = loadshape.ParseStages("1s:6,2s:6,0s:2,2s:2")
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	r := startRun(t, cfg, WithRegisterer(reg))
	if got := r.Config().Stages; len(got) != 4 {
		t.Fatalf("config stages %v", got)
	}

	s := waitFor(t, r, 10*time.Second, "6 VUs running in the hold stage", func(s Snapshot) bool {
		return s.State == StateRunning && s.TargetUsers == 6 && s.ActiveUsers == 6
	})
	if s.TotalUsers != 6 || s.Model != ModelClosed {
		t.Errorf("total users %d model %q, want 6 closed", s.TotalUsers, s.Model)
	}
	if v := gauge(t, reg, "trafficsim_target_virtual_users", "", ""); v != 6 {
		t.Errorf("trafficsim_target_virtual_users = %v, want 6", v)
	}
	s = waitFor(t, r, 10*time.Second, "2 VUs running, 4 parked after the step down", func(s Snapshot) bool {
		return s.TargetUsers == 2 && s.Stage == 3 && s.ActiveUsers == 2 && s.Stats.VUs[metrics.VUParked] == 4
	})
	if v := gauge(t, reg, "trafficsim_virtual_users", "state", "parked"); v != 4 {
		t.Errorf("trafficsim_virtual_users{state=parked} = %v, want 4", v)
	}
	select {
	case <-r.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end after its stages")
	}
	sum := r.Summary()
	if sum.State != "stopped" || sum.Error != "" {
		t.Fatalf("state %q error %q", sum.State, sum.Error)
	}
	if sum.Load == nil || sum.Load.Model != ModelClosed || len(sum.Load.Stages) != 4 || sum.Users != 6 {
		t.Errorf("load summary %+v, users %d", sum.Load, sum.Users)
	}
	var vus int64
	for _, a := range sum.Archetypes {
		vus += a.VUs
	}
	// Every slot started its VU; slots whose VU spent its budget ran more.
	if vus <= 6 {
		t.Errorf("%d VUs ran; want more than the 6 slots (budgets of 15–30 requests)", vus)
	}
	if sum.Unexpected > sum.Requests/20 {
		t.Errorf("%d of %d requests unexpected (recycled VUs must not collide)", sum.Unexpected, sum.Requests)
	}
	t.Logf("requests %d, VUs %d, unexpected %d, duration %.2fs", sum.Requests, vus, sum.Unexpected, sum.DurationSeconds)
}

// TestRampUpSpreadsStarts: --ramp-up starts the VUs one after another, and
// all of them by its end.
func TestRampUpSpreadsStarts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 8, 200, 200
	cfg.DelayMin, cfg.DelayMax = 20*time.Millisecond, 60*time.Millisecond
	cfg.Scenario = "active_user"
	cfg.RampUp = 1600 * time.Millisecond
	r := startRun(t, cfg)
	seen := map[int]bool{}
	waitFor(t, r, 10*time.Second, "all 8 VUs started", func(s Snapshot) bool {
		started := s.ActiveUsers + int(s.Stats.VUs[metrics.VUDone])
		seen[started] = true
		return started == 8 && s.TargetUsers == 8
	})
	var between int
	for n := range seen {
		if n > 0 && n < 8 {
			between++
		}
	}
	// Polled every 10ms over a 1.6s ramp: the intermediate counts show.
	if between < 3 {
		t.Errorf("started-VU counts seen %v: the starts were not spread", seen)
	}
	r.Stop()
	<-r.Done()
}

// TestStopEndsParkedVUs: a stop mid-ramp ends the VUs the ramp has not
// started yet (parked in the gate, with no goroutine to wake) along with the
// started ones, at once.
func TestStopEndsParkedVUs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 20, 200, 200
	cfg.DelayMin, cfg.DelayMax = 20*time.Millisecond, 60*time.Millisecond
	cfg.Scenario = "active_user"
	cfg.RampUp = time.Hour // VU 0 at once, the next one after 3 minutes
	r := startRun(t, cfg)
	waitFor(t, r, 20*time.Second, "VU 0 working, 19 parked", func(s Snapshot) bool {
		return s.Requests > 0 && s.Stats.VUs[metrics.VUParked] == 19
	})
	r.Stop()
	select {
	case <-r.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("the run did not end after the stop: VUs %v", r.Snapshot().Stats.VUs)
	}
	if vus := r.Snapshot().Stats.VUs; vus[metrics.VUDone] != 20 || vus[metrics.VUParked] != 0 {
		t.Errorf("VUs after the stop %v; want all 20 done", vus)
	}
}

// TestOpenModelDropsIterations: 50 arrivals/s for 1.5s on a pool of 2 VUs
// whose sessions last longer than the gaps: most arrivals find no free VU and
// are counted as dropped; started + dropped is exactly the pacer's 75.
func TestOpenModelDropsIterations(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinRequests, cfg.MaxRequests = 4, 6
	cfg.DelayMin, cfg.DelayMax = 100*time.Millisecond, 300*time.Millisecond
	cfg.Scenario = "active_user"
	cfg.Rate = 50
	cfg.RateStages = []loadshape.Stage{{Duration: 1500 * time.Millisecond, Target: 50}}
	cfg.MaxVUs = 2
	reg := metrics.NewRegistry()
	r := startRun(t, cfg, WithRegisterer(reg))
	s := waitFor(t, r, 10*time.Second, "dropped iterations", func(s Snapshot) bool { return s.DroppedIterations > 0 })
	if s.Model != ModelOpen || s.TargetUsers != 2 || s.TotalUsers != 2 {
		t.Errorf("snapshot model %q target %d total %d", s.Model, s.TargetUsers, s.TotalUsers)
	}
	select {
	case <-r.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end after the arrival schedule")
	}
	sum := r.Summary()
	l := sum.Load
	if l == nil || l.Model != ModelOpen || l.MaxVUs != 2 {
		t.Fatalf("load summary %+v", l)
	}
	if l.Iterations+l.DroppedIterations != 75 {
		t.Errorf("iterations %d + dropped %d = %d arrivals, want 75", l.Iterations, l.DroppedIterations, l.Iterations+l.DroppedIterations)
	}
	if l.DroppedIterations < 50 {
		t.Errorf("only %d dropped with a pool of 2", l.DroppedIterations)
	}
	if m := gauge(t, reg, "trafficsim_dropped_iterations_total", "", ""); m != float64(l.DroppedIterations) {
		t.Errorf("trafficsim_dropped_iterations_total = %v, summary %d", m, l.DroppedIterations)
	}
	var vus int64
	for _, a := range sum.Archetypes {
		vus += a.VUs
	}
	if vus != l.Iterations {
		t.Errorf("%d VUs ran, %d iterations started", vus, l.Iterations)
	}
	var text strings.Builder
	if err := writeFinalText(&text, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "dropped") {
		t.Errorf("final report lacks the dropped iterations:\n%s", text.String())
	}
	t.Logf("iterations %d dropped %d requests %d", l.Iterations, l.DroppedIterations, sum.Requests)
}

// inFlightCap is a client policy that lets one request on the wire at a time,
// the way an in-flight cap queues requests before a slow target.
type inFlightCap struct{ sem chan struct{} }

func (c *inFlightCap) Admit(ctx context.Context, _ *client.Attempt) (time.Duration, error) {
	select {
	case c.sem <- struct{}{}:
		return 10 * time.Second, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (c *inFlightCap) Done(*client.Attempt, *client.Result) { <-c.sem }

// TestOpenModelLatencyIncludesQueueing: against a target slowed by 40ms, with
// one request on the wire at a time, 30 arrivals/s queue before the send. The
// latency from the intended send time includes that wait; the service time
// does not.
func TestOpenModelLatencyIncludesQueueing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinRequests, cfg.MaxRequests = 1, 2
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Scenario = "active_user"
	cfg.RateStages = []loadshape.Stage{{Duration: 0, Target: 30}, {Duration: 1500 * time.Millisecond, Target: 30}}
	cfg.MaxVUs = 100
	reg := metrics.NewRegistry()
	slow := func(c *usersvc.Config) { fastTarget(c); c.Faults.LatencyMs = 40 }
	r := startRun(t, cfg, WithRegisterer(reg), WithTargetConfig(slow), WithPolicy(&inFlightCap{sem: make(chan struct{}, 1)}))
	select {
	case <-r.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end")
	}
	sum := r.Summary()
	st := r.rec.Load().Stats()
	if sum.Requests == 0 || sum.Load == nil {
		t.Fatalf("requests %d load %+v", sum.Requests, sum.Load)
	}
	if st.Service.P50 < 40*time.Millisecond {
		t.Errorf("service p50 %v below the injected 40ms", st.Service.P50)
	}
	// 30 arrivals/s of 1–2 requests against a capacity of 1/40ms = 25/s: a queue builds.
	if st.Latency.P50 < st.Service.P50+40*time.Millisecond || st.Latency.Mean < st.Service.Mean+40*time.Millisecond {
		t.Errorf("latency from the intended send (p50 %v, mean %v) does not include the queueing over the service time (p50 %v, mean %v)",
			st.Latency.P50, st.Latency.Mean, st.Service.P50, st.Service.Mean)
	}
	if st.Latency.Max < st.Service.Max {
		t.Errorf("latency max %v below service max %v", st.Latency.Max, st.Service.Max)
	}
	if got := sum.Load.Service.P50; got != st.Service.P50.Seconds() && got == 0 {
		t.Errorf("summary service p50 %v", got)
	}
	t.Logf("outcomes %+v errors %v", sum.Outcomes, sum.Errors)
	t.Logf("requests %d latency p50 %v p95 %v mean %v; service p50 %v p95 %v mean %v; dropped %d",
		sum.Requests, st.Latency.P50, st.Latency.P95, st.Latency.Mean, st.Service.P50, st.Service.P95, st.Service.Mean, st.DroppedIterations)
}

// TestLoadValidation: bad load-model fields are FieldErrors naming the field.
func TestLoadValidation(t *testing.T) {
	st := []loadshape.Stage{{Duration: time.Second, Target: 5}}
	for _, tc := range []struct {
		name  string
		mod   func(*Config)
		field string
		msg   string
	}{
		{"negative ramp", func(c *Config) { c.RampUp = -time.Second }, "ramp_up", "duration"},
		{"ramp and stages", func(c *Config) { c.RampUp, c.Stages = time.Second, st }, "ramp_up", "either"},
		{"zero stages", func(c *Config) { c.Stages = []loadshape.Stage{{Duration: time.Second}} }, "stages", "target is 0"},
		{"instant stages", func(c *Config) { c.Stages = []loadshape.Stage{{Target: 3}} }, "stages", "last 0s"},
		{"fractional VUs", func(c *Config) { c.Stages = []loadshape.Stage{{Duration: time.Second, Target: 1.5}} }, "stages", "stage 1"},
		{"rate without end", func(c *Config) { c.Rate = 10 }, "duration", "--duration"},
		{"rate and stages", func(c *Config) { c.Rate, c.Duration, c.Stages = 10, time.Second, st }, "stages", "exclude"},
		{"rate and ramp", func(c *Config) { c.Rate, c.Duration, c.RampUp = 10, time.Second, time.Second }, "ramp_up", "closed model"},
		{"negative rate", func(c *Config) { c.Rate, c.Duration = -1, time.Second }, "rate", "arrivals per second"},
		{"zero rate stages", func(c *Config) { c.RateStages = []loadshape.Stage{{Duration: time.Second}} }, "rate", "0 throughout"},
		{"max vus closed", func(c *Config) { c.MaxVUs = 5 }, "max_vus", "open model"},
		{"max vus negative", func(c *Config) { c.Rate, c.Duration, c.MaxVUs = 1, time.Second, -1 }, "max_vus", "pre-allocated"},
	} {
		cfg := DefaultConfig()
		tc.mod(&cfg)
		err := cfg.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.msg) {
			t.Errorf("%s: %v, want a FieldError on %s mentioning %q", tc.name, err, tc.field, tc.msg)
		}
	}
	ok := DefaultConfig()
	ok.Rate, ok.Duration, ok.MaxVUs = 300, time.Second, 50
	if err := ok.Validate(); err != nil {
		t.Errorf("valid open model: %v", err)
	}
}

// TestArchetypesByIndex: a VU's archetype depends only on the seed, the slot
// count and its index — the same whatever order VUs are asked for in — and
// every block of slots keeps the scenario's proportions.
func TestArchetypesByIndex(t *testing.T) {
	sc, err := scenario.Load("mixed")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Seed = 99
	cfg.Users = 20
	a, b := newLoadPlan(cfg, sc), newLoadPlan(cfg, sc)
	var wg sync.WaitGroup
	got := make([]string, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[199-i] = b.archetype(199 - i).Name
		}()
	}
	wg.Wait()
	for i := range 200 {
		if n := a.archetype(i).Name; n != got[i] {
			t.Fatalf("VU %d: %s in order, %s out of order", i, n, got[i])
		}
	}
	// Block 0 is exactly the plain closed model's assignment.
	plain := assignArchetypes(sc.Archetypes, 20, mrand.New(mrand.NewPCG(99, archetypeStream)))
	for i, arch := range plain {
		if arch.Name != got[i] {
			t.Errorf("VU %d: %s, the plain assignment gives %s", i, got[i], arch.Name)
		}
	}
	for block := range 10 {
		counts := map[string]int{}
		for i := block * 20; i < (block+1)*20; i++ {
			counts[got[i]]++
		}
		for _, arch := range sc.Archetypes {
			want := arch.Weight / totalWeight(sc.Archetypes) * 20
			if d := float64(counts[arch.Name]) - want; d > 1 || d < -1 {
				t.Errorf("block %d: %d %s, want %.1f±1", block, counts[arch.Name], arch.Name, want)
			}
		}
	}
}

// TestScenarioLoadSection: a scenario file's load section sets the model
// unless the config sets one of its own.
func TestScenarioLoadSection(t *testing.T) {
	path := writeScenario(t, "base: mixed\nload:\n  rate_stages: [2s:20/s]\n  max_vus: 7\n")
	cfg := DefaultConfig()
	cfg.Scenario = path
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Config(); !c.OpenModel() || c.MaxVUs != 7 || len(c.RateStages) != 1 || c.RateStages[0].Target != 20 {
		t.Errorf("config from the scenario: %+v", c)
	}
	cfg.Stages = []loadshape.Stage{{Duration: time.Second, Target: 3}}
	r, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Config(); c.OpenModel() || c.MaxVUs != 0 || len(c.Stages) != 1 {
		t.Errorf("flags did not replace the scenario's load: %+v", c)
	}
	cfg = DefaultConfig()
	cfg.Scenario = writeScenario(t, "base: mixed\nload:\n  rate: 20/s\n")
	var fe *FieldError
	if err := cfg.Validate(); !errors.As(err, &fe) || fe.Field != "duration" {
		t.Errorf("a constant rate from the scenario without a duration: %v", err)
	}
}

// TestVUsDependOnSeedAndIndex: VU i is the same VU — archetype, budget,
// sessions and pace — in the plain closed model, with stages of
// the same size, and as arrival i of the open model with a pool of that size.
func TestVUsDependOnSeedAndIndex(t *testing.T) {
	base := DefaultConfig()
	base.Seed, base.Users, base.MinRequests, base.MaxRequests = 4242, 12, 5, 500
	staged := base
	staged.Stages = []loadshape.Stage{{Duration: time.Second, Target: 12}}
	open := base
	open.Rate, open.Duration, open.MaxVUs = 5, time.Second, 12
	var runs []*Runner
	for _, c := range []Config{base, staged, open} {
		r, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	for _, r := range runs {
		r.prepare()
	}
	for i := range 40 { // three blocks of 12 and some
		var got []string
		for _, r := range runs {
			v := behaviour.New(r.shared, i, r.load.archetype(i))
			got = append(got, fmt.Sprintf("%s/%s", r.load.archetype(i).Name, v.Identity()))
		}
		if got[0] != got[1] || got[0] != got[2] {
			t.Errorf("VU %d differs between the models: %v", i, got)
		}
	}
}

// TestVUTargets: the closed model's VU target over time, a pure function.
func TestVUTargets(t *testing.T) {
	sc, err := scenario.Load("mixed")
	if err != nil {
		t.Fatal(err)
	}
	ramp := DefaultConfig()
	ramp.Users, ramp.RampUp = 10, 10*time.Second
	staged := DefaultConfig()
	staged.Stages = []loadshape.Stage{{Duration: 10 * time.Second, Target: 10}, {Duration: 0, Target: 4}, {Duration: 5 * time.Second, Target: 4}}
	rp, sp := newLoadPlan(ramp, sc), newLoadPlan(staged, sc)
	for _, tc := range []struct {
		at         time.Duration
		ramp, stag int
	}{
		{0, 1, 0}, {999 * time.Millisecond, 1, 1}, {time.Second, 2, 1}, {4500 * time.Millisecond, 5, 5},
		{9999 * time.Millisecond, 10, 10}, {10 * time.Second, 10, 4}, {time.Hour, 10, 4},
	} {
		if got := rp.vusAt(tc.at); got != tc.ramp {
			t.Errorf("ramp-up at %v: %d VUs, want %d", tc.at, got, tc.ramp)
		}
		if got := sp.vusAt(tc.at); got != tc.stag {
			t.Errorf("stages at %v: %d VUs, want %d", tc.at, got, tc.stag)
		}
	}
	if sp.slots != 10 || sp.end != 15*time.Second || rp.end != 0 {
		t.Errorf("slots %d end %v ramp end %v", sp.slots, sp.end, rp.end)
	}
}
