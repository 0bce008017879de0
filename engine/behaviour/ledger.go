package behaviour

import (
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Record kinds of the ledger.
const (
	KindUser       = "user"
	KindRole       = "role"
	KindPermission = "permission"
)

// record is one thing the run created on the target.
type Record struct{ Kind, ID, Name string }

const ledgerShards = 16

// ledger tracks what the run created and has not deleted, for the cleanup. It
// lives as long as the run and grows with every account registered, so a
// record is kept small: a numeric id as a number (others as a string), and the
// name packed as the two numbers of its sim_<run>_<letter><vu>_<n> form —
// about 25 bytes a record, where the three strings of a record took about 130.
type Ledger struct {
	run     string // the run id, the names' prefix
	seed    maphash.Seed
	shards  [ledgerShards]ledgerShard
	Created atomic.Int64
	Deleted atomic.Int64 // by a VU or the cleanup: the target answered the delete
	// gone counts records that disappeared without the run deleting them: a
	// delete or a read answered 404, or the id now holds another record (a
	// target that lost its data and hands the id out again). foreign counts
	// the latter alone. created == deleted + gone + what the ledger holds.
	Gone    atomic.Int64
	Foreign atomic.Int64
	// Unidentified counts creations the target accepted whose answer gave
	// no id the run could read: the ledger cannot hold them, only a search
	// for the run's prefix can find them.
	Unidentified atomic.Int64
}

type ledgerShard struct {
	mu sync.Mutex
	// num[kind] and str[kind] map an id (a canonical decimal number, or any
	// other text) to its packed name (vu<<32 | n).
	num [len(ledgerKinds)]map[uint64]uint64
	str [len(ledgerKinds)]map[string]uint64
	// other keeps records whose names are not in the generated form
	// (kind:id -> name).
	other map[string]string
	// removed keeps the records a VU deleted (the target answered 2xx) until
	// the cleanup reads them gone (kind:id -> name): a target that answers a
	// delete and keeps the record (a soft delete) still has them.
	removed map[string]string
}

// ledgerKinds are the record kinds with their name letters, in cleanup order.
var ledgerKinds = [...]struct{ kind, letter string }{{KindUser, "u"}, {KindRole, "r"}, {KindPermission, "p"}}

func kindIndex(kind string) int {
	for i, k := range ledgerKinds {
		if k.kind == kind {
			return i
		}
	}
	return -1
}

func NewLedger(run string) *Ledger {
	l := &Ledger{run: run, seed: maphash.MakeSeed()}
	for i := range l.shards {
		for k := range ledgerKinds {
			l.shards[i].num[k] = map[uint64]uint64{}
			l.shards[i].str[k] = map[string]uint64{}
		}
		l.shards[i].other = map[string]string{}
		l.shards[i].removed = map[string]string{}
	}
	return l
}

func (l *Ledger) shard(id string) *ledgerShard {
	return &l.shards[maphash.String(l.seed, id)%ledgerShards]
}

// numericID reads an id that is a canonical decimal number (no sign, no
// leading zero), the form the reference target uses.
func numericID(id string) (uint64, bool) {
	if id == "" || len(id) > 19 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil
}

// pack reads a generated name's two numbers; false for any other name.
func (l *Ledger) pack(k int, name string) (uint64, bool) {
	prefix := "sim_" + l.run + "_" + ledgerKinds[k].letter
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	a, b, ok := strings.Cut(rest, "_")
	if !ok {
		return 0, false
	}
	vu, err1 := strconv.ParseUint(a, 10, 32)
	n, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil || strconv.FormatUint(vu, 10) != a || strconv.FormatUint(n, 10) != b {
		return 0, false
	}
	return vu<<32 | n, true
}

func (l *Ledger) unpack(k int, v uint64) string {
	return "sim_" + l.run + "_" + ledgerKinds[k].letter + strconv.FormatUint(v>>32, 10) + "_" + strconv.FormatUint(v&0xffffffff, 10)
}

// contains reports whether the shard (locked) holds the record of kind k
// and id.
func (s *ledgerShard) contains(k int, kind, id string) bool {
	var found bool
	if n, ok := numericID(id); ok {
		_, found = s.num[k][n]
	} else {
		_, found = s.str[k][id]
	}
	if !found && len(s.other) > 0 {
		_, found = s.other[kind+":"+id]
	}
	return found
}

// drop removes the record of kind k and id from the shard (locked), reporting
// whether there was one.
func (s *ledgerShard) drop(k int, kind, id string) bool {
	if !s.contains(k, kind, id) {
		return false
	}
	if n, ok := numericID(id); ok {
		delete(s.num[k], n)
	} else {
		delete(s.str[k], id)
	}
	if len(s.other) > 0 {
		delete(s.other, kind+":"+id)
	}
	return true
}

func (l *Ledger) Add(kind, id, name string) {
	k := kindIndex(kind)
	s := l.shard(id)
	v, packed := l.pack(k, name)
	n, numeric := numericID(id)
	s.mu.Lock()
	old, had := l.nameOf(s, k, kind, id)
	s.drop(k, kind, id)
	// The same id under another name: the target lost the earlier record and
	// handed its id to this one.
	dup := had && old == name
	if had && !dup {
		l.Gone.Add(1)
	}
	switch {
	case !packed:
		s.other[kind+":"+id] = name
	case numeric:
		s.num[k][n] = v
	default:
		s.str[k][id] = v
	}
	s.mu.Unlock()
	if !dup {
		l.Created.Add(1)
	}
}

// nameOf returns the name the shard (locked) holds for the record.
func (l *Ledger) nameOf(s *ledgerShard, k int, kind, id string) (string, bool) {
	if name, ok := s.other[kind+":"+id]; ok {
		return name, true
	}
	var v uint64
	var ok bool
	if n, numeric := numericID(id); numeric {
		v, ok = s.num[k][n]
	} else {
		v, ok = s.str[k][id]
	}
	if !ok {
		return "", false
	}
	return l.unpack(k, v), true
}

// lose forgets a record that disappeared without the run deleting it:
// foreign when its id now holds a record that is not the run's.
func (l *Ledger) Lose(rec Record, foreign bool) bool {
	s := l.shard(rec.ID)
	s.mu.Lock()
	ok := s.drop(kindIndex(rec.Kind), rec.Kind, rec.ID)
	s.mu.Unlock()
	if ok {
		l.Gone.Add(1)
		if foreign {
			l.Foreign.Add(1)
		}
	}
	return ok
}

// Remove marks a record deleted: the target answered its delete. Until the
// cleanup reads it gone (Confirm) it stays in Unconfirmed.
func (l *Ledger) Remove(kind, id string) {
	s := l.shard(id)
	k := kindIndex(kind)
	s.mu.Lock()
	name, ok := l.nameOf(s, k, kind, id)
	if ok {
		s.drop(k, kind, id)
		s.removed[kind+":"+id] = name
	}
	s.mu.Unlock()
	if ok {
		l.Deleted.Add(1)
	}
}

// RemoveGone marks a record deleted that a read after the delete found gone.
func (l *Ledger) RemoveGone(rec Record) {
	s := l.shard(rec.ID)
	s.mu.Lock()
	ok := s.drop(kindIndex(rec.Kind), rec.Kind, rec.ID)
	s.mu.Unlock()
	if ok {
		l.Deleted.Add(1)
	}
}

// Confirm forgets a deleted record once the cleanup read it gone.
func (l *Ledger) Confirm(rec Record) {
	s := l.shard(rec.ID)
	s.mu.Lock()
	delete(s.removed, rec.Kind+":"+rec.ID)
	s.mu.Unlock()
}

// Revive puts back a deleted record the target still returns: left, not
// deleted. It reports whether the record was one the run deleted.
func (l *Ledger) Revive(rec Record) bool {
	s := l.shard(rec.ID)
	key := rec.Kind + ":" + rec.ID
	s.mu.Lock()
	name, ok := s.removed[key]
	if ok {
		delete(s.removed, key)
	}
	s.mu.Unlock()
	if !ok {
		return false
	}
	l.Deleted.Add(-1)
	l.Created.Add(-1) // Add counts it again
	l.Add(rec.Kind, rec.ID, name)
	return true
}

// WasRemoved reports whether the record is one the run deleted and the
// cleanup has not read gone yet.
func (l *Ledger) WasRemoved(rec Record) bool {
	s := l.shard(rec.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.removed[rec.Kind+":"+rec.ID]
	return ok
}

// Unconfirmed lists the records deleted but not yet read gone.
func (l *Ledger) Unconfirmed() []Record {
	var out []Record
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		for key, name := range s.removed {
			kind, id, _ := strings.Cut(key, ":")
			out = append(out, Record{kind, id, name})
		}
		s.mu.Unlock()
	}
	slices.SortFunc(out, byKindName)
	return out
}

// Each calls f with every record not deleted yet, a shard's records of one
// kind at a time — users first (deleting a user drops its profile and role
// assignments), then roles, then permissions — without holding a lock.
func (l *Ledger) Each(f func(Record)) {
	for k := range ledgerKinds {
		for i := range l.shards {
			for _, rec := range l.batch(i, k) {
				f(rec)
			}
		}
	}
}

// batch lists shard i's records of kind k.
func (l *Ledger) batch(i, k int) []Record {
	s := &l.shards[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := ledgerKinds[k].kind
	out := make([]Record, 0, len(s.num[k])+len(s.str[k]))
	for n, v := range s.num[k] {
		out = append(out, Record{kind, strconv.FormatUint(n, 10), l.unpack(k, v)})
	}
	for id, v := range s.str[k] {
		out = append(out, Record{kind, id, l.unpack(k, v)})
	}
	for key, name := range s.other {
		if kd, id, _ := strings.Cut(key, ":"); kd == kind {
			out = append(out, Record{kind, id, name})
		}
	}
	return out
}

// has reports whether the record is still to be deleted.
func (l *Ledger) Has(rec Record) bool {
	s := l.shard(rec.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contains(kindIndex(rec.Kind), rec.Kind, rec.ID)
}

// left lists what was not deleted yet: users first (deleting a user drops its
// profile and role assignments), then roles, then permissions; by name within
// a kind.
func (l *Ledger) Left() []Record {
	var out []Record
	l.Each(func(rec Record) { out = append(out, rec) })
	slices.SortFunc(out, byKindName)
	return out
}

// byKindName orders records users first, then roles, then permissions; by
// name within a kind.
func byKindName(a, b Record) int {
	if d := kindIndex(a.Kind) - kindIndex(b.Kind); d != 0 {
		return d
	}
	return strings.Compare(a.Name, b.Name)
}
