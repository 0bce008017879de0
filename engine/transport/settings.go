// Package transport is how the engine's requests reach the target: the
// network settings a run asks for (HTTP client and version, proxies,
// compression, TLS, connection limits per endpoint group), their checks, the
// choice between the two transports (NewPool), and both transports: the fast
// Linux HTTP/1.1 one (wire.go, with raw system calls in rawio.go) and the
// portable one on net/http (std.go). Both implement Exchanger, the seam the
// API client (engine/client) sends through; this package knows nothing of
// the user service.
package transport

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpproxy"

	"github.com/trafficsim/trafficsim/engine/inputfile"
)

// Values of the settings.
const (
	ClientAuto = "auto"
	ClientFast = "fast"
	ClientStd  = "std"

	VersionAuto = "auto"
	Version11   = "1.1"
	Version2    = "2"

	CompressionGzip = "gzip"
	CompressionNone = "none"
)

// FastSupported reports whether this build has the fast transport: it is
// measured and tuned on Linux only (its raw system calls are Linux's).
var FastSupported = runtime.GOOS == "linux"

// Settings are the network settings of a run, cleanup or check: the flags
// --http-client, --http-version, --proxy, --compression, --ca-cert,
// --client-cert, --client-key, --insecure-skip-verify, --tls-server-name and
// --max-conns-per-group. The zero value is the default: auto, auto, the
// environment's proxies, gzip, the system roots.
type Settings struct {
	Client      string // fast, std or auto ("" = auto)
	HTTPVersion string // 1.1, 2 or auto ("" = auto)
	// Proxy is a proxy URL for every request (http://, https:// or
	// socks5://); empty: HTTP_PROXY, HTTPS_PROXY and NO_PROXY decide, as
	// Go's http.ProxyFromEnvironment does.
	Proxy       string
	Compression string // gzip or none ("" = gzip, as a browser asks)
	CACert      string // PEM file added to the system roots
	ClientCert  string // PEM certificate for mutual TLS, with ClientKey
	ClientKey   string
	// InsecureSkipVerify accepts any server certificate (warned about loudly).
	InsecureSkipVerify bool
	ServerName         string // TLS server name (SNI and verification); empty: the target's host
	// CAPEM, ClientCertPEM and ClientKeyPEM are the same as PEM text rather
	// than files (the plugin's per-target settings); a file and text may not
	// both be given.
	CAPEM, ClientCertPEM, ClientKeyPEM string
	// MaxConnsPerGroup limits the connections of an endpoint group's pool
	// (busy and idle); a group not named has no limit.
	MaxConnsPerGroup map[string]int

	// ProxyEnv replaces the process environment's proxy variables (tests);
	// nil: read HTTP_PROXY, HTTPS_PROXY and NO_PROXY when resolving.
	ProxyEnv *httpproxy.Config
}

// FieldError is an invalid setting; Field is the snake_case name of the
// setting (http_client, ca_cert, …), the flag with dashes.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func bad(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks the settings, reading the certificate files.
func (s Settings) Validate() error {
	switch s.Client {
	case "", ClientAuto, ClientStd:
	case ClientFast:
		if !FastSupported {
			return bad("http_client", "fast: the fast transport is built for Linux only; use std or auto on %s", runtime.GOOS)
		}
	default:
		return bad("http_client", "%q: use fast, std or auto", s.Client)
	}
	switch s.HTTPVersion {
	case "", VersionAuto, Version11:
	case Version2:
		if s.Client == ClientFast {
			return bad("http_version", "2: the fast transport speaks HTTP/1.1 only; use --http-client std or auto")
		}
	default:
		return bad("http_version", "%q: use 1.1, 2 or auto", s.HTTPVersion)
	}
	if s.Proxy != "" {
		u, err := url.Parse(s.Proxy)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5") {
			return bad("proxy", "%q: want http://host:port, https://host:port or socks5://host:port", s.Proxy)
		}
		if s.Client == ClientFast {
			return bad("proxy", "the fast transport does not go through proxies; use --http-client std or auto")
		}
	}
	switch s.Compression {
	case "", CompressionGzip, CompressionNone:
	default:
		return bad("compression", "%q: use gzip or none", s.Compression)
	}
	for g, n := range s.MaxConnsPerGroup {
		if g == "" || n < 1 || n > 100_000 {
			return bad("max_conns_per_group", "%s=%d: give each group 1 to 100000 connections", g, n)
		}
	}
	_, err := s.TLSConfig("")
	return err
}

// ParseGroupLimits reads "auth=20,user_query=50" (the flag's form).
func ParseGroupLimits(v string) (map[string]int, error) {
	out := map[string]int{}
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		g, n, ok := strings.Cut(part, "=")
		c, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || strings.TrimSpace(g) == "" {
			return nil, bad("max_conns_per_group", "%q: want group=N,… e.g. auth=20,user_query=50", part)
		}
		out[strings.TrimSpace(g)] = c
	}
	return out, nil
}

// FormatGroupLimits is the flag's form of limits, groups sorted.
func FormatGroupLimits(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Itoa(m[k])
	}
	return strings.Join(parts, ",")
}

