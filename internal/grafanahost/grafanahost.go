// Package grafanahost launches the plugin backend (gpx_trafficsim) the way Grafana's
// plugin manager does — go-plugin with the SDK's handshake, an explicit environment,
// the SDK's pluginv2 gRPC clients — for the tests that stand in for Grafana
// (pkg/main_test.go, and tests/e2e/host for the browser tests).
package grafanahost

import (
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// GrafanaVersion is the Grafana the stand-in says it is (GF_VERSION): the lowest the
// plugin supports (plugin.json's grafanaDependency).
const GrafanaVersion = "12.2.0"

// Plugin is one running backend process and Grafana's clients of it.
type Plugin struct {
	Client      *plugin.Client
	Resource    pluginv2.ResourceClient
	Diagnostics pluginv2.DiagnosticsClient
	Stream      pluginv2.StreamClient
}

// Launch starts the backend executable at path. appURL is what Grafana passes as
// GF_PLUGIN_APP_URL (the plugin builds links with it); log receives go-plugin's and
// the plugin's log lines (nil: warnings and errors to stderr).
func Launch(path, appURL string, log hclog.Logger) (*Plugin, error) {
	return LaunchEnv(path, appURL, nil, log)
}

// LaunchEnv is Launch with env added to the plugin's environment, as Grafana adds
// the keys of the plugin's grafana.ini section ([plugin.<id>] key = value) as
// GF_PLUGIN_<KEY>=value.
func LaunchEnv(path, appURL string, env []string, log hclog.Logger) (*Plugin, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("plugin backend %s: %w; build it with `go run mage.go build:linux` (or build:backend)", path, err)
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("plugin backend %s is not an executable file; build it with `go run mage.go build:linux`", path)
	}
	if log == nil {
		log = hclog.New(&hclog.LoggerOptions{Name: "gpx", Level: hclog.Warn, Output: os.Stderr})
	}
	cmd := exec.Command(path)
	// Grafana gives plugins an explicit environment; the engine beside the backend is
	// found through the backend's own path, not the environment.
	cmd.Env = []string{"GF_VERSION=" + GrafanaVersion, "GF_PLUGIN_APP_URL=" + appURL}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	}
	cmd.Env = append(cmd.Env, env...)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
			"stream":      &grpcplugin.StreamGRPCPlugin{},
		}},
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           log,
		StartTimeout:     30 * time.Second,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("launch %s through go-plugin: %w", path, err)
	}
	p := &Plugin{Client: client}
	if err := dispense(rpc, "resource", &p.Resource); err != nil {
		client.Kill()
		return nil, err
	}
	if err := dispense(rpc, "diagnostics", &p.Diagnostics); err != nil {
		client.Kill()
		return nil, err
	}
	if err := dispense(rpc, "stream", &p.Stream); err != nil {
		client.Kill()
		return nil, err
	}
	return p, nil
}

func dispense[T any](rpc plugin.ClientProtocol, name string, dst *T) error {
	raw, err := rpc.Dispense(name)
	if err != nil {
		return fmt.Errorf("dispense the plugin's %s service: %w", name, err)
	}
	c, ok := raw.(T)
	if !ok {
		return fmt.Errorf("the plugin's %s service is a %T", name, raw)
	}
	*dst = c
	return nil
}

// Exited reports whether the plugin process has gone.
func (p *Plugin) Exited() bool { return p.Client.Exited() }

// Kill asks the plugin to shut down (it takes its engine with it) and kills it if
// it does not within go-plugin's grace period — what Grafana does when it stops.
func (p *Plugin) Kill() { p.Client.Kill() }
