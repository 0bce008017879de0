package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/runner"
)

// shardFlags are the flags that make a run one shard of a larger one
// (docs/sharding.md).
type shardFlags struct {
	shard   string
	startAt string
}

func addShardFlags(f *pflag.FlagSet, s *shardFlags) {
	f.StringVar(&s.shard, "shard", "", "run only shard INDEX/COUNT of the run, e.g. 1/3: the VUs (or arrivals) whose global index mod COUNT is INDEX; needs --run-id and --seed shared by every shard; merge the summaries with trafficsim merge (docs/sharding.md)")
	f.StringVar(&s.startAt, "start-at", "", "wait until this time (RFC 3339, e.g. 2026-11-24T10:00:00Z) before the VUs start, so shards begin together without a coordinator")
}

// apply puts the shard flags into the config and tags remote-written series
// with shard="i/N" (unless --remote-write-label shard=… is given). Call it
// after ci.check.
func (s *shardFlags) apply(c *runner.Config, ci *ciOptions) error {
	if s.shard != "" {
		sh, err := runner.ParseShard(s.shard)
		if err != nil {
			return fmt.Errorf("--shard: %w", err)
		}
		c.Shard = sh
		if ci.rwURL != "" {
			if _, given := ci.labels["shard"]; !given {
				ci.labels["shard"] = sh.String()
			}
		}
	}
	if s.startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s.startAt))
		if err != nil {
			return fmt.Errorf("--start-at: %q: want an RFC 3339 time such as %s", s.startAt, time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
		}
		c.StartAt = t
	}
	return nil
}

// shardText is the run's shard and start time for the header line ("" when
// neither is set).
func shardText(c runner.Config) string {
	var parts []string
	if c.Shard.Sharded() {
		parts = append(parts, fmt.Sprintf("shard %s of run %s (docs/sharding.md)", c.Shard, c.RunID))
	}
	if !c.StartAt.IsZero() {
		parts = append(parts, "starting at "+c.StartAt.UTC().Format(time.RFC3339Nano))
	}
	return strings.Join(parts, "; ")
}
