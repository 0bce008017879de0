package resilience

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/trafficsim/trafficsim/engine/client"
)

// Run is what a Policy needs to know about its run.
type Run struct {
	ID         string                // the `run` label
	Users      int                   // sizes the in-flight cap when Config.MaxInFlight is 0
	Registerer prometheus.Registerer // nil: no Prometheus series
	Log        *slog.Logger          // nil: discard
	// Clock times the policy's waits, gates and intervals; nil: real time.
	// Tests pass a fake one. A Result's Start must be on this clock. The
	// breakers' window and cool-down inside gobreaker keep the real clock.
	Clock clockwork.Clock
}

// ErrStopping is what Admit returns for a request that was waiting when the
// Policy was stopped: the request is not sent.
var ErrStopping = errors.New("run stopping: request not sent")

// MaxHeldOffCleanup is the longest a Retry-After of the target holds off a
// request of the end-of-run cleanup (no VU): it has seconds, not the minutes
// a Retry-After may ask for (--max-retry-after holds the VUs). A request
// held off longer is not sent: Admit returns a *HeldOffError.
const MaxHeldOffCleanup = 2 * time.Second

// HeldOffError is a request of the cleanup (no VU) not sent because a
// Retry-After holds its endpoint group off for Wait more, longer than
// MaxHeldOffCleanup.
type HeldOffError struct{ Wait time.Duration }

func (e *HeldOffError) Error() string {
	return fmt.Sprintf("not sent: a Retry-After holds these requests off for %v more", e.Wait.Round(time.Second))
}

// Wait reasons, the `reason` label of trafficsim_policy_waits_total.
const (
	WaitRetryAfter  = "retry_after"
	WaitBackoff     = "backoff"
	WaitCircuitOpen = "circuit_open"
	WaitRateLimit   = "rate_limit"
	WaitInFlight    = "in_flight"
)

var waitReasons = [...]string{WaitRetryAfter, WaitBackoff, WaitCircuitOpen, WaitRateLimit, WaitInFlight}

// Breaker outcomes passed to gobreaker's done callback.
var (
	errFailed   = errors.New("request failed")
	errExcluded = errors.New("request canceled")
)

// Policy implements client.Policy and client.Advisor. It is safe for
// concurrent use; its state is fixed-size per group, route and VU.
type Policy struct {
	cfg   Config
	log   *slog.Logger
	clock clockwork.Clock
	m     *collectors
	stop  chan struct{}
	once  sync.Once
	start time.Time

	breakers sync.Map     // group → *breaker
	routes   sync.Map     // route → *routeTimer
	gates    sync.Map     // group → *atomic.Int64: no request before (unix ns), from Retry-After
	gatesEnd atomic.Int64 // the latest of the gates: none is shut after it (HoldOff's fast path)
	vus      vuTable
	// open counts the breakers open now: while none is, AllowGroup (asked
	// for every group a VU might choose) answers without a look-up.
	open atomic.Int32

	limiter  *rate.Limiter
	sem      chan struct{}
	inFlight atomic.Int64

	waitCount [len(waitReasons)]atomic.Int64
	waitNanos [len(waitReasons)]atomic.Int64
	waitCtrs  [len(waitReasons)]prometheus.Counter
	waitSecs  [len(waitReasons)]prometheus.Counter

	// Degradation.
	win          window
	lastEval     atomic.Int64
	degMu        sync.Mutex
	deg          *Degrader
	level        atomic.Int32
	maxLevel     atomic.Int32
	levelChanges atomic.Int64
	shed         sync.Map // group → *atomic.Int64
}

// vuState is one VU's backoff. Only its VU's goroutine sends, but Done may run
// after a stop on another, hence atomics.
type vuState struct {
	failures  atomic.Int32
	notBefore atomic.Int64 // unix ns
	// why is the wait reason of notBefore: 0 a Retry-After the VU was answered
	// (its own wait is the target's ask, not a backoff), 1 a backoff.
	why atomic.Int32
}

// slot is a route's state as Bind hands it to the client: the pointers the
// keyed maps would give, resolved on first use (a breaker or a timer
// registers its series when made, and a bound route may never be used).
type slot struct {
	group, route string
	gate         *atomic.Int64
	breaker      atomic.Pointer[breaker]
	timer        atomic.Pointer[routeTimer]
}

// Bind implements client.Binder.
func (p *Policy) Bind(group, _, route string) any {
	return &slot{group: group, route: route, gate: p.gate(group)}
}

