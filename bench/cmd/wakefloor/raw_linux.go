//go:build linux

package main

import (
	"fmt"
	"iter"
	"net"
	"os"
	"runtime"
	"sync"
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
//
// With coro each connection's client is synchronous code on a coroutine
// (iter.Pull): it writes, yields until the loop sees its socket readable,
// reads, and loops — the shape a VU's steps would keep on an event loop.
// The loop resumes the coroutine of each ready socket; the difference from
// the plain loop is the price of two coroutine switches a round trip.
// epollET is EPOLLET as the uint32 the event takes (the syscall package's
// constant is negative).
const epollET = 1 << 31

func rawTrips(addr string, conns int, dur time.Duration, coro, netpoll bool) (int64, error) {
	if !netpoll {
		runtime.LockOSThread()
	}
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
	var fds []int
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
		if coro {
			fds = append(fds, fd)
			continue // its coroutine sends the first message
		}
		if _, err := syscall.Write(fd, msg[:32]); err != nil {
			return 0, fmt.Errorf("sending the first message: %w", err)
		}
	}
	if coro {
		return coroTrips(ep, fds, dur, netpoll)
	}
	var trips int64
	err = eventLoop(ep, make([]syscall.EpollEvent, 256), dur, func() bool { return false }, func(fd int32) error {
		r, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
		if errno == syscall.EAGAIN || errno == syscall.EINTR {
			return nil
		}
		if errno != 0 || r == 0 {
			return fmt.Errorf("reading an echo: %v (%d bytes)", errno, r)
		}
		trips++
		if _, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&msg[0])), 32); errno != 0 {
			return fmt.Errorf("sending a message: %w", errno)
		}
		return nil
	})
	return trips, err
}

// eventLoop waits on the epoll set ep (blocking the thread, 100 ms at most)
// until dur has passed or stop says so, and hands each ready socket to each;
// an error from each ends it.
func eventLoop(ep int, events []syscall.EpollEvent, dur time.Duration, stop func() bool, each func(fd int32) error) error {
	for end := time.Now().Add(dur); time.Now().Before(end) && !stop(); {
		n, errno := epollWait(ep, events, 100)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return fmt.Errorf("waiting on the epoll set: %w", errno)
		}
		for _, ev := range events[:n] {
			if err := each(ev.Fd); err != nil {
				return err
			}
		}
	}
	return nil
}

// coroTrips runs the loop of rawTrips with a coroutine per connection
// (fds, in the set ep). With netpoll the loop does not block in epoll_pwait
// itself: it parks in the runtime's poller until ep is readable (ep is in the
// runtime's epoll set), then takes the ready events without waiting — the
// loop as a goroutine among others, at the price of the runtime's poll and a
// park and wake-up per wait.
func coroTrips(ep int, fds []int, dur time.Duration, netpoll bool) (int64, error) {
	var trips int64
	var fail error
	resume := make(map[int32]func() (struct{}, bool), len(fds))
	for _, fd := range fds {
		next, stop := iter.Pull(client(uintptr(fd), &trips, &fail))
		defer stop()
		resume[int32(fd)] = next
		next() // the first message
	}
	events := make([]syscall.EpollEvent, 256)
	if netpoll {
		err := netpollLoop(ep, events, resume, dur, &fail)
		return trips, err
	}
	err := eventLoop(ep, events, dur, func() bool { return fail != nil }, func(fd int32) error {
		if next := resume[fd]; next != nil {
			next()
		}
		return nil
	})
	if err != nil {
		return trips, err
	}
	return trips, fail
}

// netpollLoop is coroTrips' loop parked in the runtime's poller.
func netpollLoop(ep int, events []syscall.EpollEvent, resume map[int32]func() (struct{}, bool), dur time.Duration, fail *error) error {
	// A duplicate for the runtime to own and close: ep stays rawTrips'.
	dup, err := syscall.Dup(ep)
	if err != nil {
		return fmt.Errorf("duplicating the epoll set's descriptor: %w", err)
	}
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return fmt.Errorf("making the epoll set non-blocking: %w", err)
	}
	f := os.NewFile(uintptr(dup), "epoll") // non-blocking: the runtime polls it
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("polling the epoll set: %w", err)
	}
	var werr error
	take := func(fd uintptr) bool {
		n, errno := epollWait(int(fd), events, 0)
		switch {
		case errno == syscall.EINTR || errno == 0 && n == 0:
			return false // nothing ready: park until ep is readable
		case errno != 0:
			werr = fmt.Errorf("taking the epoll set's events: %w", errno)
			return true
		}
		for _, ev := range events[:n] {
			if next := resume[ev.Fd]; next != nil {
				next()
			}
		}
		return true
	}
	for end := time.Now().Add(dur); time.Now().Before(end) && *fail == nil && werr == nil; {
		if err := rc.Read(take); err != nil {
			return fmt.Errorf("waiting on the epoll set: %w", err)
		}
	}
	if werr != nil {
		return werr
	}
	return *fail
}

// client is one connection's synchronous client as a coroutine body: write,
// wait (yield) until readable, read, count.
func client(fd uintptr, trips *int64, fail *error) iter.Seq[struct{}] {
	return func(yield func(struct{}) bool) {
		msg := make([]byte, 64)
		for {
			if _, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&msg[0])), 32); errno != 0 {
				*fail = fmt.Errorf("sending a message: %w", errno)
				return
			}
			for {
				if !yield(struct{}{}) {
					return
				}
				r, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
				if errno == syscall.EAGAIN || errno == syscall.EINTR {
					continue
				}
				if errno != 0 || r == 0 {
					*fail = fmt.Errorf("reading an echo: %v (%d bytes)", errno, r)
					return
				}
				break
			}
			*trips++
		}
	}
}

// rawConnTrips is the goroutine client written as trafficsim's transport
// writes it (engine/transport/rawio.go): a goroutine per connection, each
// round trip one pass through the runtime's poller (syscall.RawConn.Read)
// whose callback writes the message with a raw system call, asks to wait,
// and reads the echo once the socket is readable.
func rawConnTrips(addr string, conns int, dur time.Duration) (int64, error) {
	var total int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	end := time.Now().Add(dur)
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, fmt.Errorf("dialing the server: %w", err)
		}
		rc, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			return 0, fmt.Errorf("reaching the socket: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			msg := make([]byte, 64)
			var n int64
			var errno syscall.Errno
			writing := true
			trip := func(fd uintptr) bool {
				if writing {
					writing = false
					_, _, errno = syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&msg[0])), 32)
					return errno != 0 // written: wait until readable
				}
				r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
				if e == syscall.EAGAIN {
					return false
				}
				if errno = e; e == 0 && r == 0 {
					errno = syscall.ECONNRESET
				}
				return true
			}
			for time.Now().Before(end) {
				writing = true
				if err := rc.Read(trip); err != nil || errno != 0 {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("round trip: %v %v", err, errno)
					}
					mu.Unlock()
					break
				}
				n++
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, firstErr
}

// epollWait is epoll_pwait on ep for up to msec (0: no wait), made raw: it
// blocks without telling the runtime. No signal mask: epoll_wait, which
// arm64 lacks.
func epollWait(ep int, events []syscall.EpollEvent, msec int) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep),
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	return int(n), errno
}
