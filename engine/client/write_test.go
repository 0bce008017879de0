package client

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/tracing"
)

// TestWriteCall: a catalog call written by hand (writeCall, what the fast
// transport sends) is byte for byte what buildCall has fasthttp write, for
// every kind of call: with and without a body, a token, a trace context,
// gzip, a user agent; a profile's token header and scheme, base path and
// routes; parameters that need escaping; values holding CR or LF.
func TestWriteCall(t *testing.T) {
	tr, err := tracing.New(context.Background(), "run00001", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	var sess tracing.Session
	tr.Begin(&sess, 3, "active_user")
	defer sess.End()
	trace := sess.Start("step", "users", "GET", "/api/v1/users/{id}")
	token := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.sig-" + strings.Repeat("x", 180)
	body := Body{{Name: "username", Value: "sim_a b"}, {Name: "age", Value: 42}, {Name: "roles", Value: []string{"user", "admin"}}}
	calls := map[string]Call{
		"GET":                      {Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"42"}},
		"GET with a token":         {Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"42"}, Token: token},
		"GET escaped, with query":  {Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"a b/c?d"}, Query: "page=2&q=x%20y", Token: token},
		"POST with a body":         {Endpoint: catalog.MustLookup(catalog.UsersCreate), Body: body, Token: token},
		"POST without a body":      {Endpoint: catalog.MustLookup(catalog.AuthMe), Token: token},
		"DELETE":                   {Endpoint: catalog.MustLookup(catalog.UsersDelete), Params: [2]string{"7"}, Token: token},
		"PUT with a body, traced":  {Endpoint: catalog.MustLookup(catalog.UsersUpdate), Params: [2]string{"7"}, Body: body, Token: token, Trace: trace},
		"a token with CR and LF":   {Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"1"}, Token: "abc\r\nX-Evil: 1"},
		"an empty body":            {Endpoint: catalog.MustLookup(catalog.UsersCreate), Body: Body{}, Token: token},
		"GET traced, without auth": {Endpoint: catalog.MustLookup(catalog.UsersList), Query: "page=1", Trace: trace},
	}
	clients := map[string]Options{
		"reference":                            {BaseURL: "http://127.0.0.1:9501"},
		"no gzip, no user agent, another port": {BaseURL: "http://localhost:8080", UserAgent: "-"},
		"a profile's token header and base path": {BaseURL: "http://h.example:81", UserAgent: "agent\r\nX: y",
			Profile: Profile{BasePath: "/v2/", Token: TokenProfile{Header: "x-api-key", Scheme: "-"}, Routes: map[string]string{"users.get": "/people/{id}"}}},
	}
	for cname, o := range clients {
		c, err := New(o)
		if err != nil {
			t.Fatalf("%s: %v", cname, err)
		}
		if cname == "no gzip, no user agent, another port" {
			c.gzip, c.uaValue = false, ""
		}
		for name, call := range calls {
			rt := c.routeOf(call.Endpoint)
			var st doState
			c.buildCall(&call, rt, &st)
			var want bytes.Buffer
			bw := bufio.NewWriter(&want)
			if err := st.req.Write(bw); err != nil {
				t.Fatalf("%s, %s: fasthttp: %v", cname, name, err)
			}
			_ = bw.Flush()
			var st2 doState
			got := c.writeCall(nil, &call, rt, &st2)
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s, %s:\nwritten %q\nfasthttp %q", cname, name, got, want.Bytes())
			}
		}
	}
}

// BenchmarkWriteCall is a catalog call with a token and a body made into
// bytes: by hand (written, what the fast transport sends) and by filling a
// fasthttp.Request and having it write itself (fasthttp, the other
// transports' way).
func BenchmarkWriteCall(b *testing.B) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:9501"})
	if err != nil {
		b.Fatal(err)
	}
	call := &Call{Endpoint: catalog.MustLookup(catalog.UsersUpdate), Params: [2]string{"42"},
		Body: Body{{Name: "name", Value: "Ada Lovelace"}}, Token: strings.Repeat("t", 250)}
	rt := c.routeOf(call.Endpoint)
	st := &doState{}
	b.Run("written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st.buf.Reset()
			st.raw = c.writeCall(st.raw[:0], call, rt, st)
		}
	})
	b.Run("fasthttp", func(b *testing.B) {
		var out bytes.Buffer
		bw := bufio.NewWriterSize(&out, 4096)
		b.ReportAllocs()
		for b.Loop() {
			st.req.Reset()
			st.buf.Reset()
			c.buildCall(call, rt, st)
			out.Reset()
			if err := st.req.Write(bw); err != nil {
				b.Fatal(err)
			}
			_ = bw.Flush()
		}
	})
}
