// Package runner runs a simulation: it starts the embedded reference target when
// no base URL is given, schedules the virtual users (VUs) by the load model —
// when and how many run; what a VU does is engine/behaviour's — cleans up the
// simulation data at the end and reports snapshots and the final summary. Both
// the CLI (`trafficsim run`) and the plugin's engine process drive it.
package runner

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/behaviour"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/tracing"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/usersvc"
	"github.com/trafficsim/trafficsim/engine/version"
)

// Run states of a Snapshot.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	StateStopping = "stopping"
	StateFinished = "finished"
	StateFailed   = "failed"
)

// DefaultGrace is how long in-flight requests may take to finish after a stop.
const DefaultGrace = 5 * time.Second

// RequestEvent is one recent request.
type RequestEvent = metrics.Event

// Snapshot is a run's state right now.
type Snapshot struct {
	RunID       string
	State       string // starting, running, stopping, finished, failed
	StartedAt   time.Time
	EndedAt     time.Time
	ActiveUsers int // VUs started and not done
	TotalUsers  int
	Requests    int64
	Errors      int64   // answers 4xx/5xx and requests with no answer
	SuccessRate float64 // 0–1
	RPS         float64 // over the last few seconds
	AvgLatency  time.Duration
	P95Latency  time.Duration
	MaxLatency  time.Duration
	Elapsed     time.Duration
	Remaining   time.Duration // -1 when unknown
	Recent      []RequestEvent
	Err         string
	// Stats are the full in-process statistics (progress display).
	Stats metrics.Stats

	// Load model (docs/load-models.md).
	Model             string  // closed or open
	TargetUsers       int     // VUs the model asks for now (open: the pool size)
	TargetRate        float64 // open model: arrivals per second asked for now
	Stage             int     // index of the current stage (--stages, --rate-stages); -1 without
	Iterations        int64   // open model: arrivals started
	DroppedIterations int64   // open model: arrivals that found no free VU

	// Resilience (docs/resilience.md), while the run is active: the groups whose
	// circuit breaker is not closed, and the degradation level ("" when normal).
	Breakers    []resilience.BreakerStatus
	Degradation string

	// Generator is the engine watching itself (engine/generator): CPU, memory,
	// timer lag, saturation.
	Generator generator.Status
}

// Option tunes a Runner.
type Option func(*options)

type options struct {
	reg    prometheus.Registerer
	log    *slog.Logger
	target func(*usersvc.Config)
	grace  time.Duration
	policy client.Policy
	// resilience builds a resilience.Policy at the start (WithResilience).
	resilience *resilience.Config
	dial       func(ctx context.Context, network, addr string) (net.Conn, error)
	maxMemory  int64
	tracer     *tracing.Tracer // nil: tracing off
}

// WithRegisterer registers the run's metrics on reg (default: none, in-process
// statistics only).
func WithRegisterer(reg prometheus.Registerer) Option { return func(o *options) { o.reg = reg } }

