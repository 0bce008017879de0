package check

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/internal/othersvc"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func otherProfile(t *testing.T) client.Profile {
	t.Helper()
	p, err := scenario.LoadProfile("../internal/othersvc/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runCheck(t *testing.T, o Options) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.Write(&buf)
	t.Log("\n" + buf.String())
	return rep
}

// TestWrongAdminPasswordNamesTheFlag: the one line a run refused by the check
// prints names the admin user and the flag to fix, not only "failed".
func TestWrongAdminPasswordNamesTheFlag(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Admin-pass-1"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	rep := runCheck(t, Options{BaseURL: target.URL, AdminUser: "admin", AdminPassword: "not-the-password"})
	want := `the admin login was refused (401); the run needs it (admin journeys, cleanup): check --admin-user ("admin") and --admin-password`
	if rep.Fatal != want {
		t.Fatalf("fatal %q, want %q", rep.Fatal, want)
	}
}

// TestReferenceTargetPasses: the reference target with no profile passes every
// check, and the probe leaves nothing behind.
func TestReferenceTargetPasses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Admin-pass-1"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	rep := runCheck(t, Options{BaseURL: target.URL, AdminUser: "admin", AdminPassword: "Admin-pass-1"})
	if rep.Failed() {
		t.Fatalf("failures: %+v fatal %q", rep.Failures(), rep.Fatal)
	}
	if len(rep.Rows) < 33 {
		t.Errorf("%d rows, want one per capability at least", len(rep.Rows))
	}
}

// TestOtherServiceChecks: the hand-written profile passes against othersvc;
// each deliberate mistake fails with its fix named; no profile at all is "not
// the reference API" naming --api-profile.
func TestOtherServiceChecks(t *testing.T) {
	svc, err := othersvc.Start("Admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	opts := func(p client.Profile, given bool) Options {
		return Options{BaseURL: svc.URL, Profile: p, ProfileGiven: given, AdminUser: othersvc.AdminEmail, AdminPassword: "Admin-pass-1"}
	}
	good := otherProfile(t)
	rep := runCheck(t, opts(good, true))
	if rep.Failed() {
		t.Fatalf("the hand-written profile fails: %+v fatal %q", rep.Failures(), rep.Fatal)
	}
	seen := map[string]bool{}
	for _, r := range rep.Rows {
		seen[strings.Fields(r.Capability)[0]] = true
	}
	if len(seen) != 33 {
		t.Errorf("%d capabilities checked, want 33", len(seen))
	}
	if n := svc.Count("sim_"); n != 0 {
		t.Errorf("the probe left %d records", n)
	}

	rep = runCheck(t, opts(client.Profile{}, false))
	if !strings.Contains(rep.Fatal, "--api-profile") || !strings.Contains(rep.Fatal, "trafficsim check") {
		t.Errorf("no profile: fatal %q", rep.Fatal)
	}

	mistakes := []struct {
		name   string
		change func(p *client.Profile)
		fix    string
		fatal  bool
	}{
		{"wrong token path", func(p *client.Profile) { p.Token.Access = "data.access_token" },
			"no token at data.access_token; the login answer has data.accessToken", true},
		{"wrong items path", func(p *client.Profile) { p.Items = "data.items" },
			"no list at data.items; the answer has a list at data", false},
		{"wrong method", func(p *client.Profile) { p.Routes["auth.me"] = "POST /session/me" },
			`(405; it allows GET, HEAD): write routes.auth.me: "GET /session/me"`, false},
		{"unknown route", func(p *client.Profile) { p.Routes["roles.list"] = "GET /roles" },
			"the target has no such route (404): set routes.roles.list (now GET /rest/roles)", false},
	}
	for _, m := range mistakes {
		t.Run(m.name, func(t *testing.T) {
			p := otherProfile(t)
			m.change(&p)
			rep := runCheck(t, opts(p, true))
			fixes := ""
			for _, f := range rep.Failures() {
				fixes += f.Fix + "\n"
			}
			if !strings.Contains(fixes, m.fix) {
				t.Errorf("fixes:\n%s\nwant one containing %q", fixes, m.fix)
			}
			if (rep.Fatal != "") != m.fatal {
				t.Errorf("fatal %q, want fatal %v", rep.Fatal, m.fatal)
			}
			if n := svc.Count("sim_"); n != 0 {
				t.Errorf("the probe left %d records", n)
			}
		})
	}
}

