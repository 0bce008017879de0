package behaviour

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// vuHeap is the heap in use that VU code allocated (a stack through this
// package), as of the last GC: the target's own allocations, in the same
// process, are left out.
func vuHeap(t *testing.T) (bytes int64, byFrame map[string]int64) {
	t.Helper()
	runtime.GC()
	runtime.GC()
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, false)
	for {
		recs = make([]runtime.MemProfileRecord, n+100)
		var ok bool
		if n, ok = runtime.MemProfile(recs, false); ok {
			recs = recs[:n]
			break
		}
	}
	byFrame = map[string]int64{}
	for _, r := range recs {
		if r.InUseBytes() == 0 {
			continue
		}
		frames := runtime.CallersFrames(r.Stack())
		ours, first, depth := false, "", 0
		for {
			f, more := frames.Next()
			if !strings.HasPrefix(f.Function, "runtime.") && depth < 4 {
				first += " < " + f.Function
				depth++
			}
			if strings.HasSuffix(f.Function, "/engine/behaviour.vuHeap") {
				break // the measurement's own memory
			}
			if strings.Contains(f.Function, "/engine/behaviour.") {
				ours = true
				break
			}
			if !more {
				break
			}
		}
		if ours {
			bytes += r.InUseBytes()
			byFrame[first] += r.InUseBytes()
		}
	}
	return bytes, byFrame
}

// TestThinkingJourneyVUMemory measures what a thinking journey VU holds on
// the heap after its first actions against the reference target (sign-up,
// login, a few reads, as in bench/run.sh's sweep m at 180–240 s): its
// struct, generator, tokens, account, what it remembers and its share of
// the run's ledger. The driver that wakes it (a timer) is not counted.
func TestThinkingJourneyVUMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hundreds of VUs")
	}
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Mem-admin-1"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Load("active_user")
	if err != nil {
		t.Fatal(err)
	}
	set := Settings{RunID: "memrun01", Seed: 7, MinRequests: 1000, MaxRequests: 1000, DelayMin: time.Minute, DelayMax: time.Minute}
	sh := runOf(t, target.URL, sc, set, metrics.NewRegistry(), nil)
	const n, actions, warm = 1000, 4, 50
	thinking := func(i int) *VU {
		v := New(sh, i, &sc.Archetypes[0])
		v.jt = &parking{} // as Start leaves it, with drive for its timer
		if !drive(v, actions) {
			t.Fatalf("VU %d ended", i)
		}
		if v.sent < actions-1 || !v.loggedIn {
			t.Fatalf("VU %d: sent %d, logged in %v", i, v.sent, v.loggedIn)
		}
		return v
	}
	// The run's own memory (per-endpoint statistics, pools) is made by the
	// first VUs' requests: not counted.
	vus := make([]*VU, warm+n)
	for i := range warm {
		vus[i] = thinking(i)
	}
	before, byFrame0 := vuHeap(t)
	for i := warm; i < warm+n; i++ {
		vus[i] = thinking(i)
	}
	after, byFrame := vuHeap(t)
	per := float64(after-before) / n
	t.Logf("VU struct %d bytes; heap per thinking VU %.0f bytes", unsafe.Sizeof(VU{}), per)
	for f, b := range byFrame {
		if b -= byFrame0[f]; b/n >= 8 {
			t.Logf("  %6d B/VU  %s", b/n, f)
		}
	}
	runtime.KeepAlive(vus)
	// 1,627 bytes before the struct was packed and the texts of answers were
	// copied out of them (docs/benchmarks.md, (m)); about 1,070 after.
	if per > 1200 {
		t.Errorf("a thinking journey VU holds %.0f bytes of heap, want at most 1,200", per)
	}
}
