package metrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns the registry an engine process serves on its /metrics:
// the Go runtime and process collectors (engine CPU, memory, goroutines — the
// dashboards use them) and room for the runs' collectors (NewRun).
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// RegisterAll registers every collector of a run on reg, or none: on an error
// the ones already registered are removed again, so a refused run leaves no
// series behind. A series of the same run id already there is reported as
// "run id already in use on this registry".
func RegisterAll(reg prometheus.Registerer, cols []prometheus.Collector) error {
	for i, c := range cols {
		if err := reg.Register(c); err != nil {
			for _, done := range cols[:i] {
				reg.Unregister(done)
			}
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return fmt.Errorf("run id already in use on this registry: %w", err)
			}
			return err
		}
	}
	return nil
}
