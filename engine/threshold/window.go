package threshold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// Snapshot is a cumulative reading of a run: everything since it started.
type Snapshot struct {
	At         time.Time
	Stats      metrics.Stats
	Histograms map[metrics.EndpointKey]*hdrhistogram.Snapshot
}

// Source takes a Snapshot of a run; ok is false while the run has no
// statistics yet (it is still starting).
type Source func() (s Snapshot, ok bool)

// RunSource reads the run that current returns (nil while it is starting).
func RunSource(current func() *metrics.Run) Source {
	return func() (Snapshot, bool) {
		r := current()
		if r == nil {
			return Snapshot{}, false
		}
		// Histograms first: Stats taken after them never counts fewer requests,
		// so a window never holds more latencies than requests.
		h := r.LatencyHistograms()
		return Snapshot{At: time.Now(), Stats: r.Stats(), Histograms: h}, true
	}
}

// Options tune a Monitor.
type Options struct {
	// Window is the length of the sliding window; 0 judges the whole run only.
	Window time.Duration
	// Step is how often a window is judged; 0 means Window/10 within 1s–10s.
	Step time.Duration
	// OnAbort is called once, from the Monitor's goroutine, when a threshold
	// marked abort fails over a window. The caller stops the run.
	OnAbort func(Result)
	// OnVerdicts, when set, is told every set of verdicts: a window's while
	// the run goes on, the whole run's at its end (metrics.ThresholdGauge
	// shows them).
	OnVerdicts func([]Result)
	Logger     *slog.Logger
}

// MinWindow is the shortest sliding window: shorter ones judge too few
// requests to mean anything.
const MinWindow = 5 * time.Second

// Monitor judges thresholds over sliding windows while a run goes on, and
// over the whole run at its end.
//
// A window is the difference of two cumulative snapshots, kept as per-step
// deltas: counters, and the non-zero cells of each endpoint's HDR histogram
// (sparse, so a step holds only the latencies seen in it). Memory is bounded
// by the number of steps in a window, never by the number of requests.
type Monitor struct {
	ts   []Threshold
	src  Source
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	start   time.Time
	last    time.Time
	prev    map[endpointKey]*cumulative
	geom    *hdrhistogram.Snapshot // geometry of the histograms (Counts unused)
	cells   int                    // length of their counts
	slots   []slot                 // oldest first
	windows []WindowResult
	aborted int // index of the threshold that stopped the run; -1: none
}

type cumulative struct {
	requests, unexpected, success, serverErr, network int64
	sumNanos                                          int64
	counts                                            []int64
}

// slot is the traffic of one step.
type slot struct {
	end time.Time
	dur time.Duration
	eps map[endpointKey]*delta
}

type delta struct {
	requests, unexpected, success, serverErr, network int64
	sumNanos                                          int64
	idx                                               []int32 // histogram cells that grew
	n                                                 []int64 // by how much
}

// NewMonitor prepares the evaluation of ts. The run is taken to start now.
func NewMonitor(ts []Threshold, src Source, opts Options) (*Monitor, error) {
	if opts.Window < 0 || (opts.Window > 0 && opts.Window < MinWindow) {
		return nil, fmt.Errorf("threshold window %s: use 0 (whole run only) or at least %s", opts.Window, MinWindow)
	}
	if opts.Window == 0 {
		for _, t := range ts {
			if t.Abort {
				return nil, fmt.Errorf("threshold %s has ;abort but no window is set; set --threshold-window (e.g. 30s) or drop ;abort", t.Expr)
			}
		}
	}
	if opts.Step <= 0 {
		opts.Step = min(max(opts.Window/10, time.Second), 10*time.Second)
	}
	if opts.Window > 0 && opts.Step > opts.Window {
		return nil, errors.New("threshold window step must not exceed the window")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	now := time.Now()
	m := &Monitor{
		ts: ts, src: src, opts: opts, log: opts.Logger,
		start: now, last: now,
		prev:    map[endpointKey]*cumulative{},
		aborted: -1,
	}
	if opts.Window > 0 {
		m.windows = make([]WindowResult, len(ts))
		for i := range m.windows {
			m.windows[i].Seconds = opts.Window.Seconds()
		}
	}
	return m, nil
}

// Run judges the windows every step until ctx ends. Without a window it
// returns at once.
func (m *Monitor) Run(ctx context.Context) {
	if m.opts.Window == 0 || m.src == nil {
		return
	}
	tick := time.NewTicker(m.opts.Step)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if s, ok := m.src(); ok {
				m.Observe(s)
			}
		}
	}
}

// Observe adds a cumulative snapshot and, once a full window has passed since
// the start, judges the window that ends at s.At.
func (m *Monitor) Observe(s Snapshot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observe(s)
}

func (m *Monitor) observe(s Snapshot) {
	if m.opts.Window == 0 || !s.At.After(m.last) {
		return
	}
	m.addSlot(s)
	if s.At.Sub(m.start) < m.opts.Window {
		return // a partial window would judge a ramp-up as if it were the load
	}
	rs := Evaluate(m.ts, m.windowData())
	abortNow := -1
	judged := rs[:0:0]
	for i, r := range rs {
		if r.Note != "" {
			continue // no traffic in scope: nothing to judge
		}
		judged = append(judged, r)
		w := &m.windows[i]
		if w.Evaluated == 0 || m.ts[i].Op.worse(r.Observed, w.Worst) {
			w.Worst = r.Observed
		}
		w.Evaluated++
		if !r.Pass {
			w.Failed++
			if w.FirstFailedAt == nil {
				at := s.At.UTC()
				w.FirstFailedAt = &at
			}
			if m.ts[i].Abort && m.aborted < 0 && abortNow < 0 {
				abortNow = i
			}
		}
	}
	if m.opts.OnVerdicts != nil {
		m.opts.OnVerdicts(judged)
	}
	if abortNow >= 0 {
		m.aborted = abortNow
		r := rs[abortNow]
		r.Aborted = true
		m.log.Warn("threshold failed over the window; stopping the run",
			"threshold", r.Expr, "observed", FormatValue(r.Unit, r.Observed), "window", m.opts.Window)
		if m.opts.OnAbort != nil {
			m.opts.OnAbort(r)
		}
	}
}

