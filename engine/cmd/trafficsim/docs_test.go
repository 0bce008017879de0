package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestEveryFlagIsDocumented: each flag of each visible command appears as
// `--name` in the user docs (docs/cli.md, or docs/target.md for the target),
// so a new flag cannot ship undocumented.
func TestEveryFlagIsDocumented(t *testing.T) {
	docs := map[string]string{}
	for _, name := range []string{"cli.md", "target.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", name))
		if err != nil {
			t.Fatalf("read docs/%s: %v", name, err)
		}
		docs[name] = string(b)
	}
	root := newRootCmd()
	checked := 0
	for _, cmd := range root.Commands() {
		if cmd.Hidden || cmd.Name() == "help" || cmd.Name() == "completion" {
			continue
		}
		doc := docs["cli.md"]
		if cmd.Name() == "target" {
			doc += docs["target.md"]
		}
		if !strings.Contains(doc, "trafficsim "+cmd.Name()) {
			t.Errorf("docs/cli.md does not mention `trafficsim %s`", cmd.Name())
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			checked++
			if !strings.Contains(doc, "--"+f.Name) {
				t.Errorf("trafficsim %s --%s is not documented in docs/cli.md", cmd.Name(), f.Name)
			}
		})
	}
	if checked < 20 {
		t.Fatalf("only %d flags seen: the command tree was not built as expected", checked)
	}
}
