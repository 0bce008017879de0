//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// checkResult is POST /check's answer.
type checkResult struct {
	Rows []struct {
		Capability string `json:"capability"`
		Method     string `json:"method"`
		Path       string `json:"path"`
		Status     int    `json:"status"`
		Verdict    string `json:"verdict"`
		Fix        string `json:"fix"`
	} `json:"rows"`
	Fatal  string `json:"fatal"`
	Passed bool   `json:"passed"`
}

// TestStoredProfilesCheckAndRun: an Admin's named API profiles, stored in the
// app's jsonData, reach the engine through the real plugin binary: POST /check
// returns the check's table against usersvc (all ok under the right profile;
// the login failed with its fix under a wrong token path), a run started with
// a profile uses it (the wrong token path stops its cleanup's admin login), and
// the settings page's validation has the engine parse a profile.
func TestStoredProfilesCheckAndRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const password = "t4rget-admin"
	target, err := usersvc.Start(ctx, usersvc.Config{AdminPassword: password, BcryptCost: 4}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = target.Close() }()
	profiles, _ := json.Marshal([]map[string]string{
		{"name": "usersvc", "yaml": "token:\n  access: access_token\n"},
		{"name": "wrong token", "yaml": "token:\n  access: data.token\n"},
	})
	g := launch(t, `{}`)
	org := orgSettings(fmt.Sprintf(`{"allowedTargets": [%q], "maxUsers": 5, "apiProfiles": %s}`, target.URL+"/", profiles), password)
	call := func(role, method, path, body string) (int, []byte) {
		return g.callAs(ctx, t, orgContext(1, org, role), method, path, body)
	}

	code, body := call("Viewer", http.MethodGet, "/limits", "")
	if code != http.StatusOK || !strings.Contains(string(body), `"apiProfiles":["usersvc","wrong token"]`) {
		t.Fatalf("GET /limits = %d %s; want the profile names", code, body)
	}
	if strings.Contains(string(body), "access_token") {
		t.Fatalf("GET /limits shows the profiles' YAML to Viewers: %s", body)
	}

	check := func(profile string) checkResult {
		t.Helper()
		code, body := call("Editor", http.MethodPost, "/check", fmt.Sprintf(`{"baseUrl": %q, "apiProfile": %q}`, target.URL, profile))
		if code != http.StatusOK {
			t.Fatalf("POST /check (%s) = %d %s", profile, code, body)
		}
		return decode[checkResult](t, "check", body)
	}
	good := check("usersvc")
	if !good.Passed || good.Fatal != "" || len(good.Rows) < 33 {
		t.Fatalf("check under usersvc: passed %v fatal %q, %d rows; want every row ok", good.Passed, good.Fatal, len(good.Rows))
	}
	bad := check("wrong token")
	if bad.Passed || bad.Fatal == "" || bad.Rows[0].Verdict != "FAIL" || !strings.Contains(bad.Rows[0].Fix, "data.token") {
		t.Fatalf("check under a wrong token path: %+v; want the admin login failed with a fix naming data.token", bad)
	}
	t.Logf("check: usersvc %d rows all ok; wrong token: %s %s %s %d %s — %s", len(good.Rows),
		bad.Rows[0].Capability, bad.Rows[0].Method, bad.Rows[0].Path, bad.Rows[0].Status, bad.Rows[0].Verdict, bad.Rows[0].Fix)

	for _, c := range []struct {
		role, body string
		code       int
		want       string
	}{
		{"Viewer", `{"baseUrl": "` + target.URL + `"}`, http.StatusForbidden, "Editors"},
		{"Editor", `{"baseUrl": "http://127.0.0.1:1/"}`, http.StatusForbidden, "allowedTargets"},
		{"Editor", `{"baseUrl": "` + target.URL + `", "apiProfile": "nope"}`, http.StatusBadRequest, `apiProfile: \"nope\" is not one of`},
		{"Editor", `{}`, http.StatusBadRequest, "baseUrl: is required"},
	} {
		if code, body := call(c.role, http.MethodPost, "/check", c.body); code != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("POST /check %s as %s = %d %s; want %d mentioning %s", c.body, c.role, code, body, c.code, c.want)
		}
	}

	type profiledRun struct {
		cleanupStatus
		Config struct {
			APIProfile string `json:"apiProfile"`
		} `json:"config"`
	}
	run := func(profile string) profiledRun {
		t.Helper()
		code, body := call("Editor", http.MethodPost, "/runs", fmt.Sprintf(`{"users": 1, "scenario": "new_user", "minRequestCount": 3, "maxRequestCount": 3, "durationSeconds": 10, "delayMinMs": 10, "delayMaxMs": 20, "baseUrl": %q, "apiProfile": %q}`, target.URL, profile))
		if code != http.StatusCreated {
			t.Fatalf("POST /runs with %s = %d %s", profile, code, body)
		}
		id := decode[runStatus](t, "run", body).ID
		var st profiledRun
		poll(ctx, t, "the run to end", func() bool {
			_, body := call("Viewer", http.MethodGet, "/runs/"+id, "")
			st = decode[profiledRun](t, "status", body)
			return st.EndedAt != nil
		})
		return st
	}
	if st := run("usersvc"); st.State != "finished" || st.Config.APIProfile != "usersvc" {
		t.Fatalf("run under usersvc: %+v; want finished, naming its profile", st)
	}
	if st := run("wrong token"); st.State != "leftovers" || st.Config.APIProfile != "wrong token" || st.Cleanup == nil || !strings.Contains(st.Cleanup.Error, "no access token") {
		t.Fatalf("run under a wrong token path: %+v; want leftovers, its cleanup unable to find the admin's token", st)
	}

	code, body = call("Admin", http.MethodPost, "/profiles/validate", `{"name": "typo", "yaml": "token:\n  acces: x\n"}`)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "typo:2") {
		t.Fatalf("validate a profile with an unknown field = %d %s; want 400 naming typo:2", code, body)
	}
	if code, body := call("Admin", http.MethodPost, "/profiles/validate", `{"name": "ok", "yaml": "token:\n  access: x\n"}`); code != http.StatusOK {
		t.Fatalf("validate a good profile = %d %s", code, body)
	}
	if code, _ := call("Editor", http.MethodPost, "/profiles/validate", `{"name": "ok", "yaml": "x: 1"}`); code != http.StatusForbidden {
		t.Fatalf("validate as Editor = %d; want 403", code)
	}
}

