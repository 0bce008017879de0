package usersvc

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/baggage"
)

// reqLogEvery samples the per-request debug lines (--log-level debug): one
// request in reqLogEvery, and every 5xx.
const reqLogEvery = 100

// logRequest writes the sampled debug line of a request. A request from the
// engine names its run, VU and archetype in its baggage; the line carries them.
func (s *Service) logRequest(r *http.Request, route string, status int, took time.Duration, traceID string) {
	if status < 500 && s.reqSeq.Add(1)%reqLogEvery != 1 {
		return
	}
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.Int("status", status),
		slog.Duration("latency", took)}
	if h := r.Header.Get("Baggage"); h != "" {
		if b, err := baggage.Parse(h); err == nil {
			for _, k := range baggageKeys {
				if v := b.Member(k).Value(); v != "" {
					attrs = append(attrs, slog.String(strings.TrimPrefix(k, "trafficsim."), v))
				}
			}
		}
	}
	if traceID != "" {
		attrs = append(attrs, slog.String("trace_id", traceID))
	}
	s.log.LogAttrs(context.Background(), slog.LevelDebug, "request", attrs...)
}
