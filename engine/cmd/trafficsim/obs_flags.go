package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/tracing"
)

// logFlags are --log-format and --log-level (run, target, plugin-serve;
// docs/cli.md#logs).
type logFlags struct {
	format string
	level  string
}

func addLogFlags(f *pflag.FlagSet, l *logFlags, defaultLevel string) {
	l.format, l.level = "text", defaultLevel
	f.StringVar(&l.format, "log-format", l.format, "log lines as text (key=value) or json (one object a line), on stderr")
	f.StringVar(&l.level, "log-level", l.level, "least severe log level shown: debug (adds sampled per-request lines), info, warn, error")
}

// check validates the flags.
func (l *logFlags) check() error {
	if l.format != "text" && l.format != "json" {
		return fmt.Errorf("--log-format: %q: use text or json", l.format)
	}
	if _, err := parseLevel(l.level); err != nil {
		return err
	}
	return nil
}

func (l *logFlags) json() bool { return l.format == "json" }

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level: %q: use debug, info, warn or error", s)
}

// logger builds the logger writing to w (call check first).
func (l *logFlags) logger(w io.Writer) *slog.Logger {
	lvl, _ := parseLevel(l.level)
	opts := &slog.HandlerOptions{Level: lvl}
	if l.json() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// sizeValue is a byte size flag: a bare number of bytes or a number with a unit
// (KB, MB, GB, KiB, MiB, GiB, case-insensitive; K, M, G mean KiB, MiB, GiB).
type sizeValue int64

func (s *sizeValue) String() string {
	if *s == 0 {
		return "0"
	}
	return formatSize(int64(*s))
}
func (s *sizeValue) Type() string { return "size" }
func (s *sizeValue) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeValue(n)
	return nil
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"ki", 1 << 10}, {"mi", 1 << 20}, {"gi", 1 << 30}, {"ti", 1 << 40},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// parseSize reads a size such as 512MiB, 2G, 1.5GiB or 1048576.
func parseSize(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	mult := 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) || x*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size: use e.g. 512MiB, 2GiB or a number of bytes", v)
	}
	return int64(x * mult), nil
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<30:
		return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return strconv.FormatInt(n, 10)
}

// noticer returns how the run tells people what it is doing (start line, the
// embedded target's URL, ...): a plain line on w, or with JSON logs an info
// record, so stderr then holds nothing but JSON lines.
func noticer(w io.Writer, log *slog.Logger, json bool) func(text, msg string, attrs ...any) {
	return noticerAt(w, log, json, slog.LevelInfo)
}

// noticerAt is noticer with the level of the JSON record: a warning (the
// check's failures before a run) is a warn record, shown at the default
// --log-level; the plain line in text is the same whatever the level.
func noticerAt(w io.Writer, log *slog.Logger, json bool, level slog.Level) func(text, msg string, attrs ...any) {
	return func(text, msg string, attrs ...any) {
		if json {
			log.Log(context.Background(), level, msg, attrs...)
			return
		}
		fmt.Fprintln(w, text)
	}
}

// logLines turns plain messages written to it into info log records, one per
// line (with --log-format json nothing but JSON reaches stderr).
type logLines struct{ log *slog.Logger }

func (l logLines) Write(p []byte) (int, error) {
	for line := range strings.SplitSeq(string(p), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			l.log.Info(line)
		}
	}
	return len(p), nil
}

// traceFlags are --otlp-endpoint and --trace-sample (run and target;
// docs/tracing.md).
type traceFlags struct {
	endpoint string
	sample   float64
	from     string // where endpoint came from, for errors: the flag or $OTEL_EXPORTER_OTLP_ENDPOINT
}

func addTraceFlags(f *pflag.FlagSet, t *traceFlags) {
	t.sample = 1
	f.StringVar(&t.endpoint, "otlp-endpoint", "", "export trace spans over OTLP/HTTP to this base URL, e.g. http://127.0.0.1:4318 (default $"+tracing.EndpointEnv+"; empty: no tracing)")
	f.Float64Var(&t.sample, "trace-sample", t.sample, "share of VU sessions (run) or of untraced requests (target) whose spans are exported, 0 to 1")
}

// check validates the flags and resolves the endpoint from the environment.
func (t *traceFlags) check() error {
	t.from = "--otlp-endpoint"
	if strings.TrimSpace(t.endpoint) == "" {
		t.from = tracing.EndpointEnv + " (environment; --otlp-endpoint overrides it)"
	}
	e, err := tracing.Endpoint(t.endpoint)
	if err != nil {
		return fmt.Errorf("%s: %w", t.from, err)
	}
	t.endpoint = e
	if err := tracing.CheckSample(t.sample); err != nil {
		return fmt.Errorf("--trace-sample: %w", err)
	}
	return nil
}

// flushTraces shuts a tracer provider down within 10 s, reporting a failure.
func flushTraces(log *slog.Logger, shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		log.Warn("trace export did not finish", "err", err)
	}
}
