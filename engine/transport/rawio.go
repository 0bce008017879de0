//go:build linux

package transport

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawConn does a plain TCP connection's reads and writes itself, inside the
// runtime poller's waits (syscall.RawConn), for two savings per request that
// the profile of a journey showed:
//
//   - sendAndWait resets the poller's readiness, writes the request and parks
//     until the answer is readable. Writing and then reading, as net.Conn
//     does, nearly always finds no answer yet: a failing read system call per
//     request — a third of all the calls — before parking. The answer cannot
//     be missed: its bytes arrive after the reset and raise a fresh edge.
//   - Small reads and writes (the usual request and answer) are raw system
//     calls, without the runtime's entersyscall/exitsyscall. Those calls are
//     for calls that may block; these never do (the socket is non-blocking and
//     the copies are bounded), and entersyscall woke the runtime's monitor
//     thread every time the process came back from waiting on the target.
//
// Deadlines and a Close from another goroutine still end the waits: they are
// the poller's.
type rawConn struct {
	rc syscall.RawConn

	// Call state for the callbacks below, bound once (a closure per call
	// would be an allocation per request).
	buf     []byte
	n       int
	errno   error
	writing bool
	sendFn  func(fd uintptr) bool
	readFn  func(fd uintptr) bool
}

// rawMax bounds a raw system call's copy; larger ones go through the runtime.
const rawMax = 64 << 10

func newRawConn(c net.Conn) *rawConn {
	sc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawConn{rc: rc}
	r.sendFn, r.readFn = r.sendCallback, r.readCallback
	return r
}

// sendAndWait writes b and, once it is all written, waits until the
// connection is readable (or a deadline passes or it is closed: the read that
// follows reports those). It returns how much of b it wrote: less when the
// socket's buffer filled up, and the caller writes the rest.
func (r *rawConn) sendAndWait(b []byte) (int, error) {
	r.buf, r.n, r.errno, r.writing = b, 0, nil, true
	err := r.rc.Read(r.sendFn)
	n, errno := r.n, r.errno
	r.buf, r.errno = nil, nil
	if errno != nil {
		return n, os.NewSyscallError("write", errno)
	}
	if n == len(b) {
		return n, nil
	}
	return n, err
}

// sendCallback writes on its first call and asks to wait (false) once all is
// written; the call after the wait ends it.
func (r *rawConn) sendCallback(fd uintptr) bool {
	if !r.writing {
		return true // readable now: the answer is read by Read
	}
	r.writing = false
	for r.n < len(r.buf) {
		n, errno := rawIO(true, fd, r.buf[r.n:])
		switch errno {
		case 0:
			r.n += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return true
		default:
			r.errno = errno
			return true
		}
	}
	return false
}

// Read implements io.Reader for the connection's bufio.Reader.
func (r *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.buf, r.n, r.errno = p, 0, nil
	err := r.rc.Read(r.readFn)
	n, errno := r.n, r.errno
	r.buf, r.errno = nil, nil
	switch {
	case err != nil:
		return 0, err
	case errno != nil:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *rawConn) readCallback(fd uintptr) bool {
	for {
		n, errno := rawIO(false, fd, r.buf)
		switch errno {
		case 0:
			r.n = n
			return true
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // wait until readable
		default:
			r.errno = errno
			return true
		}
	}
}

// rawIO is read(2) or write(2) of b (not empty). Small copies are raw
// system calls; large ones, and every one under the race detector (the
// syscall package's calls tell it that I/O orders memory), go through the
// syscall package.
func rawIO(write bool, fd uintptr, b []byte) (int, syscall.Errno) {
	if raceEnabled || len(b) > rawMax {
		var n int
		var err error
		if write {
			n, err = syscall.Write(int(fd), b)
		} else {
			n, err = syscall.Read(int(fd), b)
		}
		if err != nil {
			errno, ok := err.(syscall.Errno)
			if !ok {
				errno = syscall.EIO
			}
			return 0, errno
		}
		return n, 0
	}
	trap := uintptr(syscall.SYS_READ)
	if write {
		trap = syscall.SYS_WRITE
	}
	// The pointer is converted in the call expression itself, as
	// unsafe.Pointer's rules ask, so b stays alive during the call.
	n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), 0
}
