package summary

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/inputfile"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

// ShardInfo says which part of a sharded run a summary covers
// (docs/sharding.md).
type ShardInfo struct {
	Index int `json:"index"` // 0 … count-1
	Count int `json:"count"`
}

// String is "index/count".
func (s ShardInfo) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// MergeInfo is on a summary that trafficsim merge made from shard summaries.
type MergeInfo struct {
	Shards int      `json:"shards"`
	Files  []string `json:"files"` // in shard order
}

// HistogramUnit is the unit of the encoded histograms' values.
const HistogramUnit = "microseconds"

// Histograms are a run's latency distributions in full, so that summaries of
// the shards of one run can be merged with exact percentiles. Each histogram
// is an HDR histogram in the standard V2 compressed, base64-encoded form
// (hdrhistogram-go Encode, readable by any HdrHistogram library), values in
// microseconds; sums and maxima are exact, in nanoseconds.
type Histograms struct {
	Unit      string              `json:"unit"` // HistogramUnit
	Overall   string              `json:"overall"`
	Endpoints []EndpointHistogram `json:"endpoints"`
	// Service is the service time (open model: from the actual send); absent
	// when it equals the latency (closed model).
	Service *ServiceHistogram `json:"service,omitempty"`
}

// EndpointHistogram is one endpoint's latency histogram.
type EndpointHistogram struct {
	Method string `json:"method"`
	Route  string `json:"route"`
	Group  string `json:"group"`
	// Capability is the catalog endpoint id (absent for plain requests).
	Capability string `json:"capability,omitempty"`
	Requests   int64  `json:"requests"`
	SumNanos   int64  `json:"sum_nanos"`
	MaxNanos   int64  `json:"max_nanos"`
	HDR        string `json:"hdr"`
}

// ServiceHistogram is the service-time histogram of a run.
type ServiceHistogram struct {
	SumNanos int64  `json:"sum_nanos"`
	MaxNanos int64  `json:"max_nanos"`
	HDR      string `json:"hdr"`
}

// ServiceData is the service-time histogram handed to AttachHistograms (nil
// Hist: none apart from the latency).
type ServiceData struct {
	Hist     *hdrhistogram.Snapshot
	SumNanos int64
	MaxNanos int64
}

// AttachHistograms puts the run's histograms into its summary: hists from
// metrics.Run.LatencyHistograms, st the final statistics (for sums and maxima).
func AttachHistograms(s *Summary, st metrics.Stats, hists map[metrics.EndpointKey]*hdrhistogram.Snapshot, svc ServiceData) error {
	h := &Histograms{Unit: HistogramUnit, Endpoints: []EndpointHistogram{}}
	overall := newHist()
	for _, e := range st.Endpoints {
		k := metrics.EndpointKey{Group: e.Group, Method: e.Method, Route: e.Route, Capability: e.Capability}
		eh := EndpointHistogram{Method: e.Method, Route: e.Route, Group: e.Group, Capability: e.Capability, Requests: e.Requests,
			SumNanos: int64(e.Latency.Mean) * e.Requests, MaxNanos: int64(e.Latency.Max)}
		hist := newHist()
		if snap := hists[k]; snap != nil {
			hist = hdrhistogram.Import(snap)
		}
		overall.Merge(hist)
		enc, err := hist.EncodeV2()
		if err != nil {
			return fmt.Errorf("encode the histogram of %s %s: %w", e.Method, e.Route, err)
		}
		eh.HDR = string(enc)
		h.Endpoints = append(h.Endpoints, eh)
	}
	enc, err := overall.EncodeV2()
	if err != nil {
		return fmt.Errorf("encode the overall histogram: %w", err)
	}
	h.Overall = string(enc)
	if svc.Hist != nil {
		enc, err := hdrhistogram.Import(svc.Hist).EncodeV2()
		if err != nil {
			return fmt.Errorf("encode the service-time histogram: %w", err)
		}
		h.Service = &ServiceHistogram{SumNanos: svc.SumNanos, MaxNanos: svc.MaxNanos, HDR: string(enc)}
	}
	s.Histograms = h
	return nil
}

