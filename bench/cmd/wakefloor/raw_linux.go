//go:build linux

package main

import (
	"fmt"
	"net"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// rawTrips is the client without the Go runtime in the way: one locked
// thread, non-blocking sockets in its own edge-triggered epoll set, and the
// epoll_pwait, read and write system calls made raw, as an event-loop client
// in C makes them. The runtime never parks a goroutine or polls for it, so a
// round trip costs what the kernel charges for it: one wait (and its sleep
// and wake-up when nothing is ready), one read, one write.
//
// epoll_pwait blocks without telling the runtime (RawSyscall6). Nothing else
// runs in this process, and the runtime's preemption signal only ends a wait
// early (EINTR), so that is safe here and only here.
// epollET is EPOLLET as the uint32 the event takes (the syscall package's
// constant is negative).
const epollET = 1 << 31

func rawTrips(addr string, conns int, dur time.Duration) (int64, error) {
	runtime.LockOSThread()
	ta, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		return 0, fmt.Errorf("resolving %s: %w", addr, err)
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return 0, fmt.Errorf("creating the epoll set: %w", err)
	}
	defer syscall.Close(ep)
	msg := make([]byte, 64)
	for range conns {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("opening a socket: %w", err)
		}
		defer syscall.Close(fd)
		if err := syscall.Connect(fd, sa); err != nil {
			return 0, fmt.Errorf("connecting to %s: %w", addr, err)
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
			return 0, fmt.Errorf("setting TCP_NODELAY: %w", err)
		}
		if err := syscall.SetNonblock(fd, true); err != nil {
			return 0, fmt.Errorf("making the socket non-blocking: %w", err)
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | epollET, Fd: int32(fd)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return 0, fmt.Errorf("adding a socket to the epoll set: %w", err)
		}
		if _, err := syscall.Write(fd, msg[:32]); err != nil {
			return 0, fmt.Errorf("sending the first message: %w", err)
		}
	}
	var trips int64
	events := make([]syscall.EpollEvent, 256)
	for end := time.Now().Add(dur); time.Now().Before(end); {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 100, 0, 0) // no signal mask: epoll_wait, which arm64 lacks
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return trips, fmt.Errorf("waiting on the epoll set: %w", errno)
		}
		for _, ev := range events[:n] {
			fd := uintptr(ev.Fd)
			r, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
			if errno == syscall.EAGAIN || errno == syscall.EINTR {
				continue
			}
			if errno != 0 || r == 0 {
				return trips, fmt.Errorf("reading an echo: %v (%d bytes)", errno, r)
			}
			trips++
			if _, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&msg[0])), 32); errno != 0 {
				return trips, fmt.Errorf("sending a message: %w", errno)
			}
		}
	}
	return trips, nil
}
