package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed src/api/types.gen.ts is what the contract says now.
func TestCommittedTypesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	want, err := generate(filepath.Join(root, "engine", "enginerpc", "enginerpc.proto"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "src", "api", "types.gen.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("src/api/types.gen.ts is stale: run `go run mage.go tsgen` and commit it; it should be:\n%s", want)
	}
}

func TestTypesFollowTheJSONNames(t *testing.T) {
	ts, err := generate(filepath.Join("..", "..", "engine", "enginerpc", "enginerpc.proto"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export interface RunStats {", "  p95LatencyMs: number;", "  requests: number;",
		"  breakers: Breaker[];", "  degradation: string;", "export const zeroRunStats: Readonly<RunStats> = {\n  activeUsers: 0,", "  breakers: [],\n  degradation: '',", "/** 0..1 */\n  successRate: number;"} {
		if !strings.Contains(string(ts), want) {
			t.Errorf("generated types lack %q:\n%s", want, ts)
		}
	}
}
