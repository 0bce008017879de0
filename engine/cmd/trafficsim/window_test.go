package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// startBurst runs the real engine binary with users thinking plain VUs (one GET,
// then a pause of 10 minutes, all starting at once) against a loopback server
// whose every answer takes delay, until every VU thinks; it returns how many
// connections the server accepted. extra are more flags.
func startBurst(t *testing.T, users int, delay time.Duration, extra ...string) int64 {
	t.Helper()
	return startBurstOn(t, users, burstTarget{delay: delay}, extra...)
}

// burstTarget is how startBurstOn's server answers: after delay, and with
// hold > 0 not before hold requests are in flight at once (it waits 10 s at
// most, once, and then fails the test).
type burstTarget struct {
	delay time.Duration
	hold  int
}

func startBurstOn(t *testing.T, users int, bt burstTarget, extra ...string) int64 {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the engine binary with thousands of VUs")
	}
	var accepted, inflight atomic.Int64
	gate := make(chan struct{})
	var open sync.Once
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bt.hold > 0 && r.URL.Path == "/burst" { // the VUs' GET, not the start's preflight of /
			if inflight.Add(1) >= int64(bt.hold) {
				open.Do(func() { close(gate) })
			}
			select {
			case <-gate:
			case <-time.After(10 * time.Second):
				open.Do(func() {
					t.Errorf("%d requests in flight at most for 10 s; want %d at once", inflight.Load(), bt.hold)
					close(gate)
				})
			}
		}
		if bt.delay > 0 {
			time.Sleep(bt.delay) // the round trip to a distant target
		}
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	bin := buildBinary(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "one-get.yaml")
	if err := os.WriteFile(scenario, []byte("name: one_get\nrequests:\n  - name: get_burst\n    path: /burst\n    think: pause\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	args := append([]string{"run", "--base-url", srv.URL, "--scenario", scenario, "--users", strconv.Itoa(users),
		"--duration", "10m", "--min-request-count", "2", "--max-request-count", "2", "--delay-min", "10m", "--delay-max", "10m",
		"--progress", "off", "--metrics-addr", addr, "--summary", filepath.Join(dir, "summary.json")}, extra...)
	e := startEngine(t, bin, args...)
	awaitGauges(t, e, addr, 2*time.Minute, func(g gauges) bool { return g.thinking == float64(users) })
	n := accepted.Load()
	interrupt(t, e)
	s := readSummaryFile(t, filepath.Join(dir, "summary.json"))
	if s.Requests != int64(users) || s.Outcomes.Success != int64(users) {
		t.Errorf("summary: %d requests, %d successful; want %d of each\n%s", s.Requests, s.Outcomes.Success, users, e.stderr.String())
	}
	return n
}

// The start window: 2,000 VUs starting at once against a target on this
// machine that answers at once need far fewer connections than the in-flight
// cap of 512 (the window stays narrow: answers queue as soon as it widens).
func TestStartWindowLocalTarget(t *testing.T) {
	if n := startBurst(t, 2000, 0); n > 256 {
		t.Errorf("the target accepted %d connections for the start; want the start window to keep it at most 256 (half the cap)", n)
	}
}

// Against a target whose answers take 100 ms however many are on the wire, the
// window widens to the cap; --max-in-flight, asked for, applies from the start.
func TestStartWindowDistantTarget(t *testing.T) {
	if n := startBurst(t, 2000, 100*time.Millisecond); n < 384 {
		t.Errorf("the target accepted %d connections; want the start window widened near the cap of 512", n)
	}
	// The server holds the answers until 300 requests are on the wire: a start
	// window would keep fewer there, however fast the host starts the VUs.
	if n := startBurstOn(t, 400, burstTarget{hold: 300}, "--max-in-flight", "300"); n < 300 {
		t.Errorf("with --max-in-flight 300 the target accepted %d connections; want no start window (300)", n)
	}
}
