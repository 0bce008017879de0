package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// tunnelProxy is a forward proxy that only opens CONNECT tunnels (what an
// https target needs), counting them; the TLS inside is the client's and the
// target's, so ALPN picks the HTTP version end to end.
type tunnelProxy struct{ tunnels atomic.Int64 }

func (p *tunnelProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	up, err := (&net.Dialer{}).DialContext(r.Context(), "tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	p.tunnels.Add(1)
	w.WriteHeader(http.StatusOK)
	down, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		_ = up.Close()
		return
	}
	go func() {
		_, _ = io.Copy(up, brw)
		_ = up.Close()
	}()
	_, _ = io.Copy(down, up)
	_ = down.Close()
}

// tlsTarget serves the reference target over TLS with HTTP/2 on, counting
// requests by protocol and new connections; its CA (the server's own
// certificate) is written as a PEM file.
type tlsTarget struct {
	srv             *httptest.Server
	caFile          string
	h2, other, conn atomic.Int64
}

func startTLSTarget(t *testing.T, password string) *tlsTarget {
	t.Helper()
	svc, err := usersvc.New(usersvc.Config{BcryptCost: 4, AdminPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	tt := &tlsTarget{}
	h := svc.Handler()
	tt.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			tt.h2.Add(1)
		} else {
			tt.other.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	tt.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			tt.conn.Add(1)
		}
	}
	tt.srv.EnableHTTP2 = true
	tt.srv.StartTLS()
	t.Cleanup(tt.srv.Close)
	tt.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(tt.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tt.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tt
}

// TestRunThroughProxyOverHTTP2AndCleanupOverTLS: a run against an https
// target of a private CA through a forward proxy with --http-version 2 goes
// through CONNECT tunnels only and speaks HTTP/2 inside them (ALPN end to
// end; the target sees protocol 2 on every request, check included); what it
// left is then removed by `trafficsim cleanup` over TLS with --ca-cert, which
// without the CA fails at once naming --ca-cert.
func TestRunThroughProxyOverHTTP2AndCleanupOverTLS(t *testing.T) {
	const password = "Tls-admin-7"
	target := startTLSTarget(t, password)
	fp := &tunnelProxy{}
	proxy := httptest.NewServer(fp)
	defer proxy.Close()

	sum := filepath.Join(t.TempDir(), "summary.json")
	code, stdout, stderr := cli(t, "run", "--base-url", target.srv.URL, "--proxy", proxy.URL, "--http-version", "2",
		"--ca-cert", target.caFile, "--admin-password", password, "--scenario", "new_user", "--run-id", "tls0prx1",
		"--users", "3", "--min-request-count", "6", "--max-request-count", "10", "--delay-min", "0", "--delay-max", "5",
		"--seed", "7", "--cleanup=false", "--progress", "off", "--summary", sum)
	if code != ExitOK {
		t.Fatalf("run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var s summary.Summary
	data, err := os.ReadFile(sum)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary: %v", err)
	}
	if s.State != "finished" || s.Requests == 0 || s.Outcomes.NetworkError != 0 {
		t.Fatalf("run: state %s, %d requests, %d network errors", s.State, s.Requests, s.Outcomes.NetworkError)
	}
	if tr := s.Transport; tr.Client != "std" || !strings.Contains(tr.Proxy, proxy.Listener.Addr().String()) || !strings.Contains(strings.Join(tr.Protocols, ","), "HTTP/2") {
		t.Errorf("summary transport %+v; want std through the proxy over HTTP/2", tr)
	}
	if !strings.Contains(stderr, "check:") || !strings.Contains(stderr, "passed") {
		t.Errorf("the run's check over TLS did not pass:\n%s", stderr)
	}
	h2, other, conns, tunnels := target.h2.Load(), target.other.Load(), target.conn.Load(), fp.tunnels.Load()
	if h2 < s.Requests || other != 0 {
		t.Errorf("the target saw %d HTTP/2 and %d other requests; want every one of the run's %d (and the check's) over HTTP/2", h2, other, s.Requests)
	}
	if tunnels < 1 || conns != tunnels {
		t.Errorf("the target accepted %d connections, the proxy tunnelled %d: want every connection through a tunnel", conns, tunnels)
	}
	if s.Cleanup.Created == 0 {
		t.Fatalf("the run created no records (cleanup %+v); nothing to clean up", s.Cleanup)
	}

	code, stdout, stderr = cli(t, "cleanup", "--base-url", target.srv.URL, "--run", "tls0prx1", "--admin-password", password, "--timeout", "20s")
	if code != ExitFailure || !strings.Contains(stdout+stderr, "--ca-cert") {
		t.Errorf("cleanup without the CA: exit %d; want %d naming --ca-cert\nstdout:\n%s\nstderr:\n%s", code, ExitFailure, stdout, stderr)
	}
	code, stdout, stderr = cli(t, "cleanup", "--base-url", target.srv.URL, "--run", "tls0prx1", "--admin-password", password,
		"--ca-cert", target.caFile, "--http-version", "2")
	var found, deleted int
	_, _ = fmt.Sscanf(stdout[strings.Index(stdout, "found"):], "found %d, deleted %d", &found, &deleted)
	if code != ExitOK || found == 0 || deleted != found || !strings.Contains(stdout, "left 0 (verified)") {
		t.Fatalf("cleanup with --ca-cert: exit %d; want the run's records found, deleted and verified gone\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if other := target.other.Load(); other != 0 {
		t.Errorf("the cleanup sent %d requests over HTTP/1.1 with --http-version 2", other)
	}
	code, stdout, _ = cli(t, "cleanup", "--base-url", target.srv.URL, "--run", "tls0prx1", "--admin-password", password, "--ca-cert", target.caFile)
	// Nothing left to find, so nothing shows the search finds the run's
	// records: the line says the result rests on the search alone.
	if code != ExitOK || !strings.Contains(stdout, "found 0, deleted 0, left 0 (by the target's search alone") {
		t.Errorf("a second cleanup: exit %d\n%s", code, stdout)
	}

	// trafficsim check takes the same TLS flags.
	code, stdout, _ = cli(t, "check", "--base-url", target.srv.URL, "--admin-password", password, "--ca-cert", target.caFile)
	if code != ExitOK || !strings.Contains(stdout, "checks passed") {
		t.Errorf("check with --ca-cert: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = cli(t, "check", "--base-url", target.srv.URL, "--admin-password", password)
	if code != ExitFailure || !strings.Contains(stdout, "--ca-cert") {
		t.Errorf("check without the CA: exit %d, want %d naming --ca-cert\n%s", code, ExitFailure, stdout)
	}
}

// TestMaxConnsPerGroupEachGroupOnce: a group given twice in
// --max-conns-per-group is refused, and a bad value is found in any order
// (read as one map, the last entry of a group won and hid an earlier one).
func TestMaxConnsPerGroupEachGroupOnce(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{"auth=-1,auth=2", "--max-conns-per-group: auth is given twice (auth=-1 and auth=2); give each group once, e.g. auth=2"},
		{"auth=2,auth=-1", "--max-conns-per-group: auth is given twice"},
		{"auth=2,auth=3", "give each group once, e.g. auth=3"},
		{"user_query=5,auth=-1", "--max-conns-per-group: auth=-1: give each group 1 to 100000"},
		{"auth=-1,user_query=5", "--max-conns-per-group: auth=-1: give each group 1 to 100000"},
	} {
		for _, args := range [][]string{
			{"check", "--base-url", "http://127.0.0.1:1"},
			{"run", "--users", "1", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0", "--progress", "off"},
		} {
			code, _, stderr := cli(t, append(args, "--max-conns-per-group", c.value)...)
			if code != ExitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("%s --max-conns-per-group %s: exit %d, stderr %q; want exit 2 and %q", args[0], c.value, code, stderr, c.want)
			}
		}
	}
}