// WithDial replaces the client's dialer (tests give a loopback target a
// name that proxy rules apply to).
func WithDial(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(o *options) { o.dial = d }
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithTargetConfig adjusts the embedded target's config before it starts (tests
// lower the bcrypt cost).
func WithTargetConfig(f func(*usersvc.Config)) Option { return func(o *options) { o.target = f } }

// WithGrace sets how long in-flight requests may take after a stop (default 5s).
func WithGrace(d time.Duration) Option { return func(o *options) { o.grace = d } }

// WithMaxMemory sets the Go soft memory limit for the run (bytes; 0: leave it)
// and stops adding VUs near it (engine/generator).
func WithMaxMemory(bytes int64) Option { return func(o *options) { o.maxMemory = bytes } }

// WithPolicy sets the client policy (circuit breakers, timeouts, rate cap).
func WithPolicy(p client.Policy) Option { return func(o *options) { o.policy = p } }

// WithTracer gives every request W3C trace context, one trace per VU session,
// and exports sampled sessions' spans (engine/tracing; nil: off).
func WithTracer(t *tracing.Tracer) Option { return func(o *options) { o.tracer = t } }

// Runner is one run.
type Runner struct {
	cfg  Config
	sc   *scenario.Scenario
	opts options
	log  *slog.Logger

	state     atomic.Value // string
	started   atomic.Int64 // unix nanos; 0 before start
	ended     atomic.Int64
	rec       atomic.Pointer[metrics.Run]
	target    atomic.Pointer[string]
	errMsg    atomic.Pointer[string]
	budgetSum atomic.Int64
	// The load phase (unix nanos; 0: not begun, not over): rps divides by it.
	loadStarted, loadEnded atomic.Int64

	stopOnce sync.Once
	stopCh   chan struct{} // closed: no new requests
	// Interrupt: the first closes interrupted (Run then returns by
	// interruptDeadline: the cleanup ends settleReserve before it, hard ends
	// what outlives the cleanup, overdue closes at the deadline), the second
	// cancels the cleanup at once.
	interruptMu       sync.Mutex
	interrupted       chan struct{}
	interruptDeadline time.Time
	hard              context.Context // ended once an interrupted run must be over
	hardCancel        context.CancelFunc
	overdue           chan struct{}
	sealed            bool                    // the summary is final (summaryMu): Run returned with it
	cleanupCancel     context.CancelCauseFunc // while the cleanup runs
	twice             bool                    // interrupted twice: no cleanup
	stopped           atomic.Bool             // stopped by Stop, ctx or --duration (not finished by itself)
	refused           atomic.Pointer[error]   // Refuse: the run does not start, for this reason
	runOnce           sync.Once
	done              chan struct{}
	reqCtx            context.Context // in-flight requests; cancelled after the grace period
	reqCancel         context.CancelFunc

	// Shared by the VUs during Run.
	load   *loadPlan
	client *client.Client
	// clientRef is client for summaries, which may be built from another
	// goroutine (SummaryNow).
	clientRef atomic.Pointer[client.Client]
	shared    *behaviour.Shared // what the VUs share (engine/behaviour)
	ledger    *behaviour.Ledger // what the run created, for the cleanup
	vus       []*behaviour.VU
	embed     *usersvc.Running

	rate rateMeter

	res     atomic.Pointer[resilience.Policy] // WithResilience's policy, once running
	advisor client.Advisor                    // the policy's steering, if it has any

	summaryMu sync.Mutex
	summary   *summary.Summary

	gen       *generator.Monitor // the engine watching itself (CPU, memory, timer lag)
	genMetric prometheus.Collector
	capacity  Capacity // connections and memory, decided at the start (capacity.go)
	// inFlightAsked: --max-in-flight was given; the run then has that many
	// requests on the wire from the start (no start window).
	inFlightAsked bool
}

// New validates cfg and prepares a run without starting it. An invalid config is
// a *FieldError.
func New(cfg Config, opts ...Option) (*Runner, error) {
	sc, _, err := cfg.load()
	if err != nil {
		return nil, err
	}
	o := options{grace: DefaultGrace}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID()
	}
	if cfg.Seed == 0 {
		n, err := rand.Int(rand.Reader, big.NewInt(MaxSeed)) // 1 … MaxSeed
		if err != nil {
			return nil, fmt.Errorf("choose a seed: %w", err)
		}
		cfg.Seed = n.Int64() + 1
	}
	if cfg.AdminUser == "" {
		cfg.AdminUser = "admin"
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = usersvc.DefaultAdminPassword
	}
	cfg = cfg.withLoad(sc.Load)
	r := &Runner{
		cfg:         cfg,
		sc:          sc,
		opts:        o,
		log:         o.log.With("run", cfg.RunID),
		stopCh:      make(chan struct{}),
		interrupted: make(chan struct{}),
		overdue:     make(chan struct{}),
		done:        make(chan struct{}),
		ledger:      behaviour.NewLedger(cfg.RunID),
		gen:         generator.New(generator.Options{MaxMemory: o.maxMemory}),
	}
	r.state.Store(StateStarting)
	r.reqCtx, r.reqCancel = context.WithCancel(context.Background())
	r.hard, r.hardCancel = context.WithCancel(context.Background())
	r.load = newLoadPlan(cfg, sc)
	return r, nil
}

const runIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewRunID returns a random run id: 8 lowercase letters or digits.
func NewRunID() string {
	var b [8]byte
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(runIDAlphabet))))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = runIDAlphabet[n.Int64()]
	}
	return string(b[:])
}

// ID is the run's id.
func (r *Runner) ID() string { return r.cfg.RunID }

// Config is the run's config with the chosen run id and seed (the admin
// password cleared).
func (r *Runner) Config() Config {
	c := r.cfg
	c.AdminPassword = ""
	return c
}

// Scenario is the run's scenario.
func (r *Runner) Scenario() *scenario.Scenario { return r.sc }

// Metrics is the run's recorder, nil until the run has started (its target is
// up): for readers that need more than Snapshot, such as the threshold
// windows (per-endpoint latency histograms).
func (r *Runner) Metrics() *metrics.Run { return r.rec.Load() }

