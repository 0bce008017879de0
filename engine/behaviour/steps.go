package behaviour

import (
	"sync"
	"sync/atomic"
	"time"
)

// Steps runs the steps of VUs started with Start — a VU's first steps and its
// continuation after every pause — on a bounded set of worker goroutines. A
// fresh goroutine per step costs its creation and a stack grown from 2 KiB to
// what the request path needs, every time: at the start of 10,000 VUs that
// was a third of the engine's CPU (docs/benchmarks.md, sweep s). A worker
// keeps its grown stack. Workers are started as steps wait, up to about as
// many as the requests the run may have on the wire (a step is mostly a
// request), and a worker idle for stepIdle ends, so VUs that all think hold
// no goroutine.
//
// A start window (Window) bounds the workers while the burst of the run's
// first steps drains: see window.
type Steps struct {
	q       chan func()
	max     int32
	limit   atomic.Int32 // workers allowed now: max, or the start window's width
	win     atomic.Pointer[window]
	workers atomic.Int32
	idle    atomic.Int32
	pending atomic.Int32 // steps queued and not yet taken
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex // spawn against Close: a late wake-up starts no worker after it
	closed  bool
}

// stepIdle is how long a worker waits for a step before it ends.
const stepIdle = 250 * time.Millisecond

// NewSteps makes a pool of at most workers goroutines; queue is how many
// steps may wait at once, at least the VUs started on it (a VU has at most
// one step queued).
func NewSteps(workers, queue int) *Steps {
	s := &Steps{q: make(chan func(), max(queue, 1)), max: int32(max(workers, 1)), done: make(chan struct{})}
	s.limit.Store(s.max)
	return s
}

// submit queues a step, starting a worker when none is idle; it does not
// block while the queue holds fewer steps than its size (one per VU).
func (s *Steps) submit(f func()) {
	if w := s.win.Load(); w != nil {
		w.submitted.Add(1)
	}
	s.pending.Add(1)
	s.q <- f
	// pending rises before idle and workers are read here, and an ending
	// worker gives up idle and its count before it reads pending (work): one
	// of the two sees the other, so a queued step always has a worker.
	if s.idle.Load() == 0 {
		s.spawn()
	}
}

func (s *Steps) spawn() {
	if s.workers.Load() >= s.limit.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.workers.Load() >= s.limit.Load() {
		return
	}
	s.workers.Add(1)
	s.wg.Add(1)
	go s.work()
}

func (s *Steps) work() {
	defer s.wg.Done()
	t := time.NewTimer(stepIdle)
	defer t.Stop()
	for {
		s.idle.Add(1)
		select {
		case f := <-s.q:
			s.idle.Add(-1)
			s.pending.Add(-1)
			if w := s.win.Load(); w != nil {
				s.took(w)
			}
			f()
			t.Reset(stepIdle)
		case <-t.C:
			s.idle.Add(-1)
			s.workers.Add(-1)
			// A step submitted as the wait ran out saw this worker counted
			// (and started none): take it on.
			if s.pending.Load() > 0 && s.rejoin() {
				t.Reset(stepIdle)
				continue
			}
			return
		case <-s.done:
			s.idle.Add(-1)
			s.workers.Add(-1)
			return
		}
	}
}

// rejoin counts an ending worker back in, unless the pool is closed or full
// (then the other workers take the step).
func (s *Steps) rejoin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.workers.Load() >= s.limit.Load() {
		return false
	}
	s.workers.Add(1)
	return true
}

// Queue runs f on a worker like a VU's step (the runner starts the next VU of
// a stage slot so, from the end of the one before). It does not block while
// the queue holds fewer steps than its size.
func (s *Steps) Queue(f func()) { s.submit(f) }

// crowded reports steps waiting for a worker: a VU that would act again at
// once yields its worker to them instead (a VU that never pauses would keep
// it for its whole life).
func (s *Steps) crowded() bool { return s.pending.Load() > 0 }

// Close ends the workers once the VUs on them are over. A step still queued
// then is a wake-up that lost to the stop; it is dropped.
func (s *Steps) Close() {
	s.mu.Lock()
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
}
