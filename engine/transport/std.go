package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// MaxBody bounds an answer that is kept to be parsed: a longer one is read
// and dropped, and the exchange answers ErrTooLong (the connection stays
// usable). It bounds what a hostile target can make a VU hold.
const MaxBody = 512 << 10

// ErrTooLong is an exchange's answer to an answer it was asked to keep that
// is longer than MaxBody: drained whole, not kept.
var ErrTooLong = errors.New("answer longer than the limit, not kept")

// Exchanger sends one request and reads its answer: the seam between the API
// client and a transport. req and resp are fasthttp's (the engine builds
// requests with its codec); an Exchanger is one endpoint group's pool.
type Exchanger interface {
	// Exchange sends req and reads the answer's status and headers into
	// resp, and returns up to MaxBody bytes of its body. out (nil: the body
	// may be dropped) is where a body that does not fit resp is read;
	// timeout bounds the whole exchange from start (0: none).
	Exchange(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error)
	// CloseIdle closes the idle connections.
	CloseIdle()
	// Conns counts the pool's connections: busy with a request, and idle.
	Conns() (active, idle int)
}

// Std is one endpoint group's pool on net/http: HTTP/1.1 and HTTP/2 (by
// ALPN over TLS, or prior knowledge over cleartext with HTTP/2 asked for),
// proxies with CONNECT for https targets, TLS options. It works on every
// platform; the price is net/http's per-request goroutine hand-offs and
// allocations (docs/benchmarks.md).
type Std struct {
	base string // scheme://host of the target
	t    *http.Transport

	open     atomic.Int64 // connections dialled and not closed
	inflight atomic.Int64
	protos   atomic.Uint32 // bit n: an answer came over HTTP/n (1 for 1.x)
}

// PoolOptions configure an endpoint group's pool, of either transport (NewPool).
type PoolOptions struct {
	Target   *url.URL
	Plan     Plan
	TLS      *tls.Config // https targets
	MaxConns int         // 0: no limit
	MaxIdle  int
	// Dial replaces the dialer (tests map names to loopback addresses).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewStd returns a pool for the target.
func NewStd(o PoolOptions) *Std {
	s := &Std{base: o.Target.Scheme + "://" + o.Target.Host}
	dial := o.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	// Each pool its own copy: net/http writes the ALPN list into the
	// transport's TLS config on first use, and pools share the run's.
	tlsConf := o.TLS
	if tlsConf != nil {
		tlsConf = tlsConf.Clone()
		// Through an https:// proxy the config serves the proxy's TLS too:
		// without a name of its own, net/http names each host it verifies
		// (the proxy's, the target's), rather than the target's for both.
		if p := o.Plan.Proxy; p != nil && p.Scheme == "https" && tlsConf.ServerName == o.Target.Hostname() {
			tlsConf.ServerName = ""
		}
	}
	t := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			s.open.Add(1)
			return &countedConn{Conn: c, open: &s.open}, nil
		},
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxConnsPerHost:     o.MaxConns,
		MaxIdleConns:        o.MaxIdle,
		MaxIdleConnsPerHost: o.MaxIdle,
		IdleConnTimeout:     90 * time.Second,
		// The engine asks for gzip itself and decodes it (counting wire and
		// decoded bytes); net/http must pass Content-Encoding through.
		DisableCompression:     true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: MaxHeaderBytes, // as the fast transport
	}
	if o.Plan.Proxy != nil {
		t.Proxy = http.ProxyURL(o.Plan.Proxy)
	}
	var p http.Protocols
	switch o.Plan.HTTPVersion {
	case Version11:
		p.SetHTTP1(true)
	case Version2:
		if o.Target.Scheme == "https" {
			p.SetHTTP2(true)
		} else {
			p.SetUnencryptedHTTP2(true) // h2c with prior knowledge
		}
	default:
		p.SetHTTP1(true)
		p.SetHTTP2(true)
	}
	t.Protocols = &p
	s.t = t
	return s
}

