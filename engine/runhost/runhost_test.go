package runhost_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/runhost/runhosttest"
)

func waitEnded(ctx context.Context, t *testing.T, h *runhost.Host, id string) enginerpc.RunStatus {
	t.Helper()
	for {
		st, err := h.Status(ctx, id)
		if err != nil {
			t.Fatalf("Status(%s): %v", id, err)
		}
		if st.State.Ended() {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("run %s did not end: %+v", id, st)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestEndedRunsAreBoundedAndActiveOnesKept(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := runhost.New(runhost.Options{NewRun: runhosttest.Factory(5 * time.Millisecond), KeepEnded: 2})
	long, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 1 << 30, Scenario: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 4 {
		st, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		waitEnded(ctx, t, h, st.ID)
		ids = append(ids, st.ID)
	}
	list, _ := h.List(ctx)
	got := map[string]bool{}
	for _, st := range list {
		got[st.ID] = true
	}
	if !got[long.ID] || got[ids[0]] || got[ids[1]] || !got[ids[2]] || !got[ids[3]] || len(list) != 3 {
		t.Fatalf("remembered %v; want the active run and the 2 newest ended ones", got)
	}
	if _, err := h.Status(ctx, ids[0]); !errors.Is(err, enginerpc.ErrNotFound) {
		t.Fatalf("pruned run: err = %v, want ErrNotFound", err)
	}
	if h.Active() != 1 {
		t.Fatalf("Active = %d, want 1", h.Active())
	}
	if _, err := h.Start(ctx, enginerpc.RunConfig{RunID: long.ID, Users: 1}); err == nil {
		t.Fatal("a second run with a taken id was accepted")
	}
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if st := waitEnded(ctx, t, h, long.ID); st.State != enginerpc.StateFinished {
		t.Fatalf("after Shutdown: %+v", st)
	}
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1}); err == nil {
		t.Fatal("Start after Shutdown succeeded")
	}
}

// stuckRun ignores Stop and context: a forced stop must give up on it in time.
type stuckRun struct{ done chan struct{} }

func (r *stuckRun) ID() string            { return "stuck001" }
func (r *stuckRun) Run(context.Context)   { <-r.done }
func (r *stuckRun) Stop()                 {}
func (r *stuckRun) Done() <-chan struct{} { return r.done }
func (r *stuckRun) Status() enginerpc.RunStatus {
	return enginerpc.RunStatus{State: enginerpc.StateRunning}
}

func TestForcedStopGivesUpOnAStuckRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &stuckRun{done: make(chan struct{})}
	defer close(r.done)
	h := runhost.New(runhost.Options{NewRun: func(enginerpc.RunConfig) (runhost.Run, error) { return r, nil }, AbortAfter: 50 * time.Millisecond})
	if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := h.Stop(ctx, "stuck001", false)
	if err != nil || st.State != enginerpc.StateFailed || st.Error == "" {
		t.Fatalf("forced stop = %+v, %v; want failed with a reason", st, err)
	}
}

func TestWatchAllSeesEveryRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := runhost.New(runhost.Options{NewRun: runhosttest.Factory(5 * time.Millisecond)})
	for range 2 {
		if _, err := h.Start(ctx, enginerpc.RunConfig{Users: 1, MaxRequestCount: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	wctx, wcancel := context.WithCancel(ctx)
	err := h.Watch(wctx, "", 10*time.Millisecond, func(st enginerpc.RunStatus) error {
		mu.Lock()
		defer mu.Unlock()
		seen[st.ID]++
		if len(seen) == 2 && seen[st.ID] >= 3 {
			wcancel()
		}
		return nil
	})
	if err != nil || len(seen) != 2 {
		t.Fatalf("Watch(all): seen %v, err %v", seen, err)
	}
	_ = h.Shutdown(ctx)
}

func TestParentGoneStaysOpenWhileTheParentLives(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	select {
	case <-runhost.ParentGone(ctx, 0, 5*time.Millisecond):
		t.Fatal("parent reported gone while alive")
	case <-time.After(50 * time.Millisecond):
	}
	// A parent pid that is not ours is reported gone at once.
	select {
	case <-runhost.ParentGone(ctx, 1<<30, 5*time.Millisecond):
	case <-time.After(5 * time.Second):
		t.Fatal("a changed parent was not noticed")
	}
}
