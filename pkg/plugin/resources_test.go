package plugin

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

func TestRoleMatrix(t *testing.T) {
	a := newTestApp(t, `{"maxConcurrentRuns": 50}`)
	existing := a.startRun(t, smallRun)

	type route struct{ method, path, body string }
	routes := []route{
		{"GET", "/scenarios", ""},
		{"GET", "/limits", ""},
		{"GET", "/runs", ""},
		{"POST", "/runs", smallRun},
		{"GET", "/runs/" + existing.ID, ""},
		{"POST", "/runs/{id}/stop", ""},
	}
	roles := []string{"", "None", "Nobody", "Viewer", "Editor", "Admin"}
	for _, role := range roles {
		for _, r := range routes {
			path := r.path
			if strings.Contains(path, "{id}") {
				path = strings.Replace(path, "{id}", a.startRun(t, smallRun).ID, 1)
			}
			want := http.StatusOK
			switch {
			case role == "" || role == "None" || role == "Nobody":
				want = http.StatusForbidden
			case r.method == "POST" && role == "Viewer":
				want = http.StatusForbidden
			case r.path == "/runs" && r.method == "POST":
				want = http.StatusCreated
			}
			t.Run(fmt.Sprintf("%s/%s %s", role, r.method, r.path), func(t *testing.T) {
				res := a.call(t, role, r.method, path, r.body)
				if res.status != want {
					t.Fatalf("%s %s as %q = %d %s; want %d", r.method, path, role, res.status, res.body, want)
				}
				if want == http.StatusForbidden {
					res.errorField(t)
				}
			})
		}
	}
}

// closedPort returns a loopback port nothing listens on: runs aimed there make
// no traffic beyond refused connections.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_ = ln.Close()
	return port
}

