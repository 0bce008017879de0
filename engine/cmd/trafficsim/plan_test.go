package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/plan"
	"github.com/trafficsim/trafficsim/engine/runner"
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

// TestPlanRecommendsWhatRunTakes runs plan and puts every command it
// recommends, with the Kubernetes --max-memory, through trafficsim run's own
// flag parsing and validation (runOptions.config, the capacity check
// included): plan never recommends what run refuses.
func TestPlanRecommendsWhatRunTakes(t *testing.T) {
	for _, args := range [][]string{
		{"--users", "100"},
		{"--users", "10", "--machine-cpus", "0.1"},
		{"--users", "10", "--rate", "5/m"},
		{"--users", "1000", "--machine-memory", "72MiB"},
		{"--users", "20000", "--machine-memory", "512MiB"},
		{"--users", "3000", "--scenario", "load_test", "--machine-cpus", "0.2", "--machine-memory", "128MiB"},
		{"--users", "10000000", "--machine-cpus", "64", "--machine-memory", "256MiB"},
	} {
		code, out, errOut := cli(t, append([]string{"plan", "--output", "json"}, args...)...)
		if code != ExitOK {
			t.Errorf("plan %v: exit %d: %s", args, code, errOut)
			continue
		}
		var p plan.Plan
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("plan %v: %v\n%s", args, err, out)
		}
		if p.Shards > runner.MaxShards {
			t.Errorf("plan %v: %d shards", args, p.Shards)
		}
		limit, err := parseSize(p.Kubernetes.MemoryLimit)
		if err != nil || limit > p.Machine.MemoryBytes {
			t.Errorf("plan %v: memory limit %s (%v) above the machine's %d bytes", args, p.Kubernetes.MemoryLimit, err, p.Machine.MemoryBytes)
		}
		flag, err := parseSize(p.Kubernetes.MaxMemoryFlag)
		if err != nil || float64(flag) > float64(limit)*plan.MaxMemoryShare {
			t.Errorf("plan %v: --max-memory %s (%v) not below the limit %s", args, p.Kubernetes.MaxMemoryFlag, err, p.Kubernetes.MemoryLimit)
		}
		// The first and last shard's commands (the only one when unsharded).
		cmds := p.Commands
		if p.Shards > 1 {
			cmds = []string{cmds[0], cmds[p.Shards-1]}
		}
		for _, c := range cmds {
			fields := strings.Fields(c)
			if len(fields) < 2 || fields[0] != "trafficsim" || fields[1] != "run" {
				t.Fatalf("plan %v: command %q", args, c)
			}
			runArgs := append(fields[2:], "--max-memory", p.Kubernetes.MaxMemoryFlag)
			for i, a := range runArgs {
				switch a {
				case "RUNID":
					runArgs[i] = "plan0001"
				case "START":
					runArgs[i] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
				}
			}
			o, cmd := runCommand()
			if err := cmd.ParseFlags(runArgs); err != nil {
				t.Errorf("plan %v: run %v: %v", args, runArgs, err)
				continue
			}
			if _, err := o.config(); err != nil {
				t.Errorf("plan %v: run %v refused: %v", args, runArgs, err)
			}
		}
	}
}

// TestPlanSaysWhatCannotBe asks plan for machines that cannot hold the run:
// it exits 2 naming the flag and a value, and plan with that value succeeds.
func TestPlanSaysWhatCannotBe(t *testing.T) {
	fix := regexp.MustCompile(`give (?:bigger machines: )?(--machine-cpus \S+)?(?: and )?(--machine-memory [0-9]+MiB)?`)
	for _, args := range [][]string{
		{"--users", "10", "--machine-cpus", "0.001"},
		{"--users", "1000", "--machine-memory", "64MiB"},
		{"--users", "10000000", "--machine-cpus", "0.001", "--machine-memory", "100MiB"},
		{"--users", "10000000", "--machine-cpus", "1", "--machine-memory", "72MiB"},
	} {
		code, _, errOut := cli(t, append([]string{"plan"}, args...)...)
		m := fix.FindStringSubmatch(errOut)
		if code != ExitUsage || m == nil || m[1]+m[2] == "" {
			t.Errorf("plan %v: exit %d, want %d naming the flag and the fix: %s", args, code, ExitUsage, errOut)
			continue
		}
		fixed := append([]string{}, args...)
		for _, f := range m[1:] {
			if name, value, ok := strings.Cut(f, " "); ok {
				fixed = append(fixed, name, value)
			}
		}
		if code, _, errOut := cli(t, append([]string{"plan"}, fixed...)...); code != ExitOK {
			t.Errorf("plan %v (the fix of %q): exit %d: %s", fixed, m[0], code, errOut)
		}
	}
}
