package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// frontProxy stands in front of a reference target and lets hook change what
// it sees: hook may rewrite the request (then it goes on to the target) or
// answer it itself (and return true).
func frontProxy(t *testing.T, target string, hook func(w http.ResponseWriter, r *http.Request) bool) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hook(w, r) {
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// runNames are n user names of run.
func runNames(run string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("sim_%s_u%d_1", run, i))
	}
	return out
}

// cleanupTarget runs trafficsim cleanup against base with a minute's bound.
func cleanupTarget(t *testing.T, base, run string) (CleanupReport, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return CleanupTarget(ctx, CleanupOptions{BaseURL: base, RunID: run, AdminPassword: "Admin-pass-1"})
}

// TestCleanupRepeatedPageIsAnError: a target that ignores the profile's page
// parameter answers every page with the first one. That repeat is not the end
// of the list — what lies beyond it was never seen — so the cleanup is not
// verified, and the reason names the profile's paging setting.
func TestCleanupRepeatedPageIsAnError(t *testing.T) {
	const run = "page1234"
	target := startTarget(t)
	token := adminToken(t, target.URL, "Admin-pass-1")
	createUsers(t, target.URL, token, runNames(run, 12))
	base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/v1/users/search" {
			q := r.URL.Query()
			q.Set("per_page", "5")
			q.Del("page")
			r.URL.RawQuery = q.Encode()
		}
		return false
	})
	rep, err := cleanupTarget(t, base, run)
	if err == nil || rep.Verified || !strings.Contains(rep.Reason, `paging.style "page"`) {
		t.Errorf("cleanup found %d, deleted %d, left %d, verified %v, reason %q, error %v; want not verified, naming paging.style",
			rep.Found, rep.Deleted, len(rep.Left), rep.Verified, rep.Reason, err)
	}
	if n := searchTotal(t, target.URL, token, "sim_"+run+"_"); n != 12-rep.Deleted {
		t.Errorf("%d of the run's users on the target, want %d (12, less the %d deleted)", n, 12-rep.Deleted, rep.Deleted)
	}
}

// call sends one request to a reference target as token's holder and decodes
// the answer into out (when not nil); it returns the status.
func call(t *testing.T, base, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// TestCleanupTargetReadsBeforeDelete: between trafficsim cleanup's search and
// its deletes the target is restored from a backup (here: the proxy switches
// to a second reference target) and hands the ids the search listed to other
// people's accounts. Each delete reads the record first: none of them is
// deleted, and each is counted as foreign skipped.
func TestCleanupTargetReadsBeforeDelete(t *testing.T) {
	const run = "wipe1234"
	before, after := startTarget(t), startTarget(t)
	names := runNames(run, 10)
	createUsers(t, before.URL, adminToken(t, before.URL, "Admin-pass-1"), names)
	// The restored target: the same ids, other people.
	var people []string
	for i := range names {
		people = append(people, fmt.Sprintf("carol%02d", i))
	}
	afterToken := adminToken(t, after.URL, "Admin-pass-1")
	createUsers(t, after.URL, afterToken, people)
	var restored atomic.Bool
	beforeURL, _ := url.Parse(before.URL)
	afterURL, _ := url.Parse(after.URL)
	toBefore, toAfter := httputil.NewSingleHostReverseProxy(beforeURL), httputil.NewSingleHostReverseProxy(afterURL)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if restored.Load() {
			toAfter.ServeHTTP(w, r)
			return
		}
		toBefore.ServeHTTP(w, r)
		if r.URL.Path == "/api/v1/users/search" {
			restored.Store(true) // right after the first search
		}
	}))
	t.Cleanup(proxy.Close)
	rep, err := cleanupTarget(t, proxy.URL, run)
	if rep.Found != len(names) || rep.Deleted != 0 || rep.ForeignSkipped != len(names) {
		t.Errorf("cleanup found %d, deleted %d, foreign skipped %d, left %v, error %v; want %d found, none deleted, all foreign skipped",
			rep.Found, rep.Deleted, rep.ForeignSkipped, rep.Left, err, len(names))
	}
	for _, name := range people {
		if n := searchTotal(t, after.URL, afterToken, name); n != 1 {
			t.Errorf("%s: %d on the restored target, want 1 (not deleted)", name, n)
		}
	}
}

