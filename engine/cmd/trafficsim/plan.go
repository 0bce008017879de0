package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/plan"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func init() { subcommands = append(subcommands, newPlanCmd) }

type planOptions struct {
	users     int
	rate      string
	scenario  string
	cpus      float64
	memory    sizeValue
	output    string
	calibrate bool
}

func newPlanCmd() *cobra.Command {
	o := planOptions{scenario: "mixed", cpus: float64(runtime.NumCPU()), memory: sizeValue(8 << 30), output: "text"}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Size a run: tier, memory, CPU, shards",
		Long: `plan sizes a run before it starts: the tier for its number of users (small ≤ 100,
medium ≤ 1,000, large ≤ 10,000, enterprise above), the memory and CPU the engine needs,
and how many shards on machines of the given size — with the --shard commands and the
Kubernetes Indexed Job's completions and resources (deploy/kubernetes). The figures come
from recorded per-VU and per-request costs (docs/benchmarks.md), or with --calibrate from
a short run on this machine against the embedded target. See docs/cli.md#trafficsim-plan.`,
		Example: `  trafficsim plan --users 5000
  trafficsim plan --users 50000 --machine-cpus 4 --machine-memory 8GiB --output json
  trafficsim plan --users 2000 --scenario power_user --calibrate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.IntVar(&o.users, "users", 0, "concurrent virtual users of the run (required)")
	f.StringVar(&o.rate, "rate", "", "requests per second the run will send, e.g. 2000/s or 2000 (default: what --users VUs send at the scenario's think times)")
	f.StringVar(&o.scenario, "scenario", o.scenario, "scenario of the run (built-in name or file)")
	f.Float64Var(&o.cpus, "machine-cpus", o.cpus, "CPUs of one machine the shards run on")
	f.Var(&o.memory, "machine-memory", "memory of one machine the shards run on, e.g. 8GiB")
	f.StringVar(&o.output, "output", o.output, "text or json")
	f.BoolVar(&o.calibrate, "calibrate", false, "measure the request rate per VU and the CPU per request with a 10 s run of 100 VUs against the embedded target on this machine instead of the recorded figures")
	return cmd
}

func (o *planOptions) run(cmd *cobra.Command) error {
	if o.users < 1 || o.users > runner.MaxUsers {
		return usageError(fmt.Errorf("--users: %d: give the run's users, 1 to %d", o.users, runner.MaxUsers))
	}
	if o.output != "text" && o.output != "json" {
		return usageError(fmt.Errorf("--output: %q: use text or json", o.output))
	}
	rate := 0.0
	if o.rate != "" {
		// The syntax of trafficsim run's --rate: 2000/s, 90/m or a bare number per second.
		v, err := loadshape.ParseRate(o.rate)
		if err != nil {
			return usageError(fmt.Errorf("--rate: %w", err))
		}
		if !(v > 0) {
			return usageError(fmt.Errorf("--rate: %q: give a positive rate of requests, e.g. 2000/s or 90/m", o.rate))
		}
		rate = v
	}
	sc, err := scenario.Load(o.scenario)
	if err != nil {
		return usageError(fmt.Errorf("--scenario: %w", err))
	}
	costs := plan.Recorded
	if o.calibrate {
		fmt.Fprintln(cmd.ErrOrStderr(), "calibrating: 100 VUs for 10 s against the embedded target …")
		c, err := calibrate(cmd.Context(), o.scenario)
		if err != nil {
			return &exitError{code: ExitFailure, err: fmt.Errorf("calibrate: %w", err)}
		}
		costs = c
	}
	// The commands run at run's default think times.
	def := runner.DefaultConfig()
	meanThink := (def.DelayMin + def.DelayMax) / 2
	p, err := plan.Make(plan.Input{Users: o.users, Rate: rate, Scenario: o.scenario, Plain: sc.Plain, MachineCPUs: o.cpus, MachineMemory: int64(o.memory), MeanThink: meanThink}, costs)
	if err != nil {
		return usageError(err)
	}
	if o.output == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	writePlan(cmd.OutOrStdout(), p)
	return nil
}

func writePlan(w io.Writer, p plan.Plan) {
	fmt.Fprintf(w, "Plan for %d users · scenario %s · tier %s\n\n", p.Users, p.Scenario, p.Tier)
	fmt.Fprintf(w, "Load        %.0f requests/s\n", p.RequestsPerSec)
	fmt.Fprintf(w, "Needs       %s of memory · %.2f CPU cores (one process)\n", plan.Size(p.MemoryBytes), p.CPUCores)
	fmt.Fprintf(w, "Machines    %g CPUs · %s each\n", p.Machine.CPUs, plan.Size(p.Machine.MemoryBytes))
	fmt.Fprintf(w, "Shards      %d × (%d users, %.0f requests/s, %s, %.2f cores)\n", p.Shards, p.PerShard.Users,
		p.PerShard.RequestsPerSec, plan.Size(p.PerShard.MemoryBytes), p.PerShard.CPUCores)
	f := plan.Measured
	fmt.Fprintf(w, "Ceiling     %d thinking VUs per process on such a machine (%s + %.1f KiB per plain VU, %.1f KiB per journey VU; what trafficsim run checks)\n\n",
		p.MaxUsersPerProcess, plan.Size(f.BaseBytes), float64(f.PlainVUBytes)/1024, float64(f.JourneyVUBytes)/1024)
	fmt.Fprintln(w, "Commands")
	for _, c := range p.Commands {
		fmt.Fprintln(w, "  "+c)
	}
	k := p.Kubernetes
	fmt.Fprintf(w, "\nKubernetes  deploy/kubernetes/shards-job.yaml: completions %d, parallelism %d (SHARDS=%d in run-config.yaml);\n",
		k.Completions, k.Parallelism, k.Completions)
	fmt.Fprintf(w, "            resources requests cpu %s, memory %s; limits memory %s; args --max-memory %s\n",
		k.CPURequest, k.MemoryRequest, k.MemoryLimit, k.MaxMemoryFlag)
	c := p.Costs
	fmt.Fprintf(w, "\nCosts (%s): %s + %.1f KiB per VU; %.3f cores + %.0f µs of CPU per request; %.2f requests/s per VU\n",
		c.Source, plan.Size(c.BaseMemoryBytes), float64(c.MemoryPerVUBytes)/1024, c.BaseCPUCores, c.CPUPerRequestSec*1e6, c.RequestsPerVUSec)
}

// calibrate runs 100 VUs of the scenario for 10 s against the embedded target
// (bcrypt cost 4, so logins do not dominate) and measures the request rate per
// VU and the process CPU per request. The CPU includes the embedded target's:
// an upper bound of the engine's own. Memory per VU keeps the recorded figure
// (100 VUs are too few to measure it against the process's base).
func calibrate(ctx context.Context, scen string) (plan.Costs, error) {
	const users, dur = 100, 10 * time.Second
	cfg := runner.DefaultConfig()
	cfg.Users, cfg.Scenario, cfg.Duration = users, scen, dur
	cfg.MinRequests, cfg.MaxRequests = 100000, 100000
	r, err := runner.New(cfg, runner.WithTargetConfig(func(c *usersvc.Config) { c.BcryptCost = 4 }))
	if err != nil {
		return plan.Costs{}, err
	}
	cpu0 := generator.ProcessCPU()
	r.Run(ctx)
	cpu := generator.ProcessCPU() - cpu0
	s := r.Summary()
	if s.State == "failed" || s.Requests == 0 {
		return plan.Costs{}, fmt.Errorf("the calibration run %s with %d requests: %s", s.State, s.Requests, s.Error)
	}
	c := plan.Recorded
	c.Source = fmt.Sprintf("calibrated on this machine (%d requests in %.1f s; CPU includes the embedded target)", s.Requests, s.DurationSeconds)
	c.RequestsPerVUSec = float64(s.Requests) / s.DurationSeconds / users
	c.BaseCPUCores = 0 // in the per-request figure
	c.CPUPerRequestSec = cpu.Seconds() / float64(s.Requests)
	return c, nil
}