// newHist is an empty histogram of the metrics' geometry.
func newHist() *hdrhistogram.Histogram { return metrics.NewLatencyHistogram() }

// DecodeHistogram reads one encoded histogram of a summary.
func DecodeHistogram(enc string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(enc))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// CleanupDisabled is the cleanup error of a run with --cleanup=false.
const CleanupDisabled = "cleanup disabled"

// CleanupPlain is the cleanup reason of a run of plain requests: they create
// nothing the engine knows how to find again, so there is nothing to clean up
// or to verify, and the exit code does not count it as an unverified cleanup.
const CleanupPlain = "plain requests: the engine does not know what they created"

// ShardSummary is a shard's summary file, read.
type ShardSummary struct {
	Path    string
	Summary Summary
}

// ReadSummary reads a summary JSON file.
func ReadSummary(path string) (Summary, error) {
	var s Summary
	data, err := inputfile.Read(path, inputfile.SummaryLimit)
	if err != nil {
		return s, fmt.Errorf("read summary: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM an editor added
	if err := json.Unmarshal(data, &s); err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) {
			return s, fmt.Errorf("%s: %s %q is not an RFC 3339 time (e.g. 2026-11-24T10:00:00Z); give the summary the shard wrote", path, timeField(data), pe.Value)
		}
		return s, fmt.Errorf("%s: not a trafficsim summary: %w", path, err)
	}
	if s.Format != SummaryFormat {
		return s, fmt.Errorf("%s: summary format %d, this trafficsim reads format %d; merge with the trafficsim version that wrote it", path, s.Format, SummaryFormat)
	}
	return s, nil
}

// timeField names the summary's time field that does not parse.
func timeField(data []byte) string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(data, &raw) == nil {
		for _, f := range []string{"started_at", "ended_at"} {
			var t time.Time
			if v, ok := raw[f]; ok && json.Unmarshal(v, &t) != nil {
				return f
			}
		}
	}
	return "a time"
}

// Merged is the result of merging shard summaries: the merged summary plus
// what thresholds are judged against (statistics, per-endpoint histograms and
// the run's wall-clock time).
type Merged struct {
	Summary    Summary
	Stats      metrics.Stats
	Histograms map[metrics.EndpointKey]*hdrhistogram.Snapshot
	Elapsed    time.Duration
	// Warnings are what merge accepted but the user should know (shards
	// written by different engine versions).
	Warnings []string

	thresholdExprs []string
}

// Merge combines the summaries of the shards of one run into the run's
// summary: counts are summed, histograms merged (so the percentiles are those
// of all the requests, exactly as one process would have computed them). The
// files must be of the same run (run id, seed, scenario, shard count) and
// cover every shard exactly once; errors name the file.
func Merge(in []ShardSummary) (Merged, error) {
	if len(in) == 0 {
		return Merged{}, errors.New("no summary files; give every shard's summary, e.g. trafficsim merge summary-*.json")
	}
	warnings, err := checkShards(in)
	if err != nil {
		return Merged{}, err
	}
	in = slices.Clone(in)
	slices.SortFunc(in, func(a, b ShardSummary) int { return a.Summary.Shard.Index - b.Summary.Shard.Index })
	m := newMerger(in[0].Summary)
	for _, f := range in {
		if err := m.add(f); err != nil {
			return Merged{}, err
		}
	}
	r, err := m.result(in)
	r.Warnings = warnings
	return r, err
}

