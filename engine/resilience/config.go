// Package resilience is the client Policy of a run (docs/resilience.md): circuit
// breakers per endpoint group, adaptive timeouts per route, Retry-After and
// exponential backoff with full jitter, a run-wide rate cap, a cap on requests
// in flight and opt-in graceful degradation. It keeps fixed-size state whatever
// the run's length and never spins: every wait sleeps on a timer or a context.
package resilience

import (
	"fmt"
	"math"
	"time"
)

// Config tunes a Policy. Zero durations and counts mean "the default" only
// through Defaults; Validate rejects out-of-range values.
type Config struct {
	// Breakers: one circuit breaker per endpoint group. It opens when at least
	// BreakerMinRequests requests fell in BreakerWindow and at least
	// BreakerFailureRatio of them failed (5xx, timeouts, connection and protocol
	// errors; 4xx never count), stays open BreakerCooldown, then lets
	// BreakerProbes half-open probes through.
	Breakers            bool
	BreakerFailureRatio float64
	BreakerMinRequests  int
	BreakerWindow       time.Duration
	BreakerCooldown     time.Duration
	BreakerProbes       int

	// AdaptiveTimeouts: a route's timeout is its recent p95 × TimeoutFactor,
	// within [TimeoutFloor, TimeoutCap]; TimeoutCap until the route has
	// TimeoutMinSamples answers. Off: every request gets TimeoutCap.
	AdaptiveTimeouts  bool
	TimeoutFactor     float64
	TimeoutFloor      time.Duration
	TimeoutCap        time.Duration
	TimeoutMinSamples int

	// MaxRetryAfter caps the wait a 429/503 Retry-After asks for.
	MaxRetryAfter time.Duration
	// BackoffBase and BackoffMax bound a VU's exponential backoff with full
	// jitter after transport errors: the n-th failure in a row waits a uniform
	// draw in [0, min(BackoffMax, BackoffBase·2^(n-1))].
	BackoffBase time.Duration
	BackoffMax  time.Duration

	// MaxRPS caps the whole run's request rate (0 = no cap).
	MaxRPS float64
	// MaxInFlight caps requests on the wire at once (0 = the number of users).
	MaxInFlight int

	// Degrade turns graceful degradation on: the level follows the error rate
	// and p95 of each DegradeInterval with hysteresis (docs/resilience.md).
	Degrade         bool
	DegradeInterval time.Duration
	// DegradeErrorRate and DegradeP95 are the thresholds of the levels light,
	// heavy and emergency; a level is entered when either is reached.
	DegradeErrorRate [3]float64
	DegradeP95       [3]time.Duration
	// DegradeCalm is how many intervals in a row must be calm (both below
	// DegradeRecover × the current level's thresholds) before stepping down.
	DegradeCalm    int
	DegradeRecover float64
}

// Defaults are the settings of `trafficsim run`: breakers and adaptive timeouts
// on, degradation off.
func Defaults() Config {
	return Config{
		Breakers:            true,
		BreakerFailureRatio: 0.5,
		BreakerMinRequests:  20,
		BreakerWindow:       10 * time.Second,
		BreakerCooldown:     5 * time.Second,
		BreakerProbes:       3,

		AdaptiveTimeouts:  true,
		TimeoutFactor:     1.5,
		TimeoutFloor:      time.Second,
		TimeoutCap:        30 * time.Second,
		TimeoutMinSamples: 20,

		MaxRetryAfter: 30 * time.Second,
		BackoffBase:   100 * time.Millisecond,
		BackoffMax:    5 * time.Second,

		DegradeInterval:  2 * time.Second,
		DegradeErrorRate: [3]float64{0.05, 0.15, 0.30},
		DegradeP95:       [3]time.Duration{time.Second, 2 * time.Second, 5 * time.Second},
		DegradeCalm:      3,
		DegradeRecover:   0.7,
	}
}

