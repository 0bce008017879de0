//go:build linux

package transport_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/transport/transporttest"
)

// exchange is a GET of a path and what its answer is read into.
type exchange struct {
	req  fasthttp.Request
	resp fasthttp.Response
	out  bytes.Buffer
	lr   io.LimitedReader
}

func newExchange(target *url.URL, path string) *exchange {
	e := &exchange{}
	e.req.Header.SetMethod("GET")
	e.req.Header.SetHost(target.Host)
	e.req.Header.SetRequestURI(path)
	return e
}

// send exchanges the GET through x, keeping the answer's body.
func (e *exchange) send(x transport.Exchanger) ([]byte, error) {
	return x.Exchange(context.Background(), &e.req, &e.resp, time.Now(), 10*time.Second, &e.out, &e.lr)
}

// BenchmarkExchange is one transport's part of a request alone: a GET built
// once, sent and its small answer read into a kept buffer, against a server
// that allocates nothing (the API client's part is engine/client's
// BenchmarkWire).
func BenchmarkExchange(b *testing.B) {
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
	base := transporttest.RawServer(b, true, func([]byte) []byte { return answer })
	target, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		b.Run(client, func(b *testing.B) {
			x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: client}, MaxIdle: 4})
			defer x.CloseIdle()
			e := newExchange(target, "/api/v1/users/42")
			b.ReportAllocs()
			for b.Loop() {
				if body, err := e.send(x); err != nil || e.resp.StatusCode() != 200 || string(body) != `{"ok":true}` {
					b.Fatalf("%d %q %v", e.resp.StatusCode(), body, err)
				}
			}
			if active, idle := x.Conns(); active != 0 || idle != 1 {
				b.Errorf("%d active, %d idle connections after requests in sequence, want 0 and 1", active, idle)
			}
		})
	}
}

// TestHTTP10Answers: an HTTP/1.0 answer is an answer (its body read by its
// length, or until the connection closes), and its connection is not reused
// — HTTP/1.0 closes after the answer unless it says keep-alive. Both
// transports agree.
func TestHTTP10Answers(t *testing.T) {
	answers := map[string]string{
		"/sized":   "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
		"/unsized": "HTTP/1.0 200 OK\r\n\r\n{\"ok\":true}",
	}
	base := transporttest.RawServer(t, false, func(requestLine []byte) []byte {
		if f := strings.Fields(string(requestLine)); len(f) > 1 {
			return []byte(answers[f[1]])
		}
		return nil
	})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: client}, MaxIdle: 4})
		for path := range answers {
			e := newExchange(target, path)
			if body, err := e.send(x); err != nil || e.resp.StatusCode() != 200 || string(body) != `{"ok":true}` {
				t.Errorf("%s %s: %d %q %v; want 200 and the body", client, path, e.resp.StatusCode(), body, err)
			}
			// net/http closes its connection after handing the answer over.
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
				active, idle := x.Conns()
				if active == 0 && idle == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("%s %s: %d active, %d idle connections after an HTTP/1.0 answer, want none kept", client, path, active, idle)
					break
				}
			}
		}
		x.CloseIdle()
	}
}

// TestBytesAfterAnswer: bytes a server sends after its answer answer nothing
// that was asked. The answer is read, and its connection is closed, not kept
// for the next request. That request gets its own answer, not those bytes read
// as one. (The fast client lends an exchange its reader; nothing read stays
// behind for another connection or request.) The fast client only: net/http
// notices such bytes on its own goroutine, in its own time.
func TestBytesAfterAnswer(t *testing.T) {
	const (
		first = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
		stale = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale"
		fresh = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"
	)
	base := transporttest.RawServer(t, true, func(requestLine []byte) []byte {
		if strings.Contains(string(requestLine), "/extra ") {
			return []byte(first + stale)
		}
		return []byte(fresh)
	})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: transport.ClientFast}, MaxIdle: 4})
	defer x.CloseIdle()
	for round := range 3 {
		e := newExchange(target, "/extra")
		if body, err := e.send(x); err != nil || string(body) != "first" {
			t.Fatalf("round %d, /extra: %q %v; want the first answer", round, body, err)
		}
		if active, idle := x.Conns(); active != 0 || idle != 0 {
			t.Fatalf("round %d: %d active, %d idle connections after an answer followed by more bytes, want none kept", round, active, idle)
		}
		for i := range 3 {
			e := newExchange(target, "/next")
			if body, err := e.send(x); err != nil || string(body) != "fresh" {
				t.Fatalf("round %d, request %d after it: %q %v; want its own answer", round, i, body, err)
			}
		}
		if active, idle := x.Conns(); active != 0 || idle != 1 {
			t.Fatalf("round %d: %d active, %d idle connections after plain answers in sequence, want 0 and 1", round, active, idle)
		}
	}
}

