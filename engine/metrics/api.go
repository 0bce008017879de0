// Package metrics records what a run's virtual users see: Prometheus collectors
// (every series labelled with the run id) and in-process statistics for progress,
// the final report and the summary (HDR histograms, no global lock per request).
package metrics

import "time"

// The types and method set in this file are what engine/runner, engine/summary
// and engine/report build on: fields and methods may be added, not renamed or
// removed.

// Sample is the outcome of one request as a VU saw it.
type Sample struct {
	VU     int    // VU index, 0-based
	Group  string // endpoint group: auth, user_query, user_mutation, profile, role_permission, admin
	Method string // GET, POST, PUT, DELETE
	Route  string // route template, e.g. /api/v1/users/{id}
	// Capability is the catalog endpoint id (users.search), "" for plain
	// requests: two capabilities may share a method and route under a profile.
	Capability string
	Status     int    // HTTP status; 0 when no response arrived
	Expected   bool   // the outcome the VU intended (a deliberate 401 is expected)
	ErrKind    string // "" or timeout, connection, circuit_open, canceled, protocol, redirect, unexpected_status
	// Err is the failure behind ErrKind (nil: none, or a status alone): a
	// few distinct messages per kind are kept (Stats.ErrorSamples).
	Err     error
	Start   time.Time     // when the request was sent
	Latency time.Duration // until the response was read (or the error)
	// Intended is when the VU meant to send (open model: the arrival's due
	// time, or the end of a think pause). When set and before Start, the
	// recorded latency runs from Intended (coordinated omission: the wait for
	// the send counts) and Latency alone is the service time. Zero: Start.
	Intended time.Time
	// TraceID (hex), when the request's trace is exported, becomes the
	// latency histogram's exemplar (docs/tracing.md).
	TraceID string
	// Slot, when not 0, is a number below MaxSlots that the caller gives
	// every sample of one endpoint row (the same Group, Method, Route and
	// Capability): Record then finds the row by it rather than by hashing
	// the four names. A slot seen with other names is looked up by name.
	Slot int
}

// MaxSlots bounds Sample.Slot.
const MaxSlots = 128

// VUState is a virtual user's state for the trafficsim_virtual_users gauge.
type VUState string

// VU states.
const (
	VUActive   VUState = "active"
	VUThinking VUState = "thinking"
	VUDone     VUState = "done"
	// VUParked: above the current stage's target; it resumes when the target
	// rises again (closed model with stages).
	VUParked VUState = "parked"
)

// RunInfo describes a run for trafficsim_run_info and the report.
type RunInfo struct {
	ID       string
	Scenario string
	Target   string
	Version  string
}

// Outcomes splits requests by what came back.
type Outcomes struct {
	Success      int64 `json:"success"`       // 1xx–3xx
	ClientError  int64 `json:"client_error"`  // 4xx
	ServerError  int64 `json:"server_error"`  // 5xx
	NetworkError int64 `json:"network_error"` // no response
	// FailedAnswer is an answer of 1xx–3xx that failed all the same: a
	// redirect (not followed), or one that could not be read (too long,
	// invalid JSON where parsed, an unknown Content-Encoding).
	FailedAnswer int64 `json:"failed_answer"`
}

// Latency summarises a latency distribution.
type Latency struct {
	Mean time.Duration
	P50  time.Duration
	P95  time.Duration
	P99  time.Duration
	Max  time.Duration
}

// EndpointStats is one (method, route) row of the report.
type EndpointStats struct {
	Method     string
	Route      string
	Group      string
	Capability string // catalog endpoint id; "" for plain requests
	Requests   int64
	Expected   int64         // requests whose outcome was the intended one
	Failed     int64         // answers of 1xx–3xx that failed (Outcomes.FailedAnswer)
	Statuses   map[int]int64 // 0 = no response
	Latency    Latency
}

// ArchetypeStats counts sessions per archetype.
type ArchetypeStats struct {
	VUs          int64 // VUs assigned the archetype
	Sessions     int64
	Completed    int64 // journeys completed
	Aborted      int64 // journeys cut short (stop, duration, errors)
	MeanDuration time.Duration
}

// Event is one recent request for the live feed.
type Event struct {
	Time    time.Time // when the request ended: Sample.Start + Sample.Latency
	VU      int
	Method  string
	Route   string
	Status  int
	Latency time.Duration
}

// Stats is a consistent-enough view of a run so far; cheap enough to take every second.
type Stats struct {
	Requests   int64
	Unexpected int64 // outcomes the VU did not intend (surprise 4xx/5xx, network errors)
	Outcomes   Outcomes
	Groups     map[string]int64 // requests per endpoint group
	Errors     map[string]int64 // trafficsim_request_errors_total by kind
	// ErrorSamples are, per error kind, the first distinct messages of the
	// failures behind it (at most MaxErrorSamples a kind).
	ErrorSamples map[string][]string
	Latency      Latency // every request; in the open model from the intended send time
	// Service is the service time of every request, from the actual send: the
	// same as Latency unless the run records service time apart (open model).
	Service           Latency
	DroppedIterations int64           // open model: arrivals that found no free VU
	Endpoints         []EndpointStats // sorted by route, then method
	Archetypes        map[string]ArchetypeStats
	TokenOps          map[string]map[string]int64 // op → result → count
	VUs               map[VUState]int64
	Recent            []Event // newest last, at most 20
}

// ActiveUsers is the number of VUs started and not done (active or thinking).
func (s Stats) ActiveUsers() int {
	return int(s.VUs[VUActive] + s.VUs[VUThinking])
}

// Recorder is the per-run recording surface (implemented by *Run).
type Recorder interface {
	Record(s Sample)                                                  // hot path: no global lock, no allocation
	VUTransition(from, to VUState)                                    // from "" when a VU starts
	AssignArchetype(archetype string)                                 // once per VU
	Session(archetype string, d time.Duration, journeyCompleted bool) // at each session end
	TokenOp(op string, ok bool)                                       // login, refresh, logout
	DroppedIteration()                                                // open model: an arrival found no free VU
	Stats() Stats
}
