//go:build !linux

package promtest

import "syscall"

// dieWithParent: only Linux has a parent-death signal; the test's cleanup
// stops the child elsewhere.
func dieWithParent() *syscall.SysProcAttr { return nil }
