// Package enginehost supervises the engine subprocess for the whole plugin process:
// it launches `trafficsim plugin-serve` through hashicorp/go-plugin on first use,
// restarts it after it dies (marking the runs it took with it as failed, and why),
// stops it once it has been idle for a while (Pool, IdleStop), and kills it when
// the plugin shuts down.
//
// It is process-wide on purpose: Grafana recreates app instances whenever the app's
// settings change, and the runs must survive that.
package enginehost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/protobuf/proto"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// Options say which engine to run and how. A running engine whose options differ
// from the wanted ones is replaced as soon as it has no active runs.
type Options struct {
	Path                string // the trafficsim binary
	SHA256              string // its SHA-256 (hex) recorded when the plugin was built; checked before every launch
	MetricsAddr         string // where the engine serves /metrics; empty: nowhere
	RemoteWriteURL      string
	RemoteWritePassword string
}

// ErrTooManyRuns is returned by Start when maxConcurrent runs are already active.
var ErrTooManyRuns = errors.New("too many concurrent runs")

// ErrEngineMissing is returned when the engine binary cannot be found or run.
var ErrEngineMissing = errors.New("engine binary unusable")

// ErrEngineChecksum is returned when the engine binary is not the one the plugin was
// built with (or no checksum was recorded): it is never started.
var ErrEngineChecksum = errors.New("engine binary refused")

// EnvEnginePath is the environment variable through which the Grafana operator (not
// an org admin) may point the plugin at the engine binary, e.g. in grafana.ini:
// [plugin.trafficsim-simulator-app] engine_path = /opt/trafficsim/trafficsim.
// The binary must still be the one the plugin was built with (its SHA-256).
const EnvEnginePath = "GF_PLUGIN_ENGINE_PATH"

// secureConfig makes go-plugin check the binary's SHA-256 before it executes it.
func secureConfig(opts Options) (*plugin.SecureConfig, error) {
	sum, err := hex.DecodeString(opts.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("%w: this plugin build recorded no valid SHA-256 of its engine (%q), so %s is not started; build the plugin with `go run mage.go build:linux` (or another build target), which records it", ErrEngineChecksum, opts.SHA256, opts.Path)
	}
	return &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}, nil
}

// Host owns the engine process.
type Host struct {
	log hclog.Logger
	org int64 // the Grafana org whose runs this host holds (Pool); others are invisible

	startMu  sync.Mutex // serialises the concurrent-run check with the start
	launchMu sync.Mutex // one engine launch (or replacement) at a time

	mu      sync.Mutex
	want    Options
	wantAt  time.Time     // when the wanted options were saved (settings' Updated)
	busy    int           // calls under way (enter, hold): an engine is replaced or stopped only when none is
	calls   uint64        // calls entered (enter) so far: one that came and went shows the engine was used
	usedAt  time.Time     // when the engine last started, a call left it, or it was seen with a run not over
	idle    time.Duration // stop the engine after this long idle (Pool); 0: never
	eng     *engineProc   // nil: not running
	closed  bool
	last    map[string]enginerpc.RunStatus // last status seen of runs on the current engine
	lost    map[string]enginerpc.RunStatus // runs that died with an engine, marked failed
	lostIDs []string                       // oldest first, bounded
	metrics string                         // MetricsAddr of the last engine launched

	// claim, if set (Pool), refuses options another org's engine stands in the way of.
	claim func(Options) error
}

type engineProc struct {
	opts   Options
	client *plugin.Client
	api    enginerpc.Engine
	pid    int
	stderr *tail
	stop   chan struct{} // closed when we kill it on purpose
}

// maxLost bounds how many failed-with-the-engine runs are remembered.
const maxLost = 50

// New returns a Host; the engine starts on first use. logger receives the host's and
// the engine's log lines (Grafana collects the plugin's stderr).
func New(logger hclog.Logger) *Host {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Host{log: logger, last: map[string]enginerpc.RunStatus{}, lost: map[string]enginerpc.RunStatus{}}
}

// Configure sets the wanted engine options (the app instance calls it with its settings).
func (h *Host) Configure(opts Options) { h.ConfigureAt(opts, time.Time{}) }

// ConfigureAt sets the wanted engine options saved at the given time (the settings'
// Updated), unless newer ones are already wanted: a request still under way on an
// app instance of older settings must not bring them back (and the engine with them).
func (h *Host) ConfigureAt(opts Options, saved time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if saved.Before(h.wantAt) {
		return
	}
	h.want, h.wantAt = opts, saved
}

