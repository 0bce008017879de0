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
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
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
