package metrics

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultLatencyBuckets are the trafficsim_request_duration_seconds buckets: HTTP
// latency from 1ms to 30s, dense where APIs usually answer (5ms–1s).
var DefaultLatencyBuckets = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.35, 0.5,
	0.75, 1, 1.5, 2.5, 5, 10, 20, 30,
}

// DefaultSessionBuckets are the trafficsim_session_duration_seconds buckets: a
// session lasts from about a second to tens of minutes.
var DefaultSessionBuckets = []float64{1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// Option tunes a Run.
type Option func(*options)

type options struct {
	shards         int
	latencyBuckets []float64
	sessionBuckets []float64
	serviceTime    bool
}

// WithShards sets how many shards the per-request statistics are split into
// (rounded up to a power of two, at most 256). The default scales with
// GOMAXPROCS. More shards mean less lock contention and more memory.
func WithShards(n int) Option { return func(o *options) { o.shards = n } }

// WithLatencyBuckets replaces DefaultLatencyBuckets (seconds, increasing).
func WithLatencyBuckets(b []float64) Option { return func(o *options) { o.latencyBuckets = b } }

// WithServiceTime records the service time (from the actual send) apart from
// the latency (from the intended send time): the open model, where the two
// differ. Without it, samples' service time is taken to be their latency.
func WithServiceTime() Option { return func(o *options) { o.serviceTime = true } }

// WithSessionBuckets replaces DefaultSessionBuckets (seconds, increasing).
func WithSessionBuckets(b []float64) Option { return func(o *options) { o.sessionBuckets = b } }

// defaultShards is the next power of two ≥ 2×GOMAXPROCS, within [4, 16]: enough
// that VUs on different cores rarely share a lock, few enough that the per-shard
// HDR histograms (≈24 KiB per endpoint seen) stay small. On one core it is
// one: no lock is ever contended there, and every request records into the
// same rows, which stay in the cache (2% less CPU a journey request than four
// shards, bench/run.sh p).
func defaultShards() int {
	p := runtime.GOMAXPROCS(0)
	if p == 1 {
		return 1
	}
	return min(max(2*p, 4), 16)
}

// Run records one run. It implements Recorder; all methods are safe for
// concurrent use.
//
// Prometheus: each Run owns its collectors, with the run id as a constant label,
// and registers them on the given registry. Parallel runs on one registry thus
// never share a child series, and Unregister removes exactly this run's series
// in one step. (Shared vectors with DeletePartialMatch would race: a VU of the
// ending run that records after the delete silently re-creates its series.)
// The same run id cannot be registered twice on one registry.
type Run struct {
	info RunInfo
	reg  prometheus.Registerer

	requests        *requestCollector
	transport       *transportCollector
	virtualUsers    *prometheus.GaugeVec
	sessions        *prometheus.CounterVec
	sessionDuration *prometheus.HistogramVec
	journeys        *prometheus.CounterVec
	tokenOps        *prometheus.CounterVec
	foreign         *prometheus.CounterVec
	runInfo         prometheus.Gauge
	dropped         prometheus.Counter
	targetVUs       prometheus.Gauge
	targetRate      prometheus.Gauge
	droppedN        counter
	serviceTime     bool

	shards        []shard
	shardMask     uint
	bucketSeconds []float64       // upper bounds of trafficsim_request_duration_seconds
	bounds        []time.Duration // the same, for Record's bucket search

	vuGauges [numVUStates]prometheus.Gauge
	vuCounts [numVUStates]counter

	archetypes sync.Map // string → *archetypeCell
	tokens     sync.Map // string → *tokenCell

	statsMu sync.Mutex // serialises Stats so the merge scratch can be reused
	scratch mergeScratch

	unregisterOnce sync.Once
}

// NewRun creates the collectors of a run and registers them on reg (nil: the
// run keeps only its in-process statistics).
func NewRun(info RunInfo, reg prometheus.Registerer, opts ...Option) (*Run, error) {
	if info.ID == "" {
		return nil, errors.New("new metrics run: RunInfo.ID is empty; every series needs the run id")
	}
	o := options{shards: defaultShards(), latencyBuckets: DefaultLatencyBuckets, sessionBuckets: DefaultSessionBuckets}
	for _, opt := range opts {
		opt(&o)
	}
	if o.shards < 1 || o.shards > 256 {
		return nil, fmt.Errorf("new metrics run %q: shards = %d, want 1..256", info.ID, o.shards)
	}
	if err := checkBuckets("latency", o.latencyBuckets); err != nil {
		return nil, fmt.Errorf("new metrics run %q: %w", info.ID, err)
	}
	if err := checkBuckets("session", o.sessionBuckets); err != nil {
		return nil, fmt.Errorf("new metrics run %q: %w", info.ID, err)
	}
	n := 1
	for n < o.shards {
		n <<= 1
	}

	run := prometheus.Labels{"run": info.ID}
	r := &Run{
		info: info,
		reg:  reg,
		virtualUsers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trafficsim_virtual_users", ConstLabels: run,
			Help: "Virtual users by state (active: working, thinking: pausing between requests, done: finished, parked: above the current stage target).",
		}, []string{"state"}),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_sessions_total", ConstLabels: run,
			Help: "Finished user sessions by archetype.",
		}, []string{"archetype"}),
		sessionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "trafficsim_session_duration_seconds", ConstLabels: run, Buckets: o.sessionBuckets,
			Help: "Duration of finished user sessions by archetype.",
		}, []string{"archetype"}),
		journeys: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_journeys_total", ConstLabels: run,
			Help: "Archetype journeys by result (completed, or aborted by stop, duration or errors).",
		}, []string{"archetype", "result"}),
		tokenOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_token_operations_total", ConstLabels: run,
			Help: "Token operations (login, refresh, logout) by result (success, failure).",
		}, []string{"op", "result"}),
		foreign: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trafficsim_foreign_records_skipped_total", ConstLabels: run,
			Help: "Records the run remembered whose id, read before a change or delete, held a record that is not the run's (the target handed the id out again); left alone.",
		}, []string{"kind"}),
		runInfo: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trafficsim_run_info",
			ConstLabels: prometheus.Labels{
				"run": info.ID, "scenario": info.Scenario, "target": info.Target, "version": info.Version,
			},
			Help: "Always 1; labels describe the run (scenario, target, engine version).",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trafficsim_dropped_iterations_total", ConstLabels: run,
			Help: "Open model: arrivals that found no free virtual user in the pool (raise --max-vus).",
		}),
		targetVUs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trafficsim_target_virtual_users", ConstLabels: run,
			Help: "Virtual users the load model asks for now (closed model: ramp-up and stages; open model: the pool size).",
		}),
		targetRate: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trafficsim_target_arrival_rate", ConstLabels: run,
			Help: "Open model: arrivals per second the load model asks for now (0 in the closed model).",
		}),
		serviceTime:   o.serviceTime,
		shards:        make([]shard, n),
		shardMask:     uint(n - 1),
		bucketSeconds: slices.Clone(o.latencyBuckets),
	}
	for _, b := range r.bucketSeconds {
		r.bounds = append(r.bounds, time.Duration(math.Round(b*float64(time.Second))))
	}
	r.requests = newRequestCollector(r)
	r.transport = newTransportCollector(run)
	r.runInfo.Set(1)
	for i := range r.shards {
		r.shards[i].init()
		if r.serviceTime {
			r.shards[i].svc = NewLatencyHistogram()
		}
	}
	for _, kind := range []string{"user", "role", "permission"} {
		r.foreign.WithLabelValues(kind) // zeros rather than gaps
	}
	for st := range numVUStates {
		// Pre-create all states so dashboards see zeros rather than gaps.
		r.vuGauges[st] = r.virtualUsers.WithLabelValues(string(vuStates[st]))
	}

	if reg != nil {
		if err := RegisterAll(reg, r.collectors()); err != nil {
			return nil, fmt.Errorf("register metrics of run %q: %w", info.ID, err)
		}
	}
	return r, nil
}

