// Package tracing gives every request of a run W3C trace context — one trace per
// VU session, a span per request — and exports the sampled sessions' spans over
// OTLP/HTTP with the OpenTelemetry SDK (docs/tracing.md). With tracing off the
// engine never calls into it: a nil *Tracer is the off switch.
package tracing

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Header names and the keys of the baggage and span attributes the engine sets.
const (
	TraceparentHeader = "traceparent"
	BaggageHeader     = "baggage"

	KeyRun       = "trafficsim.run"
	KeyVU        = "trafficsim.vu"
	KeyArchetype = "trafficsim.archetype"
	KeyStep      = "trafficsim.step"
	KeyGroup     = "trafficsim.capability"
)

// EndpointEnv is the standard variable --otlp-endpoint falls back to.
const EndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

// Endpoint is the OTLP/HTTP base URL to use: flag, else $OTEL_EXPORTER_OTLP_ENDPOINT,
// else "" (tracing off). It must be http(s)://host[:port][/path].
func Endpoint(flag string) (string, error) {
	e := strings.TrimSpace(flag)
	if e == "" {
		e = strings.TrimSpace(os.Getenv(EndpointEnv))
	}
	if e == "" {
		return "", nil
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q: want the OTLP/HTTP base URL, e.g. http://127.0.0.1:4318", e)
	}
	return strings.TrimSuffix(e, "/"), nil
}

// CheckSample validates a --trace-sample value.
func CheckSample(s float64) error {
	if !(s >= 0 && s <= 1) {
		return fmt.Errorf("%v: use a share from 0 to 1, e.g. 0.01 for one session in a hundred", s)
	}
	return nil
}

// NewProvider is an SDK tracer provider exporting to the OTLP/HTTP base URL
// endpoint with resource service.name=service, sampling by the parent and else
// by sample. Shut it down to flush.
func NewProvider(ctx context.Context, endpoint, service string, sample float64) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter for %s: %w", endpoint, err)
	}
	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(service))
	return sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithMaxQueueSize(1<<16), sdktrace.WithMaxExportBatchSize(2048)),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(sample))),
	), nil
}

// Tracer is a run's tracing; nil means off.
type Tracer struct {
	tp     *sdktrace.TracerProvider // nil: propagate only, export nothing
	tr     trace.Tracer
	sample float64
	run    string
	bagRun string // "trafficsim.run=<run>,trafficsim.vu="
}

// New starts a run's tracing: headers on every request; with an endpoint,
// sampled sessions' spans exported there as service.name=trafficsim.
func New(ctx context.Context, run, endpoint string, sample float64) (*Tracer, error) {
	t := &Tracer{sample: sample, run: run, bagRun: KeyRun + "=" + run + "," + KeyVU + "="}
	if endpoint != "" {
		tp, err := NewProvider(ctx, endpoint, "trafficsim", 1) // sessions are sampled here, by Session
		if err != nil {
			return nil, err
		}
		t.tp, t.tr = tp, tp.Tracer("github.com/trafficsim/trafficsim/engine")
	}
	return t, nil
}

// Shutdown flushes the spans not yet exported (bounded by ctx).
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil || t.tp == nil {
		return nil
	}
	if err := t.tp.Shutdown(ctx); err != nil {
		return fmt.Errorf("flush traces: %w", err)
	}
	return nil
}

// Session is one VU session's trace; a VU keeps one and reuses it.
type Session struct {
	t       *Tracer
	traceID trace.TraceID
	sampled bool
	ctx     context.Context // holds the root span when exported
	root    trace.Span
	bag     []byte
	vu      int
	arch    string
	req     Request
	tid     string // traceID in hex while exported (exemplars), else ""
}

// Request is the trace context of one request: its headers, and its span while
// it is exported.
type Request struct {
	tp   [55]byte // 00-<trace id>-<span id>-<flags>
	bag  []byte
	span trace.Span
}

// Traceparent is the request's W3C traceparent header value.
func (q *Request) Traceparent() []byte { return q.tp[:] }

// Baggage is the request's W3C baggage header value.
func (q *Request) Baggage() []byte { return q.bag }

