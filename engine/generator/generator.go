// Package generator watches the engine itself — its CPU against GOMAXPROCS, its
// heap against the memory limit, and how late its timers fire — so a run can say
// when its latencies include the generator's own delay (it is saturated) and
// stop adding VUs before it runs out of memory (docs/generator.md).
package generator

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Thresholds of a saturated window (docs/generator.md).
const (
	// SaturatedCPU is the share of GOMAXPROCS the process must use over a window
	// to count as CPU-bound.
	SaturatedCPU = 0.9
	// SaturatedLag is the median timer lag over a window beyond which the
	// process is too late to keep its schedule (think times, arrivals). The
	// median, not a tail: on a busy shared machine (load 25 on 2 cores) one
	// wake-up in ten is 20 ms late and one in a hundred 120 ms while the run
	// keeps its schedule; a saturated engine's wake-ups are late by seconds.
	SaturatedLag = 20 * time.Millisecond
	// MemoryHeadroom is the share of --max-memory above which no VU is added.
	MemoryHeadroom = 0.9
)

// Window is how often the monitor takes a sample and judges it.
const Window = time.Second

// tick is the monitor's own timer: its lateness is a timer-lag sample even
// when the run has no think time.
const tick = 50 * time.Millisecond

// Options configure a Monitor.
type Options struct {
	// MaxMemory (bytes) sets the Go soft memory limit for the process and stops
	// new VUs above MemoryHeadroom of it; 0 leaves the limit alone.
	MaxMemory int64
}

// Status is the generator's state now.
type Status struct {
	Procs       int           // GOMAXPROCS
	CPU         float64       // cores used over the last window
	CPUPeak     float64       // highest CPU of a window, in cores
	Heap        uint64        // bytes the Go runtime holds (what the memory limit counts)
	HeapPeak    uint64        // highest Heap seen
	TimerLag    time.Duration // p99 of the last window's timer lag
	TimerLagP50 time.Duration // median of the last window's timer lag (judged)
	Saturated   bool          // the last window was saturated
	SatSeconds  float64       // seconds of saturated windows so far
	Reason      string        // why the last window was saturated: "cpu", "timer_lag" or "cpu,timer_lag"
	VUsRefused  int64         // VUs not added because memory was near --max-memory
	MemoryLimit int64         // the soft memory limit set (0: none)
}

// Summary is the summary's generator section (docs/summary.md); always present.
type Summary struct {
	Procs            int     `json:"procs"`
	CPUPeak          float64 `json:"cpu_peak"`          // cores, highest one-second window
	CPUPeakRatio     float64 `json:"cpu_peak_ratio"`    // cpu_peak / procs
	SaturatedSeconds float64 `json:"saturated_seconds"` // seconds whose measurements include the generator's delay
	TimerLagP99      float64 `json:"timer_lag_p99"`     // seconds, whole run
	TimerLagMax      float64 `json:"timer_lag_max"`     // seconds
	HeapPeakBytes    uint64  `json:"heap_peak_bytes"`
	MaxMemoryBytes   int64   `json:"max_memory_bytes,omitempty"`
	VUsRefused       int64   `json:"vus_refused"`
	VUsRefusedReason string  `json:"vus_refused_reason,omitempty"`
	Saturated        bool    `json:"saturated"` // any saturated second
}

// Monitor samples the process. The zero value is not usable; see New.
type Monitor struct {
	opts   Options
	procs  int
	cpuNow func() time.Duration // the process's CPU so far (processCPU; tests judge windows of their own)

	lagAll lagHist // whole run
	memHot atomic.Bool
	refuse atomic.Int64

	mu        sync.Mutex
	st        Status
	lagWindow lagCounts // lagAll at the start of the window
	cpuPrev   time.Duration
	wallPrev  time.Time
	prevLimit int64
	limitSet  bool
	samples   []metrics.Sample
}

// New makes a Monitor; Start runs it.
func New(opts Options) *Monitor {
	m := &Monitor{opts: opts, procs: runtime.GOMAXPROCS(0), cpuNow: processCPU}
	m.st.Procs = m.procs
	m.samples = []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	return m
}

// Start samples every Window until ctx ends, and sets the memory limit. Stop
// what it started with the returned function (restores the previous limit).
func (m *Monitor) Start(ctx context.Context) (stop func()) {
	if m.opts.MaxMemory > 0 {
		m.prevLimit = debug.SetMemoryLimit(m.opts.MaxMemory)
		m.limitSet = true
		m.st.MemoryLimit = m.opts.MaxMemory
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	m.cpuPrev, m.wallPrev = m.cpuNow(), time.Now()
	m.sampleMemory()
	go func() {
		defer close(done)
		m.loop(ctx)
	}()
	return func() {
		cancel()
		<-done
		m.sample(time.Now()) // the last partial window
		if m.limitSet {
			debug.SetMemoryLimit(m.prevLimit)
		}
	}
}

func (m *Monitor) loop(ctx context.Context) {
	t := time.NewTimer(tick)
	defer t.Stop()
	due := time.Now().Add(tick)
	next := m.wallPrev.Add(Window)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := time.Now() // the timer's own time leaves out the wait for a core
			m.ObserveLag(now.Sub(due))
			if !now.Before(next) {
				m.sample(now)
				next = now.Add(Window)
			}
			due = time.Now().Add(tick)
			t.Reset(tick)
		}
	}
}

