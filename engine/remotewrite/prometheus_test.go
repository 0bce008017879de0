//go:build linux

package remotewrite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/remotewrite"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

// startPrometheus runs Debian's prometheus with the remote-write receiver on a
// loopback port and an empty storage directory; it skips the test when
// prometheus is not installed (.ci/run installs it).
func startPrometheus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian: apt-get install prometheus); remote write is not checked against a real Prometheus")
	}
	if testing.Short() {
		t.Skip("-short: skipping the live Prometheus test")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var out bytes.Buffer
	cmd := exec.Command(bin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr,
		"--web.enable-remote-write-receiver",
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited during start-up:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready within 30s: %v\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type sample struct {
	labels map[string]string
	value  float64
}

// query runs an instant PromQL query.
func query(t *testing.T, base, q string) []sample {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s %s", q, err, r.Error, body)
	}
	var out []sample
	for _, x := range r.Data.Result {
		v, _ := strconv.ParseFloat(fmt.Sprint(x.Value[1]), 64)
		out = append(out, sample{x.Metric, v})
	}
	return out
}

// poll repeats q until check accepts its result or 20s pass.
func poll(t *testing.T, base, q string, check func([]sample) bool) []sample {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := query(t, base, q)
		if check(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s: still %+v after 20s", q, got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func one(v float64) func([]sample) bool {
	return func(s []sample) bool { return len(s) == 1 && s[0].value == v }
}

// A run's metrics, pushed while it records and flushed when it ends, are
// queryable in a real Prometheus — counters, the latency histogram through
// histogram_quantile, and the threshold gauge — with the extra labels.
func TestRemoteWriteIntoRealPrometheus(t *testing.T) {
	base := startPrometheus(t)

	reg := metrics.NewRegistry()
	run, err := metrics.NewRun(metrics.RunInfo{ID: "rwtest01", Scenario: "mixed", Target: "http://127.0.0.1:1", Version: "test"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	gauge := threshold.NewGauge("rwtest01")
	reg.MustRegister(gauge)

	w, err := remotewrite.New(reg, remotewrite.Config{
		URL:      base + "/api/v1/write",
		Interval: 200 * time.Millisecond,
		Labels:   remotewrite.DefaultLabels(map[string]string{"shard": "0"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() { defer wg.Done(); runErr = w.Run(ctx) }()

	// The periodic pushes land while the run goes on.
	record := func(n int, lat time.Duration, status int) {
		for i := range n {
			run.Record(metrics.Sample{VU: i, Group: "user_query", Method: "GET", Route: "/api/v1/users/{id}", Status: status, Expected: status < 400, Latency: lat})
		}
	}
	record(90, 20*time.Millisecond, 200)
	poll(t, base, `trafficsim_requests_total{run="rwtest01",status="200"}`, one(90))

	// The rest arrives with the final flush, after which nothing pushes.
	record(10, 800*time.Millisecond, 503)
	ts, err := threshold.ParseAll([]string{"p95<500ms", "requests>=100"})
	if err != nil {
		t.Fatal(err)
	}
	gauge.Set(threshold.Evaluate(ts, threshold.FromStats(run.Stats(), run.LatencyHistograms(), 10*time.Second)))
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("final flush: %v", runErr)
	}

	got := poll(t, base, `trafficsim_requests_total{run="rwtest01"}`, func(s []sample) bool { return len(s) == 2 })
	byStatus := map[string]float64{}
	for _, s := range got {
		byStatus[s.labels["status"]] = s.value
		if s.labels["job"] != "trafficsim" || s.labels["shard"] != "0" || s.labels["instance"] == "" || s.labels["route"] != "/api/v1/users/{id}" {
			t.Errorf("labels = %v", s.labels)
		}
	}
	if byStatus["200"] != 90 || byStatus["503"] != 10 {
		t.Fatalf("requests by status = %v, want 200:90 503:10", byStatus)
	}
	// 10% of the requests took 800ms (bucket 750ms–1s): p95 lies in that bucket.
	p95 := query(t, base, `histogram_quantile(0.95, sum by (le) (trafficsim_request_duration_seconds_bucket{run="rwtest01"}))`)
	if len(p95) != 1 || p95[0].value <= 0.75 || p95[0].value > 1 {
		t.Fatalf("p95 from the pushed histogram = %+v, want within (0.75, 1]", p95)
	}
	poll(t, base, `trafficsim_request_duration_seconds_count{run="rwtest01"}`, one(100))
	poll(t, base, `trafficsim_threshold_passing{run="rwtest01",threshold="p95<500ms"}`, one(0))
	poll(t, base, `trafficsim_threshold_passing{run="rwtest01",threshold="requests>=100"}`, one(1))
	poll(t, base, `trafficsim_run_info{run="rwtest01",scenario="mixed"}`, one(1))
	if up := query(t, base, `go_goroutines{job="trafficsim"}`); len(up) != 1 {
		t.Fatalf("engine process metrics: %+v", up)
	}

	// A released run's series end at once (staleness markers), not after 5m.
	w2, err := remotewrite.New(reg, remotewrite.Config{URL: base + "/api/v1/write", Labels: remotewrite.DefaultLabels(map[string]string{"shard": "0"})})
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	run.Unregister()
	if err := w2.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	poll(t, base, `trafficsim_run_info{run="rwtest01"}`, func(s []sample) bool { return len(s) == 0 })
}
