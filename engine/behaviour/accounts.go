package behaviour

import (
	"math/rand/v2"
	"strings"
	"sync"
)

// account is a simulation user account the run created. Its username is its
// email's local part (simMail): one string holds both.
type account struct {
	id, email, password string
	active, hasProfile  bool
	worked              bool     // its credentials worked once (a login answered tokens)
	unsure              bool     // written to since an answer last named it (self.go)
	roles               []string // sim role ids assigned by its admin
}

// simMail is the domain of the simulation accounts' emails.
const simMail = "@simulation.test"

func (a *account) username() string { return strings.TrimSuffix(a.email, simMail) }

// record is the account as a ledger record.
func (a *account) record() Record { return Record{KindUser, a.id, a.username()} }

// pool hands accounts registered by VUs (the `register` action) to admin VUs,
// who deactivate, reset, assign roles to and delete them. Each account is owned
// by one VU at a time, so two admins never race on it.
type pool struct {
	mu    sync.Mutex
	items []*account
}

// poolCap bounds the accounts waiting for an admin: plenty to choose from,
// and a long run's memory does not grow with its registrations.
const poolCap = 1000

func (p *pool) put(a *account) {
	p.mu.Lock()
	if len(p.items) < poolCap {
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

// ownEntry is an entry whose texts are copied into one string of their own:
// texts read from an answer may share the memory of the whole answer, which a
// VU that remembers one user while it thinks must not keep.
func ownEntry(id, username, email string) entry {
	all := id + username + email
	return entry{all[:len(id)], all[len(id) : len(id)+len(username)], all[len(id)+len(username):]}
}

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