// slotOf is the attempt's slot; an unbound attempt (a caller without a
// Client) gets a fresh one, which finds the shared state through the maps.
func (p *Policy) slotOf(a *client.Attempt) *slot {
	if s, ok := a.Slot.(*slot); ok {
		return s
	}
	return &slot{group: a.Group, route: a.Route, gate: p.gate(a.Group)}
}

func (p *Policy) slotBreaker(s *slot) *breaker {
	return resolve(&s.breaker, func() *breaker { return p.breaker(s.group) })
}

func (p *Policy) slotTimer(s *slot) *routeTimer {
	return resolve(&s.timer, func() *routeTimer { return p.route(s.route) })
}

// resolve is *at, made by mk and kept on first use (racing makers agree: mk
// returns the one shared value).
func resolve[T any](at *atomic.Pointer[T], mk func() *T) *T {
	if v := at.Load(); v != nil {
		return v
	}
	v := mk()
	at.Store(v)
	return v
}

type breaker struct {
	group     string
	cb        *gobreaker.TwoStepCircuitBreaker[struct{}]
	openUntil atomic.Int64 // unix ns; the cool-down's end while open
	state     atomic.Int32 // 0 closed, 1 half-open, 2 open
	opened    atomic.Int64
	halfOpen  atomic.Int64
	closed    atomic.Int64
}

// New returns a Policy for the run. It validates cfg (a *FieldError) and
// registers the run's resilience series on run.Registerer.
func New(cfg Config, run Run) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if run.ID == "" {
		return nil, errors.New("new resilience policy: the run id is empty; every series needs it")
	}
	if run.Log == nil {
		run.Log = slog.New(slog.DiscardHandler)
	}
	if run.Clock == nil {
		run.Clock = clockwork.NewRealClock()
	}
	inFlight := cfg.MaxInFlight
	if inFlight == 0 {
		inFlight = max(run.Users, 1)
	}
	cfg.MaxInFlight = inFlight
	p := &Policy{
		cfg:   cfg,
		log:   run.Log.With("component", "resilience"),
		clock: run.Clock,
		m:     newCollectors(run.ID),
		stop:  make(chan struct{}),
		start: run.Clock.Now(),
		sem:   make(chan struct{}, inFlight),
		deg:   NewDegrader(cfg),
	}
	if cfg.MaxRPS > 0 {
		// A burst of one: the cap holds over any second, not just on average.
		p.limiter = rate.NewLimiter(rate.Limit(cfg.MaxRPS), 1)
	}
	for i, r := range waitReasons {
		p.waitCtrs[i] = p.m.waits.WithLabelValues(r)
		p.waitSecs[i] = p.m.waitSeconds.WithLabelValues(r)
	}
	p.lastEval.Store(p.start.UnixNano())
	if cfg.Degrade {
		p.m.degradation.Set(0)
	}
	if err := p.m.register(run.Registerer); err != nil {
		return nil, fmt.Errorf("new resilience policy for run %q: %w", run.ID, err)
	}
	return p, nil
}

// Config is the policy's settings (MaxInFlight resolved).
func (p *Policy) Config() Config { return p.cfg }

// Stop wakes every request waiting in Admit (it is not sent: ErrStopping) and
// refuses new ones. In-flight requests are not touched.
func (p *Policy) Stop() { p.once.Do(func() { close(p.stop) }) }

// Unregister removes the run's resilience series from the registry.
func (p *Policy) Unregister() { p.m.unregister() }

func (p *Policy) breaker(group string) *breaker {
	if b, ok := p.breakers.Load(group); ok {
		return b.(*breaker)
	}
	b := &breaker{group: group}
	c := p.cfg
	st := gobreaker.Settings{
		Name:        group,
		MaxRequests: uint32(c.BreakerProbes),
		Interval:    c.BreakerWindow,
		// A rolling window: counts age out bucket by bucket, not all at once.
		BucketPeriod: c.BreakerWindow / 10,
		Timeout:      c.BreakerCooldown,
		ReadyToTrip: func(n gobreaker.Counts) bool {
			return n.Requests >= uint32(c.BreakerMinRequests) &&
				float64(n.TotalFailures) >= c.BreakerFailureRatio*float64(n.Requests)
		},
		IsSuccessful:  func(err error) bool { return err == nil },
		IsExcluded:    func(err error) bool { return errors.Is(err, errExcluded) },
		OnStateChange: func(_ string, from, to gobreaker.State) { p.transition(b, from, to) },
	}
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](st)
	actual, loaded := p.breakers.LoadOrStore(group, b)
	if !loaded {
		p.m.circuitState.WithLabelValues(group).Set(0)
	}
	return actual.(*breaker)
}

