package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/runner"
)

// TestRunRefusesBeforeSending: every flag mistake that used to show only
// after the check of the target (or at the very end) stops the command with
// exit 2 naming the flags, before a single request reaches the target.
func TestRunRefusesBeforeSending(t *testing.T) {
	var sent atomic.Int64
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		sent.Add(1)
		next.ServeHTTP(w, r)
	})
	t.Setenv(adminPasswordEnv, faultPassword)
	dir := t.TempDir()
	scen := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(scen, []byte("name: mine\nbase: mixed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(scen, link); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	same := filepath.Join(dir, "same.out")
	for _, tc := range []struct {
		name string
		args []string
		want []string // in the error
	}{
		{"summary dir missing", []string{"--summary", filepath.Join(dir, "no", "such", "s.json")}, []string{"--summary", "mkdir -p"}},
		{"summary is a directory", []string{"--summary", dir}, []string{"--summary", "is a directory"}},
		{"junit dir missing", []string{"--threshold", "p95<1s", "--junit", filepath.Join(dir, "no", "j.xml")}, []string{"--junit", "mkdir -p"}},
		{"summary is the scenario", []string{"--scenario", scen, "--summary", scen}, []string{"--summary", "--scenario"}},
		{"summary links to the scenario", []string{"--scenario", scen, "--summary", link}, []string{"--summary", "--scenario"}},
		{"summary is the junit", []string{"--threshold", "p95<1s", "--summary", same, "--junit", same}, []string{"--summary", "--junit"}},
		{"junit without thresholds", []string{"--junit", filepath.Join(dir, "j.xml")}, []string{"--junit", "--threshold"}},
		{"abort without window", []string{"--threshold", "p95<1s;abort"}, []string{"--threshold-window", ";abort"}},
		{"window without thresholds", []string{"--threshold-window", "5s"}, []string{"--threshold-window", "--threshold"}},
		{"metrics address taken", []string{"--metrics-addr", taken.Addr().String()}, []string{"--metrics-addr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent.Store(0)
			// A short run, so that without the checks the test fails rather than waits.
			args := append([]string{"run", "--base-url", target.url(), "--users", "1", "--progress", "off",
				"--min-request-count", "1", "--max-request-count", "2", "--delay-min", "0", "--delay-max", "5", "--duration", "3s"}, tc.args...)
			code, _, stderr := cli(t, args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("the error does not name %s:\n%s", w, stderr)
				}
			}
			if n := sent.Load(); n != 0 {
				t.Errorf("%d requests reached the target before the refusal", n)
			}
		})
	}
	if data, err := os.ReadFile(scen); err != nil || string(data) != "name: mine\nbase: mixed\n" {
		t.Errorf("the scenario file was changed: %q %v", data, err)
	}
}

// TestMergeRefusesToOverwriteAShard: merge --summary naming one of the files
// merged (or --junit the same file as --summary) is refused before anything
// is read or written.
func TestMergeRefusesToOverwriteAShard(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "m-0.json"), filepath.Join(dir, "m-1.json")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("shard"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"merge", a, b, "--summary", a},
		{"merge", filepath.Join(dir, "m-*.json"), "--summary", b},
		{"merge", a, b, "--summary", filepath.Join(dir, "out"), "--junit", filepath.Join(dir, "out"), "--threshold", "p95<1s"},
	} {
		code, _, stderr := cli(t, args...)
		if code != ExitUsage || !strings.Contains(stderr, "--summary") || !strings.Contains(stderr, "would") {
			t.Errorf("%v: exit %d, want %d naming --summary and what it would overwrite; stderr %q", args, code, ExitUsage, stderr)
		}
	}
	for _, p := range []string{a, b} {
		if data, _ := os.ReadFile(p); string(data) != "shard" {
			t.Errorf("%s was overwritten: %q", p, data)
		}
	}
}

