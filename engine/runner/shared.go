package runner

import (
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// account is a simulation user account the run created.
type account struct {
	id, username, email, password string
	active, hasProfile            bool
	roles                         []string // sim role ids assigned by its admin
}

// pool hands accounts registered by VUs (the `register` action) to admin VUs,
// who deactivate, reset, assign roles to and delete them. Each account is owned
// by one VU at a time, so two admins never race on it.
type pool struct {
	mu    sync.Mutex
	items []*account
}

func (p *pool) put(a *account) {
	p.mu.Lock()
	if len(p.items) < 10_000 {
		p.items = append(p.items, a)
	}
	p.mu.Unlock()
}

func (p *pool) take() *account {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.items) == 0 {
		return nil
	}
	a := p.items[len(p.items)-1]
	p.items = p.items[:len(p.items)-1]
	return a
}

// entry is a user other VUs may look up.
type entry struct{ id, username, email string }

const dirShards = 16
const dirSize = 64

// directory remembers recently created users so VUs can look up real ids,
// emails and usernames. Sharded by VU so look-ups rarely share a lock.
type directory struct {
	shards [dirShards]struct {
		mu   sync.Mutex
		ring [dirSize]entry
		n    int
		_    [40]byte // keep shards on separate cache lines
	}
}

func (d *directory) add(vu int, e entry) {
	s := &d.shards[vu%dirShards]
	s.mu.Lock()
	s.ring[s.n%dirSize] = e
	s.n++
	s.mu.Unlock()
}

// remove forgets a user (deleted by an admin) in every shard.
func (d *directory) remove(id string) {
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		for j := range min(s.n, dirSize) {
			if s.ring[j].id == id {
				s.ring[j] = entry{}
			}
		}
		s.mu.Unlock()
	}
}

// pick returns a random known user, from the VU's shard first.
func (d *directory) pick(vu int, r *rand.Rand) (entry, bool) {
	for k := range 3 {
		s := &d.shards[(vu+k*7)%dirShards]
		s.mu.Lock()
		n := min(s.n, dirSize)
		var e entry
		if n > 0 {
			e = s.ring[r.IntN(n)]
		}
		s.mu.Unlock()
		if e.id != "" {
			return e, true
		}
	}
	return entry{}, false
}

// Record kinds of the ledger.
const (
	kindUser       = "user"
	kindRole       = "role"
	kindPermission = "permission"
)

// record is one thing the run created on the target.
type record struct{ kind, id, name string }

const ledgerShards = 16

// ledger tracks what the run created and has not deleted, for the cleanup.
type ledger struct {
	seed    maphash.Seed
	shards  [ledgerShards]ledgerShard
	created atomic.Int64
	deleted atomic.Int64
}

type ledgerShard struct {
	mu sync.Mutex
	m  map[string]record
}

func newLedger() *ledger {
	l := &ledger{seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].m = map[string]record{}
	}
	return l
}

func (l *ledger) shard(key string) *ledgerShard {
	return &l.shards[maphash.String(l.seed, key)%ledgerShards]
}

func (l *ledger) add(kind, id, name string) {
	key := kind + ":" + id
	s := l.shard(key)
	s.mu.Lock()
	_, dup := s.m[key]
	s.m[key] = record{kind, id, name}
	s.mu.Unlock()
	if !dup {
		l.created.Add(1)
	}
}

// remove marks a record deleted.
func (l *ledger) remove(kind, id string) {
	key := kind + ":" + id
	s := l.shard(key)
	s.mu.Lock()
	_, ok := s.m[key]
	delete(s.m, key)
	s.mu.Unlock()
	if ok {
		l.deleted.Add(1)
	}
}

// left lists what was not deleted yet: users first (deleting a user drops its
// profile and role assignments), then roles, then permissions.
func (l *ledger) left() []record {
	var out []record
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		for _, r := range s.m {
			out = append(out, r)
		}
		s.mu.Unlock()
	}
	order := map[string]int{kindUser: 0, kindRole: 1, kindPermission: 2}
	slices.SortFunc(out, func(a, b record) int {
		if d := order[a.kind] - order[b.kind]; d != 0 {
			return d
		}
		if a.name < b.name {
			return -1
		}
		if a.name > b.name {
			return 1
		}
		return 0
	})
	return out
}
