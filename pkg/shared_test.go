//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/trafficsim/trafficsim/engine/usersvc"
	"github.com/trafficsim/trafficsim/pkg/internal/enginebuild"
)

// These tests use the plugin the way a shared, multi-org Grafana does (and a
// hostile org member would): the real gpx_trafficsim binary and engine.

func orgSettings(jsonData, adminPassword string) *pluginv2.AppInstanceSettings {
	return &pluginv2.AppInstanceSettings{
		JsonData:                []byte(jsonData),
		DecryptedSecureJsonData: map[string]string{"targetAdminPassword": adminPassword},
		LastUpdatedMS:           time.Now().UnixMilli(),
	}
}

func decode[T any](t *testing.T, what string, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v in %s", what, err, body)
	}
	return v
}

func TestOrgsAreIsolated(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := launch(t, `{}`)
	org1 := orgSettings(`{"maxUsers": 20, "maxConcurrentRuns": 1}`, "admin")
	org2 := orgSettings(`{"maxUsers": 2, "maxConcurrentRuns": 1}`, "admin")
	as := func(org int64, role string) *pluginv2.PluginContext {
		if org == 1 {
			return orgContext(1, org1, role)
		}
		return orgContext(2, org2, role)
	}

	code, body := g.callAs(ctx, t, as(1, "Editor"), http.MethodPost, "/runs", `{"users": 3, "durationSeconds": 60, "delayMinMs": 50, "delayMaxMs": 100}`)
	if code != http.StatusCreated {
		t.Fatalf("org 1 POST /runs = %d %s", code, body)
	}
	run := decode[runStatus](t, "org 1 run", body)

	// Org 2 sees nothing of it: not in the list, not by id, not by stream, and cannot stop it.
	code, body = g.callAs(ctx, t, as(2, "Admin"), http.MethodGet, "/runs", "")
	if code != http.StatusOK || strings.Contains(string(body), run.ID) {
		t.Fatalf("org 2 GET /runs = %d %s; must not list org 1's run %s", code, body, run.ID)
	}
	if code, body = g.callAs(ctx, t, as(2, "Admin"), http.MethodGet, "/runs/"+run.ID, ""); code != http.StatusNotFound {
		t.Fatalf("org 2 GET /runs/%s = %d %s", run.ID, code, body)
	}
	if code, body = g.callAs(ctx, t, as(2, "Admin"), http.MethodPost, "/runs/"+run.ID+"/stop", `{"graceful": false}`); code != http.StatusNotFound {
		t.Fatalf("org 2 stop of org 1's run = %d %s", code, body)
	}
	if code, body = g.callAs(ctx, t, as(2, "Admin"), http.MethodPost, "/runs/"+run.ID+"/cleanup", ""); code != http.StatusNotFound {
		t.Fatalf("org 2 cleanup of org 1's run = %d %s", code, body)
	}
	sub, err := g.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: as(2, "Admin"), Path: "runs/" + run.ID})
	if err != nil || sub.Status != pluginv2.SubscribeStreamResponse_NOT_FOUND {
		t.Fatalf("org 2 SubscribeStream = %v, %v; want NOT_FOUND", sub, err)
	}
	packets, err := g.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{PluginContext: as(2, "Admin"), Path: "runs/" + run.ID})
	if err == nil {
		if p, err := packets.Recv(); err == nil {
			t.Fatalf("org 2 RunStream of org 1's run sent %s", p.Data)
		}
	}

	// Each org keeps its own settings: org 2's maxUsers is 2, org 1's still 20;
	// the per-org run limit is the org's own (org 1 is at its 1, org 2 is not).
	if code, body = g.callAs(ctx, t, as(2, "Editor"), http.MethodPost, "/runs", `{"users": 3}`); code != http.StatusBadRequest || !strings.Contains(string(body), "limit of 2") {
		t.Fatalf("org 2 POST 3 users = %d %s; want its own maxUsers 2", code, body)
	}
	if code, body = g.callAs(ctx, t, as(1, "Editor"), http.MethodPost, "/runs", `{"users": 3}`); code != http.StatusConflict {
		t.Fatalf("org 1 second run = %d %s; want 409 (its maxConcurrentRuns is 1)", code, body)
	}
	code, body = g.callAs(ctx, t, as(2, "Editor"), http.MethodPost, "/runs", `{"users": 2, "durationSeconds": 60, "delayMinMs": 50, "delayMaxMs": 100}`)
	if code != http.StatusCreated {
		t.Fatalf("org 2 POST /runs = %d %s", code, body)
	}
	run2 := decode[runStatus](t, "org 2 run", body)
	if code, body = g.callAs(ctx, t, as(1, "Admin"), http.MethodGet, "/runs", ""); code != http.StatusOK || strings.Contains(string(body), run2.ID) || !strings.Contains(string(body), run.ID) {
		t.Fatalf("org 1 GET /runs = %d %s; want its run %s and not org 2's %s", code, body, run.ID, run2.ID)
	}

	// Org 1's own stream and stop still work.
	packets, err = g.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{PluginContext: as(1, "Viewer"), Path: "runs/" + run.ID})
	if err != nil {
		t.Fatalf("org 1 RunStream: %v", err)
	}
	if p, err := packets.Recv(); err != nil || !bytes.Contains(p.Data, []byte(run.ID)) {
		t.Fatalf("org 1 RunStream packet = %v, %v", p, err)
	}
	if code, body = g.callAs(ctx, t, as(1, "Editor"), http.MethodPost, "/runs/"+run.ID+"/stop", `{"graceful": false}`); code != http.StatusOK {
		t.Fatalf("org 1 stop = %d %s", code, body)
	}
	code, body = g.callAs(ctx, t, as(2, "Viewer"), http.MethodGet, "/runs/"+run2.ID, "")
	if st := decode[runStatus](t, "org 2 run", body); code != http.StatusOK || st.State != "running" && st.State != "starting" {
		t.Fatalf("org 2's run after org 1's stop = %d %s; want it untouched", code, body)
	}
}

