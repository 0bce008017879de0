package runner

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trafficsim/trafficsim/engine/scenario"
)

func TestAssignArchetypes(t *testing.T) {
	sc, err := scenario.Load("mixed") // admin 10, active 40, new 25, power 25
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, users := range []int{1, 3, 20, 101} {
		got := assignArchetypes(sc.Archetypes, users, r)
		if len(got) != users {
			t.Fatalf("%d users: %d assignments", users, len(got))
		}
		count := map[string]int{}
		for _, a := range got {
			count[a.Name]++
		}
		for _, a := range sc.Archetypes {
			share := a.Weight / 100 * float64(users)
			if n := count[a.Name]; float64(n) < math.Floor(share) || float64(n) > math.Ceil(share) {
				t.Errorf("%d users: %s got %d, want %.1f rounded", users, a.Name, n, share)
			}
		}
	}
}
