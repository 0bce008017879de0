package runner

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/resilience"
)

func writeScenario(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plain.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlainRequests drives a loopback server with a plain scenario and checks
// what arrived: every request of every VU exactly once, the placeholders
// rendered, headers and bodies as written, and statuses classified by expect.
func TestPlainRequests(t *testing.T) {
	type got struct {
		method, path, query, vuHeader, ctype, body string
	}
	var mu sync.Mutex
	var seen []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/" {
			return // the run's preflight
		}
		mu.Lock()
		seen = append(seen, got{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Vu"), r.Header.Get("Content-Type"), string(b)})
		mu.Unlock()
		switch {
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
		case strings.HasPrefix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 4, 30, 30
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Seed = 3
	cfg.Scenario = writeScenario(t, `
name: plain_test
requests:
  - name: item
    path: /items/{{vu}}?seq={{seq}}
    weight: 3
  - name: create
    method: POST
    path: /items
    headers: {X-VU: "{{vu}}"}
    body: '{"vu": {{vu}}, "seq": {{seq}}, "r": {{rand}}, "run": "{{run}}"}'
    expect: 201
  - name: missing
    path: /missing
    expect: 404
`)
	r := runToEnd(t, cfg)
	s := r.Summary()
	if s.State != "finished" || s.Requests != 120 || s.Unexpected != 0 {
		t.Fatalf("state %q requests %d unexpected %d (error %q)", s.State, s.Requests, s.Unexpected, s.Error)
	}
	for i, n := range r.VURequests() {
		if n != 30 {
			t.Errorf("vu %d sent %d, want 30", i, n)
		}
	}
	if len(seen) != 120 {
		t.Fatalf("server saw %d requests, want 120", len(seen))
	}
	seqs := map[int]map[int]bool{} // vu → seq numbers seen
	mark := func(vu, seq int) {
		if seqs[vu] == nil {
			seqs[vu] = map[int]bool{}
		}
		if seqs[vu][seq] {
			t.Errorf("vu %d sent seq %d twice", vu, seq)
		}
		seqs[vu][seq] = true
	}
	kinds := map[string]int{}
	for _, g := range seen {
		switch {
		case g.method == "GET" && strings.HasPrefix(g.path, "/items/"):
			kinds["item"]++
			vu, err1 := strconv.Atoi(strings.TrimPrefix(g.path, "/items/"))
			seq, err2 := strconv.Atoi(strings.TrimPrefix(g.query, "seq="))
			if err1 != nil || err2 != nil || g.body != "" {
				t.Fatalf("item request %+v", g)
			}
			mark(vu, seq)
		case g.method == "POST" && g.path == "/items":
			kinds["create"]++
			var b struct {
				VU, Seq int
				R       int64
				Run     string
			}
			if err := json.Unmarshal([]byte(g.body), &b); err != nil {
				t.Fatalf("body %q: %v", g.body, err)
			}
			if g.ctype != "application/json" || g.vuHeader != strconv.Itoa(b.VU) || b.Run != r.ID() || b.R < 0 || b.R >= 1<<31 {
				t.Errorf("create request %+v", g)
			}
			mark(b.VU, b.Seq)
		case g.method == "GET" && g.path == "/missing":
			kinds["missing"]++
		default:
			t.Errorf("unexpected request %+v", g)
		}
	}
	for _, k := range []string{"item", "create", "missing"} {
		if kinds[k] == 0 {
			t.Errorf("no %s request among %v", k, kinds)
		}
	}
	if kinds["item"] < kinds["create"] || kinds["item"] < kinds["missing"] {
		t.Errorf("weights not followed: %v", kinds)
	}
	// Journey-less VUs number their own requests: the GETs and POSTs of a VU
	// carry its index, so for those the seq numbers are distinct and in range.
	for vu, m := range seqs {
		if vu < 0 || vu >= 4 {
			t.Errorf("vu index %d", vu)
		}
		for seq := range m {
			if seq < 1 || seq > 30 {
				t.Errorf("vu %d seq %d", vu, seq)
			}
		}
	}
	routes := map[string]int64{}
	for _, e := range s.Endpoints {
		routes[e.Method+" "+e.Route] = e.Requests
		if e.Group != "plain" {
			t.Errorf("group %q for %s", e.Group, e.Route)
		}
	}
	if routes["GET /items/{{vu}}"] != int64(kinds["item"]) || routes["POST /items"] != int64(kinds["create"]) || routes["GET /missing"] != int64(kinds["missing"]) {
		t.Errorf("routes %v, server saw %v", routes, kinds)
	}
	if s.Outcomes.ClientError != int64(kinds["missing"]) || s.Cleanup.Error != "" {
		t.Errorf("outcomes %+v cleanup %+v", s.Outcomes, s.Cleanup)
	}
}

// TestPlainThinkingStop checks that VUs parked in a long pause (a timer, no
// goroutine sending) end promptly when the run stops, and are counted as
// thinking meanwhile.
func TestPlainThinkingStop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 50, 3, 3
	cfg.DelayMin, cfg.DelayMax = 5*time.Minute, 5*time.Minute
	cfg.Scenario = writeScenario(t, "requests:\n  - {name: home, path: /, think: pause}\n")
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for r.Snapshot().Stats.VUs["thinking"] != 50 {
		if time.Now().After(deadline) {
			t.Fatalf("VUs not all thinking: %v", r.Snapshot().Stats.VUs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Stop()
	select {
	case <-r.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("thinking VUs did not end after Stop")
	}
	s := r.Summary()
	if s.State != "stopped" || s.Requests != 50 {
		// One request each, then the pause.
		t.Errorf("state %q requests %d", s.State, s.Requests)
	}
	if vus := r.Snapshot().Stats.VUs; vus["done"] != 50 || vus["thinking"] != 0 {
		t.Errorf("VU states after stop: %v", vus)
	}
}

// TestMoreVUsThanWorkers: with no think time and an in-flight cap far below
// the VUs, the VUs share the few workers that run their steps (a VU that
// never pauses yields its worker when others wait), so every VU sends its
// whole budget and none waits for another to finish.
func TestMoreVUsThanWorkers(t *testing.T) {
	var mu sync.Mutex
	perVU := map[string]int{}
	var order []string
	// The first answers wait until the runner has started all 60 VUs (each
	// is active from its start, before its first step is queued): on a busy
	// host the start can lag far behind the first VUs' requests, and a VU
	// takes turns only with the VUs already queued.
	var run atomic.Pointer[Runner]
	var started atomic.Bool
	allStarted := func() bool {
		r := run.Load()
		if r == nil {
			return false
		}
		vus := r.Snapshot().Stats.VUs
		return vus[metrics.VUActive]+vus[metrics.VUDone] >= 60
	}
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/one" {
			return // the preflight
		}
		for deadline := time.Now().Add(10 * time.Second); !started.Load(); time.Sleep(200 * time.Microsecond) {
			if allStarted() || time.Now().After(deadline) {
				started.Store(true) // past the deadline the order below tells
			}
		}
		mu.Lock()
		perVU[r.Header.Get("X-Vu")]++
		order = append(order, r.Header.Get("X-Vu"))
		mu.Unlock()
	}))
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 60, 7, 7
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Duration = time.Minute
	cfg.Scenario = writeScenario(t, "requests:\n  - {name: one, path: /one, headers: {X-Vu: \"{{vu}}\"}}\n")
	rc := resilience.Defaults()
	rc.MaxInFlight = 4
	r, err := New(cfg, WithResilience(rc))
	if err != nil {
		t.Fatal(err)
	}
	run.Store(r)
	r.Run(context.Background())
	s := r.Summary()
	if s.State != "finished" || s.Requests != 60*7 {
		t.Fatalf("state %s, %d requests; want finished, %d", s.State, s.Requests, 60*7)
	}
	mu.Lock()
	defer mu.Unlock()
	for vu := range 60 {
		if n := perVU[strconv.Itoa(vu)]; n != 7 {
			t.Errorf("VU %d sent %d requests; want 7", vu, n)
		}
	}
	// Taking turns: once every VU is on the queue (the first request of the
	// last VU to start), the next 30 requests come from (nearly) 30 VUs, not
	// from 4 VUs sending back to back.
	seen := map[string]bool{}
	start := 0
	for i, vu := range order {
		if !seen[vu] {
			seen[vu] = true
			start = i
		}
	}
	if len(order)-start < 30 {
		t.Fatalf("the last VU to start sent its first request as the %dth of %d; the others finished first", start+1, len(order))
	}
	next := map[string]bool{}
	for _, vu := range order[start : start+30] {
		next[vu] = true
	}
	if len(next) < 20 {
		t.Errorf("the 30 requests after every VU had started came from %d VUs; want the VUs to take turns", len(next))
	}
}

// TestJourneyWithPlainRequests names plain requests in a journey against the
// reference target: one public, one sent with the VU's token.
func TestJourneyWithPlainRequests(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 3, 12, 12
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Seed = 5
	cfg.Scenario = writeScenario(t, `
archetypes:
  visitor: {weight: 1, journey: [signup, login, health, my_search, logout]}
mix: {user_query: 1}
requests:
  - {name: health, path: /healthz}
  - {name: my_search, path: "/api/v1/users/search?q=sim_{{run}}", auth: true, expect: 200}
`)
	r := runToEnd(t, cfg)
	s := r.Summary()
	if s.State != "finished" || s.Unexpected != 0 {
		t.Fatalf("state %q unexpected %d (error %q)", s.State, s.Unexpected, s.Error)
	}
	plain := map[string]int64{}
	for _, e := range s.Endpoints {
		if e.Group == "plain" {
			plain[e.Route] = e.Requests
			if e.Statuses["200"] != e.Requests {
				t.Errorf("%s statuses %v", e.Route, e.Statuses)
			}
		}
	}
	if plain["/healthz"] != 3 || plain["/api/v1/users/search"] != 3 {
		t.Errorf("plain requests per route %v, want 3 each (one per VU journey)", plain)
	}
	if s.Cleanup.Left != 0 || s.Cleanup.Created != 3 {
		t.Errorf("cleanup %+v", s.Cleanup)
	}
}

// TestPlainWithLoadModels runs a plain scenario under ramp-up (VUs parked in
// the gate until the ramp includes them), stages (VUs parked mid-life when
// the target steps down) and the open model (arrivals on a pool).
func TestPlainWithLoadModels(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			hits.Add(1)
		}
	}))
	defer srv.Close()
	scen := writeScenario(t, "requests:\n  - {name: ping, path: /ping}\n")

	t.Run("ramp-up", func(t *testing.T) {
		hits.Store(0)
		cfg := DefaultConfig()
		cfg.BaseURL, cfg.Scenario = srv.URL, scen
		cfg.Users, cfg.MinRequests, cfg.MaxRequests = 8, 5, 5
		cfg.DelayMin, cfg.DelayMax = 0, 0
		cfg.RampUp = 200 * time.Millisecond
		r := runToEnd(t, cfg)
		if s := r.Summary(); s.State != "finished" || s.Requests != 40 || hits.Load() != 40 {
			t.Errorf("state %q requests %d, server saw %d; want 40", s.State, s.Requests, hits.Load())
		}
	})
	t.Run("stages", func(t *testing.T) {
		hits.Store(0)
		cfg := DefaultConfig()
		cfg.BaseURL, cfg.Scenario = srv.URL, scen
		cfg.MinRequests, cfg.MaxRequests = 1000, 1000
		cfg.DelayMin, cfg.DelayMax = 10*time.Millisecond, 10*time.Millisecond
		// 4 VUs for 300 ms, then 1 for 400 ms: VUs 1–3 park mid-life, VU 0
		// goes on; the end of the stages stops the run and ends the parked.
		cfg.Stages = []loadshape.Stage{{Duration: 0, Target: 4}, {Duration: 300 * time.Millisecond, Target: 4},
			{Duration: 0, Target: 1}, {Duration: 400 * time.Millisecond, Target: 1}}
		r := runToEnd(t, cfg)
		s, sent := r.Summary(), r.VURequests()
		if s.State != "stopped" || s.Requests == 0 || s.Requests != hits.Load() {
			t.Errorf("state %q requests %d, server saw %d", s.State, s.Requests, hits.Load())
		}
		// VU 0 sends for 700 ms, the others for 300 ms.
		if len(sent) != 4 || 2*sent[0] <= 3*max(sent[1], sent[2], sent[3]) {
			t.Errorf("requests per VU %v; want VU 0, the one left by the last stage, well ahead of the parked", sent)
		}
	})
	t.Run("open", func(t *testing.T) {
		hits.Store(0)
		cfg := DefaultConfig()
		cfg.BaseURL, cfg.Scenario = srv.URL, scen
		cfg.Users, cfg.MinRequests, cfg.MaxRequests = 4, 2, 2
		cfg.DelayMin, cfg.DelayMax = 0, 0
		cfg.Rate, cfg.MaxVUs = 100, 4
		cfg.Duration = 300 * time.Millisecond
		r := runToEnd(t, cfg)
		s := r.Summary()
		if s.Requests == 0 || s.Requests != hits.Load() {
			t.Errorf("state %q requests %d, server saw %d", s.State, s.Requests, hits.Load())
		}
	})
}
