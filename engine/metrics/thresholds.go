package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// ThresholdGaugeName is the metric that shows threshold verdicts
// (engine/threshold judges them).
const ThresholdGaugeName = "trafficsim_threshold_passing"

// ThresholdGauge exports trafficsim_threshold_passing{run,threshold}: 1 while a
// threshold holds, 0 when it fails. A threshold has no series until it is
// first judged (its first full window, or the end of the run). Register it
// on the engine's registry; Unregister with the run's other series.
type ThresholdGauge struct {
	desc *prometheus.Desc

	mu     sync.Mutex
	order  []string
	values map[string]float64
}

// NewThresholdGauge makes the gauge of one run.
func NewThresholdGauge(runID string) *ThresholdGauge {
	return &ThresholdGauge{
		desc: prometheus.NewDesc(ThresholdGaugeName,
			"Whether a threshold holds (1) or fails (0): over the latest sliding window while the run goes on, over the whole run (and every window) at its end.",
			[]string{"threshold"}, prometheus.Labels{"run": runID}),
		values: map[string]float64{},
	}
}

// Set records a threshold's verdict; the others keep their last value.
func (g *ThresholdGauge) Set(expr string, pass bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.values[expr]; !ok {
		g.order = append(g.order, expr)
	}
	v := 0.0
	if pass {
		v = 1
	}
	g.values[expr] = v
}

// Describe implements prometheus.Collector.
func (g *ThresholdGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect implements prometheus.Collector.
func (g *ThresholdGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, expr := range g.order {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, g.values[expr], expr)
	}
}
