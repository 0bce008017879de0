// Command wakefloor measures what the cheapest Go client pays per round trip
// on this machine when the server, not the client, is the bottleneck: c
// goroutines each write 32 bytes to a loopback TCP server and read the echo,
// nothing else. Run the server pinned to one CPU and the client to another
// (docs/benchmarks.md, sweep j):
//
//	taskset -c 1 wakefloor -serve -work 50us &
//	/usr/bin/time -f '%U %S' taskset -c 0 wakefloor -c 50 -d 10s
//
// It prints the round trips; the client's CPU is what time(1) reports, as
// for the sweeps' other rows.
//
// -work is the server's busy time per message: with it the client waits for
// each answer and sleeps in epoll_wait, as a load generator does against a
// target slower than itself; the client's CPU per round trip is then mostly
// that sleep and its wake-up.
//
// -raw (Linux) is the same client with the Go runtime out of the way: one
// thread, its own epoll set, raw system calls (raw_linux.go). Beside the
// default it splits a round trip's cost into the kernel's share and the
// runtime's (the netpoller's wake-up and its extra polls). -coro is -raw with
// each connection's client written as synchronous code on a coroutine that
// the loop resumes: what keeping sequential client code on an event loop
// costs; -coro-netpoll the same loop parked in the runtime's poller instead
// of its own epoll_pwait. -rawconn is the goroutine client as trafficsim's
// transport writes it: one pass through the runtime's poller a round trip,
// raw system calls inside (engine/transport/rawio.go).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9598", "the server's address (loopback)")
	serve := flag.Bool("serve", false, "be the echo server")
	work := flag.Duration("work", 0, "server: busy time per message before it answers")
	conns := flag.Int("c", 50, "client: concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "client: duration")
	raw := flag.Bool("raw", false, "client: one thread, own epoll set, raw system calls (Linux)")
	coro := flag.Bool("coro", false, "client: as -raw, each connection's client a coroutine the loop resumes (Linux)")
	rawConn := flag.Bool("rawconn", false, "client: a goroutine per connection, each round trip one pass through the runtime's poller with raw system calls, as trafficsim's transport (Linux)")
	coroNet := flag.Bool("coro-netpoll", false, "client: as -coro, the loop parked in the runtime's poller, not in its own epoll_pwait (Linux)")
	flag.Parse()
	if *serve {
		if err := echo(*addr, *work); err != nil {
			fmt.Fprintln(os.Stderr, "wakefloor:", err)
			os.Exit(1)
		}
		return
	}
	if *conns < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "wakefloor: -c must be ≥ 1 and -d > 0")
		os.Exit(2)
	}
	var n int64
	if *rawConn {
		var err error
		if n, err = rawConnTrips(*addr, *conns, *dur); err != nil {
			fmt.Fprintln(os.Stderr, "wakefloor:", err)
			os.Exit(1)
		}
	} else if *raw || *coro || *coroNet {
		var err error
		if n, err = rawTrips(*addr, *conns, *dur, *coro || *coroNet, *coroNet); err != nil {
			fmt.Fprintln(os.Stderr, "wakefloor:", err)
			os.Exit(1)
		}
	} else {
		n = goroutineTrips(*addr, *conns, *dur)
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "wakefloor: no round trip completed")
		os.Exit(1)
	}
	fmt.Printf("round_trips=%d\n", n)
}

// echo answers every message on every connection after busy-waiting work.
func echo(addr string, work time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("accepting: %w", err)
		}
		go func() {
			defer c.Close()
			b := make([]byte, 64)
			for {
				n, err := c.Read(b)
				if err != nil {
					return
				}
				for t := time.Now(); time.Since(t) < work; {
				}
				if _, err := c.Write(b[:n]); err != nil {
					return
				}
			}
		}()
	}
}

// goroutineTrips is the plain Go client: a goroutine per connection, writing
// and reading through net.Conn (the runtime's netpoller). A connection that
// cannot be dialled ends the program.
func goroutineTrips(addr string, conns int, dur time.Duration) int64 {
	var trips atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(dur)
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wakefloor: dialing the server:", err)
			os.Exit(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			b := make([]byte, 64)
			n := int64(0)
			for time.Now().Before(end) {
				if _, err := c.Write(b[:32]); err != nil {
					break
				}
				if _, err := c.Read(b); err != nil {
					break
				}
				n++
			}
			trips.Add(n)
		}()
	}
	wg.Wait()
	return trips.Load()
}
