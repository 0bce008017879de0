package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// The wire is the run's HTTP/1.1 connection pool. It sends each request from
// the VU's own goroutine: take an idle keep-alive connection (or dial one),
// write the request, read the answer, put the connection back. net/http's
// transport hands every request to two goroutines per connection and back,
// and allocates a header map, a context and channels per request; on a load
// generator's hot path that was most of the CPU (docs/benchmarks.md).
// fasthttp's Request and Response do the serialising and parsing, reused
// across requests; the pool, timeouts, cancellation and retries are ours.
//
// Timeouts are connection deadlines. A request's context is honoured while it
// is on the wire: the first request under a cancellable context arranges that
// its cancellation closes the connections busy with that context's requests.
type wire struct {
	addr    string // host:port to dial
	tlsConf *tls.Config
	dialer  net.Dialer
	maxIdle int

	mu   sync.Mutex
	idle []*wconn // LIFO: the most recently used first, so idle ones age out
	all  map[*wconn]struct{}

	watched sync.Map // ctx.Done() channel -> struct{}: contexts whose cancellation closes their connections
}

// idleTimeout closes connections unused for this long (servers drop them too).
const idleTimeout = 90 * time.Second

// dialTimeout bounds a connection's dial and TLS handshake.
const dialTimeout = 10 * time.Second

// wconn is one keep-alive connection with its buffers.
type wconn struct {
	net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer // into req: a request is written with one system call
	req      bytes.Buffer
	lastUse  time.Time
	deadline bool // a deadline is set and must be cleared for a request without timeout

	raw *rawConn // plain TCP; nil for TLS

	ownerMu sync.Mutex
	owner   <-chan struct{} // Done of the context of the request on it, nil when idle
}

func newWire(scheme, hostport string, maxIdle int) *wire {
	w := &wire{
		addr:    hostport,
		maxIdle: maxIdle,
		dialer:  net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		all:     map[*wconn]struct{}{},
	}
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		port := "80"
		if scheme == "https" {
			port = "443"
		}
		w.addr = net.JoinHostPort(hostport, port)
	}
	if scheme == "https" {
		host, _, _ := net.SplitHostPort(w.addr)
		w.tlsConf = &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"}}
	}
	return w
}

// exchange sends req and reads the answer's status and headers into resp,
// and returns up to maxBody bytes of its body (nil out: the body is read and
// dropped). A body of a known length within maxBody is read whole into resp
// and returned from there; any other is streamed: its first maxBody bytes
// into out (reset first, since it may hold req's body), the rest read and
// discarded, so the connection is reused.
// timeout bounds the whole exchange from start (0: none); start, read by the
// caller just before, saves clock reads here. A request that may be replayed
// (GET, HEAD, PUT, DELETE, OPTIONS) is sent again on another connection when a
// reused connection turns out to have been closed by the server.
func (w *wire) exchange(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error) {
	done := ctx.Done()
	if done != nil {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		if _, ok := w.watched.Load(done); !ok {
			w.watch(ctx, done)
		}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = start.Add(timeout)
	}
	replayable := replayable(req)
	for attempt := 0; ; attempt++ {
		cn, reused, err := w.get(ctx, start, deadline)
		if err != nil {
			return nil, err
		}
		cn.setOwner(done)
		if done != nil && ctx.Err() != nil {
			w.discard(cn)
			return nil, context.Cause(ctx)
		}
		if timeout > 0 {
			err = cn.SetDeadline(deadline)
			cn.deadline = true
		} else if cn.deadline {
			err = cn.SetDeadline(time.Time{})
			cn.deadline = false
		}
		if err == nil {
			err = req.Write(cn.bw)
			if err == nil {
				err = cn.bw.Flush()
			}
			if err == nil {
				err = cn.send()
			}
		}
		if err == nil {
			resp.SkipBody = req.Header.IsHead()
			err = readHead(resp, cn.br)
		}
		if err != nil {
			w.discard(cn)
			if done != nil && ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			if reused && attempt < 2 && replayable && staleConn(err) {
				continue // the server had closed the idle connection: try another
			}
			return nil, wireError(err)
		}
		body, err := readBody(resp, cn.br, out, lr)
		var tooLong error // drained whole: the connection is fine
		if errors.Is(err, errTooLong) {
			tooLong, err = err, nil
		}
		if err != nil || resp.ConnectionClose() || req.Header.ConnectionClose() {
			w.discard(cn)
			if err != nil && done != nil && ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			var te interface{ Timeout() bool }
			if err != nil && !errors.As(err, &te) {
				return nil, &ProtocolError{Err: err} // an answer cut short or badly chunked
			}
			if err == nil {
				err = tooLong
			}
			return body, err
		}
		// Release ownership before looking at the context: a cancellation after
		// the look then finds no owner and leaves the connection alone; one
		// before it may have closed it, so it is not handed to the next request.
		cn.setOwner(nil)
		if done != nil && ctx.Err() != nil {
			w.discard(cn)
			return body, tooLong
		}
		w.put(cn, start)
		return body, tooLong
	}
}

