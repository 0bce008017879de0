package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// otherShape serves the reference API in another shape, as a different user
// service might: routes under /v2 (search at /v2/users/find), login with
// {"user": email, "pass": …}, the token in X-Auth-Token, request bodies wrapped
// in {"payload": …} with full_name for name, answers wrapped in {"data": …}
// with ids as uid, pages as {"data": {"items": […]}} and tokens as
// {"data": {"token", "refresh", "ttl"}}. It translates to the reference target
// behind it.
func otherShape(t *testing.T, backend string) *httptest.Server {
	reqRename := map[string]string{"user": "email", "pass": "password", "full_name": "name", "refresh": "refresh_token"}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if !strings.HasPrefix(path, "/v2/") {
			http.NotFound(w, r)
			return
		}
		path = "/api/v1/" + strings.TrimPrefix(path, "/v2/")
		switch {
		case path == "/api/v1/users/find":
			path = "/api/v1/users/search"
		case path == "/api/v1/users/search":
			http.NotFound(w, r) // not a route of this shape
			return
		}
		var body io.Reader
		if raw, _ := io.ReadAll(r.Body); len(raw) > 0 {
			var env map[string]map[string]any
			if err := json.Unmarshal(raw, &env); err != nil || env["payload"] == nil {
				http.Error(w, `{"error":"wrap the body in payload"}`, http.StatusBadRequest)
				return
			}
			in := map[string]any{}
			for k, v := range env["payload"] {
				if nk, ok := reqRename[k]; ok {
					k = nk
				}
				in[k] = v
			}
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, backend+path+"?"+r.URL.RawQuery, body)
		if tok := r.Header.Get("X-Auth-Token"); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 || len(raw) == 0 {
			w.WriteHeader(resp.StatusCode)
			w.Write(raw)
			return
		}
		var v map[string]any
		json.Unmarshal(raw, &v)
		var out any
		switch {
		case v["access_token"] != nil:
			out = map[string]any{"data": map[string]any{"token": v["access_token"], "refresh": v["refresh_token"], "ttl": v["expires_in"]}}
		case v["page"] != nil:
			out = map[string]any{"data": map[string]any{"items": reshape(v["data"]), "total": v["total"]}}
		default:
			out = map[string]any{"data": reshape(v)}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		json.NewEncoder(w).Encode(out)
	}))
}

// reshape renames id → uid and name → full_name throughout.
func reshape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			switch k {
			case "id":
				k = "uid"
			case "name":
				k = "full_name"
			}
			m[k] = reshape(e)
		}
		return m
	case []any:
		for i := range x {
			x[i] = reshape(x[i])
		}
	}
	return v
}

const otherShapeProfile = `# the API of otherShape
base_path: /v2
routes:
  users.search: /users/find
login: {with: email, field: user, password_field: pass}
token:
  access: data.token
  refresh: data.refresh
  expires_in: data.ttl
  refresh_field: refresh
  header: X-Auth-Token
  scheme: "-"
object: data
id: uid
items: data.items
envelope: payload
fields: {name: full_name}
`

// startTarget starts a reference target over loopback (admin password
// Admin-pass-1), closed when the test ends.
func startTarget(t *testing.T) *usersvc.Running {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Admin-pass-1"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	return target
}

func TestAPIProfileDrivesAnotherShape(t *testing.T) {
	target := startTarget(t)
	proxy := otherShape(t, target.URL)
	defer proxy.Close()
	prof := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(prof, []byte(otherShapeProfile), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg := DefaultConfig()
	cfg.Users, cfg.MinRequests, cfg.MaxRequests = 20, 60, 120
	cfg.DelayMin, cfg.DelayMax = 0, 0
	cfg.Scenario = "metrics_generation" // every route; no injected 5xx with a base URL
	cfg.BaseURL = proxy.URL
	cfg.APIProfile = prof
	cfg.AdminPassword = "Admin-pass-1"
	cfg.AdminUser = "admin@example.com" // this API logs in by email
	cfg.Seed = 5
	r := runToEnd(t, cfg)
	s := r.Summary()
	if s.State != "finished" {
		t.Fatalf("state %q: %s", s.State, s.Error)
	}
	routes := map[string]bool{}
	for _, e := range s.Endpoints {
		routes[e.Method+" "+e.Route] = true
		if !strings.HasPrefix(e.Route, "/v2/") {
			t.Errorf("route label %q is not the profile's template", e.Route)
		}
	}
	for _, ep := range catalog.All() {
		want := strings.Replace(ep.Route, "/api/v1", "/v2", 1)
		if ep.ID == catalog.UsersSearch {
			want = "/v2/users/find"
		}
		if !routes[ep.Method+" "+want] {
			t.Errorf("never requested %s %s", ep.Method, want)
		}
	}
	// Everything the VUs did not intend would show a misread profile: tokens not
	// found (401s), ids not found (404s), bodies not understood (400/422).
	if s.Unexpected > s.Requests/200 {
		t.Errorf("%d of %d outcomes unexpected", s.Unexpected, s.Requests)
	}
	if s.Outcomes.Success < s.Requests*80/100 {
		t.Errorf("success %d of %d", s.Outcomes.Success, s.Requests)
	}
	if s.TokenOperations["login"]["success"] == 0 || s.TokenOperations["refresh"]["success"] == 0 {
		t.Errorf("token operations %v", s.TokenOperations)
	}
	if s.Cleanup.Created == 0 || s.Cleanup.Left != 0 || s.Cleanup.Error != "" {
		t.Errorf("cleanup %+v", s.Cleanup)
	}
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != 0 {
		t.Errorf("%d simulation users left on the target", n)
	}
	t.Logf("%d requests, success %d, unexpected %d, cleanup %+v", s.Requests, s.Outcomes.Success, s.Unexpected, s.Cleanup)
}

// simUsers counts the users named sim_<run>_ on a reference target, asking its
// API as admin.
func simUsers(t *testing.T, base, password, run string) int {
	t.Helper()
	return searchTotal(t, base, adminToken(t, base, password), "sim_"+run+"_")
}

// adminToken logs the reference target's admin in.
func adminToken(t *testing.T, base, password string) string {
	t.Helper()
	body := strings.NewReader(`{"username":"admin","password":"` + password + `"}`)
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil || tok.AccessToken == "" {
		t.Fatalf("admin login: %d", resp.StatusCode)
	}
	return tok.AccessToken
}

// searchTotal is how many users the target's search for q counts.
func searchTotal(t *testing.T, base, token, q string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/users/search?per_page=100&q="+url.QueryEscape(q), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
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
