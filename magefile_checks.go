//go:build mage

// Our targets beside the SDK's (Magefile.go imports those, as the create-plugin
// scaffold does): the engine alone, gofmt, vet, the Go tests and the whole suite.

package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

const module = "github.com/trafficsim/trafficsim"

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

// GoTest runs every Go test with the race detector.
func GoTest() error {
	mg.Deps(Engine, Jaeger) // Jaeger: the tracing tests' real Jaeger (magefile_jaeger.go)
	pkgs, err := goPackages()
	if err != nil {
		return err
	}
	return sh.RunV("go", append([]string{"test", "-race", "-count=1"}, pkgs...)...)
}

// Check runs every check and test (the SDK's own `test` target, imported in
// Magefile.go, runs only go test ./pkg/...): gofmt, vet, the plugin backend and engine build
// into dist/, the frontend (typecheck, lint, jest, production build) and the Go tests
// with -race (which include the dashboards against a real Prometheus), then the
// browser end-to-end specs (Playwright driving Debian's chromium).
func Check() {
	mg.SerialDeps(Fmt, Vet, GoLint, Vuln, CrossBuild, build.Build.Linux, Frontend, GoTest, E2E)
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

// crossPlatforms are the platforms every package must compile for: the
// engine runs beside Grafana on each of them.
var crossPlatforms = [][2]string{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// CrossBuild compiles every package for linux, darwin and windows on amd64
// and arm64 (go build ./..., which compiles without linking: cheap after the
// first time, from the build cache).
func CrossBuild() error {
	for _, p := range crossPlatforms {
		env := map[string]string{"GOOS": p[0], "GOARCH": p[1], "CGO_ENABLED": "0"}
		// The packages with Go files for the platform (test-only ones have none).
		out, err := sh.OutputWith(env, "go", "list", "-f", "{{if .GoFiles}}{{.ImportPath}}{{end}}", "./...")
		if err != nil {
			return fmt.Errorf("list Go packages for %s/%s: %w", p[0], p[1], err)
		}
		var pkgs []string
		for _, pkg := range strings.Fields(out) {
			if !strings.Contains(pkg, "/node_modules/") {
				pkgs = append(pkgs, pkg)
			}
		}
		fmt.Printf("go build %s/%s: %d packages\n", p[0], p[1], len(pkgs))
		if err := sh.RunWith(env, "go", append([]string{"build"}, pkgs...)...); err != nil {
			return fmt.Errorf("compile for %s/%s: %w", p[0], p[1], err)
		}
	}
	return nil
}
