package behaviour

import (
	"testing"
	"time"
)

// cpuTime needs getrusage, which Windows lacks: the benchmarks that report
// CPU per request are skipped there.
func cpuTime(b *testing.B) time.Duration {
	b.Skip("CPU time per request needs getrusage (not on Windows)")
	return 0
}
