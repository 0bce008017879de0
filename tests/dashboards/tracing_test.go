package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/internal/jaegertest"
)

// TestTracesReachJaegerWithExemplars is the tracing path end to end with real
// parts: Jaeger v2 all-in-one (in-memory), the reference target and a run,
// both exporting spans to it over OTLP/HTTP, and a Prometheus with exemplar
// storage scraping both. Jaeger must return the run's traces, with usersvc
// spans whose parents are trafficsim spans; Prometheus must return latency
// exemplars — the engine's and the target's — whose trace ids Jaeger knows.
func TestTracesReachJaegerWithExemplars(t *testing.T) {
	prometheus, _ := needPrometheus(t)
	j := jaegertest.Start(t)
	root := repoRoot(t)
	dir := t.TempDir()
	bin := buildEngine(t, root, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	const run = "trace001"
	targetAddr, metricsAddr, promAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	targetURL := "http://" + targetAddr
	targetCtx, stopTarget := context.WithCancel(ctx)
	target := startProcess(targetCtx, t, "target", bin, "target", "--addr", targetAddr, "--bcrypt-cost", "4",
		"--otlp-endpoint", j.OTLP)
	waitHTTP(ctx, t, targetURL+"/healthz")

	promCfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(promCfg, scrapeConfig(metricsAddr, targetAddr), 0o600); err != nil {
		t.Fatal(err)
	}
	startProcess(ctx, t, "prometheus", prometheus, "--config.file="+promCfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+promAddr,
		"--enable-feature=exemplar-storage", "--log.level=warn")
	prom := promClient{base: "http://" + promAddr}
	waitHTTP(ctx, t, prom.base+"/-/ready")

	start := time.Now()
	r := startProcess(ctx, t, "run", bin, "run", "--base-url", targetURL, "--run-id", run, "--seed", "11",
		"--users", "4", "--min-request-count", "1000", "--max-request-count", "1000",
		"--delay-min", "10ms", "--delay-max", "50ms", "--duration", "6s", "--progress", "off",
		"--otlp-endpoint", j.OTLP, "--trace-sample", "1", "--metrics-addr", metricsAddr)

	// Exemplars: poll while the run (and its /metrics) is up.
	engineIDs := pollExemplars(ctx, t, prom, fmt.Sprintf(`trafficsim_request_duration_seconds_bucket{run=%q}`, run), start, r.done)
	targetIDs := pollExemplars(ctx, t, prom, `http_server_request_duration_seconds_bucket`, start, nil)
	select {
	case <-r.done:
	case <-ctx.Done():
		t.Fatal("the run did not end")
	}
	stopTarget() // SIGTERM: the target flushes its spans as it stops
	<-target.done

	// Jaeger: the run's traces, usersvc spans under trafficsim spans.
	var traces []jaegertest.Trace
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		traces, err = j.Traces(ctx, "trafficsim", map[string]string{"trafficsim.run": run}, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(traces) > 0 && crossServiceParents(traces) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Jaeger has %d traces of run %s and %d usersvc spans under trafficsim spans after 30s; want both > 0",
				len(traces), run, crossServiceParents(traces))
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("Jaeger: %d traces of run %s, %d usersvc spans whose parent is a trafficsim span", len(traces), run, crossServiceParents(traces))

	for name, ids := range map[string][]string{"engine": engineIDs, "target": targetIDs} {
		known := 0
		for _, id := range ids {
			tr, err := j.Trace(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if tr != nil {
				known++
			}
		}
		if known == 0 {
			t.Errorf("none of the %s's %d exemplar trace ids is known to Jaeger: %v", name, len(ids), ids)
		}
		t.Logf("%s exemplars: %d trace ids, %d known to Jaeger", name, len(ids), known)
	}
}

// crossServiceParents counts usersvc spans whose CHILD_OF parent is a span of
// trafficsim in the same trace.
func crossServiceParents(traces []jaegertest.Trace) int {
	n := 0
	for _, tr := range traces {
		engine := map[string]bool{}
		for _, s := range tr.Spans {
			if tr.Service(s) == "trafficsim" {
				engine[s.SpanID] = true
			}
		}
		for _, s := range tr.Spans {
			if tr.Service(s) != "usersvc" {
				continue
			}
			for _, ref := range s.References {
				if ref.RefType == "CHILD_OF" && engine[ref.SpanID] {
					n++
				}
			}
		}
	}
	return n
}

// pollExemplars asks Prometheus for the exemplars of a series selector until
// some carry a trace_id, and returns those ids. It gives up when done closes
// (the process behind the series ended) or after 30 s.
func pollExemplars(ctx context.Context, t *testing.T, prom promClient, selector string, since time.Time, done <-chan struct{}) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		params := url.Values{"query": {selector}, "start": {strconv.FormatInt(since.Add(-time.Minute).Unix(), 10)},
			"end": {strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10)}}
		raw, err := prom.get(ctx, "/api/v1/query_exemplars", params)
		if err != nil {
			t.Fatalf("query_exemplars %s: %v", selector, err)
		}
		var series []struct {
			Exemplars []struct {
				Labels map[string]string `json:"labels"`
			} `json:"exemplars"`
		}
		if err := json.Unmarshal(raw, &series); err != nil {
			t.Fatalf("query_exemplars %s: %v: %s", selector, err, raw)
		}
		seen := map[string]bool{}
		var ids []string
		for _, s := range series {
			for _, e := range s.Exemplars {
				if id := e.Labels["trace_id"]; id != "" && !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
		if len(ids) > 0 {
			return ids
		}
		select {
		case <-done:
			t.Fatalf("no exemplars with a trace_id for %s before the run ended", selector)
		case <-ctx.Done():
			t.Fatalf("no exemplars with a trace_id for %s: %v", selector, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no exemplars with a trace_id for %s within 30s", selector)
		}
	}
}

// TestJaegerProvisioned: the Jaeger datasource (uid trafficsim-jaeger) points at
// the compose stack's Jaeger, the Prometheus datasource links exemplars' trace
// ids to it, the stack stores exemplars and both services export traces, and the
// latency panels of both dashboards ask for exemplars.
func TestJaegerProvisioned(t *testing.T) {
	root := repoRoot(t)
	var ds datasourcesFile
	readYAML(t, filepath.Join(root, "provisioning", "datasources", "jaeger.yaml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].UID != "trafficsim-jaeger" || ds.Datasources[0].Type != "jaeger" ||
		ds.Datasources[0].URL != "http://jaeger:16686" {
		t.Errorf("jaeger datasources %+v: want one of type jaeger, uid trafficsim-jaeger, url http://jaeger:16686", ds.Datasources)
	}
	readYAML(t, filepath.Join(root, "provisioning", "datasources", "prometheus.yaml"), &ds)
	dest := fmt.Sprint(ds.Datasources[0].JSONData["exemplarTraceIdDestinations"])
	if !strings.Contains(dest, "trafficsim-jaeger") || !strings.Contains(dest, "trace_id") {
		t.Errorf("prometheus datasource exemplarTraceIdDestinations = %s; want trace_id → trafficsim-jaeger", dest)
	}

	var c composeFile
	readYAML(t, filepath.Join(root, "docker-compose.yaml"), &c)
	j, ok := c.Services["jaeger"]
	if !ok || !strings.HasPrefix(j.Image, "jaegertracing/jaeger:2.") || !slices.Contains(j.Ports, "16686:16686") {
		t.Errorf("compose jaeger service %+v: want jaegertracing/jaeger:2.x with port 16686", j)
	}
	if !slices.Contains(c.Services["prometheus"].Command, "--enable-feature=exemplar-storage") {
		t.Error("compose prometheus does not store exemplars (--enable-feature=exemplar-storage)")
	}
	for _, name := range []string{"usersvc", "engine"} {
		s := c.Services[name]
		if cmd := strings.Join(append(slices.Clone(s.Entrypoint), s.Command...), " "); !strings.Contains(cmd, "--otlp-endpoint http://jaeger:4318") {
			t.Errorf("compose %s does not export traces to jaeger: %s", name, cmd)
		}
	}

	for _, file := range []string{"trafficsim-overview.json", "usersvc-overview.json"} {
		raw, err := os.ReadFile(filepath.Join(root, "provisioning", "dashboards", file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"exemplar": true`) {
			t.Errorf("%s: no panel shows exemplars", file)
		}
	}
}
