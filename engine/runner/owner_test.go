package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
)

// TestPreflightFollowsNoRedirect: a 3xx is an answer; the host it names gets
// nothing.
func TestPreflightFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	target := httptest.NewServer(http.RedirectHandler(other.URL+"/", http.StatusFound))
	defer target.Close()
	c, err := client.New(client.Options{BaseURL: target.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Preflight(context.Background()); err != nil {
		t.Fatalf("preflight: %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed: %d requests to the other host", n)
	}
}

// TestPreflightStops: a stop ends the preflight against a target that never
// answers at once, not after its 10s timeout.
func TestPreflightStops(t *testing.T) {
	hold := make(chan struct{})
	arrived := make(chan struct{}, 1)
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-hold
	}))
	defer target.Close()
	defer close(hold)
	r, err := New(Config{BaseURL: target.URL, Users: 1, MinRequests: 1, MaxRequests: 1, Scenario: "mixed", Cleanup: true})
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(context.Background())
	select {
	case <-arrived: // the preflight waits for an answer that does not come
	case <-time.After(10 * time.Second):
		t.Fatal("no preflight request")
	}
	start := time.Now()
	r.Interrupt()
	select {
	case <-r.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not end within 5s of the interrupt")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ended %v after the interrupt", d)
	}
	s := r.Summary()
	if s.State != "stopped" || s.Requests != 0 || !s.Cleanup.Verified || s.Cleanup.Created != 0 {
		t.Errorf("summary: state %s requests %d cleanup %+v", s.State, s.Requests, s.Cleanup)
	}
}
