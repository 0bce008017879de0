package remotewrite

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
)

// receiver is an HTTP endpoint that records what it is sent and answers with
// the statuses queued in replies (then 204).
type receiver struct {
	t  *testing.T
	mu sync.Mutex
	// replies: status code and Retry-After per request, in order.
	replies  []reply
	requests []received
}

type reply struct {
	status     int
	retryAfter string
}

type received struct {
	at     time.Time
	header http.Header
	req    decoded
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		rc.t.Errorf("body is not snappy: %v", err)
	}
	rc.mu.Lock()
	rc.requests = append(rc.requests, received{at: time.Now(), header: r.Header.Clone(), req: decodeWriteRequest(rc.t, raw)})
	rep := reply{status: http.StatusNoContent}
	if len(rc.replies) > 0 {
		rep, rc.replies = rc.replies[0], rc.replies[1:]
	}
	rc.mu.Unlock()
	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, http.StatusText(rep.status))
}

func (rc *receiver) got() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...)
}

func newReceiver(t *testing.T, replies ...reply) (*receiver, string) {
	rc := &receiver{t: t, replies: replies}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL + "/api/v1/write"
}

func TestPushHeadersAndBasicAuth(t *testing.T) {
	rc, url := newReceiver(t)
	url = strings.Replace(url, "http://", "http://ci-user@", 1)
	w, err := New(testRegistry(), Config{URL: url, Password: "s3cret", Labels: map[string]string{"shard": "1"}, UserAgent: "trafficsim/test"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(w.URL(), "ci-user") {
		t.Fatalf("URL() = %q shows the user", w.URL())
	}
	if err := w.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := rc.got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	h := reqs[0].header
	for k, v := range map[string]string{
		"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
		"X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "trafficsim/test",
	} {
		if h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
		}
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header = h
	if u, p, ok := req.BasicAuth(); !ok || u != "ci-user" || p != "s3cret" {
		t.Errorf("basic auth = %q %q %v", u, p, ok)
	}
	if n := len(reqs[0].req.series); n != 14 {
		t.Errorf("%d series, want 14", n)
	}
	for _, s := range reqs[0].req.series {
		if !hasLabel(s.Labels, "shard") {
			t.Errorf("series %v lacks the extra label", s.Labels)
		}
	}
}

func TestPushBearerFromEnvironment(t *testing.T) {
	rc, url := newReceiver(t)
	t.Setenv(EnvBearerToken, "tok-123")
	t.Setenv(EnvUser, "")
	t.Setenv(EnvPassword, "")
	cfg := Config{URL: url}
	cfg.FromEnv()
	w, err := New(testRegistry(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rc.got()[0].header.Get("Authorization"); got != "Bearer tok-123" {
		t.Fatalf("Authorization = %q", got)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	reg := testRegistry()
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "127.0.0.1:9090/api/v1/write"}, "want http(s)://host"},
		{Config{URL: "ftp://h/x"}, "want http(s)://host"},
		{Config{URL: "http:///x"}, "want http(s)://host"},
		{Config{URL: "http://h/x", Password: "p"}, "set " + EnvUser},
		{Config{URL: "http://u@h/x", BearerToken: "t"}, "use one"},
		{Config{URL: "http://h/x", Interval: time.Millisecond}, "at least 100ms"},
		{Config{URL: "http://h/x", Labels: map[string]string{"1bad": "x"}}, `label "1bad"`},
		{Config{URL: "http://h/x", Labels: map[string]string{"__name__": "x"}}, `label "__name__"`},
	}
	for _, c := range cases {
		if _, err := New(reg, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", c.cfg, err, c.want)
		}
	}
	if _, err := New(nil, Config{URL: "http://h/x"}); err == nil {
		t.Error("nil gatherer accepted")
	}
}

func TestPushRetriesServerErrorsAndHonoursRetryAfter(t *testing.T) {
	rc, url := newReceiver(t, reply{status: 503}, reply{status: 429, retryAfter: "1"}, reply{status: 500})
	w, err := New(testRegistry(), Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.Push(ctx); err != nil {
		t.Fatalf("push after 503, 429, 500: %v", err)
	}
	reqs := rc.got()
	if len(reqs) != 4 {
		t.Fatalf("%d attempts, want 4 (three failures, then success)", len(reqs))
	}
	// The wait after the 429 follows its Retry-After: 1s, not the ~500ms backoff.
	if gap := reqs[2].at.Sub(reqs[1].at); gap < 950*time.Millisecond {
		t.Fatalf("retried %s after a 429 with Retry-After: 1", gap)
	}
	// Every attempt carries the same samples.
	if reqs[0].req.series[0].Timestamp != reqs[3].req.series[0].Timestamp {
		t.Fatal("a retry re-gathered instead of resending")
	}
}

func TestPushDoesNotRetryClientErrors(t *testing.T) {
	for status, hint := range map[int]string{400: "400 Bad Request", 401: EnvUser, 404: "--web.enable-remote-write-receiver"} {
		rc, url := newReceiver(t, reply{status: status}, reply{status: status})
		w, err := New(testRegistry(), Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		err = w.Push(context.Background())
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("status %d: err = %v, want it to contain %q", status, err, hint)
		}
		if n := len(rc.got()); n != 1 {
			t.Errorf("status %d: %d attempts, want 1", status, n)
		}
	}
}

func TestPushGivesUpWhenContextEnds(t *testing.T) {
	rc, url := newReceiver(t, reply{status: 503}, reply{status: 503}, reply{status: 503}, reply{status: 503}, reply{status: 503})
	w, err := New(testRegistry(), Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	err = w.Push(ctx)
	if err == nil || !strings.Contains(err.Error(), "gave up after") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v", err)
	}
	if n := len(rc.got()); n < 2 {
		t.Fatalf("%d attempts within 600ms, want at least 2", n)
	}
}

// Series that disappear (a released run) get a staleness marker once;
// timestamps increase from push to push.
func TestStalenessMarkers(t *testing.T) {
	rc, url := newReceiver(t)
	reg := prometheus.NewRegistry()
	keep := prometheus.NewGauge(prometheus.GaugeOpts{Name: "t_keep", Help: "k"})
	gone := prometheus.NewGauge(prometheus.GaugeOpts{Name: "t_gone", Help: "g"})
	reg.MustRegister(keep, gone)
	w, err := New(reg, Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.Push(ctx); err != nil {
		t.Fatal(err)
	}
	reg.Unregister(gone)
	for range 2 {
		if err := w.Push(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reqs := rc.got()
	value := func(r received, name string) (float64, bool) {
		for _, s := range r.req.series {
			for _, l := range s.Labels {
				if l.Name == "__name__" && l.Value == name {
					return s.Value, true
				}
			}
		}
		return 0, false
	}
	if v, ok := value(reqs[1], "t_gone"); !ok || math.Float64bits(v) != math.Float64bits(StaleNaN) {
		t.Fatalf("second push: t_gone = %v, %v; want the staleness marker", v, ok)
	}
	if _, ok := value(reqs[2], "t_gone"); ok {
		t.Fatal("third push repeats the staleness marker")
	}
	if _, ok := value(reqs[2], "t_keep"); !ok {
		t.Fatal("third push lacks t_keep")
	}
	for i := 1; i < len(reqs); i++ {
		if reqs[i].req.series[0].Timestamp <= reqs[i-1].req.series[0].Timestamp {
			t.Fatalf("timestamps do not increase: %d then %d", reqs[i-1].req.series[0].Timestamp, reqs[i].req.series[0].Timestamp)
		}
	}
}

// Run pushes every interval and once more when its context ends, with the
// values of that moment.
func TestRunPushesPeriodicallyAndFlushes(t *testing.T) {
	rc, url := newReceiver(t)
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "t_total", Help: "t"})
	reg.MustRegister(c)
	w, err := New(reg, Config{URL: url, Interval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(rc.got()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no periodic pushes")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.Add(42)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("final flush: %v", err)
	}
	reqs := rc.got()
	last := reqs[len(reqs)-1].req.series
	if len(last) != 1 || last[0].Value != 42 {
		t.Fatalf("last push = %+v, want t_total 42", last)
	}
}
