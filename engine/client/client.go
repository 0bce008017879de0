// Package client is the API client of the virtual users: requests built from
// the API catalog and an API profile (and plain requests from scenario
// files), tokens, ids and pages read from answers, and failures classified
// the way the metrics count them. Every request takes one send path
// (send.go) through a pool per endpoint group; how it reaches the target is
// engine/transport's. A Policy seam decides around each request whether and
// how long it may take (circuit breakers, adaptive timeouts, backoff, a rate
// cap — see Policy).
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/tracing"
	"github.com/trafficsim/trafficsim/engine/transport"
)

// Error kinds, the `kind` label of trafficsim_request_errors_total.
const (
	KindTimeout     = "timeout"
	KindConnection  = "connection"
	KindCircuitOpen = "circuit_open"
	KindCanceled    = "canceled"
	KindProtocol    = "protocol"
	// KindRedirect is a 3xx answer (other than 304): redirects are not
	// followed, so the request did not do what it was sent for.
	KindRedirect = "redirect"
)

// RedirectError is a 3xx answer, not followed: its status and Location.
type RedirectError struct {
	Method, Route string
	Status        int
	Location      string
}

func (e *RedirectError) Error() string {
	loc := e.Location
	if loc == "" {
		loc = "(no Location)"
	}
	return fmt.Sprintf("%s %s: the target answered %d %s to %s (redirects are not followed)", e.Method, e.Route, e.Status, http.StatusText(e.Status), loc)
}

// DefaultTimeout bounds one request (sending until the body is read) unless the
// Policy says otherwise.
const DefaultTimeout = 30 * time.Second

// maxBody bounds an answer that is parsed: a longer one is drained, not
// kept, and reported (KindProtocol); an answer nobody parses is drained
// whole. It bounds a hostile target's cost — 50 VUs receiving 50 MB answers
// stay near 100 MB of RSS (docs/benchmarks.md, sweep e) — while a page of 100
// users, about 30 KB, fits sixteen times. Both transports keep to it.
const maxBody = transport.MaxBody

// ErrCircuitOpen is returned by a Policy that refuses to send (open breaker).
var ErrCircuitOpen = errors.New("circuit open")

// Policy is consulted around every request: the seam for per-group circuit
// breakers, adaptive timeouts, backoff on 429/5xx honouring Retry-After and a
// global rate cap. Implementations must be safe for concurrent use and cheap.
type Policy interface {
	// Admit is called before the attempt is sent. It may wait (rate cap,
	// backoff, Retry-After) until ctx ends, and may refuse with ErrCircuitOpen.
	// It returns the timeout of the request.
	Admit(ctx context.Context, a *Attempt) (time.Duration, error)
	// Done reports the outcome of an admitted attempt (the same *Attempt).
	Done(a *Attempt, r *Result)
}

// FixedTimeout is the default Policy: every request is admitted with the same timeout.
type FixedTimeout time.Duration

// Admit implements Policy.
func (f FixedTimeout) Admit(context.Context, *Attempt) (time.Duration, error) {
	return time.Duration(f), nil
}

// Done implements Policy.
func (FixedTimeout) Done(*Attempt, *Result) {}

// Options configure a Client.
type Options struct {
	BaseURL string  // scheme://host[:port], no path
	Profile Profile // zero: the reference API
	// Conns sizes the pool of idle connections kept for reuse (default 100); a
	// thinking VU holds none.
	Conns  int
	Policy Policy // nil: FixedTimeout(DefaultTimeout)
	// UserAgent is sent with every request (default "trafficsim").
	UserAgent string
	// Network: HTTP client and version, proxy, compression, TLS, connection
	// limits per endpoint group (engine/transport).
	Network transport.Settings
	// Dial replaces the dialer (tests name loopback targets otherwise).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxDials bounds the connections being opened at once across the run's
	// pools (0: no bound): a start-up burst of thousands of VUs then opens
	// its connections in waves the target's listen queue can take, rather
	// than all at once and into dropped SYNs and dial timeouts (dialgate.go).
	MaxDials int
}

// Client sends the requests of every VU of a run. It is safe for concurrent use.
type Client struct {
	base    string
	host    string // Host header
	prof    Profile
	routes  map[string]*route // by endpoint id
	byIndex []*route          // by catalog.Endpoint.Index
	policy  Policy
	uaValue string
	prefix  string // the base URL's path, before every route
	authKey []byte
	scheme  string
	refPage bool                 // page answers have the reference shape (decodePage)
	picks   [numPicks][][]string // each Pick's paths (pickPaths)
	// firstPages are the queries of pages 1 to 3 of 20 records with no
	// search term (ListQuery).
	firstPages [3]string

	target *url.URL
	opts   Options
	plan   transport.Plan
	tls    *tls.Config // https targets
	gzip   bool        // ask for gzip answers

	poolMu sync.Mutex
	pools  map[string]*pool    // by endpoint group
	shared transport.Exchanger // the groups' without a limit (nil until one is used)
}