// addSlot records the traffic since the previous snapshot as one slot and
// drops the slots that fell out of the window.
func (m *Monitor) addSlot(s Snapshot) {
	sl := slot{end: s.At, dur: s.At.Sub(m.last), eps: map[endpointKey]*delta{}}
	m.last = s.At
	for _, e := range s.Stats.Endpoints {
		k := endpointKey{Group: e.Group, Method: e.Method, Route: e.Route, Capability: e.Capability}
		cur := cumulative{
			requests:   e.Requests,
			unexpected: e.Requests - e.Expected,
			sumNanos:   int64(e.Latency.Mean) * e.Requests,
		}
		cur.success, cur.serverErr, cur.network = classify(e.Statuses)
		p := m.prev[k]
		if p == nil {
			p = &cumulative{}
			m.prev[k] = p
		}
		if cur.requests == p.requests {
			continue
		}
		d := &delta{
			requests:   cur.requests - p.requests,
			unexpected: cur.unexpected - p.unexpected,
			success:    cur.success - p.success,
			serverErr:  cur.serverErr - p.serverErr,
			network:    cur.network - p.network,
			sumNanos:   cur.sumNanos - p.sumNanos,
		}
		if h := s.Histograms[k]; h != nil {
			if m.geom == nil {
				m.geom = &hdrhistogram.Snapshot{
					LowestTrackableValue: h.LowestTrackableValue, HighestTrackableValue: h.HighestTrackableValue,
					SignificantFigures: h.SignificantFigures,
				}
				m.cells = len(h.Counts)
			}
			if p.counts == nil {
				p.counts = make([]int64, len(h.Counts))
			}
			for i, c := range h.Counts {
				if i < len(p.counts) && c > p.counts[i] {
					d.idx = append(d.idx, int32(i))
					d.n = append(d.n, c-p.counts[i])
					p.counts[i] = c
				}
			}
		}
		p.requests, p.unexpected, p.success, p.serverErr, p.network, p.sumNanos =
			cur.requests, cur.unexpected, cur.success, cur.serverErr, cur.network, cur.sumNanos
		sl.eps[k] = d
	}
	m.slots = append(m.slots, sl)
	// Keep the newest slots that together span the window (the oldest kept one
	// may reach up to a step beyond it; its traffic cannot be split).
	var span time.Duration
	keep := len(m.slots)
	for i := len(m.slots) - 1; i >= 0; i-- {
		if span >= m.opts.Window-m.opts.Step/2 {
			break
		}
		span += m.slots[i].dur
		keep = i
	}
	m.slots = append(m.slots[:0], m.slots[keep:]...)
}

// windowData sums the kept slots.
func (m *Monitor) windowData() Data {
	type agg struct {
		e      endpointData
		counts []int64
	}
	aggs := map[endpointKey]*agg{}
	var order []endpointKey
	var span time.Duration
	for _, sl := range m.slots {
		span += sl.dur
		for k, d := range sl.eps {
			a := aggs[k]
			if a == nil {
				a = &agg{e: endpointData{key: k}}
				aggs[k] = a
				order = append(order, k)
			}
			a.e.requests += d.requests
			a.e.unexpected += d.unexpected
			a.e.success += d.success
			a.e.serverErr += d.serverErr
			a.e.network += d.network
			a.e.sumNanos += d.sumNanos
			if len(d.idx) > 0 && m.geom != nil {
				if a.counts == nil {
					a.counts = make([]int64, m.cells)
				}
				for j, i := range d.idx {
					if int(i) < len(a.counts) {
						a.counts[i] += d.n[j]
					}
				}
			}
		}
	}
	data := Data{Duration: span}
	for _, k := range order {
		a := aggs[k]
		if a.counts != nil {
			g := *m.geom
			g.Counts = a.counts
			a.e.hist = hdrhistogram.Import(&g)
			a.e.maxSeconds = (time.Duration(a.e.hist.Max()) * time.Microsecond).Seconds()
		}
		data.endpoints = append(data.endpoints, a.e)
	}
	return data
}

// Final judges the whole run (s is its last snapshot; elapsed how long it
// took). A threshold passes when it holds over the whole run and in every
// window judged while the run went on (Observe). No window is judged here: the
// time since the last step may be the run's stop and cleanup, which have no
// traffic to judge. The gauge, when set, shows these final verdicts.
func (m *Monitor) Final(s Snapshot, elapsed time.Duration) []Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := Evaluate(m.ts, FromStats(s.Stats, s.Histograms, elapsed))
	for i := range rs {
		if m.windows != nil {
			w := m.windows[i]
			rs[i].Window = &w
			if w.Failed > 0 {
				rs[i].Pass = false
			}
		}
		rs[i].Aborted = i == m.aborted
	}
	if m.opts.OnVerdicts != nil {
		m.opts.OnVerdicts(rs)
	}
	return rs
}

// Aborted returns the threshold that stopped the run, if one did.
func (m *Monitor) Aborted() (Threshold, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.aborted < 0 {
		return Threshold{}, false
	}
	return m.ts[m.aborted], true
}
