package runner

import (
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/engine/behaviour"
	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// Load models (docs/load-models.md).
const (
	ModelClosed = "closed" // a number of VUs, each running its sessions (--users, --ramp-up, --stages)
	ModelOpen   = "open"   // arrivals at a rate, each a new VU on a pre-allocated pool (--rate, --rate-stages, --max-vus)
)

// controlTick is how often the closed model's controller moves the VU target
// along a ramp, and the open model's gauges follow the rate.
const controlTick = 50 * time.Millisecond

// OpenModel reports whether the config asks for the open (arrival-rate) model.
func (c Config) OpenModel() bool { return c.Rate > 0 || len(c.RateStages) > 0 }

// withLoad takes the scenario's load section when the config sets no load
// model of its own (flags win over the scenario file).
func (c Config) withLoad(l scenario.LoadModel) Config {
	if c.RampUp == 0 && len(c.Stages) == 0 && c.Rate == 0 && len(c.RateStages) == 0 && c.MaxVUs == 0 {
		c.RampUp, c.Stages, c.Rate, c.RateStages, c.MaxVUs = l.RampUp, l.Stages, l.Rate, l.RateStages, l.MaxVUs
	}
	return c
}

// validateLoad checks the load-model fields (after withLoad).
func (c Config) validateLoad() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if c.RampUp < 0 || c.RampUp > loadshape.MaxDuration {
		return bad("ramp_up", "%v: use a duration from 0 to %v, e.g. 30s", c.RampUp, loadshape.MaxDuration)
	}
	var total time.Duration
	peak := 0.0
	for i, s := range c.Stages {
		if s.Duration < 0 || s.Target < 0 || s.Target > MaxUsers || s.Target != math.Trunc(s.Target) {
			return bad("stages", "stage %d (%v): want DURATION:VUS with 0 to %d VUs, e.g. 30s:100", i+1, s, MaxUsers)
		}
		total += s.Duration
		peak = max(peak, s.Target)
	}
	if len(c.Stages) > 0 {
		if peak < 1 {
			return bad("stages", "every stage's target is 0 VUs; give at least one a target, e.g. 30s:10,1m:10,10s:0")
		}
		if total <= 0 {
			return bad("stages", "the stages last 0s; give at least one a duration, e.g. 30s:10")
		}
	}
	if c.Rate < 0 || c.Rate > loadshape.MaxRate || math.IsNaN(c.Rate) {
		return bad("rate", "%v/s: use 0 to %d arrivals per second, e.g. 300/s or 90/m", c.Rate, loadshape.MaxRate)
	}
	ratePeak := c.Rate
	for i, s := range c.RateStages {
		if s.Duration < 0 || s.Target < 0 || s.Target > loadshape.MaxRate || math.IsNaN(s.Target) {
			return bad("rate_stages", "stage %d (%v): want DURATION:RATE with a rate from 0 to %d/s, e.g. 30s:10/s", i+1, s, loadshape.MaxRate)
		}
		ratePeak = max(ratePeak, s.Target)
	}
	if c.MaxVUs < 0 || c.MaxVUs > MaxUsers {
		return bad("max_vus", "%d: use 1 to %d pre-allocated VUs", c.MaxVUs, MaxUsers)
	}
	open := c.OpenModel()
	switch {
	case open && len(c.Stages) > 0:
		return bad("stages", "the closed model's stages and the open model (--rate, --rate-stages) exclude each other; use --rate-stages for a ramping rate")
	case open && c.RampUp > 0:
		return bad("ramp_up", "applies to the closed model; with --rate use --rate-stages to ramp the arrival rate")
	case c.RampUp > 0 && len(c.Stages) > 0:
		return bad("ramp_up", "use either --ramp-up or --stages (stages ramp by themselves, e.g. 30s:100)")
	case c.MaxVUs > 0 && !open:
		return bad("max_vus", "applies to the open model; add --rate or --rate-stages (the closed model uses --users)")
	case open && ratePeak <= 0:
		return bad("rate", "the arrival rate is 0 throughout; give a rate such as 10/s")
	case open && len(c.RateStages) == 0 && c.Duration == 0:
		return bad("duration", "0: the open model with a constant --rate runs until --duration; set one (e.g. 1m) or use --rate-stages")
	}
	return nil
}

