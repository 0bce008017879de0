package report

import (
	"fmt"
	"strings"

	"github.com/trafficsim/trafficsim/engine/summary"
)

// writeTransport adds the transport line (and the skip-verify warning).
func writeTransport(b *strings.Builder, s summary.Summary) {
	t := s.Transport
	if t == nil {
		return
	}
	fmt.Fprintf(b, "Transport   %s", t.Plan)
	if len(t.Protocols) > 0 {
		fmt.Fprintf(b, " · answers over %s", strings.Join(t.Protocols, ", "))
	}
	fmt.Fprintf(b, " · received %s on the wire, %s decoded\n", bytesText(t.WireBytes), bytesText(t.DecodedBytes))
	if t.Warning != "" {
		fmt.Fprintf(b, "%s\n", t.Warning)
	}
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
