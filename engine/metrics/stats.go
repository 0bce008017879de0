package metrics

import (
	"cmp"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// mergeScratch holds the histograms Stats merges the shards into, kept between
// calls so that taking Stats every second does not allocate megabytes.
type mergeScratch struct {
	eps     map[epKey]*hdrhistogram.Histogram
	overall *hdrhistogram.Histogram
	service *hdrhistogram.Histogram
	events  []Event
}

type epAgg struct {
	key      epKey
	count    int64
	expected int64
	sumNanos int64
	maxNanos int64
	statuses map[int]int64
	hist     *hdrhistogram.Histogram
}

// Stats merges the shards into one view. Each shard is read under its own lock,
// so the view is exact per shard and at most a few requests apart between
// shards. It costs O(shards × endpoints) histogram merges: cheap enough to call
// every second, not meant for every request.
func (r *Run) Stats() Stats {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()

	sc := &r.scratch
	if sc.eps == nil {
		sc.eps = make(map[epKey]*hdrhistogram.Histogram)
		sc.overall = hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
	}
	for _, h := range sc.eps {
		h.Reset()
	}
	sc.overall.Reset()
	if sc.service == nil {
		sc.service = hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
	}
	sc.service.Reset()
	var svcSum, svcMax int64
	sc.events = sc.events[:0]

	st := Stats{
		Groups:     map[string]int64{},
		Errors:     map[string]int64{},
		Archetypes: map[string]ArchetypeStats{},
		TokenOps:   map[string]map[string]int64{},
		VUs:        map[VUState]int64{},
	}
	aggs := map[epKey]*epAgg{}
	var sumSeconds float64 // float: the total over a long, wide run may exceed int64 nanoseconds
	var maxNanos int64

	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for k, ep := range sh.eps {
			a := aggs[k]
			if a == nil {
				h := sc.eps[k]
				if h == nil {
					h = hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
					sc.eps[k] = h
				}
				a = &epAgg{key: k, statuses: map[int]int64{}, hist: h}
				aggs[k] = a
			}
			a.hist.Merge(ep.hist)
			a.count += ep.count
			a.expected += ep.expected
			a.sumNanos += ep.sumNanos
			a.maxNanos = max(a.maxNanos, ep.maxNanos)
			for code, c := range ep.statuses {
				a.statuses[code] += c.expected + c.unexpected
			}
		}
		for k, n := range sh.errs {
			st.Errors[k.kind] += n
		}
		if sh.svc != nil {
			sc.service.Merge(sh.svc)
			svcSum += sh.svcSumNanos
			svcMax = max(svcMax, sh.svcMaxNanos)
		}
		st.Requests += sh.requests
		st.Unexpected += sh.unexpected
		st.Outcomes.Success += sh.outcomes[outcomeSuccess]
		st.Outcomes.ClientError += sh.outcomes[outcomeClientError]
		st.Outcomes.ServerError += sh.outcomes[outcomeServerError]
		st.Outcomes.NetworkError += sh.outcomes[outcomeNetworkError]
		n := min(sh.recentNext, recentSize)
		for j := uint64(0); j < n; j++ {
			sc.events = append(sc.events, sh.recent[(sh.recentNext-1-j)%recentSize])
		}
		sh.mu.Unlock()
	}

	st.Endpoints = make([]EndpointStats, 0, len(aggs))
	for _, a := range aggs {
		sc.overall.Merge(a.hist)
		sumSeconds += float64(a.sumNanos) / 1e9
		maxNanos = max(maxNanos, a.maxNanos)
		st.Groups[a.key.group] += a.count
		st.Endpoints = append(st.Endpoints, EndpointStats{
			Method:     a.key.method,
			Route:      a.key.route,
			Group:      a.key.group,
			Capability: a.key.capability,
			Requests:   a.count,
			Expected:   a.expected,
			Statuses:   a.statuses,
			Latency:    latencyOf(a.hist, a.count, a.sumNanos, a.maxNanos),
		})
	}
	slices.SortFunc(st.Endpoints, func(x, y EndpointStats) int {
		return cmp.Or(cmp.Compare(x.Route, y.Route), cmp.Compare(x.Method, y.Method), cmp.Compare(x.Group, y.Group), cmp.Compare(x.Capability, y.Capability))
	})
	st.Latency = latencyOf(sc.overall, st.Requests, 0, maxNanos)
	if st.Requests > 0 {
		st.Latency.Mean = time.Duration(sumSeconds / float64(st.Requests) * 1e9)
	}
	st.Service = st.Latency
	if r.serviceTime {
		st.Service = latencyOf(sc.service, st.Requests, svcSum, svcMax)
	}
	st.DroppedIterations = r.droppedN.load()

	// Newest last, at most recentSize. Events of one VU are in order; across
	// shards, order by time.
	slices.SortStableFunc(sc.events, func(x, y Event) int { return x.Time.Compare(y.Time) })
	if n := len(sc.events); n > recentSize {
		sc.events = sc.events[n-recentSize:]
	}
	st.Recent = slices.Clone(sc.events)

	r.archetypes.Range(func(k, v any) bool {
		c := v.(*archetypeCell)
		as := ArchetypeStats{
			VUs:       c.vus.load(),
			Sessions:  c.sessions.load(),
			Completed: c.completed.load(),
			Aborted:   c.aborted.load(),
		}
		if as.Sessions > 0 {
			as.MeanDuration = time.Duration(c.durNanos.load() / as.Sessions)
		}
		st.Archetypes[k.(string)] = as
		return true
	})
	r.tokens.Range(func(k, v any) bool {
		c := v.(*tokenCell)
		st.TokenOps[k.(string)] = map[string]int64{"success": c.success.load(), "failure": c.failure.load()}
		return true
	})
	for i, s := range vuStates {
		st.VUs[s] = r.vuCounts[i].load()
	}
	return st
}

// latencyOf summarises a histogram in microseconds plus the exact count, sum and
// maximum in nanoseconds. Percentiles are clamped to the exact maximum because
// HDR reports the top of a value's 1% equivalence range.
func latencyOf(h *hdrhistogram.Histogram, count, sumNanos, maxNanos int64) Latency {
	if count == 0 || h.TotalCount() == 0 {
		return Latency{}
	}
	q := func(p float64) time.Duration {
		v := time.Duration(h.ValueAtQuantile(p)) * time.Microsecond
		return min(v, time.Duration(maxNanos))
	}
	return Latency{
		Mean: time.Duration(sumNanos / count),
		P50:  q(50),
		P95:  q(95),
		P99:  q(99),
		Max:  time.Duration(maxNanos),
	}
}
