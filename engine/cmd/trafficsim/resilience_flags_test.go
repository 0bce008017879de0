package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/summary"
)

func TestResilienceFlagValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--max-rps", "-5"}, "--max-rps"},
		{[]string{"--max-in-flight", "-1"}, "--max-in-flight"},
		{[]string{"--breaker-failure-ratio", "1.5"}, "--breaker-failure-ratio"},
		{[]string{"--breaker-min-requests", "0"}, "--breaker-min-requests"},
		{[]string{"--breaker-cooldown", "0s"}, "--breaker-cooldown"},
		{[]string{"--timeout-floor", "1m", "--timeout-cap", "10s"}, "--timeout-floor"},
		{[]string{"--timeout-factor", "0.5"}, "--timeout-factor"},
		{[]string{"--backoff-base", "10s", "--backoff-max", "1s"}, "--backoff-max"},
		{[]string{"--backoff-base", "-1s"}, "--backoff-base"},
		{[]string{"--backoff-base", "0s"}, "--backoff-base"},
		{[]string{"--degrade", "--degrade-interval", "1ms"}, "--degrade-interval"},
		// Refused with --degrade off too (a tiny run should it be taken).
		{[]string{"--degrade-interval", "0s", "--users", "1", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0"}, "--degrade-interval: 0s: want at least 10ms, e.g. 2s"},
		{[]string{"--max-rps", "lots"}, "--max-rps"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"run"}, tc.args...)...)
			if code != ExitUsage {
				t.Fatalf("exit code %d, want %d; stderr %q", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.flag) {
				t.Errorf("error %q does not name %s", stderr, tc.flag)
			}
		})
	}
}

// TestRunResilienceInReport runs the embedded target with a rate cap and
// degradation on: the report has the Resilience section and the summary the
// resilience object with the settings in force.
func TestRunResilienceInReport(t *testing.T) {
	sum := filepath.Join(t.TempDir(), "summary.json")
	code, stdout, stderr := cli(t, "run", "--users", "4", "--min-request-count", "10", "--max-request-count", "20",
		"--delay-min", "0", "--delay-max", "5", "--progress", "off", "--summary", sum, "--seed", "3",
		"--max-rps", "200", "--degrade", "--max-in-flight", "3")
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "Resilience: breakers on, adaptive timeouts on, rate cap 200/s, max in flight 3") ||
		!strings.Contains(stdout, "degradation: now ") {
		t.Errorf("report lacks the resilience section:\n%s", stdout)
	}
	var s summary.Summary
	data, err := os.ReadFile(sum)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary: %v", err)
	}
	r := s.Resilience
	if r == nil || !r.Breakers || !r.AdaptiveTimeouts || r.MaxRPS != 200 || r.MaxInFlight != 3 || r.Degradation == nil || len(r.Circuits) == 0 {
		t.Fatalf("summary resilience: %+v", r)
	}
}

func TestLiveBreakers(t *testing.T) {
	s := runner.Snapshot{Breakers: []resilience.BreakerStatus{
		{Group: "admin", State: "half_open"}, {Group: "auth", State: "open"}, {Group: "profile", State: "open"}}}
	if got, want := liveBreakers(s), "open: auth, profile · half-open: admin"; got != want {
		t.Errorf("liveBreakers = %q, want %q", got, want)
	}
	if got := liveBreakers(runner.Snapshot{}); got != "" {
		t.Errorf("liveBreakers with every breaker closed = %q, want empty", got)
	}
}
