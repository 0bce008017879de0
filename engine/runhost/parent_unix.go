//go:build unix

package runhost

import (
	"errors"
	"syscall"
)

// processExists reports whether pid is a process (signal 0 checks without sending).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
