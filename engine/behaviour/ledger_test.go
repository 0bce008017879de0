package behaviour

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
)

// TestLedgerRecords: what is added and not removed is left, users first,
// names as they were given — packed or not.
func TestLedgerRecords(t *testing.T) {
	l := NewLedger("ab12cd34")
	l.Add(KindPermission, "p9", "sim_ab12cd34_p3_7")
	l.Add(KindUser, "12", "sim_ab12cd34_u0_2")
	l.Add(KindUser, "12", "sim_ab12cd34_u0_2") // again: counted once
	l.Add(KindUser, "7", "sim_ab12cd34_u10_1")
	l.Add(KindUser, "8", "alice")              // not a generated name
	l.Add(KindUser, "9", "sim_ab12cd34_u01_1") // not in canonical form: kept as is
	l.Add(KindRole, "r1", "sim_ab12cd34_r4294967295_4294967295")
	l.Add(KindUser, "10", "sim_other_u1_1")
	l.Add(KindUser, "007", "sim_ab12cd34_u5_5")                  // not a canonical number: kept as text
	l.Add(KindRole, "r1", "sim_ab12cd34_r4294967295_4294967295") // again, same record
	l.Remove(KindUser, "7")
	l.Add(KindUser, "7", "sim_ab12cd34_u10_1") // deleted, then created again: counted twice
	l.Remove(KindUser, "10")
	l.Remove(KindUser, "404") // never added: not counted
	l.Add(KindUser, "11", "sim_ab12cd34_u3_1")
	l.Add(KindUser, "11", "sim_ab12cd34_u3_2") // its id handed out again: the first is gone
	l.Remove(KindUser, "11")
	if g := l.Gone.Load(); g != 1 {
		t.Errorf("gone %d after an id came back under another name, want 1", g)
	}
	l.Gone.Store(0)
	l.Created.Add(-2)
	l.Deleted.Add(-1)
	if c, d := l.Created.Load(), l.Deleted.Load(); c != 9 || d != 2 {
		t.Errorf("created %d deleted %d, want 9 and 2", c, d)
	}
	var got []string
	for _, r := range l.Left() {
		got = append(got, r.Kind+" "+r.ID+" "+r.Name)
		if !l.Has(r) {
			t.Errorf("has(%v) = false", r)
		}
	}
	want := []string{
		"user 8 alice",
		"user 9 sim_ab12cd34_u01_1",
		"user 12 sim_ab12cd34_u0_2",
		"user 7 sim_ab12cd34_u10_1",
		"user 007 sim_ab12cd34_u5_5",
		"role r1 sim_ab12cd34_r4294967295_4294967295",
		"permission p9 sim_ab12cd34_p3_7",
	}
	if !slices.Equal(got, want) {
		t.Errorf("left:\n%q\nwant\n%q", got, want)
	}
	if l.Has(Record{KindUser, "10", "sim_other_u1_1"}) {
		t.Error("a removed record is still there")
	}

	// each visits the same records, kind by kind, users first.
	var kinds []int
	seen := 0
	l.Each(func(r Record) {
		seen++
		if k := kindIndex(r.Kind); len(kinds) == 0 || kinds[len(kinds)-1] != k {
			kinds = append(kinds, k)
		}
	})
	if seen != len(want) || !slices.Equal(kinds, []int{0, 1, 2}) {
		t.Errorf("each: %d records, kinds in order %v; want %d and [0 1 2]", seen, kinds, len(want))
	}
	// A record deleted is counted; one lost (404, or its id reused) is gone,
	// and foreign when the id now holds someone else's record.
	l.Remove(KindUser, "8")
	l.Lose(Record{KindRole, "r1", ""}, true)
	if l.Has(Record{KindUser, "8", "alice"}) || l.Has(Record{KindRole, "r1", ""}) || len(l.Left()) != len(want)-2 {
		t.Errorf("after remove and lose: %v", l.Left())
	}
	if d, g, f := l.Deleted.Load(), l.Gone.Load(), l.Foreign.Load(); d != 3 || g != 1 || f != 1 {
		t.Errorf("deleted %d gone %d foreign %d, want 3 (2 before), 1, 1", d, g, f)
	}
	if c := l.Created.Load(); c != l.Deleted.Load()+l.Gone.Load()+int64(len(l.Left())) {
		t.Errorf("created %d != deleted + gone + left %d", c, len(l.Left()))
	}
}

// TestLedgerSize: a record of a numeric id and a generated name costs well
// under 40 bytes,
// so a long run's ledger stays small (docs/benchmarks.md, sweep d).
func TestLedgerSize(t *testing.T) {
	const n = 100_000
	ids := make([]string, n)
	names := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprint(1_000_000 + i)
		names[i] = fmt.Sprintf("sim_ab12cd34_u%d_%d", i%500, i/500+1)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := NewLedger("ab12cd34")
	for i := range n {
		l.Add(KindUser, ids[i], names[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	t.Logf("%.0f bytes per record (ids and names allocated beforehand)", per)
	if per > 40 {
		t.Errorf("%.0f bytes per ledger record, want under 40", per)
	}
	runtime.KeepAlive(l)
	runtime.KeepAlive(ids)
	runtime.KeepAlive(names)
}
