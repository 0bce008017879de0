//go:build linux

package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// rawConn does a plain TCP connection's reads and writes itself, inside the
// runtime poller's waits (syscall.RawConn), for savings per request that the
// profiles of a journey showed:
//
//   - A request is not written when sent (send): the first Read after it
//     writes it, parks until the answer is readable and reads the answer
//     into the bufio.Reader's buffer, all in one pass through the poller.
//     Writing and then reading, as net.Conn does, nearly always finds no
//     answer yet: a failing read system call per request — a third of all
//     the calls — before parking. The answer cannot be missed: the pass
//     resets the poller's readiness before it writes, and the answer's bytes
//     arrive after that and raise a fresh edge. One pass rather than a write
//     pass and a read pass saves the poller's locking once per request.
//   - Small reads and writes (the usual request and answer) are raw system
//     calls, without the runtime's entersyscall/exitsyscall. Those calls are
//     for calls that may block; these never do (the socket is non-blocking and
//     the copies are bounded), and entersyscall woke the runtime's monitor
//     thread every time the process came back from waiting on the target.
//
// Deadlines and a Close from another goroutine still end the waits: they are
// the poller's.
type rawConn struct {
	c  net.Conn
	rc syscall.RawConn

	pending []byte // the request send left for the next Read to write

	// check asks the next exchange to look first whether the server closed
	// the connection while it was idle (checkIdle); unsent says it found it
	// closed, or the request's write failed before a byte of it went out:
	// the server saw nothing of the request.
	check, unsent bool
	peekBuf       [1]byte

	// Call state for the callbacks below, bound once (a closure per call
	// would be an allocation per request).
	out     []byte // the request exchange writes
	wrote   int    // bytes of out written
	werrno  error  // the write's failure
	writing bool   // exchange's callback is writing, not yet reading
	short   bool   // the socket's buffer filled up: the rest is written by c
	buf     []byte // what a read reads into
	n       int    // bytes read
	errno   error  // the read's failure
	exchFn  func(fd uintptr) bool
	readFn  func(fd uintptr) bool

	// due is the exchange's own deadline and armed the one the poller has
	// (keeps). armed is never after due; when it fires first, the read arms
	// due and waits on (early).
	due, armed time.Time
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
	r := &rawConn{c: c, rc: rc}
	r.exchFn, r.readFn = r.exchangeCallback, r.readCallback
	return r
}

// send leaves b, a whole request, for the next Read to write. The caller
// keeps b unchanged until that Read and reads nothing buffered before it
// (the connection's bufio.Reader holds nothing).
func (r *rawConn) send(b []byte) { r.pending = b }

// drop forgets a request left by send and never written (its exchange
// failed first).
func (r *rawConn) drop() { r.pending = nil }

// checkIdle asks the next exchange to look, before it writes, whether the
// server has closed the connection (a kept one): a non-blocking peek in the
// same pass through the poller. Closed, the exchange writes nothing and
// fails, and sentNothing says so.
func (r *rawConn) checkIdle() { r.check = true }

// sentNothing reports that the last exchange failed with nothing of its
// request written: the connection was found closed, or the write failed at
// its first byte.
func (r *rawConn) sentNothing() bool { return r.unsent }

// Read implements io.Reader for the connection's bufio.Reader: it writes a
// pending request first, in the same pass through the poller.
func (r *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b := r.pending; b != nil {
		r.pending = nil
		n, done, err := r.exchange(b, p)
		if done || err != nil {
			return n, err
		}
		// The socket's buffer filled up: the runtime waits for room for the
		// rest (until the exchange's own deadline), then the answer is read
		// as any other.
		if r.earlier() {
			if err := r.armDue(); err != nil {
				return 0, err
			}
		}
		if _, err := r.c.Write(b[r.wrote:]); err != nil {
			return 0, err
		}
	}
	return r.read(r.readFn, p)
}

// read passes through the poller with f, which reads into p.
func (r *rawConn) read(f func(fd uintptr) bool, p []byte) (int, error) {
	r.buf, r.n, r.errno = p, 0, nil
	err := r.rc.Read(f)
	for err != nil && r.early(err) {
		err = r.rc.Read(f)
	}
	n, errno := r.n, r.errno
	r.buf, r.errno = nil, nil
	return readResult(n, errno, err)
}

