//go:build mage

// Frontend target: the plugin's React frontend (src/), built and checked with the
// create-plugin toolchain (npm scripts in package.json).

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/magefile/mage/sh"
)

// lockStamp records which package-lock.json node_modules was installed from, so npm ci
// runs only when node_modules is missing or stale (a changed lockfile).
var lockStamp = filepath.Join("node_modules", ".trafficsim-lock.sha256")

// minNodeMajor is the oldest Node.js the toolchain runs on (.nvmrc).
const minNodeMajor = 20

// Frontend installs the npm packages if needed (npm ci), then typechecks, lints, runs the
// Jest tests and makes the production build (dist/module.js, dist/plugin.json, the panel).
func Frontend() error {
	if err := checkNode(); err != nil {
		return err
	}
	if err := npmInstall(); err != nil {
		return err
	}
	for _, script := range []string{"typecheck", "lint", "test", "build"} {
		if err := sh.RunV("npm", "run", "--silent", script); err != nil {
			return fmt.Errorf("frontend: npm run %s: %w", script, err)
		}
	}
	return nil
}

func checkNode() error {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("frontend: node not found; install Node.js %d or later (Debian: apt-get install nodejs npm)", minNodeMajor)
		}
		return fmt.Errorf("frontend: node --version: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return fmt.Errorf("frontend: cannot read the Node.js version %q", v)
	}
	if major < minNodeMajor {
		return fmt.Errorf("frontend: Node.js %s is too old; install Node.js %d or later", v, minNodeMajor)
	}
	return nil
}

// npmInstall runs npm ci unless node_modules was installed from this very lockfile.
func npmInstall() error {
	lock, err := os.ReadFile("package-lock.json")
	if err != nil {
		return fmt.Errorf("frontend: read package-lock.json: %w", err)
	}
	sum := sha256.Sum256(lock)
	want := []byte(hex.EncodeToString(sum[:]))
	have, err := os.ReadFile(lockStamp)
	if err == nil && bytes.Equal(bytes.TrimSpace(have), want) {
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("frontend: read %s: %w", lockStamp, err)
	}
	if err := sh.RunV("npm", "ci", "--no-audit", "--no-fund"); err != nil {
		return fmt.Errorf("frontend: npm ci: %w", err)
	}
	if err := os.WriteFile(lockStamp, append(want, '\n'), 0o644); err != nil {
		return fmt.Errorf("frontend: write %s: %w", lockStamp, err)
	}
	return nil
}
