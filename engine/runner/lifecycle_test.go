package runner

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := DefaultConfig()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := []struct {
		mod   func(*Config)
		field string
	}{
		{func(c *Config) { c.Users = 0 }, "users"},
		{func(c *Config) { c.Users = MaxUsers + 1 }, "users"},
		{func(c *Config) { c.MinRequests = 0 }, "min_request_count"},
		{func(c *Config) { c.MaxRequests = -1 }, "max_request_count"},
		{func(c *Config) { c.MinRequests, c.MaxRequests = 10, 5 }, "min_request_count"},
		{func(c *Config) { c.Duration = -time.Second }, "duration"},
		{func(c *Config) { c.DelayMin = -1 }, "delay_min"},
		{func(c *Config) { c.DelayMax = time.Hour }, "delay_max"},
		{func(c *Config) { c.DelayMin, c.DelayMax = 2*time.Second, time.Second }, "delay_min"},
		{func(c *Config) { c.Seed = -1 }, "seed"},
		{func(c *Config) { c.BaseURL = "127.0.0.1:9501" }, "base_url"},
		{func(c *Config) { c.BaseURL = "http://h/?x=1" }, "base_url"},
		{func(c *Config) { c.Scenario = "" }, "scenario"},
		{func(c *Config) { c.Scenario = "nope" }, "scenario"},
		{func(c *Config) { c.RunID = "ABC" }, "run_id"},
		{func(c *Config) { c.APIProfile = "/no/such.yaml" }, "api_profile"},
		{func(c *Config) { c.AdminUser = "root" }, "admin_user"}, // embedded target: admin only
		{func(c *Config) { c.AdminPassword = strings.Repeat("x", 73) }, "admin_password"},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Message == "" {
			t.Errorf("%+v: %v, want a FieldError on %s", c, err, tc.field)
		}
		if _, nerr := New(c); nerr == nil {
			t.Errorf("New accepted %+v", c)
		}
	}
	c := DefaultConfig()
	c.BaseURL, c.AdminUser = "http://127.0.0.1:9501", "root"
	if err := c.Validate(); err != nil {
		t.Errorf("admin user with a base URL: %v", err)
	}
}

func TestNewChoosesIDAndSeed(t *testing.T) {
	r, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !runIDPattern.MatchString(r.ID()) || r.Config().Seed <= 0 || r.Config().AdminPassword != "" {
		t.Errorf("id %q seed %d", r.ID(), r.Config().Seed)
	}
	s := r.Snapshot()
	if s.State != StateStarting || s.RunID != r.ID() || s.TotalUsers != 100 || s.Remaining != -1 {
		t.Errorf("snapshot before Run: %+v", s)
	}
}

// TestStopBeforeRun: a run stopped before it starts ends at once, cleanly.
func TestStopBeforeRun(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users = 3
	r, err := New(cfg, WithTargetConfig(fastTarget))
	if err != nil {
		t.Fatal(err)
	}
	r.Stop()
	r.Run(context.Background())
	s := r.Summary()
	if s.State != "stopped" || s.Requests != 0 || s.Cleanup.Left != 0 {
		t.Errorf("summary %+v", s)
	}
	if st := r.Snapshot(); st.State != StateFinished || st.EndedAt.IsZero() {
		t.Errorf("snapshot %+v", st)
	}
	r.Run(context.Background()) // a second Run returns at once
}

func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := DefaultConfig()
	cfg.Users, cfg.BaseURL = 2, "http://"+addr
	r := runToEnd(t, cfg)
	s := r.Summary()
	if s.State != "failed" || !strings.Contains(s.Error, "does not answer") || s.Requests != 0 {
		t.Errorf("summary state %q error %q requests %d", s.State, s.Error, s.Requests)
	}
	if st := r.Snapshot(); st.State != StateFailed || st.Err == "" {
		t.Errorf("snapshot %+v", st)
	}
}

// TestDurationAndSnapshots: --duration ends a run whose budgets would last much
// longer; snapshots taken meanwhile show it running.
func TestDurationAndSnapshots(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 5, 100000, 100000
	cfg.DelayMin, cfg.DelayMax = time.Millisecond, 10*time.Millisecond
	cfg.Duration = 1500 * time.Millisecond
	r, err := New(cfg, WithTargetConfig(fastTarget))
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	var running Snapshot
	for time.Now().Before(deadline) {
		s := r.Snapshot()
		if s.State == StateRunning && s.Requests > 20 && len(s.Recent) > 0 {
			running = s
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if running.State != StateRunning || running.ActiveUsers == 0 || running.TotalUsers != 5 || running.Remaining < 0 ||
		running.Remaining > cfg.Duration || running.SuccessRate <= 0 || running.StartedAt.IsZero() {
		t.Fatalf("running snapshot %+v", running)
	}
	select {
	case <-r.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("run did not end after its duration")
	}
	s := r.Summary()
	if s.State != "stopped" || s.Requests == 0 || s.Cleanup.Left != 0 || s.Cleanup.Error != "" {
		t.Errorf("summary state %s requests %d cleanup %+v", s.State, s.Requests, s.Cleanup)
	}
	for i, n := range r.VURequests() {
		if n >= cfg.MinRequests {
			t.Errorf("vu %d sent its whole budget (%d) in %v", i, n, cfg.Duration)
		}
	}
	if snap := r.Snapshot(); snap.State != StateFinished || snap.ActiveUsers != 0 || snap.Remaining != 0 {
		t.Errorf("final snapshot %+v", snap)
	}
}

// TestSeedRepeats: with one VU (nothing interleaves) the same seed gives the same
// requests, endpoint by endpoint and status by status; another seed does not.
func TestSeedRepeats(t *testing.T) {
	counts := func(seed int64) map[string]int64 {
		cfg := DefaultConfig()
		cfg.Users, cfg.MinRequests, cfg.MaxRequests = 1, 40, 80
		cfg.DelayMin, cfg.DelayMax = 0, 0
		cfg.Scenario, cfg.Seed = "development", seed
		s := runToEnd(t, cfg).Summary()
		out := map[string]int64{"total": s.Requests}
		for _, e := range s.Endpoints {
			for code, n := range e.Statuses {
				out[e.Method+" "+e.Route+" "+code] = n
			}
		}
		return out
	}
	a, b, c := counts(42), counts(42), counts(43)
	if len(a) != len(b) {
		t.Fatalf("same seed, different endpoints:\n%v\n%v", a, b)
	}
	for k, n := range a {
		if b[k] != n {
			t.Errorf("same seed: %s %d vs %d", k, n, b[k])
		}
	}
	same := len(a) == len(c)
	for k, n := range a {
		same = same && c[k] == n
	}
	if same {
		t.Error("seeds 42 and 43 gave the same run")
	}
}
