package metrics

import (
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestDocsListEveryMetric keeps docs/metrics.md in step with what the engine
// exports: every family (and every histogram's series name) of an engine
// registry with a busy run, Go and process collectors included, must be listed
// there in backquotes.
func TestDocsListEveryMetric(t *testing.T) {
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatalf("read docs/metrics.md: %v", err)
	}
	reg := NewRegistry()
	r := newTestRun(t, "docs", reg)
	r.Record(sample(0, "auth", "POST", "/api/v1/auth/login", 0, false, "timeout", time.Second))
	r.VUTransition("", VUActive)
	r.Session("admin", time.Minute, false)
	r.TokenOp("login", true)

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var names []string
	for _, mf := range mfs {
		n := mf.GetName()
		names = append(names, n)
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			names = append(names, n+"_bucket", n+"_sum", n+"_count")
		}
	}
	for _, want := range []string{"trafficsim_run_info", "go_goroutines", "process_cpu_seconds_total",
		"process_resident_memory_bytes", "go_memstats_heap_alloc_bytes"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("the engine registry lacks %s", want)
		}
	}
	for _, n := range names {
		if !strings.Contains(string(doc), "`"+n+"`") {
			t.Errorf("docs/metrics.md does not list `%s`", n)
		}
	}
}
