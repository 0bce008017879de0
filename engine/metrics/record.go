package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// recentSize is how many recent requests the live feed keeps.
const recentSize = 20

type counter struct{ v atomic.Int64 }

func (c *counter) add(n int64) { c.v.Add(n) }
func (c *counter) load() int64 { return c.v.Load() }

// epKey identifies an endpoint row; strings in a struct key hash without
// allocating.
type epKey struct{ group, method, route, capability string }

type errKey struct{ group, kind string }

// statusCell counts one status of one endpoint, split by whether the VU
// intended the outcome (the expected label).
type statusCell struct {
	expected   int64
	unexpected int64
}

// endpointCell is one endpoint's statistics within one shard: the HDR histogram
// for percentiles and the Prometheus histogram's buckets, both plain memory
// written under the shard's lock.
type endpointCell struct {
	key  epKey
	hist *hdrhistogram.Histogram // microseconds; read it through recorded
	// Latencies not yet in hist: they go in all at once when pend is full or
	// the histogram is read. One by one, each landed on a line of hist's
	// 24 KiB of counts that was cold by the next answer (a memory stall per
	// request, 2% of a journey's CPU); in a row the stalls overlap.
	pend     [16]int32
	npend    int
	count    int64
	expected int64
	failed   int64 // answers of 1xx–3xx that failed all the same (outcomeFailedAnswer)
	sumNanos int64
	maxNanos int64
	statuses map[int]*statusCell
	// The status recorded last and its cell: an endpoint mostly answers
	// with one status, found then without the map.
	lastCode int
	last     *statusCell
	buckets  []uint64 // per bucket of Run.bounds, not cumulative; last = +Inf
	// Service time apart from latency (Run.serviceTime only; nil otherwise).
	svcBuckets  []uint64
	svcSumNanos int64
	ex          exemplar // the newest traced request
}

// flush moves the pending latencies into the histogram (under the shard's
// lock).
func (ep *endpointCell) flush() {
	for _, us := range ep.pend[:ep.npend] {
		_ = ep.hist.RecordValue(int64(us)) // cannot fail: clamped to the range by LatencyMicros
	}
	ep.npend = 0
}

// recorded is the histogram of every latency recorded so far (under the
// shard's lock).
func (ep *endpointCell) recorded() *hdrhistogram.Histogram {
	ep.flush()
	return ep.hist
}

// exemplar is a traced request's latency, shown with the histogram.
type exemplar struct {
	traceID string
	seconds float64
	at      time.Time
}

// shard holds the statistics of the VUs whose index maps to it. Record locks
// only its VU's shard, so VUs on different shards never contend; Stats and the
// Prometheus collector merge the shards. Plain fields, not atomics: they are
// written under the shard's lock anyway, and no counter is shared between
// cores (shared Prometheus counters made two cores slower than one).
type shard struct {
	mu         sync.Mutex
	eps        map[epKey]*endpointCell
	slots      [MaxSlots]*endpointCell // by Sample.Slot (0: none, never set)
	errs       map[errKey]int64
	samples    map[string]*errSamples // by error kind
	requests   int64
	unexpected int64
	outcomes   [5]int64 // success, client error, server error, network error, failed answer
	recent     [recentSize]Event
	recentNext uint64 // total events written; next slot is recentNext % recentSize
	// Service time of every request (Run.serviceTime only; nil otherwise).
	svc         *hdrhistogram.Histogram
	svcSumNanos int64
	svcMaxNanos int64

	_ [64]byte // keep neighbouring shards' locks off one cache line
}

func (s *shard) init() {
	s.eps = make(map[epKey]*endpointCell)
	s.errs = make(map[errKey]int64)
	s.samples = make(map[string]*errSamples)
}

// Outcome classes, as indexed in shard.outcomes.
const (
	outcomeSuccess = iota
	outcomeClientError
	outcomeServerError
	outcomeNetworkError
	// outcomeFailedAnswer is an answer of 1xx–3xx that failed all the same:
	// a redirect not followed, or one that could not be read (too long,
	// invalid JSON, an unknown Content-Encoding). Not a success.
	outcomeFailedAnswer
)

func outcomeOf(status int) int {
	switch {
	case status <= 0:
		return outcomeNetworkError
	case status < 400:
		return outcomeSuccess
	case status < 500:
		return outcomeClientError
	default:
		return outcomeServerError
	}
}

// StatusLabel is the status label value of trafficsim_requests_total: the HTTP
// code as text, or "none" when no response arrived.
func StatusLabel(status int) string {
	if status <= 0 {
		return "none"
	}
	return strconv.Itoa(status)
}

