//go:build linux

package client

import (
	"context"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/transport/transporttest"
)

// BenchmarkWire is the client's side of a request alone (the server allocates
// nothing): a plain GET through DoPlain and through a Sender, and a catalog
// GET with a token through Do, each including the Policy calls and the answer
// read (the transport's part alone: engine/transport's BenchmarkExchange).
func BenchmarkWire(b *testing.B) {
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
	base := transporttest.RawServer(b, true, func([]byte) []byte { return answer })
	c, err := New(Options{BaseURL: base})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		p, err := c.NewPlain(PlainSpec{Path: "/"})
		if err != nil {
			b.Fatal(err)
		}
		vars := &TemplateVars{}
		b.ReportAllocs()
		for b.Loop() {
			if res := c.DoPlain(ctx, p, vars, ""); res.Status != 200 {
				b.Fatal(res)
			}
		}
	})
	b.Run("sender", func(b *testing.B) {
		p, err := c.NewPlain(PlainSpec{Path: "/"})
		if err != nil {
			b.Fatal(err)
		}
		s := c.NewSender(ctx)
		defer s.Release()
		vars := &TemplateVars{}
		b.ReportAllocs()
		for b.Loop() {
			if res := s.Do(p, vars, ""); res.Status != 200 {
				b.Fatal(res)
			}
		}
	})
	b.Run("catalog", func(b *testing.B) {
		call := &Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"42"}, Token: strings.Repeat("t", 200)}
		b.ReportAllocs()
		for b.Loop() {
			if res := c.Do(ctx, call); res.Status != 200 {
				b.Fatal(res)
			}
		}
	})
}