// enter counts a call under way until the returned func is called. An engine is
// never replaced or stopped under a call: a run it is starting, a cleanup or a
// check would be killed with it. The call's end restarts the engine's idle time.
func (h *Host) enter() func() { return h.hold(true) }

// hold counts a call under way as enter does; a call that is not the org's own use
// of its engine (the Pool counting every org's active runs) leaves the engine's
// idle time alone (use false).
func (h *Host) hold(use bool) func() {
	h.mu.Lock()
	h.busy++
	if use {
		h.calls++
	}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.busy--
		if use {
			h.usedAt = time.Now()
		}
		h.mu.Unlock()
	}
}

// engine returns a running engine, starting (or replacing) it as needed. Launching
// happens outside h.mu, so reads of the current engine's runs never wait for it.
func (h *Host) engine(ctx context.Context) (*engineProc, error) {
	h.launchMu.Lock()
	defer h.launchMu.Unlock()

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, errors.New("engine host is shut down")
	}
	if h.eng != nil && h.eng.client.Exited() {
		h.lostLocked(h.eng, "the engine process exited unexpectedly")
	}
	e, want := h.eng, h.want
	h.mu.Unlock()

	if e != nil && e.opts != want && h.replaceIdle(ctx, e) {
		e = nil
	}
	if e != nil {
		return e, nil
	}

	if h.claim != nil {
		if err := h.claim(want); err != nil {
			return nil, err
		}
	}
	e, err := h.launch(want)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		e.client.Kill()
		return nil, errors.New("engine host is shut down")
	}
	h.eng, h.metrics, h.usedAt = e, want.MetricsAddr, time.Now()
	h.mu.Unlock()
	go h.monitor(e)
	return e, nil
}

// replaceIdle retires e for new settings if it has no active runs and no other call
// is using it; true: it is gone. The caller holds launchMu and is itself a call
// under way (enter).
func (h *Host) replaceIdle(ctx context.Context, e *engineProc) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return h.retire(ctx, e, func(int, []enginerpc.RunStatus) bool { return h.busy <= 1 },
		"its engine was replaced (new app settings) after the run ended, before its final status was seen",
		"engine settings changed; restarting the engine")
}

// retire stops e if ok, called under h.mu with the engine's count of its runs
// active or finishing (a run is active until its cleanup is done) and its own last
// word on its runs, says so (never with a run active); it keeps the final status
// of each of its runs (detachLocked). True: it is gone. The caller holds launchMu,
// so no other call gets e (engine) meanwhile.
func (h *Host) retire(ctx context.Context, e *engineProc, ok func(active int, final []enginerpc.RunStatus) bool, why, msg string) bool {
	v, err := e.api.Version(ctx)
	if err != nil {
		return false
	}
	// The runs' last statuses seen here may predate their end: take the engine's own.
	final, err := e.api.List(ctx)
	if err != nil {
		return false
	}
	h.mu.Lock()
	var old *engineProc
	if ok(v.ActiveRuns, final) && v.ActiveRuns == 0 {
		old = h.detachLocked(e, final, why)
	}
	h.mu.Unlock()
	if old == nil {
		return false
	}
	h.log.Info(msg, "pid", old.pid)
	old.client.Kill()
	return true
}

// DefaultIdleStop is how long an org's engine may sit idle before the Pool stops it
// (see stopIdle); the org's next request that needs an engine starts a new one.
const DefaultIdleStop = 5 * time.Minute

// idleDue reports whether e may have been idle for h.idle at now: it is the
// current engine, no call is under way, and none has ended within h.idle. calls
// is the count of calls so far: a call that enters after this one changes it.
func (h *Host) idleDue(e *engineProc, now time.Time) (calls uint64, due bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls, h.idle > 0 && h.eng == e && !h.closed && h.busy == 0 && now.Sub(h.usedAt) >= h.idle
}