// transition runs under the breaker's lock: it must not call the breaker.
func (p *Policy) transition(b *breaker, from, to gobreaker.State) {
	now := p.clock.Now()
	var name string
	switch to {
	case gobreaker.StateOpen:
		b.openUntil.Store(now.Add(p.cfg.BreakerCooldown).UnixNano())
		b.state.Store(2)
		b.opened.Add(1)
		p.open.Add(1)
		name = "open"
	case gobreaker.StateHalfOpen:
		b.state.Store(1)
		b.halfOpen.Add(1)
		name = "half_open"
	default:
		b.state.Store(0)
		b.closed.Add(1)
		name = "closed"
	}
	if from == gobreaker.StateOpen {
		p.open.Add(-1)
	}
	p.m.circuitState.WithLabelValues(b.group).Set(float64(b.state.Load()))
	p.m.transitions.WithLabelValues(b.group, name).Inc()
	p.log.Info("circuit breaker", "group", b.group, "from", from.String(), "to", to.String())
}

func (p *Policy) route(route string) *routeTimer {
	if t, ok := p.routes.Load(route); ok {
		return t.(*routeTimer)
	}
	t, loaded := p.routes.LoadOrStore(route, newRouteTimer(p.cfg.TimeoutCap))
	if !loaded {
		p.m.timeout.WithLabelValues(route).Set(p.cfg.TimeoutCap.Seconds())
	}
	return t.(*routeTimer)
}

func (p *Policy) gate(group string) *atomic.Int64 {
	if g, ok := p.gates.Load(group); ok {
		return g.(*atomic.Int64)
	}
	g, _ := p.gates.LoadOrStore(group, new(atomic.Int64))
	return g.(*atomic.Int64)
}

func (p *Policy) vu(idx int) *vuState { return p.vus.get(idx) }

// vuTable maps a VU index to its state without a lock or an allocation per
// look-up (a sync.Map keyed by int boxed every index above 255): chunks of
// vuChunk states, created on first use.
type vuTable struct {
	chunks [vuChunks]atomic.Pointer[[vuChunk]atomic.Pointer[vuState]]
}

const (
	vuChunk  = 1 << 10
	vuChunks = 1 << 12 // 4M VUs; beyond that VUs share states (only their backoff)
)

// at is where idx's state lives: its chunk's slot and its place in the chunk.
func (t *vuTable) at(idx int) (*atomic.Pointer[[vuChunk]atomic.Pointer[vuState]], int) {
	idx %= vuChunk * vuChunks
	return &t.chunks[idx/vuChunk], idx % vuChunk
}

func (t *vuTable) get(idx int) *vuState {
	if idx < 0 {
		return nil
	}
	slot, i := t.at(idx)
	c := slot.Load()
	if c == nil {
		slot.CompareAndSwap(nil, new([vuChunk]atomic.Pointer[vuState]))
		c = slot.Load()
	}
	e := &c[i]
	v := e.Load()
	if v == nil {
		e.CompareAndSwap(nil, new(vuState))
		v = e.Load()
	}
	return v
}

// peek is get without making the state: nil for a VU that never failed.
func (t *vuTable) peek(idx int) *vuState {
	if idx < 0 {
		return nil
	}
	slot, i := t.at(idx)
	c := slot.Load()
	if c == nil {
		return nil
	}
	return c[i].Load()
}

// raise moves a not-before time later, never earlier.
func raise(a *atomic.Int64, until int64) {
	for {
		cur := a.Load()
		if cur >= until || a.CompareAndSwap(cur, until) {
			return
		}
	}
}

// sleep waits d (counted under reason) unless ctx ends or stop closes.
func (p *Policy) sleep(ctx context.Context, stop <-chan struct{}, d time.Duration, reason int) error {
	if d <= 0 {
		return nil
	}
	start := p.clock.Now()
	t := p.clock.NewTimer(d)
	defer t.Stop()
	var err error
	select {
	case <-t.Chan():
	case <-ctx.Done():
		err = ctx.Err()
	case <-stop:
		err = ErrStopping
	}
	p.countWait(reason, p.clock.Since(start))
	return err
}

func (p *Policy) countWait(reason int, d time.Duration) {
	p.waitCount[reason].Add(1)
	p.waitNanos[reason].Add(int64(d))
	p.waitCtrs[reason].Inc()
	p.waitSecs[reason].Add(d.Seconds())
}

