package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"

	"github.com/trafficsim/trafficsim/engine/tracing"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func init() { subcommands = append(subcommands, newTargetCmd) }

// adminPasswordEnv supplies the seeded admin's password when --admin-password is not
// given, so it need not appear in a process listing.
const adminPasswordEnv = "TRAFFICSIM_ADMIN_PASSWORD"

type targetOptions struct {
	addr          string
	adminPassword passwordFlag // target_flags.go
	bcryptCost    int
	accessTTL     time.Duration
	refreshTTL    time.Duration
	errorRate     float64
	latency       time.Duration
	latencyJitter time.Duration
	rateLimit     float64
	retryAfter    time.Duration
	logs          logFlags   // obs_flags.go
	trace         traceFlags // obs_flags.go
}

func newTargetCmd() *cobra.Command {
	var o targetOptions
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Serve the reference user service",
		Long: `target serves the reference user service (docs/api.md) on its own: the 33 API
routes, /healthz, /metrics and /admin/faults. It stops gracefully on SIGINT or
SIGTERM; a second signal stops it at once. See docs/target.md.`,
		Example: `  trafficsim target --addr 127.0.0.1:9501
  TRAFFICSIM_ADMIN_PASSWORD=s3cret trafficsim target --error-rate 0.03 --latency 20ms --latency-jitter 30ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.config()
			if err == nil {
				err = o.logs.check()
			}
			if err == nil {
				err = o.trace.check()
			}
			if err != nil {
				return usageError(err)
			}
			cfg.Logger = o.logs.logger(cmd.ErrOrStderr())
			if o.trace.endpoint != "" {
				tp, err := tracing.NewProvider(cmd.Context(), o.trace.endpoint, "usersvc", o.trace.sample)
				if err != nil {
					return usageError(fmt.Errorf("%s: %w", o.trace.from, err))
				}
				defer flushTraces(cfg.Logger, tp.Shutdown)
				cfg.Tracer = tp.Tracer("usersvc")
			}
			return runTarget(cmd.Context(), cmd, o.addr, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:9501", "host:port to listen on (port 0 picks a free one)")
	f.Var(&o.adminPassword, "admin-password", "password of the seeded admin user (default: $"+adminPasswordEnv+", else \"admin\")")
	f.IntVar(&o.bcryptCost, "bcrypt-cost", usersvc.DefaultBcryptCost, fmt.Sprintf("bcrypt cost of password hashes, %d–%d (higher: slower logins)", bcrypt.MinCost, bcrypt.MaxCost))
	f.DurationVar(&o.accessTTL, "access-token-ttl", usersvc.DefaultAccessTokenTTL, "lifetime of access tokens")
	f.DurationVar(&o.refreshTTL, "refresh-token-ttl", usersvc.DefaultRefreshTokenTTL, "lifetime of refresh tokens")
	floatVar(f, &o.errorRate, "error-rate", 0, "share of API requests answered 500 injected_fault, 0–1")
	f.DurationVar(&o.latency, "latency", 0, "latency added to every API request, e.g. 50ms")
	f.DurationVar(&o.latencyJitter, "latency-jitter", 0, "extra random latency, uniform in [0, jitter)")
	floatVar(f, &o.rateLimit, "rate-limit", 0, "API requests per second allowed before answering 429 (0 = no limit)")
	f.DurationVar(&o.retryAfter, "retry-after", time.Second, "Retry-After sent with a 429, whole seconds")
	addLogFlags(f, &o.logs, "info")
	addTraceFlags(f, &o.trace)
	return cmd
}

// config turns the flags into a usersvc.Config, naming the flag of any bad value.
func (o targetOptions) config() (usersvc.Config, error) {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s: %s", flag, fmt.Sprintf(format, args...)))
	}
	if err := checkAddr(o.addr); err != nil {
		bad("addr", "%v", err)
	}
	if o.bcryptCost < bcrypt.MinCost || o.bcryptCost > bcrypt.MaxCost {
		bad("bcrypt-cost", "%d is out of range; use %d–%d (default %d)", o.bcryptCost, bcrypt.MinCost, bcrypt.MaxCost, usersvc.DefaultBcryptCost)
	}
	if o.accessTTL <= 0 {
		bad("access-token-ttl", "must be positive, e.g. 15m")
	}
	if o.refreshTTL <= 0 {
		bad("refresh-token-ttl", "must be positive, e.g. 24h")
	}
	if !(o.errorRate >= 0 && o.errorRate <= 1) {
		bad("error-rate", "%v is not a share; use a number from 0 to 1, e.g. 0.03", o.errorRate)
	}
	latencyMs := func(flag string, d time.Duration) int {
		if d < 0 || d > time.Minute || d%time.Millisecond != 0 {
			bad(flag, "%v: use whole milliseconds from 0 to 1m, e.g. 50ms", d)
		}
		return int(d / time.Millisecond)
	}
	lat, jit := latencyMs("latency", o.latency), latencyMs("latency-jitter", o.latencyJitter)
	if !(o.rateLimit >= 0) {
		bad("rate-limit", "%v: use a non-negative number of requests per second (0 = no limit)", o.rateLimit)
	}
	if o.retryAfter < time.Second || o.retryAfter > time.Hour || o.retryAfter%time.Second != 0 {
		bad("retry-after", "%v: use whole seconds from 1s to 1h", o.retryAfter)
	}
	if err := o.adminPassword.check(); err != nil {
		errs = append(errs, err)
	}
	password := o.adminPassword.value
	if password == "" {
		password = os.Getenv(adminPasswordEnv)
	}
	if len(password) > 72 {
		bad("admin-password", "is longer than 72 bytes, the bcrypt limit")
	}
	cfg := usersvc.Config{
		AdminPassword:   password,
		BcryptCost:      o.bcryptCost,
		AccessTokenTTL:  o.accessTTL,
		RefreshTokenTTL: o.refreshTTL,
		Faults: usersvc.Faults{
			ErrorRate:         o.errorRate,
			LatencyMs:         lat,
			LatencyJitterMs:   jit,
			RateLimitRPS:      o.rateLimit,
			RetryAfterSeconds: int(o.retryAfter / time.Second),
		},
	}
	return cfg, errors.Join(errs...)
}

// checkAddr checks a listen address: host:port, the port from 0 (a free one)
// to 65535.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: must be host:port, e.g. 127.0.0.1:9501", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// runTarget serves until ctx ends or SIGINT/SIGTERM arrives, then shuts down.
func runTarget(ctx context.Context, cmd *cobra.Command, addr string, cfg usersvc.Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		cfg.Logger = log
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	run, err := usersvc.Start(ctx, cfg, addr)
	if err != nil {
		return &exitError{code: ExitFailure, err: fmt.Errorf("start the reference user service: %w", err)}
	}
	f := cfg.Faults
	log.Info("reference user service listening", "url", run.URL, "admin_user", "admin",
		"bcrypt_cost", cfg.BcryptCost, "access_token_ttl", cfg.AccessTokenTTL, "refresh_token_ttl", cfg.RefreshTokenTTL,
		"error_rate", f.ErrorRate, "latency_ms", f.LatencyMs, "latency_jitter_ms", f.LatencyJitterMs,
		"rate_limit_rps", f.RateLimitRPS)
	select {
	case <-ctx.Done():
	case <-run.Done():
	}
	stop() // from here a second signal ends the process at once
	log.Info("shutting down")
	if err := run.Close(); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	log.Info("stopped")
	return nil
}
