package main

import (
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/runner"
)

func TestShardFlagValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "3/3", "--run-id", "abcd1234", "--seed", "1"}, "--shard: \"3/3\": the shard index 3 must be 0 to 2"},
		{[]string{"--shard", "1-3"}, "--shard: \"1-3\": want INDEX/COUNT"},
		{[]string{"--shard", "0/3", "--seed", "1"}, "--run-id: is required with --shard"},
		{[]string{"--shard", "0/3", "--run-id", "abcd1234"}, "--seed: is required with --shard"},
		{[]string{"--shard", "0/3", "--run-id", "abcd1234", "--seed", "1", "--users", "2"}, "--shard: 3 shards for 2 VUs"},
		// The stages' largest target is the VUs: shard 2/3 of 2 would run none
		// (a tiny run, should it be taken).
		{[]string{"--shard", "2/3", "--run-id", "abcd1234", "--seed", "1", "--stages", "1s:2", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0", "--progress", "off"},
			"--shard: 3 shards for 2 VUs (the stages 1s:2 reach at most 2) would leave shard 2/3 (this one) without VUs: shard i runs the VUs whose index mod 3 is i; use at most 2 shards, or a largest stage target of at least 3"},
		{[]string{"--shard", "0/5", "--run-id", "abcd1234", "--seed", "1", "--stages", "1s:2", "--min-request-count", "1", "--max-request-count", "1", "--delay-min", "0", "--delay-max", "0", "--progress", "off"},
			"would leave shards 2/5 to 4/5 without VUs"},
		{[]string{"--start-at", "10:00"}, "--start-at: \"10:00\": want an RFC 3339 time"},
		{[]string{"--start-at", time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}, "--start-at: "},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"run"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tc.want)
			}
		})
	}
}

// With --shard, remote-written series carry shard="i/N" unless a
// --remote-write-label names shard itself.
func TestShardRemoteWriteLabel(t *testing.T) {
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{nil, "1/3"},
		{[]string{"shard=b"}, "b"},
	} {
		ci := ciOptions{rwURL: "http://127.0.0.1:1/api/v1/write", rwInterval: time.Second, rwLabels: tc.labels}
		if err := ci.check(); err != nil {
			t.Fatal(err)
		}
		var c runner.Config
		sf := shardFlags{shard: "1/3", startAt: "2030-01-02T03:04:05Z"}
		if err := sf.apply(&c, &ci); err != nil {
			t.Fatal(err)
		}
		if got := ci.rwConfig(nil).Labels["shard"]; got != tc.want {
			t.Errorf("labels %v: shard=%q, want %q", tc.labels, got, tc.want)
		}
		if c.Shard != (runner.Shard{Index: 1, Count: 3}) || !c.StartAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("config shard %v start %v", c.Shard, c.StartAt)
		}
	}
	// Without remote write there are no labels to add.
	ci := ciOptions{rwInterval: time.Second}
	if err := ci.check(); err != nil {
		t.Fatal(err)
	}
	var c runner.Config
	if err := (&shardFlags{shard: "0/2"}).apply(&c, &ci); err != nil || len(ci.labels) != 0 {
		t.Fatalf("labels %v, err %v", ci.labels, err)
	}
}
