// Package enginerpc is the contract between the Grafana plugin backend and the engine
// process it launches with hashicorp/go-plugin: the Go interface both sides use, the
// gRPC client and server adapters over the generated code in enginepb, the
// plugin.GRPCPlugin and the handshake.
//
// It must not import the runner: the plugin links this package and never the engine.
package enginerpc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
)

// Engine hosts runs. The engine process implements it on top of the runner; the plugin
// reaches it through Client over go-plugin's gRPC connection.
type Engine interface {
	// Start validates cfg and starts a run. Invalid config: a *FieldError.
	Start(ctx context.Context, cfg RunConfig) (RunStatus, error)
	// Stop ends a run; graceful lets in-flight requests finish and cleans up.
	// Stopping a run that already ended returns its final status.
	Stop(ctx context.Context, id string, graceful bool) (RunStatus, error)
	// Status reports one run; ErrNotFound for an unknown id.
	Status(ctx context.Context, id string) (RunStatus, error)
	// List reports every run still remembered, oldest first.
	List(ctx context.Context) ([]RunStatus, error)
	// Watch calls fn with a status every interval (≤0: one second). For one id it
	// returns nil after the run's final status; for the empty id (every run) it runs
	// until ctx ends. An error from fn ends the watch and is returned.
	Watch(ctx context.Context, id string, interval time.Duration, fn func(RunStatus) error) error
	// Scenarios lists the built-in scenarios.
	Scenarios(ctx context.Context) ([]Scenario, error)
	// Version reports the engine build and process.
	Version(ctx context.Context) (VersionInfo, error)
	// Ping is a cheap liveness check.
	Ping(ctx context.Context) error
	// CleanupRun removes what an ended run left on its target, logging in with
	// the request's admin credentials over its TLS settings, and returns the
	// run's status with the new cleanup result. ErrNotFound for an unknown id,
	// ErrRunActive while the run has not ended.
	CleanupRun(ctx context.Context, req CleanupRequest) (RunStatus, error)
	// CheckTarget runs the engine's check of an API profile against a target
	// (`trafficsim check`). A profile that does not parse: a *FieldError for
	// api_profile. An empty BaseURL only parses the profile.
	CheckTarget(ctx context.Context, req CheckRequest) (CheckReport, error)
	// Validate checks cfg as Start does, starting nothing: nil or a *FieldError.
	Validate(ctx context.Context, cfg RunConfig) error
}

// CleanupRequest asks for the cleanup of an ended run's leftovers on its target.
type CleanupRequest struct {
	ID            string
	AdminUser     string // empty: admin
	AdminPassword string // never echoed back
	// TLS to the target: the settings that go with AdminPassword now. A run's own
	// may be older (an Admin since turned verification on, or changed the CA),
	// and the password must not travel under settings its Admin no longer holds.
	TLS
}

// CheckRequest asks for a check of a target under an API profile.
type CheckRequest struct {
	BaseURL        string // empty: only parse APIProfile
	APIProfile     string // YAML; empty: the reference API
	APIProfileName string // names the profile in errors
	AdminUser      string // empty: admin
	AdminPassword  string // never reported back
	OrgID          int64
	TLS            // to the target, as a run's
}

// TLS is how the engine speaks TLS to a target: PEM text, never file names
// (the plugin keeps them per allowlisted target in secureJsonData; the engine
// writes them nowhere). CACertPEM is added to the system's roots; the client
// certificate and key are for mutual TLS. ClientKeyPEM is a secret: never
// reported back.
type TLS struct {
	CACertPEM          string
	ClientCertPEM      string
	ClientKeyPEM       string
	InsecureSkipVerify bool   // accept any certificate (warned about)
	TLSServerName      string // empty: the target's host
}

// CheckReport is the check's table; Fatal is why a run must not start.
type CheckReport struct {
	Rows  []CheckRow
	Fatal string
}

// CheckRow is one request of the check.
type CheckRow struct {
	Capability string
	Method     string
	Path       string
	Status     int // 0: no answer
	Verdict    string
	Fix        string
	Note       string
}

// State is a run's lifecycle state.
type State string

// The run states, as the runner reports them.
const (
	StateStarting State = "starting"
	StateRunning  State = "running"
	StateStopping State = "stopping"
	StateFinished State = "finished"
	StateFailed   State = "failed"
	// StateLeftovers: the run is over but its cleanup left simulation records on
	// the target (RunStatus.Cleanup says how many and why); CleanupRun can retry.
	StateLeftovers State = "leftovers"
)

// Ended reports whether the run is over (finished, failed, or finished with leftovers).
func (s State) Ended() bool { return s == StateFinished || s == StateFailed || s == StateLeftovers }

