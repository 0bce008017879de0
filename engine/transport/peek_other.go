//go:build !unix

package transport

import "net"

// idlePeeker is for Unix systems (peek_unix.go): on others a kept
// connection is not looked at before it is reused, and one the server closed
// meanwhile fails its request, which is sent again when nothing of it was
// written or it may be replayed (wire.exchange).
type idlePeeker struct{}

func newIdlePeeker(net.Conn) *idlePeeker { return nil }

func (*idlePeeker) closedByPeer() bool { return false }