func (p *Policy) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// Admit implements client.Policy. In order it waits for: the VU's backoff and
// the group's Retry-After, an open breaker's cool-down, a free in-flight slot,
// the rate cap; then the breaker admits the request (a half-open breaker lets
// only its probes through; the others wait again). Every wait sleeps.
func (p *Policy) Admit(ctx context.Context, a *client.Attempt) (time.Duration, error) {
	vs := p.vu(a.VU)
	sl := p.slotOf(a)
	var b *breaker
	// Breakers protect the target from the VUs' load; the end-of-run cleanup
	// (no VU) is small, bounded work that must not wait out cool-downs.
	if p.cfg.Breakers && a.VU >= 0 {
		b = p.slotBreaker(sl)
	}
	// Stop concerns the VUs only: the cleanup after it still goes through.
	stop := p.stop
	if a.VU < 0 {
		stop = nil
	}
	for {
		if stop != nil && p.stopped() {
			return 0, ErrStopping
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		now := p.clock.Now().UnixNano()
		if vs != nil {
			if d := time.Duration(vs.notBefore.Load() - now); d > 0 {
				if err := p.sleep(ctx, stop, d, int(vs.why.Load())); err != nil {
					return 0, err
				}
				continue
			}
		}
		if d := time.Duration(sl.gate.Load() - now); d > 0 {
			if a.VU < 0 && d > MaxHeldOffCleanup {
				return 0, &HeldOffError{Wait: d}
			}
			if err := p.sleep(ctx, stop, d, 0); err != nil {
				return 0, err
			}
			continue
		}
		if b != nil && b.state.Load() == 2 {
			if d := time.Duration(b.openUntil.Load() - now); d > 0 {
				if err := p.sleep(ctx, stop, d, 2); err != nil {
					return 0, err
				}
				continue
			}
			// Cooled down: Allow below moves the breaker to half-open.
		}
		if err := p.acquire(ctx, stop); err != nil {
			return 0, err
		}
		if p.limiter != nil {
			at := p.clock.Now()
			r := p.limiter.ReserveN(at, 1)
			if err := p.sleep(ctx, stop, r.DelayFrom(at), 3); err != nil {
				r.CancelAt(p.clock.Now())
				p.release()
				return 0, err
			}
		}
		if b != nil {
			done, err := b.cb.Allow()
			if err != nil {
				// Opened meanwhile, or a half-open breaker has its probes out:
				// wait for them (a fraction of the cool-down) and look again.
				p.release()
				if b.state.Load() != 2 {
					if err := p.sleep(ctx, stop, min(p.cfg.BreakerCooldown/4, 250*time.Millisecond), 2); err != nil {
						return 0, err
					}
				}
				continue
			}
			a.State = done
		}
		if !p.cfg.AdaptiveTimeouts {
			return p.cfg.TimeoutCap, nil
		}
		return p.slotTimer(sl).current(), nil
	}
}

func (p *Policy) acquire(ctx context.Context, stop <-chan struct{}) error {
	select {
	case p.sem <- struct{}{}:
	default:
		start := p.clock.Now()
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-stop:
			return ErrStopping
		}
		p.countWait(4, p.clock.Since(start))
	}
	p.m.inFlight.Set(float64(p.inFlight.Add(1)))
	return nil
}

func (p *Policy) release() {
	p.m.inFlight.Set(float64(p.inFlight.Add(-1)))
	<-p.sem
}