// State is the run's state (StateStarting … StateFailed), cheaply: without
// the statistics Snapshot gathers.
func (r *Runner) State() string {
	s, _ := r.state.Load().(string)
	return s
}

// Done is closed when Run has returned.
func (r *Runner) Done() <-chan struct{} { return r.done }

// Stop asks for a graceful stop: no new requests, in-flight ones may finish
// within the grace period, then cleanup. It does not wait; see Done.
func (r *Runner) Stop() {
	r.stopOnce.Do(func() {
		r.stopped.Store(true)
		if s, _ := r.state.Load().(string); s == StateRunning || s == StateStarting {
			r.state.Store(StateStopping)
		}
		close(r.stopCh)
		if p := r.res.Load(); p != nil {
			p.Stop() // VUs waiting on backoff or a breaker give up at once
		}
		grace := r.opts.grace
		time.AfterFunc(grace, r.reqCancel)
	})
}

// InterruptBudget is how long after an interrupt (SIGINT or SIGTERM, by
// whichever host: trafficsim run, the plugin's engine) the run may take to
// end and its host to report it: in-flight requests, the cleanup and its
// verification, the summary. What the cleanup could not delete in it is
// reported as left, with the command that removes it.
const InterruptBudget = 8 * time.Second

// What an interrupted run keeps back of InterruptBudget: interruptReserve
// for its host to write the report and the summary and exit (Run returns
// that much before the budget ends), settleReserve for what outlives the
// cleanup's context — a delete in flight settled, the admin's logout — and
// hardMargin for the summary once those are cut.
const (
	interruptReserve = 500 * time.Millisecond
	settleReserve    = 1200 * time.Millisecond
	hardMargin       = 200 * time.Millisecond
)

// Interrupt is a person's Ctrl-C, or a host's SIGTERM. The first stops the
// run like Stop and bounds what follows: Run returns, with the summary, at
// most InterruptBudget less interruptReserve after it — the cleanup is cut
// in time (a target asking for long Retry-After waits or answering slowly
// does not hold the host), and should anything still hold the run then, Run
// returns with the summary of what is known (SummaryNow). Every host gets
// that bound. The second cancels the cleanup at once; a delete in flight is
// settled (cleanOne) so the counts stay exact. It does not wait; see Done.
func (r *Runner) Interrupt() {
	r.interruptMu.Lock()
	defer r.interruptMu.Unlock()
	select {
	case <-r.interrupted:
		r.twice = true
		if r.cleanupCancel != nil {
			r.cleanupCancel(errors.New("interrupted twice during the cleanup"))
		}
		r.reqCancel()
		return
	default:
	}
	r.interruptDeadline = time.Now().Add(InterruptBudget - interruptReserve)
	time.AfterFunc(InterruptBudget-interruptReserve-hardMargin, r.hardCancel)
	time.AfterFunc(InterruptBudget-interruptReserve, func() { close(r.overdue) })
	close(r.interrupted)
	if r.opts.grace > InterruptBudget/2 {
		// In-flight requests leave the cleanup half of the budget.
		time.AfterFunc(InterruptBudget/2, r.reqCancel)
	}
	r.Stop()
}

func (r *Runner) interruptedTwice() bool {
	r.interruptMu.Lock()
	defer r.interruptMu.Unlock()
	return r.twice
}

// cleanupContext is the cleanup's context: its own timeout, cut to the
// interrupt budget when the run is (or gets) interrupted, and cancelled by a
// second interrupt.
func (r *Runner) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancelTimeout := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout(r.ledger.Created.Load()))
	cctx, cancel := context.WithCancelCause(cctx)
	r.interruptMu.Lock()
	r.cleanupCancel = cancel
	r.interruptMu.Unlock()
	stop := make(chan struct{})
	go func() {
		select {
		case <-r.interrupted:
		case <-stop:
			return
		}
		r.interruptMu.Lock()
		d := r.interruptDeadline
		r.interruptMu.Unlock()
		t := time.NewTimer(time.Until(d) - settleReserve)
		defer t.Stop()
		select {
		case <-t.C:
			cancel(fmt.Errorf("interrupted: the cleanup had %v", (InterruptBudget - interruptReserve - settleReserve).Round(100*time.Millisecond)))
		case <-stop:
		}
	}()
	return cctx, func() {
		close(stop)
		r.interruptMu.Lock()
		r.cleanupCancel = nil
		r.interruptMu.Unlock()
		cancel(nil)
		cancelTimeout()
	}
}

