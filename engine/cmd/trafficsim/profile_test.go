package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProfileVariableErrorsFollowTheLogFormat: the real binary with
// TRAFFICSIM_CPUPROFILE, TRAFFICSIM_MEMPROFILE and TRAFFICSIM_TRACE naming
// files in a directory that does not exist. A tiny run still succeeds (a
// profile is an aid), and each problem is reported as the command's errors
// are: with --log-format json an ERROR record — stderr holds nothing but JSON
// lines — and in text a "trafficsim: …" line; both name the variable and the
// fix, before the command's own records. (They were plain text lines
// whatever the format, and the heap profile's came after the command ended.)
func TestProfileVariableErrorsFollowTheLogFormat(t *testing.T) {
	bin := buildBinary(t)
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	vars := []string{cpuProfileEnv, heapProfileEnv, traceEnv}
	run := func(format string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "run", "--users", "1", "--min-request-count", "1", "--max-request-count", "1",
			"--delay-min", "0", "--delay-max", "0", "--progress", "off", "--log-format", format, "--log-level", "info")
		cmd.Env = os.Environ()
		for _, v := range vars {
			cmd.Env = append(cmd.Env, v+"="+filepath.Join(missing, strings.ToLower(v)+".out"))
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err != nil && cmd.ProcessState == nil {
			t.Fatalf("%s: %v", format, err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	fix := func(v string) string {
		return v + ": open " + filepath.Join(missing, strings.ToLower(v)+".out") + ": no such file or directory; set " + v +
			" to a file in a directory that exists and is writable, or unset it"
	}

	code, stderr := run("json")
	if code != ExitOK {
		t.Fatalf("json: exit %d, want %d (a profile is never fatal)\nstderr:\n%s", code, ExitOK, stderr)
	}
	records := map[string]map[string]any{}
	firstRunRecord := -1 // the first record of the command's own
	for i, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("json: stderr line %d is not JSON (%v): %q\nstderr:\n%s", i+1, err, line, stderr)
		}
		if env, _ := rec["env"].(string); env != "" {
			// Every variable's problem is known at start, so it is reported
			// before the run says anything: a heap profile's bad path was
			// the last ERROR record of a run that exited 0.
			if firstRunRecord >= 0 {
				t.Errorf("json: the record for %s (line %d) comes after the run's own (line %d): report it at start\nstderr:\n%s",
					env, i+1, firstRunRecord+1, stderr)
			}
			records[env] = rec
		} else if firstRunRecord < 0 {
			firstRunRecord = i
		}
	}
	if firstRunRecord < 0 {
		t.Fatalf("json: the run logged nothing of its own, so the order of the records is not checked\nstderr:\n%s", stderr)
	}
	for _, v := range vars {
		rec := records[v]
		if msg, _ := rec["msg"].(string); rec["level"] != "ERROR" || !strings.HasPrefix(msg, fix(v)) {
			t.Errorf("json: record for %s %v; want an ERROR record %q", v, rec, fix(v))
		}
	}

	code, stderr = run("text")
	if code != ExitOK {
		t.Fatalf("text: exit %d, want %d\nstderr:\n%s", code, ExitOK, stderr)
	}
	for _, v := range vars {
		if !strings.Contains(stderr, "\ntrafficsim: "+fix(v)) && !strings.HasPrefix(stderr, "trafficsim: "+fix(v)) {
			t.Errorf("text: no line %q\nstderr:\n%s", "trafficsim: "+fix(v), stderr)
		}
	}
}
