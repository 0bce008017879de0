// Package promtest runs a real Prometheus (Debian's package) for tests: on a
// loopback port, with an empty storage directory and the remote-write receiver
// on, and queries it through its HTTP API. Tests that need it are skipped when
// prometheus is not installed (.ci/run installs it) or with -short.
package promtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a server a test runs (Prometheus, Jaeger).
type Process struct {
	Name   string
	Out    *Tail           // the last of its output
	Exited <-chan struct{} // closed when it ends
}

// StartProcess starts cmd for the test — never outliving the test binary —
// and stops it when the test ends: SIGTERM, a kill after grace; its output is
// logged when the test failed.
func StartProcess(t *testing.T, name string, cmd *exec.Cmd, grace time.Duration) *Process {
	t.Helper()
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = DieWithParent()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(grace):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out)
		}
	})
	return &Process{Name: name, Out: out, Exited: exited}
}

// WaitReady asks ready every interval until it says yes; the test fails when
// the process exits first or timeout passes.
func (p *Process) WaitReady(t *testing.T, timeout, every time.Duration, ready func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := ready()
		if ok {
			return
		}
		select {
		case <-p.Exited:
			t.Fatalf("%s exited during start-up:\n%s", p.Name, p.Out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within %v: %v\n%s", p.Name, timeout, err, p.Out)
		}
		time.Sleep(every)
	}
}

// Sample is one element of an instant query's vector.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// StartReceiver starts Prometheus with the remote-write receiver and no scrape
// targets, stops it when the test ends, and returns its base URL.
func StartReceiver(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian: apt-get install prometheus); skipping the live Prometheus test")
	}
	if testing.Short() {
		t.Skip("-short: skipping the live Prometheus test")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr,
		"--web.enable-remote-write-receiver",
		"--log.level=warn")
	p := StartProcess(t, "prometheus", cmd, 10*time.Second)
	base := "http://" + addr
	p.WaitReady(t, 30*time.Second, 100*time.Millisecond, func() (bool, error) {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	return base
}

// Query runs an instant PromQL query and fails the test on an error answer.
func Query(t *testing.T, base, q string) []Sample {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s %s", q, err, r.Error, body)
	}
	out := make([]Sample, 0, len(r.Data.Result))
	for _, x := range r.Data.Result {
		v, err := strconv.ParseFloat(fmt.Sprint(x.Value[1]), 64)
		if err != nil {
			t.Fatalf("query %s: value %v: %v", q, x.Value[1], err)
		}
		out = append(out, Sample{x.Metric, v})
	}
	return out
}

// Poll repeats the query until check accepts its result, failing the test
// after 20 s with the last result.
func Poll(t *testing.T, base, q string, check func([]Sample) bool) []Sample {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := Query(t, base, q)
		if check(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s: still %+v after 20s", q, got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// One accepts a result of exactly one sample of value v.
func One(v float64) func([]Sample) bool {
	return func(s []Sample) bool { return len(s) == 1 && s[0].Value == v }
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// tail keeps the last 16 KiB of a process's output, safe for concurrent use.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tail) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 16<<10; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *tail) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}

// FreeAddr is a free loopback host:port for a test's server.
func FreeAddr(t *testing.T) string { t.Helper(); return freeAddr(t) }

// Tail keeps the last 16 KiB of a process's output (other test helpers'
// processes too).
type Tail = tail
