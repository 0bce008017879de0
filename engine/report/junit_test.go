package report

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

// result is the verdict on expr with the value observed.
func result(t *testing.T, expr string, observed float64, pass bool, note string) threshold.Result {
	t.Helper()
	th, err := threshold.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return threshold.Result{Expr: th.Expr, Metric: th.Metric, Scope: th.Scope, Op: th.Op, Limit: th.Limit, Unit: th.Unit,
		Observed: observed, Pass: pass, Note: note}
}

// TestJUnitFile: one test case per threshold, a failure saying why for each
// that failed, the run's properties, written atomically.
func TestJUnitFile(t *testing.T) {
	rs := []threshold.Result{
		result(t, "p95<2s", 1.2, true, ""),
		result(t, "error_rate<1%", 0.04, false, ""),
		result(t, "p99{group=auth}<200ms", 0.15, true, ""),
		result(t, "p95{group=admin}<1s", 0, false, "no requests matched {group=admin}"),
	}
	path := filepath.Join(t.TempDir(), "junit.xml")
	start := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	s := summary.Summary{RunID: "thr12345", Scenario: "mixed", StartedAt: start, EndedAt: start.Add(10 * time.Second), Thresholds: rs}
	if err := WriteJUnit(path, s); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Name      string `xml:"name,attr"`
			Tests     int    `xml:"tests,attr"`
			Failures  int    `xml:"failures,attr"`
			Timestamp string `xml:"timestamp,attr"`
			Props     []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit file is not XML: %v\n%s", err, data)
	}
	if doc.Tests != 4 || doc.Failures != 2 || doc.Suite.Tests != 4 || doc.Suite.Failures != 2 || doc.Suite.Timestamp != "2026-03-04T12:00:00" {
		t.Fatalf("counts: %+v", doc)
	}
	if len(doc.Suite.Props) != 2 || doc.Suite.Props[0].Value != "thr12345" {
		t.Fatalf("properties: %+v", doc.Suite.Props)
	}
	want := []struct{ name, failure string }{
		{"p95<2s", ""},
		{"error_rate<1%", "error_rate observed 4%; want error_rate < 1%"},
		{"p99{group=auth}<200ms", ""},
		{"p95{group=admin}<1s", "p95{group=admin}<1s: no requests matched {group=admin}"},
	}
	for i, c := range doc.Suite.Cases {
		got := ""
		if c.Failure != nil {
			got = c.Failure.Message
		}
		if c.Name != want[i].name || !strings.HasPrefix(got, want[i].failure) || (want[i].failure == "") != (got == "") {
			t.Errorf("case %d = %q failure %q; want %q failure %q", i, c.Name, got, want[i].name, want[i].failure)
		}
	}
	if err := WriteJUnit(filepath.Join(t.TempDir(), "missing", "junit.xml"), s); err == nil || !strings.Contains(err.Error(), "junit.xml") {
		t.Fatalf("write into a missing directory: %v, want an error naming the path", err)
	}
}
