package behaviour

import (
	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// actionMethod is the method of an action's main request under the API
// profile ("" when unknown): a read stays a read though the profile moves it
// (auth.me: GET /session/me).
func (r *Shared) actionMethod(name string) string {
	a := scenario.Action(name)
	if a == nil || len(a.Endpoints) == 0 {
		return ""
	}
	if ep := catalog.Lookup(a.Endpoints[0]); ep != nil {
		return r.client.Method(ep)
	}
	return ""
}

// allowAction asks the policy whether the VU may take the action now.
func (v *VU) allowAction(group, method string) bool {
	a := v.r.advisor
	return a == nil || a.AllowAction(group, method)
}

// filterGroups drops from allowed the groups the policy refuses now (an open
// breaker): the VU does something else meanwhile.
func (v *VU) filterGroups(allowed *[numGroups]bool) {
	a := v.r.advisor
	if a == nil {
		return
	}
	for g := range numGroups {
		if allowed[g] && !a.AllowGroup(catalog.Groups[g]) {
			allowed[g] = false
		}
	}
}

// waitSession blocks while the policy pauses new sessions; false when the run
// stops meanwhile.
func (v *VU) waitSession() bool {
	a := v.r.advisor
	return a == nil || a.WaitSession(v.r.stopCh)
}
