package plugin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/pkg/enginehost"
	"github.com/trafficsim/trafficsim/pkg/internal/enginebuild"
)

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings(backend.AppInstanceSettings{
		JSONData:                json.RawMessage(`{"allowedTargets":["http://a:1/"," "],"maxUsers":5,"maxConcurrentRuns":"4","metricsAddr":"127.0.0.1:9464","remoteWriteUrl":"http://prom:9090/api/v1/write"}`),
		DecryptedSecureJSONData: map[string]string{"targetAdminPassword": "p1", "remoteWritePassword": "p2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.AllowedTargets) != 1 || s.MaxUsers != 5 || s.MaxConcurrentRuns != 4 || s.MetricsAddr != "127.0.0.1:9464" ||
		s.TargetAdminPassword != "p1" || s.RemoteWritePassword != "p2" {
		t.Fatalf("settings = %+v", s)
	}
	def, err := ParseSettings(backend.AppInstanceSettings{})
	if err != nil || def.MaxUsers != defaultMaxUsers || def.MaxConcurrentRuns != defaultMaxConcurrentRuns {
		t.Fatalf("defaults = %+v, %v", def, err)
	}
	for body, field := range map[string]string{
		`{"maxUsers": 0}`:                                 "maxUsers",
		`{"maxUsers": "many"}`:                            "maxUsers",
		`{"maxConcurrentRuns": -1}`:                       "maxConcurrentRuns",
		`{"allowedTargets": ["ftp://x/"]}`:                "allowedTargets[0]",
		`{"allowedTargets": [1]}`:                         "allowedTargets",
		`{"allowedTargets": ["http://a:1/api"]}`:          "allowedTargets[0]",
		`{"metricsAddr": "9464"}`:                         "metricsAddr",
		`{"apiProfiles": [{"name": "", "yaml": "x: 1"}]}`: "apiProfiles[0].name",
		`{"apiProfiles": [{"name": "a", "yaml": "x: 1"}, {"name": " a ", "yaml": "y: 1"}]}`: "apiProfiles[1].name",
		`{"apiProfiles": [{"name": "a", "yaml": "  "}]}`:                                    "apiProfiles[0].yaml",
		`{"remoteWriteUrl": "prom/write"}`:                                                  "remoteWriteUrl",
		`[1,2]`:                                                                             "jsonData",
		`{"enginePath": "/bin/sh"}`:                                                         "enginePath",
		`{"enginePath": 1}`:                                                                 "enginePath",
	} {
		_, err := ParseSettings(backend.AppInstanceSettings{JSONData: json.RawMessage(body)})
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("settings %s: error %v, want one naming %s", body, err, field)
		}
	}
}

// TestSettingsNeverEchoAPassword: a password typed into a URL setting is refused,
// and the refusal (in responses, health and the log) does not quote it.
func TestSettingsNeverEchoAPassword(t *testing.T) {
	const pw = "hunter2"
	a := newTestApp(t, `{"allowedTargets": ["https://admin:hunter2@api.internal:8443/", "http://127.0.0.1:9501/",
		"http://u:p/w:hunter2@bad:1/"], "remoteWriteUrl": "https://user:hunter2@prom.example/api/v1/write"}`)
	if a.settingsErr == nil || strings.Contains(a.settingsErr.Error(), pw) ||
		!strings.Contains(a.settingsErr.Error(), "allowedTargets[0]") || !strings.Contains(a.settingsErr.Error(), "remoteWriteUrl") {
		t.Fatalf("settings error = %v; want allowedTargets[0] and remoteWriteUrl named, no password", a.settingsErr)
	}
	for _, c := range []struct{ role, method, path, body string }{
		{"Viewer", "GET", "/limits", ""},
		{"Editor", "POST", "/runs", smallRun},
		{"Editor", "POST", "/validate", smallRun},
		{"Editor", "POST", "/check", `{"baseUrl": "http://127.0.0.1:9501/"}`},
	} {
		res := a.call(t, c.role, c.method, c.path, c.body)
		if strings.Contains(string(res.body), pw) {
			t.Errorf("%s %s = %d %s; it quotes the password", c.method, c.path, res.status, res.body)
		}
	}
	var limits struct {
		AllowedTargets []string `json:"allowedTargets"`
	}
	a.call(t, "Viewer", "GET", "/limits", "").json(t, &limits)
	if len(limits.AllowedTargets) != 1 || limits.AllowedTargets[0] != "http://127.0.0.1:9501/" {
		t.Errorf("GET /limits allowedTargets = %q; want only the valid entry", limits.AllowedTargets)
	}
	h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: a.pluginContext("Admin")})
	if err != nil || h.Status != backend.HealthStatusError || strings.Contains(h.Message, pw) || !strings.Contains(h.Message, "REDACTED@api.internal") {
		t.Fatalf("health = %+v, %v; want the error with the user info cut", h, err)
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
	pool := newPool(t, enginehost.Totals{})
	a := newOrgApp(t, pool, 1, `{"maxUsers": 0}`)
	for _, role := range []string{"", "None", "Viewer", "Editor"} {
		h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: a.pluginContext(role)})
		if err != nil || h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "Only an Admin") || strings.Contains(h.Message, "maxUsers") {
			t.Fatalf("health as %q = %+v, %v; want a refusal that tells nothing of the settings", role, h, err)
		}
	}
	if pid, ok := pool.Org(1).Running(); ok {
		t.Fatalf("a health check below Admin started the engine (pid %d)", pid)
	}
	a = newOrgApp(t, pool, 1, `{}`)
	h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: a.pluginContext("Admin")})
	if err != nil || h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, "Engine trafficsim dev is running") {
		t.Fatalf("health = %+v, %v", h, err)
	}
}