// merger accumulates the shards' summaries, one at a time, in shard order.
type merger struct {
	first Summary
	files []string

	// Histograms and what only they carry exactly.
	eps            map[metrics.EndpointKey]*epAcc
	order          []metrics.EndpointKey
	overall        *hdrhistogram.Histogram
	service        *hdrhistogram.Histogram
	svcSum, svcMax int64
	haveService    bool

	st      metrics.Stats
	archDur map[string]float64 // session seconds per archetype

	cleanup     CleanupResult
	left        int  // records the shards left: the sum of their counts
	namesMissed bool // a shard left records without recording their names
	cleanupErrs []string
	unverified  []string // reasons of shards whose cleanup could not verify
	disabled    int      // shards run with --cleanup=false
	plain       int      // shards of plain requests (CleanupPlain)

	targets, states     []string
	start, end          time.Time
	loadStart, loadEnd  time.Time // the shards' load phases together
	iterations, dropped int64
	thresholdExprs      []string
	seenExpr            map[string]bool
}

// epAcc is one endpoint over the shards.
type epAcc struct {
	requests int64
	expected int64
	failed   int64
	statuses map[int]int64
	sum, max int64
	hist     *hdrhistogram.Histogram
}

func newMerger(first Summary) *merger {
	return &merger{
		first:   first,
		eps:     map[metrics.EndpointKey]*epAcc{},
		overall: newHist(),
		service: newHist(),
		st: metrics.Stats{Groups: map[string]int64{}, Errors: map[string]int64{}, ErrorSamples: map[string][]string{}, Archetypes: map[string]metrics.ArchetypeStats{},
			TokenOps: map[string]map[string]int64{}, VUs: map[metrics.VUState]int64{}},
		archDur:  map[string]float64{},
		seenExpr: map[string]bool{},
		start:    first.StartedAt,
		end:      first.EndedAt,
	}
}

// add merges one shard's summary.
func (m *merger) add(f ShardSummary) error {
	s := f.Summary
	m.files = append(m.files, f.Path)
	where := func(format string, args ...any) error {
		return fmt.Errorf("%s (shard %s): %s", f.Path, s.Shard, fmt.Sprintf(format, args...))
	}
	if err := m.addHistograms(s, where); err != nil {
		return err
	}
	if err := m.addEndpoints(s, where); err != nil {
		return err
	}
	m.addCounts(s)
	m.addCleanup(s)
	return m.addRun(s, where)
}

// addHistograms merges the shard's latency histograms, checking them against
// its counts.
func (m *merger) addHistograms(s Summary, where func(string, ...any) error) error {
	if s.Histograms == nil {
		return where("has no histograms; it was not written by a run with --shard (rerun the shard with --shard %s --summary FILE)", s.Shard)
	}
	if s.Histograms.Unit != HistogramUnit {
		return where("histogram unit %q, want %q", s.Histograms.Unit, HistogramUnit)
	}
	var fromEndpoints int64
	for _, eh := range s.Histograms.Endpoints {
		k := metrics.EndpointKey{Group: eh.Group, Method: eh.Method, Route: eh.Route, Capability: eh.Capability}
		h, err := DecodeHistogram(eh.HDR)
		if err != nil {
			return where("endpoint %s %s: %v", eh.Method, eh.Route, err)
		}
		if h.TotalCount() != eh.Requests {
			return where("endpoint %s %s: the histogram holds %d requests, the summary says %d; the file is damaged", eh.Method, eh.Route, h.TotalCount(), eh.Requests)
		}
		a := m.eps[k]
		if a == nil {
			a = &epAcc{statuses: map[int]int64{}, hist: newHist()}
			m.eps[k] = a
			m.order = append(m.order, k)
		}
		a.hist.Merge(h)
		a.sum += eh.SumNanos
		a.max = max(a.max, eh.MaxNanos)
		fromEndpoints += eh.Requests
	}
	oh, err := DecodeHistogram(s.Histograms.Overall)
	if err != nil {
		return where("overall: %v", err)
	}
	if oh.TotalCount() != s.Requests || fromEndpoints != s.Requests {
		return where("the histograms hold %d requests (endpoints %d), the summary says %d; the file is damaged", oh.TotalCount(), fromEndpoints, s.Requests)
	}
	m.overall.Merge(oh)
	if sv := s.Histograms.Service; sv != nil {
		h, err := DecodeHistogram(sv.HDR)
		if err != nil {
			return where("service time: %v", err)
		}
		m.service.Merge(h)
		m.svcSum += sv.SumNanos
		m.svcMax = max(m.svcMax, sv.MaxNanos)
		m.haveService = true
	}
	return nil
}

