package usersvc

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Fault kinds, indexes into metrics.faults.
const (
	faultError = iota
	faultLatency
	faultRateLimit
)

var faultKinds = [...]string{"error", "latency", "rate_limit"}

// Login results (label values of usersvc_login_attempts_total).
const (
	loginSuccess = iota
	loginInvalidCredentials
	loginInactive
	loginInvalidRequest
)

var loginResults = [...]string{"success", "invalid_credentials", "inactive", "invalid_request"}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logins   [len(loginResults)]prometheus.Counter
	issued   prometheus.Counter
	refresh  prometheus.Counter
	revoked  prometheus.Counter
	faults   [][len(faultKinds)]prometheus.Counter // [group][kind]
}

// durationBuckets span a cached read (sub-millisecond) to an injected slowdown.
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// newMetrics registers every series on reg; label values known in advance are
// created at zero so dashboards see them before the first event.
func newMetrics(reg *prometheus.Registry, s *Service) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_server_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_server_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route template.",
			Buckets: durationBuckets,
		}, []string{"method", "route"}),
	}
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usersvc_login_attempts_total",
		Help: "Login attempts by result: success, invalid_credentials, inactive, invalid_request.",
	}, []string{"result"})
	for i, r := range loginResults {
		m.logins[i] = logins.WithLabelValues(r)
	}
	tokens := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usersvc_tokens_total",
		Help: "Token pairs issued at login, refreshed (rotated), and tokens revoked at logout.",
	}, []string{"op"})
	m.issued, m.refresh, m.revoked = tokens.WithLabelValues("issued"), tokens.WithLabelValues("refreshed"), tokens.WithLabelValues("revoked")
	faults := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usersvc_injected_faults_total",
		Help: "Faults injected, by kind (error, latency, rate_limit) and route group.",
	}, []string{"kind", "group"})
	m.faults = make([][len(faultKinds)]prometheus.Counter, len(Groups))
	for gi, g := range Groups {
		for ki, k := range faultKinds {
			m.faults[gi][ki] = faults.WithLabelValues(k, g)
		}
	}
	reg.MustRegister(
		m.requests, m.duration, logins, tokens, faults,
		&stateCollector{s: s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

var (
	usersDesc = prometheus.NewDesc("usersvc_users",
		"Users in the store by state (active, inactive).", []string{"state"}, nil)
	sessionsDesc = prometheus.NewDesc("usersvc_active_sessions",
		"Sessions holding a live refresh token.", nil, nil)
)

// stateCollector reads the gauges from the store and token cache at scrape time, so
// the request path keeps no extra counters for them.
type stateCollector struct{ s *Service }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- usersDesc
	ch <- sessionsDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	active, inactive := c.s.store.UserCounts()
	ch <- prometheus.MustNewConstMetric(usersDesc, prometheus.GaugeValue, float64(active), "active")
	ch <- prometheus.MustNewConstMetric(usersDesc, prometheus.GaugeValue, float64(inactive), "inactive")
	ch <- prometheus.MustNewConstMetric(sessionsDesc, prometheus.GaugeValue, float64(c.s.refreshTokens.Len()))
}