// RunConfig is what a run is asked to do.
type RunConfig struct {
	RunID           string // empty: the engine chooses one
	Users           int
	MinRequestCount int
	MaxRequestCount int
	Duration        time.Duration // 0: until every VU is done
	BaseURL         string        // empty: the embedded reference target
	DelayMin        time.Duration
	DelayMax        time.Duration
	Scenario        string // a built-in scenario name
	Seed            int64  // 0: chosen by the engine and reported back
	AdminUser       string
	AdminPassword   string // sent to the engine, never reported back
	Cleanup         bool

	// The load model (docs/load-models.md); none set: Users VUs from the start.
	// Closed model: RampUp or Stages (VU targets; Users is then the largest).
	// Open model: Rate and/or RateStages (arrivals per second), each arrival a
	// session on a free VU of a pool of MaxVUs (0: Users).
	RampUp     time.Duration
	Stages     []Stage
	Rate       float64
	RateStages []Stage
	MaxVUs     int
	MaxRPS     float64 // cap on the run's requests per second; 0: none

	OrgID int64 // the Grafana org that started the run; 0: none
	TLS         // to the target

	// APIProfile is an API profile's YAML (docs/api-profile.md) replacing the
	// scenario's api section; empty: the scenario's. Statuses carry only its name.
	APIProfile     string
	APIProfileName string
}

// RunStats are a run's live figures: the contract's message itself, so that a new
// figure is added in enginerpc.proto (and where the engine computes it,
// engine/runhost) and reaches the plugin's JSON and the frontend's generated types
// (src/api/types.gen.ts) without a copy in between.
type RunStats = enginepb.RunStats

// Breaker is one endpoint group's circuit breaker state (open or half_open).
type Breaker = enginepb.Breaker

// RequestEvent is one recent request of a run.
type RequestEvent struct {
	Time    time.Time
	VU      int
	Method  string
	Route   string
	Status  int // 0: no response arrived
	Latency time.Duration
}

// RunStatus is a snapshot of one run.
type RunStatus struct {
	ID        string
	State     State
	StartedAt time.Time      // zero: not started
	EndedAt   time.Time      // zero: not ended
	Config    RunConfig      // AdminPassword cleared
	Stats     *RunStats      // nil: none reported
	Recent    []RequestEvent // newest last
	Error     string
	Cleanup   *Cleanup // nil until the run's cleanup ran
}

// Cleanup is what the cleanup of a run's simulation data did, as the run
// summary's cleanup section says it: Created = Deleted + Gone + Left.
type Cleanup struct {
	Created   int      // records the run created
	Deleted   int      // of those, deleted by the run: a read found them gone
	Gone      int      // vanished from the target without the run deleting them
	Left      int      // still on the target; not verified: at least these
	LeftNames []string // their names (bounded)
	// Verified: Left was measured on the target — each record the cleanup read
	// by id, and a search shown to find the run's records (summary.CleanupResult's
	// Verified); otherwise Reason says why not.
	Verified bool
	Reason   string
	Error    string // why records were left, or why the cleanup did not run
}

// LeftRecords reports whether the cleanup left (or may have left) records on the target.
func (c *Cleanup) LeftRecords() bool {
	return c != nil && (c.Left > 0 || c.Created > c.Deleted+c.Gone)
}

// Scenario is a built-in scenario: what the Scenarios page shows of it.
type Scenario struct {
	Name        string
	Description string
	Archetypes  []Archetype // sorted by name; empty for a scenario of plain requests
	Mix         []Weighted  // percent of requests per endpoint group, in report order
}

// Archetype is a kind of virtual user of a scenario.
type Archetype struct {
	Name    string
	Weight  float64 // share of VUs, in the scenario file's units
	Journey []string
}

// Weighted is a name with a weight.
type Weighted struct {
	Name   string
	Weight float64
}

// VersionInfo describes the engine process.
type VersionInfo struct {
	Version    string
	GoVersion  string
	PID        int
	ActiveRuns int
}

// ErrNotFound is returned for a run id the engine does not know (or no longer remembers).
var ErrNotFound = errors.New("run not found")

// ErrRunActive is returned by CleanupRun for a run that has not ended yet.
var ErrRunActive = errors.New("run still active")

// ErrUnavailable wraps failures to reach the engine process at all (it exited, or
// the connection broke), as opposed to the engine refusing a request.
var ErrUnavailable = errors.New("engine unavailable")

// FieldError is an invalid run config field. Field is the RunConfig field's
// protobuf name (users, min_request_count, base_url, ...).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }
