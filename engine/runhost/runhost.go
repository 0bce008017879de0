// Package runhost hosts many runs in one engine process and implements
// enginerpc.Engine on top of them: it is what `trafficsim plugin-serve` serves to the
// Grafana plugin. Runs keep their final status for a while after they end (bounded
// in count and age) so the plugin can still show them.
package runhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// Run is one run as the host drives it. The runner adapter (runner.go) implements it.
type Run interface {
	// ID is the run's id, known before Run is called.
	ID() string
	// Run blocks until the run is over; cancelling ctx stops it gracefully.
	Run(ctx context.Context)
	// Stop asks for a graceful stop: no new requests, in-flight ones finish, cleanup.
	Stop()
	// Done is closed when Run has returned.
	Done() <-chan struct{}
	// Status is a cheap snapshot (called every second per watcher).
	Status() enginerpc.RunStatus
}

// Aborter is implemented by runs that can stop at once, cancelling requests in
// flight; a forced (non-graceful) stop uses it.
type Aborter interface{ Abort() }

// Interrupter is implemented by runs that end within a bound once
// interrupted (a SIGINT or SIGTERM to the engine): runner.Interrupt, which
// ends the run — cleanup cut short, summary taken — within
// runner.InterruptBudget. Interrupt uses it; a run without it is stopped.
type Interrupter interface{ Interrupt() }

// Cleaner is implemented by runs whose leftovers can be removed after they
// ended (CleanupRun): it searches the target for what the run left and deletes it.
type Cleaner interface {
	// CleanupAgain logs in with the request's credentials over its TLS settings
	// (the caller's now, not the run's).
	CleanupAgain(ctx context.Context, req enginerpc.CleanupRequest) (enginerpc.Cleanup, error)
}

// Releaser is implemented by runs holding resources beyond their end (such as their
// Prometheus series); Release is called when the host forgets the run.
type Releaser interface{ Release() }

// Factory validates cfg and prepares a run without starting it. An invalid config
// is reported as a *enginerpc.FieldError.
type Factory func(cfg enginerpc.RunConfig) (Run, error)

// Options configure a Host.
type Options struct {
	NewRun    Factory
	Scenarios []enginerpc.Scenario
	Version   string
	// KeepEnded is how many ended runs are remembered (default 50); KeepFor is how
	// long an ended run is remembered at most (default 1h).
	KeepEnded int
	KeepFor   time.Duration
	// AbortAfter bounds how long a non-graceful stop waits before the run is
	// abandoned as failed (default 5s).
	AbortAfter time.Duration
	Logger     *slog.Logger
	// Validate serves Validate after the scenario check; nil: nothing more is
	// checked (RunnerValidator checks as engine/runner does).
	Validate func(cfg enginerpc.RunConfig) error
	// Check serves CheckTarget; nil: CheckTarget (engine/check on the live target).
	Check func(ctx context.Context, req enginerpc.CheckRequest) (enginerpc.CheckReport, error)
}

// Host implements enginerpc.Engine.
type Host struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context // parent of every run's context; cancelled by Shutdown
	cancel context.CancelFunc

	mu          sync.Mutex
	runs        map[string]*entry
	order       []string // start order, oldest first
	interrupted bool     // Interrupt was called: no new run starts
}

type entry struct {
	run    Run
	cfg    enginerpc.RunConfig // AdminPassword cleared
	cancel context.CancelFunc
	// Guarded by Host.mu.
	endedAt time.Time
	abort   string             // set when a non-graceful stop gave up waiting
	cleaned *enginerpc.Cleanup // set by CleanupRun: what is left after it
}

var _ enginerpc.Engine = (*Host)(nil)

