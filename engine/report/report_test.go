package report

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/metrics/metricstest"
	"github.com/trafficsim/trafficsim/engine/summary"
)

func TestBoxContent(t *testing.T) {
	st := metricstest.Recorded(t)
	l := Live{RunID: "abc12345", Scenario: "mixed", State: "running", UsersTotal: 100, UsersActive: 45,
		Elapsed: 65 * time.Second, Remaining: 3*time.Minute + 10*time.Second, Stats: st}
	lines := Box(l, 12.5, 4, boxWidth, time.UTC)
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"run abc12345", "mixed", "running",
		"Users     45 active / 100 total",
		"Requests  12  (12.5/s)",
		"Success   75.0%",
		"Errors 3 (4xx 1 · 5xx 1 · net 1)",
		"peak 30.0s",
		"Elapsed   1m05s   Remaining ~3m10s",
		"[12:34:15] vu-045: POST /api/v1/users → 201 (123ms)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("box lacks %q:\n%s", want, text)
		}
	}
	// The box is rectangular: every box line has the same width.
	boxLines := lines[:7]
	for i, ln := range boxLines {
		if n := utf8.RuneCountInString(ln); n != boxWidth+2 {
			t.Errorf("box line %d is %d columns, want %d: %q", i, n, boxWidth+2, ln)
		}
	}
	// Under it, the 4 newest requests (by completion time), newest last.
	feed := lines[7:]
	want := []string{
		"[12:34:15] vu-045: POST /api/v1/users → 201 (123ms)",
		"[12:34:15] vu-005: GET /api/v1/users → 200 (15ms)",
		"[12:34:16] vu-006: GET /api/v1/users → 200 (16ms)",
		"[12:34:17] vu-007: GET /api/v1/users → 200 (17ms)",
	}
	if !slices.Equal(feed, want) {
		t.Errorf("feed =\n%s\nwant\n%s", strings.Join(feed, "\n"), strings.Join(want, "\n"))
	}

	// Tripped breakers and a degradation level get rows of their own.
	l.Breakers, l.Degraded = "open: profile · half-open: auth", "heavy"
	lines = Box(l, 12.5, 0, boxWidth, time.UTC)
	text = strings.Join(lines, "\n")
	for _, want := range []string{"│ Breakers  open: profile · half-open: auth ", "│ Degraded  heavy "} {
		if !strings.Contains(text, want) {
			t.Errorf("box lacks %q:\n%s", want, text)
		}
	}
	if line := PlainLine(l, 12.5, metricstest.T0); !strings.HasSuffix(line, ", breakers open: profile · half-open: auth, degraded heavy") {
		t.Errorf("plain line = %q; want the breakers and the level at its end", line)
	}

	// Unknown remaining time and no requests.
	empty := strings.Join(Box(Live{UsersTotal: 10, Remaining: -1}, 0, 5, boxWidth, time.UTC), "\n")
	for _, want := range []string{"Remaining unknown", "Success   -", "0 active / 10 total"} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty box lacks %q:\n%s", want, empty)
		}
	}
}

func TestEventLineNoResponse(t *testing.T) {
	got := EventLine(metrics.Event{Time: metricstest.T0, VU: 1234, Method: "GET", Route: "/api/v1/roles", Status: 0, Latency: 1500 * time.Millisecond}, time.UTC)
	if want := "[12:34:10] vu-1234: GET /api/v1/roles → none (1.50s)"; got != want {
		t.Errorf("EventLine = %q, want %q", got, want)
	}
}

