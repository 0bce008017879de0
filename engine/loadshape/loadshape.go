// Package loadshape describes how much load a run asks for over time: stages of
// virtual-user targets (the closed model) and arrival rates (the open model), as
// piecewise-linear functions of the elapsed time, and the pacer that turns a
// rate into exact arrival times. Everything here is a pure function of the
// elapsed time, so schedules are testable without clocks.
package loadshape

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits on what a stage may ask for; beyond them a value is a typo.
const (
	MaxTarget   = 10_000_000 // virtual users of the whole run
	MaxRate     = 1_000_000  // arrivals per second
	MaxDuration = 7 * 24 * time.Hour
)

// Stage is one step of a ramp: over Duration, the value moves linearly from
// where the previous stage ended to Target. A zero Duration jumps.
type Stage struct {
	Duration time.Duration
	Target   float64 // virtual users, or arrivals per second
}

// String is the stage as a flag spells it (rates per second).
func (s Stage) String() string {
	return s.Duration.String() + ":" + strconv.FormatFloat(s.Target, 'f', -1, 64)
}

// ParseStages parses virtual-user stages such as "30s:100,1m:500,30s:0".
func ParseStages(s string) ([]Stage, error) {
	return parseList(s, "30s:100,1m:500,30s:0", func(v string) (float64, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxTarget {
			return 0, fmt.Errorf("target %q: want a whole number of virtual users from 0 to %d", v, MaxTarget)
		}
		return float64(n), nil
	})
}

// ParseRateStages parses arrival-rate stages such as "30s:10/s,1m:100/s".
func ParseRateStages(s string) ([]Stage, error) {
	return parseList(s, "30s:10/s,1m:100/s", ParseRate)
}

func parseList(s, example string, target func(string) (float64, error)) ([]Stage, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty: want stages like %s", example)
	}
	var out []Stage
	var total time.Duration
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		ds, vs, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("stage %d %q: want DURATION:TARGET, e.g. %s", i+1, part, example)
		}
		d, err := time.ParseDuration(strings.TrimSpace(ds))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("stage %d %q: duration %q: want e.g. 30s or 2m", i+1, part, ds)
		}
		v, err := target(strings.TrimSpace(vs))
		if err != nil {
			return nil, fmt.Errorf("stage %d %q: %w", i+1, part, err)
		}
		total += d
		if total > MaxDuration {
			return nil, fmt.Errorf("stages last more than %v", MaxDuration)
		}
		out = append(out, Stage{Duration: d, Target: v})
	}
	return out, nil
}

