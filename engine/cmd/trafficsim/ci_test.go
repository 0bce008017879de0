package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/usersvc"
	"github.com/trafficsim/trafficsim/internal/promtest"
)

func TestCIFlagValidation(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--threshold", "p95<5x"}, `--threshold: threshold "p95<5x"`},
		{[]string{"--threshold", "latency<5ms"}, "--threshold: "},
		{[]string{"--threshold", "p95<1s", "--threshold", "p95 < 1s"}, "listed twice"},
		{[]string{"--threshold", "p95<1s;abort"}, "--threshold-window"},
		{[]string{"--threshold", "p95<1s", "--threshold-window", "1s"}, "--threshold-window: 1s is too short"},
		{[]string{"--threshold-window", "30s"}, "--threshold-window: there are no thresholds"},
		{[]string{"--junit", "out.xml"}, "--junit: there are no thresholds"},
		{[]string{"--remote-write-url", "127.0.0.1:9090"}, "--remote-write-url"},
		{[]string{"--remote-write-url", "http://127.0.0.1:1/api/v1/write", "--remote-write-interval", "1ms"}, "--remote-write-interval"},
		{[]string{"--remote-write-url", "http://127.0.0.1:1/api/v1/write", "--remote-write-label", "shard"}, "--remote-write-label"},
		{[]string{"--remote-write-url", "http://127.0.0.1:1/api/v1/write", "--remote-write-label", "9x=1"}, `--remote-write-label: "9x=1": a label name is letters, digits and _, not starting with a digit or __; e.g. shard=1`},
		{[]string{"--remote-write-label", "shard=1"}, "set --remote-write-url too"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"run"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tc.want)
			}
		})
	}
	t.Run("password without user", func(t *testing.T) {
		t.Setenv("TRAFFICSIM_REMOTE_WRITE_PASSWORD", "p")
		code, _, stderr := cli(t, "run", "--remote-write-url", "http://127.0.0.1:1/api/v1/write")
		if code != ExitUsage || !strings.Contains(stderr, "TRAFFICSIM_REMOTE_WRITE_PASSWORD (environment): ") ||
			!strings.Contains(stderr, "TRAFFICSIM_REMOTE_WRITE_USER") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	// A bad value from the environment names the variable, not the flag it
	// stands in for, and never shows a password.
	t.Run("URL from the environment", func(t *testing.T) {
		t.Setenv("TRAFFICSIM_REMOTE_WRITE_URL", "ftp://user:Sekrit-rw-1@127.0.0.1:1/write")
		code, _, stderr := cli(t, "run")
		if code != ExitUsage || !strings.HasPrefix(stderr, "TRAFFICSIM_REMOTE_WRITE_URL (environment): remote write URL") ||
			strings.Contains(stderr, "Sekrit-rw-1") {
			t.Fatalf("exit %d, stderr %q; want exit 2 naming TRAFFICSIM_REMOTE_WRITE_URL, without the password", code, stderr)
		}
	})
	t.Run("OTLP endpoint from the environment", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://127.0.0.1:4318")
		for _, cmd := range []string{"run", "target"} {
			code, _, stderr := cli(t, cmd)
			if code != ExitUsage || !strings.HasPrefix(stderr, "OTEL_EXPORTER_OTLP_ENDPOINT (environment; --otlp-endpoint overrides it): ") {
				t.Errorf("%s: exit %d, stderr %q; want exit 2 naming OTEL_EXPORTER_OTLP_ENDPOINT", cmd, code, stderr)
			}
		}
		// The flag given is the flag named.
		if code, _, stderr := cli(t, "run", "--otlp-endpoint", "ftp://x"); code != ExitUsage || !strings.HasPrefix(stderr, "--otlp-endpoint: ") {
			t.Errorf("--otlp-endpoint ftp://x: exit %d, stderr %q", code, stderr)
		}
	})
}

func startTarget(t *testing.T) *usersvc.Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "admin"}, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close(); cancel() })
	return target
}

