package plan

import (
	"strings"
	"testing"
)

func TestTiers(t *testing.T) {
	for users, want := range map[int]string{1: "small", 100: "small", 101: "medium", 1000: "medium", 1001: "large", 10000: "large", 10001: "enterprise"} {
		if got := Tier(users); got != want {
			t.Errorf("Tier(%d) = %s, want %s", users, got, want)
		}
	}
}

func TestShardsFollowTheScarcerResource(t *testing.T) {
	c := Costs{BaseMemoryBytes: 30 << 20, MemoryPerVUBytes: 38 << 10, CPUPerRequestSec: 100e-6, RequestsPerVUSec: 1}
	// Memory-bound: 100,000 VUs × 38 KiB = 3.6 GiB on 1 GiB machines (0.8 usable, less the base).
	p, err := Make(Input{Users: 100000, MachineCPUs: 64, MachineMemory: 1 << 30}, c)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tier != "enterprise" || p.Shards != 5 || p.PerShard.Users != 20000 || float64(p.PerShard.MemoryBytes) > 0.8*(1<<30) {
		t.Errorf("memory-bound plan: tier %s, %d shards of %+v", p.Tier, p.Shards, p.PerShard)
	}
	// CPU-bound: 50,000 requests/s × 100 µs = 5 cores on 2-CPU machines at 70%: 4 shards.
	p, err = Make(Input{Users: 1000, Rate: 50000, MachineCPUs: 2, MachineMemory: 64 << 30}, c)
	if err != nil {
		t.Fatal(err)
	}
	if p.CPUCores != 5 || p.Shards != 4 || p.PerShard.CPUCores != 1.25 {
		t.Errorf("CPU-bound plan: %.2f cores, %d shards of %+v", p.CPUCores, p.Shards, p.PerShard)
	}
	if len(p.Commands) != 5 || !strings.Contains(p.Commands[3], "--shard 3/4") || !strings.HasPrefix(p.Commands[4], "trafficsim merge") {
		t.Errorf("commands %q", p.Commands)
	}
	k := p.Kubernetes
	if k.Completions != 4 || k.Parallelism != 4 || k.CPURequest != "1250m" || k.MemoryRequest == "" || k.MaxMemoryFlag == "" {
		t.Errorf("kubernetes %+v", k)
	}
	// Small runs: one process, one plain command.
	p, err = Make(Input{Users: 50, MachineCPUs: 2, MachineMemory: 1 << 30}, c)
	if err != nil || p.Shards != 1 || len(p.Commands) != 1 || p.Commands[0] != "trafficsim run --users 50" {
		t.Errorf("small plan %+v, %v", p, err)
	}
	if _, err := Make(Input{Users: 10, MachineCPUs: 1, MachineMemory: 16 << 20}, c); err == nil {
		t.Error("a machine smaller than the engine's base memory was accepted")
	}
}

// The per-process ceiling is the measured footprint's, the figure trafficsim
// run checks each process against: it splits a run the other costs would not.
func TestCeilingFromTheMeasuredFootprint(t *testing.T) {
	c := Costs{BaseMemoryBytes: 1 << 20, MemoryPerVUBytes: 1, CPUPerRequestSec: 1e-9, RequestsPerVUSec: 1}
	mem := int64(16 << 30) // 10,000,000 plain VUs do not fit in one process of it
	p, err := Make(Input{Users: 10_000_000, Plain: true, MachineCPUs: 64, MachineMemory: mem}, c)
	if err != nil {
		t.Fatal(err)
	}
	want := Measured.MaxUsers(int64(float64(mem)*MemoryHeadroom), false, MinInFlight(10_000_000))
	if p.MaxUsersPerProcess != want || p.PerShard.Users > want || p.Shards < 2 {
		t.Errorf("ceiling %d (want %d), %d shards of %d users", p.MaxUsersPerProcess, want, p.Shards, p.PerShard.Users)
	}
	j, err := Make(Input{Users: 10_000_000, MachineCPUs: 64, MachineMemory: mem}, c)
	wantJ := Measured.MaxUsers(int64(float64(mem)*MemoryHeadroom), true, MinInFlight(10_000_000))
	if err != nil || j.MaxUsersPerProcess != wantJ || j.PerShard.Users > wantJ {
		t.Errorf("journey VUs: ceiling %d (want %d), %d shards of %d users (%v)", j.MaxUsersPerProcess, wantJ, j.Shards, j.PerShard.Users, err)
	}
}
