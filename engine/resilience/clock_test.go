package resilience

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/trafficsim/trafficsim/engine/client"
)

// These tests drive the Policy on a fake clock: a wait is seen as a timer
// registered on the clock (BlockUntilContext), and it ends when the test
// advances the clock, not after a wall-clock sleep.

const testRoute = "/api/v1/auth/me"

func fakePolicy(t *testing.T, cfg Config, users int) (*Policy, *clockwork.FakeClock) {
	t.Helper()
	fake := clockwork.NewFakeClock()
	p, err := New(cfg, Run{ID: "fakeclk", Users: users, Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	return p, fake
}

// waiters blocks until n timers wait on the fake clock (or fails after 10s).
func waiters(t *testing.T, fake *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := fake.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("waiting for %d timers on the clock: %v", n, err)
	}
}

// admitAsync starts Admit for vu on its own goroutine; the error arrives on
// the channel.
func admitAsync(ctx context.Context, p *Policy, slot any, vu int) <-chan error {
	done := make(chan error, 1)
	go func() {
		a := client.Attempt{VU: vu, Group: "auth", Method: "POST", Route: testRoute, Slot: slot}
		_, err := p.Admit(ctx, &a)
		if err == nil {
			p.Done(&a, &client.Result{Start: p.clock.Now(), Status: 200})
		}
		done <- err
	}()
	return done
}

// pending: Admit has not returned (its result, once sent, stays buffered).
func pending(done <-chan error) bool { return len(done) == 0 }

func received(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Admit did not return within 10s of its wait ending")
		return nil
	}
}

