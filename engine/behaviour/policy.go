package behaviour

import (
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// actionMethod is the method of an action's main request under the API
// profile: a read stays a read though the profile moves it (auth.me: GET
// /session/me).
func (r *Shared) actionMethod(a *catalog.Action) string {
	return r.client.Method(catalog.MustLookup(a.Endpoints[0]))
}

// allowAction asks the policy whether the VU may take the action now.
func (v *VU) allowAction(group, method string) bool {
	a := v.r.advisor
	return a == nil || a.AllowAction(group, method)
}

// filterGroups drops from allowed the groups the policy refuses now (an open
// breaker): the VU does something else meanwhile.
func (v *VU) filterGroups(allowed *[catalog.NumGroups]bool) {
	a := v.r.advisor
	if a == nil {
		return
	}
	for g := range catalog.NumGroups {
		if allowed[g] && !a.AllowGroup(catalog.Groups[g]) {
			allowed[g] = false
		}
	}
}

// sessionPause is how long a VU waits, on its timer, before it looks again
// whether it may begin a session: 0 when it may now (the policy pauses new
// sessions at the emergency level). A wait that blocked would hold one of the
// step workers the other VUs' steps run on.
func (v *VU) sessionPause() time.Duration {
	if p, ok := v.r.advisor.(sessionPauser); ok {
		return p.SessionPause()
	}
	return 0
}

// sessionPauser is an Advisor that can say how long new sessions stay paused
// without blocking (resilience.Policy).
type sessionPauser interface{ SessionPause() time.Duration }

// waitSession blocks while an advisor without SessionPause pauses new
// sessions; false when the run stops meanwhile.
func (v *VU) waitSession() bool {
	a := v.r.advisor
	if a == nil {
		return true
	}
	if _, ok := a.(sessionPauser); ok {
		return true // asked by sessionPause
	}
	return a.WaitSession(v.r.stopCh)
}

// holdOffer is an Advisor that says, without blocking, how long a VU must
// still hold off sending — its backoff, a Retry-After it was answered, or a
// Retry-After on the group of its next request — and counts what the VU then
// waits on its own timer (resilience.Policy).
type holdOffer interface {
	HoldOff(vu int, group string) (d time.Duration, reason int)
	HeldOff(reason int, d time.Duration)
	Gated() bool // some group's Retry-After may still run
}

// holding is the end of a VU's pause that is a hold-off rather than a think
// time: from from (Shared.at) for d, 0 when there is none.
type holding struct {
	from, d time.Duration
	why     int
}

// holdOff lengthens a pause of d before a request of group to the VU's
// hold-off when that is longer; group "" is the group of the journey's
// pending action, worked out only while some group's Retry-After runs. The
// VU then waits on its own timer, holding no step worker, instead of in the
// policy's Admit on one: in a backoff storm, or under a long Retry-After on
// one group, the workers would all sleep there while the steps of VUs that
// may send wait for them.
func (v *VU) holdOff(d time.Duration, group string) time.Duration {
	v.off.d = 0
	h := v.r.holdOff
	if h == nil {
		return d
	}
	if group == "" && h.Gated() {
		group = v.pendingGroup()
	}
	w, why := h.HoldOff(v.idx, group)
	if w <= d {
		return d
	}
	d = max(d, 0)
	v.off = holding{from: v.r.since() + d, d: w - d, why: why}
	return w
}

// pendingGroup is the group of the main request of the journey's pending
// action ("" when unknown).
func (v *VU) pendingGroup() string {
	switch v.j.next {
	case doStep:
		if a := catalog.LookupAction(v.j.name); a != nil {
			return a.Group
		}
		if i, ok := v.r.plainStep(v.j.name); ok {
			return v.r.plain.steps[i].req.Group
		}
	case doMistake:
		if k := catalog.LookupErrorKind(v.j.name); k != nil {
			return k.Group
		}
	case doLastCall:
		return catalog.GroupAuth
	}
	return ""
}

// heldOff ends the pause's hold-off, if it had one, counting the part of it
// spent (a stop may cut it short) as the policy's wait; it returns the
// hold-off's length.
func (v *VU) heldOff() time.Duration {
	o := v.off
	if o.d <= 0 {
		return 0
	}
	v.off.d = 0
	v.r.holdOff.HeldOff(o.why, min(o.d, max(v.r.since()-o.from, 0)))
	return o.d
}
