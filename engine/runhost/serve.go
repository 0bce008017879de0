package runhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runner"
)

// Shutdown budgets: go-plugin's client kills the engine 2s after asking it to stop,
// and an orphaned engine must be gone well within 5s.
const (
	stopGrace     = 1500 * time.Millisecond
	parentPolling = 250 * time.Millisecond
)

// ErrNotLaunchedByPlugin is returned by ServePlugin when the go-plugin handshake
// cookie is missing: someone ran `trafficsim plugin-serve` by hand.
var ErrNotLaunchedByPlugin = errors.New("plugin-serve is started by the Grafana plugin (trafficsim-simulator-app), not by hand; use `trafficsim run` to run a simulation from a terminal")

// ServeOptions configure ServePlugin.
type ServeOptions struct {
	Options                       // the host's; Logger is set by ServePlugin when nil
	Registry *prometheus.Registry // served on $TRAFFICSIM_METRICS_ADDR when set
	Stderr   io.Writer            // log output (before go-plugin swaps os.Stderr); nil: os.Stderr
	// RemoteWrite pushes Registry to a Prometheus remote-write URL until ctx ends;
	// nil when this build cannot (a configured URL is then reported in the log).
	RemoteWrite func(ctx context.Context, url, password string, reg *prometheus.Registry, log *slog.Logger) error
}

// ServePlugin serves a Host to the plugin over go-plugin until the plugin shuts it
// down or dies, then stops the runs (within 1.5s) and returns. Nothing is written
// to stdout except go-plugin's handshake line.
func ServePlugin(ctx context.Context, opts ServeOptions) error {
	if os.Getenv(enginerpc.Handshake.MagicCookieKey) != enginerpc.Handshake.MagicCookieValue {
		return ErrNotLaunchedByPlugin
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Logger == nil {
		opts.Logger = NewPluginLogger(opts.Stderr)
	}
	log := opts.Logger
	host := New(opts.Options)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if addr := os.Getenv(enginerpc.EnvMetricsAddr); addr != "" && opts.Registry != nil {
		if err := serveMetrics(ctx, addr, opts.Registry, log); err != nil {
			// Not served, the org's Prometheus would scrape whatever holds the
			// address (another org's engine, say) and nobody would know: the engine
			// does not start, and the plugin's health check and run starts say why.
			log.Error("serve /metrics", "addr", addr, "error", err)
			return fmt.Errorf("serve /metrics on the app's metricsAddr %s: %w; choose a free host:port on the app's configuration page (another org's engine or another program holds this one)", addr, err)
		}
	}

	if url := os.Getenv(enginerpc.EnvRemoteWriteURL); url != "" {
		if opts.RemoteWrite == nil || opts.Registry == nil {
			log.Error("remote write is configured but this engine build cannot push metrics; scrape its /metrics (metricsAddr) instead", "url", url)
		} else if err := opts.RemoteWrite(ctx, url, os.Getenv(enginerpc.EnvRemoteWritePassword), opts.Registry, log); err != nil {
			log.Error("start remote write", "url", url, "error", err)
		}
	}

	// When the plugin dies, our stderr pipe has no reader: the next log line would
	// kill the engine with SIGPIPE before it stopped its runs (and cleaned up their
	// data on an external target). Ignored, the write just fails.
	signal.Ignore(syscall.SIGPIPE)

	parent, _ := strconv.Atoi(os.Getenv(enginerpc.EnvParentPID))
	go func() {
		select {
		case <-ParentGone(ctx, parent, parentPolling):
		case <-ctx.Done():
			return
		}
		log.Warn("the plugin process is gone; stopping runs and exiting")
		stopAll(host, log)
		os.Exit(1)
	}()

	go interruptOnSignal(ctx, host, log)

	log.Info("engine serving", "version", opts.Version, "pid", os.Getpid())
	enginerpc.Serve(host, hclog.New(&hclog.LoggerOptions{Name: "go-plugin", Level: hclog.Warn, Output: opts.Stderr, JSONFormat: true}))
	// Serve returns when the plugin asked the engine to shut down.
	stopAll(host, log)
	return nil
}

// ExitInterrupted is the engine's exit code after SIGINT or SIGTERM, as
// trafficsim run's.
const ExitInterrupted = 130

// interruptOnSignal makes SIGINT or SIGTERM to the engine (a service manager
// stopping Grafana's processes, a Ctrl-C in its terminal) interrupt every
// run as trafficsim run's signal does — each ends, its cleanup cut short
// and its summary taken, within runner.InterruptBudget — and then end the
// engine; a second signal ends it at once. Without it go-plugin ignored
// SIGINT and SIGTERM killed the engine on the spot, its runs' data left.
func interruptOnSignal(ctx context.Context, host *Host, log *slog.Logger) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var sig os.Signal
	select {
	case sig = <-sigs:
	case <-ctx.Done():
		return
	}
	log.Warn("signal: interrupting the runs; they end, cleaned up as far as the time allows, then the engine exits",
		"signal", sig.String(), "within", runner.InterruptBudget)
	ictx, cancel := context.WithTimeout(context.Background(), runner.InterruptBudget)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- host.Interrupt(ictx) }()
	select {
	case err := <-done:
		if err != nil {
			log.Warn("runs did not end in time", "error", err)
		}
	case sig = <-sigs:
		log.Warn("second signal: exiting at once", "signal", sig.String())
	}
	os.Exit(ExitInterrupted)
}

func stopAll(host *Host, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if err := host.Shutdown(ctx); err != nil {
		log.Warn("runs did not stop in time", "error", err)
	}
}

func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve /metrics", "addr", addr, "error", err)
		}
	}()
	log.Info("serving /metrics", "addr", ln.Addr().String())
	return nil
}

// NewPluginLogger logs to w as hclog JSON lines (@level, @message, @timestamp),
// which go-plugin's client parses and re-logs at the right level in Grafana's log.
// $TRAFFICSIM_LOG_LEVEL=debug lowers the level.
func NewPluginLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if strings.EqualFold(os.Getenv(enginerpc.EnvLogLevel), "debug") {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
			case slog.LevelKey:
				return slog.String("@level", strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	}))
}
