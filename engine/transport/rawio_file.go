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

// rawPeek peeks at one byte without waiting (peekClosed), through the
// syscall package's recvfrom.
func rawPeek(fd uintptr, b *[1]byte) (int, syscall.Errno) {
	n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if err != nil {
		return 0, errnoOf(err)
	}
	return n, 0
}
