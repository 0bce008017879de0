//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// epollET is EPOLLET as the uint32 an event takes.
const epollET = 1 << 31

// user is one connection's virtual user: its step in the journey and what it
// has learnt so far.
type user struct {
	fd              int
	vu, iter, step  int
	want            int    // the status the step expects
	name, password  []byte // this iteration's user
	id, other, role int64
	access, refresh []byte
	out, in         []byte // the request sent, the answer read so far
	sent            time.Time
}

// loop runs the users over one epoll set from one locked thread.
type loop struct {
	host, run string
	ep        int
	users     []*user // by file descriptor
	hist      *hdrhistogram.Histogram
	st        stats
	ids       []int64 // scratch for a page's ids
}

func run(host string, conns int, dur time.Duration) (stats, error) {
	runtime.LockOSThread()
	ta, err := net.ResolveTCPAddr("tcp4", host)
	if err != nil {
		return stats{}, fmt.Errorf("resolving %s: %w", host, err)
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return stats{}, fmt.Errorf("creating the epoll set: %w", err)
	}
	defer syscall.Close(ep)
	l := &loop{host: host, run: "loop" + strconv.FormatInt(time.Now().UnixNano()%100000, 10), ep: ep,
		hist: hdrhistogram.New(1, 60_000_000, 3)}
	for vu := range conns {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return stats{}, fmt.Errorf("opening a socket: %w", err)
		}
		defer syscall.Close(fd)
		if err := syscall.Connect(fd, sa); err != nil {
			return stats{}, fmt.Errorf("connecting to %s: %w", host, err)
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
			return stats{}, fmt.Errorf("setting TCP_NODELAY: %w", err)
		}
		if err := syscall.SetNonblock(fd, true); err != nil {
			return stats{}, fmt.Errorf("making the socket non-blocking: %w", err)
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | epollET, Fd: int32(fd)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return stats{}, fmt.Errorf("adding a socket to the epoll set: %w", err)
		}
		for len(l.users) <= fd {
			l.users = append(l.users, nil)
		}
		u := &user{fd: fd, vu: vu, out: make([]byte, 0, 1024), in: make([]byte, 0, 8192)}
		l.users[fd] = u
		l.begin(u)
		if err := l.send(u); err != nil {
			return stats{}, err
		}
	}
	events := make([]syscall.EpollEvent, 256)
	for end := time.Now().Add(dur); time.Now().Before(end); {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 100, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return l.st, fmt.Errorf("waiting on the epoll set: %w", errno)
		}
		for _, ev := range events[:n] {
			if err := l.readable(l.users[ev.Fd]); err != nil {
				return l.st, err
			}
		}
	}
	l.st.p50, l.st.p99 = l.hist.ValueAtQuantile(50), l.hist.ValueAtQuantile(99)
	return l.st, nil
}

// begin starts an iteration: a new user who signs up.
func (l *loop) begin(u *user) {
	u.step = 0
	u.name = fmt.Appendf(u.name[:0], "sim_%s_u%d_%d", l.run, u.vu, u.iter)
	u.password = strconv.AppendUint(append(u.password[:0], 'S'), rand.Uint64(), 36)
	u.password = append(u.password, "-7"...)
	u.iter++
}

// readable reads what the connection has; a whole answer is handled and the
// user's next request sent.
func (l *loop) readable(u *user) error {
	for {
		if cap(u.in)-len(u.in) < 4096 {
			u.in = append(u.in, make([]byte, 8192)...)[:len(u.in)]
		}
		free := u.in[len(u.in):cap(u.in)]
		r, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(u.fd), uintptr(unsafe.Pointer(&free[0])), uintptr(len(free)))
		switch {
		case errno == syscall.EAGAIN:
			return nil // the rest comes with the next edge
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return fmt.Errorf("reading an answer: %w", errno)
		case r == 0:
			return errors.New("reading an answer: the target closed the connection")
		}
		u.in = u.in[:len(u.in)+int(r)]
		status, body, ok := parse(u.in)
		if !ok {
			continue
		}
		l.hist.RecordValue(time.Since(u.sent).Microseconds())
		l.answered(u, status, body)
		u.in = u.in[:0]
		return l.send(u)
	}
}

// parse finds a whole answer (the target always sends Content-Length).
func parse(b []byte) (status int, body []byte, ok bool) {
	h := bytes.Index(b, []byte("\r\n\r\n"))
	if h < 0 || len(b) < 12 {
		return 0, nil, false
	}
	status, _ = strconv.Atoi(string(b[9:12]))
	n := 0
	if i := bytes.Index(b[:h], []byte("\r\nContent-Length: ")); i >= 0 {
		v := b[i+18 : h]
		if j := bytes.IndexByte(v, '\r'); j >= 0 {
			v = v[:j]
		}
		n, _ = strconv.Atoi(string(v))
	}
	if len(b) < h+4+n {
		return 0, nil, false
	}
	return status, b[h+4 : h+4+n], true
}