// loadPlan is the run's load model, fixed at start, plus what the model asks
// for right now (read by Snapshot and the VUs).
type loadPlan struct {
	open   bool
	slots  int  // closed: VU slots (users, or the largest stage target); open: the pool
	pool   int  // open: this shard's pool (slots when not sharded; shard.go)
	gated  bool // closed: VUs wait for the target to include their slot (ramp-up, stages)
	staged bool // closed with stages: the end of the stages ends the run; a slot whose VU is done runs the next one
	jitter bool // plain closed model: each VU starts within the first delay-max
	rampUp bool // closed with ramp-up: VU i starts at i·D/N
	ramp   loadshape.Ramp
	pacer  *loadshape.Pacer
	end    time.Duration // the load shape ends the run then (0: it does not)

	target  atomic.Int64  // VUs asked for now
	rate    atomic.Uint64 // math.Float64bits of the arrivals per second asked for now
	stage   atomic.Int64  // current stage, -1 without stages
	started atomic.Int64  // open: iterations started

	// VUs parked in the gate, by slot: woken when the target rises past the
	// slot, or all at once when the run stops (released).
	mu       sync.Mutex
	waiters  map[int]func()
	released bool

	// Archetypes by VU index, in blocks of slots (see archetype).
	seed     int64
	archs    []scenario.Archetype
	archMu   sync.Mutex
	archMemo map[int][]*scenario.Archetype
}

func newLoadPlan(c Config, sc *scenario.Scenario) *loadPlan {
	p := &loadPlan{seed: c.Seed, archs: sc.Archetypes, waiters: map[int]func(){}, archMemo: map[int][]*scenario.Archetype{}}
	p.stage.Store(-1)
	switch {
	case c.OpenModel():
		p.open = true
		p.slots = c.MaxVUs
		if p.slots == 0 {
			p.slots = c.Users
		}
		p.pool = c.ownedPool(p.slots)
		p.ramp = loadshape.Ramp{Start: c.Rate, Stages: c.RateStages}
		end := c.Duration
		if len(c.RateStages) > 0 {
			end = p.ramp.Total()
			if c.Duration > 0 {
				end = min(end, c.Duration)
			}
		}
		p.end = end
		p.pacer = loadshape.NewPacer(p.ramp, end)
		p.target.Store(int64(p.slots))
		p.rate.Store(math.Float64bits(c.Rate))
	case len(c.Stages) > 0:
		p.gated, p.staged = true, true
		p.ramp = loadshape.Ramp{Stages: c.Stages}
		p.slots = int(p.ramp.Max())
		p.end = p.ramp.Total()
	case c.RampUp > 0:
		p.gated, p.rampUp = true, true
		p.slots = c.Users
		p.ramp = loadshape.Ramp{Stages: []loadshape.Stage{{Duration: c.RampUp, Target: float64(c.Users)}}}
	default:
		p.slots = c.Users
		p.jitter = true
		p.target.Store(int64(p.slots))
	}
	if p.gated {
		p.setTarget(p.vusAt(0))
	}
	return p
}

// vusAt is the closed model's VU target at elapsed t: the ramp rounded up, so
// VU i starts as soon as the ramp passes i; with --ramp-up, VU i starts at
// i·D/N (VU 0 at once).
func (p *loadPlan) vusAt(t time.Duration) int {
	v, _ := p.ramp.At(t)
	n := int(math.Ceil(v - 1e-9))
	if p.rampUp {
		n = int(math.Floor(v+1e-9)) + 1
	}
	return min(max(n, 0), p.slots)
}

// setTarget moves the VU target and wakes the parked VUs it now includes.
func (p *loadPlan) setTarget(n int) {
	var wake []func()
	p.mu.Lock()
	old := int(p.target.Swap(int64(n)))
	if n > old {
		for slot, w := range p.waiters {
			if slot < n {
				wake = append(wake, w)
				delete(p.waiters, slot)
			}
		}
	}
	p.mu.Unlock()
	for _, w := range wake {
		w()
	}
}

