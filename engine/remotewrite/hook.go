package remotewrite

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Hook runs a Writer in the background for a long-lived engine process (the
// Grafana plugin's): Start matches runhost.ServeOptions.RemoteWrite, Wait lets
// the process finish the final push before it exits.
type Hook struct {
	// Labels, Interval and UserAgent are as in Config; job="trafficsim" and
	// instance=<hostname> are added unless set here.
	Labels    map[string]string
	Interval  time.Duration
	UserAgent string

	done chan struct{}
}

// Start checks the settings and starts pushing reg to url until ctx ends. It
// returns at once. password is the app's remote-write secret: with a user
// (EnvUser) it is the basic-auth password, without one it is sent as a bearer
// token — the app's settings hold a single secret and no user.
func (h *Hook) Start(ctx context.Context, url, password string, reg *prometheus.Registry, log *slog.Logger) error {
	cfg := Config{
		URL: url, Password: password, Interval: h.Interval, UserAgent: h.UserAgent,
		Labels: DefaultLabels(h.Labels), Logger: log,
	}
	cfg.FromEnv()
	if cfg.Password != "" && cfg.Username == "" && cfg.BearerToken == "" {
		cfg.BearerToken, cfg.Password = cfg.Password, ""
	}
	w, err := New(reg, cfg)
	if err != nil {
		return err
	}
	h.done = make(chan struct{})
	go func() {
		defer close(h.done)
		_ = w.Run(ctx) // Run logs its failures
	}()
	if log != nil {
		log.Info("remote write started", "url", w.URL(), "interval", w.cfg.Interval)
	}
	return nil
}

// Wait blocks until the final push after Start's ctx ended is done, or
// timeout; it reports whether it finished. Without Start it returns true.
func (h *Hook) Wait(timeout time.Duration) bool {
	if h.done == nil {
		return true
	}
	select {
	case <-h.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// DefaultLabels returns extra with job="trafficsim" and instance=<hostname>
// added where extra does not set them: what a Prometheus scrape of the engine
// would attach, so dashboards see pushed and scraped series alike.
func DefaultLabels(extra map[string]string) map[string]string {
	out := map[string]string{"job": "trafficsim"}
	if host, err := os.Hostname(); err == nil && host != "" {
		out["instance"] = host
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
