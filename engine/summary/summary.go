package summary

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/outputfile"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

// Groups are the endpoint groups, in report order; the summary always lists
// all of them.
var Groups = []string{"auth", "user_query", "user_mutation", "profile", "role_permission", "admin"}

// Archetypes are the built-in archetypes, in report order; the summary always
// lists them (a scenario file may add others).
var Archetypes = []string{"new_user", "active_user", "admin", "power_user"}

// SummaryFormat is the version of the summary JSON format (docs/summary.md);
// it changes only when a field is renamed or removed.
const SummaryFormat = 1

// SummaryMeta is what the runner knows about a run beyond its statistics.
type SummaryMeta struct {
	RunID         string
	Scenario      string
	Seed          int64
	Target        string
	EngineVersion string
	StartedAt     time.Time
	EndedAt       time.Time
	// The load phase: from the first VU's start to the last one's end, without
	// the preflight before and the cleanup after (zero: it never started).
	LoadStartedAt time.Time
	LoadEndedAt   time.Time
	Users         int
	MinRequests   int
	MaxRequests   int
	State         string // finished, stopped (interrupted or --duration), failed
	Err           string // why the run failed, if it did
}

// CleanupResult is what the end-of-run cleanup did with the simulation data the
// run created. The runner fills it.
type CleanupResult struct {
	Created int      // users (and other records) the run created
	Deleted int      // of those, deleted by the run (a VU or the cleanup): the target answered the delete
	Left    []string // names of what is left: found by the verification, else what the run did not delete
	Err     string   // why cleanup failed or was skipped, if it did
	// Verified: Left is what reads of the remembered records by id and a
	// search for the run's prefix found after the deletions; otherwise Reason
	// says why it could not look, or why the search cannot be trusted.
	Verified bool
	Reason   string
	// ForeignSkipped counts remembered records whose id, read before a change
	// or delete, held a record that is not the run's: left alone.
	ForeignSkipped int
	// Gone counts records the run created that disappeared without the run
	// deleting them (404, or the id reused: ForeignSkipped counts those).
	// Created == Deleted + Gone + len(Left).
	Gone int
}

// Summary is the --summary JSON document (docs/summary.md).
type Summary struct {
	Format          int                 `json:"format"`  // SummaryFormat
	Version         string              `json:"version"` // engine version
	RunID           string              `json:"run_id"`
	Scenario        string              `json:"scenario"`
	Seed            int64               `json:"seed"`
	Target          string              `json:"target"`
	State           string              `json:"state"`
	Error           string              `json:"error,omitempty"`
	StartedAt       time.Time           `json:"started_at"`
	EndedAt         time.Time           `json:"ended_at"`
	DurationSeconds float64             `json:"duration_seconds"`
	LoadStartedAt   *time.Time          `json:"load_started_at,omitempty"` // the load phase: the VUs' traffic,
	LoadEndedAt     *time.Time          `json:"load_ended_at,omitempty"`   // without the preflight and the cleanup;
	LoadSeconds     float64             `json:"load_seconds"`              // rps divides by it
	Users           int                 `json:"users"`
	MinRequests     int                 `json:"min_requests"`
	MaxRequests     int                 `json:"max_requests"`
	Requests        int64               `json:"requests"`
	RPS             float64             `json:"rps"`
	SuccessRate     float64             `json:"success_rate"`
	Unexpected      int64               `json:"unexpected"`
	Outcomes        metrics.Outcomes    `json:"outcomes"`
	Groups          map[string]int64    `json:"groups"`
	Errors          map[string]int64    `json:"errors"`
	ErrorSamples    map[string][]string `json:"error_samples,omitempty"`
	Latency         LatencySeconds      `json:"latency_seconds"`
	Endpoints       []EndpointSummary   `json:"endpoints"`
	// NeverSucceeded are the capabilities (catalog endpoint ids) the run
	// tried without one success; NotReached those it never tried (absent for
	// a plain scenario). `--strict` fails a run with any never_succeeded.
	NeverSucceeded  []string                    `json:"never_succeeded"`
	NotReached      []string                    `json:"not_reached,omitempty"`
	Archetypes      map[string]ArchetypeSummary `json:"archetypes"`
	TokenOperations map[string]map[string]int64 `json:"token_operations"`
	Cleanup         CleanupSummary              `json:"cleanup"`
	// Generator is how the engine itself fared (docs/generator.md); always present.
	Generator generator.Summary `json:"generator"`
	// Load is the load model and what it did (docs/load-models.md): dropped
	// iterations, service time beside the latency.
	Load *LoadSummary `json:"load,omitempty"`
	// Resilience is what the client policy did (docs/resilience.md); absent
	// when the run had none.
	Resilience *resilience.Summary `json:"resilience,omitempty"`
	// Thresholds are the verdicts of --threshold and the scenario's thresholds
	// (docs/thresholds.md); absent when there were none.
	Thresholds []threshold.Result `json:"thresholds,omitempty"`
	// Shard is the part of a sharded run this summary covers, Histograms the
	// latency distributions in full so trafficsim merge can combine the
	// shards exactly, Merged what merge made it from (merge.go,
	// docs/sharding.md); all absent for an unsharded run.
	Shard      *ShardInfo  `json:"shard,omitempty"`
	Histograms *Histograms `json:"histograms,omitempty"`
	Merged     *MergeInfo  `json:"merged,omitempty"`
	// Transport is how requests reached the target (client, HTTP version,
	// compression, proxy, TLS warning, bytes); absent in merged summaries.
	Transport *TransportSummary `json:"transport,omitempty"`
}

