package generator

import (
	"math"
	"sync/atomic"
	"time"
)

// Timer lag is kept in log-spaced buckets (4 per doubling from 100 µs up to
// about 100 s): observing is two atomic adds, and a quantile is within 19 %.
const (
	lagBase    = 100 * time.Microsecond
	lagPerOct  = 4
	lagBuckets = 2 + 20*lagPerOct // [0, base), then 20 doublings, then the overflow
)

type lagHist struct {
	n [lagBuckets]atomic.Int64
}

type lagCounts [lagBuckets]int64

func lagBucket(d time.Duration) int {
	if d < lagBase {
		return 0
	}
	b := 1 + int(math.Log2(float64(d)/float64(lagBase))*lagPerOct)
	return min(b, lagBuckets-1)
}

// lagUpper is the upper bound of bucket b.
func lagUpper(b int) time.Duration {
	if b == 0 {
		return lagBase
	}
	return time.Duration(float64(lagBase) * math.Exp2(float64(b)/lagPerOct))
}

func (h *lagHist) observe(d time.Duration) { h.n[lagBucket(d)].Add(1) }

func (h *lagHist) counts() lagCounts {
	var c lagCounts
	for i := range h.n {
		c[i] = h.n[i].Load()
	}
	return c
}

func (c lagCounts) minus(o lagCounts) lagCounts {
	for i := range c {
		c[i] -= o[i]
	}
	return c
}

// quantile is the upper bound of the bucket holding quantile q (0 when empty).
func (c lagCounts) quantile(q float64) time.Duration {
	var total int64
	for _, n := range c {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	for i, n := range c {
		seen += n
		if seen >= max(rank, 1) {
			if i == 0 {
				return 0 // below 100 µs: on time
			}
			return lagUpper(i)
		}
	}
	return lagUpper(lagBuckets - 1)
}
