package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func thresholdGaugeValues(t *testing.T, g *ThresholdGauge) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(g)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != ThresholdGaugeName {
			t.Fatalf("unexpected family %s", mf.GetName())
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["run"] != "thr12345" {
				t.Fatalf("gauge without the run label: %v", labels)
			}
			out[labels["threshold"]] = m.GetGauge().GetValue()
		}
	}
	return out
}

// TestThresholdGaugeKeepsLastVerdict: a threshold has no series until first
// judged, and keeps its last verdict while others are judged.
func TestThresholdGaugeKeepsLastVerdict(t *testing.T) {
	g := NewThresholdGauge("thr12345")
	if got := thresholdGaugeValues(t, g); len(got) != 0 {
		t.Fatalf("gauge before any verdict = %v", got)
	}
	g.Set("a<1", true)
	g.Set("b<1", false)
	g.Set("a<1", false)
	if got := thresholdGaugeValues(t, g); got["a<1"] != 0 || got["b<1"] != 0 || len(got) != 2 {
		t.Fatalf("gauge = %v", got)
	}
}
