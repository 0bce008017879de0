//go:build unix

package enginehost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/usersvc"
	"github.com/trafficsim/trafficsim/pkg/internal/enginebuild"
)

// engineBin is the real `trafficsim` engine, built once: every test here launches it
// through go-plugin exactly as the plugin does, with runs against its embedded
// reference target.
var engineBin, engineSum string

func TestMain(m *testing.M) {
	enginebuild.Main(m, "enginehost-test-", func(dir string) (err error) {
		if engineBin, err = enginebuild.Engine(dir); err != nil {
			return err
		}
		engineSum, err = enginebuild.SHA256(engineBin)
		return err
	})
}

func newHost(t *testing.T) *Host {
	t.Helper()
	h := New(hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}))
	h.Configure(Options{Path: engineBin, SHA256: engineSum})
	t.Cleanup(h.Close)
	return h
}

// longRun is a small run on the embedded target that keeps going until stopped
// (or for a minute at most).
var longRun = enginerpc.RunConfig{
	Users: 2, MinRequestCount: 100000, MaxRequestCount: 100000, Duration: time.Minute,
	DelayMin: 10 * time.Millisecond, DelayMax: 50 * time.Millisecond, Scenario: "mixed", Seed: 1,
}

func pidAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// waitFor polls cond every 20ms until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestRoundTripWithTheRealEngine is the go-plugin round trip: the real engine binary,
// a run against its embedded reference target, requests growing, a stop, finished.
func TestRoundTripWithTheRealEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)

	v, err := h.Version(ctx)
	if err != nil || v.Version == "" || v.PID <= 0 || v.PID == os.Getpid() || v.ActiveRuns != 0 {
		t.Fatalf("Version = %+v, %v; want the engine process's version and pid", v, err)
	}
	sc, err := h.Scenarios(ctx)
	if err != nil {
		t.Fatalf("Scenarios: %v", err)
	}
	names := make([]string, len(sc))
	for i, s := range sc {
		names[i] = s.Name
		if s.Description == "" {
			t.Errorf("scenario %s has no description", s.Name)
		}
	}
	for _, want := range []string{"mixed", "development", "load_test", "metrics_generation", "new_user", "active_user", "admin", "power_user"} {
		if !slices.Contains(names, want) {
			t.Errorf("built-in scenario %s missing from %v", want, names)
		}
	}

	// The engine's own validation comes back as a FieldError naming the field.
	var fe *enginerpc.FieldError
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 0, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed"}, 0); !errors.As(err, &fe) || fe.Field != "users" {
		t.Fatalf("Start(users=0) = %v; want a FieldError on users", err)
	}
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "/etc/passwd"}, 0); !errors.As(err, &fe) || fe.Field != "scenario" {
		t.Fatalf("Start(scenario=file) = %v; want a FieldError on scenario", err)
	}
	if _, err := h.Status(ctx, "nosuchrun"); !errors.Is(err, enginerpc.ErrNotFound) {
		t.Fatalf("Status(unknown) = %v; want ErrNotFound", err)
	}

	cfg := longRun
	cfg.AdminPassword = "never-echoed"
	run, err := h.Start(ctx, cfg, 0)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.ID == "" || run.Config.Users != 2 || run.Config.Seed != 1 || run.Config.Duration != time.Minute || run.Config.AdminPassword != "" {
		t.Fatalf("Start = %+v; want an id and the config echoed without the password", run)
	}

	// Watch until requests grow, then stop from inside the watch; the watch ends with
	// the final status.
	var seen []enginerpc.RunStatus
	stopped := false
	err = h.Watch(ctx, run.ID, 100*time.Millisecond, func(st enginerpc.RunStatus) error {
		seen = append(seen, st)
		if !stopped && st.State == enginerpc.StateRunning && st.Stats.Requests >= 30 {
			stopped = true
			if _, err := h.Stop(ctx, run.ID, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	grew := 0
	for i := 1; i < len(seen); i++ {
		if seen[i].Stats.Requests > seen[i-1].Stats.Requests {
			grew++
		}
	}
	last := seen[len(seen)-1]
	if !stopped || grew < 2 {
		t.Fatalf("requests did not grow over %d snapshots (grew %d times, stopped %v)", len(seen), grew, stopped)
	}
	if last.State != enginerpc.StateFinished || last.EndedAt.IsZero() || last.Stats.ActiveUsers != 0 || last.Stats.Requests < 30 {
		t.Fatalf("final status = %+v; want finished with ≥30 requests and no active users", last)
	}
	if len(last.Recent) == 0 || !strings.HasPrefix(last.Recent[len(last.Recent)-1].Route, "/api/v1/") || last.Recent[len(last.Recent)-1].Status == 0 {
		t.Fatalf("recent requests = %+v; want real requests to the target", last.Recent)
	}
	if last.Stats.SuccessRate <= 0 || last.Stats.SuccessRate > 1 || last.Stats.AvgLatencyMs <= 0 {
		t.Fatalf("stats = %+v; want a success rate in (0,1] and a latency", last.Stats)
	}
	list, err := h.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != run.ID || list[0].State != enginerpc.StateFinished {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if again, err := h.Stop(ctx, run.ID, false); err != nil || again.State != enginerpc.StateFinished {
		t.Fatalf("Stop(ended) = %+v, %v; want its final status", again, err)
	}
}

func TestEngineDeathFailsItsRunsAndTheEngineComesBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)
	run, err := h.Start(ctx, longRun, 0)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	pid, ok := h.Running()
	if !ok {
		t.Fatal("no engine running after a start")
	}
	waitFor(ctx, t, "the run to make requests", func() bool {
		st, err := h.Status(ctx, run.ID)
		return err == nil && st.Stats.Requests > 0
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill engine: %v", err)
	}
	var st enginerpc.RunStatus
	waitFor(ctx, t, "the run to be marked failed", func() bool {
		st, err = h.Status(ctx, run.ID)
		return err == nil && st.State == enginerpc.StateFailed
	})
	if !strings.Contains(st.Error, "exited unexpectedly") || st.EndedAt.IsZero() || st.Stats.ActiveUsers != 0 {
		t.Fatalf("failed run = %+v; want the reason, an end time and no active users", st)
	}
	if _, ok := h.Running(); ok {
		t.Fatal("a dead engine is reported running")
	}
	if got, err := h.Stop(ctx, run.ID, true); err != nil || got.State != enginerpc.StateFailed {
		t.Fatalf("Stop(lost run) = %+v, %v; want its failed status", got, err)
	}

	// The next start brings a new engine up; the lost run stays listed first.
	run2, err := h.Start(ctx, longRun, 2)
	if err != nil {
		t.Fatalf("Start after the engine died: %v", err)
	}
	pid2, ok := h.Running()
	if !ok || pid2 == pid {
		t.Fatalf("engine after restart: pid %d (running %v); want a new one, not %d", pid2, ok, pid)
	}
	list, err := h.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != run.ID || list[0].State != enginerpc.StateFailed || list[1].ID != run2.ID {
		t.Fatalf("List = %+v, %v; want the lost run then the new one", list, err)
	}
}

func TestWatchEndsWithTheFailedStatusWhenTheEngineDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)
	run, err := h.Start(ctx, longRun, 0)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := h.Running()
	var last enginerpc.RunStatus
	n := 0
	err = h.Watch(ctx, run.ID, 50*time.Millisecond, func(st enginerpc.RunStatus) error {
		n++
		last = st
		if n == 3 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		return nil
	})
	if err != nil || last.State != enginerpc.StateFailed || !strings.Contains(last.Error, "exited unexpectedly") {
		t.Fatalf("Watch = %v, last %+v; want the failed status last", err, last)
	}
}

func TestConcurrencyLimitAndSettingsChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)
	run, err := h.Start(ctx, longRun, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Start(ctx, longRun, 1); !errors.Is(err, ErrTooManyRuns) {
		t.Fatalf("second run over a limit of 1: %v; want ErrTooManyRuns", err)
	}
	pid, _ := h.Running()
	// New settings do not replace an engine with an active run...
	h.Configure(Options{Path: engineBin, SHA256: engineSum, MetricsAddr: "127.0.0.1:0"})
	if v, err := h.Version(ctx); err != nil || v.PID != pid {
		t.Fatalf("engine replaced under an active run: %+v, %v", v, err)
	}
	if _, err := h.Stop(ctx, run.ID, false); err != nil {
		t.Fatal(err)
	}
	// ...and take effect once it is idle; the ended run stays visible.
	v, err := h.Version(ctx)
	if err != nil || v.PID == pid {
		t.Fatalf("engine not replaced once idle: %+v, %v", v, err)
	}
	waitFor(ctx, t, "the replaced engine to exit", func() bool { return !pidAlive(pid) })
	if st, err := h.Status(ctx, run.ID); err != nil || !st.State.Ended() || st.EndedAt.IsZero() {
		t.Fatalf("run of the replaced engine = %+v, %v; want its final status", st, err)
	}
}