// TestAnswerArrivals: an answer is read right however it arrives on a kept
// connection — in pieces with pauses between them, longer than the first
// read after the wait, after the request was written in one go — and a
// connection the server closes without answering, or an answer that never
// comes within the timeout, is an error, not a hang. The fast client reads
// an answer's first bytes inside its wait (rawio.go); the standard one
// agrees.
func TestAnswerArrivals(t *testing.T) {
	long := strings.Repeat("x", 10000)
	pieces := map[string][]string{
		"/split": {"HTTP/1.1 200 OK\r\nContent-", "Length: 11\r\n\r\n{\"ok\"", ":true}"},
		"/long":  {"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + long[:3000], long[3000:]},
	}
	base := transporttest.ConnServer(t, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			path := strings.Fields(line + " ?")[1]
			length := 0
			for {
				h, err := br.ReadString('\n')
				if err != nil || h == "\r\n" {
					break
				}
				if v, ok := strings.CutPrefix(strings.ToLower(h), "content-length: "); ok {
					length, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
			switch path {
			case "/close":
				return
			case "/silent":
				time.Sleep(2 * time.Second)
				return
			case "/upload":
				time.Sleep(50 * time.Millisecond) // the socket's buffers fill up
				n, err := io.CopyN(io.Discard, br, int64(length))
				if err != nil {
					return
				}
				body := strconv.FormatInt(n, 10)
				if _, err := fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
					return
				}
				continue
			}
			for _, p := range pieces[path] {
				if _, err := conn.Write([]byte(p)); err != nil {
					return
				}
				time.Sleep(5 * time.Millisecond) // each piece its own segment
			}
		}
	})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: client}, MaxIdle: 4})
		for range 2 { // the second round reuses the connection
			for path, want := range map[string]string{"/split": `{"ok":true}`, "/long": long} {
				e := newExchange(target, path)
				if body, err := e.send(x); err != nil || e.resp.StatusCode() != 200 || string(body) != want {
					t.Errorf("%s %s: %d, %d bytes, %v; want 200 and the %d bytes sent", client, path, e.resp.StatusCode(), len(body), err, len(want))
				}
			}
		}
		// A body larger than the socket's buffers: written in parts.
		up := newExchange(target, "/upload")
		up.req.Header.SetMethod("POST")
		up.req.SetBodyRaw(bytes.Repeat([]byte("u"), 16<<20))
		if body, err := up.send(x); err != nil || string(body) != strconv.Itoa(16<<20) {
			t.Errorf("%s /upload: %q %v; want the server to count all %d bytes sent", client, body, err, 16<<20)
		}
		if active, idle := x.Conns(); active != 0 || idle != 1 {
			t.Errorf("%s: %d active, %d idle connections after answers in sequence, want 0 and 1", client, active, idle)
		}
		// POST is not replayed: the server's close is the request's error.
		e := newExchange(target, "/close")
		e.req.Header.SetMethod("POST")
		if _, err := e.send(x); err == nil {
			t.Errorf("%s /close: no error for a connection closed without an answer", client)
		}
		e = newExchange(target, "/silent")
		start := time.Now()
		_, err := x.Exchange(context.Background(), &e.req, &e.resp, start, 200*time.Millisecond, &e.out, &e.lr)
		var te interface{ Timeout() bool }
		if !errors.As(err, &te) || !te.Timeout() {
			t.Errorf("%s /silent: %v, want a timeout", client, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s /silent: gave up after %v, want about the 200ms timeout", client, d)
		}
		x.CloseIdle()
	}
}

// okAnswer is the slow servers' answer below.
const okAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// TestArmedDeadline: a plain TCP connection keeps the deadline an earlier
// request armed when it is no later than the next one's and far enough away
// (wconn.arm). A request whose answer comes after that armed deadline but
// before its own still gets it, and one that gets no answer times out at its
// own deadline, not at the armed one.
func TestArmedDeadline(t *testing.T) {
	ended := make(chan struct{})
	t.Cleanup(func() { close(ended) })
	base := transporttest.RawServer(t, true, func(requestLine []byte) []byte {
		var wait time.Duration
		if _, after, found := strings.Cut(string(requestLine), "/wait/"); found {
			ms, _ := strconv.Atoi(strings.Fields(after)[0])
			wait = time.Duration(ms) * time.Millisecond
		}
		select {
		case <-time.After(wait): // a slow answer
		case <-ended:
		}
		return []byte(okAnswer)
	})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	send := func(x transport.Exchanger, path string, start time.Time, timeout time.Duration) error {
		e := newExchange(target, path)
		_, err := x.Exchange(context.Background(), &e.req, &e.resp, start, timeout, &e.out, &e.lr)
		return err
	}
	// primed is a pool whose one connection has the deadline of a request
	// that started ago before now with a timeout of 2 s armed.
	primed := func(t *testing.T, ago time.Duration) transport.Exchanger {
		x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: transport.ClientFast}, MaxIdle: 1})
		t.Cleanup(x.CloseIdle)
		if err := send(x, "/wait/0", time.Now().Add(-ago), 2*time.Second); err != nil {
			t.Fatal(err)
		}
		return x
	}
	t.Run("answer after the armed deadline", func(t *testing.T) {
		t.Parallel()
		x := primed(t, 800*time.Millisecond) // armed: now + 1.2 s; the next request's own deadline: now + 2 s
		if err := send(x, "/wait/1600", time.Now(), 2*time.Second); err != nil {
			t.Errorf("an answer after 1.6 s, timeout 2 s: %v; want the answer", err)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		x := primed(t, 500*time.Millisecond) // armed: now + 1.5 s; the next request's own deadline: now + 2.5 s
		start := time.Now()
		err := send(x, "/wait/60000", start, 2500*time.Millisecond)
		var te interface{ Timeout() bool }
		if took := time.Since(start); !errors.As(err, &te) || !te.Timeout() || took < 2500*time.Millisecond || took > 5*time.Second {
			t.Errorf("no answer, timeout 2.5 s: %v after %v; want a timeout at 2.5 s", err, took)
		}
	})
}

