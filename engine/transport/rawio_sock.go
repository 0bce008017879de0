//go:build linux && (amd64 || arm64)

package transport

import (
	"syscall"
	"unsafe"
)

// The raw calls are sendto(2) and recvfrom(2) without an address: on a socket
// they do what write(2) and read(2) do, minus the file layer's work every
// file gets (the position lock, the access checks): about 1% of a journey
// request's CPU (docs/benchmarks.md, sweep p). MSG_NOSIGNAL makes a write to
// a closed connection fail with EPIPE without raising SIGPIPE first.
const (
	writeTrap  = syscall.SYS_SENDTO
	readTrap   = syscall.SYS_RECVFROM
	writeFlags = syscall.MSG_NOSIGNAL
)

// rawPeek peeks at one byte without waiting (peekClosed).
func rawPeek(fd uintptr, b *[1]byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1, syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return int(n), errno
}
