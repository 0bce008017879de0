package behaviour

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// plainSet is a scenario's plain requests compiled against the run's client.
type plainSet struct {
	steps  []plainStep
	byName map[string]int
	cum    []float64 // cumulative weights, for plain scenarios
}

type plainStep struct {
	req    *client.PlainRequest
	think  scenario.Shape
	expect int
	auth   bool
}

// preparePlain compiles the scenario's requests (nil when it has none).
func (r *Shared) preparePlain() {
	if len(r.sc.Requests) == 0 {
		return
	}
	ps := &plainSet{byName: map[string]int{}}
	var sum float64
	for i, q := range r.sc.Requests {
		req, err := r.client.NewPlain(q.Spec)
		if err != nil {
			panic(err) // validated with the scenario; the base URL is literal text
		}
		ps.steps = append(ps.steps, plainStep{req: req, think: r.sc.Think[q.Think], expect: q.Expect, auth: q.Auth})
		ps.byName[q.Name] = i
		sum += q.Weight
		ps.cum = append(ps.cum, sum)
	}
	r.plain = ps
}

// plainStep finds a plain request by name.
func (r *Shared) plainStep(name string) (int, bool) {
	if r.plain == nil {
		return 0, false
	}
	i, found := r.plain.byName[name]
	return i, found
}

// pick draws a request by weight.
func (ps *plainSet) pick(rng *rand.Rand) int {
	if len(ps.cum) == 1 {
		return 0
	}
	x := rng.Float64() * ps.cum[len(ps.cum)-1]
	for i, c := range ps.cum {
		if x < c {
			return i
		}
	}
	return len(ps.cum) - 1
}

// plainVU is what a VU of a plain scenario needs besides the vu struct. A
// thinking plain VU has no goroutine of its own: its pause is a timer whose
// function queues the VU's continuation on the step workers, so no goroutine
// stack is kept alive while it waits. Exactly one party continues a parked
// VU: the timer or the stop, whichever wins parked's CAS.
type plainVU struct {
	// snd reuses requests and the timeout timer when the VU sends back to back
	// (no think time in the run); nil otherwise, so thinking VUs hold none.
	snd    *client.Sender
	timer  *time.Timer
	parked atomic.Bool
	next   int    // the request to send when the timer fires
	end    func() // called once when the VU is over, by whoever ends it
	steps  *Steps // started by Start: the workers its steps run on
	wake   func() // v.wake, queued on steps when the pause is over
	cont   func() // v.cont, queued on steps when the VU yields its worker
}

// setupPlain makes a plain VU's record for Start: its timer queues the VU's
// wake-up on steps; end is called once when the VU is over, its state done.
func (v *VU) setupPlain(steps *Steps, end func()) {
	p := &plainVU{steps: steps, wake: v.wake, cont: v.cont}
	p.end = func() {
		if p.snd != nil {
			p.snd.Release()
		}
		v.traceEndSession()
		v.setState(metrics.VUDone)
		end()
	}
	p.timer = time.AfterFunc(time.Hour, func() { steps.submit(p.wake) })
	p.timer.Stop()
	v.pl = p
}

// beginPlain begins a plain VU's life, once the load model includes it.
func (v *VU) beginPlain() {
	v.r.rec.Load().AssignArchetype(scenario.PlainArchetype)
	v.setState(metrics.VUActive)
	v.limit = v.budget
	if v.r.cfg.DelayMax == 0 {
		v.pl.snd = v.r.client.NewSender(v.r.reqCtx)
	}
}

// stopParked ends a VU parked in a pause; false when it is not parked (then
// the goroutine sending for it ends it).
func (v *VU) stopParked() bool {
	p := v.pl
	if p == nil || !p.parked.CompareAndSwap(true, false) {
		return false
	}
	p.timer.Stop()
	v.heldOff()
	v.setState(metrics.VUActive)
	p.end()
	return true
}

