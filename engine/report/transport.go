package report

import (
	"fmt"
	"strings"
)

// TransportSummary is how the run's requests reached the target
// (engine/transport; docs/summary.md).
type TransportSummary struct {
	// Plan is the transport in words, as the start line printed it.
	Plan        string `json:"plan"`
	Client      string `json:"client"`       // fast or std
	HTTPVersion string `json:"http_version"` // 1.1, 2 or auto
	// Protocols are the HTTP versions answers came over.
	Protocols   []string `json:"protocols,omitempty"`
	Compression string   `json:"compression"`
	Proxy       string   `json:"proxy,omitempty"` // credentials redacted
	// InsecureSkipVerify: the target's certificate was not verified; Warning
	// says so in words.
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
	Warning            string `json:"warning,omitempty"`
	// MaxConnsPerGroup are the connection limits of the groups that had one.
	MaxConnsPerGroup map[string]int `json:"max_conns_per_group,omitempty"`
	WireBytes        int64          `json:"wire_bytes"`    // answer bodies as received
	DecodedBytes     int64          `json:"decoded_bytes"` // the same decoded
}

// writeTransport adds the transport line (and the skip-verify warning).
func writeTransport(b *strings.Builder, s Summary) {
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
