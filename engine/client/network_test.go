package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/internal/tlstest"
)

// testName is a name for 127.0.0.1 that proxy rules apply to: Go's rules
// (httpproxy, ProxyFromEnvironment) never proxy localhost or loopback
// addresses, so the proxy tests name the loopback target this way and map it
// back to 127.0.0.1 in the client's dialer and the proxy's. No lookup of it
// ever leaves the process.
const testName = "trafficsim.test"

// loopbackDial dials testName as 127.0.0.1, anything else as given.
func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && host == testName {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// testPKI is internal/tlstest's PKI, its server certificate also naming
// testName, with its PEMs as files (the flags' form).
type testPKI struct {
	*tlstest.PKI
	caFile, clientCert, clientKey string
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{PKI: tlstest.New(t, testName)}
	dir := t.TempDir()
	write := func(name, text string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	p.caFile, p.clientCert, p.clientKey = write("ca.pem", p.CAPEM), write("client.pem", p.ClientCertPEM), write("client-key.pem", p.ClientKeyPEM)
	return p
}

// tlsServer starts an HTTPS server with the PKI's certificate, HTTP/2 on.
func (p *testPKI) tlsServer(t *testing.T, h http.Handler, clientAuth bool) *httptest.Server {
	return p.Server(t, h, clientAuth)
}

var usersList = catalog.MustLookup(catalog.UsersList)

// TestHTTP2WithCACert: an HTTPS server of a private CA answering HTTP/2 is
// reached with --ca-cert over HTTP/2 (the server sees protocol 2); without
// the CA the preflight fails at once, naming --ca-cert.
func TestHTTP2WithCACert(t *testing.T) {
	pki := newTestPKI(t)
	var protos sync.Map
	srv := pki.tlsServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos.Store(r.ProtoMajor, true)
		io.WriteString(w, `{"ok":true}`)
	}), false)

	c, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{CACert: pki.caFile}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := c.Plan(); p.Client != transport.ClientStd || p.HTTPVersion != transport.VersionAuto {
		t.Fatalf("plan %s: want std offering HTTP/2 by ALPN", p)
	}
	if err := c.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := c.Do(context.Background(), &Call{Endpoint: usersList, Decode: true})
	if res.Err != nil || res.Status != 200 {
		t.Fatalf("%+v", res)
	}
	if _, ok := protos.Load(2); !ok {
		t.Error("the server saw no HTTP/2 request")
	}
	if _, ok := protos.Load(1); ok {
		t.Error("the server saw an HTTP/1 request")
	}
	if got := strings.Join(c.Protocols(), ","); got != "HTTP/2" {
		t.Errorf("client saw answers over %q, want HTTP/2", got)
	}

	// --http-version 1.1 over the same server: HTTP/1.1 (fast on Linux).
	c11, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{CACert: pki.caFile, HTTPVersion: transport.Version11}})
	if err != nil {
		t.Fatal(err)
	}
	defer c11.Close()
	protos.Delete(1)
	if res := c11.Do(context.Background(), &Call{Endpoint: usersList}); res.Err != nil || res.Status != 200 {
		t.Fatalf("HTTP/1.1: %+v", res)
	}
	if _, ok := protos.Load(1); !ok {
		t.Error("--http-version 1.1: the server saw no HTTP/1 request")
	}

	for _, client := range []string{transport.ClientStd, transport.ClientAuto} {
		bare, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{Client: client}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = bare.Preflight(context.Background())
		if err == nil || !strings.Contains(err.Error(), "--ca-cert") || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s without the CA: preflight %v, want a certificate error naming --ca-cert", client, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: the certificate failure took %v", client, d)
		}
		bare.Close()
	}
}