// wake continues a VU whose pause is over (on a worker of its steps).
func (v *VU) wake() {
	if !v.pl.parked.CompareAndSwap(true, false) {
		return // the stop took over
	}
	v.heldOff()
	v.setState(metrics.VUActive)
	v.cont()
}

// cont sends the request the VU is due to send and goes on.
func (v *VU) cont() {
	v.plainRequest(v.pl.next)
	v.plainLoop()
}

// plainLoop sends requests until a pause, the load model's gate, the end of
// the budget or a stop.
func (v *VU) plainLoop() {
	ps := v.r.plain
	for v.sent < v.budget {
		if v.left() && v.hold(v.pl.steps, v.plainLoop) {
			return // the gate has it now: back here when it lets the VU on
		}
		if v.stopping() {
			break
		}
		i := ps.pick(v.rng)
		st := &ps.steps[i]
		d := st.think.Draw(v.rng, v.r.cfg.DelayMin, v.r.cfg.DelayMax, v.pace)
		if v.sent == 0 {
			d = 0 // think time is between requests: the first goes out at once
		}
		d = v.holdOff(d, st.req.Group) // unless the VU or the group must hold off
		if d <= 0 && v.sent > 0 && v.pl.steps.crowded() {
			v.pl.next = i // no pause, but others wait for a worker: queue up behind them
			v.pl.steps.submit(v.pl.cont)
			return
		}
		if d > 0 {
			v.setState(metrics.VUThinking)
			v.pl.next = i
			v.pl.parked.Store(true)
			if v.r.load.open {
				v.intended = time.Now().Add(d - v.off.d) // open model: a late wake-up and a hold-off count
			}
			v.pl.timer.Reset(d)
			if v.stopping() {
				v.stopParked() // the stop came as it parked: it may have looked already
			}
			return
		}
		v.plainRequest(i)
	}
	v.pl.end()
}

// plainRequest sends the plain request i within the VU's budget and records
// it; false when nothing was sent (budget spent, stopping, no session).
func (v *VU) plainRequest(i int) bool {
	r := v.r
	st := &r.plain.steps[i]
	token := ""
	if st.auth {
		if !v.ensureSession() {
			return false
		}
		token = v.access
	}
	if v.sent >= v.limit || v.sent >= v.budget || v.stopping() {
		return false
	}
	v.sent++
	v.sentAtomic.Store(int32(v.sent))
	vars := client.TemplateVars{VU: v.idx, Seq: v.sent, Rand: v.rng.Uint32() >> 1, Run: r.cfg.RunID}
	intended := v.takeIntended()
	vars.Trace = v.traceStart(st.req.Group, st.req.Method, st.req.Route)
	var res client.Result
	if v.pl != nil && v.pl.snd != nil {
		res = v.pl.snd.Do(st.req, &vars, token)
	} else {
		res = r.client.DoPlain(r.reqCtx, st.req, &vars, token)
	}
	traceID := v.traceFinish(vars.Trace, &res)
	if res.Status > 0 {
		v.answered(res.Latency)
	}
	expected := res.ErrKind == "" && (st.expect == 0 && res.Status >= 100 && res.Status < 400 || res.Status == st.expect)
	kind := res.ErrKind
	if kind == "" && !expected && res.Status >= 400 {
		kind = "unexpected_status"
	}
	r.rec.Load().Record(metrics.Sample{
		VU:       v.idx,
		Group:    st.req.Group,
		Method:   st.req.Method,
		Route:    st.req.Route,
		Status:   res.Status,
		Expected: expected,
		ErrKind:  kind,
		Err:      res.Err,
		Start:    res.Start,
		Latency:  res.Latency,
		Intended: intended,
		TraceID:  traceID,
		Slot:     plainSlot(i),
	})
	if r.debugReq {
		v.logRequest(st.req.Group, st.req.Method, st.req.Route, &res)
	}
	if !r.sc.Plain {
		// Journeys steer the mix and the error share over every request.
		r.steer.count(-1, res.Status)
	}
	if st.auth && res.Status == 401 && st.expect != 401 {
		v.access = ""
	}
	return true
}
