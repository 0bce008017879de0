//go:build linux

package client

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/transport/transporttest"
)

// countConns counts the connections a test server accepts.
func countConns(srv *httptest.Server) *atomic.Int64 {
	var n atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

// TestWireKeepsConnectionsAlive: requests in sequence share one connection,
// and concurrent ones no more than there are senders; bodies of every framing
// (length, chunked, larger than the read limit) are read whole so the
// connection stays usable.
func TestWireKeepsConnectionsAlive(t *testing.T) {
	big := strings.Repeat("x", maxBody+1000)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			fl := w.(http.Flusher)
			for i := range 3 {
				fmt.Fprintf(w, `{"part":%d}`, i)
				fl.Flush()
			}
		case "/big": // chunked
			io.WriteString(w, big)
		case "/bigcl": // its length told: streamed all the same
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("X-Method", r.Method)
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, path := range []string{"/a", "/chunked", "/big", "/bigcl", "/empty", "/a"} {
		p, err := c.NewPlain(PlainSpec{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if res := c.DoPlain(ctx, p, &TemplateVars{}, ""); res.Err != nil || res.Status/100 != 2 {
			t.Fatalf("%s: %+v", path, res)
		}
	}
	head, _ := c.NewPlain(PlainSpec{Method: "HEAD", Path: "/a"})
	if res := c.DoPlain(ctx, head, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
		t.Fatalf("HEAD: %+v", res)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for requests in sequence, want 1", n)
	}

	// The answer read by Do is the body, whole up to the limit.
	st := doPool.Get().(*doState)
	defer st.release()
	st.req.Header.SetMethod("GET")
	st.req.Header.SetHost(c.host)
	st.req.Header.SetRequestURI("/chunked")
	w := c.pool(PlainGroup).x
	body, err := w.Exchange(ctx, &st.req, &st.resp, time.Now(), time.Second, &st.buf, &st.lr)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(body); got != `{"part":0}{"part":1}{"part":2}` {
		t.Errorf("chunked answer read as %q", got)
	}
	// Longer than the limit: drained whole, kept not at all, and said so.
	for _, uri := range []string{"/big", "/bigcl"} {
		st.req.Header.SetRequestURI(uri)
		if body, err = w.Exchange(ctx, &st.req, &st.resp, time.Now(), time.Second, &st.buf, &st.lr); !errors.Is(err, transport.ErrTooLong) || body != nil {
			t.Errorf("%s: kept %d bytes, %v; want none and errTooLong", uri, len(body), err)
		}
	}
	st.req.Header.SetRequestURI("/a")
	if body, err = w.Exchange(ctx, &st.req, &st.resp, time.Now(), time.Second, &st.buf, &st.lr); err != nil || string(body) != `{"ok":true}` {
		t.Errorf("small answer after big ones: %q, %v", body, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections after the big answers, want 1 (their rest read and dropped)", n)
	}

	var wg sync.WaitGroup
	get, _ := c.NewPlain(PlainSpec{Path: "/a"})
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if res := c.DoPlain(ctx, get, &TemplateVars{}, ""); res.Err != nil {
					t.Error(res.Err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n > 8 {
		t.Errorf("%d connections for 8 concurrent senders", n)
	}
}

// TestWireRetriesStaleConnections: a server that closes its idle connections
// does not fail the next request: a kept connection the server closed is
// found closed before the request is written, and the request, a POST as well,
// goes on a new connection; the server sees the POST once.
func TestWireRetriesStaleConnections(t *testing.T) {
	var posts atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	closed := make(chan struct{}, 16)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	closeIdle := func() { // and wait until the server has closed it
		srv.CloseClientConnections()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("the server did not close the idle connection")
		}
	}
	c, _ := New(Options{BaseURL: srv.URL})
	ctx := context.Background()
	get := &Call{Endpoint: catalog.MustLookup(catalog.UsersList)}
	for i := range 3 {
		if res := c.Do(ctx, get); res.Err != nil || res.Status != 200 {
			t.Fatalf("round %d before closing: %+v", i, res)
		}
		closeIdle() // the idle connection in the pool is now dead
		if res := c.Do(ctx, get); res.Err != nil || res.Status != 200 {
			t.Fatalf("round %d: GET on a closed keep-alive connection: %+v", i, res)
		}
	}
	// Plain requests have their own group's pool: give it an idle connection.
	warm, _ := c.NewPlain(PlainSpec{Path: "/items"})
	if res := c.DoPlain(ctx, warm, &TemplateVars{}, ""); res.Err != nil {
		t.Fatal(res.Err)
	}
	closeIdle()
	// A connection taken back within 1 ms of its last answer is not looked at
	// (transport's peekAfter: that would cost a system call per request of a
	// VU without think time); one a server closed has lain idle longer.
	time.Sleep(2 * time.Millisecond)
	post, _ := c.NewPlain(PlainSpec{Method: "POST", Path: "/items", Body: "{}", HasBody: true})
	if res := c.DoPlain(ctx, post, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
		t.Errorf("POST after the server closed the kept connection: %+v, want its answer on a new connection", res)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("the server saw %d POSTs, want one", n)
	}
}

// TestWireCancelClosesInFlight: cancelling a request's context ends it at
// once, with the canceled kind; other requests on other contexts go on.
func TestWireCancelClosesInFlight(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done(): // the client closed it: release is for the other
			case <-time.After(10 * time.Second):
			}
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(Options{BaseURL: srv.URL})
	slow, _ := c.NewPlain(PlainSpec{Path: "/slow"})
	ctx, cancel := context.WithCancel(context.Background())
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	got := make(chan Result, 2)
	go func() { got <- c.DoPlain(ctx, slow, &TemplateVars{}, "") }()
	go func() { got <- c.DoPlain(other, slow, &TemplateVars{}, "") }()
	for range 2 { // both on the wire
		select {
		case <-arrived:
		case <-time.After(5 * time.Second):
			t.Fatal("the requests never reached the server")
		}
	}
	start := time.Now()
	cancel()
	select {
	case res := <-got:
		if res.ErrKind != KindCanceled {
			t.Errorf("canceled request: %+v", res)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the canceled request took %v to end", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not end the request in flight")
	}
	select {
	case res := <-got:
		t.Fatalf("the request on another context ended too: %+v", res)
	case <-time.After(200 * time.Millisecond):
	}
	release <- struct{}{}
	if res := <-got; res.Err != nil || res.Status != 200 {
		t.Errorf("request on the other context: %+v", res)
	}
}

// TestWireBadAnswers: answers that are not HTTP, or cut short, are protocol
// errors; a connection closed before any answer is a connection error.
func TestWireBadAnswers(t *testing.T) {
	answers := map[string]string{
		"/garbage": "SMTP ready\r\n\r\n",
		"/short":   "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut\":",
		"/badlen":  "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"/nothing": "",
	}
	base := transporttest.RawServer(t, false, func(requestLine []byte) []byte {
		if f := strings.Fields(string(requestLine)); len(f) > 1 {
			return []byte(answers[f[1]])
		}
		return nil
	})
	c, _ := New(Options{BaseURL: base, Policy: FixedTimeout(2 * time.Second)})
	want := map[string]string{"/garbage": KindProtocol, "/short": KindProtocol, "/badlen": KindProtocol, "/nothing": KindConnection}
	for path, kind := range want {
		p, _ := c.NewPlain(PlainSpec{Method: "POST", Path: path, Body: "{}", HasBody: true})
		res := c.DoPlain(context.Background(), p, &TemplateVars{}, "")
		if res.ErrKind != kind || res.Err == nil {
			t.Errorf("%s: kind %q err %v, want %q", path, res.ErrKind, res.Err, kind)
		}
	}
}

// TestWireTLS: an https base URL speaks HTTP/1.1 over TLS.
func TestWireTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"proto":%q}`, r.Proto)
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res := c.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersList), Decode: true})
	if res.ErrKind != KindConnection || !strings.Contains(res.Err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %+v", res)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = New(Options{BaseURL: srv.URL, Network: transport.Settings{HTTPVersion: transport.Version11, CACert: ca}})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Plan(); p.Client != transport.ClientFast {
		t.Fatalf("HTTP/1.1 over TLS on %s: plan %s, want the fast transport", runtime.GOOS, p)
	}
	res = c.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersList), Decode: true})
	if res.Err != nil || res.Status != 200 {
		t.Fatalf("over TLS: %+v", res)
	}
	if m, _ := res.JSON.(map[string]any); m["proto"] != "HTTP/1.1" {
		t.Errorf("answer %v", res.JSON)
	}
}
