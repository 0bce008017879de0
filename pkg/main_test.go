//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/internal/grafanahost"
	"github.com/trafficsim/trafficsim/pkg/internal/enginebuild"
)

// These tests build gpx_trafficsim and the trafficsim engine side by side, as
// dist/ has them, and launch the plugin the way Grafana does: go-plugin with the
// SDK's handshake, and the SDK's pluginv2 gRPC clients.

var binDir, engineSum string

func TestMain(m *testing.M) {
	enginebuild.Main(m, "gpx-test-", func(dir string) error {
		binDir = dir
		// Side by side, as dist/ has them: the backend finds the engine beside itself
		// and knows its SHA-256, as the Magefile's build records it.
		engine, err := enginebuild.Engine(dir)
		if err != nil {
			return err
		}
		if engineSum, err = enginebuild.SHA256(engine); err != nil {
			return err
		}
		_, err = enginebuild.Backend(dir, engineSum)
		return err
	})
}

// grafana is the Grafana side of one plugin process.
type grafana struct {
	*grafanahost.Plugin
	settings *pluginv2.AppInstanceSettings
}

func launch(t *testing.T, jsonData string) *grafana {
	t.Helper()
	return launchFrom(t, filepath.Join(binDir, enginebuild.BackendName), jsonData)
}

// launchFrom launches the backend at path, as Grafana does.
func launchFrom(t *testing.T, path, jsonData string) *grafana {
	t.Helper()
	return launchEnv(t, path, jsonData, nil, nil)
}

// launchEnv launches the backend at path with the operator's settings env
// (GF_PLUGIN_<KEY>=value, as Grafana passes grafana.ini's [plugin.<id>]
// section), its log lines going to log (nil: warnings and errors to stderr).
func launchEnv(t *testing.T, path, jsonData string, env []string, log hclog.Logger) *grafana {
	t.Helper()
	p, err := grafanahost.LaunchEnv(path, "http://127.0.0.1:3000/", env, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return &grafana{Plugin: p, settings: &pluginv2.AppInstanceSettings{
		JsonData:                []byte(jsonData),
		DecryptedSecureJsonData: map[string]string{"targetAdminPassword": "admin"},
		LastUpdatedMS:           time.Now().UnixMilli(),
	}}
}

func (g *grafana) pluginContext(role string) *pluginv2.PluginContext {
	return orgContext(1, g.settings, role)
}

// orgContext is the plugin context of a user with role in org, whose app instance
// has settings (each org has its own, as in Grafana).
func orgContext(org int64, settings *pluginv2.AppInstanceSettings, role string) *pluginv2.PluginContext {
	pc := &pluginv2.PluginContext{OrgId: org, PluginId: "trafficsim-simulator-app", AppInstanceSettings: settings}
	if role != "" {
		pc.User = &pluginv2.User{Login: fmt.Sprintf("org%d-%s", org, strings.ToLower(role)), Role: role}
	}
	return pc
}

func (g *grafana) call(ctx context.Context, t *testing.T, role, method, path, body string) (int, []byte) {
	t.Helper()
	return g.callAs(ctx, t, g.pluginContext(role), method, path, body)
}

// callAs sends a resource request with the given plugin context (org, user, settings).
func (g *grafana) callAs(ctx context.Context, t *testing.T, pc *pluginv2.PluginContext, method, path, body string) (int, []byte) {
	t.Helper()
	stream, err := g.Resource.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: pc,
		Path:          strings.TrimPrefix(path, "/"),
		Method:        method,
		Url:           path,
		Body:          []byte(body),
	})
	if err != nil {
		t.Fatalf("CallResource %s %s: %v", method, path, err)
	}
	var code int
	var out []byte
	for {
		res, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("CallResource %s %s: %v", method, path, err)
		}
		if res.Code != 0 {
			code = int(res.Code)
		}
		out = append(out, res.Body...)
	}
	return code, out
}

type runStatus struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Stats struct {
		Requests    int64 `json:"requests"`
		ActiveUsers int   `json:"activeUsers"`
	} `json:"stats"`
	EndedAt *time.Time `json:"endedAt"`
	Error   string     `json:"error"`
}

