package behaviour

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// benchVU prepares one VU of a run of the mixed scenario against url, as the
// runner would, without starting it.
func benchVU(b *testing.B, url string) *VU {
	b.Helper()
	sc, err := scenario.Load("mixed")
	if err != nil {
		b.Fatal(err)
	}
	const run = "benchrun"
	rec, err := metrics.NewRun(metrics.RunInfo{ID: run, Scenario: "mixed", Target: url}, metrics.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	cl, err := client.New(client.Options{BaseURL: url, Conns: 16})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	sh := NewShared(Options{
		Settings: Settings{RunID: run, Seed: 1, MinRequests: 1, MaxRequests: 1},
		Scenario: sc, Client: cl, Recorder: rec, Stop: make(chan struct{}), Requests: context.Background(),
		Monitor: generator.New(generator.Options{}), Log: slog.New(slog.DiscardHandler), Ledger: NewLedger(run),
		Load: Load{Jitter: true, Slots: 1},
	})
	arch := &sc.Archetypes[0]
	for i := range sc.Archetypes {
		if !sc.Archetypes[i].Admin {
			arch = &sc.Archetypes[i]
			break
		}
	}
	v := New(sh, 0, arch)
	v.budget, v.limit = 1<<62, 1<<62
	return v
}

// BenchmarkSend measures the per-request hot path of a VU: build the request
// from the catalog, send it over a pooled keep-alive connection, read the
// answer, classify the outcome, record it (sharded statistics and Prometheus
// series) and steer the mix. The server answers a fixed small JSON body, so the
// figure is the engine's cost plus the in-process net/http server's, not a
// target's.
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

// BenchmarkBaselineNetHTTP is the same GET with a bare net/http client
// (request built, sent, body read), same server, nothing recorded: what
// net/http's own client costs, which the engine's transport replaces
// (docs/benchmarks.md compares them).
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
		if g < 0 || r.actions[g].pick(v.rng).Action == nil {
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
