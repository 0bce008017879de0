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

// reset empties the scratch for another Stats, making it on first use.
func (sc *mergeScratch) reset() {
	if sc.eps == nil {
		sc.eps = make(map[epKey]*hdrhistogram.Histogram)
		sc.overall = NewLatencyHistogram()
		sc.service = NewLatencyHistogram()
	}
	for _, h := range sc.eps {
		h.Reset()
	}
	sc.overall.Reset()
	sc.service.Reset()
	sc.events = sc.events[:0]
}

// epAgg is one endpoint's row merged over the shards.
type epAgg struct {
	key      epKey
	count    int64
	expected int64
	failed   int64
	sumNanos int64
	maxNanos int64
	statuses map[int]int64
	hist     *hdrhistogram.Histogram
}

func (a *epAgg) add(ep *endpointCell) {
	a.hist.Merge(ep.recorded())
	a.count += ep.count
	a.expected += ep.expected
	a.failed += ep.failed
	a.sumNanos += ep.sumNanos
	a.maxNanos = max(a.maxNanos, ep.maxNanos)
	for code, c := range ep.statuses {
		a.statuses[code] += c.expected + c.unexpected
	}
}

// statsMerge is one Stats call's pass over the shards.
type statsMerge struct {
	sc      *mergeScratch
	st      *Stats
	eps     map[epKey]*epAgg
	service serviceAcc
}

// addShard merges one (locked) shard: its endpoints, errors, totals, service
// times and recent requests.
func (m *statsMerge) addShard(sh *shard) {
	for k, ep := range sh.eps {
		entry(m.eps, k, func() *epAgg {
			return &epAgg{key: k, statuses: map[int]int64{}, hist: entry(m.sc.eps, k, NewLatencyHistogram)}
		}).add(ep)
	}
	for k, n := range sh.errs {
		m.st.Errors[k.kind] += n
	}
	for kind, es := range sh.samples {
		for _, msg := range es.msgs {
			AddErrorSample(m.st.ErrorSamples, kind, msg)
		}
	}
	m.service.add(sh)
	m.st.Requests += sh.requests
	m.st.Unexpected += sh.unexpected
	m.st.Outcomes.Success += sh.outcomes[outcomeSuccess]
	m.st.Outcomes.ClientError += sh.outcomes[outcomeClientError]
	m.st.Outcomes.ServerError += sh.outcomes[outcomeServerError]
	m.st.Outcomes.NetworkError += sh.outcomes[outcomeNetworkError]
	m.st.Outcomes.FailedAnswer += sh.outcomes[outcomeFailedAnswer]
	n := min(sh.recentNext, recentSize)
	for j := uint64(0); j < n; j++ {
		m.sc.events = append(m.sc.events, sh.recent[(sh.recentNext-1-j)%recentSize])
	}
}

// endpoints fills the endpoint rows, the groups and the overall latency from
// the merged endpoints.
func (m *statsMerge) endpoints() {
	st := m.st
	var sumSeconds float64 // float: the total over a long, wide run may exceed int64 nanoseconds
	var maxNanos int64
	st.Endpoints = make([]EndpointStats, 0, len(m.eps))
	for _, a := range m.eps {
		m.sc.overall.Merge(a.hist)
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
			Failed:     a.failed,
			Statuses:   a.statuses,
			Latency:    LatencyFrom(a.hist, a.count, a.sumNanos, a.maxNanos),
		})
	}
	slices.SortFunc(st.Endpoints, func(x, y EndpointStats) int {
		return cmp.Or(cmp.Compare(x.Route, y.Route), cmp.Compare(x.Method, y.Method), cmp.Compare(x.Group, y.Group), cmp.Compare(x.Capability, y.Capability))
	})
	st.Latency = LatencyFrom(m.sc.overall, st.Requests, 0, maxNanos)
	if st.Requests > 0 {
		st.Latency.Mean = time.Duration(sumSeconds / float64(st.Requests) * 1e9)
	}
}

// recent is the newest requests over the shards, newest last, at most
// recentSize. Events of one VU are in order; across shards, order by time.
func (m *statsMerge) recent() []Event {
	ev := m.sc.events
	slices.SortStableFunc(ev, func(x, y Event) int { return x.Time.Compare(y.Time) })
	if n := len(ev); n > recentSize {
		ev = ev[n-recentSize:]
	}
	return slices.Clone(ev)
}

// Stats merges the shards into one view. Each shard is read under its own lock,
// so the view is exact per shard and at most a few requests apart between
// shards. It costs O(shards × endpoints) histogram merges: cheap enough to call
// every second, not meant for every request.
func (r *Run) Stats() Stats {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	r.scratch.reset()
	st := Stats{Groups: map[string]int64{}, Errors: map[string]int64{}, ErrorSamples: map[string][]string{}}
	m := statsMerge{sc: &r.scratch, st: &st, eps: map[epKey]*epAgg{}, service: serviceAcc{hist: r.scratch.service}}
	r.eachShard(m.addShard)
	m.endpoints()
	st.Service = st.Latency
	if r.serviceTime {
		st.Service = LatencyFrom(m.service.hist, st.Requests, m.service.sumNanos, m.service.maxNanos)
	}
	st.DroppedIterations = r.droppedN.load()
	st.Recent = m.recent()
	st.Archetypes = r.archetypeStats()
	st.TokenOps = r.tokenStats()
	st.VUs = r.vuStats()
	return st
}

func (r *Run) archetypeStats() map[string]ArchetypeStats {
	out := map[string]ArchetypeStats{}
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
		out[k.(string)] = as
		return true
	})
	return out
}

func (r *Run) tokenStats() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	r.tokens.Range(func(k, v any) bool {
		c := v.(*tokenCell)
		out[k.(string)] = map[string]int64{"success": c.success.load(), "failure": c.failure.load()}
		return true
	})
	return out
}

func (r *Run) vuStats() map[VUState]int64 {
	out := make(map[VUState]int64, len(vuStates))
	for i, s := range vuStates {
		out[s] = r.vuCounts[i].load()
	}
	return out
}

// LatencyFrom summarises a latency histogram (NewLatencyHistogram) plus the
// exact count, sum and maximum in nanoseconds, as Stats does (merge too, over
// shard summaries). Percentiles are clamped to the exact maximum because
// HDR reports the top of a value's 1% equivalence range.
func LatencyFrom(h *hdrhistogram.Histogram, count, sumNanos, maxNanos int64) Latency {
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
