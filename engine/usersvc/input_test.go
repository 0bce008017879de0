package usersvc

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestRegistrationValidation(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	cases := []struct {
		name  string
		body  map[string]string
		field string
	}{
		{"short username", map[string]string{"username": "ab", "email": "a@b.co", "password": "secret123", "name": "A"}, "username"},
		{"upper-case username", map[string]string{"username": "Abcd", "email": "a@b.co", "password": "secret123", "name": "A"}, "username"},
		{"long username", map[string]string{"username": strings.Repeat("a", 33), "email": "a@b.co", "password": "secret123", "name": "A"}, "username"},
		{"bad email", map[string]string{"username": "abcd", "email": "not-an-email", "password": "secret123", "name": "A"}, "email"},
		{"email with display name", map[string]string{"username": "abcd", "email": "A <a@b.co>", "password": "secret123", "name": "A"}, "email"},
		{"email without dot", map[string]string{"username": "abcd", "email": "a@localhost", "password": "secret123", "name": "A"}, "email"},
		{"long email", map[string]string{"username": "abcd", "email": strings.Repeat("a", 250) + "@b.co", "password": "secret123", "name": "A"}, "email"},
		{"short password", map[string]string{"username": "abcd", "email": "a@b.co", "password": "abc123", "name": "A"}, "password"},
		{"password without digit", map[string]string{"username": "abcd", "email": "a@b.co", "password": "abcdefghij", "name": "A"}, "password"},
		{"password without letter", map[string]string{"username": "abcd", "email": "a@b.co", "password": "1234567890", "name": "A"}, "password"},
		{"password over 72 bytes", map[string]string{"username": "abcd", "email": "a@b.co", "password": strings.Repeat("a1", 37), "name": "A"}, "password"},
		{"blank name", map[string]string{"username": "abcd", "email": "a@b.co", "password": "secret123", "name": "  "}, "name"},
		{"long name", map[string]string{"username": "abcd", "email": "a@b.co", "password": "secret123", "name": strings.Repeat("é", 101)}, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := c.expectCode(422, "validation_failed", "POST", "/api/v1/users", "", tc.body)
			if len(e.Error.Fields) != 1 || e.Error.Fields[tc.field] == "" {
				t.Fatalf("fields = %v, want exactly %q", e.Error.Fields, tc.field)
			}
		})
	}
	// An empty body reports every required field.
	e := c.expectCode(422, "validation_failed", "POST", "/api/v1/users", "", "")
	for _, f := range []string{"username", "email", "password", "name"} {
		if e.Error.Fields[f] == "" {
			t.Fatalf("empty registration should name %s: %v", f, e.Error.Fields)
		}
	}
	// Bounds are inclusive.
	c.expect(201, "POST", "/api/v1/users", "", map[string]string{"username": "a.b", "email": "x@y.io", "password": strings.Repeat("a", 71) + "1", "name": strings.Repeat("n", 100)})
	adm := c.login("admin", "admin").AccessToken
	e = c.expectCode(422, "validation_failed", "POST", "/api/v1/roles", adm, map[string]string{"name": "x", "description": strings.Repeat("d", 201)})
	if e.Error.Fields["name"] == "" || e.Error.Fields["description"] == "" {
		t.Fatalf("role validation should name name and description: %v", e.Error.Fields)
	}
	e = c.expectCode(422, "validation_failed", "GET", "/api/v1/users?page=x&per_page=0", adm, nil)
	if e.Error.Fields["page"] == "" || e.Error.Fields["per_page"] == "" {
		t.Fatalf("paging validation should name page and per_page: %v", e.Error.Fields)
	}
}

