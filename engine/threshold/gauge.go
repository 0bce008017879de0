package threshold

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// GaugeName is the metric that shows threshold verdicts.
const GaugeName = "trafficsim_threshold_passing"

// Gauge exports trafficsim_threshold_passing{run,threshold}: 1 while a
// threshold holds, 0 when it fails. A threshold has no series until it is
// first judged (its first full window, or the end of the run). Register it
// on the engine's registry; Unregister with the run's other series.
type Gauge struct {
	desc *prometheus.Desc

	mu     sync.Mutex
	order  []string
	values map[string]float64
}

// NewGauge makes the gauge of one run.
func NewGauge(runID string) *Gauge {
	return &Gauge{
		desc: prometheus.NewDesc(GaugeName,
			"Whether a threshold holds (1) or fails (0): over the latest sliding window while the run goes on, over the whole run (and every window) at its end.",
			[]string{"threshold"}, prometheus.Labels{"run": runID}),
		values: map[string]float64{},
	}
}

// Set records verdicts; thresholds not in rs keep their last value.
func (g *Gauge) Set(rs []Result) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range rs {
		if _, ok := g.values[r.Expr]; !ok {
			g.order = append(g.order, r.Expr)
		}
		v := 0.0
		if r.Pass {
			v = 1
		}
		g.values[r.Expr] = v
	}
}

// Describe implements prometheus.Collector.
func (g *Gauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect implements prometheus.Collector.
func (g *Gauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, expr := range g.order {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, g.values[expr], expr)
	}
}