// TestCheckFollowsNoRedirect: POST /check against an allowlisted target that
// redirects everything elsewhere never reaches the other host; the check
// reports the redirect as the answer it is.
func TestCheckFollowsNoRedirect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var denied, asked atomic.Int64
	deniedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { denied.Add(1) }))
	defer deniedSrv.Close()
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Redirect(w, r, deniedSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer allowed.Close()

	g := launch(t, `{}`)
	org := orgSettings(fmt.Sprintf(`{"allowedTargets": [%q]}`, allowed.URL+"/"), "admin")
	code, body := g.callAs(ctx, t, orgContext(1, org, "Editor"), http.MethodPost, "/check", fmt.Sprintf(`{"baseUrl": %q}`, allowed.URL))
	if code != http.StatusOK {
		t.Fatalf("POST /check = %d %s", code, body)
	}
	rep := decode[checkResult](t, "check", body)
	if asked.Load() == 0 || denied.Load() != 0 || rep.Passed || len(rep.Rows) == 0 || rep.Rows[0].Status != http.StatusTemporaryRedirect {
		t.Fatalf("allowlisted host asked %d times, denied host %d times, report %+v; want the 307 reported and the denied host never reached", asked.Load(), denied.Load(), rep)
	}
	t.Logf("check: %d requests to the allowlisted host, 0 to the denied one; first row %+v, fatal %q", asked.Load(), rep.Rows[0], rep.Fatal)
}
