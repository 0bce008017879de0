package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/runner"
)

// loadFlags are the load-model flags of `trafficsim run` (docs/load-models.md).
type loadFlags struct {
	rampUp     string
	stages     string
	rate       string
	rateStages string
	maxVUs     int
}

func addLoadFlags(f *pflag.FlagSet, l *loadFlags) {
	f.StringVar(&l.rampUp, "ramp-up", "", "closed model: start the --users VUs spread evenly over this duration, e.g. 30s")
	f.StringVar(&l.stages, "stages", "", "closed model: VU targets over time with linear ramps, e.g. 30s:100,1m:500,30s:0 (the run ends with the last stage)")
	f.StringVar(&l.rate, "rate", "", "open model: arrivals per second or minute, e.g. 300/s or 90/m; each arrival is one session on a free VU")
	f.StringVar(&l.rateStages, "rate-stages", "", "open model: arrival-rate targets over time with linear ramps from --rate (default 0), e.g. 30s:10/s,1m:100/s")
	f.IntVar(&l.maxVUs, "max-vus", 0, "open model: the pre-allocated VU pool; an arrival that finds none free is a dropped iteration (0 = --users)")
}

// apply parses the flags into the config; errors name the flag.
func (l *loadFlags) apply(c *runner.Config) error {
	if l.rampUp != "" {
		d, err := time.ParseDuration(strings.TrimSpace(l.rampUp))
		if err != nil || d < 0 {
			return fmt.Errorf("--ramp-up: %q: want a duration such as 30s or 2m", l.rampUp)
		}
		c.RampUp = d
	}
	if l.stages != "" {
		st, err := loadshape.ParseStages(l.stages)
		if err != nil {
			return fmt.Errorf("--stages: %w", err)
		}
		c.Stages = st
	}
	if l.rate != "" {
		r, err := loadshape.ParseRate(l.rate)
		if err != nil {
			return fmt.Errorf("--rate: %w", err)
		}
		c.Rate = r
	}
	if l.rateStages != "" {
		st, err := loadshape.ParseRateStages(l.rateStages)
		if err != nil {
			return fmt.Errorf("--rate-stages: %w", err)
		}
		c.RateStages = st
	}
	// A rate of 0 alone would quietly run the closed model instead.
	if l.rate != "" && c.Rate == 0 && len(c.RateStages) == 0 {
		return fmt.Errorf("--rate: %q sends no arrivals; give a positive rate such as 10/s, add --rate-stages to ramp up from it, or leave --rate out for the closed model", l.rate)
	}
	c.MaxVUs = l.maxVUs
	return nil
}

// loadText describes the run's load model in a few words for the start line.
func loadText(c runner.Config) string {
	switch {
	case c.OpenModel():
		pool := c.MaxVUs
		if pool == 0 {
			pool = c.Users
		}
		shape := loadshape.FormatRate(c.Rate)
		if len(c.RateStages) > 0 {
			shape = "rate stages " + loadshape.FormatStages(c.RateStages, true)
		}
		return fmt.Sprintf("open model %s on a pool of %d VUs", shape, pool)
	case len(c.Stages) > 0:
		return "VU stages " + loadshape.FormatStages(c.Stages, false)
	case c.RampUp > 0:
		return fmt.Sprintf("%d users ramped up over %v", c.Users, c.RampUp)
	}
	return fmt.Sprintf("%d users", c.Users)
}

// liveLoad is the progress display's load line: what the model asks for now.
func liveLoad(s runner.Snapshot) string {
	stage := ""
	if s.Stage >= 0 {
		stage = fmt.Sprintf(" · stage %d", s.Stage+1)
	}
	switch {
	case s.Model == runner.ModelOpen:
		return fmt.Sprintf("open %s%s · %d iterations · %d dropped", loadshape.FormatRate(math.Round(s.TargetRate*10)/10), stage, s.Iterations, s.DroppedIterations)
	case s.Stage >= 0 || s.TargetUsers != s.TotalUsers:
		return fmt.Sprintf("target %d VUs%s", s.TargetUsers, stage)
	}
	return ""
}
