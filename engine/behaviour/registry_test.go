package behaviour

import (
	"maps"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// TestHandlersMatchCatalog: every action and error kind of engine/catalog has
// a handler here and every handler a row there (what the package checks as it
// loads), and the check names what disagrees.
func TestHandlersMatchCatalog(t *testing.T) {
	acts, kinds := catalog.Actions(), catalog.ErrorKinds()
	if err := checkHandlers(acts, kinds, userActions, adminActions, mistakeHandlers); err != nil {
		t.Fatal(err)
	}
	if len(actionHandlers) != len(acts) {
		t.Errorf("%d handlers for %d actions", len(actionHandlers), len(acts))
	}
	for _, a := range acts {
		if h := actionHandlers[a.Name]; h.do == nil || h.admin != a.Admin {
			t.Errorf("%s: handler %+v, admin %v", a.Name, h, a.Admin)
		}
	}

	user, admin, mistakes := maps.Clone(userActions), maps.Clone(adminActions), maps.Clone(mistakeHandlers)
	delete(user, "get_role")
	delete(mistakes, "forbidden")
	admin["me"] = user["me"]
	user["dance"] = user["me"]
	mistakes["typo"] = mistakes["bad_refresh"]
	err := checkHandlers(acts, kinds, user, admin, mistakes)
	if err == nil {
		t.Fatal("no error for handlers that disagree with the tables")
	}
	for _, want := range []string{
		"action get_role has no handler",
		"action me has two handlers",
		"handler dance has no action",
		"error kind forbidden has no handler",
		"mistake handler typo has no error kind",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nlacks %q", err, want)
		}
	}
	delete(user, "me")
	if err := checkHandlers(acts, nil, user, admin, map[string]func(*VU, client.StatusProfile){}); err == nil ||
		!strings.Contains(err.Error(), "action me is not an admin action: register it in userActions") {
		t.Errorf("a user action among the admin handlers: %v", err)
	}
}
