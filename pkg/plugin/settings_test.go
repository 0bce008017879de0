package plugin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/pkg/enginehost"
)

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings(backend.AppInstanceSettings{
		JSONData:                json.RawMessage(`{"allowedTargets":["http://a:1/x"," "],"maxUsers":5,"maxConcurrentRuns":"4","metricsAddr":"127.0.0.1:9464","remoteWriteUrl":"http://prom:9090/api/v1/write","enginePath":"/opt/trafficsim"}`),
		DecryptedSecureJSONData: map[string]string{"targetAdminPassword": "p1", "remoteWritePassword": "p2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.AllowedTargets) != 1 || s.MaxUsers != 5 || s.MaxConcurrentRuns != 4 || s.MetricsAddr != "127.0.0.1:9464" ||
		s.EnginePath != "/opt/trafficsim" || s.TargetAdminPassword != "p1" || s.RemoteWritePassword != "p2" {
		t.Fatalf("settings = %+v", s)
	}
	def, err := ParseSettings(backend.AppInstanceSettings{})
	if err != nil || def.MaxUsers != defaultMaxUsers || def.MaxConcurrentRuns != defaultMaxConcurrentRuns || filepath.Base(def.EnginePath) != engineBinaryName() {
		t.Fatalf("defaults = %+v, %v", def, err)
	}
	for body, field := range map[string]string{
		`{"maxUsers": 0}`:                  "maxUsers",
		`{"maxUsers": "many"}`:             "maxUsers",
		`{"maxConcurrentRuns": -1}`:        "maxConcurrentRuns",
		`{"allowedTargets": ["ftp://x/"]}`: "allowedTargets[0]",
		`{"allowedTargets": [1]}`:          "allowedTargets",
		`{"metricsAddr": "9464"}`:          "metricsAddr",
		`{"remoteWriteUrl": "prom/write"}`: "remoteWriteUrl",
		`[1,2]`:                            "jsonData",
	} {
		_, err := ParseSettings(backend.AppInstanceSettings{JSONData: json.RawMessage(body)})
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("settings %s: error %v, want one naming %s", body, err, field)
		}
	}
}

func TestInvalidSettingsKeepReadsAndRefuseStarts(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": 0}`)
	if res := a.call(t, "Viewer", "GET", "/runs", ""); res.status != 200 {
		t.Fatalf("GET /runs with invalid settings = %d %s", res.status, res.body)
	}
	res := a.call(t, "Admin", "POST", "/runs", `{"users": 1}`)
	if res.status != 500 || !strings.Contains(string(res.body), "maxUsers") {
		t.Fatalf("POST /runs with invalid settings = %d %s", res.status, res.body)
	}
	h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: a.pluginContext("Admin")})
	if err != nil || h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "maxUsers") {
		t.Fatalf("health = %+v, %v", h, err)
	}
}

func TestHealthReportsEngineVersion(t *testing.T) {
	a := newTestApp(t, `{}`)
	h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: a.pluginContext("Admin")})
	if err != nil || h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, "Engine trafficsim dev is running") {
		t.Fatalf("health = %+v, %v", h, err)
	}
}

func TestHealthExplainsAMissingOrBrokenEngine(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "trafficsim")
	if err := os.WriteFile(notExec, []byte("not a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'this is not an engine' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "missing"): "enginePath",
		notExec:                       "chmod",
		broken:                        "this is not an engine",
	} {
		host := enginehost.New(hclog.NewNullLogger())
		t.Cleanup(host.Close)
		settings := backend.AppInstanceSettings{JSONData: json.RawMessage(`{"enginePath": "` + path + `"}`)}
		a := NewAppWithHost(settings, host)
		h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil || h.Status != backend.HealthStatusError || !strings.Contains(h.Message, want) {
			t.Errorf("engine %s: health = %+v, %v; want an error mentioning %q", path, h, err, want)
		}
	}
}