// New returns a Host.
func New(opts Options) *Host {
	if opts.KeepEnded <= 0 {
		opts.KeepEnded = 50
	}
	if opts.KeepFor <= 0 {
		opts.KeepFor = time.Hour
	}
	if opts.Check == nil {
		opts.Check = CheckTarget
	}
	if opts.AbortAfter <= 0 {
		opts.AbortAfter = 5 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Host{opts: opts, log: log, ctx: ctx, cancel: cancel, runs: map[string]*entry{}}
}

// Start implements enginerpc.Engine.
func (h *Host) Start(_ context.Context, cfg enginerpc.RunConfig) (enginerpc.RunStatus, error) {
	if h.ctx.Err() != nil {
		return enginerpc.RunStatus{}, fmt.Errorf("start run: engine is shutting down")
	}

	h.mu.Lock()
	if cfg.RunID != "" {
		if _, taken := h.runs[cfg.RunID]; taken {
			h.mu.Unlock()
			return enginerpc.RunStatus{}, &enginerpc.FieldError{Field: "run_id", Message: fmt.Sprintf("run %q already exists; choose another id or leave it empty", cfg.RunID)}
		}
	}
	h.mu.Unlock()
	if err := h.checkScenario(cfg.Scenario); err != nil {
		return enginerpc.RunStatus{}, err
	}

	run, err := h.opts.NewRun(cfg)
	if err != nil {
		return enginerpc.RunStatus{}, err
	}
	cfg.AdminPassword = ""
	cfg.ClientKeyPEM = ""
	cfg.RunID = run.ID()
	ctx, cancel := context.WithCancel(h.ctx)
	e := &entry{run: run, cfg: cfg, cancel: cancel}

	h.mu.Lock()
	if h.interrupted {
		h.mu.Unlock()
		cancel()
		return enginerpc.RunStatus{}, errInterrupted
	}
	if _, taken := h.runs[cfg.RunID]; taken {
		h.mu.Unlock()
		cancel()
		return enginerpc.RunStatus{}, &enginerpc.FieldError{Field: "run_id", Message: fmt.Sprintf("run %q already exists", cfg.RunID)}
	}
	h.runs[cfg.RunID] = e
	h.order = append(h.order, cfg.RunID)
	h.pruneLocked(time.Now())
	h.mu.Unlock()

	go func() {
		defer cancel()
		run.Run(ctx)
		h.mu.Lock()
		e.endedAt = time.Now()
		h.mu.Unlock()
		st := run.Status()
		h.log.Info("run ended", "run", st.ID, "state", st.State, "requests", st.Stats.GetRequests(), "error", st.Error)
	}()
	h.log.Info("run accepted", "run", cfg.RunID, "users", cfg.Users, "scenario", cfg.Scenario, "target", targetName(cfg.BaseURL))
	return h.status(e), nil
}

// Validate implements enginerpc.Engine: the checks of Start, starting nothing.
func (h *Host) Validate(_ context.Context, cfg enginerpc.RunConfig) error {
	if err := h.checkScenario(cfg.Scenario); err != nil {
		return err
	}
	if h.opts.Validate == nil {
		return nil
	}
	return h.opts.Validate(cfg)
}

// checkScenario allows only built-in scenario names: a scenario file path would let
// a remote caller make the engine read files.
func (h *Host) checkScenario(name string) error {
	if len(h.opts.Scenarios) == 0 || name == "" {
		return nil
	}
	names := make([]string, len(h.opts.Scenarios))
	for i, s := range h.opts.Scenarios {
		if s.Name == name {
			return nil
		}
		names[i] = s.Name
	}
	return &enginerpc.FieldError{Field: "scenario", Message: fmt.Sprintf("%q is not a built-in scenario; choose one of %s", name, strings.Join(names, ", "))}
}

func targetName(baseURL string) string {
	if baseURL == "" {
		return "embedded"
	}
	return baseURL
}

// Stop implements enginerpc.Engine.
func (h *Host) Stop(ctx context.Context, id string, graceful bool) (enginerpc.RunStatus, error) {
	e, err := h.lookup(id)
	if err != nil {
		return enginerpc.RunStatus{}, err
	}
	select {
	case <-e.run.Done():
		return h.status(e), nil
	default:
	}
	e.run.Stop()
	if graceful {
		return h.status(e), nil
	}
	// Not graceful: cancel the requests in flight and the run's context, then
	// wait (bounded) for it to end.
	if a, ok := e.run.(Aborter); ok {
		a.Abort()
	}
	e.cancel()
	t := time.NewTimer(h.opts.AbortAfter)
	defer t.Stop()
	select {
	case <-e.run.Done():
	case <-t.C:
		h.mu.Lock()
		e.abort = fmt.Sprintf("did not stop within %s of a forced stop", h.opts.AbortAfter)
		h.mu.Unlock()
		h.log.Warn("run did not stop in time", "run", id, "waited", h.opts.AbortAfter)
	case <-ctx.Done():
		return enginerpc.RunStatus{}, fmt.Errorf("stop run %q: %w", id, ctx.Err())
	}
	return h.status(e), nil
}

// Status implements enginerpc.Engine.
func (h *Host) Status(_ context.Context, id string) (enginerpc.RunStatus, error) {
	e, err := h.lookup(id)
	if err != nil {
		return enginerpc.RunStatus{}, err
	}
	return h.status(e), nil
}

// List implements enginerpc.Engine.
func (h *Host) List(_ context.Context) ([]enginerpc.RunStatus, error) {
	h.mu.Lock()
	h.pruneLocked(time.Now())
	entries := make([]*entry, 0, len(h.order))
	for _, id := range h.order {
		entries = append(entries, h.runs[id])
	}
	h.mu.Unlock()
	out := make([]enginerpc.RunStatus, len(entries))
	for i, e := range entries {
		out[i] = h.status(e)
	}
	return out, nil
}

// Watch implements enginerpc.Engine.
func (h *Host) Watch(ctx context.Context, id string, interval time.Duration, fn func(enginerpc.RunStatus) error) error {
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	if id == "" {
		for {
			runs, _ := h.List(ctx)
			for _, st := range runs {
				if err := fn(st); err != nil {
					return err
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
	}
	e, err := h.lookup(id)
	if err != nil {
		return err
	}
	for {
		st := h.status(e)
		if err := fn(st); err != nil {
			return err
		}
		if st.State.Ended() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-e.run.Done():
		}
	}
}

// Scenarios implements enginerpc.Engine.
func (h *Host) Scenarios(context.Context) ([]enginerpc.Scenario, error) {
	return append([]enginerpc.Scenario(nil), h.opts.Scenarios...), nil
}

// Version implements enginerpc.Engine.
func (h *Host) Version(context.Context) (enginerpc.VersionInfo, error) {
	return enginerpc.VersionInfo{
		Version:    h.opts.Version,
		GoVersion:  runtime.Version(),
		PID:        os.Getpid(),
		ActiveRuns: h.Active(),
	}, nil
}

// Ping implements enginerpc.Engine.
func (h *Host) Ping(context.Context) error { return h.ctx.Err() }

// Active counts the runs that have not ended. It asks the runs themselves, so a
// run counts as ended as soon as a Stop that waited for it returns.
func (h *Host) Active() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.runs {
		select {
		case <-e.run.Done():
		default:
			n++
		}
	}
	return n
}

// errInterrupted refuses a run to an engine that Interrupt is ending.
var errInterrupted = errors.New("start run: the engine was interrupted (SIGINT or SIGTERM) and is ending its runs; start the run again once it has restarted")

// Interrupt interrupts every run that has not ended, as SIGINT or SIGTERM
// interrupts trafficsim run: each stops, cleans up what it can and takes its
// summary within runner.InterruptBudget (Interrupter). It waits until they
// have ended or ctx ends. New runs are refused from then on.
func (h *Host) Interrupt(ctx context.Context) error {
	h.mu.Lock()
	h.interrupted = true
	entries := make([]*entry, 0, len(h.runs))
	for _, e := range h.runs {
		entries = append(entries, e)
	}
	h.mu.Unlock()
	for _, e := range entries {
		if i, ok := e.run.(Interrupter); ok {
			i.Interrupt()
		} else {
			e.run.Stop()
		}
	}
	for _, e := range entries {
		select {
		case <-e.run.Done():
		case <-ctx.Done():
			return fmt.Errorf("interrupt runs: %w", ctx.Err())
		}
	}
	return nil
}

// Shutdown stops every run gracefully and waits until they end or ctx ends; then
// it cancels whatever is left.
func (h *Host) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	entries := make([]*entry, 0, len(h.runs))
	for _, e := range h.runs {
		entries = append(entries, e)
	}
	h.mu.Unlock()
	for _, e := range entries {
		e.run.Stop()
	}
	defer h.cancel()
	for _, e := range entries {
		select {
		case <-e.run.Done():
		case <-ctx.Done():
			h.cancel()
			return fmt.Errorf("shut down runs: %w", ctx.Err())
		}
	}
	return nil
}

func (h *Host) lookup(id string) (*entry, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.runs[id]
	if !ok {
		return nil, fmt.Errorf("run %q: %w", id, enginerpc.ErrNotFound)
	}
	return e, nil
}

func (h *Host) status(e *entry) enginerpc.RunStatus {
	st := e.run.Status()
	cfg := e.cfg
	if st.Config.Seed != 0 {
		cfg.Seed = st.Config.Seed // the seed the runner chose
	}
	st.Config = cfg
	if st.ID == "" {
		st.ID = cfg.RunID
	}
	h.mu.Lock()
	abort, cleaned := e.abort, e.cleaned
	h.mu.Unlock()
	if abort != "" {
		// A forced stop that gave up waiting failed the run, even if it ended later.
		st.State = enginerpc.StateFailed
		st.Error = abort
	}
	if cleaned != nil {
		st.Cleanup = cleaned
	}
	if st.State == enginerpc.StateFinished && cfg.BaseURL != "" && st.Cleanup.LeftRecords() {
		// Finished, but not clean: say so, so nobody mistakes it for a clean run.
		// (The embedded target's data goes with it when the run ends.)
		st.State = enginerpc.StateLeftovers
	}
	return st
}

// CleanupRun implements enginerpc.Engine.
func (h *Host) CleanupRun(ctx context.Context, req enginerpc.CleanupRequest) (enginerpc.RunStatus, error) {
	id := req.ID
	e, err := h.lookup(id)
	if err != nil {
		return enginerpc.RunStatus{}, err
	}
	select {
	case <-e.run.Done():
	default:
		return enginerpc.RunStatus{}, fmt.Errorf("clean up run %q: %w; stop it first (a run cleans up after itself when it ends)", id, enginerpc.ErrRunActive)
	}
	c, ok := e.run.(Cleaner)
	if !ok {
		return enginerpc.RunStatus{}, fmt.Errorf("clean up run %q: this run cannot clean up after it ended", id)
	}
	res, err := c.CleanupAgain(ctx, req)
	if err != nil {
		return enginerpc.RunStatus{}, fmt.Errorf("clean up run %q: %w", id, err)
	}
	merged := mergeCleanup(h.status(e).Cleanup, res)
	h.mu.Lock()
	e.cleaned = &merged
	h.mu.Unlock()
	h.log.Info("run cleaned up again", "run", id, "deleted", res.Deleted, "gone", res.Gone, "left", res.Left, "verified", res.Verified, "reason", res.Reason, "error", res.Error)
	return h.status(e), nil
}

// mergeCleanup folds a later cleanup into what the run's status said before,
// keeping created = deleted + gone + left. Deleted and gone add up what each
// cleanup measured. Verified, left is what the later one found; the run's
// records it neither deleted nor found are gone (its search is shown to find
// them). Not verified, left is at least what it found, and no fewer than were
// left before less what it deleted or found gone: nothing shows the rest went.
func mergeCleanup(prev *enginerpc.Cleanup, later enginerpc.Cleanup) enginerpc.Cleanup {
	if prev == nil {
		prev = &enginerpc.Cleanup{}
	}
	out := later
	out.Deleted = prev.Deleted + later.Deleted
	if later.Verified {
		out.Created = max(prev.Created, out.Deleted+prev.Gone+later.Left)
		out.Gone = out.Created - out.Deleted - later.Left
		return out
	}
	out.Gone = prev.Gone + later.Gone
	if rest := prev.Left - later.Deleted - later.Gone; rest > later.Left {
		out.Left, out.LeftNames = rest, prev.LeftNames
	}
	out.Created = max(prev.Created, out.Deleted+out.Gone+out.Left)
	return out
}

// pruneLocked forgets ended runs beyond KeepEnded or older than KeepFor.
func (h *Host) pruneLocked(now time.Time) {
	ended := 0
	for _, id := range h.order {
		if !h.runs[id].endedAt.IsZero() {
			ended++
		}
	}
	kept := h.order[:0]
	for _, id := range h.order {
		e := h.runs[id]
		if !e.endedAt.IsZero() && (ended > h.opts.KeepEnded || now.Sub(e.endedAt) > h.opts.KeepFor) {
			ended--
			delete(h.runs, id)
			if r, ok := e.run.(Releaser); ok {
				r.Release() // e.g. unregister the run's metric series
			}
			continue
		}
		kept = append(kept, id)
	}
	h.order = kept
}
