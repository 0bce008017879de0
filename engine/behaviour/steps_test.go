package behaviour

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every step runs, never more at once than the pool's workers, and the
// workers end once idle; a step submitted after Close (a wake-up that lost to
// the stop) starts nothing.
func TestStepsBoundedAndIdle(t *testing.T) {
	const n, workers = 5000, 16
	s := NewSteps(workers, n)
	var running, peak, ran atomic.Int32
	var wg sync.WaitGroup
	wg.Add(n)
	step := func() {
		defer wg.Done()
		c := running.Add(1)
		raise(&peak, c)
		time.Sleep(50 * time.Microsecond) // a request's wait
		ran.Add(1)
		running.Add(-1)
	}
	for range n {
		s.submit(step)
	}
	wg.Wait()
	if ran.Load() != n || peak.Load() > workers {
		t.Fatalf("ran %d of %d steps, at most %d at once; want all, at most %d", ran.Load(), n, peak.Load(), workers)
	}
	if peak.Load() < 2 {
		t.Errorf("at most %d step at once: the pool did not grow", peak.Load())
	}
	deadline := time.Now().Add(10 * stepIdle)
	for s.workers.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still up %v after the last step; want none", s.workers.Load(), 10*stepIdle)
		}
		time.Sleep(stepIdle / 10)
	}
	// Idle again: a new step gets a new worker.
	done := make(chan struct{})
	s.submit(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a step submitted after the workers ended never ran")
	}
	s.Close()
	s.submit(func() { t.Error("a step ran after Close") })
	if w := s.workers.Load(); w != 0 {
		t.Errorf("%d workers after Close; want 0", w)
	}
}

// A step submitted just as the last worker gives up is still taken: with one
// worker, steps spaced around the idle time all run.
func TestStepsNoStepLeftAtIdleEnd(t *testing.T) {
	s := NewSteps(1, 4)
	defer s.Close()
	for i := range 6 {
		done := make(chan struct{})
		s.submit(func() { close(done) })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("step %d never ran", i)
		}
		time.Sleep(stepIdle - time.Duration(i)*time.Millisecond) // around the moment the worker ends
	}
}

// burst submits n steps at once on a pool of at most max workers with a start
// window of width, each step running answer (which returns the answer time it
// saw); it returns the most steps that ran at once and the width the window
// had when it was lifted.
func burst(t *testing.T, n, max, width int, answer func() time.Duration) (peak int32, lifted int) {
	t.Helper()
	s := NewSteps(max, n)
	defer s.Close()
	liftedCh := make(chan int, 1)
	s.Window(width, func(w int) { liftedCh <- w })
	var running, top atomic.Int32
	var wg sync.WaitGroup
	wg.Add(n)
	step := func() {
		defer wg.Done()
		c := running.Add(1)
		raise(&top, c)
		d := answer()
		running.Add(-1)
		s.answered(d)
	}
	for range n {
		s.submit(step)
	}
	s.Started()
	wg.Wait()
	select {
	case lifted = <-liftedCh:
	case <-time.After(10 * time.Second):
		t.Fatal("the window was never lifted after the burst")
	}
	if w := int(s.limit.Load()); w != max {
		t.Errorf("width %d after the burst; want the cap, %d", w, max)
	}
	return top.Load(), lifted
}

// A target whose answers take a round trip however many are on the wire (a
// distant one): the window doubles up to the cap within the burst.
func TestStartWindowWidensForADistantTarget(t *testing.T) {
	const n, max, width = 2000, 256, 8
	peak, lifted := burst(t, n, max, width, func() time.Duration {
		start := time.Now()
		time.Sleep(5 * time.Millisecond) // the round trip
		return time.Since(start)
	})
	if peak < max/2 || lifted != max {
		t.Errorf("at most %d steps at once, lifted at width %d; want the window widened to the cap, %d", peak, lifted, max)
	}
}

// A target that answers one request at a time (one core, as on this machine):
// answers queue as soon as a few are on the wire, and the window stays narrow
// for the whole burst.
func TestStartWindowStaysNarrowForAQueueingTarget(t *testing.T) {
	const n, max, width = 200, 256, 8
	var server sync.Mutex
	peak, lifted := burst(t, n, max, width, func() time.Duration {
		start := time.Now()
		server.Lock()
		time.Sleep(2 * time.Millisecond) // its work on the request
		server.Unlock()
		return time.Since(start)
	})
	if peak > 4*width || lifted > 4*width {
		t.Errorf("at most %d steps at once, lifted at width %d; want the window to stay near %d", peak, lifted, width)
	}
}

// VUs without think time keep steps waiting for ever: the window is still
// lifted once every VU has begun (its first step taken), so all of them then
// run at once, as many as the cap.
func TestStartWindowLiftedOnceAllBegin(t *testing.T) {
	const vus, max, width, steps = 64, 64, 8, 40
	s := NewSteps(max, vus)
	defer s.Close()
	s.Window(width, nil)
	var running, top atomic.Int32
	var wg sync.WaitGroup
	wg.Add(vus)
	for range vus {
		left := steps
		var step func()
		step = func() {
			c := running.Add(1)
			raise(&top, c)
			time.Sleep(time.Millisecond) // an answer; none is reported, so the window never widens
			running.Add(-1)
			if left--; left == 0 {
				wg.Done()
				return
			}
			s.submit(step) // acts again at once
		}
		s.submit(step)
	}
	s.Started()
	wg.Wait()
	if int(s.limit.Load()) != max || top.Load() < max/2 {
		t.Errorf("width %d, at most %d steps at once; want the window lifted (width %d) and about %d at once", int(s.limit.Load()), top.Load(), max, vus)
	}
}

// raise lifts peak to c when c is higher: the most steps seen running at once.
func raise(peak *atomic.Int32, c int32) {
	for {
		p := peak.Load()
		if c <= p || peak.CompareAndSwap(p, c) {
			return
		}
	}
}
