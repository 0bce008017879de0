package behaviour

import "github.com/trafficsim/trafficsim/engine/metrics"

// Gate holds VUs the load model does not include yet (ramp-up, stages) —
// as a registration, not a blocked goroutine.
type Gate interface {
	// Holds reports whether the model leaves the VU of index idx out now.
	Holds(idx int) bool
	// Hold parks VU idx until the model includes it: false when it includes
	// it already (wake is not called); else true, and wake is called once,
	// on another goroutine, when the target rises past the VU or the run
	// stops.
	Hold(idx int, wake func()) bool
}

// left reports whether the load model leaves the VU out now. Callers ask it
// before hold, so that hold's continuation (a method value: a heap
// allocation) is made only for a VU that parks, not at every step.
func (v *VU) left() bool {
	g := v.r.load.gate
	return g != nil && g.Holds(v.idx)
}

// hold parks the VU that the load model leaves out (left) in its gate: true
// when parked — the caller's step ends there, and then runs on a worker of
// steps once the model includes the VU or the run stops (then checks for the
// stop itself). A VU parked in the gate has no goroutine.
func (v *VU) hold(steps *Steps, then func()) bool {
	g := v.r.load.gate
	prev := v.state
	if prev == "" {
		prev = metrics.VUActive // not started yet
	}
	v.setState(metrics.VUParked) // before Hold: the wake may run at once
	if g.Hold(v.idx, func() {
		steps.submit(func() {
			v.setState(prev)
			then()
		})
	}) {
		return true
	}
	v.setState(prev) // the target rose meanwhile
	return false
}