// TestAllowlist goes through POST /runs. Allowed targets are on loopback (runs that
// are started must not aim load anywhere else); refused ones never start a run, so
// they may name any host. TestTargetCanonicalForm covers allowed remote hosts.
func TestAllowlist(t *testing.T) {
	p := closedPort(t)
	a := newTestApp(t, fmt.Sprintf(`{"maxConcurrentRuns": 100, "allowedTargets": ["http://127.0.0.1:%s/", "https://Targets.Example.com"]}`, p))
	cases := []struct {
		baseURL string
		want    int
		echo    string // the canonical URL the run is given
	}{
		{"", http.StatusCreated, ""},
		{"http://127.0.0.1:" + p, http.StatusCreated, "http://127.0.0.1:" + p},
		{"http://127.0.0.1:" + p + "/", http.StatusCreated, "http://127.0.0.1:" + p},
		{"http://127.0.0.1:" + p + "//", http.StatusCreated, "http://127.0.0.1:" + p},
		{"HTTP://127.0.0.1:" + p, http.StatusCreated, "http://127.0.0.1:" + p},
		{"http://127.0.0.1:0" + p, http.StatusCreated, "http://127.0.0.1:" + p},
		{"http://127.0.0.1.:" + p + "/", http.StatusCreated, "http://127.0.0.1:" + p},

		{"http://127.0.0.1.evil.com:" + p, http.StatusForbidden, ""},
		{"http://127.0.0.1.nip.io:" + p + "/", http.StatusForbidden, ""},
		{"http://127.0.0.1:1", http.StatusForbidden, ""},
		{"http://127.0.0.1", http.StatusForbidden, ""},
		{"https://127.0.0.1:" + p, http.StatusForbidden, ""},
		{"http://localhost:" + p, http.StatusForbidden, ""},
		{"http://[::1]:" + p, http.StatusForbidden, ""},
		{"https://targets.example.com:8443", http.StatusForbidden, ""},
		{"http://targets.example.com", http.StatusForbidden, ""},
		{"https://targets.example.com.evil.com", http.StatusForbidden, ""},

		// A path is refused (the engine takes http(s)://host[:port] only), allowed host or not.
		{"http://127.0.0.1:" + p + "/anything/below", http.StatusBadRequest, ""},
		{"http://127.0.0.1.:" + p + "/api/v1/", http.StatusBadRequest, ""},
		{"https://targets.example.com/api", http.StatusBadRequest, ""},
		{"https://targets.example.com.evil.com/api/v1", http.StatusBadRequest, ""},

		{"http://127.0.0.1:" + p + ".evil.com", http.StatusBadRequest, ""},
		{"http://127.0.0.1:" + p + ".evil.com:" + p, http.StatusBadRequest, ""},
		{"http://127.0.0.1:" + p + "@evil.com", http.StatusBadRequest, ""},
		{"http://user:pw@127.0.0.1:" + p + "/", http.StatusBadRequest, ""},
		{"http://evil.com\\@127.0.0.1:" + p, http.StatusBadRequest, ""},
		{"http://127.0.0.1:" + p + "/api/v1/../../admin", http.StatusBadRequest, ""},
		{"http://127.0.0.1:" + p + "/api/v1/%2e%2e/%2e%2e/admin", http.StatusBadRequest, ""},
		{"http://127.0.0.1:" + p + "/?next=http://evil.com", http.StatusBadRequest, ""},
		{"http://127.0.0.1:" + p + "/#frag", http.StatusBadRequest, ""},
		{"ftp://127.0.0.1:" + p + "/", http.StatusBadRequest, ""},
		{"//127.0.0.1:" + p + "/", http.StatusBadRequest, ""},
		{"127.0.0.1:" + p, http.StatusBadRequest, ""},
		{"http://127.0.0.1:99999/", http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.baseURL, func(t *testing.T) {
			res := a.call(t, "Admin", "POST", "/runs", fmt.Sprintf(`{"users": 1, "durationSeconds": 30, "baseUrl": %q}`, c.baseURL))
			if res.status != c.want {
				t.Fatalf("baseUrl %q = %d %s; want %d", c.baseURL, res.status, res.body, c.want)
			}
			if c.want != http.StatusCreated {
				if f := res.errorField(t); f != "baseUrl" {
					t.Fatalf("error field = %q, want baseUrl", f)
				}
				if c.want == http.StatusForbidden && !strings.Contains(string(res.body), "allowedTargets") {
					t.Fatalf("403 does not say how to allow the target: %s", res.body)
				}
				return
			}
			var st RunStatus
			res.json(t, &st)
			if st.Config.BaseURL != c.echo {
				t.Fatalf("run baseUrl = %q, want %q", st.Config.BaseURL, c.echo)
			}
			a.call(t, "Admin", "POST", "/runs/"+st.ID+"/stop", `{"graceful": false}`)
		})
	}
}