// TestCancelSharedContext: requests in flight under one context (a run's VUs
// share one) end at once when it is cancelled, whichever finished before;
// the connections of those that finished stay open for reuse.
func TestCancelSharedContext(t *testing.T) {
	ended := make(chan struct{})
	t.Cleanup(func() { close(ended) })
	var mu sync.Mutex
	release := map[string]chan struct{}{}
	hold := func(id string) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		if release[id] == nil {
			release[id] = make(chan struct{})
		}
		return release[id]
	}
	var conns atomic.Int64
	arrived := make(chan string, 8)
	base := transporttest.ConnServer(t, func(conn net.Conn) {
		conns.Add(1)
		transporttest.ServeRaw(conn, true, func(requestLine []byte) []byte {
			if id, found := strings.CutPrefix(strings.Fields(string(requestLine))[1], "/hold/"); found {
				arrived <- id
				select {
				case <-hold(id):
				case <-ended:
				}
			}
			return []byte(okAnswer)
		})
	})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	x := transport.NewPool(transport.PoolOptions{Target: target, Plan: transport.Plan{Client: transport.ClientFast}, MaxIdle: 8})
	defer x.CloseIdle()
	done := map[string]chan error{}
	// start sends a held request for each id under ctx and waits until the
	// server has them all.
	start := func(ctx context.Context, ids ...string) {
		for _, id := range ids {
			ch := make(chan error, 1)
			done[id] = ch
			go func() {
				e := newExchange(target, "/hold/"+id)
				_, err := x.Exchange(ctx, &e.req, &e.resp, time.Now(), 30*time.Second, &e.out, &e.lr)
				ch <- err
			}()
		}
		for range ids {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the requests never reached the server")
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start(ctx, "a", "b", "c", "d", "e")
	for _, id := range []string{"b", "a", "e"} { // off the list from its middle, front and back
		close(hold(id))
		if err := <-done[id]; err != nil {
			t.Fatalf("request %s: %v", id, err)
		}
	}
	cancel()
	for _, id := range []string{"c", "d"} {
		select {
		case err := <-done[id]:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("request %s after the cancel: %v, want canceled", id, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("request %s was not ended by the cancel", id)
		}
	}
	if active, idle := x.Conns(); active != 0 || idle != 3 {
		t.Errorf("%d active, %d idle connections after the cancel, want the three finished ones idle", active, idle)
	}
	// Three at once, each on one of the connections kept: none was closed,
	// so none is dialled.
	start(context.Background(), "f", "g", "h")
	if n := conns.Load(); n != 5 {
		t.Errorf("%d connections in all, want 5 (the finished requests' reused)", n)
	}
	for _, id := range []string{"f", "g", "h"} {
		close(hold(id))
		if err := <-done[id]; err != nil {
			t.Errorf("request %s: %v", id, err)
		}
	}
}

// TestServerResetIdleConnection: a kept connection that the server has since
// reset (closed with SO_LINGER 0, as a server that drops idle clients may)
// fails the next request — the fast client's own write (rawio.go) gets
// ECONNRESET — and the exchange takes another connection and gets its
// answer. Both transports agree.
func TestServerResetIdleConnection(t *testing.T) {
	const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	var conns atomic.Int32
	reset := make(chan struct{}, 1)
	base := transporttest.ConnServer(t, func(conn net.Conn) {
		conns.Add(1)
		transporttest.ServeRaw(conn, false, func([]byte) []byte { return []byte(answer) })
		_ = conn.(*net.TCPConn).SetLinger(0)
		_ = conn.Close() // a reset
		reset <- struct{}{}
	})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	eachTransport(t, target, func(t *testing.T, _ string, x transport.Exchanger) {
		conns.Store(0)
		for i := range 3 {
			e := newExchange(target, "/r")
			if body, err := e.send(x); err != nil || string(body) != "ok" {
				t.Fatalf("request %d: %q %v; want its answer on another connection", i, body, err)
			}
			select {
			case <-reset:
			case <-time.After(10 * time.Second):
				t.Fatalf("request %d: the server did not close its connection", i)
			}
		}
		if n := conns.Load(); n != 3 {
			t.Errorf("the server accepted %d connections, want 3 (one a request: each kept one was reset)", n)
		}
	})
}
