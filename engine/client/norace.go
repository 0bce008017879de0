//go:build !race

package client

// raceEnabled reports a build with the race detector (see rawIO).
const raceEnabled = false