// Done implements client.Policy.
func (p *Policy) Done(a *client.Attempt, r *client.Result) {
	p.release()
	// The answer's arrival, without another clock read.
	now := r.Start.Add(r.Latency)
	if r.Start.IsZero() {
		now = p.clock.Now()
	}
	sl := p.slotOf(a)
	canceled := r.ErrKind == client.KindCanceled
	transport := r.ErrKind == client.KindTimeout || r.ErrKind == client.KindConnection
	failed := transport || r.ErrKind == client.KindProtocol || r.Status >= 500
	if done, ok := a.State.(func(error)); ok {
		switch {
		case canceled:
			done(errExcluded)
		case failed:
			done(errFailed)
		default:
			done(nil)
		}
		a.State = nil
	}
	if p.cfg.AdaptiveTimeouts && (r.Status > 0 || r.ErrKind == client.KindTimeout) {
		if changed, t := p.slotTimer(sl).observe(r.Latency, now.UnixNano(), &p.cfg); changed {
			p.m.timeout.WithLabelValues(sl.route).Set(t.Seconds())
		}
	}
	vs := p.vu(a.VU)
	if w := RetryAfterWait(r.Status, r.RetryAfter, p.cfg.MaxRetryAfter); w > 0 {
		// The target asked everyone to hold off this group: the whole run does.
		until := now.Add(w).UnixNano()
		raise(sl.gate, until)
		raise(&p.gatesEnd, until)
		if vs != nil {
			raise(&vs.notBefore, until)
			vs.why.Store(0)
			vs.failures.Store(0)
		}
	} else if vs != nil {
		if transport || r.Status == 429 || r.Status == 503 {
			n := vs.failures.Add(1)
			d := Backoff(int(n), p.cfg.BackoffBase, p.cfg.BackoffMax, rand.Float64())
			raise(&vs.notBefore, now.Add(d).UnixNano())
			vs.why.Store(1)
		} else if r.Status > 0 {
			vs.failures.Store(0)
		}
	}
	if p.cfg.Degrade && !canceled {
		p.win.add(r.Latency, failed || r.Status == 429)
		p.evaluate(now)
	}
}

// evaluate closes the degradation interval when it is due. No goroutine: the
// requests (and the Advisor calls) drive it.
func (p *Policy) evaluate(now time.Time) {
	last := p.lastEval.Load()
	if now.UnixNano()-last < int64(p.cfg.DegradeInterval) || !p.lastEval.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	n, errRate, p95 := p.win.take()
	p.degMu.Lock()
	lvl := p.deg.Observe(errRate, p95)
	p.degMu.Unlock()
	if old := Level(p.level.Swap(int32(lvl))); old != lvl {
		p.levelChanges.Add(1)
		p.m.degradation.Set(float64(lvl))
		for {
			m := p.maxLevel.Load()
			if int32(lvl) <= m || p.maxLevel.CompareAndSwap(m, int32(lvl)) {
				break
			}
		}
		p.log.Warn("degradation level", "from", old.String(), "to", lvl.String(),
			"requests", n, "error_rate", errRate, "p95", p95)
	}
}

// Level is the current degradation level (Normal when degradation is off).
func (p *Policy) Level() Level {
	if !p.cfg.Degrade {
		return Normal
	}
	p.evaluate(p.clock.Now())
	return Level(p.level.Load())
}

// AllowGroup implements client.Advisor: a group whose breaker is open (and
// cooling down), or whose Retry-After runs, is not chosen, so the VU does
// something else meanwhile rather than wait for it.
func (p *Policy) AllowGroup(group string) bool {
	if now, on := p.gatesOn(); on && p.gateLeft(group, now) > 0 {
		return false
	}
	if !p.cfg.Breakers || p.open.Load() == 0 {
		return true
	}
	v, ok := p.breakers.Load(group)
	if !ok {
		return true
	}
	b := v.(*breaker)
	return b.state.Load() != 2 || b.openUntil.Load() <= p.clock.Now().UnixNano()
}

// Shed reports whether the level sheds an action whose main request is method
// on group ("mistake" for a deliberate client error): light sheds admin
// actions and mistakes, heavy and emergency keep only auth and reads.
func Shed(l Level, group, method string) bool {
	switch {
	case l <= Normal:
		return false
	case method == "mistake":
		return true
	case l == Light:
		return group == "admin"
	default:
		return group != "auth" && method != "GET" && method != "HEAD"
	}
}