// syncBuffer is a writer the test can read while Progress writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestProgressPlainLines(t *testing.T) {
	st := metricstest.Recorded(t)
	var mu sync.Mutex
	elapsed := time.Duration(0)
	src := func() Live {
		mu.Lock()
		defer mu.Unlock()
		elapsed += 2 * time.Second
		return Live{RunID: "abc12345", UsersTotal: 100, UsersActive: 45, Elapsed: elapsed, Remaining: -1, Stats: st}
	}
	var out syncBuffer
	p := NewProgress(&out, src, WithInterval(10*time.Millisecond), WithLocation(time.UTC),
		WithClock(func() time.Time { return metricstest.T0 }))
	if p.terminal {
		t.Fatal("a bytes buffer was taken for a terminal")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, "3 progress lines", func() bool { return strings.Count(out.String(), "\n") >= 3 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}

	text := out.String()
	if strings.Contains(text, "\x1b") {
		t.Errorf("plain output has escape sequences: %q", text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	re := regexp.MustCompile(`^\[12:34:10\] run abc12345: users 45/100, requests 12 \((6\.0|0\.0)/s\), success 75\.0%, errors 3, avg \S+, p95 \S+, peak 30\.0s, elapsed \dm\d\ds, remaining unknown$`)
	for _, ln := range lines {
		if !re.MatchString(ln) {
			t.Errorf("plain line does not match %s:\n%q", re, ln)
		}
	}
	// First line: average since start (12 requests / 2s); later: no new requests.
	if !strings.Contains(lines[0], "(6.0/s)") || !strings.Contains(lines[1], "(0.0/s)") {
		t.Errorf("rates: first %q, second %q", lines[0], lines[1])
	}
}

func TestProgressTerminalRedraws(t *testing.T) {
	st := metricstest.Recorded(t)
	n := 0
	src := func() Live {
		n++
		return Live{RunID: "abc12345", UsersTotal: 10, UsersActive: n, Elapsed: time.Duration(n) * time.Second, Remaining: -1, Stats: st}
	}
	var out bytes.Buffer
	p := NewProgress(&out, src, WithTerminal(true), WithRecent(2), WithLocation(time.UTC))
	if p.interval != time.Second {
		t.Errorf("terminal default interval = %v, want 1s", p.interval)
	}
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	first := out.String()
	if strings.Contains(first, "\x1b[9F") {
		t.Errorf("first frame moves the cursor up: %q", first)
	}
	out.Reset()
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	second := out.String()
	// 7 box lines + 2 feed lines are redrawn in place.
	if !strings.HasPrefix(second, "\x1b[9F") || !strings.HasSuffix(second, "\x1b[J") {
		t.Errorf("second frame does not redraw over the first: %q", second)
	}
	if !strings.Contains(second, "2 active / 10 total") {
		t.Errorf("second frame lacks the new state: %q", second)
	}
}

func TestProgressWriteError(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	p := NewProgress(w, func() Live { return Live{} }, WithTerminal(false))
	if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "write progress line") {
		t.Errorf("Run on a closed pipe: err = %v, want a write error", err)
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Duration(0), "0ms"},
		{Duration(850 * time.Microsecond), "850µs"},
		{Duration(123 * time.Millisecond), "123ms"},
		{Duration(1250 * time.Millisecond), "1.25s"},
		{Duration(42 * time.Second), "42.0s"},
		{Clock(65 * time.Second), "1m05s"},
		{Clock(3723 * time.Second), "1h02m03s"},
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(1234567), "1,234,567"},
		{thousands(-1234), "-1,234"},
		{percent(1, 3), "33.3%"},
		{percent(0, 0), "-"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestWriteFinal(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFinal(&b, testSummary(t)); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"Run abc12345 · scenario mixed · seed 42 · target http://127.0.0.1:8080",
		"Finished after 0m04s: 12 requests (3.0/s) by 10 users",
		"/api/v1/users/{id}",
		"success 75.0% · client error (4xx) 8.3% · server error (5xx) 8.3% · network error 8.3%",
		"auth 16.7% · user_query 66.7% · user_mutation 8.3% · profile 0.0% · role_permission 0.0% · admin 8.3%",
		"timeout 1 · unexpected_status 1",
		"login 1 ok/0 failed · refresh 0 ok/1 failed · logout 0 ok/0 failed",
		"created 5 · deleted 3 · left 2",
		"sim-abc12345-1, sim-abc12345-2",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("final report lacks %q:\n%s", want, text)
		}
	}
	// The GET /api/v1/users row: 8 requests, all successful, p50 13ms (10..17ms), max 17ms.
	row := regexp.MustCompile(`(?m)^\s+GET\s+/api/v1/users\s+user_query\s+8\s+100\.0%\s+1[34]ms\s+1[67]ms\s+17ms\s+17ms\s*$`)
	if !row.MatchString(text) {
		t.Errorf("no matching GET /api/v1/users row:\n%s", text)
	}
	adminRow := regexp.MustCompile(`(?m)^\s+admin\s+1\s+1\s+1\s+0\s+1m30s\s*$`)
	if !adminRow.MatchString(text) {
		t.Errorf("no matching admin archetype row:\n%s", text)
	}

	// Thousands left (a long run without cleanup): the report names a few.
	s := testSummary(t)
	s.Cleanup.Left = 1000
	s.Cleanup.LeftNames = nil
	for i := range 1000 {
		s.Cleanup.LeftNames = append(s.Cleanup.LeftNames, "sim_abc12345_u"+strconv.Itoa(i)+"_1")
	}
	b.Reset()
	if err := WriteFinal(&b, s); err != nil {
		t.Fatal(err)
	}
	text = b.String()
	if !strings.Contains(text, "sim_abc12345_u19_1, … and 980 more (all of them in the --summary JSON)") || strings.Contains(text, "sim_abc12345_u20_1") {
		t.Errorf("1000 names left, report:\n%s", text)
	}
}

