package main

import (
	"errors"
	"math"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/remotewrite"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/version"
)

func init() { subcommands = append(subcommands, newPluginServeCmd) }

// newPluginServeCmd is the engine process of the Grafana plugin: hidden, because
// only the plugin's go-plugin client starts it (docs/plugin.md).
func newPluginServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "plugin-serve",
		Short:  "Serve runs to the Grafana plugin (started by the plugin, not by hand)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Nothing may reach stdout before go-plugin's handshake line: logs go to
			// stderr, which the plugin relays into Grafana's log.
			log := runhost.NewPluginLogger(os.Stderr)
			reg := metrics.NewRegistry()
			// Remote write (the app's remoteWriteUrl) pushes the engine's metrics,
			// with a last push when the plugin stops the engine.
			rw := &remotewrite.Hook{UserAgent: "trafficsim/" + version.Version}
			err := runhost.ServePlugin(cmd.Context(), runhost.ServeOptions{
				Options: runhost.Options{
					NewRun:    runhost.RunnerFactory(reg, log),
					Validate:  runhost.RunnerValidator,
					Scenarios: builtinScenarios(),
					Version:   version.Version,
					Logger:    log,
				},
				Registry:    reg,
				Stderr:      os.Stderr,
				RemoteWrite: rw.Start,
			})
			// go-plugin kills the engine 2s after asking it to stop, and stopping
			// the runs takes up to 1.5s of that: the final push gets what is left.
			rw.Wait(400 * time.Millisecond)
			if errors.Is(err, runhost.ErrNotLaunchedByPlugin) {
				return usageError(err)
			}
			return err
		},
	}
}

// builtinScenarios are the only scenarios the plugin may start: a scenario file path
// from Grafana would let a remote user make the engine read files.
// Each carries its archetypes and request mix for the plugin's Scenarios page.
func builtinScenarios() []enginerpc.Scenario {
	names := scenario.BuiltinNames()
	out := make([]enginerpc.Scenario, len(names))
	for i, name := range names {
		s, err := scenario.Builtin(name)
		if err != nil {
			panic(err) // embedded files are tested
		}
		out[i] = scenarioInfo(s)
	}
	return out
}

// scenarioInfo is what the plugin shows of a scenario: archetypes with their
// weights and journeys, and the share of requests per endpoint group.
func scenarioInfo(s *scenario.Scenario) enginerpc.Scenario {
	out := enginerpc.Scenario{Name: s.Name, Description: s.Description}
	for _, a := range s.Archetypes {
		out.Archetypes = append(out.Archetypes, enginerpc.Archetype{Name: a.Name, Weight: a.Weight, Journey: slices.Clone(a.Journey)})
	}
	if s.Plain {
		return out // plain requests: no archetypes, no group mix
	}
	for i, g := range catalog.Groups {
		// Percent, rounded to 0.01: the file's weights are normalised to shares.
		out.Mix = append(out.Mix, enginerpc.Weighted{Name: g, Weight: math.Round(s.Mix[i]*10000) / 100})
	}
	return out
}