// maxInterim bounds the 1xx answers read before the final one.
const maxInterim = 8

// readHead reads the answer's status line and header, passing over interim
// (1xx) answers.
func readHead(resp *fasthttp.Response, br *bufio.Reader) error {
	resp.ResetBody()
	for n := 0; ; n++ {
		if err := resp.Header.Read(br); err != nil {
			return err
		}
		if c := resp.StatusCode(); c >= 200 || c == fasthttp.StatusSwitchingProtocols {
			return nil
		}
		if n == maxInterim {
			return errors.New("more than 8 interim (1xx) answers")
		}
	}
}

// readBody reads the body of the answer whose header resp holds. A length
// known and within maxBody (the usual answer) is read whole into resp, the
// body returned from there; otherwise the body is streamed: up to maxBody
// bytes into out, the rest read and dropped. out nil drops it all, holding
// no more than maxDrainWhole of it.
func readBody(resp *fasthttp.Response, br *bufio.Reader, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error) {
	c := resp.StatusCode()
	if resp.SkipBody || c < 200 || c == fasthttp.StatusNoContent || c == fasthttp.StatusNotModified {
		return nil, nil // no body, whatever the header says
	}
	// An answer nobody reads (out nil) is read whole only when small: a larger
	// one is drained through a small buffer, never held.
	whole := maxBody
	if out == nil {
		whole = maxDrainWhole
	}
	if n := resp.Header.ContentLength(); n >= 0 && n <= whole {
		resp.StreamBody = false
		if err := resp.ReadBody(br, maxBody); err != nil {
			return nil, fmt.Errorf("read answer: %w", err)
		}
		return resp.Body(), nil
	}
	// Chunked, until the connection closes, or too long.
	want := out != nil
	if n := resp.Header.ContentLength(); n > maxBody {
		out = nil // too long to keep: drained, reported as such
	}
	resp.StreamBody = true
	if err := resp.ReadBody(br, maxBody); err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	stream := resp.BodyStream()
	var body []byte
	var err error
	if out != nil {
		out.Reset() // it may have held the body sent, written out by now
		*lr = io.LimitedReader{R: stream, N: maxBody}
		_, err = out.ReadFrom(lr)
		lr.R = nil // the stream goes back to fasthttp's pool
		body = out.Bytes()
	}
	var rest int64
	if err == nil {
		rest, err = io.Copy(io.Discard, stream)
	}
	if cerr := resp.CloseBodyStream(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if (out != nil || want) && (rest > 0 || resp.Header.ContentLength() > maxBody) {
		return nil, errTooLong
	}
	return body, nil
}

// errTooLong is readBody's answer to an answer it was asked to keep that is
// longer than maxBody: drained whole (the connection is reusable), not kept.
var errTooLong = errors.New("answer longer than the limit, not kept")

// maxDrainWhole is the largest answer nobody reads that is read whole (one
// read, the usual small answer) rather than drained.
const maxDrainWhole = 64 << 10

// replayable mirrors net/http: methods that may be sent twice.
func replayable(req *fasthttp.Request) bool {
	h := &req.Header
	return h.IsGet() || h.IsHead() || h.IsPut() || h.IsDelete() || h.IsOptions()
}

// staleConn reports an error that a keep-alive connection closed by the
// server (or closed here, by a cancellation racing its return to the pool)
// gives before any answer: nothing of the request was processed.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) // closed here by another context's cancellation
}

// wireError gives fasthttp's parse errors the protocol kind (see classify).
func wireError(err error) error {
	if err == nil {
		return nil
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) || staleConn(err) {
		return err
	}
	return &ProtocolError{Err: err}
}

// ProtocolError is an answer that is not valid HTTP/1.1.
type ProtocolError struct{ Err error }

func (e *ProtocolError) Error() string { return "malformed answer: " + e.Err.Error() }
func (e *ProtocolError) Unwrap() error { return e.Err }

