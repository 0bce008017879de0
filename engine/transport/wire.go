package transport

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// The wire is the run's HTTP/1.1 connection pool. It sends each request from
// the VU's own goroutine: take an idle keep-alive connection (or dial one),
// write the request, read the answer, put the connection back. net/http's
// transport hands every request to two goroutines per connection and back,
// and allocates a header map, a context and channels per request; in the
// profiles of a sweep that machinery was about 40% of the CPU and most of the
// garbage (docs/benchmarks.md, "net/http's transport").
// fasthttp's Request and Response do the serialising and parsing, reused
// across requests; the pool, timeouts, cancellation and retries are ours.
//
// Timeouts are connection deadlines. A request's context is honoured while it
// is on the wire: the first request under a cancellable context arranges that
// its cancellation closes the connections busy with that context's requests.
//
// A wire is one endpoint group's pool (Exchanger): slots,
// when the group has a connection limit, bounds its connections, busy and idle.
type wire struct {
	addr    string // host:port to dial
	tlsConf *tls.Config
	dialer  net.Dialer
	dialFn  func(ctx context.Context, network, addr string) (net.Conn, error) // tests; nil: dialer
	maxIdle int
	slots   chan struct{} // one per busy connection; nil: no limit

	mu   sync.Mutex
	idle []*wconn // LIFO: the most recently used first, so idle ones age out
	open int      // connections dialled and not yet closed

	watched sync.Map // ctx.Done() channel -> *watch: contexts whose cancellation closes their connections
	// lastWatch is the watch looked up last: a run's requests share one
	// context, so it is nearly always the one, found without the map.
	lastWatch atomic.Pointer[watch]
}

// idleTimeout closes connections unused for this long (servers drop them too).
const idleTimeout = 90 * time.Second

// peekAfter is how long a kept connection must have lain idle before it is
// looked at for a close by the server (a peek: one system call, about 1 µs,
// 4–5% of a request's CPU). Servers drop idle connections after seconds (an
// idle timeout) or while shutting down; a connection taken back at once — a
// VU without think time — is spared the call, and a request written on one
// closed within that time is retried as any stale connection's is.
var peekAfter = time.Millisecond

// dialTimeout bounds a connection's dial and TLS handshake.
const dialTimeout = 10 * time.Second

// wconn is one keep-alive connection. It holds no buffers between exchanges:
// an exchange borrows a request buffer and an answer reader from a pool
// (exchangeBufs), so the few in use stay in the cache, whichever of the run's
// connections a request takes, and an idle connection costs no buffer memory.
// (Borrowed, they measured 1-2% less CPU a journey request than a pair per
// connection: bench/run.sh p.)
type wconn struct {
	net.Conn
	r        io.Reader // what an answer is read from: raw, or the connection
	lastUse  time.Time
	deadline bool // a deadline is set and must be cleared for a request without timeout
	watchAt  int  // its place in the busy list of the watch it is on (watch.add)

	raw  *rawConn    // plain TCP; nil for TLS
	peek *idlePeeker // when raw is nil: looks whether the server closed it while idle
}

// sentNothing reports that cn's exchange failed with nothing of its request
// written: the server closed the kept connection while it was idle, or the
// write failed at its first byte (rawConn.checkIdle).
func (cn *wconn) sentNothing() bool { return cn.raw != nil && cn.raw.sentNothing() }

// errClosedIdle is an exchange on a kept connection that the server had
// closed: nothing of the request was written. The request goes on another
// connection, whatever its method.
var errClosedIdle = errors.New("kept connection closed by the server before the request was written")

// exchangeBufs is what an exchange borrows: the request's buffer (written with
// one system call) and the answer's reader.
type exchangeBufs struct {
	bw  *bufio.Writer // into req
	req bytes.Buffer
	br  *bufio.Reader
	// big replaces br for an answer whose header did not fit in it (grow);
	// nil for the usual answer.
	big *bufio.Reader
	pre *prefixed
}

// MaxHeaderBytes bounds an answer's header (status line, header lines and
// interim answers): 1 MiB, net/http's server default. The answer's reader
// holds 8 KiB; a larger header is read into a reader grown for that answer
// alone (doubling, up to the limit), so a connection's usual buffer stays
// small. std sets net/http's MaxResponseHeaderBytes to the same.
const MaxHeaderBytes = 1 << 20

// readerSize is the size of an exchange's answer reader.
const readerSize = 8192

