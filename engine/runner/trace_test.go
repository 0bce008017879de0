package runner

import (
	"context"
	"regexp"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/trafficsim/trafficsim/engine/tracing"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func attrOf(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// TestTraceContextReachesTheTarget runs VUs against the embedded reference
// target with tracing on in both: every VU request gets a client span with the
// run, VU, archetype, step and capability, the target continues each one with
// a server span whose parent it is, and one trace spans a VU session.
func TestTraceContextReachesTheTarget(t *testing.T) {
	engineExp, targetExp := tracetest.NewInMemoryExporter(), tracetest.NewInMemoryExporter()
	targetTP := sdktrace.NewTracerProvider(sdktrace.WithSyncer(targetExp))
	cfg := DefaultConfig()
	cfg.RunID, cfg.Users, cfg.MinRequests, cfg.MaxRequests = "traceab1", 3, 12, 12
	cfg.DelayMin, cfg.DelayMax = 0, 5*time.Millisecond
	tr := tracing.NewWithExporter(cfg.RunID, 1, engineExp)
	r := runToEnd(t, cfg, WithTracer(tr), WithTargetConfig(func(c *usersvc.Config) {
		fastTarget(c)
		c.Tracer = targetTP.Tracer("usersvc")
	}))
	// Flush, not Shutdown: an in-memory exporter forgets its spans when shut down.
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())
	s := r.Summary()

	clientSpans := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	traces := map[trace.TraceID]bool{}
	sessions := 0
	for _, sp := range engineExp.GetSpans().Snapshots() {
		switch sp.SpanKind() {
		case trace.SpanKindClient:
			clientSpans[sp.SpanContext().SpanID()] = sp
			traces[sp.SpanContext().TraceID()] = true
			for _, k := range []string{tracing.KeyRun, tracing.KeyVU, tracing.KeyArchetype, tracing.KeyStep, tracing.KeyGroup, "http.response.status_code"} {
				if _, ok := attrOf(sp, k); !ok {
					t.Errorf("client span %s lacks %s", sp.Name(), k)
				}
			}
			if v, _ := attrOf(sp, tracing.KeyRun); v.AsString() != cfg.RunID {
				t.Errorf("client span %s: run %q", sp.Name(), v.AsString())
			}
		case trace.SpanKindInternal:
			sessions++
		}
	}
	if int64(len(clientSpans)) != s.Requests {
		t.Errorf("%d client spans for %d requests", len(clientSpans), s.Requests)
	}
	if sessions < cfg.Users || len(traces) != sessions {
		t.Errorf("%d session spans, %d traces of requests; want one trace per session and at least %d", sessions, len(traces), cfg.Users)
	}
	children := 0
	for _, sp := range targetExp.GetSpans().Snapshots() {
		parent, ok := clientSpans[sp.Parent().SpanID()]
		if !ok {
			continue // the cleanup's requests are not traced
		}
		children++
		if sp.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("server span %s is not in its client span's trace", sp.Name())
		}
		if v, _ := attrOf(sp, tracing.KeyRun); v.AsString() != cfg.RunID {
			t.Errorf("server span %s: baggage run %q, want %s", sp.Name(), v.AsString(), cfg.RunID)
		}
	}
	if children == 0 || children < len(clientSpans)*9/10 {
		t.Errorf("%d of %d client spans continued by the target", children, len(clientSpans))
	}
	t.Logf("%d requests, %d sessions, %d server spans under client spans", s.Requests, sessions, children)
}

var traceparent = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$`)

func TestTraceparentFormat(t *testing.T) {
	for _, sample := range []float64{0, 1} {
		tr, err := tracing.New(context.Background(), "run00001", "", sample)
		if err != nil {
			t.Fatal(err)
		}
		var s tracing.Session
		tr.Begin(&s, 7, "admin")
		q := s.Start("login", "auth", "POST", "/api/v1/auth/login")
		if got := string(q.Traceparent()); !traceparent.MatchString(got) || (sample == 1) != (got[len(got)-1] == '1') {
			t.Errorf("sample %v: traceparent %q", sample, got)
		}
		if got, want := string(q.Baggage()), "trafficsim.run=run00001,trafficsim.vu=7,trafficsim.archetype=admin"; got != want {
			t.Errorf("baggage %q, want %q", got, want)
		}
		first := string(q.Traceparent())
		q = s.Start("login", "auth", "POST", "/api/v1/auth/login")
		if second := string(q.Traceparent()); second[:36] != first[:36] || second == first {
			t.Errorf("two requests of a session: %q, %q; want the same trace, new span", first, second)
		}
	}
}
