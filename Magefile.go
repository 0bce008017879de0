//go:build mage

// Build and test tasks: go run mage.go -l lists them.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

const module = "github.com/trafficsim/trafficsim"

// Default target: build the engine.
var Default = Engine

// Engine builds the trafficsim binary for this machine into bin/.
func Engine() error {
	return goBuild(runtime.GOOS, runtime.GOARCH, filepath.Join("bin", "trafficsim"), "./engine/cmd/trafficsim")
}

// Fmt fails if any Go file is not gofmt-formatted.
func Fmt() error {
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "dist", "bin", "coverage":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list Go files: %w", err)
	}
	out, err := sh.Output("gofmt", append([]string{"-l"}, files...)...)
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "" {
		return fmt.Errorf("gofmt needed on:\n%s", out)
	}
	return nil
}

// Vet runs go vet on every package.
func Vet() error {
	pkgs, err := goPackages()
	if err != nil {
		return err
	}
	return sh.RunV("go", append([]string{"vet"}, pkgs...)...)
}

// goPackages lists the module's packages, leaving out the Go sources that npm
// packages carry under node_modules/.
func goPackages() ([]string, error) {
	out, err := sh.Output("go", "list", "./...")
	if err != nil {
		return nil, fmt.Errorf("list Go packages: %w", err)
	}
	var pkgs []string
	for _, p := range strings.Fields(out) {
		if !strings.Contains(p, "/node_modules/") {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, nil
}

// GoTest runs every Go test with the race detector (building Jaeger for the
// tracing tests first, once).
func GoTest() error {
	mg.Deps(Engine, Jaeger) // Jaeger: the tracing tests' real Jaeger (magefile_jaeger.go)
	pkgs, err := goPackages()
	if err != nil {
		return err
	}
	return sh.RunV("go", append([]string{"test", "-race", "-count=1"}, pkgs...)...)
}

// Test runs every check and test: gofmt, vet, the plugin backend and engine build
// into dist/, the frontend (typecheck, lint, jest, production build) and the Go tests
// with -race (which include the dashboards against a real Prometheus), then the
// browser end-to-end specs (Playwright driving Debian's chromium).
func Test() {
	mg.SerialDeps(Fmt, Vet, Build.Linux, Frontend, GoTest, E2E)
}

func goBuild(goos, goarch, out, pkg string) error {
	version := os.Getenv("TRAFFICSIM_VERSION")
	if version == "" {
		version = "dev"
	}
	cmd := exec.Command("go", "build", "-trimpath",
		"-ldflags", "-s -w -X "+module+"/engine/version.Version="+version,
		"-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}
