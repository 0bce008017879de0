package metrics

import (
	"github.com/HdrHistogram/hdrhistogram-go"
)

// EndpointKey identifies one endpoint row of a run's statistics.
type EndpointKey struct {
	Group  string
	Method string
	Route  string
	// Capability is the catalog endpoint id ("" for plain requests).
	Capability string
}

// eachShard calls f with each shard in turn, under that shard's lock.
func (r *Run) eachShard(f func(sh *shard)) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		f(sh)
		sh.mu.Unlock()
	}
}

// entry is m[k], made by mk and kept on first use.
func entry[K comparable, V any](m map[K]*V, k K, mk func() *V) *V {
	v := m[k]
	if v == nil {
		v = mk()
		m[k] = v
	}
	return v
}

// serviceAcc sums the shards' service times.
type serviceAcc struct {
	hist               *hdrhistogram.Histogram
	sumNanos, maxNanos int64
}

// add merges one (locked) shard's service times; a shard without them (the
// run does not record service time apart) adds nothing.
func (a *serviceAcc) add(sh *shard) {
	if sh.svc == nil {
		return
	}
	a.hist.Merge(sh.svc)
	a.sumNanos += sh.svcSumNanos
	a.maxNanos = max(a.maxNanos, sh.svcMaxNanos)
}

// LatencyHistograms returns, per endpoint, the HDR histogram of every latency
// recorded so far (microseconds, the geometry Stats uses), merged over the
// shards. Each snapshot is an independent copy: callers may keep it, merge it
// with others (a group's percentiles) or subtract an earlier one (a sliding
// window) without holding any sample. About 24 KiB per endpoint; meant for
// periodic use such as threshold windows, not per request.
func (r *Run) LatencyHistograms() map[EndpointKey]*hdrhistogram.Snapshot {
	merged := map[epKey]*hdrhistogram.Histogram{}
	r.eachShard(func(sh *shard) {
		for k, ep := range sh.eps {
			entry(merged, k, NewLatencyHistogram).Merge(ep.recorded())
		}
	})
	out := make(map[EndpointKey]*hdrhistogram.Snapshot, len(merged))
	for k, h := range merged {
		out[EndpointKey{Group: k.group, Method: k.method, Route: k.route, Capability: k.capability}] = h.Export()
	}
	return out
}

// ServiceHistogram returns the HDR histogram of the service times recorded so
// far (microseconds), merged over the shards, with their exact sum and maximum
// in nanoseconds; nil when the run does not record service time apart (closed
// model: the service time is the latency). A shard of a sharded run carries it
// in its summary so that merge can combine the service percentiles exactly.
func (r *Run) ServiceHistogram() (h *hdrhistogram.Snapshot, sumNanos, maxNanos int64) {
	if !r.serviceTime {
		return nil, 0, 0
	}
	acc := serviceAcc{hist: NewLatencyHistogram()}
	r.eachShard(acc.add)
	return acc.hist.Export(), acc.sumNanos, acc.maxNanos
}
