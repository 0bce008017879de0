package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/runner"
)

// addResilienceFlags registers the flags of the run's resilience policy
// (docs/resilience.md) on f, defaults from resilience.Defaults.
func addResilienceFlags(f *pflag.FlagSet, c *resilience.Config) {
	*c = resilience.Defaults()
	f.BoolVar(&c.Breakers, "breakers", c.Breakers, "circuit breakers per endpoint group (--breakers=false turns them off)")
	floatVar(f, &c.BreakerFailureRatio, "breaker-failure-ratio", c.BreakerFailureRatio, "share of failed requests (5xx, timeouts, connection errors) in the window that opens a breaker")
	f.IntVar(&c.BreakerMinRequests, "breaker-min-requests", c.BreakerMinRequests, "fewest requests in the window before a breaker may open")
	f.DurationVar(&c.BreakerWindow, "breaker-window", c.BreakerWindow, "rolling window a breaker counts requests over")
	f.DurationVar(&c.BreakerCooldown, "breaker-cooldown", c.BreakerCooldown, "how long an open breaker refuses requests before half-open probes")
	f.IntVar(&c.BreakerProbes, "breaker-probes", c.BreakerProbes, "half-open probes that must succeed to close a breaker")
	f.BoolVar(&c.AdaptiveTimeouts, "adaptive-timeouts", c.AdaptiveTimeouts, "per-route timeouts of p95 × --timeout-factor within --timeout-floor and --timeout-cap (false: every request gets --timeout-cap)")
	floatVar(f, &c.TimeoutFactor, "timeout-factor", c.TimeoutFactor, "adaptive timeout = the route's recent p95 × this factor")
	f.DurationVar(&c.TimeoutFloor, "timeout-floor", c.TimeoutFloor, "shortest adaptive timeout")
	f.DurationVar(&c.TimeoutCap, "timeout-cap", c.TimeoutCap, "longest timeout of a request (and the timeout until a route has enough answers)")
	f.DurationVar(&c.MaxRetryAfter, "max-retry-after", c.MaxRetryAfter, "longest wait a 429/503 Retry-After is honoured for")
	f.DurationVar(&c.BackoffBase, "backoff-base", c.BackoffBase, "first backoff ceiling after a transport error (doubles per failure in a row, full jitter)")
	f.DurationVar(&c.BackoffMax, "backoff-max", c.BackoffMax, "largest backoff ceiling after transport errors")
	floatVar(f, &c.MaxRPS, "max-rps", c.MaxRPS, "cap on the whole run's requests per second (0 = no cap)")
	f.IntVar(&c.MaxInFlight, "max-in-flight", c.MaxInFlight, "cap on requests on the wire at once (0 = --users)")
	f.BoolVar(&c.Degrade, "degrade", c.Degrade, "graceful degradation: shed non-critical actions as the error rate or p95 rises (levels normal, light, heavy, emergency)")
	f.DurationVar(&c.DegradeInterval, "degrade-interval", c.DegradeInterval, "interval the degradation level is computed over")
}

// resilienceError names the flag of an invalid resilience setting.
func resilienceError(err error) error {
	var fe *resilience.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("--%s: %s", fe.Field, fe.Message)
	}
	return err
}

// liveBreakers is the progress display's breaker line: the groups whose breaker
// is not closed, open ones first ("open: profile · half-open: auth").
func liveBreakers(s runner.Snapshot) string {
	var open, half []string
	for _, b := range s.Breakers {
		if b.State == "open" {
			open = append(open, b.Group)
		} else {
			half = append(half, b.Group)
		}
	}
	var parts []string
	if len(open) > 0 {
		parts = append(parts, "open: "+strings.Join(open, ", "))
	}
	if len(half) > 0 {
		parts = append(parts, "half-open: "+strings.Join(half, ", "))
	}
	return strings.Join(parts, " · ")
}
