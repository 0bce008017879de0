package summary

import (
	"time"

	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/metrics"
)

// LoadSummary is the run's load model and what it did (docs/load-models.md).
type LoadSummary struct {
	Model         string         `json:"model"` // closed or open
	RampUpSeconds float64        `json:"ramp_up_seconds,omitempty"`
	Stages        []StageSummary `json:"stages,omitempty"` // closed: VU targets
	Rate          float64        `json:"rate,omitempty"`   // open: arrivals per second
	RateStages    []StageSummary `json:"rate_stages,omitempty"`
	MaxVUs        int            `json:"max_vus,omitempty"` // open: the VU pool
	// Iterations are the open model's arrivals that ran; DroppedIterations
	// those that found no free VU.
	Iterations        int64 `json:"iterations"`
	DroppedIterations int64 `json:"dropped_iterations"`
	// Service is the service time (from the actual send) beside the summary's
	// latency, which in the open model runs from the intended send time.
	Service LatencySeconds `json:"service_latency_seconds"`
}

// StageSummary is one stage: its duration and target (VUs, or arrivals per second).
type StageSummary struct {
	DurationSeconds float64 `json:"duration_seconds"`
	Target          float64 `json:"target"`
}

// LoadInfo is what the runner tells BuildLoad about its model.
type LoadInfo struct {
	Model      string
	RampUp     time.Duration
	Stages     []loadshape.Stage
	Rate       float64
	RateStages []loadshape.Stage
	MaxVUs     int
	Iterations int64
}

// BuildLoad summarises the load model with the run's statistics.
func BuildLoad(li LoadInfo, st metrics.Stats) *LoadSummary {
	l := &LoadSummary{
		Model: li.Model, RampUpSeconds: li.RampUp.Seconds(), Rate: li.Rate, MaxVUs: li.MaxVUs,
		Iterations: li.Iterations, DroppedIterations: st.DroppedIterations,
		Stages: stages(li.Stages), RateStages: stages(li.RateStages),
		Service: latencySeconds(st.Service),
	}
	return l
}

func stages(in []loadshape.Stage) []StageSummary {
	var out []StageSummary
	for _, s := range in {
		out = append(out, StageSummary{DurationSeconds: s.Duration.Seconds(), Target: s.Target})
	}
	return out
}
