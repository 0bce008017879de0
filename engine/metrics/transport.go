package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Pool is a connection pool as a scrape sees it: a limited endpoint group's
// own, or the one the other groups share (engine/client.SharedPool).
type Pool struct {
	Group        string
	Active, Idle int
}

// Received is an endpoint group's answer body bytes as a scrape sees them.
type Received struct {
	Group         string
	Wire, Decoded int64 // as received; the same after decoding (gzip)
}

// Transport is what the client reports at scrape time.
type Transport struct {
	Pools    []Pool
	Received []Received
}

// transportCollector exports trafficsim_connections and
// trafficsim_received_bytes_total from the client's pools at scrape time;
// nothing is recorded per request.
type transportCollector struct {
	now   atomic.Pointer[func() Transport]
	conns *prometheus.Desc
	bytes *prometheus.Desc
}

func newTransportCollector(run prometheus.Labels) *transportCollector {
	return &transportCollector{
		conns: prometheus.NewDesc("trafficsim_connections",
			"Connections to the target by pool (a limited endpoint group's own, or \"*\": the one the other groups share) and state (active: carrying a request, idle: kept for reuse).",
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
	f := c.now.Load()
	if f == nil {
		return
	}
	t := (*f)()
	for _, p := range t.Pools {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.Active), p.Group, "active")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.Idle), p.Group, "idle")
	}
	for _, r := range t.Received {
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(r.Wire), r.Group, "wire")
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(r.Decoded), r.Group, "decoded")
	}
}

// SetTransport makes the run's scrapes report the client's connection pools
// and bytes received.
func (r *Run) SetTransport(f func() Transport) { r.transport.now.Store(&f) }
