// Package remotewrite pushes an engine's Prometheus metrics to a remote-write
// endpoint (Prometheus remote write 1.0: snappy-compressed protobuf): every
// interval while a run goes on, and once more when it ends, so that short CI
// runs land in Prometheus even if nothing scrapes them (docs/remote-write.md).
package remotewrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
)

// Environment variables with the endpoint's credentials (never flags: they
// would show in `ps` and shell history).
const (
	EnvURL         = "TRAFFICSIM_REMOTE_WRITE_URL"          // the plugin's engine reads the URL from here
	EnvUser        = "TRAFFICSIM_REMOTE_WRITE_USER"         // basic auth user (or put it in the URL: https://USER@host/...)
	EnvPassword    = "TRAFFICSIM_REMOTE_WRITE_PASSWORD"     // basic auth password
	EnvBearerToken = "TRAFFICSIM_REMOTE_WRITE_BEARER_TOKEN" // Authorization: Bearer TOKEN (instead of basic auth)
)

// Defaults.
const (
	DefaultInterval     = 5 * time.Second
	DefaultTimeout      = 10 * time.Second
	DefaultFlushTimeout = 10 * time.Second
	MinInterval         = 100 * time.Millisecond
)

// Backoff between attempts of one push: 250ms doubling to 5s, ±20% jitter; a
// Retry-After of up to 30s is honoured.
const (
	backoffFirst    = 250 * time.Millisecond
	backoffMax      = 5 * time.Second
	retryAfterLimit = 30 * time.Second
)

// Config configures a Writer.
type Config struct {
	URL          string        // http(s)://host[:port]/path, e.g. http://127.0.0.1:9090/api/v1/write
	Interval     time.Duration // between pushes; 0: DefaultInterval
	Timeout      time.Duration // one HTTP request; 0: DefaultTimeout
	FlushTimeout time.Duration // the final push at the end, retries included; 0: DefaultFlushTimeout

	// Either basic auth (Username and Password; a user in URL counts) or a bearer
	// token, or neither.
	Username    string
	Password    string
	BearerToken string

	// Labels are added to every series that does not have them already, like
	// Prometheus' external labels: e.g. job, instance, shard.
	Labels map[string]string

	HTTPClient *http.Client // nil: a client of its own
	Logger     *slog.Logger
	UserAgent  string
}

// FromEnv fills the credentials of c from the environment (EnvUser,
// EnvPassword, EnvBearerToken) where c has none.
func (c *Config) FromEnv() {
	if c.Username == "" {
		c.Username = os.Getenv(EnvUser)
	}
	if c.Password == "" {
		c.Password = os.Getenv(EnvPassword)
	}
	if c.BearerToken == "" {
		c.BearerToken = os.Getenv(EnvBearerToken)
	}
}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// SettingError is a Config that New refuses. Setting says what is wrong, so a
// caller can name its own flag or variable: "url", "interval", "label", or
// the environment variable of a credential (EnvPassword, EnvBearerToken).
type SettingError struct {
	Setting string
	Message string
}

func (e *SettingError) Error() string { return e.Message }

// CheckLabelName checks an extra label's name (Config.Labels).
func CheckLabelName(name string) error {
	if !labelName.MatchString(name) || strings.HasPrefix(name, "__") {
		return errors.New("a label name is letters, digits and _, not starting with a digit or __")
	}
	return nil
}

// Writer pushes a Gatherer's metrics to one remote-write endpoint.
type Writer struct {
	g      prometheus.Gatherer
	cfg    Config
	url    string // without user info
	labels []Label
	client *http.Client
	log    *slog.Logger

	mu        sync.Mutex // one push at a time
	lastTS    int64
	sent      map[string][]Label // series of the last successful push, for staleness markers
	buf       []byte
	failing   bool
	lastLogAt time.Time
	lastErr   string
}

