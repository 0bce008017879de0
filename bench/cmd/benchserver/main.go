// Command benchserver is the trivial loopback target of the single-endpoint
// benchmark: every GET answers 200 with a small fixed JSON body, so the load
// generator, not the target, is what the sweep measures. With -body-bytes it
// is a hostile target instead (sweep e): every answer is that many bytes,
// with a Content-Length or (-chunked) chunked.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

var body = []byte(`{"status":"ok","service":"benchserver"}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:9600", "listen address (loopback only)")
	bodyBytes := flag.Int64("body-bytes", 0, "answer every request with this many bytes instead (0: the small JSON body)")
	chunked := flag.Bool("chunked", false, "with -body-bytes: send the answer chunked, without a Content-Length")
	flag.Parse()
	if *bodyBytes > 0 {
		big = &bigAnswer{size: *bodyBytes, chunked: *chunked}
	}
	if err := serve(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

func serve(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("parse --addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: benchserver listens on loopback only, e.g. 127.0.0.1:9600", addr)
	}
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if big != nil {
			big.write(w)
			return
		}
		hd := w.Header()
		hd["Content-Type"] = []string{"application/json"}
		hd["Content-Length"] = []string{length}
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("benchserver listening", "addr", addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	return nil
}

// big is the hostile answer of -body-bytes (nil: the small one).
var big *bigAnswer

type bigAnswer struct {
	size    int64
	chunked bool
}

// block is what a big answer is made of: JSON-looking text that never ends.
var block = bytes.Repeat([]byte(`{"data":[`), 64<<10/9)

func (a *bigAnswer) write(w http.ResponseWriter) {
	hd := w.Header()
	hd["Content-Type"] = []string{"application/json"}
	if !a.chunked {
		hd["Content-Length"] = []string{strconv.FormatInt(a.size, 10)}
	}
	for left := a.size; left > 0; {
		n := min(left, int64(len(block)))
		if _, err := w.Write(block[:n]); err != nil {
			return
		}
		left -= n
		if a.chunked {
			w.(http.Flusher).Flush() // one chunk per block
		}
	}
}