// Refuse keeps a run that has not begun from starting: its host decided
// against it before anything was sent (trafficsim run's check of the target
// refused). Run then returns at once with the run failed for err, and its
// summary is that of any run that did not start: state failed, error err, no
// request, the cleanup's error "the run did not start". Call it before Run.
func (r *Runner) Refuse(err error) { r.refused.Store(&err) }

// Abort stops at once: like Stop, but requests in flight are cancelled now
// instead of after the grace period. The cleanup of simulation data still runs
// (it has its own bounded context). It does not wait; see Done.
func (r *Runner) Abort() {
	r.Stop()
	r.reqCancel()
}

// Release removes the run's series from the Prometheus registry. Call it once
// the run's metrics are no longer needed.
func (r *Runner) Release() {
	if m := r.rec.Load(); m != nil {
		m.Unregister()
	}
	if p := r.res.Load(); p != nil {
		p.Unregister()
	}
	if r.genMetric != nil {
		r.opts.reg.Unregister(r.genMetric)
	}
}

// Target is the base URL driven ("" before the run started).
func (r *Runner) Target() string {
	if t := r.target.Load(); t != nil {
		return *t
	}
	return r.cfg.BaseURL
}

// Run runs the simulation and blocks until it is over: every VU done, the
// duration reached, or a stop (Stop or ctx cancelled), followed by the cleanup.
// It may be called once; later calls return at once.
func (r *Runner) Run(ctx context.Context) {
	first := false
	r.runOnce.Do(func() { first = true })
	if !first {
		<-r.done
		return
	}
	defer close(r.done)
	defer r.reqCancel()
	start := time.Now()
	r.started.Store(start.UnixNano())
	ran := make(chan error, 1)
	go func() { ran <- r.run(ctx) }()
	var err error
	select {
	case err = <-ran:
	case <-r.overdue:
		select {
		case err = <-ran:
		default:
			r.seal() // interrupted, and still not over: Run returns in time
		}
	}
	end := time.Now()
	if err != nil {
		msg := err.Error()
		r.errMsg.Store(&msg)
		r.state.Store(StateFailed)
		if refused := r.refused.Load(); refused == nil || !errors.Is(err, *refused) {
			r.log.Error("run failed", "err", err) // a refusal was its host's to say
		}
	} else {
		r.state.Store(StateFinished)
	}
	r.ended.Store(end.UnixNano())
}

// run is the run's life: the target, the recorder and the client set up, the
// preflight, the VUs driven by the load model, then the cleanup. An error is
// a run that did not start or failed.
func (r *Runner) run(ctx context.Context) error {
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		select {
		case <-ctx.Done():
			r.Stop()
		case <-stopWatch:
		}
	}()

	// Until the run starts it has created nothing: that much is certain.
	cleanup := summary.CleanupResult{Err: "cleanup disabled (--cleanup=false)", Verified: true}
	var runErr error
	defer func() { r.finish(cleanup, runErr) }()
	notStarted := func(err error) error {
		runErr = err
		cleanup.Err = "the run did not start"
		return err
	}

	if err := r.refused.Load(); err != nil {
		return notStarted(*err)
	}
	base, closeTarget, err := r.startTarget(ctx)
	if err != nil {
		return notStarted(err)
	}
	defer closeTarget()
	if err := r.setupRecorder(base); err != nil {
		return notStarted(err)
	}
	cl, err := r.setupClient(base)
	if err != nil {
		return notStarted(err)
	}
	defer cl.Close()
	if err := r.preflight(ctx, cl, base); err != nil {
		if r.stopped.Load() {
			cleanup = summary.CleanupResult{Verified: true}
			return nil // stopped before it started: nothing was sent
		}
		return notStarted(err)
	}

	r.loadStarted.Store(time.Now().UnixNano())
	r.start(ctx, base)
	r.driveFor(ctx)
	r.loadEnded.Store(time.Now().UnixNano())
	if s, _ := r.state.Load().(string); s == StateRunning {
		r.state.Store(StateStopping)
	}
	cleanup = r.cleanUp(ctx)
	return nil
}

