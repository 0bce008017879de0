package runner

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/engine/behaviour"
)

// arrival is one iteration of the open model: arrival n (from 0) of the run,
// due at a time the pacer fixed.
type arrival struct {
	n   int64
	due time.Time
}

// driveOpen runs the open model: the pacer says when arrival n is due; at that
// moment it goes to a free VU of the pool, or is counted as dropped when none
// is free. Arrival n is played by a new VU with index n, so its archetype,
// budget and journey follow from the seed and n alone. A pacer that falls
// behind (a busy machine) dispatches the late arrivals at once with their due
// times, which their latencies then include.
func (r *Runner) driveOpen(start time.Time) {
	p := r.load
	rec := r.rec.Load()
	work := make(chan arrival) // unbuffered: handed straight to a free VU
	// idle counts the VUs waiting for an arrival: a VU counts itself before it
	// waits and uncounts itself once it got one, so while idle > 0 a send is
	// taken at once.
	var idle atomic.Int64
	var wg, ready sync.WaitGroup
	for range p.pool {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for {
				idle.Add(1)
				if first {
					ready.Done()
					first = false
				}
				a, ok := <-work
				if !ok {
					return
				}
				idle.Add(-1)
				v := behaviour.New(r.shared, int(a.n), p.archetype(int(a.n)))
				v.Arrive(a.due) // an arrival is one session, its first action due then
				v.Run()
			}
		}()
	}
	ready.Wait()
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
		if idle.Load() > 0 {
			work <- arrival{n: n, due: due}
			p.started.Add(1)
		} else {
			rec.DroppedIteration()
		}
	}
	close(work)
	// Iterations under way may finish their session, within IterationGrace.
	drained := make(chan struct{})
	go func() {
		wg.Wait()
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
