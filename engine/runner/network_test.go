package runner

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// TestRunOverHTTP2WithCACert: a run against the reference target served over
// TLS by a CA of its own, with HTTP/2 on: with --ca-cert it runs over HTTP/2
// through per-group pools (connections on /metrics, the transport in the
// summary); without it the preflight fails the run at once, naming --ca-cert.
func TestRunOverHTTP2WithCACert(t *testing.T) {
	svc, err := usersvc.New(usersvc.Config{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(svc.Handler())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 4, 15, 25
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Seed = 3

	bare := cfg
	start := time.Now()
	r := runToEnd(t, bare)
	s := r.Summary()
	if s.State != "failed" || !strings.Contains(s.Error, "--ca-cert") || s.Requests != 0 {
		t.Errorf("without the CA: state %s, %d requests, error %q; want a failed preflight naming --ca-cert", s.State, s.Requests, s.Error)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the certificate failure took %v", d)
	}

	cfg.Network = transport.Settings{CACert: ca, MaxConnsPerGroup: map[string]int{"auth": 2}}
	reg := metrics.NewRegistry()
	r = runToEnd(t, cfg, WithRegisterer(reg))
	s = r.Summary()
	if s.State != "finished" || s.Requests == 0 || s.Outcomes.NetworkError != 0 {
		t.Fatalf("with --ca-cert: state %s (%s), %d requests, %d network errors", s.State, s.Error, s.Requests, s.Outcomes.NetworkError)
	}
	tr := s.Transport
	if tr == nil || tr.Client != transport.ClientStd || !slices.Equal(tr.Protocols, []string{"HTTP/2"}) || tr.MaxConnsPerGroup["auth"] != 2 {
		t.Errorf("summary transport %+v: want std, answers over HTTP/2, auth limited to 2", tr)
	}
	if s.Cleanup.Left != 0 {
		t.Errorf("cleanup left %d", s.Cleanup.Left)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "trafficsim_connections" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "group" {
					groups[l.GetValue()] = true
				}
			}
		}
	}
	if len(groups) != 2 || !groups["auth"] || !groups[client.SharedPool] {
		t.Errorf("trafficsim_connections has pools %v, want auth (limited) and %s (the other groups')", groups, client.SharedPool)
	}
}
