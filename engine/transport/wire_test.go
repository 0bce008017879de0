//go:build linux

package transport_test

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
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