// Holds is the gate of ramps and stages (behaviour.Gate): whether the slot
// of VU idx is beyond the target now. Outside ramps and stages it never is.
func (p *loadPlan) Holds(idx int) bool {
	return p.gated && int64(idx%p.slots) >= p.target.Load()
}

// Hold parks VU idx until the target includes its slot (behaviour.Gate):
// false when it does already, or the run stopped (release); else wake is
// called once then. A slot has one VU at a time, so one waiter.
func (p *loadPlan) Hold(idx int, wake func()) bool {
	if !p.gated {
		return false
	}
	slot := idx % p.slots
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released || int64(slot) < p.target.Load() {
		return false
	}
	p.waiters[slot] = wake
	return true
}

// release wakes every VU parked in the gate and lets none park after it: the
// run stops, and they end.
func (p *loadPlan) release() {
	p.mu.Lock()
	p.released = true
	wake := make([]func(), 0, len(p.waiters))
	for slot, w := range p.waiters {
		wake = append(wake, w)
		delete(p.waiters, slot)
	}
	p.mu.Unlock()
	for _, w := range wake {
		w()
	}
}

// archetype is the archetype of VU idx. VUs come in blocks of slots; each block
// gets the scenario's proportions (assignArchetypes) from its own seed, so a
// VU's archetype depends only on the seed, the slot count and its index — and
// block 0 is exactly the plain closed model's assignment.
func (p *loadPlan) archetype(idx int) *scenario.Archetype {
	block := idx / p.slots
	p.archMu.Lock()
	defer p.archMu.Unlock()
	b := p.archMemo[block]
	if b == nil {
		if len(p.archMemo) >= 8 {
			clear(p.archMemo) // arrivals move through blocks in order: keep a few
		}
		rng := mrand.New(mrand.NewPCG(uint64(p.seed), archetypeStream+uint64(block)))
		b = assignArchetypes(p.archs, p.slots, rng)
		p.archMemo[block] = b
	}
	return b[idx%p.slots]
}

// archetypeStream is the PCG stream of block 0's archetype draw.
const archetypeStream = 0x7261666669637369

// prepareVUs creates the closed model's VUs (one per slot, index = slot) and
// tells the steering how many can administer. The open model creates its VUs
// as they arrive.
func (r *Runner) prepareVUs() {
	p := r.load
	admins := 0
	var sum int64
	owned := 0 // sharded: this shard's slots or pool (shard.go)
	if !p.open {
		r.vus = make([]*behaviour.VU, 0, p.slots)
		for i := range p.slots {
			if !r.cfg.Shard.owns(i) {
				continue
			}
			v := behaviour.New(r.shared, i, p.archetype(i))
			sum += int64(v.Budget())
			r.vus = append(r.vus, v)
			if v.Admin() {
				admins++
			}
		}
		owned = len(r.vus)
	} else {
		for i := range p.slots {
			if r.cfg.Shard.owns(i) && p.archetype(i).Admin {
				admins++
			}
		}
		owned = (p.slots - r.cfg.Shard.Index + max(r.cfg.Shard.Count, 1) - 1) / max(r.cfg.Shard.Count, 1)
	}
	r.shared.SetAdmins(admins, owned)
	r.budgetSum.Store(sum)
}

// drive runs the VUs by the load model until they are all over.
func (r *Runner) drive() {
	start := time.Now()
	if r.load.open {
		r.driveOpen(start)
		return
	}
	stopCtl := make(chan struct{})
	defer close(stopCtl)
	if rec := r.rec.Load(); rec != nil {
		rec.SetTarget(int(r.load.target.Load()), 0)
	}
	if r.load.gated {
		go r.control(start, stopCtl)
	}
	r.driveClosed()
}