// countedConn takes itself off the open count once, when closed.
type countedConn struct {
	net.Conn
	open   *atomic.Int64
	closed atomic.Bool
}

func (c *countedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.open.Add(-1)
	}
	return c.Conn.Close()
}

// Exchange implements Exchanger.
func (s *Std) Exchange(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, start time.Time, timeout time.Duration, out *bytes.Buffer, lr *io.LimitedReader) ([]byte, error) {
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, start.Add(timeout))
		defer cancel()
	}
	var body io.Reader
	if b := req.Body(); len(b) > 0 {
		body = bytes.NewReader(b)
	}
	hreq, err := http.NewRequestWithContext(ctx, string(req.Header.Method()), s.base+string(req.Header.RequestURI()), body)
	if err != nil {
		return nil, err
	}
	hreq.Host = string(req.Header.Host())
	for k, v := range req.Header.All() {
		switch string(k) {
		case "Host", "Content-Length", "Connection", "Transfer-Encoding":
			continue
		}
		hreq.Header.Add(string(k), string(v))
	}
	if req.Header.ConnectionClose() {
		hreq.Close = true
	}
	hresp, err := s.t.RoundTrip(hreq)
	if err != nil {
		return nil, err
	}
	defer func() { _ = hresp.Body.Close() }() // read or drained by then: nothing to report
	s.protos.Or(1 << min(hresp.ProtoMajor, 31))
	resp.Reset() // a Sender reuses resp: nothing of the last answer may stay
	resp.Header.SetStatusCode(hresp.StatusCode)
	for k, vs := range hresp.Header {
		for _, v := range vs {
			resp.Header.Add(k, v)
		}
	}
	if hresp.StatusCode == http.StatusSwitchingProtocols || req.Header.IsHead() {
		// A 101's body is the new protocol: closing it closes the connection,
		// which net/http never pools.
		resp.Header.SetContentLength(0)
		return nil, nil
	}
	var n int64
	var kept []byte
	if out == nil && IsGzip(resp) {
		// Dropped, but decoded first as a browser would: read it into resp
		// (through a pooled buffer: io.Copy would allocate 32 KB a request);
		// one longer than MaxBody is dropped undecoded.
		bb := bodyBuffers.Get().(*bytes.Buffer)
		bb.Reset()
		n, err = bb.ReadFrom(io.LimitReader(hresp.Body, MaxBody+1))
		if n <= MaxBody {
			resp.SetBody(bb.Bytes())
			kept = resp.Body()
		}
		bodyBuffers.Put(bb)
	} else if out != nil {
		out.Reset()
		*lr = io.LimitedReader{R: hresp.Body, N: MaxBody}
		n, err = out.ReadFrom(lr)
		lr.R = nil
		kept = out.Bytes()
	}
	var rest int64
	if err == nil {
		rest, err = io.Copy(io.Discard, hresp.Body)
		n += rest
	}
	if err != nil {
		return nil, err
	}
	// The body as received: its length on the wire, whatever the header said.
	resp.Header.SetContentLength(int(n))
	if out != nil && rest > 0 {
		return nil, ErrTooLong
	}
	return kept, nil
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// CloseIdle implements Exchanger.
func (s *Std) CloseIdle() { s.t.CloseIdleConnections() }

// Conns implements Exchanger. net/http does not tell which connection is
// busy: requests in flight (at most one per HTTP/1.1 connection) count as
// active, up to the open connections; the rest are idle.
func (s *Std) Conns() (active, idle int) {
	open, busy := int(s.open.Load()), int(s.inflight.Load())
	active = min(open, busy)
	return active, open - active
}

// Protocols lists the HTTP versions answers came over ("HTTP/1.1", "HTTP/2").
func (s *Std) Protocols() []string {
	var out []string
	bits := s.protos.Load()
	if bits&(1<<1) != 0 {
		out = append(out, "HTTP/1.1")
	}
	if bits&(1<<2) != 0 {
		out = append(out, "HTTP/2")
	}
	return out
}
