package plugin

import (
	"net/http"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/pkg/enginehost"
)

func TestTotalsHoldOverAllOrgs(t *testing.T) {
	pool := newPool(t, enginehost.Totals{MaxRuns: 1, MaxUsers: 3})
	org1 := newOrgApp(t, pool, 1, `{"maxConcurrentRuns": 5}`)
	org2 := newOrgApp(t, pool, 2, `{"maxConcurrentRuns": 5}`)
	run := org1.startRun(t, `{"users": 2, "durationSeconds": 60, "delayMinMs": 100, "delayMaxMs": 300}`)

	// Org 2 is far from its own limit, but the operator's total is reached.
	res := org2.call(t, "Editor", http.MethodPost, "/runs", smallRun)
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), "GF_PLUGIN_MAX_TOTAL_RUNS") {
		t.Fatalf("org 2 start over the total runs = %d %s", res.status, res.body)
	}
	if res := org1.call(t, "Editor", http.MethodPost, "/runs/"+run.ID+"/stop", `{"graceful": false}`); res.status != http.StatusOK {
		t.Fatalf("stop = %d %s", res.status, res.body)
	}
	// Users count over all orgs too: 4 users are over the total of 3.
	res = org2.call(t, "Editor", http.MethodPost, "/runs", `{"users": 4, "durationSeconds": 60}`)
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), "GF_PLUGIN_MAX_TOTAL_USERS") {
		t.Fatalf("org 2 start over the total users = %d %s", res.status, res.body)
	}
	org2.startRun(t, smallRun)
	if res := org1.call(t, "Viewer", http.MethodGet, "/runs/"+run.ID, ""); res.status != http.StatusOK {
		t.Fatalf("org 1 reads its own ended run = %d %s", res.status, res.body)
	}
}
