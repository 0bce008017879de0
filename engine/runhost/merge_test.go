package runhost

import (
	"reflect"
	"testing"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// A cleanup after the run's keeps created = deleted + gone + left, counts as
// deleted only what a cleanup deleted, and takes what is left from a verified
// cleanup only: an unverified one leaves the run's records counted left.
func TestMergeCleanup(t *testing.T) {
	names := []string{"sim_r_u0_1", "sim_r_u1_1", "sim_r_u2_1"}
	prev := &enginerpc.Cleanup{Created: 5, Deleted: 2, Left: 3, LeftNames: names, Reason: "could not log in to verify: 401", Error: "401"}
	for _, c := range []struct {
		name  string
		later enginerpc.Cleanup
		want  enginerpc.Cleanup
	}{
		{"the login failed again", enginerpc.Cleanup{Reason: "could not log in: 401", Error: "401"},
			enginerpc.Cleanup{Created: 5, Deleted: 2, Left: 3, LeftNames: names, Reason: "could not log in: 401", Error: "401"}},
		{"by the search alone", enginerpc.Cleanup{Reason: "by the target's search alone"},
			enginerpc.Cleanup{Created: 5, Deleted: 2, Left: 3, LeftNames: names, Reason: "by the target's search alone"}},
		{"not verified, some deleted", enginerpc.Cleanup{Deleted: 1, Gone: 1, Reason: "could not verify: EOF", Error: "EOF"},
			enginerpc.Cleanup{Created: 5, Deleted: 3, Gone: 1, Left: 1, LeftNames: names, Reason: "could not verify: EOF", Error: "EOF"}},
		{"not verified, more found", enginerpc.Cleanup{Left: 4, LeftNames: append(names, "sim_r_u3_1"), Reason: "could not verify: EOF"},
			enginerpc.Cleanup{Created: 6, Deleted: 2, Left: 4, LeftNames: append(names, "sim_r_u3_1"), Reason: "could not verify: EOF"}},
		{"verified, all deleted", enginerpc.Cleanup{Deleted: 3, Verified: true},
			enginerpc.Cleanup{Created: 5, Deleted: 5, Verified: true}},
		{"verified, one gone meanwhile", enginerpc.Cleanup{Deleted: 2, Verified: true},
			enginerpc.Cleanup{Created: 5, Deleted: 4, Gone: 1, Verified: true}},
		{"verified, one refused", enginerpc.Cleanup{Deleted: 2, Left: 1, LeftNames: names[2:], Verified: true, Error: "409"},
			enginerpc.Cleanup{Created: 5, Deleted: 4, Left: 1, LeftNames: names[2:], Verified: true, Error: "409"}},
	} {
		got := mergeCleanup(prev, c.later)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: merged %+v; want %+v", c.name, got, c.want)
		}
		if got.Created != got.Deleted+got.Gone+got.Left {
			t.Errorf("%s: created %d ≠ deleted %d + gone %d + left %d", c.name, got.Created, got.Deleted, got.Gone, got.Left)
		}
	}
}
