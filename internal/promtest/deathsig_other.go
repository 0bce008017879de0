//go:build !linux

package promtest

import "syscall"

// DieWithParent: only Linux has a parent-death signal; the test's cleanup
// stops the child elsewhere.
func DieWithParent() *syscall.SysProcAttr { return nil }
