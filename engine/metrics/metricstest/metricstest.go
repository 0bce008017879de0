// Package metricstest records a fixed, known run into a real metrics.Run for
// the tests of the packages that present or summarise statistics.
package metricstest

import (
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// T0 is when the recorded requests start.
var T0 = time.Date(2026, 3, 4, 12, 34, 10, 0, time.UTC)

// Recorded drives a real metrics.Run through a fixed set of requests (twelve
// on five endpoints: successes, a 401, a 500, a timeout), VU lifecycles,
// sessions and token operations, and returns its Stats.
func Recorded(t testing.TB) metrics.Stats {
	t.Helper()
	r, err := metrics.NewRun(metrics.RunInfo{ID: "abc12345", Scenario: "mixed", Target: "http://127.0.0.1:8080", Version: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(vu int, group, method, route string, status int, expected bool, kind string, at, lat time.Duration) {
		r.Record(metrics.Sample{VU: vu, Group: group, Method: method, Route: route, Status: status,
			Expected: expected, ErrKind: kind, Start: T0.Add(at), Latency: lat})
	}
	for i := range 8 {
		rec(i, "user_query", "GET", "/api/v1/users", 200, true, "", time.Duration(i)*time.Second, time.Duration(10+i)*time.Millisecond)
	}
	rec(45, "user_mutation", "POST", "/api/v1/users", 201, true, "", 5*time.Second-123*time.Millisecond, 123*time.Millisecond)
	rec(3, "auth", "POST", "/api/v1/auth/login", 401, true, "", 500*time.Millisecond, 4*time.Millisecond)
	rec(7, "admin", "DELETE", "/api/v1/users/{id}", 500, false, "unexpected_status", 100*time.Millisecond, 2*time.Second)
	rec(9, "auth", "POST", "/api/v1/auth/refresh", 0, false, "timeout", -30*time.Second, 30*time.Second)
	r.VUTransition("", metrics.VUActive)
	r.AssignArchetype("admin")
	r.AssignArchetype("power_user")
	r.Session("admin", 90*time.Second, true)
	r.TokenOp("login", true)
	r.TokenOp("refresh", false)
	return r.Stats()
}