// startTarget returns the target's base URL: the configured one, or the
// embedded reference target's, started for the run (until stop).
func (r *Runner) startTarget(ctx context.Context) (base string, stop func(), err error) {
	base, stop = r.cfg.BaseURL, func() {}
	if base == "" {
		tc := usersvc.Config{AdminPassword: r.cfg.AdminPassword, Logger: r.log.With("component", "target")}
		tc.Faults.ErrorRate = r.sc.ServerErrors
		if r.opts.target != nil {
			r.opts.target(&tc)
		}
		// The target lives as long as the run, cleanup included.
		emb, err := usersvc.Start(context.WithoutCancel(ctx), tc, "127.0.0.1:0")
		if err != nil {
			return "", nil, fmt.Errorf("start the embedded reference target: %w", err)
		}
		r.embed = emb
		stop = func() {
			if err := emb.Close(); err != nil {
				r.log.Warn("embedded target shutdown", "err", err)
			}
		}
		base = emb.URL
	} else if r.sc.ServerErrors > 0 {
		r.log.Info("scenario asks for server errors; only the embedded target injects them", "server_errors", r.sc.ServerErrors)
	}
	r.target.Store(&base)
	return base, stop, nil
}

// setupRecorder creates the run's metrics and registers the generator's.
func (r *Runner) setupRecorder(base string) error {
	var mopts []metrics.Option
	if r.load.open {
		mopts = append(mopts, metrics.WithServiceTime())
	}
	rec, err := metrics.NewRun(metrics.RunInfo{ID: r.cfg.RunID, Scenario: r.cfg.Scenario, Target: base, Version: version.Version}, r.opts.reg, mopts...)
	if err != nil {
		return fmt.Errorf("set up metrics: %w", err)
	}
	r.rec.Store(rec)
	if r.opts.reg != nil {
		c := r.gen.Collector(r.cfg.RunID)
		if err := r.opts.reg.Register(c); err != nil {
			r.log.Warn("generator metrics not registered", "err", err)
		} else {
			r.genMetric = c
		}
	}
	return nil
}

// setupClient creates the run's HTTP client under its policy, its pools
// reported by the recorder; first it sizes the run's connections and checks
// its memory (capacity.go).
func (r *Runner) setupClient(base string) (*client.Client, error) {
	asked := 0
	if r.opts.resilience != nil && r.opts.policy == nil {
		asked = r.opts.resilience.MaxInFlight
	}
	capy, err := r.cfg.capacity(r.sc, r.load, asked, r.opts.maxMemory, r.embed != nil)
	if err != nil {
		return nil, err
	}
	r.capacity = capy
	r.inFlightAsked = asked > 0
	policy, err := r.setupPolicy()
	if err != nil {
		return nil, err
	}
	cl, err := client.New(client.Options{
		BaseURL:   base,
		Profile:   r.sc.API,
		Conns:     capy.Conns.IdleEach,
		MaxDials:  MaxDials,
		Policy:    policy,
		UserAgent: "trafficsim/" + version.Version,
		Network:   r.cfg.network(r.sc),
		Dial:      r.opts.dial,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the HTTP client: %w", err)
	}
	r.client = cl
	r.clientRef.Store(cl)
	r.rec.Load().SetTransport(func() metrics.Transport {
		var t metrics.Transport
		for _, p := range cl.Pools() {
			t.Pools = append(t.Pools, metrics.Pool(p))
		}
		for _, g := range cl.Received() {
			t.Received = append(t.Received, metrics.Received(g))
		}
		return t
	})
	return cl, nil
}

// preflight tries a given target before anything is sent (the embedded one
// needs none); a stop (Ctrl-C) ends it at once.
func (r *Runner) preflight(ctx context.Context, cl *client.Client, base string) error {
	if r.embed != nil {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.stopCh:
			cancel()
		case <-pctx.Done():
		}
	}()
	if err := cl.Preflight(pctx); err != nil {
		return fmt.Errorf("preflight of %s: %w", base, err)
	}
	return nil
}

// start prepares the VUs, waits for --start-at and marks the run running (or
// stopping, when it was stopped meanwhile).
func (r *Runner) start(ctx context.Context, base string) {
	r.prepare()
	if !r.waitStartAt(ctx) { // --start-at (shard.go)
		r.Stop()
	} else if !r.cfg.StartAt.IsZero() {
		r.started.Store(time.Now().UnixNano()) // the run's clock starts now
	}
	if r.stopped.Load() {
		r.state.Store(StateStopping)
	} else {
		r.state.Store(StateRunning)
	}
	r.log.Info("run started", "users", r.cfg.Users, "scenario", r.cfg.Scenario, "target", base, "seed", r.cfg.Seed)
}