// TestReplacedEngineKeepsFinalStatuses: a run that ended while nobody looked keeps
// its real end when new settings replace its engine, instead of the "starting" seen
// last, which would count as active (against the limits of every org) for good.
func TestReplacedEngineKeepsFinalStatuses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)
	cfg := longRun
	cfg.Duration = 300 * time.Millisecond
	run, err := h.Start(ctx, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if run.State.Ended() {
		t.Fatalf("run already ended when started: %+v", run)
	}
	// Wait on the engine itself, not through h, so that h never sees the end.
	e := h.current()
	waitFor(ctx, t, "the run to end", func() bool {
		st, err := e.api.Status(ctx, run.ID)
		return err == nil && st.State.Ended()
	})
	h.Configure(Options{Path: engineBin, SHA256: engineSum, MetricsAddr: "127.0.0.1:0"})
	if v, err := h.Version(ctx); err != nil || v.PID == e.pid {
		t.Fatalf("engine not replaced once idle: %+v, %v", v, err)
	}
	st, err := h.Status(ctx, run.ID)
	if err != nil || st.State != enginerpc.StateFinished || st.EndedAt.IsZero() || st.Error != "" {
		t.Fatalf("run of the replaced engine = %+v, %v; want the engine's own final status (finished)", st, err)
	}
	list, err := h.List(ctx)
	if err != nil || len(list) != 1 || list[0].State != enginerpc.StateFinished {
		t.Fatalf("List = %+v, %v; want the one run, finished", list, err)
	}
}

