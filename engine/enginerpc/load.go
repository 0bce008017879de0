package enginerpc

import "github.com/trafficsim/trafficsim/engine/loadshape"

// Stage is one step of a load model: over Duration the load moves linearly to
// Target (virtual users, or arrivals per second).
type Stage = loadshape.Stage

// The load model's text forms are those of `trafficsim run`'s flags
// (docs/load-models.md). They are here so the plugin reads and shows them as
// the command line does without importing more of the engine.

// ParseStages reads virtual-user stages such as "30s:100,1m:500,30s:0".
func ParseStages(s string) ([]Stage, error) { return loadshape.ParseStages(s) }

// ParseRate reads an arrival rate such as "300/s" or "90/m" into arrivals per second.
func ParseRate(s string) (float64, error) { return loadshape.ParseRate(s) }

// ParseRateStages reads arrival-rate stages such as "30s:10/s,1m:100/s".
func ParseRateStages(s string) ([]Stage, error) { return loadshape.ParseRateStages(s) }

// FormatRate spells arrivals per second as ParseRate reads them; "" for 0.
func FormatRate(perSecond float64) string {
	if perSecond == 0 {
		return ""
	}
	return loadshape.FormatRate(perSecond)
}

// FormatStages spells stages as ParseStages (rate false) or ParseRateStages
// (rate true) reads them; "" for none.
func FormatStages(st []Stage, rate bool) string { return loadshape.FormatStages(st, rate) }
