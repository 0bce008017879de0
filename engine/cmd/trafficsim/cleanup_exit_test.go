package main

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/summary"
)

// sessionScenario is a scenario file whose VUs sign up a new account every
// session and only log in and out with it: every user the run creates is one
// the cleanup must delete.
func sessionScenario(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sessions.yaml")
	err := os.WriteFile(p, []byte(`base: mixed
archetypes:
  new_user: {weight: 0}
  admin: {weight: 0}
  power_user: {weight: 0}
  active_user:
    weight: 1
    sessions: {min: 3, max: 3}
    account: session
    journey: [signup, login, logout]
errors: {client: 0}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runSessions runs sessionScenario in-process against target with users VUs
// of three sessions each, and returns the exit code, the summary and stderr.
func runSessions(t *testing.T, target *faultTarget, runID string, users int) (int, summary.Summary, string) {
	t.Helper()
	t.Setenv(adminPasswordEnv, faultPassword)
	sum := filepath.Join(t.TempDir(), "s.json")
	code, _, stderr := cli(t, "run", "--base-url", target.url(), "--skip-check", "--scenario", sessionScenario(t),
		"--users", strconv.Itoa(users), "--min-request-count", "9", "--max-request-count", "9", "--delay-min", "0", "--delay-max", "0",
		"--run-id", runID, "--summary", sum, "--progress", "off")
	return code, readFaultSummary(t, sum), stderr
}

// TestRunUnverifiedCleanupWithNothingIdentified: the target answers every
// sign-up 201 with the new user's id in a Location header only (no body), so
// the run learns no id and counts nothing as created, and its search for the
// run's users lists none of them. The cleanup cannot verify what is left:
// the run exits 1 — as any run whose cleanup is not verified — saying so
// and naming the command that removes them, never 0.
func TestRunUnverifiedCleanupWithNothingIdentified(t *testing.T) {
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Path == "/api/v1/users/search" && strings.HasPrefix(r.URL.Query().Get("q"), "sim_") {
			q := r.URL.Query()
			q.Set("q", "no user is named this") // a search that matches whole names only
			r.URL.RawQuery = q.Encode()
		}
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/users" {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var user struct {
				ID json.Number `json:"id"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &user)
			if user.ID != "" {
				w.Header().Set("Location", "/api/v1/users/"+user.ID.String())
			}
			w.WriteHeader(rec.Code) // and no body: no id the run reads
			return
		}
		next.ServeHTTP(w, r)
	})
	const runID = "noid0001"
	code, s, stderr := runSessions(t, target, runID, 2)
	if n := target.count("sim_" + runID + "_"); n == 0 {
		t.Fatalf("no user of the run on the target; the test proves nothing\nstderr:\n%s", stderr)
	}
	if s.Cleanup.Created != 0 || s.Cleanup.Verified || !strings.Contains(s.Cleanup.Reason, "creations whose answers held no id") {
		t.Errorf("cleanup %+v; want nothing counted as created and not verified, saying creations held no id", s.Cleanup)
	}
	if code != ExitFailure {
		t.Errorf("exit %d, want %d: the cleanup is not verified\nstderr:\n%s", code, ExitFailure, stderr)
	}
	for _, want := range []string{"cleanup could not verify what is left", "trafficsim cleanup --base-url " + target.url() + " --run " + runID} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestRunCleanupDoesNotWaitOutALongRetryAfter: the target answers every
// delete of a user 429 with Retry-After: 30. The cleanup does not wait that
// long (nor retry sooner than asked): each such record is left at once,
// counted as left, never deleted, and the summary's error says the target
// asked for a wait longer than the cleanup's cap. The run ends seconds after
// its load, not after the cleanup's budget; exit 1, naming what is left.
func TestRunCleanupDoesNotWaitOutALongRetryAfter(t *testing.T) {
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v1/users/") && strings.Count(r.URL.Path, "/") == 4 {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
	const runID = "rtry0004"
	code, s, stderr := runSessions(t, target, runID, 6)
	left := target.count("sim_" + runID + "_")
	if left < 9 {
		t.Fatalf("%d users of the run on the target, want at least 9 (more than the cleanup's workers); the test proves little\n%s", left, stderr)
	}
	c := s.Cleanup
	checkCounts(t, c)
	if c.Left != left || c.Deleted != 0 || !strings.Contains(c.Error, "Retry-After") || !strings.Contains(c.Error, "30s") {
		t.Errorf("cleanup %+v; want all %d left, none deleted, the error naming the Retry-After of 30s", c, left)
	}
	if took := s.EndedAt.Sub(*s.LoadEndedAt); took > 8*time.Second {
		t.Errorf("the cleanup took %v after the load; a Retry-After beyond the cap must not hold it", took)
	}
	if code != ExitFailure || !strings.Contains(stderr, "trafficsim cleanup --base-url "+target.url()+" --run "+runID) {
		t.Errorf("exit %d, want %d naming the cleanup command\nstderr:\n%s", code, ExitFailure, stderr)
	}
}

