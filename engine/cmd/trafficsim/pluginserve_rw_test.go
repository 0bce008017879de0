package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/klauspost/compress/snappy"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/remotewrite"
)

// The plugin's engine pushes its metrics to the app's remote-write URL with
// the app's secret as a bearer token, and pushes once more when the plugin
// shuts it down through go-plugin (well before the first 5s interval).
func TestPluginServeRemoteWrite(t *testing.T) {
	bin := buildBinary(t)
	var mu sync.Mutex
	var auths []string
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		raw, err := snappy.Decode(nil, body)
		mu.Lock()
		if err == nil && r.Header.Get("Content-Encoding") == "snappy" {
			auths = append(auths, r.Header.Get("Authorization"))
			bodies = append(bodies, raw)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	cmd := exec.Command(bin, "plugin-serve")
	cmd.Env = []string{
		"TMPDIR=" + os.TempDir(),
		enginerpc.EnvParentPID + "=" + strconv.Itoa(os.Getpid()),
		enginerpc.EnvRemoteWriteURL + "=" + srv.URL + "/api/v1/write",
		enginerpc.EnvRemoteWritePassword + "=app-secret",
	}
	client, _ := servePlugin(t, cmd)
	client.Kill() // graceful: the engine stops its runs, then pushes once more
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) == 0 {
		t.Fatal("no remote-write push arrived from the plugin's engine")
	}
	if auths[0] != "Bearer app-secret" {
		t.Fatalf("Authorization = %q, want the app's secret as a bearer token", auths[0])
	}
	last := string(bodies[len(bodies)-1])
	for _, want := range []string{"go_goroutines", "process_cpu_seconds_total", "job", "trafficsim"} {
		if !strings.Contains(last, want) {
			t.Errorf("the push lacks %q", want)
		}
	}
}

// servePlugin starts cmd (plugin-serve) as the plugin does, through
// go-plugin, and returns the client (killed when the test ends) and the
// engine it serves.
func servePlugin(t *testing.T, cmd *exec.Cmd) (*plugin.Client, enginerpc.Engine) {
	t.Helper()
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  enginerpc.Handshake,
		Plugins:          enginerpc.PluginSet(nil),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     30 * time.Second,
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rpc.Dispense(enginerpc.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	api, ok := raw.(enginerpc.Engine)
	if !ok {
		t.Fatalf("the engine served %T", raw)
	}
	return client, api
}

// The environment names the plugin sets are the ones remote write reads.
func TestRemoteWriteEnvNames(t *testing.T) {
	if remotewrite.EnvURL != enginerpc.EnvRemoteWriteURL || remotewrite.EnvPassword != enginerpc.EnvRemoteWritePassword {
		t.Fatal("remotewrite and enginerpc disagree on the environment variable names")
	}
}
