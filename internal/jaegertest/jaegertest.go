// Package jaegertest runs a real Jaeger v2 all-in-one (in-memory storage) for
// tests, on loopback ports, and reads traces back through its query API. The
// binary is built once by `go run mage.go jaeger` (magefile_jaeger.go) into
// the user cache directory, or named by $TRAFFICSIM_JAEGER. Without it the
// tests are skipped — unless $CI is set, where a missing Jaeger is a failure.
package jaegertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/internal/promtest"
)

// Binary is the Jaeger executable the tests use.
func Binary() string {
	if p := os.Getenv("TRAFFICSIM_JAEGER"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "trafficsim-jaeger", "jaeger")
}

// Jaeger is a running Jaeger.
type Jaeger struct {
	OTLP  string // OTLP/HTTP base URL, e.g. http://127.0.0.1:41234
	Query string // query API / UI base URL
}

// config is Jaeger v2's all-in-one with memory storage, every listener on a
// loopback port of the test's choosing, and the query service's own tracing
// off (with it on, every shutdown waits 10 s to export Jaeger's spans).
const config = `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: %s
  jaeger_query:
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: %s
    grpc:
      endpoint: %s
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// Start runs Jaeger until the test ends.
func Start(t *testing.T) *Jaeger {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the live Jaeger test")
	}
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("Jaeger not built at %s (go run mage.go jaeger builds it once, about 5 minutes)", bin)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	health, query, grpc, otlp := promtest.FreeAddr(t), promtest.FreeAddr(t), promtest.FreeAddr(t), promtest.FreeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, health, query, grpc, otlp), 0o600); err != nil {
		t.Fatal(err)
	}
	p := promtest.StartProcess(t, "jaeger", exec.Command(bin, "--config", cfg), 15*time.Second)
	j := &Jaeger{OTLP: "http://" + otlp, Query: "http://" + query}
	// Ready when the query API answers and the OTLP receiver listens.
	p.WaitReady(t, 60*time.Second, 200*time.Millisecond, func() (bool, error) {
		resp, err := http.Get(j.Query + "/api/services")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		c, err := net.DialTimeout("tcp", otlp, time.Second)
		if err != nil {
			return false, err
		}
		c.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	return j
}

// Span is a span as the query API returns it.
type Span struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	ProcessID     string `json:"processID"`
	References    []struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	Tags []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
}

// Tag returns the span's tag value as text ("" when absent).
func (s Span) Tag(key string) string {
	for _, t := range s.Tags {
		if t.Key == key {
			return fmt.Sprint(t.Value)
		}
	}
	return ""
}

// Trace is a trace as the query API returns it.
type Trace struct {
	TraceID   string `json:"traceID"`
	Spans     []Span `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

// Service is the service name of the span's process.
func (tr Trace) Service(s Span) string { return tr.Processes[s.ProcessID].ServiceName }

// Traces finds traces of service carrying the tags (a span tag match).
func (j *Jaeger) Traces(ctx context.Context, service string, tags map[string]string, limit int) ([]Trace, error) {
	q := url.Values{"service": {service}, "limit": {fmt.Sprint(limit)}, "lookback": {"1h"}}
	if len(tags) > 0 {
		b, _ := json.Marshal(tags)
		q.Set("tags", string(b))
	}
	var out struct {
		Data []Trace `json:"data"`
	}
	return out.Data, j.get(ctx, "/api/traces?"+q.Encode(), &out)
}

// Trace fetches one trace by id; nil when Jaeger does not know it.
func (j *Jaeger) Trace(ctx context.Context, id string) (*Trace, error) {
	var out struct {
		Data []Trace `json:"data"`
	}
	err := j.get(ctx, "/api/traces/"+url.PathEscape(id), &out)
	if err != nil || len(out.Data) == 0 {
		if err != nil && strings.Contains(err.Error(), "404") {
			err = nil
		}
		return nil, err
	}
	return &out.Data[0], nil
}

func (j *Jaeger) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.Query+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("jaeger query %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jaeger query %s: %s: %s", path, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("jaeger query %s: %w", path, err)
	}
	return nil
}