// Begin starts session s of the VU: a new trace, sampled by --trace-sample.
func (t *Tracer) Begin(s *Session, vu int, archetype string) {
	s.t, s.vu, s.arch = t, vu, archetype
	s.sampled = t.sample >= 1 || (t.sample > 0 && rand.Float64() < t.sample)
	s.bag = append(append(append(append(s.bag[:0], t.bagRun...), strconv.Itoa(vu)...), ","+KeyArchetype+"="...), archetype...)
	s.root, s.ctx = nil, nil
	if s.sampled && t.tr != nil {
		s.ctx, s.root = t.tr.Start(context.Background(), "session "+archetype, trace.WithSpanKind(trace.SpanKindInternal),
			trace.WithAttributes(attribute.String(KeyRun, t.run), attribute.Int(KeyVU, vu), attribute.String(KeyArchetype, archetype)))
		s.traceID = s.root.SpanContext().TraceID()
		s.tid = s.traceID.String()
		return
	}
	s.tid = ""
	putRandom(s.traceID[:8])
	putRandom(s.traceID[8:])
}

// End ends the session's trace.
func (s *Session) End() {
	if s.root != nil {
		s.root.End()
		s.root, s.ctx = nil, nil
	}
	s.t = nil
}

// Active reports whether the session has begun and not ended.
func (s *Session) Active() bool { return s.t != nil }

// Start gives the next request of the session its trace context: a new span id
// (and, when exported, an SDK span named "METHOD route" with the step and
// capability as attributes).
func (s *Session) Start(step, group, method, route string) *Request {
	q := &s.req
	q.bag = s.bag
	var spanID trace.SpanID
	if s.ctx != nil {
		_, q.span = s.t.tr.Start(s.ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String(KeyRun, s.t.run), attribute.Int(KeyVU, s.vu),
				attribute.String(KeyArchetype, s.arch), attribute.String(KeyStep, step), attribute.String(KeyGroup, group),
				attribute.String("http.request.method", method), attribute.String("url.template", route)))
		spanID = q.span.SpanContext().SpanID()
	} else {
		q.span = nil
		putRandom(spanID[:])
	}
	writeTraceparent(&q.tp, s.traceID, spanID, s.sampled)
	return q
}

// Finish ends the request's span with its outcome (status 0: no answer).
func (s *Session) Finish(q *Request, status int, errKind string) {
	if q.span == nil {
		return
	}
	q.span.SetAttributes(attribute.Int("http.response.status_code", status))
	if errKind != "" {
		q.span.SetAttributes(attribute.String("error.type", errKind))
		q.span.SetStatus(codes.Error, errKind)
	} else if status >= 500 {
		q.span.SetStatus(codes.Error, strconv.Itoa(status))
	}
	q.span.End()
	q.span = nil
}

// ExportedTraceID is the session's trace id in hex when its spans are
// exported (for exemplars: a trace the backend knows), else "".
func (s *Session) ExportedTraceID() string { return s.tid }

// Sampled reports whether the session's spans are exported.
func (s *Session) Sampled() bool { return s.sampled }

func putRandom(b []byte) {
	x := rand.Uint64()
	for i := range b {
		b[i] = byte(x >> (8 * i))
	}
	if len(b) == 8 && x == 0 {
		b[0] = 1 // an all-zero id is invalid
	}
}

func writeTraceparent(dst *[55]byte, tid trace.TraceID, sid trace.SpanID, sampled bool) {
	b := dst[:0]
	b = append(b, "00-"...)
	b = hex.AppendEncode(b, tid[:])
	b = append(b, '-')
	b = hex.AppendEncode(b, sid[:])
	if sampled {
		b = append(b, "-01"...)
	} else {
		b = append(b, "-00"...)
	}
	_ = b
}

// NewWithExporter is New with spans going to exp (tests, benchmarks).
func NewWithExporter(run string, sample float64, exp sdktrace.SpanExporter) *Tracer {
	t := &Tracer{sample: sample, run: run, bagRun: KeyRun + "=" + run + "," + KeyVU + "="}
	t.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.tr = t.tp.Tracer("github.com/trafficsim/trafficsim/engine")
	return t
}

// Flush exports the spans ended so far (bounded by ctx).
func (t *Tracer) Flush(ctx context.Context) error {
	if t == nil || t.tp == nil {
		return nil
	}
	return t.tp.ForceFlush(ctx)
}
