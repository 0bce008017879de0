package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/plan"
	"github.com/trafficsim/trafficsim/engine/report"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/tracing"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func init() { subcommands = append(subcommands, newRunCmd) }

// msDuration is a duration flag where a bare number means milliseconds, as in
// the original spec (--delay-min=100).
type msDuration time.Duration

func (d *msDuration) String() string { return time.Duration(*d).String() }
func (d *msDuration) Type() string   { return "duration" }
func (d *msDuration) Set(s string) error {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > float64(math.MaxInt64/int64(time.Millisecond)) {
			return fmt.Errorf("%q is not a duration: use e.g. 250ms, 2s, or a bare number of milliseconds", s)
		}
		*d = msDuration(time.Duration(n * float64(time.Millisecond)))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: use e.g. 250ms, 2s, or a bare number of milliseconds", s)
	}
	*d = msDuration(v)
	return nil
}

type runOptions struct {
	cfg         runner.Config
	delayMin    msDuration
	delayMax    msDuration
	summary     string
	metricsAddr string
	progress    string
	resilience  resilience.Config // resilience_flags.go
	ci          ciOptions         // ci.go: thresholds, JUnit, remote write
	load        loadFlags         // load_flags.go: ramp-up, stages, rate
	shard       shardFlags        // shard_flags.go: --shard, --start-at
	strict      bool              // capabilities that never succeeded fail the run
	check       checkFlags        // check.go: the check of the target before the load
	network     networkFlags      // network_flags.go: transport, TLS, proxy, pools
	logs        logFlags          // obs_flags.go: --log-format, --log-level
	maxMemory   sizeValue         // --max-memory
	trace       traceFlags        // --otlp-endpoint, --trace-sample

	adminPassword passwordFlag // --admin-password (target_flags.go)
}

func newRunCmd() *cobra.Command {
	_, cmd := runCommand()
	return cmd
}