// LatencySeconds is a latency distribution in seconds.
type LatencySeconds struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// EndpointSummary is one endpoint (method + route template) of the run.
type EndpointSummary struct {
	Method      string           `json:"method"`
	Route       string           `json:"route"`
	Group       string           `json:"group"`
	Capability  string           `json:"capability,omitempty"` // catalog endpoint id; absent for plain requests
	Requests    int64            `json:"requests"`
	Success     int64            `json:"success"`                 // 1xx–3xx responses that did not fail
	Failed      int64            `json:"failed_answer,omitempty"` // 1xx–3xx responses that failed (a redirect, unreadable)
	Expected    int64            `json:"expected"`                // outcomes the VU intended
	SuccessRate float64          `json:"success_rate"`
	Statuses    map[string]int64 `json:"statuses"` // "200": n; "none": no response
	Latency     LatencySeconds   `json:"latency_seconds"`
}

// ArchetypeSummary is the sessions of one archetype.
type ArchetypeSummary struct {
	VUs                int64   `json:"vus"`
	Sessions           int64   `json:"sessions"`
	JourneysCompleted  int64   `json:"journeys_completed"`
	JourneysAborted    int64   `json:"journeys_aborted"`
	MeanSessionSeconds float64 `json:"mean_session_seconds"`
}

// CleanupSummary is CleanupResult in the summary.
type CleanupSummary struct {
	Created        int      `json:"created"`
	Deleted        int      `json:"deleted"`
	Left           int      `json:"left"`
	LeftNames      []string `json:"left_names"`
	Error          string   `json:"error,omitempty"`
	Verified       bool     `json:"verified"`
	Reason         string   `json:"reason,omitempty"` // why not verified
	ForeignSkipped int      `json:"foreign_skipped"`
	Gone           int      `json:"gone"`
}

// BuildSummary assembles the summary of a run from its final statistics.
func BuildSummary(meta SummaryMeta, st metrics.Stats, cleanup CleanupResult) Summary {
	dur := meta.EndedAt.Sub(meta.StartedAt)
	if meta.StartedAt.IsZero() || meta.EndedAt.IsZero() || dur < 0 {
		dur = 0
	}
	s := Summary{
		Format:          SummaryFormat,
		Version:         meta.EngineVersion,
		RunID:           meta.RunID,
		Scenario:        meta.Scenario,
		Seed:            meta.Seed,
		Target:          meta.Target,
		State:           meta.State,
		Error:           meta.Err,
		StartedAt:       meta.StartedAt.UTC(),
		EndedAt:         meta.EndedAt.UTC(),
		DurationSeconds: round(dur.Seconds(), 3),
		Users:           meta.Users,
		MinRequests:     meta.MinRequests,
		MaxRequests:     meta.MaxRequests,
		Requests:        st.Requests,
		SuccessRate:     ratio(st.Outcomes.Success, st.Requests),
		Unexpected:      st.Unexpected,
		Outcomes:        st.Outcomes,
		Groups:          groupCounts(st.Groups),
		Errors:          maps.Clone(st.Errors),
		ErrorSamples:    st.ErrorSamples,
		Latency:         latencySeconds(st.Latency),
		Endpoints:       endpointSummaries(st.Endpoints),
		Archetypes:      archetypeSummaries(st.Archetypes),
		TokenOperations: tokenOperations(st.TokenOps),
		Cleanup:         cleanupSummary(cleanup),
	}
	if s.Errors == nil {
		s.Errors = map[string]int64{}
	}
	if !meta.LoadStartedAt.IsZero() && meta.LoadEndedAt.After(meta.LoadStartedAt) {
		ls, le := meta.LoadStartedAt.UTC(), meta.LoadEndedAt.UTC()
		s.LoadStartedAt, s.LoadEndedAt = &ls, &le
		s.LoadSeconds = round(le.Sub(ls).Seconds(), 3)
	}
	// Requests per second of the load, not of the wall time: a cleanup of
	// half a minute after a 5 s load must not read as a fifth of the rate.
	if span := s.LoadSpan(); span > 0 {
		s.RPS = round(float64(st.Requests)/span.Seconds(), 3)
	}
	s.NeverSucceeded, s.NotReached = capabilityOutcomes(s.Endpoints)
	return s
}

// LoadSpan is how long the traffic took: the load phase, or for a summary
// without one (written by an older engine, or a run stopped before its VUs
// started) the whole run.
func (s Summary) LoadSpan() time.Duration {
	if s.LoadSeconds > 0 {
		return time.Duration(s.LoadSeconds * float64(time.Second))
	}
	return time.Duration(s.DurationSeconds * float64(time.Second))
}