// TestTargetWithAPathIsRefused: the engine takes a base URL of
// http(s)://host[:port] only (`trafficsim run --base-url` refuses a path), so
// the plugin refuses one where it is given, in the engine's words with the API's
// names: a run's or a check's baseUrl (POST /runs, /validate and /check: 400 on
// baseUrl, giving the URL without the path and the base_path to write), and an
// allowlist entry (the settings are invalid, naming allowedTargets[i]; POST
// /tls/validate, the configuration page's check before it saves, refuses it at
// that field). No run starts with a path. A trailing / is no path.
func TestTargetWithAPathIsRefused(t *testing.T) {
	root := "http://127.0.0.1:" + closedPort(t)
	a := newTestApp(t, fmt.Sprintf(`{"maxConcurrentRuns": 100, "allowedTargets": [%q]}`, root+"/"))
	says := func(what, msg string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not say %q", what, msg, w)
			}
		}
	}
	baseURLWants := []string{fmt.Sprintf(`baseUrl: "%s/api": a path is not taken, only http(s)://host[:port]; give baseUrl %s and put /api in front of the API profile's base_path`, root, root),
		"base_path: /api/api/v1 for the reference routes"}
	for path, body := range map[string]string{
		"/runs":  fmt.Sprintf(`{"users": 1, "durationSeconds": 5, "baseUrl": %q}`, root+"/api"),
		"/check": fmt.Sprintf(`{"baseUrl": %q}`, root+"/api"),
	} {
		res := a.call(t, "Editor", http.MethodPost, path, body)
		if res.status != http.StatusBadRequest || res.errorField(t) != "baseUrl" {
			t.Fatalf("POST %s with a path in baseUrl = %d %s; want 400 on baseUrl", path, res.status, res.body)
		}
		var e struct{ Error string }
		res.json(t, &e)
		says("POST "+path, e.Error, baseURLWants...)
	}
	var v struct {
		OK     bool              `json:"ok"`
		Errors map[string]string `json:"errors"`
	}
	a.call(t, "Editor", http.MethodPost, "/validate", fmt.Sprintf(`{"users": 1, "baseUrl": %q}`, root+"/api")).json(t, &v)
	if v.OK {
		t.Fatalf("POST /validate with a path in baseUrl: ok; errors %v", v.Errors)
	}
	says("POST /validate", "baseUrl: "+v.Errors["baseUrl"], baseURLWants...)
	var list struct{ Runs []RunStatus }
	a.call(t, "Viewer", http.MethodGet, "/runs", "").json(t, &list)
	if len(list.Runs) != 0 {
		t.Fatalf("a run started with a path in baseUrl: %+v", list.Runs)
	}
	if st := a.startRun(t, fmt.Sprintf(`{"users": 1, "durationSeconds": 5, "baseUrl": %q}`, root+"/")); st.Config.BaseURL != root {
		t.Fatalf("baseUrl %s/ ran as %q; want %s", root, st.Config.BaseURL, root)
	}

	// An allowlist entry with a path could serve no run: the settings refuse it.
	entryWants := []string{fmt.Sprintf(`allowedTargets[1]: "%s/api/v1": a path is not taken, only http(s)://host[:port]; list %s and put /api/v1 in front of the API profile's base_path`, root, root)}
	b := newTestApp(t, fmt.Sprintf(`{"allowedTargets": [%q, %q]}`, root, root+"/api/v1"))
	if b.settingsErr == nil {
		t.Fatal("an allowlist entry with a path was taken")
	}
	says("settings", b.settingsErr.Error(), entryWants...)
	res := b.call(t, "Editor", http.MethodPost, "/runs", fmt.Sprintf(`{"users": 1, "durationSeconds": 5, "baseUrl": %q}`, root))
	if res.status != http.StatusInternalServerError {
		t.Fatalf("POST /runs under an allowlist entry with a path = %d %s; want 500 naming the setting", res.status, res.body)
	}
	says("POST /runs under invalid settings", string(res.body), "allowedTargets[1]")
	var limits struct {
		AllowedTargets []string `json:"allowedTargets"`
	}
	b.call(t, "Viewer", http.MethodGet, "/limits", "").json(t, &limits)
	if len(limits.AllowedTargets) != 1 || limits.AllowedTargets[0] != root {
		t.Fatalf("GET /limits allowedTargets = %q; want only %s", limits.AllowedTargets, root)
	}
	res = a.call(t, "Admin", http.MethodPost, "/tls/validate", fmt.Sprintf(`{"allowedTargets": [%q, %q], "targetTls": [], "secrets": {}}`, root, root+"/api/v1"))
	if res.status != http.StatusBadRequest || res.errorField(t) != "allowedTargets[1]" {
		t.Fatalf("POST /tls/validate with an entry with a path = %d %s; want 400 on allowedTargets[1]", res.status, res.body)
	}
	var e struct{ Error string }
	res.json(t, &e)
	says("POST /tls/validate", e.Error, entryWants...)
}