// answered checks the answer to the user's step, keeps what later steps need
// and moves the user on (a failed sign-up or login starts a new user, as the
// k6 script returns from its iteration).
func (l *loop) answered(u *user, status int, body []byte) {
	good := status == u.want
	switch u.step {
	case 0:
		u.id, good = intAfter(body, `"id":`)
		good = good && status == u.want
	case 1:
		u.access = appendString(u.access[:0], body, `"access_token":"`)
		u.refresh = appendString(u.refresh[:0], body, `"refresh_token":"`)
		good = good && len(u.access) > 0
	case 2:
		good = good && bytes.Contains(body, append(append([]byte(`"username":"`), u.name...), '"'))
	case 3:
		l.ids = allInts(l.ids[:0], body, `"id":`)
		u.other = u.id
		if len(l.ids) > 0 {
			u.other = l.ids[rand.IntN(len(l.ids))]
		}
	case 8:
		u.role, _ = intAfter(body, `"id":`)
	case 12:
		good = good && bytes.Contains(body, []byte(`"name":"Grace Hopper"`))
	case 14:
		good = good && bytes.Contains(body, []byte(`"location":"Lisbon"`))
	}
	if good {
		l.st.ok++
	} else {
		l.st.failed++
		if u.step <= 1 {
			l.begin(u)
			return
		}
	}
	u.step++
	if u.step == 9 && u.role == 0 {
		u.step++ // no role to look up
	}
	if u.step == 18 {
		l.begin(u)
	}
}

// send writes the request of the user's step.
func (l *loop) send(u *user) error {
	b, id := u.out[:0], strconv.AppendInt(nil, u.id, 10)
	var body []byte
	switch u.step {
	case 0:
		b, u.want = l.line(b, "POST", "/users"), 201
		body = fmt.Appendf(nil, `{"username":%q,"email":"%s@simulation.test","password":%q,"name":"Ada Lovelace"}`, u.name, u.name, u.password)
	case 1:
		b, u.want = l.line(b, "POST", "/auth/login"), 200
		body = fmt.Appendf(nil, `{"username":%q,"password":%q}`, u.name, u.password)
	case 2:
		b, u.want = l.line(b, "POST", "/auth/me"), 200
	case 3:
		b, u.want = l.line(b, "GET", "/users?page=1&per_page=20"), 200
	case 4:
		b, u.want = l.line(b, "GET", "/users/search?q=sim_"+l.run+"&per_page=10"), 200
	case 5:
		b, u.want = l.line(b, "GET", "/users/"+strconv.FormatInt(u.other, 10)), 200
	case 6:
		b, u.want = l.line(b, "GET", "/users/email/"+string(u.name)+"%40simulation.test"), 200
	case 7:
		b, u.want = l.line(b, "GET", "/users/username/"+string(u.name)), 200
	case 8:
		b, u.want = l.line(b, "GET", "/roles?page=1&per_page=20"), 200
	case 9:
		b, u.want = l.line(b, "GET", "/roles/"+strconv.FormatInt(u.role, 10)), 200
	case 10:
		b, u.want = l.line(b, "GET", "/permissions?page=1&per_page=20"), 200
	case 11:
		b, u.want = l.line(b, "GET", "/users/"+string(id)+"/roles"), 200
	case 12:
		b, u.want = l.line(b, "PUT", "/users/"+string(id)), 200
		body = []byte(`{"name":"Grace Hopper"}`)
	case 13:
		b, u.want = l.line(b, "POST", "/users/"+string(id)+"/profile"), 201
		body = fmt.Appendf(nil, `{"bio":"Coffee first.","location":"Lisbon","website":"https://example.org/%s","phone":"+491511234567"}`, u.name)
	case 14:
		b, u.want = l.line(b, "GET", "/users/"+string(id)+"/profile"), 200
	case 15:
		b, u.want = l.line(b, "PUT", "/users/"+string(id)+"/profile"), 200
		body = []byte(`{"bio":"Building things that last."}`)
	case 16:
		b, u.want = l.line(b, "DELETE", "/users/"+string(id)+"/profile"), 204
	case 17:
		b, u.want = l.line(b, "POST", "/auth/logout"), 204
		body = fmt.Appendf(nil, `{"refresh_token":%q}`, u.refresh)
	}
	if u.step >= 2 {
		b = append(append(append(b, "Authorization: Bearer "...), u.access...), "\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(append(b, "\r\n"...), body...)
	u.out = b
	u.sent = time.Now()
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(u.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 || int(n) != len(b) {
		return fmt.Errorf("sending a request: %v (%d of %d bytes)", errno, n, len(b))
	}
	return nil
}

// line starts a request: its line and the headers every request carries.
func (l *loop) line(b []byte, method, path string) []byte {
	b = append(append(append(append(b, method...), " /api/v1"...), path...), " HTTP/1.1\r\nHost: "...)
	return append(append(b, l.host...), "\r\nUser-Agent: loopjourney\r\nAccept: application/json\r\n"...)
}

// intAfter reads the integer after the first key in b.
func intAfter(b []byte, key string) (int64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	v, _ := digits(b[i+len(key):])
	return v, true
}

// allInts appends the integer after every key in b.
func allInts(dst []int64, b []byte, key string) []int64 {
	for {
		i := bytes.Index(b, []byte(key))
		if i < 0 {
			return dst
		}
		v, n := digits(b[i+len(key):])
		dst = append(dst, v)
		b = b[i+len(key)+n:]
	}
}

func digits(b []byte) (int64, int) {
	var v int64
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	return v, n
}

// appendString appends the JSON string after key in b (no escapes in tokens).
func appendString(dst, b []byte, key string) []byte {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return dst
	}
	v := b[i+len(key):]
	if j := bytes.IndexByte(v, '"'); j >= 0 {
		return append(dst, v[:j]...)
	}
	return dst
}