// TestNoReplacementUnderACall: new settings never replace the engine while another
// call uses it (a run being started, a cleanup, a check): it would die with the engine.
func TestNoReplacementUnderACall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)
	v, err := h.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leave := h.enter() // a call under way
	h.Configure(Options{Path: engineBin, SHA256: engineSum, MetricsAddr: "127.0.0.1:0"})
	if again, err := h.Version(ctx); err != nil || again.PID != v.PID {
		t.Fatalf("engine replaced under a call: %+v, %v; want pid %d", again, err, v.PID)
	}
	leave()
	if again, err := h.Version(ctx); err != nil || again.PID == v.PID {
		t.Fatalf("engine not replaced once no call used it: %+v, %v", again, err)
	}

	// Settings changing back and forth while runs start: every accepted run is
	// found afterwards, on whichever engine took it, and none is lost with an engine.
	var ids []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 40 {
			h.Configure(Options{Path: engineBin, SHA256: engineSum, MetricsAddr: []string{"", "127.0.0.1:0"}[i%2]})
			if _, err := h.Scenarios(ctx); err != nil {
				t.Errorf("Scenarios: %v", err)
				return
			}
		}
	}()
	short := longRun
	short.Duration = 50 * time.Millisecond
	for range 10 {
		st, err := h.Start(ctx, short, 0)
		if err != nil {
			t.Fatalf("Start while settings change: %v", err)
		}
		ids = append(ids, st.ID)
	}
	<-done
	for _, id := range ids {
		var st enginerpc.RunStatus
		waitFor(ctx, t, "run "+id+" to end", func() bool {
			st, err = h.Status(ctx, id)
			return err == nil && st.State.Ended()
		})
		if st.State != enginerpc.StateFinished {
			t.Errorf("run %s = %s (%s); want finished", id, st.State, st.Error)
		}
	}
}

