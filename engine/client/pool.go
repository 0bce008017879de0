package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// SharedPool names, in PoolStats, the one pool the endpoint groups without a
// connection limit share ("*" is no group's name).
const SharedPool = "*"

// pool is an endpoint group's side of the connections it sends on: a group
// with a limit (--max-conns-per-group, connections:) has its own transport,
// so a slow group that fills its limit queues only its own requests; the
// groups without one share one transport. Shared, a VU's next request finds
// the connection its last one used, as a browser's would, and a run keeps one
// connection per request in flight rather than one per group and VU: five
// times fewer sockets for a journey, whose state stays in the caches.
type pool struct {
	group   string
	x       transport.Exchanger
	written transport.WrittenExchanger // x, when it sends requests written here (Client.writeCall)
	wire    atomic.Int64               // the group's answer body bytes as received
	decoded atomic.Int64               // the same decoded (gzip)
}

// pool returns the group's pool, made on first use (routes and plain
// requests are bound to it when compiled, not looked up per request).
func (c *Client) pool(group string) *pool {
	c.poolMu.Lock()
	defer c.poolMu.Unlock()
	if p := c.pools[group]; p != nil {
		return p
	}
	p := &pool{group: group}
	if limit := c.opts.Network.MaxConnsPerGroup[group]; limit > 0 {
		p.x = c.exchanger(c.opts.Conns, limit)
	} else {
		if c.shared == nil {
			c.shared = c.exchanger(c.opts.Conns, 0)
		}
		p.x = c.shared
	}
	p.written, _ = p.x.(transport.WrittenExchanger)
	c.pools[group] = p
	return p
}

// exchangers are the client's distinct transports: each limited group's and
// the shared one.
func (c *Client) exchangers() []transport.Exchanger {
	var out []transport.Exchanger
	for _, p := range c.pools {
		if p.x != c.shared {
			out = append(out, p.x)
		}
	}
	if c.shared != nil {
		out = append(out, c.shared)
	}
	return out
}

// exchanger is a new pool of the chosen transport (limit 0: no limit).
func (c *Client) exchanger(maxIdle, limit int) transport.Exchanger {
	return transport.NewPool(transport.PoolOptions{
		Target: c.target, Plan: c.plan, TLS: c.tls, MaxConns: limit,
		MaxIdle: maxIdle, Dial: c.opts.Dial,
	})
}

// Preflight sends GET / through the run's transport before any VU starts: a
// target that does not answer, or whose certificate fails, fails the run at
// once with the reason instead of a run of errors.
func (c *Client) Preflight(ctx context.Context) error {
	x := c.exchanger(1, 1)
	defer x.CloseIdle()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	c.header(&req.Header, "GET")
	req.Header.SetRequestURI(c.prefix + "/")
	_, err := x.Exchange(ctx, req, resp, time.Now(), 10*time.Second, nil, nil)
	if err != nil {
		return c.diagnose(c.probeTLS(ctx, err))
	}
	if resp.StatusCode() == fasthttp.StatusProxyAuthRequired {
		via := "a proxy"
		if c.plan.Proxy != nil {
			via = "the proxy " + c.plan.Proxy.Redacted()
		}
		return fmt.Errorf("%s asks for credentials (407 Proxy Authentication Required): give them in its URL, http://user:password@host:port (--proxy or HTTP_PROXY/HTTPS_PROXY)", via)
	}
	return nil
}

// accept asks for gzip answers when the run compresses.
func (c *Client) accept(h *fasthttp.RequestHeader) {
	if c.gzip {
		h.SetCanonical(acceptEncodingKey, gzipValue)
	}
}

// received counts an answer's bytes and decodes a gzip body into dec (nil:
// decoded and dropped, as a browser still decodes what it shows nothing of).
func (p *pool) received(resp *fasthttp.Response, body []byte, dec *bytes.Buffer) ([]byte, error) {
	n := int64(len(body))
	if body == nil {
		n = int64(max(resp.Header.ContentLength(), 0)) // read and dropped
	}
	p.wire.Add(n)
	if len(body) == 0 || !transport.IsGzip(resp) {
		p.decoded.Add(n)
		if ce := resp.Header.ContentEncoding(); len(body) > 0 && len(ce) > 0 && !identity(ce) {
			return nil, &transport.ProtocolError{Err: fmt.Errorf("answer in Content-Encoding %q, which the client does not decode (it asks for gzip or none)", ce)}
		}
		return body, nil
	}
	if dec != nil {
		dec.Reset()
	}
	m, err := transport.Gunzip(dec, body)
	p.decoded.Add(m)
	if err != nil {
		return nil, &transport.ProtocolError{Err: err}
	}
	if dec == nil {
		return nil, nil
	}
	return dec.Bytes(), nil
}

// Plan is the transport the client chose (engine/transport.Plan).
func (c *Client) Plan() transport.Plan { return c.plan }

// PoolStats is a connection pool's connections: a limited group's own, or
// the one the other groups share (Group SharedPool).
type PoolStats struct {
	Group        string
	Active, Idle int
}

// Pools reports the connection pools, named as PoolStats says, sorted.
func (c *Client) Pools() []PoolStats {
	c.poolMu.Lock()
	var out []PoolStats
	for _, p := range c.pools {
		if p.x != c.shared {
			a, idle := p.x.Conns()
			out = append(out, PoolStats{Group: p.group, Active: a, Idle: idle})
		}
	}
	if c.shared != nil {
		a, idle := c.shared.Conns()
		out = append(out, PoolStats{Group: SharedPool, Active: a, Idle: idle})
	}
	c.poolMu.Unlock()
	slices.SortFunc(out, func(a, b PoolStats) int { return strings.Compare(a.Group, b.Group) })
	return out
}

// Received is an endpoint group's answer body bytes.
type Received struct {
	Group         string
	Wire, Decoded int64 // as received; the same after gzip decoding
}

// Received reports every group's answer bytes, groups sorted.
func (c *Client) Received() []Received {
	c.poolMu.Lock()
	out := make([]Received, 0, len(c.pools))
	for _, p := range c.pools {
		out = append(out, Received{Group: p.group, Wire: p.wire.Load(), Decoded: p.decoded.Load()})
	}
	c.poolMu.Unlock()
	slices.SortFunc(out, func(a, b Received) int { return strings.Compare(a.Group, b.Group) })
	return out
}

// Protocols lists the HTTP versions answers came over; the fast transport
// speaks HTTP/1.1 only.
func (c *Client) Protocols() []string {
	if c.plan.Client == transport.ClientFast {
		return []string{"HTTP/1.1"}
	}
	seen := map[string]bool{}
	var out []string
	c.poolMu.Lock()
	defer c.poolMu.Unlock()
	for _, x := range c.exchangers() {
		if s, ok := x.(*transport.Std); ok {
			for _, v := range s.Protocols() {
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// dialError reports a failure to connect at all (refused, unreachable, no
// such host), before any TLS.
func dialError(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &de) || (errors.As(err, &oe) && oe.Op == "dial")
}

// identity reports the Content-Encoding "identity" (no encoding).
func identity(ce []byte) bool { return bytes.EqualFold(ce, identityValue) }

var identityValue = []byte("identity")
