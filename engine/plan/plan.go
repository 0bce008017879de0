// Package plan sizes a run before it starts (trafficsim plan): the spec's tier
// for the number of users, the memory and CPU the engine needs, and how many
// shards on machines of a given size, from per-VU and per-request costs —
// recorded (docs/benchmarks.md) or measured by a short calibration run.
package plan

import (
	"fmt"
	"math"

	"github.com/trafficsim/trafficsim/engine/capacity"
)

// Costs are what one engine process spends.
type Costs struct {
	Source           string  `json:"source"`              // "recorded" (docs/benchmarks.md) or "calibrated"
	BaseMemoryBytes  int64   `json:"base_memory_bytes"`   // a process with no VUs
	MemoryPerVUBytes int64   `json:"memory_per_vu_bytes"` // RSS per journey VU
	BaseCPUCores     float64 `json:"base_cpu_cores"`      // a running process's own work (timers, GC, the poller)
	CPUPerRequestSec float64 `json:"cpu_per_request_seconds"`
	// RequestsPerVUSec is what one VU sends per second at the scenario's think
	// times (closed model).
	RequestsPerVUSec float64 `json:"requests_per_vu_per_second"`
}

// Recorded are the figures of docs/benchmarks.md "Planning": trafficsim run
// of the mixed scenario at its default think times against a separate
// reference target for 40 s. Peak RSS (the start-up burst of registrations and
// logins sets it): 30 MiB plus 38 KiB per VU, fitted on the 500- and 2,000-VU
// runs. CPU: 0.045 cores of the process's own work plus 56 µs per request,
// fitted on the 500- and 1,000-VU runs. A VU sends 1.1 requests per second
// while the target keeps up.
var Recorded = Costs{
	Source:           "recorded (docs/benchmarks.md)",
	BaseMemoryBytes:  30 << 20,
	MemoryPerVUBytes: 38 << 10,
	BaseCPUCores:     0.045,
	CPUPerRequestSec: 56e-6,
	RequestsPerVUSec: 1.1,
}

// Headroom: a shard is planned to use at most this share of its machine, so
// the engine stays below saturation (engine/generator flags CPU ≥ 90%).
const (
	CPUHeadroom    = 0.7
	MemoryHeadroom = 0.8
)

// Input is what the run will be.
type Input struct {
	Users         int
	Rate          float64 // requests per second the run will send; 0: Users × Costs.RequestsPerVUSec
	Scenario      string
	Plain         bool // the scenario sends plain requests, not user journeys
	MachineCPUs   float64
	MachineMemory int64 // bytes
}

// Plan is the answer.
type Plan struct {
	Tier           string  `json:"tier"`
	Users          int     `json:"users"`
	Scenario       string  `json:"scenario"`
	RequestsPerSec float64 `json:"requests_per_second"`
	MemoryBytes    int64   `json:"memory_bytes"` // the whole run, one process
	CPUCores       float64 `json:"cpu_cores"`
	Machine        Machine `json:"machine"`
	Shards         int     `json:"shards"`
	PerShard       Shard   `json:"per_shard"`
	// MaxUsersPerProcess is the most thinking VUs one process holds on such a
	// machine at the measured footprint (Measured): the ceiling `trafficsim
	// run` checks each process's part against.
	MaxUsersPerProcess int        `json:"max_users_per_process"`
	Commands           []string   `json:"commands"`
	Kubernetes         Kubernetes `json:"kubernetes"`
	Costs              Costs      `json:"costs"`
}

// Machine is the size of one machine the shards run on.
type Machine struct {
	CPUs        float64 `json:"cpus"`
	MemoryBytes int64   `json:"memory_bytes"`
}

// Shard is what one shard needs.
type Shard struct {
	Users          int     `json:"users"`
	RequestsPerSec float64 `json:"requests_per_second"`
	MemoryBytes    int64   `json:"memory_bytes"`
	CPUCores       float64 `json:"cpu_cores"`
}

// Kubernetes is the Indexed Job of deploy/kubernetes/shards-job.yaml sized for
// the plan.
type Kubernetes struct {
	Completions   int    `json:"completions"`
	Parallelism   int    `json:"parallelism"`
	CPURequest    string `json:"cpu_request"`
	MemoryRequest string `json:"memory_request"`
	MemoryLimit   string `json:"memory_limit"`
	MaxMemoryFlag string `json:"max_memory_flag"` // --max-memory for each shard, below the limit
}

// Tier is the spec's scale tier for a number of concurrent users.
func Tier(users int) string {
	switch {
	case users <= 100:
		return "small"
	case users <= 1000:
		return "medium"
	case users <= 10000:
		return "large"
	}
	return "enterprise"
}

