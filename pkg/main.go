// Command gpx_trafficsim is the trafficsim-simulator-app backend that Grafana runs.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/app"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/trafficsim/trafficsim/pkg/plugin"
)

func main() {
	err := app.Manage("trafficsim-simulator-app", plugin.NewApp, app.ManageOpts{})
	plugin.Shutdown() // the engine goes with the plugin
	if err != nil {
		log.DefaultLogger.Error("serve plugin", "error", err)
		os.Exit(1)
	}
}