// TestTargetCanonicalForm checks the allowlist's comparison and the canonical URL a
// run is given for remote hosts, without starting runs against them.
func TestTargetCanonicalForm(t *testing.T) {
	var allow allowlist
	for _, raw := range []string{"http://127.0.0.1:9501/", "https://Targets.Example.com"} {
		p, err := parseTarget(raw)
		if err != nil {
			t.Fatalf("parse allowlist entry %q: %v", raw, err)
		}
		allow = append(allow, p)
	}
	for raw, want := range map[string]string{
		"https://targets.example.com":      "https://targets.example.com:443",
		"https://TARGETS.example.com:443/": "https://targets.example.com:443",
		"https://targets.example.com.":     "https://targets.example.com:443",
		"http://127.0.0.1:9501":            "http://127.0.0.1:9501",
		"http://127.0.0.1:09501/":          "http://127.0.0.1:9501",
	} {
		tg, err := parseTarget(raw)
		if err != nil {
			t.Errorf("parse %q: %v", raw, err)
			continue
		}
		if !allow.allows(tg) || tg.url != want {
			t.Errorf("%q: allowed %v, canonical %q; want allowed as %q", raw, allow.allows(tg), tg.url, want)
		}
	}
}

func TestAllowlistEmptyAllowsOnlyEmbedded(t *testing.T) {
	a := newTestApp(t, `{}`)
	if res := a.call(t, "Editor", "POST", "/runs", `{"users": 1, "baseUrl": "http://127.0.0.1:9501"}`); res.status != http.StatusForbidden {
		t.Fatalf("with no allowedTargets an external target got %d %s", res.status, res.body)
	}
	a.startRun(t, `{"users": 1, "durationSeconds": 30, "baseUrl": ""}`)
}