// groupCounts counts requests per endpoint group, every group present.
func groupCounts(counts map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(Groups))
	for _, g := range Groups {
		out[g] = 0
	}
	for g, n := range counts {
		out[g] += n
	}
	return out
}

// endpointSummaries are the endpoints' counts, statuses by label and
// latencies; a status below 400 is a success.
func endpointSummaries(eps []metrics.EndpointStats) []EndpointSummary {
	out := make([]EndpointSummary, 0, len(eps))
	for _, e := range eps {
		es := EndpointSummary{
			Method:     e.Method,
			Route:      e.Route,
			Group:      e.Group,
			Capability: e.Capability,
			Requests:   e.Requests,
			Expected:   e.Expected,
			Statuses:   map[string]int64{},
			Latency:    latencySeconds(e.Latency),
		}
		for code, n := range e.Statuses {
			es.Statuses[metrics.StatusLabel(code)] += n
			if code > 0 && code < 400 {
				es.Success += n
			}
		}
		es.Failed = e.Failed
		es.Success -= e.Failed // an answer that failed is no success
		es.SuccessRate = ratio(es.Success, es.Requests)
		out = append(out, es)
	}
	return out
}

// archetypeSummaries are the archetypes' VUs, sessions and journeys, every
// archetype present.
func archetypeSummaries(as map[string]metrics.ArchetypeStats) map[string]ArchetypeSummary {
	out := make(map[string]ArchetypeSummary, len(Archetypes))
	for _, a := range Archetypes {
		out[a] = ArchetypeSummary{}
	}
	for name, a := range as {
		out[name] = ArchetypeSummary{
			VUs:                a.VUs,
			Sessions:           a.Sessions,
			JourneysCompleted:  a.Completed,
			JourneysAborted:    a.Aborted,
			MeanSessionSeconds: round(a.MeanDuration.Seconds(), 3),
		}
	}
	return out
}

// tokenOperations counts logins, refreshes and logouts by result, each
// present with success and failure.
func tokenOperations(ops map[string]map[string]int64) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for _, op := range []string{"login", "refresh", "logout"} {
		out[op] = map[string]int64{"success": 0, "failure": 0}
	}
	for op, results := range ops {
		m := map[string]int64{"success": 0, "failure": 0}
		maps.Copy(m, results)
		out[op] = m
	}
	return out
}

// cleanupSummary is what the cleanup verified; LeftNames is never null.
func cleanupSummary(c CleanupResult) CleanupSummary {
	left := slices.Clone(c.Left)
	if left == nil {
		left = []string{}
	}
	return CleanupSummary{
		Created:        c.Created,
		Deleted:        c.Deleted,
		Left:           len(c.Left),
		LeftNames:      left,
		Error:          c.Err,
		Verified:       c.Verified,
		Reason:         c.Reason,
		ForeignSkipped: c.ForeignSkipped,
		Gone:           c.Gone,
	}
}

// Encode is s as the indented JSON of a summary file.
func Encode(s Summary) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	return append(data, '\n'), nil
}

// WriteSummary writes s as indented JSON to path (outputfile.Write): a
// regular file atomically — to a temporary file in the same directory,
// synced, then renamed over path, so a reader (or a crash) never sees half a
// summary; through a symbolic link to the file it points to; into a device or
// FIFO without replacing it.
func WriteSummary(path string, s Summary) error {
	data, err := Encode(s)
	if err != nil {
		return err
	}
	if err := outputfile.Write(path, data); err != nil {
		return fmt.Errorf("write summary %s: %w", path, err)
	}
	return nil
}

func latencySeconds(l metrics.Latency) LatencySeconds {
	return LatencySeconds{
		Mean: round(l.Mean.Seconds(), 6),
		P50:  round(l.P50.Seconds(), 6),
		P95:  round(l.P95.Seconds(), 6),
		P99:  round(l.P99.Seconds(), 6),
		Max:  round(l.Max.Seconds(), 6),
	}
}

func ratio(part, total int64) float64 {
	if total == 0 {
		return 0
	}
	return round(float64(part)/float64(total), 4)
}

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// capabilityOutcomes lists, in catalog order, the capabilities tried without
// a success and those never tried. A run without any capability (plain
// requests) has neither.
func capabilityOutcomes(eps []EndpointSummary) (never, notReached []string) {
	tried := map[string]bool{}
	succeeded := map[string]bool{}
	for _, e := range eps {
		if e.Capability == "" {
			continue
		}
		tried[e.Capability] = true
		if e.Success > 0 {
			succeeded[e.Capability] = true
		}
	}
	never = []string{}
	if len(tried) == 0 {
		return never, nil
	}
	for _, ep := range catalog.All() {
		switch {
		case !tried[ep.ID]:
			notReached = append(notReached, ep.ID)
		case !succeeded[ep.ID]:
			never = append(never, ep.ID)
		}
	}
	return never, notReached
}
