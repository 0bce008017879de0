package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/metrics"
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
			err := runhost.ServePlugin(cmd.Context(), runhost.ServeOptions{
				Options: runhost.Options{
					NewRun:    runhost.RunnerFactory(reg, log),
					Scenarios: builtinScenarios(),
					Version:   version.Version,
					Logger:    log,
				},
				Registry: reg,
				Stderr:   os.Stderr,
			})
			if errors.Is(err, runhost.ErrNotLaunchedByPlugin) {
				return usageError(err)
			}
			return err
		},
	}
}

// builtinScenarios are the only scenarios the plugin may start: a scenario file path
// from Grafana would let a remote user make the engine read files.
func builtinScenarios() []enginerpc.Scenario {
	infos := scenario.Builtins()
	out := make([]enginerpc.Scenario, len(infos))
	for i, s := range infos {
		out[i] = enginerpc.Scenario{Name: s.Name, Description: s.Description}
	}
	return out
}
