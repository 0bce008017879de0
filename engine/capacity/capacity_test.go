package capacity

import (
	"strings"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	f := Files{Soft: 20000, Hard: 20000}
	if got := f.Budget(false); got != 20000-Reserve {
		t.Errorf("budget %d, want %d", got, 20000-Reserve)
	}
	if got := f.Budget(true); got != (20000-Reserve)/2 {
		t.Errorf("budget with the target in-process %d, want %d", got, (20000-Reserve)/2)
	}
	if got := (Files{}).Budget(false); got != 0 {
		t.Errorf("unknown limit: budget %d, want 0 (no limit)", got)
	}
}

func TestNeed(t *testing.T) {
	if got := Need(5000, 1, 0); got != 5000 {
		t.Errorf("no think time: %d on the wire, want every VU", got)
	}
	if got := Need(100000, 1, 10*time.Minute); got != MinBurst {
		t.Errorf("long thinks: %d on the wire, want %d", got, MinBurst)
	}
	if got := Need(100, 1, time.Second); got != 100 {
		t.Errorf("100 VUs: %d on the wire, want at most the VUs", got)
	}
	// The burst is the whole run's: four shards take a quarter each.
	if got := Need(20000, 4, 10*time.Minute); got != MinBurst/4 {
		t.Errorf("a quarter of a run of long thinks: %d on the wire, want %d", got, MinBurst/4)
	}
	// 1 s answers against 1 s thinks: half the VUs wait for an answer.
	if got := Need(10000, 1, time.Second); got != 5000 {
		t.Errorf("10,000 VUs thinking 1 s: %d on the wire, want 5000", got)
	}
}

func TestPlanConnsStaysWithinTheBudget(t *testing.T) {
	for _, tc := range []struct{ slots, need, pools, budget int }{
		{100000, 100000, 1, 19872},
		{100000, 512, 6, 19872},
		{2000, 2000, 6, 500},
		{50, 50, 6, 0},
	} {
		c, err := PlanConns(tc.slots, tc.need, tc.pools, 0, tc.budget)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if c.InFlight > tc.need || c.InFlight < 1 || c.IdleEach < 1 {
			t.Errorf("%+v: %+v", tc, c)
		}
		if tc.budget > 0 && c.InFlight+c.IdleEach*tc.pools > tc.budget {
			t.Errorf("%+v: %d on the wire + %d idle × %d pools is over the budget", tc, c.InFlight, c.IdleEach, tc.pools)
		}
	}
	if _, err := PlanConns(100000, 100000, 1, 30000, 19872); err == nil || !strings.Contains(err.Error(), "lower --max-in-flight to") || !strings.Contains(err.Error(), "ulimit -n") {
		t.Errorf("an asked cap over the limit: %v", err)
	}
	if _, err := PlanConns(100, 100, 6, 0, 20); err == nil || !strings.Contains(err.Error(), "raise it") {
		t.Errorf("a limit too low to run: %v", err)
	}
}

func TestRaiseOpenFiles(t *testing.T) {
	f := RaiseOpenFiles()
	if f.Soft != f.Hard {
		t.Errorf("soft limit %d after raising, hard %d", f.Soft, f.Hard)
	}
}