// TestCleanupEveryRunTakesOnlyRunNames: trafficsim cleanup without --run
// deletes the records of any run (sim_<run id>_…) and none of the target's
// own that merely start with sim_: a user sim_ops_bot with an
// @simulation.test email, a role sim_readers, a permission sim_export.
func TestCleanupEveryRunTakesOnlyRunNames(t *testing.T) {
	target := startTarget(t)
	token := adminToken(t, target.URL, "Admin-pass-1")
	createUsers(t, target.URL, token, []string{"sim_ops_bot", "sim_abcd1234_u0_1", "sim_other123_u1_2"})
	type rec struct {
		ID int64 `json:"id"`
	}
	ids := map[string]string{}
	for _, c := range []struct{ path, name string }{
		{"/api/v1/roles", "sim_readers"}, {"/api/v1/roles", "sim_abcd1234_r0_1"},
		{"/api/v1/permissions", "sim_export"}, {"/api/v1/permissions", "sim_abcd1234_p0_1"},
	} {
		var r rec
		if code := call(t, target.URL, token, "POST", c.path, map[string]string{"name": c.name, "description": "test"}, &r); code != 201 {
			t.Fatalf("create %s %s: %d", c.path, c.name, code)
		}
		ids[c.name] = c.path + "/" + strconv.FormatInt(r.ID, 10)
	}
	rep, err := cleanupTarget(t, target.URL, "")
	if err != nil || rep.Deleted != 4 {
		t.Errorf("cleanup found %d, deleted %d, left %v, error %v; want the 4 records of runs deleted", rep.Found, rep.Deleted, rep.Left, err)
	}
	if n := searchTotal(t, target.URL, token, "sim_ops_bot"); n != 1 {
		t.Errorf("sim_ops_bot: %d on the target, want 1 (not deleted)", n)
	}
	if n := searchTotal(t, target.URL, token, "sim_abcd1234_") + searchTotal(t, target.URL, token, "sim_other123_"); n != 0 {
		t.Errorf("%d users of runs left, want 0", n)
	}
	for name, path := range ids {
		want := 404
		if name == "sim_readers" || name == "sim_export" {
			want = 200
		}
		if code := call(t, target.URL, token, "GET", path, nil, nil); code != want {
			t.Errorf("%s (%s): GET answered %d, want %d", name, path, code, want)
		}
	}
}

// userDelete reports whether r deletes a user (DELETE /api/v1/users/{id}).
func userDelete(r *http.Request) bool {
	return r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v1/users/") && strings.Count(r.URL.Path, "/") == 4
}

// TestRunCleanupReadsWhatItRemembers: the target's user search finds none of
// the run's users (it matches whole usernames only), and it refuses to delete
// every other one (409). The run's cleanup counts on the target what it
// remembers: the refused users are left — not gone because the search missed
// them — and the result is not verified, saying the search does not find
// the run's records.
func TestRunCleanupReadsWhatItRemembers(t *testing.T) {
	target := startTarget(t)
	var deletes atomic.Int32
	base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/v1/users/search" {
			q := r.URL.Query()
			if strings.HasPrefix(q.Get("q"), "sim_") {
				q.Set("q", "no user is named this")
				r.URL.RawQuery = q.Encode()
			}
		}
		if userDelete(r) && deletes.Add(1)%2 == 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"error":"delete the profile first"}`))
			return true
		}
		return false
	})
	r := runToEnd(t, sessionRunConfig(t, base))
	c := r.Summary().Cleanup
	left := simUsers(t, target.URL, "Admin-pass-1", r.ID())
	want := sessionVUs * sessionsPerVU
	if left == 0 || c.Created != want || c.Left != left || c.Gone != 0 || c.Deleted != want-left {
		t.Errorf("cleanup %+v; want created %d, left %d (what the target has), deleted the rest, none gone", c, want, left)
	}
	if c.Verified || !strings.Contains(c.Reason, "search does not find the run's records") || !strings.Contains(c.Reason, "query.search") {
		t.Errorf("verified %v, reason %q; want not verified: the search does not find the run's records, naming query.search", c.Verified, c.Reason)
	}
}

// TestRunCleanupSoftDelete: the target answers a user's delete 202 and keeps
// the user (a soft delete). Each of the run's users is created once and left
// once — the target still returns it — with that reason, never counted
// again because a search lists it.
func TestRunCleanupSoftDelete(t *testing.T) {
	target := startTarget(t)
	base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if userDelete(r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"status":"deletion scheduled"}`))
			return true
		}
		return false
	})
	r := runToEnd(t, sessionRunConfig(t, base))
	c := r.Summary().Cleanup
	want := sessionVUs * sessionsPerVU
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != want {
		t.Fatalf("%d of the run's users on the target, want all %d", n, want)
	}
	if c.Created != want || c.Left != want || c.Deleted != 0 || c.Gone != 0 || !c.Verified ||
		!strings.Contains(c.Error, "the target still returns it after a 2xx delete") {
		t.Errorf("cleanup %+v; want created %d, left %d, verified, the error saying the target still returns them", c, want, want)
	}
}

