package summary

import (
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// shardSummary builds a shard's summary from latencies (µs) on one endpoint,
// the way the runner does: statistics, then the histograms attached.
func shardSummary(t *testing.T, idx int, lat []int64) Summary {
	t.Helper()
	h := metrics.NewLatencyHistogram()
	var sum, maxN int64
	for _, us := range lat {
		if err := h.RecordValue(us); err != nil {
			t.Fatal(err)
		}
		sum += us * 1000
		maxN = max(maxN, us*1000)
	}
	n := int64(len(lat))
	ep := metrics.EndpointStats{Method: "GET", Route: "/x", Group: "user_query", Requests: n, Expected: n,
		Statuses: map[int]int64{200: n}, Latency: metrics.LatencyFrom(h, n, sum, maxN)}
	st := metrics.Stats{Requests: n, Outcomes: metrics.Outcomes{Success: n}, Groups: map[string]int64{"user_query": n},
		Endpoints: []metrics.EndpointStats{ep}, Latency: ep.Latency}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := BuildSummary(SummaryMeta{RunID: "merge001", Scenario: "mixed", Seed: 7, StartedAt: start, EndedAt: start.Add(time.Duration(idx+1) * time.Second),
		State: "finished", Users: 3}, st, CleanupResult{})
	key := metrics.EndpointKey{Group: "user_query", Method: "GET", Route: "/x"}
	if err := AttachHistograms(&s, st, map[metrics.EndpointKey]*hdrhistogram.Snapshot{key: h.Export()}, ServiceData{}); err != nil {
		t.Fatal(err)
	}
	s.Shard = &ShardInfo{Index: idx, Count: 3}
	return s
}

func TestMergeExactPercentiles(t *testing.T) {
	lats := [][]int64{{100, 200, 300, 40_000}, {150, 151, 152}, {9_000, 9_100, 12_345, 99, 98}}
	var in []ShardSummary
	all := metrics.NewLatencyHistogram()
	var sum, n int64
	for i, l := range lats {
		in = append(in, ShardSummary{Path: "s" + string(rune('0'+i)), Summary: shardSummary(t, i, l)})
		for _, v := range l {
			_ = all.RecordValue(v)
			sum += v * 1000
			n++
		}
	}
	m, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Summary
	if s.Requests != n || s.Endpoints[0].Requests != n || s.Endpoints[0].Statuses["200"] != n || s.Groups["user_query"] != n {
		t.Fatalf("counts: %d %+v", s.Requests, s.Endpoints)
	}
	want := latencySeconds(metrics.LatencyFrom(all, n, sum, 40_000_000))
	if s.Latency != want || s.Endpoints[0].Latency != want {
		t.Fatalf("latency %+v / %+v, want %+v", s.Latency, s.Endpoints[0].Latency, want)
	}
	if s.Latency.Max != 0.04 || s.DurationSeconds != 3 || s.Merged.Shards != 3 {
		t.Fatalf("max %v duration %v merged %+v", s.Latency.Max, s.DurationSeconds, s.Merged)
	}

	// Errors name the file.
	bad := []ShardSummary{in[0], in[1], {Path: "broken.json", Summary: shardSummary(t, 2, lats[2])}}
	bad[2].Summary.Histograms.Endpoints[0].Requests++
	bad[2].Summary.Endpoints[0].Requests++
	if _, err := Merge(bad); err == nil || !strings.Contains(err.Error(), "broken.json") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged: %v", err)
	}
	bad[2] = ShardSummary{Path: "nohist.json", Summary: shardSummary(t, 2, lats[2])}
	bad[2].Summary.Histograms = nil
	if _, err := Merge(bad); err == nil || !strings.Contains(err.Error(), "nohist.json") {
		t.Fatalf("no histograms: %v", err)
	}
	bad[2] = ShardSummary{Path: "seed.json", Summary: shardSummary(t, 2, lats[2])}
	bad[2].Summary.Seed = 8
	if _, err := Merge(bad); err == nil || !strings.Contains(err.Error(), "seed.json: seed 8") {
		t.Fatalf("seed: %v", err)
	}
}
