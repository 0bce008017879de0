package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// requestCollector exports the per-request series — trafficsim_requests_total,
// trafficsim_request_duration_seconds and trafficsim_request_errors_total — from
// the shards at scrape time. Record thus touches no shared Prometheus child:
// the cost of a request is one uncontended lock and plain increments, and the
// merge (O(shards × series)) happens once per scrape instead.
type requestCollector struct {
	r        *Run
	requests *prometheus.Desc
	duration *prometheus.Desc
	service  *prometheus.Desc
	errors   *prometheus.Desc
}

func newRequestCollector(r *Run) *requestCollector {
	run := prometheus.Labels{"run": r.info.ID}
	return &requestCollector{
		r: r,
		requests: prometheus.NewDesc("trafficsim_requests_total",
			"Requests sent by virtual users, by endpoint group, method, route template, capability (the catalog endpoint id; empty for plain requests), HTTP status (\"none\" when no response arrived) and whether the outcome was the one the virtual user intended.",
			[]string{"group", "method", "route", "capability", "status", "expected"}, run),
		duration: prometheus.NewDesc("trafficsim_request_duration_seconds",
			"Request latency as the virtual user saw it, until the response was read or the request failed; from the send, or in the open model from the intended send time (coordinated omission corrected).",
			[]string{"group", "method", "route", "capability"}, run),
		service: prometheus.NewDesc("trafficsim_request_service_seconds",
			"Request service time, from the actual send until the response was read or the request failed; equals trafficsim_request_duration_seconds in the closed model.",
			[]string{"group", "method", "route", "capability"}, run),
		errors: prometheus.NewDesc("trafficsim_request_errors_total",
			"Failed requests by endpoint group and kind (timeout, connection, circuit_open, canceled, protocol, unexpected_status).",
			[]string{"group", "kind"}, run),
	}
}

func (c *requestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.duration
	ch <- c.service
	ch <- c.errors
}

type statusKey struct {
	ep     epKey
	status int
}

type histAgg struct {
	ex          exemplar
	buckets     []uint64
	sumNanos    int64
	svcBuckets  []uint64
	svcSumNanos int64
}

// add sums one endpoint cell's buckets (made to its size on first use).
func (h *histAgg) add(ep *endpointCell) {
	h.buckets = addBuckets(h.buckets, ep.buckets)
	h.sumNanos += ep.sumNanos
	if ep.ex.at.After(h.ex.at) {
		h.ex = ep.ex // the newest exemplar
	}
	// Without service time apart, the service time is the latency.
	svc, svcSum := ep.svcBuckets, ep.svcSumNanos
	if svc == nil {
		svc, svcSum = ep.buckets, ep.sumNanos
	}
	h.svcBuckets = addBuckets(h.svcBuckets, svc)
	h.svcSumNanos += svcSum
}

func addBuckets(sum, b []uint64) []uint64 {
	if sum == nil {
		sum = make([]uint64, len(b))
	}
	for i, n := range b {
		sum[i] += n
	}
	return sum
}

func (c *requestCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.r
	statuses := map[statusKey]statusCell{}
	hists := map[epKey]*histAgg{}
	errs := map[errKey]int64{}
	r.eachShard(func(sh *shard) {
		for k, ep := range sh.eps {
			entry(hists, k, func() *histAgg { return new(histAgg) }).add(ep)
			for code, st := range ep.statuses {
				agg := statuses[statusKey{k, code}]
				agg.expected += st.expected
				agg.unexpected += st.unexpected
				statuses[statusKey{k, code}] = agg
			}
		}
		for k, n := range sh.errs {
			errs[k] += n
		}
	})

	for k, st := range statuses {
		code := StatusLabel(k.status)
		// Only outcomes that happened get a series: no expected="false" zeros.
		if st.expected > 0 {
			ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(st.expected),
				k.ep.group, k.ep.method, k.ep.route, k.ep.capability, code, "true")
		}
		if st.unexpected > 0 {
			ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(st.unexpected),
				k.ep.group, k.ep.method, k.ep.route, k.ep.capability, code, "false")
		}
	}
	for k, h := range hists {
		count, cum := r.cumulative(h.buckets)
		ch <- withExemplar(prometheus.MustNewConstHistogram(c.duration, count, float64(h.sumNanos)/1e9, cum,
			k.group, k.method, k.route, k.capability), h.ex)
		count, cum = r.cumulative(h.svcBuckets)
		ch <- prometheus.MustNewConstHistogram(c.service, count, float64(h.svcSumNanos)/1e9, cum,
			k.group, k.method, k.route, k.capability)
	}
	for k, n := range errs {
		ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, float64(n), k.group, k.kind)
	}
}

// cumulative turns per-bucket counts into Prometheus's cumulative buckets.
func (r *Run) cumulative(buckets []uint64) (uint64, map[float64]uint64) {
	cum := make(map[float64]uint64, len(r.bucketSeconds))
	var count uint64
	for b, n := range buckets {
		count += n
		if b < len(r.bucketSeconds) {
			cum[r.bucketSeconds[b]] = count
		}
	}
	return count, cum
}

// withExemplar attaches the newest traced request to a latency histogram, so a
// dashboard links the bucket to its trace (served in the OpenMetrics format).
func withExemplar(m prometheus.Metric, ex exemplar) prometheus.Metric {
	if ex.traceID == "" {
		return m
	}
	return prometheus.MustNewMetricWithExemplars(m, prometheus.Exemplar{
		Value: ex.seconds, Labels: prometheus.Labels{"trace_id": ex.traceID}, Timestamp: ex.at,
	})
}
