package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// Every request — a catalog call (Do), a plain request (DoPlain) and a
// Sender's reused one — takes the one path of send: its builder renders it,
// the Policy admits it, its group's pool exchanges it, the answer is read
// (and parsed when asked), and the Policy hears the outcome. What sets them
// apart is how the request is built and the answer options (answer).

// Do sends the call and reads the answer. It never panics on a bad answer: a
// body that cannot be read or parsed is reported as KindProtocol with the status.
func (c *Client) Do(ctx context.Context, call *Call) Result {
	rt := c.routeOf(call.Endpoint) // looked up once per request
	st := doPool.Get().(*doState)
	defer st.release()
	st.a = Attempt{VU: call.Sender - 1, Group: call.Endpoint.Group, Method: rt.method, Route: rt.template, Slot: rt.slot}
	if rt.pool.written != nil {
		st.raw = c.writeCall(st.raw[:0], call, rt, st)
		st.written = transport.Written{Bytes: st.raw, Method: rt.method}
	} else {
		c.buildCall(call, rt, st)
	}
	return c.send(ctx, st, &st.req, rt.pool, answer{decode: call.Decode, page: call.Page, pick: call.Pick, fields: rt.fields})
}

// answer is how a request's answer is read.
type answer struct {
	decode bool              // parse the body as JSON (Call.Decode); false: drain it
	page   bool              // a page of records (Call.Page)
	pick   Pick              // the values read (Call.Pick)
	fields map[string]string // the resource's renaming (Client.Entries)
}

// doState is what one request needs on the heap, reused across requests:
// the Attempt and Result handed to the Policy (an interface: on the stack
// they would escape, one allocation each per request), the request and the
// answer.
type doState struct {
	a    Attempt
	res  Result
	req  fasthttp.Request
	resp fasthttp.Response
	buf  bytes.Buffer // the body sent, then the answer read
	dec  bytes.Buffer // a gzip answer decoded
	uri  []byte
	auth []byte
	lr   io.LimitedReader
	// raw is the request written by hand (writeCall) when the group's
	// transport sends such requests; written names it (Bytes nil: req).
	raw     []byte
	written transport.Written
}

var doPool = sync.Pool{New: func() any { return new(doState) }}

func (st *doState) release() {
	st.a, st.res = Attempt{}, Result{}
	st.written = transport.Written{}
	if cap(st.raw) > 64<<10 {
		st.raw = nil // do not keep a rare large body's buffer
	}
	st.req.Reset()
	st.resp.Reset()
	st.buf.Reset()
	if st.buf.Cap() > 64<<10 {
		st.buf = bytes.Buffer{} // do not keep a rare large answer's buffer
	}
	st.dec.Reset()
	if st.dec.Cap() > 64<<10 {
		st.dec = bytes.Buffer{}
	}
	doPool.Put(st)
}

// send is the one send path. req is built and st.a names the attempt; the
// Policy admits it (or refuses: no Done then), p exchanges it, and the answer
// is read as ans says into the Result the Policy is told of.
func (c *Client) send(ctx context.Context, st *doState, req *fasthttp.Request, p *pool, ans answer) Result {
	timeout, err := c.policy.Admit(ctx, &st.a)
	if err != nil {
		res := Result{Start: time.Now(), Err: err, ErrKind: KindCanceled} // never sent: dated at the refusal
		if errors.Is(err, ErrCircuitOpen) {
			res.ErrKind = KindCircuitOpen
		}
		return res
	}
	st.res = Result{Start: time.Now()}
	if body, ok := c.exchange(ctx, st, req, p, timeout, ans.decode); ok {
		st.res.fields = ans.fields
		if ans.decode && len(body) > 0 {
			c.parse(&st.res, body, ans, st.a.Method, st.a.Route)
		}
	}
	c.policy.Done(&st.a, &st.res)
	return st.res
}

// exchange sends req through p and reads the answer's status into st.res
// (and Latency: the answer is in, parsing it is the engine's time, not the
// target's). It returns the body when keep (decoded from gzip), and false
// when st.res holds an error.
func (c *Client) exchange(ctx context.Context, st *doState, req *fasthttp.Request, p *pool, timeout time.Duration, keep bool) ([]byte, bool) {
	res := &st.res
	var out, dec *bytes.Buffer // the answer is kept (and decoded) only when it is parsed
	if keep {
		out, dec = &st.buf, &st.dec
	}
	var body []byte
	var err error
	if st.written.Bytes != nil {
		body, err = p.written.ExchangeWritten(ctx, &st.written, &st.resp, res.Start, timeout, out, &st.lr)
	} else {
		body, err = p.x.Exchange(ctx, req, &st.resp, res.Start, timeout, out, &st.lr)
	}
	res.Latency = time.Since(res.Start)
	if errors.Is(err, transport.ErrTooLong) {
		// Drained, not kept: parsing a cut answer would only fail.
		res.Status = st.resp.StatusCode()
		res.Err, res.ErrKind = fmt.Errorf("answer of %s %s: longer than %d bytes, not parsed", st.a.Method, st.a.Route, maxBody), KindProtocol
		return nil, false
	}
	if err == nil {
		res.Status = st.resp.StatusCode() // answered, even if it cannot be decoded
		body, err = p.received(&st.resp, body, dec)
	}
	if err != nil {
		res.Err, res.ErrKind = err, classify(ctx, err)
		return nil, false
	}
	if res.Status >= 300 && res.Status < 400 && res.Status != 304 {
		// Not followed (no redirect is): the answer is not what was asked for.
		res.Err = &RedirectError{Method: st.a.Method, Route: st.a.Route, Status: res.Status, Location: string(st.resp.Header.Peek("Location"))}
		res.ErrKind = KindRedirect
		return nil, false
	}
	if res.Status >= 300 { // a success asks for no wait: its headers are not searched
		res.RetryAfter = retryAfter(&st.resp)
	}
	if res.Status == 405 {
		res.Allow = string(st.resp.Header.Peek("Allow"))
	}
	return body, true
}