func TestMalformedBodies(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	adm := c.login("admin", "admin").AccessToken
	huge := `{"username":"` + strings.Repeat("a", maxBody) + `"}`
	cases := []struct {
		name, method, path, token, body, code string
	}{
		{"syntax error", "POST", "/api/v1/users", "", `{"username":`, "invalid_json"},
		{"not json", "POST", "/api/v1/auth/login", "", `username=admin`, "invalid_json"},
		{"trailing data", "POST", "/api/v1/auth/login", "", `{"username":"admin","password":"admin"} {}`, "invalid_json"},
		{"wrong type", "POST", "/api/v1/users", "", `{"username":42}`, "bad_request"},
		{"wrong type nested", "POST", "/api/v1/roles", adm, `{"name":"abc","permissions":"users.read"}`, "bad_request"},
		{"array body", "PUT", "/admin/faults", adm, `[1,2]`, "bad_request"},
		{"wrong type in faults", "PUT", "/admin/faults", adm, `{"error_rate":"high"}`, "bad_request"},
		{"oversized", "POST", "/api/v1/users", "", huge, "bad_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := c.expectCode(400, tc.code, tc.method, tc.path, tc.token, tc.body)
			if tc.name == "wrong type" && !strings.Contains(e.Error.Message, "username") {
				t.Fatalf("type error should name the field: %q", e.Error.Message)
			}
		})
	}
	// Unknown fields are tolerated.
	c.expect(200, "POST", "/api/v1/auth/login", "", `{"username":"admin","password":"admin","remember_me":true}`)
	// The service is still fine.
	c.expect(200, "GET", "/healthz", "", nil)
}

// TestRecoverMiddleware makes a handler panic: the client gets a JSON 500 and the
// service keeps serving. No real route panics; this guards the safety net itself.
func TestRecoverMiddleware(t *testing.T) {
	s, err := New(Config{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range s.router.bySegs {
		for _, r := range rs {
			if r.pattern == "/healthz" {
				r.h = func(http.ResponseWriter, *http.Request, caller) error { panic("boom") }
			}
		}
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(buf.String(), `"code":"internal"`) {
		t.Fatalf("panic answer = %d %s", resp.StatusCode, buf.String())
	}
	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	_, _ = buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(buf.String(), `http_server_requests_total{method="GET",route="/healthz",status="500"} 1`) {
		t.Fatal("the recovered request was not counted as a 500")
	}
}

// TestConcurrentUse hammers registration, reads and updates from several goroutines;
// run with -race it checks the store's locking, and the counts must add up.
func TestConcurrentUse(t *testing.T) {
	run := startService(t, Config{})
	c := newClient(t, run)
	adm := c.login("admin", "admin").AccessToken
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wc := &apiClient{t: t, base: c.base, hc: c.hc}
			for i := range each {
				name := path("sim_abcdefgh_w%d_%d", w, i)
				r := wc.do("POST", "/api/v1/users", "", map[string]string{"username": name, "email": name + "@simulation.test", "password": "secret123", "name": name})
				if r.status != 201 {
					errs <- path("register %s: %d %s", name, r.status, r.body)
					continue
				}
				u := decodeAs[userJSON](t, r)
				for _, req := range [][2]string{
					{"GET", path("/api/v1/users/%d", u.ID)},
					{"GET", "/api/v1/users/search?q=" + name},
					{"PUT", path("/api/v1/users/%d", u.ID)},
					{"POST", path("/api/v1/users/%d/profile", u.ID)},
				} {
					if r := wc.do(req[0], req[1], adm, map[string]string{"name": "Renamed"}); r.status >= 300 {
						errs <- path("%s %s: %d %s", req[0], req[1], r.status, r.body)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	p := decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users/search?q=sim_abcdefgh_w&per_page=1", adm, nil))
	if p.Total != workers*each {
		t.Fatalf("search total = %d, want %d", p.Total, workers*each)
	}
	if got := metricValue(t, run.Service.Registry(), "usersvc_users", "state", "active"); got != workers*each+1 {
		t.Fatalf("usersvc_users{state=active} = %v, want %d", got, workers*each+1)
	}
}

// TestDrainingAnswers503 checks requests arriving during shutdown get 503 unavailable.
func TestDrainingAnswers503(t *testing.T) {
	s, err := New(Config{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.draining.Store(true)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"code":"unavailable"`) || w.Header().Get("Connection") != "close" {
		t.Fatalf("draining answer = %d %v %s", w.Code, w.Header(), w.Body)
	}
}
