package runner

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
)

// stuckPolicy admits every request; once armed, the next VU request's Done
// never returns until release is closed — a run held by something that
// honours no context, which only Run's fallback after an interrupt can end.
type stuckPolicy struct {
	client.FixedTimeout
	armed   atomic.Bool
	stuck   chan struct{} // closed when a Done is held
	release chan struct{}
	once    sync.Once
	done    atomic.Int64
}

func (p *stuckPolicy) Done(a *client.Attempt, r *client.Result) {
	if a.VU >= 0 && p.armed.Load() {
		p.once.Do(func() { close(p.stuck) })
		<-p.release
		return
	}
	p.done.Add(1)
}

// TestInterruptedRunThatDoesNotEndIsSealed: after an interrupt, a run that
// does not end (a VU held where no context reaches) still returns within
// InterruptBudget, with the summary of what was known: the counts as they
// stood, its state stopped, its cleanup not verified and saying how to
// remove what is left.
func TestInterruptedRunThatDoesNotEndIsSealed(t *testing.T) {
	p := &stuckPolicy{FixedTimeout: client.FixedTimeout(5 * time.Second), stuck: make(chan struct{}), release: make(chan struct{})}
	defer close(p.release)
	cfg := DefaultConfig()
	cfg.Users, cfg.Scenario = 2, "mixed"
	cfg.DelayMin, cfg.DelayMax = time.Millisecond, 2*time.Millisecond
	cfg.MinRequests, cfg.MaxRequests = 1_000_000, 1_000_000
	cfg.Duration = time.Minute
	r, err := New(cfg, WithTargetConfig(fastTarget), WithPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(context.Background())
	deadline := time.Now().Add(20 * time.Second)
	for p.done.Load() < 40 { // the VUs have signed up and are working
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests in 20s", p.done.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.armed.Store(true)
	select {
	case <-p.stuck:
	case <-time.After(10 * time.Second):
		t.Fatal("no request was held")
	}
	start := time.Now()
	r.Interrupt()
	select {
	case <-r.Done():
	case <-time.After(InterruptBudget + 2*time.Second):
		t.Fatalf("Run did not return within %v of the interrupt", InterruptBudget+2*time.Second)
	}
	took := time.Since(start)
	if took > InterruptBudget || took < InterruptBudget-interruptReserve-hardMargin {
		t.Errorf("Run returned %v after the interrupt; want the fallback, at %v", took, InterruptBudget-interruptReserve)
	}
	s := r.Summary()
	c := s.Cleanup
	if s.State != "stopped" || s.Requests < 40 {
		t.Errorf("summary: state %q, %d requests; want stopped, ≥ 40", s.State, s.Requests)
	}
	if c.Verified || !strings.Contains(c.Error, "did not end within") || !strings.Contains(c.Error, "trafficsim cleanup") {
		t.Errorf("cleanup: verified %v, err %q; want unverified, naming the cut and trafficsim cleanup", c.Verified, c.Error)
	}
	if c.Created == 0 || c.Created != c.Deleted+c.Gone+c.Left {
		t.Errorf("cleanup counts: created %d, deleted %d, gone %d, left %d: they must add up", c.Created, c.Deleted, c.Gone, c.Left)
	}
}
