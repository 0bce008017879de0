package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestSenderReuseAndTimeout sends a static plain request many times through a
// Sender, then one that outlives its timeout, then the first again: the
// timeout is reported as such and the Sender recovers with a fresh context.
func TestSenderReuseAndTimeout(t *testing.T) {
	var hits atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("X-Static") != "yes" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(Options{BaseURL: srv.URL, Policy: FixedTimeout(200 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fast, err := c.NewPlain(PlainSpec{Path: "/fast?x=1", Headers: map[string]string{"X-Static": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	slow, _ := c.NewPlain(PlainSpec{Path: "/slow", Headers: map[string]string{"X-Static": "yes"}})
	if !fast.Static() || !slow.Static() {
		t.Fatal("static requests not recognised")
	}
	s := c.NewSender(context.Background())
	defer s.Release()
	vars := TemplateVars{VU: 0}
	for i := range 20 {
		if res := s.Do(fast, &vars, ""); res.Status != 200 || res.ErrKind != "" {
			t.Fatalf("request %d: %d %q %v", i, res.Status, res.ErrKind, res.Err)
		}
	}
	res := s.Do(slow, &vars, "")
	if res.ErrKind != KindTimeout || res.Status != 0 || res.Latency < 200*time.Millisecond {
		t.Fatalf("slow request: status %d kind %q latency %v err %v", res.Status, res.ErrKind, res.Latency, res.Err)
	}
	if res := s.Do(fast, &vars, ""); res.Status != 200 || res.ErrKind != "" {
		t.Fatalf("after the timeout: %d %q %v", res.Status, res.ErrKind, res.Err)
	}
	if n := hits.Load(); n != 22 {
		t.Errorf("server saw %d requests, want 22", n)
	}
	templated, _ := c.NewPlain(PlainSpec{Path: "/fast?vu={{vu}}"})
	if templated.Static() {
		t.Error("a templated request is not static")
	}
}
