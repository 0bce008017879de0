package runner

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/loadshape"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"0/3": {0, 3}, " 2/3 ": {2, 3}, "0/1": {0, 1}} {
		got, err := ParseShard(in)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "3", "3/3", "-1/3", "1/0", "a/b", "1/3/4", "0/100000"} {
		if _, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q): no error", in)
		}
	}
}

func TestShardConfigErrors(t *testing.T) {
	base := DefaultConfig()
	base.Users, base.Seed, base.RunID = 3, 1, "abcd1234"
	base.Shard = Shard{Index: 1, Count: 3}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"run_id", func(c *Config) { c.RunID = "" }},
		{"seed", func(c *Config) { c.Seed = 0 }},
		{"shard", func(c *Config) { c.Shard = Shard{Index: 3, Count: 3} }},
		{"shard", func(c *Config) { c.Users = 2 }},
		{"start_at", func(c *Config) { c.StartAt = time.Now().Add(48 * time.Hour) }},
	} {
		c := base
		tc.edit(&c)
		var fe *FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

// shardTarget counts the requests it gets by VU (the X-VU header) and route.
type shardTarget struct {
	mu     sync.Mutex
	vus    map[int]int
	routes map[string]int
}

func (s *shardTarget) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			return // the run's preflight
		}
		vu, _ := strconv.Atoi(r.Header.Get("X-VU"))
		s.mu.Lock()
		s.vus[vu]++
		s.routes[r.URL.Path]++
		s.mu.Unlock()
	})
}

// Shards i/3 run exactly the VUs (closed model) or arrivals (open model)
// whose global index is i mod 3, and together what one process runs.
func TestShardPartition(t *testing.T) {
	scen := writeScenario(t, `
name: shard_partition
requests:
  - name: a
    path: /a
    headers: {X-VU: "{{vu}}"}
    weight: 3
  - name: b
    path: /b
    headers: {X-VU: "{{vu}}"}
`)
	for _, model := range []string{"closed", "stages", "open"} {
		t.Run(model, func(t *testing.T) {
			run := func(sh Shard) *shardTarget {
				st := &shardTarget{vus: map[int]int{}, routes: map[string]int{}}
				srv := httptest.NewServer(st.handler())
				defer srv.Close()
				cfg := DefaultConfig()
				cfg.BaseURL, cfg.Scenario, cfg.Seed, cfg.RunID, cfg.Shard = srv.URL, scen, 11, "part0001", sh
				cfg.Users, cfg.MinRequests, cfg.MaxRequests, cfg.DelayMin, cfg.DelayMax = 8, 3, 12, 0, 0
				switch model {
				case "stages":
					cfg.DelayMax = time.Millisecond
					cfg.Stages = []loadshape.Stage{{Duration: 0, Target: 8}, {Duration: 300 * time.Millisecond, Target: 8}}
				case "open":
					cfg.RateStages = []loadshape.Stage{{Duration: 600 * time.Millisecond, Target: 60}}
					cfg.MaxVUs = 60
				}
				r := runToEnd(t, cfg)
				if s := r.Summary(); s.State == "failed" {
					t.Fatalf("shard %v: %s", sh, s.Error)
				}
				return st
			}
			single := run(Shard{})
			union := map[int]int{}
			routes := map[string]int{}
			for i := range 3 {
				st := run(Shard{Index: i, Count: 3})
				if len(st.vus) == 0 {
					t.Fatalf("shard %d/3 ran no VU", i)
				}
				for vu, n := range st.vus {
					owner := vu // closed model: the slot; open model: the arrival
					if model == "stages" {
						owner = vu % 8 // the slot of a later VU of the slot
					}
					if owner%3 != i {
						t.Fatalf("shard %d/3 ran VU %d", i, vu)
					}
					union[vu] += n
				}
				for r, n := range st.routes {
					routes[r] += n
				}
			}
			if model == "stages" {
				// A slot runs its VUs one after the other while the stages last:
				// how many depends on timing, so compare only the VU sets' first block.
				for vu := range 8 {
					if (union[vu] > 0) != (single.vus[vu] > 0) {
						t.Fatalf("VU %d: sharded %d requests, single %d", vu, union[vu], single.vus[vu])
					}
				}
				return
			}
			if fmt.Sprint(union) != fmt.Sprint(single.vus) || fmt.Sprint(routes) != fmt.Sprint(single.routes) {
				t.Fatalf("sharded: VUs %v routes %v; single: VUs %v routes %v", union, routes, single.vus, single.routes)
			}
			t.Logf("%s: %d VUs, routes %v in both", model, len(union), routes)
		})
	}
}

// A shard's end-of-run sweep deletes only what its own VUs named: the other
// shards may still be using theirs.
func TestShardOwnsName(t *testing.T) {
	closed := &Runner{cfg: Config{Shard: Shard{Index: 1, Count: 3}}, load: &loadPlan{slots: 8}}
	open := &Runner{cfg: Config{Shard: Shard{Index: 1, Count: 3}}, load: &loadPlan{slots: 8, open: true}}
	whole := &Runner{cfg: Config{}, load: &loadPlan{slots: 8}}
	for _, tc := range []struct {
		r    *Runner
		name string
		want bool
	}{
		{closed, "sim_abcd1234_u4_1", true},    // slot 4
		{closed, "sim_abcd1234_u12_3", true},   // stages: VU 12 is slot 4's second
		{closed, "sim_abcd1234_u3_1", false},   // slot 3: shard 0
		{closed, "sim_abcd1234_r7_2", true},    // a role of VU 7
		{closed, "sim_abcd1234_u11_1", false},  // slot 3
		{open, "sim_abcd1234_u13_1", true},     // arrival 13
		{open, "sim_abcd1234_u12_1", false},    // arrival 12: shard 0
		{closed, "sim_abcd1234_custom", false}, // not a VU's name: left to trafficsim cleanup
		{whole, "sim_abcd1234_u3_1", true},
		{whole, "sim_abcd1234_custom", true},
	} {
		if got := tc.r.ownsName(tc.name); got != tc.want {
			t.Errorf("shard %v owns %s: %v, want %v", tc.r.cfg.Shard, tc.name, got, tc.want)
		}
	}
}
