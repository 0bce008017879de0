package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/pkg/enginehost"
	"github.com/trafficsim/trafficsim/pkg/internal/enginebuild"
)

const testSecret = "adm1n-s3cret-value"

// engineBin is the real `trafficsim` engine, built once; every test app launches it
// through go-plugin as the plugin does (checked against engineSum), and its runs
// go to the embedded target.
var engineBin, engineSum string

func TestMain(m *testing.M) {
	enginebuild.Main(m, "plugin-test-", func(dir string) (err error) {
		if engineBin, err = enginebuild.Engine(dir); err != nil {
			return err
		}
		engineSum, err = enginebuild.SHA256(engineBin)
		return err
	})
}

// newPool is an engine pool of the test's own, launching the built engine.
func newPool(t *testing.T, totals enginehost.Totals) *enginehost.Pool {
	t.Helper()
	pool := enginehost.NewPool(hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}),
		enginehost.Options{Path: engineBin, SHA256: engineSum}, totals)
	t.Cleanup(pool.Close)
	return pool
}

// smallRun is a POST /runs body for a cheap run that lasts until it is stopped or
// the test ends (its engine is killed then).
const smallRun = `{"users": 1, "durationSeconds": 60, "delayMinMs": 100, "delayMaxMs": 300}`

// testApp is an App on its own engine host running the real engine binary.
type testApp struct {
	*App
	settings backend.AppInstanceSettings
	org      int64
}

// newTestApp makes an app of org 1 with jsonData as its settings, on its own engine pool.
func newTestApp(t *testing.T, jsonData string) *testApp {
	t.Helper()
	return newOrgApp(t, newPool(t, enginehost.Totals{}), 1, jsonData)
}

// newOrgApp makes an app instance of org on pool (orgs share a pool, as in Grafana).
func newOrgApp(t *testing.T, pool *enginehost.Pool, org int64, jsonData string) *testApp {
	t.Helper()
	settings := backend.AppInstanceSettings{
		JSONData:                json.RawMessage(jsonData),
		DecryptedSecureJSONData: map[string]string{"targetAdminPassword": testSecret, "remoteWritePassword": testSecret},
		Updated:                 time.Now(),
	}
	return &testApp{App: NewAppWithPool(settings, pool), settings: settings, org: org}
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
	return backend.PluginContext{OrgID: a.org, PluginID: "trafficsim-simulator-app", User: user(role), AppInstanceSettings: &a.settings}
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

// waitRun polls GET /runs/{id} every 50ms until cond holds (10s at most).
func (a *testApp) waitRun(t *testing.T, id, what string, cond func(RunStatus) bool) RunStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st RunStatus
		res := a.call(t, "Viewer", http.MethodGet, "/runs/"+id, "")
		if res.status != http.StatusOK {
			t.Fatalf("GET /runs/%s = %d %s", id, res.status, res.body)
		}
		res.json(t, &st)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s: timed out waiting for %s; last status %+v", id, what, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
