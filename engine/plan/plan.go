// Package plan sizes a run before it starts (trafficsim plan): the spec's tier
// for the number of users, the memory and CPU the engine needs, and how many
// shards on machines of a given size, from per-VU and per-request costs —
// recorded (docs/benchmarks.md) or measured by a short calibration run.
package plan

import (
	"fmt"
	"math"
	"time"

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

// MinProcessMemory is the least memory an engine process needs to start: the
// least --max-memory trafficsim run takes, and so the least --max-memory plan
// recommends.
const MinProcessMemory = 64 << 20

// MaxShards is the most shards a run splits into: the largest N of
// trafficsim run --shard i/N (beyond it a value is a typo), and so the most
// plan recommends.
const MaxShards = 10_000

// MaxMemoryShare is --max-memory's share of a shard's memory limit: the soft
// limit sits below the hard one.
const MaxMemoryShare = 0.9

// MinMachineMemory is the least machine memory plan sizes for: a memory limit
// whose MaxMemoryShare is MinProcessMemory.
var MinMachineMemory = int64(math.Ceil(float64(MinProcessMemory)/MaxMemoryShare/(1<<20))) << 20

// CheckMaxMemory is trafficsim run's check of --max-memory (bytes; 0: none).
func CheckMaxMemory(b int64) error {
	if b != 0 && b < MinProcessMemory {
		return fmt.Errorf("%s is below the %s an engine needs to start; use e.g. 512MiB or 2GiB", Size(b), Size(MinProcessMemory))
	}
	return nil
}

// Input is what the run will be.
type Input struct {
	Users         int
	Rate          float64 // requests per second the run will send; 0: Users × Costs.RequestsPerVUSec
	Scenario      string
	Plain         bool // the scenario sends plain requests, not user journeys
	MachineCPUs   float64
	MachineMemory int64 // bytes
	// MeanThink is a VU's mean think time (trafficsim run's (--delay-min +
	// --delay-max)/2): with it, the requests a shard's VUs have on the wire
	// (capacity.Need), which --max-memory must hold.
	MeanThink time.Duration
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

// Make computes the plan. An error says which flag makes the run impossible
// and what would do (trafficsim plan exits 2 with it).
func Make(in Input, c Costs) (Plan, error) {
	if in.Users < 1 {
		return Plan{}, fmt.Errorf("--users: %d: plan at least 1 user", in.Users)
	}
	if !(in.MachineCPUs > 0) {
		return Plan{}, fmt.Errorf("--machine-cpus: %v: give a positive number of CPUs", in.MachineCPUs)
	}
	if in.MachineMemory < MinMachineMemory {
		return Plan{}, fmt.Errorf("--machine-memory: %s: an engine process needs --max-memory %s at least, %.0f%% of its memory limit; give --machine-memory %s or more, e.g. 8GiB",
			Size(in.MachineMemory), FlagSize(MinProcessMemory), MaxMemoryShare*100, FlagSize(MinMachineMemory))
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
	cpuRoom := in.MachineCPUs * CPUHeadroom
	if c.BaseCPUCores >= cpuRoom {
		return Plan{}, fmt.Errorf("--machine-cpus: %v: an engine process's own work takes %.3f cores, more than the %.0f%% of a machine a shard is planned to use; give --machine-cpus %g or more",
			in.MachineCPUs, c.BaseCPUCores, CPUHeadroom*100, minCPUs(c.BaseCPUCores+c.CPUPerRequestSec*rps/MaxShards))
	}
	// Each shard carries its own base CPU and memory.
	byCPU := math.Ceil(rps * c.CPUPerRequestSec / (cpuRoom - c.BaseCPUCores))
	usable := float64(in.MachineMemory)*MemoryHeadroom - float64(c.BaseMemoryBytes)
	if usable <= 0 {
		return Plan{}, fmt.Errorf("--machine-memory: %s leaves nothing for VUs after the engine's %s at %.0f%% of the machine; give --machine-memory %s or more",
			Size(in.MachineMemory), Size(c.BaseMemoryBytes), MemoryHeadroom*100, FlagSize(int64(float64(c.BaseMemoryBytes)/MemoryHeadroom)+1<<20))
	}
	byMem := math.Ceil(float64(in.Users) * float64(c.MemoryPerVUBytes) / usable)
	// Whatever the costs, no shard may hold more than its process's ceiling.
	p.MaxUsersPerProcess = Measured.MaxUsers(int64(float64(in.MachineMemory)*MemoryHeadroom), !in.Plain, MinInFlight(in.Users))
	if p.MaxUsersPerProcess < 1 {
		return Plan{}, fmt.Errorf("--machine-memory: %s holds no VU at the measured footprint (%s base + %.0f KiB per request on the wire, %d at once, at %.0f%% of the machine); give --machine-memory %s or more",
			Size(in.MachineMemory), Size(Measured.BaseBytes), float64(Measured.InFlightBytes)/1024, MinInFlight(in.Users), MemoryHeadroom*100,
			FlagSize(int64(float64(Measured.Bytes(1, !in.Plain, MinInFlight(in.Users)))/MemoryHeadroom)+1<<20))
	}
	byCeiling := math.Ceil(float64(in.Users) / float64(p.MaxUsersPerProcess))
	shards := max(byCPU, byMem, byCeiling, 1)
	shards = min(shards, float64(in.Users))
	// A shard's --max-memory must hold its VUs with the requests they have on
	// the wire, as trafficsim run counts them, within its share of the machine.
	for shards <= MaxShards && shards < float64(in.Users) && shardNeed(in, int(shards)) > maxMemoryOf(in.MachineMemory) {
		shards++
	}
	if shards > MaxShards {
		return Plan{}, fmt.Errorf("%d users need at least %.0f shards on machines of %v CPUs and %s, more than the %d trafficsim run takes (--shard i/N); give bigger machines: --machine-cpus %g and --machine-memory %s would do",
			in.Users, shards, in.MachineCPUs, Size(in.MachineMemory), MaxShards,
			max(in.MachineCPUs, minCPUs(c.BaseCPUCores+rps/MaxShards*c.CPUPerRequestSec)), FlagSize(max(in.MachineMemory, minMemory(in, c))))
	}
	p.Shards = int(shards)
	per := (in.Users + p.Shards - 1) / p.Shards
	p.PerShard = Shard{
		Users:          per,
		RequestsPerSec: round(rps/float64(p.Shards), 1),
		MemoryBytes:    c.BaseMemoryBytes + int64(per)*c.MemoryPerVUBytes,
		CPUCores:       round(c.BaseCPUCores+rps/float64(p.Shards)*c.CPUPerRequestSec, 3),
	}
	p.Commands = commands(p)
	// --max-memory: the estimate with half again to spare, at least what run
	// counts for the shard and never below what run takes; the limit above
	// it, within the machine.
	flag := max(int64(float64(p.PerShard.MemoryBytes)*1.5*MaxMemoryShare), shardNeed(in, p.Shards), MinProcessMemory)
	flagMiB := mebi(min(flag, maxMemoryOf(in.MachineMemory)))
	limitMiB := min(max(mebi(int64(float64(p.PerShard.MemoryBytes)*1.5)), int64(math.Ceil(float64(flagMiB)/MaxMemoryShare))), in.MachineMemory>>20)
	p.Kubernetes = Kubernetes{
		Completions: p.Shards, Parallelism: p.Shards,
		CPURequest:    fmt.Sprintf("%dm", int(math.Ceil(max(p.PerShard.CPUCores, 0.1)*1000))),
		MemoryRequest: fmt.Sprintf("%dMi", min(mebi(p.PerShard.MemoryBytes), limitMiB)),
		MemoryLimit:   fmt.Sprintf("%dMi", limitMiB),
		MaxMemoryFlag: FlagSize(flagMiB << 20),
	}
	return p, nil
}

// maxMemoryOf is the most --max-memory a shard on a machine of memory bytes
// is given (whole MiB): MaxMemoryShare of the machine.
func maxMemoryOf(memory int64) int64 {
	return int64(float64(memory)*MaxMemoryShare) >> 20 << 20
}

// shardNeed is what trafficsim run counts for one shard of a plan of shards:
// its VUs and the requests they have on the wire (capacity.Need, without an
// open-file limit), at the measured footprint.
func shardNeed(in Input, shards int) int64 {
	per := (in.Users + shards - 1) / shards
	return Measured.Bytes(per, !in.Plain, capacity.Need(per, shards, in.MeanThink))
}

// minCPUs is the machine CPUs at which a shard's cores fit the headroom.
func minCPUs(cores float64) float64 {
	return math.Ceil(cores/CPUHeadroom*1000) / 1000
}

// minMemory is the machine memory at which MaxShards shards hold the run.
func minMemory(in Input, c Costs) int64 {
	per := (in.Users + MaxShards - 1) / MaxShards
	recorded := float64(c.BaseMemoryBytes+int64(per)*c.MemoryPerVUBytes) / MemoryHeadroom
	measured := float64(shardNeed(in, MaxShards)) / MaxMemoryShare
	m := (int64(max(recorded, measured, float64(MinMachineMemory))) + 1<<20 - 1) >> 20 << 20
	for maxMemoryOf(m) < shardNeed(in, MaxShards) { // maxMemoryOf rounds down
		m += 1 << 20
	}
	return m
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

// FlagSize renders bytes as a flag's value in whole MiB, rounded up: 72MiB.
func FlagSize(b int64) string { return fmt.Sprintf("%dMiB", mebi(b)) }

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
