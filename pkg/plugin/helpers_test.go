package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/runhost/runhosttest"
	"github.com/trafficsim/trafficsim/pkg/enginehost"
)

const testSecret = "adm1n-s3cret-value"

// testApp is an App on an engine served in process by go-plugin (test mode) and
// reached through a real go-plugin gRPC client; the runs are simulated.
type testApp struct {
	*App
	settings backend.AppInstanceSettings
}

func newTestApp(t *testing.T, jsonData string) *testApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	eng := runhost.New(runhost.Options{NewRun: runhosttest.Factory(20 * time.Millisecond), Scenarios: runhosttest.Scenarios, Version: "v-test"})
	go plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: enginerpc.Handshake,
		Plugins:         enginerpc.PluginSet(eng),
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          hclog.NewNullLogger(),
		Test:            &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed},
	})
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(10 * time.Second):
		t.Fatal("in-process engine did not start")
	}
	host := enginehost.NewAttached(nil, rc)
	settings := backend.AppInstanceSettings{
		JSONData:                json.RawMessage(jsonData),
		DecryptedSecureJSONData: map[string]string{"targetAdminPassword": testSecret, "remoteWritePassword": testSecret},
		Updated:                 time.Now(),
	}
	t.Cleanup(func() {
		host.Close()
		_ = eng.Shutdown(context.Background())
		cancel()
		<-closed
	})
	return &testApp{App: NewAppWithHost(settings, host), settings: settings}
}

type response struct {
	status int
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d %s is not the expected JSON: %v", r.status, r.body, err)
	}
}

func (r response) errorField(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	r.json(t, &e)
	if e.Error == "" {
		t.Fatalf("error response without a message: %s", r.body)
	}
	return e.Field
}

// user returns a Grafana user with the role, or nil for "no user".
func user(role string) *backend.User {
	if role == "" {
		return nil
	}
	return &backend.User{Login: "u-" + strings.ToLower(role), Role: role}
}

func (a *testApp) pluginContext(role string) backend.PluginContext {
	return backend.PluginContext{OrgID: 1, PluginID: "trafficsim-simulator-app", User: user(role), AppInstanceSettings: &a.settings}
}

// call sends a resource request through the SDK's CallResource path, as Grafana does.
func (a *testApp) call(t *testing.T, role, method, path, body string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out response
	err := a.CallResource(ctx, &backend.CallResourceRequest{
		PluginContext: a.pluginContext(role),
		Path:          strings.TrimPrefix(path, "/"),
		Method:        method,
		URL:           path,
		Headers:       map[string][]string{"Content-Type": {"application/json"}},
		Body:          []byte(body),
	}, backend.CallResourceResponseSenderFunc(func(res *backend.CallResourceResponse) error {
		out.status = res.Status
		out.body = append(out.body, res.Body...)
		return nil
	}))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if strings.Contains(string(out.body), testSecret) {
		t.Fatalf("%s %s returned a secret: %s", method, path, out.body)
	}
	return out
}

func (a *testApp) startRun(t *testing.T, body string) RunStatus {
	t.Helper()
	res := a.call(t, "Editor", http.MethodPost, "/runs", body)
	if res.status != http.StatusCreated {
		t.Fatalf("POST /runs %s = %d %s", body, res.status, res.body)
	}
	var st RunStatus
	res.json(t, &st)
	return st
}
