package client

import (
	"context"

	"github.com/valyala/fasthttp"
)

// Sender is one VU's reusable state for sending static plain requests back to
// back: a request without placeholders, body or token is built once and
// written again and again, and the answer is read into the same Response.
// That leaves a request with no allocation of the engine's own. A Sender is
// used by one goroutine at a time; drop it (Release) while the VU thinks for
// long, so a parked VU holds none of it. It sends on the one send path
// (send.go); what it keeps is the built request and the request's state.
type Sender struct {
	c      *Client
	parent context.Context
	reqs   map[*PlainRequest]*fasthttp.Request
	st     *doState // nil until the first static request, and after Release
}

// NewSender returns a Sender whose requests live within parent.
func (c *Client) NewSender(parent context.Context) *Sender {
	return &Sender{c: c, parent: parent}
}

// Release frees the Sender's requests; it builds them again on the next use.
func (s *Sender) Release() {
	for _, req := range s.reqs {
		fasthttp.ReleaseRequest(req)
	}
	s.reqs = nil
	if s.st != nil {
		s.st.release()
		s.st = nil
	}
}

// Static reports whether p can take the reusable path.
func (p *PlainRequest) Static() bool {
	if p.hasBody || !p.url.Static() {
		return false
	}
	for i := range p.headers {
		if p.headers[i].static == nil {
			return false
		}
	}
	return true
}

// Do sends p like DoPlain, reusing the request built the first time when p
// is static and no token or trace context is sent.
func (s *Sender) Do(p *PlainRequest, vars *TemplateVars, token string) Result {
	if token != "" || !p.static || vars.Trace != nil {
		return s.c.DoPlain(s.parent, p, vars, token)
	}
	if s.st == nil {
		s.st = doPool.Get().(*doState)
	}
	st := s.st
	req := s.reqs[p]
	if req == nil {
		s.c.buildPlain(p, vars, "", st)
		req = fasthttp.AcquireRequest()
		st.req.CopyTo(req)
		st.req.Reset()
		if s.reqs == nil {
			s.reqs = make(map[*PlainRequest]*fasthttp.Request, 1)
		}
		s.reqs[p] = req
	}
	st.a = p.attempt(vars)
	return s.c.send(s.parent, st, req, p.pool, answer{})
}
