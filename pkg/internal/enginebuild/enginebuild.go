// Package enginebuild builds the real binaries for the plugin's tests: the tests
// launch the same `trafficsim` engine (and `gpx_trafficsim` backend) that dist/ ships,
// never a stand-in.
package enginebuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
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

// SHA256Var is the backend's variable that holds the engine's SHA-256, set at
// build time (the Magefile sets the same one).
const SHA256Var = "github.com/trafficsim/trafficsim/pkg/plugin.engineSHA256"

// Engine builds engine/cmd/trafficsim into dir and returns its path.
func Engine(dir string) (string, error) {
	return build(dir, EngineName, "engine/cmd/trafficsim")
}

// Backend builds the plugin backend (pkg/) into dir, recording engineSHA256 as
// the engine it may launch (as the Magefile does), and returns its path.
func Backend(dir, engineSHA256 string) (string, error) {
	return build(dir, BackendName, "pkg", "-ldflags", "-X "+SHA256Var+"="+engineSHA256)
}

// SHA256 is the hex SHA-256 of the file at path.
func SHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func build(dir, name, pkg string, flags ...string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, flags...), "./"+pkg)...)
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
