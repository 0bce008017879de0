package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Pool is an endpoint group's connection pool as a scrape sees it.
type Pool struct {
	Group        string
	Active, Idle int
	WireBytes    int64 // answer bodies as received
	DecodedBytes int64 // the same after decoding (gzip)
}

// transportCollector exports trafficsim_connections and
// trafficsim_received_bytes_total from the client's pools at scrape time;
// nothing is recorded per request.
type transportCollector struct {
	pools atomic.Pointer[func() []Pool]
	conns *prometheus.Desc
	bytes *prometheus.Desc
}

func newTransportCollector(run prometheus.Labels) *transportCollector {
	return &transportCollector{
		conns: prometheus.NewDesc("trafficsim_connections",
			"Connections to the target by endpoint group pool and state (active: carrying a request, idle: kept for reuse).",
			[]string{"group", "state"}, run),
		bytes: prometheus.NewDesc("trafficsim_received_bytes_total",
			"Answer body bytes by endpoint group, as received on the wire (form=wire) and decoded (form=decoded; larger with gzip).",
			[]string{"group", "form"}, run),
	}
}

func (c *transportCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.bytes
}

func (c *transportCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.pools.Load()
	if f == nil {
		return
	}
	for _, p := range (*f)() {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.Active), p.Group, "active")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.Idle), p.Group, "idle")
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(p.WireBytes), p.Group, "wire")
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(p.DecodedBytes), p.Group, "decoded")
	}
}

// SetPools makes the run's scrapes report the client's connection pools.
func (r *Run) SetPools(f func() []Pool) { r.transport.pools.Store(&f) }