// runCommand is the run command and the options its flags set.
func runCommand() (*runOptions, *cobra.Command) {
	o := &runOptions{cfg: runner.DefaultConfig()}
	o.delayMin, o.delayMax = msDuration(o.cfg.DelayMin), msDuration(o.cfg.DelayMax)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a traffic simulation",
		Long: `run starts virtual users (VUs) that drive a user-service API like real people:
each VU gets an archetype (new user, active user, admin, power user), walks its
journey, then takes weighted actions until it has sent its request budget (uniform
in [--min-request-count, --max-request-count]) or --duration ends.

Without --base-url the embedded reference user service starts on a free loopback
port and the run drives it. At the end the run deletes the simulation data it
created (--cleanup), prints a report and writes --summary.

SIGINT/SIGTERM stops gracefully: no new requests, in-flight ones finish, cleanup,
report. A second signal exits at once with what is known.

Exit codes: 0 done, 1 the run failed, left simulation data behind or could not
verify what is left, 2 invalid
flags or output files, 3 a threshold failed, 130 interrupted (also when the
cleanup it cut short left data: the last line says what and how to remove it). See docs/cli.md and docs/scenarios.md.`,
		Example: `  trafficsim run --users 20 --duration 1m
  trafficsim run --users 100 --min-request-count 10 --max-request-count 1000 --scenario metrics_generation
  TRAFFICSIM_ADMIN_PASSWORD=s3cret trafficsim run --base-url http://127.0.0.1:9501 --summary out/summary.json
  trafficsim run --scenario ./my-scenario.yaml --delay-min 50 --delay-max 500 --seed 42`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd)
		},
	}
	f := cmd.Flags()
	c := &o.cfg
	f.IntVar(&c.Users, "users", c.Users, "concurrent virtual users")
	f.IntVar(&c.MinRequests, "min-request-count", c.MinRequests, "fewest requests per virtual user")
	f.IntVar(&c.MaxRequests, "max-request-count", c.MaxRequests, "most requests per virtual user")
	f.DurationVar(&c.Duration, "duration", 0, "time limit, e.g. 5m (0 = until every virtual user is done)")
	f.StringVar(&c.BaseURL, "base-url", "", "target base URL, e.g. http://127.0.0.1:9501 (empty = start the embedded reference user service)")
	f.Var(&o.delayMin, "delay-min", "shortest think time between a user's requests (a bare number means milliseconds)")
	f.Var(&o.delayMax, "delay-max", "longest think time between a user's requests (a bare number means milliseconds)")
	f.StringVar(&c.Scenario, "scenario", c.Scenario, "built-in scenario ("+strings.Join(scenario.BuiltinNames(), ", ")+") or a scenario file")
	f.Int64Var(&c.Seed, "seed", 0, "random seed: the same seed against the same target gives the same journeys (0 = chosen and reported)")
	f.StringVar(&c.RunID, "run-id", "", "run id, 8 lowercase letters/digits (empty = generated)")
	f.StringVar(&o.summary, "summary", "", "write the run summary as JSON to this file (docs/summary.md)")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this host:port at /metrics, e.g. 127.0.0.1:9102")
	f.BoolVar(&c.Cleanup, "cleanup", true, "delete the simulation data the run created when it ends (--cleanup=false keeps it)")
	f.StringVar(&c.AdminUser, "admin-user", c.AdminUser, "admin account of the target, for admin journeys and the cleanup")
	f.Var(&o.adminPassword, "admin-password", "admin password (default: $"+adminPasswordEnv+", else \"admin\"); never printed")
	f.StringVar(&c.APIProfile, "api-profile", "", "API profile file for a target shaped unlike the reference API (docs/scenarios.md)")
	f.StringVar(&o.progress, "progress", "auto", "live progress: auto (a box on a terminal, plain lines otherwise), box, plain, off")
	addResilienceFlags(f, &o.resilience)
	o.ci.addFlags(f)
	addLoadFlags(f, &o.load)
	addShardFlags(f, &o.shard)
	f.BoolVar(&o.check.skip, "skip-check", false, "do not check the target and its API profile before the load (trafficsim check)")
	f.BoolVar(&o.strict, "strict", false, "exit 1 when a capability was tried without a single success (the summary's never_succeeded)")
	o.network.addFlags(f)
	addLogFlags(f, &o.logs, "warn")
	addTraceFlags(f, &o.trace)
	f.Var(&o.maxMemory, "max-memory", "soft memory limit of the engine process, e.g. 2GiB: the Go runtime collects harder near it and no VU is added above 90% of it (counted in the summary's generator section) instead of the process being killed (0 = none)")
	return o, cmd
}

// flagOf maps a runner.FieldError field to its flag.
func flagOf(field string) string {
	switch field {
	case "min_request_count", "max_request_count", "base_url", "delay_min", "delay_max", "admin_user",
		"admin_password", "api_profile", "run_id", "ramp_up", "rate_stages", "max_vus", "start_at",
		"http_client", "http_version", "ca_cert", "client_cert", "client_key", "tls_server_name", "max_conns_per_group", "max_in_flight":
		return "--" + strings.ReplaceAll(field, "_", "-")
	}
	return "--" + field
}

