package runner

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAbortCancelsRequestsInFlight: against a target that holds every answer
// for a minute, Stop lets the request in flight run into the grace period,
// while Abort cancels it at once and the run ends well before the grace.
func TestAbortCancelsRequestsInFlight(t *testing.T) {
	arrived := make(chan struct{}, 16)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slow" {
			return // the runner's preflight check of the target
		}
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(time.Minute):
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL
	cfg.Users = 1
	cfg.MinRequests, cfg.MaxRequests = 1, 1
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Scenario = writeScenario(t, "name: hold\nrequests:\n  - name: slow\n    path: /slow\n")
	const grace = 30 * time.Second
	r := startRun(t, cfg, WithGrace(grace))
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the target")
	}
	start := time.Now()
	r.Abort()
	select {
	case <-r.Done():
	case <-time.After(grace / 2):
		t.Fatalf("the run did not end within %v of Abort (grace %v)", grace/2, grace)
	}
	t.Logf("ended %v after Abort", time.Since(start).Round(time.Millisecond))
	s := r.Summary()
	if s.Requests != 1 {
		t.Errorf("summary requests %d, want the one cancelled request", s.Requests)
	}
}
