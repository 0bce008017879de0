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
