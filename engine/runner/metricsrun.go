package runner

import "github.com/trafficsim/trafficsim/engine/metrics"

// Metrics is the run's recorder, nil until the run has started (its target is
// up): for readers that need more than Snapshot, such as the threshold
// windows (per-endpoint latency histograms).
func (r *Runner) Metrics() *metrics.Run { return r.rec.Load() }

// State is the run's state (StateStarting … StateFailed), cheaply: without
// the statistics Snapshot gathers.
func (r *Runner) State() string {
	s, _ := r.state.Load().(string)
	return s
}
