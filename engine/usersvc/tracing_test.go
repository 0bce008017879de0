package usersvc

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTargetContinuesTraces: a request with traceparent and the engine's baggage
// gets a server span in the caller's trace with the baggage as attributes, its
// duration observation carries the trace id as exemplar on /metrics in the
// OpenMetrics format, and the debug log line names the run, VU and archetype.
func TestTargetContinuesTraces(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	var logs lockedBuffer
	run := startService(t, Config{Tracer: tp.Tracer("usersvc"),
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const traceID, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequest(http.MethodGet, run.URL+"/api/v1/roles", nil)
	req.Header.Set("Traceparent", "00-"+traceID+"-"+parent+"-01")
	req.Header.Set("Baggage", "trafficsim.run=abcd1234,trafficsim.vu=7,trafficsim.archetype=admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	sp := spans[0]
	if sp.SpanContext.TraceID().String() != traceID || sp.Parent.SpanID().String() != parent || sp.Name != "GET /api/v1/roles" {
		t.Errorf("span %s in trace %s under %s; want GET /api/v1/roles in %s under %s",
			sp.Name, sp.SpanContext.TraceID(), sp.Parent.SpanID(), traceID, parent)
	}
	found := map[string]string{}
	for _, kv := range sp.Attributes {
		found[string(kv.Key)] = kv.Value.String()
	}
	if found["trafficsim.run"] != "abcd1234" || found["trafficsim.vu"] != "7" || found["trafficsim.archetype"] != "admin" || found["http.response.status_code"] != "401" {
		t.Errorf("span attributes %v", found)
	}

	mreq, _ := http.NewRequest(http.MethodGet, run.URL+"/metrics", nil)
	mreq.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	mresp, err := http.DefaultClient.Do(mreq)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mresp.Body)
	_ = mresp.Body.Close()
	if ct := mresp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("/metrics content type %q, want OpenMetrics", ct)
	}
	if !strings.Contains(string(body), `# {trace_id="`+traceID+`"}`) {
		t.Errorf("no exemplar with trace_id %s on /metrics", traceID)
	}

	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == "request" {
			line = rec
		}
	}
	if line == nil || line["run"] != "abcd1234" || line["vu"] != "7" || line["archetype"] != "admin" || line["trace_id"] != traceID {
		t.Errorf("request log line %v; want run, vu, archetype and trace_id", line)
	}
}
