package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
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

// scrapeGauges reads the engine's /metrics: the VUs thinking, its goroutines
// and the requests sent so far.
func scrapeGauges(url string) (thinking, goroutines, requests float64, err error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, 0, 0, err
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
			thinking = v
		case f[0] == "go_goroutines":
			goroutines = v
		case strings.HasPrefix(line, "trafficsim_requests_total{"):
			requests += v
		}
	}
	return thinking, goroutines, requests, sc.Err()
}

// A thinking journey VU has no goroutine: the real engine binary runs 400
// journey VUs against a loopback target; once every VU has logged in and all
// think at once, the engine process has far fewer goroutines than VUs. A
// Ctrl-C then ends the parked VUs and the run reports and cleans up.
func TestThinkingJourneyVUsHoldNoGoroutine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine binary with 400 VUs")
	}
	const users = 400
	bin := buildBinary(t)
	target := startTarget(t)
	addr := freeAddr(t)
	sum := filepath.Join(t.TempDir(), "summary.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Think 3 s (every think time is --delay-min when it equals --delay-max),
	// the start spread over 0–3 s.
	cmd := exec.CommandContext(ctx, bin, "run", "--base-url", target.URL, "--scenario", "active_user",
		"--users", strconv.Itoa(users), "--min-request-count", "1000", "--max-request-count", "1000",
		"--delay-min", "3s", "--delay-max", "3s", "--progress", "off", "--metrics-addr", addr, "--summary", sum)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var thinking, goroutines, requests float64
	deadline := time.Now().Add(90 * time.Second)
	for {
		var err error
		thinking, goroutines, requests, err = scrapeGauges(fmt.Sprintf("http://%s/metrics", addr))
		// Past the start (two requests per VU: sign-up and login) and every VU
		// in a pause at the same moment.
		if err == nil && thinking == users && requests >= 2*users {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never saw all %d VUs thinking (last: %v thinking, %v goroutines)\n%s", users, thinking, goroutines, out.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("the run ended early: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if goroutines >= users/2 {
		t.Errorf("%v goroutines with %d journey VUs thinking; want no goroutine per thinking VU", goroutines, users)
	}
	t.Logf("%v VUs thinking, %v goroutines in the engine", thinking, goroutines)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-ctx.Done():
		t.Fatalf("the run did not stop on SIGINT\n%s", out.String())
	}
	s := readSummaryFile(t, sum)
	// A resumed VU that lost its state (a token, an id) earns answers it did not
	// intend; a loopback target slowed by -race on a busy machine earns only
	// timeouts, which say nothing about the VUs. So: no unexpected answer beyond
	// the network errors.
	if s.State != "stopped" || s.Unexpected > s.Outcomes.NetworkError || s.Requests < 2*users || !s.Cleanup.Verified || s.Cleanup.Left != 0 {
		t.Errorf("summary: state %s, %d requests, %d unexpected (%d network errors), cleanup %+v\n%s", s.State, s.Requests, s.Unexpected, s.Outcomes.NetworkError, s.Cleanup, out.String())
	}
}