// parse reads a kept answer: a reference-shaped page or the values picked
// the short way (Result.Entries, Result.picks), anything else as JSON
// (Result.JSON).
func (c *Client) parse(res *Result, body []byte, ans answer, method, route string) {
	if paths := c.picks[ans.pick]; ans.pick != PickAll && paths != nil {
		if decodePick(body, paths, &res.picks) == nil {
			res.pick = ans.pick
			return
		}
		res.picks = [maxPicks]picked{} // parse it in full
	}
	if ans.page && c.refPage {
		var err error
		if res.Entries, err = decodePage(body); err == nil {
			return
		}
		res.Entries = nil // not the reference shape after all: parse it in full
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&res.JSON); err != nil {
		res.Err, res.ErrKind = fmt.Errorf("parse answer of %s %s: %w", method, route, err), KindProtocol
		res.JSON = nil
	}
}

// header starts a request: method, Host and User-Agent, which every request
// carries.
func (c *Client) header(h *fasthttp.RequestHeader, method string) {
	h.SetMethod(method)
	h.SetHost(c.host)
	h.SetUserAgent(c.uaValue)
}

// Headers every request carries, their keys canonical already (Set would
// normalise them per request).
var (
	acceptKey         = []byte("Accept")
	jsonValue         = []byte(jsonType)
	acceptEncodingKey = []byte("Accept-Encoding")
	gzipValue         = []byte("gzip")
)

// buildCall renders a catalog call into st.req.
func (c *Client) buildCall(call *Call, rt *route, st *doState) {
	req := &st.req
	c.header(&req.Header, rt.method)
	req.Header.SetCanonical(acceptKey, jsonValue)
	c.accept(&req.Header)
	st.uri = c.appendURI(st.uri[:0], call, rt)
	req.Header.SetRequestURIBytes(st.uri)
	if call.Body != nil {
		call.Body.encode(&st.buf, rt.fields, c.prof.Envelope)
		req.Header.SetContentType(jsonType)
		req.SetBodyRaw(st.buf.Bytes())
	}
	c.authorize(req, st, call.Token)
	if call.Trace != nil {
		setTrace(&req.Header, call.Trace)
	}
}

// writeCall writes what buildCall would have fasthttp write, byte for byte
// (TestWriteCall): the request line, User-Agent, Host, the body's
// Content-Type and Content-Length, Accept, Accept-Encoding, the token, the
// trace context, the body. Header values lose CR and LF as fasthttp's do.
func (c *Client) writeCall(b []byte, call *Call, rt *route, st *doState) []byte {
	b = append(b, rt.method...)
	b = append(b, ' ')
	b = c.appendURI(b, call, rt)
	b = append(b, " HTTP/1.1\r\n"...)
	if c.uaValue != "" {
		b = appendHeader(b, "User-Agent", c.uaValue)
	}
	if c.host != "" {
		b = appendHeader(b, "Host", c.host)
	}
	var body []byte
	if call.Body != nil {
		call.Body.encode(&st.buf, rt.fields, c.prof.Envelope)
		body = st.buf.Bytes()
		b = appendHeader(b, "Content-Type", jsonType)
	}
	if len(body) > 0 || rt.method != fasthttp.MethodGet && rt.method != fasthttp.MethodHead {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, '\r', '\n')
	}
	b = appendHeader(b, "Accept", jsonType)
	if c.gzip {
		b = appendHeader(b, "Accept-Encoding", "gzip")
	}
	if call.Token != "" {
		b = append(b, c.authKey...)
		b = append(b, ':', ' ')
		b = appendValue(b, c.scheme)
		b = appendValue(b, call.Token)
		b = append(b, '\r', '\n')
	}
	if call.Trace != nil {
		b = appendHeader(b, "Traceparent", call.Trace.Traceparent())
		b = appendHeader(b, "Baggage", call.Trace.Baggage())
	}
	b = append(b, '\r', '\n')
	return append(b, body...)
}

// appendHeader appends a header line; its value loses CR and LF.
func appendHeader[V string | []byte](b []byte, key string, value V) []byte {
	b = append(b, key...)
	b = append(b, ':', ' ')
	b = appendValue(b, value)
	return append(b, '\r', '\n')
}

// appendValue appends a header value with CR and LF made spaces, as
// fasthttp does (a value cannot end the header or add a line to it).
func appendValue[V string | []byte](b []byte, v V) []byte {
	n := len(b)
	b = append(b, v...)
	if bytes.IndexByte(b[n:], '\r') >= 0 || bytes.IndexByte(b[n:], '\n') >= 0 {
		for i := n; i < len(b); i++ {
			if b[i] == '\r' || b[i] == '\n' {
				b[i] = ' '
			}
		}
	}
	return b
}

// authorize sends token (none when empty) the profile's way.
func (c *Client) authorize(req *fasthttp.Request, st *doState, token string) {
	if token != "" {
		st.auth = append(append(st.auth[:0], c.scheme...), token...)
		req.Header.SetCanonical(c.authKey, st.auth)
	}
}

// classify names the kind of a transport error.
func classify(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		if ctx.Err() == context.Canceled {
			return KindCanceled
		}
		return KindTimeout
	}
	var te interface{ Timeout() bool } // net.Error and fasthttp's timeout
	if errors.As(err, &te) && te.Timeout() {
		return KindTimeout
	}
	var pe *transport.ProtocolError
	if errors.As(err, &pe) {
		return KindProtocol
	}
	return KindConnection // refused, reset, cut short, unreachable, no such host
}
