package enginehost

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// Totals bound the runs of every org together; the Grafana operator sets them
// (GF_PLUGIN_MAX_TOTAL_RUNS, GF_PLUGIN_MAX_TOTAL_USERS), never an org admin.
type Totals struct {
	MaxRuns  int // active runs of all orgs; ≤0: no limit
	MaxUsers int // VUs of all active runs; ≤0: no limit
}

// Pool gives each Grafana org its own Host, so its own engine process: an org's
// runs, settings (metrics address, remote write) and engine restarts never touch
// another org's. Limits hold per org (Start's maxConcurrent) and in total (Totals).
// An org's engine idle for IdleStop is stopped, so orgs that used the app once do
// not each keep a process.
type Pool struct {
	log    hclog.Logger
	engine Options // Path and SHA256: the operator's, the same for every org
	totals Totals
	idle   time.Duration // an org's engine idle this long is stopped; 0: never

	startMu sync.Mutex // serialises the total check with the start
	mu      sync.Mutex
	hosts   map[int64]*Host
	closed  bool
}

// PoolOption configures a Pool.
type PoolOption func(*Pool)

// IdleStop sets how long an org's engine may be idle — no run active or finishing
// (its cleanup included), no request using it — before it is stopped (default
// DefaultIdleStop; ≤0: never). The plugin takes it from the Grafana operator
// (GF_PLUGIN_IDLE_STOP, grafana.ini idle_stop). The org's next request that needs an engine starts
// a new one; the runs of the stopped one stay listed with their final status.
func IdleStop(d time.Duration) PoolOption {
	return func(p *Pool) { p.idle = max(d, 0) }
}

// NewPool returns a Pool launching the engine at engine.Path, checked against
// engine.SHA256, for every org.
func NewPool(logger hclog.Logger, engine Options, totals Totals, opts ...PoolOption) *Pool {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	p := &Pool{log: logger, engine: Options{Path: engine.Path, SHA256: engine.SHA256}, totals: totals, idle: DefaultIdleStop, hosts: map[int64]*Host{}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Totals reports the limits over all orgs.
func (p *Pool) Totals() Totals { return p.totals }

// Org returns the org's Host, creating it (its engine starts on first use).
func (p *Pool) Org(org int64) *Host {
	p.mu.Lock()
	defer p.mu.Unlock()
	h, ok := p.hosts[org]
	if !ok {
		h = New(p.log.With("org", org))
		h.org, h.idle = org, p.idle
		h.claim = func(o Options) error { return p.claimMetrics(org, o.MetricsAddr) }
		h.Configure(p.engine)
		if p.closed {
			h.Close()
		}
		p.hosts[org] = h
	}
	return h
}

// Configure sets the org's engine settings, saved at the given time (the app
// settings' Updated; older ones than the org's current are ignored); the engine
// binary stays the operator's.
func (p *Pool) Configure(org int64, opts Options, saved time.Time) {
	opts.Path, opts.SHA256 = p.engine.Path, p.engine.SHA256
	p.Org(org).ConfigureAt(opts, saved)
}

// Start starts a run for org unless that breaks the org's limit (maxConcurrent
// active runs) or the totals over every org.
func (p *Pool) Start(ctx context.Context, org int64, cfg enginerpc.RunConfig, maxConcurrent int) (enginerpc.RunStatus, error) {
	p.startMu.Lock()
	defer p.startMu.Unlock()
	if p.totals.MaxRuns > 0 || p.totals.MaxUsers > 0 {
		runs, users, err := p.load(ctx)
		if err != nil {
			return enginerpc.RunStatus{}, err
		}
		// The refusals give no counts: those are mostly other orgs' business.
		if p.totals.MaxRuns > 0 && runs >= p.totals.MaxRuns {
			return enginerpc.RunStatus{}, fmt.Errorf("%w: the runs active across all organizations are the most this Grafana allows (GF_PLUGIN_MAX_TOTAL_RUNS); wait for one to end", ErrTooManyRuns)
		}
		if want := runUsers(cfg); p.totals.MaxUsers > 0 && users+want > p.totals.MaxUsers {
			return enginerpc.RunStatus{}, fmt.Errorf("%w: %d more users would exceed the users this Grafana allows across all organizations at once (GF_PLUGIN_MAX_TOTAL_USERS); ask for fewer users or wait", ErrTooManyUsers, want)
		}
	}
	cfg.OrgID = org
	return p.Org(org).Start(ctx, cfg, maxConcurrent)
}

// ErrMetricsAddrTaken is returned when an org's metricsAddr is the /metrics
// address another org's engine holds: one org's Prometheus would scrape another
// org's runs. The first org to launch an engine with it keeps it.
var ErrMetricsAddrTaken = errors.New("metricsAddr taken")

// claimMetrics refuses addr for org's engine while another org's holds it.
func (p *Pool) claimMetrics(org int64, addr string) error {
	if addr == "" {
		return nil
	}
	p.mu.Lock()
	others := make([]*Host, 0, len(p.hosts))
	for o, h := range p.hosts {
		if o != org {
			others = append(others, h)
		}
	}
	p.mu.Unlock()
	for _, h := range others {
		if held := h.metricsHeld(); sameListener(held, addr) {
			// The other org's address is not named: it is that org's setting.
			return fmt.Errorf("%w: the app's metricsAddr %s is where another organization's engine serves its metrics; choose another port on the app's configuration page", ErrMetricsAddrTaken, addr)
		}
	}
	return nil
}

// sameListener reports whether two listen addresses (host:port) would compete
// for one socket: the same port, and the same host or a wildcard on either side.
// Port 0 (any free port) never competes; host names are taken to compete.
func sameListener(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	ipA, ipB := net.ParseIP(ha), net.ParseIP(hb)
	switch {
	case ha == "" || hb == "" || (ipA != nil && ipA.IsUnspecified()) || (ipB != nil && ipB.IsUnspecified()):
		return true
	case ipA != nil && ipB != nil:
		return ipA.Equal(ipB)
	}
	return true // a name may resolve to either
}

// ErrTooManyUsers is returned by Start when the run would exceed the total users.
var ErrTooManyUsers = errors.New("too many users")

// load counts the active runs and their users over every org's running engine.
func (p *Pool) load(ctx context.Context) (runs, users int, err error) {
	for _, h := range p.all() {
		if h.current() == nil {
			continue // no engine, no active runs
		}
		list, err := h.tally(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("count the active runs: %w", err)
		}
		for _, st := range list {
			if !st.State.Ended() {
				runs++
				users += runUsers(st.Config)
			}
		}
	}
	return runs, users, nil
}

// runUsers is how many VUs a run may hold at once: its users, or the open model's pool.
func runUsers(cfg enginerpc.RunConfig) int { return max(cfg.Users, cfg.MaxVUs) }

// all is every org's host.
func (p *Pool) all() []*Host {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Collect(maps.Values(p.hosts))
}

// Close stops every org's engine.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, h := range p.all() {
		wg.Add(1)
		go func() { defer wg.Done(); h.Close() }()
	}
	wg.Wait()
}
