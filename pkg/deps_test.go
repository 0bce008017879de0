package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/trafficsim/trafficsim/"

// contract is every engine package the plugin backend may link: the go-plugin
// contract and its generated code, and the load model's text grammar, a leaf
// the plugin reads and prints stages with (docs/architecture.md).
var contract = []string{
	module + "engine/enginerpc",
	module + "engine/enginerpc/enginepb",
	module + "engine/loadshape",
}

// goListDeps lists the packages pkgs link (tests excluded: they may start real engines).
func goListDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", strings.Join(pkgs, " "), err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", strings.Join(pkgs, " "), err)
	}
	return strings.Fields(string(out))
}

// The plugin never links the runner: pkg/ reaches the engine only through the
// contract (DESIGN.md: pkg → engine/enginerpc), so a new import of engine code
// into the plugin fails here rather than growing the plugin unnoticed.
func TestPluginLinksOnlyTheEngineContract(t *testing.T) {
	deps := goListDeps(t, "./...")
	if !slices.Contains(deps, module+"engine/enginerpc") {
		t.Fatalf("go list -deps ./pkg/... does not list engine/enginerpc; the test no longer sees the plugin's imports:\n%s", strings.Join(deps, "\n"))
	}
	for _, p := range deps {
		if strings.HasPrefix(p, module+"engine/") && !slices.Contains(contract, p) {
			t.Errorf("pkg/ links %s; the plugin may import only %s (move what it needs into the contract, or ask the engine over RPC)", p, strings.Join(contract, ", "))
		}
	}
	// The contract's own imports stay inside it, so allowing it allows nothing more.
	for _, p := range goListDeps(t, contract...) {
		if strings.HasPrefix(p, module) && !slices.Contains(contract, p) {
			t.Errorf("the contract links %s; it must import no other package of the module", p)
		}
	}
}
