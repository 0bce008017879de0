package report

import (
	"fmt"
	"strings"

	"github.com/trafficsim/trafficsim/engine/threshold"
)

// writeThresholds is the report's threshold section: one line per threshold,
// then the verdict a CI job gates on, with the exit code the process ends
// with when it is known.
func writeThresholds(b *strings.Builder, rs []threshold.Result, o finalOptions) {
	failed := 0
	b.WriteString("\nThresholds\n")
	for _, r := range rs {
		if !r.Pass {
			failed++
		}
		fmt.Fprintf(b, "  %s\n", r.String())
	}
	if failed == 0 {
		fmt.Fprintf(b, "  all %d passed\n", len(rs))
		return
	}
	fmt.Fprintf(b, "  %d of %d failed", failed, len(rs))
	switch {
	case !o.exitKnown:
		b.WriteString("\n")
	case o.exitCode == 3:
		b.WriteString(" (exit code 3)\n")
	default:
		// A failed run, data left behind, --strict or an interrupt set the
		// code before the thresholds do (docs/cli.md, Exit codes).
		fmt.Fprintf(b, " (exit code %d, which takes precedence over the thresholds' 3)\n", o.exitCode)
	}
}
