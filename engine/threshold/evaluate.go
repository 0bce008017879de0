package threshold

import (
	"fmt"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

type endpointKey = metrics.EndpointKey

// endpointData is one endpoint's share of the traffic being judged: a whole
// run, or the difference of two cumulative snapshots (a window).
type endpointData struct {
	key        endpointKey
	requests   int64
	unexpected int64 // outcomes the VU did not intend
	success    int64 // 1xx–3xx
	serverErr  int64 // 5xx
	network    int64 // no response
	sumNanos   int64
	maxSeconds float64
	hist       *hdrhistogram.Histogram // microseconds; nil when unknown
	latency    metrics.Latency         // from Stats; used when hist is nil
}

// Data is the traffic thresholds are judged against.
type Data struct {
	// Duration is the time the traffic took (rps divides by it).
	Duration  time.Duration
	endpoints []endpointData
	global    *metrics.Latency // the run's own percentiles, when known
}

// FromStats is the whole run (or the run so far): the run's statistics, its
// per-endpoint latency histograms (metrics.Run.LatencyHistograms) and how long
// it has lasted. Without histograms, percentiles are still known for the whole
// run and for scopes that match a single endpoint (p50, p95, p99 only).
func FromStats(st metrics.Stats, hists map[metrics.EndpointKey]*hdrhistogram.Snapshot, elapsed time.Duration) Data {
	d := Data{Duration: elapsed, endpoints: make([]endpointData, 0, len(st.Endpoints))}
	lat := st.Latency
	d.global = &lat
	for _, e := range st.Endpoints {
		k := endpointKey{Group: e.Group, Method: e.Method, Route: e.Route, Capability: e.Capability}
		ed := endpointData{
			key:        k,
			requests:   e.Requests,
			unexpected: e.Requests - e.Expected,
			sumNanos:   int64(e.Latency.Mean) * e.Requests,
			maxSeconds: e.Latency.Max.Seconds(),
			latency:    e.Latency,
		}
		ed.success, ed.serverErr, ed.network = classify(e.Statuses)
		if s := hists[k]; s != nil {
			ed.hist = hdrhistogram.Import(s)
		}
		d.endpoints = append(d.endpoints, ed)
	}
	return d
}

func classify(statuses map[int]int64) (success, serverErr, network int64) {
	for code, n := range statuses {
		switch {
		case code == 0:
			network += n
		case code < 400:
			success += n
		case code >= 500:
			serverErr += n
		}
	}
	return success, serverErr, network
}

// Result is a threshold's verdict.
type Result struct {
	Expr     string  `json:"expr"`     // canonical expression, e.g. p99{group=auth}<200ms
	Metric   string  `json:"metric"`   // p99
	Scope    Scope   `json:"scope"`    // {} for the whole run
	Op       Op      `json:"op"`       // <
	Limit    float64 `json:"limit"`    // in Unit
	Observed float64 `json:"observed"` // over the whole run, in Unit
	Unit     Unit    `json:"unit"`     // seconds, ratio, requests, requests_per_second
	Pass     bool    `json:"pass"`
	// Note says why a threshold could not be measured (no matching requests).
	Note string `json:"note,omitempty"`
	// AbortOnFail: the threshold stops the run when it fails over a window.
	AbortOnFail bool `json:"abort_on_fail,omitempty"`
	// Aborted: this threshold's failure stopped the run.
	Aborted bool          `json:"aborted,omitempty"`
	Window  *WindowResult `json:"window,omitempty"`
}

// WindowResult is how a threshold fared over the sliding windows of a run.
type WindowResult struct {
	Seconds   float64 `json:"seconds"`   // window length
	Evaluated int     `json:"evaluated"` // windows judged (full windows with traffic)
	Failed    int     `json:"failed"`    // of those, windows where the threshold did not hold
	// Worst is the value furthest from passing over all judged windows.
	Worst float64 `json:"worst"`
	// FirstFailedAt is when the first failing window ended.
	FirstFailedAt *time.Time `json:"first_failed_at,omitempty"`
}

// Failure says why a threshold failed: what was observed against what was
// wanted, or why nothing could be measured (JUnit's failure message).
func (r Result) Failure() string {
	want := fmt.Sprintf("%s %s %s", r.Metric, r.Op, FormatValue(r.Unit, r.Limit))
	switch {
	case r.Note != "":
		return fmt.Sprintf("%s: %s", r.Expr, r.Note)
	case r.Window != nil && r.Window.Failed > 0 && r.Op.holds(r.Observed, r.Limit):
		return fmt.Sprintf("%s held over the whole run (%s) but failed in %d of %d %s windows (worst %s); want %s",
			r.Expr, FormatValue(r.Unit, r.Observed), r.Window.Failed, r.Window.Evaluated,
			FormatValue(Seconds, r.Window.Seconds), FormatValue(r.Unit, r.Window.Worst), want)
	}
	return fmt.Sprintf("%s%s observed %s; want %s", r.Metric, r.Scope, FormatValue(r.Unit, r.Observed), want)
}

// String is one line for the report: "✓ p95<500ms  412.5ms" / "✗ ...".
func (r Result) String() string {
	mark := "PASS"
	if !r.Pass {
		mark = "FAIL"
	}
	s := fmt.Sprintf("%s %s: observed %s", mark, r.Expr, FormatValue(r.Unit, r.Observed))
	if r.Note != "" {
		s = fmt.Sprintf("%s %s: %s", mark, r.Expr, r.Note)
	}
	if w := r.Window; w != nil {
		s += fmt.Sprintf("; %d of %d %s windows failed", w.Failed, w.Evaluated, FormatValue(Seconds, w.Seconds))
		if w.Evaluated > 0 {
			s += ", worst " + FormatValue(r.Unit, w.Worst)
		}
	}
	if r.Aborted {
		s += " (stopped the run)"
	}
	return s
}

// Evaluate judges each threshold against d.
func Evaluate(ts []Threshold, d Data) []Result {
	out := make([]Result, len(ts))
	for i, t := range ts {
		out[i] = t.result()
		v, note := t.observe(d)
		if note != "" {
			out[i].Note = note
			continue
		}
		out[i].Observed = round(t.Unit, v)
		out[i].Pass = t.Op.holds(v, t.Limit)
	}
	return out
}

func (t Threshold) result() Result {
	return Result{
		Expr: t.Expr, Metric: t.Metric, Scope: t.Scope, Op: t.Op, Limit: t.Limit, Unit: t.Unit,
		AbortOnFail: t.Abort,
	}
}

// observe computes the threshold's metric over d; note says why it cannot.
func (t Threshold) observe(d Data) (float64, string) {
	var matched []*endpointData
	var requests, unexpected, success, serverErr, network int64
	var sum int64
	var maxSec float64
	for i := range d.endpoints {
		e := &d.endpoints[i]
		if !t.Scope.matches(e.key) || e.requests == 0 {
			continue
		}
		matched = append(matched, e)
		requests += e.requests
		unexpected += e.unexpected
		success += e.success
		serverErr += e.serverErr
		network += e.network
		sum += e.sumNanos
		maxSec = max(maxSec, e.maxSeconds)
	}
	switch t.kind {
	case kindRequests:
		return float64(requests), ""
	case kindErrors:
		return float64(unexpected), ""
	case kindRPS:
		if d.Duration <= 0 {
			return 0, "the run took no time; nothing to divide by"
		}
		return float64(requests) / d.Duration.Seconds(), ""
	}
	if requests == 0 {
		if t.Scope.IsZero() {
			return 0, "no requests were sent; nothing to measure"
		}
		return 0, fmt.Sprintf("no requests matched %s; nothing to measure (check the scope's spelling)", t.Scope)
	}
	ratio := func(n int64) float64 { return float64(n) / float64(requests) }
	switch t.kind {
	case kindErrorRate:
		return ratio(unexpected), ""
	case kindSuccessRate:
		return ratio(success), ""
	case kindServerErrorRate:
		return ratio(serverErr), ""
	case kindNetworkErrorRate:
		return ratio(network), ""
	case kindAvg:
		return time.Duration(sum / requests).Seconds(), ""
	case kindMax:
		return maxSec, ""
	case kindPercentile:
		return t.percentileOf(d, matched, maxSec)
	}
	return 0, "unknown metric"
}

func (t Threshold) percentileOf(d Data, matched []*endpointData, maxSec float64) (float64, string) {
	haveHists := true
	for _, e := range matched {
		if e.hist == nil {
			haveHists = false
			break
		}
	}
	if haveHists {
		h := matched[0].hist
		if len(matched) > 1 {
			h = hdrhistogram.New(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
			for _, e := range matched {
				h.Merge(e.hist)
			}
		}
		// Clamped to the exact maximum: HDR reports the top of a value's 1%
		// equivalence range (as metrics.Stats does).
		v := (time.Duration(h.ValueAtQuantile(t.percentile)) * time.Microsecond).Seconds()
		return math.Min(v, maxSec), ""
	}
	// Without histograms only the run's own percentiles are known.
	var l *metrics.Latency
	switch {
	case t.Scope.IsZero():
		l = d.global
	case len(matched) == 1:
		l = &matched[0].latency
	}
	if l != nil {
		switch t.percentile {
		case 50:
			return l.P50.Seconds(), ""
		case 95:
			return l.P95.Seconds(), ""
		case 99:
			return l.P99.Seconds(), ""
		}
	}
	return 0, fmt.Sprintf("%s%s cannot be computed without latency histograms", t.Metric, t.Scope)
}

// round keeps observed values readable in JSON: microseconds for latency,
// six digits for ratios, milli-requests per second.
func round(u Unit, v float64) float64 {
	digits := 6
	if u == RequestsPerSecond {
		digits = 3
	}
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// Passed reports whether every result passed (true for none).
func Passed(rs []Result) bool {
	for _, r := range rs {
		if !r.Pass {
			return false
		}
	}
	return true
}
