package runner

import (
	"sync"

	"github.com/trafficsim/trafficsim/engine/behaviour"
)

// crew runs a load model's VUs on the run's step workers (behaviour.Steps),
// under every load model, with no goroutine of their own: a thinking VU is
// its record and a timer, a VU the ramp or the stages leave out is a
// registration in the gate. Each of its places holds one VU at a time — a
// slot of the closed model, a VU of the open model's pool — so a stop finds
// every VU parked in a pause there.
type crew struct {
	steps *behaviour.Steps
	wg    sync.WaitGroup // the places in use
	// mu orders a VU's Start against a stop's StopParked: Start sets what
	// StopParked reads.
	mu  sync.Mutex
	vus []*behaviour.VU // by place
}

// newCrew makes a crew of places VUs whose steps run on at most workers
// goroutines (a VU has at most one step queued).
func newCrew(places, workers int) *crew {
	return &crew{steps: behaviour.NewSteps(workers, places), vus: make([]*behaviour.VU, places)}
}

// start starts v in place k; end is called once when it is over (maybe
// within start, so end must not start a VU itself: Steps.Queue).
func (c *crew) start(k int, v *behaviour.VU, end func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vus[k] = v
	v.Start(c.steps, end)
}

// stopParked ends the VUs parked in a pause; the others end as their step
// (or the gate's release) sees the stop.
func (c *crew) stopParked() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.vus {
		if v != nil {
			v.StopParked()
		}
	}
}

// close ends the workers, once the VUs are over.
func (c *crew) close() { c.steps.Close() }
