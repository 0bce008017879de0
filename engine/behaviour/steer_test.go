package behaviour

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

func mustScenario(t *testing.T, name string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPickGroupFollowsMix draws many group choices and checks the shares.
func TestPickGroupFollowsMix(t *testing.T) {
	sc := mustScenario(t, "mixed")
	st := newSteer(sc, 10)
	r := rand.New(rand.NewPCG(3, 4))
	all := [catalog.NumGroups]bool{true, true, true, true, true, true}
	const n = 100_000
	for range n {
		g := st.pickGroup(r, &all)
		st.count(g, 200)
	}
	for g := range catalog.NumGroups {
		got := float64(st.groups[g].Load()) / n
		if math.Abs(got-sc.Mix[g]) > 0.005 {
			t.Errorf("%s: %.4f, want %.4f", catalog.Groups[g], got, sc.Mix[g])
		}
	}
}

// TestPickGroupMakesUpForOthers: requests a VU cannot steer (journeys, logins)
// and groups some VUs may not use (admin) are compensated by the others.
func TestPickGroupMakesUpForOthers(t *testing.T) {
	sc := mustScenario(t, "mixed")
	st := newSteer(sc, 10)
	st.setCapable(catalog.GroupIndex(catalog.GroupAdmin), 1, 10)
	r := rand.New(rand.NewPCG(5, 6))
	all := [catalog.NumGroups]bool{true, true, true, true, true, true}
	noAdmin := all
	admin := catalog.GroupIndex(catalog.GroupAdmin)
	noAdmin[admin] = false
	auth := catalog.GroupIndex(catalog.GroupAuth)
	const n = 100_000
	for i := range n {
		switch {
		case i%10 == 0: // an unsteered login
			st.count(auth, 200)
		case i%10 == 1: // an admin VU
			st.count(st.pickGroup(r, &all), 200)
		default: // the others cannot do admin work
			st.count(st.pickGroup(r, &noAdmin), 200)
		}
	}
	for g := range catalog.NumGroups {
		got := float64(st.groups[g].Load()) / n
		if math.Abs(got-sc.Mix[g]) > 0.01 {
			t.Errorf("%s: %.4f, want %.4f", catalog.Groups[g], got, sc.Mix[g])
		}
	}
	none := [catalog.NumGroups]bool{}
	if g := st.pickGroup(r, &none); g != -1 {
		t.Errorf("nothing allowed gave %d", g)
	}
}

// TestWantErrorSteersToTheShare: deliberate errors make up the client-error
// share, fewer when other 4xx already happen.
func TestWantErrorSteersToTheShare(t *testing.T) {
	for _, surprise := range []float64{0, 0.05} {
		sc := mustScenario(t, "metrics_generation")
		st := newSteer(sc, 20)
		r := rand.New(rand.NewPCG(7, 8))
		const n = 100_000
		deliberate := 0
		for range n {
			status := 200
			if st.wantError(r) {
				status = 404
				deliberate++
			} else if r.Float64() < surprise {
				status = 409
			}
			st.count(1, status)
		}
		got := float64(st.c4xx.Load()) / n
		if math.Abs(got-0.12) > 0.005 {
			t.Errorf("surprise %v: 4xx share %.4f, want 0.12", surprise, got)
		}
		wantDeliberate := 0.12 - surprise*(1-0.12)
		if d := float64(deliberate) / n; math.Abs(d-wantDeliberate) > 0.01 {
			t.Errorf("surprise %v: deliberate share %.4f, want ≈ %.4f", surprise, d, wantDeliberate)
		}
	}
	st := newSteer(mustScenario(t, "load_test"), 1)
	for range 1000 {
		if st.wantError(rand.New(rand.NewPCG(1, 1))) {
			t.Fatal("load_test made a deliberate error")
		}
	}
}

// TestPickerFollowsWeights draws actions within a group.
func TestPickerFollowsWeights(t *testing.T) {
	p := newPicker([]scenario.Weighted{{Name: "a", Weight: 1}, {Name: "b", Weight: 3}, {Name: "zero", Weight: 0}, {Name: "c", Weight: 6}},
		func(name string) string { return name })
	r := rand.New(rand.NewPCG(9, 10))
	counts := map[string]int{}
	const n = 100_000
	for range n {
		counts[p.pick(r)]++
	}
	for name, w := range map[string]float64{"a": 0.1, "b": 0.3, "c": 0.6} {
		if got := float64(counts[name]) / n; math.Abs(got-w) > 0.01 {
			t.Errorf("%s: %.3f, want %.1f", name, got, w)
		}
	}
	if counts["zero"] != 0 {
		t.Error("weight 0 was drawn")
	}
	var empty picker[string]
	if !empty.empty() || empty.pick(r) != "" {
		t.Error("empty picker")
	}
}
