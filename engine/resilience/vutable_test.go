package resilience

import (
	"sync"
	"testing"
)

// TestVUTable: every VU index has one state, whoever asks first; look-ups do
// not allocate once it exists.
func TestVUTable(t *testing.T) {
	var tab vuTable
	if tab.get(-1) != nil {
		t.Error("a negative index (no VU) has a state")
	}
	idx := []int{0, 1, 255, 256, vuChunk - 1, vuChunk, 123_456, vuChunk*vuChunks - 1}
	got := make([][]*vuState, 8)
	var wg sync.WaitGroup
	for w := range got {
		wg.Go(func() {
			for _, i := range idx {
				got[w] = append(got[w], tab.get(i))
			}
		})
	}
	wg.Wait()
	for w := range got {
		for k := range idx {
			if got[w][k] == nil || got[w][k] != got[0][k] {
				t.Fatalf("index %d: states differ between goroutines", idx[k])
			}
			if k > 0 && got[w][k] == got[w][k-1] {
				t.Fatalf("indices %d and %d share a state", idx[k-1], idx[k])
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { tab.get(123_456) }); n != 0 {
		t.Errorf("%v allocations per look-up", n)
	}
}
