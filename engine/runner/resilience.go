package runner

import (
	"fmt"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/resilience"
)

// WithResilience gives the run a resilience.Policy with these settings (circuit
// breakers, adaptive timeouts, Retry-After and backoff, rate and in-flight caps,
// degradation; docs/resilience.md). The runner builds it when the run starts,
// with the run's id and registry, and reports it in the summary. WithPolicy,
// when also given, wins.
func WithResilience(c resilience.Config) Option {
	return func(o *options) { o.resilience = &c }
}

// Resilience is the run's resilience policy (nil without WithResilience, or
// before the run started).
func (r *Runner) Resilience() *resilience.Policy { return r.res.Load() }

// setupPolicy returns the client policy of the run: WithPolicy's, else a
// resilience.Policy from WithResilience, else nil (the client's fixed timeout).
func (r *Runner) setupPolicy() (client.Policy, error) {
	if r.opts.policy != nil {
		r.advisor, _ = r.opts.policy.(client.Advisor)
		return r.opts.policy, nil
	}
	if r.opts.resilience == nil {
		return nil, nil
	}
	p, err := resilience.New(*r.opts.resilience, resilience.Run{
		// The in-flight cap defaults to the VUs that can send at once (the closed
		// model's slots, the largest stage target with --stages, or the open pool)
		// within the connections the open-file limit leaves (capacity.go).
		ID: r.cfg.RunID, Users: r.capacity.Conns.InFlight, Registerer: r.opts.reg, Log: r.log,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the resilience policy: %w", err)
	}
	r.res.Store(p)
	r.advisor = p
	return p, nil
}
