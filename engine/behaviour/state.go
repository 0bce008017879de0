// Package behaviour is what the simulated users do: a VU's sessions, journey
// and weighted actions, its logins and tokens, the admin's work, plain
// requests, and what the VUs of one run share (the account pool, the directory
// of users seen, the ledger of created records, the mix steering). When and
// how many VUs run is engine/runner's job: it creates the VUs, starts them and
// stops them; this package never imports it.
package behaviour

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/tracing"
)

// Settings are the run settings a VU reads.
type Settings struct {
	RunID                    string
	Seed                     int64
	MinRequests, MaxRequests int
	DelayMin, DelayMax       time.Duration
	AdminUser, AdminPassword string
}

// Load is what a VU needs to know of the run's load model.
type Load struct {
	Open   bool // the open model: latencies run from the intended send time
	Jitter bool // the plain closed model: each VU starts within the first delay-max
	Gate   Gate // nil: no VU waits
	Slots  int  // the VUs that can send at once (the mix steering's lookahead)
}

// Options are what the VUs of one run share, set up by the runner once the
// target, the recorder, the client and the policy are ready.
type Options struct {
	Settings Settings
	Scenario *scenario.Scenario
	Client   *client.Client
	Recorder *metrics.Run
	Stop     <-chan struct{} // closed: no new requests
	Requests context.Context // in-flight requests; cancelled after the grace period
	Monitor  *generator.Monitor
	Tracer   *tracing.Tracer // nil: off
	Log      *slog.Logger
	Advisor  client.Advisor // the policy's steering, if it has any
	Ledger   *Ledger
	Load     Load
}

// loadInfo is the load model as the VUs see it.
type loadInfo struct {
	open, jitter bool
	gate         Gate
}

// Shared is what the VUs of one run share.
type Shared struct {
	cfg      Settings
	sc       *scenario.Scenario
	client   *client.Client
	rec      atomic.Pointer[metrics.Run]
	stopCh   <-chan struct{}
	reqCtx   context.Context
	gen      *generator.Monitor
	tracer   *tracing.Tracer
	log      *slog.Logger
	advisor  client.Advisor
	holdOff  holdOffer // the advisor, when it says how long a VU holds off
	debugReq bool      // --log-level debug: sampled per-request lines (reqlog.go)
	load     loadInfo
	at       time.Time // the run's epoch: a VU's instants are offsets from it (since)

	steer   *steer
	pool    pool
	dir     directory
	ledger  *Ledger
	mixAll  [catalog.NumGroups]bool
	actions [catalog.NumGroups]picker[weightedAction]
	errKind [2]picker[*catalog.ErrorKind] // deliberate errors: [non-admin VUs, admin VUs]
	plain   *plainSet                     // the scenario's plain requests (nil: none)
	// keepRevoked: the run makes the revoked-token mistake, for which a VU
	// keeps the access token of its last logout (else it drops it).
	keepRevoked bool
}

// NewShared prepares what the VUs of a run share: the steering, the action
// pickers and the scenario's plain requests compiled against the client.
func NewShared(o Options) *Shared {
	r := &Shared{
		cfg: o.Settings, sc: o.Scenario, client: o.Client, stopCh: o.Stop, reqCtx: o.Requests,
		gen: o.Monitor, tracer: o.Tracer, log: o.Log, advisor: o.Advisor, ledger: o.Ledger,
		load: loadInfo{open: o.Load.Open, jitter: o.Load.Jitter, gate: o.Load.Gate},
		at:   time.Now(),
	}
	r.rec.Store(o.Recorder)
	r.holdOff, _ = o.Advisor.(holdOffer)
	r.debugReq = r.debugRequests()
	sc := r.sc
	r.preparePlain()
	r.steer = newSteer(sc, o.Load.Slots)
	for g := range catalog.NumGroups {
		r.mixAll[g] = sc.Mix[g] > 0
		r.actions[g] = newPicker(sc.Actions[g], r.weightedAction)
	}
	for ai, forAdmin := range []bool{false, true} {
		var ws []scenario.Weighted
		for _, k := range sc.ErrorKinds {
			info := catalog.LookupErrorKind(k.Name)
			if sc.Mix[catalog.GroupIndex(info.Group)] == 0 || (info.For == catalog.ForAdmin && !forAdmin) || (info.For == catalog.ForUser && forAdmin) {
				continue
			}
			ws = append(ws, k)
		}
		r.errKind[ai] = newPicker(ws, catalog.LookupErrorKind)
		for _, k := range r.errKind[ai].items {
			r.keepRevoked = r.keepRevoked || k.Name == "revoked_token"
		}
	}
	return r
}

// since is the time since the run's epoch, on the monotonic clock.
func (r *Shared) since() time.Duration { return time.Since(r.at) }

// weightedAction is a weighted action as a VU draws it: its record, and the
// method of its main request under the API profile (actionMethod).
type weightedAction struct {
	*catalog.Action
	method string
}

func (r *Shared) weightedAction(name string) weightedAction {
	a := catalog.LookupAction(name)
	if r.client == nil {
		return weightedAction{Action: a} // VUs made but never run (tests of the runner's set-up)
	}
	return weightedAction{a, r.actionMethod(a)}
}

// SetAdmins tells the steering that admins of the owned VUs can administer:
// those few carry the admin group's whole share.
func (r *Shared) SetAdmins(admins, owned int) {
	r.steer.setCapable(catalog.GroupIndex(catalog.GroupAdmin), admins, owned)
}
