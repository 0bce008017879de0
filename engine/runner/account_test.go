package runner

import "testing"

// TestAccountPerSession runs a journey with `account: session` against the
// reference target: every session signs up a new user and runs the whole
// journey on it (its profile created, read, updated, deleted) before logging
// out, so each route of the journey is requested once a session and no
// session is a repeat of another. The users are counted on the target; a
// second run's cleanup deletes every one it created, verified there.
func TestAccountPerSession(t *testing.T) {
	target := startTarget(t)
	cfg := sessionRunConfig(t, target.URL)

	check := func(r *Runner) {
		t.Helper()
		s := r.Summary()
		if s.State != "finished" || s.Unexpected != 0 {
			t.Fatalf("state %q (error %q), %d unexpected outcomes", s.State, s.Error, s.Unexpected)
		}
		routes := map[string]int64{}
		for _, e := range s.Endpoints {
			routes[e.Method+" "+e.Route] = e.Requests
		}
		for _, route := range []string{"POST /api/v1/users", "POST /api/v1/auth/login", "POST /api/v1/auth/me",
			"GET /api/v1/users/{id}", "POST /api/v1/users/{userId}/profile", "GET /api/v1/users/{userId}/profile",
			"PUT /api/v1/users/{userId}/profile", "DELETE /api/v1/users/{userId}/profile", "POST /api/v1/auth/logout"} {
			if routes[route] != sessionVUs*sessionsPerVU {
				t.Errorf("%s: %d requests, want one a session (%d)", route, routes[route], sessionVUs*sessionsPerVU)
			}
			delete(routes, route)
		}
		if len(routes) != 0 {
			t.Errorf("requests outside the journey: %v", routes)
		}
		if n := s.TokenOperations["logout"]["success"]; n != sessionVUs*sessionsPerVU {
			t.Errorf("%d logouts, want %d", n, sessionVUs*sessionsPerVU)
		}
	}

	// Without the cleanup the accounts stay: one a session, on the target.
	cfg.Cleanup = false
	r := runToEnd(t, cfg)
	check(r)
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != sessionVUs*sessionsPerVU {
		t.Errorf("the target holds %d of the run's users, want one a session (%d)", n, sessionVUs*sessionsPerVU)
	}

	cfg.Cleanup = true
	r = runToEnd(t, cfg)
	check(r)
	c := r.Summary().Cleanup
	if c.Created != sessionVUs*sessionsPerVU || c.Deleted != sessionVUs*sessionsPerVU || c.Left != 0 || !c.Verified || c.Error != "" {
		t.Errorf("cleanup %+v, want all %d users deleted, verified", c, sessionVUs*sessionsPerVU)
	}
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != 0 {
		t.Errorf("%d of the run's users left on the target", n)
	}
}

// The size of sessionRunConfig's runs: the journey and the logout make 9
// requests a session.
const (
	sessionVUs      = 5
	sessionsPerVU   = 4
	sessionRequests = 9
)

// sessionRunConfig is a run against the target at base of VUs that sign up a
// new account every session (account: session): users×sessions accounts.
func sessionRunConfig(t *testing.T, base string) Config {
	t.Helper()
	sc := writeScenario(t, `base: mixed
archetypes:
  new_user: {weight: 0}
  admin: {weight: 0}
  power_user: {weight: 0}
  active_user:
    weight: 1
    sessions: {min: 4, max: 4}
    account: session
    journey: [signup, login, me, get_user, create_profile, get_profile, update_profile, delete_profile]
errors: {client: 0}
`)
	cfg := DefaultConfig()
	cfg.BaseURL = base
	cfg.AdminPassword = "Admin-pass-1"
	cfg.Scenario = sc
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = sessionVUs, sessionsPerVU*sessionRequests, sessionsPerVU*sessionRequests
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Seed = 3
	return cfg
}
