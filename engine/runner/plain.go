package runner

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
func (r *Runner) preparePlain() {
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
func (r *Runner) plainStep(name string) (int, bool) {
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
// function continues the VU on a fresh goroutine, so the deep stack of a
// net/http call is not kept alive while it waits. Exactly one party continues
// a parked VU: the timer or the stop, whichever wins parked's CAS.
type plainVU struct {
	timer  *time.Timer
	parked atomic.Bool
	next   int           // the request to send when the timer fires
	done   chan struct{} // closed when the VU is over
}

// runPlain is the life of a VU of a plain scenario: requests picked by weight,
// with think time, until the budget is spent or the run stops. It blocks until
// then; its own goroutine parks with a small stack while the requests are
// sent by others.
func (v *vu) runPlain() {
	rec := v.r.rec.Load()
	rec.AssignArchetype(scenario.PlainArchetype)
	v.setState(metrics.VUActive)
	v.limit = v.budget
	p := &plainVU{done: make(chan struct{})}
	p.timer = time.AfterFunc(time.Hour, v.wake)
	p.timer.Stop()
	v.pl = p
	go v.plainLoop()
	select {
	case <-p.done:
	case <-v.r.stopCh:
		if p.parked.CompareAndSwap(true, false) {
			p.timer.Stop()
			v.setState(metrics.VUActive)
			close(p.done)
		}
		<-p.done
	}
	v.setState(metrics.VUDone)
}

// wake continues a VU whose pause is over (on the timer's goroutine).
func (v *vu) wake() {
	if !v.pl.parked.CompareAndSwap(true, false) {
		return // the stop took over
	}
	v.setState(metrics.VUActive)
	v.plainRequest(v.pl.next)
	v.plainLoop()
}

// plainLoop sends requests until a pause, the end of the budget or a stop.
func (v *vu) plainLoop() {
	ps := v.r.plain
	for v.sent < v.budget && !v.stopping() {
		i := ps.pick(v.rng)
		st := &ps.steps[i]
		if d := st.think.Draw(v.rng, v.r.cfg.DelayMin, v.r.cfg.DelayMax, v.pace); d > 0 {
			v.setState(metrics.VUThinking)
			v.pl.next = i
			v.pl.parked.Store(true)
			v.pl.timer.Reset(d)
			return
		}
		v.plainRequest(i)
	}
	close(v.pl.done)
}

// plainRequest sends the plain request i within the VU's budget and records
// it; false when nothing was sent (budget spent, stopping, no session).
func (v *vu) plainRequest(i int) bool {
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
	res := r.client.DoPlain(r.reqCtx, st.req, &vars, token)
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
		Start:    res.Start,
		Latency:  res.Latency,
	})
	if !r.sc.Plain {
		// Journeys steer the mix and the error share over every request.
		r.steer.count(-1, res.Status)
	}
	if st.auth && res.Status == 401 && st.expect != 401 {
		v.access = ""
	}
	return true
}
