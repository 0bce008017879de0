package generator

import (
	"os"
	"regexp"
	"strings"

	"context"
	"github.com/prometheus/client_golang/prometheus"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestLagQuantiles(t *testing.T) {
	var h lagHist
	for range 90 {
		h.observe(50 * time.Microsecond) // on time
	}
	for range 10 {
		h.observe(300 * time.Millisecond)
	}
	c := h.counts()
	if got := c.quantile(0.5); got != 0 {
		t.Errorf("p50 = %v, want 0 (on time)", got)
	}
	// Buckets are a quarter-octave wide: the p99 lies within 19% above 300ms.
	if got := c.quantile(0.99); got < 300*time.Millisecond || got > 357*time.Millisecond {
		t.Errorf("p99 = %v, want 300ms..357ms", got)
	}
	if got := (lagCounts{}).quantile(0.99); got != 0 {
		t.Errorf("empty p99 = %v, want 0", got)
	}
	if b := lagBucket(time.Hour); b != lagBuckets-1 {
		t.Errorf("an hour's lag in bucket %d, want the overflow %d", b, lagBuckets-1)
	}
}

// waitWindows polls until the monitor has judged n windows' worth of time.
func waitStatus(t *testing.T, m *Monitor, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if st := m.Status(); cond(st) {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := m.Status()
	t.Fatalf("condition not reached within 15s; status %+v", st)
	return st
}

// TestMonitorJudgesWindows drives the monitor's windows with a CPU clock of
// its own: the judgement, not what this shared machine lends the test.
func TestMonitorJudgesWindows(t *testing.T) {
	m := New(Options{})
	m.procs = 2
	var cpu time.Duration
	m.cpuNow = func() time.Duration { return cpu }
	now := time.Unix(1000, 0)
	m.cpuPrev, m.wallPrev = 0, now
	window := func(busy time.Duration, lags ...time.Duration) Status {
		for _, l := range lags {
			m.ObserveLag(l)
		}
		cpu += busy
		now = now.Add(Window)
		m.sample(now)
		return m.Status()
	}
	if st := window(1900 * time.Millisecond); !st.Saturated || st.Reason != "cpu" || st.SatSeconds != 1 {
		t.Errorf("1.9 of 2 cores busy: %+v, want saturated by cpu for 1 s", st)
	}
	late := make([]time.Duration, 20)
	for i := range late {
		late[i] = 30 * time.Millisecond
	}
	if st := window(200*time.Millisecond, late...); !st.Saturated || st.Reason != "timer_lag" || st.SatSeconds != 2 {
		t.Errorf("timers 30 ms late: %+v, want saturated by timer_lag, 2 s so far", st)
	}
	if st := window(1900*time.Millisecond, late...); st.Reason != "cpu,timer_lag" {
		t.Errorf("busy and late: reason %q, want cpu,timer_lag", st.Reason)
	}
	if st := window(500*time.Millisecond, time.Millisecond); st.Saturated || st.SatSeconds != 3 || st.CPUPeak != 1.9 {
		t.Errorf("a quarter busy, on time: %+v, want not saturated, 3 s and the 1.9 peak kept", st)
	}
	// A window shorter than half of Window (a stop's last) is not judged.
	cpu += 2 * time.Second
	m.sample(now.Add(Window / 4))
	if st := m.Status(); st.Saturated || st.CPU != 0.5 {
		t.Errorf("a short window was judged: %+v", st)
	}
	if s := m.Summary(); !s.Saturated || s.SaturatedSeconds != 3 || s.CPUPeakRatio != 0.95 {
		t.Errorf("summary %+v, want saturated for 3 s, peak 0.95 of the cores", s)
	}
}

// TestMonitorReadsBusyCPU keeps every core this process may use busy and
// checks the monitor sees real CPU time. Other processes share the machine
// (the other packages' tests), so it asks for half a core, not saturation:
// TestMonitorJudgesWindows covers the judgement.
func TestMonitorReadsBusyCPU(t *testing.T) {
	if processCPU() == 0 {
		t.Skip("no process CPU time on this platform: only timer lag judges saturation")
	}
	m := New(Options{})
	stop := m.Start(context.Background())
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for {
				select {
				case <-done:
					_ = x
					return
				default:
					for i := range 100000 {
						x += i
					}
				}
			}
		}()
	}
	st := waitStatus(t, m, func(s Status) bool { return s.CPU >= 0.5 })
	close(done)
	wg.Wait()
	stop()
	if limit := float64(st.Procs) * 1.1; st.CPUPeak > limit {
		t.Errorf("CPU peak %.2f cores with GOMAXPROCS %d: more than the process can use", st.CPUPeak, st.Procs)
	}
}

func TestMemoryLimitRefusesVUs(t *testing.T) {
	// A limit the test process is already past: no VU may start.
	m := New(Options{MaxMemory: 1 << 20})
	stop := m.Start(context.Background())
	defer stop()
	if m.AdmitVU() {
		t.Fatal("AdmitVU = true above 90% of a 1 MiB limit")
	}
	if s := m.Summary(); s.VUsRefused != 1 || s.VUsRefusedReason == "" || s.MaxMemoryBytes != 1<<20 {
		t.Errorf("summary %+v: want 1 refused VU with a reason and the limit", s)
	}
	var nilMon *Monitor
	if !nilMon.AdmitVU() {
		t.Error("a nil monitor refuses VUs")
	}
}

func TestDocsListGeneratorMetrics(t *testing.T) {
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 16)
	New(Options{}).Collector("x").Describe(ch)
	close(ch)
	n := 0
	for d := range ch {
		n++
		name := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String())
		if name == nil || !strings.Contains(string(doc), "`"+name[1]+"`") {
			t.Errorf("docs/metrics.md does not list %v", d)
		}
	}
	if n != 6 {
		t.Errorf("%d descriptions, want 6", n)
	}
}
