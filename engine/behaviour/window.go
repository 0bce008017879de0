package behaviour

import (
	"sync"
	"sync/atomic"
	"time"
)

// window is a pool's start window. When every VU of a closed model starts at
// once, its first steps are a burst as large as the run; the window runs it on
// few workers first and doubles their number after each round (as many
// answers as workers) whose answers took on average no more than twice the
// quickest answer seen, plus windowSlack: slow start, ended by delay as in
// TCP's HyStart. Answers that slow down as the window widens mean the target
// or the engine is queueing them, and more requests on the wire would only
// queue more: on this machine a start of 10,000 VUs against a one-core target
// answered no sooner with 512 on the wire than with 64, and the extra
// connections and workers cost both sides CPU (about a third of the
// engine's, docs/benchmarks.md, sweep s). A distant target's answers take a
// round trip however many are on the wire, so its window doubles each round
// trip up to the cap. Once every VU's first step has been taken by a worker,
// the window is lifted: the pool goes back to its cap, VUs without think time
// all run, and later bursts (VUs waking together) are not held by it.
type window struct {
	// The burst: the steps submitted until Started (burst, -1 before). The
	// queue is first in, first out, so once as many steps have been taken
	// from it, every VU has begun and the window is lifted — however busy the
	// workers stay (VUs without think time keep steps waiting for ever).
	submitted atomic.Int64
	taken     atomic.Int64
	burst     atomic.Int64

	mu     sync.Mutex
	n      int32         // answers in this round
	sum    time.Duration // their answer times
	least  time.Duration // the quickest answer seen
	onLift func(width int)
}

// windowSlack is what an average answer may take beyond twice the quickest
// before the window stops widening: the engine's own scheduling jitter.
const windowSlack = time.Millisecond

// Window starts the pool with at most width workers (when below its cap), for
// the burst of the first steps; onLift (may be nil) is told the width reached
// when the window is lifted. It is called before any step is submitted.
func (s *Steps) Window(width int, onLift func(width int)) {
	if int32(width) >= s.max {
		return
	}
	w := &window{onLift: onLift}
	w.burst.Store(-1)
	s.limit.Store(int32(max(width, 1)))
	s.win.Store(w)
}

// Started says that the burst's first steps are all submitted: the window is
// lifted once they have all been taken.
func (s *Steps) Started() {
	w := s.win.Load()
	if w == nil {
		return
	}
	b := w.submitted.Load()
	w.burst.Store(b)
	if w.taken.Load() >= b {
		s.liftOnce(w)
	}
}

// took counts a step taken by a worker; the burst's last one lifts the window.
func (s *Steps) took(w *window) {
	n := w.taken.Add(1)
	if b := w.burst.Load(); b >= 0 && n >= b {
		s.liftOnce(w)
	}
}

// liftOnce lifts w unless it is lifted already.
func (s *Steps) liftOnce(w *window) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.win.Load() == w {
		s.lift(w)
	}
}

// answered counts an answer (any status) that took d against the window: at
// the end of each round it widens the window while steps wait and the
// round's answers were quick enough.
func (s *Steps) answered(d time.Duration) {
	w := s.win.Load()
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.win.Load() != w {
		return // lifted meanwhile
	}
	if w.least == 0 || d < w.least {
		w.least = max(d, 1)
	}
	w.n++
	w.sum += d
	width := s.limit.Load()
	if w.n < width {
		return
	}
	mean := w.sum / time.Duration(w.n)
	w.n, w.sum = 0, 0
	pending := s.pending.Load()
	if pending == 0 || mean > 2*w.least+windowSlack {
		return // no step waits, or answers queue: no wider
	}
	next := min(2*width, s.max)
	s.limit.Store(next)
	for range min(next-width, pending) {
		s.spawn()
	}
	if next == s.max {
		s.lift(w)
	}
}

// lift ends the window (w.mu held), starting workers for the steps waiting:
// a submit starts one only when none is idle, and none may come.
func (s *Steps) lift(w *window) {
	width := s.limit.Load()
	s.limit.Store(s.max)
	s.win.Store(nil)
	for range min(s.max-width, s.pending.Load()) {
		s.spawn()
	}
	if w.onLift != nil {
		w.onLift(int(width))
	}
}

// answered tells the start window of the VU's steps how long an answer took.
func (v *VU) answered(d time.Duration) {
	switch {
	case v.pl != nil && v.pl.steps != nil:
		v.pl.steps.answered(d)
	case v.jt != nil && v.jt.steps != nil:
		v.jt.steps.answered(d)
	}
}
