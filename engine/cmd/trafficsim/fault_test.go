package main

// The fault suite (issue 16): the real engine binary against the reference
// target with the faults a real environment has — a target that restarts and
// hands ids out again, pages that ignore per_page, interrupts during the
// cleanup, a target that never answers, Retry-After: 30 everywhere — and the
// invalid inputs a person types. What it checks is the guarantee of
// docs/cli.md: the engine touches only what its run created, and its counts
// are the truth.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

const faultPassword = "Fault-admin-7"

// faultTarget is the reference user service behind a test's own server, so a
// test can kill it and start a fresh one (an empty store) on the same port,
// and shape what the engine sees: wrap applies to the engine's requests only
// (User-Agent trafficsim…); the test's own requests see the plain service.
type faultTarget struct {
	t    *testing.T
	addr string
	svc  *usersvc.Service
	srv  *http.Server
	wrap func(w http.ResponseWriter, r *http.Request, next http.Handler)
}

func startFaultTarget(t *testing.T, addr string, wrap func(http.ResponseWriter, *http.Request, http.Handler)) *faultTarget {
	t.Helper()
	svc, err := usersvc.New(usersvc.Config{BcryptCost: 4, AdminPassword: faultPassword})
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	// The port of a killed target may take a moment to be free again.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ft := &faultTarget{t: t, addr: ln.Addr().String(), svc: svc, wrap: wrap}
	ft.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ft.wrap != nil && strings.HasPrefix(r.UserAgent(), "trafficsim") {
			ft.wrap(w, r, svc)
			return
		}
		svc.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}
	go ft.srv.Serve(ln)
	t.Cleanup(func() { ft.srv.Close() })
	return ft
}

func (ft *faultTarget) url() string { return "http://" + ft.addr }

// kill closes the listener and every connection at once, as a crash does.
func (ft *faultTarget) kill() { ft.srv.Close() }

// api sends a request of the test itself and decodes the JSON answer into out.
func (ft *faultTarget) api(method, path, token string, body any, out any) int {
	ft.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ft.url()+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ft.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (ft *faultTarget) login(user, password string) (string, int) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	code := ft.api("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password}, &tok)
	return tok.AccessToken, code
}

// count counts the users whose username starts with prefix, paging as the
// plain service pages.
func (ft *faultTarget) count(prefix string) int {
	ft.t.Helper()
	tok, _ := ft.login("admin", faultPassword)
	n := 0
	for page := 1; ; page++ {
		var p struct {
			Data []struct {
				Username string `json:"username"`
			} `json:"data"`
		}
		if code := ft.api("GET", fmt.Sprintf("/api/v1/users/search?q=%s&per_page=100&page=%d", prefix, page), tok, nil, &p); code != 200 {
			ft.t.Fatalf("search %s: %d", prefix, code)
		}
		if len(p.Data) == 0 {
			return n
		}
		for _, u := range p.Data {
			if strings.HasPrefix(u.Username, prefix) {
				n++
			}
		}
	}
}

// engine is one trafficsim process of a test.
type engine struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	exited         chan struct{}
}

func startEngine(t *testing.T, bin string, args ...string) *engine {
	t.Helper()
	e := &engine{exited: make(chan struct{})}
	e.cmd = exec.Command(bin, args...)
	e.cmd.Env = append(os.Environ(), adminPasswordEnv+"="+faultPassword)
	e.cmd.Stdout, e.cmd.Stderr = &e.stdout, &e.stderr
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.cmd.Wait(); close(e.exited) }()
	t.Cleanup(func() {
		select {
		case <-e.exited:
		default:
			e.cmd.Process.Kill()
			<-e.exited
		}
	})
	return e
}

// wait waits for the process to exit within d and returns its exit code.
func (e *engine) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-e.exited:
	case <-time.After(d):
		t.Fatalf("the engine did not exit within %v\nstdout:\n%s\nstderr:\n%s", d, e.stdout.String(), e.stderr.String())
	}
	return e.cmd.ProcessState.ExitCode()
}

// until polls cond every 10ms until it holds, failing the test after d or
// when the engine exits first.
func (e *engine) until(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		select {
		case <-e.exited:
			t.Fatalf("the engine exited before %s\nstdout:\n%s\nstderr:\n%s", what, e.stdout.String(), e.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v\nstderr:\n%s", what, d, e.stderr.String())
		}
	}
}

func readFaultSummary(t *testing.T, path string) summary.Summary {
	t.Helper()
	var s summary.Summary
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("summary %s: %v", path, err)
	}
	return s
}

// checkCounts checks that the cleanup's counts add up.
func checkCounts(t *testing.T, c summary.CleanupSummary) {
	t.Helper()
	if c.Created != c.Deleted+c.Gone+c.Left || c.Left != len(c.LeftNames) {
		t.Errorf("counts do not add up: created %d != deleted %d + gone %d + left %d (%d names)", c.Created, c.Deleted, c.Gone, c.Left, len(c.LeftNames))
	}
}