func (o *runOptions) config() (runner.Config, error) {
	c := o.cfg
	c.DelayMin, c.DelayMax = time.Duration(o.delayMin), time.Duration(o.delayMax)
	if err := o.adminPassword.check(); err != nil {
		return c, err
	}
	c.AdminPassword = o.adminPassword.value
	if c.AdminPassword == "" {
		c.AdminPassword = os.Getenv(adminPasswordEnv)
	}
	switch o.progress {
	case "auto", "box", "plain", "off":
	default:
		return c, fmt.Errorf("--progress: %q: use auto, box, plain or off", o.progress)
	}
	if err := o.logs.check(); err != nil {
		return c, err
	}
	if err := o.trace.check(); err != nil {
		return c, err
	}
	if o.logs.json() {
		// stderr then carries JSON lines only, for tools to read.
		switch o.progress {
		case "auto":
			o.progress = "off"
		case "box", "plain":
			return c, fmt.Errorf("--progress: %s would put progress lines among the JSON log lines on stderr; use --progress off (the default with --log-format json) or --log-format text", o.progress)
		}
	}
	if err := plan.CheckMaxMemory(int64(o.maxMemory)); err != nil {
		return c, fmt.Errorf("--max-memory: %w", err)
	}
	if o.metricsAddr != "" {
		if err := checkAddr(o.metricsAddr); err != nil {
			return c, fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	if err := o.resilience.Validate(); err != nil {
		return c, resilienceError(err)
	}
	if err := o.ci.check(); err != nil {
		return c, err
	}
	if err := o.load.apply(&c); err != nil {
		return c, err
	}
	if err := o.shard.apply(&c, &o.ci); err != nil {
		return c, err
	}
	if c.BaseURL != "" {
		if err := checkBaseURL(c.BaseURL); err != nil {
			return c, err
		}
	}
	var err error
	if c.Network, err = o.network.settings(); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		var fe *runner.FieldError
		if errors.As(err, &fe) {
			return c, fmt.Errorf("%s: %s", flagOf(fe.Field), fe.Message)
		}
		return c, err
	}
	// What the machine cannot hold is said now, not through failed requests.
	if _, err := c.CheckCapacity(o.resilience.MaxInFlight, int64(o.maxMemory), c.BaseURL == ""); err != nil {
		var fe *runner.FieldError
		if errors.As(err, &fe) {
			return c, fmt.Errorf("%s: %s", flagOf(fe.Field), fe.Message)
		}
		return c, err
	}
	// What would fail only after the check's requests, or at the end, is
	// said now: thresholds the flags cannot judge, output files.
	sc, err := scenario.Load(c.Scenario)
	if err != nil {
		return c, fmt.Errorf("--scenario: %w", err)
	}
	if _, err := o.ci.judged(sc); err != nil {
		return c, err
	}
	if err := checkFiles(o.inputs(c), []fileArg{{"--summary", o.summary}, {"--junit", o.ci.junit}}); err != nil {
		return c, err
	}
	return c, nil
}

// inputs are the files the run reads, which its outputs must not replace.
func (o *runOptions) inputs(c runner.Config) []fileArg {
	in := []fileArg{{"the --api-profile file", c.APIProfile}, {"the --ca-cert file", c.Network.CACert},
		{"the --client-cert file", c.Network.ClientCert}, {"the --client-key file", c.Network.ClientKey}}
	if !scenario.IsBuiltin(c.Scenario) {
		in = append(in, fileArg{"the --scenario file", c.Scenario})
	}
	return in
}

// errInterrupted is the cause of a check cut short by a signal.
var errInterrupted = errors.New("interrupted")

// checkInterrupted is the check of the target cut short by a signal; left
// says what the check may have left on the target ("" nothing).
type checkInterrupted struct{ left string }

func (e *checkInterrupted) Error() string { return "interrupted during the check of the target" }
func (e *checkInterrupted) Unwrap() error { return errInterrupted }

// checkTarget runs the check of the target before the load (check.go); a
// signal while it runs ends it with a *checkInterrupted, once the check has
// removed what it created.
func (o *runOptions) checkTarget(ctx context.Context, cfg runner.Config, rio *runIO, sigs <-chan os.Signal) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-sigs:
			cancel(errInterrupted)
		case <-done:
		}
	}()
	err := o.check.preflight(ctx, cfg, rio.notes, rio.warn)
	close(done)
	<-watched
	if errors.Is(context.Cause(ctx), errInterrupted) {
		var ci *checkInterrupted
		if !errors.As(err, &ci) {
			ci = &checkInterrupted{}
		}
		return ci
	}
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	return nil
}