// addEndpoints sums the shard's endpoint rows (their histograms are in).
func (m *merger) addEndpoints(s Summary, where func(string, ...any) error) error {
	for _, e := range s.Endpoints {
		a := m.eps[metrics.EndpointKey{Group: e.Group, Method: e.Method, Route: e.Route, Capability: e.Capability}]
		if a == nil {
			return where("endpoint %s %s has no histogram; the file is damaged", e.Method, e.Route)
		}
		a.requests += e.Requests
		a.expected += e.Expected
		a.failed += e.Failed
		for label, n := range e.Statuses {
			code := 0
			if label != "none" {
				var err error
				if code, err = strconv.Atoi(label); err != nil {
					return where("endpoint %s %s: status %q is not a number", e.Method, e.Route, label)
				}
			}
			a.statuses[code] += n
		}
	}
	return nil
}

// addCounts sums the shard's run-wide counts: outcomes, groups, errors,
// archetypes, token operations.
func (m *merger) addCounts(s Summary) {
	st := &m.st
	st.Requests += s.Requests
	st.Unexpected += s.Unexpected
	st.Outcomes.Success += s.Outcomes.Success
	st.Outcomes.ClientError += s.Outcomes.ClientError
	st.Outcomes.ServerError += s.Outcomes.ServerError
	st.Outcomes.NetworkError += s.Outcomes.NetworkError
	st.Outcomes.FailedAnswer += s.Outcomes.FailedAnswer
	for g, n := range s.Groups {
		st.Groups[g] += n
	}
	for k, n := range s.Errors {
		st.Errors[k] += n
	}
	for kind, msgs := range s.ErrorSamples {
		for _, msg := range msgs {
			metrics.AddErrorSample(st.ErrorSamples, kind, msg)
		}
	}
	for name, a := range s.Archetypes {
		t := st.Archetypes[name]
		t.VUs += a.VUs
		t.Sessions += a.Sessions
		t.Completed += a.JourneysCompleted
		t.Aborted += a.JourneysAborted
		st.Archetypes[name] = t
		m.archDur[name] += a.MeanSessionSeconds * float64(a.Sessions)
	}
	for op, results := range s.TokenOperations {
		if st.TokenOps[op] == nil {
			st.TokenOps[op] = map[string]int64{}
		}
		for r, n := range results {
			st.TokenOps[op][r] += n
		}
	}
}

func (m *merger) addCleanup(s Summary) {
	m.cleanup.Created += s.Cleanup.Created
	m.cleanup.Deleted += s.Cleanup.Deleted
	m.cleanup.Left = append(m.cleanup.Left, s.Cleanup.LeftNames...)
	m.left += max(s.Cleanup.Left, len(s.Cleanup.LeftNames))
	if s.Cleanup.Left > len(s.Cleanup.LeftNames) {
		m.namesMissed = true
	}
	m.cleanup.Gone += s.Cleanup.Gone
	m.cleanup.ForeignSkipped += s.Cleanup.ForeignSkipped
	switch {
	case s.Cleanup.Error == CleanupDisabled:
		// Not cleaned up on purpose: what it created is left (result
		// reports it when other shards did clean up).
		m.disabled++
		m.cleanupErrs = append(m.cleanupErrs, "shard "+s.Shard.String()+": "+CleanupDisabled)
		m.unverified = append(m.unverified, "shard "+s.Shard.String()+": "+CleanupDisabled)
	case !s.Cleanup.Verified && s.Cleanup.Reason == CleanupPlain:
		m.plain++
	case !s.Cleanup.Verified:
		reason := s.Cleanup.Reason
		if reason == "" {
			reason = "no reason recorded"
		}
		m.unverified = append(m.unverified, "shard "+s.Shard.String()+": "+reason)
	}
	if s.Cleanup.Error != "" && s.Cleanup.Error != CleanupDisabled {
		m.cleanupErrs = append(m.cleanupErrs, "shard "+s.Shard.String()+": "+s.Cleanup.Error)
	}
}

