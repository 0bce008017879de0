package transport

import "time"

// SetPeekAfter sets how long a kept connection must lie idle before it is
// looked at for a close by the server, for a test that closes it sooner; the
// returned func restores it. Not for parallel tests.
func SetPeekAfter(d time.Duration) (restore func()) {
	old := peekAfter
	peekAfter = d
	return func() { peekAfter = old }
}