func TestEnginePathComesFromTheOperatorOnly(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := EnginePath(getenv); filepath.Base(got) != engineBinaryName() {
		t.Fatalf("default engine path = %q, want %s beside the plugin", got, engineBinaryName())
	}
	env[enginehost.EnvEnginePath] = " /opt/trafficsim/trafficsim "
	if got := EnginePath(getenv); got != "/opt/trafficsim/trafficsim" {
		t.Fatalf("operator engine path = %q", got)
	}
	env = map[string]string{envMaxTotalRuns: "3", envMaxTotalUsers: "many"}
	if got := operatorTotals(getenv, hclog.NewNullLogger()); got != (enginehost.Totals{MaxRuns: 3, MaxUsers: defaultMaxTotalUsers}) {
		t.Fatalf("operator totals = %+v", got)
	}
}

// TestOperatorIdleStop: the operator's idle_stop (GF_PLUGIN_IDLE_STOP) is a
// duration with its unit from 1s to 24h, or 0 / never (never stop an idle
// engine); anything else is logged naming the setting, the range and the fix,
// and the default used (the plugin still starts).
func TestOperatorIdleStop(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		"":       enginehost.DefaultIdleStop,
		" 90s ":  90 * time.Second,
		"10m":    10 * time.Minute,
		"1h30m":  90 * time.Minute,
		"1s":     time.Second,
		"24h":    24 * time.Hour,
		"0":      0,
		"0s":     0,
		"Never":  0,
		"5m0.5s": 5*time.Minute + 500*time.Millisecond,
	} {
		if got, err := parseIdleStop(raw); err != nil || got != want {
			t.Errorf("idle_stop %q = %v, %v; want %v", raw, got, err, want)
		}
	}
	for raw, says := range map[string]string{
		"300":     `"300" has no unit`,
		"1.5":     `"1.5" has no unit`,
		"five":    `"five" is not a duration`,
		"5 min":   `"5 min" is not a duration`,
		"-5m":     `"-5m" is negative`,
		"500ms":   `"500ms" is under 1s`,
		"25h":     `"25h" is over 24h`,
		"1000000": `"1000000" has no unit`,
	} {
		_, err := parseIdleStop(raw)
		if err == nil {
			t.Errorf("idle_stop %q taken", raw)
			continue
		}
		for _, w := range []string{"idle_stop (GF_PLUGIN_IDLE_STOP): " + says, "from 1s to 24h", "0 (or never) to never stop an idle engine", "the default 5m"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("idle_stop %q: %q does not say %q", raw, err, w)
			}
		}
	}
	var logged strings.Builder
	log := hclog.New(&hclog.LoggerOptions{Output: &logged, Level: hclog.Info, JSONFormat: true})
	env := map[string]string{envIdleStop: "300"}
	getenv := func(k string) string { return env[k] }
	if got := operatorIdleStop(getenv, log); got != enginehost.DefaultIdleStop || !strings.Contains(logged.String(), `idle_stop (GF_PLUGIN_IDLE_STOP): \"300\" has no unit`) {
		t.Fatalf("GF_PLUGIN_IDLE_STOP=300: %v, log %q; want the default and the error logged", got, logged.String())
	}
	env[envIdleStop] = "never"
	if got := operatorIdleStop(getenv, log); got != 0 {
		t.Fatalf("GF_PLUGIN_IDLE_STOP=never: %v; want 0 (never)", got)
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
	brokenSum, err := enginebuild.SHA256(broken)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, sum, want string }{
		{filepath.Join(dir, "missing"), engineSum, "GF_PLUGIN_ENGINE_PATH"},
		{notExec, engineSum, "chmod"},
		{broken, brokenSum, "this is not an engine"},      // the right checksum, but not an engine
		{broken, engineSum, "not the engine this plugin"}, // refused before it runs
		{engineBin, "", "recorded no valid SHA-256"},
	} {
		pool := enginehost.NewPool(hclog.NewNullLogger(), enginehost.Options{Path: c.path, SHA256: c.sum}, enginehost.Totals{})
		t.Cleanup(pool.Close)
		a := NewAppWithPool(backend.AppInstanceSettings{}, pool)
		h, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: backend.PluginContext{OrgID: 1, User: user("Admin")}})
		if err != nil || h.Status != backend.HealthStatusError || !strings.Contains(h.Message, c.want) {
			t.Errorf("engine %s: health = %+v, %v; want an error mentioning %q", c.path, h, err, c.want)
		}
	}
}
