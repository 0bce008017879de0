package usersvc

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Groups are the route groups faults can target (docs/api.md).
var Groups = []string{"auth", "users", "profiles", "roles", "permissions", "user_roles"}

// Fault bounds; beyond them a setting is a mistake, not a test.
const (
	maxFaultLatencyMs = 60_000
	maxRetryAfter     = 3600
)

// Faults are the injected faults: a share of 500 answers, added latency and a rate
// limit answered with 429. Groups override the global fields they set, per group.
// The JSON form is the body of GET/PUT /admin/faults.
type Faults struct {
	ErrorRate         float64                `json:"error_rate"`
	LatencyMs         int                    `json:"latency_ms"`
	LatencyJitterMs   int                    `json:"latency_jitter_ms"`
	RateLimitRPS      float64                `json:"rate_limit_rps"`
	RetryAfterSeconds int                    `json:"retry_after_seconds"` // 0 → 1
	Groups            map[string]GroupFaults `json:"groups"`
}

// GroupFaults overrides the global fault fields that are not nil for one group.
type GroupFaults struct {
	ErrorRate         *float64 `json:"error_rate,omitempty"`
	LatencyMs         *int     `json:"latency_ms,omitempty"`
	LatencyJitterMs   *int     `json:"latency_jitter_ms,omitempty"`
	RateLimitRPS      *float64 `json:"rate_limit_rps,omitempty"`
	RetryAfterSeconds *int     `json:"retry_after_seconds,omitempty"`
}

// ValidationError lists invalid fields by name (JSON path such as
// "groups.auth.error_rate") with what is wrong.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := slices.Sorted(maps.Keys(e.Fields))
	msg := "invalid fault settings:"
	for _, k := range keys {
		msg += fmt.Sprintf(" %s %s;", k, e.Fields[k])
	}
	return msg[:len(msg)-1]
}

// Validate checks every field and names each bad one.
func (f Faults) Validate() error {
	var fe fieldErrors
	checkRate(&fe, "error_rate", f.ErrorRate)
	checkMs(&fe, "latency_ms", f.LatencyMs)
	checkMs(&fe, "latency_jitter_ms", f.LatencyJitterMs)
	checkRPS(&fe, "rate_limit_rps", f.RateLimitRPS)
	checkRetryAfter(&fe, "retry_after_seconds", f.RetryAfterSeconds)
	for name, g := range f.Groups {
		p := "groups." + name
		if !slices.Contains(Groups, name) {
			fe.add(p, fmt.Sprintf("unknown group; use one of %v", Groups))
			continue
		}
		if g.ErrorRate != nil {
			checkRate(&fe, p+".error_rate", *g.ErrorRate)
		}
		if g.LatencyMs != nil {
			checkMs(&fe, p+".latency_ms", *g.LatencyMs)
		}
		if g.LatencyJitterMs != nil {
			checkMs(&fe, p+".latency_jitter_ms", *g.LatencyJitterMs)
		}
		if g.RateLimitRPS != nil {
			checkRPS(&fe, p+".rate_limit_rps", *g.RateLimitRPS)
		}
		if g.RetryAfterSeconds != nil {
			checkRetryAfter(&fe, p+".retry_after_seconds", *g.RetryAfterSeconds)
		}
	}
	if len(fe) > 0 {
		return &ValidationError{Fields: fe}
	}
	return nil
}

func checkRate(fe *fieldErrors, field string, v float64) {
	if !(v >= 0 && v <= 1) {
		fe.add(field, "must be between 0 and 1")
	}
}

func checkMs(fe *fieldErrors, field string, v int) {
	if v < 0 || v > maxFaultLatencyMs {
		fe.add(field, fmt.Sprintf("must be 0–%d milliseconds", maxFaultLatencyMs))
	}
}

func checkRPS(fe *fieldErrors, field string, v float64) {
	if !(v >= 0) || math.IsInf(v, 0) {
		fe.add(field, "must be a non-negative number of requests per second (0 = no limit)")
	}
}

func checkRetryAfter(fe *fieldErrors, field string, v int) {
	if v < 0 || v > maxRetryAfter {
		fe.add(field, fmt.Sprintf("must be 0–%d seconds (0 means 1)", maxRetryAfter))
	}
}