// stoppedInCheck ends a run interrupted during the check of the target: the
// load never starts, and the run ends as any interrupted run does — the
// report, the summary (state stopped, nothing sent), exit 130 — saying what
// the check left, if anything.
func (o *runOptions) stoppedInCheck(ctx context.Context, r *runner.Runner, cfg runner.Config, rio *runIO, ci *checkInterrupted) error {
	rio.say("\nstopping: interrupted during the check of the target; the load did not start", "stopped during the check")
	r.Interrupt()
	r.Run(ctx) // stopped before it started: returns at once
	err := o.finish(r, cfg, &ciRun{}, rio, true)
	if ci.left != "" {
		var ee *exitError
		if errors.As(err, &ee) && ee.code == ExitInterrupt && ee.err == nil {
			ee.err = errors.New(ci.left)
		} else {
			fmt.Fprintln(rio.notes, "trafficsim:", ci.left)
		}
	}
	return err
}

// refusedByCheck ends a run the check of the target refused: the load never
// starts, the check's table and the error say why, and --summary is written
// as for any run that did not start (state failed, the check's error, no
// request), and --junit with each threshold not judged, for that error
// (report.WriteJUnitNotRun); exit 1.
func (o *runOptions) refusedByCheck(ctx context.Context, r *runner.Runner, rio *runIO, err error) error {
	var ee *exitError
	if !errors.As(err, &ee) || ee.err == nil {
		ee = &exitError{code: ExitFailure, err: err}
	}
	r.Refuse(ee.err)
	r.Run(ctx) // refused: returns at once
	s := r.Summary()
	if o.summary != "" {
		if serr := saveSummary(o.summary, s); serr != nil {
			fmt.Fprintln(rio.notes, "trafficsim:", serr)
		} else {
			fmt.Fprintf(rio.notes, "summary: %s\n", o.summary)
		}
	}
	if o.ci.junit != "" {
		ts, _ := o.ci.judged(r.Scenario()) // config judged them: at least one
		exprs := make([]string, len(ts))
		for i, t := range ts {
			exprs[i] = t.Expr
		}
		if jerr := report.WriteJUnitNotRun(o.ci.junit, s, exprs); jerr != nil {
			fmt.Fprintln(rio.notes, "trafficsim: --junit:", jerr)
		} else {
			fmt.Fprintf(rio.notes, "junit: %s\n", o.ci.junit)
		}
	}
	return ee
}

// runIO is where a run writes: the streams (shared by the progress display,
// the signal handler and the command, so locked), the log, and notes — the
// run's other messages (with JSON logs, info records).
type runIO struct {
	stdout, stderr io.Writer
	sink           *report.LogSink
	base, log      *slog.Logger // base: the runner adds run=… to its own lines
	say            func(text, msg string, attrs ...any)
	warn           func(text, msg string, attrs ...any) // say, as a warn record with JSON logs
	notes          io.Writer
}

func (o *runOptions) newRunIO(cmd *cobra.Command, runID string) *runIO {
	rio := &runIO{stdout: &lockedWriter{w: cmd.OutOrStdout()}, stderr: &lockedWriter{w: cmd.ErrOrStderr()}}
	rio.sink = report.NewLogSink(rio.stderr)
	rio.base = o.logs.logger(rio.sink)
	rio.log = rio.base.With("run", runID)
	rio.say = noticer(rio.stderr, rio.log, o.logs.json())
	rio.warn = noticerAt(rio.stderr, rio.log, o.logs.json(), slog.LevelWarn)
	rio.notes = rio.stderr
	if o.logs.json() {
		rio.notes = logLines{rio.log}
	}
	return rio
}

