//go:build linux && !(amd64 || arm64)

package transport

import "syscall"

// Where sendto(2) and recvfrom(2) are not plain system calls of their own
// (socketcall(2) on 386), the raw calls are write(2) and read(2).
const (
	writeTrap  = syscall.SYS_WRITE
	readTrap   = syscall.SYS_READ
	writeFlags = 0
)
