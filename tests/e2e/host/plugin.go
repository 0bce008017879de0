package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// pluginProcess is the Grafana side of one gpx_trafficsim process: launched with
// go-plugin and Grafana's handshake, reached with the SDK's pluginv2 gRPC clients,
// exactly as Grafana's plugin manager does it.
type pluginProcess struct {
	client      *plugin.Client
	resource    pluginv2.ResourceClient
	diagnostics pluginv2.DiagnosticsClient
	stream      pluginv2.StreamClient
}

// launchPlugin starts the backend binary at path. appURL is what Grafana passes as
// GF_PLUGIN_APP_URL (the plugin builds links with it).
func launchPlugin(path, appURL string, logOutput io.Writer) (*pluginProcess, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("plugin backend %s: %w; build it with `go run mage.go build:linux` (or build:backend) or pass -plugin", path, err)
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("plugin backend %s is not an executable file; build it with `go run mage.go build:linux`", path)
	}
	cmd := exec.Command(path)
	// Grafana gives plugins an explicit environment; the engine beside the backend is
	// found through the backend's own path, not the environment.
	cmd.Env = []string{"GF_VERSION=12.2.0", "GF_PLUGIN_APP_URL=" + appURL}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	}
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
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Info, Output: logOutput}),
		StartTimeout:     30 * time.Second,
	})
	proto, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("launch %s through go-plugin: %w", path, err)
	}
	p := &pluginProcess{client: client}
	for name, dst := range map[string]any{"resource": &p.resource, "diagnostics": &p.diagnostics, "stream": &p.stream} {
		raw, err := proto.Dispense(name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense the plugin's %s service: %w", name, err)
		}
		switch d := dst.(type) {
		case *pluginv2.ResourceClient:
			*d = raw.(pluginv2.ResourceClient)
		case *pluginv2.DiagnosticsClient:
			*d = raw.(pluginv2.DiagnosticsClient)
		case *pluginv2.StreamClient:
			*d = raw.(pluginv2.StreamClient)
		}
	}
	return p, nil
}

// exited reports whether the plugin process has gone.
func (p *pluginProcess) exited() bool { return p.client.Exited() }

// stop asks the plugin to shut down (it takes its engine with it) and kills it if
// it does not within go-plugin's grace period.
func (p *pluginProcess) stop(context.Context) { p.client.Kill() }
