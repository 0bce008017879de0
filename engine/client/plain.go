package client

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// PlainGroup is the `group` label of plain requests that name none.
const PlainGroup = "plain"

// PlainSpec is a request written out in a scenario file (`requests:`), sent as
// is to any endpoint of the target: method, path, headers and body, with
// {{vu}}, {{seq}}, {{rand}} and {{run}} placeholders.
type PlainSpec struct {
	Method  string            // default GET
	Path    string            // after the base URL, starting with /; may carry a query
	Headers map[string]string // values may be templates
	Body    string            // template; sent when HasBody
	HasBody bool
	Group   string // the `group` label (default "plain")
}

// PlainRequest is a PlainSpec compiled against a client's base URL: the URL,
// header values and body are templates split once, and static header values
// are shared slices, so a request without placeholders renders without
// allocating anything of its own.
type PlainRequest struct {
	Method string
	Group  string
	// Route is the `route` label: the path as written (placeholders kept, so the
	// label stays bounded), without its query.
	Route   string
	url     Template
	headers []plainHeader
	body    Template
	hasBody bool
	static  bool  // no placeholders and no body: Sender reuses it
	slot    any   // the Policy's, when it is a Binder
	pool    *pool // its group's connections
}

type plainHeader struct {
	key    string
	keyB   []byte
	value  Template
	static []byte // the value when it has no placeholders
}

// ValidatePlain checks a spec without a client (scenario files); the error
// names the field (method, path, headers.<name>, body).
func ValidatePlain(s PlainSpec) error {
	_, err := compilePlain("", s)
	return err
}

// NewPlain compiles a spec for this client's target.
func (c *Client) NewPlain(s PlainSpec) (*PlainRequest, error) {
	p, err := compilePlain(c.prefix, s)
	if err != nil {
		return nil, err
	}
	p.slot = c.bind(p.Group, p.Method, p.Route)
	p.pool = c.pool(p.Group)
	return p, nil
}

func compilePlain(prefix string, s PlainSpec) (*PlainRequest, error) {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	p := &PlainRequest{Method: strings.ToUpper(s.Method), Group: s.Group, hasBody: s.HasBody}
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	if !validMethod(p.Method) {
		return nil, bad("method", "%q: use an HTTP method such as GET, POST, PUT, PATCH or DELETE", s.Method)
	}
	if p.Group == "" {
		p.Group = PlainGroup
	}
	if !strings.HasPrefix(s.Path, "/") {
		return nil, bad("path", "%q must start with / (it is appended to --base-url; other hosts are not allowed)", s.Path)
	}
	if strings.ContainsAny(s.Path, " \t\r\n#") || headerValueError(s.Path) != "" {
		return nil, bad("path", "%q contains a space, a line break, a control character or #; percent-encode them", s.Path)
	}
	var err error
	if p.url, err = ParseTemplate(s.Path); err != nil {
		return nil, bad("path", "%v", err)
	}
	// The base URL's path is literal text, whatever it contains.
	p.url.parts = append([]tplPart{{text: prefix}}, p.url.parts...)
	p.url.src = prefix + s.Path
	p.Route, _, _ = strings.Cut(s.Path, "?")
	keys := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if msg := headerNameError(k); msg != "" {
			return nil, bad("headers", "%s", msg)
		}
		v := s.Headers[k]
		if msg := headerValueError(v); msg != "" {
			return nil, bad("headers."+k, "%s", msg)
		}
		h := plainHeader{key: textproto.CanonicalMIMEHeaderKey(k)}
		if h.key == "Host" || h.key == "Content-Length" {
			return nil, bad("headers."+k, "is set by the client; leave it out")
		}
		if h.value, err = ParseTemplate(v); err != nil {
			return nil, bad("headers."+k, "%v", err)
		}
		h.keyB = []byte(h.key)
		if h.value.Static() {
			h.static = []byte(v)
		}
		p.headers = append(p.headers, h)
	}
	if s.HasBody && (p.Method == http.MethodGet || p.Method == http.MethodHead) {
		return nil, bad("body", "a %s request cannot carry a body; use POST, PUT or PATCH, or drop the body", p.Method)
	}
	if s.HasBody {
		if p.body, err = ParseTemplate(s.Body); err != nil {
			return nil, bad("body", "%v", err)
		}
		if !slices.ContainsFunc(p.headers, func(h plainHeader) bool { return h.key == "Content-Type" }) {
			p.headers = append(p.headers, plainHeader{key: "Content-Type", keyB: []byte("Content-Type"), static: []byte(jsonType)})
		}
	}
	p.static = p.Static()
	return p, nil
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// DoPlain sends a plain request and discards the answer's body (reading it
// all, so the connection is reused). token, when not empty, is sent as the
// profile's access token. Like Do it goes through the Policy and never panics.
func (c *Client) DoPlain(ctx context.Context, p *PlainRequest, vars *TemplateVars, token string) Result {
	st := doPool.Get().(*doState)
	defer st.release()
	st.a = p.attempt(vars)
	c.buildPlain(p, vars, token, st)
	return c.send(ctx, st, &st.req, p.pool, answer{})
}

// attempt is how the Policy sees a send of p.
func (p *PlainRequest) attempt(vars *TemplateVars) Attempt {
	a := Attempt{VU: -1, Group: p.Group, Method: p.Method, Route: p.Route, Slot: p.slot}
	if vars != nil {
		a.VU = vars.VU
	}
	return a
}

// buildPlain renders p into st.req.
func (c *Client) buildPlain(p *PlainRequest, vars *TemplateVars, token string, st *doState) {
	req := &st.req
	c.header(&req.Header, p.Method)
	c.accept(&req.Header)
	st.uri = p.url.Append(st.uri[:0], vars)
	req.Header.SetRequestURIBytes(st.uri)
	for i := range p.headers {
		h := &p.headers[i]
		if h.static != nil {
			req.Header.SetCanonical(h.keyB, h.static)
		} else {
			st.auth = h.value.Append(st.auth[:0], vars)
			req.Header.SetCanonical(h.keyB, st.auth)
		}
	}
	c.authorize(req, st, token)
	if vars != nil && vars.Trace != nil {
		setTrace(&req.Header, vars.Trace)
	}
	if p.hasBody {
		st.buf.Write(p.body.Append(st.buf.AvailableBuffer(), vars))
		req.SetBodyRaw(st.buf.Bytes())
	}
}
