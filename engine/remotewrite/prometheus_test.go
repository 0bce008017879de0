//go:build linux

package remotewrite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/remotewrite"
	"github.com/trafficsim/trafficsim/engine/threshold"
	"github.com/trafficsim/trafficsim/internal/promtest"
)

// A run's metrics, pushed while it records and flushed when it ends, are
// queryable in a real Prometheus — counters, the latency histogram through
// histogram_quantile, and the threshold gauge — with the extra labels.
func TestRemoteWriteIntoRealPrometheus(t *testing.T) {
	base := promtest.StartReceiver(t)

	reg := metrics.NewRegistry()
	run, err := metrics.NewRun(metrics.RunInfo{ID: "rwtest01", Scenario: "mixed", Target: "http://127.0.0.1:1", Version: "test"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	gauge := metrics.NewThresholdGauge("rwtest01")
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
	promtest.Poll(t, base, `trafficsim_requests_total{run="rwtest01",status="200"}`, promtest.One(90))

	// The rest arrives with the final flush, after which nothing pushes.
	record(10, 800*time.Millisecond, 503)
	ts, err := threshold.ParseAll([]string{"p95<500ms", "requests>=100"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range threshold.Evaluate(ts, threshold.FromStats(run.Stats(), run.LatencyHistograms(), 10*time.Second)) {
		gauge.Set(r.Expr, r.Pass)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("final flush: %v", runErr)
	}

	got := promtest.Poll(t, base, `trafficsim_requests_total{run="rwtest01"}`, func(s []promtest.Sample) bool { return len(s) == 2 })
	byStatus := map[string]float64{}
	for _, s := range got {
		byStatus[s.Labels["status"]] = s.Value
		if s.Labels["job"] != "trafficsim" || s.Labels["shard"] != "0" || s.Labels["instance"] == "" || s.Labels["route"] != "/api/v1/users/{id}" {
			t.Errorf("labels = %v", s.Labels)
		}
	}
	if byStatus["200"] != 90 || byStatus["503"] != 10 {
		t.Fatalf("requests by status = %v, want 200:90 503:10", byStatus)
	}
	// 10% of the requests took 800ms (bucket 750ms–1s): p95 lies in that bucket.
	p95 := promtest.Query(t, base, `histogram_quantile(0.95, sum by (le) (trafficsim_request_duration_seconds_bucket{run="rwtest01"}))`)
	if len(p95) != 1 || p95[0].Value <= 0.75 || p95[0].Value > 1 {
		t.Fatalf("p95 from the pushed histogram = %+v, want within (0.75, 1]", p95)
	}
	promtest.Poll(t, base, `trafficsim_request_duration_seconds_count{run="rwtest01"}`, promtest.One(100))
	promtest.Poll(t, base, `trafficsim_threshold_passing{run="rwtest01",threshold="p95<500ms"}`, promtest.One(0))
	promtest.Poll(t, base, `trafficsim_threshold_passing{run="rwtest01",threshold="requests>=100"}`, promtest.One(1))
	promtest.Poll(t, base, `trafficsim_run_info{run="rwtest01",scenario="mixed"}`, promtest.One(1))
	if up := promtest.Query(t, base, `go_goroutines{job="trafficsim"}`); len(up) != 1 {
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
	promtest.Poll(t, base, `trafficsim_run_info{run="rwtest01"}`, func(s []promtest.Sample) bool { return len(s) == 0 })
}
