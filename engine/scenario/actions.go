package scenario

import "github.com/trafficsim/trafficsim/engine/catalog"

// Think-time classes: engine/catalog's, named here for scenario files' think:
// section.
const (
	ThinkQuick = catalog.ThinkQuick
	ThinkRead  = catalog.ThinkRead
	ThinkForm  = catalog.ThinkForm
	ThinkPause = catalog.ThinkPause
)

// ThinkClasses lists the think-time classes.
var ThinkClasses = catalog.ThinkClasses

// Action returns the action with the name (engine/catalog's table), or nil.
func Action(name string) *catalog.Action { return catalog.LookupAction(name) }

// ErrorKind returns the error kind with the name (engine/catalog's table), or nil.
func ErrorKind(name string) *catalog.ErrorKind { return catalog.LookupErrorKind(name) }