// send admits and completes one request of vu with the answer r (Start set
// to the clock's now).
func send(t *testing.T, p *Policy, slot any, vu int, r client.Result) {
	t.Helper()
	a := client.Attempt{VU: vu, Group: "auth", Method: "POST", Route: testRoute, Slot: slot}
	if _, err := p.Admit(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	r.Start = p.clock.Now()
	p.Done(&a, &r)
}

// TestRetryAfterHoldsTheGroup: a 429 with Retry-After 1s to one VU holds every
// VU's next request on the group for exactly that second.
func TestRetryAfterHoldsTheGroup(t *testing.T) {
	cfg := Defaults()
	cfg.Breakers = false
	p, fake := fakePolicy(t, cfg, 2)
	slot := p.Bind("auth", "POST", testRoute)
	send(t, p, slot, 0, client.Result{Status: 429, RetryAfter: time.Second})

	done := admitAsync(t.Context(), p, slot, 1)
	waiters(t, fake, 1)
	fake.Advance(time.Second - time.Nanosecond)
	if !pending(done) {
		t.Fatal("VU 1 was admitted before the group's Retry-After had passed")
	}
	fake.Advance(time.Nanosecond)
	if err := received(t, done); err != nil {
		t.Fatal(err)
	}
	w := p.Summary().Waits[WaitRetryAfter]
	if w.Count != 1 || w.Seconds != 1 {
		t.Errorf("retry_after waits %+v, want one of 1s", w)
	}
}

// TestBackoffHoldsTheVU: a 503 without Retry-After backs off the VU that got
// it (full jitter within the first ceiling), not the others.
func TestBackoffHoldsTheVU(t *testing.T) {
	cfg := Defaults()
	cfg.Breakers = false
	p, fake := fakePolicy(t, cfg, 2)
	slot := p.Bind("auth", "POST", testRoute)
	send(t, p, slot, 0, client.Result{Status: 503})
	d := time.Duration(p.vu(0).notBefore.Load() - fake.Now().UnixNano())
	if d < 0 || d > BackoffCeiling(1, cfg.BackoffBase, cfg.BackoffMax) {
		t.Fatalf("backoff %s outside [0, %s]", d, BackoffCeiling(1, cfg.BackoffBase, cfg.BackoffMax))
	}
	send(t, p, slot, 1, client.Result{Status: 200}) // another VU is not held
	if d == 0 {
		t.Skip("the jitter drew a zero backoff")
	}
	done := admitAsync(t.Context(), p, slot, 0)
	waiters(t, fake, 1)
	fake.Advance(d - time.Nanosecond)
	if !pending(done) {
		t.Fatalf("VU 0 was admitted before its %s backoff", d)
	}
	fake.Advance(time.Nanosecond)
	if err := received(t, done); err != nil {
		t.Fatal(err)
	}
	if w := p.Summary().Waits[WaitBackoff]; w.Count != 1 || w.Seconds != d.Seconds() {
		t.Errorf("backoff waits %+v, want one of %s", w, d)
	}
}

// TestHoldOffSaysTheVUsWait: HoldOff tells, without waiting, what Admit
// would sleep for a VU — its backoff, the Retry-After it was answered, or
// the Retry-After of the group it is about to send to — and nothing for a VU
// that never failed on a group without one; HeldOff counts the wait the VU
// spent on its own timer as Admit would have. Admit then sends at once.
func TestHoldOffSaysTheVUsWait(t *testing.T) {
	cfg := Defaults()
	cfg.Breakers = false
	p, fake := fakePolicy(t, cfg, 3)
	slot := p.Bind("auth", "POST", testRoute)
	if d, _ := p.HoldOff(2, "auth"); d != 0 || p.Gated() {
		t.Fatalf("a VU that never sent holds off %s (gated %v)", d, p.Gated())
	}
	if p.vus.peek(2) != nil {
		t.Fatal("HoldOff made a state for a VU that never failed")
	}
	send(t, p, slot, 0, client.Result{Status: 429, RetryAfter: 2 * time.Second})
	d, why := p.HoldOff(0, "")
	if d != 2*time.Second || waitReasons[why] != WaitRetryAfter {
		t.Fatalf("after a Retry-After of 2s: HoldOff %s (%s), want 2s (%s)", d, waitReasons[why], WaitRetryAfter)
	}
	// Another VU about to send to the same group waits for its gate; to another group it does not.
	if d, why := p.HoldOff(2, "auth"); d != 2*time.Second || waitReasons[why] != WaitRetryAfter || !p.Gated() {
		t.Fatalf("another VU's request to the gated group: HoldOff %s (%s), gated %v; want 2s (%s)", d, waitReasons[why], p.Gated(), WaitRetryAfter)
	}
	if d, _ := p.HoldOff(2, "profile"); d != 0 {
		t.Fatalf("a request to another group holds off %s", d)
	}
	if p.vus.peek(2) != nil {
		t.Fatal("HoldOff made a state for a VU that never failed")
	}
	// VUs choosing what to do leave the group alone meanwhile.
	if p.AllowGroup("auth") || !p.AllowGroup("profile") {
		t.Fatalf("under auth's Retry-After: AllowGroup(auth) %v, AllowGroup(profile) %v; want false, true", p.AllowGroup("auth"), p.AllowGroup("profile"))
	}
	fake.Advance(2 * time.Second) // the group's gate too
	if p.Gated() || !p.AllowGroup("auth") {
		t.Fatalf("after the only Retry-After ran out: gated %v, auth allowed %v", p.Gated(), p.AllowGroup("auth"))
	}
	// Full jitter may draw 0: fail until it does not.
	for range 20 {
		send(t, p, slot, 1, client.Result{Status: 503})
		if d, why = p.HoldOff(1, "auth"); d > 0 {
			break
		}
	}
	if d <= 0 || d > cfg.BackoffMax || waitReasons[why] != WaitBackoff {
		t.Fatalf("after 503s: HoldOff %s (%s), want a backoff in (0, %s]", d, waitReasons[why], cfg.BackoffMax)
	}
	fake.Advance(d / 2)
	if left, _ := p.HoldOff(1, "auth"); left != d-d/2 {
		t.Fatalf("half-way through the backoff HoldOff says %s, want %s", left, d-d/2)
	}
	p.HeldOff(why, d) // the VU waited it on its own timer
	fake.Advance(d)
	if left, _ := p.HoldOff(1, "auth"); left != 0 {
		t.Fatalf("after the backoff HoldOff says %s", left)
	}
	if w := p.Summary().Waits[WaitBackoff]; w.Count != 1 || w.Seconds != d.Seconds() {
		t.Errorf("backoff waits %+v, want the one of %s HeldOff counted", w, d)
	}
	// Admit no longer sleeps for VU 1.
	done := admitAsync(t.Context(), p, slot, 1)
	if err := received(t, done); err != nil {
		t.Fatal(err)
	}
}

// TestRateCapOnTheClock: workers that would send without pause are admitted
// at the cap, one every 1/MaxRPS, over a second of the clock.
func TestRateCapOnTheClock(t *testing.T) {
	const workers, rps = 4, 80
	cfg := Defaults()
	cfg.Breakers = false
	cfg.MaxRPS = rps
	p, fake := fakePolicy(t, cfg, workers)
	slot := p.Bind("auth", "POST", testRoute)
	ctx, cancel := context.WithCancel(t.Context())
	admitted := make(chan time.Time, 1000)
	errs := make(chan error, workers)
	for vu := range workers {
		go func() {
			for {
				a := client.Attempt{VU: vu, Group: "auth", Method: "POST", Route: testRoute, Slot: slot}
				if _, err := p.Admit(ctx, &a); err != nil {
					errs <- err
					return
				}
				now := fake.Now()
				admitted <- now
				p.Done(&a, &client.Result{Start: now, Status: 200})
			}
		}()
	}
	// Every worker waits on the limiter between admissions: a step of the
	// clock is over when all of them wait again.
	start := fake.Now()
	for range 1000 {
		waiters(t, fake, workers)
		fake.Advance(time.Millisecond)
	}
	waiters(t, fake, workers)
	cancel()
	for range workers {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("worker ended with %v, want context.Canceled", err)
		}
	}
	close(admitted)
	var n int
	var last time.Time
	for at := range admitted {
		if n > 0 && at.Sub(last) < time.Second/rps-time.Millisecond {
			t.Errorf("admissions %s apart at %s, the cap allows one every %s", at.Sub(last), at.Sub(start), time.Second/rps)
		}
		n, last = n+1, at
	}
	// One at the start, then one every 12.5ms through the second.
	if n < rps || n > rps+1 {
		t.Errorf("%d admissions in one second of the clock, want %d or %d", n, rps, rps+1)
	}
	if p.Summary().Waits[WaitRateLimit].Count == 0 {
		t.Error("no rate_limit wait counted")
	}
}

