package summary

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
