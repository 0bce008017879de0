//go:build mage

// Static checks: golangci-lint (.golangci.yml) and govulncheck, at pinned
// versions installed with go install into bin/tools (docs/architecture.md, Checks).

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/magefile/mage/sh"
)

const (
	golangciLintVersion = "v2.15.0"
	govulncheckVersion  = "v1.9.0"
	// vulndbVersion is the snapshot of golang.org/x/vulndb the offline
	// vulnerability database is built from when the online one cannot be
	// reached; bump it to take newer reports.
	vulndbVersion = "v0.0.0-20261105234957-e22db6528018"
)

// lintStrict are the packages whose lint findings fail the build. The others
// are linted too, but their findings are only printed until they are fixed
// (then add them here; the goal is ./...).
var lintStrict = []string{
	"./engine/loadshape/...",
	"./engine/metrics/...",
	"./engine/remotewrite/...",
	"./engine/report/...",
	"./engine/resilience/...",
	"./engine/summary/...",
	"./engine/threshold/...",
	"./engine/transport/...",
	"./engine/usersvc/...",
}

// GoLint runs golangci-lint: findings in the lintStrict packages fail, the rest
// are reported.
func GoLint() error {
	bin, err := installTool("github.com/golangci/golangci-lint/v2/cmd/golangci-lint", golangciLintVersion)
	if err != nil {
		return err
	}
	if err := sh.RunV(bin, append([]string{"run", "--allow-parallel-runners"}, lintStrict...)...); err != nil {
		return fmt.Errorf("golangci-lint: findings in packages held to it (fix them): %w", err)
	}
	fmt.Println("golangci-lint, report only (packages not yet held to it):")
	if err := sh.RunV(bin, "run", "--allow-parallel-runners", "./..."); err != nil {
		fmt.Println("golangci-lint: the findings above do not fail the build yet")
	}
	return nil
}

// onlineVulnDB is govulncheck's default database.
const onlineVulnDB = "https://vuln.go.dev"

// Vuln runs govulncheck over the module: against the online Go vulnerability
// database, or, when that cannot be reached within 5s, against an offline copy
// built from the pinned golang.org/x/vulndb module (its OSV reports, indexed
// by the module's own indexdb command).
func Vuln() error {
	bin, err := installTool("golang.org/x/vuln/cmd/govulncheck", govulncheckVersion)
	if err != nil {
		return err
	}
	db := onlineVulnDB
	if err := probe(db + "/index/db.json"); err != nil {
		fmt.Printf("govulncheck: the online database is out of reach (%v); using golang.org/x/vulndb@%s\n", err, vulndbVersion)
		dir, err := offlineVulnDB()
		if err != nil {
			return err
		}
		db = "file://" + dir
	}
	err = sh.RunV(bin, "-db", db, "./...")
	if sh.ExitStatus(err) == 3 && !vulnFails {
		fmt.Println("govulncheck: the vulnerabilities above do not fail the build yet (vulnFails)")
		return nil
	}
	return err
}

// vulnFails makes vulnerabilities that govulncheck finds fail the build. Off
// while the ones it finds are the standard library's of the Go release the
// module builds with (fixed by moving go.mod's toolchain to a patched one).
const vulnFails = false

func probe(url string) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// offlineVulnDB builds the vulnerability database from the pinned vulndb
// module into bin/vulndb/<version> (once) and returns its absolute path.
func offlineVulnDB() (string, error) {
	out, err := filepath.Abs(filepath.Join("bin", "vulndb", vulndbVersion))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(out, "index", "db.json")); err == nil {
		return out, nil
	}
	js, err := sh.Output("go", "mod", "download", "-json", "golang.org/x/vulndb@"+vulndbVersion)
	if err != nil {
		return "", fmt.Errorf("download golang.org/x/vulndb@%s: %w", vulndbVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal([]byte(js), &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("download golang.org/x/vulndb@%s: no module directory in %q", vulndbVersion, js)
	}
	indexdb, err := installTool("golang.org/x/vulndb/cmd/indexdb", vulndbVersion)
	if err != nil {
		return "", err
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	if err := sh.RunV(indexdb, "-vulns", filepath.Join(mod.Dir, "data", "osv"), "-out", tmp); err != nil {
		return "", fmt.Errorf("index the vulnerability reports of golang.org/x/vulndb@%s: %w", vulndbVersion, err)
	}
	return out, os.Rename(tmp, out)
}

// installTool installs pkg@version with go install into bin/tools/<version>/
// (once) and returns the binary's path.
func installTool(pkg, version string) (string, error) {
	dir, err := filepath.Abs(filepath.Join("bin", "tools", version))
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, filepath.Base(pkg))
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	cmd := exec.Command("go", "install", pkg+"@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %w", pkg, version, err)
	}
	return bin, nil
}
