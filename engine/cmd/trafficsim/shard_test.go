package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// A plain scenario: every VU's picks, and so the per-route counts, follow from
// the seed and its global VU index alone. The registration's username comes
// from the run id, the VU index and the request number, so a duplicate across
// shards would be answered 409 instead of the expected 201.
const shardPlainScenario = `name: shard_plain
description: registrations and health checks, for the sharding test
requests:
  - name: sign_up_plain
    method: POST
    path: /api/v1/users
    body: '{"username": "sim_{{run}}_p{{vu}}_{{seq}}", "email": "sim_{{run}}_p{{vu}}_{{seq}}@example.org", "password": "Sh4rd-pass", "name": "Shard {{vu}}"}'
    expect: 201
    group: user_mutation
  - name: health
    path: /healthz
    weight: 2
  - name: root
    path: /
    weight: 1
`

// runBin runs the binary and returns its exit code and output.
func runBin(ctx context.Context, bin string, args ...string) (int, string) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	default:
		return -1, out.String() + err.Error()
	}
}

// runShards runs shards 0/3, 1/3 and 2/3 of one run as three processes that
// start together (--start-at), and returns their summary files.
func runShards(t *testing.T, ctx context.Context, bin, dir, runID string, args []string) []string {
	t.Helper()
	startAt := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	files := make([]string, 3)
	codes := make([]int, 3)
	outs := make([]string, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		files[i] = filepath.Join(dir, fmt.Sprintf("summary-%s-%d.json", runID, i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := append([]string{"run", "--run-id", runID, "--shard", fmt.Sprintf("%d/3", i), "--start-at", startAt,
				"--summary", files[i], "--progress", "off"}, args...)
			codes[i], outs[i] = runBin(ctx, bin, a...)
		}()
	}
	wg.Wait()
	for i := range 3 {
		if codes[i] != 0 {
			t.Fatalf("shard %d/3 exit %d:\n%s", i, codes[i], outs[i])
		}
	}
	return files
}

func readSummary(t *testing.T, path string) summary.Summary {
	t.Helper()
	s, err := summary.ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func endpointCounts(s summary.Summary) map[string]int64 {
	m := map[string]int64{}
	for _, e := range s.Endpoints {
		m[e.Method+" "+e.Route] = e.Requests
	}
	return m
}

// Three shards of a run against one target do exactly the one run: the merged
// summary's total and per-route counts equal a single process's with the same
// seed, no username is created twice, the merged percentiles are those of the
// combined histograms, and thresholds judged on the merge set the exit code.
func TestShardedRunMerges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	target := startTarget(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	scen := filepath.Join(dir, "shard_plain.yaml")
	if err := os.WriteFile(scen, []byte(shardPlainScenario), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("plain scenario: exact per-route counts", func(t *testing.T) {
		args := []string{"--base-url", target.URL, "--scenario", scen, "--users", "7", "--min-request-count", "5",
			"--max-request-count", "25", "--delay-min", "0", "--delay-max", "0", "--seed", "4242",
			"--threshold", "p99<1h"}
		files := runShards(t, ctx, bin, dir, "shardpl1", args)
		code, out := runBin(ctx, bin, append([]string{"run", "--run-id", "singlpl1", "--progress", "off",
			"--summary", filepath.Join(dir, "single-plain.json")}, args...)...)
		if code != 0 {
			t.Fatalf("single run exit %d:\n%s", code, out)
		}
		single := readSummary(t, filepath.Join(dir, "single-plain.json"))
		merged := mergeOK(t, ctx, bin, dir, files, "merged-plain.json")

		if merged.Requests != single.Requests || single.Requests == 0 {
			t.Fatalf("merged %d requests, single process %d", merged.Requests, single.Requests)
		}
		mc, sc := endpointCounts(merged), endpointCounts(single)
		if fmt.Sprint(mc) != fmt.Sprint(sc) {
			t.Fatalf("per-route counts: merged %v, single process %v", mc, sc)
		}
		t.Logf("merged %d requests = single %d; per route %v", merged.Requests, single.Requests, mc)
		// Every registration was new on the target: a username repeated across
		// shards would have been answered 409.
		var shardSum int64
		for _, f := range files {
			s := readSummary(t, f)
			shardSum += s.Requests
			if s.Requests == 0 || s.Requests == merged.Requests {
				t.Fatalf("%s: shard sent %d of %d requests: not a part", f, s.Requests, merged.Requests)
			}
		}
		if shardSum != merged.Requests {
			t.Fatalf("shards sent %d requests, merged says %d", shardSum, merged.Requests)
		}
		for _, e := range merged.Endpoints {
			if e.Route == "/api/v1/users" {
				if e.Statuses["201"] != e.Requests || e.Requests == 0 {
					t.Fatalf("registrations: %d requests, statuses %v (a 409 is a duplicate username)", e.Requests, e.Statuses)
				}
			}
		}
		if got := countUsers(t, target.URL, "sim_shardpl1_p"); int64(got) != mc["POST /api/v1/users"] {
			t.Fatalf("the target holds %d users of the sharded run, %d registrations were sent", got, mc["POST /api/v1/users"])
		}
		// The threshold the shards carried was judged again over the merge.
		if len(merged.Thresholds) != 1 || merged.Thresholds[0].Expr != "p99<1h" || !merged.Thresholds[0].Pass ||
			merged.Thresholds[0].Observed != merged.Latency.P99 {
			t.Fatalf("merged thresholds %+v (p99 %v)", merged.Thresholds, merged.Latency.P99)
		}
		checkPercentiles(t, files, merged)

		// A threshold on the merged run sets merge's exit code: the total is
		// only known once the shards are merged.
		n := strconv.FormatInt(merged.Requests, 10)
		junit := filepath.Join(dir, "merged.xml")
		if code, out := runBin(ctx, bin, append([]string{"merge", "--threshold", "requests>=" + n, "--junit", junit}, files...)...); code != 0 {
			t.Fatalf("requests>=%s: exit %d:\n%s", n, code, out)
		}
		code, out = runBin(ctx, bin, append([]string{"merge", "--threshold", "requests>" + n, "--junit", junit, "--summary", filepath.Join(dir, "failed.json")}, files...)...)
		if code != ExitThreshold || !strings.Contains(out, "requests>"+n) {
			t.Fatalf("requests>%s: exit %d, want %d:\n%s", n, code, ExitThreshold, out)
		}
		if x, err := os.ReadFile(junit); err != nil || !strings.Contains(string(x), "<failure") {
			t.Fatalf("junit %s: %v\n%s", junit, err, x)
		}
	})

	t.Run("mixed scenario: same total, disjoint usernames", func(t *testing.T) {
		args := []string{"--base-url", target.URL, "--scenario", "mixed", "--users", "9", "--min-request-count", "15",
			"--max-request-count", "30", "--delay-min", "0", "--delay-max", "5ms", "--seed", "99", "--cleanup=false"}
		files := runShards(t, ctx, bin, dir, "shardmx1", args)
		code, out := runBin(ctx, bin, append([]string{"run", "--run-id", "singlmx1", "--progress", "off",
			"--summary", filepath.Join(dir, "single-mixed.json")}, args...)...)
		if code != 0 {
			t.Fatalf("single run exit %d:\n%s", code, out)
		}
		single := readSummary(t, filepath.Join(dir, "single-mixed.json"))
		merged := mergeOK(t, ctx, bin, dir, files, "merged-mixed.json")
		if merged.Requests != single.Requests {
			t.Fatalf("merged %d requests, single process %d", merged.Requests, single.Requests)
		}
		// --cleanup=false: each summary lists what its shard created. A name
		// carries the VU's global index (sim_<run>_u<index>_<n>); a shard's
		// are its own VUs', and no name is in two shards.
		nameIdx := regexp.MustCompile(`^sim_shardmx1_u(\d+)_\d+$`)
		owner := map[string]int{}
		for i, f := range files {
			for _, name := range readSummary(t, f).Cleanup.LeftNames {
				m := nameIdx.FindStringSubmatch(name)
				if m == nil {
					continue // roles and permissions are named differently
				}
				if prev, dup := owner[name]; dup {
					t.Fatalf("%s created by shards %d and %d", name, prev, i)
				}
				owner[name] = i
				if idx, _ := strconv.Atoi(m[1]); idx%3 != i {
					t.Fatalf("shard %d/3 created %s, a name of VU %d", i, name, idx)
				}
			}
		}
		if len(owner) == 0 {
			t.Fatal("the shards created no users")
		}
		if got := countUsers(t, target.URL, "sim_shardmx1_"); got != len(owner) {
			t.Fatalf("the target holds %d users of the run, the shards report %d", got, len(owner))
		}
		t.Logf("merged %d requests = single %d; %d users created, none twice", merged.Requests, single.Requests, len(owner))
		checkPercentiles(t, files, merged)
		for _, run := range []string{"shardmx1", "singlmx1"} {
			if code, out := runBin(ctx, bin, "cleanup", "--base-url", target.URL, "--run", run); code != 0 {
				t.Fatalf("cleanup %s: exit %d\n%s", run, code, out)
			}
		}
	})

	t.Run("mixed scenario: each shard cleans up its own", func(t *testing.T) {
		// A shard that ends first must not sweep away users the others still use.
		args := []string{"--base-url", target.URL, "--scenario", "mixed", "--users", "9", "--min-request-count", "10",
			"--max-request-count", "60", "--delay-min", "0", "--delay-max", "5ms", "--seed", "5"}
		files := runShards(t, ctx, bin, dir, "shardcl1", args) // each exits 0: nothing left, no cleanup error
		merged := mergeOK(t, ctx, bin, dir, files, "merged-cleanup.json")
		if merged.Cleanup.Created == 0 || merged.Cleanup.Created != merged.Cleanup.Deleted || merged.Cleanup.Error != "" {
			t.Fatalf("merged cleanup %+v", merged.Cleanup)
		}
		if got := countUsers(t, target.URL, "sim_shardcl1_"); got != 0 {
			t.Fatalf("%d users of the run left on the target", got)
		}
	})

	t.Run("merge refuses a wrong set", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(dir, "summary-shardpl1-*.json"))
		other, _ := filepath.Glob(filepath.Join(dir, "summary-shardmx1-*.json"))
		if len(files) != 3 || len(other) != 3 {
			t.Fatalf("shard summaries: %v %v", files, other)
		}
		for _, tc := range []struct {
			files []string
			want  string
		}{
			{files[:2], "shard 2/3 missing"},
			{append(files[:2:2], files[1]), "shard 1/3 is also in"},
			{append(files[:2:2], other[2]), `run id "shardmx1"`},
			{[]string{filepath.Join(dir, "single-plain.json")}, "not a shard summary"},
			{[]string{filepath.Join(dir, "nothing-*.json")}, "nothing-*.json"},
		} {
			code, out := runBin(ctx, bin, append([]string{"merge"}, tc.files...)...)
			if code != ExitUsage || !strings.Contains(out, tc.want) {
				t.Errorf("merge %v: exit %d, want %d and %q:\n%s", tc.files, code, ExitUsage, tc.want, out)
			}
		}
	})
}

func mergeOK(t *testing.T, ctx context.Context, bin, dir string, files []string, name string) summary.Summary {
	t.Helper()
	out := filepath.Join(dir, name)
	code, text := runBin(ctx, bin, append([]string{"merge", "--summary", out}, files...)...)
	if code != 0 {
		t.Fatalf("merge exit %d:\n%s", code, text)
	}
	s := readSummary(t, out)
	if s.Merged == nil || s.Merged.Shards != 3 || s.Shard != nil {
		t.Fatalf("merged summary: merged %+v shard %+v", s.Merged, s.Shard)
	}
	return s
}

// checkPercentiles merges the shards' histograms here and checks the merged
// summary's percentiles against them, per endpoint and overall.
func checkPercentiles(t *testing.T, files []string, merged summary.Summary) {
	t.Helper()
	type acc struct {
		h   *hdrhistogram.Histogram
		max int64
	}
	eps := map[string]*acc{}
	all := &acc{h: metrics.NewLatencyHistogram()}
	for _, f := range files {
		s := readSummary(t, f)
		for _, eh := range s.Histograms.Endpoints {
			h, err := summary.DecodeHistogram(eh.HDR)
			if err != nil {
				t.Fatal(err)
			}
			k := eh.Method + " " + eh.Route
			if eps[k] == nil {
				eps[k] = &acc{h: metrics.NewLatencyHistogram()}
			}
			eps[k].h.Merge(h)
			eps[k].max = max(eps[k].max, eh.MaxNanos)
			all.h.Merge(h)
			all.max = max(all.max, eh.MaxNanos)
		}
	}
	want := func(a *acc, q float64) float64 {
		v := min(a.h.ValueAtQuantile(q)*1000, a.max) // ns
		return math.Round(float64(v)/1e9*1e6) / 1e6
	}
	check := func(what string, a *acc, l summary.LatencySeconds, n int64) {
		if a == nil || a.h.TotalCount() != n {
			t.Fatalf("%s: combined histograms hold %v requests, merged summary %d", what, a, n)
		}
		for _, c := range []struct {
			q   float64
			got float64
		}{{50, l.P50}, {95, l.P95}, {99, l.P99}} {
			if w := want(a, c.q); w != c.got || w <= 0 {
				t.Fatalf("%s p%v: merged summary %v, combined histograms %v", what, c.q, c.got, w)
			}
		}
	}
	check("all", all, merged.Latency, merged.Requests)
	for _, e := range merged.Endpoints {
		check(e.Method+" "+e.Route, eps[e.Method+" "+e.Route], e.Latency, e.Requests)
	}
	t.Logf("percentiles of %d endpoints and overall (p95 %vs) equal the combined histograms'", len(merged.Endpoints), merged.Latency.P95)
}

// countUsers asks the target how many users' names contain q.
func countUsers(t *testing.T, base, q string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": "admin"})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("admin login: %v (status %d)", err, resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/users/search?per_page=1&q="+url.QueryEscape(q), nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 {
		t.Fatalf("search users: %v (status %d)", err, resp.StatusCode)
	}
	return page.Total
}
