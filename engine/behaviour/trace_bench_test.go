package behaviour

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/tracing"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkSendTracing is BenchmarkSend with tracing off, on with 1% of
// sessions exported and on with every session exported (to a discarding
// exporter: the SDK's cost, not a network's). Sessions of 20 requests.
func BenchmarkSendTracing(b *testing.B) {
	body := []byte(`{"id":42,"username":"sim_abc12345_u1_1","name":"Ada Lovelace","active":true}`)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer ts.Close()
	srv := ts.URL
	ep := catalog.MustLookup(catalog.UsersGet)
	for _, c := range []struct {
		name   string
		tracer *tracing.Tracer
	}{
		{"off", nil},
		{"sample=0.01", tracing.NewWithExporter("benchrun", 0.01, tracetest.NewNoopExporter())},
		{"sample=1", tracing.NewWithExporter("benchrun", 1, tracetest.NewNoopExporter())},
	} {
		b.Run(c.name, func(b *testing.B) {
			v := benchVU(b, srv)
			v.r.tracer = c.tracer
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if n++; n%20 == 0 {
					v.traceEndSession()
				}
				call := client.Call{Endpoint: ep, Params: [2]string{"42"}}
				if res, err := v.send(&call, wantSuccess); err != nil || res.Status != 200 {
					b.Fatalf("%v %d", err, res.Status)
				}
			}
		})
		if c.tracer != nil {
			_ = c.tracer.Shutdown(context.Background())
		}
	}
}
