package behaviour

import "testing"

// includesAll is the gate of a run without ramps or stages: it leaves no VU
// out.
type includesAll struct{}

func (includesAll) Holds(int) bool        { return false }
func (includesAll) Hold(int, func()) bool { return false }

// TestGateCostsNothingWhenOpen: every run has a gate (the load plan), and a
// VU looks at it before each step; when it holds no one, that look makes no
// continuation (a method value on the heap, one per step before).
func TestGateCostsNothingWhenOpen(t *testing.T) {
	v := &VU{r: &Shared{load: loadInfo{gate: includesAll{}}}, jt: &parking{}, pl: &plainVU{}}
	if n := testing.AllocsPerRun(100, func() {
		if v.gated() {
			t.Fatal("an open gate parked the VU")
		}
	}); n != 0 {
		t.Errorf("a journey step's look at an open gate: %v allocations, want 0", n)
	}
}