func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault suite runs the engine binary")
	}
	bin := buildBinary(t)
	t.Run("restart", func(t *testing.T) {
		t.Run("cleanup", func(t *testing.T) { faultRestart(t, bin, "mixed", true) })
		t.Run("admin without cleanup", func(t *testing.T) { faultRestart(t, bin, "admin", false) })
	})
	t.Run("pages ignore per_page", func(t *testing.T) { faultFixedPages(t, bin) })
	t.Run("double interrupt during cleanup", func(t *testing.T) { faultDoubleInterrupt(t, bin) })
	t.Run("interrupt during preflight", func(t *testing.T) { faultSilentTarget(t, bin) })
	t.Run("retry-after 30", func(t *testing.T) { faultRetryAfter(t, bin) })
	t.Run("invalid values", func(t *testing.T) { faultInvalid(t, bin) })
}

// faultRestart (a): the target is killed mid-run and a fresh one starts on
// the same port, its ids handed out from the start again; 40 ordinary users
// register before the engine's requests get through. None of them may be
// deleted or changed: same id, fields, active flag, and they still log in.
func faultRestart(t *testing.T, bin, scenario string, cleanup bool) {
	const runID = "rest0001"
	var registered atomic.Int64 // the engine's registrations on the first target
	first := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(w, r)
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/users" {
			registered.Add(1)
		}
	})
	sum := filepath.Join(t.TempDir(), "summary.json")
	// A request budget ends the run, most of it spent after the restart
	// however slow the machine; the duration only bounds a machine slower still.
	e := startEngine(t, bin, "run", "--base-url", first.url(), "--users", "6", "--duration", "20s",
		"--min-request-count", "200", "--max-request-count", "200",
		"--scenario", scenario, "--delay-min", "1", "--delay-max", "15", "--run-id", runID,
		"--cleanup="+fmt.Sprint(cleanup), "--summary", sum, "--progress", "off")
	prefix := "sim_" + runID + "_"
	e.until(t, 30*time.Second, "simulation users on the first target", func() bool { return registered.Load() >= 20 })
	first.kill()

	// The second target holds the engine's requests until the ordinary users
	// are in, so they get the ids the engine remembers.
	gate := make(chan struct{})
	second := startFaultTarget(t, first.addr, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		<-gate
		next.ServeHTTP(w, r)
	})
	type ordinary struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		Email    string `json:"email"`
		Name     string `json:"name"`
		Active   bool   `json:"active"`
	}
	var users []ordinary
	for i := range 40 {
		var u ordinary
		name := fmt.Sprintf("ordinary%02d", i)
		if code := second.api("POST", "/api/v1/users", "", map[string]string{
			"username": name, "email": name + "@example.org", "password": "Ordinary-pw-1", "name": "Person " + name,
		}, &u); code != 201 {
			t.Fatalf("register %s: %d", name, code)
		}
		users = append(users, u)
	}
	close(gate)
	code := e.wait(t, 90*time.Second)
	t.Logf("exit %d; stdout:\n%s", code, e.stdout.String())

	tok, _ := second.login("admin", faultPassword)
	for _, u := range users {
		var now ordinary
		if code := second.api("GET", fmt.Sprintf("/api/v1/users/%d", u.ID), tok, nil, &now); code != 200 {
			t.Errorf("ordinary user %s (id %d): GET answered %d — deleted", u.Username, u.ID, code)
			continue
		}
		if now != u {
			t.Errorf("ordinary user changed: was %+v, now %+v", u, now)
		}
		if _, code := second.login(u.Username, "Ordinary-pw-1"); code != 200 {
			t.Errorf("ordinary user %s can no longer log in: %d", u.Username, code)
		}
	}
	s := readFaultSummary(t, sum)
	c := s.Cleanup
	checkCounts(t, c)
	// The cleanup reads every remembered id of the first target: those now
	// hold the ordinary users. (Admin VUs meet them only if they happen to
	// pick such an account before their budget is spent.)
	if cleanup && c.ForeignSkipped == 0 {
		t.Errorf("no foreign record counted, though remembered ids were handed out again: %+v", c)
	}
	t.Logf("created %d, deleted %d, gone %d, foreign skipped %d, left %d", c.Created, c.Deleted, c.Gone, c.ForeignSkipped, c.Left)
	if !strings.Contains(e.stdout.String(), fmt.Sprintf("foreign skipped %d", c.ForeignSkipped)) {
		t.Errorf("the report does not show foreign skipped %d:\n%s", c.ForeignSkipped, e.stdout.String())
	}
	if cleanup {
		if !c.Verified || c.Left != 0 || second.count(prefix) != 0 {
			t.Errorf("cleanup: %+v; %d simulation users on the target", c, second.count(prefix))
		}
	}
}

