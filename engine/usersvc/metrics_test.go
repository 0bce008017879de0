package usersvc

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMetricsRouteTemplates hits raw ids, unknown paths and odd methods, then checks
// that every route label is a template (or "unmatched") and no id leaks into one.
func TestMetricsRouteTemplates(t *testing.T) {
	run := startService(t, Config{})
	c := newClient(t, run)
	adm := c.login("admin", "admin").AccessToken
	c.expect(404, "GET", "/api/v1/users/123", adm, nil)
	c.expect(200, "GET", "/api/v1/users/1", adm, nil)
	c.expect(404, "GET", "/api/v1/users/email/someone987@simulation.test", adm, nil)
	c.expect(200, "GET", "/api/v1/users/1/roles", adm, nil)
	c.expect(404, "DELETE", "/api/v1/users/1/roles/456", adm, nil)
	c.expect(404, "GET", "/api/v1/nothing/789", "", nil)
	c.expect(405, "BREW", "/api/v1/users/1", "", nil)
	c.expect(405, "PATCH", "/api/v1/users/321", "", nil)
	c.expect(401, "POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "nope"})

	templates := []string{"unmatched"}
	for _, rs := range run.Service.router.bySegs {
		for _, r := range rs {
			templates = append(templates, r.pattern)
		}
	}
	if n := len(templates) - 1 - 4; n != 33 { // minus unmatched and the 4 service routes
		t.Fatalf("%d API routes registered, want 33", n)
	}
	body := string(c.expect(200, "GET", "/metrics", "", nil).body)
	routeLabel := regexp.MustCompile(`route="([^"]*)"`)
	seen := map[string]bool{}
	for _, m := range routeLabel.FindAllStringSubmatch(body, -1) {
		route := m[1]
		seen[route] = true
		if !slices.Contains(templates, route) {
			t.Errorf("route label %q is not a template", route)
		}
		if regexp.MustCompile(`\d`).MatchString(strings.ReplaceAll(route, "/api/v1/", "")) {
			t.Errorf("route label %q carries a number", route)
		}
	}
	for _, want := range []string{"/api/v1/users/{id}", "/api/v1/users/email/{email}", "/api/v1/users/{userId}/roles/{roleId}", "unmatched"} {
		if !seen[want] {
			t.Errorf("no series for route %q", want)
		}
	}
	for _, want := range []string{
		`http_server_requests_total{method="GET",route="/api/v1/users/{id}",status="404"} 1`,
		`http_server_requests_total{method="GET",route="/api/v1/users/{id}",status="200"} 1`,
		`http_server_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`http_server_requests_total{method="PATCH",route="unmatched",status="405"} 1`,
		`http_server_request_duration_seconds_bucket{method="GET",route="/api/v1/users/{id}",le="+Inf"} 2`,
		`usersvc_login_attempts_total{result="success"} 1`,
		`usersvc_login_attempts_total{result="invalid_credentials"} 1`,
		`usersvc_login_attempts_total{result="inactive"} 0`,
		`usersvc_tokens_total{op="issued"} 1`,
		`usersvc_users{state="active"} 1`,
		`usersvc_users{state="inactive"} 0`,
		`usersvc_active_sessions 1`,
		`usersvc_injected_faults_total{group="auth",kind="error"} 0`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestRegistriesAreSeparate checks two services in one process keep their own series.
func TestRegistriesAreSeparate(t *testing.T) {
	a := startService(t, Config{})
	b := startService(t, Config{})
	ca := newClient(t, a)
	ca.login("admin", "admin")
	if got := metricValue(t, a.Service.Registry(), "usersvc_login_attempts_total", "result", "success"); got != 1 {
		t.Fatalf("service a logins = %v", got)
	}
	if got := metricValue(t, b.Service.Registry(), "usersvc_login_attempts_total", "result", "success"); got != 0 {
		t.Fatalf("service b counted a's login: %v", got)
	}
}
