package behaviour

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// The actions a VU takes are named in engine/catalog's tables, which scenario
// files are checked against; their handlers are here (userActions,
// adminActions, mistakeHandlers). The package refuses to load when a name has
// metadata without a handler or a handler without metadata.

// action is an action's handler with the metadata the VU needs at once.
type action struct {
	admin bool // the admin group's: other VUs skip it
	do    func(*VU)
}

// actionHandlers are the handlers of every action of catalog.Actions, by name.
var actionHandlers = func() map[string]action {
	if err := checkHandlers(catalog.Actions(), catalog.ErrorKinds(), userActions, adminActions, mistakeHandlers); err != nil {
		panic(err)
	}
	out := make(map[string]action, len(userActions)+len(adminActions))
	for name, do := range userActions {
		out[name] = action{do: do}
	}
	for name, do := range adminActions {
		out[name] = action{admin: true, do: do}
	}
	return out
}()

// checkHandlers reports every action and error kind of the tables without a
// handler, every handler without a row, and every admin action registered
// among the others (or the reverse).
func checkHandlers(actions []catalog.Action, kinds []catalog.ErrorKind,
	user, admin map[string]func(*VU), mistakes map[string]func(*VU, client.StatusProfile)) error {
	var errs []error
	known := map[string]bool{}
	for _, a := range actions {
		known[a.Name] = true
		_, u := user[a.Name]
		_, ad := admin[a.Name]
		switch {
		case !u && !ad:
			errs = append(errs, fmt.Errorf("action %s has no handler", a.Name))
		case u && ad:
			errs = append(errs, fmt.Errorf("action %s has two handlers", a.Name))
		case a.Admin && !ad:
			errs = append(errs, fmt.Errorf("action %s is an admin action: register it in adminActions", a.Name))
		case !a.Admin && ad:
			errs = append(errs, fmt.Errorf("action %s is not an admin action: register it in userActions", a.Name))
		}
	}
	for _, m := range []map[string]func(*VU){user, admin} {
		for _, name := range slices.Sorted(maps.Keys(m)) {
			if !known[name] {
				errs = append(errs, fmt.Errorf("handler %s has no action in engine/catalog", name))
			}
		}
	}
	knownKinds := map[string]bool{}
	for _, k := range kinds {
		knownKinds[k.Name] = true
		if mistakes[k.Name] == nil {
			errs = append(errs, fmt.Errorf("error kind %s has no handler", k.Name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(mistakes)) {
		if !knownKinds[name] {
			errs = append(errs, fmt.Errorf("mistake handler %s has no error kind in engine/catalog", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("behaviour: the action handlers disagree with engine/catalog's tables: %w", err)
	}
	return nil
}
