package summary

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/metrics/metricstest"
)

func testSummary(t *testing.T) Summary {
	return BuildSummary(SummaryMeta{
		RunID: "abc12345", Scenario: "mixed", Seed: 42, Target: "http://127.0.0.1:8080", EngineVersion: "1.2.3",
		StartedAt: metricstest.T0, EndedAt: metricstest.T0.Add(4 * time.Second), Users: 10, MinRequests: 1, MaxRequests: 5, State: "finished",
	}, metricstest.Recorded(t), CleanupResult{Created: 5, Deleted: 3, Left: []string{"sim-abc12345-1", "sim-abc12345-2"}})
}

func TestSummaryJSONFields(t *testing.T) {
	data, err := json.Marshal(testSummary(t))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"run_id", "scenario", "seed", "target", "started_at", "ended_at", "duration_seconds", "users", "requests",
		"outcomes", "groups", "endpoints", "archetypes", "cleanup", "version", "format", "errors", "unexpected",
		"token_operations", "latency_seconds", "rps", "success_rate", "state",
	} {
		if _, ok := m[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if m["run_id"] != "abc12345" || m["seed"] != 42.0 || m["requests"] != 12.0 || m["duration_seconds"] != 4.0 ||
		m["version"] != "1.2.3" || m["started_at"] != "2026-03-04T12:34:10Z" || m["rps"] != 3.0 {
		t.Errorf("summary scalars: %s", data)
	}
	wantKeys := func(name string, obj any, keys ...string) {
		t.Helper()
		mm, ok := obj.(map[string]any)
		if !ok {
			t.Fatalf("%s is %T, want an object", name, obj)
		}
		got := slices.Sorted(func(yield func(string) bool) {
			for k := range mm {
				if !yield(k) {
					return
				}
			}
		})
		slices.Sort(keys)
		if !slices.Equal(got, keys) {
			t.Errorf("%s keys = %v, want %v", name, got, keys)
		}
	}
	wantKeys("outcomes", m["outcomes"], "success", "client_error", "server_error", "network_error", "failed_answer")
	wantKeys("groups", m["groups"], "auth", "user_query", "user_mutation", "profile", "role_permission", "admin")
	wantKeys("cleanup", m["cleanup"], "created", "deleted", "left", "left_names", "verified", "foreign_skipped", "gone")
	wantKeys("archetypes", m["archetypes"], "new_user", "active_user", "admin", "power_user")
	wantKeys("archetypes.admin", m["archetypes"].(map[string]any)["admin"], "vus", "sessions", "journeys_completed", "journeys_aborted", "mean_session_seconds")
	wantKeys("token_operations", m["token_operations"], "login", "refresh", "logout")
	wantKeys("latency_seconds", m["latency_seconds"], "mean", "p50", "p95", "p99", "max")
	if g := m["groups"].(map[string]any); g["user_query"] != 8.0 || g["profile"] != 0.0 {
		t.Errorf("groups = %v", g)
	}
	if c := m["cleanup"].(map[string]any); c["left"] != 2.0 || c["created"] != 5.0 {
		t.Errorf("cleanup = %v", c)
	}

	eps := m["endpoints"].([]any)
	if len(eps) != 5 {
		t.Fatalf("%d endpoints, want 5", len(eps))
	}
	for _, e := range eps {
		wantKeys("endpoint", e, "method", "route", "group", "requests", "success", "expected", "success_rate", "statuses", "latency_seconds")
		wantKeys("endpoint.latency_seconds", e.(map[string]any)["latency_seconds"], "mean", "p50", "p95", "p99", "max")
	}
	var refresh map[string]any
	for _, e := range eps {
		if e.(map[string]any)["route"] == "/api/v1/auth/refresh" {
			refresh = e.(map[string]any)
		}
	}
	if refresh == nil {
		t.Fatal("no /api/v1/auth/refresh endpoint")
	}
	if st := refresh["statuses"].(map[string]any); st["none"] != 1.0 || len(st) != 1 {
		t.Errorf("refresh statuses = %v, want none:1", st)
	}
	if lat := refresh["latency_seconds"].(map[string]any); lat["max"] != 30.0 {
		t.Errorf("refresh latency = %v, want max 30", lat)
	}

	// A run without cleanup still has a list, never null.
	empty, _ := json.Marshal(BuildSummary(SummaryMeta{RunID: "x"}, metrics.Stats{}, CleanupResult{}))
	if !bytes.Contains(empty, []byte(`"left_names":[]`)) || !bytes.Contains(empty, []byte(`"endpoints":[]`)) {
		t.Errorf("empty summary: %s", empty)
	}
}

func TestWriteSummaryAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := testSummary(t)
	if err := WriteSummary(path, s); err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("written summary does not parse: %v\n%s", err, data)
	}
	if back.RunID != s.RunID || back.Requests != s.Requests || len(back.Endpoints) != len(s.Endpoints) {
		t.Errorf("round trip: got %+v", back)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	bad := filepath.Join(dir, "missing", "summary.json")
	if err := WriteSummary(bad, s); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("WriteSummary into a missing directory: err = %v, want one naming %s", err, bad)
	}
}

// TestSummaryDocListsEveryField keeps docs/summary.md in step with the JSON.
func TestSummaryDocListsEveryField(t *testing.T) {
	doc, err := os.ReadFile("../../docs/summary.md")
	if err != nil {
		t.Fatalf("read docs/summary.md: %v", err)
	}
	for _, v := range []any{Summary{}, EndpointSummary{}, ArchetypeSummary{}, CleanupSummary{}, LatencySeconds{}, metrics.Outcomes{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/summary.md does not document %s.%s (`%s`)", rt.Name(), rt.Field(i).Name, name)
			}
		}
	}
}