func TestValidationNamesTheField(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": 5, "maxConcurrentRuns": 100}`)
	cases := []struct{ body, field string }{
		{`{"users": 0}`, "users"},
		{`{"users": 6}`, "users"},
		{`{"users": -3}`, "users"},
		{`{"users": "ten"}`, "users"},
		{`{"users": 1.5}`, "users"},
		{`{"minRequestCount": 0}`, "minRequestCount"},
		{`{"minRequestCount": 20, "maxRequestCount": 10}`, "maxRequestCount"},
		{`{"durationSeconds": -1}`, "durationSeconds"},
		{`{"delayMinMs": -1}`, "delayMinMs"},
		{`{"delayMinMs": 500, "delayMaxMs": 100}`, "delayMaxMs"},
		{`{"scenario": ""}`, "scenario"},
		{`{"scenario": "/etc/passwd"}`, "scenario"},
		{`{"scenario": "nope"}`, "scenario"},
		{`{"seed": -1}`, "seed"},
		{`{"usres": 5}`, "usres"},
		{`{"baseUrl": 5}`, "baseUrl"},
		{`{"rampUpSeconds": -1}`, "rampUpSeconds"},
		{`{"stages": "30s100"}`, "stages"},
		{`{"stages": "30s:6"}`, "stages"},
		{`{"rate": "fast"}`, "rate"},
		{`{"rate": "5/h", "durationSeconds": 10}`, "rate"},
		{`{"rateStages": "10s:-2/s"}`, "rateStages"},
		{`{"rate": "5/s", "durationSeconds": 0}`, "durationSeconds"},
		{`{"rate": "5/s", "stages": "30s:2"}`, "stages"},
		{`{"rateStages": "30s:5/s", "rampUpSeconds": 10}`, "rampUpSeconds"},
		{`{"stages": "30s:2", "rampUpSeconds": 10}`, "rampUpSeconds"},
		{`{"maxVus": 3}`, "maxVus"},
		{`{"rate": "5/s", "maxVus": 6}`, "maxVus"},
		{`{"maxRps": -1}`, "maxRps"},
		{`{"maxRps": "lots"}`, "maxRps"},
		{`{"stages": "30s:0"}`, "stages"}, // the engine's own check, named in the API's words
		// Beyond time.Duration in nanoseconds: refused, not wrapped into a short run.
		{`{"durationSeconds": 18446744074}`, "durationSeconds"},
		{`{"durationSeconds": 604801}`, "durationSeconds"},
		{`{"rampUpSeconds": 9223372037}`, "rampUpSeconds"},
		{`{"delayMinMs": 9223372036855}`, "delayMinMs"},
		{`{"delayMaxMs": 9223372036855}`, "delayMaxMs"},
		// Names are case-sensitive, and output-only fields are not taken.
		{`{"baseURL": "http://127.0.0.1:9501"}`, "baseURL"},
		{`{"Users": 2}`, "Users"},
		{`{"insecureSkipVerify": true}`, "insecureSkipVerify"},
		{`{"insecureSkipVerify": false}`, "insecureSkipVerify"},
	}
	for _, c := range cases {
		t.Run(c.body, func(t *testing.T) {
			res := a.call(t, "Editor", "POST", "/runs", c.body)
			if res.status != http.StatusBadRequest {
				t.Fatalf("POST /runs %s = %d %s; want 400", c.body, res.status, res.body)
			}
			if f := res.errorField(t); f != c.field {
				t.Fatalf("POST /runs %s: field %q, want %q (%s)", c.body, f, c.field, res.body)
			}
			if strings.Contains(string(res.body), "--") {
				t.Fatalf("POST /runs %s: %s names a command-line flag, not the API's field", c.body, res.body)
			}
			// POST /validate finds the same field, starting nothing; a body that
			// does not decode is refused as POST /runs refuses it.
			v := a.call(t, "Editor", "POST", "/validate", c.body)
			if v.status == http.StatusBadRequest {
				if f := v.errorField(t); f != c.field {
					t.Fatalf("POST /validate %s: field %q, want %q (%s)", c.body, f, c.field, v.body)
				}
				return
			}
			var got validateAnswer
			v.json(t, &got)
			if v.status != http.StatusOK || got.OK || got.Errors[c.field] == "" || strings.Contains(string(v.body), "--") {
				t.Fatalf("POST /validate %s = %d %s; want 200 with an error for %s in the API's words", c.body, v.status, v.body, c.field)
			}
		})
	}
	if res := a.call(t, "Editor", "POST", "/runs", `{"users": `); res.status != http.StatusBadRequest {
		t.Fatalf("truncated JSON = %d", res.status)
	}
	// The largest allowed run is fine, and omitted fields take the form defaults.
	st := a.startRun(t, `{"users": 5, "scenario": "admin", "seed": 7}`)
	want := RunConfig{Users: 5, MinRequestCount: 10, MaxRequestCount: 1000, DurationSeconds: 300, DelayMinMs: 100, DelayMaxMs: 2000, Scenario: "admin", Seed: 7}
	if st.Config != want {
		t.Fatalf("config = %+v, want %+v", st.Config, want)
	}
	a.call(t, "Editor", "POST", "/runs/"+st.ID+"/stop", `{"graceful": false}`)
}

type validateAnswer struct {
	OK     bool              `json:"ok"`
	Errors map[string]string `json:"errors"`
}