func checkBuckets(what string, b []float64) error {
	if len(b) == 0 {
		return fmt.Errorf("%s buckets are empty", what)
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			return fmt.Errorf("%s buckets must increase: %g follows %g", what, b[i], b[i-1])
		}
	}
	return nil
}

func (r *Run) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		r.requests, r.virtualUsers, r.sessions,
		r.sessionDuration, r.journeys, r.tokenOps, r.foreign, r.runInfo,
		r.dropped, r.targetVUs, r.targetRate, r.transport,
	}
}

// Info returns what the run was created with.
func (r *Run) Info() RunInfo { return r.info }

// Unregister removes every series of this run from the registry. Other runs on
// the same registry keep theirs. Recording after Unregister still updates the
// in-process statistics. Safe to call more than once.
func (r *Run) Unregister() {
	r.unregisterOnce.Do(func() {
		if r.reg == nil {
			return
		}
		for _, c := range r.collectors() {
			r.reg.Unregister(c)
		}
	})
}

// VU states, indexed for the fixed-size counters.
const numVUStates = 4

var vuStates = [numVUStates]VUState{VUActive, VUThinking, VUDone, VUParked}

func vuIndex(s VUState) int {
	switch s {
	case VUActive:
		return 0
	case VUThinking:
		return 1
	case VUDone:
		return 2
	case VUParked:
		return 3
	}
	return -1
}

