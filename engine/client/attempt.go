package client

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Attempt is one request as the Policy sees it: who sends what. The same
// *Attempt is passed to Admit and Done, so a Policy may keep per-attempt state
// in State (a circuit breaker's completion, say).
type Attempt struct {
	VU     int    // index of the sending VU, -1 outside any VU (cleanup)
	Group  string // endpoint group
	Method string
	Route  string // route template, the `route` label
	// Slot is what a Binder policy bound to the route, nil for an unbound
	// route: its per-route state, found without a look-up.
	Slot any
	// State belongs to the Policy, from Admit to Done.
	State any
}

// Binder is optionally implemented by a Policy that keeps state per route
// and group: the Client binds each route once (catalog routes when it is
// made, plain requests when compiled) and passes the result in every
// Attempt.Slot. Keyed look-ups per request missed the caches between system
// calls; a pointer does not. Bind must not register anything visible: a bound
// route may never be used.
type Binder interface {
	Bind(group, method, route string) any
}

// Advisor is optionally implemented by a Policy that also steers what virtual
// users choose to do (open circuit breakers, graceful degradation). The runner
// asks it before choosing an action; every method must be cheap.
type Advisor interface {
	// AllowGroup reports whether a VU may choose an action of the group now.
	AllowGroup(group string) bool
	// AllowAction reports whether a VU may take an action whose main request is
	// method on group; deliberate client errors ask with method "mistake".
	AllowAction(group, method string) bool
	// WaitSession blocks while new sessions are paused; false when stop closed
	// first. It never spins: it sleeps between checks.
	WaitSession(stop <-chan struct{}) bool
}

// maxRetryAfter bounds what a Retry-After may ask for; the Policy caps it
// further.
const maxRetryAfter = 24 * time.Hour

// retryAfter is the answer's Retry-After, 0 when absent or unreadable.
func retryAfter(resp *fasthttp.Response) time.Duration {
	ra := resp.Header.Peek("Retry-After")
	if len(ra) == 0 {
		return 0
	}
	d, _ := ParseRetryAfter(string(ra), time.Now())
	return d
}

// ParseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3), relative to now. A date in the past means 0. It reports
// false for a value that is neither.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		return 0, true
	}
	return min(d, maxRetryAfter), true
}
