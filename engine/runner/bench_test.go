package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// BenchmarkThinkingPlainVU reports the memory of a thinking VU of a plain
// scenario: VUs send one request, then pause; once every VU thinks, the heap
// and goroutine stacks in use (after a GC) are divided by the VU count. b.N
// is the VU count (run with -benchtime 10000x).
func BenchmarkThinkingPlainVU(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	p := filepath.Join(b.TempDir(), "sleepers.yaml")
	if err := os.WriteFile(p, []byte("requests:\n  - {name: home, path: /, think: pause}\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Scenario = srv.URL, p
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = max(b.N, 100), 2, 2
	cfg.DelayMin, cfg.DelayMax = 10*time.Minute, 10*time.Minute
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	go r.Run(context.Background())
	deadline := time.Now().Add(2 * time.Minute)
	for r.Snapshot().Stats.VUs["thinking"] != int64(cfg.Users) {
		if time.Now().After(deadline) {
			b.Fatalf("VUs not all thinking: %v", r.Snapshot().Stats.VUs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	// Idle connections (and the in-process server's side of them) are the
	// pool's, not the VUs'.
	r.client.Close()
	srv.CloseClientConnections()
	for range 3 {
		runtime.GC()
		time.Sleep(50 * time.Millisecond) // connection goroutines exit
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if f := os.Getenv("THINKING_HEAP_PROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			pprof.WriteHeapProfile(out)
			out.Close()
		}
	}
	n := float64(cfg.Users)
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-B/VU")
	// Signed: the stacks of goroutines that ended meanwhile can make it shrink.
	b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stack-B/VU")
	b.ReportMetric(0, "ns/op")
	r.Stop()
	<-r.Done()
}
