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
// end, and says how long the pause is and what comes after it. Two drivers
// run it: Run blocks a goroutine through the pauses (ramp-up, stages and the
// open model, whose VUs wait on the load model anyway), and Start parks the
// VU on a timer between actions (the closed model without ramp-up), so a
// thinking journey VU is this record, its struct and a timer, and no
// goroutine stack. Both take the same steps in the same order, so a seed
// gives the same journeys under either.

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
	return v.r.sc.Think[class].Draw(v.rng, v.r.cfg.DelayMin, v.r.cfg.DelayMax, v.pace)
}

// think arranges the action then to take after a think time of the class,
// and where the VU goes after it (after) or on a stop during the pause
// (onStop). It returns the pause (0: act now — then the caller goes on).
func (v *VU) think(class string, then pending, name string, after, onStop phase) time.Duration {
	d := v.draw(class)
	v.j.next, v.j.name, v.j.after, v.j.onStop, v.j.lag = then, name, after, onStop, true
	if d <= 0 {
		if v.stopping() {
			v.j.next, v.j.phase = doNothing, onStop
			return 0
		}
		v.takeAction()
		return 0
	}
	return d
}

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
		v.intended = v.j.due // a late timer is part of the latency
	}
	v.takeAction()
}

// advance runs the VU until its next pause (> 0) or its end (over).
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
			j.phase = phSessionStart
			if !v.park() {
				j.phase = phOver
			}
		case phSessionStart:
			if !v.waitSession() { // emergency degradation pauses new sessions
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
			j.i++
			if j.s > 0 && (step == "signup" || step == "create_profile") {
				continue // done in the first session
			}
			if !v.park() {
				j.phase = phSessionEnd
				continue
			}
			if d := v.think(v.r.sc.StepThink(step), doStep, step, phJourney, phSessionEnd); d > 0 {
				return d, false
			}
		case phWeighted:
			if v.sent >= v.limit || !v.park() {
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

// Run is the VU's life: sessions of journey plus weighted actions until the
// budget is spent or the run stops. It blocks its goroutine through every
// pause (Start does not).
func (v *VU) Run() {
	// Ramp-up and stages: wait until the target includes this VU; near
	// --max-memory it does not start at all (counted by the generator).
	if !v.park() || !v.r.gen.AdmitVU() {
		v.setState(metrics.VUDone)
		return
	}
	if v.r.sc.Plain {
		v.runPlain()
		return
	}
	v.begin()
	for {
		d, over := v.advance()
		if over {
			return
		}
		v.pause(d)
		t := time.NewTimer(d)
		select {
		case <-t.C:
			v.resume(true)
		case <-v.r.stopCh:
			t.Stop()
			v.resume(false)
		}
	}
}

// parking is a journey VU's timer while Start runs it: exactly one party
// continues a parked VU, the timer or the stop, whichever wins parked's CAS.
type parking struct {
	timer  *time.Timer
	parked atomic.Bool
	end    func()
}

// Start starts the VU with no goroutine of its own while it thinks (plain or
// journey): between two actions it is its state and a timer, and each action
// runs on the timer's goroutine. end is called once when the VU is over, its
// state done. StopParked ends a parked VU at a stop.
func (v *VU) Start(end func()) {
	if v.r.sc.Plain {
		v.startPlain(end)
		return
	}
	if v.stopping() || !v.r.gen.AdmitVU() {
		v.setState(metrics.VUDone)
		end()
		return
	}
	v.begin()
	v.jt = &parking{end: end}
	v.jt.timer = time.AfterFunc(time.Hour, v.wakeJourney)
	v.jt.timer.Stop()
	go v.journeyLoop()
}

// journeyLoop runs the VU until it parks on its timer or is over.
func (v *VU) journeyLoop() {
	d, over := v.advance()
	if over {
		v.jt.end()
		return
	}
	v.pause(d)
	v.jt.parked.Store(true)
	v.jt.timer.Reset(d)
}

// wakeJourney continues a parked journey VU (on the timer's goroutine).
func (v *VU) wakeJourney() {
	if !v.jt.parked.CompareAndSwap(true, false) {
		return // the stop took over
	}
	v.resume(true)
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