// TestRunCountsAForbiddenDeleteThatLands: the target's authorisation is
// broken — a non-admin's delete of a user goes through (here the proxy sends
// it with an admin token). VUs' deliberate "forbidden" deletes aim at the
// run's own users; one that lands is the run's delete, counted deleted, not
// gone.
func TestRunCountsAForbiddenDeleteThatLands(t *testing.T) {
	target := startTarget(t)
	admin := adminToken(t, target.URL, "Admin-pass-1")
	var cleanupStarted atomic.Bool
	var landed atomic.Int32
	base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/auth/login" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if strings.Contains(string(body), `"admin"`) {
				cleanupStarted.Store(true) // only the cleanup logs in as admin in this run
			}
		}
		if userDelete(r) && !cleanupStarted.Load() {
			landed.Add(1)
			r.Header.Set("Authorization", "Bearer "+admin)
		}
		return false
	})
	var kinds []string
	for _, k := range catalog.ErrorKindNames() {
		w := 0
		if k == "forbidden" {
			w = 1
		}
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, w))
	}
	cfg := sessionRunConfig(t, base)
	cfg.Scenario = writeScenario(t, `base: mixed
archetypes:
  new_user: {weight: 0}
  admin: {weight: 0}
  power_user: {weight: 0}
  active_user:
    weight: 1
    sessions: {min: 4, max: 4}
    account: session
    journey: [signup, login, me, get_user]
errors:
  client: 0.5
  kinds: {`+strings.Join(kinds, ", ")+`}
`)
	r := runToEnd(t, cfg)
	c := r.Summary().Cleanup
	if landed.Load() == 0 {
		t.Fatal("no forbidden delete was sent; the test proves nothing")
	}
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != 0 || c.Gone != 0 || c.Deleted != c.Created || !c.Verified {
		t.Errorf("cleanup %+v, %d of the run's users on the target, %d forbidden deletes landed; want every user deleted by the run, none gone",
			c, n, landed.Load())
	}
}

// TestCleanupTargetChecksItsSearch: trafficsim cleanup has no ledger, only
// the target's search, so it says what that search is worth. A search that
// lists none of the run's users (it matches whole usernames only) is not
// called verified: the report says the result rests on the search alone. A
// search that stops listing users the cleanup read still there (their deletes
// refused) makes it not verified. A user whose delete the target answers 202
// and keeps is left, not deleted.
func TestCleanupTargetChecksItsSearch(t *testing.T) {
	const run = "srch1234"
	setup := func(t *testing.T, hook func(w http.ResponseWriter, r *http.Request) bool) (string, string, string) {
		target := startTarget(t)
		token := adminToken(t, target.URL, "Admin-pass-1")
		createUsers(t, target.URL, token, runNames(run, 6))
		return frontProxy(t, target.URL, hook), target.URL, token
	}
	blind := func(r *http.Request) {
		q := r.URL.Query()
		q.Set("q", "no user is named this")
		r.URL.RawQuery = q.Encode()
	}
	answer := func(w http.ResponseWriter, code int) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(`{}`))
		return true
	}
	t.Run("finds nothing", func(t *testing.T) {
		base, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/users/search" {
				blind(r)
			}
			return false
		})
		rep, err := cleanupTarget(t, base, run)
		if rep.Found != 0 || !rep.SearchOnly {
			t.Errorf("cleanup %+v, error %v; want nothing found, the result said to rest on the search alone", rep, err)
		}
	})
	t.Run("stops finding", func(t *testing.T) {
		var searches atomic.Int32
		base, target, token := setup(t, func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/users/search" && searches.Add(1) > 1 {
				blind(r)
			}
			if userDelete(r) {
				return answer(w, http.StatusConflict)
			}
			return false
		})
		rep, err := cleanupTarget(t, base, run)
		if err == nil || rep.Verified || !strings.Contains(rep.Reason, "search does not find the run's records") || len(rep.Left) != 6 {
			t.Errorf("cleanup found %d, deleted %d, left %d, verified %v, reason %q, error %v; want 6 left, not verified: the search does not find them",
				rep.Found, rep.Deleted, len(rep.Left), rep.Verified, rep.Reason, err)
		}
		if n := searchTotal(t, target, token, "sim_"+run+"_"); n != 6 {
			t.Errorf("%d of the run's users on the target, want 6", n)
		}
	})
	t.Run("soft delete", func(t *testing.T) {
		base, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) bool {
			if userDelete(r) {
				return answer(w, http.StatusAccepted)
			}
			return false
		})
		rep, err := cleanupTarget(t, base, run)
		if err == nil || rep.Deleted != 0 || len(rep.Left) != 6 || !strings.Contains(rep.Err, "the target still returns them after a 2xx delete") {
			t.Errorf("cleanup found %d, deleted %d, left %d, verified %v, error %v (%s); want none deleted, 6 left, the target said to still return them",
				rep.Found, rep.Deleted, len(rep.Left), rep.Verified, err, rep.Err)
		}
	})
}

