// Package runhosttest provides simulated runs for testing code that drives a
// runhost.Host (or the plugin on top of it) without generating real traffic.
package runhosttest

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runhost"
)

// Scenarios are the names the fake factory's host should allow.
var Scenarios = []enginerpc.Scenario{
	{Name: "mixed", Description: "every archetype"},
	{Name: "admin", Description: "admins only"},
}

// Factory returns runs that count one request per user every tick until they
// reach Users×MaxRequestCount requests, their duration passes, or they are stopped.
// Users < 1 is refused with a *enginerpc.FieldError, as the runner does.
func Factory(tick time.Duration) runhost.Factory {
	return func(cfg enginerpc.RunConfig) (runhost.Run, error) {
		if cfg.Users < 1 {
			return nil, &enginerpc.FieldError{Field: "users", Message: "must be at least 1"}
		}
		id := cfg.RunID
		if id == "" {
			id = strings.ToLower(rand.Text()[:8])
		}
		return &Run{id: id, cfg: cfg, tick: tick, stop: make(chan struct{}), done: make(chan struct{}), state: enginerpc.StateStarting}, nil
	}
}

// Run is a simulated run.
type Run struct {
	id   string
	cfg  enginerpc.RunConfig
	tick time.Duration

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}

	mu       sync.Mutex
	state    enginerpc.State
	started  time.Time
	ended    time.Time
	requests int64
}

// ID implements runhost.Run.
func (r *Run) ID() string { return r.id }

// Run implements runhost.Run.
func (r *Run) Run(ctx context.Context) {
	defer close(r.done)
	r.mu.Lock()
	r.state, r.started = enginerpc.StateRunning, time.Now()
	r.mu.Unlock()
	t := time.NewTicker(r.tick)
	defer t.Stop()
	var limit <-chan time.Time
	if r.cfg.Duration > 0 {
		limit = time.After(r.cfg.Duration)
	}
	total := int64(r.cfg.Users * max(r.cfg.MaxRequestCount, 1))
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-r.stop:
			break loop
		case <-limit:
			break loop
		case <-t.C:
			r.mu.Lock()
			r.requests = min(total, r.requests+int64(r.cfg.Users))
			full := r.requests >= total
			r.mu.Unlock()
			if full {
				break loop
			}
		}
	}
	r.mu.Lock()
	r.state, r.ended = enginerpc.StateFinished, time.Now()
	r.mu.Unlock()
}

// Stop implements runhost.Run.
func (r *Run) Stop() {
	r.stopOnce.Do(func() {
		r.mu.Lock()
		if !r.state.Ended() {
			r.state = enginerpc.StateStopping
		}
		r.mu.Unlock()
		close(r.stop)
	})
}

// Done implements runhost.Run.
func (r *Run) Done() <-chan struct{} { return r.done }

// Status implements runhost.Run.
func (r *Run) Status() enginerpc.RunStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	active := r.cfg.Users
	if r.state.Ended() {
		active = 0
	}
	elapsed := time.Duration(0)
	if !r.started.IsZero() {
		end := r.ended
		if end.IsZero() {
			end = time.Now()
		}
		elapsed = end.Sub(r.started)
	}
	return enginerpc.RunStatus{
		ID: r.id, State: r.state, StartedAt: r.started, EndedAt: r.ended,
		Stats: enginerpc.RunStats{
			ActiveUsers: active, TotalUsers: r.cfg.Users, Requests: r.requests, SuccessRate: 1,
			Elapsed: elapsed, Remaining: -1, AvgLatency: time.Millisecond,
		},
		Recent: []enginerpc.RequestEvent{{Time: time.Now(), VU: 1, Method: "GET", Route: "/api/v1/users/{id}", Status: 200, Latency: time.Millisecond}},
	}
}