// stopIdle stops e if it has been idle for h.idle at now: no call under way or
// made meanwhile, no run active or finishing, and its last run ended h.idle ago.
// An engine holding an ended run that left (or may have left) records on its
// target stays while it remembers that run: it alone can clean them up
// (CleanupRun). The final status of every run is kept. True: it is gone.
func (h *Host) stopIdle(e *engineProc, now time.Time) bool {
	calls, due := h.idleDue(e, now)
	if !due || !h.launchMu.TryLock() {
		return false // in use, or a launch or replacement is under way
	}
	defer h.launchMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return h.retire(ctx, e, func(active int, final []enginerpc.RunStatus) bool {
		if h.eng != e || h.busy != 0 || h.calls != calls {
			return false // a call came meanwhile (it may have got e before launchMu was ours)
		}
		needed := func(st enginerpc.RunStatus) bool {
			return !st.State.Ended() || st.Config.BaseURL != "" && st.Cleanup.LeftRecords()
		}
		if active > 0 || slices.ContainsFunc(final, needed) {
			h.usedAt = now // a run still needs this engine: look again after h.idle
			return false
		}
		for _, st := range final {
			if st.EndedAt.After(h.usedAt) {
				h.usedAt = st.EndedAt // idle since its last run ended
			}
		}
		return now.Sub(h.usedAt) >= h.idle
	}, "its engine was stopped when idle, before the run's final status was seen",
		"engine idle; stopping it (the next request that needs it starts a new one)")
}

func (h *Host) launch(opts Options) (*engineProc, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("%w: no engine path; the trafficsim binary ships beside the plugin executable (or the Grafana operator sets %s)", ErrEngineMissing, EnvEnginePath)
	}
	fi, err := os.Stat(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; reinstall the plugin (the engine ships in its directory) or have the Grafana operator set %s", ErrEngineMissing, err, EnvEnginePath)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("%w: %s is not an executable file; run chmod 0755 on it", ErrEngineMissing, opts.Path)
	}
	secure, err := secureConfig(opts)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(opts.Path, "plugin-serve")
	// An explicit environment: Grafana's own variables (and secrets) stay out of the engine.
	cmd.Env = []string{
		"TMPDIR=" + os.TempDir(),
		enginerpc.EnvParentPID + "=" + strconv.Itoa(os.Getpid()),
	}
	if opts.MetricsAddr != "" {
		cmd.Env = append(cmd.Env, enginerpc.EnvMetricsAddr+"="+opts.MetricsAddr)
	}
	if opts.RemoteWriteURL != "" {
		cmd.Env = append(cmd.Env, enginerpc.EnvRemoteWriteURL+"="+opts.RemoteWriteURL)
	}
	if opts.RemoteWritePassword != "" {
		cmd.Env = append(cmd.Env, enginerpc.EnvRemoteWritePassword+"="+opts.RemoteWritePassword)
	}
	return h.connect(opts, &plugin.ClientConfig{Cmd: cmd, SkipHostEnv: true, SecureConfig: secure})
}

func (h *Host) connect(opts Options, cfg *plugin.ClientConfig) (*engineProc, error) {
	stderr := &tail{}
	cfg.HandshakeConfig = enginerpc.Handshake
	cfg.Plugins = enginerpc.PluginSet(nil)
	cfg.AllowedProtocols = []plugin.Protocol{plugin.ProtocolGRPC}
	cfg.Managed = true
	cfg.Logger = h.log.Named("engine")
	cfg.Stderr = stderr
	cfg.StartTimeout = 30 * time.Second
	client := plugin.NewClient(cfg)
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return nil, fmt.Errorf("%w: %s is not the engine this plugin was built with: its SHA-256 differs from %s, recorded at build time; it was not started. Reinstall the plugin (dist/ ships both binaries)", ErrEngineChecksum, opts.Path, opts.SHA256)
		}
		return nil, fmt.Errorf("%w: start %s plugin-serve: %v%s; check that it is the trafficsim engine of the same release as the plugin", ErrEngineMissing, opts.Path, err, stderr.suffix())
	}
	raw, err := rpc.Dispense(enginerpc.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("%w: dispense the engine from %s: %v", ErrEngineMissing, opts.Path, err)
	}
	api, ok := raw.(enginerpc.Engine)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("%w: %s served %T, not the engine", ErrEngineMissing, opts.Path, raw)
	}
	pid := 0
	if rc := client.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	h.log.Info("engine started", "path", opts.Path, "pid", pid)
	return &engineProc{opts: opts, client: client, api: api, pid: pid, stderr: stderr, stop: make(chan struct{})}, nil
}

// monitor notices the engine's death promptly, so runs are marked failed even when
// nobody is asking, and stops it once it has been idle for h.idle (stopIdle).
func (h *Host) monitor(e *engineProc) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		if !e.client.Exited() {
			if h.stopIdle(e, time.Now()) {
				return
			}
			continue
		}
		h.mu.Lock()
		if h.eng == e {
			h.lostLocked(e, "the engine process exited unexpectedly")
		}
		h.mu.Unlock()
		return
	}
}

