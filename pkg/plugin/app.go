// Package plugin is the trafficsim app's backend instance: resources to list
// scenarios and limits and to start, watch and stop runs; a Grafana Live stream of a
// run's status; and a health check of the engine. The engine itself runs in a
// subprocess owned by the process-wide enginehost.Host.
package plugin

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/trafficsim/trafficsim/pkg/enginehost"
)

var (
	_ backend.CallResourceHandler   = (*App)(nil)
	_ backend.CheckHealthHandler    = (*App)(nil)
	_ backend.StreamHandler         = (*App)(nil)
	_ instancemgmt.InstanceDisposer = (*App)(nil)
)

// sharedHost outlives app instances: Grafana recreates them on every settings
// change, and runs must survive that.
var sharedHost = enginehost.New(hclog.New(&hclog.LoggerOptions{
	Name:       "trafficsim",
	Level:      hclog.Info,
	Output:     os.Stderr, // Grafana reads the plugin's hclog JSON from stderr
	JSONFormat: true,
}))

// Shutdown stops the engine; pkg/main.go calls it after app.Manage returns.
func Shutdown() {
	sharedHost.Close()
	goplugin.CleanupClients()
}

// App is one app instance (one per org and settings version).
type App struct {
	backend.CallResourceHandler
	settings    Settings
	settingsErr error // invalid settings: reads work, starting runs does not
	host        *enginehost.Host
}

// NewApp is the app.Manage instance factory.
func NewApp(_ context.Context, s backend.AppInstanceSettings) (instancemgmt.Instance, error) {
	return NewAppWithHost(s, sharedHost), nil
}

// NewAppWithHost builds an instance on the given engine host (tests use their own).
func NewAppWithHost(s backend.AppInstanceSettings, host *enginehost.Host) *App {
	settings, err := ParseSettings(s)
	a := &App{settings: settings, settingsErr: err, host: host}
	if err == nil {
		host.Configure(enginehost.Options{
			Path:                settings.EnginePath,
			MetricsAddr:         settings.MetricsAddr,
			RemoteWriteURL:      settings.RemoteWriteURL,
			RemoteWritePassword: settings.RemoteWritePassword,
		})
	} else {
		backend.Logger.Error("invalid app settings", "error", err)
	}
	a.CallResourceHandler = httpadapter.New(a.routes())
	return a
}

// Dispose is called when settings change; the engine and its runs live on in the host.
func (a *App) Dispose() {}

// CheckHealth starts (or pings) the engine and reports its version.
func (a *App) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if a.settingsErr != nil {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: fmt.Sprintf("Invalid app settings: %v. Fix them on the app's configuration page.", a.settingsErr),
		}, nil
	}
	v, err := a.host.Version(ctx)
	if err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: "Engine not available: " + err.Error()}, nil
	}
	return &backend.CheckHealthResult{
		Status: backend.HealthStatusOk,
		Message: fmt.Sprintf("Engine trafficsim %s is running (pid %d, %d active runs); %d allowed target prefixes besides the embedded target.",
			v.Version, v.PID, v.ActiveRuns, len(a.settings.AllowedTargets)),
		JSONDetails: mustJSON(map[string]any{"version": v.Version, "goVersion": v.GoVersion, "pid": v.PID, "activeRuns": v.ActiveRuns}),
	}, nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /scenarios", a.allow(roleViewer, a.handleScenarios))
	mux.Handle("GET /limits", a.allow(roleViewer, a.handleLimits))
	mux.Handle("GET /runs", a.allow(roleViewer, a.handleListRuns))
	mux.Handle("POST /runs", a.allow(roleEditor, a.handleStartRun))
	mux.Handle("GET /runs/{id}", a.allow(roleViewer, a.handleGetRun))
	mux.Handle("POST /runs/{id}/stop", a.allow(roleEditor, a.handleStopRun))
	return mux
}
