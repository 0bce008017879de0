package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// benchVU prepares one VU of a run against url, as Run would, without
// starting VUs.
func benchVU(b *testing.B, url string) *vu {
	b.Helper()
	cfg := DefaultConfig()
	cfg.Users, cfg.BaseURL, cfg.Seed = 1, url, 1
	r, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	rec, err := metrics.NewRun(metrics.RunInfo{ID: r.ID(), Scenario: "mixed", Target: url}, metrics.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	r.rec.Store(rec)
	if r.client, err = client.New(client.Options{BaseURL: url, Conns: 16}); err != nil {
		b.Fatal(err)
	}
	r.prepare()
	v := r.vus[0]
	v.budget, v.limit = 1<<62, 1<<62
	return v
}

// BenchmarkSend measures the per-request hot path of a VU: build the request
// from the catalog, send it over a pooled keep-alive connection, read the
// answer, classify the outcome, record it (sharded statistics and Prometheus
// series) and steer the mix. The server answers a fixed small JSON body, so the
// figure is the engine's cost (plus net/http's), not a target's.
func BenchmarkSend(b *testing.B) {
	body := []byte(`{"id":42,"username":"sim_abc12345_u1_1","email":"sim_abc12345_u1_1@simulation.test","name":"Ada Lovelace","active":true,"roles":["user"]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	v := benchVU(b, srv.URL)
	ep := catalog.MustLookup(catalog.UsersGet)
	tok := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInVzZXJuYW1lIjoic2ltIiwicm9sZXMiOlsidXNlciJdLCJqdGkiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJl"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		call := client.Call{Endpoint: ep, Params: [2]string{"42"}, Token: tok}
		res, err := v.send(&call, wantSuccess)
		if err != nil || res.Status != 200 {
			b.Fatalf("%v %d", err, res.Status)
		}
	}
}

// BenchmarkSendWithBody is the same for a POST with a JSON body whose answer is
// parsed (a registration or login).
func BenchmarkSendWithBody(b *testing.B) {
	body := []byte(`{"id":42,"username":"sim_abc12345_u1_1","email":"sim_abc12345_u1_1@simulation.test","name":"Ada Lovelace","active":true,"roles":["user"]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		w.Write(body)
	}))
	defer srv.Close()
	v := benchVU(b, srv.URL)
	ep := catalog.MustLookup(catalog.UsersCreate)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		call := client.Call{Endpoint: ep, Decode: true, Body: client.Body{
			{Name: "username", Value: "sim_abc12345_u1_1"}, {Name: "email", Value: "sim_abc12345_u1_1@simulation.test"},
			{Name: "password", Value: "S3cret-pass-1"}, {Name: "name", Value: "Ada Lovelace"}}}
		res, err := v.send(&call, wantSuccess)
		if err != nil || res.Status != 201 || res.JSON == nil {
			b.Fatalf("%v %d", err, res.Status)
		}
	}
}

// BenchmarkBaselineNetHTTP is the floor BenchmarkSend stands on: the same GET
// with a bare net/http client (request built, sent, body read), same server,
// nothing recorded. The difference is what the engine adds per request.
func BenchmarkBaselineNetHTTP(b *testing.B) {
	body := []byte(`{"id":42,"username":"sim_abc12345_u1_1","email":"sim_abc12345_u1_1@simulation.test","name":"Ada Lovelace","active":true,"roles":["user"]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	url := srv.URL + "/api/v1/users/42"
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
	}
}

// BenchmarkPlainSend is a VU's plain GET (a `requests:` step without
// placeholders): render, send, drain, record. Same server as BenchmarkSend.
func BenchmarkPlainSend(b *testing.B) {
	body := []byte(`{"id":42,"username":"sim_abc12345_u1_1","email":"sim_abc12345_u1_1@simulation.test","name":"Ada Lovelace","active":true,"roles":["user"]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	v := benchVU(b, srv.URL)
	v.r.sc.Requests = []scenario.Request{{Name: "get", Think: scenario.ThinkQuick, Weight: 1,
		Spec: client.PlainSpec{Path: "/api/v1/users/42", Headers: map[string]string{"Authorization": "Bearer x"}}}}
	v.r.preparePlain()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !v.plainRequest(0) {
			b.Fatal("not sent")
		}
	}
}

// BenchmarkPickAction is a VU's choice of its next weighted action in the
// mixed scenario: the steered group, then the action within it.
func BenchmarkPickAction(b *testing.B) {
	v := benchVU(b, "http://127.0.0.1:9")
	r := v.r
	allowed := r.mixAll
	b.ReportAllocs()
	for b.Loop() {
		g := r.steer.pickGroup(v.rng, &allowed)
		if g < 0 || r.actions[g].pick(v.rng) == "" {
			b.Fatal("no action")
		}
	}
}

// BenchmarkPlainSendReused is BenchmarkPlainSend on the path of a VU sending
// back to back (no think time): the request and timeout timer are reused.
func BenchmarkPlainSendReused(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	v := benchVU(b, srv.URL)
	v.r.sc.Requests = []scenario.Request{{Name: "get", Think: scenario.ThinkQuick, Weight: 1,
		Spec: client.PlainSpec{Path: "/api/v1/users/42", Headers: map[string]string{"Authorization": "Bearer x"}}}}
	v.r.preparePlain()
	v.pl = &plainVU{snd: v.r.client.NewSender(v.r.reqCtx)}
	defer v.pl.snd.Release()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !v.plainRequest(0) {
			b.Fatal("not sent")
		}
	}
}