// lostLocked forgets a dead engine and marks its unfinished runs failed.
func (h *Host) lostLocked(e *engineProc, why string) {
	reason := why + e.stderr.suffix() + "; the engine will be restarted on the next request"
	h.log.Error("engine lost", "pid", e.pid, "reason", reason)
	h.keepLastLocked(reason)
	if h.eng == e {
		h.eng = nil
	}
	e.client.Kill()
}

// keepLastLocked moves the current engine's runs to the lost ones, those not
// ended marked failed for why: their engine is going.
func (h *Host) keepLastLocked(why string) {
	now := time.Now().UTC()
	for id, st := range h.last {
		if !st.State.Ended() {
			st.State, st.EndedAt, st.Error = enginerpc.StateFailed, now, why
			// A copy: the message may be shared with a status handed out before.
			st.Stats = proto.CloneOf(st.Stats)
			if st.Stats != nil {
				st.Stats.ActiveUsers = 0
			}
		}
		h.rememberLostLocked(id, st)
	}
	h.last = map[string]enginerpc.RunStatus{}
}

func (h *Host) rememberLostLocked(id string, st enginerpc.RunStatus) {
	if _, ok := h.lost[id]; !ok {
		h.lostIDs = append(h.lostIDs, id)
	}
	h.lost[id] = st
	for len(h.lostIDs) > maxLost {
		delete(h.lost, h.lostIDs[0])
		h.lostIDs = h.lostIDs[1:]
	}
}

// detachLocked makes e no longer the current engine, keeping the statuses of its
// runs visible: final, the engine's own last word on them (its List), taken when
// it had no active run; for a run it no longer listed, the last status seen, marked
// failed if that was not an end (nobody can tell how it ended any more). The caller
// kills it (outside h.mu: that takes up to 2s).
func (h *Host) detachLocked(e *engineProc, final []enginerpc.RunStatus, why string) *engineProc {
	if e == nil || h.eng != e {
		return nil
	}
	close(e.stop)
	for _, st := range final {
		h.last[st.ID] = st
	}
	h.keepLastLocked(why)
	h.eng = nil
	return e
}

// Close stops the engine (gracefully, then by force after go-plugin's grace period)
// and waits until it has exited.
// A launch still in progress sees the host closed and kills what it started.
func (h *Host) Close() {
	h.mu.Lock()
	h.closed = true
	e := h.detachLocked(h.eng, nil, "the plugin shut down")
	h.mu.Unlock()
	if e != nil {
		e.client.Kill()
	}
}

// observe records the last status seen of a run on engine e.
func (h *Host) observe(e *engineProc, st enginerpc.RunStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.eng != e {
		return
	}
	h.last[st.ID] = st
	if len(h.last) > 4*maxLost {
		// The engine forgets ended runs; so do we (they cannot fail any more).
		for id, old := range h.last {
			if old.State.Ended() {
				delete(h.last, id)
			}
		}
	}
}

// failure turns an RPC failure into the engine's death when that is what it was.
func (h *Host) failure(e *engineProc, err error) error {
	if errors.Is(err, enginerpc.ErrUnavailable) {
		// Give go-plugin a moment to notice the exit so the reason is accurate.
		deadline := time.Now().Add(time.Second)
		for !e.client.Exited() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if e.client.Exited() {
			h.mu.Lock()
			if h.eng == e {
				h.lostLocked(e, "the engine process exited unexpectedly")
			}
			h.mu.Unlock()
		}
	}
	return err
}

// metricsHeld is the /metrics address this org's engine holds: its running
// engine's, or, between engines, the last one's while the org still wants it
// (an engine being replaced keeps its address for its successor).
func (h *Host) metricsHeld() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.eng != nil:
		return h.eng.opts.MetricsAddr
	case h.metrics == h.want.MetricsAddr:
		return h.metrics
	}
	return ""
}

// Running reports whether an engine process is up, and its pid.
func (h *Host) Running() (pid int, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.eng == nil || h.eng.client.Exited() {
		return 0, false
	}
	return h.eng.pid, true
}

