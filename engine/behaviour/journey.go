package behaviour

import (
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// A journey VU's life — sessions of its archetype's journey, weighted actions
// and a logout — is a resumable record rather than sequential code: advance
// runs the VU from where it is until its next pause (a think time) or its
// end, and says how long the pause is and what comes after it. Start runs it
// on the run's step workers and parks it on a timer between actions, so a
// thinking journey VU is this record, its struct and a timer, and no
// goroutine stack. Where the load model leaves the VU out (ramp-up, stages),
// advance stops at a resumable point and the gate continues it from there.

// phase is where a journey VU is.
type phase uint8

const (
	phBegin        phase = iota // not started: the start jitter next
	phSessionTop                // the session loop's test
	phSessionPark               // after the pause between sessions
	phSessionStart              // a session begins
	phJourney                   // journey step j.i next
	phWeighted                  // the weighted-actions loop's test
	phWeightedDone              // after one weighted action
	phFinal                     // the last request of the session
	phSessionEnd                // the session is over
	phOver                      // the VU is done
)

// pending is what a VU does when its pause ends.
type pending uint8

const (
	doNothing  pending = iota
	doStep             // act(j.name): a journey step or weighted action
	doMistake          // mistake(j.name)
	doLastCall         // the session's last request: logout, or a login
)

// journey is the resumable record of a journey VU (its small fields first:
// the struct packs without padding).
type journey struct {
	phase     phase
	next      pending // after the pause
	onStop    phase   // where a stop during the pause leads
	after     phase   // where the VU goes once it has acted
	completed bool    // the journey ran to its end in this session
	lag       bool    // the pause is a think time (its lateness is observed)

	s      int // the session under way
	end    int // the session's request budget ends at end
	i      int // the next journey step
	idle   int // weighted actions in a row that sent nothing
	before int // sent before the weighted action under way

	name string // its action or mistake
	due  time.Time
}

// begin sets a journey VU up at the start of its life.
func (v *VU) begin() {
	v.r.rec.Load().AssignArchetype(v.arch.Name)
	v.setState(metrics.VUActive)
	v.j = journey{phase: phBegin}
}

// draw is the think time before an action of the class (none for the first
// action of an arrival, which goes out at its due time).
func (v *VU) draw(class string) time.Duration {
	if v.skipThink {
		v.skipThink = false
		return 0
	}
	if !v.thinks() {
		return v.r.cfg.DelayMin // Shape.Draw's answer without a range: no look-up of the class
	}
	return v.r.sc.Think[class].Draw(v.rng, v.r.cfg.DelayMin, v.r.cfg.DelayMax, v.pace)
}

// thinks reports a think range to draw pauses from (--delay-min < --delay-max).
func (v *VU) thinks() bool { return v.r.cfg.DelayMin < v.r.cfg.DelayMax }

// stepThink is a journey step's think class; without a think range it is
// not needed (draw), and not looked up.
func (v *VU) stepThink(step string) string {
	if !v.thinks() {
		return ""
	}
	return v.r.sc.StepThink(step)
}

// think arranges the action then to take after a think time of the class,
// and where the VU goes after it (after) or on a stop during the pause
// (onStop). It returns the pause (0: act now — then the caller goes on).
func (v *VU) think(class string, then pending, name string, after, onStop phase) time.Duration {
	d := v.draw(class)
	v.j.next, v.j.name, v.j.after, v.j.onStop, v.j.lag = then, name, after, onStop, true
	if then != doNothing {
		d = v.holdOff(d, "") // a request follows: not before the VU's hold-off ends
	}
	if d <= 0 {
		if v.stopping() {
			v.j.next, v.j.phase = doNothing, onStop
			return 0
		}
		if v.jt != nil && v.jt.steps.crowded() {
			// No pause, but others wait for a worker: queue up behind them
			// (journeyLoop); a VU that never pauses would keep its worker.
			v.jt.yield = true
			return yieldNow
		}
		v.takeAction()
		return 0
	}
	return d
}

// yieldNow is advance's answer when the VU yields its worker (parking.yield):
// any pause > 0, which journeyLoop does not take.
const yieldNow = time.Nanosecond

// takeAction takes the pending action and moves on.
func (v *VU) takeAction() {
	switch v.j.next {
	case doStep:
		v.act(v.j.name)
	case doMistake:
		v.mistake(v.j.name)
	case doLastCall:
		if v.loggedIn {
			v.logout()
		} else {
			// Spend the last request logging in: the session stays open for the next one.
			v.login()
		}
	}
	v.j.next = doNothing
	v.j.phase = v.j.after
}

// pause starts a pause of d (setting the VU thinking).
func (v *VU) pause(d time.Duration) {
	v.setState(metrics.VUThinking)
	v.j.due = time.Now().Add(d)
}

// resume ends a pause: ran out (true) or cut by a stop (false).
func (v *VU) resume(ranOut bool) {
	held := v.heldOff()
	if !ranOut {
		v.setState(metrics.VUActive)
		v.j.next, v.j.phase = doNothing, v.j.onStop
		return
	}
	if v.j.lag {
		v.r.gen.ObserveLag(time.Since(v.j.due)) // the wake-up's lateness, run queue included
	}
	v.setState(metrics.VUActive)
	if v.j.lag && v.r.load.open {
		v.intended = v.j.due.Add(-held) // a late timer and a hold-off are part of the latency
	}
	v.takeAction()
}

// advance runs the VU until its next pause (> 0), its end (over) or the
// load model's gate (heldInGate).
func (v *VU) advance() (d time.Duration, over bool) {
	j := &v.j
	for {
		switch j.phase {
		case phBegin:
			j.phase = phSessionTop
			// People do not all arrive at the same instant (ramp-up, stages and
			// arrivals spread the starts by themselves).
			if v.r.load.jitter && v.r.cfg.DelayMax > 0 {
				if d := time.Duration(v.rng.Int64N(int64(v.r.cfg.DelayMax) + 1)); d > 0 {
					j.next, j.after, j.onStop, j.lag = doNothing, phSessionTop, phSessionTop, false
					return d, false
				}
			}
		case phSessionTop:
			if j.s >= v.sessions || v.sent >= v.budget || v.stopping() {
				j.phase = phOver
				continue
			}
			if j.s == 0 {
				j.phase = phSessionStart
				continue
			}
			if d := v.think(scenario.ThinkPause, doNothing, "", phSessionPark, phOver); d > 0 {
				return d, false
			}
		case phSessionPark:
			if v.gated() {
				return heldInGate, false
			}
			j.phase = phSessionStart
			if v.stopping() {
				j.phase = phOver
			}
		case phSessionStart:
			if d := v.sessionPause(); d > 0 { // emergency degradation pauses new sessions
				j.next, j.after, j.onStop, j.lag = doNothing, phSessionStart, phOver, false
				return d, false
			}
			if !v.waitSession() {
				j.phase = phOver
				continue
			}
			share := (v.budget - v.sent) / (v.sessions - j.s)
			j.end = v.sent + max(share, 1)
			if j.s == v.sessions-1 {
				j.end = v.budget
			}
			v.limit = j.end - 1 // keep the last request for the logout
			v.journeyDone = false
			if j.s > 0 && v.arch.AccountPerSession {
				v.retireAccount()
			}
			j.completed, j.i, j.phase = true, 0, phJourney
		case phJourney:
			if j.i >= len(v.arch.Journey) {
				v.journeyDone, j.idle, j.phase = j.completed, 0, phWeighted
				continue
			}
			if v.sent >= v.limit || v.stopping() {
				j.completed = false
				j.i = len(v.arch.Journey)
				continue
			}
			step := v.arch.Journey[j.i]
			if j.s > 0 && !v.arch.AccountPerSession && (step == "signup" || step == "create_profile") {
				j.i++
				continue // done in the first session
			}
			if v.gated() {
				return heldInGate, false // back here when the gate lets the VU on
			}
			j.i++
			if v.stopping() {
				j.phase = phSessionEnd
				continue
			}
			if d := v.think(v.stepThink(step), doStep, step, phJourney, phSessionEnd); d > 0 {
				return d, false
			}
		case phWeighted:
			if v.sent < v.limit && v.gated() {
				return heldInGate, false
			}
			if v.sent >= v.limit || v.stopping() {
				v.limit = j.end
				j.phase = phFinal
				continue
			}
			j.before = v.sent
			if d := v.weighted(); d > 0 {
				return d, false
			}
		case phWeightedDone:
			j.phase = phWeighted
			if v.sent != j.before {
				j.idle = 0
				continue
			}
			// Nothing was sent (a precondition could not be met): make sure the VU
			// still progresses through its budget.
			if j.idle++; j.idle >= 3 {
				j.idle = 0
				if d := v.think(scenario.ThinkQuick, doStep, "list_users", phWeighted, phSessionEnd); d > 0 {
					return d, false
				}
			}
		case phFinal:
			if v.stopping() || v.sent >= j.end {
				j.phase = phSessionEnd
				continue
			}
			if d := v.think(scenario.ThinkRead, doLastCall, "", phSessionEnd, phSessionEnd); d > 0 {
				return d, false
			}
		case phSessionEnd:
			v.traceEndSession()
			j.s++
			j.phase = phSessionTop
		case phOver:
			// A session left open (stopped, or the budget ran out mid-way) ends here.
			v.endSession(false)
			v.setState(metrics.VUDone)
			return 0, true
		}
	}
}

// weighted chooses one weighted action — maybe a deliberate error, else an
// action of the group the run needs most — and takes it after its think time
// (the pause returned; 0: taken, or nothing to take).
func (v *VU) weighted() time.Duration {
	r := v.r
	adminIdx := 0
	if v.admin {
		adminIdx = 1
	}
	// Deliberate errors follow the scenario's kind weights; the group choice
	// below makes up for the groups they land in.
	if r.steer.wantError(v.rng) && !r.errKind[adminIdx].empty() {
		kind := r.errKind[adminIdx].pick(v.rng)
		// A degraded run sheds deliberate mistakes: the VU acts normally instead.
		if v.allowAction(kind.Group, "mistake") {
			return v.think(kind.Think, doMistake, kind.Name, phWeightedDone, phSessionEnd)
		}
	}
	allowed := r.mixAll
	if !v.admin {
		allowed[catalog.GroupIndex(catalog.GroupAdmin)] = false
	}
	v.filterGroups(&allowed) // open breakers: do something else
	g := r.steer.pickGroup(v.rng, &allowed)
	if g < 0 || r.actions[g].empty() {
		g = catalog.GroupIndex(catalog.GroupUserQuery)
		if r.actions[g].empty() {
			v.j.phase = phWeightedDone
			return 0
		}
	}
	a := r.actions[g].pick(v.rng)
	if !v.allowAction(a.Group, a.method) {
		// Shed by the degradation level: the user pauses instead of acting.
		return v.think(a.Think, doNothing, "", phWeightedDone, phSessionEnd)
	}
	return v.think(a.Think, doStep, a.Name, phWeightedDone, phSessionEnd)
}

// parking is a journey VU's timer while Start runs it: exactly one party
// continues a parked VU, the timer or the stop, whichever wins parked's CAS.
type parking struct {
	timer  *time.Timer
	parked atomic.Bool
	end    func()
	steps  *Steps
	wake   func() // v.wakeJourney, queued on steps when the pause is over
	cont   func() // v.contJourney, queued on steps when the VU yields its worker
	yield  bool   // advance stopped to let others have the worker
}

// Start starts the VU (plain or journey) on the workers of steps, with no
// goroutine of its own while it thinks or waits for the load model: between
// two actions it is its state and a timer, parked in the gate it is a
// registration there, and each action runs on a worker. end is called once
// when the VU is over, its state done. StopParked ends a VU parked in a
// pause at a stop; the gate ends those it holds.
func (v *VU) Start(steps *Steps, end func()) {
	// The record first: StopParked reads it from the goroutine that stops.
	if v.r.sc.Plain {
		v.setupPlain(steps, end)
	} else {
		jt := &parking{end: end, steps: steps, wake: v.wakeJourney, cont: v.contJourney}
		jt.timer = time.AfterFunc(time.Hour, func() { steps.submit(jt.wake) })
		jt.timer.Stop()
		v.jt = jt
	}
	v.launch(steps, end, false)
}

// launch begins the VU's life once the load model includes it (at once
// without ramp-up or stages); near --max-memory it does not start at all
// (counted by the generator). onWorker: called on a worker of steps, which
// goes on with the VU's first steps.
func (v *VU) launch(steps *Steps, end func(), onWorker bool) {
	if v.left() && v.hold(steps, func() { v.launch(steps, end, true) }) {
		return
	}
	if v.stopping() || !v.r.gen.AdmitVU() {
		v.setState(metrics.VUDone)
		end()
		return
	}
	first := v.journeyLoop
	if v.r.sc.Plain {
		v.beginPlain()
		first = v.plainLoop
	} else {
		v.begin()
	}
	if onWorker {
		first()
	} else {
		steps.submit(first)
	}
}

// gated parks a journey VU in the load model's gate where advance is; true
// when parked: advance returns heldInGate at once (the VU may already run on
// another worker), and journeyLoop takes it on from the same phase once the
// gate lets it on.
func (v *VU) gated() bool {
	return v.left() && v.hold(v.jt.steps, v.journeyLoop)
}

// heldInGate is advance's answer when the VU parked in the gate.
const heldInGate time.Duration = -1

// journeyLoop runs the VU until it parks on its timer or in the gate, yields
// its worker or is over.
func (v *VU) journeyLoop() {
	d, over := v.advance()
	if over {
		v.jt.end()
		return
	}
	if d == heldInGate {
		return // the gate has it now
	}
	if v.jt.yield {
		v.jt.yield = false
		v.jt.steps.submit(v.jt.cont)
		return
	}
	v.pause(d)
	v.jt.parked.Store(true)
	v.jt.timer.Reset(d)
	if v.stopping() {
		v.StopParked() // the stop came as it parked: it may have looked already
	}
}

// wakeJourney continues a parked journey VU (on a worker).
func (v *VU) wakeJourney() {
	if !v.jt.parked.CompareAndSwap(true, false) {
		return // the stop took over
	}
	v.resume(true)
	v.journeyLoop()
}

// contJourney takes the action a VU yielded its worker before, unless the run
// stopped meanwhile.
func (v *VU) contJourney() {
	if v.stopping() {
		v.j.next, v.j.phase = doNothing, v.j.onStop
	} else {
		v.takeAction()
	}
	v.journeyLoop()
}

// StopParked ends a VU parked in a pause (plain or started by Start); false
// when it is not parked (then the goroutine acting for it ends it).
func (v *VU) StopParked() bool {
	if v.jt == nil {
		return v.stopParked()
	}
	if !v.jt.parked.CompareAndSwap(true, false) {
		return false
	}
	v.jt.timer.Stop()
	v.resume(false)
	v.journeyLoop() // the stop leads straight to the end
	return true
}
