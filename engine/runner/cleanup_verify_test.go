package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
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
