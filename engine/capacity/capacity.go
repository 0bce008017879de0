// Package capacity is what this machine lets one engine process hold: its
// open-file limit (raised to the hard limit at start), the memory available,
// and the budget of connections a run may open under that limit. The costs
// per VU it is checked against are engine/plan's (one source of numbers).
package capacity

import (
	"fmt"
	"math"
	"time"
)

// Files is the process's open-file limit.
type Files struct {
	Soft, Hard uint64 // 0: unknown (not a unix system), no limit applied
	Raised     bool   // the soft limit was raised to Soft at start
}

// Reserve is what the engine keeps of the open-file limit for itself: the
// metrics listener and its scrapes, the summary and log files, the resolver,
// the embedded target's listener, the Go runtime's own descriptors.
const Reserve = 128

// Budget is how many connections a run may have open at once under the soft
// limit: Soft less Reserve, halved when the target runs in the same process
// (each connection is then two descriptors, the client's and the server's).
// 0 when the limit is unknown: no limit.
func (f Files) Budget(embedded bool) int {
	if f.Soft == 0 {
		return 0
	}
	b := int64(f.Soft) - Reserve
	if embedded {
		b /= 2
	}
	return int(max(b, 0))
}

// Conns is how a run's connections are bounded.
type Conns struct {
	InFlight int // requests on the wire at once (the resilience policy's cap)
	IdleEach int // idle keep-alive connections each endpoint group's pool keeps
}

// MinInFlight is the fewest requests on the wire a run is allowed to be
// capped to by the open-file limit; below it the limit is too low to run.
const MinInFlight = 16

// MinBurst is the fewest requests the run's needs put on the wire at once:
// enough for any start-up burst to move (a VU waiting for its turn is not
// timed; a request on the wire is), few enough that a one-core target answers
// each of them in well under a timeout.
const MinBurst = 512

// AssumedLatency is the answer time Need assumes before the run has measured
// any: long for a loopback target, short for a slow one.
const AssumedLatency = time.Second

// Need is how many requests a process's VUs (slots; one of shards processes
// of the run) have on the wire at once when each thinks meanThink between
// requests and an answer takes AssumedLatency: every VU without think time,
// else their share of the time spent waiting for answers — at least the
// process's share of MinBurst, which is the whole run's (and at most slots).
func Need(slots, shards int, meanThink time.Duration) int {
	if meanThink <= 0 {
		return slots
	}
	floor := max(MinInFlight, (MinBurst+max(shards, 1)-1)/max(shards, 1))
	share := float64(AssumedLatency) / float64(AssumedLatency+meanThink)
	return min(slots, max(floor, int(math.Ceil(float64(slots)*share))))
}

// PlanConns bounds a run's connections: at most need requests on the wire
// (Need; slots, the VUs that can send at once, when 0), and — with a known budget — busy plus
// idle connections of all pools within it: each of the pools (a limited
// endpoint group's own, and the one the others share) keeps at most IdleEach
// idle (at most 1024, and at most a quarter of the budget over the pools),
// and the in-flight cap is what is left. asked is
// --max-in-flight (0: chosen here); an asked cap over the budget is an error
// that names the limit and the fix.
func PlanConns(slots, need, pools, asked int, budget int) (Conns, error) {
	if need <= 0 {
		need = slots
	}
	idle := min(max(slots, 16), 1024)
	if budget == 0 {
		c := Conns{InFlight: need, IdleEach: idle}
		if asked > 0 {
			c.InFlight = asked
		}
		return c, nil
	}
	pools = max(pools, 1)
	idle = max(min(idle, budget/4/pools), 1)
	left := budget - idle*pools
	if asked > 0 {
		if asked > left {
			return Conns{}, fmt.Errorf("--max-in-flight %d needs as many connections, but the open-file limit leaves %d for requests on the wire: lower --max-in-flight to %d or raise the limit (ulimit -n, or LimitNOFILE= for a systemd service)", asked, max(left, 0), max(left, 0))
		}
		return Conns{InFlight: asked, IdleEach: idle}, nil
	}
	if left < MinInFlight {
		return Conns{}, fmt.Errorf("the open-file limit leaves room for %d connections, too few to run (at least %d on the wire plus the idle ones): raise it (ulimit -n, or LimitNOFILE= for a systemd service)", budget, MinInFlight)
	}
	inFlight := min(need, left)
	// A group never has more connections busy at once than the cap: keeping
	// more idle would hold memory (two 4 KiB buffers each) for nothing.
	return Conns{InFlight: inFlight, IdleEach: min(idle, inFlight)}, nil
}
