package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/plan"
)

func TestPlanCommand(t *testing.T) {
	code, out, errOut := cli(t, "plan", "--users", "20000", "--machine-cpus", "2", "--machine-memory", "512MiB", "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if p.Tier != "enterprise" || p.Shards < 2 || p.Kubernetes.Completions != p.Shards || len(p.Commands) != p.Shards+1 {
		t.Errorf("plan %+v", p)
	}
	code, out, _ = cli(t, "plan", "--users", "500")
	if code != ExitOK || !strings.Contains(out, "tier medium") || !strings.Contains(out, "Kubernetes") {
		t.Errorf("text plan, exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{
		{"plan"}, {"plan", "--users", "10", "--output", "yaml"}, {"plan", "--users", "10", "--machine-cpus", "0"},
		{"plan", "--users", "10", "--rate", "fast"}, {"plan", "--users", "10", "--scenario", "nope"},
	} {
		if code, _, _ := cli(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

func TestPlanCalibrate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 100 VUs for 10 s")
	}
	code, out, errOut := cli(t, "plan", "--users", "1000", "--calibrate", "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Costs.Source, "calibrated") || p.Costs.RequestsPerVUSec <= 0 || p.Costs.CPUPerRequestSec <= 0 || p.CPUCores <= 0 {
		t.Errorf("calibrated plan %+v", p)
	}
	t.Logf("calibrated costs %+v", p.Costs)
}
