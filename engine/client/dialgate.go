package client

import (
	"context"
	"net"
	"time"
)

// dialTimeout bounds a gated dial's connect, as the transports' own dialers do.
const dialTimeout = 10 * time.Second

// gateDial wraps dial (nil: a net.Dialer like the wire's own) so that at
// most n dials are under way at once. A dial waiting for its turn still
// honours its context (the request's deadline, a stop).
func gateDial(dial func(ctx context.Context, network, addr string) (net.Conn, error), n int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dial == nil {
		d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	gate := make(chan struct{}, n)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case gate <- struct{}{}:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		defer func() { <-gate }()
		return dial(ctx, network, addr)
	}
}