// ParseRate parses an arrival rate: "300/s", "90/m", or a bare number (per
// second). It returns arrivals per second.
func ParseRate(s string) (float64, error) {
	num, unit, hasUnit := strings.Cut(strings.TrimSpace(s), "/")
	per := 1.0
	if hasUnit {
		switch strings.TrimSpace(unit) {
		case "s", "sec", "1s":
			per = 1
		case "m", "min", "1m":
			per = 60
		default:
			return 0, fmt.Errorf("rate %q: unit %q: use /s or /m, e.g. 300/s", s, unit)
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return 0, fmt.Errorf("rate %q: want a number of arrivals per second or minute, e.g. 300/s or 90/m", s)
	}
	r := n / per
	if r > MaxRate {
		return 0, fmt.Errorf("rate %q: at most %d/s", s, MaxRate)
	}
	return r, nil
}

// FormatStages spells stages as the flags take them: virtual-user stages as
// ParseStages reads them, arrival-rate stages (rate true) as ParseRateStages does.
func FormatStages(st []Stage, rate bool) string {
	parts := make([]string, len(st))
	for i, s := range st {
		if rate {
			parts[i] = s.Duration.String() + ":" + FormatRate(s.Target)
		} else {
			parts[i] = s.String()
		}
	}
	return strings.Join(parts, ",")
}

// FormatRate spells a rate per second the way ParseRate reads it.
func FormatRate(perSecond float64) string {
	return strconv.FormatFloat(perSecond, 'f', -1, 64) + "/s"
}

// Ramp is a piecewise-linear function of the elapsed time: it starts at Start
// and follows the stages; after the last stage it holds the last target.
type Ramp struct {
	Start  float64
	Stages []Stage
}

// Total is the sum of the stages' durations.
func (r Ramp) Total() time.Duration {
	var t time.Duration
	for _, s := range r.Stages {
		t += s.Duration
	}
	return t
}

// Max is the largest value the ramp reaches.
func (r Ramp) Max() float64 {
	m := r.Start
	for _, s := range r.Stages {
		m = max(m, s.Target)
	}
	return m
}

// At is the value at elapsed t and the index of the stage t falls in (-1
// before the first when t < 0, len(Stages) after the last).
func (r Ramp) At(t time.Duration) (float64, int) {
	if t < 0 {
		return r.Start, -1
	}
	from := r.Start
	var begin time.Duration
	for i, s := range r.Stages {
		if t < begin+s.Duration {
			frac := float64(t-begin) / float64(s.Duration)
			return from + (s.Target-from)*frac, i
		}
		begin += s.Duration
		from = s.Target
	}
	return from, len(r.Stages)
}

// Integral is ∫₀ᵗ At(τ) dτ with the value per second: the number of arrivals a
// rate ramp asks for up to t.
func (r Ramp) Integral(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	from := r.Start
	var begin time.Duration
	var sum float64
	for _, s := range r.Stages {
		end := begin + s.Duration
		if t < end {
			tau := (t - begin).Seconds()
			slope := (s.Target - from) / s.Duration.Seconds()
			return sum + from*tau + slope*tau*tau/2
		}
		sum += (from + s.Target) / 2 * s.Duration.Seconds()
		begin, from = end, s.Target
	}
	return sum + from*(t-begin).Seconds()
}

// ErrNoMoreHits is returned by Pacer.HitAt when the ramp ends (or its rate
// stays at zero) before the hit is due.
var ErrNoMoreHits = errors.New("no more hits")

// Pacer spaces arrivals so that by any elapsed t, the arrivals due number
// ⌊Integral(t)⌋+1: hit n (from 0) is due at the t where Integral(t) = n. Hit 0
// is at t = 0. It is a pure function of n, so a scheduler that falls behind
// knows exactly when every hit was meant to happen.
type Pacer struct {
	ramp Ramp
	end  time.Duration // hits at or after end are not due; 0 = no end
	// cumulative integral at the start of each stage, and the stage start times
	cum   []float64
	start []time.Duration
}

// NewPacer paces arrivals by the ramp, up to end (0: the ramp's total, or no end
// when the ramp has no stages).
func NewPacer(r Ramp, end time.Duration) *Pacer {
	p := &Pacer{ramp: r, end: end}
	if end == 0 && len(r.Stages) > 0 {
		p.end = r.Total()
	}
	var sum float64
	var t time.Duration
	from := r.Start
	for _, s := range r.Stages {
		p.cum = append(p.cum, sum)
		p.start = append(p.start, t)
		sum += (from + s.Target) / 2 * s.Duration.Seconds()
		t += s.Duration
		from = s.Target
	}
	p.cum = append(p.cum, sum)
	p.start = append(p.start, t)
	return p
}

// End is when the pacer stops (0: never).
func (p *Pacer) End() time.Duration { return p.end }

// Rate is the arrival rate per second at elapsed t, and the stage index.
func (p *Pacer) Rate(t time.Duration) (float64, int) { return p.ramp.At(t) }

// Hits is how many arrivals are due at or before elapsed t (before the end).
func (p *Pacer) Hits(t time.Duration) int64 {
	if t < 0 {
		return 0
	}
	if p.end > 0 && t >= p.end {
		t = p.end - 1
	}
	return int64(math.Floor(p.ramp.Integral(t)+1e-9)) + 1
}

// HitAt is when hit n (from 0) is due, or ErrNoMoreHits.
func (p *Pacer) HitAt(n int64) (time.Duration, error) {
	if n < 0 {
		return 0, ErrNoMoreHits
	}
	want := float64(n)
	st := p.ramp.Stages
	from := p.ramp.Start
	for i, s := range st {
		segEnd := p.cum[i+1]
		if want < segEnd {
			rem := want - p.cum[i]
			v0 := from
			slope := 0.0
			if s.Duration > 0 {
				slope = (s.Target - from) / s.Duration.Seconds()
			}
			// τ solves v0·τ + slope·τ²/2 = rem; this form is stable when slope → 0.
			disc := v0*v0 + 2*slope*rem
			den := v0 + math.Sqrt(max(disc, 0))
			tau := 0.0
			if den > 0 {
				tau = 2 * rem / den
			}
			at := p.start[i] + time.Duration(tau*float64(time.Second))
			return p.check(min(at, p.start[i]+s.Duration))
		}
		from = s.Target
	}
	// After the stages: the last rate holds.
	last := len(st)
	if from <= 0 {
		return 0, ErrNoMoreHits
	}
	rem := want - p.cum[last]
	at := p.start[last] + time.Duration(rem/from*float64(time.Second))
	return p.check(at)
}

func (p *Pacer) check(at time.Duration) (time.Duration, error) {
	if p.end > 0 && at >= p.end {
		return 0, ErrNoMoreHits
	}
	return at, nil
}