// ErrHeaderTooLarge is an answer whose header is over MaxHeaderBytes.
var ErrHeaderTooLarge = errors.New("answer header larger than 1 MiB (the limit on an answer's header)")

// prefixed reads pre, then r: what a grown reader reads (grow).
type prefixed struct {
	pre []byte
	r   io.Reader
}

func (p *prefixed) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// grow gives the exchange on cn a reader of size bytes holding what its
// current one holds (an answer's header that did not fit) and reading on
// from the connection. Rare: it allocates.
func (b *exchangeBufs) grow(cn *wconn, size int) *bufio.Reader {
	cur := b.reader()
	held, _ := cur.Peek(cur.Buffered())
	pre := append([]byte(nil), held...)
	if b.pre != nil {
		pre = append(pre, b.pre.pre...)
	}
	_, _ = cur.Discard(len(held))
	b.pre = &prefixed{pre: pre, r: cn.r}
	b.big = bufio.NewReaderSize(b.pre, size)
	return b.big
}

// reader is the exchange's answer reader: br, or the one grown.
func (b *exchangeBufs) reader() *bufio.Reader {
	if b.big != nil {
		return b.big
	}
	return b.br
}

// smallBuffer reports fasthttp's error for a header that does not fit.
func smallBuffer(err error) bool {
	if err == nil {
		return false // the usual answer: sb below would be allocated
	}
	var sb *fasthttp.ErrSmallBuffer
	return errors.As(err, &sb)
}

// The answer's reader holds 8 KiB: a page of records (5–8 KiB) then comes in
// one read system call, not two (4 KiB: 1.07 reads a journey request, 8 KiB:
// 1.03). Borrowed per exchange, it costs memory per request on the wire only
// (plan.Measured.InFlightBytes).
var bufsPool = sync.Pool{New: func() any {
	b := &exchangeBufs{br: bufio.NewReaderSize(nil, readerSize)}
	b.bw = bufio.NewWriterSize(&b.req, 4096)
	return b
}}

// borrow lends cn an exchange's buffers.
func (cn *wconn) borrow() *exchangeBufs {
	b := bufsPool.Get().(*exchangeBufs)
	b.br.Reset(cn.r)
	return b
}

// giveBack ends an exchange on cn and returns its buffers to the pool. The
// request's bytes are written by now (the answer's first read writes them).
// clean is false when the server sent more than its answer: those bytes
// answer nothing that was asked, so the connection is not reused.
func (cn *wconn) giveBack(b *exchangeBufs) (clean bool) {
	if cn.raw != nil {
		cn.raw.drop() // a request never written (the exchange failed first)
	}
	clean = b.br.Buffered() == 0
	if b.big != nil { // the header did not fit in br (grow)
		clean = clean && b.big.Buffered() == 0 && len(b.pre.pre) == 0
		b.big, b.pre = nil, nil
	}
	b.br.Reset(nil)
	b.bw.Reset(&b.req) // a request whose writing failed may have left bytes
	b.req.Reset()
	if b.req.Cap() > 64<<10 {
		b.req = bytes.Buffer{} // do not keep a rare large body's buffer
	}
	bufsPool.Put(b)
	return clean
}

