package runner

import (
	"fmt"
	"sync"

	"github.com/trafficsim/trafficsim/engine/capacity"
	"github.com/trafficsim/trafficsim/engine/plan"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// openFiles raises the open-file soft limit to the hard one, once per
// process (the first run or check does it).
var openFiles = sync.OnceValue(capacity.RaiseOpenFiles)

// MaxDials is how many connections a run opens at once at most: a start-up
// burst of 100,000 VUs opens its connections in waves a target's listen
// queue takes (client.Options.MaxDials).
const MaxDials = 256

// Capacity is what a run needs of this process and this machine, and what
// they have: decided before any VU starts.
type Capacity struct {
	Files     capacity.Files
	Conns     capacity.Conns // the in-flight cap and the idle connections per group
	VUs       int            // this process's VUs (its shard's part)
	Journey   bool           // user journeys (else plain requests)
	NeedBytes int64          // memory of the process at plan.Measured's footprint
	Available int64          // what the machine (or --max-memory) leaves; 0: unknown
}

// CheckCapacity sizes the run's connections under the open-file limit (raised
// to the hard limit first) and checks that this process's part of the run
// fits in the memory available, at the footprint measured per thinking VU
// (plan.Measured): a run that cannot fit fails here, before it starts, with
// the limit and the fix, not through thousands of failed requests.
// maxInFlight is --max-in-flight (0: chosen from the limit); maxMemory is
// --max-memory (0: none); embedded says the target runs in this process.
// An error is a *FieldError.
func (c Config) CheckCapacity(maxInFlight int, maxMemory int64, embedded bool) (Capacity, error) {
	sc, _, err := c.load()
	if err != nil {
		return Capacity{}, err
	}
	c = c.withLoad(sc.Load)
	p := newLoadPlan(c, sc)
	return c.capacity(sc, p, maxInFlight, maxMemory, embedded)
}

func (c Config) capacity(sc *scenario.Scenario, p *loadPlan, maxInFlight int, maxMemory int64, embedded bool) (Capacity, error) {
	k := Capacity{Files: openFiles(), Journey: !sc.Plain}
	k.VUs = p.slots
	switch {
	case p.open:
		k.VUs = p.pool
	case c.Shard.Count > 1:
		k.VUs = (p.slots - c.Shard.Index + c.Shard.Count - 1) / c.Shard.Count
	}
	need := capacity.Need(k.VUs, max(c.Shard.Count, 1), (c.DelayMin+c.DelayMax)/2)
	conns, err := capacity.PlanConns(k.VUs, need, runPools(c.network(sc).MaxConnsPerGroup), maxInFlight, k.Files.Budget(embedded))
	if err != nil {
		field := "users"
		if maxInFlight > 0 {
			field = "max_in_flight"
		}
		return k, &FieldError{Field: field, Message: err.Error()}
	}
	k.Conns = conns
	k.NeedBytes = plan.Measured.Bytes(k.VUs, k.Journey, conns.InFlight)
	k.Available = capacity.AvailableMemory()
	if maxMemory > 0 && (k.Available == 0 || maxMemory < k.Available) {
		k.Available = maxMemory
	}
	if k.Available > 0 && k.NeedBytes > k.Available {
		return k, &FieldError{Field: "users", Message: k.tooBig(c)}
	}
	return k, nil
}

// tooBig says why the run does not fit and what to change.
func (k Capacity) tooBig(c Config) string {
	kind, per := "plain", plan.Measured.PlainVUBytes
	if k.Journey {
		kind, per = "journey", plan.Measured.JourneyVUBytes
	}
	fits := plan.Measured.MaxUsers(k.Available, k.Journey, k.Conns.InFlight)
	part := ""
	if c.Shard.Count > 1 {
		part = fmt.Sprintf(" (shard %s's part of %d)", c.Shard, c.Users)
	}
	return fmt.Sprintf("%d %s VUs%s need about %s in this process (%s + %.1f KiB per VU + %.0f KiB per request on the wire, %d at once; docs/benchmarks.md) but %s is available (the machine's available memory, or --max-memory): this process holds about %d; split the run over processes or machines with --shard i/N (each runs 1/N of --users), or ask fewer --users",
		k.VUs, kind, part, plan.Size(k.NeedBytes), plan.Size(plan.Measured.BaseBytes), float64(per)/1024,
		float64(plan.Measured.InFlightBytes)/1024, k.Conns.InFlight, plan.Size(k.Available), fits)
}

// runPools counts the connection pools the run opens: each limited endpoint
// group's own and the one the other groups share (engine/client.pool).
func runPools(limits map[string]int) int {
	return len(limits) + 1
}