// faultFixedPages (b): pages hold 20 records whatever per_page asks; the
// cleanup pages by what the target answers and leaves nothing.
func faultFixedPages(t *testing.T, bin string) {
	const runID = "page0001"
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if q := r.URL.Query(); q.Has("per_page") {
			q.Set("per_page", "20")
			r.URL.RawQuery = q.Encode()
		}
		next.ServeHTTP(w, r)
	})
	e := startEngine(t, bin, "run", "--base-url", target.url(), "--users", "10", "--scenario", "new_user",
		"--min-request-count", "100000", "--max-request-count", "100000", "--delay-min", "0", "--delay-max", "2",
		"--run-id", runID, "--cleanup=false", "--progress", "off")
	prefix := "sim_" + runID + "_"
	e.until(t, 30*time.Second, "45 simulation users", func() bool { return target.count(prefix) >= 45 })
	e.cmd.Process.Signal(syscall.SIGINT)
	e.wait(t, 15*time.Second)
	before := target.count(prefix)

	c := startEngine(t, bin, "cleanup", "--base-url", target.url(), "--run", runID)
	code := c.wait(t, 60*time.Second)
	out := c.stdout.String()
	if code != ExitOK || !strings.Contains(out, fmt.Sprintf("found %d, deleted %d, left 0 (verified)", before, before)) {
		t.Errorf("cleanup of %d users: exit %d\n%s%s", before, code, out, c.stderr.String())
	}
	if n := target.count(prefix); n != 0 {
		t.Errorf("%d simulation users left on the target", n)
	}
}

// faultDoubleInterrupt (c): a second interrupt in the middle of the cleanup
// stops it; the summary still adds up, and trafficsim cleanup finds exactly
// what it says is left.
func faultDoubleInterrupt(t *testing.T, bin string) {
	const runID = "intr0016"
	var interrupted atomic.Bool
	var deletes atomic.Int64
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodDelete && interrupted.Load() {
			deletes.Add(1)
			time.Sleep(40 * time.Millisecond) // a slow delete keeps the cleanup busy
		}
		next.ServeHTTP(w, r)
	})
	sum := filepath.Join(t.TempDir(), "summary.json")
	// new_user VUs delete nothing: every delete after the interrupt is the cleanup's.
	e := startEngine(t, bin, "run", "--base-url", target.url(), "--users", "10", "--scenario", "new_user",
		"--min-request-count", "100000", "--max-request-count", "100000", "--delay-min", "0", "--delay-max", "2",
		"--run-id", runID, "--summary", sum, "--progress", "off")
	prefix := "sim_" + runID + "_"
	e.until(t, 30*time.Second, "40 simulation users", func() bool { return target.count(prefix) >= 40 })
	interrupted.Store(true)
	e.cmd.Process.Signal(syscall.SIGINT)
	e.until(t, 10*time.Second, "cleanup deletes", func() bool { return deletes.Load() >= 5 })
	e.cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	if code := e.wait(t, 10*time.Second); code != ExitInterrupt {
		t.Errorf("exit %d, want %d", code, ExitInterrupt)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the second interrupt took %v to end the process", d)
	}
	s := readFaultSummary(t, sum)
	c := s.Cleanup
	checkCounts(t, c)
	if c.Gone != 0 || c.ForeignSkipped != 0 || c.Created != c.Deleted+c.Left || c.Left == 0 || c.Verified {
		t.Errorf("summary cleanup: %+v", c)
	}
	if n := target.count(prefix); n != c.Left {
		t.Errorf("the summary says %d left, the target has %d", c.Left, n)
	}
	cl := startEngine(t, bin, "cleanup", "--base-url", target.url(), "--run", runID)
	cl.wait(t, 60*time.Second)
	if want := fmt.Sprintf("found %d, deleted %d, left 0 (verified)", c.Left, c.Left); !strings.Contains(cl.stdout.String(), want) {
		t.Errorf("trafficsim cleanup: want %q\n%s%s", want, cl.stdout.String(), cl.stderr.String())
	}
}

// faultSilentTarget (d): a target that accepts connections and never
// answers; an interrupt during the preflight ends the process within 2s.
func faultSilentTarget(t *testing.T, bin string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var conns []net.Conn
	accepted := make(chan struct{}, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
			accepted <- struct{}{}
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	e := startEngine(t, bin, "run", "--base-url", "http://"+ln.Addr().String(), "--users", "2", "--progress", "off")
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatalf("the engine never connected\nstderr:\n%s", e.stderr.String())
	}
	e.cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	code := e.wait(t, 10*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("exit %v after the interrupt, want within 2s", d)
	}
	if code != ExitInterrupt {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, ExitInterrupt, e.stderr.String())
	}
}

