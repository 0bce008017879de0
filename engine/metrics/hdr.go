package metrics

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// HDR histogram geometry for in-process latency statistics: microseconds from
// 1µs to 10 minutes with 2 significant digits (values within 1% of the truth),
// ≈24 KiB per histogram whatever the run's length. Longer latencies are clamped
// to the top; the exact maximum is tracked beside the histogram. Every latency
// histogram of the engine has it (resilience's adaptive timeouts, thresholds'
// windows, merge across shards), so that any two can be merged.
const (
	hdrLowest      = 1
	hdrHighest     = int64(10 * time.Minute / time.Microsecond)
	hdrSignificant = 2
)

// NewLatencyHistogram returns an empty latency histogram (microseconds, 1 µs
// to 10 min, 2 significant digits).
func NewLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(hdrLowest, hdrHighest, hdrSignificant)
}

// LatencyMicros is d as a latency histogram records it: whole microseconds,
// clamped to the histogram's range (RecordValue then cannot fail).
func LatencyMicros(d time.Duration) int64 {
	return min(max(int64(d/time.Microsecond), hdrLowest), hdrHighest)
}
