package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The two shard summaries in testdata/merge are what `trafficsim run --shard
// i/2 --run-id mrg00001 --seed 7 --users 4` wrote against the reference target.
var mergeShards = []string{"testdata/merge/m1-0.json", "testdata/merge/m1-1.json"}

// shardVariant writes shard file's summary, changed by edit (the JSON as
// maps), into dir as name, and returns its path.
func shardVariant(t *testing.T, dir, file, name string, edit func(map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMergeRefusesShardsOfDifferentRuns: shards whose run-defining settings
// differ, or whose times cannot be, are refused (exit 2) naming the file, the
// field and the fix; shards of different engine versions merge with a warning.
func TestMergeRefusesShardsOfDifferentRuns(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := cli(t, append([]string{"merge"}, mergeShards...)...); code != ExitOK {
		t.Fatalf("the real shards: exit %d\n%s%s", code, out, errs)
	}
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		want []string
	}{
		{"users6.json", func(m map[string]any) { m["users"] = 6 }, []string{"users6.json: users 6", "--users"}},
		{"open.json", func(m map[string]any) {
			m["load"].(map[string]any)["model"], m["load"].(map[string]any)["rate"] = "open", 5
		}, []string{"open.json: load open, rate 5/s", "--rate"}},
		{"rampup.json", func(m map[string]any) { m["load"].(map[string]any)["ramp_up_seconds"] = 30 }, []string{"rampup.json: load closed, ramp-up 30s", "--ramp-up"}},
		{"target.json", func(m map[string]any) { m["target"] = "http://127.0.0.1:1" }, []string{`target.json: target "http://127.0.0.1:1"`, "--base-url"}},
		{"maxreq.json", func(m map[string]any) { m["max_requests"] = 51 }, []string{"maxreq.json: min_requests/max_requests 20/51", "--max-request-count"}},
		{"ended.json", func(m map[string]any) { m["ended_at"] = "2000-01-01T00:00:00Z" }, []string{"ended.json: ended_at 2000-01-01T00:00:00Z is before started_at", "give the summary the shard wrote"}},
		{"started.json", func(m map[string]any) { m["started_at"] = "yesterday" }, []string{`started.json: started_at "yesterday" is not an RFC 3339 time (e.g. 2026-11-24T10:00:00Z)`}},
		{"thr.json", func(m map[string]any) {
			m["thresholds"] = []any{map[string]any{"expr": "p95<5x", "pass": true}}
		}, []string{"thr.json (shard 1/2): thresholds: threshold \"p95<5x\"", "--threshold"}},
	} {
		p := shardVariant(t, dir, mergeShards[1], tc.name, tc.edit)
		code, out, errs := cli(t, "merge", mergeShards[0], p)
		for _, w := range tc.want {
			if code != ExitUsage || !strings.Contains(errs, w) {
				t.Errorf("%s: exit %d, want %d and %q:\n%s%s", tc.name, code, ExitUsage, w, out, errs)
			}
		}
	}

	// A trailing slash is the same target; a BOM is read past.
	p := shardVariant(t, dir, mergeShards[1], "slash.json", func(m map[string]any) { m["target"] = m["target"].(string) + "/" })
	if code, out, errs := cli(t, "merge", mergeShards[0], p); code != ExitOK {
		t.Errorf("trailing slash: exit %d\n%s%s", code, out, errs)
	}
	data, _ := os.ReadFile(mergeShards[1])
	bom := filepath.Join(dir, "bom.json")
	if err := os.WriteFile(bom, append([]byte("\xef\xbb\xbf"), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "merge", mergeShards[0], bom); code != ExitOK {
		t.Errorf("BOM: exit %d\n%s%s", code, out, errs)
	}
	// Another engine version: merged, with a warning naming both files.
	p = shardVariant(t, dir, mergeShards[1], "version.json", func(m map[string]any) { m["version"] = "v9.9.9" })
	code, out, errs := cli(t, "merge", mergeShards[0], p)
	if code != ExitOK || !strings.Contains(errs, "warning: "+p+": written by trafficsim v9.9.9, but "+mergeShards[0]+" by dev") {
		t.Errorf("version: exit %d\n%s%s", code, out, errs)
	}
	// No files at all: say what to give.
	if code, _, errs := cli(t, "merge"); code != ExitUsage || !strings.Contains(errs, "trafficsim merge summary-*.json") {
		t.Errorf("no files: exit %d: %s", code, errs)
	}
}

// TestMergeCleanup: the merged cleanup is verified only if every shard's is,
// left is the shards' sum with the names known or "names not recorded", and
// merge exits 1 as run does when records are left or not verified.
func TestMergeCleanup(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		edit   func(c map[string]any)
		report []string
		err    string
	}{
		{"unverified.json", func(c map[string]any) { c["verified"], c["reason"], c["deleted"] = false, "interrupted", 2 },
			[]string{"left unknown · not verified", "not verified: shard 1/2: interrupted", "not known (the cleanup could not look)"},
			"cleanup could not verify what is left (shard 1/2: interrupted)"},
		{"left2.json", func(c map[string]any) {
			c["left"], c["left_names"], c["deleted"] = 2, []any{"sim_mrg00001_u1_1", "sim_mrg00001_u1_2"}, 3
		}, []string{"left 2 · verified", "sim_mrg00001_u1_1, sim_mrg00001_u1_2"}, "cleanup left 2 records on the target; remove them with trafficsim cleanup"},
		{"left5.json", func(c map[string]any) { c["left"], c["deleted"] = 5, 0; delete(c, "left_names") },
			[]string{"left 5 · verified", "5, names not recorded"}, "cleanup left 5 records"},
		{"leftsome.json", func(c map[string]any) { c["left"], c["left_names"], c["deleted"] = 3, []any{"sim_mrg00001_u1_1"}, 2 },
			[]string{"left 3 · verified", "sim_mrg00001_u1_1, and 2 whose names were not recorded"}, "cleanup left 3 records"},
	} {
		p := shardVariant(t, dir, mergeShards[1], tc.name, func(m map[string]any) { tc.edit(m["cleanup"].(map[string]any)) })
		out := filepath.Join(dir, "merged-"+tc.name)
		code, stdout, errs := cli(t, "merge", "--summary", out, mergeShards[0], p)
		if code != ExitFailure || !strings.Contains(errs, tc.err) {
			t.Errorf("%s: exit %d, want %d and %q:\n%s", tc.name, code, ExitFailure, tc.err, errs)
		}
		for _, w := range tc.report {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s: the report lacks %q:\n%s", tc.name, w, stdout)
			}
		}
		s := readSummary(t, out)
		var shard map[string]any
		data, _ := os.ReadFile(p)
		_ = json.Unmarshal(data, &shard)
		c := shard["cleanup"].(map[string]any)
		if s.Cleanup.Verified != c["verified"].(bool) || float64(s.Cleanup.Left) != c["left"].(float64) {
			t.Errorf("%s: merged cleanup %+v, shard 1's %v (shard 0 left 0, verified)", tc.name, s.Cleanup, c)
		}
	}
}
