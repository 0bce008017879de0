package client

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// LoginCookies sends call — a login that answered 2xx with no token at
// token.access — once more and returns the names of the cookies its answer
// sets (Set-Cookie), none unless it answers 2xx again. A login answered with
// a session cookie and no token is a cookie-session API, which the engine
// cannot drive: it sends a bearer token read from the login answer's body.
//
// It is a diagnosis for that failure only, never on the run's request path:
// no Policy, no metrics, a connection of its own over net/http (the run's
// fast transport keeps only the headers the engine reads) with the run's
// network settings (TLS, proxy, HTTP version).
func (c *Client) LoginCookies(ctx context.Context, call *Call) ([]string, error) {
	st := doPool.Get().(*doState)
	defer st.release()
	c.buildCall(call, c.routeOf(call.Endpoint), st)
	x := transport.NewStd(transport.PoolOptions{Target: c.target, Plan: c.plan, TLS: c.tls, MaxConns: 1, MaxIdle: 1, Dial: c.opts.Dial})
	defer x.CloseIdle()
	if _, err := x.Exchange(ctx, &st.req, &st.resp, time.Now(), 10*time.Second, nil, nil); err != nil {
		return nil, err
	}
	if code := st.resp.StatusCode(); code < 200 || code > 299 {
		return nil, nil
	}
	var names []string
	for name := range st.resp.Header.Cookies() {
		names = append(names, string(name))
	}
	return names, nil
}

// CookieSessionError is a login answered 2xx with a session cookie and no
// token (LoginCookies named the cookies): a cookie-session API, which the
// engine cannot drive. The check of the target and the cleanup's admin login
// say it in the same words.
type CookieSessionError struct {
	Cookies []string // the cookies the login answer sets
}

func (e *CookieSessionError) Error() string {
	return fmt.Sprintf("cookie-based sessions are not supported: the target's login answers with a session cookie (Set-Cookie: %s) and no token; "+
		"the API must return a bearer token in the login answer's JSON body (read at token.access)", strings.Join(e.Cookies, ", "))
}
