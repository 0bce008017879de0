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

func TestMonitorFlagsBusyCPU(t *testing.T) {
	m := New(Options{})
	stop := m.Start(context.Background())
	// Every core this process may use, busy until the monitor has seen it.
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
	st := waitStatus(t, m, func(s Status) bool { return s.Saturated })
	close(done)
	wg.Wait()
	stop()
	if st.Reason == "" || m.Summary().SaturatedSeconds <= 0 || !m.Summary().Saturated {
		t.Errorf("saturated status %+v, summary %+v: want a reason and saturated seconds", st, m.Summary())
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