// faultRetryAfter (e): once the run has created users, every answer is 429
// with Retry-After: 30. An interrupt ends the process within the interrupt
// budget with exit 130, reporting what is left and the command that removes it.
func faultRetryAfter(t *testing.T, bin string) {
	const runID = "retr0016"
	var throttle atomic.Bool
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if throttle.Load() {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
	sum := filepath.Join(t.TempDir(), "summary.json")
	e := startEngine(t, bin, "run", "--base-url", target.url(), "--users", "5", "--scenario", "new_user",
		"--min-request-count", "100000", "--max-request-count", "100000", "--delay-min", "0", "--delay-max", "5",
		"--run-id", runID, "--summary", sum, "--progress", "off")
	prefix := "sim_" + runID + "_"
	e.until(t, 30*time.Second, "simulation users", func() bool { return target.count(prefix) >= 5 })
	throttle.Store(true)
	e.cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	code := e.wait(t, 20*time.Second)
	if d := time.Since(start); d > runner.InterruptBudget {
		t.Errorf("exit %v after the interrupt, want within %v", d, runner.InterruptBudget)
	}
	if code != ExitInterrupt {
		t.Errorf("exit %d, want %d (interrupted; data left, and said so)", code, ExitInterrupt)
	}
	s := readFaultSummary(t, sum)
	checkCounts(t, s.Cleanup)
	if s.Cleanup.Verified || s.Cleanup.Reason == "" || s.Cleanup.Left != target.count(prefix) {
		t.Errorf("cleanup %+v; the target has %d", s.Cleanup, target.count(prefix))
	}
	if want := "trafficsim cleanup --base-url " + target.url() + " --run " + runID; !strings.Contains(e.stdout.String()+e.stderr.String(), want) {
		t.Errorf("no %q in the output:\n%s\n%s", want, e.stdout.String(), e.stderr.String())
	}
	if strings.Contains(e.stdout.String(), "left 0") {
		t.Errorf("an unverified cleanup printed left 0:\n%s", e.stdout.String())
	}
}

// faultInvalid (f): each invalid value exits 2 naming its flag, before
// anything is sent, and no secret is echoed.
func faultInvalid(t *testing.T, bin string) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"run", "--max-rps", "NaN"}, "--max-rps"},
		{[]string{"run", "--max-rps", "+Inf"}, "--max-rps"},
		{[]string{"run", "--breaker-failure-ratio", "NaN"}, "--breaker-failure-ratio"},
		{[]string{"run", "--breaker-failure-ratio", "-Inf"}, "--breaker-failure-ratio"},
		{[]string{"run", "--timeout-factor", "NaN"}, "--timeout-factor"},
		{[]string{"run", "--timeout-factor", "Inf"}, "--timeout-factor"},
		{[]string{"run", "--delay-max", "NaN"}, "--delay-max"},
		{[]string{"target", "--error-rate", "NaN"}, "--error-rate"},
		{[]string{"target", "--rate-limit", "+Inf"}, "--rate-limit"},
		{[]string{"run", "--base-url", "http://127.0.0.1:99999"}, "--base-url"},
		{[]string{"cleanup", "--base-url", "http://127.0.0.1:0"}, "--base-url"},
		{[]string{"run", "--base-url", "http://user:Sekrit-pw-42@127.0.0.1:9501"}, "--admin-password"},
		{[]string{"cleanup", "--base-url", "http://user:Sekrit-pw-42@127.0.0.1:9501"}, "TRAFFICSIM_ADMIN_PASSWORD"},
		{[]string{"target", "--addr", "garbage"}, "--addr"},
		{[]string{"target", "--addr", "127.0.0.1:70000"}, "--addr"},
		{[]string{"run", "--metrics-addr", "127.0.0.1:99999"}, "--metrics-addr"},
		{[]string{"run", "--scenario", "/dev/zero"}, "--scenario"},
		{[]string{"run", "--api-profile", "/dev/zero"}, "--api-profile"},
		{[]string{"cleanup", "--base-url", "http://127.0.0.1:1", "--api-profile", "/dev/zero"}, "--api-profile"},
		{[]string{"merge", "/dev/zero"}, "/dev/zero"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, tc.args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		cancel()
		code := cmd.ProcessState.ExitCode()
		if code != ExitUsage || !strings.Contains(out.String(), tc.flag) {
			t.Errorf("%v: exit %d (%v), want %d naming %s:\n%s", tc.args, code, err, ExitUsage, tc.flag, out.String())
		}
		if strings.Contains(out.String(), "Sekrit-pw-42") {
			t.Errorf("%v: the password was echoed:\n%s", tc.args, out.String())
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v: took %v", tc.args, d)
		}
	}
}