// driveFor drives the VUs until they are over or --duration ends the run,
// the generator watching; it warns when the engine was the bottleneck.
func (r *Runner) driveFor(ctx context.Context) {
	var durTimer *time.Timer
	if r.cfg.Duration > 0 {
		durTimer = time.AfterFunc(r.cfg.Duration, r.Stop)
	}
	stopGen := r.gen.Start(ctx)
	r.drive()
	if durTimer != nil {
		durTimer.Stop()
	}
	stopGen()
	if g := r.gen.Summary(); g.Saturated || g.VUsRefused > 0 {
		r.log.Warn("the engine was the bottleneck", "saturated_seconds", g.SaturatedSeconds, "cpu_peak", g.CPUPeak,
			"procs", g.Procs, "timer_lag_p99", g.TimerLagP99, "vus_refused", g.VUsRefused)
	}
}

// cleanUp deletes what the run created, or says why it does not.
func (r *Runner) cleanUp(ctx context.Context) summary.CleanupResult {
	var cleanup summary.CleanupResult
	switch {
	case r.sc.Plain:
		// Plain requests create nothing the engine knows how to find again.
		return summary.CleanupResult{Reason: summary.CleanupPlain}
	case r.interruptedTwice():
		cleanup = r.cleanupResult(false, "interrupted twice before the cleanup")
		cleanup.Err = "interrupted twice before the cleanup; remove the data with trafficsim cleanup"
	case r.cfg.Cleanup:
		cctx, cancel := r.cleanupContext(ctx)
		cleanup = r.cleanup(cctx)
		cancel()
	default:
		cleanup = r.cleanupResult(false, "cleanup disabled (--cleanup=false)")
		cleanup.Err = summary.CleanupDisabled
	}
	if cleanup.Err != "" && r.cfg.Cleanup {
		r.log.Warn("cleanup incomplete", "err", cleanup.Err, "left", len(cleanup.Left))
	}
	return cleanup
}

func cleanupTimeout(created int64) time.Duration {
	return 30*time.Second + time.Duration(created)*50*time.Millisecond
}

// prepare builds what the VUs share, then the VUs.
func (r *Runner) prepare() {
	r.shared = behaviour.NewShared(behaviour.Options{
		Settings: behaviour.Settings{
			RunID: r.cfg.RunID, Seed: r.cfg.Seed, MinRequests: r.cfg.MinRequests, MaxRequests: r.cfg.MaxRequests,
			DelayMin: r.cfg.DelayMin, DelayMax: r.cfg.DelayMax, AdminUser: r.cfg.AdminUser, AdminPassword: r.cfg.AdminPassword,
		},
		Scenario: r.sc, Client: r.client, Recorder: r.rec.Load(), Stop: r.stopCh, Requests: r.reqCtx,
		Monitor: r.gen, Tracer: r.opts.tracer, Log: r.log, Advisor: r.advisor, Ledger: r.ledger,
		Load: behaviour.Load{Open: r.load.open, Jitter: r.load.jitter, Gate: r.load, Slots: r.load.slots},
	})
	r.prepareVUs()
}

