package usersvc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestErrorRateByGroup(t *testing.T) {
	run := startService(t, Config{})
	c := newClient(t, run)
	adm := c.login("admin", "admin").AccessToken
	c.expect(200, "PUT", "/admin/faults", adm, map[string]any{"groups": map[string]any{"users": map[string]any{"error_rate": 1.0}}})
	for range 20 {
		c.expectCode(500, "injected_fault", "GET", "/api/v1/users/1", adm, nil)
	}
	// Other groups and the service routes are untouched.
	for range 20 {
		c.expect(200, "GET", "/api/v1/roles", adm, nil)
		c.expect(200, "GET", "/api/v1/users/1/roles", adm, nil)
		c.expect(200, "POST", "/api/v1/auth/me", adm, nil)
	}
	// Faults come before authentication: even an anonymous call gets the 500.
	c.expectCode(500, "injected_fault", "GET", "/api/v1/users", "", nil)
	if got := metricValue(t, run.Service.Registry(), "usersvc_injected_faults_total", "kind", "error", "group", "users"); got != 21 {
		t.Fatalf("injected errors for users = %v, want 21", got)
	}
	if got := metricValue(t, run.Service.Registry(), "usersvc_injected_faults_total", "kind", "error", "group", "roles"); got != 0 {
		t.Fatalf("injected errors for roles = %v, want 0", got)
	}

	// Global 1.0 hits every API group, never /healthz, /metrics or /admin/faults.
	c.expect(200, "PUT", "/admin/faults", adm, map[string]any{"error_rate": 1.0})
	for _, p := range []string{"/api/v1/roles", "/api/v1/permissions", "/api/v1/users/1/profile", "/api/v1/users/1/roles"} {
		c.expectCode(500, "injected_fault", "GET", p, adm, nil)
	}
	c.expectCode(500, "injected_fault", "POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "admin"})
	c.expect(200, "GET", "/healthz", "", nil)
	c.expect(200, "GET", "/metrics", "", nil)
	c.expect(200, "GET", "/admin/faults", adm, nil)

	// A group override of 0 exempts that group.
	c.expect(200, "PUT", "/admin/faults", adm, map[string]any{"error_rate": 1.0, "groups": map[string]any{"roles": map[string]any{"error_rate": 0}}})
	for range 20 {
		c.expect(200, "GET", "/api/v1/roles", adm, nil)
	}
	c.expectCode(500, "injected_fault", "GET", "/api/v1/permissions", adm, nil)
}

func TestErrorRateIsStatistical(t *testing.T) {
	c := newClient(t, startService(t, Config{Faults: Faults{ErrorRate: 0.5}}))
	c.hc.Transport = &http.Transport{MaxIdleConnsPerHost: 4}
	const n = 1000
	fails := 0
	for range n {
		r := c.do("GET", "/api/v1/roles", "", nil) // 401 when not injected
		switch r.status {
		case 500:
			fails++
		case 401:
		default:
			t.Fatalf("status %d", r.status)
		}
	}
	// Binomial(1000, 0.5): sd ≈ 15.8, so ±100 is more than 6 sd.
	if fails < 400 || fails > 600 {
		t.Fatalf("injected %d errors in %d requests at rate 0.5", fails, n)
	}
}

func TestLatency(t *testing.T) {
	run := startService(t, Config{Faults: Faults{Groups: map[string]GroupFaults{
		"permissions": {LatencyMs: ptr(150), LatencyJitterMs: ptr(50)},
	}}})
	c := newClient(t, run)
	adm := c.login("admin", "admin").AccessToken
	for range 3 {
		start := time.Now()
		c.expect(200, "GET", "/api/v1/permissions", adm, nil)
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("request took %v, want at least the configured 150ms", d)
		}
	}
	// Another group is not slowed.
	c.expect(200, "GET", "/api/v1/roles", adm, nil)
	reg := run.Service.Registry()
	if got := metricValue(t, reg, "usersvc_injected_faults_total", "kind", "latency", "group", "roles"); got != 0 {
		t.Fatalf("latency injected into roles %v times; only permissions is slowed", got)
	}
	if got := metricValue(t, reg, "usersvc_injected_faults_total", "kind", "latency", "group", "permissions"); got != 3 {
		t.Fatalf("latency injected into permissions %v times, want 3", got)
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	s, err := New(Config{BcryptCost: 4, Faults: Faults{LatencyMs: 30_000}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *apiError, 1)
	go func() { done <- s.injectFaults(ctx, gUsers) }()
	cancel()
	select {
	case e := <-done:
		if e != errCanceled {
			t.Fatalf("injectFaults after cancel = %v, want errCanceled", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("injected latency ignored context cancellation")
	}
}

func TestRateLimit(t *testing.T) {
	run := startService(t, Config{Faults: Faults{RateLimitRPS: 2, RetryAfterSeconds: 3}})
	c := newClient(t, run)
	limited := 0
	for range 10 {
		r := c.do("GET", "/api/v1/roles", "", nil)
		if r.status == 429 {
			limited++
			if got := r.header.Get("Retry-After"); got != "3" {
				t.Fatalf("Retry-After = %q, want 3", got)
			}
			if e := decodeAs[errBody](t, r); e.Error.Code != "rate_limited" {
				t.Fatalf("429 body = %s", r.body)
			}
		}
	}
	// A burst of 2 passes; 10 quick requests at 2 rps leave at least 5 refused.
	if limited < 5 {
		t.Fatalf("%d of 10 requests limited at 2 rps, want at least 5", limited)
	}
	// The service routes are never limited.
	for range 10 {
		c.expect(200, "GET", "/healthz", "", nil)
	}
	if got := metricValue(t, run.Service.Registry(), "usersvc_injected_faults_total", "kind", "rate_limit", "group", "roles"); got != float64(limited) {
		t.Fatalf("rate_limit faults counted %v, want %d", got, limited)
	}
	// A group with its own limit has its own bucket; 0 lifts the limit for it.
	if err := run.Service.SetFaults(Faults{RateLimitRPS: 1, Groups: map[string]GroupFaults{"roles": {RateLimitRPS: ptr(0.0)}}}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		c.expect(401, "GET", "/api/v1/roles", "", nil)
	}
	c.expect(401, "GET", "/api/v1/permissions", "", nil)
	c.expectCode(429, "rate_limited", "GET", "/api/v1/permissions", "", nil)
	if got := c.do("GET", "/api/v1/permissions", "", nil).header.Get("Retry-After"); got != "1" {
		t.Fatalf("default Retry-After = %q, want 1", got)
	}
}

func TestFaultSettingsAPI(t *testing.T) {
	run := startService(t, Config{})
	c := newClient(t, run)
	adm := c.login("admin", "admin").AccessToken
	body := `{"error_rate":0.03,"latency_ms":5,"latency_jitter_ms":2,"rate_limit_rps":1000,"retry_after_seconds":2,"groups":{"auth":{"error_rate":0.5}}}`
	got := decodeAs[Faults](t, c.expect(200, "PUT", "/admin/faults", adm, body))
	if got.ErrorRate != 0.03 || got.LatencyMs != 5 || got.RetryAfterSeconds != 2 || got.Groups["auth"].ErrorRate == nil || *got.Groups["auth"].ErrorRate != 0.5 {
		t.Fatalf("PUT answer = %+v", got)
	}
	r := c.expect(200, "GET", "/admin/faults", adm, nil)
	if !strings.Contains(string(r.body), `"groups":{"auth":{"error_rate":0.5}}`) {
		t.Fatalf("GET /admin/faults = %s", r.body)
	}
	if f := run.Service.Faults(); f.RateLimitRPS != 1000 || f.Groups["auth"].LatencyMs != nil {
		t.Fatalf("Faults() = %+v", f)
	}

	e := c.expectCode(422, "validation_failed", "PUT", "/admin/faults", adm, map[string]any{
		"error_rate": 1.5, "latency_ms": -1, "latency_jitter_ms": 70_000, "rate_limit_rps": -2, "retry_after_seconds": -1,
		"groups": map[string]any{"bogus": map[string]any{}, "auth": map[string]any{"error_rate": -0.1}},
	})
	for _, f := range []string{"error_rate", "latency_ms", "latency_jitter_ms", "rate_limit_rps", "retry_after_seconds", "groups.bogus", "groups.auth.error_rate"} {
		if e.Error.Fields[f] == "" {
			t.Errorf("fault validation should name %s: %v", f, e.Error.Fields)
		}
	}
	// A rejected PUT changes nothing; a PUT replaces everything.
	if f := run.Service.Faults(); f.ErrorRate != 0.03 {
		t.Fatalf("rejected PUT changed the settings: %+v", f)
	}
	got = decodeAs[Faults](t, c.expect(200, "PUT", "/admin/faults", adm, `{}`))
	if got.ErrorRate != 0 || len(got.Groups) != 0 || got.RetryAfterSeconds != 1 {
		t.Fatalf("PUT {} = %+v, want all cleared (retry_after_seconds 1)", got)
	}

	var ve *ValidationError
	if err := run.Service.SetFaults(Faults{ErrorRate: 2}); !errors.As(err, &ve) || ve.Fields["error_rate"] == "" {
		t.Fatalf("SetFaults(error_rate 2) = %v", err)
	}
	if _, err := New(Config{Faults: Faults{Groups: map[string]GroupFaults{"nope": {}}}}); err == nil || !strings.Contains(err.Error(), "groups.nope") {
		t.Fatalf("New with an unknown group = %v", err)
	}
}

// TestShutdownDrains checks Serve: after its context ends, an in-flight (slowed)
// request still completes, and Close returns without error.
func TestShutdownDrains(t *testing.T) {
	run, err := Start(context.Background(), Config{BcryptCost: 4, Faults: Faults{LatencyMs: 300}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(run.URL + "/api/v1/roles")
		if err != nil {
			res <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		res <- result{status: resp.StatusCode}
	}()
	// Wait until the request is in the service (its latency fault is counted first).
	eventually(t, 5*time.Second, "the request to arrive", func() bool {
		return metricValue(t, run.Service.Registry(), "usersvc_injected_faults_total", "kind", "latency", "group", "roles") == 1
	})
	if err := run.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	r := <-res
	if r.err != nil || r.status != 401 {
		t.Fatalf("in-flight request during shutdown: status %d err %v, want the normal 401", r.status, r.err)
	}
	if _, err := http.Get(run.URL + "/healthz"); err == nil {
		t.Fatal("service still answers after Close")
	}
}