// TestBreakerCooldownOnTheClock: an open breaker holds its group's requests
// for the cool-down and steers VUs away from the group until it has passed.
// (gobreaker keeps the real clock for its own open → half-open switch, so the
// wait is ended by cancelling, not by cooling down.)
func TestBreakerCooldownOnTheClock(t *testing.T) {
	cfg := Defaults()
	cfg.BreakerMinRequests = 5
	p, fake := fakePolicy(t, cfg, 2)
	slot := p.Bind("auth", "POST", testRoute)
	for range 5 {
		send(t, p, slot, 0, client.Result{Status: 500})
	}
	if st := p.BreakerState("auth"); st != "open" {
		t.Fatalf("breaker %s after 5 failures of 5, want open", st)
	}
	if p.AllowGroup("auth") {
		t.Fatal("AllowGroup true for a group whose breaker is open")
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := admitAsync(ctx, p, slot, 1)
	waiters(t, fake, 1)
	fake.Advance(cfg.BreakerCooldown - time.Nanosecond)
	if !pending(done) || p.AllowGroup("auth") {
		t.Fatal("the breaker let a request through before its cool-down ended")
	}
	cancel()
	if err := received(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Admit after cancel: %v", err)
	}
	if w := p.Summary().Waits[WaitCircuitOpen]; w.Count != 1 || w.Seconds != (cfg.BreakerCooldown-time.Nanosecond).Seconds() {
		t.Errorf("circuit_open waits %+v, want one of the cool-down", w)
	}
	fake.Advance(time.Nanosecond)
	if !p.AllowGroup("auth") {
		t.Error("AllowGroup still false after the cool-down")
	}
}

// TestDegradationOnTheClock: failures raise the level when an interval of the
// clock closes; at emergency no session starts until calm intervals have
// brought the level down a step.
func TestDegradationOnTheClock(t *testing.T) {
	cfg := Defaults()
	cfg.Breakers = false
	cfg.Degrade = true
	cfg.DegradeInterval = 100 * time.Millisecond
	p, fake := fakePolicy(t, cfg, 1)
	slot := p.Bind("auth", "POST", testRoute)
	for range 10 {
		send(t, p, slot, 0, client.Result{Status: 500})
	}
	if l := p.Level(); l != Normal {
		t.Fatalf("level %s before the interval closed, want normal", l)
	}
	fake.Advance(cfg.DegradeInterval)
	if l := p.Level(); l != Emergency {
		t.Fatalf("level %s after an interval of failures, want emergency", l)
	}
	if d := p.SessionPause(); d != cfg.DegradeInterval/2 {
		t.Errorf("SessionPause at emergency = %s, want half an interval", d)
	}
	// WaitSession looks again every half interval; the level steps down after
	// DegradeCalm quiet intervals.
	done := make(chan bool, 1)
	go func() { done <- p.WaitSession(nil) }()
	var waited time.Duration
	for {
		blocked := make(chan error, 1)
		go func() { blocked <- fake.BlockUntilContext(t.Context(), 1) }()
		select {
		case ok := <-done:
			if !ok {
				t.Fatal("WaitSession refused without a stop")
			}
			if want := time.Duration(cfg.DegradeCalm) * cfg.DegradeInterval; waited != want {
				t.Errorf("sessions held for %s, want %d intervals (%s)", waited, cfg.DegradeCalm, want)
			}
			if l := p.Level(); l != Heavy {
				t.Errorf("level %s after the calm intervals, want heavy", l)
			}
			if d := p.SessionPause(); d != 0 {
				t.Errorf("SessionPause at heavy = %s, want 0 (sessions may start)", d)
			}
			return
		case err := <-blocked:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("WaitSession neither waited on the clock nor returned within 10s")
		}
		if waited > time.Minute {
			t.Fatalf("sessions still held after %s of calm", waited)
		}
		fake.Advance(cfg.DegradeInterval / 2)
		waited += cfg.DegradeInterval / 2
	}
}
