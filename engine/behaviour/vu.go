package behaviour

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/tracing"
)

// VU is one virtual user. Its state is small: a thinking VU is its goroutine,
// this struct and a timer.
type VU struct {
	r     *Shared
	idx   int
	arch  *scenario.Archetype
	rng   *rand.Rand
	pace  float64 // personal speed: scales the think-time medians
	state metrics.VUState

	budget     int // requests to send in all
	limit      int // requests allowed up to the end of the current phase
	sent       int
	sentAtomic atomic.Int32 // sent, for VURequests while running
	sessions   int

	me       *account // the VU's own account (non-admins), or the account it acts on (admins)
	admin    bool
	access   string
	refresh  string
	expires  time.Time
	revoked  string // an access token revoked by an earlier logout
	loggedIn bool

	sessionStart time.Time
	journeyDone  bool
	serial       int // names of what the VU creates

	seenUser entry  // a user seen in a list
	seenRole string // a role id seen in a list
	seenPerm string // a permission id seen in a list

	adm *adminState // admins only
	pl  *plainVU    // VUs of plain scenarios only

	// Open model: when the VU meant to send its next request (the arrival's
	// due time, or the end of a think pause); see takeIntended.
	intended  time.Time
	skipThink bool // the first action of an arrival goes out at its due time

	step  string           // the journey step or action under way (trace attribute)
	tsess *tracing.Session // the session's trace, with tracing on (trace.go)
}

// adminState is what an admin VU manages.
type adminState struct {
	held  []*account // simulation accounts it administers
	roles []named    // sim roles it created
	perms []named    // sim permissions it created
}

type named struct{ id, name string }

// New creates VU idx of the run: its budget, sessions and pace follow from
// the run's seed and idx alone.
func New(r *Shared, idx int, arch *scenario.Archetype) *VU {
	rng := rand.New(rand.NewPCG(uint64(r.cfg.Seed), uint64(idx)+1))
	v := &VU{r: r, idx: idx, arch: arch, rng: rng, admin: arch.Admin}
	v.budget = r.cfg.MinRequests + rng.IntN(r.cfg.MaxRequests-r.cfg.MinRequests+1)
	v.sessions = arch.Sessions[0] + rng.IntN(arch.Sessions[1]-arch.Sessions[0]+1)
	v.pace = math.Exp(0.25 * rng.NormFloat64())
	if v.admin {
		v.adm = &adminState{}
	}
	return v
}

func (v *VU) stopping() bool {
	select {
	case <-v.r.stopCh:
		return true
	default:
		return false
	}
}

func (v *VU) setState(s metrics.VUState) {
	if v.state == s {
		return
	}
	if rec := v.r.rec.Load(); rec != nil {
		rec.VUTransition(v.state, s)
	}
	v.state = s
}

// think pauses before an action of the class; false when the run stops meanwhile.
func (v *VU) think(class string) bool {
	if v.skipThink {
		v.skipThink = false
		return !v.stopping()
	}
	d := v.r.sc.Think[class].Draw(v.rng, v.r.cfg.DelayMin, v.r.cfg.DelayMax, v.pace)
	if d <= 0 {
		return !v.stopping()
	}
	v.setState(metrics.VUThinking)
	due := time.Now().Add(d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		v.r.gen.ObserveLag(time.Since(due)) // the wake-up's lateness, run queue included
		v.setState(metrics.VUActive)
		if v.r.load.open {
			v.intended = due // a late timer is part of the latency
		}
		return true
	case <-v.r.stopCh:
		v.setState(metrics.VUActive)
		return false
	}
}

// Index is the VU's global index.
func (v *VU) Index() int { return v.idx }

// Budget is how many requests the VU sends in all.
func (v *VU) Budget() int { return v.budget }

// Admin reports whether the VU administers.
func (v *VU) Admin() bool { return v.admin }

// Sent is how many requests the VU sent so far (safe from other goroutines).
func (v *VU) Sent() int { return int(v.sentAtomic.Load()) }

// Identity is what New drew for the VU from the seed and its index: budget,
// sessions and pace (a test compares VUs by it).
func (v *VU) Identity() string {
	return fmt.Sprintf("%d/%d/%.6f", v.budget, v.sessions, v.pace)
}

// Arrive makes the VU an arrival of the open model: one session whose first
// action goes out at due.
func (v *VU) Arrive(due time.Time) {
	v.sessions = 1
	v.intended, v.skipThink = due, true
}

