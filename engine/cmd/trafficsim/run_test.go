package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// cli runs the command in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	root := newRootCmd()
	root.SetArgs(args)
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.Execute()
	code = ExitOK
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		} else {
			code = ExitUsage
		}
		errb.WriteString(err.Error())
	}
	return code, out.String(), errb.String()
}

func TestRunFlagValidation(t *testing.T) {
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"--users", "0"}, "--users"},
		{[]string{"--users", "-3"}, "--users"},
		{[]string{"--min-request-count", "-1"}, "--min-request-count"},
		{[]string{"--max-request-count", "0"}, "--max-request-count"},
		{[]string{"--min-request-count", "50", "--max-request-count", "10"}, "--min-request-count"},
		{[]string{"--delay-min", "3000"}, "--delay-min"}, // 3000 ms > default 2000 ms
		{[]string{"--delay-max", "soon"}, "--delay-max"},
		{[]string{"--duration", "-1m"}, "--duration"},
		// At most 7 days, as the plugin and the stages (a tiny run, should it be taken).
		{[]string{"--duration", "168h1s", "--users", "1", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0", "--progress", "off"},
			"--duration: 168h0m1s: use a duration from 0 (until every VU is done) to 168h0m0s (7 days, the longest run), e.g. 5m"},
		{[]string{"--base-url", "localhost:8080"}, "--base-url"},
		{[]string{"--base-url", "ftp://example.org"}, "--base-url"},
		{[]string{"--scenario", "chaos"}, "--scenario"},
		{[]string{"--scenario", "./no-such-file.yaml"}, "--scenario"},
		{[]string{"--seed", "-5"}, "--seed"},
		// Above 2^53-1 JSON readers would round it (a tiny run, should it be taken).
		{[]string{"--seed", "9007199254740993", "--users", "1", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0", "--progress", "off"},
			"--seed: 9007199254740993: use 1 to 9007199254740991 (2^53-1, what JSON keeps exactly), e.g. 42"},
		{[]string{"--run-id", "UPPER123"}, "--run-id"},
		{[]string{"--api-profile", "/no/such/profile.yaml"}, "--api-profile"},
		{[]string{"--metrics-addr", "9102"}, "--metrics-addr"},
		{[]string{"--progress", "fancy"}, "--progress"},
		{[]string{"--users", "many"}, "--users"},
		{[]string{"--users", "20000000"}, "--users"},
		// More than this process's memory holds: refused with the fix.
		{[]string{"--users", "400000", "--max-memory", "1GiB"}, "--shard i/N"},
		{[]string{"--max-in-flight", "100000000"}, "--max-in-flight"},
		{[]string{"extra"}, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"run"}, tc.args...)...)
			if code != ExitUsage {
				t.Fatalf("exit code %d, want %d; stderr %q", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.flag) {
				t.Errorf("error %q does not name %s", stderr, tc.flag)
			}
		})
	}
}

func TestMsDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"100": 100 * time.Millisecond, "2000": 2 * time.Second, "1.5": 1500 * time.Microsecond,
		"250ms": 250 * time.Millisecond, "2s": 2 * time.Second, "0": 0} {
		var d msDuration
		if err := d.Set(in); err != nil || time.Duration(d) != want {
			t.Errorf("%q: %v %v, want %v", in, time.Duration(d), err, want)
		}
	}
	var d msDuration
	if err := d.Set("fast"); err == nil {
		t.Error("fast accepted")
	}
}

