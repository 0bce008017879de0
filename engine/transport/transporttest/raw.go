// Package transporttest serves loopback HTTP for the tests and benchmarks of
// the transports and the API client.
package transporttest

import (
	"bufio"
	"net"
	"testing"
)

// ConnServer listens on loopback until the test ends and runs serve on its
// own goroutine for each connection accepted, closing the connection after
// it. It returns the server's http:// base URL.
func ConnServer(tb testing.TB, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				serve(conn)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// RawServer serves loopback HTTP by hand (ServeRaw on each connection). It
// allocates nothing per request, so a benchmark's allocations are the
// client's own.
func RawServer(tb testing.TB, keepAlive bool, answer func(requestLine []byte) []byte) string {
	return ConnServer(tb, func(conn net.Conn) { ServeRaw(conn, keepAlive, answer) })
}

// ServeRaw serves one connection: after each request's header it writes what
// answer gives for the request line (answer may take its time: a slow
// server), then keeps the connection (keepAlive) or returns.
func ServeRaw(conn net.Conn, keepAlive bool, answer func(requestLine []byte) []byte) {
	br := bufio.NewReader(conn)
	var first []byte
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(first) == 0 {
			first = append(first[:0], line...)
			continue
		}
		if len(line) > 2 {
			continue // a header line
		}
		// The blank line ending the request's header.
		if _, err := conn.Write(answer(first)); err != nil || !keepAlive {
			return
		}
		first = first[:0]
	}
}
