package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/internal/othersvc"
)

// runFor runs the built binary (shard_test.go's runBin) with the admin
// password of the tests, and tells how long it took.
func runFor(t *testing.T, bin string, args ...string) (int, string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	code, out := runBin(ctx, bin, append(args, "--admin-password", "Admin-pass-1")...)
	return code, out, time.Since(start)
}

// TestCheckCommand: `trafficsim check` passes othersvc's hand-written
// profile, catches each profile mistake with its fix before any load, and
// `run` without a profile refuses to start naming --api-profile.
func TestCheckCommand(t *testing.T) {
	bin := buildBinary(t)
	svc, err := othersvc.Start("Admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	good, err := os.ReadFile("../../internal/othersvc/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, from, to string) string {
		p := filepath.Join(dir, name)
		text := strings.Replace(string(good), from, to, 1)
		if text == string(good) {
			t.Fatalf("%s: %q not in the profile", name, from)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	args := func(profile string) []string {
		return []string{"check", "--base-url", svc.URL, "--api-profile", profile, "--admin-user", othersvc.AdminEmail}
	}

	code, out, _ := runFor(t, bin, args("../../internal/othersvc/profile.yaml")...)
	if code != 0 || !strings.Contains(out, "all 37 checks passed") || !strings.Contains(out, "auth.me") {
		t.Fatalf("good profile: exit %d\n%s", code, out)
	}

	for _, m := range []struct{ name, from, to, want string }{
		{"token", "access: data.accessToken", "access: data.access_token", "no token at data.access_token; the login answer has data.accessToken"},
		{"items", "items: data\n", "items: data.items\n", "no list at data.items; the answer has a list at data: set items: data"},
		{"method", "auth.me: GET /session/me", "auth.me: POST /session/me", `write routes.auth.me: "GET /session/me"`},
		{"placeholder", "users.get: GET /accounts/{id}", "users.get: GET /accounts/{accountId}", "{accountId} is not a placeholder of users.get: write {id}"},
	} {
		p := write(m.name+".yaml", m.from, m.to)
		code, out, _ := runFor(t, bin, args(p)...)
		if code != 1 || !strings.Contains(out, m.want) {
			t.Errorf("%s: exit %d, want 1 and %q in\n%s", m.name, code, m.want, out)
		}
		// With --skip-check the wrong method reaches the load: auth.me never
		// succeeds, and --strict makes that the exit code.
		if m.name == "method" {
			sc := filepath.Join(dir, "me.yaml")
			if err := os.WriteFile(sc, []byte("base: mixed\narchetypes:\n  active_user: {journey: [login, me, logout]}\n"+
				"  new_user: {weight: 0}\n  admin: {weight: 0}\n  power_user: {weight: 0}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, _ := runFor(t, bin, "run", "--base-url", svc.URL, "--api-profile", p, "--admin-user", othersvc.AdminEmail,
				"--scenario", sc, "--users", "2", "--min-request-count", "4", "--max-request-count", "4", "--delay-min", "0", "--delay-max", "0",
				"--progress", "off", "--skip-check", "--strict")
			if code != 1 || !strings.Contains(out, "--strict: never succeeded: auth.me") || !strings.Contains(out, "Never succeeded  auth.me") {
				t.Errorf("--strict run with auth.me refused: exit %d\n%s", code, out)
			}
		}
		// run refuses to load with a broken token path; the others are warnings
		// or (the placeholder) a usage error before anything is sent.
		if m.name == "token" {
			code, out, _ := runFor(t, bin, "run", "--base-url", svc.URL, "--api-profile", p,
				"--admin-user", othersvc.AdminEmail, "--users", "2", "--progress", "off")
			if code != 1 || !strings.Contains(out, "the load did not start") || !strings.Contains(out, "data.accessToken") || strings.Contains(out, "Endpoints") {
				t.Errorf("run with a wrong token path: exit %d\n%s", code, out)
			}
		}
	}
	if n := svc.Count("sim_"); n != 0 {
		t.Errorf("the checks left %d records", n)
	}

	code, out, took := runFor(t, bin, "run", "--base-url", svc.URL, "--users", "5", "--progress", "off")
	if code == 0 || took > 10*time.Second || !strings.Contains(out, "--api-profile") || !strings.Contains(out, "trafficsim check") {
		t.Errorf("run without a profile: exit %d after %v\n%s", code, took, out)
	}
	t.Logf("run without a profile: exit %d after %v", code, took)

	if code, out, _ := runFor(t, bin, "check"); code != 2 || !strings.Contains(out, "--base-url") {
		t.Errorf("check without --base-url: exit %d %s", code, out)
	}
}

// TestBaseURLPathRefused: a --base-url with a path is refused by every command
// that takes one, before anything is sent, pointing to the API profile's
// base_path (the check's table, the route labels and the summary show routes
// without the URL's path).
func TestBaseURLPathRefused(t *testing.T) {
	for _, cmd := range []string{"run", "check", "cleanup"} {
		code, _, stderr := cli(t, cmd, "--base-url", "http://127.0.0.1:1/api")
		if code != ExitUsage || !strings.Contains(stderr, "--base-url") || !strings.Contains(stderr, "base_path: /api/api/v1") ||
			!strings.Contains(stderr, "--base-url http://127.0.0.1:1 ") {
			t.Errorf("%s --base-url http://127.0.0.1:1/api: exit %d, stderr %q; want exit 2 pointing to base_path", cmd, code, stderr)
		}
	}
	// A trailing slash is no path.
	if code, _, stderr := cli(t, "run", "--base-url", "http://127.0.0.1:1/", "--users", "0"); !strings.Contains(stderr, "--users") {
		t.Errorf("--base-url with a trailing slash: exit %d, stderr %q; want it taken (and --users refused)", code, stderr)
	}
}

// TestCheckFailuresAreAWarning: the reference target over loopback answers
// the engine's /api/v1/auth/me 404, so the check before the run fails a
// capability without refusing the run. With --log-format json that is a
// warn record — shown at the default --log-level, warn — with the count and
// each failure and its fix; in text, the plain "warning: N checks failed
// (above)" line as before. (It was an info record, hidden by default.)
func TestCheckFailuresAreAWarning(t *testing.T) {
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Path == "/api/v1/auth/me" {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
	t.Setenv(adminPasswordEnv, faultPassword)
	tiny := []string{"run", "--base-url", target.url(), "--users", "1", "--min-request-count", "1", "--max-request-count", "1",
		"--delay-min", "0", "--delay-max", "0", "--progress", "off"}

	code, _, stderr := cli(t, append(tiny, "--run-id", "chkwarn1", "--log-format", "json")...)
	if code != ExitOK {
		t.Fatalf("json: exit %d, want %d\nstderr:\n%s", code, ExitOK, stderr)
	}
	var warned map[string]any
	for i, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if line == "" {
			continue // nothing at all on stderr
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line %d is not JSON (%v): %q", i+1, err, line)
		}
		if msg, _ := rec["msg"].(string); strings.Contains(msg, "checks failed") {
			warned = rec
		}
	}
	if warned == nil {
		t.Fatalf("json: no record says checks failed at the default --log-level:\n%s", stderr)
	}
	failed, _ := warned["failed"].([]any)
	if warned["level"] != "WARN" || warned["run"] != "chkwarn1" || len(failed) == 0 ||
		!strings.HasPrefix(warned["msg"].(string), fmt.Sprintf("%d checks failed; the run goes on", len(failed))) ||
		!strings.Contains(fmt.Sprint(failed), "auth.me: ") {
		t.Errorf("json: record %v; want a WARN record of the run counting its failures, auth.me among them with its fix", warned)
	}

	code, _, stderr = cli(t, append(tiny, "--run-id", "chkwarn2")...)
	if code != ExitOK {
		t.Fatalf("text: exit %d, want %d\nstderr:\n%s", code, ExitOK, stderr)
	}
	line := regexp.MustCompile(`(?m)^warning: (\d+) checks failed \(above\); the run goes on, but those capabilities will fail — try fixes with trafficsim check$`)
	if !line.MatchString(stderr) || !strings.Contains(stderr, "✗ auth.me: ") {
		t.Errorf("text: stderr lacks the failed check and the plain warning line:\n%s", stderr)
	}
}
