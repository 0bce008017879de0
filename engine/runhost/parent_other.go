//go:build !unix

package runhost

import "os"

// processExists reports whether pid is a process: FindProcess opens it on Windows
// and fails once it has exited.
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
