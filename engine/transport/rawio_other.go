//go:build !linux

package transport

import (
	"net"
	"time"
)

// rawConn is Linux-only (rawio.go): elsewhere connections use net.Conn's own
// reads and writes.
type rawConn struct{}

func newRawConn(net.Conn) *rawConn { return nil }

func (*rawConn) send([]byte) { panic("rawConn: not on this platform") }

func (*rawConn) Read([]byte) (int, error) { panic("rawConn: not on this platform") }

func (*rawConn) drop() {}

func (*rawConn) keeps(time.Time, time.Time) bool { return false }

func (*rawConn) disarm() {}

func (*rawConn) checkIdle() {}

func (*rawConn) sentNothing() bool { return false }
