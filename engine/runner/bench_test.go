package runner

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
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
	hc := &http.Client{Transport: client.NewTransport(16)}
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
