//go:build mage

// The plugin backend build: the SDK's build targets (imported in Magefile.go) build
// gpx_trafficsim; the callback here builds the engine beside it in dist/ and records
// its checksum. Plus the enginerpc code generation.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/grafana/grafana-plugin-sdk-go/build"
)

// The generator versions match google.golang.org/protobuf and grpc in go.mod.
const (
	protocGenGo     = "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12"
	protocGenGoGRPC = "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2"
)

// engineSHA256Var is the backend's variable that records the engine's SHA-256
// (pkg/plugin; the tests' enginebuild.SHA256Var is the same).
const engineSHA256Var = module + "/pkg/plugin.engineSHA256"

func init() {
	// Every SDK build target (build:linux, build:backend, buildAll, ...) builds the
	// engine for the same platform into dist/ first and records its SHA-256 in the
	// backend, which refuses to launch any other binary (go-plugin SecureConfig).
	_ = build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		cfg.PluginJSONPath = "." // plugin.json lives at the repository root, not in src/
		if cfg.OS == "" {
			return cfg, nil // the manifest step (build:generateManifestFile) builds nothing
		}
		sum, err := buildEngine(cfg.OS, cfg.Arch)
		if err != nil {
			return cfg, err
		}
		if cfg.CustomVars == nil {
			cfg.CustomVars = map[string]string{}
		}
		cfg.CustomVars[engineSHA256Var] = sum
		return cfg, nil
	})
}

// buildEngine builds dist/trafficsim_<os>_<arch> (mode 0755) and returns its SHA-256.
func buildEngine(goos, goarch string) (string, error) {
	name := "trafficsim_" + goos + "_" + goarch
	if goos == "windows" {
		name += ".exe"
	}
	engine := filepath.Join("dist", name)
	if err := goBuild(goos, goarch, engine, "./engine/cmd/trafficsim"); err != nil {
		return "", fmt.Errorf("build the engine for %s/%s: %w", goos, goarch, err)
	}
	if err := os.Chmod(engine, 0o755); err != nil {
		return "", fmt.Errorf("make %s executable: %w", engine, err)
	}
	b, err := os.ReadFile(engine)
	if err != nil {
		return "", fmt.Errorf("hash the engine: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Proto regenerates engine/enginerpc/enginepb from enginerpc.proto. It needs protoc
// (Debian: apt-get install protobuf-compiler); the Go generators are installed into
// bin/tools at the pinned versions. The generated code is committed: CI does not run this.
func Proto() error {
	if _, err := exec.LookPath("protoc"); err != nil {
		return fmt.Errorf("protoc not found: install it (Debian/Ubuntu: apt-get install -y protobuf-compiler)")
	}
	tools, err := filepath.Abs(filepath.Join("bin", "tools"))
	if err != nil {
		return err
	}
	for _, gen := range []string{protocGenGo, protocGenGoGRPC} {
		install := exec.Command("go", "install", gen)
		install.Env = append(os.Environ(), "GOBIN="+tools)
		install.Stdout, install.Stderr = os.Stdout, os.Stderr
		if err := install.Run(); err != nil {
			return fmt.Errorf("go install %s: %w", gen, err)
		}
	}
	protoc := exec.Command("protoc", "-I", ".",
		"--plugin=protoc-gen-go="+filepath.Join(tools, "protoc-gen-go"),
		"--plugin=protoc-gen-go-grpc="+filepath.Join(tools, "protoc-gen-go-grpc"),
		"--go_out=enginepb", "--go_opt=paths=source_relative",
		"--go-grpc_out=enginepb", "--go-grpc_opt=paths=source_relative",
		"enginerpc.proto")
	protoc.Dir = filepath.Join("engine", "enginerpc")
	protoc.Stdout, protoc.Stderr = os.Stdout, os.Stderr
	if err := protoc.Run(); err != nil {
		return fmt.Errorf("protoc: %w", err)
	}
	return Tsgen()
}

// Tsgen writes src/api/types.gen.ts, the TypeScript types of the contract's
// messages the frontend reads, from enginerpc.proto (internal/tsgen; Proto runs it
// too). The file is committed; a test fails when it is stale.
func Tsgen() error {
	gen := exec.Command("go", "run", "./internal/tsgen", "-proto", "engine/enginerpc/enginerpc.proto", "-o", "src/api/types.gen.ts")
	gen.Stdout, gen.Stderr = os.Stdout, os.Stderr
	if err := gen.Run(); err != nil {
		return fmt.Errorf("go run ./internal/tsgen: %w", err)
	}
	return nil
}