// FieldError names the setting that is wrong (the CLI flag without "--").
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks the settings and names the first wrong one.
func (c Config) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, a...)}
	}
	if !(c.BreakerFailureRatio > 0 && c.BreakerFailureRatio <= 1) { // NaN fails too
		return bad("breaker-failure-ratio", "%g is not in (0, 1]: use e.g. 0.5 to open at half the requests failing", c.BreakerFailureRatio)
	}
	if c.BreakerMinRequests < 1 {
		return bad("breaker-min-requests", "%d: want at least 1 request before a breaker may open", c.BreakerMinRequests)
	}
	if c.BreakerWindow < 100*time.Millisecond {
		return bad("breaker-window", "%s: want at least 100ms, e.g. 10s", c.BreakerWindow)
	}
	if c.BreakerCooldown < 10*time.Millisecond {
		return bad("breaker-cooldown", "%s: want at least 10ms, e.g. 5s", c.BreakerCooldown)
	}
	if c.BreakerProbes < 1 {
		return bad("breaker-probes", "%d: want at least 1 half-open probe", c.BreakerProbes)
	}
	if !(c.TimeoutFactor >= 1) || math.IsInf(c.TimeoutFactor, 0) {
		return bad("timeout-factor", "%g: want at least 1 (the timeout is p95 × factor)", c.TimeoutFactor)
	}
	if c.TimeoutCap <= 0 {
		return bad("timeout-cap", "%s: want a positive duration, e.g. 30s", c.TimeoutCap)
	}
	if c.TimeoutFloor <= 0 || c.TimeoutFloor > c.TimeoutCap {
		return bad("timeout-floor", "%s: want a positive duration not above --timeout-cap (%s)", c.TimeoutFloor, c.TimeoutCap)
	}
	if c.TimeoutMinSamples < 1 {
		return bad("timeout-min-samples", "%d: want at least 1", c.TimeoutMinSamples)
	}
	if c.MaxRetryAfter < 0 {
		return bad("max-retry-after", "%s: want 0 or more, e.g. 30s", c.MaxRetryAfter)
	}
	if c.BackoffBase <= 0 {
		return bad("backoff-base", "%s: want more than 0, e.g. 100ms", c.BackoffBase)
	}
	if c.BackoffMax < c.BackoffBase {
		return bad("backoff-max", "%s is below --backoff-base %s: want base ≤ max", c.BackoffMax, c.BackoffBase)
	}
	if !(c.MaxRPS >= 0) || math.IsInf(c.MaxRPS, 0) {
		return bad("max-rps", "%g: want 0 (no cap) or a positive rate in requests per second", c.MaxRPS)
	}
	if c.MaxInFlight < 0 {
		return bad("max-in-flight", "%d: want 0 (the number of users) or a positive count", c.MaxInFlight)
	}
	// Checked with --degrade off too: an invalid value is a mistake whether
	// or not it is used yet.
	if c.DegradeInterval < 10*time.Millisecond {
		return bad("degrade-interval", "%s: want at least 10ms, e.g. 2s", c.DegradeInterval)
	}
	if c.Degrade {
		for i := range 3 {
			if !(c.DegradeErrorRate[i] > 0 && c.DegradeErrorRate[i] <= 1) || (i > 0 && c.DegradeErrorRate[i] < c.DegradeErrorRate[i-1]) {
				return bad("degrade-error-rates", "%v: want three rising rates in (0, 1] for light, heavy, emergency", c.DegradeErrorRate)
			}
			if c.DegradeP95[i] <= 0 || (i > 0 && c.DegradeP95[i] < c.DegradeP95[i-1]) {
				return bad("degrade-p95", "%v: want three rising durations for light, heavy, emergency", c.DegradeP95)
			}
		}
		if c.DegradeCalm < 1 {
			return bad("degrade-calm", "%d: want at least 1 interval", c.DegradeCalm)
		}
		if !(c.DegradeRecover > 0 && c.DegradeRecover <= 1) {
			return bad("degrade-recover", "%g: want a share in (0, 1], e.g. 0.7", c.DegradeRecover)
		}
	}
	return nil
}
