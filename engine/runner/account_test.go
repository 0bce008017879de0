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
	const users, sessions, perSession = 5, 4, 9 // the journey and the logout
	cfg := DefaultConfig()
	cfg.BaseURL = target.URL
	cfg.AdminPassword = "Admin-pass-1"
	cfg.Scenario = sc
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = users, sessions*perSession, sessions*perSession
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Seed = 3

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
			if routes[route] != users*sessions {
				t.Errorf("%s: %d requests, want one a session (%d)", route, routes[route], users*sessions)
			}
			delete(routes, route)
		}
		if len(routes) != 0 {
			t.Errorf("requests outside the journey: %v", routes)
		}
		if n := s.TokenOperations["logout"]["success"]; n != users*sessions {
			t.Errorf("%d logouts, want %d", n, users*sessions)
		}
	}

	// Without the cleanup the accounts stay: one a session, on the target.
	cfg.Cleanup = false
	r := runToEnd(t, cfg)
	check(r)
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != users*sessions {
		t.Errorf("the target holds %d of the run's users, want one a session (%d)", n, users*sessions)
	}

	cfg.Cleanup = true
	r = runToEnd(t, cfg)
	check(r)
	c := r.Summary().Cleanup
	if c.Created != users*sessions || c.Deleted != users*sessions || c.Left != 0 || !c.Verified || c.Error != "" {
		t.Errorf("cleanup %+v, want all %d users deleted, verified", c, users*sessions)
	}
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != 0 {
		t.Errorf("%d of the run's users left on the target", n)
	}
}
