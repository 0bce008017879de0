package runner

import (
	"math"
	"time"

	"github.com/trafficsim/trafficsim/engine/behaviour"
)

// driveOpen runs the open model: the pacer says when arrival n is due; at that
// moment it goes to a free VU of the pool, or is counted as dropped when none
// is free. Arrival n is played by a new VU with index n, so its archetype,
// budget and journey follow from the seed and n alone; it runs on the step
// workers like the closed model's VUs, with no goroutine while it thinks —
// the pool is a count of places, not goroutines. A pacer that falls behind (a
// busy machine) dispatches the late arrivals at once with their due times,
// which their latencies then include.
func (r *Runner) driveOpen(start time.Time) {
	p := r.load
	rec := r.rec.Load()
	c := newCrew(p.pool, r.stepWorkers(p.pool))
	defer c.close()
	// free holds the pool's free places; a VU gives its place back as it ends.
	free := make(chan int, p.pool)
	ends := make([]func(), p.pool)
	for k := range p.pool {
		free <- k
		ends[k] = func() {
			free <- k
			c.wg.Done()
		}
	}

	start = time.Now() // the schedule starts once the pool is ready

	stopGauges := make(chan struct{})
	go r.followRate(start, stopGauges)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
loop:
	for n := int64(0); ; n++ {
		at, err := p.pacer.HitAt(n)
		if err != nil {
			r.log.Info("arrival schedule over", "arrivals", n)
			break
		}
		if !r.cfg.Shard.owns(int(n)) {
			continue // another shard's arrival (shard.go)
		}
		due := start.Add(at)
		if d := time.Until(due); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
				r.gen.ObserveLag(time.Since(due))
			case <-r.stopCh:
				timer.Stop()
				break loop
			}
		} else if r.stopped.Load() {
			break
		}
		select {
		case k := <-free:
			v := behaviour.New(r.shared, int(n), p.archetype(int(n)))
			v.Arrive(due) // an arrival is one session, its first action due then
			c.wg.Add(1)
			p.started.Add(1)
			c.start(k, v, ends[k])
		default:
			rec.DroppedIteration()
		}
	}
	// Iterations under way may finish their session, within IterationGrace.
	drained := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(drained)
	}()
	if !r.stopped.Load() {
		t := time.NewTimer(IterationGrace)
		select {
		case <-drained:
		case <-t.C:
			r.log.Info("iterations still running after the grace period: stopping", "grace", IterationGrace)
			r.Stop()
		case <-r.stopCh:
		}
		t.Stop()
	}
	if r.stopped.Load() {
		c.stopParked() // a VU that parks from now on sees the stop itself
	}
	<-drained
	close(stopGauges)
}

// IterationGrace is how long the open model's iterations under way may run on
// after the arrival schedule ends, before the run stops them.
const IterationGrace = 30 * time.Second

// followRate keeps the target rate, stage and gauges current while arrivals run.
func (r *Runner) followRate(start time.Time, done <-chan struct{}) {
	p := r.load
	t := time.NewTicker(controlTick)
	defer t.Stop()
	for {
		rate, stage := p.pacer.Rate(time.Since(start))
		if len(p.ramp.Stages) == 0 {
			stage = -1
		} else if stage >= len(p.ramp.Stages) {
			stage = len(p.ramp.Stages) - 1
		}
		p.rate.Store(math.Float64bits(rate))
		p.stage.Store(int64(stage))
		if rec := r.rec.Load(); rec != nil {
			rec.SetTarget(p.slots, rate)
		}
		select {
		case <-t.C:
		case <-done:
			return
		}
	}
}
