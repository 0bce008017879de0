package resilience

import (
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/client"
)

// TestDocsListEveryMetric keeps docs/metrics.md in step with the policy's
// series: every family of a registry with a busy policy must be listed there
// in backquotes.
func TestDocsListEveryMetric(t *testing.T) {
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatalf("read docs/metrics.md: %v", err)
	}
	reg := prometheus.NewRegistry()
	c := Defaults()
	c.Degrade = true
	p, err := New(c, Run{ID: "docs", Users: 2, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Unregister()
	a := &client.Attempt{VU: 0, Group: "auth", Method: "POST", Route: "/api/v1/auth/login"}
	if _, err := p.Admit(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	p.Done(a, &client.Result{Status: 429, RetryAfter: 1})
	p.countWait(0, 1)
	p.m.shed.WithLabelValues("admin").Inc()
	p.m.transitions.WithLabelValues("auth", "open").Inc()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) < len(p.m.all) {
		t.Fatalf("gathered %d families, want %d", len(mfs), len(p.m.all))
	}
	for _, mf := range mfs {
		if !strings.Contains(string(doc), "`"+mf.GetName()+"`") {
			t.Errorf("docs/metrics.md does not list `%s`", mf.GetName())
		}
	}
	// Unregister removes exactly this run's series.
	p.Unregister()
	if mfs, _ := reg.Gather(); len(mfs) != 0 {
		t.Errorf("%d families left after Unregister", len(mfs))
	}
}
