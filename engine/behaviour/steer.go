package behaviour

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// steer keeps the run's request mix and client-error share on the scenario's
// targets. Each VU's next choice leans toward what the whole run lacks so far:
// the weight of a group is what it still needs to reach its share of the next
// lookahead requests. Journeys, logins, refreshes and surprise 4xx all count,
// so the run's mix converges on the scenario's whatever they add. The counters
// are atomics: no lock on the per-request path.
type steer struct {
	mix       [catalog.NumGroups]float64
	clientErr float64
	lookahead float64
	// boost[g] is 1 / the share of VUs that can take actions of group g (only
	// admins administer): those few must carry the whole group's share.
	boost [catalog.NumGroups]float64

	total  atomic.Int64
	groups [catalog.NumGroups]atomic.Int64
	c4xx   atomic.Int64
}

func newSteer(sc *scenario.Scenario, users int) *steer {
	s := &steer{mix: sc.Mix, clientErr: sc.ClientErrors, lookahead: float64(50 + users)}
	for g := range s.boost {
		s.boost[g] = 1
	}
	return s
}

// setCapable records that only capable of users VUs can take group g's actions.
func (s *steer) setCapable(g, capable, users int) {
	if capable > 0 && users > 0 {
		s.boost[g] = float64(users) / float64(capable)
	}
}

// count records one request of the group with its status.
func (s *steer) count(group, status int) {
	s.total.Add(1)
	if group >= 0 {
		s.groups[group].Add(1)
	}
	if status >= 400 && status < 500 {
		s.c4xx.Add(1)
	}
}

// wantError decides whether the next action is a deliberate client error.
func (s *steer) wantError(r *rand.Rand) bool {
	if s.clientErr <= 0 {
		return false
	}
	n := float64(s.total.Load())
	deficit := s.clientErr*(n+s.lookahead) - float64(s.c4xx.Load())
	p := deficit / s.lookahead
	return r.Float64() < p
}

// pickGroup chooses an endpoint group among those allowed, or -1 if none is.
func (s *steer) pickGroup(r *rand.Rand, allowed *[catalog.NumGroups]bool) int {
	n := float64(s.total.Load())
	var w [catalog.NumGroups]float64
	var sum float64
	for g := range catalog.NumGroups {
		if !allowed[g] || s.mix[g] <= 0 {
			continue
		}
		d := s.mix[g]*(n+s.lookahead) - float64(s.groups[g].Load())
		if d > 0 {
			w[g] = d * s.boost[g]
			sum += w[g]
		}
	}
	if sum <= 0 {
		// Every allowed group is ahead of its share: fall back to the plain mix.
		for g := range catalog.NumGroups {
			if allowed[g] && s.mix[g] > 0 {
				w[g] = s.mix[g] * s.boost[g]
				sum += w[g]
			}
		}
		if sum <= 0 {
			return -1
		}
	}
	x := r.Float64() * sum
	last := -1
	for g := range catalog.NumGroups {
		if w[g] <= 0 {
			continue
		}
		last = g
		if x < w[g] {
			return g
		}
		x -= w[g]
	}
	return last
}

// picker draws items by weight: actions or error kinds resolved when the run
// is set up, so a draw looks nothing up by name.
type picker[T any] struct {
	items []T
	cum   []float64
}

// newPicker draws the weighted names' items (item resolves a name).
func newPicker[T any](ws []scenario.Weighted, item func(name string) T) picker[T] {
	p := picker[T]{}
	var sum float64
	for _, w := range ws {
		if w.Weight <= 0 {
			continue
		}
		sum += w.Weight
		p.items = append(p.items, item(w.Name))
		p.cum = append(p.cum, sum)
	}
	return p
}

func (p *picker[T]) empty() bool { return len(p.items) == 0 }

// pick draws an item (the zero T when there is none).
func (p *picker[T]) pick(r *rand.Rand) T {
	if len(p.items) == 0 {
		var zero T
		return zero
	}
	x := r.Float64() * p.cum[len(p.cum)-1]
	for i, c := range p.cum {
		if x < c {
			return p.items[i]
		}
	}
	return p.items[len(p.items)-1]
}