// TestRunEmbedded runs the README's command shape in-process on the embedded
// target: the report lands on stdout, the summary file is written.
func TestRunEmbedded(t *testing.T) {
	sum := filepath.Join(t.TempDir(), "summary.json")
	code, stdout, stderr := cli(t, "run", "--users", "4", "--min-request-count", "10", "--max-request-count", "20",
		"--delay-min", "0", "--delay-max", "5", "--progress", "plain", "--summary", sum, "--seed", "3")
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"Endpoints", "Outcomes", "Groups", "Archetypes", "Cleanup", "left 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "requests") || !strings.Contains(stderr, "embedded target: http://127.0.0.1:") {
		t.Errorf("no progress line or target on stderr:\n%s", stderr)
	}
	var s summary.Summary
	data, err := os.ReadFile(sum)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary: %v", err)
	}
	if s.State != "finished" || s.Seed != 3 || s.Users != 4 || s.Requests < 40 || s.Requests > 80 || s.Cleanup.Left != 0 {
		t.Errorf("summary: state %s seed %d users %d requests %d cleanup %+v", s.State, s.Seed, s.Users, s.Requests, s.Cleanup)
	}
}

// simUsers counts users named sim_<run>_ on a reference target.
func simUsers(t *testing.T, base, password, run string) int {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", base+"/api/v1/users/search?per_page=100&q=sim_"+run+"_", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&page) != nil {
		t.Fatalf("search users: %d", resp.StatusCode)
	}
	return page.Total
}