func (g *grafana) status(ctx context.Context, t *testing.T, id string) runStatus {
	t.Helper()
	code, body := g.call(ctx, t, "Viewer", http.MethodGet, "/runs/"+id, "")
	if code != http.StatusOK {
		t.Fatalf("GET /runs/%s = %d %s", id, code, body)
	}
	var st runStatus
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("GET /runs/%s: %v in %s", id, err, body)
	}
	return st
}

// poll calls cond until it holds or ctx ends.
func poll(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestGrafanaDrivesARunThroughThePlugin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := launch(t, `{"maxUsers": 20, "maxConcurrentRuns": 2}`)

	// Grafana serves the health endpoint to any signed-in user: below Admin it
	// starts nothing and tells nothing (pid, settings).
	for _, role := range []string{"", "None", "Viewer", "Editor"} {
		health, err := g.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: g.pluginContext(role)})
		if err != nil || health.Status != pluginv2.CheckHealthResponse_ERROR || !strings.Contains(health.Message, "Only an Admin") || strings.Contains(health.Message, "pid") || len(health.JsonDetails) > 0 {
			t.Fatalf("CheckHealth as %q = %v %q %s, %v; want a refusal", role, health.GetStatus(), health.GetMessage(), health.GetJsonDetails(), err)
		}
	}
	health, err := g.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: g.pluginContext("Admin")})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	if health.Status != pluginv2.CheckHealthResponse_OK || !strings.Contains(health.Message, "Engine trafficsim") {
		t.Fatalf("CheckHealth = %v %q", health.Status, health.Message)
	}

	if code, body := g.call(ctx, t, "Viewer", http.MethodPost, "/runs", `{"users": 1}`); code != http.StatusForbidden {
		t.Fatalf("Viewer POST /runs = %d %s", code, body)
	}
	code, body := g.call(ctx, t, "Editor", http.MethodPost, "/runs",
		`{"users": 3, "minRequestCount": 1000, "maxRequestCount": 2000, "durationSeconds": 60, "delayMinMs": 10, "delayMaxMs": 50, "scenario": "mixed", "seed": 1}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /runs = %d %s", code, body)
	}
	var run runStatus
	if err := json.Unmarshal(body, &run); err != nil || run.ID == "" {
		t.Fatalf("POST /runs body %s: %v", body, err)
	}

	sub, err := g.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: g.pluginContext("Viewer"), Path: "runs/" + run.ID})
	if err != nil || sub.Status != pluginv2.SubscribeStreamResponse_OK {
		t.Fatalf("SubscribeStream = %v, %v", sub, err)
	}
	sctx, scancel := context.WithCancel(ctx)
	packets, err := g.Stream.RunStream(sctx, &pluginv2.RunStreamRequest{PluginContext: g.pluginContext("Viewer"), Path: "runs/" + run.ID})
	if err != nil {
		t.Fatalf("RunStream: %v", err)
	}
	var streamed []runStatus
	for len(streamed) < 3 {
		p, err := packets.Recv()
		if err != nil {
			t.Fatalf("RunStream after %d packets: %v", len(streamed), err)
		}
		var st runStatus
		if err := json.Unmarshal(p.Data, &st); err != nil || st.ID != run.ID {
			t.Fatalf("stream packet %s: %v", p.Data, err)
		}
		streamed = append(streamed, st)
	}
	scancel()

	var grown runStatus
	poll(ctx, t, "requests to grow", func() bool {
		grown = g.status(ctx, t, run.ID)
		return grown.Stats.Requests >= 20 && grown.State == "running"
	})
	code, body = g.call(ctx, t, "Admin", http.MethodPost, "/runs/"+run.ID+"/stop", `{"graceful": true}`)
	if code != http.StatusOK {
		t.Fatalf("stop = %d %s", code, body)
	}
	var final runStatus
	poll(ctx, t, "the run to finish", func() bool {
		final = g.status(ctx, t, run.ID)
		return final.State == "finished"
	})
	if final.EndedAt == nil || final.Stats.Requests < grown.Stats.Requests || final.Stats.ActiveUsers != 0 {
		t.Fatalf("final status = %+v (grown %+v)", final, grown)
	}
	code, body = g.call(ctx, t, "Viewer", http.MethodGet, "/runs", "")
	if code != http.StatusOK || !strings.Contains(string(body), run.ID) {
		t.Fatalf("GET /runs = %d %s", code, body)
	}
}

// enginePID asks the plugin (health details) for its engine's pid.
func enginePID(ctx context.Context, t *testing.T, g *grafana) int {
	t.Helper()
	health, err := g.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: g.pluginContext("Admin")})
	if err != nil || health.Status != pluginv2.CheckHealthResponse_OK {
		t.Fatalf("CheckHealth = %v, %v", health, err)
	}
	var details struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(health.JsonDetails, &details); err != nil || details.PID <= 0 {
		t.Fatalf("health details %s: %v", health.JsonDetails, err)
	}
	return details.PID
}

// alive reports whether pid is a live process (a zombie is not).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil && runtime.GOOS != "linux"
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

func TestEngineExitsWhenThePluginIsKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and getppid semantics are Unix")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := launch(t, `{}`)
	pid := enginePID(ctx, t, g)
	if code, body := g.call(ctx, t, "Editor", http.MethodPost, "/runs", `{"users": 2, "durationSeconds": 60, "delayMinMs": 50, "delayMaxMs": 100}`); code != http.StatusCreated {
		t.Fatalf("POST /runs = %d %s", code, body)
	}
	if !alive(pid) {
		t.Fatalf("engine %d is not running", pid)
	}
	plugPID := g.Client.ReattachConfig().Pid
	if err := syscall.Kill(plugPID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill plugin %d: %v", plugPID, err)
	}
	killed := time.Now()
	deadline := killed.Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("engine %d still running 5s after the plugin was SIGKILLed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("engine exited %s after the plugin was killed", time.Since(killed).Round(time.Millisecond))
}

// TestIdleStopFromGrafanaIni: the Grafana operator's idle_stop (grafana.ini
// [plugin.trafficsim-simulator-app] idle_stop, which Grafana passes to the
// plugin as GF_PLUGIN_IDLE_STOP) sets how long an org's idle engine is kept:
// with 1s the engine an Admin's health check started exits within seconds,
// not before 1s idle (the default keeps it 5 minutes), and the next request
// that needs one starts a new one. An invalid value is logged naming the
// setting and the fix, and the default is kept.
func TestIdleStopFromGrafanaIni(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	backendPath := filepath.Join(binDir, enginebuild.BackendName)
	g := launchEnv(t, backendPath, `{}`, []string{"GF_PLUGIN_IDLE_STOP=1s"}, nil)
	pid := enginePID(ctx, t, g)
	asked := time.Now() // the health check has ended: the engine is idle from here
	deadline := asked.Add(20 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("engine %d still running 20s after it became idle, with GF_PLUGIN_IDLE_STOP=1s", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if gone := time.Since(asked); gone < time.Second {
		t.Fatalf("engine %d exited %v after its last call; want it idle 1s first", pid, gone)
	}
	if pid2 := enginePID(ctx, t, g); pid2 == pid {
		t.Fatalf("health check after the idle stop answered from the stopped engine %d", pid)
	}

	// The plugin's log, as Grafana receives it (a file: go-plugin writes it from its own goroutine).
	logFile, err := os.Create(filepath.Join(t.TempDir(), "plugin.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logged := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	log := hclog.New(&hclog.LoggerOptions{Name: "gpx", Level: hclog.Info, Output: logFile})
	bad := launchEnv(t, backendPath, `{}`, []string{"GF_PLUGIN_IDLE_STOP=300"}, log)
	pid = enginePID(ctx, t, bad)
	poll(ctx, t, "the invalid idle_stop to be logged", func() bool {
		return strings.Contains(logged(), `idle_stop (GF_PLUGIN_IDLE_STOP): \"300\" has no unit`)
	})
	time.Sleep(2 * time.Second)
	if !alive(pid) {
		t.Fatalf("with an invalid GF_PLUGIN_IDLE_STOP the engine was stopped within 2s; want the default 5 minutes kept. Log:\n%s", logged())
	}
}

func TestEngineGoesWithAGracefulPluginShutdown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := launch(t, `{}`)
	pid := enginePID(ctx, t, g)
	g.Client.Kill() // what Grafana does when it stops
	poll(ctx, t, "the engine to exit", func() bool { return !alive(pid) })
}
