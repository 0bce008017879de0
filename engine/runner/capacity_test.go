package runner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The per-process ceiling comes from the measured footprint: a run whose part
// does not fit in --max-memory is refused before it starts, with the fix; the
// same --users split over shards fits, each shard holding its part.
func TestCheckCapacityCountsTheShardsPart(t *testing.T) {
	sc := filepath.Join(t.TempDir(), "plain.yaml")
	if err := os.WriteFile(sc, []byte("name: one_get\nrequests:\n  - name: root\n    path: /\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Scenario, cfg.BaseURL, cfg.Users = sc, "http://127.0.0.1:9", 400_000
	cfg.DelayMin, cfg.DelayMax = MaxDelay, MaxDelay
	const mem = 512 << 20 // 400,000 VUs need more, 100,000 less

	_, err := cfg.CheckCapacity(0, mem, false)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "users" || !strings.Contains(fe.Message, "--shard i/N") || !strings.Contains(fe.Message, "400000 plain VUs") {
		t.Fatalf("400,000 VUs in 512 MiB: %v", err)
	}
	cfg.RunID, cfg.Seed = "scale001", 7
	for i := range 4 {
		cfg.Shard = Shard{Index: i, Count: 4}
		k, err := cfg.CheckCapacity(0, mem, false)
		if err != nil {
			t.Fatalf("shard %d/4: %v", i, err)
		}
		if k.VUs != 100_000 || k.Journey || k.NeedBytes > mem || k.Conns.InFlight < 1 {
			t.Errorf("shard %d/4: %+v", i, k)
		}
	}
	cfg.Shard = Shard{}
	cfg.Scenario = "active_user"
	if _, err := cfg.CheckCapacity(0, mem, false); err == nil || !strings.Contains(err.Error(), "journey VUs") {
		t.Errorf("journey VUs in 512 MiB: %v", err)
	}
}
