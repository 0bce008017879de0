package runner

import (
	"fmt"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/scenario"
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

// actionMethod is the method of an action's main request under the API
// profile ("" when unknown): a read stays a read though the profile moves it
// (auth.me: GET /session/me).
func (r *Runner) actionMethod(name string) string {
	a := scenario.Action(name)
	if a == nil || len(a.Endpoints) == 0 {
		return ""
	}
	if ep := catalog.Lookup(a.Endpoints[0]); ep != nil {
		return r.client.Method(ep)
	}
	return ""
}

// allowAction asks the policy whether the VU may take the action now.
func (v *vu) allowAction(group, method string) bool {
	a := v.r.advisor
	return a == nil || a.AllowAction(group, method)
}

// filterGroups drops from allowed the groups the policy refuses now (an open
// breaker): the VU does something else meanwhile.
func (v *vu) filterGroups(allowed *[numGroups]bool) {
	a := v.r.advisor
	if a == nil {
		return
	}
	for g := range numGroups {
		if allowed[g] && !a.AllowGroup(catalog.Groups[g]) {
			allowed[g] = false
		}
	}
}

// waitSession blocks while the policy pauses new sessions; false when the run
// stops meanwhile.
func (v *vu) waitSession() bool {
	a := v.r.advisor
	return a == nil || a.WaitSession(v.r.stopCh)
}
