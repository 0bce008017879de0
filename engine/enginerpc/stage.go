package enginerpc

import "github.com/trafficsim/trafficsim/engine/loadshape"

// Stage is one step of a load model: over Duration the load moves linearly to
// Target (virtual users, or arrivals per second). It is loadshape's type: the
// load model's text grammar (engine/loadshape) is part of the contract, and the
// plugin parses and prints stages with that package itself (pkg/deps_test.go
// allows it: it imports no other engine package).
type Stage = loadshape.Stage