// get returns an idle connection, or dials one; reused says which.
func (w *wire) get(ctx context.Context, now, deadline time.Time) (*wconn, bool, error) {
	w.mu.Lock()
	for n := len(w.idle); n > 0; n = len(w.idle) {
		cn := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		if now.Sub(cn.lastUse) < idleTimeout {
			w.mu.Unlock()
			return cn, true, nil
		}
		delete(w.all, cn)
		w.mu.Unlock()
		cn.Close()
		w.mu.Lock()
	}
	w.mu.Unlock()
	cn, err := w.dial(ctx, deadline)
	return cn, false, err
}

func (w *wire) dial(ctx context.Context, deadline time.Time) (*wconn, error) {
	// Dialling (resolver, connect, TLS handshake) runs deep: on its own short
	// goroutine it leaves the VU's stack small (2–4 KB rather than 16 KB),
	// which is what a VU thinking for long keeps. Dials are rare: connections
	// are reused.
	type dialed struct {
		c   net.Conn
		err error
	}
	ch := make(chan dialed, 1)
	go func() {
		c, err := w.connect(ctx, deadline)
		ch <- dialed{c, err}
	}()
	d := <-ch // connect honours ctx and the deadline
	if d.err != nil {
		return nil, d.err
	}
	cn := &wconn{Conn: d.c}
	var r io.Reader = d.c
	if cn.raw = newRawConn(d.c); cn.raw != nil {
		r = cn.raw
	}
	cn.br = bufio.NewReaderSize(r, 4096)
	cn.bw = bufio.NewWriterSize(&cn.req, 4096)
	w.mu.Lock()
	w.all[cn] = struct{}{}
	w.mu.Unlock()
	return cn, nil
}

func (w *wire) connect(ctx context.Context, deadline time.Time) (net.Conn, error) {
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	c, err := w.dialer.DialContext(ctx, "tcp", w.addr)
	if err != nil || w.tlsConf == nil {
		return c, err
	}
	hctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	tc := tls.Client(c, w.tlsConf)
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", w.addr, err)
	}
	return tc, nil
}

// put returns a healthy connection, its ownership released, to the idle pool
// (closing it when the pool is full). Its last use is dated to its request's
// start, not its end: earlier, so it is dropped sooner rather than later.
func (w *wire) put(cn *wconn, used time.Time) {
	cn.lastUse = used
	w.mu.Lock()
	if len(w.idle) < w.maxIdle {
		w.idle = append(w.idle, cn)
		w.mu.Unlock()
		return
	}
	delete(w.all, cn)
	w.mu.Unlock()
	cn.Close()
}

// discard closes a connection that failed or that the server is closing.
func (w *wire) discard(cn *wconn) {
	w.mu.Lock()
	delete(w.all, cn)
	w.mu.Unlock()
	cn.Close()
}

// send writes the request buffered in cn.req with one system call; on plain
// TCP it then waits until the answer is readable (rawConn.sendAndWait).
func (cn *wconn) send() error {
	b := cn.req.Bytes()
	defer func() {
		cn.req.Reset()
		if cn.req.Cap() > 64<<10 {
			cn.req = bytes.Buffer{} // do not keep a rare large body's buffer
		}
	}()
	if cn.raw != nil && cn.br.Buffered() == 0 {
		n, err := cn.raw.sendAndWait(b)
		if err != nil || n == len(b) {
			return err
		}
		b = b[n:] // the socket's buffer is full: Conn.Write waits for room
	}
	_, err := cn.Conn.Write(b)
	return err
}

func (cn *wconn) setOwner(done <-chan struct{}) {
	cn.ownerMu.Lock()
	cn.owner = done
	cn.ownerMu.Unlock()
}

// watch makes the cancellation of ctx close the connections busy with its
// requests: their reads and writes fail at once, and exchange reports the
// context's error. One registration per context.
func (w *wire) watch(ctx context.Context, done <-chan struct{}) {
	if _, loaded := w.watched.LoadOrStore(done, struct{}{}); loaded {
		return
	}
	context.AfterFunc(ctx, func() {
		w.watched.Delete(done)
		w.mu.Lock()
		var busy []*wconn
		for cn := range w.all {
			cn.ownerMu.Lock()
			if cn.owner == done {
				busy = append(busy, cn)
			}
			cn.ownerMu.Unlock()
		}
		w.mu.Unlock()
		for _, cn := range busy {
			cn.Close() // the owner's exchange sees the error and discards it
		}
	})
}

// closeIdle closes the idle connections.
func (w *wire) closeIdle() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	for _, cn := range idle {
		delete(w.all, cn)
	}
	w.mu.Unlock()
	for _, cn := range idle {
		cn.Close()
	}
}
