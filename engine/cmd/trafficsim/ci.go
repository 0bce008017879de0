package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/remotewrite"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/threshold"
	"github.com/trafficsim/trafficsim/engine/version"
)

// ciOptions are the run flags a CI job gates on: thresholds (and their JUnit
// report) and Prometheus remote write (docs/thresholds.md, docs/remote-write.md).
type ciOptions struct {
	thresholds []string
	window     time.Duration
	junit      string
	rwURL      string
	rwInterval time.Duration
	rwLabels   []string

	parsed []threshold.Threshold // from --threshold
	labels map[string]string     // from --remote-write-label
	rwFrom string                // where rwURL came from: the flag, or $TRAFFICSIM_REMOTE_WRITE_URL
}

func (c *ciOptions) addFlags(f *pflag.FlagSet) {
	// StringArray, not StringSlice: a scope holds commas ({group=auth,method=GET}).
	f.StringArrayVar(&c.thresholds, "threshold", nil,
		"pass/fail criterion, repeatable: e.g. 'p95<500ms', 'p99{group=auth}<200ms', 'error_rate<1%', 'rps>100;abort' (docs/thresholds.md); any failed one exits with code 3")
	f.DurationVar(&c.window, "threshold-window", 0,
		"also judge the thresholds over this sliding window while the run goes on, e.g. 30s (0 = whole run only); a threshold marked ;abort stops the run when a window fails")
	f.StringVar(&c.junit, "junit", "", "write the threshold results as a JUnit XML report to this file (one test case per threshold)")
	f.StringVar(&c.rwURL, "remote-write-url", "",
		"push the engine's metrics to this Prometheus remote-write URL during the run and once more at its end (default $"+remotewrite.EnvURL+"; credentials from $"+remotewrite.EnvUser+" and $"+remotewrite.EnvPassword+", or $"+remotewrite.EnvBearerToken+")")
	f.DurationVar(&c.rwInterval, "remote-write-interval", remotewrite.DefaultInterval, "time between remote-write pushes")
	f.StringArrayVar(&c.rwLabels, "remote-write-label", nil,
		"extra label NAME=VALUE on every pushed series, repeatable (job=trafficsim and instance=<hostname> unless given)")
}

// check validates the flags; errors name the flag.
func (c *ciOptions) check() error {
	ts, err := threshold.ParseAll(c.thresholds)
	if err != nil {
		return fmt.Errorf("--threshold: %w", err)
	}
	c.parsed = ts
	if c.window != 0 && c.window < threshold.MinWindow {
		return fmt.Errorf("--threshold-window: %s is too short; use 0 (whole run only) or at least %s, e.g. 30s", c.window, threshold.MinWindow)
	}
	if c.rwInterval < remotewrite.MinInterval {
		return fmt.Errorf("--remote-write-interval: %s is too short; use at least %s (default %s)", c.rwInterval, remotewrite.MinInterval, remotewrite.DefaultInterval)
	}
	c.rwFrom = "--remote-write-url"
	if c.rwURL == "" {
		// Read here, not as the flag's default: --help would print a URL's user info.
		c.rwURL = os.Getenv(remotewrite.EnvURL)
		c.rwFrom = remotewrite.EnvURL + " (environment)"
	}
	c.labels = map[string]string{}
	for _, kv := range c.rwLabels {
		name, value, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return fmt.Errorf("--remote-write-label: %q: write NAME=VALUE, e.g. shard=1", kv)
		}
		if err := remotewrite.CheckLabelName(name); err != nil {
			return fmt.Errorf("--remote-write-label: %q: %v; e.g. shard=1", kv, err)
		}
		c.labels[name] = value
	}
	if c.rwURL != "" {
		// Checked here so a bad URL or label stops the run before it starts.
		if _, err := remotewrite.New(prometheus.NewRegistry(), c.rwConfig(nil)); err != nil {
			return c.rwError(err)
		}
	} else if len(c.rwLabels) > 0 {
		return fmt.Errorf("--remote-write-label: set --remote-write-url too")
	}
	return nil
}

