//go:build unix

package transport

import (
	"crypto/tls"
	"net"
	"syscall"
)

// idlePeeker looks whether the server has closed a kept connection that the
// raw reads (rawio.go) do not carry: a TLS one, or any on a system other than
// Linux. One pass through the poller with a non-blocking MSG_PEEK of one
// byte: on an open connection with nothing to read it fails with EAGAIN.
type idlePeeker struct {
	rc     syscall.RawConn
	closed bool
	b      [1]byte
	fn     func(fd uintptr) bool // peek, bound once: no closure per look
}

// newIdlePeeker returns c's peeker; nil when c is not a TCP connection (or
// TLS over one).
func newIdlePeeker(c net.Conn) *idlePeeker {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p := &idlePeeker{rc: rc}
	p.fn = p.peek
	return p
}

func (p *idlePeeker) peek(fd uintptr) bool {
	for {
		_, _, err := syscall.Recvfrom(int(fd), p.b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == syscall.EINTR {
			continue
		}
		// EAGAIN: open, nothing to read. Otherwise the end of the stream
		// (0 bytes, no error), bytes nobody asked for (a TLS close_notify,
		// an unasked answer), or a reset.
		p.closed = err != syscall.EAGAIN
		return true
	}
}

// closedByPeer reports whether the connection is closed, or not to be used.
func (p *idlePeeker) closedByPeer() bool {
	if err := p.rc.Read(p.fn); err != nil {
		return true
	}
	return p.closed
}
