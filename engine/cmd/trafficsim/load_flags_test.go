package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/summary"
)

func TestLoadFlagValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
		msg  string
	}{
		{[]string{"--ramp-up", "soon"}, "--ramp-up", "duration"},
		{[]string{"--stages", "30s"}, "--stages", "DURATION:TARGET"},
		{[]string{"--stages", "30s:-4"}, "--stages", "whole number"},
		{[]string{"--stages", "30s:0"}, "--stages", "target is 0"},
		{[]string{"--stages", "10s:5", "--ramp-up", "5s"}, "--ramp-up", "either"},
		{[]string{"--rate", "fast"}, "--rate", "arrivals per second"},
		{[]string{"--rate", "10/h"}, "--rate", "/s or /m"},
		{[]string{"--rate", "10/s"}, "--duration", "--duration"},
		{[]string{"--rate", "10/s", "--duration", "1m", "--stages", "10s:5"}, "--stages", "exclude"},
		{[]string{"--rate-stages", "10s:5/x"}, "--rate-stages", "stage 1"},
		{[]string{"--rate-stages", "10s:0/s"}, "--rate", "0 throughout"},
		{[]string{"--max-vus", "5"}, "--max-vus", "open model"},
		{[]string{"--rate", "0/s", "--duration", "1m"}, "--rate", "sends no arrivals"},
		{[]string{"--rate", "0", "--max-vus", "3"}, "--rate", "sends no arrivals"},
		{[]string{"--rate", "5/s", "--duration", "1m", "--max-vus", "-2"}, "--max-vus", "pre-allocated"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"run"}, tc.args...)...)
			if code != ExitUsage {
				t.Fatalf("exit code %d, want %d; stderr %q", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.flag+":") || !strings.Contains(stderr, tc.msg) {
				t.Errorf("error %q does not name %s with %q", stderr, tc.flag, tc.msg)
			}
		})
	}
}

// TestRunOpenModel runs the open model end to end through the CLI against the
// embedded target: 40 arrivals/s for 1s on a pool of 3 VUs; the summary and the
// final report carry the iterations and the dropped ones, which add up to the
// 40 arrivals the pacer scheduled.
func TestRunOpenModel(t *testing.T) {
	dir := t.TempDir()
	sum := filepath.Join(dir, "summary.json")
	code, stdout, stderr := cli(t, "run", "--scenario", "active_user", "--rate", "40/s", "--rate-stages", "1s:40/s",
		"--max-vus", "3", "--min-request-count", "3", "--max-request-count", "5", "--delay-min", "50", "--delay-max", "200",
		"--progress", "off", "--summary", sum)
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	data, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	l := s.Load
	if l == nil || l.Model != "open" || l.MaxVUs != 3 || l.Rate != 40 || len(l.RateStages) != 1 {
		t.Fatalf("load %+v", l)
	}
	if l.Iterations+l.DroppedIterations != 40 || l.DroppedIterations == 0 {
		t.Errorf("iterations %d + dropped %d, want 40 arrivals with some dropped", l.Iterations, l.DroppedIterations)
	}
	if !strings.Contains(stdout, "open model") || !strings.Contains(stdout, "dropped") || !strings.Contains(stdout, "service time") {
		t.Errorf("final report lacks the load model:\n%s", stdout)
	}
}