// TestInterruptDuringCheck: a signal while run's check of the target is under
// way ends the run with exit 130, the report and the summary, and the check's
// probe account removed; trafficsim check interrupted the same way exits 130
// and removes its probe too. The target answers slowly, so the signal lands
// while the probe's sign-up is on the wire.
func TestInterruptDuringCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine binary")
	}
	bin := buildBinary(t)
	var signup atomic.Bool
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/users" {
			signup.Store(true)
		}
		time.Sleep(1500 * time.Millisecond)
		next.ServeHTTP(w, r)
	})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "--users", "3", "--duration", "5s", "--progress", "off"}},
		{"check", []string{"check"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signup.Store(false)
			sum := filepath.Join(t.TempDir(), "s.json")
			args := append(tc.args, "--base-url", target.url())
			if tc.name == "run" {
				args = append(args, "--summary", sum)
			}
			e := startEngine(t, bin, args...)
			e.until(t, 30*time.Second, "the probe's sign-up", signup.Load)
			e.cmd.Process.Signal(syscall.SIGINT)
			code := e.wait(t, 20*time.Second)
			out := e.stdout.String() + e.stderr.String()
			if code != ExitInterrupt {
				t.Errorf("exit %d, want %d\n%s", code, ExitInterrupt, out)
			}
			if n := target.count("sim_"); n != 0 {
				// A sign-up cut short that the target carried out after the
				// check looked: named as left, with the command removing it.
				i := strings.Index(out, "trafficsim cleanup --base-url "+target.url()+" --run ")
				if i < 0 || !strings.Contains(out, "_probe") {
					t.Fatalf("%d sim_ users left on the target and not named\n%s", n, out)
				}
				cmdline := strings.Fields(out[i:])[:6]
				c := startEngine(t, bin, cmdline[1:]...)
				if code := c.wait(t, 60*time.Second); code != ExitOK || target.count("sim_") != 0 {
					t.Errorf("%v: exit %d, %d sim_ users left\n%s", cmdline, code, target.count("sim_"), c.stdout.String())
				}
			}
			if strings.Contains(out, "the run goes on") || strings.Contains(out, "beyond the check") {
				t.Errorf("contradictory lines:\n%s", out)
			}
			if tc.name == "run" {
				s := readFaultSummary(t, sum)
				if s.State != "stopped" || s.Requests != 0 || s.Cleanup.Created != 0 || !strings.Contains(e.stdout.String(), "Stopped after") {
					t.Errorf("summary: state %s requests %d cleanup %+v\n%s", s.State, s.Requests, s.Cleanup, out)
				}
			}
		})
	}
}

// TestInterruptSlowCleanupBounded: an interrupt whose cleanup the target
// slows down (every answer 1.5s late, so each delete is still being settled
// when the cleanup's time is up) exits 130 within runner.InterruptBudget,
// with the summary saying what is left and the command that removes it.
func TestInterruptSlowCleanupBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine binary")
	}
	bin := buildBinary(t)
	const runID = "slow0007"
	var slow atomic.Bool
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if slow.Load() {
			time.Sleep(1500 * time.Millisecond)
		}
		next.ServeHTTP(w, r)
	})
	sum := filepath.Join(t.TempDir(), "s.json")
	e := startEngine(t, bin, "run", "--base-url", target.url(), "--users", "20", "--skip-check", "--scenario", "new_user",
		"--min-request-count", "100000", "--max-request-count", "100000", "--delay-min", "0", "--delay-max", "5",
		"--run-id", runID, "--summary", sum, "--progress", "off")
	prefix := "sim_" + runID + "_"
	e.until(t, 30*time.Second, "simulation users", func() bool { return target.count(prefix) >= 15 })
	slow.Store(true)
	e.cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	code := e.wait(t, 30*time.Second)
	if d := time.Since(start); d > runner.InterruptBudget {
		t.Errorf("exit %v after the interrupt, want within %v", d, runner.InterruptBudget)
	}
	if code != ExitInterrupt {
		t.Errorf("exit %d, want %d\n%s", code, ExitInterrupt, e.stderr.String())
	}
	s := readFaultSummary(t, sum)
	checkCounts(t, s.Cleanup)
	if s.Cleanup.Verified || s.Cleanup.Left == 0 {
		t.Errorf("cleanup %+v", s.Cleanup)
	}
	if want := "trafficsim cleanup --base-url " + target.url() + " --run " + runID; !strings.Contains(e.stderr.String(), want) {
		t.Errorf("no %q on stderr:\n%s", want, e.stderr.String())
	}
}
