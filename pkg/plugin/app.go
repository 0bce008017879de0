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

// engineSHA256 is the SHA-256 (hex) of the engine binary built with this plugin,
// recorded at build time (the Magefile's build targets set it with -ldflags -X).
// A build without it refuses to launch any engine.
var engineSHA256 string

var pluginLog = hclog.New(&hclog.LoggerOptions{
	Name:       "trafficsim",
	Level:      hclog.Info,
	Output:     os.Stderr, // Grafana reads the plugin's hclog JSON from stderr
	JSONFormat: true,
})

// sharedPool outlives app instances: Grafana recreates them on every settings
// change, and runs must survive that. It holds one engine per org. The engine
// binary, the totals over all orgs and how long an idle engine is kept are the
// Grafana operator's (environment), never an org's settings.
var sharedPool = enginehost.NewPool(pluginLog,
	enginehost.Options{Path: EnginePath(os.Getenv), SHA256: engineSHA256},
	operatorTotals(os.Getenv, pluginLog), enginehost.IdleStop(operatorIdleStop(os.Getenv, pluginLog)))

// Shutdown stops the engines; pkg/main.go calls it after app.Manage returns.
func Shutdown() {
	sharedPool.Close()
	goplugin.CleanupClients()
}

// App is one app instance: one per org (and settings version). Every request says
// which org it comes from (PluginContext.OrgID); runs are that org's only.
type App struct {
	backend.CallResourceHandler
	settings    Settings
	settingsErr error // invalid settings: reads work, starting runs does not
	pool        *enginehost.Pool
}

// NewApp is the app.Manage instance factory.
func NewApp(_ context.Context, s backend.AppInstanceSettings) (instancemgmt.Instance, error) {
	return NewAppWithPool(s, sharedPool), nil
}

// NewAppWithPool builds an instance on the given engine pool (tests use their own).
func NewAppWithPool(s backend.AppInstanceSettings, pool *enginehost.Pool) *App {
	settings, err := ParseSettings(s)
	a := &App{settings: settings, settingsErr: err, pool: pool}
	if err != nil {
		backend.Logger.Error("invalid app settings", "error", err)
	}
	a.CallResourceHandler = httpadapter.New(a.routes())
	return a
}

// host is the engine host of the org a request comes from, configured with this
// instance's settings (each org's instance configures its own engine only).
func (a *App) host(ctx context.Context) *enginehost.Host {
	return a.hostOf(backend.PluginConfigFromContext(ctx).OrgID)
}

func (a *App) hostOf(org int64) *enginehost.Host {
	if a.settingsErr == nil {
		a.pool.Configure(org, enginehost.Options{
			MetricsAddr:         a.settings.MetricsAddr,
			RemoteWriteURL:      a.settings.RemoteWriteURL,
			RemoteWritePassword: a.settings.RemoteWritePassword,
		}, a.settings.Updated)
	}
	return a.pool.Org(org)
}

// Dispose is called when settings change; the engine and its runs live on in the host.
func (a *App) Dispose() {}

// CheckHealth starts (or pings) the engine and reports its version. Grafana serves
// the health endpoint to any signed-in user, so the plugin gates it: only an org
// Admin may start the org's engine this way or read its pid and the settings' errors.
func (a *App) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if roleOf(req.PluginContext.User) != roleAdmin {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: "Only an Admin of this organization may check the trafficsim engine's health.",
		}, nil
	}
	if a.settingsErr != nil {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: fmt.Sprintf("Invalid app settings: %v. Fix them on the app's configuration page.", a.settingsErr),
		}, nil
	}
	v, err := a.hostOf(req.PluginContext.OrgID).Version(ctx)
	if err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: "Engine not available: " + err.Error()}, nil
	}
	return &backend.CheckHealthResult{
		Status: backend.HealthStatusOk,
		Message: fmt.Sprintf("Engine trafficsim %s is running (pid %d, %d active runs); %d allowed targets besides the embedded target.",
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
	mux.Handle("POST /runs/{id}/cleanup", a.allow(roleEditor, a.handleCleanupRun))
	mux.Handle("POST /check", a.allow(roleEditor, a.handleCheck))
	mux.Handle("POST /validate", a.allow(roleEditor, a.handleValidate))
	mux.Handle("POST /profiles/validate", a.allow(roleAdmin, a.handleValidateProfile))
	mux.Handle("POST /tls/validate", a.allow(roleAdmin, a.handleValidateTLS))
	return mux
}