func (o *runOptions) run(cmd *cobra.Command) (err error) {
	cfg, err := o.config()
	if err != nil {
		return usageError(err)
	}
	if cfg.RunID == "" {
		cfg.RunID = runner.NewRunID() // chosen here so every log line carries it
	}
	rio := o.newRunIO(cmd, cfg.RunID)
	if o.logs.json() {
		defer func() { err = rio.logError(err) }()
	}
	// Signals are caught from here on: the first interrupts the check of the
	// target as well as the run (the default action would kill the process
	// without a word).
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// Everything that can refuse the run is set up before the check of the
	// target sends its first request: exit 2 still means nothing was sent.
	ropts, flush, err := o.tracingOptions(cmd.Context(), cfg.RunID, rio.log)
	defer flush()
	if err != nil {
		return err
	}
	reg := metrics.NewRegistry()
	r, err := o.newRunner(cfg, append(ropts, runner.WithRegisterer(reg), runner.WithLogger(rio.base))...)
	if err != nil {
		return err
	}
	defer r.Release()
	if o.metricsAddr != "" {
		stop, err := serveMetrics(o.metricsAddr, reg, rio.say)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := o.checkTarget(cmd.Context(), cfg, rio, sigs); err != nil {
		if ci, ok := err.(*checkInterrupted); ok {
			return o.stoppedInCheck(cmd.Context(), r, cfg, rio, ci)
		}
		return o.refusedByCheck(cmd.Context(), r, rio, err)
	}
	ci, err := o.ci.start(r, reg, rio.log, rio.notes)
	if err != nil {
		return usageError(err)
	}
	defer ci.release()

	interrupted, twice := o.handleSignals(r, sigs, rio)
	o.announce(r, cfg, rio)
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	go r.Run(ctx)
	// Tell where the embedded target listens before the progress display takes
	// over the terminal.
	if cfg.BaseURL == "" && waitTarget(r) {
		rio.say(fmt.Sprintf("embedded target: %s (admin user %q)", r.Target(), cfg.AdminUser), "embedded target listening", "url", r.Target(), "admin_user", cfg.AdminUser)
	}
	stopProgress := o.showProgress(r, cfg, rio)
	<-r.Done()
	stopProgress()
	if interruptedNow(twice) {
		select {} // the signal handler reports and exits
	}
	return o.finish(r, cfg, ci, rio, interruptedNow(interrupted))
}

// logError writes the error a run ends with as an error record carrying the
// run's id (with --log-format json the last line is JSON too) and returns
// its exit code alone.
func (rio *runIO) logError(err error) error {
	if err == nil {
		return nil
	}
	code := ExitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err == nil {
			return err // a code without a message
		}
		code, err = ee.code, ee.err
	}
	rio.log.Error(err.Error())
	return &exitError{code: code}
}

// newRunner makes the run; a setting it refuses is a usage error naming the
// flag.
func (o *runOptions) newRunner(cfg runner.Config, ropts ...runner.Option) (*runner.Runner, error) {
	r, err := runner.New(cfg, append(ropts, runner.WithResilience(o.resilience))...)
	if err != nil {
		var fe *runner.FieldError
		if errors.As(err, &fe) {
			return nil, usageError(fmt.Errorf("%s: %s", flagOf(fe.Field), fe.Message))
		}
		return nil, &exitError{code: ExitFailure, err: err}
	}
	return r, nil
}

// tracingOptions are the runner's options for --otlp-endpoint (none without
// it); flush, always to be called, sends the spans still buffered.
func (o *runOptions) tracingOptions(ctx context.Context, runID string, log *slog.Logger) ([]runner.Option, func(), error) {
	ropts := []runner.Option{runner.WithMaxMemory(int64(o.maxMemory))}
	var flushes []func(context.Context) error
	flush := func() {
		for _, f := range slices.Backward(flushes) {
			flushTraces(log, f)
		}
	}
	if o.trace.endpoint == "" {
		return ropts, flush, nil
	}
	tr, err := tracing.New(ctx, runID, o.trace.endpoint, o.trace.sample)
	if err != nil {
		return nil, flush, usageError(fmt.Errorf("%s: %w", o.trace.from, err))
	}
	flushes = append(flushes, tr.Shutdown)
	// The embedded target joins the traces as service usersvc.
	tp, err := tracing.NewProvider(ctx, o.trace.endpoint, "usersvc", o.trace.sample)
	if err != nil {
		return nil, flush, usageError(fmt.Errorf("%s: %w", o.trace.from, err))
	}
	flushes = append(flushes, tp.Shutdown)
	return append(ropts, runner.WithTracer(tr),
		runner.WithTargetConfig(func(c *usersvc.Config) { c.Tracer = tp.Tracer("usersvc") })), flush, nil
}

