package runhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/transport"
)

// RunnerFactory makes real runs with engine/runner. Each run registers its series on
// reg (nil: none) and removes them when the host forgets it; opts are passed to every
// runner.New (tests lower the embedded target's bcrypt cost).
func RunnerFactory(reg prometheus.Registerer, log *slog.Logger, opts ...runner.Option) Factory {
	return func(cfg enginerpc.RunConfig) (Run, error) {
		rc, res, err := runnerConfig(cfg)
		if err != nil {
			return nil, err
		}
		all := append([]runner.Option{runner.WithRegisterer(reg), runner.WithResilience(res)}, opts...)
		if log != nil {
			all = append(all, runner.WithLogger(log))
		}
		r, err := runner.New(rc, all...)
		if err != nil {
			return nil, fieldError(err)
		}
		return &runnerRun{r: r}, nil
	}
}

// RunnerValidator checks a config as RunnerFactory and engine/runner do, building nothing.
func RunnerValidator(cfg enginerpc.RunConfig) error {
	rc, _, err := runnerConfig(cfg)
	if err != nil {
		return err
	}
	return fieldError(rc.Validate())
}

// runnerConfig maps the contract's config to the runner's and the run's resilience.
func runnerConfig(cfg enginerpc.RunConfig) (runner.Config, resilience.Config, error) {
	rc := runner.Config{
		RunID:         cfg.RunID,
		Users:         cfg.Users,
		MinRequests:   cfg.MinRequestCount,
		MaxRequests:   cfg.MaxRequestCount,
		Duration:      cfg.Duration,
		BaseURL:       cfg.BaseURL,
		DelayMin:      cfg.DelayMin,
		DelayMax:      cfg.DelayMax,
		Scenario:      cfg.Scenario,
		Seed:          cfg.Seed,
		AdminUser:     cfg.AdminUser,
		AdminPassword: cfg.AdminPassword,
		Cleanup:       cfg.Cleanup,
		RampUp:        cfg.RampUp,
		Stages:        cfg.Stages,
		Rate:          cfg.Rate,
		RateStages:    cfg.RateStages,
		MaxVUs:        cfg.MaxVUs,
		Network:       tlsSettings(cfg.TLS),
		// The plugin sends the profile's content; it never names a file here.
		APIProfileYAML: []byte(cfg.APIProfile),
		APIProfileName: cfg.APIProfileName,
	}
	// Runs from the plugin get the same resilience defaults as `trafficsim run`.
	res := resilience.Defaults()
	if cfg.MaxRPS < 0 || math.IsNaN(cfg.MaxRPS) || math.IsInf(cfg.MaxRPS, 0) {
		return runner.Config{}, resilience.Config{}, &enginerpc.FieldError{Field: "max_rps", Message: fmt.Sprintf("%g: want 0 (no cap) or a positive number of requests per second", cfg.MaxRPS)}
	}
	res.MaxRPS = cfg.MaxRPS
	return rc, res, nil
}

// fieldError names a runner config error's field as the contract does.
func fieldError(err error) error {
	var fe *runner.FieldError
	if errors.As(err, &fe) {
		return &enginerpc.FieldError{Field: protoField(fe.Field), Message: fe.Message}
	}
	return err
}

// tlsSettings are the transport settings of the contract's TLS fields: PEM
// text, held in memory only.
func tlsSettings(t enginerpc.TLS) transport.Settings {
	return transport.Settings{CAPEM: t.CACertPEM, ClientCertPEM: t.ClientCertPEM, ClientKeyPEM: t.ClientKeyPEM,
		InsecureSkipVerify: t.InsecureSkipVerify, ServerName: t.TLSServerName}
}

// protoField names the runner's config fields as enginerpc's protobuf does.
func protoField(f string) string {
	switch f {
	case "duration", "delay_min", "delay_max", "ramp_up":
		return f + "_ms"
	}
	return f
}

// runnerRun adapts a *runner.Runner to Run, Aborter, Interrupter and Releaser.
type runnerRun struct{ r *runner.Runner }

var _ interface {
	Run
	Aborter
	Interrupter
	Releaser
} = (*runnerRun)(nil)

func (a *runnerRun) ID() string              { return a.r.ID() }
func (a *runnerRun) Run(ctx context.Context) { a.r.Run(ctx) }
func (a *runnerRun) Stop()                   { a.r.Stop() }
func (a *runnerRun) Abort()                  { a.r.Abort() }
func (a *runnerRun) Interrupt()              { a.r.Interrupt() }
func (a *runnerRun) Done() <-chan struct{}   { return a.r.Done() }
func (a *runnerRun) Release()                { a.r.Release() }

