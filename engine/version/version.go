// Package version holds the engine's version, set at build time with
// -ldflags "-X github.com/trafficsim/trafficsim/engine/version.Version=...".
package version

// Version is the engine's release; "dev" for a local build.
var Version = "dev"