// copyBackend puts the built backend into a directory of its own beside engine
// (a file written by the test), as a plugin directory would hold them.
func copyBackend(t *testing.T, engine []byte) (dir string) {
	t.Helper()
	dir = t.TempDir()
	b, err := os.ReadFile(filepath.Join(binDir, enginebuild.BackendName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, enginebuild.BackendName), b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, enginebuild.EngineName), engine, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// marker is a script that, if anything ever runs it, leaves a file behind.
func marker(t *testing.T) (script []byte, ran string) {
	ran = filepath.Join(t.TempDir(), "ran")
	return []byte("#!/bin/sh\ntouch " + ran + "\nexit 1\n"), ran
}

func TestEnginePathInSettingsIsRefusedAndNeverRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script, ran := marker(t)
	path := filepath.Join(t.TempDir(), "evil.sh")
	if err := os.WriteFile(path, script, 0o755); err != nil {
		t.Fatal(err)
	}
	g := launch(t, `{"enginePath": "`+path+`"}`)
	health, err := g.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: g.pluginContext("Admin")})
	if err != nil || health.Status != pluginv2.CheckHealthResponse_ERROR || !strings.Contains(health.Message, "enginePath") {
		t.Fatalf("CheckHealth = %v %q, %v; want an error naming enginePath", health.GetStatus(), health.GetMessage(), err)
	}
	if code, body := g.call(ctx, t, "Admin", http.MethodPost, "/runs", `{"users": 1}`); code != http.StatusInternalServerError || !strings.Contains(string(body), "enginePath") {
		t.Fatalf("POST /runs = %d %s", code, body)
	}
	g.call(ctx, t, "Admin", http.MethodGet, "/scenarios", "")
	if _, err := os.Stat(ran); err == nil {
		t.Fatalf("the file named by enginePath was executed")
	}
}

func TestTamperedEngineIsRefusedByItsChecksum(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script, ran := marker(t)
	dir := copyBackend(t, script) // the engine beside the backend is not the one it was built with
	g := launchFrom(t, filepath.Join(dir, enginebuild.BackendName), `{}`)
	health, err := g.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: g.pluginContext("Admin")})
	if err != nil || health.Status != pluginv2.CheckHealthResponse_ERROR ||
		!strings.Contains(health.Message, "not the engine this plugin was built with") || !strings.Contains(health.Message, engineSum) {
		t.Fatalf("CheckHealth = %v %q, %v; want a refusal naming the recorded SHA-256 %s", health.GetStatus(), health.GetMessage(), err, engineSum)
	}
	if code, body := g.call(ctx, t, "Editor", http.MethodPost, "/runs", `{"users": 1}`); code != http.StatusServiceUnavailable {
		t.Fatalf("POST /runs with a tampered engine = %d %s", code, body)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatalf("the tampered engine was executed")
	}
	t.Logf("refused: %s", health.Message)
}

