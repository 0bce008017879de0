//go:build mage

// E2E target: the browser end-to-end tests (docs/e2e.md) — the built plugin backend and
// engine behind the e2e test host, the plugin's real frontend in Debian's chromium.

package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/magefile/mage/sh"
)

// E2E runs `npm run e2e`: builds the backend and engine (build:linux), the e2e page and
// host, starts the host, runs the Playwright specs in chromium and stops everything.
// Needs Node.js 20+ and chromium (Debian: apt-get install chromium; E2E_CHROMIUM
// overrides /usr/bin/chromium). Screenshots land in tests/e2e/artifacts.
func E2E() error {
	if err := checkNode(); err != nil {
		return err
	}
	browser := os.Getenv("E2E_CHROMIUM")
	if browser == "" {
		browser = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(browser); err != nil {
		return fmt.Errorf("e2e: chromium not found at %s; install it (Debian: apt-get install -y chromium) or set E2E_CHROMIUM to its path", browser)
	}
	if err := npmInstall(); err != nil {
		return err
	}
	if err := sh.RunV("npm", "run", "--silent", "e2e"); err != nil {
		return fmt.Errorf("e2e: npm run e2e: %w (screenshots in tests/e2e/artifacts)", err)
	}
	return nil
}
