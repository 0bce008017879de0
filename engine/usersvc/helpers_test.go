package usersvc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// startService runs a Service on a real loopback listener for the test's lifetime.
func startService(t testing.TB, cfg Config) *Running {
	t.Helper()
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = 4 // keep tests fast; the cost itself is benchmarked
	}
	run, err := Start(context.Background(), cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start service: %v", err)
	}
	t.Cleanup(func() {
		if err := run.Close(); err != nil {
			t.Errorf("close service: %v", err)
		}
	})
	return run
}

type apiClient struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func newClient(t testing.TB, run *Running) *apiClient {
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	// Before the service closes (cleanups run last first): a connection the
	// transport dialled but never used is "new" to the server, and Shutdown
	// waits up to 5 s for such a one to send its request — the whole grace.
	t.Cleanup(hc.CloseIdleConnections)
	return &apiClient{t: t, base: run.URL, hc: hc}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a fresh value of type T.
func decodeAs[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

type errBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// do sends body (a string is sent raw, nil as no body, anything else as JSON).
func (c *apiClient) do(method, path, token string, body any) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("new request %s %s: %v", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect sends a request and fails the test unless the status is want. Error answers
// must always carry the JSON error shape.
func (c *apiClient) expect(want int, method, path, token string, body any) response {
	c.t.Helper()
	r := c.do(method, path, token, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	if r.status >= 400 {
		e := decodeAs[errBody](c.t, r)
		if e.Error.Code == "" || e.Error.Message == "" {
			c.t.Fatalf("%s %s: error body lacks code or message: %s", method, path, r.body)
		}
	}
	return r
}

// expectCode checks status and error code.
func (c *apiClient) expectCode(want int, code, method, path, token string, body any) errBody {
	c.t.Helper()
	r := c.expect(want, method, path, token, body)
	e := decodeAs[errBody](c.t, r)
	if e.Error.Code != code {
		c.t.Fatalf("%s %s: code %q, want %q (%s)", method, path, e.Error.Code, code, r.body)
	}
	return e
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func (c *apiClient) login(username, password string) tokens {
	c.t.Helper()
	r := c.expect(http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	tk := decodeAs[tokens](c.t, r)
	if tk.AccessToken == "" || tk.RefreshToken == "" || tk.TokenType != "Bearer" || tk.ExpiresIn <= 0 {
		c.t.Fatalf("login %s: incomplete tokens %s", username, r.body)
	}
	return tk
}

type userJSON struct {
	ID       int64    `json:"id"`
	Username string   `json:"username"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Active   bool     `json:"active"`
	Roles    []string `json:"roles"`
}

// register creates a user with a standard password and returns it.
func (c *apiClient) register(username string) userJSON {
	c.t.Helper()
	r := c.expect(http.StatusCreated, "POST", "/api/v1/users", "", map[string]string{
		"username": username, "email": username + "@simulation.test", "password": "secret123", "name": "Test " + username,
	})
	return decodeAs[userJSON](c.t, r)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// metricValue gathers reg and returns the value of the counter or gauge series name
// whose labels include the given name/value pairs.
func metricValue(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}
