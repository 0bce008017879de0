package enginerpc

import (
	"context"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
)

// PluginName is the name the engine is dispensed under.
const PluginName = "engine"

// Handshake is the engine's own go-plugin handshake. It is deliberately not Grafana's:
// the engine binary must refuse to serve a Grafana plugin host and vice versa.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "TRAFFICSIM_ENGINE_PLUGIN",
	MagicCookieValue: "5f0c9d2e-trafficsim-engine-v1",
}

// The engine's environment. The plugin launches the engine with exactly these
// variables (and go-plugin's own), never with Grafana's environment.
const (
	EnvParentPID   = "TRAFFICSIM_PARENT_PID"   // the plugin's pid; the engine exits when it is gone
	EnvMetricsAddr = "TRAFFICSIM_METRICS_ADDR" // where to serve /metrics; empty: nowhere
	EnvLogLevel    = "TRAFFICSIM_LOG_LEVEL"    // "debug" for more
	// Prometheus remote write of the engine's metrics; empty URL: none.
	EnvRemoteWriteURL      = "TRAFFICSIM_REMOTE_WRITE_URL"
	EnvRemoteWritePassword = "TRAFFICSIM_REMOTE_WRITE_PASSWORD"
)

// GRPCPlugin serves an Engine (Impl, engine side) or dispenses a *Client (plugin side).
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Engine // engine side only
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the engine service on the go-plugin gRPC server.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	enginepb.RegisterEngineServer(s, NewServer(p.Impl))
	return nil
}

// GRPCClient returns a *Client speaking to the engine over c.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return NewClient(c), nil
}

// PluginSet is the plugin map both sides pass to go-plugin; impl is nil on the plugin side.
func PluginSet(impl Engine) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}

// Serve serves impl over go-plugin's gRPC protocol until the host shuts the plugin
// down. It writes the handshake line to stdout, so nothing else may be written there first.
func Serve(impl Engine, logger hclog.Logger) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         PluginSet(impl),
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          logger,
	})
}