// TestOlderSettingsDoNotComeBack: a request still under way on an app instance of
// older settings does not bring them back.
func TestOlderSettingsDoNotComeBack(t *testing.T) {
	h := New(nil)
	now := time.Now()
	h.ConfigureAt(Options{MetricsAddr: "new:1"}, now)
	h.ConfigureAt(Options{MetricsAddr: "old:1"}, now.Add(-time.Minute))
	if h.want.MetricsAddr != "new:1" {
		t.Fatalf("wanted metricsAddr = %q after older settings; want new:1", h.want.MetricsAddr)
	}
	h.ConfigureAt(Options{MetricsAddr: "newer:1"}, now.Add(time.Second))
	if h.want.MetricsAddr != "newer:1" {
		t.Fatalf("wanted metricsAddr = %q; want newer:1", h.want.MetricsAddr)
	}
}

// TestEngineServesMetrics: the metricsAddr setting reaches the engine, which serves
// its runs' series there for Prometheus.
func TestEngineServesMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	h := newHost(t)
	h.Configure(Options{Path: engineBin, SHA256: engineSum, MetricsAddr: addr})
	run, err := h.Start(ctx, longRun, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `trafficsim_requests_total{`
	var body string
	waitFor(ctx, t, "the run's series on /metrics", func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, want) && strings.Contains(line, `run="`+run.ID+`"`) {
				return true
			}
		}
		return false
	})
	if !strings.Contains(body, `trafficsim_run_info{`) || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics lacks the run info or the process metrics:\n%.2000s", body)
	}
}

// TestMetricsAddrIsOneOrgs: an org's metricsAddr is never where another org's
// engine serves its runs (the org's Prometheus would scrape them); nor does an
// engine start silently without the /metrics it was given.
func TestMetricsAddrIsOneOrgs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr := free()
	_, port, _ := net.SplitHostPort(addr)
	p := NewPool(hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}), Options{Path: engineBin, SHA256: engineSum}, Totals{})
	t.Cleanup(p.Close)
	p.Configure(1, Options{MetricsAddr: addr}, time.Time{})
	v1, err := p.Org(1).Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, taken := range []string{addr, "0.0.0.0:" + port, ":" + port} {
		p.Configure(2, Options{MetricsAddr: taken}, time.Time{})
		if _, err := p.Org(2).Version(ctx); !errors.Is(err, ErrMetricsAddrTaken) {
			t.Fatalf("org 2 with metricsAddr %s (org 1's %s) = %v; want ErrMetricsAddrTaken", taken, addr, err)
		}
	}
	// Org 1's engine replaced (new settings, same address): it keeps the address
	// between its engines, and org 2 cannot take it meanwhile.
	p.Configure(1, Options{MetricsAddr: addr, RemoteWriteURL: "http://127.0.0.1:1/write"}, time.Time{})
	if v, err := p.Org(1).Version(ctx); err != nil || v.PID == v1.PID {
		t.Fatalf("org 1's engine not replaced: %+v, %v", v, err)
	}
	p.Configure(2, Options{MetricsAddr: free()}, time.Time{})
	if _, err := p.Org(2).Version(ctx); err != nil {
		t.Fatalf("org 2 on a port of its own: %v", err)
	}
	// A port another program holds: the engine does not start, and says why.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p.Configure(3, Options{MetricsAddr: ln.Addr().String()}, time.Time{})
	if _, err := p.Org(3).Version(ctx); err == nil || !strings.Contains(err.Error(), "metricsAddr") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("org 3 with a port another program holds = %v; want the engine refused, naming metricsAddr", err)
	}
}

