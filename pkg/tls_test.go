//go:build unix

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/trafficsim/trafficsim/engine/usersvc"
	"github.com/trafficsim/trafficsim/internal/tlstest"
)

// tlsRun is a run's status with what the TLS settings show of it.
type tlsRun struct {
	cleanupStatus
	Config struct {
		BaseURL            string `json:"baseUrl"`
		InsecureSkipVerify bool   `json:"insecureSkipVerify"`
	} `json:"config"`
	Warnings []string `json:"warnings"`
}

// tlsCheck is POST /check's answer with its warnings.
type tlsCheck struct {
	checkResult
	Warnings []string `json:"warnings"`
}

// TestTargetTLSThroughThePlugin: per-target TLS settings of an org reach the
// engine through the real plugin binary and gRPC. Against a loopback HTTPS
// reference target of a test CA, the check and a run fail without the CA
// (org 2, same allowlist, no TLS settings: it cannot use org 1's) and pass
// with it (org 1); a target requiring a client certificate is run with the
// org's certificate and key; skip-verify (org 3) runs with a warning in the
// check, the run's status and config. No GET answer carries a PEM.
func TestTargetTLSThroughThePlugin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	const password = "tls-admin-5"
	pki := tlstest.New(t)
	serve := func(clientAuth bool) (string, *atomic.Int64) {
		svc, err := usersvc.New(usersvc.Config{AdminPassword: password, BcryptCost: 4})
		if err != nil {
			t.Fatal(err)
		}
		var h2 atomic.Int64
		h := svc.Handler()
		srv := pki.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor == 2 {
				h2.Add(1)
			}
			h.ServeHTTP(w, r)
		}), clientAuth)
		return srv.URL, &h2
	}
	plain, plainH2 := serve(false)
	mtls, _ := serve(true)

	allow := fmt.Sprintf(`"allowedTargets": [%q, %q], "maxUsers": 5`, plain, mtls)
	org1 := orgSettings(fmt.Sprintf(`{%s, "targetTls": [{"id": "p1", "target": %q}, {"id": "m1", "target": %q}]}`, allow, plain, mtls), password)
	org1.DecryptedSecureJsonData["tls.p1.caCert"] = pki.CAPEM
	org1.DecryptedSecureJsonData["tls.m1.caCert"] = pki.CAPEM
	org1.DecryptedSecureJsonData["tls.m1.clientCert"] = pki.ClientCertPEM
	org1.DecryptedSecureJsonData["tls.m1.clientKey"] = pki.ClientKeyPEM
	org2 := orgSettings(fmt.Sprintf(`{%s}`, allow), password)
	org3 := orgSettings(fmt.Sprintf(`{%s, "targetTls": [{"id": "p1", "target": %q, "insecureSkipVerify": true}]}`, allow, plain), password)
	orgs := map[int64]*pluginv2.AppInstanceSettings{1: org1, 2: org2, 3: org3}
	g := launch(t, `{}`)
	call := func(org int64, role, method, path, body string) (int, []byte) {
		t.Helper()
		code, out := g.callAs(ctx, t, orgContext(org, orgs[org], role), method, path, body)
		for _, p := range []string{pki.CAPEM, pki.ClientCertPEM, pki.ClientKeyPEM} {
			if strings.Contains(string(out), strings.Split(p, "\n")[1]) {
				t.Fatalf("org %d %s %s returned a PEM: %s", org, method, path, out)
			}
		}
		return code, out
	}
	check := func(org int64, target string) tlsCheck {
		t.Helper()
		code, body := call(org, "Editor", http.MethodPost, "/check", fmt.Sprintf(`{"baseUrl": %q}`, target))
		if code != http.StatusOK {
			t.Fatalf("org %d POST /check %s = %d %s", org, target, code, body)
		}
		return decode[tlsCheck](t, "check", body)
	}
	run := func(org int64, target string) tlsRun {
		t.Helper()
		code, body := call(org, "Editor", http.MethodPost, "/runs", fmt.Sprintf(`{"users": 2, "scenario": "new_user", "minRequestCount": 4, "maxRequestCount": 6, "durationSeconds": 20, "delayMinMs": 5, "delayMaxMs": 10, "baseUrl": %q}`, target))
		if code != http.StatusCreated {
			t.Fatalf("org %d POST /runs %s = %d %s", org, target, code, body)
		}
		id := decode[runStatus](t, "run", body).ID
		var st tlsRun
		poll(ctx, t, "the run to end", func() bool {
			_, body := call(org, "Viewer", http.MethodGet, "/runs/"+id, "")
			st = decode[tlsRun](t, "status", body)
			return st.EndedAt != nil
		})
		return st
	}

	// Org 2 has the same allowlist but no TLS settings: org 1's CA is not its.
	if c := check(2, plain); c.Passed || !strings.Contains(c.Fatal, "CA certificate") {
		t.Errorf("org 2 check without a CA: %+v; want a fatal naming the target's CA certificate", c)
	}
	if st := run(2, plain); st.State != "failed" || !strings.Contains(st.Error, "CA certificate") || st.Stats.Requests != 0 {
		t.Errorf("org 2 run without a CA: state %s, %d requests, error %q; want a failed preflight naming the CA certificate", st.State, st.Stats.Requests, st.Error)
	}
	if c := check(1, plain); !c.Passed || c.Fatal != "" || len(c.Rows) < 10 || len(c.Warnings) != 0 {
		t.Errorf("org 1 check with its CA: passed %v, fatal %q, %d rows, warnings %v; want it passed", c.Passed, c.Fatal, len(c.Rows), c.Warnings)
	}
	st := run(1, plain)
	if st.State != "finished" || st.Stats.Requests == 0 || len(st.Warnings) != 0 || st.Config.InsecureSkipVerify {
		t.Errorf("org 1 run with its CA: %+v; want finished without warnings", st)
	}
	t.Logf("org 1 with its CA: %d requests, %d over HTTP/2 at the target", st.Stats.Requests, plainH2.Load())
	if n := plainH2.Load(); n == 0 {
		t.Errorf("the target saw no HTTP/2 request (auto over TLS offers h2)")
	}
	// Mutual TLS: org 1's client certificate and key.
	if c := check(1, mtls); !c.Passed {
		t.Errorf("org 1 check of the mTLS target: %+v", c)
	}
	if st := run(1, mtls); st.State != "finished" || st.Stats.Requests == 0 {
		t.Errorf("org 1 run against the mTLS target: %+v; want finished", st)
	}
	if c := check(2, mtls); c.Passed {
		t.Errorf("org 2 check of the mTLS target passed without a client certificate: %+v", c)
	}
	// Skip-verify: runs, loudly.
	c := check(3, plain)
	if !c.Passed || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "NOT verified") {
		t.Errorf("org 3 check with skip-verify: passed %v, warnings %v; want passed with the warning", c.Passed, c.Warnings)
	}
	st = run(3, plain)
	if st.State != "finished" || !st.Config.InsecureSkipVerify || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "NOT verified") {
		t.Errorf("org 3 run with skip-verify: %+v; want finished, flagged and warned", st)
	}
	code, body := call(3, "Viewer", http.MethodGet, "/runs", "")
	if code != http.StatusOK || !strings.Contains(string(body), "NOT verified") {
		t.Errorf("org 3 GET /runs = %d; the list does not carry the warning: %s", code, body)
	}
	for org := range orgs {
		for _, path := range []string{"/limits", "/runs", "/scenarios"} {
			if code, body := call(org, "Admin", http.MethodGet, path, ""); code != http.StatusOK {
				t.Errorf("org %d GET %s = %d %s", org, path, code, body)
			}
		}
	}
}