// AllowAction implements client.Advisor (see Shed); shed actions are counted.
func (p *Policy) AllowAction(group, method string) bool {
	if !p.cfg.Degrade || !Shed(p.Level(), group, method) {
		return true
	}
	c, ok := p.shed.Load(group)
	if !ok {
		c, _ = p.shed.LoadOrStore(group, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
	p.m.shed.WithLabelValues(group).Inc()
	return false
}

// WaitSession implements client.Advisor: at the emergency level no new session
// starts; the VU sleeps a fraction of the interval between looks.
func (p *Policy) WaitSession(stop <-chan struct{}) bool {
	for d := p.SessionPause(); d > 0; d = p.SessionPause() {
		t := p.clock.NewTimer(d)
		select {
		case <-t.Chan():
		case <-stop:
			t.Stop()
			return false
		case <-p.stop:
			t.Stop()
			return false
		}
	}
	return true
}

// SessionPause is WaitSession without the wait, for a VU that has no
// goroutine to block (it waits on its own timer): 0 when a new session may
// start now, else how long to wait before looking again.
func (p *Policy) SessionPause() time.Duration {
	if !p.cfg.Degrade || p.Level() < Emergency {
		return 0
	}
	return min(p.cfg.DegradeInterval/2, 500*time.Millisecond)
}

// HoldOff is how long the VU must still wait before it sends a request of
// group ("": the VU's own wait alone) — its backoff, a Retry-After it was
// answered, or the group's Retry-After — and why (the reason HeldOff takes):
// 0 when it may send now. A VU that waits on its own timer asks before it acts
// and pauses that long, so the wait holds none of the workers the other VUs'
// steps run on; Admit would sleep it on one.
func (p *Policy) HoldOff(vu int, group string) (time.Duration, int) {
	var now int64
	var d time.Duration
	why := 0
	if vs := p.vus.peek(vu); vs != nil {
		if nb := vs.notBefore.Load(); nb != 0 {
			now = p.clock.Now().UnixNano()
			d, why = time.Duration(nb-now), int(vs.why.Load())
			if d <= 0 {
				// Passed: the next look-up is an atomic load again. A wait
				// raised meanwhile keeps it.
				vs.notBefore.CompareAndSwap(nb, 0)
			}
		}
	}
	if group != "" {
		if gnow, on := p.gatesOn(); on {
			if now == 0 {
				now = gnow
			}
			if gd := p.gateLeft(group, now); gd > d {
				d, why = gd, 0 // the group's gate is a Retry-After
			}
		}
	}
	if d <= 0 {
		return 0, 0
	}
	return d, why
}

// Gated reports whether a group's Retry-After may still be running: while it
// is false, HoldOff needs no group.
func (p *Policy) Gated() bool {
	_, on := p.gatesOn()
	return on
}

// gatesOn reports whether a group's Retry-After may still run, and the time
// it read. Once the last gate has passed it clears gatesEnd, so that the
// look-ups before every action cost an atomic load again, not a clock read.
func (p *Policy) gatesOn() (now int64, on bool) {
	e := p.gatesEnd.Load()
	if e == 0 {
		return 0, false
	}
	now = p.clock.Now().UnixNano()
	if e > now {
		return now, true
	}
	p.gatesEnd.CompareAndSwap(e, 0) // a gate raised meanwhile keeps it
	return now, false
}

// gateLeft is how long the group's Retry-After still runs at now (≤ 0: it
// does not), without making a gate for a group that never had one.
func (p *Policy) gateLeft(group string, now int64) time.Duration {
	g, ok := p.gates.Load(group)
	if !ok {
		return 0
	}
	return time.Duration(g.(*atomic.Int64).Load() - now)
}

// HeldOff counts d, the part of a VU's pause it spent holding off for reason
// (from HoldOff), as the wait Admit would have counted had it slept it.
func (p *Policy) HeldOff(reason int, d time.Duration) {
	if d > 0 && reason >= 0 && reason < len(waitReasons) {
		p.countWait(reason, d)
	}
}

// Timeout is the route's current timeout.
func (p *Policy) Timeout(route string) time.Duration {
	if !p.cfg.AdaptiveTimeouts {
		return p.cfg.TimeoutCap
	}
	return p.route(route).current()
}

// BreakerState is the group's breaker state: "closed", "half_open" or "open".
func (p *Policy) BreakerState(group string) string {
	v, ok := p.breakers.Load(group)
	if !ok {
		return "closed"
	}
	return stateName(v.(*breaker).state.Load())
}

// BreakerStatus is one group's circuit breaker state.
type BreakerStatus struct {
	Group string
	State string // "half_open" or "open"
}

// Tripped lists the groups whose breaker is not closed, by group: what a live
// display shows to explain why a group's requests stopped.
func (p *Policy) Tripped() []BreakerStatus {
	var out []BreakerStatus
	p.breakers.Range(func(_, v any) bool {
		b := v.(*breaker)
		if st := b.state.Load(); st != 0 {
			out = append(out, BreakerStatus{Group: b.group, State: stateName(st)})
		}
		return true
	})
	slices.SortFunc(out, func(a, b BreakerStatus) int { return strings.Compare(a.Group, b.Group) })
	return out
}

func stateName(s int32) string {
	switch s {
	case 1:
		return "half_open"
	case 2:
		return "open"
	}
	return "closed"
}

var (
	_ client.Policy  = (*Policy)(nil)
	_ client.Advisor = (*Policy)(nil)
)
