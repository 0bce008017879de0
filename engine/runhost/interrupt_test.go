package runhost_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

const slowPassword = "Slow-admin-3"

// slowTarget is the reference user service over loopback whose answers,
// once slow is set, each come 1.5 s late.
func slowTarget(t *testing.T) (*httptest.Server, *atomic.Bool, *usersvc.Service) {
	t.Helper()
	svc, err := usersvc.New(usersvc.Config{BcryptCost: 4, AdminPassword: slowPassword})
	if err != nil {
		t.Fatal(err)
	}
	var slow atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			time.Sleep(1500 * time.Millisecond)
		}
		svc.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &slow, svc
}

// simUsers counts the users named prefix* on the service, asked in-process.
func simUsers(t *testing.T, svc *usersvc.Service, prefix string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"`+slowPassword+`"}`)))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &tok)
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/users/search?per_page=1&q="+prefix, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	svc.ServeHTTP(rec, req)
	var page struct {
		Total int `json:"total"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
		t.Fatalf("search users: %d %s", rec.Code, rec.Body.String())
	}
	return page.Total
}

// TestInterruptEndsAHostedRunInTime: a run the host serves (the plugin's
// engine) is interrupted — as a SIGINT or SIGTERM to the engine does —
// while its target answers every request 1.5 s late, so the cleanup is
// still deleting when its time is up. The run ends within
// runner.InterruptBudget, its final status saying what is left, not
// verified; the host then refuses new runs.
func TestInterruptEndsAHostedRunInTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, slow, svc := slowTarget(t)
	h := newHost(nil, runhost.Options{})
	defer func() { _ = h.Shutdown(ctx) }()
	cfg := enginerpc.RunConfig{Users: 20, MinRequestCount: 100000, MaxRequestCount: 100000, DelayMax: 5 * time.Millisecond,
		Scenario: "new_user", Cleanup: true, BaseURL: target.URL, AdminPassword: slowPassword, RunID: "hint0003"}
	if _, err := h.Start(ctx, cfg); err != nil {
		t.Fatalf("Start: %v", err)
	}
	for simUsers(t, svc, "sim_hint0003_") < 15 {
		if ctx.Err() != nil {
			t.Fatal("the run created no users")
		}
		time.Sleep(20 * time.Millisecond)
	}
	slow.Store(true)
	start := time.Now()
	if err := h.Interrupt(ctx); err != nil {
		t.Fatalf("Interrupt: %v", err)
	}
	if d := time.Since(start); d > runner.InterruptBudget {
		t.Errorf("the run ended %v after the interrupt, want within %v", d, runner.InterruptBudget)
	}
	st, err := h.Status(ctx, "hint0003")
	if err != nil {
		t.Fatal(err)
	}
	c := st.Cleanup
	if !st.State.Ended() || c == nil || c.Verified || c.Left == 0 || c.Created < c.Deleted+c.Left {
		t.Errorf("status %s, cleanup %+v; want ended, records left, not verified", st.State, c)
	}
	if _, err := h.Start(ctx, shortRun); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Start after Interrupt: %v; want refused, saying the engine was interrupted", err)
	}
}
