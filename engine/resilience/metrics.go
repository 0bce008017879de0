package resilience

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// collectors are the Policy's Prometheus series, each with the run id as a
// constant label (like engine/metrics, so parallel runs never share a series
// and Unregister removes exactly this run's).
type collectors struct {
	circuitState   *prometheus.GaugeVec
	transitions    *prometheus.CounterVec
	timeout        *prometheus.GaugeVec
	waits          *prometheus.CounterVec
	waitSeconds    *prometheus.CounterVec
	inFlight       prometheus.Gauge
	degradation    prometheus.Gauge
	shed           *prometheus.CounterVec
	all            []prometheus.Collector
	reg            prometheus.Registerer
	unregisterOnce sync.Once
}

func newCollectors(runID string) *collectors {
	run := prometheus.Labels{"run": runID}
	c := &collectors{
		circuitState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trafficsim_circuit_state", ConstLabels: run,
			Help: "Circuit breaker state per endpoint group: 0 closed, 1 half-open, 2 open.",
		}, []string{"group"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_circuit_transitions_total", ConstLabels: run,
			Help: "Circuit breaker state changes per endpoint group, by the state entered.",
		}, []string{"group", "to"}),
		timeout: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trafficsim_adaptive_timeout_seconds", ConstLabels: run,
			Help: "Current request timeout per route (p95 × factor within the floor and the cap).",
		}, []string{"route"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_policy_waits_total", ConstLabels: run,
			Help: "Requests held back before sending, by reason: retry_after, backoff, circuit_open, rate_limit, in_flight.",
		}, []string{"reason"}),
		waitSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_policy_wait_seconds_total", ConstLabels: run,
			Help: "Time requests were held back before sending, by reason.",
		}, []string{"reason"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trafficsim_in_flight_requests", ConstLabels: run,
			Help: "Requests on the wire now (capped by --max-in-flight).",
		}),
		degradation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trafficsim_degradation_level", ConstLabels: run,
			Help: "Graceful degradation level: 0 normal, 1 light, 2 heavy, 3 emergency.",
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_shed_actions_total", ConstLabels: run,
			Help: "Actions the VUs did not take because of the degradation level or an open breaker, by endpoint group.",
		}, []string{"group"}),
	}
	c.all = []prometheus.Collector{c.circuitState, c.transitions, c.timeout, c.waits, c.waitSeconds, c.inFlight, c.degradation, c.shed}
	return c
}

func (c *collectors) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	if err := metrics.RegisterAll(reg, c.all); err != nil {
		return fmt.Errorf("register resilience metrics: %w", err)
	}
	c.reg = reg
	return nil
}

func (c *collectors) unregister() {
	if c.reg == nil {
		return
	}
	c.unregisterOnce.Do(func() {
		for _, col := range c.all {
			c.reg.Unregister(col)
		}
	})
}
