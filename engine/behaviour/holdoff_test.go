package behaviour

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// TestHoldOffWaitsOnTheVUsTimer: a VU answered 503 with Retry-After: 1 waits
// that second parked on its own timer — no step worker runs for it — and so
// does another VU about to send to the same group; their requests go out
// after the second, counted as the policy's waits. (The policy's Admit used
// to sleep them on workers.)
func TestHoldOffWaitsOnTheVUsTimer(t *testing.T) {
	var mu sync.Mutex
	var seen []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, time.Now())
		first := len(seen) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "plain.yaml")
	if err := os.WriteFile(file, []byte("name: holdoff\nrequests:\n  - name: get\n    path: /x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	cfg := resilience.Defaults()
	cfg.Breakers = false
	pol, err := resilience.New(cfg, resilience.Run{ID: "holdoff1", Users: 1, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer pol.Stop()
	sh := runOf(t, srv.URL, sc, Settings{RunID: "holdoff1", Seed: 1, MinRequests: 2, MaxRequests: 2}, reg, pol)
	steps := NewSteps(4, 4)
	defer steps.Close()
	v := New(sh, 0, &sc.Archetypes[0])
	ended := make(chan struct{})
	v.Start(steps, func() { close(ended) })

	sent := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	deadline := time.Now().Add(5 * time.Second)
	for !v.pl.parked.Load() && sent() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !v.pl.parked.Load() || sent() != 1 {
		t.Fatalf("after the 503: parked %v, requests %d; want the VU parked after one request", v.pl.parked.Load(), sent())
	}
	// Another VU starting now sends to the same group: it waits for the
	// group's Retry-After parked too, its first request included.
	v1 := New(sh, 1, &sc.Archetypes[0])
	ended1 := make(chan struct{})
	v1.Start(steps, func() { close(ended1) })
	for !v1.pl.parked.Load() && sent() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !v1.pl.parked.Load() || sent() != 1 {
		t.Fatalf("a second VU under the group's Retry-After: parked %v, requests %d; want it parked before its first", v1.pl.parked.Load(), sent())
	}
	if busy := steps.workers.Load() - steps.idle.Load(); busy != 0 {
		t.Fatalf("%d step workers busy while both VUs hold off, want 0", busy)
	}
	for _, c := range []chan struct{}{ended, ended1} {
		select {
		case <-c:
		case <-time.After(10 * time.Second):
			t.Fatal("a VU did not end within 10s")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 {
		t.Fatalf("the target saw %d requests, want 4", len(seen))
	}
	for i, at := range seen[1:] {
		if gap := at.Sub(seen[0]); gap < time.Second {
			t.Errorf("request %d came %s after the 503, before its Retry-After of 1s", i+2, gap)
		}
	}
	w := pol.Summary().Waits[resilience.WaitRetryAfter]
	if w.Count != 2 || w.Seconds < 1.5 || w.Seconds > 2.5 {
		t.Errorf("retry_after waits %+v, want two of about 1s", w)
	}
}

// fakeHold is a policy that asks every VU to hold off d for reason why, or
// only those sending to group when it is set, and keeps what HeldOff counted.
type fakeHold struct {
	d       time.Duration
	why     int
	group   string
	asked   []string
	counted []time.Duration
}

func (f *fakeHold) Gated() bool { return f.group != "" }
func (f *fakeHold) HoldOff(_ int, group string) (time.Duration, int) {
	f.asked = append(f.asked, group)
	if f.group != "" && group != f.group {
		return 0, 0
	}
	return f.d, f.why
}
func (f *fakeHold) HeldOff(why int, d time.Duration) {
	if why == f.why {
		f.counted = append(f.counted, d)
	}
}

// TestJourneyPauseCoversTheHoldOff: before a journey VU's action its pause
// lasts at least its hold-off (a think time already longer is kept), a
// pause before no request is not lengthened, and a stop during the hold-off
// counts only the part waited.
func TestJourneyPauseCoversTheHoldOff(t *testing.T) {
	sc, err := scenario.Load("active_user")
	if err != nil {
		t.Fatal(err)
	}
	set := Settings{RunID: "holdoff2", Seed: 1, MinRequests: 10, MaxRequests: 10}
	sh := runOf(t, "http://127.0.0.1:1", sc, set, metrics.NewRegistry(), nil)
	fake := &fakeHold{d: time.Hour, why: 1}
	sh.holdOff = fake
	v := New(sh, 0, &sc.Archetypes[0])
	v.begin()
	if d := v.think(scenario.ThinkPause, doNothing, "", phSessionPark, phOver); d >= time.Hour {
		t.Fatalf("a pause before no request lasts %s: lengthened to the hold-off", d)
	}
	d := v.think(scenario.ThinkPause, doStep, "list_users", phWeightedDone, phSessionEnd)
	if d != time.Hour || v.off.d <= 0 || v.off.d > time.Hour {
		t.Fatalf("pause %s (hold-off part %s) before an action, want the hold-off of 1h", d, v.off.d)
	}
	v.pause(d)
	time.Sleep(20 * time.Millisecond)
	v.resume(false) // the run stops
	if len(fake.counted) != 1 || fake.counted[0] < 20*time.Millisecond || fake.counted[0] > time.Minute {
		t.Fatalf("counted %v for a hold-off cut short after about 20ms, want that part", fake.counted)
	}
	if v.off.d != 0 {
		t.Fatalf("the hold-off outlived its pause: %+v", v.off)
	}
	fake.d = time.Nanosecond // shorter than any think time of the scenario
	v.r.cfg.DelayMin, v.r.cfg.DelayMax = time.Second, time.Second
	if d := v.think(scenario.ThinkPause, doStep, "list_users", phWeightedDone, phSessionEnd); d < time.Second/2 || v.off.d != 0 {
		t.Fatalf("a think time longer than the hold-off became %s (hold-off part %s)", d, v.off.d)
	}
	// A Retry-After on one group: only an action whose main request goes
	// there waits for it (the group worked out from the pending action).
	fake.d, fake.group, fake.asked = time.Hour, catalog.GroupUserQuery, nil
	if d := v.think(scenario.ThinkPause, doStep, "list_users", phWeightedDone, phSessionEnd); d != time.Hour {
		t.Fatalf("before list_users under a Retry-After on %s: pause %s, want 1h", catalog.GroupUserQuery, d)
	}
	if d := v.think(scenario.ThinkPause, doStep, "me", phWeightedDone, phSessionEnd); d >= time.Hour {
		t.Fatalf("before me (auth) under a Retry-After on %s: pause %s", catalog.GroupUserQuery, d)
	}
	if d := v.think(scenario.ThinkPause, doLastCall, "", phFinal, phSessionEnd); d >= time.Hour {
		t.Fatalf("before the logout under a Retry-After on %s: pause %s", catalog.GroupUserQuery, d)
	}
	if want := []string{catalog.GroupUserQuery, catalog.GroupAuth, catalog.GroupAuth}; !slices.Equal(fake.asked, want) {
		t.Errorf("groups asked %v, want %v", fake.asked, want)
	}
}

// TestEmergencyPausesSessionsOnTheVUsTimer: with the run's policy at the
// emergency level (a degrade interval of failures), a journey VU about to
// begin a session does not begin it and does not block: advance hands back
// half an interval to wait on its timer, again and again, until the level
// has stepped down after the calm intervals; then the session begins.
func TestEmergencyPausesSessionsOnTheVUsTimer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Pause-admin-1"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Load("active_user")
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	cfg := resilience.Defaults()
	cfg.Breakers, cfg.Degrade, cfg.DegradeInterval = false, true, 100*time.Millisecond
	fake := clockwork.NewFakeClock()
	pol, err := resilience.New(cfg, resilience.Run{ID: "pause001", Users: 1, Clock: fake, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer pol.Stop()
	// An interval of failures: the policy goes to the emergency level.
	slot := pol.Bind("auth", "POST", "/api/v1/auth/login")
	for range 10 {
		a := client.Attempt{VU: 0, Group: "auth", Method: "POST", Route: "/api/v1/auth/login", Slot: slot}
		if _, err := pol.Admit(ctx, &a); err != nil {
			t.Fatal(err)
		}
		pol.Done(&a, &client.Result{Start: fake.Now(), Status: 500})
	}
	fake.Advance(cfg.DegradeInterval)
	if l := pol.Level(); l != resilience.Emergency {
		t.Fatalf("level %s after an interval of failures, want emergency", l)
	}
	set := Settings{RunID: "pause001", Seed: 1, MinRequests: 20, MaxRequests: 20, DelayMin: time.Nanosecond, DelayMax: time.Nanosecond}
	sh := runOf(t, target.URL, sc, set, reg, pol)
	v := New(sh, 0, &sc.Archetypes[0])
	v.jt = &parking{}
	v.begin()
	pauses := 0
	d, over := v.advance()
	for ; d == cfg.DegradeInterval/2 && !over && v.sent == 0; d, over = v.advance() {
		if pauses++; pauses > 100 {
			t.Fatal("sessions still paused after 100 pauses")
		}
		v.pause(d)
		fake.Advance(d) // the level is judged on the policy's clock
		v.resume(true)
	}
	// The session under way: its first action comes after a think time.
	for step := 0; v.sent == 0 && !over && step < 10; step++ {
		v.pause(d)
		v.resume(true)
		d, over = v.advance()
	}
	if v.sent == 0 {
		t.Fatalf("after %d pauses the VU sent nothing, want a session begun", pauses)
	}
	// The level steps down after DegradeCalm calm intervals; a pause is half
	// of one.
	if want := 2 * cfg.DegradeCalm; pauses != want {
		t.Errorf("the session began after %d pauses, want %d (%d calm intervals)", pauses, want, cfg.DegradeCalm)
	}
	if l := pol.Level(); l == resilience.Emergency {
		t.Errorf("the session began at the emergency level")
	}
}
