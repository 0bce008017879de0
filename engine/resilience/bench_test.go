package resilience

import (
	"context"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
)

// BenchmarkAdmitDone is the policy's cost per request with the defaults
// (breaker, adaptive timeout, backoff bookkeeping) and degradation on, from
// many goroutines at once.
func BenchmarkAdmitDone(b *testing.B) {
	c := Defaults()
	c.Degrade = true
	p, err := New(c, Run{ID: "bench", Users: 1024})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	routes := []string{"/api/v1/users", "/api/v1/users/{id}", "/api/v1/roles", "/api/v1/auth/login"}
	slots := make([]any, len(routes)) // bound once, as the client does
	for i, r := range routes {
		slots[i] = p.Bind("user_query", "GET", r)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			start := time.Now()
			a := client.Attempt{VU: i % 64, Group: "user_query", Method: "GET", Route: routes[i%len(routes)], Slot: slots[i%len(routes)]}
			if _, err := p.Admit(ctx, &a); err != nil {
				b.Fatal(err)
			}
			p.Done(&a, &client.Result{Start: start, Status: 200, Latency: time.Duration(1+i%50) * time.Millisecond})
			i++
		}
	})
}
