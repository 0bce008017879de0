package scenario

import (
	"fmt"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/loadshape"
)

// LoadModel is a scenario's load model (the `load:` section): what the run's
// --ramp-up, --stages, --rate, --rate-stages and --max-vus flags default to.
// The zero value leaves the command line's model alone.
type LoadModel struct {
	RampUp     time.Duration     // closed model: VUs start spread over it
	Stages     []loadshape.Stage // closed model: VU targets over time
	Rate       float64           // open model: arrivals per second
	RateStages []loadshape.Stage // open model: arrival-rate targets over time (per second)
	MaxVUs     int               // open model: the VU pool
}

// IsZero reports a scenario without a load section.
func (l LoadModel) IsZero() bool {
	return l.RampUp == 0 && len(l.Stages) == 0 && l.Rate == 0 && len(l.RateStages) == 0 && l.MaxVUs == 0
}

// fileLoad is the YAML form of Load.
type fileLoad struct {
	RampUp     string   `yaml:"ramp_up"`
	Stages     []string `yaml:"stages"`      // "30s:100"
	Rate       string   `yaml:"rate"`        // "300/s", "90/m"
	RateStages []string `yaml:"rate_stages"` // "30s:10/s"
	MaxVUs     int      `yaml:"max_vus"`
}

func buildLoad(f *fileLoad) (LoadModel, *Error) {
	var l LoadModel
	if f == nil {
		return l, nil
	}
	bad := func(field, format string, args ...any) *Error {
		return &Error{Field: "load." + field, Message: fmt.Sprintf(format, args...)}
	}
	if f.RampUp != "" {
		d, err := time.ParseDuration(f.RampUp)
		if err != nil || d < 0 || d > loadshape.MaxDuration {
			return l, bad("ramp_up", "%q: want a duration such as 30s or 2m", f.RampUp)
		}
		l.RampUp = d
	}
	// An empty list is a mistake, not the model's absence: it would quietly
	// run another load model than the one the file seems to ask for.
	if f.Stages != nil && len(f.Stages) == 0 {
		return l, bad("stages", "is an empty list; give DURATION:VUS stages, e.g. [30s:100, 1m:100, 30s:0], or leave stages out")
	}
	if f.RateStages != nil && len(f.RateStages) == 0 {
		return l, bad("rate_stages", "is an empty list; give DURATION:RATE stages, e.g. [30s:10/s, 1m:100/s], or leave rate_stages out")
	}
	if len(f.Stages) > 0 {
		st, err := loadshape.ParseStages(strings.Join(f.Stages, ","))
		if err != nil {
			return l, bad("stages", "%v", err)
		}
		l.Stages = st
	}
	if f.Rate != "" {
		r, err := loadshape.ParseRate(f.Rate)
		if err != nil {
			return l, bad("rate", "%v", err)
		}
		l.Rate = r
	}
	if len(f.RateStages) > 0 {
		st, err := loadshape.ParseRateStages(strings.Join(f.RateStages, ","))
		if err != nil {
			return l, bad("rate_stages", "%v", err)
		}
		l.RateStages = st
	}
	if f.Rate != "" && l.Rate == 0 && len(l.RateStages) == 0 {
		// Alone it would quietly run the closed model instead.
		return l, bad("rate", "%q sends no arrivals; give a positive rate such as 10/s, add rate_stages to ramp up from it, or leave rate out for the closed model", f.Rate)
	}
	if f.MaxVUs < 0 {
		return l, bad("max_vus", "%d: want the number of pre-allocated VUs, at least 1", f.MaxVUs)
	}
	l.MaxVUs = f.MaxVUs
	open := l.Rate > 0 || len(l.RateStages) > 0
	if open && (l.RampUp > 0 || len(l.Stages) > 0) {
		return l, bad("rate", "the open model (rate, rate_stages) and the closed model (ramp_up, stages) exclude each other; keep one")
	}
	if l.RampUp > 0 && len(l.Stages) > 0 {
		return l, bad("ramp_up", "use either ramp_up or stages (stages ramp by themselves)")
	}
	if l.MaxVUs > 0 && !open {
		return l, bad("max_vus", "applies to the open model only; add rate or rate_stages")
	}
	return l, nil
}