// keeps records an exchange's deadline and reports whether the one armed on
// the connection may stay (wconn.arm): set, no later, and at least half the
// exchange's timeout away. Otherwise the caller arms deadline.
func (r *rawConn) keeps(start, deadline time.Time) bool {
	r.due = deadline
	if !r.armed.IsZero() && !r.armed.After(deadline) && r.armed.Sub(start) >= deadline.Sub(start)/2 {
		return true
	}
	r.armed = deadline
	return false
}

// disarm forgets the deadlines: the connection has none now.
func (r *rawConn) disarm() { r.due, r.armed = time.Time{}, time.Time{} }

// earlier reports an armed deadline before the exchange's own.
func (r *rawConn) earlier() bool { return !r.due.IsZero() && r.armed.Before(r.due) }

// armDue arms the exchange's own deadline.
func (r *rawConn) armDue() error {
	r.armed = r.due
	return r.c.SetDeadline(r.due)
}

// early reports whether err is the armed deadline firing before the
// exchange's own, and if so arms that one: the caller waits on.
func (r *rawConn) early(err error) bool {
	if !r.earlier() || !errors.Is(err, os.ErrDeadlineExceeded) || !time.Now().Before(r.due) {
		return false
	}
	return r.armDue() == nil
}

// exchange writes b and, once it is all written, waits until the connection
// is readable and reads into p. done is false when the socket's buffer filled
// up before all of b was written (r.wrote says how much was): nothing is
// read then.
func (r *rawConn) exchange(b, p []byte) (n int, done bool, err error) {
	r.out, r.wrote, r.werrno, r.writing, r.short, r.unsent = b, 0, nil, true, false, false
	n, err = r.read(r.exchFn, p)
	werrno := r.werrno
	r.out, r.werrno = nil, nil
	switch {
	case r.unsent:
		return 0, true, errClosedIdle
	case werrno != nil:
		r.unsent = r.wrote == 0
		return 0, true, os.NewSyscallError("write", werrno)
	case r.short:
		return 0, false, nil
	}
	return n, true, err
}

// exchangeCallback writes on its first call and asks to wait (false) once
// all is written; the calls after the wait read.
func (r *rawConn) exchangeCallback(fd uintptr) bool {
	if !r.writing {
		return r.readCallback(fd)
	}
	r.writing = false
	if r.check {
		r.check = false
		if peekClosed(fd, &r.peekBuf) {
			r.unsent = true
			return true
		}
	}
	for r.wrote < len(r.out) {
		n, errno := rawIO(true, fd, r.out[r.wrote:])
		switch errno {
		case 0:
			r.wrote += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			r.short = true
			return true
		default:
			r.werrno = errno
			return true
		}
	}
	return false
}

// readCallback reads into r.buf once the connection is readable.
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

// readResult is a read's outcome as io.Reader reports it: the poller's error
// (a deadline, a Close), the system call's, or the end of the stream.
func readResult(n int, errno, err error) (int, error) {
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

// peekClosed reports whether a kept connection's server has closed it (or
// reset it, or sent bytes nobody asked for) while it was idle: a
// non-blocking MSG_PEEK of one byte that, on an open connection with nothing
// to read, fails with EAGAIN. One raw system call (rawPeek).
func peekClosed(fd uintptr, b *[1]byte) bool {
	for {
		switch _, errno := rawPeek(fd, b); errno {
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default: // 0: the end of the stream or unasked bytes; else a reset
			return true
		}
	}
}

// rawIO reads or writes b (not empty) on a socket. Small copies are raw
// system calls (rawio_sock.go); large ones, and every one under the race
// detector (the syscall package's calls tell it that I/O orders memory), go
// through the syscall package.
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
			return 0, errnoOf(err)
		}
		return n, 0
	}
	trap, flags := uintptr(readTrap), uintptr(0)
	if write {
		trap, flags = writeTrap, writeFlags
	}
	// The pointer is converted in the call expression itself, as
	// unsafe.Pointer's rules ask, so b stays alive during the call. The
	// address arguments are nil: the socket is connected.
	n, _, errno := syscall.RawSyscall6(trap, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), flags, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), 0
}

// errnoOf is a syscall package call's error as an Errno (0: none).
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	errno, ok := err.(syscall.Errno)
	if !ok {
		errno = syscall.EIO
	}
	return errno
}