// addRun takes the shard's target, state, times, load figures and thresholds.
func (m *merger) addRun(s Summary, where func(string, ...any) error) error {
	if !slices.Contains(m.targets, s.Target) {
		m.targets = append(m.targets, s.Target)
	}
	m.states = append(m.states, s.State)
	if !s.StartedAt.IsZero() && (m.start.IsZero() || s.StartedAt.Before(m.start)) {
		m.start = s.StartedAt
	}
	if s.EndedAt.After(m.end) {
		m.end = s.EndedAt
	}
	if s.LoadStartedAt != nil && (m.loadStart.IsZero() || s.LoadStartedAt.Before(m.loadStart)) {
		m.loadStart = *s.LoadStartedAt
	}
	if s.LoadEndedAt != nil && s.LoadEndedAt.After(m.loadEnd) {
		m.loadEnd = *s.LoadEndedAt
	}
	if s.Load != nil {
		m.iterations += s.Load.Iterations
		m.dropped += s.Load.DroppedIterations
	}
	for _, t := range s.Thresholds {
		if _, err := threshold.Parse(t.Expr); err != nil {
			return where("thresholds: %v; correct or remove it in the file, or give the corrected threshold with --threshold", err)
		}
		if !m.seenExpr[t.Expr] {
			m.seenExpr[t.Expr] = true
			m.thresholdExprs = append(m.thresholdExprs, t.Expr)
		}
	}
	return nil
}

// stats is the merged run's statistics, with its per-endpoint histograms.
func (m *merger) stats() (metrics.Stats, map[metrics.EndpointKey]*hdrhistogram.Snapshot) {
	st := m.st
	hists := map[metrics.EndpointKey]*hdrhistogram.Snapshot{}
	slices.SortFunc(m.order, func(x, y metrics.EndpointKey) int {
		return strings.Compare(x.Route+"\x00"+x.Method+"\x00"+x.Group+"\x00"+x.Capability, y.Route+"\x00"+y.Method+"\x00"+y.Group+"\x00"+y.Capability)
	})
	var sumAll, maxAll int64
	for _, k := range m.order {
		a := m.eps[k]
		st.Endpoints = append(st.Endpoints, metrics.EndpointStats{
			Method: k.Method, Route: k.Route, Group: k.Group, Capability: k.Capability, Requests: a.requests, Expected: a.expected, Failed: a.failed,
			Statuses: a.statuses, Latency: metrics.LatencyFrom(a.hist, a.requests, a.sum, a.max),
		})
		hists[k] = a.hist.Export()
		sumAll += a.sum
		maxAll = max(maxAll, a.max)
	}
	st.Latency = metrics.LatencyFrom(m.overall, st.Requests, sumAll, maxAll)
	st.Service = st.Latency
	if m.haveService {
		st.Service = metrics.LatencyFrom(m.service, st.Requests, m.svcSum, m.svcMax)
	}
	st.DroppedIterations = m.dropped
	for name, a := range st.Archetypes {
		if a.Sessions > 0 {
			a.MeanDuration = time.Duration(m.archDur[name] / float64(a.Sessions) * float64(time.Second))
			st.Archetypes[name] = a
		}
	}
	return st, hists
}

// state is the merged run's state (failed if any shard failed, else stopped
// if any stopped) and the failed shards' errors.
func (m *merger) state(in []ShardSummary) (string, string) {
	state := "finished"
	var errs []string
	for i, s := range m.states {
		switch s {
		case "failed":
			state = "failed"
			why := in[i].Summary.Error
			if why == "" {
				why = "no error recorded (" + in[i].Path + ")"
			}
			errs = append(errs, "shard "+in[i].Summary.Shard.String()+": "+why)
		case "stopped":
			if state == "finished" {
				state = "stopped"
			}
		}
	}
	return state, strings.Join(errs, "; ")
}

