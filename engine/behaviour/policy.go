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
