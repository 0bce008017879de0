package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runner"
)

// TestPluginServeSignalEndsRunsInTime: SIGTERM to the plugin's engine (a
// service manager stopping Grafana and its children) ends its runs as
// trafficsim run's signal does — the run stops and its cleanup removes
// what it created — and the engine exits within runner.InterruptBudget,
// rather than dying on the spot with the run's data left on the target.
func TestPluginServeSignalEndsRunsInTime(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine binary")
	}
	bin := buildBinary(t)
	target := startFaultTarget(t, "127.0.0.1:0", nil)
	cmd := exec.Command(bin, "plugin-serve")
	cmd.Env = []string{"TMPDIR=" + os.TempDir(), enginerpc.EnvParentPID + "=" + strconv.Itoa(os.Getpid())}
	client, api := servePlugin(t, cmd)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const runID = "psig0001"
	_, err := api.Start(ctx, enginerpc.RunConfig{RunID: runID, Users: 5, MinRequestCount: 100000, MaxRequestCount: 100000,
		DelayMax: 5 * time.Millisecond, Scenario: "new_user", Cleanup: true, BaseURL: target.url(), AdminPassword: faultPassword})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	prefix := "sim_" + runID + "_"
	for target.count(prefix) < 5 {
		if ctx.Err() != nil {
			t.Fatal("the run created no users")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for !client.Exited() {
		if time.Since(start) > 2*runner.InterruptBudget {
			t.Fatalf("the engine did not exit within %v of SIGTERM", 2*runner.InterruptBudget)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := time.Since(start); d > runner.InterruptBudget {
		t.Errorf("the engine exited %v after SIGTERM, want within %v", d, runner.InterruptBudget)
	}
	if n := target.count(prefix); n != 0 {
		t.Errorf("%d users of the run left on the target after SIGTERM; the run's cleanup did not run", n)
	}
}