// Run is the VU's life: sessions of journey plus weighted actions until the
// budget is spent or the run stops.
func (v *VU) Run() {
	// Ramp-up and stages: wait until the target includes this VU; near
	// --max-memory it does not start at all (counted by the generator).
	if !v.park() || !v.r.gen.AdmitVU() {
		v.setState(metrics.VUDone)
		return
	}
	if v.r.sc.Plain {
		v.runPlain()
		return
	}
	rec := v.r.rec.Load()
	rec.AssignArchetype(v.arch.Name)
	v.setState(metrics.VUActive)
	defer v.setState(metrics.VUDone)
	defer v.endSession(false)

	// People do not all arrive at the same instant (ramp-up, stages and
	// arrivals spread the starts by themselves).
	if v.r.load.jitter && v.r.cfg.DelayMax > 0 {
		v.setState(metrics.VUThinking)
		d := time.Duration(v.rng.Int64N(int64(v.r.cfg.DelayMax) + 1))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-v.r.stopCh:
		}
		t.Stop()
		v.setState(metrics.VUActive)
	}

	for s := 0; s < v.sessions && v.sent < v.budget && !v.stopping(); s++ {
		if s > 0 && (!v.think(scenario.ThinkPause) || !v.park()) {
			return
		}
		if !v.waitSession() { // emergency degradation pauses new sessions
			return
		}
		share := (v.budget - v.sent) / (v.sessions - s)
		end := v.sent + max(share, 1)
		if s == v.sessions-1 {
			end = v.budget
		}
		v.session(s, end)
		v.traceEndSession()
	}
	// A session left open (stopped, or the budget ran out mid-way) ends here.
}

// session runs one session until the VU has sent end requests: the journey,
// weighted actions, and a logout as the last request.
func (v *VU) session(n, end int) {
	v.limit = end - 1 // keep the last request for the logout
	v.journeyDone = false
	completed := true
	for _, step := range v.arch.Journey {
		if v.sent >= v.limit || v.stopping() {
			completed = false
			break
		}
		if n > 0 && (step == "signup" || step == "create_profile") {
			continue // done in the first session
		}
		if !v.park() || !v.think(v.r.sc.StepThink(step)) {
			return
		}
		v.act(step)
	}
	v.journeyDone = completed
	idle := 0
	for v.sent < v.limit && v.park() {
		before := v.sent
		v.weighted()
		if v.sent == before {
			// Nothing was sent (a precondition could not be met): make sure the VU
			// still progresses through its budget.
			if idle++; idle >= 3 {
				if !v.think(scenario.ThinkQuick) {
					return
				}
				v.act("list_users")
				idle = 0
			}
		} else {
			idle = 0
		}
	}
	v.limit = end
	if v.stopping() || v.sent >= end {
		return
	}
	if !v.think(scenario.ThinkRead) {
		return
	}
	if v.loggedIn {
		v.logout()
	} else {
		// Spend the last request logging in: the session stays open for the next one.
		v.login()
	}
}

// weighted takes one weighted action: maybe a deliberate error, else an action
// of the group the run needs most.
func (v *VU) weighted() {
	r := v.r
	adminIdx := 0
	if v.admin {
		adminIdx = 1
	}
	// Deliberate errors follow the scenario's kind weights; the group choice
	// below makes up for the groups they land in.
	if r.steer.wantError(v.rng) && !r.errKind[adminIdx].empty() {
		kind := r.errKind[adminIdx].pick(v.rng)
		// A degraded run sheds deliberate mistakes: the VU acts normally instead.
		if v.allowAction(scenario.ErrorKind(kind).Group, "mistake") {
			if !v.think(scenario.ErrorKind(kind).Think) {
				return
			}
			v.mistake(kind)
			return
		}
	}
	allowed := r.mixAll
	if !v.admin {
		allowed[catalog.GroupIndex(catalog.GroupAdmin)] = false
	}
	v.filterGroups(&allowed) // open breakers: do something else
	g := r.steer.pickGroup(v.rng, &allowed)
	if g < 0 || r.actions[g].empty() {
		g = catalog.GroupIndex(catalog.GroupUserQuery)
		if r.actions[g].empty() {
			return
		}
	}
	name := r.actions[g].pick(v.rng)
	if !v.allowAction(scenario.Action(name).Group, r.actionMethod(name)) {
		// Shed by the degradation level: the user pauses instead of acting.
		v.think(scenario.Action(name).Think)
		return
	}
	if !v.think(scenario.Action(name).Think) {
		return
	}
	v.act(name)
}

// errStopped ends an action when the run stops or the VU's budget is spent.
var errStopped = errors.New("stopped")

// outcome is what a send intends: the status it expects.
type outcome int

const (
	wantSuccess outcome = 0 // any 1xx–3xx
)

