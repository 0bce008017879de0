package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var urlInLog = regexp.MustCompile(`url=(http://\S+)`)

// buildBinary compiles the trafficsim command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trafficsim")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a polling reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitForURL polls the log until the service reports the URL it listens on.
func waitForURL(t *testing.T, log *syncBuffer, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlInLog.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case <-exited:
			t.Fatalf("target exited before listening; log:\n%s", log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("target did not report its URL in 20s; log:\n%s", log.String())
	return ""
}

func httpStatus(t *testing.T, method, url, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestTargetBinary runs the real binary: it listens, answers /healthz and a login,
// honours fault flags and the password from the environment, never logs the
// password, and exits 0 on SIGINT and on SIGTERM.
func TestTargetBinary(t *testing.T) {
	bin := buildBinary(t)
	cases := []struct {
		name     string
		args     []string
		env      string
		password string
		sig      syscall.Signal
		check    func(t *testing.T, base string)
	}{
		{
			name:     "flag password, SIGINT",
			args:     []string{"--admin-password", "flag-pass-123"},
			password: "flag-pass-123",
			sig:      syscall.SIGINT,
		},
		{
			name:     "env password, faults, SIGTERM",
			args:     []string{"--error-rate", "1", "--bcrypt-cost", "5"},
			env:      "env-pass-456",
			password: "env-pass-456",
			sig:      syscall.SIGTERM,
			check: func(t *testing.T, base string) {
				if got := httpStatus(t, "GET", base+"/api/v1/roles", ""); got != 500 {
					t.Errorf("GET /api/v1/roles with --error-rate 1: %d, want 500", got)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"target", "--addr", "127.0.0.1:0"}, tc.args...)...)
			cmd.Env = append(os.Environ(), "TRAFFICSIM_ADMIN_PASSWORD="+tc.env)
			var log syncBuffer
			cmd.Stderr = &log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(exited) }()
			base := waitForURL(t, &log, exited)

			if got := httpStatus(t, "GET", base+"/healthz", ""); got != 200 {
				t.Errorf("/healthz: %d", got)
			}
			login := `{"username":"admin","password":"` + tc.password + `"}`
			wantLogin := 200
			if tc.check != nil {
				wantLogin = 500 // --error-rate 1 covers auth too
			}
			if got := httpStatus(t, "POST", base+"/api/v1/auth/login", login); got != wantLogin {
				t.Errorf("login: %d, want %d", got, wantLogin)
			}
			if tc.check != nil {
				tc.check(t, base)
			} else if got := httpStatus(t, "POST", base+"/api/v1/auth/login", `{"username":"admin","password":"admin"}`); got != 401 {
				t.Errorf("login with the default password: %d, want 401", got)
			}

			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				t.Fatalf("target did not stop within 20s of %v; log:\n%s", tc.sig, log.String())
			}
			if waitErr != nil {
				t.Fatalf("target exit: %v; log:\n%s", waitErr, log.String())
			}
			out := log.String()
			if strings.Contains(out, tc.password) {
				t.Error("the admin password appears in the log")
			}
			for _, want := range []string{"shutting down", "stopped"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestTargetContext runs the command in-process and stops it by cancelling the
// context, the path an embedding caller uses.
func TestTargetContext(t *testing.T) {
	root := newRootCmd()
	root.SetArgs([]string{"target", "--addr", "127.0.0.1:0", "--bcrypt-cost", "4"})
	var log syncBuffer
	root.SetErr(&log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan struct{})
	var err error
	go func() { err = root.ExecuteContext(ctx); close(exited) }()
	base := waitForURL(t, &log, exited)
	if got := httpStatus(t, "POST", base+"/api/v1/auth/login", `{"username":"admin","password":"admin"}`); got != 200 {
		t.Fatalf("login with the default password: %d", got)
	}
	cancel()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("target did not stop after its context was cancelled")
	}
	if err != nil {
		t.Fatalf("target returned %v", err)
	}
	if _, gerr := http.Get(base + "/healthz"); gerr == nil {
		t.Fatal("target still answers after stopping")
	}
}

func TestTargetBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--error-rate", "1.5"},
		{"--error-rate", "abc"},
		{"--latency", "-5ms"},
		{"--latency-jitter", "2m"},
		{"--rate-limit", "-1"},
		{"--retry-after", "500ms"},
		{"--bcrypt-cost", "3"},
		{"--bcrypt-cost", "32"},
		{"--access-token-ttl", "0s"},
		{"--refresh-token-ttl", "-1h"},
		{"--addr", ""},
		{"--no-such-flag"},
		{"extra-argument"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if code := execute(append([]string{"target"}, args...)); code != ExitUsage {
				t.Fatalf("exit code %d, want %d", code, ExitUsage)
			}
		})
	}
}

func TestTargetAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code := execute([]string{"target", "--addr", ln.Addr().String(), "--bcrypt-cost", "4"})
	if code != ExitFailure {
		t.Fatalf("exit code %d on a taken port, want %d", code, ExitFailure)
	}
}

// TestAdminPasswordEmptyRefused: an explicit empty --admin-password (an
// unset shell variable, say) is refused by every command that takes it,
// instead of falling back to $TRAFFICSIM_ADMIN_PASSWORD or "admin".
func TestAdminPasswordEmptyRefused(t *testing.T) {
	t.Setenv(adminPasswordEnv, "")
	for _, args := range [][]string{
		{"target", "--addr", "127.0.0.1:0"},
		{"run", "--users", "1", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0", "--progress", "off"},
		{"check", "--base-url", "http://127.0.0.1:1"},
		{"cleanup", "--base-url", "http://127.0.0.1:1"},
	} {
		t.Run(args[0], func(t *testing.T) {
			// Should the command be taken, the target serves until this ends.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			root := newRootCmd()
			root.SetArgs(append(args, "--admin-password", ""))
			var out, errb bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&errb)
			err := root.ExecuteContext(ctx)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != ExitUsage ||
				!strings.Contains(err.Error(), "--admin-password: is empty; give the password") {
				t.Fatalf("%s --admin-password '': %v (stderr %q); want exit 2 naming --admin-password", args[0], err, errb.String())
			}
		})
	}
}
