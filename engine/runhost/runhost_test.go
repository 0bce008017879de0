package runhost_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// newHost hosts real runs (engine/runner against its embedded reference target, with
// a cheap bcrypt cost) and registers their series on reg.
func newHost(reg prometheus.Registerer, opts runhost.Options) *runhost.Host {
	opts.NewRun = runhost.RunnerFactory(reg, nil, runner.WithTargetConfig(func(c *usersvc.Config) { c.BcryptCost = 4 }))
	opts.Validate = runhost.RunnerValidator
	for _, s := range scenario.Builtins() {
		opts.Scenarios = append(opts.Scenarios, enginerpc.Scenario{Name: s.Name, Description: s.Description})
	}
	return runhost.New(opts)
}

// longRun keeps going until stopped (a minute at most); shortRun ends by itself at once.
var (
	longRun = enginerpc.RunConfig{Users: 2, MinRequestCount: 100000, MaxRequestCount: 100000, Duration: time.Minute,
		DelayMin: 5 * time.Millisecond, DelayMax: 20 * time.Millisecond, Scenario: "mixed", Cleanup: true}
	shortRun = enginerpc.RunConfig{Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "active_user"}
)

// series counts the metrics on reg labelled with run id.
func series(t *testing.T, reg *prometheus.Registry, id string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "run" && l.GetValue() == id {
					n++
				}
			}
		}
	}
	return n
}

