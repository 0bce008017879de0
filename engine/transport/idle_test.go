//go:build linux

package transport_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// TestServerClosedIdleConnection: a net/http server closes a kept connection
// while it is idle (as its IdleTimeout does; here at a known moment, by
// turning keep-alives off, which closes the idle ones). The next request, a
// POST that may not be replayed, is not written on the closed connection: it
// goes on a new one and is answered, and the server sees it once. Plain and
// over TLS. (net/http's transport learns of the close from its connection's
// reader goroutine, which may not have run yet when the next request comes
// right after: it may write on the closed connection, so std is not held to
// this.)
func TestServerClosedIdleConnection(t *testing.T) {
	// The server closes the connection within a millisecond of its answer
	// here: look at every kept connection, however briefly idle.
	defer transport.SetPeekAfter(0)()
	for _, scheme := range []string{"http", "https"} {
		for _, client := range []string{transport.ClientFast} {
			t.Run(scheme+"/"+client, func(t *testing.T) {
				var posts, conns atomic.Int32
				idle := make(chan struct{}, 4)
				closed := make(chan struct{}, 4)
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					posts.Add(1)
					_, _ = io.WriteString(w, "ok")
				}))
				srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
					switch s {
					case http.StateNew:
						conns.Add(1)
					case http.StateIdle:
						idle <- struct{}{}
					case http.StateClosed:
						closed <- struct{}{}
					}
				}
				var tlsConf *tls.Config
				if scheme == "https" {
					srv.StartTLS()
					tlsConf = srv.Client().Transport.(*http.Transport).TLSClientConfig
				} else {
					srv.Start()
				}
				defer srv.Close()
				target, err := url.Parse(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: client}, TLS: tlsConf, MaxIdle: 4})
				defer x.CloseIdle()
				wait := func(ch chan struct{}, what string) {
					select {
					case <-ch:
					case <-time.After(10 * time.Second):
						t.Fatalf("the server's connection never went %s", what)
					}
				}
				for i := range 3 {
					e := newExchange(target, "/p")
					e.req.Header.SetMethod("POST")
					e.req.SetBodyString(`{"n":1}`)
					if body, err := x.Exchange(context.Background(), &e.req, &e.resp, time.Now(), 10*time.Second, &e.out, &e.lr); err != nil || string(body) != "ok" {
						t.Fatalf("POST %d: %q %v; want its answer on a new connection", i, body, err)
					}
					wait(idle, "idle")
					srv.Config.SetKeepAlivesEnabled(false) // closes the idle connection
					wait(closed, "closed")
					srv.Config.SetKeepAlivesEnabled(true)
				}
				if n, c := posts.Load(), conns.Load(); n != 3 || c != 3 {
					t.Errorf("the server saw %d POSTs on %d connections, want 3 on 3", n, c)
				}
			})
		}
	}
}

// TestIPv6WithoutPort: a target given as an IPv6 address without a port
// (http://[::1]) is dialled at [::1]:80, not at "[[::1]]:80". The dialer
// hook sends that address to a server on ::1's own port.
func TestIPv6WithoutPort(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no ::1 on this machine: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Host)
	}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	target, err := url.Parse("http://[::1]")
	if err != nil {
		t.Fatal(err)
	}
	var dialed atomic.Value
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Store(addr)
		var d net.Dialer
		return d.DialContext(ctx, network, ln.Addr().String())
	}
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: client}, MaxIdle: 4, Dial: dial})
		e := newExchange(target, "/")
		if body, err := e.send(x); err != nil || string(body) != "[::1]" {
			t.Errorf("%s: %q %v; want the answer, Host [::1]", client, body, err)
		}
		if got := dialed.Load(); got != "[::1]:80" {
			t.Errorf("%s dialled %v, want [::1]:80", client, got)
		}
		x.CloseIdle()
	}
}

// TestLargeAnswerHeader: an answer whose header is over the answer reader's
// 8 KiB (32 KiB here) is read, its body too, and its connection reused after
// it; one over MaxHeaderBytes is a protocol error naming the limit. Both
// transports.
func TestLargeAnswerHeader(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("kib"))
		for i := range n {
			w.Header().Set(fmt.Sprintf("X-Big-%d", i), strings.Repeat("v", 1000))
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.MaxHeaderBytes = 4 << 20
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	eachTransport(t, target, func(t *testing.T, client string, x transport.Exchanger) {
		conns.Store(0)
		for _, kib := range []int{32, 100, 0} {
			e := newExchange(target, "/?kib="+strconv.Itoa(kib))
			if body, err := e.send(x); err != nil || string(body) != `{"ok":true}` || len(e.resp.Header.Peek("X-Big-0")) != 1000*min(kib, 1) {
				t.Fatalf("%d KiB of header: %q %v; want the answer", kib, body, err)
			}
		}
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections for three answers in a row, want one (kept after a large header)", n)
		}
		e := newExchange(target, "/?kib=1100")
		if _, err := e.send(x); err == nil || client == transport.ClientFast && !strings.Contains(err.Error(), "larger than 1 MiB") {
			t.Errorf("1.1 MB of header: %v; want an error naming the limit", err)
		} else {
			t.Logf("1.1 MB of header: %v", err)
		}
	})
}

// eachTransport runs f, as a subtest, on a pool of each transport for target.
func eachTransport(t *testing.T, target *url.URL, f func(t *testing.T, client string, x transport.Exchanger)) {
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		t.Run(client, func(t *testing.T) {
			x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: client}, MaxIdle: 4})
			defer x.CloseIdle()
			f(t, client, x)
		})
	}
}
