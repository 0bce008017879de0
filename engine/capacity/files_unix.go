//go:build unix

package capacity

import "syscall"

// RaiseOpenFiles raises the open-file soft limit to the hard limit (the Go
// runtime does so too since Go 1.19; doing it here makes it explicit and
// reports the result). Where the hard limit is unlimited the soft one stays
// (darwin refuses more than its per-process maximum).
func RaiseOpenFiles() Files {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return Files{}
	}
	f := Files{Soft: uint64(l.Cur), Hard: uint64(l.Max)}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			f.Soft, f.Raised = uint64(want.Cur), true
		}
	}
	if f.Hard > 1<<40 { // unlimited
		f.Hard = f.Soft
	}
	return f
}