// control moves the closed model's VU target along the ramp; at the end of
// the stages it stops the run.
func (r *Runner) control(start time.Time, done <-chan struct{}) {
	p := r.load
	t := time.NewTicker(controlTick)
	defer t.Stop()
	for {
		el := time.Since(start)
		n := p.vusAt(el)
		_, stage := p.ramp.At(el)
		if stage >= len(p.ramp.Stages) {
			stage = len(p.ramp.Stages) - 1
		}
		p.stage.Store(int64(stage))
		if int64(n) != p.target.Load() {
			p.setTarget(n)
		}
		if rec := r.rec.Load(); rec != nil {
			rec.SetTarget(n, 0)
		}
		if total := p.ramp.Total(); el >= total {
			if p.staged {
				r.log.Info("stages over: stopping")
				r.Stop()
			}
			return
		}
		select {
		case <-t.C:
		case <-done:
			return
		case <-r.stopCh:
			return
		}
	}
}

// loadSnapshot fills the load-model fields of a snapshot.
func (r *Runner) loadSnapshot(s *Snapshot, st *metrics.Stats) {
	p := r.load
	if p == nil {
		s.Model, s.TargetUsers, s.Stage = ModelClosed, r.cfg.Users, -1
		if r.cfg.OpenModel() {
			s.Model = ModelOpen
		}
		return
	}
	s.Model = ModelClosed
	if p.open {
		s.Model = ModelOpen
		s.TargetRate = math.Float64frombits(p.rate.Load())
		s.Iterations = p.started.Load()
	}
	s.TotalUsers = p.slots
	s.TargetUsers = int(p.target.Load())
	s.Stage = int(p.stage.Load())
	s.DroppedIterations = st.DroppedIterations
}

// loadSummary is the summary's load section.
func (r *Runner) loadSummary(st metrics.Stats) *summary.LoadSummary {
	c := r.cfg
	li := summary.LoadInfo{Model: ModelClosed, RampUp: c.RampUp, Stages: c.Stages}
	if r.load != nil && r.load.open {
		li = summary.LoadInfo{Model: ModelOpen, Rate: c.Rate, RateStages: c.RateStages,
			MaxVUs: r.load.slots, Iterations: r.load.started.Load()}
	}
	return summary.BuildLoad(li, st)
}

// driveClosed runs the closed model's VUs, plain or journey, with no
// goroutine of their own between requests: a thinking VU is its state and a
// timer, a VU the ramp or the stages leave out a registration in the gate
// (docs/benchmarks.md). With stages, a slot whose VU is done runs the slot's
// next VU (index slot + n·slots) so the VU count keeps following the stages.
// It returns when every VU is over.
func (r *Runner) driveClosed() {
	c := newCrew(len(r.vus), r.stepWorkers(len(r.vus)))
	defer c.close()
	if !r.load.gated && !r.inFlightAsked {
		c.steps.Window(startWidth, func(width int) {
			r.log.Debug("start window lifted", "width", width, "cap", r.capacity.Conns.InFlight)
		})
	}
	c.wg.Add(len(r.vus))
	for k, v := range r.vus {
		slot, gen := v.Index(), 0
		var end func()
		end = func() {
			if !r.load.staged || r.stopped.Load() {
				c.wg.Done()
				return
			}
			gen++
			idx := slot + gen*r.load.slots
			next := behaviour.New(r.shared, idx, r.load.archetype(idx))
			r.budgetSum.Add(int64(next.Budget()))
			// On a worker, not here: end may run inside a Start (a VU not
			// admitted ends at once), and the crew's lock is held there.
			c.steps.Queue(func() { c.start(k, next, end) })
		}
		c.start(k, v, end)
	}
	c.steps.Started()
	r.awaitCrew(c)
}

// startWidth is the first width of the start window (behaviour.Steps.Window)
// of a closed model whose VUs all start at once: the burst of their first
// steps runs on that many workers, doubled while doubling pays.
const startWidth = 32

// awaitCrew waits until the crew's VUs are over; a stop ends the parked ones
// at once: those in a pause and those in the gate.
func (r *Runner) awaitCrew(c *crew) {
	all := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(all)
	}()
	select {
	case <-all:
		return
	case <-r.stopCh:
	}
	r.load.release()
	c.stopParked()
	<-all
}

// stepWorkers is how many goroutines run the steps of n VUs: as many
// as the requests on the wire at once (the in-flight cap), since a step is
// mostly a request; never more than the VUs.
func (r *Runner) stepWorkers(n int) int {
	if c := r.capacity.Conns.InFlight; c > 0 {
		return min(n, c)
	}
	return n
}