// TestCleanupUsesTheCurrentTLSSettings: a cleanup logs in with the org's current
// admin password, so it speaks TLS as the org's current settings say, not as the
// run did. A run under skip-verify with a wrong password leaves its users; once
// the Admin turns skip-verify off (no CA) and fixes the password, an Editor's
// cleanup must not reach the target (its certificate is not trusted any more);
// with the CA added it cleans up, verified.
func TestCleanupUsesTheCurrentTLSSettings(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const rightPassword = "t4rget-admin"
	pki := tlstest.New(t)
	svc, err := usersvc.New(usersvc.Config{AdminPassword: rightPassword, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	target := pki.Server(t, svc.Handler(), false).URL
	g := launch(t, `{}`)
	allow := fmt.Sprintf(`"allowedTargets": [%q], "maxUsers": 5`, target)
	skip := orgSettings(fmt.Sprintf(`{%s, "targetTls": [{"id": "p1", "target": %q, "insecureSkipVerify": true}]}`, allow, target), "wrong-password")
	noCA := orgSettings(fmt.Sprintf(`{%s}`, allow), rightPassword)
	withCA := orgSettings(fmt.Sprintf(`{%s, "targetTls": [{"id": "p1", "target": %q}]}`, allow, target), rightPassword)
	withCA.DecryptedSecureJsonData["tls.p1.caCert"] = pki.CAPEM
	// Three settings versions, as three saves: Grafana keys app instances by them.
	noCA.LastUpdatedMS = skip.LastUpdatedMS + 1
	withCA.LastUpdatedMS = skip.LastUpdatedMS + 2

	st := g.endedRun(ctx, t, orgContext(1, skip, "Editor"), orgContext(1, skip, "Viewer"), target)
	run := st.runStatus
	if st.State != "leftovers" || st.Cleanup == nil || st.Cleanup.Left == 0 {
		t.Fatalf("run with a wrong password: state %s, cleanup %+v; want leftovers", st.State, st.Cleanup)
	}

	code, body := g.callAs(ctx, t, orgContext(1, noCA, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	again := decode[cleanupStatus](t, "cleanup", body)
	if code != http.StatusOK || again.Cleanup == nil || again.Cleanup.Verified || again.Cleanup.Left != st.Cleanup.Left ||
		!strings.Contains(again.Cleanup.Error, "certificate") {
		t.Fatalf("cleanup after skip-verify was turned off = %d %s; want it refused by the certificate check, nothing deleted", code, body)
	}

	code, body = g.callAs(ctx, t, orgContext(1, withCA, "Editor"), http.MethodPost, "/runs/"+run.ID+"/cleanup", "")
	done := decode[cleanupStatus](t, "cleanup", body)
	if code != http.StatusOK || done.State != "finished" || done.Cleanup == nil || !done.Cleanup.Verified || done.Cleanup.Left != 0 {
		t.Fatalf("cleanup with the CA = %d %s; want finished, verified, nothing left", code, body)
	}
}
