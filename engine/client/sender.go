package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// errSenderTimeout is the cause a Sender's context is cancelled with when a
// request outlives its timeout.
var errSenderTimeout = errors.New("request timeout")

// Sender is one VU's reusable state for sending static plain requests back to
// back: a request without placeholders, body or token is built once and sent
// again and again (net/http allows reuse once the answer's body is closed),
// and the per-request timeout is one timer re-armed, not a context per
// request. That leaves a request with no allocation of the engine's own. A
// Sender is used by one goroutine at a time; drop it (Release) while the VU
// thinks for long, so a parked VU holds none of it. Everything else goes
// through DoPlain.
type Sender struct {
	c       *Client
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	reqs    map[*PlainRequest]*http.Request
	attempt Attempt
}

// NewSender returns a Sender whose requests live within parent.
func (c *Client) NewSender(parent context.Context) *Sender {
	return &Sender{c: c, parent: parent}
}

// renew starts a fresh context (at first, and after a timeout cancelled the
// last one); the requests bound to the old one are built again.
func (s *Sender) renew() {
	if s.cancel != nil {
		s.cancel(nil)
	}
	ctx, cancel := context.WithCancelCause(s.parent)
	s.ctx, s.cancel = ctx, cancel
	s.timer = time.AfterFunc(time.Hour, func() { cancel(errSenderTimeout) })
	s.timer.Stop()
	clear(s.reqs)
}

// Release frees the Sender's context; it renews itself on the next use.
func (s *Sender) Release() {
	if s.cancel != nil {
		s.timer.Stop()
		s.cancel(nil)
		s.cancel, s.ctx, s.timer = nil, nil, nil
	}
	s.reqs = nil
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
	if token != "" || !p.static {
		return s.c.DoPlain(s.parent, p, vars, token)
	}
	c := s.c
	res := Result{Start: time.Now()}
	s.attempt = Attempt{VU: vars.VU, Group: p.Group, Method: p.Method, Route: p.Route}
	timeout, err := c.policy.Admit(s.parent, &s.attempt)
	if err != nil {
		res.Err = err
		res.ErrKind = KindCanceled
		if errors.Is(err, ErrCircuitOpen) {
			res.ErrKind = KindCircuitOpen
		}
		return res
	}
	if s.ctx == nil || s.ctx.Err() != nil {
		s.renew()
	}
	req := s.reqs[p]
	if req == nil {
		if req, err = http.NewRequestWithContext(s.ctx, p.Method, p.url.src, nil); err != nil {
			res.Err, res.ErrKind = err, KindProtocol
			// Admitted: give back the in-flight slot and any breaker probe.
			c.policy.Done(&s.attempt, &res)
			return res
		}
		req.Header["User-Agent"] = c.uaValue
		for i := range p.headers {
			req.Header[p.headers[i].key] = p.headers[i].static
		}
		if s.reqs == nil {
			s.reqs = make(map[*PlainRequest]*http.Request, 1)
		}
		s.reqs[p] = req
	}
	res.Start = time.Now()
	if timeout > 0 {
		s.timer.Reset(timeout)
	}
	resp, err := c.hc.Transport.RoundTrip(req)
	if err == nil {
		res.Status = resp.StatusCode
		if ra := resp.Header["Retry-After"]; len(ra) > 0 {
			res.RetryAfter, _ = ParseRetryAfter(ra[0], time.Now())
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			res.ErrKind = KindProtocol
		}
	}
	if timeout > 0 && !s.timer.Stop() {
		// The timer fired: this context is spent (renewed on the next request).
		if err != nil {
			res.ErrKind = KindTimeout
		}
	}
	if err != nil {
		res.Err = err
		if res.ErrKind == "" {
			res.ErrKind = classify(s.ctx, err)
		}
	}
	res.Latency = time.Since(res.Start)
	c.policy.Done(&s.attempt, &res)
	return res
}