// send sends one request within the VU's budget and records it. It returns
// errStopped without sending when the budget (up to the current limit) is spent
// or the run is stopping.
func (v *VU) send(call *client.Call, want outcome) (client.Result, error) {
	if v.sent >= v.limit || v.sent >= v.budget || v.stopping() {
		return client.Result{}, errStopped
	}
	v.sent++
	v.sentAtomic.Store(int32(v.sent))
	r := v.r
	intended := v.takeIntended()
	call.Sender = v.idx + 1 // per-VU backoff in the policy
	ep := call.Endpoint
	method, route := r.client.Method(ep), r.client.Route(ep) // under the profile
	call.Trace = v.traceStart(ep.Group, method, route)
	res := r.client.Do(r.reqCtx, call)
	traceID := v.traceFinish(call.Trace, &res)
	call.Trace = nil
	expected := res.ErrKind == "" && (want == wantSuccess && res.Status >= 100 && res.Status < 400 ||
		want != wantSuccess && res.Status == int(want))
	kind := res.ErrKind
	if kind == "" && !expected && res.Status >= 400 {
		kind = "unexpected_status"
	}
	if kind == client.KindProtocol && res.Status > 0 && res.Status < 400 {
		expected = false
	}
	r.rec.Load().Record(metrics.Sample{
		VU:         v.idx,
		Group:      ep.Group,
		Method:     method,
		Route:      route,
		Capability: ep.ID,
		Status:     res.Status,
		Expected:   expected,
		ErrKind:    kind,
		Start:      res.Start,
		Latency:    res.Latency,
		Intended:   intended,
		TraceID:    traceID,
	})
	r.steer.count(catalog.GroupIndex(ep.Group), res.Status)
	if r.debugReq {
		v.logRequest(ep.Group, method, route, &res)
	}
	if res.Status == 401 && want == wantSuccess && call.Token != "" {
		// The token no longer works (revoked, expired, the user deactivated):
		// refresh or log in again before the next action.
		v.access = ""
	}
	return res, nil
}

// ok reports a 1xx–3xx answer.
func ok(res client.Result) bool { return res.ErrKind == "" && res.Status >= 100 && res.Status < 400 }

// ensureSession makes sure the VU holds a working access token: refresh it
// when it is about to expire or was rejected, log in when there is none.
func (v *VU) ensureSession() bool {
	if v.loggedIn && v.access != "" && (v.expires.IsZero() || time.Until(v.expires) > 30*time.Second) {
		return true
	}
	if v.loggedIn && v.refresh != "" {
		if v.doRefresh() {
			return true
		}
	}
	return v.login()
}

// credentials are the login name and password the VU uses.
func (v *VU) credentials() (user, email, password string) {
	if v.admin {
		return v.r.cfg.AdminUser, v.r.cfg.AdminUser, v.r.cfg.AdminPassword
	}
	return v.me.username, v.me.email, v.me.password
}

func (v *VU) login() bool {
	if !v.admin && v.me == nil && !v.signup() {
		return false
	}
	user, email, password := v.credentials()
	ident := user
	if v.r.client.Profile().Login.With == "email" && !v.admin {
		ident = email
	}
	p := v.r.client.Profile().Login
	call := client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogin), Decode: true,
		Body: client.Body{{Name: p.Field, Value: ident}, {Name: p.PasswordField, Value: password}}}
	res, err := v.send(&call, wantSuccess)
	if err != nil {
		return false
	}
	if v.loggedIn {
		// A new login replaces a session that was lost (its token rejected).
		v.endSession(v.journeyDone)
	}
	t, good := v.r.client.Tokens(&res)
	good = good && ok(res)
	v.r.rec.Load().TokenOp("login", good)
	if !good {
		return false
	}
	v.setTokens(t)
	v.loggedIn = true
	v.sessionStart = time.Now()
	return true
}

func (v *VU) setTokens(t client.Tokens) {
	v.access, v.refresh = t.Access, t.Refresh
	v.expires = time.Time{}
	if t.ExpiresIn > 0 {
		v.expires = time.Now().Add(t.ExpiresIn)
	}
}

func (v *VU) doRefresh() bool {
	if v.refresh == "" {
		return false
	}
	call := client.Call{Endpoint: catalog.MustLookup(catalog.AuthRefresh), Decode: true,
		Body: client.Body{{Name: v.r.client.Profile().Token.RefreshField, Value: v.refresh}}}
	res, err := v.send(&call, wantSuccess)
	if err != nil {
		return false
	}
	t, good := v.r.client.Tokens(&res)
	good = good && ok(res)
	v.r.rec.Load().TokenOp("refresh", good)
	if !good {
		if res.Status == 401 {
			v.refresh = ""
		}
		return false
	}
	v.setTokens(t)
	return true
}