func TestSameListener(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"127.0.0.1:9464", "127.0.0.1:9464", true},
		{"127.0.0.1:9464", "0.0.0.0:9464", true},
		{":9464", "10.0.0.1:9464", true},
		{"[::]:9464", "127.0.0.1:9464", true},
		{"localhost:9464", "127.0.0.1:9464", true},
		{"127.0.0.1:9464", "127.0.0.2:9464", false},
		{"127.0.0.1:9464", "127.0.0.1:9465", false},
		{"127.0.0.1:0", "127.0.0.1:0", false},
		{"", "127.0.0.1:9464", false},
	} {
		if got := sameListener(c.a, c.b); got != c.want {
			t.Errorf("sameListener(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCloseStopsTheEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHost(t)
	if _, err := h.Start(ctx, longRun, 0); err != nil {
		t.Fatal(err)
	}
	pid, ok := h.Running()
	if !ok {
		t.Fatal("engine not running")
	}
	h.Close()
	waitFor(ctx, t, "the engine to exit after Close", func() bool { return !pidAlive(pid) })
	if _, err := h.Version(ctx); err == nil {
		t.Fatal("a closed host started an engine")
	}
}

func TestMissingEngineSaysWhatToDo(t *testing.T) {
	h := New(nil)
	defer h.Close()
	_, err := h.Version(context.Background())
	if !errors.Is(err, ErrEngineMissing) || !strings.Contains(err.Error(), EnvEnginePath) {
		t.Fatalf("no path: %v", err)
	}
	h.Configure(Options{Path: filepath.Join(t.TempDir(), "nope")})
	if _, err := h.Version(context.Background()); !errors.Is(err, ErrEngineMissing) || !strings.Contains(err.Error(), EnvEnginePath) {
		t.Fatalf("missing binary: %v", err)
	}
}

func newPool(t *testing.T, opts ...PoolOption) *Pool {
	t.Helper()
	p := NewPool(hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}), Options{Path: engineBin, SHA256: engineSum}, Totals{}, opts...)
	t.Cleanup(p.Close)
	return p
}

// TestIdleEngineIsStopped: an org's engine with nothing to do — its run over, no
// call using it — exits once it has been idle for the Pool's IdleStop, never
// sooner; the run's final status stays, and the next request that needs an
// engine starts a new one.
func TestIdleEngineIsStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const idle = 300 * time.Millisecond
	p := newPool(t, IdleStop(idle))
	h := p.Org(1)
	cfg := longRun
	cfg.Duration = 200 * time.Millisecond
	run, err := p.Start(ctx, 1, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	pid, ok := h.Running()
	if !ok {
		t.Fatal("no engine running after a start")
	}
	var st enginerpc.RunStatus
	var asked time.Time // when the last call began: the engine was in use then
	waitFor(ctx, t, "the run to end", func() bool {
		asked = time.Now()
		st, err = h.Status(ctx, run.ID)
		return err == nil && st.State.Ended()
	})
	waitFor(ctx, t, "the idle engine to exit", func() bool { return !pidAlive(pid) })
	if gone := time.Since(asked); gone < idle {
		t.Fatalf("the engine exited %v after the last call began; want it idle %v first", gone, idle)
	}
	if _, ok := h.Running(); ok {
		t.Fatal("a stopped engine is reported running")
	}
	if got, err := h.Status(ctx, run.ID); err != nil || got.State != enginerpc.StateFinished || got.Error != "" || !got.EndedAt.Equal(st.EndedAt) {
		t.Fatalf("run of the stopped engine = %+v, %v; want its final status %+v", got, err, st)
	}
	if list, err := h.List(ctx); err != nil || len(list) != 1 || list[0].ID != run.ID || list[0].State != enginerpc.StateFinished {
		t.Fatalf("List after the stop = %+v, %v; want the one run, finished", list, err)
	}
	if _, err := h.Scenarios(ctx); err != nil {
		t.Fatalf("Scenarios after the stop: %v", err)
	}
	if pid2, ok := h.Running(); !ok || pid2 == pid {
		t.Fatalf("engine after the stop: pid %d (running %v); want a new one, not %d", pid2, ok, pid)
	}
}