// POST /validate reports every field a config gets wrong at once, the engine's
// rules included, and nothing for a config POST /runs would start; it starts no
// run, and only Editors and Admins may ask.
func TestValidateReportsEveryField(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": 5, "allowedTargets": ["http://127.0.0.1:9501"]}`)
	var got validateAnswer
	res := a.call(t, "Editor", "POST", "/validate", `{"delayMinMs": -1, "minRequestCount": 0, "stages": "30s100", "rate": "9/h", "baseUrl": "http://10.0.0.1/"}`)
	res.json(t, &got)
	if res.status != http.StatusOK || got.OK || len(got.Errors) != 5 {
		t.Fatalf("POST /validate = %d %s; want errors for delayMinMs, minRequestCount, stages, rate and baseUrl", res.status, res.body)
	}
	for _, f := range []string{"delayMinMs", "minRequestCount", "stages", "rate", "baseUrl"} {
		if got.Errors[f] == "" {
			t.Errorf("no error for %s: %s", f, res.body)
		}
	}
	res = a.call(t, "Editor", "POST", "/validate", `{"users": 2, "rate": "5/s", "rateStages": "30s:5/s", "stages": "30s:2"}`)
	got = validateAnswer{}
	res.json(t, &got)
	if got.OK || !strings.Contains(got.Errors["stages"], "rate") {
		t.Fatalf("stages with a rate = %s; want the engine's rule on stages", res.body)
	}
	// With stages, users is not used (the largest stage target is the run's VUs).
	res = a.call(t, "Admin", "POST", "/validate", `{"users": 0, "stages": "10s:2,5s:0", "baseUrl": "http://127.0.0.1:9501"}`)
	got = validateAnswer{}
	res.json(t, &got)
	if res.status != http.StatusOK || !got.OK || len(got.Errors) != 0 {
		t.Fatalf("a valid config = %d %s; want ok and no errors", res.status, res.body)
	}
	var runs struct {
		Runs []RunStatus `json:"runs"`
	}
	a.call(t, "Viewer", "GET", "/runs", "").json(t, &runs)
	if len(runs.Runs) != 0 {
		t.Fatalf("validating started %d runs", len(runs.Runs))
	}
	if res := a.call(t, "Viewer", "POST", "/validate", `{}`); res.status != http.StatusForbidden {
		t.Fatalf("POST /validate as a Viewer = %d %s; want 403", res.status, res.body)
	}
	if res := a.call(t, "Editor", "POST", "/validate", ""); res.status != http.StatusBadRequest {
		t.Fatalf("POST /validate without a body = %d %s; want 400", res.status, res.body)
	}
	if res := a.call(t, "Editor", "POST", "/validate", `{"stages": "`+strings.Repeat("1", maxBody)+`"}`); res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST /validate with 1 MiB = %d; want 413", res.status)
	}
}

// Each load model goes through the real engine and comes back in the run's
// status, spelled as the form takes it.
func TestLoadModels(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": 5, "maxConcurrentRuns": 100}`)
	ended := func(st RunStatus) bool { return st.State == "finished" || st.State == "failed" }

	st := a.startRun(t, `{"users": 1, "stages": "300ms:3, 200ms:3", "delayMinMs": 5, "delayMaxMs": 10, "minRequestCount": 1000, "maxRequestCount": 1000, "durationSeconds": 0}`)
	if st.Config.Stages != "300ms:3,200ms:3" {
		t.Fatalf("stages came back as %q", st.Config.Stages)
	}
	end := a.waitRun(t, st.ID, "the staged run to end by its stages", ended)
	if end.State != "finished" || end.Stats.TotalUsers != 3 || end.Stats.Requests == 0 || end.Stats.Model != "closed" || end.Stats.Stage != 2 {
		t.Fatalf("staged run: %+v; want finished with 3 VUs in its second stage", end)
	}

	st = a.startRun(t, `{"users": 1, "rate": "1200/m", "maxVus": 4, "durationSeconds": 1, "delayMinMs": 5, "delayMaxMs": 10, "maxRps": 30}`)
	if st.Config.Rate != "20/s" || st.Config.MaxVUs != 4 || st.Config.MaxRPS != 30 || st.Config.Stages != "" || st.Config.RampUpSeconds != 0 {
		t.Fatalf("open-model config came back as %+v", st.Config)
	}
	end = a.waitRun(t, st.ID, "the open-model run to end", ended)
	if end.State != "finished" || end.Stats.TotalUsers != 4 || end.Stats.Requests == 0 || float64(end.Stats.Requests) > 30*end.Stats.ElapsedSeconds+4 ||
		end.Stats.Model != "open" || end.Stats.TargetUsers != 4 || end.Stats.Iterations == 0 {
		t.Fatalf("open-model run: %+v; want finished on a pool of 4 VUs, at most 30 requests/s", end)
	}

	st = a.startRun(t, `{"users": 2, "rampUpSeconds": 1, "durationSeconds": 2, "delayMinMs": 5, "delayMaxMs": 10}`)
	if st.Config.RampUpSeconds != 1 {
		t.Fatalf("ramp-up came back as %+v", st.Config)
	}
	a.waitRun(t, st.ID, "the ramped run to end", ended)
}

