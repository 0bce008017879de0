// Package ttlcache is a sharded in-memory map whose entries expire. It stands in for
// the token cache (Redis in the original service): refresh tokens and revoked access
// token ids live here only as long as they can matter.
package ttlcache

import (
	"hash/maphash"
	"sync"
	"time"
)

const shardCount = 32

// Cache maps string keys to values of type V until each entry's expiry. Expired
// entries are never returned, and are deleted by a sweep that each shard runs during
// a write at most once per sweep interval, so memory stays bounded by what was
// written in the last TTL plus one interval, with no background goroutine.
type Cache[V any] struct {
	seed   maphash.Seed
	now    func() time.Time
	sweep  time.Duration
	shards [shardCount]shard[V]
}

type shard[V any] struct {
	mu        sync.Mutex
	items     map[string]entry[V]
	lastSweep time.Time
}

type entry[V any] struct {
	val     V
	expires time.Time
}

// Option configures a Cache.
type Option func(*options)

type options struct {
	now   func() time.Time
	sweep time.Duration
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithSweepInterval sets how often a shard may sweep expired entries (default 1s).
func WithSweepInterval(d time.Duration) Option { return func(o *options) { o.sweep = d } }

// New returns an empty cache.
func New[V any](opts ...Option) *Cache[V] {
	o := options{now: time.Now, sweep: time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Cache[V]{seed: maphash.MakeSeed(), now: o.now, sweep: o.sweep}
	for i := range c.shards {
		c.shards[i].items = make(map[string]entry[V])
	}
	return c
}

func (c *Cache[V]) shard(key string) *shard[V] {
	return &c.shards[maphash.String(c.seed, key)%shardCount]
}

// Set stores val under key until expires.
func (c *Cache[V]) Set(key string, val V, expires time.Time) {
	now := c.now()
	s := c.shard(key)
	s.mu.Lock()
	if now.Sub(s.lastSweep) >= c.sweep {
		s.deleteExpired(now)
		s.lastSweep = now
	}
	s.items[key] = entry[V]{val: val, expires: expires}
	s.mu.Unlock()
}

// Get returns the live value under key.
func (c *Cache[V]) Get(key string) (V, bool) {
	now := c.now()
	s := c.shard(key)
	s.mu.Lock()
	e, ok := s.items[key]
	s.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// Has reports whether key holds a live value.
func (c *Cache[V]) Has(key string) bool {
	_, ok := c.Get(key)
	return ok
}

// Take removes key and returns its value if it was live. Only one of several
// concurrent callers gets the value, which is what makes refresh-token rotation safe.
func (c *Cache[V]) Take(key string) (V, bool) {
	now := c.now()
	s := c.shard(key)
	s.mu.Lock()
	e, ok := s.items[key]
	if ok {
		delete(s.items, key)
	}
	s.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// Delete removes key.
func (c *Cache[V]) Delete(key string) {
	s := c.shard(key)
	s.mu.Lock()
	delete(s.items, key)
	s.mu.Unlock()
}

// DeleteFunc removes every entry for which drop returns true.
func (c *Cache[V]) DeleteFunc(drop func(key string, val V) bool) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.items {
			if drop(k, e.val) {
				delete(s.items, k)
			}
		}
		s.mu.Unlock()
	}
}

// Len sweeps every shard and returns the number of live entries.
func (c *Cache[V]) Len() int {
	now := c.now()
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.deleteExpired(now)
		s.lastSweep = now
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

// stored counts entries held in memory, live or not; tests use it to check sweeping.
func (c *Cache[V]) stored() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

func (s *shard[V]) deleteExpired(now time.Time) {
	for k, e := range s.items {
		if !now.Before(e.expires) {
			delete(s.items, k)
		}
	}
}
