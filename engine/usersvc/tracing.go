package usersvc

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The baggage members the engine sends (engine/tracing), copied onto the
// server span so the target's traces name the run, VU and archetype.
var baggageKeys = []string{"trafficsim.run", "trafficsim.vu", "trafficsim.archetype"}

var traceContext = propagation.TraceContext{}

// startSpan continues the caller's trace (W3C traceparent) with a server span
// for the request, when the service has a tracer; else it returns r unchanged
// and a nil span.
func (s *Service) startSpan(r *http.Request, rte *route) (*http.Request, trace.Span) {
	if s.tracer == nil {
		return r, nil
	}
	ctx := traceContext.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	name := r.Method + " unmatched"
	if rte != nil {
		name = rte.method + " " + rte.pattern
	}
	attrs := []attribute.KeyValue{attribute.String("http.request.method", r.Method)}
	if rte != nil {
		attrs = append(attrs, attribute.String("http.route", rte.pattern))
	}
	if h := r.Header.Get("Baggage"); h != "" {
		if b, err := baggage.Parse(h); err == nil {
			for _, k := range baggageKeys {
				if v := b.Member(k).Value(); v != "" {
					attrs = append(attrs, attribute.String(k, v))
				}
			}
		}
	}
	ctx, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	return r.WithContext(ctx), span
}

// endSpan records the answer's status on the span and ends it; it returns the
// trace id for the duration histogram's exemplar ("" when not sampled).
func endSpan(span trace.Span, status int) string {
	if span == nil {
		return ""
	}
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
	if sc := span.SpanContext(); sc.IsSampled() {
		return sc.TraceID().String()
	}
	return ""
}

// observeDuration records a request duration, with the trace as exemplar.
func observeDuration(o prometheus.Observer, secs float64, traceID string) {
	if traceID != "" {
		if eo, ok := o.(prometheus.ExemplarObserver); ok {
			eo.ObserveWithExemplar(secs, prometheus.Labels{"trace_id": traceID})
			return
		}
	}
	o.Observe(secs)
}