func waitEnded(ctx context.Context, t *testing.T, h *runhost.Host, id string) enginerpc.RunStatus {
	t.Helper()
	for {
		st, err := h.Status(ctx, id)
		if err != nil {
			t.Fatalf("Status(%s): %v", id, err)
		}
		if st.State.Ended() {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("run %s did not end: %+v", id, st)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestARealRunFromStartToStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	h := newHost(reg, runhost.Options{Version: "v-test"})
	defer func() { _ = h.Shutdown(ctx) }()

	cfg := longRun
	cfg.AdminPassword = "s3cret-never-echoed"
	st, err := h.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if st.ID == "" || st.Config.RunID != st.ID || st.Config.Users != 2 || st.Config.Seed == 0 || st.Config.AdminPassword != "" || st.Config.Scenario != "mixed" {
		t.Fatalf("Start = %+v; want the id, the config with a chosen seed and no password", st)
	}
	var seen []enginerpc.RunStatus
	err = h.Watch(ctx, st.ID, 50*time.Millisecond, func(s enginerpc.RunStatus) error {
		seen = append(seen, s)
		if s.State == enginerpc.StateRunning && s.Stats.Requests >= 20 && len(seen) >= 3 {
			h.Stop(ctx, st.ID, true) //nolint:errcheck // the watch shows the outcome
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	last := seen[len(seen)-1]
	if last.State != enginerpc.StateFinished || last.EndedAt.IsZero() || last.Stats.Requests < 20 || last.Stats.ActiveUsers != 0 || last.Stats.RemainingSeconds != 0 {
		t.Fatalf("final = %+v; want finished with ≥20 requests", last)
	}
	if len(last.Recent) == 0 || last.Recent[0].Route == "" || last.Recent[0].Time.IsZero() || last.Stats.SuccessRate <= 0 {
		t.Fatalf("final recent/stats = %+v / %+v", last.Recent, last.Stats)
	}
	var running *enginerpc.RunStatus
	for i := range seen {
		if seen[i].State == enginerpc.StateRunning {
			running = &seen[i]
			break
		}
	}
	if running == nil || running.Stats.RemainingSeconds < 0 || running.Stats.RemainingSeconds > 60 || running.Stats.TotalUsers != 2 {
		t.Fatalf("a running status = %+v; want the remaining time within the duration", running)
	}
	if series(t, reg, st.ID) == 0 {
		t.Fatal("the run has no series on the registry")
	}
	if v, _ := h.Version(ctx); v.ActiveRuns != 0 || v.Version != "v-test" || v.PID == 0 {
		t.Fatalf("Version = %+v", v)
	}
}

func TestInvalidConfigNamesTheProtobufField(t *testing.T) {
	h := newHost(nil, runhost.Options{})
	ctx := context.Background()
	for field, cfg := range map[string]enginerpc.RunConfig{
		"users":             {Users: 0, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed"},
		"min_request_count": {Users: 1, MinRequestCount: 5, MaxRequestCount: 1, Scenario: "mixed"},
		"delay_min_ms":      {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, DelayMin: time.Second, Scenario: "mixed"},
		"duration_ms":       {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Duration: -time.Second, Scenario: "mixed"},
		"base_url":          {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, BaseURL: "ftp://x", Scenario: "mixed"},
		"scenario":          {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "/etc/passwd"},
		"run_id":            {RunID: "Not An Id", Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed"},
		"ramp_up_ms": {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", RampUp: time.Second,
			Stages: []enginerpc.Stage{{Duration: time.Second, Target: 2}}},
		"stages":      {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", Stages: []enginerpc.Stage{{Duration: time.Second, Target: 0}}},
		"rate":        {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", Rate: -1},
		"rate_stages": {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", RateStages: []enginerpc.Stage{{Duration: time.Second, Target: -1}}},
		"max_vus":     {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", MaxVUs: 5},
		"max_rps":     {Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", MaxRPS: -1},
	} {
		_, err := h.Start(ctx, cfg)
		var fe *enginerpc.FieldError
		if !errors.As(err, &fe) || fe.Field != field || fe.Message == "" {
			t.Errorf("%+v: error %v; want a FieldError on %s", cfg, err, field)
		}
	}
	if h.Active() != 0 {
		t.Fatalf("refused runs count as active: %d", h.Active())
	}
}

// The load model asked of the host is the one the run follows, and the one its
// status reports.
func TestLoadModelReachesTheRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := newHost(nil, runhost.Options{})
	defer func() { _ = h.Shutdown(ctx) }()

	// VU stages: the run has the largest target's VUs and ends with its last stage.
	staged := shortRun
	staged.MinRequestCount, staged.MaxRequestCount = 100000, 100000
	staged.DelayMin, staged.DelayMax = 5*time.Millisecond, 10*time.Millisecond
	staged.Stages = []enginerpc.Stage{{Duration: 200 * time.Millisecond, Target: 3}, {Duration: 300 * time.Millisecond, Target: 3}}
	st, err := h.Start(ctx, staged)
	if err != nil {
		t.Fatalf("Start(stages): %v", err)
	}
	if len(st.Config.Stages) != 2 || st.Config.Stages[0].Target != 3 {
		t.Fatalf("status config = %+v; want the stages asked for", st.Config)
	}
	end := waitEnded(ctx, t, h, st.ID)
	if end.State != enginerpc.StateFinished || end.Stats.TotalUsers != 3 || end.Stats.Requests == 0 ||
		end.Stats.Model != "closed" || end.Stats.Stage != 2 {
		t.Fatalf("staged run ended %+v; want finished by its stages with 3 VUs, in its second stage", end)
	}

	// The request cap holds the whole run: 4 VUs without think time, at most 20/s.
	capped := longRun
	capped.Users, capped.DelayMin, capped.DelayMax, capped.Duration, capped.MaxRPS = 4, 0, 0, time.Second, 20
	st, err = h.Start(ctx, capped)
	if err != nil {
		t.Fatalf("Start(max rps): %v", err)
	}
	end = waitEnded(ctx, t, h, st.ID)
	if end.Config.MaxRPS != 20 || end.Stats.Requests == 0 || float64(end.Stats.Requests) > 20*end.Stats.ElapsedSeconds+4 {
		t.Fatalf("capped run: %d requests in %v (config %+v); want at most 20/s", end.Stats.Requests, end.Stats.ElapsedSeconds, end.Config)
	}

	// The open model: arrivals on a pool of MaxVUs.
	open := longRun
	open.Users, open.Duration, open.Rate, open.MaxVUs = 1, 500*time.Millisecond, 20, 3
	st, err = h.Start(ctx, open)
	if err != nil {
		t.Fatalf("Start(rate): %v", err)
	}
	end = waitEnded(ctx, t, h, st.ID)
	if end.State != enginerpc.StateFinished || end.Config.Rate != 20 || end.Config.MaxVUs != 3 || end.Stats.TotalUsers != 3 || end.Stats.Requests == 0 ||
		end.Stats.Model != "open" || end.Stats.TargetUsers != 3 || end.Stats.Iterations == 0 || end.Stats.Stage != 0 {
		t.Fatalf("open run ended %+v; want finished on a pool of 3 VUs", end)
	}
}

func TestEndedRunsAreBoundedAndReleased(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	h := newHost(reg, runhost.Options{KeepEnded: 2})
	long, err := h.Start(ctx, longRun)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 4 {
		st, err := h.Start(ctx, shortRun)
		if err != nil {
			t.Fatal(err)
		}
		if end := waitEnded(ctx, t, h, st.ID); end.State != enginerpc.StateFinished || end.Stats.Requests < 1 {
			t.Fatalf("short run ended as %+v", end)
		}
		ids = append(ids, st.ID)
	}
	list, _ := h.List(ctx)
	got := map[string]bool{}
	for _, st := range list {
		got[st.ID] = true
	}
	if !got[long.ID] || got[ids[0]] || got[ids[1]] || !got[ids[2]] || !got[ids[3]] || len(list) != 3 {
		t.Fatalf("remembered %v; want the active run and the 2 newest ended ones", got)
	}
	if _, err := h.Status(ctx, ids[0]); !errors.Is(err, enginerpc.ErrNotFound) {
		t.Fatalf("pruned run: err = %v, want ErrNotFound", err)
	}
	// Forgotten runs give their series back; remembered ones keep them.
	if n := series(t, reg, ids[0]); n != 0 {
		t.Fatalf("a forgotten run still has %d series", n)
	}
	if series(t, reg, ids[3]) == 0 || series(t, reg, long.ID) == 0 {
		t.Fatal("a remembered run lost its series")
	}
	if h.Active() != 1 {
		t.Fatalf("Active = %d, want 1", h.Active())
	}
	var fe *enginerpc.FieldError
	if _, err := h.Start(ctx, enginerpc.RunConfig{RunID: long.ID, Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed"}); !errors.As(err, &fe) || fe.Field != "run_id" {
		t.Fatalf("a second run with a taken id: %v", err)
	}
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if st := waitEnded(ctx, t, h, long.ID); st.State != enginerpc.StateFinished {
		t.Fatalf("after Shutdown: %+v", st)
	}
	if _, err := h.Start(ctx, shortRun); err == nil {
		t.Fatal("Start after Shutdown succeeded")
	}
}

// stuckRun ignores Stop and its context; no real run does, which is why this one is
// made up: a forced stop must give up on it in time and report it failed.
type stuckRun struct{ done chan struct{} }

func (r *stuckRun) ID() string            { return "stuck001" }
func (r *stuckRun) Run(context.Context)   { <-r.done }
func (r *stuckRun) Stop()                 {}
func (r *stuckRun) Done() <-chan struct{} { return r.done }
func (r *stuckRun) Status() enginerpc.RunStatus {
	return enginerpc.RunStatus{State: enginerpc.StateRunning}
}

func TestForcedStopGivesUpOnAStuckRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &stuckRun{done: make(chan struct{})}
	defer close(r.done)
	h := runhost.New(runhost.Options{NewRun: func(enginerpc.RunConfig) (runhost.Run, error) { return r, nil }, AbortAfter: 50 * time.Millisecond})
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := h.Stop(ctx, "stuck001", false)
	if err != nil || st.State != enginerpc.StateFailed || st.Error == "" {
		t.Fatalf("forced stop = %+v, %v; want failed with a reason", st, err)
	}
}

func TestWatchAllSeesEveryRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := newHost(nil, runhost.Options{})
	defer func() { _ = h.Shutdown(ctx) }()
	for range 2 {
		if _, err := h.Start(ctx, longRun); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	wctx, wcancel := context.WithCancel(ctx)
	err := h.Watch(wctx, "", 10*time.Millisecond, func(st enginerpc.RunStatus) error {
		mu.Lock()
		defer mu.Unlock()
		seen[st.ID]++
		if len(seen) == 2 && seen[st.ID] >= 3 {
			wcancel()
		}
		return nil
	})
	if err != nil || len(seen) != 2 {
		t.Fatalf("Watch(all): seen %v, err %v", seen, err)
	}
}

func TestParentGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	select {
	case <-runhost.ParentGone(ctx, 0, 5*time.Millisecond):
		t.Fatal("parent reported gone while alive")
	case <-time.After(50 * time.Millisecond):
	}
	// A launcher that is not the direct parent (a wrapper in between) is watched
	// too: a pid that does not exist is reported gone.
	select {
	case <-runhost.ParentGone(ctx, 1<<30, 5*time.Millisecond):
	case <-time.After(5 * time.Second):
		t.Fatal("a dead launcher was not noticed")
	}
}