// BenchmarkThinkingPlainVU reports the memory of a thinking VU of a plain
// scenario: VUs send one request, then pause; once every VU thinks, the heap
// and goroutine stacks in use (after a GC) are divided by the VU count. b.N
// is the VU count (run with -benchtime 10000x).
func BenchmarkThinkingPlainVU(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	p := filepath.Join(b.TempDir(), "sleepers.yaml")
	if err := os.WriteFile(p, []byte("requests:\n  - {name: home, path: /, think: pause}\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Scenario = srv.URL, p
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = max(b.N, 100), 2, 2
	cfg.DelayMin, cfg.DelayMax = 10*time.Minute, 10*time.Minute
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	go r.Run(context.Background())
	deadline := time.Now().Add(2 * time.Minute)
	for r.Snapshot().Stats.VUs["thinking"] != int64(cfg.Users) {
		if time.Now().After(deadline) {
			b.Fatalf("VUs not all thinking: %v", r.Snapshot().Stats.VUs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	// Idle connections (and the in-process server's side of them) are the
	// pool's, not the VUs'.
	r.client.Close()
	srv.CloseClientConnections()
	for range 3 {
		runtime.GC()
		time.Sleep(50 * time.Millisecond) // connection goroutines exit
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if f := os.Getenv("THINKING_HEAP_PROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			pprof.WriteHeapProfile(out)
			out.Close()
		}
	}
	n := float64(cfg.Users)
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-B/VU")
	// Signed: the stacks of goroutines that ended meanwhile can make it shrink.
	b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stack-B/VU")
	b.ReportMetric(0, "ns/op")
	r.Stop()
	<-r.Done()
}

// BenchmarkSendList is a VU's "list users" whose answer it reads (a third of
// them do): a page of 20 users, parsed to remember one to look at next.
func BenchmarkSendList(b *testing.B) {
	var page strings.Builder
	page.WriteString(`{"data":[`)
	for i := range 20 {
		if i > 0 {
			page.WriteByte(',')
		}
		fmt.Fprintf(&page, `{"id":%d,"username":"sim_abc12345_u%d_1","email":"sim_abc12345_u%d_1@simulation.test","name":"Ada Lovelace","active":true,"roles":["user"],"created_at":"2026-11-24T10:03:48.983Z","updated_at":"2026-11-24T10:03:58.951Z"}`, i+1, i, i)
	}
	page.WriteString(`],"page":1,"per_page":20,"total":80}`)
	body := []byte(page.String())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	// entries: the page parsed the short way (reference shape); map: parsed in
	// full into map[string]any, as before.
	for _, short := range []bool{true, false} {
		name := map[bool]string{true: "entries", false: "map"}[short]
		b.Run(name, func(b *testing.B) {
			v := benchVU(b, srv.URL)
			v.loggedIn, v.access = true, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				v.seenUser = entry{}
				v.listPage(catalog.UsersList, "page=1&per_page=20", true, short)
				if v.seenUser.id == "" {
					b.Fatal("no user remembered")
				}
			}
		})
	}
}
