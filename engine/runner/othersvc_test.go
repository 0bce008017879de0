package runner

import (
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/internal/othersvc"
)

// TestMixedRunAgainstOtherService drives othersvc — accounts/groups/grants,
// GET /session/me and DELETE /session, a {data, meta} envelope, camelCase,
// UUID ids, pages of 25, 400 for invalid input — with its hand-written v2
// profile: every one of the 33 capabilities succeeds at least once, no
// request meets a route the service lacks (404/405 unintended), and the
// cleanup leaves nothing behind.
func TestMixedRunAgainstOtherService(t *testing.T) {
	svc, err := othersvc.Start("Admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()

	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 30, 80, 160
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Scenario = "mixed"
	cfg.BaseURL = svc.URL
	cfg.APIProfile = "../internal/othersvc/profile.yaml"
	cfg.AdminUser, cfg.AdminPassword = othersvc.AdminEmail, "Admin-pass-1"
	cfg.Seed = 7
	r := runToEnd(t, cfg)
	s := r.Summary()
	if s.State != "finished" {
		t.Fatalf("state %q: %s", s.State, s.Error)
	}
	succeeded := map[string]bool{}
	for _, e := range s.Endpoints {
		if e.Success > 0 {
			succeeded[e.Capability] = true
		}
		// A route the service lacks answers 404/405 every time (and its
		// capability never succeeds, checked below). A rare 404 is a race the
		// reference target shows too: an admin deleted the account between
		// another VU seeing it and reading it. One such race on a route of
		// fewer than 100 requests is more than 1% of it (seen: 1 of 67 under
		// -race with the package's other tests), so one is always allowed.
		if n := e.Statuses["404"] + e.Statuses["405"]; n > 0 && (e.Statuses["405"] > 0 || e.Requests-e.Expected > max(1, e.Requests/100)) {
			t.Errorf("%s %s (%s): %d × 404/405 with %d of %d outcomes unexpected", e.Method, e.Route, e.Capability, n, e.Requests-e.Expected, e.Requests)
		}
	}
	for _, ep := range catalog.All() {
		if !succeeded[ep.ID] {
			t.Errorf("capability %s never succeeded", ep.ID)
		}
	}
	if s.Unexpected*500 > s.Requests {
		t.Errorf("%d of %d outcomes unexpected (a misread profile shows as many)", s.Unexpected, s.Requests)
	}
	if len(s.NeverSucceeded) != 0 || len(s.NotReached) != 0 {
		t.Errorf("never_succeeded %v, not_reached %v", s.NeverSucceeded, s.NotReached)
	}
	if s.Cleanup.Created == 0 || s.Cleanup.Left != 0 || s.Cleanup.Error != "" {
		t.Errorf("cleanup %+v", s.Cleanup)
	}
	if n := svc.Count("sim_" + r.ID() + "_"); n != 0 {
		t.Errorf("%d simulation records left on the service", n)
	}
	t.Logf("%d requests, success %d, unexpected %d, errors %v, cleanup %+v", s.Requests, s.Outcomes.Success, s.Unexpected, s.Errors, s.Cleanup)
}
