package client

import (
	"bytes"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// Request building, without the network: what the engine adds before
// the wire takes over (docs/benchmarks.md).

// BenchmarkCatalogURL renders a catalog endpoint's request target (path with a
// parameter, query) into a reused buffer, as Do does.
func BenchmarkCatalogURL(b *testing.B) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:9501"})
	if err != nil {
		b.Fatal(err)
	}
	call := Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"4242"}, Query: "page=2&per_page=20"}
	rt := c.routes[call.Endpoint.ID]
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		if buf = c.appendURI(buf[:0], &call, rt); len(buf) == 0 {
			b.Fatal("empty URL")
		}
	}
}

// BenchmarkBodyEncode writes a registration's JSON body into a reused buffer.
func BenchmarkBodyEncode(b *testing.B) {
	body := Body{{Name: "username", Value: "sim_abc12345_u1_1"}, {Name: "email", Value: "sim_abc12345_u1_1@simulation.test"},
		{Name: "password", Value: "S3cret-pass-1"}, {Name: "name", Value: "Ada Lovelace"}}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		body.encode(&buf, nil, "")
	}
}

// BenchmarkPlainRender renders a plain request's URL (static: no allocation)
// and a body template with placeholders into a reused buffer.
func BenchmarkPlainRender(b *testing.B) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:9600"})
	if err != nil {
		b.Fatal(err)
	}
	p, err := c.NewPlain(PlainSpec{Method: "POST", Path: "/items", HasBody: true,
		Body: `{"vu": {{vu}}, "seq": {{seq}}, "n": {{rand}}, "run": "{{run}}"}`})
	if err != nil {
		b.Fatal(err)
	}
	vars := TemplateVars{VU: 17, Seq: 12345, Rand: 987654321, Run: "abcd1234"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if u := p.url.Render(&vars); len(u) == 0 {
			b.Fatal("empty URL")
		}
		buf = p.body.Append(buf[:0], &vars)
	}
}
