package report

import (
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

func TestFinalReportThresholds(t *testing.T) {
	s := summary.Summary{RunID: "abc12345", State: "finished", Thresholds: []threshold.Result{
		{Expr: "p95<500ms", Unit: threshold.Seconds, Observed: 0.2125, Pass: true},
		{Expr: "error_rate<1%", Unit: threshold.Ratio, Observed: 0.025, Pass: false, Aborted: true},
	}}
	var b strings.Builder
	lines := "\nThresholds\n  PASS p95<500ms: observed 212.5ms\n  FAIL error_rate<1%: observed 2.5% (stopped the run)\n  1 of 2 failed"
	// The exit code shown is the one given: the process's.
	for _, c := range []struct {
		opts []FinalOption
		want string
	}{
		{[]FinalOption{WithExitCode(3)}, lines + " (exit code 3)\n"},
		{[]FinalOption{WithExitCode(1)}, lines + " (exit code 1, which takes precedence over the thresholds' 3)\n"},
		{[]FinalOption{WithExitCode(130)}, lines + " (exit code 130, which takes precedence over the thresholds' 3)\n"},
		{nil, lines + "\n"},
	} {
		b.Reset()
		if err := WriteFinal(&b, s, c.opts...); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(b.String(), c.want) {
			t.Fatalf("report ends:\n%s\nwant:\n%s", b.String(), c.want)
		}
	}
	b.Reset()
	s.Thresholds = nil
	if err := WriteFinal(&b, s); err != nil || strings.Contains(b.String(), "Thresholds") {
		t.Fatalf("a run without thresholds has a thresholds section:\n%s", b.String())
	}
}