// A met threshold exits 0, a breached one 3; results land in the summary, the
// report and the JUnit file.
func TestThresholdExitCodes(t *testing.T) {
	target := startTarget(t)
	// Every 5th request fails with a 500 the VUs did not intend.
	if err := target.Service.SetFaults(usersvc.Faults{ErrorRate: 0.2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(junit string, thresholds ...string) (int, string, string, summary.Summary) {
		sum := filepath.Join(dir, "summary.json")
		args := []string{"run", "--base-url", target.URL, "--users", "4", "--min-request-count", "15", "--max-request-count", "15",
			"--delay-min", "0", "--delay-max", "5", "--progress", "off", "--seed", "5", "--summary", sum, "--junit", junit,
			"--cleanup=false", // the injected 500s would fail the cleanup too (exit 1)
			"--skip-check"}    // and the check before the load: a probe 500 three times over refuses the run
		for _, th := range thresholds {
			args = append(args, "--threshold", th)
		}
		code, stdout, stderr := cli(t, args...)
		var s summary.Summary
		data, err := os.ReadFile(sum)
		if err != nil || json.Unmarshal(data, &s) != nil {
			t.Fatalf("summary: %v\n%s", err, stderr)
		}
		return code, stdout, stderr, s
	}

	met := filepath.Join(dir, "met.xml")
	code, stdout, stderr, s := run(met, "p95<10s", "requests>=60", "error_rate<=100%", "p99{group=auth}<10s")
	if code != ExitOK {
		t.Fatalf("met thresholds: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if len(s.Thresholds) != 4 || !s.Thresholds[1].Pass || s.Thresholds[1].Observed != float64(s.Requests) {
		t.Fatalf("summary thresholds = %+v (requests %d)", s.Thresholds, s.Requests)
	}
	if !strings.Contains(stdout, "Thresholds\n") || !strings.Contains(stdout, "all 4 passed") {
		t.Fatalf("report lacks the thresholds:\n%s", stdout)
	}

	breached := filepath.Join(dir, "breached.xml")
	code, stdout, stderr, s = run(breached, "p95<10s", "error_rate<1%")
	if code != ExitThreshold {
		t.Fatalf("breached threshold: exit %d, want %d\n%s\n%s", code, ExitThreshold, stdout, stderr)
	}
	if !strings.Contains(stderr, "1 of 2 thresholds failed: error_rate<1%") || !strings.Contains(stdout, "FAIL error_rate<1%: observed") ||
		!strings.Contains(stdout, "1 of 2 failed (exit code 3)\n") {
		t.Fatalf("the failure is not reported:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	er := s.Thresholds[1]
	want := float64(s.Unexpected) / float64(s.Requests)
	if er.Pass || er.Observed < 0.05 || er.Observed-want > 1e-6 || want-er.Observed > 1e-6 {
		t.Fatalf("error_rate = %+v; want the summary's unexpected share %v", er, want)
	}
	var doc struct {
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testsuite>testcase"`
	}
	data, err := os.ReadFile(breached)
	if err != nil || xml.Unmarshal(data, &doc) != nil {
		t.Fatalf("junit: %v\n%s", err, data)
	}
	if doc.Failures != 1 || len(doc.Cases) != 2 || doc.Cases[0].Failure != nil || doc.Cases[1].Failure == nil ||
		!strings.Contains(doc.Cases[1].Failure.Message, "error_rate observed") {
		t.Fatalf("junit = %+v", doc)
	}
}

// With a window, an ;abort threshold stops the run when the target turns bad
// mid-run; the run ends early, stopped, exit 3.
func TestThresholdWindowAbortsRun(t *testing.T) {
	target := startTarget(t)
	dir := t.TempDir()
	sum := filepath.Join(dir, "summary.json")
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := cli(t, "run", "--base-url", target.URL, "--users", "5",
			"--min-request-count", "100000", "--max-request-count", "100000", "--delay-min", "5", "--delay-max", "20",
			"--duration", "90s", "--progress", "off", "--run-id", "abrt0001", "--summary", sum,
			"--threshold", "error_rate<10%;abort", "--threshold", "requests>=1", "--threshold-window", "5s",
			"--cleanup=false") // the failing target would fail the cleanup too (exit 1)
		done <- result{code, stdout, stderr}
	}()
	// Healthy first; once the VUs are busy, the target fails every request.
	deadline := time.Now().Add(30 * time.Second)
	for simUsers(t, target.URL, "admin", "abrt0001") < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the run created no users within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := target.Service.SetFaults(usersvc.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(80 * time.Second):
		t.Fatal("the run was not stopped by its ;abort threshold")
	}
	if !strings.Contains(r.stderr, "threshold error_rate<10% failed over the last 5s") {
		t.Fatalf("no abort message; exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	var s summary.Summary
	data, err := os.ReadFile(sum)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary: %v", err)
	}
	if s.State != "stopped" || s.DurationSeconds >= 85 {
		t.Fatalf("state %s after %vs; want stopped well before --duration 90s", s.State, s.DurationSeconds)
	}
	ab := s.Thresholds[0]
	if !ab.Aborted || !ab.AbortOnFail || ab.Pass || ab.Window == nil || ab.Window.Failed == 0 || ab.Window.Worst < 0.1 {
		t.Fatalf("abort threshold = %+v window %+v", ab, ab.Window)
	}
	if ok := s.Thresholds[1]; !ok.Pass || ok.Aborted {
		t.Fatalf("requests>=1 = %+v", ok)
	}
	if r.code != ExitThreshold {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, ExitThreshold, r.stderr)
	}
}

// `trafficsim run --remote-write-url` lands the run in a real Prometheus:
// the pushed request count equals the summary's, the threshold gauge is there.
func TestRunRemoteWriteIntoPrometheus(t *testing.T) {
	prom := promtest.StartReceiver(t)
	target := startTarget(t)
	sum := filepath.Join(t.TempDir(), "summary.json")
	code, stdout, stderr := cli(t, "run", "--base-url", target.URL, "--users", "4",
		"--min-request-count", "20", "--max-request-count", "20", "--delay-min", "0", "--delay-max", "5",
		"--progress", "off", "--run-id", "rwcli001", "--summary", sum,
		"--threshold", "p95<10s", "--threshold", "error_rate<0%",
		"--remote-write-url", prom+"/api/v1/write", "--remote-write-interval", "200ms", "--remote-write-label", "shard=0")
	if code != ExitThreshold { // error_rate<0% cannot hold
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var s summary.Summary
	data, err := os.ReadFile(sum)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary: %v", err)
	}
	promtest.Poll(t, prom, `sum(trafficsim_requests_total{run="rwcli001",job="trafficsim",shard="0"})`, promtest.One(float64(s.Requests)))
	promtest.Poll(t, prom, `trafficsim_threshold_passing{run="rwcli001",threshold="p95<10s"}`, promtest.One(1))
	promtest.Poll(t, prom, `trafficsim_threshold_passing{run="rwcli001",threshold="error_rate<0%"}`, promtest.One(0))
	promtest.Poll(t, prom, `sum(trafficsim_request_duration_seconds_count{run="rwcli001"})`, promtest.One(float64(s.Requests)))
}

// TestThresholdReportShowsTheRealExitCode: a failed threshold in a run that
// exits 1 (here the target does not answer) is reported with the 1 the
// process exits with, not the thresholds' 3.
func TestThresholdReportShowsTheRealExitCode(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--base-url", "http://127.0.0.1:1", "--skip-check", "--users", "1", "--progress", "off",
		"--threshold", "requests>100")
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, ExitFailure, stderr)
	}
	if !strings.Contains(stdout, "FAIL requests>100: observed 0\n  1 of 1 failed (exit code 1, which takes precedence over the thresholds' 3)\n") {
		t.Fatalf("the threshold section does not show exit code 1:\n%s", stdout)
	}
}

// TestThresholdsOnPlainRequestGroups: a plain scenario's thresholds, from the
// command line and the file, may be scoped to its requests' groups and are
// judged on that group's requests alone; a group the scenario has not is
// refused before anything is sent, naming the groups it has.
func TestThresholdsOnPlainRequestGroups(t *testing.T) {
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		if r.URL.Path == "/broken" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	sc := filepath.Join(dir, "plain.yaml")
	if err := os.WriteFile(sc, []byte("requests:\n  - {name: list_items, path: /items, group: items}\n  - {name: broken, path: /broken, group: broken}\n"+
		"thresholds:\n  - error_rate{group=items}<1%\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(dir, "summary.json")
	var stdout string
	run := func(thresholds ...string) (int, string) {
		args := []string{"run", "--base-url", srv.URL, "--scenario", sc, "--users", "2", "--min-request-count", "20", "--max-request-count", "20",
			"--delay-min", "0", "--delay-max", "0", "--progress", "off", "--seed", "3", "--summary", sum}
		for _, th := range thresholds {
			args = append(args, "--threshold", th)
		}
		code, out, stderr := cli(t, args...)
		stdout = out
		return code, stderr
	}
	code, stderr := run("p95{group=itmes}<1s")
	if code != ExitUsage || !strings.Contains(stderr, `--threshold: threshold "p95{group=itmes}<1s": unknown group "itmes"; use one of items, broken`) || sent.Load() != 0 {
		t.Fatalf("unknown group: exit %d, %d requests sent\n%s", code, sent.Load(), stderr)
	}
	code, stderr = run("error_rate{group=broken}>=99%", "requests{group=items}>=1")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// The report of a plain run shows its own groups, and nothing of user-service
	// journeys it never had (groups at 0%, token operations, archetypes).
	if !regexp.MustCompile(`(?m)^Groups +(broken|items) \d+\.\d% · (broken|items) \d+\.\d%$`).MatchString(stdout) ||
		strings.Contains(stdout, "Tokens") || strings.Contains(stdout, "Archetypes") {
		t.Errorf("a plain run's report:\n%s", stdout)
	}
	var s summary.Summary
	data, err := os.ReadFile(sum)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary: %v", err)
	}
	got := map[string]float64{}
	for _, r := range s.Thresholds {
		if !r.Pass || r.Scope.Group == "" {
			t.Errorf("threshold %+v", r)
		}
		got[r.Expr] = r.Observed
	}
	// Over all requests the error rate is about a half; each group's is its own.
	if len(got) != 3 || got["error_rate{group=broken}>=99%"] != 1 || got["error_rate{group=items}<1%"] != 0 || got["requests{group=items}>=1"] >= 40 {
		t.Errorf("observed %v (requests %d, unexpected %d)", got, s.Requests, s.Unexpected)
	}
}