// newWire returns a pool for the target; tlsConf is used for https.
// maxConns > 0 limits its connections; dial, when not nil, replaces the dialer.
func newWire(scheme, hostport string, maxIdle, maxConns int, tlsConf *tls.Config, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *wire {
	w := &wire{
		addr:    hostport,
		maxIdle: maxIdle,
		dialer:  net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		dialFn:  dial,
	}
	if maxConns > 0 {
		w.slots = make(chan struct{}, maxConns)
		w.maxIdle = min(maxIdle, maxConns)
	}
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		port := "80"
		if scheme == "https" {
			port = "443"
		}
		// An IPv6 address without a port keeps its brackets in a URL's
		// host ([::1]); JoinHostPort adds its own.
		host := strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
		w.addr = net.JoinHostPort(host, port)
	}
	if scheme == "https" {
		w.tlsConf = tlsConf.Clone()
		if w.tlsConf == nil {
			w.tlsConf = &tls.Config{}
		}
		if w.tlsConf.ServerName == "" {
			w.tlsConf.ServerName, _, _ = net.SplitHostPort(w.addr)
		}
		w.tlsConf.NextProtos = []string{"http/1.1"}
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
// caller just before, saves clock reads here. A kept connection is looked at
// before its request is written: one the server closed while it was idle is
// dropped and the request, whatever its method, goes on another (a peek:
// rawConn.checkIdle, idlePeeker); so does one whose write failed before a
// byte of it went out. A request that may be replayed (GET, HEAD, PUT,
// DELETE, OPTIONS) is also sent again when a reused connection fails after
// the write but before a byte of the answer (the server closed it meanwhile),
// as net/http does.
// A request is req, or when written is not nil the bytes it holds, sent as
// they are (ExchangeWritten).
func (w *wire) exchange(ctx context.Context, req *fasthttp.Request, written *Written, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error) {
	done := ctx.Done()
	var wt *watch
	if done != nil {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		if wt = w.lastWatch.Load(); wt == nil || wt.done != done {
			if v, ok := w.watched.Load(done); ok {
				wt = v.(*watch)
			} else {
				wt = w.watch(ctx, done)
			}
			w.lastWatch.Store(wt)
		}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = start.Add(timeout)
	}
	if w.slots != nil {
		if err := w.acquire(ctx, deadline); err != nil {
			return nil, err
		}
		defer func() { <-w.slots }()
	}
	var replayable, head, closing bool
	if written != nil {
		replayable, head = replayableMethod(written.Method), written.Method == fasthttp.MethodHead
	} else {
		replayable, head, closing = replayableRequest(req), req.Header.IsHead(), req.Header.ConnectionClose()
	}
	for replays := 0; ; {
		cn, reused, err := w.get(ctx, start, deadline)
		if err != nil {
			return nil, err
		}
		if wt != nil && !wt.add(cn) {
			w.discard(cn)
			return nil, context.Cause(ctx)
		}
		if timeout > 0 {
			err = cn.arm(start, deadline)
		} else if cn.deadline {
			err = cn.disarm()
		}
		bufs := cn.borrow()
		br := bufs.br
		if err == nil && written != nil {
			err = cn.send(written.Bytes) // unchanged until the exchange ends
		} else if err == nil {
			err = req.Write(bufs.bw)
			if err == nil {
				err = bufs.bw.Flush()
			}
			if err == nil {
				err = cn.send(bufs.req.Bytes())
			}
		}
		if err == nil {
			resp.SkipBody = head
			quick := false
			if written != nil { // a catalog call: the client reads little of the header
				quick, err = readHeadQuick(resp, br)
			}
			if err == nil && !quick {
				err = readHead(resp, br)
			}
			for size := 2 * readerSize; smallBuffer(err) && size <= MaxHeaderBytes; size *= 2 {
				br = bufs.grow(cn, size) // a header over 8 KiB: rare
				err = readHead(resp, br)
			}
			if smallBuffer(err) {
				err = ErrHeaderTooLarge
			}
		}
		if err != nil {
			if cn.raw == nil && errors.Is(err, io.EOF) {
				err = tlsCause(cn.Conn, err)
			}
			cn.giveBack(bufs)
			wt.remove(cn)
			w.discard(cn)
			if done != nil && ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			if reused && cn.sentNothing() {
				continue // the server had closed the idle connection: try another
			}
			if reused && replays < 2 && replayable && staleConn(err) {
				replays++
				continue // closed by the server as the request went out
			}
			return nil, wireError(err)
		}
		body, err := readBody(resp, br, out, lr)
		clean := cn.giveBack(bufs)
		var tooLong error // drained whole: the connection is fine
		if errors.Is(err, errTooLong) {
			tooLong, err = err, nil
		}
		// After a 101 the connection speaks another protocol: never reused.
		if err != nil || !clean || resp.ConnectionClose() || closing || resp.StatusCode() == fasthttp.StatusSwitchingProtocols {
			wt.remove(cn)
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
		wt.remove(cn)
		if done != nil && ctx.Err() != nil {
			w.discard(cn)
			return body, tooLong
		}
		// Idle from now, not from the request's start: peekAfter measures how
		// long the connection lay unused (a clock read, against a system call).
		w.put(cn, time.Now())
		return body, tooLong
	}
}

// tlsCause is the TLS connection's own error behind err, an io.EOF: fasthttp
// reports any failure of an answer's first read as io.EOF, and a TLS 1.3
// server's alert (a client certificate required or refused) comes at that
// read. tls.Conn keeps its error: a read returns it again at once.
func tlsCause(c net.Conn, err error) error {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return err
	}
	var b [1]byte
	if _, rerr := tc.Read(b[:]); rerr != nil && !errors.Is(rerr, io.EOF) {
		return rerr
	}
	return err
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
		if out == nil && n <= br.Buffered() && len(resp.Header.ContentEncoding()) == 0 {
			// Nobody reads it, and the read that brought the head brought it
			// too: dropped where it lies, not copied into a pooled body first.
			// (An encoded one is read: the client checks its encoding.)
			_, err := br.Discard(n)
			return nil, err
		}
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
var errTooLong = ErrTooLong

const maxBody = MaxBody

// maxDrainWhole is the largest answer nobody reads that is read whole (one
// read, the usual small answer) rather than drained.
const maxDrainWhole = 64 << 10

// replayableRequest mirrors net/http: methods that may be sent twice.
func replayableRequest(req *fasthttp.Request) bool {
	h := &req.Header
	return h.IsGet() || h.IsHead() || h.IsPut() || h.IsDelete() || h.IsOptions()
}

// replayableMethod is replayableRequest for a method's name.
func replayableMethod(m string) bool {
	switch m {
	case fasthttp.MethodGet, fasthttp.MethodHead, fasthttp.MethodPut, fasthttp.MethodDelete, fasthttp.MethodOptions:
		return true
	}
	return false
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

// ProtocolError is an answer that is not valid HTTP/1.x: not HTTP at all, a
// bad length or framing, cut short. (An HTTP/1.0 answer is valid; its
// connection closes after it unless it says keep-alive.)
type ProtocolError struct{ Err error }

func (e *ProtocolError) Error() string { return "malformed answer: " + e.Err.Error() }
func (e *ProtocolError) Unwrap() error { return e.Err }

// get returns an idle connection, or dials one; reused says which. One idle
// for peekAfter or more is looked at for a close by the server: here without
// raw reads (one found closed is closed and the next taken), in its exchange's
// own pass through the poller with them (rawConn.checkIdle).
func (w *wire) get(ctx context.Context, now, deadline time.Time) (*wconn, bool, error) {
	w.mu.Lock()
	for n := len(w.idle); n > 0; n = len(w.idle) {
		cn := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		if idle := now.Sub(cn.lastUse); idle < idleTimeout {
			w.mu.Unlock()
			switch {
			case idle < peekAfter:
				return cn, true, nil
			case cn.raw != nil:
				cn.raw.checkIdle() // in the exchange's own pass through the poller
				return cn, true, nil
			case cn.peek == nil || !cn.peek.closedByPeer():
				return cn, true, nil
			}
			w.discard(cn)
			w.mu.Lock()
			continue
		}
		w.open--
		w.mu.Unlock()
		_ = cn.Close()
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
	cn := &wconn{Conn: d.c, r: d.c}
	if cn.raw = newRawConn(d.c); cn.raw != nil {
		cn.r = cn.raw
	} else {
		cn.peek = newIdlePeeker(d.c)
	}
	w.mu.Lock()
	w.open++
	w.mu.Unlock()
	return cn, nil
}

func (w *wire) connect(ctx context.Context, deadline time.Time) (net.Conn, error) {
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	dial := w.dialer.DialContext
	if w.dialFn != nil {
		dial = w.dialFn
	}
	c, err := dial(ctx, "tcp", w.addr)
	if err != nil || w.tlsConf == nil {
		return c, err
	}
	hctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	tc := tls.Client(c, w.tlsConf)
	if err := tc.HandshakeContext(hctx); err != nil {
		_ = c.Close()
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
	w.open--
	w.mu.Unlock()
	_ = cn.Close()
}

// discard closes a connection that failed or that the server is closing.
// (Close errors are dropped here and below: the connection is done with, and
// nothing of a request's outcome depends on how it closed.)
func (w *wire) discard(cn *wconn) {
	w.mu.Lock()
	w.open--
	w.mu.Unlock()
	_ = cn.Close()
}

// arm gives an exchange starting at start its deadline. A plain TCP
// connection keeps the deadline an earlier request armed while that is no
// later than this one's and still half this timeout away or more: setting the
// poller's deadline re-arms a runtime timer, about 1% of a journey request's
// CPU (bench/run.sh p), and answers rarely take half their timeout. Armed
// earlier, it may fire first; the read then arms this one's and waits on
// (rawConn.read), so a request still times out at its own deadline, never
// before.
func (cn *wconn) arm(start, deadline time.Time) error {
	if cn.raw != nil && cn.raw.keeps(start, deadline) {
		return nil
	}
	cn.deadline = true
	return cn.SetDeadline(deadline)
}

// disarm clears the connection's deadline for an exchange without timeout.
func (cn *wconn) disarm() error {
	cn.deadline = false
	if cn.raw != nil {
		cn.raw.disarm()
	}
	return cn.SetDeadline(time.Time{})
}

// send writes the request b with one system call. On plain TCP it leaves b
// for the answer's first read, which writes it and waits for the answer in
// one pass (rawio.go); b stays unchanged until then (giveBack).
func (cn *wconn) send(b []byte) error {
	if cn.raw != nil {
		cn.raw.send(b)
		return nil
	}
	_, err := cn.Write(b)
	return err
}

// watch makes the cancellation of ctx close the connections busy with its
// requests: their reads and writes fail at once, and exchange reports the
// context's error. One registration per context; a cancellation touches only
// that context's connections.
func (w *wire) watch(ctx context.Context, done <-chan struct{}) *watch {
	wt := &watch{done: done}
	if v, loaded := w.watched.LoadOrStore(done, wt); loaded {
		return v.(*watch)
	}
	context.AfterFunc(ctx, func() {
		w.watched.Delete(done)
		wt.mu.Lock()
		wt.ended = true
		busy := wt.busy
		wt.busy = nil
		wt.mu.Unlock()
		for _, cn := range busy {
			_ = cn.Close() // the owner's exchange sees the error and discards it
		}
	})
	return wt
}

// watch is a cancellable context's connections busy with its requests.
type watch struct {
	done  <-chan struct{}
	mu    sync.Mutex
	busy  []*wconn // a connection per request in flight under the context
	ended bool
}

// add registers cn; false once the context has ended.
func (wt *watch) add(cn *wconn) bool {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if wt.ended {
		return false
	}
	cn.watchAt = len(wt.busy)
	wt.busy = append(wt.busy, cn)
	return true
}

// remove takes cn off (nil wt: no context to watch).
func (wt *watch) remove(cn *wconn) {
	if wt == nil {
		return
	}
	wt.mu.Lock()
	// By its place (add): a run's VUs share one context, so the list holds
	// a connection per request in flight. Not there once the context ended.
	if i := cn.watchAt; i < len(wt.busy) && wt.busy[i] == cn {
		last := len(wt.busy) - 1
		moved := wt.busy[last]
		wt.busy[i], moved.watchAt = moved, i
		wt.busy[last] = nil
		wt.busy = wt.busy[:last]
	}
	wt.mu.Unlock()
}

// closeIdle closes the idle connections.
func (w *wire) closeIdle() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.open -= len(idle)
	w.mu.Unlock()
	for _, cn := range idle {
		_ = cn.Close()
	}
}

// The fast transport is the wire (wire.go): it implements Exchanger.
var _ Exchanger = (*wire)(nil)

// Exchange implements Exchanger.
func (w *wire) Exchange(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error) {
	return w.exchange(ctx, req, nil, resp, start, timeout, out, lr)
}

// ExchangeWritten implements WrittenExchanger.
func (w *wire) ExchangeWritten(ctx context.Context, req *Written, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error) {
	return w.exchange(ctx, nil, req, resp, start, timeout, out, lr)
}

// Written is a request its sender wrote as HTTP/1.1 bytes itself: the
// request line, the header (without Connection: close) and the body.
type Written struct {
	Bytes  []byte // unchanged until the exchange returns
	Method string // the request line's
}

// WrittenExchanger is an Exchanger that also sends a Written request as it
// is (the fast transport's wire). Writing a catalog call's few known headers
// by hand costs half of filling a fasthttp.Request and having it write
// itself (engine/client's BenchmarkWriteCall), and 3% of a journey request's
// CPU in all (bench/run.sh p).
type WrittenExchanger interface {
	Exchanger
	ExchangeWritten(ctx context.Context, req *Written, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error)
}

var _ WrittenExchanger = (*wire)(nil)

// CloseIdle implements Exchanger.
func (w *wire) CloseIdle() { w.closeIdle() }

// Conns implements Exchanger.
func (w *wire) Conns() (active, idle int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.open - len(w.idle), len(w.idle)
}

// acquire waits for one of the group's connection slots, until the
// request's deadline or the end of its context: a group whose connections
// are all busy queues its own requests and no one else's.
func (w *wire) acquire(ctx context.Context, deadline time.Time) error {
	select {
	case w.slots <- struct{}{}:
		return nil
	default:
	}
	var expire <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expire = t.C
	}
	select {
	case w.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-expire:
		return os.ErrDeadlineExceeded // a timeout: no connection came free in time
	}
}
