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

// LatencyHistograms returns, per endpoint, the HDR histogram of every latency
// recorded so far (microseconds, the geometry Stats uses), merged over the
// shards. Each snapshot is an independent copy: callers may keep it, merge it
// with others (a group's percentiles) or subtract an earlier one (a sliding
// window) without holding any sample. About 24 KiB per endpoint; meant for
// periodic use such as threshold windows, not per request.
func (r *Run) LatencyHistograms() map[EndpointKey]*hdrhistogram.Snapshot {
	merged := map[epKey]*hdrhistogram.Histogram{}
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for k, ep := range sh.eps {
			h := merged[k]
			if h == nil {
				h = hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
				merged[k] = h
			}
			h.Merge(ep.hist)
		}
		sh.mu.Unlock()
	}
	out := make(map[EndpointKey]*hdrhistogram.Snapshot, len(merged))
	for k, h := range merged {
		out[EndpointKey{Group: k.group, Method: k.method, Route: k.route, Capability: k.capability}] = h.Export()
	}
	return out
}
