package runner

import (
	"context"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// fastTarget lowers the embedded target's bcrypt cost: tests measure behaviour,
// not hashing.
func fastTarget(c *usersvc.Config) { c.BcryptCost = 4 }

func runToEnd(t *testing.T, cfg Config, opts ...Option) *Runner {
	t.Helper()
	r, err := New(cfg, append([]Option{WithTargetConfig(fastTarget)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r.Run(ctx)
	select {
	case <-r.Done():
	default:
		t.Fatal("Done not closed after Run returned")
	}
	return r
}

func TestMetricsGenerationHitsEveryRoute(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 20, 60, 120
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Scenario = "metrics_generation"
	cfg.Seed = 7
	reg := metrics.NewRegistry()
	r := runToEnd(t, cfg, WithRegisterer(reg))
	s := r.Summary()
	if s.State != "finished" {
		t.Fatalf("state %q (error %q)", s.State, s.Error)
	}
	hit := map[string]int64{}
	for _, e := range s.Endpoints {
		hit[e.Method+" "+e.Route] = e.Requests
	}
	for _, ep := range catalog.All() {
		if hit[ep.Method+" "+ep.Route] == 0 {
			t.Errorf("route never requested: %s %s", ep.Method, ep.Route)
		}
	}
	var total int64
	for i, n := range r.VURequests() {
		if n < cfg.MinRequests || n > cfg.MaxRequests {
			t.Errorf("vu %d sent %d requests, want within [%d, %d]", i, n, cfg.MinRequests, cfg.MaxRequests)
		}
		total += int64(n)
	}
	if total != s.Requests {
		t.Errorf("VUs sent %d requests, the summary counts %d", total, s.Requests)
	}
	if s.Cleanup.Left != 0 || s.Cleanup.Error != "" {
		t.Errorf("cleanup: %+v", s.Cleanup)
	}
	t.Logf("requests %d outcomes %+v groups %v unexpected %d cleanup %+v", s.Requests, s.Outcomes, s.Groups, s.Unexpected, s.Cleanup)
	for _, e := range s.Endpoints {
		t.Logf("%-6s %-40s %5d %v", e.Method, e.Route, e.Requests, e.Statuses)
	}
}

// TestMixAndOutcomes runs a larger metrics_generation run against the embedded
// target and checks the group mix and the outcome mix against the scenario's
// targets (±3 percentage points).
func TestMixAndOutcomes(t *testing.T) {
	if testing.Short() {
		t.Skip("larger run")
	}
	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 40, 100, 150
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Scenario = "metrics_generation"
	cfg.Seed = 11
	r := runToEnd(t, cfg)
	s := r.Summary()
	if s.State != "finished" {
		t.Fatalf("state %q (error %q)", s.State, s.Error)
	}
	n := float64(s.Requests)
	if n < float64(cfg.Users*cfg.MinRequests) {
		t.Fatalf("only %v requests", n)
	}
	within := func(what string, got int64, wantPct float64) {
		t.Helper()
		pct := 100 * float64(got) / n
		if pct < wantPct-3 || pct > wantPct+3 {
			t.Errorf("%s: %.1f%% of %v requests, want %.0f%% ± 3", what, pct, n, wantPct)
		} else {
			t.Logf("%s: %.1f%% (want %.0f%%)", what, pct, wantPct)
		}
	}
	for g, want := range map[string]float64{"auth": 20, "user_query": 35, "user_mutation": 15, "profile": 15, "role_permission": 10, "admin": 5} {
		within("group "+g, s.Groups[g], want)
	}
	within("success", s.Outcomes.Success, 85)
	within("client errors", s.Outcomes.ClientError, 12)
	within("server errors", s.Outcomes.ServerError, 3)
	if s.Outcomes.NetworkError != 0 {
		t.Errorf("%d network errors against the loopback target", s.Outcomes.NetworkError)
	}
	if s.Cleanup.Left != 0 || s.Cleanup.Error != "" {
		t.Errorf("cleanup: %+v", s.Cleanup)
	}
	// Every unexpected outcome should be an injected 5xx: the VUs' own
	// bookkeeping (ids, tokens, profiles) must not produce surprise 4xx.
	extra := s.Unexpected - s.Outcomes.ServerError
	if extra > int64(n/200) {
		t.Errorf("%d unexpected outcomes beyond the injected 5xx (more than 0.5%% of requests)", extra)
	}
	t.Logf("%v requests, %d unexpected: %d injected 5xx, %d others", n, s.Unexpected, s.Outcomes.ServerError, extra)
	for _, a := range []string{"new_user", "active_user", "admin", "power_user"} {
		if s.Archetypes[a].VUs == 0 || s.Archetypes[a].Sessions == 0 {
			t.Errorf("archetype %s: %+v", a, s.Archetypes[a])
		}
	}
}