// route is an endpoint's template split into literal text and placeholders.
type route struct {
	method   string // under the profile
	template string // as metrics carry it
	parts    []routePart
	slot     any               // the Policy's, when it is a Binder
	fields   map[string]string // renaming of the resource's fields
	pool     *pool             // its endpoint group's connections
}

// routePart is literal text, or a placeholder filled from Call.Params[param].
type routePart struct {
	text  string
	param int // -1 for literal text
}

// New returns a Client for the target.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[:port]", o.BaseURL)
	}
	if err := o.Profile.Validate(); err != nil {
		return nil, fmt.Errorf("API profile: %w", err)
	}
	if o.Conns <= 0 {
		o.Conns = 100
	}
	if o.Policy == nil {
		o.Policy = FixedTimeout(DefaultTimeout)
	}
	if o.UserAgent == "" {
		o.UserAgent = "trafficsim"
	}
	plan, err := o.Network.Resolve(u)
	if err != nil {
		return nil, err
	}
	if o.MaxDials > 0 {
		o.Dial = gateDial(o.Dial, o.MaxDials)
	}
	c := &Client{
		// Redirects are not followed: a redirect is an answer in its own right
		// for a load tool.
		target:  u,
		opts:    o,
		plan:    plan,
		gzip:    plan.Compression == transport.CompressionGzip,
		pools:   map[string]*pool{},
		base:    strings.TrimSuffix(u.Scheme+"://"+u.Host+strings.TrimSuffix(u.Path, "/"), "/"),
		host:    u.Host,
		prefix:  strings.TrimSuffix(u.Path, "/"),
		prof:    o.Profile.withDefaults(),
		routes:  map[string]*route{},
		policy:  o.Policy,
		uaValue: o.UserAgent,
	}
	// An https:// proxy's TLS takes the same settings (--ca-cert, the client
	// certificate, skip-verify), an http:// target's too.
	if u.Scheme == "https" || plan.Proxy != nil && plan.Proxy.Scheme == "https" {
		if c.tls, err = o.Network.TLSConfig(u.Hostname()); err != nil {
			return nil, err
		}
	}
	c.refPage = c.prof.referencePage()
	c.picks = c.prof.pickPaths()
	for i := range c.firstPages {
		c.firstPages[i] = c.listQuery("", i+1, firstPagesSize)
	}
	c.authKey = []byte(http.CanonicalHeaderKey(c.prof.Token.Header))
	if c.prof.Token.Scheme != "-" {
		c.scheme = c.prof.Token.Scheme + " "
	}
	for i := range catalog.All() {
		ep := &catalog.All()[i]
		method, tpl := c.prof.routeOf(ep)
		rt := compileRoute(tpl)
		rt.method = method
		rt.fields = c.prof.fieldsOf(resourceOf(ep))
		rt.slot = c.bind(ep.Group, method, rt.template)
		rt.pool = c.pool(ep.Group)
		c.routes[ep.ID] = rt
		c.byIndex = append(c.byIndex, rt)
	}
	return c, nil
}

// bind asks a Binder policy for the route's slot.
func (c *Client) bind(group, method, route string) any {
	if b, ok := c.policy.(Binder); ok {
		return b.Bind(group, method, route)
	}
	return nil
}

// Close releases idle connections.
func (c *Client) Close() {
	c.poolMu.Lock()
	defer c.poolMu.Unlock()
	for _, x := range c.exchangers() {
		x.CloseIdle()
	}
}

// BaseURL is the target's base URL.
func (c *Client) BaseURL() string { return c.base }

// Profile is the API profile in use, defaults filled.
func (c *Client) Profile() Profile { return c.prof }

// Route is the endpoint's route template under the profile: the `route` label.
func (c *Client) Route(ep *catalog.Endpoint) string { return c.routeOf(ep).template }

// Method is the endpoint's method under the profile: the `method` label.
func (c *Client) Method(ep *catalog.Endpoint) string { return c.routeOf(ep).method }

// routeOf is the endpoint's compiled route: indexed for the catalog's own
// endpoints (every request looks one up), by id for a copy.
func (c *Client) routeOf(ep *catalog.Endpoint) *route {
	if i, ok := ep.Index(); ok {
		return c.byIndex[i]
	}
	return c.routes[ep.ID]
}

func compileRoute(t string) *route {
	r := &route{template: t}
	rest := t
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			r.parts = append(r.parts, routePart{text: rest, param: -1})
			break
		}
		if i > 0 {
			r.parts = append(r.parts, routePart{text: rest[:i], param: -1})
		}
		r.parts = append(r.parts, routePart{param: catalog.PlaceholderParam(rest[i : j+1])})
		rest = rest[j+1:]
	}
	return r
}