// result builds the merged summary from what the shards added.
func (m *merger) result(in []ShardSummary) (Merged, error) {
	st, hists := m.stats()
	state, errText := m.state(in)
	cleanup := m.cleanup
	cleanup.Err = strings.Join(m.cleanupErrs, "; ")
	cleanup.Verified = len(m.unverified) == 0
	cleanup.Reason = strings.Join(m.unverified, "; ")
	if m.disabled == len(in) {
		cleanup.Err = CleanupDisabled
	}
	if m.plain == len(in) {
		cleanup.Verified, cleanup.Reason = false, CleanupPlain
	}
	first := m.first
	meta := SummaryMeta{RunID: first.RunID, Scenario: first.Scenario, Seed: first.Seed, Target: strings.Join(m.targets, ", "),
		EngineVersion: first.Version, StartedAt: m.start, EndedAt: m.end, Users: first.Users,
		MinRequests: first.MinRequests, MaxRequests: first.MaxRequests, State: state, Err: errText,
		LoadStartedAt: m.loadStart, LoadEndedAt: m.loadEnd}
	s := BuildSummary(meta, st, cleanup)
	// The shards' counts, also of records whose names a shard did not record.
	s.Cleanup.Left = m.left
	if first.Load != nil {
		l := *first.Load
		l.Iterations, l.DroppedIterations = m.iterations, m.dropped
		l.Service = latencySeconds(st.Service)
		s.Load = &l
	}
	s.Merged = &MergeInfo{Shards: first.Shard.Count, Files: m.files}
	for _, f := range in {
		s.Generator = generator.MergeSummaries(s.Generator, f.Summary.Generator)
	}
	if err := AttachHistograms(&s, st, hists, ServiceData{}); err != nil {
		return Merged{}, err
	}
	if m.haveService {
		enc, err := m.service.EncodeV2()
		if err != nil {
			return Merged{}, fmt.Errorf("encode the service-time histogram: %w", err)
		}
		s.Histograms.Service = &ServiceHistogram{SumNanos: m.svcSum, MaxNanos: m.svcMax, HDR: string(enc)}
	}
	s.Thresholds = nil
	return Merged{Summary: s, Stats: st, Histograms: hists, Elapsed: s.LoadSpan(), thresholdExprs: m.thresholdExprs}, nil
}

// ThresholdExprs are the thresholds the shard summaries carried (the union,
// in the order first seen): merge judges them again over the merged run.
func (m Merged) ThresholdExprs() []string { return m.thresholdExprs }

