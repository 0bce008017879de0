package client

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/internal/tlstest"
)

// TestPreflightDiagnoses: each way a target or proxy can fail the preflight
// is named for what it is, with the flag or variable that fixes it, and the
// underlying error kept; none is blamed on a missing client certificate or
// on a target that "does not answer" unless it is one. Real servers and
// proxies over loopback.
func TestPreflightDiagnoses(t *testing.T) {
	pki := newTestPKI(t)
	other := tlstest.New(t, testName) // a CA the servers below do not trust
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") })
	// An HTTP/2-only server: Go's own serves HTTP/1.1 whatever its ALPN
	// list, so this one completes the handshake, reads the request and
	// closes, as an HTTP/2-only server (or proxy) does.
	h2only := h2OnlyServer(t, pki.H2OnlyServer(t, ok).TLS)
	h1only := pki.HTTP1Server(t, ok, false)
	mtls := pki.HTTP1Server(t, ok, true)
	refusing := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	deny, auth := refusing(http.StatusForbidden), refusing(http.StatusProxyAuthRequired)
	garbage := httptest.NewUnstartedServer(nil)
	garbage.Config.Handler = ok
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var b [512]byte
			_, _ = c.Read(b[:]) // the request, then an answer that is not HTTP
			_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n\r\n")
			_ = c.Close()
		}
	}()
	defer ln.Close()
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + down.Addr().String()
	_ = down.Close()
	named := func(u string) string { return strings.Replace(u, "127.0.0.1", testName, 1) }
	t.Setenv("NO_PROXY", "")

	cases := []struct {
		name    string
		base    string
		s       transport.Settings
		env     string // HTTP_PROXY and HTTPS_PROXY
		want    []string
		wantNot string
	}{
		{"h2-only server, --http-version 1.1", h2only, transport.Settings{CACert: pki.caFile, HTTPVersion: "1.1"},
			"", []string{"--http-version 2", "EOF"}, "client-cert"},
		{"h1-only server, --http-version 2", h1only.URL, transport.Settings{CACert: pki.caFile, HTTPVersion: "2"},
			"", []string{"--http-version", "no application protocol"}, "client-cert"},
		{"client certificate missing", mtls.URL, transport.Settings{CACert: pki.caFile, HTTPVersion: "1.1"},
			"", []string{"requires a client certificate: give --client-cert and --client-key"}, ""},
		{"client certificate refused", mtls.URL, transport.Settings{CACert: pki.caFile, HTTPVersion: "1.1", ClientCertPEM: other.ClientCertPEM, ClientKeyPEM: other.ClientKeyPEM},
			"", []string{"--client-cert", "tls: "}, "give --client-cert and --client-key"},
		{"--proxy down", named(ok200(t)), transport.Settings{Proxy: downURL},
			"", []string{"the proxy " + downURL + " (from --proxy) does not answer", "connection refused"}, "target"},
		{"HTTP_PROXY down", named(ok200(t)), transport.Settings{},
			downURL, []string{"the proxy " + downURL, "HTTP_PROXY", "does not answer"}, "target does not"},
		{"proxy 403 to CONNECT", named(h1only.URL), transport.Settings{CACert: pki.caFile, Proxy: deny},
			"", []string{"refused the tunnel", "NO_PROXY"}, "client-cert"},
		{"proxy 407 to CONNECT", named(h1only.URL), transport.Settings{CACert: pki.caFile, Proxy: auth},
			"", []string{"asks for credentials", "user:password"}, "client-cert"},
		{"plain proxy 407", named(ok200(t)), transport.Settings{Proxy: auth},
			"", []string{"the proxy " + auth + " asks for credentials (407"}, ""},
		{"not HTTP", "http://" + ln.Addr().String(), transport.Settings{},
			"", []string{"answered, but not with HTTP/1.x", "--base-url"}, "does not answer"},
		{"target down", downURL, transport.Settings{},
			"", []string{"the target does not answer (is it running?", "connection refused"}, "proxy"},
	}
	for _, tc := range cases {
		for _, client := range []string{transport.ClientFast, transport.ClientStd} {
			t.Run(tc.name+"/"+client, func(t *testing.T) {
				t.Setenv("HTTP_PROXY", tc.env)
				t.Setenv("HTTPS_PROXY", tc.env)
				tc.s.Client = client
				c, err := New(Options{BaseURL: tc.base, Network: tc.s, Dial: loopbackDial})
				if err != nil {
					t.Skipf("%s cannot serve this case: %v", client, err) // fast: no proxy, no HTTP/2
				}
				defer c.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err = c.Preflight(ctx)
				if err == nil {
					t.Fatal("the preflight passed")
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%v\nwant it to say %q", err, w)
					}
				}
				if tc.wantNot != "" && strings.Contains(err.Error(), tc.wantNot) {
					t.Errorf("%v\nwant it not to say %q", err, tc.wantNot)
				}
			})
		}
	}
}

// ok200 is a plain target answering 200.
func ok200(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	t.Cleanup(srv.Close)
	return srv.URL
}

// h2OnlyServer serves TLS with conf and closes each connection after its
// first read: an HTTP/2-only server that an HTTP/1.1 request does not suit.
func h2OnlyServer(t *testing.T, conf *tls.Config) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf.Clone())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				var b [512]byte
				_, _ = c.Read(b[:])
				_ = c.Close()
			}()
		}
	}()
	return "https://" + ln.Addr().String()
}

// TestHTTPSProxyUsesCACert: an https:// proxy of a private CA is reached
// with --ca-cert for an http:// target (and an https:// one); without the CA
// the preflight names the proxy's certificate and --ca-cert.
func TestHTTPSProxyUsesCACert(t *testing.T) {
	pki := newTestPKI(t)
	fp := &forwardProxy{}
	proxy := pki.HTTP1Server(t, fp, false)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") })
	secure := pki.HTTP1Server(t, ok, false)
	named := func(u string) string { return strings.Replace(u, "127.0.0.1", testName, 1) }
	for _, base := range []string{named(ok200(t)), named(secure.URL)} {
		c, err := New(Options{BaseURL: base, Network: transport.Settings{Proxy: proxy.URL, CACert: pki.caFile}, Dial: loopbackDial})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Preflight(context.Background()); err != nil {
			t.Errorf("%s through %s with --ca-cert: %v", base, proxy.URL, err)
		}
		if res := c.Do(context.Background(), &Call{Endpoint: usersList}); res.Err != nil || res.Status != 200 {
			t.Errorf("%s through %s: %+v", base, proxy.URL, res)
		}
		c.Close()
		c, err = New(Options{BaseURL: base, Network: transport.Settings{Proxy: proxy.URL}, Dial: loopbackDial})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Preflight(context.Background()); err == nil || !strings.Contains(err.Error(), "the proxy's certificate") || !strings.Contains(err.Error(), "--ca-cert") {
			t.Errorf("%s through %s without its CA: %v; want the proxy's certificate named", base, proxy.URL, err)
		}
		c.Close()
	}
}
