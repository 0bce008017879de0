package promtest

import "syscall"

// DieWithParent kills the child when the test binary dies.
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
