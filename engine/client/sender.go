package client

import (
	"context"
	"errors"
	"time"

	"github.com/valyala/fasthttp"
)

// Sender is one VU's reusable state for sending static plain requests back to
// back: a request without placeholders, body or token is built once and
// written again and again, and the answer is read into the same Response.
// That leaves a request with no allocation of the engine's own. A Sender is
// used by one goroutine at a time; drop it (Release) while the VU thinks for
// long, so a parked VU holds none of it. Everything else goes through DoPlain.
type Sender struct {
	c       *Client
	parent  context.Context
	reqs    map[*PlainRequest]*fasthttp.Request
	resp    *fasthttp.Response
	attempt Attempt
	res     Result // handed to the Policy (an interface): here it need not escape per request
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
	if s.resp != nil {
		fasthttp.ReleaseResponse(s.resp)
		s.resp = nil
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

// Do sends p like DoPlain, on the reusable path when p is static and no token
// is sent.
func (s *Sender) Do(p *PlainRequest, vars *TemplateVars, token string) Result {
	if token != "" || !p.static || vars.Trace != nil {
		return s.c.DoPlain(s.parent, p, vars, token)
	}
	c := s.c
	res := Result{Start: time.Now()}
	s.attempt = Attempt{VU: vars.VU, Group: p.Group, Method: p.Method, Route: p.Route, Slot: p.slot}
	timeout, err := c.policy.Admit(s.parent, &s.attempt)
	if err != nil {
		res.Err = err
		res.ErrKind = KindCanceled
		if errors.Is(err, ErrCircuitOpen) {
			res.ErrKind = KindCircuitOpen
		}
		return res
	}
	req := s.reqs[p]
	if req == nil {
		st := doPool.Get().(*doState)
		c.buildPlain(p, vars, "", st)
		req = fasthttp.AcquireRequest()
		st.req.CopyTo(req)
		st.release()
		if s.reqs == nil {
			s.reqs = make(map[*PlainRequest]*fasthttp.Request, 1)
		}
		s.reqs[p] = req
	}
	if s.resp == nil {
		s.resp = fasthttp.AcquireResponse()
	}
	s.res = Result{Start: time.Now()}
	c.exchangePlain(s.parent, p.pool, req, s.resp, timeout, &s.res) // sets Latency
	c.policy.Done(&s.attempt, &s.res)
	return s.res
}