func TestConcurrentRunLimit(t *testing.T) {
	a := newTestApp(t, `{"maxConcurrentRuns": 2}`)
	first := a.startRun(t, smallRun)
	a.startRun(t, smallRun)
	res := a.call(t, "Editor", "POST", "/runs", smallRun)
	if res.status != http.StatusConflict {
		t.Fatalf("third run = %d %s; want 409", res.status, res.body)
	}
	if res := a.call(t, "Editor", "POST", "/runs/"+first.ID+"/stop", `{"graceful": false}`); res.status != http.StatusOK {
		t.Fatalf("stop = %d %s", res.status, res.body)
	}
	a.waitRun(t, first.ID, "the stopped run to end", func(st RunStatus) bool { return st.State == "finished" || st.State == "failed" })
	a.startRun(t, smallRun)
}

func TestReadRoutes(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": "250", "maxConcurrentRuns": 3, "allowedTargets": "http://127.0.0.1:9501/, https://t.example.com"}`)
	var limits struct {
		AllowedTargets    []string  `json:"allowedTargets"`
		MaxUsers          int       `json:"maxUsers"`
		MaxConcurrentRuns int       `json:"maxConcurrentRuns"`
		Defaults          RunConfig `json:"defaults"`
	}
	a.call(t, "Viewer", "GET", "/limits", "").json(t, &limits)
	if len(limits.AllowedTargets) != 2 || limits.MaxUsers != 250 || limits.MaxConcurrentRuns != 3 || limits.Defaults.Users != 100 || limits.Defaults.Scenario != "mixed" {
		t.Fatalf("limits = %+v", limits)
	}
	type weighted struct {
		Name    string   `json:"name"`
		Weight  float64  `json:"weight"`
		Journey []string `json:"journey"`
	}
	var sc struct {
		Scenarios []struct {
			Name, Description string
			Archetypes        []weighted `json:"archetypes"`
			Mix               []weighted `json:"mix"`
		} `json:"scenarios"`
	}
	a.call(t, "Viewer", "GET", "/scenarios", "").json(t, &sc)
	names := map[string]bool{}
	for _, s := range sc.Scenarios {
		names[s.Name] = s.Description != "" && len(s.Archetypes) > 0 && len(s.Mix) == 6
	}
	for _, want := range []string{"mixed", "development", "load_test", "metrics_generation", "new_user", "active_user", "admin", "power_user"} {
		if !names[want] {
			t.Errorf("scenario %s missing, or without a description, archetypes or the 6-group mix in %+v", want, sc)
		}
	}
	// mixed, as engine/scenario/builtin/mixed.yaml states it: archetypes by name with
	// their weights and journeys, the request mix in percent in report order.
	mixed := sc.Scenarios[0]
	gotArch := map[string]weighted{}
	for _, arch := range mixed.Archetypes {
		gotArch[arch.Name] = arch
	}
	for name, w := range map[string]float64{"new_user": 25, "active_user": 40, "admin": 10, "power_user": 25} {
		if gotArch[name].Weight != w || len(gotArch[name].Journey) == 0 {
			t.Errorf("mixed archetype %s = %+v, want weight %v and a journey", name, gotArch[name], w)
		}
	}
	if j := gotArch["new_user"].Journey; len(j) < 2 || j[0] != "signup" || j[1] != "login" {
		t.Errorf("new_user journey = %v, want signup, login, …", j)
	}
	wantMix := []weighted{{Name: "auth", Weight: 20}, {Name: "user_query", Weight: 35}, {Name: "user_mutation", Weight: 15}, {Name: "profile", Weight: 15}, {Name: "role_permission", Weight: 10}, {Name: "admin", Weight: 5}}
	if mixed.Name != "mixed" || !reflect.DeepEqual(mixed.Mix, wantMix) {
		t.Errorf("%s mix = %+v, want %+v", mixed.Name, mixed.Mix, wantMix)
	}
	if res := a.call(t, "Viewer", "GET", "/runs/nosuchrun", ""); res.status != http.StatusNotFound {
		t.Fatalf("unknown run = %d %s", res.status, res.body)
	}
	if res := a.call(t, "Editor", "POST", "/runs/nosuchrun/stop", ""); res.status != http.StatusNotFound {
		t.Fatalf("stop unknown run = %d %s", res.status, res.body)
	}
	if res := a.call(t, "Viewer", "GET", "/nothing", ""); res.status != http.StatusNotFound {
		t.Fatalf("unknown route = %d", res.status)
	}
	if res := a.call(t, "Admin", "DELETE", "/runs", ""); res.status != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE /runs = %d", res.status)
	}

	st := a.startRun(t, `{"users": 2, "durationSeconds": 60, "delayMinMs": 10, "delayMaxMs": 50}`)
	var list struct {
		Runs []RunStatus `json:"runs"`
	}
	a.call(t, "Viewer", "GET", "/runs", "").json(t, &list)
	if len(list.Runs) != 1 || list.Runs[0].ID != st.ID || list.Runs[0].Config.Users != 2 {
		t.Fatalf("runs = %+v", list)
	}
	// A run is listed at once; it has a start time once the engine started it
	// (while "starting" it may not yet).
	a.waitRun(t, st.ID, "a start time", func(st RunStatus) bool { return st.StartedAt != nil })
	// The raw JSON uses exactly the documented camelCase names (once a request is recent).
	a.waitRun(t, st.ID, "a recent request", func(st RunStatus) bool { return len(st.Recent) > 0 })
	body := string(a.call(t, "Viewer", "GET", "/runs/"+st.ID, "").body)
	for _, k := range []string{`"id"`, `"state"`, `"startedAt"`, `"endedAt"`, `"config"`, `"stats"`, `"recent"`, `"error"`,
		`"users"`, `"minRequestCount"`, `"maxRequestCount"`, `"durationSeconds"`, `"baseUrl"`, `"delayMinMs"`, `"delayMaxMs"`, `"scenario"`, `"seed"`,
		`"activeUsers"`, `"totalUsers"`, `"requests"`, `"successRate"`, `"errors"`, `"rps"`, `"avgLatencyMs"`, `"p95LatencyMs"`, `"maxLatencyMs"`, `"elapsedSeconds"`, `"remainingSeconds"`,
		`"time"`, `"vu"`, `"method"`, `"route"`, `"status"`, `"latencyMs"`} {
		if !strings.Contains(body, k) {
			t.Errorf("run status JSON lacks %s: %s", k, body)
		}
	}
}

// A run's tripped breakers and degradation level reach the frontend as the
// engine reports them; with none, the list is empty, not null.
func TestStatusCarriesResilience(t *testing.T) {
	st := enginerpc.RunStatus{ID: "r1", State: enginerpc.StateRunning, Stats: &enginerpc.RunStats{RemainingSeconds: -1,
		Breakers: []*enginerpc.Breaker{{Group: "profile", State: "open"}}, Degradation: "heavy"}}
	b, err := json.Marshal(toRunStatus(st))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"breakers":[{"group":"profile","state":"open"}]`, `"degradation":"heavy"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("status JSON lacks %s: %s", want, b)
		}
	}
	st.Stats.Breakers, st.Stats.Degradation = nil, ""
	if b, _ := json.Marshal(toRunStatus(st)); !strings.Contains(string(b), `"breakers":[],"degradation":""`) {
		t.Errorf("status JSON without breakers: %s", b)
	}
}
