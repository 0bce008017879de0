package runner

import (
	"math"
	"testing"
	"time"
)

// TestOpenModelHoldsRate: --rate 300/s for 20 s against the reference target,
// each arrival one plain request, keeps the arrival and request rates within
// ±5% of 300/s with no dropped iterations (the pool is large enough).
func TestOpenModelHoldsRate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 20 s run")
	}
	const rate, secs = 300.0, 20
	cfg := DefaultConfig()
	cfg.Scenario = writeScenario(t, "name: rate_check\nrequests:\n  - name: health\n    path: /healthz\n")
	cfg.MinRequests, cfg.MaxRequests = 1, 1
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Rate = rate
	cfg.Duration = secs * time.Second
	cfg.MaxVUs = 100
	r := startRun(t, cfg)
	select {
	case <-r.Done():
	case <-time.After(2 * secs * time.Second):
		t.Fatal("the run did not end within twice its duration")
	}
	sum := r.Summary()
	if sum.Load == nil {
		t.Fatal("no load section in the summary")
	}
	arrivals := float64(sum.Load.Iterations + sum.Load.DroppedIterations)
	want := rate * secs
	if math.Abs(arrivals-want) > 0.05*want {
		t.Errorf("%v arrivals in %d s, want %v ±5%%", arrivals, secs, want)
	}
	if sum.Load.DroppedIterations > 0 {
		t.Errorf("%d dropped iterations with a pool of %d", sum.Load.DroppedIterations, cfg.MaxVUs)
	}
	// The achieved rate: requests over the run's measured duration.
	if got := float64(sum.Requests) / sum.DurationSeconds; math.Abs(got-rate) > 0.05*rate {
		t.Errorf("%d requests in %.2f s = %.1f/s, want %v/s ±5%%", sum.Requests, sum.DurationSeconds, got, rate)
	}
	t.Logf("arrivals %v, requests %d, dropped %d, duration %.2fs", arrivals, sum.Requests, sum.Load.DroppedIterations, sum.DurationSeconds)
}
