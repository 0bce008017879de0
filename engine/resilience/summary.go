package resilience

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"sync/atomic"
	"time"
)

// Summary is what the policy did during a run: the "resilience" object of the
// summary JSON (docs/summary.md) and a section of the final report.
type Summary struct {
	Breakers         bool                      `json:"breakers"`
	AdaptiveTimeouts bool                      `json:"adaptive_timeouts"`
	MaxRPS           float64                   `json:"max_rps"` // 0: no cap
	MaxInFlight      int                       `json:"max_in_flight"`
	Circuits         map[string]CircuitSummary `json:"circuits,omitempty"`         // by endpoint group
	TimeoutsSeconds  map[string]float64        `json:"timeouts_seconds,omitempty"` // current timeout by route
	Waits            map[string]WaitSummary    `json:"waits,omitempty"`            // by reason
	Degradation      *DegradationSummary       `json:"degradation,omitempty"`      // nil when off
}

// CircuitSummary is one group's breaker.
type CircuitSummary struct {
	State      string `json:"state"` // at the end: closed, half_open, open
	Opened     int64  `json:"opened"`
	HalfOpened int64  `json:"half_opened"`
	Closed     int64  `json:"closed"`
}

// WaitSummary counts requests held back for one reason.
type WaitSummary struct {
	Count   int64   `json:"count"`
	Seconds float64 `json:"seconds"`
}

// DegradationSummary is the graceful degradation's record.
type DegradationSummary struct {
	Level    string           `json:"level"`     // at the end
	MaxLevel string           `json:"max_level"` // the highest reached
	Changes  int64            `json:"changes"`
	Shed     map[string]int64 `json:"shed,omitempty"` // actions shed by group
}

// Summary returns what the policy did so far.
func (p *Policy) Summary() *Summary {
	s := &Summary{Breakers: p.cfg.Breakers, AdaptiveTimeouts: p.cfg.AdaptiveTimeouts, MaxRPS: p.cfg.MaxRPS, MaxInFlight: p.cfg.MaxInFlight}
	p.breakers.Range(func(k, v any) bool {
		b := v.(*breaker)
		if s.Circuits == nil {
			s.Circuits = map[string]CircuitSummary{}
		}
		s.Circuits[k.(string)] = CircuitSummary{State: stateName(b.state.Load()), Opened: b.opened.Load(),
			HalfOpened: b.halfOpen.Load(), Closed: b.closed.Load()}
		return true
	})
	if p.cfg.AdaptiveTimeouts {
		p.routes.Range(func(k, v any) bool {
			if s.TimeoutsSeconds == nil {
				s.TimeoutsSeconds = map[string]float64{}
			}
			s.TimeoutsSeconds[k.(string)] = v.(*routeTimer).current().Seconds()
			return true
		})
	}
	for i, r := range waitReasons {
		if n := p.waitCount[i].Load(); n > 0 {
			if s.Waits == nil {
				s.Waits = map[string]WaitSummary{}
			}
			s.Waits[r] = WaitSummary{Count: n, Seconds: time.Duration(p.waitNanos[i].Load()).Seconds()}
		}
	}
	if p.cfg.Degrade {
		d := &DegradationSummary{Level: Level(p.level.Load()).String(), MaxLevel: Level(p.maxLevel.Load()).String(),
			Changes: p.levelChanges.Load()}
		p.shed.Range(func(k, v any) bool {
			if d.Shed == nil {
				d.Shed = map[string]int64{}
			}
			d.Shed[k.(string)] = v.(*atomic.Int64).Load()
			return true
		})
		s.Degradation = d
	}
	return s
}

// WriteText writes the summary as the final report's "Resilience" section.
func (s *Summary) WriteText(w io.Writer) error {
	if s == nil {
		return nil
	}
	var err error
	pf := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	rps := "none"
	if s.MaxRPS > 0 {
		rps = fmt.Sprintf("%g/s", s.MaxRPS)
	}
	pf("Resilience: breakers %s, adaptive timeouts %s, rate cap %s, max in flight %d\n",
		onOff(s.Breakers), onOff(s.AdaptiveTimeouts), rps, s.MaxInFlight)
	groups := make([]string, 0, len(s.Circuits))
	for g := range s.Circuits {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		c := s.Circuits[g]
		if c.Opened == 0 && c.State == "closed" {
			continue
		}
		pf("  circuit %-16s %-9s opened %d, half-open %d, closed %d\n", g, c.State, c.Opened, c.HalfOpened, c.Closed)
	}
	reasons := make([]string, 0, len(s.Waits))
	for r := range s.Waits {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		pf("  waits %-13s %d (%.1fs)\n", r, s.Waits[r].Count, s.Waits[r].Seconds)
	}
	if d := s.Degradation; d != nil {
		pf("  degradation: now %s, highest %s, %d changes", d.Level, d.MaxLevel, d.Changes)
		var shed int64
		for _, n := range d.Shed {
			shed += n
		}
		pf(", %d actions shed\n", shed)
	}
	return err
}
