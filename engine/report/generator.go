package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/generator"
)

// GeneratorLine is the final report's line on the engine itself
// (docs/generator.md), with a warning when it was saturated.
func GeneratorLine(g generator.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generator   cpu peak %.2f of %d core(s) · timer lag p99 %v · memory peak %s",
		g.CPUPeak, g.Procs, time.Duration(g.TimerLagP99*float64(time.Second)).Round(100*time.Microsecond), mib(g.HeapPeakBytes))
	if g.MaxMemoryBytes > 0 {
		fmt.Fprintf(&b, " (limit %s)", mib(uint64(g.MaxMemoryBytes)))
	}
	b.WriteString("\n")
	if g.Saturated {
		fmt.Fprintf(&b, "  SATURATED for %.0fs: the engine was the bottleneck, so those seconds' latencies include its own delay; use fewer VUs per process or more shards (trafficsim plan)\n", g.SaturatedSeconds)
	}
	if g.VUsRefused > 0 {
		fmt.Fprintf(&b, "  %d VUs not started: %s\n", g.VUsRefused, g.VUsRefusedReason)
	}
	return b.String()
}

// GeneratorWarning is the progress display's short note while the engine is
// saturated ("" when it is not).
func GeneratorWarning(st generator.Status) string {
	if !st.Saturated {
		return ""
	}
	return fmt.Sprintf("GENERATOR SATURATED (%s: cpu %.2f/%d, timer lag p50 %v): latencies include the engine's own delay",
		st.Reason, st.CPU, st.Procs, st.TimerLagP50.Round(time.Millisecond))
}

func mib(n uint64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