// ObserveLag records how late a timer fired (a think time, an arrival). Cheap:
// two atomic adds.
func (m *Monitor) ObserveLag(d time.Duration) {
	if m == nil {
		return
	}
	m.lagAll.observe(d)
}

// AdmitVU reports whether a new VU may start: false (and counted) while the
// process is within MemoryHeadroom of --max-memory.
func (m *Monitor) AdmitVU() bool {
	if m == nil || !m.memHot.Load() {
		return true
	}
	m.refuse.Add(1)
	return false
}

func (m *Monitor) sampleMemory() uint64 {
	metrics.Read(m.samples)
	var used uint64
	if m.samples[0].Value.Kind() == metrics.KindUint64 {
		used = m.samples[0].Value.Uint64() - m.samples[1].Value.Uint64()
	}
	if m.opts.MaxMemory > 0 {
		m.memHot.Store(float64(used) >= MemoryHeadroom*float64(m.opts.MaxMemory))
	}
	return used
}

func (m *Monitor) sample(now time.Time) {
	heap := m.sampleMemory()
	cpu := m.cpuNow()
	m.mu.Lock()
	defer m.mu.Unlock()
	wall := now.Sub(m.wallPrev)
	if wall < Window/2 {
		return // the stop's short last window: too few samples to judge
	}
	cores := float64(cpu-m.cpuPrev) / float64(wall)
	m.cpuPrev, m.wallPrev = cpu, now
	cur := m.lagAll.counts()
	win := cur.minus(m.lagWindow)
	m.lagWindow = cur
	st := &m.st
	st.CPU = cores
	st.CPUPeak = max(st.CPUPeak, cores)
	st.Heap = heap
	st.HeapPeak = max(st.HeapPeak, heap)
	st.TimerLag = win.quantile(0.99)
	st.TimerLagP50 = win.quantile(0.5)
	st.VUsRefused = m.refuse.Load()
	st.Reason = ""
	if cores >= SaturatedCPU*float64(m.procs) {
		st.Reason = "cpu"
	}
	if st.TimerLagP50 >= SaturatedLag {
		if st.Reason != "" {
			st.Reason += ","
		}
		st.Reason += "timer_lag"
	}
	st.Saturated = st.Reason != ""
	if st.Saturated {
		st.SatSeconds += wall.Seconds()
	}
}

// Status is the state as of the last window.
func (m *Monitor) Status() Status {
	if m == nil {
		return Status{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.st
	s.VUsRefused = m.refuse.Load()
	return s
}

// Summary is the run's generator section.
func (m *Monitor) Summary() Summary {
	if m == nil {
		return Summary{}
	}
	st := m.Status()
	all := m.lagAll.counts()
	s := Summary{
		Procs:            st.Procs,
		CPUPeak:          round(st.CPUPeak, 3),
		CPUPeakRatio:     round(st.CPUPeak/float64(max(st.Procs, 1)), 3),
		SaturatedSeconds: round(st.SatSeconds, 1),
		TimerLagP99:      round(all.quantile(0.99).Seconds(), 4),
		TimerLagMax:      round(all.quantile(1).Seconds(), 4),
		HeapPeakBytes:    st.HeapPeak,
		MaxMemoryBytes:   st.MemoryLimit,
		VUsRefused:       st.VUsRefused,
		Saturated:        st.SatSeconds > 0,
	}
	if s.VUsRefused > 0 {
		s.VUsRefusedReason = "memory near --max-memory"
	}
	return s
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// MergeSummaries combines the generator sections of shards: each shard ran on
// its own machine, so the worst of each figure stands for the run.
func MergeSummaries(a, b Summary) Summary {
	a.Procs = max(a.Procs, b.Procs)
	a.CPUPeak = max(a.CPUPeak, b.CPUPeak)
	a.CPUPeakRatio = max(a.CPUPeakRatio, b.CPUPeakRatio)
	a.SaturatedSeconds = max(a.SaturatedSeconds, b.SaturatedSeconds)
	a.TimerLagP99 = max(a.TimerLagP99, b.TimerLagP99)
	a.TimerLagMax = max(a.TimerLagMax, b.TimerLagMax)
	a.HeapPeakBytes = max(a.HeapPeakBytes, b.HeapPeakBytes)
	a.MaxMemoryBytes = max(a.MaxMemoryBytes, b.MaxMemoryBytes)
	a.VUsRefused += b.VUsRefused
	if a.VUsRefusedReason == "" {
		a.VUsRefusedReason = b.VUsRefusedReason
	}
	a.Saturated = a.Saturated || b.Saturated
	return a
}

// ProcessCPU is the CPU time the process has used so far (0 where unknown).
func ProcessCPU() time.Duration { return processCPU() }