// Record counts one request. It takes only the lock of the VU's shard and does
// not allocate once the endpoint and status have been seen in that shard.
func (r *Run) Record(s Sample) {
	sh := &r.shards[uint(s.VU)&r.shardMask]
	lat := max(s.Latency, 0)
	svc := lat
	if !s.Intended.IsZero() && !s.Start.IsZero() && s.Intended.Before(s.Start) {
		// Coordinated omission: the wait between the intended and the actual
		// send is part of what the user would have seen.
		lat += s.Start.Sub(s.Intended)
	}
	micros := LatencyMicros(lat)
	bucket := r.bucketOf(lat)
	oc := outcomeOf(s.Status)
	if oc == outcomeSuccess && s.ErrKind != "" {
		oc = outcomeFailedAnswer
	}
	var evTime time.Time
	if s.Start.IsZero() {
		evTime = time.Now()
	} else {
		evTime = s.Start.Add(svc)
	}

	key := epKey{s.Group, s.Method, s.Route, s.Capability}
	slot := uint(s.Slot)
	if slot >= MaxSlots {
		slot = 0 // out of range: found by name
	}
	sh.mu.Lock()
	ep := sh.slots[slot]
	if slot == 0 || ep == nil || ep.key != key {
		// By name; the slot (when there is one) remembers the row found.
		if ep = sh.eps[key]; ep == nil {
			ep = r.newEndpointCell(sh, key)
		}
		if slot != 0 {
			sh.slots[slot] = ep
		}
	}
	st := ep.last
	if st == nil || ep.lastCode != s.Status {
		if st = ep.statuses[s.Status]; st == nil {
			st = &statusCell{}
			ep.statuses[s.Status] = st
		}
		ep.lastCode, ep.last = s.Status, st
	}
	ep.pend[ep.npend] = int32(micros) // micros ≤ 10 min fits
	if ep.npend++; ep.npend == len(ep.pend) {
		ep.flush()
	}
	ep.buckets[bucket]++
	ep.count++
	if oc == outcomeFailedAnswer {
		ep.failed++
	}
	ep.sumNanos += int64(lat)
	ep.maxNanos = max(ep.maxNanos, int64(lat))
	if s.TraceID != "" {
		ep.ex = exemplar{traceID: s.TraceID, seconds: lat.Seconds(), at: evTime}
	}
	if sh.svc != nil {
		_ = sh.svc.RecordValue(LatencyMicros(svc))
		sh.svcSumNanos += int64(svc)
		sh.svcMaxNanos = max(sh.svcMaxNanos, int64(svc))
		ep.svcBuckets[r.bucketOf(svc)]++
		ep.svcSumNanos += int64(svc)
	}
	if s.Expected {
		st.expected++
		ep.expected++
	} else {
		st.unexpected++
		sh.unexpected++
	}
	if s.ErrKind != "" {
		sh.errs[errKey{s.Group, s.ErrKind}]++
		if s.Err != nil {
			sh.sample(s.ErrKind, s.Err)
		}
	}
	sh.requests++
	sh.outcomes[oc]++
	sh.recent[sh.recentNext%recentSize] = Event{
		Time: evTime, VU: s.VU, Method: s.Method, Route: s.Route, Status: s.Status, Latency: lat,
	}
	sh.recentNext++
	sh.mu.Unlock()
}

// bucketOf is the index of the Prometheus bucket for d: the first upper bound
// ≥ d, or len(bounds) for +Inf.
func (r *Run) bucketOf(d time.Duration) int {
	b := r.bounds
	lo, hi := 0, len(b)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b[m] < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// newEndpointCell is the slow path of Record, run once per endpoint and shard.
func (r *Run) newEndpointCell(sh *shard, key epKey) *endpointCell {
	ep := &endpointCell{
		key:      key,
		hist:     NewLatencyHistogram(),
		statuses: make(map[int]*statusCell, 4),
		buckets:  make([]uint64, len(r.bounds)+1),
	}
	if r.serviceTime {
		ep.svcBuckets = make([]uint64, len(r.bounds)+1)
	}
	sh.eps[key] = ep
	return ep
}

// MaxErrorSamples is how many distinct messages are kept per error kind.
const MaxErrorSamples = 3

// maxSampleLooks bounds how many failures of a kind a shard reads the
// message of while looking for distinct ones: a message is built (an
// allocation) per look, on failures only, and only this many times.
const maxSampleLooks = 64

// errSamples are a kind's distinct messages in one shard.
type errSamples struct {
	msgs  []string
	looks int
}

// sample keeps err's message for kind if it is new and there is room
// (under the shard's lock).
func (sh *shard) sample(kind string, err error) {
	es := sh.samples[kind]
	if es == nil {
		es = &errSamples{}
		sh.samples[kind] = es
	}
	if len(es.msgs) >= MaxErrorSamples || es.looks >= maxSampleLooks {
		return
	}
	es.looks++
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	for _, m := range es.msgs {
		if m == msg {
			return
		}
	}
	es.msgs = append(es.msgs, msg)
}

// AddErrorSample adds msg to samples[kind] when new and there is room.
func AddErrorSample(samples map[string][]string, kind, msg string) {
	if len(samples[kind]) >= MaxErrorSamples {
		return
	}
	for _, m := range samples[kind] {
		if m == msg {
			return
		}
	}
	samples[kind] = append(samples[kind], msg)
}
