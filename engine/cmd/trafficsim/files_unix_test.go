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

// TestSummaryIntoFIFOAndLink: --summary into a FIFO without a reader cannot
// be written at the end: the run says so (exit 1), keeps the summary in the
// temporary directory and names it, and the FIFO is still a FIFO. A
// symbolic link given to --summary stays a link, its file gets the summary.
func TestSummaryIntoFIFOAndLink(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fifo := filepath.Join(dir, "s.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	quick := []string{"run", "--users", "2", "--min-request-count", "3", "--max-request-count", "3",
		"--delay-min", "0", "--delay-max", "5", "--progress", "off", "--run-id", "fifo0001"}
	code, _, stderr := cliWithin(t, time.Minute, func() {}, append(quick, "--summary", fifo)...)
	if code != ExitFailure || !strings.Contains(stderr, "no process reads") || !strings.Contains(stderr, "written to "+tmp) {
		t.Errorf("exit %d, want %d naming the kept file; stderr:\n%s", code, ExitFailure, stderr)
	}
	kept, _ := filepath.Glob(filepath.Join(tmp, "trafficsim-summary-fifo0001-*.json"))
	if len(kept) != 1 || readSummaryFile(t, kept[0]).RunID != "fifo0001" {
		t.Errorf("kept summaries: %v", kept)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi, err)
	}

	real, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(real, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	quick[len(quick)-1] = "link0001"
	if code, _, stderr := cli(t, append(quick, "--summary", link)...); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 || readSummaryFile(t, real).RunID != "link0001" {
		t.Errorf("the link: %v %v", fi, err)
	}
}