// serveMetrics serves the registry's /metrics (OpenMetrics, for exemplars)
// on addr until stop.
func serveMetrics(addr string, reg *prometheus.Registry, say func(text, msg string, attrs ...any)) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageError(fmt.Errorf("--metrics-addr: listen on %s: %w; give a free address (host:0 picks a free port) or stop what listens there", addr, err))
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	url := fmt.Sprintf("http://%s/metrics", ln.Addr())
	say("metrics: "+url, "metrics served", "url", url)
	return func() { srv.Close() }, nil
}

// handleSignals makes the first signal stop the run gracefully (interrupted
// is closed) and the second end the process at once after the report (twice
// is closed, and the handler exits). The first also bounds what follows by
// runner.InterruptBudget: the runner ends the run — cleanup cut short,
// summary taken — in time for the report and the exit (runner.Interrupt).
func (o *runOptions) handleSignals(r *runner.Runner, sigs <-chan os.Signal, rio *runIO) (interrupted, twice chan struct{}) {
	interrupted, twice = make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-r.Done():
			return
		}
		deadline := time.Now().Add(runner.InterruptBudget)
		close(interrupted)
		rio.say(fmt.Sprintf("\nstopping: in-flight requests finish, then cleanup and the report, within %v (interrupt again to quit at once)", runner.InterruptBudget), "stopping on a signal")
		r.Interrupt()
		select {
		case <-sigs:
		case <-r.Done():
			return
		}
		// The cleanup stops now; a delete in flight is settled so the counts
		// add up. Wait a moment for that, no more. This goroutine writes the
		// report and exits.
		close(twice)
		r.Interrupt()
		s := r.SummaryNow()
		select {
		case <-r.Done():
			s = r.Summary()
		case <-time.After(min(3*time.Second, time.Until(deadline)-secondReserve)):
		}
		err := writeResults(rio.stdout, rio.notes, s, o.summary, "", func() error { return &exitError{code: ExitInterrupt} })
		if ee, ok := err.(*exitError); ok && ee.err != nil {
			fmt.Fprintln(rio.notes, "trafficsim:", ee.err)
		}
		fmt.Fprintf(rio.notes, "trafficsim: interrupted twice; exiting without cleanup; remove what is left with trafficsim cleanup --base-url %s --run %s\n", s.Target, s.RunID)
		os.Exit(ExitInterrupt)
	}()
	return interrupted, twice
}

// secondReserve is what a second signal keeps back of the interrupt budget
// for writing the report and the summary and exiting.
const secondReserve = 500 * time.Millisecond

// announce says what is about to run: load, scenario, seed, target, shard
// and transport.
func (o *runOptions) announce(r *runner.Runner, cfg runner.Config, rio *runIO) {
	target := cfg.BaseURL
	if target == "" {
		target = "the embedded reference user service"
	}
	rio.say(fmt.Sprintf("trafficsim run %s: %s, scenario %s, seed %d, target %s", r.ID(), loadText(r.Config()), cfg.Scenario, r.Config().Seed, target), "run starting",
		"load", loadText(r.Config()), "scenario", cfg.Scenario, "seed", r.Config().Seed, "target", target)
	if text := shardText(cfg); text != "" {
		rio.say(text, "shard", "shard", text)
	}
	if lines, err := transportLines(cfg.Network, cfg.BaseURL); err == nil {
		fmt.Fprintln(rio.notes, strings.Join(lines, "\n"))
	}
}

