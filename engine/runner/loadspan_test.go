package runner

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// TestRPSIsOverTheLoad: the summary's rps divides the requests by the load
// phase, not by the whole run: a cleanup made slow (every request the target
// gets while the run is stopping waits 300 ms) lengthens duration_seconds but
// neither load_seconds nor the rate.
func TestRPSIsOverTheLoad(t *testing.T) {
	target := startTarget(t)
	backend, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	var run atomic.Pointer[Runner]
	var slowed atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(backend)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r := run.Load(); r != nil && r.State() == StateStopping {
			slowed.Add(1)
			time.Sleep(300 * time.Millisecond) // a slow target, for the cleanup only
		}
		rp.ServeHTTP(w, req)
	}))
	defer proxy.Close()

	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 4, 100000, 100000
	cfg.DelayMin, cfg.DelayMax = 0, 10*time.Millisecond
	cfg.Scenario = "new_user"
	cfg.BaseURL = proxy.URL
	cfg.AdminPassword = "Admin-pass-1"
	cfg.Duration = time.Second
	cfg.Seed = 3
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run.Store(r)
	ctx := t.Context()
	r.Run(ctx)
	s := r.Summary()
	if s.LoadStartedAt == nil || s.LoadEndedAt == nil || s.Requests == 0 {
		t.Fatalf("no load phase in the summary: %+v", s)
	}
	t.Logf("duration %.3fs, load %.3fs, %d requests, rps %.1f, %d cleanup requests slowed", s.DurationSeconds, s.LoadSeconds, s.Requests, s.RPS, slowed.Load())
	if slowed.Load() < 3 || s.Cleanup.Error != "" {
		t.Fatalf("%d cleanup requests slowed, cleanup %+v; want a slow, complete cleanup", slowed.Load(), s.Cleanup)
	}
	if s.LoadSeconds < 1 || s.LoadSeconds > s.DurationSeconds-0.9 {
		t.Errorf("load %.3fs of a %.3fs run; want about the 1s --duration, the slow cleanup outside it", s.LoadSeconds, s.DurationSeconds)
	}
	if want := float64(s.Requests) / s.LoadSeconds; math.Abs(s.RPS-want) > 0.01*want {
		t.Errorf("rps %.3f; want requests / load_seconds = %.3f", s.RPS, want)
	}
	if !s.LoadStartedAt.After(s.StartedAt) || s.LoadEndedAt.After(s.EndedAt) {
		t.Errorf("load %v–%v outside the run %v–%v", s.LoadStartedAt, s.LoadEndedAt, s.StartedAt, s.EndedAt)
	}
}
