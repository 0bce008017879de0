package plugin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRoleMatrix(t *testing.T) {
	a := newTestApp(t, `{"maxConcurrentRuns": 50}`)
	existing := a.startRun(t, `{"users": 1}`)

	type route struct{ method, path, body string }
	routes := []route{
		{"GET", "/scenarios", ""},
		{"GET", "/limits", ""},
		{"GET", "/runs", ""},
		{"POST", "/runs", `{"users": 1}`},
		{"GET", "/runs/" + existing.ID, ""},
		{"POST", "/runs/{id}/stop", ""},
	}
	roles := []string{"", "None", "Nobody", "Viewer", "Editor", "Admin"}
	for _, role := range roles {
		for _, r := range routes {
			path := r.path
			if strings.Contains(path, "{id}") {
				path = strings.Replace(path, "{id}", a.startRun(t, `{"users": 1}`).ID, 1)
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

func TestAllowlist(t *testing.T) {
	a := newTestApp(t, `{"maxConcurrentRuns": 100, "allowedTargets": ["http://127.0.0.1:9501/", "https://Targets.Example.com/api/v1"]}`)
	cases := []struct {
		baseURL string
		want    int
		echo    string // the canonical URL the run is given
	}{
		{"", http.StatusCreated, ""},
		{"http://127.0.0.1:9501", http.StatusCreated, "http://127.0.0.1:9501"},
		{"http://127.0.0.1:9501/", http.StatusCreated, "http://127.0.0.1:9501"},
		{"http://127.0.0.1:9501/anything/below", http.StatusCreated, "http://127.0.0.1:9501/anything/below"},
		{"HTTP://127.0.0.1:9501/x", http.StatusCreated, "http://127.0.0.1:9501/x"},
		{"http://127.0.0.1:09501", http.StatusCreated, "http://127.0.0.1:9501"},
		{"https://targets.example.com/api/v1", http.StatusCreated, "https://targets.example.com:443/api/v1"},
		{"https://TARGETS.example.com:443/api/v1/users/", http.StatusCreated, "https://targets.example.com:443/api/v1/users"},
		{"https://targets.example.com./api/v1", http.StatusCreated, "https://targets.example.com:443/api/v1"},

		{"http://127.0.0.1.evil.com:9501", http.StatusForbidden, ""},
		{"http://127.0.0.1.nip.io:9501/", http.StatusForbidden, ""},
		{"http://127.0.0.1:9502", http.StatusForbidden, ""},
		{"http://127.0.0.1", http.StatusForbidden, ""},
		{"https://127.0.0.1:9501", http.StatusForbidden, ""},
		{"http://localhost:9501", http.StatusForbidden, ""},
		{"http://[::1]:9501", http.StatusForbidden, ""},
		{"https://targets.example.com/api", http.StatusForbidden, ""},
		{"https://targets.example.com/api/v10", http.StatusForbidden, ""},
		{"https://targets.example.com/API/v1", http.StatusForbidden, ""},
		{"https://targets.example.com:8443/api/v1", http.StatusForbidden, ""},
		{"http://targets.example.com/api/v1", http.StatusForbidden, ""},
		{"https://targets.example.com.evil.com/api/v1", http.StatusForbidden, ""},

		{"http://127.0.0.1:9501.evil.com", http.StatusBadRequest, ""},
		{"http://127.0.0.1:9501.evil.com:9501", http.StatusBadRequest, ""},
		{"http://127.0.0.1:9501@evil.com", http.StatusBadRequest, ""},
		{"http://user:pw@127.0.0.1:9501/", http.StatusBadRequest, ""},
		{"http://evil.com\\@127.0.0.1:9501", http.StatusBadRequest, ""},
		{"https://targets.example.com/api/v1/../../admin", http.StatusBadRequest, ""},
		{"https://targets.example.com/api/v1/%2e%2e/%2e%2e/admin", http.StatusBadRequest, ""},
		{"http://127.0.0.1:9501/?next=http://evil.com", http.StatusBadRequest, ""},
		{"http://127.0.0.1:9501/#frag", http.StatusBadRequest, ""},
		{"ftp://127.0.0.1:9501/", http.StatusBadRequest, ""},
		{"//127.0.0.1:9501/", http.StatusBadRequest, ""},
		{"127.0.0.1:9501", http.StatusBadRequest, ""},
		{"http://127.0.0.1:99999/", http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.baseURL, func(t *testing.T) {
			res := a.call(t, "Admin", "POST", "/runs", fmt.Sprintf(`{"users": 1, "baseUrl": %q}`, c.baseURL))
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
			a.call(t, "Admin", "POST", "/runs/"+st.ID+"/stop", "")
		})
	}
}

func TestAllowlistEmptyAllowsOnlyEmbedded(t *testing.T) {
	a := newTestApp(t, `{}`)
	if res := a.call(t, "Editor", "POST", "/runs", `{"users": 1, "baseUrl": "http://127.0.0.1:9501"}`); res.status != http.StatusForbidden {
		t.Fatalf("with no allowedTargets an external target got %d %s", res.status, res.body)
	}
	a.startRun(t, `{"users": 1, "baseUrl": ""}`)
}

func TestValidationNamesTheField(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": 50, "maxConcurrentRuns": 100}`)
	cases := []struct{ body, field string }{
		{`{"users": 0}`, "users"},
		{`{"users": 51}`, "users"},
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
		})
	}
	if res := a.call(t, "Editor", "POST", "/runs", `{"users": `); res.status != http.StatusBadRequest {
		t.Fatalf("truncated JSON = %d", res.status)
	}
	// The largest allowed run is fine, and omitted fields take the form defaults.
	st := a.startRun(t, `{"users": 50, "scenario": "admin", "seed": 7}`)
	want := RunConfig{Users: 50, MinRequestCount: 10, MaxRequestCount: 1000, DurationSeconds: 300, DelayMinMs: 100, DelayMaxMs: 2000, Scenario: "admin", Seed: 7}
	if st.Config != want {
		t.Fatalf("config = %+v, want %+v", st.Config, want)
	}
}

func TestConcurrentRunLimit(t *testing.T) {
	a := newTestApp(t, `{"maxConcurrentRuns": 2}`)
	first := a.startRun(t, `{"users": 1, "maxRequestCount": 100000}`)
	a.startRun(t, `{"users": 1, "maxRequestCount": 100000}`)
	res := a.call(t, "Editor", "POST", "/runs", `{"users": 1}`)
	if res.status != http.StatusConflict {
		t.Fatalf("third run = %d %s; want 409", res.status, res.body)
	}
	if res := a.call(t, "Editor", "POST", "/runs/"+first.ID+"/stop", `{"graceful": false}`); res.status != http.StatusOK {
		t.Fatalf("stop = %d %s", res.status, res.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var st RunStatus
		a.call(t, "Viewer", "GET", "/runs/"+first.ID, "").json(t, &st)
		if st.State == "finished" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stopped run did not finish: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.startRun(t, `{"users": 1}`)
}

func TestReadRoutes(t *testing.T) {
	a := newTestApp(t, `{"maxUsers": "250", "maxConcurrentRuns": 3, "allowedTargets": "http://127.0.0.1:9501/, https://t.example.com/api"}`)
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
	var sc struct {
		Scenarios []struct{ Name, Description string } `json:"scenarios"`
	}
	a.call(t, "Viewer", "GET", "/scenarios", "").json(t, &sc)
	if len(sc.Scenarios) != 2 || sc.Scenarios[0].Name != "mixed" || sc.Scenarios[0].Description == "" {
		t.Fatalf("scenarios = %+v", sc)
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

	st := a.startRun(t, `{"users": 2}`)
	var list struct {
		Runs []RunStatus `json:"runs"`
	}
	a.call(t, "Viewer", "GET", "/runs", "").json(t, &list)
	if len(list.Runs) != 1 || list.Runs[0].ID != st.ID || list.Runs[0].StartedAt == nil || list.Runs[0].Config.Users != 2 {
		t.Fatalf("runs = %+v", list)
	}
	// The raw JSON uses exactly the documented camelCase names.
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