// clone deep-copies f so callers never share its maps or pointers.
func (f Faults) clone() Faults {
	out := f
	out.Groups = make(map[string]GroupFaults, len(f.Groups))
	for k, g := range f.Groups {
		out.Groups[k] = GroupFaults{
			ErrorRate: clonePtr(g.ErrorRate), LatencyMs: clonePtr(g.LatencyMs),
			LatencyJitterMs: clonePtr(g.LatencyJitterMs), RateLimitRPS: clonePtr(g.RateLimitRPS),
			RetryAfterSeconds: clonePtr(g.RetryAfterSeconds),
		}
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// groupFaults is one group's effective settings, resolved once per SetFaults so the
// request path reads them without maps or locks.
type groupFaults struct {
	errorRate  float64
	latency    time.Duration
	jitter     time.Duration
	limiter    *rate.Limiter // nil: no limit
	retryAfter string        // Retry-After header value
	rateLimit  *apiError
}

// faultState is the immutable resolved form of a Faults, swapped atomically.
type faultState struct {
	spec   Faults
	groups []groupFaults // indexed like Groups
}

// newLimiter makes a token bucket of rps with a burst of one second's worth, so a
// client at the limit is not refused for jitter in its own pacing.
func newLimiter(rps float64) *rate.Limiter {
	if rps <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(rps), max(1, int(math.Ceil(rps))))
}

func resolveFaults(f Faults) *faultState {
	st := &faultState{spec: f.clone(), groups: make([]groupFaults, len(Groups))}
	// Groups that do not set their own limit share the global bucket.
	global := newLimiter(f.RateLimitRPS)
	for i, name := range Groups {
		g := f.Groups[name]
		eff := groupFaults{
			errorRate: f.ErrorRate,
			latency:   time.Duration(f.LatencyMs) * time.Millisecond,
			jitter:    time.Duration(f.LatencyJitterMs) * time.Millisecond,
			limiter:   global,
		}
		retry := f.RetryAfterSeconds
		if g.ErrorRate != nil {
			eff.errorRate = *g.ErrorRate
		}
		if g.LatencyMs != nil {
			eff.latency = time.Duration(*g.LatencyMs) * time.Millisecond
		}
		if g.LatencyJitterMs != nil {
			eff.jitter = time.Duration(*g.LatencyJitterMs) * time.Millisecond
		}
		if g.RateLimitRPS != nil {
			eff.limiter = newLimiter(*g.RateLimitRPS)
		}
		if g.RetryAfterSeconds != nil {
			retry = *g.RetryAfterSeconds
		}
		eff.retryAfter = strconv.Itoa(max(retry, 1))
		e := newError(http.StatusTooManyRequests, "rate_limited",
			fmt.Sprintf("rate limit exceeded (fault injection); retry after %s s", eff.retryAfter))
		e.header = [2]string{"Retry-After", eff.retryAfter}
		eff.rateLimit = e
		st.groups[i] = eff
	}
	return st
}

// SetFaults validates f and replaces the whole fault settings (rate-limit buckets
// start full again).
func (s *Service) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if f.RetryAfterSeconds == 0 {
		f.RetryAfterSeconds = 1
	}
	s.faults.Store(resolveFaults(f))
	return nil
}

// Faults returns a copy of the current fault settings.
func (s *Service) Faults() Faults { return s.faults.Load().spec.clone() }

// injectFaults applies group gi's faults to a request: the rate limit first (a
// refused request costs nothing), then latency, then the error. It returns the answer
// to send instead of handling the request, or nil.
func (s *Service) injectFaults(ctx context.Context, gi int) *apiError {
	g := &s.faults.Load().groups[gi]
	if g.limiter != nil && !g.limiter.Allow() {
		s.metrics.faults[gi][faultRateLimit].Inc()
		return g.rateLimit
	}
	if d := g.latency; d > 0 || g.jitter > 0 {
		if g.jitter > 0 {
			d += rand.N(g.jitter)
		}
		s.metrics.faults[gi][faultLatency].Inc()
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return errCanceled
		}
	}
	// rand.Float64 is in [0,1): a rate of 0 never fires and 1 always does.
	if g.errorRate > 0 && rand.Float64() < g.errorRate {
		s.metrics.faults[gi][faultError].Inc()
		return errInjected
	}
	return nil
}
