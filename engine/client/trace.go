package client

import (
	"github.com/valyala/fasthttp"

	"github.com/trafficsim/trafficsim/engine/tracing"
)

var (
	traceparentKey = []byte("Traceparent")
	baggageKey     = []byte("Baggage")
)

// setTrace adds the request's W3C trace context headers (engine/tracing).
func setTrace(h *fasthttp.RequestHeader, t *tracing.Request) {
	h.SetCanonical(traceparentKey, t.Traceparent())
	h.SetCanonical(baggageKey, t.Baggage())
}