// rwError names what a remote-write error is about: the flag or variable
// the URL came from, --remote-write-interval, --remote-write-label, or the
// credential's environment variable.
func (c *ciOptions) rwError(err error) error {
	name := c.rwFrom
	var se *remotewrite.SettingError
	if errors.As(err, &se) {
		switch se.Setting {
		case "url":
		case "interval":
			name = "--remote-write-interval"
		case "label":
			name = "--remote-write-label"
		default:
			name = se.Setting + " (environment)"
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (c *ciOptions) rwConfig(log *slog.Logger) remotewrite.Config {
	cfg := remotewrite.Config{
		URL:       c.rwURL,
		Interval:  c.rwInterval,
		Labels:    remotewrite.DefaultLabels(c.labels),
		Logger:    log,
		UserAgent: "trafficsim/" + version.Version,
	}
	cfg.FromEnv()
	return cfg
}

// judged are the thresholds a run judges: the flags', then the scenario
// file's not given as a flag. An error is a combination that cannot work,
// naming the flag and the fix: a group the scenario's traffic has not (its
// ThresholdGroups), --junit or --threshold-window without a threshold,
// ;abort without --threshold-window. config calls it before
// anything is sent.
func (c *ciOptions) judged(sc *scenario.Scenario) ([]threshold.Threshold, error) {
	groups := catalog.Groups
	if sc != nil {
		groups = sc.ThresholdGroups() // a plain scenario's request groups too
	}
	if err := threshold.CheckGroups(c.parsed, groups); err != nil {
		return nil, fmt.Errorf("--threshold: %w", err)
	}
	ts := slices.Clone(c.parsed)
	if sc != nil {
		seen := map[string]bool{}
		for _, t := range ts {
			seen[t.Expr] = true
		}
		for _, t := range sc.Thresholds {
			if !seen[t.Expr] { // the command line wins over the scenario file
				ts = append(ts, t)
			}
		}
	}
	switch {
	case len(ts) == 0 && c.junit != "":
		return nil, fmt.Errorf("--junit: there are no thresholds to report; add --threshold (e.g. --threshold 'p95<500ms') or thresholds to the scenario file")
	case len(ts) == 0 && c.window != 0:
		return nil, fmt.Errorf("--threshold-window: there are no thresholds to judge; add --threshold (e.g. --threshold 'p95<500ms') or drop --threshold-window")
	}
	if c.window == 0 {
		for _, t := range ts {
			if t.Abort {
				return nil, fmt.Errorf("--threshold: %s has ;abort but no window is set; set --threshold-window (e.g. 30s) or drop ;abort", t.Expr)
			}
		}
	}
	return ts, nil
}

// ciRun is what the CI flags do during one run.
type ciRun struct {
	ts      []threshold.Threshold
	gauge   *metrics.ThresholdGauge
	monitor *threshold.Monitor
	stopMon context.CancelFunc
	monDone chan struct{}

	writer   *remotewrite.Writer
	stopRW   context.CancelFunc
	rwDone   chan error
	reg      *prometheus.Registry
	failures []string // thresholds that failed
}

// start prepares thresholds (the flags', then the scenario's not given as a
// flag) and starts the window monitor and remote write. Call it before the
// run starts; errors are usage errors.
func (c *ciOptions) start(r *runner.Runner, reg *prometheus.Registry, log *slog.Logger, stderr io.Writer) (*ciRun, error) {
	ts, err := c.judged(r.Scenario())
	if err != nil {
		return nil, err
	}
	ci := &ciRun{ts: ts, reg: reg}
	if len(ci.ts) > 0 {
		ci.gauge = metrics.NewThresholdGauge(r.ID())
		if err := reg.Register(ci.gauge); err != nil {
			return nil, fmt.Errorf("register %s: %w", metrics.ThresholdGaugeName, err)
		}
		// Windows are judged while the VUs work: not while the run starts,
		// nor while it stops and cleans up (no traffic is not a slow target).
		runSource := threshold.RunSource(r.Metrics)
		source := func() (threshold.Snapshot, bool) {
			if r.State() != runner.StateRunning {
				return threshold.Snapshot{}, false
			}
			return runSource()
		}
		mon, err := threshold.NewMonitor(ci.ts, source, threshold.Options{
			Window: c.window,
			OnVerdicts: func(rs []threshold.Result) {
				for _, res := range rs {
					ci.gauge.Set(res.Expr, res.Pass)
				}
			},
			OnAbort: func(res threshold.Result) {
				fmt.Fprintf(stderr, "\nthreshold %s failed over the last %s (observed %s); stopping the run\n",
					res.Expr, c.window, threshold.FormatValue(res.Unit, res.Observed))
				r.Stop()
			},
		})
		if err != nil {
			reg.Unregister(ci.gauge)
			return nil, fmt.Errorf("--threshold-window: %w", err)
		}
		ci.monitor = mon
		ctx, cancel := context.WithCancel(context.Background())
		ci.stopMon, ci.monDone = cancel, make(chan struct{})
		go func() { defer close(ci.monDone); mon.Run(ctx) }()
	}
	if c.rwURL != "" {
		w, err := remotewrite.New(reg, c.rwConfig(log))
		if err != nil {
			ci.release()
			return nil, c.rwError(err)
		}
		ci.writer = w
		ctx, cancel := context.WithCancel(context.Background())
		ci.stopRW, ci.rwDone = cancel, make(chan error, 1)
		go func() { ci.rwDone <- w.Run(ctx) }()
		fmt.Fprintf(stderr, "remote write: %s every %s\n", w.URL(), c.rwInterval)
	}
	return ci, nil
}

// finish judges the thresholds over the ended run and puts the results into
// s, and pushes the final metrics (the threshold gauge included).
func (ci *ciRun) finish(r *runner.Runner, s *summary.Summary, stderr io.Writer) error {
	if ci.monitor != nil {
		ci.stopMon()
		<-ci.monDone
		snap := threshold.Snapshot{At: time.Now()}
		if m := r.Metrics(); m != nil {
			snap.Histograms = m.LatencyHistograms()
			snap.Stats = m.Stats()
		}
		// rps over the load, as the summary's: not the preflight nor the cleanup.
		s.Thresholds = ci.monitor.Final(snap, s.LoadSpan())
		for _, res := range s.Thresholds {
			if !res.Pass {
				ci.failures = append(ci.failures, res.Expr)
			}
		}
	}
	if ci.writer != nil {
		ci.stopRW()
		select {
		case err := <-ci.rwDone:
			if err != nil {
				fmt.Fprintf(stderr, "trafficsim: remote write: the final push failed: %v\n", err)
			}
		case <-time.After(remotewrite.DefaultFlushTimeout + 5*time.Second):
			fmt.Fprintln(stderr, "trafficsim: remote write: the final push did not finish in time")
		}
		ci.writer = nil
	}
	return nil
}

// exit turns a breached threshold into ExitThreshold when nothing more
// serious (a failed run, data left behind, an interrupt) already set the code.
func (ci *ciRun) exit(err error) error {
	if err != nil || len(ci.failures) == 0 {
		return err
	}
	return &exitError{code: ExitThreshold, err: fmt.Errorf("%d of %d thresholds failed: %s", len(ci.failures), len(ci.ts), strings.Join(ci.failures, ", "))}
}

// release stops what start started and removes the gauge.
func (ci *ciRun) release() {
	if ci.stopMon != nil {
		ci.stopMon()
	}
	if ci.writer != nil {
		ci.stopRW()
	}
	if ci.gauge != nil {
		ci.reg.Unregister(ci.gauge)
	}
}
