package metrics

import "github.com/HdrHistogram/hdrhistogram-go"

// ServiceHistogram returns the HDR histogram of the service times recorded so
// far (microseconds), merged over the shards, with their exact sum and maximum
// in nanoseconds; nil when the run does not record service time apart (closed
// model: the service time is the latency). A shard of a sharded run carries it
// in its summary so that merge can combine the service percentiles exactly.
func (r *Run) ServiceHistogram() (h *hdrhistogram.Snapshot, sumNanos, maxNanos int64) {
	if !r.serviceTime {
		return nil, 0, 0
	}
	m := hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		if sh.svc != nil {
			m.Merge(sh.svc)
			sumNanos += sh.svcSumNanos
			maxNanos = max(maxNanos, sh.svcMaxNanos)
		}
		sh.mu.Unlock()
	}
	return m.Export(), sumNanos, maxNanos
}

// NewLatencyHistogram returns an empty histogram with the geometry of the
// run's latency histograms (microseconds, 1 µs to 10 min, 2 significant
// digits), for merging them — as trafficsim merge does across shards.
func NewLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
}
