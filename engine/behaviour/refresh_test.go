package behaviour

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// TestShortLivedTokensRefreshedBoundedly: against the reference target
// issuing access tokens of 1 s, a VU sending as fast as it can refreshes its
// token at most once per three quarters of that second — not before every
// request, as a fixed 30 s margin did — and its requests are not refused for
// an expired token.
func TestShortLivedTokensRefreshedBoundedly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Ttl-admin-1", AccessTokenTTL: time.Second}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Returning users who never refresh on purpose and make no deliberate
	// mistakes: every refresh is one to keep the session.
	file := filepath.Join(t.TempDir(), "no-refresh-action.yaml")
	if err := os.WriteFile(file, []byte("base: active_user\nactions:\n  auth: {refresh: 0, relogin: 0}\nerrors: {client: 0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	set := Settings{RunID: "ttl00001", Seed: 1, MinRequests: 6000, MaxRequests: 6000, DelayMin: time.Nanosecond, DelayMax: time.Nanosecond}
	sh := runOf(t, target.URL, sc, set, reg, nil)
	v := New(sh, 0, &sc.Archetypes[0])
	start := time.Now()
	drive(v, -1)
	elapsed := time.Since(start)

	refreshes := counter(t, reg, "trafficsim_token_operations_total", map[string]string{"op": "refresh"})
	expired := counter(t, reg, "trafficsim_requests_total", map[string]string{"status": "401", "expected": "false"})
	if v.sent < 6000 {
		t.Fatalf("the VU sent %d requests, want its 6000", v.sent)
	}
	if most := 1 + int(elapsed/renewAfter(time.Second)); refreshes > float64(most) {
		t.Errorf("%v refreshes of a 1 s token in %v (%d requests), want at most %d", refreshes, elapsed, v.sent, most)
	}
	if expired > 0 {
		t.Errorf("%v requests refused with an unexpected 401 (an expired token)", expired)
	}
	t.Logf("%d requests in %v: %v refreshes", v.sent, elapsed, refreshes)
}

// counter sums the series of the metric whose labels include want.
func counter(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue series
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