// TestRunRefusedByTheCheckWritesTheSummary: the check of the target refuses
// to start the run (the admin password is wrong). --summary is written all
// the same, saying the run did not start and why — state failed, the error
// naming the check and the fix, no request, nothing created (the cleanup's
// error "the run did not start") — as for any run that did not start; exit 1.
func TestRunRefusedByTheCheckWritesTheSummary(t *testing.T) {
	target := startFaultTarget(t, "127.0.0.1:0", nil)
	t.Setenv(adminPasswordEnv, "Not-the-password-1")
	sum := filepath.Join(t.TempDir(), "s.json")
	code, _, stderr := cli(t, "run", "--base-url", target.url(), "--users", "2", "--duration", "2s",
		"--run-id", "refu0005", "--summary", sum, "--progress", "off")
	if code != ExitFailure || !strings.Contains(stderr, "the load did not start") {
		t.Errorf("exit %d, want %d saying the load did not start\nstderr:\n%s", code, ExitFailure, stderr)
	}
	s := readFaultSummary(t, sum)
	if s.State != "failed" || !strings.Contains(s.Error, "the target failed the check, so the load did not start") ||
		!strings.Contains(s.Error, "trafficsim check") || s.RunID != "refu0005" || s.Target != target.url() {
		t.Errorf("summary: state %q, error %q, run %q, target %q; want failed, saying the check refused the run and the fix", s.State, s.Error, s.RunID, s.Target)
	}
	if s.Requests != 0 || s.LoadStartedAt != nil || s.Cleanup.Created != 0 || s.Cleanup.Error != "the run did not start" || !s.Cleanup.Verified {
		t.Errorf("summary: %d requests, load started %v, cleanup %+v; want none, no load, the cleanup saying the run did not start", s.Requests, s.LoadStartedAt, s.Cleanup)
	}
}

// TestRunCleanupNamesACookieSessionAPI: with --skip-check the run reaches a
// target whose login answers 200 with a session cookie and no token (the
// reference target over loopback, its engine-bound login answers rewritten
// so). Its VUs sign up accounts the cleanup must delete; the cleanup's admin
// login then says what the check would have said — cookie-based sessions are
// not supported, naming the cookie and the bearer token the API must return —
// not the generic "no access token in the answer"; exit 1, naming what is
// left and the command that removes it.
func TestRunCleanupNamesACookieSessionAPI(t *testing.T) {
	target := startFaultTarget(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/auth/login" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3ss10n", HttpOnly: true, Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"user": {"id": 1, "username": "someone"}}`)) // no token
	})
	const runID = "cook0006"
	code, s, stderr := runSessions(t, target, runID, 2)
	if n := target.count("sim_" + runID + "_"); n == 0 {
		t.Fatalf("no user of the run on the target; the test proves nothing\nstderr:\n%s", stderr)
	}
	const want = "cookie-based sessions are not supported: the target's login answers with a session cookie (Set-Cookie: sid) and no token; " +
		"the API must return a bearer token in the login answer's JSON body (read at token.access)"
	if !strings.Contains(s.Cleanup.Error, want) || strings.Contains(s.Cleanup.Error, "no access token") {
		t.Errorf("cleanup error %q; want the check's words for a cookie-session API:\n%s", s.Cleanup.Error, want)
	}
	if code != ExitFailure || !strings.Contains(stderr, want) || !strings.Contains(stderr, "trafficsim cleanup --base-url "+target.url()+" --run "+runID) {
		t.Errorf("exit %d, want %d naming the cookie session and the cleanup command\nstderr:\n%s", code, ExitFailure, stderr)
	}
}

// TestRunRefusedByTheCheckWritesTheJUnitReport: the check of the target (the
// reference target over loopback) refuses the run — the admin password is
// wrong. A CI job that asked for --junit gets its report as it gets the
// summary: a test case per threshold, each an error "not judged" giving the
// check's refusal and its fix, so the job shows the run failed and why;
// exit 1. (The report used to be missing.)
func TestRunRefusedByTheCheckWritesTheJUnitReport(t *testing.T) {
	target := startFaultTarget(t, "127.0.0.1:0", nil)
	t.Setenv(adminPasswordEnv, "Not-the-password-1")
	junit := filepath.Join(t.TempDir(), "thresholds.xml")
	code, _, stderr := cli(t, "run", "--base-url", target.url(), "--users", "2", "--duration", "2s",
		"--run-id", "refu0007", "--junit", junit, "--threshold", "p95<500ms", "--threshold", "error_rate<1%", "--progress", "off")
	if code != ExitFailure || !strings.Contains(stderr, "the load did not start") || !strings.Contains(stderr, "junit: "+junit) {
		t.Errorf("exit %d, want %d saying the load did not start and naming the JUnit file\nstderr:\n%s", code, ExitFailure, stderr)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatalf("no JUnit report for the refused run: %v\nstderr:\n%s", err, stderr)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Errors int `xml:"errors,attr"`
		Suite  struct {
			Errors int `xml:"errors,attr"`
			Props  []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Type    string `xml:"type,attr"`
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit report is not XML: %v\n%s", err, data)
	}
	if doc.Tests != 2 || doc.Errors != 2 || doc.Suite.Errors != 2 || len(doc.Suite.Cases) != 2 ||
		len(doc.Suite.Props) == 0 || doc.Suite.Props[0].Value != "refu0007" {
		t.Fatalf("report %+v; want the run's two thresholds, both errors\n%s", doc, data)
	}
	for i, want := range []string{"p95<500ms", "error_rate<1%"} {
		c := doc.Suite.Cases[i]
		if c.Name != want || c.Error == nil || c.Error.Type != "not judged" ||
			!strings.HasPrefix(c.Error.Message, "not judged: the target failed the check, so the load did not start: the admin login was refused (401)") ||
			!strings.Contains(c.Error.Message, "--admin-password") {
			t.Errorf("test case %d: %+v; want %s not judged, the check's refusal and its fix", i, c, want)
		}
	}
}