// TestNoIDIsFatal: a profile that cannot read the id of a created user stops a
// run before it starts (it could not track, nor clean up, what it creates), and
// says the probe account it made is left, by name.
func TestNoIDIsFatal(t *testing.T) {
	svc, err := othersvc.Start("Admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	p := otherProfile(t)
	p.ID = "uid"
	rep := runCheck(t, Options{BaseURL: svc.URL, Profile: p, ProfileGiven: true, AdminUser: othersvc.AdminEmail, AdminPassword: "Admin-pass-1"})
	if !strings.Contains(rep.Fatal, "carries no id") || !strings.Contains(rep.Fatal, "no id at data.uid") || !strings.Contains(rep.Fatal, "_probe was created and is left") {
		t.Fatalf("fatal %q; want the run refused, naming the id path and the probe left", rep.Fatal)
	}
	if n := svc.Count("sim_"); n != 1 {
		t.Errorf("%d sim_ records on the target; want the one probe the report names", n)
	}
}

// TestFaultsAreRetried: a target injecting 5xx (as the dashboards' demo does)
// still passes: the check tries a failed request again.
func TestFaultsAreRetried(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Admin-pass-1"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if err := target.Service.SetFaults(usersvc.Faults{ErrorRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	rep := runCheck(t, Options{BaseURL: target.URL, AdminUser: "admin", AdminPassword: "Admin-pass-1"})
	if rep.Fatal != "" {
		t.Errorf("fatal %q with 10%% injected 5xx", rep.Fatal)
	}
}

// TestRedirectingTarget: a target that answers 301 to everything (an http://
// base URL in front of an https:// service) fails the check with the
// redirect named and the base URL to use, not a token missing from the
// login's answer.
func TestRedirectingTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://users.example"+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer srv.Close()
	rep := runCheck(t, Options{BaseURL: srv.URL, AdminUser: "admin", AdminPassword: "Admin-pass-1"})
	fixes := rep.Fatal + "\n"
	for _, f := range rep.Failures() {
		fixes += f.Fix + "\n"
	}
	want := "the target answered 301 Moved Permanently to https://users.example/api/v1/"
	if !strings.Contains(fixes, want) || !strings.Contains(fixes, "use https://users.example as --base-url") {
		t.Errorf("fixes:\n%s\nwant one containing %q and the base URL to use", fixes, want)
	}
	if strings.Contains(fixes, "no token") {
		t.Errorf("fixes:\n%s\nblame the token path", fixes)
	}
}

// TestFatalReportHasNoEmptyTable: a report with no rows (the preflight
// failed) prints its reason, not a table header over nothing.
func TestFatalReportHasNoEmptyTable(t *testing.T) {
	var buf bytes.Buffer
	(&Report{Fatal: "the target does not answer"}).Write(&buf)
	if strings.Contains(buf.String(), "CAPABILITY") || !strings.Contains(buf.String(), "the target does not answer") {
		t.Errorf("report:\n%s", buf.String())
	}
}

// TestCookieSessionLogin: a target whose login answers 200 with a session
// cookie and no token in its body is named a cookie-session API, which
// trafficsim does not support, with the fields to set if the token is
// elsewhere — under both HTTP clients (the fast one keeps no Set-Cookie). A
// login with a token elsewhere in the body and a cookie beside it (a load
// balancer's) is still told where the token is.
func TestCookieSessionLogin(t *testing.T) {
	tokenElsewhere := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/auth/login" {
			http.NotFound(w, r)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3ss10n-c00k1e", HttpOnly: true, Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		if tokenElsewhere {
			_, _ = w.Write([]byte(`{"data": {"jwt": "eyJhbGciOiJIUzI1NiJ9.e30.sig"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"user": {"id": 1, "username": "admin"}}`))
	}))
	defer srv.Close()
	for _, hc := range []string{transport.ClientFast, transport.ClientStd} {
		t.Run(hc, func(t *testing.T) {
			rep := runCheck(t, Options{BaseURL: srv.URL, Network: transport.Settings{Client: hc}, AdminUser: "admin", AdminPassword: "Admin-pass-1"})
			fails := rep.Failures()
			if len(fails) != 1 || !strings.Contains(fails[0].Fix, "no token at access_token; the login answer sets a cookie instead (Set-Cookie: sid): cookie-based sessions are not supported") ||
				!strings.Contains(fails[0].Fix, "the API must return one there") || !strings.Contains(fails[0].Fix, "set token.access") {
				t.Errorf("failures %+v; want the login's naming the cookie session and token.access", fails)
			}
			if !strings.Contains(rep.Fatal, "cookie-based sessions are not supported") || !strings.Contains(rep.Fatal, "bearer token") {
				t.Errorf("fatal %q; want the run refused for a cookie session", rep.Fatal)
			}
		})
	}
	tokenElsewhere = true
	rep := runCheck(t, Options{BaseURL: srv.URL, AdminUser: "admin", AdminPassword: "Admin-pass-1"})
	if fails := rep.Failures(); len(fails) != 1 || !strings.Contains(fails[0].Fix, "the login answer has data.jwt: set token.access: data.jwt") ||
		strings.Contains(fails[0].Fix+rep.Fatal, "cookie") {
		t.Errorf("failures %+v, fatal %q; want the token's path, no cookie session", fails, rep.Fatal)
	}
}