// showProgress runs the progress display (--progress) until the returned
// stop, which waits for its last frame.
func (o *runOptions) showProgress(r *runner.Runner, cfg runner.Config, rio *runIO) (stop func()) {
	if o.progress == "off" {
		return func() {}
	}
	var popts []report.ProgressOption
	switch o.progress {
	case "box":
		popts = append(popts, report.WithTerminal(true))
	case "plain":
		popts = append(popts, report.WithTerminal(false))
	}
	live := func() report.Live {
		s := r.Snapshot()
		return report.Live{RunID: s.RunID, Scenario: cfg.Scenario, State: s.State, UsersTotal: s.TotalUsers,
			UsersActive: s.ActiveUsers, Elapsed: s.Elapsed, Remaining: s.Remaining, Stats: s.Stats, Load: liveLoad(s),
			Breakers: liveBreakers(s), Degraded: s.Degradation, Generator: report.GeneratorWarning(s.Generator)}
	}
	p := report.NewProgress(rio.stderr, live, append(popts, report.WithLogSink(rio.sink))...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Run(ctx); err != nil {
			rio.log.Warn("progress display stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

// finish judges the ended run, writes its results and says how it exits.
func (o *runOptions) finish(r *runner.Runner, cfg runner.Config, ci *ciRun, rio *runIO, interrupted bool) error {
	s := r.Summary()
	if err := ci.finish(r, &s, rio.notes); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	return writeResults(rio.stdout, rio.notes, s, o.summary, o.ci.junit, func() error {
		err := exitFor(s, interrupted, cfg.Cleanup)
		if err == nil && o.strict && len(s.NeverSucceeded) > 0 {
			err = &exitError{code: ExitFailure, err: fmt.Errorf("--strict: never succeeded: %s (trafficsim check shows why)",
				strings.Join(s.NeverSucceeded, ", "))}
		}
		return ci.exit(err)
	})
}

// waitTarget waits until the run knows its target's URL; false if it ended first.
func waitTarget(r *runner.Runner) bool {
	for r.Target() == "" {
		select {
		case <-r.Done():
			return r.Target() != ""
		case <-time.After(10 * time.Millisecond):
		}
	}
	return true
}

func interruptedNow(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// exitFor maps the run's outcome to the exit code: 1 for a failed run, then
// 130 for an interrupted one (also when its cleanup left records: the error
// says so), 1 for records left by a run that was not interrupted or a
// cleanup that could not verify what is left — also when the run counted
// nothing as created: creations whose answers held no id are counted
// nowhere but in the cleanup's reason. Plain requests have no cleanup.
func exitFor(s summary.Summary, interrupted, cleanup bool) error {
	unverified := !s.Cleanup.Verified && s.Cleanup.Reason != summary.CleanupPlain
	switch {
	case s.State == "failed":
		return &exitError{code: ExitFailure, err: fmt.Errorf("run failed: %s", s.Error)}
	case cleanup && (s.Cleanup.Left > 0 || s.Cleanup.Error != "" || unverified):
		msg := fmt.Sprintf("cleanup left %d records on the target", s.Cleanup.Left)
		if !s.Cleanup.Verified {
			msg = fmt.Sprintf("cleanup could not verify what is left (%s); %d records at least", s.Cleanup.Reason, s.Cleanup.Left)
			if s.Cleanup.Left == 0 {
				msg = fmt.Sprintf("cleanup could not verify what is left (%s); how many records are left is not known", s.Cleanup.Reason)
			}
		}
		if s.Cleanup.Error != "" {
			msg += ": " + s.Cleanup.Error
		}
		code := ExitFailure
		if interrupted {
			// The signal cut the cleanup short: an interrupted run exits 130
			// whatever it left, and says what it left.
			code = ExitInterrupt
		}
		return &exitError{code: code, err: fmt.Errorf("%s; remove them with trafficsim cleanup --base-url %s --run %s", msg, s.Target, s.RunID)}
	case interrupted:
		return &exitError{code: ExitInterrupt}
	}
	return nil
}

var _ pflag.Value = (*msDuration)(nil)

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