// TLSConfig is the TLS configuration for a target host: the system roots
// plus --ca-cert, the client certificate, the server name, skip-verify.
func (s Settings) TLSConfig(host string) (*tls.Config, error) {
	c := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.InsecureSkipVerify}
	if s.ServerName != "" {
		c.ServerName = s.ServerName
	}
	if (s.CACert != "" && s.CAPEM != "") || (s.ClientCert != "" && s.ClientCertPEM != "") || (s.ClientKey != "" && s.ClientKeyPEM != "") {
		return nil, bad("ca_cert", "give certificates as files or as PEM text, not both")
	}
	caPEM, what := []byte(s.CAPEM), "ca_cert_pem"
	if s.CACert != "" {
		var err error
		if caPEM, err = inputfile.Read(s.CACert, inputfile.ConfigLimit); err != nil {
			return nil, bad("ca_cert", "%v", err)
		}
		what = s.CACert
	}
	if len(caPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool() // no system roots here: the CA alone
		}
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, bad("ca_cert", "%s holds no PEM certificate", what)
		}
		c.RootCAs = pool
	}
	certPEM, keyPEM := []byte(s.ClientCertPEM), []byte(s.ClientKeyPEM)
	if s.ClientCert != "" && s.ClientKey != "" {
		var err error
		if certPEM, err = inputfile.Read(s.ClientCert, inputfile.ConfigLimit); err != nil {
			return nil, bad("client_cert", "%v", err)
		}
		if keyPEM, err = inputfile.Read(s.ClientKey, inputfile.ConfigLimit); err != nil {
			return nil, bad("client_key", "%v", err)
		}
	}
	if (s.ClientCert == "" && s.ClientCertPEM == "") != (s.ClientKey == "" && s.ClientKeyPEM == "") {
		field := "client_key"
		if s.ClientCert == "" && s.ClientCertPEM == "" {
			field = "client_cert"
		}
		return nil, bad(field, "a client certificate needs both --client-cert and --client-key")
	}
	if len(certPEM) > 0 {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, bad("client_cert", "the client certificate and key: %v", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// Plan is what a run's requests to one target go through, the settings'
// "auto" resolved.
type Plan struct {
	Client      string // fast or std
	HTTPVersion string // 1.1, 2 or auto (std over TLS: offered h2 and http/1.1 by ALPN)
	Compression string // gzip or none
	Proxy       *url.URL
	Insecure    bool
	// Why auto chose std, "" otherwise.
	Why string
}

// String is the plan as the start line and the summary name it.
func (p Plan) String() string {
	var b strings.Builder
	b.WriteString(p.Client)
	b.WriteString(" HTTP/")
	switch p.HTTPVersion {
	case VersionAuto:
		b.WriteString("2 or 1.1 by ALPN")
	default:
		b.WriteString(p.HTTPVersion)
	}
	b.WriteString(", compression ")
	b.WriteString(p.Compression)
	if p.Proxy != nil {
		b.WriteString(", proxy ")
		b.WriteString(p.Proxy.Redacted())
	}
	if p.Why != "" {
		b.WriteString(" (")
		b.WriteString(p.Why)
		b.WriteString(")")
	}
	return b.String()
}

// InsecureWarning is printed in the start line and the summary of a run that
// does not verify the target's certificate.
const InsecureWarning = "WARNING: --insecure-skip-verify: the target's TLS certificate is NOT verified; anyone on the path can read and alter this traffic"

// Resolve decides the transport for a target: the proxy its URL goes
// through, the HTTP version, and for auto the client — fast where it
// supports what the run asks for (Linux, HTTP/1.1, no proxy), std otherwise.
func (s Settings) Resolve(target *url.URL) (Plan, error) {
	if err := s.Validate(); err != nil {
		return Plan{}, err
	}
	p := Plan{Client: s.Client, HTTPVersion: s.HTTPVersion, Compression: s.Compression, Insecure: s.InsecureSkipVerify}
	if p.Compression == "" {
		p.Compression = CompressionGzip
	}
	if p.HTTPVersion == "" {
		p.HTTPVersion = VersionAuto
	}
	if p.HTTPVersion == VersionAuto && target.Scheme == "http" {
		p.HTTPVersion = Version11 // a browser speaks HTTP/2 only over TLS
	}
	var err error
	if p.Proxy, err = s.proxyFor(target); err != nil {
		return Plan{}, err
	}
	var why string
	switch {
	case !FastSupported:
		why = "the fast transport is Linux-only"
	case p.Proxy != nil:
		why = "a proxy"
	case p.HTTPVersion != Version11:
		why = "HTTP/2"
	}
	switch p.Client {
	case "", ClientAuto:
		p.Client = ClientFast
		if why != "" {
			p.Client, p.Why = ClientStd, "auto: "+why
		}
	case ClientFast:
		if why != "" {
			return Plan{}, bad("http_client", "fast cannot serve this run (%s); use std or auto", why)
		}
	}
	return p, nil
}

// proxyFor is the proxy for the target: --proxy for every request, else the
// environment's rule (which, like Go's, never proxies localhost or loopback
// addresses).
func (s Settings) proxyFor(target *url.URL) (*url.URL, error) {
	if s.Proxy != "" {
		return url.Parse(s.Proxy)
	}
	env := s.ProxyEnv
	if env == nil {
		env = httpproxy.FromEnvironment()
	}
	u, err := env.ProxyFunc()(target)
	if err != nil {
		return nil, bad("proxy", "the proxy of the environment (HTTP_PROXY/HTTPS_PROXY): %v", err)
	}
	return u, nil
}
