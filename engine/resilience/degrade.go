package resilience

import (
	"math"
	"sync/atomic"
	"time"
)

// Level is a degradation level.
type Level int

// Degradation levels: each sheds more of what the VUs would do.
const (
	Normal    Level = iota // everything
	Light                  // no admin actions, no deliberate mistakes
	Heavy                  // only auth and reads
	Emergency              // as heavy, and no new sessions
)

var levelNames = [...]string{"normal", "light", "heavy", "emergency"}

func (l Level) String() string {
	if l < Normal || l > Emergency {
		return "unknown"
	}
	return levelNames[l]
}

// Degrader turns the error rate and p95 of successive intervals into a level,
// with hysteresis: it climbs at once to the highest level whose threshold
// either figure reaches, and steps down one level only after Calm intervals in
// a row with both figures below Recover × the current level's thresholds. So a
// figure hovering at a threshold does not flap the level.
type Degrader struct {
	ErrorRate [3]float64
	P95       [3]time.Duration
	Calm      int
	Recover   float64

	level Level
	calm  int
}

// NewDegrader returns a Degrader with the config's thresholds.
func NewDegrader(c Config) *Degrader {
	return &Degrader{ErrorRate: c.DegradeErrorRate, P95: c.DegradeP95, Calm: c.DegradeCalm, Recover: c.DegradeRecover}
}

// Level is the current level.
func (d *Degrader) Level() Level { return d.level }

// Observe takes one interval's figures and returns the new level. An interval
// with no requests is calm.
func (d *Degrader) Observe(errRate float64, p95 time.Duration) Level {
	want := Normal
	for i := 2; i >= 0; i-- {
		if errRate >= d.ErrorRate[i] || p95 >= d.P95[i] {
			want = Level(i + 1)
			break
		}
	}
	if want > d.level {
		d.level, d.calm = want, 0
		return d.level
	}
	if d.level == Normal {
		return d.level
	}
	i := int(d.level) - 1
	if errRate < d.Recover*d.ErrorRate[i] && float64(p95) < d.Recover*float64(d.P95[i]) {
		if d.calm++; d.calm >= d.Calm {
			d.level--
			d.calm = 0
		}
	} else {
		d.calm = 0
	}
	return d.level
}

// window counts one interval's requests, failures and latencies without a
// lock: latencies go into log-spaced buckets (×1.25, from 1ms), enough for a
// p95 against thresholds within about 12%.
type window struct {
	requests atomic.Int64
	failures atomic.Int64
	buckets  [numBuckets]atomic.Int64
}

const (
	numBuckets  = 64
	bucketBase  = float64(time.Millisecond)
	bucketRatio = 1.25
)

var logRatio = math.Log(bucketRatio)

func bucketOf(d time.Duration) int {
	if float64(d) <= bucketBase {
		return 0
	}
	b := int(math.Ceil(math.Log(float64(d)/bucketBase) / logRatio))
	return min(b, numBuckets-1)
}

// bucketUpper is the upper bound of bucket b.
func bucketUpper(b int) time.Duration {
	return time.Duration(bucketBase * math.Pow(bucketRatio, float64(b)))
}

func (w *window) add(d time.Duration, failed bool) {
	w.requests.Add(1)
	if failed {
		w.failures.Add(1)
	}
	w.buckets[bucketOf(d)].Add(1)
}

// take returns the interval's error rate and p95 and starts a new interval.
func (w *window) take() (requests int64, errRate float64, p95 time.Duration) {
	var counts [numBuckets]int64
	var n int64
	for i := range w.buckets {
		counts[i] = w.buckets[i].Swap(0)
		n += counts[i]
	}
	requests = w.requests.Swap(0)
	failures := w.failures.Swap(0)
	if requests > 0 {
		errRate = float64(failures) / float64(requests)
	}
	if n == 0 {
		return requests, errRate, 0
	}
	rank := int64(math.Ceil(0.95 * float64(n)))
	var seen int64
	for i, c := range counts {
		if seen += c; seen >= rank {
			return requests, errRate, bucketUpper(i)
		}
	}
	return requests, errRate, bucketUpper(numBuckets - 1)
}
