// Command benchserver is the trivial loopback target of the single-endpoint
// benchmark: every GET answers 200 with a small fixed JSON body, so the load
// generator, not the target, is what the sweep measures. For the transport
// sweep it can serve TLS (a self-signed certificate made at start; HTTP/2 by
// ALPN), h2c, a larger list body (-list-bytes), and that body gzip-compressed
// once at start for requests that accept it. With -body-bytes it is a hostile
// target instead (sweep e): every answer is that many bytes, with a
// Content-Length or (-chunked) chunked.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var body = []byte(`{"status":"ok","service":"benchserver"}`)

var opts struct {
	tls, gzip, fast bool
	bodyBytes       int
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9600", "listen address (loopback only)")
	flag.BoolVar(&opts.tls, "tls", false, "serve HTTPS with a self-signed certificate (HTTP/2 and HTTP/1.1 by ALPN)")
	flag.IntVar(&opts.bodyBytes, "list-bytes", 0, "answer a JSON list of about this many bytes instead of the small body")
	flag.BoolVar(&opts.gzip, "gzip", false, "answer gzip-compressed to requests with Accept-Encoding: gzip")
	bodyBytes := flag.Int64("body-bytes", 0, "answer every request with this many bytes of never-ending JSON instead (a hostile target; 0: off)")
	chunked := flag.Bool("chunked", false, "with -body-bytes: send the answer chunked, without a Content-Length")
	flag.BoolVar(&opts.fast, "fast", false, "answer on fasthttp (plain HTTP/1.1, the small or -list-bytes body; not with -tls, -gzip or -body-bytes): about 3x the answers per core of net/http")
	flag.Parse()
	if opts.fast && (opts.tls || opts.gzip || *bodyBytes > 0) {
		fmt.Fprintln(os.Stderr, "benchserver: -fast serves plain HTTP/1.1 without -tls, -gzip or -body-bytes; drop one or the other")
		os.Exit(2)
	}
	if *bodyBytes > 0 {
		hostile = &bigAnswer{size: *bodyBytes, chunked: *chunked}
	}
	if err := serve(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

// countPath answers how many requests benchserver has answered on its other
// paths: bench/cmd/readywait polls it instead of the engine's /metrics, which
// costs the engine a millisecond of CPU a scrape.
const countPath = "/_count"

var answered atomic.Int64

func serve(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("parse --addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: benchserver listens on loopback only, e.g. 127.0.0.1:9600", addr)
	}
	if opts.bodyBytes > 0 {
		body = listBody(opts.bodyBytes)
	}
	if opts.fast {
		return serveFast(addr)
	}
	length := strconv.Itoa(len(body))
	zipped := gzipped(body)
	zlength := strconv.Itoa(len(zipped))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == countPath {
			_, _ = w.Write(strconv.AppendInt(nil, answered.Load(), 10))
			return
		}
		answered.Add(1)
		if hostile != nil {
			hostile.write(w)
			return
		}
		hd := w.Header()
		hd["Content-Type"] = []string{"application/json"}
		if opts.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			hd["Content-Encoding"] = []string{"gzip"}
			hd["Content-Length"] = []string{zlength}
			_, _ = w.Write(zipped)
			return
		}
		hd["Content-Length"] = []string{length}
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true) // h2c with prior knowledge (--http-version 2 on http://)
	srv.Protocols = &p
	if opts.tls {
		cert, err := selfSigned()
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("benchserver listening", "addr", addr)
	serveFn := srv.ListenAndServe
	if opts.tls {
		serveFn = func() error { return srv.ListenAndServeTLS("", "") }
	}
	if err := serveFn(); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	return nil
}

// hostile is the answer answer of -body-bytes (nil: the small one).
var hostile *bigAnswer

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

// listBody is a page of user-like records of about n bytes: repetitive, as
// real JSON is, so gzip has its usual effect on it.
func listBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"username":"sim_user_%d","email":"sim_user_%d@simulation.test","status":"active","roles":["user"]}`, i, i, i)
	}
	b.WriteString(`],"meta":{"page":1}}`)
	return b.Bytes()
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid a day.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "benchserver"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("create certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