// TestMutualTLS: a server requiring a client certificate refuses a client
// without one (the preflight says which flags fix it) and serves one with
// --client-cert/--client-key, on both transports.
func TestMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv := pki.tlsServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"client":%q}`, r.TLS.PeerCertificates[0].Subject.CommonName)
	}), true)
	for _, version := range []string{transport.Version11, transport.VersionAuto} {
		without, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{CACert: pki.caFile, HTTPVersion: version}})
		if err != nil {
			t.Fatal(err)
		}
		err = without.Preflight(context.Background())
		if err == nil || !strings.Contains(err.Error(), "--client-cert") {
			t.Errorf("%s without a client certificate: preflight %v, want an error naming --client-cert", without.Plan(), err)
		}
		without.Close()
		c, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{
			CACert: pki.caFile, HTTPVersion: version, ClientCert: pki.clientCert, ClientKey: pki.clientKey}})
		if err != nil {
			t.Fatal(err)
		}
		res := c.Do(context.Background(), &Call{Endpoint: usersList, Decode: true})
		if m, _ := res.JSON.(map[string]any); res.Status != 200 || m["client"] != "trafficsim test client" {
			t.Errorf("%s with the client certificate: %+v", c.Plan(), res)
		}
		c.Close()
	}
	if _, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{ClientCert: pki.clientCert}}); err == nil || !strings.Contains(err.Error(), "client_key") {
		t.Errorf("a client certificate without its key: %v", err)
	}
}

// forwardProxy is an HTTP forward proxy counting what it carries: absolute
// URIs for http targets, CONNECT tunnels for https ones. It reaches testName
// on 127.0.0.1.
type forwardProxy struct {
	forwarded, tunnels atomic.Int64
}

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnels.Add(1)
		up, err := loopbackDial(r.Context(), "tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		down, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		go func() {
			_, _ = io.Copy(up, brw)
			up.Close()
		}()
		_, _ = io.Copy(down, up)
		down.Close()
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "not a proxy request", http.StatusBadRequest)
		return
	}
	p.forwarded.Add(1)
	out := r.Clone(r.Context())
	out.RequestURI = ""
	tr := &http.Transport{DialContext: loopbackDial}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// TestProxies: with HTTP_PROXY and HTTPS_PROXY set, plain and https targets
// go through the proxy (https by CONNECT); NO_PROXY bypasses it; --proxy
// applies to a loopback target too. Targets are named testName (see there).
func TestProxies(t *testing.T) {
	pki := newTestPKI(t)
	var served atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, `{"ok":true}`)
	})
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := pki.tlsServer(t, h, false)
	fp := &forwardProxy{}
	proxy := httptest.NewServer(fp)
	defer proxy.Close()
	named := func(u string) string { return strings.Replace(u, "127.0.0.1", testName, 1) }

	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	send := func(base string, s transport.Settings, n int) *Client {
		t.Helper()
		s.CACert = pki.caFile
		c, err := New(Options{BaseURL: base, Network: s, Dial: loopbackDial})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for range n {
			if res := c.Do(context.Background(), &Call{Endpoint: usersList}); res.Err != nil || res.Status != 200 {
				t.Fatalf("%s via %s: %+v", base, c.Plan(), res)
			}
		}
		return c
	}

	c := send(named(plain.URL), transport.Settings{}, 3)
	if p := c.Plan(); p.Proxy == nil || p.Client != transport.ClientStd {
		t.Errorf("HTTP_PROXY set: plan %s, want std through the proxy", p)
	}
	if n := fp.forwarded.Load(); n != 3 {
		t.Errorf("HTTP_PROXY: the proxy forwarded %d requests, want 3", n)
	}
	send(named(secure.URL), transport.Settings{}, 3)
	if n := fp.tunnels.Load(); n < 1 {
		t.Errorf("HTTPS_PROXY: the proxy opened %d CONNECT tunnels, want at least 1", n)
	}
	if n := fp.forwarded.Load(); n != 3 {
		t.Errorf("https requests were forwarded in the clear (%d forwarded)", n)
	}

	t.Setenv("NO_PROXY", testName)
	before, tunnels := fp.forwarded.Load(), fp.tunnels.Load()
	servedBefore := served.Load()
	c = send(named(plain.URL), transport.Settings{}, 2)
	send(named(secure.URL), transport.Settings{}, 2)
	if c.Plan().Proxy != nil || fp.forwarded.Load() != before || fp.tunnels.Load() != tunnels {
		t.Errorf("NO_PROXY=%s: plan %s, proxy forwarded %d more and tunnelled %d more", testName, c.Plan(),
			fp.forwarded.Load()-before, fp.tunnels.Load()-tunnels)
	}
	if n := served.Load() - servedBefore; n != 4 {
		t.Errorf("NO_PROXY: the targets served %d requests, want 4", n)
	}

	// Go's rule: the environment's proxy is never used for loopback.
	t.Setenv("NO_PROXY", "")
	if c := send(plain.URL, transport.Settings{}, 1); c.Plan().Proxy != nil {
		t.Errorf("environment proxy used for 127.0.0.1: %s", c.Plan())
	}
	// --proxy is for every request, loopback included.
	before = fp.forwarded.Load()
	if c := send(plain.URL, transport.Settings{Proxy: proxy.URL}, 2); c.Plan().Proxy == nil {
		t.Errorf("--proxy: plan %s", c.Plan())
	}
	if n := fp.forwarded.Load() - before; n != 2 {
		t.Errorf("--proxy: forwarded %d, want 2", n)
	}
	// The same rules read through a given httpproxy.Config.
	p, err := transport.Settings{ProxyEnv: &httpproxy.Config{HTTPProxy: proxy.URL, NoProxy: "other.test"}}.Resolve(&url.URL{Scheme: "http", Host: testName})
	if err != nil || p.Proxy == nil {
		t.Errorf("ProxyEnv: %s, %v", p, err)
	}
}

// TestHTTPSProxyNamesEachHost: through an https:// proxy (std transport,
// CONNECT), each TLS handshake verifies its own host's name: the proxy's
// under the proxy's name, the target's, through the tunnel, under the
// target's. The proxy's certificate names the proxy and not the target, and
// the target's the target and not the proxy, so a config naming the target
// for both handshakes fails at the proxy. A target whose certificate names
// the proxy's host but not its own is refused: the target's name is checked,
// not the proxy's. Real servers and a real CONNECT proxy over loopback.
func TestHTTPSProxyNamesEachHost(t *testing.T) {
	const proxyName = "proxy.test"        // like testName, dialled as 127.0.0.1
	targetPKI := tlstest.New(t, testName) // names localhost, 127.0.0.1 and testName
	proxyPKI := tlstest.New(t, proxyName) // names localhost, 127.0.0.1 and proxyName
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil && host == proxyName {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return loopbackDial(ctx, network, addr)
	}
	var proxySNI, targetSNI sync.Map
	fp := &forwardProxy{}
	proxy := proxyPKI.HTTP1Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxySNI.Store(r.TLS.ServerName, true)
		fp.ServeHTTP(w, r)
	}), false)
	proxyURL := strings.Replace(proxy.URL, "127.0.0.1", proxyName, 1)
	sni := func(m *sync.Map) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.Store(r.TLS.ServerName, true)
			_, _ = io.WriteString(w, `{"ok":true}`)
		})
	}
	target := targetPKI.Server(t, sni(&targetSNI), false)
	named := func(u string) string { return strings.Replace(u, "127.0.0.1", testName, 1) }
	network := transport.Settings{Proxy: proxyURL, CAPEM: targetPKI.CAPEM + proxyPKI.CAPEM}

	c, err := New(Options{BaseURL: named(target.URL), Network: network, Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := c.Plan(); p.Proxy == nil || p.Client != transport.ClientStd {
		t.Fatalf("plan %s: want std through the proxy", p)
	}
	if res := c.Do(context.Background(), &Call{Endpoint: usersList}); res.Err != nil || res.Status != 200 {
		t.Fatalf("%s through %s: %+v", named(target.URL), proxyURL, res)
	}
	if fp.tunnels.Load() < 1 {
		t.Fatal("the request did not go through the proxy's CONNECT tunnel")
	}
	if _, ok := proxySNI.Load(proxyName); !ok {
		t.Errorf("the proxy's handshake named %v, want %s", seenNames(&proxySNI), proxyName)
	}
	if _, ok := targetSNI.Load(testName); !ok || len(seenNames(&targetSNI)) != 1 {
		t.Errorf("the target's handshake named %v, want %s", seenNames(&targetSNI), testName)
	}

	// A target with the proxy's certificate (naming proxyName, not testName).
	impostor := proxyPKI.Server(t, sni(new(sync.Map)), false)
	c2, err := New(Options{BaseURL: named(impostor.URL), Network: network, Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	tunnels := fp.tunnels.Load()
	res := c2.Do(context.Background(), &Call{Endpoint: usersList})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "not "+testName) {
		t.Errorf("a target whose certificate does not name %s, through %s: %+v; want a certificate name error", testName, proxyURL, res)
	}
	if fp.tunnels.Load() == tunnels {
		t.Error("the impostor target was not reached through the proxy: its handshake was not the one refused")
	}
}

// seenNames lists the names a sync.Map of handshakes holds.
func seenNames(m *sync.Map) []any {
	var out []any
	m.Range(func(k, _ any) bool { out = append(out, k); return true })
	return out
}

// TestGzip: with compression on, the server sees Accept-Encoding: gzip and
// its gzip answers are decoded (wire bytes < decoded bytes); with none it
// sees no Accept-Encoding. Both transports.
func TestGzip(t *testing.T) {
	page := `{"data":[` + strings.Repeat(`{"id":"1","username":"sim_x"},`, 200) + `{"id":"2"}]}`
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	io.WriteString(zw, page)
	zw.Close()
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			io.WriteString(w, page)
			return
		}
		asked.Add(1)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		w.Write(zipped.Bytes())
	}))
	defer srv.Close()
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		if client == transport.ClientFast && !transport.FastSupported {
			continue
		}
		asked.Store(0)
		c, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{Client: client}})
		if err != nil {
			t.Fatal(err)
		}
		res := c.Do(context.Background(), &Call{Endpoint: usersList, Decode: true})
		m, _ := res.JSON.(map[string]any)
		if data, _ := m["data"].([]any); res.Err != nil || len(data) != 201 {
			t.Fatalf("%s: gzip answer not decoded: %+v", client, res)
		}
		plainReq, _ := c.NewPlain(PlainSpec{Path: "/page"})
		if res := c.DoPlain(context.Background(), plainReq, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
			t.Fatalf("%s: plain request: %+v", client, res)
		}
		// A Sender reuses its request and answer: nothing of one answer may
		// stay for the next (3 more requests).
		snd := c.NewSender(context.Background())
		for range 3 {
			if res := snd.Do(plainReq, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
				t.Fatalf("%s: Sender: %+v", client, res)
			}
		}
		snd.Release()
		if asked.Load() != 5 {
			t.Errorf("%s: the server saw Accept-Encoding: gzip on %d of 5 requests", client, asked.Load())
		}
		var wire, decoded int64
		for _, g := range c.Received() {
			wire += g.Wire
			decoded += g.Decoded
		}
		if wire != 5*int64(zipped.Len()) || decoded != 5*int64(len(page)) {
			t.Errorf("%s: wire %d decoded %d bytes, want %d and %d", client, wire, decoded, 5*zipped.Len(), 5*len(page))
		}
		c.Close()

		none, _ := New(Options{BaseURL: srv.URL, Network: transport.Settings{Client: client, Compression: transport.CompressionNone}})
		asked.Store(0)
		if res := none.Do(context.Background(), &Call{Endpoint: usersList, Decode: true}); res.Err != nil || asked.Load() != 0 {
			t.Errorf("%s --compression none: %+v, %d asked for gzip", client, res, asked.Load())
		}
		none.Close()
	}
}

// TestNoReuseAfter101: after a 101 Switching Protocols answer the
// connection is not pooled: the next request goes on a new connection and
// nothing more is sent on the switched one.
func TestNoReuseAfter101(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns, afterSwitch atomic.Int64
	go func() {
		for {
			cn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer cn.Close()
				br := bufio.NewReader(cn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					if req.URL.Path == "/upgrade" {
						io.WriteString(cn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
						// Another protocol now: whatever arrives is a request
						// sent on a switched connection.
						buf := make([]byte, 1)
						if n, _ := cn.Read(buf); n > 0 {
							afterSwitch.Add(1)
						}
						return
					}
					io.WriteString(cn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		if client == transport.ClientFast && !transport.FastSupported {
			continue
		}
		conns.Store(0)
		c, err := New(Options{BaseURL: "http://" + ln.Addr().String(), Network: transport.Settings{Client: client}, Policy: FixedTimeout(5 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		up, _ := c.NewPlain(PlainSpec{Path: "/upgrade", Headers: map[string]string{"Upgrade": "test", "Connection": "Upgrade"}})
		next, _ := c.NewPlain(PlainSpec{Path: "/next"})
		if res := c.DoPlain(context.Background(), up, &TemplateVars{}, ""); res.Status != 101 {
			t.Fatalf("%s: upgrade: %+v", client, res)
		}
		for i := range 3 {
			if res := c.DoPlain(context.Background(), next, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
				t.Fatalf("%s: request %d after the 101: %+v", client, i, res)
			}
		}
		if n := conns.Load(); n != 2 {
			t.Errorf("%s: %d connections, want 2 (the switched one, then one new for the rest)", client, n)
		}
		c.Close()
	}
	if n := afterSwitch.Load(); n != 0 {
		t.Errorf("%d requests were sent on a switched connection", n)
	}
}

// TestSharedPool: the groups without a limit send on one pool, so requests
// in sequence across them keep one connection, while a limited group keeps
// its own; bytes are still counted per group.
func TestSharedPool(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok "+r.URL.Path)
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		if client == transport.ClientFast && !transport.FastSupported {
			continue
		}
		conns.Store(0)
		c, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{Client: client, MaxConnsPerGroup: map[string]int{"limited": 3}}})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := c.NewPlain(PlainSpec{Path: "/a", Group: "a"})
		b, _ := c.NewPlain(PlainSpec{Path: "/bb", Group: "b"})
		limited, _ := c.NewPlain(PlainSpec{Path: "/ccc", Group: "limited"})
		for range 2 {
			for _, q := range []*PlainRequest{a, b, limited} {
				if res := c.DoPlain(context.Background(), q, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
					t.Fatalf("%s: %+v", client, res)
				}
			}
			if res := c.Do(context.Background(), &Call{Endpoint: usersList}); res.Err != nil || res.Status != 200 {
				t.Fatalf("%s: catalog call: %+v", client, res)
			}
		}
		if n := conns.Load(); n != 2 {
			t.Errorf("%s: %d connections for requests in sequence over three unlimited groups and a limited one, want 2", client, n)
		}
		want := []PoolStats{{Group: SharedPool, Idle: 1}, {Group: "limited", Idle: 1}}
		if got := c.Pools(); !slices.Equal(got, want) {
			t.Errorf("%s: pools %+v, want %+v", client, got, want)
		}
		got := map[string]int64{}
		for _, g := range c.Received() {
			if g.Wire != g.Decoded {
				t.Errorf("%s: group %s: %d bytes on the wire, %d decoded, want the same (no gzip)", client, g.Group, g.Wire, g.Decoded)
			}
			got[g.Group] = g.Wire
		}
		if got["a"] != 2*int64(len("ok /a")) || got["b"] != 2*int64(len("ok /bb")) || got["limited"] != 2*int64(len("ok /ccc")) || got[catalog.GroupUserQuery] == 0 {
			t.Errorf("%s: bytes by group %v, want each group's own", client, got)
		}
		c.Close()
	}
}

// TestGroupLimits: each group's pool holds its limit under load, and a slow
// group whose pool is saturated does not hold up another group's requests.
func TestGroupLimits(t *testing.T) {
	release := make(chan struct{})
	var inSlow, maxSlow atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			n := inSlow.Add(1)
			for m := maxSlow.Load(); n > m && !maxSlow.CompareAndSwap(m, n); m = maxSlow.Load() {
			}
			<-release
			inSlow.Add(-1)
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		if client == transport.ClientFast && !transport.FastSupported {
			continue
		}
		release = make(chan struct{})
		maxSlow.Store(0)
		c, err := New(Options{BaseURL: srv.URL, Policy: FixedTimeout(20 * time.Second), Network: transport.Settings{
			Client: client, MaxConnsPerGroup: map[string]int{"slow": 2, "quick": 1}}})
		if err != nil {
			t.Fatal(err)
		}
		slow, _ := c.NewPlain(PlainSpec{Path: "/slow", Group: "slow"})
		quick, _ := c.NewPlain(PlainSpec{Path: "/quick", Group: "quick"})
		var wg sync.WaitGroup
		results := make(chan Result, 8)
		for range 8 {
			wg.Go(func() { results <- c.DoPlain(context.Background(), slow, &TemplateVars{}, "") })
		}
		// Wait until the slow group's two connections are busy and the other
		// six requests queue behind them.
		deadline := time.Now().Add(10 * time.Second)
		for inSlow.Load() < 2 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if inSlow.Load() != 2 {
			t.Fatalf("%s: %d slow requests at the server, want 2", client, inSlow.Load())
		}
		// The quick group is not held up: these finish while the slow ones wait.
		for i := range 5 {
			if res := c.DoPlain(context.Background(), quick, &TemplateVars{}, ""); res.Err != nil || res.Status != 200 {
				t.Fatalf("%s: quick request %d while the slow group is saturated: %+v", client, i, res)
			}
		}
		if inSlow.Load() != 2 || len(results) != 0 {
			t.Errorf("%s: the slow group moved (%d at the server, %d done) before release", client, inSlow.Load(), len(results))
		}
		for _, p := range c.Pools() {
			if p.Group == "slow" && p.Active+p.Idle > 2 || p.Group == "quick" && p.Active+p.Idle > 1 {
				t.Errorf("%s: pool %s has %d connections over its limit", client, p.Group, p.Active+p.Idle)
			}
		}
		close(release)
		wg.Wait()
		close(results)
		for res := range results {
			if res.Err != nil || res.Status != 200 {
				t.Errorf("%s: slow request: %+v", client, res)
			}
		}
		if m := maxSlow.Load(); m != 2 {
			t.Errorf("%s: at most %d slow requests at the server at once, want the limit 2", client, m)
		}
		c.Close()
	}
}