// TestRunInterrupt drives the built binary against a target, interrupts it
// mid-run and checks the report, the summary and that no simulation users are
// left on the target; a second interrupt exits at once.
func TestRunInterrupt(t *testing.T) {
	bin := buildBinary(t)
	const password = "Target-admin-9"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: password}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()

	start := func(runID, summary string) (*exec.Cmd, *syncBuffer, *syncBuffer, <-chan struct{}) {
		cmd := exec.CommandContext(ctx, bin, "run", "--base-url", target.URL, "--users", "10",
			"--min-request-count", "100000", "--max-request-count", "100000", "--delay-min", "1", "--delay-max", "20",
			"--run-id", runID, "--summary", summary, "--progress", "plain")
		cmd.Env = append(os.Environ(), "TRAFFICSIM_ADMIN_PASSWORD="+password)
		var stdout, stderr syncBuffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		// Wait until the run has created users: it is mid-run.
		deadline := time.Now().Add(30 * time.Second)
		for simUsers(t, target.URL, password, runID) < 5 {
			if time.Now().After(deadline) {
				t.Fatalf("no simulation users after 30s; stderr:\n%s", stderr.String())
			}
			select {
			case <-exited:
				t.Fatalf("run exited early; stderr:\n%s", stderr.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		return cmd, &stdout, &stderr, exited
	}
	wait := func(exited <-chan struct{}, stderr *syncBuffer) {
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			t.Fatalf("run did not exit; stderr:\n%s", stderr.String())
		}
	}
	readSummary := func(path string) summary.Summary {
		var s summary.Summary
		data, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(data, &s) != nil {
			t.Fatalf("summary %s: %v", path, err)
		}
		return s
	}

	t.Run("graceful", func(t *testing.T) {
		sum := filepath.Join(t.TempDir(), "s.json")
		cmd, stdout, stderr, exited := start("intr0001", sum)
		cmd.Process.Signal(syscall.SIGINT)
		wait(exited, stderr)
		if code := cmd.ProcessState.ExitCode(); code != ExitInterrupt {
			t.Errorf("exit code %d, want %d; stderr:\n%s", code, ExitInterrupt, stderr.String())
		}
		out := stdout.String()
		if !strings.Contains(out, "Stopped after") || !strings.Contains(out, "Endpoints") || !strings.Contains(out, "left 0") {
			t.Errorf("report:\n%s", out)
		}
		s := readSummary(sum)
		if s.State != "stopped" || s.Requests == 0 || s.Cleanup.Created == 0 || s.Cleanup.Left != 0 || s.Cleanup.Deleted != s.Cleanup.Created {
			t.Errorf("summary: state %s requests %d cleanup %+v", s.State, s.Requests, s.Cleanup)
		}
		if n := simUsers(t, target.URL, password, "intr0001"); n != 0 {
			t.Errorf("%d simulation users left on the target", n)
		}
		if strings.Contains(out+stderr.String(), password) {
			t.Error("the admin password was printed")
		}
	})

	t.Run("second signal", func(t *testing.T) {
		// Slow answers keep requests in flight so the graceful stop is still
		// waiting when the second signal arrives.
		sum := filepath.Join(t.TempDir(), "s.json")
		cmd, stdout, stderr, exited := start("intr0002", sum)
		target.Service.SetFaults(usersvc.Faults{LatencyMs: 3000})
		defer target.Service.SetFaults(usersvc.Faults{})
		deadline := time.Now().Add(10 * time.Second)
		for slowRequests(t, target.Service) < 3 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		for !strings.Contains(stderr.String(), "stopping:") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		wait(exited, stderr)
		if code := cmd.ProcessState.ExitCode(); code != ExitInterrupt {
			t.Errorf("exit code %d, want %d", code, ExitInterrupt)
		}
		if !strings.Contains(stderr.String(), "exiting without cleanup") || !strings.Contains(stdout.String(), "Endpoints") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		s := readSummary(sum)
		if s.State != "stopped" || !strings.Contains(s.Cleanup.Error, "interrupted") || s.Cleanup.Left == 0 {
			t.Errorf("summary: state %s cleanup %+v", s.State, s.Cleanup)
		}
		target.Service.SetFaults(usersvc.Faults{})
		// What it left is removed by trafficsim cleanup.
		c := exec.CommandContext(ctx, bin, "cleanup", "--base-url", target.URL, "--run", "intr0002")
		c.Env = append(os.Environ(), "TRAFFICSIM_ADMIN_PASSWORD="+password)
		if out, err := c.CombinedOutput(); err != nil || !strings.Contains(string(out), "left 0") {
			t.Errorf("cleanup: %v\n%s", err, out)
		}
		if n := simUsers(t, target.URL, password, "intr0002"); n != 0 {
			t.Errorf("%d simulation users left after trafficsim cleanup", n)
		}
	})
}

// slowRequests counts the requests the target has delayed by injected latency.
func slowRequests(t *testing.T, svc *usersvc.Service) float64 {
	t.Helper()
	mfs, err := svc.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "usersvc_injected_faults_total" {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == "kind" && l.GetValue() == "latency" {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// TestFlagParseErrorsNameTheFlag: a value the flag parser refuses is worded
// as every other error — the flag, the value, what it should be and an
// example — with none of pflag's, strconv's or time's own words.
func TestFlagParseErrorsNameTheFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--duration", "5q"}, `--duration: "5q" is not a duration; write a number with a unit (ms, s, m, h), e.g. 30s`},
		{[]string{"run", "--threshold-window", "soon"}, `--threshold-window: "soon" is not a duration;`},
		{[]string{"check", "--base-url", "http://127.0.0.1:1", "--timeout", "x"}, `--timeout: "x" is not a duration; write a number with a unit (ms, s, m, h), e.g. 1m0s`},
		{[]string{"run", "--users", "many"}, `--users: "many" is not a whole number, e.g. 100`},
		{[]string{"run", "--seed", "99999999999999999999"}, `--seed: "99999999999999999999" is out of range; give a smaller whole number`},
		{[]string{"target", "--bcrypt-cost", "x"}, `--bcrypt-cost: "x" is not a whole number, e.g. 8`},
		{[]string{"run", "--cleanup=maybe"}, `--cleanup: "maybe" is not true or false; write --cleanup or --cleanup=false`},
		{[]string{"run", "--max-rps", "NaN"}, `--max-rps: "NaN" is not a finite number, e.g. 0.5`},
		{[]string{"run", "--trace-sample", "x"}, `--trace-sample: "x" is not a finite number, e.g. 1`},
		{[]string{"run", "--delay-min", "soon"}, `--delay-min: "soon" is not a duration: use e.g. 250ms, 2s, or a bare number of milliseconds`},
	} {
		code, _, stderr := cli(t, c.args...)
		if code != ExitUsage || !strings.HasPrefix(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
		for _, raw := range []string{"invalid argument", "strconv.", "time: "} {
			if strings.Contains(stderr, raw) {
				t.Errorf("%v: %q shows the parser's own words %q", c.args, stderr, raw)
			}
		}
	}
}
