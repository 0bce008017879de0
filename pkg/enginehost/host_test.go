//go:build unix

package enginehost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// fakeEngine is testdata/fakeengine built once: it serves simulated runs through the
// same runhost.ServePlugin as `trafficsim plugin-serve`, so the supervision can be
// tested by killing it mid-run without generating traffic.
var fakeEngine string

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "enginehost-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		fakeEngine = filepath.Join(dir, "fakeengine")
		build := exec.Command("go", "build", "-o", fakeEngine, "./testdata/fakeengine")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build fakeengine:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func newHost(t *testing.T) *Host {
	t.Helper()
	h := New(hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}))
	h.Configure(Options{Path: fakeEngine})
	t.Cleanup(h.Close)
	return h
}

func pidAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

func TestEngineDeathFailsItsRunsAndTheEngineComesBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := newHost(t)
	v, err := h.Version(ctx)
	if err != nil || v.Version != "fake" {
		t.Fatalf("Version = %+v, %v", v, err)
	}
	run, err := h.Start(ctx, enginerpc.RunConfig{Users: 2, MaxRequestCount: 1 << 20, Scenario: "mixed"}, 0)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := syscall.Kill(v.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill engine: %v", err)
	}
	var st enginerpc.RunStatus
	for {
		st, err = h.Status(ctx, run.ID)
		if err == nil && st.State == enginerpc.StateFailed {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("run not marked failed after the engine died: %+v, %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(st.Error, "exited unexpectedly") || st.EndedAt.IsZero() {
		t.Fatalf("failed run = %+v; want the reason and an end time", st)
	}
	if _, ok := h.Running(); ok {
		t.Fatal("a dead engine is reported running")
	}
	// Stopping the lost run reports its failed status; List still shows it.
	if got, err := h.Stop(ctx, run.ID, true); err != nil || got.State != enginerpc.StateFailed {
		t.Fatalf("Stop(lost) = %+v, %v", got, err)
	}

	// The next start brings a new engine up.
	run2, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 1 << 20}, 2)
	if err != nil {
		t.Fatalf("Start after engine death: %v", err)
	}
	v2, err := h.Version(ctx)
	if err != nil || v2.PID == v.PID {
		t.Fatalf("Version after restart = %+v, %v; want a new pid", v2, err)
	}
	list, err := h.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != run.ID || list[0].State != enginerpc.StateFailed || list[1].ID != run2.ID {
		t.Fatalf("List = %+v, %v; want the lost run then the new one", list, err)
	}
}

func TestWatchEndsWithTheFailedStatusWhenTheEngineDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := newHost(t)
	run, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 1 << 20}, 0)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := h.Running()
	var last enginerpc.RunStatus
	n := 0
	err = h.Watch(ctx, run.ID, 20*time.Millisecond, func(st enginerpc.RunStatus) error {
		n++
		last = st
		if n == 3 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		return nil
	})
	if err != nil || last.State != enginerpc.StateFailed {
		t.Fatalf("Watch = %v, last %+v; want the failed status last", err, last)
	}
}

func TestConcurrencyLimitAndSettingsChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := newHost(t)
	run, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 1 << 20}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1}, 1); !errors.Is(err, ErrTooManyRuns) {
		t.Fatalf("second run over a limit of 1: %v", err)
	}
	pid, _ := h.Running()
	// New settings do not kill an engine with active runs...
	h.Configure(Options{Path: fakeEngine, MetricsAddr: "127.0.0.1:0"})
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
	if pidAlive(pid) {
		t.Fatalf("the replaced engine %d is still running", pid)
	}
	if st, err := h.Status(ctx, run.ID); err != nil || st.State != enginerpc.StateFinished {
		t.Fatalf("run of the replaced engine = %+v, %v", st, err)
	}
}

func TestCloseStopsTheEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := newHost(t)
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 1 << 20}, 0); err != nil {
		t.Fatal(err)
	}
	pid, ok := h.Running()
	if !ok {
		t.Fatal("engine not running")
	}
	h.Close()
	for pidAlive(pid) {
		if ctx.Err() != nil {
			t.Fatalf("engine %d still running after Close", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := h.Version(ctx); err == nil {
		t.Fatal("a closed host started an engine")
	}
}

func TestMissingEngineSaysWhatToDo(t *testing.T) {
	h := New(nil)
	defer h.Close()
	_, err := h.Version(context.Background())
	if !errors.Is(err, ErrEngineMissing) || !strings.Contains(err.Error(), "enginePath") {
		t.Fatalf("no path: %v", err)
	}
	h.Configure(Options{Path: filepath.Join(t.TempDir(), "nope")})
	if _, err := h.Version(context.Background()); !errors.Is(err, ErrEngineMissing) || !strings.Contains(err.Error(), "enginePath") {
		t.Fatalf("missing binary: %v", err)
	}
}
