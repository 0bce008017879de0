// Command loopjourney measures what the journey of bench/k6/journey.js costs
// a client built the other way from trafficsim: one thread, an event loop over
// its own epoll set and raw system calls, each connection a small state machine
// (the user's step, ids and tokens), the HTTP/1.1 requests written and the
// answers read by hand, the values picked out of the JSON by scanning, every
// status checked and every latency recorded in an HDR histogram. No goroutine
// waits for an answer, so the Go scheduler never runs per request.
//
// It is a probe, not a tool: it speaks only to the reference target (answers
// with Content-Length, ids as integers) and has no timeouts, retries, metrics
// or policy. Sweep j's loop_journey row (docs/benchmarks.md) runs it beside
// trafficsim and k6 to show what an engine of this shape could cost per request
// on the machine:
//
//	taskset -c 0 loopjourney -base http://127.0.0.1:9521 -c 50 -d 10s
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:9501", "the reference target's base URL (http, an IPv4 address)")
	conns := flag.Int("c", 50, "concurrent users (connections)")
	dur := flag.Duration("d", 10*time.Second, "duration")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" || u.Port() == "" {
		fmt.Fprintln(os.Stderr, "loopjourney: -base must be http://<IPv4>:<port>")
		os.Exit(2)
	}
	if *conns < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "loopjourney: -c must be ≥ 1 and -d > 0")
		os.Exit(2)
	}
	st, err := run(u.Host, *conns, *dur)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loopjourney:", err)
		os.Exit(1)
	}
	fmt.Printf("requests=%d errors=%d p50_us=%d p99_us=%d\n", st.ok, st.failed, st.p50, st.p99)
	if st.ok == 0 {
		os.Exit(1)
	}
}

// stats is what a run did.
type stats struct {
	ok, failed int64
	p50, p99   int64 // microseconds
}