func TestRedirectsNeverLeaveTheAllowlist(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var denied atomic.Int64
	deniedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		denied.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer deniedSrv.Close()
	var allowedHits atomic.Int64
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowedHits.Add(1)
		http.Redirect(w, r, deniedSrv.URL+r.URL.Path, http.StatusFound)
	}))
	defer allowed.Close()

	g := launch(t, `{"allowedTargets": ["`+allowed.URL+`/"]}`)
	code, body := g.call(ctx, t, "Editor", http.MethodPost, "/runs",
		`{"users": 2, "durationSeconds": 3, "minRequestCount": 5, "maxRequestCount": 10, "delayMinMs": 10, "delayMaxMs": 20, "baseUrl": "`+allowed.URL+`"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /runs = %d %s", code, body)
	}
	run := decode[runStatus](t, "run", body)
	var final runStatus
	poll(ctx, t, "the run to end", func() bool {
		final = g.status(ctx, t, run.ID)
		return final.EndedAt != nil
	})
	if allowedHits.Load() == 0 {
		t.Fatalf("the allowlisted target was never asked (final %+v)", final)
	}
	if n := denied.Load(); n != 0 {
		t.Fatalf("a redirect from the allowlisted target reached the denied host %d times (final %+v)", n, final)
	}
	t.Logf("allowlisted target answered %d requests with 302; denied host reached 0 times; run ended %s", allowedHits.Load(), final.State)
}

func TestRequestBodies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := launch(t, `{"maxUsers": 5}`)
	for _, c := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"trailing JSON value", `{"users":1,"durationSeconds":2}{"users":9999}`, http.StatusBadRequest, "after its JSON object"},
		{"trailing garbage", `{"users":1} x`, http.StatusBadRequest, "after its JSON object"},
		{"empty", ``, http.StatusBadRequest, "empty"},
		{"only spaces", "  \n ", http.StatusBadRequest, "empty"},
		{"not an object", `[{"users":1}]`, http.StatusBadRequest, "one JSON object"},
		{"over 1 MiB of spaces, then an object", strings.Repeat(" ", 1<<20) + `{"users":1}`, http.StatusRequestEntityTooLarge, "1048576 bytes (1 MiB)"},
		{"over 1 MiB object", `{"scenario":"` + strings.Repeat("m", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, "1 MiB"},
	} {
		code, body := g.call(ctx, t, "Editor", http.MethodPost, "/runs", c.body)
		if code != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: POST /runs = %d %s; want %d mentioning %q", c.name, code, body, c.code, c.want)
		}
	}
	code, body := g.call(ctx, t, "Viewer", http.MethodGet, "/runs", "")
	if code != http.StatusOK || strings.Contains(string(body), `"id"`) {
		t.Fatalf("GET /runs after refused bodies = %d %s; want no run started", code, body)
	}
	// Stop's body is optional, but when sent it is one object too.
	if code, body := g.call(ctx, t, "Editor", http.MethodPost, "/runs/nosuchid/stop", `{"graceful":true}{}`); code != http.StatusBadRequest {
		t.Fatalf("stop with trailing data = %d %s", code, body)
	}
}

// simUsers counts the users of run on the target, searching as its admin.
func simUsers(ctx context.Context, t *testing.T, target, adminPassword, run string) int {
	t.Helper()
	login, _ := json.Marshal(map[string]string{"username": "admin", "password": adminPassword})
	res := must(http.Post(target+"/api/v1/auth/login", "application/json", bytes.NewReader(login)))
	tok := decode[struct {
		AccessToken string `json:"access_token"`
	}](t, "login", readAll(t, res))
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target+"/api/v1/users/search?q=sim_"+run+"_&per_page=100", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	page := decode[struct {
		Total int `json:"total"`
	}](t, "search", readAll(t, must(http.DefaultClient.Do(req))))
	return page.Total
}

func must(res *http.Response, err error) *http.Response {
	if err != nil {
		panic(err)
	}
	return res
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode >= 300 {
		t.Fatalf("%s: %d %s %v", res.Request.URL, res.StatusCode, b, err)
	}
	return b
}