// New checks cfg and returns a Writer; errors name the setting and the fix.
func New(g prometheus.Gatherer, cfg Config) (*Writer, error) {
	if g == nil {
		return nil, errors.New("remote write: no metrics to push (nil gatherer)")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := cfg.URL // without a password it may hold
		if err == nil {
			shown = u.Redacted()
		} else if at := strings.LastIndex(shown, "@"); at >= 0 {
			shown = "REDACTED@" + shown[at+1:]
		}
		return nil, &SettingError{"url", fmt.Sprintf("remote write URL %q: want http(s)://host[:port]/path, e.g. http://127.0.0.1:9090/api/v1/write", shown)}
	}
	if u.User != nil {
		if cfg.Username == "" {
			cfg.Username = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && cfg.Password == "" {
			cfg.Password = p
		}
		u.User = nil
	}
	switch {
	case cfg.BearerToken != "" && (cfg.Username != "" || cfg.Password != ""):
		return nil, &SettingError{EnvBearerToken, fmt.Sprintf("remote write: both a bearer token (%s) and basic auth are set; use one", EnvBearerToken)}
	case cfg.Password != "" && cfg.Username == "":
		return nil, &SettingError{EnvPassword, fmt.Sprintf("remote write: a password is set but no user; set %s or put the user in the URL (https://USER@host/api/v1/write)", EnvUser)}
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Interval < MinInterval {
		return nil, &SettingError{"interval", fmt.Sprintf("remote write interval %s: use at least %s (default %s)", cfg.Interval, MinInterval, DefaultInterval)}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.FlushTimeout <= 0 {
		cfg.FlushTimeout = DefaultFlushTimeout
	}
	w := &Writer{g: g, cfg: cfg, url: u.String(), client: cfg.HTTPClient, log: cfg.Logger, sent: map[string][]Label{}}
	for name, value := range cfg.Labels {
		if err := CheckLabelName(name); err != nil {
			return nil, &SettingError{"label", fmt.Sprintf("remote write label %q: %v", name, err)}
		}
		if value != "" {
			w.labels = append(w.labels, Label{name, value})
		}
	}
	slices.SortFunc(w.labels, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	if w.client == nil {
		w.client = &http.Client{}
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.cfg.UserAgent == "" {
		w.cfg.UserAgent = "trafficsim"
	}
	return w, nil
}

// URL is the endpoint, without credentials (safe to log).
func (w *Writer) URL() string { return w.url }

// Run pushes every interval until ctx ends, then pushes once more (within
// FlushTimeout) so the last values arrive, and returns that push's error.
// Failed periodic pushes are logged and retried until the next one is due:
// the values are cumulative, so a later push supersedes a lost one.
func (w *Writer) Run(ctx context.Context) error {
	tick := time.NewTicker(w.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return w.Flush(context.WithoutCancel(ctx))
		case <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, w.cfg.Interval)
			err := w.Push(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				w.logFailure(err)
			}
		}
	}
}

// Flush pushes the current values once, retrying for up to FlushTimeout.
func (w *Writer) Flush(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.FlushTimeout)
	defer cancel()
	if err := w.Push(ctx); err != nil {
		w.log.Error("remote write: final push failed; the run's last values did not reach the endpoint", "url", w.url, "error", err)
		return err
	}
	w.log.Debug("remote write: final push done", "url", w.url)
	return nil
}

// Push gathers and sends once, retrying 5xx, 429 and network errors with
// backoff until it succeeds or ctx ends. Series that were sent before and are
// gone now (a run that was released) get a staleness marker.
func (w *Writer) Push(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	mfs, gatherErr := w.g.Gather()
	if len(mfs) == 0 && gatherErr != nil {
		return fmt.Errorf("gather metrics: %w", gatherErr)
	}
	if gatherErr != nil {
		// client_golang returns what it could gather beside the error.
		w.log.Warn("remote write: some metrics could not be gathered", "error", gatherErr)
	}
	ts := max(time.Now().UnixMilli(), w.lastTS+1) // per series, timestamps must increase
	series, meta := Convert(mfs, w.labels, ts)
	now := make(map[string][]Label, len(series))
	for i := range series {
		now[series[i].key()] = series[i].Labels
	}
	for k, ls := range w.sent {
		if _, ok := now[k]; !ok {
			series = append(series, Series{Labels: ls, Value: StaleNaN, Timestamp: ts})
		}
	}
	w.buf = AppendWriteRequest(w.buf[:0], series, meta)
	body := snappy.Encode(nil, w.buf)
	if err := w.send(ctx, body); err != nil {
		return err
	}
	w.lastTS = ts
	w.sent = now
	if w.failing {
		w.failing = false
		w.log.Info("remote write: pushing again", "url", w.url)
	}
	return nil
}

// permanentError is a response that retrying would not change (4xx but 429).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func (w *Writer) send(ctx context.Context, body []byte) error {
	wait := backoffFirst
	for attempt := 1; ; attempt++ {
		retryAfter, err := w.attempt(ctx, body)
		if err == nil {
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return err
		}
		d := jitter(wait)
		if retryAfter > 0 {
			d = min(retryAfter, retryAfterLimit)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("push to %s: gave up after %d attempts: %w", w.url, attempt, err)
		case <-t.C:
		}
		wait = min(wait*2, backoffMax)
	}
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// attempt is one HTTP request; it returns the server's Retry-After, if any.
func (w *Writer) attempt(ctx context.Context, body []byte) (time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return 0, &permanentError{fmt.Errorf("push to %s: %w", w.url, err)}
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	switch {
	case w.cfg.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+w.cfg.BearerToken)
	case w.cfg.Username != "":
		req.SetBasicAuth(w.cfg.Username, w.cfg.Password)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("push to %s: %w", w.url, err)
	}
	defer func() { _ = resp.Body.Close() }() // the answer has been read
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // reuse the connection
	if resp.StatusCode/100 == 2 {
		return 0, nil
	}
	err = fmt.Errorf("push to %s: %s: %s", w.url, resp.Status, strings.TrimSpace(string(msg)))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return retryAfterOf(resp.Header.Get("Retry-After")), err
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return 0, &permanentError{fmt.Errorf("%w (check %s/%s or %s)", err, EnvUser, EnvPassword, EnvBearerToken)}
	case resp.StatusCode == http.StatusNotFound:
		return 0, &permanentError{fmt.Errorf("%w (is the path right, and does the endpoint accept remote write? Prometheus needs --web.enable-remote-write-receiver)", err)}
	}
	return 0, &permanentError{err}
}

// retryAfterOf reads a Retry-After header: seconds, or an HTTP date.
func retryAfterOf(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// logFailure logs a failed periodic push: the first of a streak, then the
// same error at most once a minute.
func (w *Writer) logFailure(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	msg := err.Error()
	if w.failing && msg == w.lastErr && time.Since(w.lastLogAt) < time.Minute {
		return
	}
	w.failing, w.lastErr, w.lastLogAt = true, msg, time.Now()
	w.log.Warn("remote write: push failed; retrying at the next interval", "url", w.url, "error", err)
}
