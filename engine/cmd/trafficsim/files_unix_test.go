//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cliWithin runs the command in-process like cli, failing the test when it
// has not returned within d (a command that hangs must fail, not hold the
// test run). unblock is called then to let it end.
func cliWithin(t *testing.T, d time.Duration, unblock func(), args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		c, o, e := cli(t, args...)
		done <- result{c, o, e}
	}()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(d):
		unblock()
		t.Fatalf("%s: still running after %v", strings.Join(args, " "), d)
	}
	return
}

// TestFIFOInputsRefused: a FIFO no one writes to, given where a command reads
// a file, is refused at once (exit 2, the flag named) instead of hanging.
func TestFIFOInputsRefused(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	unblock := func() { // a writer that closes at once: the reader sees EOF
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
	for _, tc := range []struct {
		args []string
		name string
	}{
		{[]string{"plan", "--users", "5", "--scenario", fifo}, "--scenario"},
		{[]string{"run", "--scenario", fifo, "--users", "1"}, "--scenario"},
		{[]string{"run", "--api-profile", fifo, "--users", "1"}, "--api-profile"},
		{[]string{"check", "--base-url", "http://127.0.0.1:1", "--api-profile", fifo}, "--api-profile"},
		{[]string{"merge", fifo}, fifo},
		{[]string{"profile", "init", "--openapi", fifo}, "--openapi"},
	} {
		t.Run(strings.Join(tc.args[:1], " ")+" "+tc.name, func(t *testing.T) {
			code, _, stderr := cliWithin(t, 10*time.Second, unblock, tc.args...)
			if code != ExitUsage || !strings.Contains(stderr, tc.name) || !strings.Contains(stderr, "FIFO") {
				t.Errorf("exit %d, want %d naming %s and the FIFO; stderr %q", code, ExitUsage, tc.name, stderr)
			}
		})
	}
}