func testSummary(t *testing.T) summary.Summary {
	return summary.BuildSummary(summary.SummaryMeta{
		RunID: "abc12345", Scenario: "mixed", Seed: 42, Target: "http://127.0.0.1:8080", EngineVersion: "1.2.3",
		StartedAt: metricstest.T0, EndedAt: metricstest.T0.Add(4 * time.Second), Users: 10, MinRequests: 1, MaxRequests: 5, State: "finished",
	}, metricstest.Recorded(t), summary.CleanupResult{Created: 5, Deleted: 3, Left: []string{"sim-abc12345-1", "sim-abc12345-2"}})
}

// TestWriteFinalPlainRun: a run of plain requests (every VU on the plain
// archetype, no token operation; a plain scenario against any API) reports its groups with
// requests only, and no Tokens line or Archetypes table: their zeros were
// user-service figures the run never had.
func TestWriteFinalPlainRun(t *testing.T) {
	s := testSummary(t)
	for a, as := range s.Archetypes {
		as.VUs, as.Sessions, as.JourneysCompleted, as.JourneysAborted, as.MeanSessionSeconds = 0, 0, 0, 0, 0
		s.Archetypes[a] = as
	}
	s.Archetypes["plain"] = summary.ArchetypeSummary{VUs: 10} // a plain run's VUs, without sessions
	for op := range s.TokenOperations {
		s.TokenOperations[op] = map[string]int64{"success": 0, "failure": 0}
	}
	s.Groups = map[string]int64{"plain": s.Requests}
	for _, g := range summary.Groups {
		if g != "plain" {
			s.Groups[g] = 0
		}
	}
	var b bytes.Buffer
	if err := WriteFinal(&b, s); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if !strings.Contains(text, "Groups      plain 100.0%\n") {
		t.Errorf("want the one group with requests, alone:\n%s", text)
	}
	for _, absent := range []string{"Tokens", "Archetypes", "ARCHETYPE", "new_user"} {
		if strings.Contains(text, absent) {
			t.Errorf("a plain run's report shows %q:\n%s", absent, text)
		}
	}

	// Token operations of a plain run (a login request of an API profile) are shown.
	s.TokenOperations["login"] = map[string]int64{"success": 3, "failure": 0}
	b.Reset()
	if err := WriteFinal(&b, s); err != nil {
		t.Fatal(err)
	}
	if text := b.String(); !strings.Contains(text, "Tokens      login 3 ok/0 failed") || strings.Contains(text, "Archetypes") {
		t.Errorf("token operations without archetypes:\n%s", text)
	}
}

// TestWriteFinalErrorSamples: the final report shows, under Errors, the
// messages kept of the failures behind each kind.
func TestWriteFinalErrorSamples(t *testing.T) {
	s := testSummary(t)
	s.ErrorSamples = map[string][]string{"timeout": {"read tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout"}}
	var b bytes.Buffer
	if err := WriteFinal(&b, s); err != nil {
		t.Fatal(err)
	}
	if want := "timeout: read tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout"; !strings.Contains(b.String(), want) {
		t.Errorf("final report lacks %q:\n%s", want, b.String())
	}
}