// Call is one request.
type Call struct {
	Endpoint *catalog.Endpoint
	// Params fill the placeholders: Params[0] the user/role/permission id (or the
	// email or username), Params[1] the {roleId}.
	Params [2]string
	Query  string // raw query without "?", e.g. "page=2&per_page=20"
	Body   Body   // nil: no body
	Token  string // access token; "" sends none
	// Decode asks for the answer to be parsed as JSON (Result.JSON).
	Decode bool
	// Page, with Decode, says the answer is a page of records of which only
	// the fields of Entry are read (Client.Entries): a reference-shaped answer
	// is then parsed into Result.Entries without building maps.
	Page bool
	// Pick, with Decode, says which values of the answer the caller reads
	// (pick.go): only those are decoded, unless the answer is of a shape the
	// short reading leaves to the full parse (then Result.JSON).
	Pick Pick
	// Sender is 1 + the index of the sending VU, 0 outside any VU (cleanup):
	// the Policy keeps per-VU backoff by it.
	Sender int
	// Trace, when tracing is on, is the request's W3C trace context (nil: off).
	Trace *tracing.Request
}

// Result is the outcome of a Call.
type Result struct {
	Start   time.Time
	Latency time.Duration
	Status  int    // 0: no answer
	ErrKind string // "" or one of the Kind constants
	Err     error
	// RetryAfter is the Retry-After of an answer with a status of 300 or more
	// (a 429 or 503 asks for a wait with it), 0 when absent or on a success.
	RetryAfter time.Duration
	// Allow is the Allow header of a 405 answer (the methods the route takes).
	Allow string
	// JSON is the decoded answer when Call.Decode was set and it parsed.
	JSON any
	// Entries are the records of a page answer parsed the short way (Call.Page);
	// read them with Client.Entries.
	Entries []Entry
	// fields is the renaming of the endpoint's resource (Client.Entries).
	fields map[string]string
	// pick is the Pick whose values picks holds (PickAll: none, see JSON).
	pick  Pick
	picks [maxPicks]picked
}

const jsonType = "application/json"

// url renders the call's full URL (tests and messages).
func (c *Client) url(call *Call) string {
	rt := c.routeOf(call.Endpoint)
	return strings.TrimSuffix(c.base, c.prefix) + string(c.appendURI(nil, call, rt))
}

// appendURI appends the call's request target: the base path, the route with
// its parameters escaped, the query.
func (c *Client) appendURI(b []byte, call *Call, r *route) []byte {
	b = append(b, c.prefix...)
	for _, p := range r.parts {
		if p.param < 0 {
			b = append(b, p.text...)
			continue
		}
		b = append(b, url.PathEscape(call.Params[p.param])...)
	}
	if call.Query != "" {
		b = append(b, '?')
		b = append(b, call.Query...)
	}
	return b
}

// Tokens is what a login or refresh answered.
type Tokens struct {
	Access    string
	Refresh   string
	ExpiresIn time.Duration // 0 when not given
}

// Tokens reads the tokens of a login or refresh answer (Call.Decode set,
// Call.Pick PickTokens or PickAll).
func (c *Client) Tokens(r *Result) (Tokens, bool) {
	if r.pick == PickTokens {
		return pickedTokens(&r.picks)
	}
	var t Tokens
	v, ok := lookup(r.JSON, c.prof.Token.Access)
	if !ok {
		return t, false
	}
	if t.Access, ok = v.(string); !ok || t.Access == "" {
		return t, false
	}
	if v, ok := lookup(r.JSON, c.prof.Token.Refresh); ok {
		t.Refresh, _ = v.(string)
	}
	if v, ok := lookup(r.JSON, c.prof.Token.ExpiresIn); ok {
		t.ExpiresIn = expiresIn(asString(v))
	}
	return t, true
}

// Object returns the object of a single-object answer.
func (c *Client) Object(r *Result) (map[string]any, bool) {
	v, ok := lookup(r.JSON, c.prof.Object)
	if !ok {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// ID returns the id of an object.
func (c *Client) ID(obj map[string]any) (string, bool) {
	v, ok := lookup(obj, c.prof.ID)
	if !ok {
		return "", false
	}
	return asString(v)
}

// Items returns the objects of a page answer.
func (c *Client) Items(r *Result) []map[string]any {
	v, ok := lookup(r.JSON, c.prof.Items)
	if !ok {
		return nil
	}
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// Str returns a string field of an object of the endpoint's resource (renamed
// by the profile's fields and resource_fields).
func (c *Client) Str(ep *catalog.Endpoint, obj map[string]any, field string) string {
	return str(c.routeOf(ep).fields, obj, field)
}

func str(rename map[string]string, obj map[string]any, field string) string {
	if f, ok := rename[field]; ok {
		field = f
	}
	s, _ := asString(obj[field])
	return s
}
