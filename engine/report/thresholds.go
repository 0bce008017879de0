package report

import (
	"fmt"
	"strings"

	"github.com/trafficsim/trafficsim/engine/threshold"
)

// writeThresholds is the report's threshold section: one line per threshold,
// then the verdict a CI job gates on.
func writeThresholds(b *strings.Builder, rs []threshold.Result) {
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
	} else {
		fmt.Fprintf(b, "  %d of %d failed (exit code 3)\n", failed, len(rs))
	}
}