// Status maps the runner's snapshot; the config is the runner's (with the chosen
// seed), which the host completes with what it was asked.
func (a *runnerRun) Status() enginerpc.RunStatus {
	s := a.r.Snapshot()
	c := a.r.Config()
	recent := make([]enginerpc.RequestEvent, len(s.Recent))
	for i, e := range s.Recent {
		recent[i] = enginerpc.RequestEvent{Time: e.Time, VU: e.VU, Method: e.Method, Route: e.Route, Status: e.Status, Latency: e.Latency}
	}
	// The runner marks itself ended a moment before Done closes and its summary
	// (with the cleanup's verdict) is ready: until then the run is still stopping,
	// so nobody reads an ended run without its cleanup.
	state, cleanup := enginerpc.State(s.State), a.cleanup()
	if state.Ended() && cleanup == nil {
		state = enginerpc.StateStopping
	}
	return enginerpc.RunStatus{
		ID:        s.RunID,
		State:     state,
		StartedAt: s.StartedAt,
		EndedAt:   s.EndedAt,
		Config:    enginerpc.RunConfig{RunID: c.RunID, Seed: c.Seed},
		Stats: &enginerpc.RunStats{
			ActiveUsers:      int64(s.ActiveUsers),
			TotalUsers:       int64(s.TotalUsers),
			Requests:         s.Requests,
			Errors:           s.Errors,
			SuccessRate:      s.SuccessRate,
			Rps:              s.RPS,
			AvgLatencyMs:     ms(s.AvgLatency),
			P95LatencyMs:     ms(s.P95Latency),
			MaxLatencyMs:     ms(s.MaxLatency),
			ElapsedSeconds:   s.Elapsed.Seconds(),
			RemainingSeconds: remaining(s.Remaining),

			Model:             s.Model,
			TargetUsers:       int64(s.TargetUsers),
			TargetRate:        s.TargetRate,
			Stage:             int64(s.Stage + 1), // the runner counts from 0, -1 for none
			Iterations:        s.Iterations,
			DroppedIterations: s.DroppedIterations,
			Breakers:          breakers(s.Breakers),
			Degradation:       s.Degradation,
		},
		Recent:  recent,
		Error:   s.Err,
		Cleanup: cleanup,
	}
}

// maxLeftNames bounds the names of left records a status carries.
const maxLeftNames = 20

// cleanup is the end-of-run cleanup's result, once the run is over.
func (a *runnerRun) cleanup() *enginerpc.Cleanup {
	select {
	case <-a.r.Done():
	default:
		return nil
	}
	c := a.r.Summary().Cleanup
	return &enginerpc.Cleanup{
		Created:   c.Created,
		Deleted:   c.Deleted,
		Gone:      c.Gone,
		Left:      c.Left,
		LeftNames: c.LeftNames[:min(len(c.LeftNames), maxLeftNames)],
		Verified:  c.Verified, // the summary's verdict, as `trafficsim run` reports it
		Reason:    c.Reason,
		Error:     c.Error,
	}
}

// CleanupAgain removes what the run left on its external target, found by the
// run's sim_<run>_ prefix (runner.CleanupTarget, as `trafficsim cleanup --run`),
// and says what it found as that command does (CleanupReport.Verdict): a result
// that rests on the target's search alone, or that could not look, is not
// verified. The embedded target went away with the run, and its data with it. It
// speaks TLS as the request says: the password is the plugin's current one, and
// goes only where the TLS settings that came with it verify the target.
func (a *runnerRun) CleanupAgain(ctx context.Context, req enginerpc.CleanupRequest) (enginerpc.Cleanup, error) {
	base := a.r.Config().BaseURL
	if base == "" {
		return enginerpc.Cleanup{Verified: true}, nil
	}
	rep, err := runner.CleanupTarget(ctx, runner.CleanupOptions{
		BaseURL:       base,
		RunID:         a.r.ID(),
		AdminUser:     req.AdminUser,
		AdminPassword: req.AdminPassword,
		Profile:       a.r.Scenario().API,
		Network:       tlsSettings(req.TLS),
	})
	out := enginerpc.Cleanup{
		Deleted:   rep.Deleted,
		Gone:      rep.Gone,
		Left:      len(rep.Left),
		LeftNames: rep.Left[:min(len(rep.Left), maxLeftNames)],
	}
	out.Verified, out.Reason = rep.Verdict()
	if err != nil {
		out.Error = err.Error()
		if out.Reason == "" && !out.Verified {
			out.Reason = "the cleanup did not run: " + err.Error()
		}
	}
	return out, nil
}

func breakers(bs []resilience.BreakerStatus) []*enginerpc.Breaker {
	if len(bs) == 0 {
		return nil
	}
	out := make([]*enginerpc.Breaker, len(bs))
	for i, b := range bs {
		out[i] = &enginerpc.Breaker{Group: b.Group, State: b.State}
	}
	return out
}

// remaining is the runner's time left in seconds; -1 (unknown) stays -1.
func remaining(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return d.Seconds()
}

// ms is a duration in milliseconds, as the contract's *_ms figures are.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
