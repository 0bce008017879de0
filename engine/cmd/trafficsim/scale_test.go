package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr is a loopback host:port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// gauges are what the engine's /metrics says of its VUs and itself.
type gauges struct {
	thinking, parked float64 // VUs in a pause, VUs the load model leaves out
	goroutines       float64
	requests         float64 // sent so far
}

// scrapeGauges reads the engine's /metrics.
func scrapeGauges(url string) (gauges, error) {
	var g gauges
	resp, err := http.Get(url)
	if err != nil {
		return g, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch {
		case strings.HasPrefix(line, "trafficsim_virtual_users{") && strings.Contains(line, `state="thinking"`):
			g.thinking = v
		case strings.HasPrefix(line, "trafficsim_virtual_users{") && strings.Contains(line, `state="parked"`):
			g.parked = v
		case f[0] == "go_goroutines":
			g.goroutines = v
		case strings.HasPrefix(line, "trafficsim_requests_total{"):
			g.requests += v
		}
	}
	return g, sc.Err()
}

// awaitGauges scrapes the engine's /metrics at addr until ready says its
// gauges are there, for at most wait, and returns them.
func awaitGauges(t *testing.T, e *engine, addr string, wait time.Duration, ready func(g gauges) bool) gauges {
	t.Helper()
	var g gauges
	e.until(t, wait, "the VUs where the test wants them", func() bool {
		var err error
		g, err = scrapeGauges(fmt.Sprintf("http://%s/metrics", addr))
		return err == nil && ready(g)
	})
	return g
}

// interrupt sends the engine a Ctrl-C and waits until it has ended.
func interrupt(t *testing.T, e *engine) {
	t.Helper()
	if err := e.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	e.wait(t, 2*time.Minute)
}

// vusHoldNoGoroutine runs the real engine binary with 400 active_user VUs
// against a loopback target, with the load model's flags given and a think
// time of 3 s (every think time is --delay-min when it equals --delay-max),
// until ready sees the VUs where the test wants them — every one of them in
// a pause or parked by the load model at the same moment. Then the engine
// must hold far fewer goroutines than VUs. A Ctrl-C then ends the parked VUs
// and the run reports and cleans up.
func vusHoldNoGoroutine(t *testing.T, ready func(g gauges) bool, load ...string) {
	if testing.Short() {
		t.Skip("runs the engine binary with 400 VUs")
	}
	const users = 400
	bin := buildBinary(t)
	target := startTarget(t)
	addr := freeAddr(t)
	sum := filepath.Join(t.TempDir(), "summary.json")
	args := append([]string{"run", "--base-url", target.URL, "--admin-password", "admin", "--scenario", "active_user",
		"--users", strconv.Itoa(users), "--min-request-count", "1000", "--max-request-count", "1000",
		"--delay-min", "3s", "--delay-max", "3s", "--progress", "off", "--metrics-addr", addr, "--summary", sum}, load...)
	e := startEngine(t, bin, args...)
	g := awaitGauges(t, e, addr, 90*time.Second, ready)
	if g.goroutines >= users/2 {
		t.Errorf("%v goroutines with %v VUs thinking and %v parked; want no goroutine per VU", g.goroutines, g.thinking, g.parked)
	}
	t.Logf("%v VUs thinking, %v parked, %v goroutines in the engine", g.thinking, g.parked, g.goroutines)

	interrupt(t, e)
	s := readSummaryFile(t, sum)
	// A resumed VU that lost its state (a token, an id) earns answers it did not
	// intend; a loopback target slowed by -race on a busy machine earns only
	// timeouts, which say nothing about the VUs. So: no unexpected answer beyond
	// the network errors.
	if s.State != "stopped" || s.Unexpected > s.Outcomes.NetworkError || s.Requests < int64(g.requests) || !s.Cleanup.Verified || s.Cleanup.Left != 0 {
		t.Errorf("summary: state %s, %d requests, %d unexpected (%d network errors), cleanup %+v\n%s", s.State, s.Requests, s.Unexpected, s.Outcomes.NetworkError, s.Cleanup, e.stderr.String())
	}
}

// A thinking journey VU has no goroutine (the closed model): once every VU
// has logged in and all think at once, the engine process has far fewer
// goroutines than VUs.
func TestThinkingJourneyVUsHoldNoGoroutine(t *testing.T) {
	// The start spread over 0–3 s; past it, two requests per VU (sign-up and
	// login) and every VU in a pause at the same moment.
	vusHoldNoGoroutine(t, func(g gauges) bool { return g.thinking == 400 && g.requests >= 2*400 })
}

// Nor under a ramp-up or stages: a VU the target leaves out — not started
// yet, or stepped down mid-life — is parked in the load model's gate without
// a goroutine, and so is one thinking between two steps.
func TestGatedJourneyVUsHoldNoGoroutine(t *testing.T) {
	t.Run("ramp-up", func(t *testing.T) {
		// VU i starts at i·50 ms: caught mid-ramp, with many VUs started and
		// thinking and many still parked.
		vusHoldNoGoroutine(t, func(g gauges) bool {
			return g.parked >= 100 && g.thinking >= 100 && g.thinking+g.parked == 400
		}, "--ramp-up", "20s")
	})
	t.Run("stages", func(t *testing.T) {
		// 400 VUs, then 100: the 300 above park after their current action,
		// logged in.
		vusHoldNoGoroutine(t, func(g gauges) bool {
			return g.parked == 300 && g.thinking == 100 && g.requests >= 2*400
		}, "--stages", "2s:400,4s:400,0s:100,2m:100")
	})
}

// Nor in the open model: a pool of 400 VUs, all busy with an arrival's
// session and thinking at the same moment (arrivals beyond are dropped).
func TestOpenModelVUsHoldNoGoroutine(t *testing.T) {
	vusHoldNoGoroutine(t, func(g gauges) bool { return g.thinking == 400 && g.requests >= 400 },
		"--rate", "200/s", "--duration", "2m", "--max-vus", "400")
}