// checkShards checks that the files are one run's shards, each exactly once:
// the same run id, seed, scenario, shard count, target, users, request counts
// and load model, and times that can be. Shards of different engine versions
// are merged with a warning.
func checkShards(in []ShardSummary) (warnings []string, err error) {
	first := in[0]
	for _, f := range in {
		s := f.Summary
		if s.Shard == nil {
			return nil, fmt.Errorf("%s: not a shard summary (it has no shard section); merge the summaries of a run started with --shard i/N", f.Path)
		}
		if s.Shard.Count < 1 || s.Shard.Index < 0 || s.Shard.Index >= s.Shard.Count {
			return nil, fmt.Errorf("%s: shard %s is not a valid INDEX/COUNT", f.Path, s.Shard)
		}
		if !s.StartedAt.IsZero() && !s.EndedAt.IsZero() && s.EndedAt.Before(s.StartedAt) {
			return nil, fmt.Errorf("%s: ended_at %s is before started_at %s; the file is damaged: give the summary the shard wrote",
				f.Path, s.EndedAt.Format(time.RFC3339Nano), s.StartedAt.Format(time.RFC3339Nano))
		}
		fs := first.Summary
		differs := func(field string, got, want any, flag string) error {
			return fmt.Errorf("%s: %s %v, but %s has %v; the shards of one run are started with the same flags but --shard and --summary (here %s): merge the shards of one run, or rerun the odd shard with its flags",
				f.Path, field, got, first.Path, want, flag)
		}
		switch {
		case s.RunID != fs.RunID:
			return nil, fmt.Errorf("%s: run id %q, but %s has %q; merge the summaries of one run (the shards share --run-id)", f.Path, s.RunID, first.Path, fs.RunID)
		case s.Shard.Count != fs.Shard.Count:
			return nil, fmt.Errorf("%s: shard %s, but %s is shard %s; every shard of a run has the same count", f.Path, s.Shard, first.Path, fs.Shard)
		case s.Seed != fs.Seed:
			return nil, fmt.Errorf("%s: seed %d, but %s has seed %d; the shards of one run share --seed", f.Path, s.Seed, first.Path, fs.Seed)
		case s.Scenario != fs.Scenario:
			return nil, fmt.Errorf("%s: scenario %q, but %s has %q; the shards of one run share --scenario", f.Path, s.Scenario, first.Path, fs.Scenario)
		case strings.TrimRight(s.Target, "/") != strings.TrimRight(fs.Target, "/"):
			return nil, differs("target", strconv.Quote(s.Target), strconv.Quote(fs.Target), "--base-url")
		case s.Users != fs.Users:
			return nil, differs("users", s.Users, fs.Users, "--users, the whole run's VUs")
		case s.MinRequests != fs.MinRequests || s.MaxRequests != fs.MaxRequests:
			return nil, differs("min_requests/max_requests", fmt.Sprintf("%d/%d", s.MinRequests, s.MaxRequests),
				fmt.Sprintf("%d/%d", fs.MinRequests, fs.MaxRequests), "--min-request-count, --max-request-count")
		case loadModel(s.Load) != loadModel(fs.Load):
			return nil, differs("load", loadModel(s.Load), loadModel(fs.Load), "--ramp-up, --stages, --rate, --rate-stages, --max-vus")
		}
		if s.Version != fs.Version {
			warnings = append(warnings, fmt.Sprintf("%s: written by trafficsim %s, but %s by %s; merged (the summary format is the same), but the shards' VUs may have behaved differently: run every shard with the same trafficsim",
				f.Path, s.Version, first.Path, fs.Version))
		}
	}
	count := first.Summary.Shard.Count
	seen := make([]string, count)
	for _, f := range in {
		i := f.Summary.Shard.Index
		if seen[i] != "" {
			return warnings, fmt.Errorf("%s: shard %s is also in %s; give each shard's summary once", f.Path, f.Summary.Shard, seen[i])
		}
		seen[i] = f.Path
	}
	var missing []string
	for i, p := range seen {
		if p == "" {
			missing = append(missing, ShardInfo{Index: i, Count: count}.String())
		}
	}
	if len(missing) > 0 {
		return warnings, fmt.Errorf("shard %s missing: the run has %d shards and %d summaries were given; add the missing shards' summaries", strings.Join(missing, ", "), count, len(in))
	}
	return warnings, nil
}

// loadModel is what of a shard's load section its flags set (not what it
// did): the model and its shape, as text.
func loadModel(l *LoadSummary) string {
	if l == nil {
		return "closed"
	}
	var b strings.Builder
	b.WriteString(l.Model)
	if l.RampUpSeconds > 0 {
		fmt.Fprintf(&b, ", ramp-up %gs", l.RampUpSeconds)
	}
	if len(l.Stages) > 0 {
		fmt.Fprintf(&b, ", stages %v", l.Stages)
	}
	if l.Rate > 0 {
		fmt.Fprintf(&b, ", rate %g/s", l.Rate)
	}
	if len(l.RateStages) > 0 {
		fmt.Fprintf(&b, ", rate stages %v", l.RateStages)
	}
	if l.MaxVUs > 0 {
		fmt.Fprintf(&b, ", max VUs %d", l.MaxVUs)
	}
	return b.String()
}
