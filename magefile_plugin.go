//go:build mage

// Plugin backend targets: the gpx_trafficsim backend (built with the Grafana plugin
// SDK's build package) and the engine binaries beside it in dist/, and the
// enginerpc code generation.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"
)

// The generator versions match google.golang.org/protobuf and grpc in go.mod.
const (
	protocGenGo     = "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12"
	protocGenGoGRPC = "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2"
)

func init() {
	// plugin.json lives at the repository root, not in src/ (the SDK's default).
	_ = build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		cfg.PluginJSONPath = "."
		return cfg, nil
	})
}

// Build is the plugin backend namespace: each target builds gpx_trafficsim_<os>_<arch>
// and the engine trafficsim_<os>_<arch> into dist/ (mode 0755), plus the build manifest.
type Build mg.Namespace

// Linux builds the backend and the engine for linux/amd64.
func (Build) Linux() error { return pluginBuild("linux", "amd64") }

// LinuxARM64 builds the backend and the engine for linux/arm64.
func (Build) LinuxARM64() error { return pluginBuild("linux", "arm64") }

// LinuxARM builds the backend and the engine for linux/arm.
func (Build) LinuxARM() error { return pluginBuild("linux", "arm") }

// Darwin builds the backend and the engine for darwin/amd64.
func (Build) Darwin() error { return pluginBuild("darwin", "amd64") }

// DarwinARM64 builds the backend and the engine for darwin/arm64.
func (Build) DarwinARM64() error { return pluginBuild("darwin", "arm64") }

// Windows builds the backend and the engine for windows/amd64.
func (Build) Windows() error { return pluginBuild("windows", "amd64") }

// Backend builds the backend and the engine for this machine.
func (Build) Backend() error { return pluginBuild(runtime.GOOS, runtime.GOARCH) }

// BuildAll builds the backend and the engine for every platform Grafana supports.
func BuildAll() {
	b := Build{}
	mg.SerialDeps(b.Linux, b.LinuxARM64, b.LinuxARM, b.Darwin, b.DarwinARM64, b.Windows)
}

func pluginBuild(goos, goarch string) error {
	// The SDK builds ./pkg as dist/gpx_trafficsim_<os>_<arch> and writes
	// dist/go_plugin_build_manifest; it never wipes dist/ (the frontend lands there too).
	if err := (build.Build{}).Custom(goos, goarch); err != nil {
		return fmt.Errorf("build the plugin backend for %s/%s: %w", goos, goarch, err)
	}
	name := "trafficsim_" + goos + "_" + goarch
	backend := "gpx_trafficsim_" + goos + "_" + goarch
	if goos == "windows" {
		name += ".exe"
		backend += ".exe"
	}
	engine := filepath.Join("dist", name)
	if err := goBuild(goos, goarch, engine, "./engine/cmd/trafficsim"); err != nil {
		return fmt.Errorf("build the engine for %s/%s: %w", goos, goarch, err)
	}
	for _, f := range []string{engine, filepath.Join("dist", backend)} {
		if err := os.Chmod(f, 0o755); err != nil {
			return fmt.Errorf("make %s executable: %w", f, err)
		}
	}
	return nil
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
	return nil
}