func (v *VU) logout() {
	if !v.loggedIn {
		return
	}
	call := client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogout), Token: v.access}
	if v.refresh != "" {
		call.Body = client.Body{{Name: v.r.client.Profile().Token.RefreshField, Value: v.refresh}}
	}
	res, err := v.send(&call, wantSuccess)
	if err != nil {
		return
	}
	good := ok(res)
	v.r.rec.Load().TokenOp("logout", good)
	if good {
		v.revoked = v.access
	}
	v.endSession(v.journeyDone)
	v.access, v.refresh = "", ""
}

// endSession records the end of the current session, if one is open.
func (v *VU) endSession(completed bool) {
	if !v.loggedIn {
		return
	}
	v.loggedIn = false
	if rec := v.r.rec.Load(); rec != nil {
		rec.Session(v.arch.Name, time.Since(v.sessionStart), completed && !v.stopping())
	}
}

// nextName returns a fresh simulation name: sim_<run>_<kind><vu>_<n>.
func (v *VU) nextName(kind string) string {
	v.serial++
	return "sim_" + v.r.cfg.RunID + "_" + kind + strconv.Itoa(v.idx) + "_" + strconv.Itoa(v.serial)
}

const letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// password returns a fresh valid password (letters and a digit, 14 characters).
func (v *VU) password() string {
	b := make([]byte, 14)
	b[0] = 'S'
	for i := 1; i < 12; i++ {
		b[i] = letters[v.rng.IntN(len(letters))]
	}
	b[12] = '-'
	b[13] = byte('0' + v.rng.IntN(10))
	return string(b)
}

var firstNames = []string{"Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger", "Radia", "Tim", "Hedy", "John", "Sophie", "Niklaus"}
var lastNames = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr", "Backus", "Wilson", "Wirth"}

func (v *VU) personName() string {
	return firstNames[v.rng.IntN(len(firstNames))] + " " + lastNames[v.rng.IntN(len(lastNames))]
}

// register creates a simulation account; the caller decides what it is for.
func (v *VU) register() (*account, error) {
	name := v.nextName("u")
	a := &account{username: name, email: name + "@simulation.test", password: v.password(), active: true}
	call := client.Call{Endpoint: catalog.MustLookup(catalog.UsersCreate), Decode: true, Body: client.Body{
		{Name: "username", Value: a.username}, {Name: "email", Value: a.email},
		{Name: "password", Value: a.password}, {Name: "name", Value: v.personName()},
	}}
	res, err := v.send(&call, wantSuccess)
	if err != nil {
		return nil, err
	}
	if !ok(res) {
		if res.ErrKind != "" {
			// The answer was lost: the account may exist. The cleanup's search
			// by the run's prefix finds it.
			return nil, errors.New("registration failed")
		}
		return nil, errors.New("registration refused")
	}
	c := v.r.client
	if obj, found := c.Object(&res); found {
		a.id, _ = c.ID(obj)
	}
	if a.id == "" {
		return nil, errors.New("registration answer has no id")
	}
	v.r.ledger.Add(KindUser, a.id, a.username)
	v.r.dir.add(v.idx, entry{a.id, a.username, a.email})
	return a, nil
}

// signup registers the VU's own account (non-admins).
func (v *VU) signup() bool {
	if v.admin || v.me != nil {
		return true
	}
	a, err := v.register()
	if err != nil {
		return false
	}
	v.me = a
	return true
}

// park holds a VU the load model does not include yet (ramp-up, stages) until
// it does; false when the run stops meanwhile. Without a gate it returns at
// once.
func (v *VU) park() bool {
	g := v.r.load.gate
	if g == nil {
		return !v.stopping()
	}
	ch := g.Wait(v.idx)
	if ch == nil {
		return !v.stopping()
	}
	prev := v.state
	v.setState(metrics.VUParked)
	select {
	case <-ch:
	case <-v.r.stopCh:
	}
	if prev == "" {
		prev = metrics.VUActive
	}
	v.setState(prev)
	return !v.stopping()
}

// takeIntended is when the VU meant to send its next request, in the open
// model: the arrival's due time or the end of the last think pause, else now
// (so waiting for the rate cap or a backoff counts). Zero in the closed model,
// whose latency runs from the actual send.
func (v *VU) takeIntended() time.Time {
	if !v.r.load.open {
		return time.Time{}
	}
	t := v.intended
	v.intended = time.Time{}
	if t.IsZero() {
		t = time.Now()
	}
	return t
}