// VUTransition moves one VU between states; from is "" when the VU starts.
// Unknown states are ignored (they would be unbounded label values).
func (r *Run) VUTransition(from, to VUState) {
	if i := vuIndex(from); i >= 0 {
		r.vuCounts[i].add(-1)
		r.vuGauges[i].Dec()
	}
	if i := vuIndex(to); i >= 0 {
		r.vuCounts[i].add(1)
		r.vuGauges[i].Inc()
	}
}

type archetypeCell struct {
	vus, sessions, completed, aborted, durNanos counter

	sessionsCtr  prometheus.Counter
	completedCtr prometheus.Counter
	abortedCtr   prometheus.Counter
	durObs       prometheus.Observer
}

func (r *Run) archetype(name string) *archetypeCell {
	if c, ok := r.archetypes.Load(name); ok {
		return c.(*archetypeCell)
	}
	c := &archetypeCell{
		sessionsCtr:  r.sessions.WithLabelValues(name),
		completedCtr: r.journeys.WithLabelValues(name, "completed"),
		abortedCtr:   r.journeys.WithLabelValues(name, "aborted"),
		durObs:       r.sessionDuration.WithLabelValues(name),
	}
	actual, _ := r.archetypes.LoadOrStore(name, c)
	return actual.(*archetypeCell)
}

// AssignArchetype counts a VU given the archetype (once per VU).
func (r *Run) AssignArchetype(archetype string) {
	r.archetype(archetype).vus.add(1)
}

// Session records the end of one session of a VU with the archetype.
func (r *Run) Session(archetype string, d time.Duration, journeyCompleted bool) {
	c := r.archetype(archetype)
	c.sessions.add(1)
	c.durNanos.add(int64(d))
	c.sessionsCtr.Inc()
	c.durObs.Observe(d.Seconds())
	if journeyCompleted {
		c.completed.add(1)
		c.completedCtr.Inc()
	} else {
		c.aborted.add(1)
		c.abortedCtr.Inc()
	}
}

type tokenCell struct {
	success, failure       counter
	successCtr, failureCtr prometheus.Counter
}

// TokenOp records a login, refresh or logout and whether it succeeded.
func (r *Run) TokenOp(op string, ok bool) {
	v, found := r.tokens.Load(op)
	if !found {
		v, _ = r.tokens.LoadOrStore(op, &tokenCell{
			successCtr: r.tokenOps.WithLabelValues(op, "success"),
			failureCtr: r.tokenOps.WithLabelValues(op, "failure"),
		})
	}
	c := v.(*tokenCell)
	if ok {
		c.success.add(1)
		c.successCtr.Inc()
	} else {
		c.failure.add(1)
		c.failureCtr.Inc()
	}
}

// ForeignSkipped counts a remembered record whose id now holds a record that
// is not the run's (kind: user, role or permission).
func (r *Run) ForeignSkipped(kind string) { r.foreign.WithLabelValues(kind).Inc() }

// DroppedIteration counts an arrival that found no free VU (open model).
func (r *Run) DroppedIteration() {
	r.droppedN.add(1)
	r.dropped.Inc()
}

// SetTarget publishes what the load model asks for now: virtual users and, in
// the open model, arrivals per second.
func (r *Run) SetTarget(vus int, rate float64) {
	r.targetVUs.Set(float64(vus))
	r.targetRate.Set(rate)
}

var _ Recorder = (*Run)(nil)