// assignArchetypes gives each VU an archetype in proportion to the weights:
// each archetype gets the whole part of its share, the rest are drawn by the
// weights of what is left over, and the order is shuffled. A run therefore has
// the scenario's proportions as closely as its size allows.
func assignArchetypes(archs []scenario.Archetype, users int, rng *mrand.Rand) []*scenario.Archetype {
	var total float64
	for _, a := range archs {
		total += a.Weight
	}
	out := make([]*scenario.Archetype, 0, users)
	rest := make([]float64, len(archs))
	var restSum float64
	for i := range archs {
		share := archs[i].Weight / total * float64(users)
		n := int(share)
		for range n {
			out = append(out, &archs[i])
		}
		rest[i] = share - float64(n)
		restSum += rest[i]
	}
	for len(out) < users {
		x := rng.Float64() * restSum
		k := len(archs) - 1
		for i, w := range rest {
			if x < w {
				k = i
				break
			}
			x -= w
		}
		out = append(out, &archs[k])
		restSum -= rest[k]
		rest[k] = 0
		if restSum <= 1e-9 {
			// Rounding left a slot: fall back to the weights.
			for i := range archs {
				rest[i] = archs[i].Weight
				restSum += rest[i]
			}
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// seal makes the summary of what is known now the run's final one, for Run
// to return with in time after an interrupt although the run is not over
// (a request of the cleanup the target does not answer, say): the counts
// add up, what the cleanup had not confirmed gone is left, not verified.
func (r *Runner) seal() {
	why := fmt.Sprintf("interrupted: the run did not end within %v of the interrupt", InterruptBudget)
	var cleanup summary.CleanupResult
	switch {
	case r.sc.Plain:
		cleanup.Reason = summary.CleanupPlain
	case !r.cfg.Cleanup:
		cleanup = r.cleanupResult(false, "cleanup disabled (--cleanup=false)")
		cleanup.Err = summary.CleanupDisabled
	default:
		cleanup = r.cleanupResult(false, why)
		cleanup.Err = why + "; remove the data with trafficsim cleanup"
	}
	s := r.buildSummary("stopped", "", time.Now(), cleanup)
	r.summaryMu.Lock()
	defer r.summaryMu.Unlock()
	if r.summary == nil { // else the run finished meanwhile: its summary stands
		r.summary, r.sealed = &s, true
		r.log.Warn("the interrupted run did not end in time; its summary is what was known then", "budget", InterruptBudget)
	}
}

// finish builds the summary once the run is over.
func (r *Runner) finish(cleanup summary.CleanupResult, runErr error) {
	r.summaryMu.Lock()
	sealed := r.sealed
	r.summaryMu.Unlock()
	if sealed {
		return // Run returned with the summary of an overdue run: it stays
	}
	state := "finished"
	if r.stopped.Load() {
		state = "stopped"
	}
	var errMsg string
	if runErr != nil {
		state, errMsg = "failed", runErr.Error()
	}
	end := time.Now()
	r.ended.Store(end.UnixNano())
	s := r.buildSummary(state, errMsg, end, cleanup)
	r.summaryMu.Lock()
	if !r.sealed {
		r.summary = &s
	}
	r.summaryMu.Unlock()
}

// SummaryNow is the final summary once the run is over, and before that a
// summary of what is known so far (state "stopped", cleanup not done) — what a
// second interrupt writes before exiting at once.
func (r *Runner) SummaryNow() summary.Summary {
	r.summaryMu.Lock()
	if r.summary != nil {
		defer r.summaryMu.Unlock()
		return *r.summary
	}
	r.summaryMu.Unlock()
	cleanup := r.cleanupResult(false, "interrupted before the cleanup finished")
	cleanup.Err = "interrupted before the cleanup finished; remove the data with trafficsim cleanup"
	return r.buildSummary("stopped", "", time.Now(), cleanup)
}

func (r *Runner) buildSummary(state, errMsg string, end time.Time, cleanup summary.CleanupResult) summary.Summary {
	var st metrics.Stats
	if rec := r.rec.Load(); rec != nil {
		st = rec.Stats()
	}
	start := time.Unix(0, r.started.Load())
	if r.started.Load() == 0 {
		start = end
	}
	meta := summary.SummaryMeta{
		RunID:         r.cfg.RunID,
		Scenario:      r.cfg.Scenario,
		Seed:          r.cfg.Seed,
		Target:        r.Target(),
		EngineVersion: version.Version,
		StartedAt:     start,
		EndedAt:       end,
		Users:         r.load.slots, // stages: the largest target; open model: the pool
		MinRequests:   r.cfg.MinRequests,
		MaxRequests:   r.cfg.MaxRequests,
		State:         state,
		Err:           errMsg,
	}
	if ls := r.loadStarted.Load(); ls != 0 {
		meta.LoadStartedAt = time.Unix(0, ls)
		meta.LoadEndedAt = end // interrupted in the load: it ends now
		if le := r.loadEnded.Load(); le != 0 {
			meta.LoadEndedAt = time.Unix(0, le)
		}
	}
	s := summary.BuildSummary(meta, st, cleanup)
	s.Load = r.loadSummary(st)
	s.Generator = r.gen.Summary()
	if p := r.res.Load(); p != nil {
		s.Resilience = p.Summary()
	}
	r.shardSummary(&s, st) // shard.go
	s.Transport = r.transportSummary()
	return s
}

// Summary is the final summary (the --summary JSON); before the run ended, an
// empty summary.
func (r *Runner) Summary() summary.Summary {
	r.summaryMu.Lock()
	defer r.summaryMu.Unlock()
	if r.summary == nil {
		return summary.Summary{}
	}
	return *r.summary
}

// VURequests returns how many requests each VU sent (after Done: the final counts).
func (r *Runner) VURequests() []int {
	out := make([]int, len(r.vus))
	for i, v := range r.vus {
		out[i] = v.Sent()
	}
	return out
}

// Snapshot returns the run's state now. It merges the run's statistics, cheap
// enough to call every second.
func (r *Runner) Snapshot() Snapshot {
	s := Snapshot{RunID: r.cfg.RunID, TotalUsers: r.cfg.Users, Remaining: -1}
	r.loadSnapshot(&s, &metrics.Stats{})
	s.Generator = r.gen.Status()
	s.State, _ = r.state.Load().(string)
	if p := r.errMsg.Load(); p != nil {
		s.Err = *p
	}
	startNs, endNs := r.started.Load(), r.ended.Load()
	if startNs == 0 {
		return s
	}
	s.StartedAt = time.Unix(0, startNs)
	now := time.Now()
	if endNs != 0 && (s.State == StateFinished || s.State == StateFailed) {
		s.EndedAt = time.Unix(0, endNs)
		now = s.EndedAt
	}
	s.Elapsed = now.Sub(s.StartedAt)
	if p := r.res.Load(); p != nil && s.EndedAt.IsZero() {
		s.Breakers = p.Tripped()
		if l := p.Level(); l != resilience.Normal {
			s.Degradation = l.String()
		}
	}
	rec := r.rec.Load()
	if rec == nil {
		return s
	}
	st := rec.Stats()
	s.Stats = st
	s.ActiveUsers = st.ActiveUsers()
	s.Requests = st.Requests
	s.Errors = st.Outcomes.ClientError + st.Outcomes.ServerError + st.Outcomes.NetworkError + st.Outcomes.FailedAnswer
	if st.Requests > 0 {
		s.SuccessRate = float64(st.Outcomes.Success) / float64(st.Requests)
	}
	s.AvgLatency, s.P95Latency, s.MaxLatency = st.Latency.Mean, st.Latency.P95, st.Latency.Max
	s.Recent = st.Recent
	r.loadSnapshot(&s, &st)
	s.RPS = r.rate.update(now, st.Requests)
	if s.RPS == 0 && s.Elapsed > time.Second && s.State == StateRunning {
		s.RPS = float64(st.Requests) / s.Elapsed.Seconds()
	}
	switch {
	case s.State == StateFinished || s.State == StateFailed:
		s.Remaining = 0
		s.ActiveUsers = 0
	case r.cfg.Duration > 0:
		s.Remaining = max(r.cfg.Duration-s.Elapsed, 0)
		if b := r.budgetSum.Load(); b > 0 && st.Requests > 0 {
			est := time.Duration(float64(s.Elapsed) * float64(b-st.Requests) / float64(st.Requests))
			s.Remaining = min(s.Remaining, max(est, 0))
		}
	default:
		if b := r.budgetSum.Load(); b > 0 && st.Requests > 0 {
			s.Remaining = max(time.Duration(float64(s.Elapsed)*float64(b-st.Requests)/float64(st.Requests)), 0)
		}
	}
	if e := r.load.end; e > 0 && s.State == StateRunning {
		// Stages and arrival schedules end the run themselves.
		if rem := max(e-s.Elapsed, 0); s.Remaining < 0 || rem < s.Remaining || r.load.staged {
			s.Remaining = rem
		}
	}
	return s
}

// rateMeter gives the request rate over the last few seconds.
type rateMeter struct {
	mu      sync.Mutex
	samples [8]struct {
		t time.Time
		n int64
	}
	next, count int
}

func (m *rateMeter) update(now time.Time, n int64) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	last := (m.next + len(m.samples) - 1) % len(m.samples)
	if m.count == 0 || now.Sub(m.samples[last].t) >= 500*time.Millisecond {
		m.samples[m.next].t, m.samples[m.next].n = now, n
		m.next = (m.next + 1) % len(m.samples)
		m.count = min(m.count+1, len(m.samples))
	}
	oldest := (m.next + len(m.samples) - m.count) % len(m.samples)
	o := m.samples[oldest]
	if dt := now.Sub(o.t); dt > 0 && n >= o.n && m.count > 1 {
		return float64(n-o.n) / dt.Seconds()
	}
	return 0
}

// transportSummary is how the run's requests reached the target; nil before
// its client was made.
func (r *Runner) transportSummary() *summary.TransportSummary {
	cl := r.clientRef.Load()
	if cl == nil {
		return nil
	}
	p := cl.Plan()
	t := &summary.TransportSummary{
		Plan: p.String(), Client: p.Client, HTTPVersion: p.HTTPVersion, Protocols: cl.Protocols(),
		Compression: p.Compression, InsecureSkipVerify: p.Insecure,
	}
	if p.Proxy != nil {
		t.Proxy = p.Proxy.Redacted()
	}
	if p.Insecure {
		t.Warning = transport.InsecureWarning
	}
	for _, g := range cl.Received() {
		t.WireBytes += g.Wire
		t.DecodedBytes += g.Decoded
	}
	if n := r.cfg.network(r.sc); len(n.MaxConnsPerGroup) > 0 {
		t.MaxConnsPerGroup = n.MaxConnsPerGroup
	}
	return t
}