// Make computes the plan.
func Make(in Input, c Costs) (Plan, error) {
	if in.Users < 1 {
		return Plan{}, fmt.Errorf("users: %d: plan at least 1 user", in.Users)
	}
	if in.MachineCPUs <= 0 || in.MachineMemory <= 0 {
		return Plan{}, fmt.Errorf("machine: %v CPUs, %d bytes: give a positive size", in.MachineCPUs, in.MachineMemory)
	}
	rps := in.Rate
	if rps <= 0 {
		rps = float64(in.Users) * c.RequestsPerVUSec
	}
	p := Plan{
		Tier: Tier(in.Users), Users: in.Users, Scenario: in.Scenario, RequestsPerSec: round(rps, 1),
		MemoryBytes: c.BaseMemoryBytes + int64(in.Users)*c.MemoryPerVUBytes,
		CPUCores:    round(c.BaseCPUCores+rps*c.CPUPerRequestSec, 3),
		Machine:     Machine{CPUs: in.MachineCPUs, MemoryBytes: in.MachineMemory},
		Costs:       c,
	}
	byCPU := math.Ceil(p.CPUCores / (in.MachineCPUs * CPUHeadroom))
	// Each shard carries its own base memory.
	usable := float64(in.MachineMemory)*MemoryHeadroom - float64(c.BaseMemoryBytes)
	if usable <= 0 {
		return Plan{}, fmt.Errorf("machine memory %s leaves nothing for VUs after the engine's %s", Size(in.MachineMemory), Size(c.BaseMemoryBytes))
	}
	byMem := math.Ceil(float64(in.Users) * float64(c.MemoryPerVUBytes) / usable)
	// Whatever the costs, no shard may hold more than its process's ceiling.
	p.MaxUsersPerProcess = Measured.MaxUsers(int64(float64(in.MachineMemory)*MemoryHeadroom), !in.Plain, MinInFlight(in.Users))
	if p.MaxUsersPerProcess < 1 {
		return Plan{}, fmt.Errorf("machine memory %s holds no VU at the measured footprint (%s base)", Size(in.MachineMemory), Size(Measured.BaseBytes))
	}
	byCeiling := math.Ceil(float64(in.Users) / float64(p.MaxUsersPerProcess))
	p.Shards = int(max(byCPU, byMem, byCeiling, 1))
	p.Shards = min(p.Shards, in.Users)
	per := (in.Users + p.Shards - 1) / p.Shards
	p.PerShard = Shard{
		Users:          per,
		RequestsPerSec: round(rps/float64(p.Shards), 1),
		MemoryBytes:    c.BaseMemoryBytes + int64(per)*c.MemoryPerVUBytes,
		CPUCores:       round(c.BaseCPUCores+rps/float64(p.Shards)*c.CPUPerRequestSec, 3),
	}
	p.Commands = commands(p)
	limit := int64(float64(p.PerShard.MemoryBytes) * 1.5)
	p.Kubernetes = Kubernetes{
		Completions: p.Shards, Parallelism: p.Shards,
		CPURequest:    fmt.Sprintf("%dm", int(math.Ceil(max(p.PerShard.CPUCores, 0.1)*1000))),
		MemoryRequest: fmt.Sprintf("%dMi", mebi(p.PerShard.MemoryBytes)),
		MemoryLimit:   fmt.Sprintf("%dMi", mebi(limit)),
		MaxMemoryFlag: fmt.Sprintf("%dMiB", mebi(int64(float64(limit)*0.9))),
	}
	return p, nil
}

func commands(p Plan) []string {
	scen := ""
	if p.Scenario != "" && p.Scenario != "mixed" {
		scen = " --scenario " + p.Scenario
	}
	if p.Shards == 1 {
		return []string{fmt.Sprintf("trafficsim run --users %d%s", p.Users, scen)}
	}
	var out []string
	for i := range p.Shards {
		out = append(out, fmt.Sprintf("trafficsim run --users %d%s --run-id RUNID --seed 42 --shard %d/%d --start-at START --summary summary-%d.json",
			p.Users, scen, i, p.Shards, i))
	}
	return append(out, "trafficsim merge summary-*.json")
}

func mebi(b int64) int64 { return (b + 1<<20 - 1) >> 20 }

// Size renders bytes as MiB or GiB.
func Size(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", mebi(b))
}

func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

// Footprint is what one engine process holds in memory at the default flags,
// measured with VUs that think (bench/run.sh s and j, docs/benchmarks.md
// "Memory per virtual user"): a base, the RSS per thinking VU — plain-request
// scenarios and user journeys — and the RSS per request on the wire (its
// connection's buffers and the sending goroutine's stack). The runner checks a
// run against it before starting (the per-process ceiling), and plan reports
// the same ceiling: one source of numbers.
type Footprint struct {
	BaseBytes      int64 `json:"base_bytes"`
	PlainVUBytes   int64 `json:"plain_vu_bytes"`
	JourneyVUBytes int64 `json:"journey_vu_bytes"`
	InFlightBytes  int64 `json:"in_flight_bytes"`
}

// Measured is the footprint recorded in docs/benchmarks.md ("Scale at the
// default flags", re-measured 2026-12-06 12:00 UTC with the step workers):
// plain VUs 1.53 KiB each in one process of 100,000, 1.48–1.53 KiB in each of
// four shards of 100,000, 1.15 KiB in one process of 1,000,000; journey VUs
// 3.1 KiB each in a process of 20,000 (1.8 KiB between 2,000 and 20,000).
// The worst of each, rounded up with a third to spare, is kept.
var Measured = Footprint{
	BaseBytes:      40 << 20,
	PlainVUBytes:   2 << 10,
	JourneyVUBytes: 4 << 10,
	InFlightBytes:  32 << 10,
}

// Bytes is the memory of a process running users VUs (journey: user
// journeys, else plain requests) with up to inFlight requests on the wire.
func (f Footprint) Bytes(users int, journey bool, inFlight int) int64 {
	per := f.PlainVUBytes
	if journey {
		per = f.JourneyVUBytes
	}
	return f.BaseBytes + int64(users)*per + int64(inFlight)*f.InFlightBytes
}

// MaxUsers is how many VUs fit in memory bytes, with inFlight requests on the
// wire (0 when not even the base fits).
func (f Footprint) MaxUsers(memory int64, journey bool, inFlight int) int {
	per := f.PlainVUBytes
	if journey {
		per = f.JourneyVUBytes
	}
	left := memory - f.BaseBytes - int64(inFlight)*f.InFlightBytes
	if left <= 0 {
		return 0
	}
	return int(left / per)
}

// MinInFlight is the requests on the wire a process of users thinking VUs is
// planned with: the engine's least burst (engine/capacity.MinBurst), at most
// one per VU.
func MinInFlight(users int) int { return min(users, capacity.MinBurst) }