// endedRun starts a small run of new users on baseURL as editor and returns its
// status once it has ended, as viewer reads it.
func (g *grafana) endedRun(ctx context.Context, t *testing.T, editor, viewer *pluginv2.PluginContext, baseURL string) cleanupStatus {
	t.Helper()
	code, body := g.callAs(ctx, t, editor, http.MethodPost, "/runs",
		`{"users": 3, "scenario": "new_user", "minRequestCount": 5, "maxRequestCount": 8, "durationSeconds": 4, "delayMinMs": 10, "delayMaxMs": 30, "baseUrl": "`+baseURL+`"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /runs = %d %s", code, body)
	}
	id := decode[runStatus](t, "run", body).ID
	var st cleanupStatus
	poll(ctx, t, "the run to end", func() bool {
		code, body := g.callAs(ctx, t, viewer, http.MethodGet, "/runs/"+id, "")
		if code != http.StatusOK {
			t.Fatalf("GET /runs/%s = %d %s", id, code, body)
		}
		st = decode[cleanupStatus](t, "status", body)
		return st.EndedAt != nil
	})
	return st
}

type cleanupStatus struct {
	runStatus
	Cleanup *struct {
		Created  int    `json:"created"`
		Deleted  int    `json:"deleted"`
		Gone     int    `json:"gone"`
		Left     int    `json:"left"`
		Verified bool   `json:"verified"`
		Reason   string `json:"reason"`
		Error    string `json:"error"`
	} `json:"cleanup"`
}

func TestLeftoversAreVisibleAndCleanedUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const rightPassword = "t4rget-admin"
	target, err := usersvc.Start(ctx, usersvc.Config{AdminPassword: rightPassword, BcryptCost: 4}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	g := launch(t, `{}`)
	settings := fmt.Sprintf(`{"allowedTargets": [%q], "maxUsers": 5}`, target.URL+"/")
	wrong := orgSettings(settings, "wrong-password")

	st := g.endedRun(ctx, t, orgContext(1, wrong, "Editor"), orgContext(1, wrong, "Viewer"), target.URL)
	run := st.runStatus
	left := simUsers(ctx, t, target.URL, rightPassword, run.ID)
	if st.State != "leftovers" || st.Cleanup == nil || st.Cleanup.Left == 0 || st.Cleanup.Verified ||
		!strings.Contains(st.Cleanup.Error, "log in as admin") || left == 0 {
		t.Fatalf("after a run with a wrong admin password: state %s cleanup %+v, %d sim users on the target; want leftovers, counted, with the reason", st.State, st.Cleanup, left)
	}
	t.Logf("leftovers: %+v (%d users on the target)", *st.Cleanup, left)

	// Viewers cannot clean up; with the wrong password still nothing changes.
	if code, body := g.callAs(ctx, t, orgContext(1, wrong, "Viewer"), http.MethodPost, "/runs/"+run.ID+"/cleanup", ""); code != http.StatusForbidden {
		t.Fatalf("Viewer cleanup = %d %s", code, body)
	}
	code, body := g.callAs(ctx, t, orgContext(1, wrong, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	if again := decode[cleanupStatus](t, "cleanup", body); code != http.StatusOK || again.State != "leftovers" || again.Cleanup.Left != st.Cleanup.Left {
		t.Fatalf("cleanup with the wrong password = %d %s", code, body)
	}

	// With the target out of the allowlist (a new settings version), no cleanup
	// goes to it, not even with the right password.
	elsewhere := orgSettings(`{"allowedTargets": ["http://127.0.0.1:1/"], "maxUsers": 5}`, rightPassword)
	elsewhere.LastUpdatedMS = wrong.LastUpdatedMS + 1
	code, body = g.callAs(ctx, t, orgContext(1, elsewhere, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	if code != http.StatusForbidden || !strings.Contains(string(body), "allowedTargets") {
		t.Fatalf("cleanup of a target no longer allowed = %d %s; want 403 naming allowedTargets", code, body)
	}
	if n := simUsers(ctx, t, target.URL, rightPassword, run.ID); n != left {
		t.Fatalf("%d of the run's %d users left after a refused cleanup", n, left)
	}

	// The Admin fixes the password (a new settings version); an Editor cleans up.
	fixed := orgSettings(settings, rightPassword)
	fixed.LastUpdatedMS = wrong.LastUpdatedMS + 2
	code, body = g.callAs(ctx, t, orgContext(1, fixed, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	done := decode[cleanupStatus](t, "cleanup", body)
	if code != http.StatusOK || done.State != "finished" || done.Cleanup == nil || done.Cleanup.Left != 0 || !done.Cleanup.Verified ||
		done.Cleanup.Deleted != done.Cleanup.Created {
		t.Fatalf("cleanup with the right password = %d %s", code, body)
	}
	if n := simUsers(ctx, t, target.URL, rightPassword, run.ID); n != 0 {
		t.Fatalf("%d of the run's users still on the target after the cleanup", n)
	}
	t.Logf("cleaned up: %+v", *done.Cleanup)
}

// TestCleanupBySearchAloneIsNotVerified: a cleanup from the plugin says what
// it verified as `trafficsim cleanup` and the run summary do. The target's user
// search (behind a proxy on loopback) stops finding the run's users, so the
// cleanup reads none of them by id: its "nothing left" rests on that search
// alone. The run stays leftovers, not verified, with the reason and the users
// still counted left — not counted deleted. Once the search works again, a
// cleanup deletes them, verified.
func TestCleanupBySearchAloneIsNotVerified(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const rightPassword = "t4rget-admin"
	target, err := usersvc.Start(ctx, usersvc.Config{AdminPassword: rightPassword, BcryptCost: 4}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	u, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	var blind atomic.Bool
	rp := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if blind.Load() && r.URL.Path == "/api/v1/users/search" {
			q := r.URL.Query()
			q.Set("q", "no user is named this")
			r.URL.RawQuery = q.Encode()
		}
		rp.ServeHTTP(w, r)
	}))
	defer front.Close()

	g := launch(t, `{}`)
	settings := fmt.Sprintf(`{"allowedTargets": [%q], "maxUsers": 5}`, front.URL+"/")
	wrong := orgSettings(settings, "wrong-password")
	st := g.endedRun(ctx, t, orgContext(1, wrong, "Editor"), orgContext(1, wrong, "Viewer"), front.URL)
	run := st.runStatus
	left := simUsers(ctx, t, target.URL, rightPassword, run.ID)
	if st.State != "leftovers" || st.Cleanup == nil || st.Cleanup.Left == 0 || st.Cleanup.Left != left || st.Cleanup.Verified ||
		!strings.Contains(st.Cleanup.Reason, "could not log in") {
		t.Fatalf("after a run with a wrong admin password: state %s cleanup %+v, %d sim users on the target; want leftovers, all counted left, not verified: could not log in", st.State, st.Cleanup, left)
	}

	blind.Store(true)
	fixed := orgSettings(settings, rightPassword)
	fixed.LastUpdatedMS = wrong.LastUpdatedMS + 1
	code, body := g.callAs(ctx, t, orgContext(1, fixed, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	again := decode[cleanupStatus](t, "cleanup", body)
	if code != http.StatusOK || again.State != "leftovers" || again.Cleanup == nil || again.Cleanup.Verified ||
		!strings.Contains(again.Cleanup.Reason, "search alone") || again.Cleanup.Left != left ||
		again.Cleanup.Deleted != st.Cleanup.Deleted || again.Cleanup.Created != st.Cleanup.Created {
		t.Fatalf("cleanup by the search alone = %d %s; want leftovers, not verified (the search alone), %d left as before", code, body, left)
	}
	if n := simUsers(ctx, t, target.URL, rightPassword, run.ID); n != left {
		t.Fatalf("%d of the run's %d users on the target after a cleanup that found none", n, left)
	}
	t.Logf("by the search alone: %+v", *again.Cleanup)

	blind.Store(false)
	code, body = g.callAs(ctx, t, orgContext(1, fixed, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	done := decode[cleanupStatus](t, "cleanup", body)
	if code != http.StatusOK || done.State != "finished" || done.Cleanup == nil || !done.Cleanup.Verified || done.Cleanup.Reason != "" ||
		done.Cleanup.Left != 0 || done.Cleanup.Deleted != done.Cleanup.Created-done.Cleanup.Gone || done.Cleanup.Deleted < left {
		t.Fatalf("cleanup with the search working = %d %s; want finished, verified, the %d users deleted", code, body, left)
	}
	if n := simUsers(ctx, t, target.URL, rightPassword, run.ID); n != 0 {
		t.Fatalf("%d of the run's users still on the target after the cleanup", n)
	}
}
