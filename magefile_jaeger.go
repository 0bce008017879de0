//go:build mage

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/magefile/mage/sh"
)

// jaegerVersion is the Jaeger module whose cmd/jaeger (Jaeger v2 all-in-one)
// the tracing tests run.
const jaegerVersion = "v1.75.0"

// JaegerBinary is where Jaeger builds to, and where the tests look for it
// ($TRAFFICSIM_JAEGER overrides): $XDG_CACHE_HOME or ~/.cache, trafficsim-jaeger/jaeger.
func jaegerBinary() (string, error) {
	if p := os.Getenv("TRAFFICSIM_JAEGER"); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the cache directory for Jaeger: %w", err)
	}
	return filepath.Join(dir, "trafficsim-jaeger", "jaeger"), nil
}

// Jaeger builds Jaeger v2 all-in-one for the tracing tests (about 5 minutes on
// two cores, once: the binary is cached and reused). `go install` refuses the
// module (its go.mod has a replace directive), so the module is downloaded
// through the proxy, copied somewhere writable and built in place.
func Jaeger() error {
	bin, err := jaegerBinary()
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err == nil {
		return nil
	}
	out, err := sh.Output("go", "mod", "download", "-json", "github.com/jaegertracing/jaeger@"+jaegerVersion)
	if err != nil {
		return fmt.Errorf("download Jaeger %s: %w", jaegerVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal([]byte(out), &mod); err != nil || mod.Dir == "" {
		return fmt.Errorf("go mod download gave no directory for Jaeger: %v\n%s", err, out)
	}
	src := filepath.Join(filepath.Dir(bin), "src")
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	// The module cache is read-only and the build writes into the module directory.
	if err := sh.Run("cp", "-r", mod.Dir, src); err != nil {
		return fmt.Errorf("copy the Jaeger module: %w", err)
	}
	if err := sh.Run("chmod", "-R", "u+w", src); err != nil {
		return err
	}
	fmt.Println("building Jaeger", jaegerVersion, "(about 5 minutes, once)")
	cmd := exec.Command("go", "build", "-o", bin+".tmp", "./cmd/jaeger")
	cmd.Dir = src
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build Jaeger: %w", err)
	}
	return os.Rename(bin+".tmp", bin)
}