// Version starts the engine if needed and reports its version.
func (h *Host) Version(ctx context.Context) (enginerpc.VersionInfo, error) {
	defer h.enter()()
	e, err := h.engine(ctx)
	if err != nil {
		return enginerpc.VersionInfo{}, err
	}
	v, err := e.api.Version(ctx)
	if err != nil {
		return v, h.failure(e, err)
	}
	return v, nil
}

// Scenarios lists the engine's built-in scenarios.
func (h *Host) Scenarios(ctx context.Context) ([]enginerpc.Scenario, error) {
	defer h.enter()()
	e, err := h.engine(ctx)
	if err != nil {
		return nil, err
	}
	list, err := e.api.Scenarios(ctx)
	if err != nil {
		return nil, h.failure(e, err)
	}
	return list, nil
}

// CheckTarget starts the engine if needed and runs its check of a target.
func (h *Host) CheckTarget(ctx context.Context, req enginerpc.CheckRequest) (enginerpc.CheckReport, error) {
	defer h.enter()()
	e, err := h.engine(ctx)
	if err != nil {
		return enginerpc.CheckReport{}, err
	}
	rep, err := e.api.CheckTarget(ctx, req)
	if err != nil {
		return rep, h.failure(e, err)
	}
	return rep, nil
}

// Validate has the engine check a run config as its Start would: nil or a
// *enginerpc.FieldError.
func (h *Host) Validate(ctx context.Context, cfg enginerpc.RunConfig) error {
	defer h.enter()()
	e, err := h.engine(ctx)
	if err != nil {
		return err
	}
	if err := e.api.Validate(ctx, cfg); err != nil {
		return h.failure(e, err)
	}
	return nil
}

// Start starts a run unless maxConcurrent runs (≤0: no limit) are already active.
func (h *Host) Start(ctx context.Context, cfg enginerpc.RunConfig, maxConcurrent int) (enginerpc.RunStatus, error) {
	defer h.enter()()
	h.startMu.Lock()
	defer h.startMu.Unlock()
	e, err := h.engine(ctx)
	if err != nil {
		return enginerpc.RunStatus{}, err
	}
	if maxConcurrent > 0 {
		runs, err := e.api.List(ctx)
		if err != nil {
			return enginerpc.RunStatus{}, h.failure(e, err)
		}
		active := 0
		for _, r := range runs {
			if !r.State.Ended() {
				active++
			}
		}
		if active >= maxConcurrent {
			return enginerpc.RunStatus{}, fmt.Errorf("%w: %d of %d allowed runs are active; stop one or wait for it to finish", ErrTooManyRuns, active, maxConcurrent)
		}
	}
	st, err := e.api.Start(ctx, cfg)
	if err != nil {
		return st, h.failure(e, err)
	}
	h.observe(e, st)
	return st, nil
}

// current returns the running engine without starting one.
func (h *Host) current() *engineProc {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.eng != nil && h.eng.client.Exited() {
		h.lostLocked(h.eng, "the engine process exited unexpectedly")
	}
	return h.eng
}

func (h *Host) lostRun(id string) (enginerpc.RunStatus, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.lost[id]
	return st, ok
}

// Status reports one run of this host's org. Reading never starts an engine.
func (h *Host) Status(ctx context.Context, id string) (enginerpc.RunStatus, error) {
	defer h.enter()()
	st, err := h.status(ctx, id)
	if err == nil && st.Config.OrgID != h.org {
		return enginerpc.RunStatus{}, fmt.Errorf("run %q: %w", id, enginerpc.ErrNotFound)
	}
	return st, err
}

func (h *Host) status(ctx context.Context, id string) (enginerpc.RunStatus, error) {
	if e := h.current(); e != nil {
		st, err := e.api.Status(ctx, id)
		if err == nil {
			h.observe(e, st)
			return st, nil
		}
		if !errors.Is(err, enginerpc.ErrNotFound) {
			err = h.failure(e, err)
			if st, ok := h.lostRun(id); ok {
				return st, nil
			}
			return st, err
		}
	}
	if st, ok := h.lostRun(id); ok {
		return st, nil
	}
	return enginerpc.RunStatus{}, fmt.Errorf("run %q: %w", id, enginerpc.ErrNotFound)
}