// TestIdleStopSparesAnEngineInUse: an engine is not stopped while a run is
// active, while a call uses it, within IdleStop of its last run's end, nor while
// it holds an ended run whose records are left on its target (it alone can clean
// them up); the cleaned-up run's status outlives the engine. The time is given
// (stopIdle's now), so nothing here waits for IdleStop to pass.
func TestIdleStopSparesAnEngineInUse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const idle = time.Hour // the monitor never finds the engine idle by itself here
	const password = "t4rget-admin"
	target, err := usersvc.Start(ctx, usersvc.Config{AdminPassword: password, BcryptCost: 4}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	p := newPool(t, IdleStop(idle))
	h := p.Org(1)
	later := func() time.Time { return time.Now().Add(2 * idle) }

	run, err := p.Start(ctx, 1, longRun, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := h.current()
	if h.stopIdle(e, later()) {
		t.Fatal("engine stopped with a run active")
	}
	if _, err := h.Stop(ctx, run.ID, false); err != nil {
		t.Fatal(err)
	}
	leave := h.enter() // a call under way
	if h.stopIdle(e, later()) {
		t.Fatal("engine stopped under a call")
	}
	leave()

	// A run that ends while nobody asks: idle from its end, not from the last call.
	short := longRun
	short.Duration = time.Second
	run, err = p.Start(ctx, 1, short, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	used := h.usedAt
	h.mu.Unlock()
	var st enginerpc.RunStatus
	waitFor(ctx, t, "the run to end", func() bool { // on the engine itself: no call through h
		st, err = e.api.Status(ctx, run.ID)
		return err == nil && st.State.Ended()
	})
	if at := st.EndedAt.Add(idle - time.Millisecond); at.Sub(used) < idle {
		t.Fatalf("the run ended %v, before its Start returned (%v)", st.EndedAt, used)
	} else if h.stopIdle(e, at) {
		t.Fatal("engine stopped within IdleStop of its run's end")
	}

	// A run that left records on its external target (wrong admin password).
	left := enginerpc.RunConfig{Users: 2, Scenario: "new_user", MinRequestCount: 4, MaxRequestCount: 6, Duration: 20 * time.Second,
		DelayMin: 10 * time.Millisecond, DelayMax: 30 * time.Millisecond, BaseURL: target.URL, AdminPassword: "wrong", Cleanup: true, Seed: 1}
	run, err = p.Start(ctx, 1, left, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the run to end", func() bool {
		st, err = h.Status(ctx, run.ID)
		return err == nil && st.State.Ended()
	})
	if st.State != enginerpc.StateLeftovers {
		t.Fatalf("run with a wrong admin password = %s %+v; want leftovers", st.State, st.Cleanup)
	}
	if h.stopIdle(e, later()) {
		t.Fatal("engine stopped while it holds a run whose records are left on its target")
	}
	st, err = h.CleanupRun(ctx, enginerpc.CleanupRequest{ID: run.ID, AdminPassword: password})
	if err != nil || st.State != enginerpc.StateFinished {
		t.Fatalf("CleanupRun = %s %+v, %v; want finished", st.State, st.Cleanup, err)
	}
	if !h.stopIdle(e, later()) {
		t.Fatal("idle engine not stopped once its leftovers were cleaned up")
	}
	waitFor(ctx, t, "the stopped engine to exit", func() bool { return !pidAlive(e.pid) })
	if got, err := h.Status(ctx, run.ID); err != nil || got.State != enginerpc.StateFinished || got.Cleanup == nil || got.Cleanup.Left != 0 {
		t.Fatalf("cleaned-up run after its engine stopped = %+v, %v; want finished with nothing left", got, err)
	}
}
