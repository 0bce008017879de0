package runner

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/plan"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// Shard is this process's part of a run split across N processes
// (docs/sharding.md). The zero value is the whole run.
//
// The partition is by global VU index, interleaved: shard i of N owns the
// closed model's slots s with s mod N = i (and every VU of those slots, index
// s + k·slots, with --stages), and the open model's arrivals n with
// n mod N = i, at their unsharded due times. A VU depends only on the seed and
// its global index, so the N shards together run exactly the VUs of the one
// unsharded run.
type Shard struct {
	Index int // 0 … Count-1
	Count int // 0: not sharded
}

// MaxShards bounds --shard's N; beyond it a value is a typo. It is
// plan.MaxShards, the most trafficsim plan recommends.
const MaxShards = plan.MaxShards

// ParseShard reads "i/N" (e.g. 0/3).
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%q: want INDEX/COUNT with INDEX from 0, e.g. 0/3 (shards 0/3, 1/3 and 2/3 make one run)", s)
	}
	sh := Shard{Index: i, Count: n}
	if err := sh.check(); err != nil {
		return Shard{}, fmt.Errorf("%q: %w", s, err)
	}
	return sh, nil
}

func (s Shard) check() error {
	if s.Count < 1 || s.Count > MaxShards {
		return fmt.Errorf("the shard count %d must be 1 to %d", s.Count, MaxShards)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("the shard index %d must be 0 to %d (shards count from 0)", s.Index, s.Count-1)
	}
	return nil
}

// Sharded reports whether the run is a part of a sharded run.
func (s Shard) Sharded() bool { return s.Count > 0 }

// String is "i/N", or "" for the whole run.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// owns reports whether global index n (a closed-model slot or an open-model
// arrival) belongs to this shard.
func (s Shard) owns(n int) bool { return s.Count <= 1 || n%s.Count == s.Index }

// validateShard checks the sharding fields of the config.
func (c Config) validateShard() error {
	if c.Shard != (Shard{}) {
		if err := c.Shard.check(); err != nil {
			return &FieldError{Field: "shard", Message: err.Error() + "; write INDEX/COUNT, e.g. 0/3"}
		}
		if c.RunID == "" {
			return &FieldError{Field: "run_id", Message: "is required with --shard: every shard must use the same run id (8 lowercase letters or digits, e.g. --run-id load0001), so usernames stay unique and merge can match the summaries"}
		}
		if c.Seed == 0 {
			return &FieldError{Field: "seed", Message: "is required with --shard: every shard must use the same seed (e.g. --seed 42), or the shards run different VUs"}
		}
		if err := c.shardHasVUs(); err != nil {
			return err
		}
	}
	if !c.StartAt.IsZero() && time.Until(c.StartAt) > MaxStartWait {
		return &FieldError{Field: "start_at", Message: fmt.Sprintf("%s is more than %v away; give a time closer to now (RFC 3339, e.g. %s)",
			c.StartAt.UTC().Format(time.RFC3339), MaxStartWait, time.Now().Add(time.Minute).UTC().Format(time.RFC3339))}
	}
	return nil
}

// shardHasVUs refuses a sharded closed-model run with fewer VU slots (the
// users, or the stages' largest target) than shards: shard i runs the slots s
// with s mod N = i, so the shards from the slots' number up would run no VU.
// An open-model shard always has a pool.
func (c Config) shardHasVUs() error {
	slots, from, fix := c.Users, fmt.Sprintf("--users %d", c.Users), fmt.Sprintf("at least --users %d", c.Shard.Count)
	switch {
	case c.OpenModel():
		return nil
	case len(c.Stages) > 0:
		peak := 0.0
		for _, st := range c.Stages {
			peak = max(peak, st.Target)
		}
		slots = int(peak)
		from = fmt.Sprintf("the stages %s reach at most %d", loadshape.FormatStages(c.Stages, false), slots)
		fix = fmt.Sprintf("a largest stage target of at least %d", c.Shard.Count)
	}
	if slots >= c.Shard.Count {
		return nil
	}
	empty := fmt.Sprintf("shard %d/%d", slots, c.Shard.Count)
	if c.Shard.Count-slots > 1 {
		empty = fmt.Sprintf("shards %d/%d to %d/%d", slots, c.Shard.Count, c.Shard.Count-1, c.Shard.Count)
	}
	if c.Shard.Index >= slots {
		empty += fmt.Sprintf(" (this one, %s, among them)", c.Shard)
		if c.Shard.Count-slots == 1 {
			empty = fmt.Sprintf("shard %s (this one)", c.Shard)
		}
	}
	return &FieldError{Field: "shard", Message: fmt.Sprintf("%d shards for %d VUs (%s) would leave %s without VUs: shard i runs the VUs whose index mod %d is i; use at most %d shards, or %s",
		c.Shard.Count, slots, from, empty, c.Shard.Count, max(slots, 1), fix)}
}

// MaxStartWait bounds how far in the future --start-at may be.
const MaxStartWait = 24 * time.Hour

// ownedPool is the open model's VU pool of this shard: its share of the
// run's pool (rounded up), since it runs one N-th of the arrivals.
func (c Config) ownedPool(slots int) int {
	if c.Shard.Count <= 1 {
		return slots
	}
	return max(1, (slots+c.Shard.Count-1)/c.Shard.Count)
}

// waitStartAt waits until the config's StartAt (no wait when it is zero or
// past), so shards started at different moments begin together without a
// coordinator. False when the run is stopped or ctx ends meanwhile.
func (r *Runner) waitStartAt(ctx context.Context) bool {
	d := time.Until(r.cfg.StartAt)
	if r.cfg.StartAt.IsZero() || d <= 0 {
		return true
	}
	r.log.Info("waiting for the start time", "start_at", r.cfg.StartAt.UTC().Format(time.RFC3339Nano), "in", d.Round(time.Millisecond))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.stopCh:
		return false
	case <-ctx.Done():
		return false
	}
}

// shardSummary marks a shard's summary with its shard and its histograms, so
// trafficsim merge can combine the shards' summaries exactly.
func (r *Runner) shardSummary(s *summary.Summary, st metrics.Stats) {
	if !r.cfg.Shard.Sharded() {
		return
	}
	s.Shard = &summary.ShardInfo{Index: r.cfg.Shard.Index, Count: r.cfg.Shard.Count}
	rec := r.rec.Load()
	if rec == nil {
		_ = summary.AttachHistograms(s, st, nil, summary.ServiceData{})
		return
	}
	var svc summary.ServiceData
	svc.Hist, svc.SumNanos, svc.MaxNanos = rec.ServiceHistogram()
	if err := summary.AttachHistograms(s, st, rec.LatencyHistograms(), svc); err != nil {
		r.log.Error("summary histograms", "err", err)
	}
}

// simName is a name a VU gives what it creates: sim_<run>_<kind><vu>_<n>.
var simName = regexp.MustCompile(`^sim_[a-z0-9]{8}_[a-z]+(\d+)_\d+$`)

// ownsName reports whether the end-of-run sweep of this process may delete a
// record of the run by its name: always unsharded; sharded, only what one of
// this shard's VUs named (others' may still be in use while their shard runs;
// what no shard claims is left to trafficsim cleanup --run).
func (r *Runner) ownsName(name string) bool {
	if !r.cfg.Shard.Sharded() {
		return true
	}
	m := simName.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	idx, err := strconv.Atoi(m[1])
	if err != nil {
		return false
	}
	if p := r.load; p != nil && !p.open && p.slots > 0 {
		idx %= p.slots // closed model: the VU's slot
	}
	return r.cfg.Shard.owns(idx)
}
