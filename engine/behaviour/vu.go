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

// VU is one virtual user. Its state is small: a thinking VU is this struct,
// what it remembers and a timer — without a goroutine of its own when the run
// starts it with Start (journey.go, plain.go). The fields are ordered so that
// the struct packs without padding, and instants are offsets from the run's
// epoch (Shared.at) rather than time.Time: a thinking VU is mostly this
// struct, so every 8 bytes counts at 100,000 VUs (docs/benchmarks.md, (m)).
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
	sessions   int
	sentAtomic atomic.Int32 // sent, for VURequests while running
	serial     int32        // names of what the VU creates

	admin       bool
	loggedIn    bool
	journeyDone bool
	skipThink   bool // the first action of an arrival goes out at its due time

	me      *account // the VU's own account (non-admins), or the account it acts on (admins)
	access  string
	refresh string
	revoked string        // an access token revoked by an earlier logout
	renewAt time.Duration // when to refresh the access token (Shared.at), ahead of its expiry; 0: not said

	sessionStart time.Duration // Shared.at

	seenUser entry  // a user seen in a list
	seenRole string // a role id seen in a list
	seenPerm string // a permission id seen in a list

	adm *adminState // admins only
	pl  *plainVU    // VUs of plain scenarios only
	j   journey     // where a journey VU is in its life (journey.go)
	jt  *parking    // a journey VU started by Start: its timer

	// Open model: when the VU meant to send its next request (the arrival's
	// due time, or the end of a think pause); see takeIntended.
	intended time.Time

	off holding // the end of the current pause that is a hold-off (policy.go)

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
	if res.Status > 0 {
		v.answered(res.Latency)
	}
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
		Err:        res.Err,
		Start:      res.Start,
		Latency:    res.Latency,
		Intended:   intended,
		TraceID:    traceID,
		Slot:       catalogSlot(ep),
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

// Metrics slots (metrics.Sample.Slot): the catalog's endpoints from 1, the
// plain requests from the top down; any left without one are found by name.
func catalogSlot(ep *catalog.Endpoint) int {
	if i, ok := ep.Index(); ok && i+1 < metrics.MaxSlots/2 {
		return i + 1
	}
	return 0
}

func plainSlot(i int) int {
	if i < metrics.MaxSlots/2 {
		return metrics.MaxSlots - 1 - i
	}
	return 0
}

// ok reports a 1xx–3xx answer.
func ok(res client.Result) bool { return res.ErrKind == "" && res.Status >= 100 && res.Status < 400 }

// ensureSession makes sure the VU holds a working access token: refresh it
// when it is about to expire or was rejected, log in when there is none.
func (v *VU) ensureSession() bool {
	if v.loggedIn && v.access != "" && (v.renewAt == 0 || v.r.since() < v.renewAt) {
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
	return v.me.username(), v.me.email, v.me.password
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
	call := client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogin), Decode: true, Pick: client.PickTokens,
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
		if !v.admin && v.me.worked && res.Status == v.r.client.Profile().Statuses.Unauthorized {
			// Credentials that worked are refused: the account is gone or
			// changed (self.go).
			v.dropOwn("", false)
		}
		return false
	}
	if !v.admin {
		v.me.worked = true
	}
	v.setTokens(t)
	v.loggedIn = true
	v.sessionStart = v.r.since()
	return true
}

func (v *VU) setTokens(t client.Tokens) {
	v.access, v.refresh = t.Access, t.Refresh
	v.renewAt = 0
	if t.ExpiresIn > 0 {
		v.renewAt = v.r.since() + renewAfter(t.ExpiresIn)
	}
}

// maxRenewMargin is how long before its expiry a long-lived access token is
// refreshed.
const maxRenewMargin = 30 * time.Second

// renewAfter is how long after it was issued a token of the lifetime is
// refreshed: maxRenewMargin before it expires, or a quarter of its lifetime
// before when that is shorter. A token is so refreshed at most once per three
// quarters of its lifetime, however short: a fixed margin longer than the
// lifetime would refresh it before every request.
func renewAfter(lifetime time.Duration) time.Duration {
	return lifetime - min(maxRenewMargin, lifetime/4)
}

func (v *VU) doRefresh() bool {
	if v.refresh == "" {
		return false
	}
	call := client.Call{Endpoint: catalog.MustLookup(catalog.AuthRefresh), Decode: true, Pick: client.PickTokens,
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
	if good && v.r.keepRevoked {
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
		rec.Session(v.arch.Name, v.r.since()-v.sessionStart, completed && !v.stopping())
	}
}

// nextName returns a fresh simulation name: sim_<run>_<kind><vu>_<n>.
func (v *VU) nextName(kind string) string { return v.nextNameAnd(kind, "") }

// nextNameAnd returns a fresh simulation name followed by suffix.
func (v *VU) nextNameAnd(kind, suffix string) string {
	v.serial++
	return "sim_" + v.r.cfg.RunID + "_" + kind + strconv.Itoa(v.idx) + "_" + strconv.Itoa(int(v.serial)) + suffix
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

// personNames are every first and last name together, boxed once (Field
// values).
var personNames = func() []any {
	out := make([]any, 0, len(firstNames)*len(lastNames))
	for _, f := range firstNames {
		for _, l := range lastNames {
			out = append(out, f+" "+l)
		}
	}
	return out
}()

// personName draws a first name, then a last name.
func (v *VU) personName() any {
	f := v.rng.IntN(len(firstNames))
	return personNames[f*len(lastNames)+v.rng.IntN(len(lastNames))]
}

// register creates a simulation account; the caller decides what it is for.
func (v *VU) register() (*account, error) {
	a := &account{email: v.nextNameAnd("u", simMail), password: v.password(), active: true}
	name := a.username()
	call := client.Call{Endpoint: catalog.MustLookup(catalog.UsersCreate), Decode: true, Pick: client.PickID, Body: client.Body{
		{Name: "username", Value: name}, {Name: "email", Value: a.email},
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
	if a.id, _ = v.r.client.CreatedID(&res); a.id == "" {
		v.r.ledger.Unidentified.Add(1) // only the cleanup's search can find it
		return nil, errors.New("registration answer has no id")
	}
	v.r.ledger.Add(KindUser, a.id, name)
	v.r.dir.add(v.idx, entry{a.id, name, a.email})
	return a, nil
}

// retireAccount begins a session of an `account: session` archetype: the VU
// leaves its account behind and signs up a new one at its next signup (or
// first request that needs an account). The old account stays the run's — the
// ledger has it for the cleanup — and goes to the pool for admins to
// administer; a session still open on it is dropped.
func (v *VU) retireAccount() {
	if v.admin || v.me == nil {
		return
	}
	v.endSession(false)
	v.access, v.refresh, v.renewAt = "", "", 0
	v.r.pool.put(v.me)
	v.me = nil
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
