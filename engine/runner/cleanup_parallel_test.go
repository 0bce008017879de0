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
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/usersvc"
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

// TestCleanupTargetInPasses: trafficsim cleanup has no ledger, so its search
// stops at maxFindPages. When more of a run's records are left than that
// bound lists (100,000 at the reference target's page size; here a proxy
// makes the reference target's search pages one record long), the cleanup
// deletes what it listed and searches again, until it has listed and deleted
// them all, then verifies on the target. Users of another run and the
// target's own stay. A pass that finds nothing new (every delete refused)
// ends it: not verified, nothing lost, no endless search.
func TestCleanupTargetInPasses(t *testing.T) {
	const run, want = "pass1234", maxFindPages + 50
	names := []string{"sim_other123_u1", "alice"}
	for i := range want {
		names = append(names, fmt.Sprintf("sim_%s_u%d", run, i))
	}
	clean := func(t *testing.T, refuseDeletes bool) (CleanupReport, *usersvc.Running, string, int32, error) {
		target := startTarget(t)
		token := adminToken(t, target.URL, "Admin-pass-1")
		createUsers(t, target.URL, token, names)
		u, err := url.Parse(target.URL)
		if err != nil {
			t.Fatal(err)
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		var searches atomic.Int32
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/api/v1/users/search":
				searches.Add(1)
				q := r.URL.Query()
				q.Set("per_page", "1")
				r.URL.RawQuery = q.Encode()
			case refuseDeletes && r.Method == http.MethodDelete:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"error":"forbidden"}`))
				return
			}
			rp.ServeHTTP(w, r)
		}))
		t.Cleanup(proxy.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		rep, err := CleanupTarget(ctx, CleanupOptions{BaseURL: proxy.URL, RunID: run, AdminPassword: "Admin-pass-1"})
		return rep, target, token, searches.Load(), err
	}
	t.Run("all", func(t *testing.T) {
		rep, target, token, searches, err := clean(t, false)
		if err != nil || rep.Found != want || rep.Deleted != want || len(rep.Left) != 0 || !rep.Verified {
			t.Errorf("cleanup found %d, deleted %d, left %d, verified %v, reason %q, error %v; want all %d deleted, verified",
				rep.Found, rep.Deleted, len(rep.Left), rep.Verified, rep.Reason, err, want)
		}
		// Two passes (1,000 pages, then the last 50) and the verification's one.
		if searches != want+1 {
			t.Errorf("%d search pages requested, want %d", searches, want+1)
		}
		if n := searchTotal(t, target.URL, token, "sim_"+run+"_"); n != 0 {
			t.Errorf("%d of the run's users left on the target", n)
		}
		if n := searchTotal(t, target.URL, token, "sim_other123_"); n != 1 {
			t.Errorf("%d users of another run on the target, want 1", n)
		}
		if n := searchTotal(t, target.URL, token, "alice"); n != 1 {
			t.Errorf("%d users named alice on the target, want 1", n)
		}
	})
	t.Run("no progress", func(t *testing.T) {
		rep, target, token, searches, err := clean(t, true)
		if err == nil || rep.Verified || rep.Found != maxFindPages || rep.Deleted != 0 || len(rep.Left) != maxFindPages ||
			!strings.Contains(rep.Reason, "could not list") {
			t.Errorf("cleanup found %d, deleted %d, left %d, verified %v, reason %q, error %v; want %d found, none deleted, not verified",
				rep.Found, rep.Deleted, len(rep.Left), rep.Verified, rep.Reason, err, maxFindPages)
		}
		if searches != 2*maxFindPages {
			t.Errorf("%d search pages requested, want %d (two passes, the second finding nothing new)", searches, 2*maxFindPages)
		}
		if n := searchTotal(t, target.URL, token, "sim_"+run+"_"); n != want {
			t.Errorf("%d of the run's users on the target, want all %d", n, want)
		}
	})
}

// createUsers creates users of these names on a reference target as its
// admin, eight at a time.
func createUsers(t *testing.T, base, token string, names []string) {
	t.Helper()
	var wg sync.WaitGroup
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			for name := range work {
				body := fmt.Sprintf(`{"username":%q,"email":"%s@simulation.test","password":"Pass-word-1","name":"Sim"}`, name, name)
				req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/users", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("create %s: %d", name, resp.StatusCode)
				}
			}
		})
	}
	for _, n := range names {
		work <- n
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// TestWorkersFinishAGroupFirst: the first item of a new group (a record's
// kind) starts only once every call of the group before it has ended — the
// cleanup deletes every user before any role. The calls of group a stay
// under way for a while (all three at once, so the test takes that long
// once); a b call started meanwhile is caught by every one of them.
func TestWorkersFinishAGroupFirst(t *testing.T) {
	const hold = 100 * time.Millisecond
	bStarted := make(chan struct{})
	var mu sync.Mutex
	endedA, early := 0, 0
	w := &workers[string]{ctx: context.Background(), f: func(item string) error {
		if item[0] == 'b' {
			mu.Lock()
			if endedA != 3 {
				early++
			}
			mu.Unlock()
			close(bStarted)
			return nil
		}
		select {
		case <-bStarted:
			mu.Lock()
			early++
			mu.Unlock()
		case <-time.After(hold):
		}
		mu.Lock()
		endedA++
		mu.Unlock()
		return nil
	}}
	for _, item := range []string{"a1", "a2", "a3"} {
		w.add("a", item)
	}
	w.add("b", "b1")
	if errs := w.wait(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if early != 0 || endedA != 3 {
		t.Errorf("a b call started while %d a calls were under way (%d ended, want 3)", early, endedA)
	}
}