// TestRunCleanupCountsCreationsWithoutID: the target answers a registration
// 201 with no id the run can read (here the proxy drops the answer's body), and
// its search finds none of the run's users. The ledger is empty, so reading
// it proves nothing: the result is not verified, saying how many creations
// the search did not find.
func TestRunCleanupCountsCreationsWithoutID(t *testing.T) {
	target := startTarget(t)
	base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/v1/users/search" {
			q := r.URL.Query()
			q.Set("q", "no user is named this")
			r.URL.RawQuery = q.Encode()
		}
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/users" {
			req, _ := http.NewRequest(r.Method, target.URL+r.URL.Path, r.Body)
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				w.WriteHeader(http.StatusBadGateway)
				return true
			}
			resp.Body.Close()
			w.WriteHeader(resp.StatusCode) // and no body: no id
			return true
		}
		return false
	})
	cfg := sessionRunConfig(t, base)
	r := runToEnd(t, cfg)
	c := r.Summary().Cleanup
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n == 0 {
		t.Fatal("no user of the run on the target; the test proves nothing")
	}
	if c.Verified || !strings.Contains(c.Reason, "creations whose answers held no id") {
		t.Errorf("cleanup %+v; want not verified: creations without an id the search did not find", c)
	}
}

// TestCleanupSearchMissNamesItsRoute: the target's list of roles ignores the
// search term for the run's prefix (here it lists nothing for it), while its
// user search works. The cleanup reads the run's roles by id, finds its
// search did not list them, and says so naming the roles' route
// (routes.roles.list), not the users' search; trafficsim cleanup, whose last
// search stops listing roles whose deletes were refused, names it too.
func TestCleanupSearchMissNamesItsRoute(t *testing.T) {
	blindRoles := func(r *http.Request) {
		if r.URL.Path == "/api/v1/roles" && strings.HasPrefix(r.URL.Query().Get("q"), "sim_") {
			q := r.URL.Query()
			q.Set("q", "no role is named this")
			r.URL.RawQuery = q.Encode()
		}
	}
	t.Run("run", func(t *testing.T) {
		target := startTarget(t)
		base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
			blindRoles(r)
			return false
		})
		cfg := DefaultConfig()
		cfg.BaseURL, cfg.AdminPassword, cfg.Seed = base, "Admin-pass-1", 5
		cfg.Scenario = writeScenario(t, `base: mixed
archetypes:
  new_user: {weight: 0}
  active_user: {weight: 0}
  power_user: {weight: 0}
  admin:
    weight: 1
    journey: [login, create_role, create_role]
errors: {client: 0}
`)
		cfg.Users, cfg.MinRequests, cfg.MaxRequests = 2, 3, 3
		cfg.DelayMin, cfg.DelayMax = 0, 0
		c := runToEnd(t, cfg).Summary().Cleanup
		if c.Created == 0 {
			t.Fatalf("cleanup %+v: the run created no role; the test proves nothing", c)
		}
		if c.Verified || !strings.Contains(c.Reason, "search does not find the run's records") ||
			!strings.Contains(c.Reason, "routes."+catalog.RolesList) || strings.Contains(c.Reason, catalog.UsersSearch) {
			t.Errorf("verified %v, reason %q; want not verified, naming routes.%s and not %s", c.Verified, c.Reason, catalog.RolesList, catalog.UsersSearch)
		}
	})
	t.Run("trafficsim cleanup", func(t *testing.T) {
		const run = "role1234"
		target := startTarget(t)
		token := adminToken(t, target.URL, "Admin-pass-1")
		for i := range 3 {
			if code := call(t, target.URL, token, "POST", "/api/v1/roles", map[string]string{"name": fmt.Sprintf("sim_%s_r%d", run, i)}, nil); code != http.StatusCreated {
				t.Fatalf("create role: %d", code)
			}
		}
		var searches atomic.Int32
		base := frontProxy(t, target.URL, func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/roles" && searches.Add(1) > 1 {
				blindRoles(r)
			}
			if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v1/roles/") {
				w.WriteHeader(http.StatusConflict)
				return true
			}
			return false
		})
		rep, err := cleanupTarget(t, base, run)
		if err == nil || rep.Verified || !strings.Contains(rep.Reason, "routes."+catalog.RolesList) || strings.Contains(rep.Reason, catalog.UsersSearch) {
			t.Errorf("cleanup found %d, left %d, verified %v, reason %q, error %v; want not verified, naming routes.%s and not %s",
				rep.Found, len(rep.Left), rep.Verified, rep.Reason, err, catalog.RolesList, catalog.UsersSearch)
		}
	})
}
