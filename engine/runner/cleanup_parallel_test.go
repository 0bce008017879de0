package runner

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
)

// cleanupProxy stands between the engine and a reference target and watches
// the deletes of users (DELETE /api/v1/users/{id}: in these runs only the
// cleanup sends them). Each such delete waits at a gate until two are in
// flight at once, so a cleanup that deletes one at a time is seen as such
// (the gate gives up after 10 s, once, and says so). With revokeAfter > 0
// the token of the revokeAfter-th delete is refused with 401 from then on,
// as a target does with a token that expired during a long cleanup.
type cleanupProxy struct {
	*httptest.Server
	revokeAfter int

	mu        sync.Mutex
	inflight  int
	most      int
	deletes   int
	refused   int
	revoked   string
	tokens    map[string]bool
	gate      chan struct{}
	open      sync.Once
	waitedOut bool
}

func newCleanupProxy(t *testing.T, target string, revokeAfter int) *cleanupProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &cleanupProxy{revokeAfter: revokeAfter, tokens: map[string]bool{}, gate: make(chan struct{})}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		userDelete := r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v1/users/") && strings.Count(r.URL.Path, "/") == 4
		p.mu.Lock()
		if p.revoked != "" && auth == p.revoked {
			p.refused++
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"token expired"}`))
			return
		}
		if !userDelete {
			p.mu.Unlock()
			rp.ServeHTTP(w, r)
			return
		}
		p.deletes++
		if p.deletes == p.revokeAfter {
			p.revoked = auth // this delete still goes through
		}
		p.tokens[auth] = true
		p.inflight++
		p.most = max(p.most, p.inflight)
		if p.inflight >= 2 {
			p.open.Do(func() { close(p.gate) })
		}
		p.mu.Unlock()
		select {
		case <-p.gate:
		case <-time.After(10 * time.Second):
			p.mu.Lock()
			p.waitedOut = true
			p.mu.Unlock()
			p.open.Do(func() { close(p.gate) })
		}
		rp.ServeHTTP(w, r)
		p.mu.Lock()
		p.inflight--
		p.mu.Unlock()
	}))
	t.Cleanup(p.Close)
	return p
}

// checkParallel: the deletes overlapped, within the cleanup's bound.
func (p *cleanupProxy) checkParallel(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waitedOut || p.most < 2 || p.most > cleanupWorkers {
		t.Errorf("user deletes in flight at once: at most %d (the gate waited out: %v), want 2 to %d", p.most, p.waitedOut, cleanupWorkers)
	}
}

// checkRelogin: the revoked token was refused, and the deletes went on with
// another.
func (p *cleanupProxy) checkRelogin(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.revoked == "" || p.refused == 0 || len(p.tokens) < 2 {
		t.Errorf("revoked %v, %d requests refused, %d tokens on user deletes: want the cleanup to log in again", p.revoked != "", p.refused, len(p.tokens))
	}
}

// TestRunCleanupInParallel: a run's cleanup deletes several records at once
// (at most cleanupWorkers), logs in again when the target stops accepting its
// token, and still deletes and verifies every account the run created.
func TestRunCleanupInParallel(t *testing.T) {
	target := startTarget(t)
	proxy := newCleanupProxy(t, target.URL, 3)
	cfg := sessionRunConfig(t, proxy.URL)
	r := runToEnd(t, cfg)
	c := r.Summary().Cleanup
	want := sessionVUs * sessionsPerVU
	if c.Created != want || c.Deleted != want || c.Left != 0 || !c.Verified || c.Error != "" {
		t.Errorf("cleanup %+v, want all %d users deleted, verified, no error", c, want)
	}
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != 0 {
		t.Errorf("%d of the run's users left on the target", n)
	}
	proxy.checkParallel(t)
	proxy.checkRelogin(t)
}

// TestCleanupTargetInParallel: trafficsim cleanup does the same with what a
// run left behind.
func TestCleanupTargetInParallel(t *testing.T) {
	target := startTarget(t)
	cfg := sessionRunConfig(t, target.URL)
	cfg.Cleanup = false
	r := runToEnd(t, cfg)
	want := sessionVUs * sessionsPerVU
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != want {
		t.Fatalf("the run left %d users, want %d", n, want)
	}
	proxy := newCleanupProxy(t, target.URL, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := CleanupTarget(ctx, CleanupOptions{BaseURL: proxy.URL, RunID: r.ID(), AdminPassword: "Admin-pass-1"})
	if err != nil || rep.Found != want || rep.Deleted != want || len(rep.Left) != 0 || !rep.Verified {
		t.Errorf("cleanup %+v, error %v; want all %d users deleted, verified", rep, err, want)
	}
	if n := simUsers(t, target.URL, "Admin-pass-1", r.ID()); n != 0 {
		t.Errorf("%d of the run's users left on the target", n)
	}
	proxy.checkParallel(t)
	proxy.checkRelogin(t)
}

// TestFindPagesScaleWithTheRun: a search of more pages than maxFindPages is
// refused as a target that pages forever, unless the run created that many
// records (adminSession.maxPages): a run of many accounts can list them.
func TestFindPagesScaleWithTheRun(t *testing.T) {
	const total = maxFindPages + 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if r.URL.Path != "/api/v1/users/search" || page < 1 || page > total {
			fmt.Fprint(w, `{"data":[],"total":0}`)
			return
		}
		// One record a page, whatever per_page asks for.
		fmt.Fprintf(w, `{"data":[{"id":%d,"username":"sim_abcd1234_u0_%d"}],"total":%d}`, page, page, total)
	}))
	defer srv.Close()
	c, err := client.New(client.Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	s := &adminSession{c: c, log: slog.New(slog.DiscardHandler)}
	if _, err := s.find(ctx, "sim_abcd1234_", nil); err == nil || !strings.Contains(err.Error(), "more than 1000 pages") {
		t.Errorf("without the run's count: %v, want more than 1000 pages refused", err)
	}
	s.maxPages = maxFindPages + total
	recs, err := s.find(ctx, "sim_abcd1234_", nil)
	if err != nil || len(recs) != total {
		t.Errorf("with the run's count: %d records, error %v; want %d", len(recs), err, total)
	}
}