// Stop stops a run. A run lost with its engine is already over: its status is returned.
func (h *Host) Stop(ctx context.Context, id string, graceful bool) (enginerpc.RunStatus, error) {
	defer h.enter()()
	if _, err := h.Status(ctx, id); err != nil {
		return enginerpc.RunStatus{}, err // another org's run is not found either
	}
	if e := h.current(); e != nil {
		st, err := e.api.Stop(ctx, id, graceful)
		if err == nil {
			h.observe(e, st)
			return st, nil
		}
		if !errors.Is(err, enginerpc.ErrNotFound) {
			return st, h.failure(e, err)
		}
	}
	if st, ok := h.lostRun(id); ok {
		return st, nil
	}
	return enginerpc.RunStatus{}, fmt.Errorf("run %q: %w", id, enginerpc.ErrNotFound)
}

// List reports every remembered run of this host's org, oldest first: those lost
// with an earlier engine, then the current engine's.
func (h *Host) List(ctx context.Context) ([]enginerpc.RunStatus, error) {
	defer h.enter()()
	return h.orgRuns(ctx)
}

// tally is List for the Pool's totals over every org: it is not this org's use
// of its engine, so the engine's idle time goes on.
func (h *Host) tally(ctx context.Context) ([]enginerpc.RunStatus, error) {
	defer h.hold(false)()
	return h.orgRuns(ctx)
}

func (h *Host) orgRuns(ctx context.Context) ([]enginerpc.RunStatus, error) {
	runs, err := h.list(ctx)
	return slices.DeleteFunc(runs, func(st enginerpc.RunStatus) bool { return st.Config.OrgID != h.org }), err
}

func (h *Host) list(ctx context.Context) ([]enginerpc.RunStatus, error) {
	var out []enginerpc.RunStatus
	h.mu.Lock()
	for _, id := range h.lostIDs {
		out = append(out, h.lost[id])
	}
	h.mu.Unlock()
	e := h.current()
	if e == nil {
		return out, nil
	}
	runs, err := e.api.List(ctx)
	if err != nil {
		if err = h.failure(e, err); h.current() == nil {
			return h.list(ctx) // the engine died: its runs are among the lost now
		}
		return nil, err
	}
	h.mu.Lock()
	if h.eng == e {
		listed := make(map[string]bool, len(runs))
		for _, r := range runs {
			h.last[r.ID] = r
			listed[r.ID] = true
		}
		for id, st := range h.last {
			if st.State.Ended() && !listed[id] { // forgotten by the engine
				delete(h.last, id)
			}
		}
	}
	h.mu.Unlock()
	out = slices.DeleteFunc(out, func(st enginerpc.RunStatus) bool {
		return slices.ContainsFunc(runs, func(r enginerpc.RunStatus) bool { return r.ID == st.ID })
	})
	return append(out, runs...), nil
}

// Watch calls fn with the run's status every interval until it ends or ctx ends.
// If the engine dies meanwhile, the run's failed status is the last one sent.
func (h *Host) Watch(ctx context.Context, id string, interval time.Duration, fn func(enginerpc.RunStatus) error) error {
	defer h.enter()()
	if _, err := h.Status(ctx, id); err != nil {
		return err // another org's run is not found either
	}
	e := h.current()
	if e == nil {
		st, err := h.Status(ctx, id)
		if err != nil {
			return err
		}
		return fn(st)
	}
	err := e.api.Watch(ctx, id, interval, func(st enginerpc.RunStatus) error {
		h.observe(e, st)
		return fn(st)
	})
	if err == nil || ctx.Err() != nil || errors.Is(err, enginerpc.ErrNotFound) {
		if errors.Is(err, enginerpc.ErrNotFound) {
			if st, ok := h.lostRun(id); ok {
				return fn(st)
			}
		}
		return err
	}
	_ = h.failure(e, err)
	if st, ok := h.lostRun(id); ok {
		return fn(st)
	}
	return err
}

// CleanupRun removes what an ended run of this org left on its target, logging in
// with the request's admin credentials over its TLS settings, and returns the
// run's new status.
func (h *Host) CleanupRun(ctx context.Context, req enginerpc.CleanupRequest) (enginerpc.RunStatus, error) {
	defer h.enter()()
	id := req.ID
	if _, err := h.Status(ctx, id); err != nil {
		return enginerpc.RunStatus{}, err
	}
	e := h.current()
	if e == nil {
		return enginerpc.RunStatus{}, fmt.Errorf("clean up run %q: its engine is gone, and with it what the run knew; remove the data with `trafficsim cleanup --run %s`", id, id)
	}
	st, err := e.api.CleanupRun(ctx, req)
	if err != nil {
		return st, h.failure(e, err)
	}
	h.observe(e, st)
	return st, nil
}
