package report

import (
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// TestNeverSucceeded: a capability tried without one success is listed in
// never_succeeded and in the report; capabilities never tried in not_reached;
// two capabilities on one route stay two rows.
func TestNeverSucceeded(t *testing.T) {
	st := metrics.Stats{Requests: 12, Endpoints: []metrics.EndpointStats{
		{Method: "GET", Route: "/accounts", Group: "user_query", Capability: "users.list", Requests: 5, Statuses: map[int]int64{200: 5}},
		{Method: "GET", Route: "/accounts", Group: "user_query", Capability: "users.search", Requests: 3, Statuses: map[int]int64{200: 2, 400: 1}},
		{Method: "POST", Route: "/session/me", Group: "auth", Capability: "auth.me", Requests: 4, Statuses: map[int]int64{405: 4}},
	}}
	s := summary.BuildSummary(summary.SummaryMeta{State: "finished"}, st, summary.CleanupResult{})
	if strings.Join(s.NeverSucceeded, ",") != "auth.me" {
		t.Errorf("never_succeeded %v", s.NeverSucceeded)
	}
	if len(s.NotReached) != 30 || s.NotReached[0] != "auth.login" {
		t.Errorf("not_reached %d: %v", len(s.NotReached), s.NotReached)
	}
	if len(s.Endpoints) != 3 || s.Endpoints[0].Capability == s.Endpoints[1].Capability {
		t.Errorf("endpoints %+v", s.Endpoints)
	}
	var b strings.Builder
	if err := WriteFinal(&b, s); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "Never succeeded  auth.me") || !strings.Contains(out, "Not reached  30 of 33") || !strings.Contains(out, "users.search") {
		t.Errorf("report:\n%s", out)
	}
	plain := summary.BuildSummary(summary.SummaryMeta{}, metrics.Stats{Endpoints: []metrics.EndpointStats{{Method: "GET", Route: "/", Requests: 1, Statuses: map[int]int64{500: 1}}}}, summary.CleanupResult{})
	if len(plain.NeverSucceeded) != 0 || plain.NotReached != nil {
		t.Errorf("a plain run: never %v not reached %v", plain.NeverSucceeded, plain.NotReached)
	}
}
