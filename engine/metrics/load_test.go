package metrics

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestIntendedTime: a sample whose intended send time is before its actual
// send counts the wait in the latency, and the service time apart.
func TestIntendedTime(t *testing.T) {
	reg := NewRegistry()
	r := newTestRun(t, "openmod", reg, WithServiceTime())
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 100 {
		s := sample(i, "auth", "POST", "/api/v1/auth/login", 200, true, "", 10*time.Millisecond)
		s.Start = start
		s.Intended = start.Add(-40 * time.Millisecond) // waited 40ms to send
		r.Record(s)
	}
	st := r.Stats()
	if st.Latency.P50 < 49*time.Millisecond || st.Latency.P50 > 51*time.Millisecond {
		t.Errorf("latency p50 = %v, want ≈50ms (40ms wait + 10ms service)", st.Latency.P50)
	}
	if st.Service.P50 < 9*time.Millisecond || st.Service.P50 > 11*time.Millisecond || st.Service.Max != 10*time.Millisecond {
		t.Errorf("service = %+v, want ≈10ms", st.Service)
	}
	if st.Latency.Mean != 50*time.Millisecond || st.Service.Mean != 10*time.Millisecond {
		t.Errorf("means: latency %v service %v", st.Latency.Mean, st.Service.Mean)
	}
	sums := histograms(t, reg)
	if d, s := sums["trafficsim_request_duration_seconds"], sums["trafficsim_request_service_seconds"]; d.GetSampleCount() != 100 || s.GetSampleCount() != 100 ||
		!near(d.GetSampleSum(), 5) || !near(s.GetSampleSum(), 1) {
		t.Errorf("duration %v/%v, service %v/%v; want 100 samples each, sums 5s and 1s",
			d.GetSampleCount(), d.GetSampleSum(), s.GetSampleCount(), s.GetSampleSum())
	}
	// An intended time after the send (a VU that sent early) does not shorten anything.
	s := sample(0, "auth", "POST", "/api/v1/auth/login", 200, true, "", 10*time.Millisecond)
	s.Intended = s.Start.Add(time.Second)
	r.Record(s)
	if st := r.Stats(); st.Latency.Max != 50*time.Millisecond {
		t.Errorf("max after an early sample = %v", st.Latency.Max)
	}
}

// TestServiceEqualsLatencyClosed: without WithServiceTime the service
// histogram mirrors the latency one.
func TestServiceEqualsLatencyClosed(t *testing.T) {
	reg := NewRegistry()
	r := newTestRun(t, "closedm", reg)
	r.Record(sample(0, "auth", "POST", "/api/v1/auth/login", 200, true, "", 30*time.Millisecond))
	st := r.Stats()
	if st.Service != st.Latency || st.Latency.Max != 30*time.Millisecond {
		t.Errorf("service %+v, latency %+v", st.Service, st.Latency)
	}
	sums := histograms(t, reg)
	if d, s := sums["trafficsim_request_duration_seconds"], sums["trafficsim_request_service_seconds"]; d.GetSampleCount() != 1 || s.GetSampleCount() != 1 || d.GetSampleSum() != s.GetSampleSum() {
		t.Errorf("duration %v, service %v", d, s)
	}
}

func TestDroppedAndTarget(t *testing.T) {
	reg := NewRegistry()
	r := newTestRun(t, "dropped", reg)
	for range 7 {
		r.DroppedIteration()
	}
	r.SetTarget(40, 12.5)
	if st := r.Stats(); st.DroppedIterations != 7 {
		t.Errorf("DroppedIterations = %d", st.DroppedIterations)
	}
	if got := series(t, reg, "trafficsim_dropped_iterations_total"); got["run=dropped"] != 7 {
		t.Errorf("trafficsim_dropped_iterations_total = %v", got)
	}
	if got := series(t, reg, "trafficsim_target_virtual_users"); got["run=dropped"] != 40 {
		t.Errorf("trafficsim_target_virtual_users = %v", got)
	}
	if got := series(t, reg, "trafficsim_target_arrival_rate"); got["run=dropped"] != 12.5 {
		t.Errorf("trafficsim_target_arrival_rate = %v", got)
	}
}

func histograms(t *testing.T, reg interface {
	Gather() ([]*dto.MetricFamily, error)
}) map[string]*dto.Histogram {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.Histogram{}
	for _, mf := range mfs {
		if mf.GetType() == dto.MetricType_HISTOGRAM && len(mf.GetMetric()) > 0 {
			out[mf.GetName()] = mf.GetMetric()[0].GetHistogram()
		}
	}
	return out
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
