// Package enginebuild builds the real binaries for the plugin's tests: the tests
// launch the same `trafficsim` engine (and `gpx_trafficsim` backend) that dist/ ships,
// never a stand-in.
package enginebuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// EngineName and BackendName are the file names dist/ gives the binaries on this platform.
var (
	EngineName  = "trafficsim" + platformSuffix()
	BackendName = "gpx_trafficsim" + platformSuffix()
)

func platformSuffix() string {
	s := "_" + runtime.GOOS + "_" + runtime.GOARCH
	if runtime.GOOS == "windows" {
		s += ".exe"
	}
	return s
}

// Engine builds engine/cmd/trafficsim into dir and returns its path.
func Engine(dir string) (string, error) {
	return build(dir, EngineName, "engine/cmd/trafficsim")
}

// Backend builds the plugin backend (pkg/) into dir and returns its path.
func Backend(dir string) (string, error) {
	return build(dir, BackendName, "pkg")
}

func build(dir, name, pkg string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, "./"+pkg)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./%s: %w\n%s", pkg, err, stderr.String())
	}
	return out, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" {
		return "", fmt.Errorf("find the module root: not inside the trafficsim module")
	}
	return filepath.Dir(gomod), nil
}

// Main is a test package's TestMain: it makes a temporary directory, lets build
// put the binaries the tests need there, runs the tests and removes the
// directory. A failed build fails the package before any test runs.
func Main(m *testing.M, prefix string, build func(dir string) error) {
	code := func() int {
		dir, err := os.MkdirTemp("", prefix)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if err := build(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}
