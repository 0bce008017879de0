package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// diagnose names the cause of a preflight failure and the flag or variable
// that fixes it, keeping err's own text: the proxy (down, refusing the
// tunnel, asking for credentials, its certificate), the target's
// certificate, ALPN (--http-version), a client certificate missing or
// refused, an answer that is not HTTP, a target that does not answer.
func (c *Client) diagnose(err error) error {
	n := c.opts.Network
	proxy := c.plan.Proxy
	via, from := "", "--proxy"
	if proxy != nil {
		if n.Proxy == "" {
			from = "HTTP_PROXY/HTTPS_PROXY (NO_PROXY exempts hosts)"
		}
		via = fmt.Sprintf("the proxy %s (from %s)", proxy.Redacted(), from)
	}
	var oe, inner *net.OpError
	text := err.Error()
	proxyConnect := errors.As(err, &oe) && oe.Op == "proxyconnect"
	proxyDown := proxy != nil && (dialError(err) || proxyConnect && errors.As(oe.Err, &inner) && inner.Op == "dial")
	// net/http reports a CONNECT refused by the status's text alone.
	if proxy != nil && c.target.Scheme == "https" && statusText(text) {
		proxyConnect = true
	}
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce *tls.CertificateVerificationError
	var pe *transport.ProtocolError
	whose := "the target's"
	if proxyConnect && proxy != nil && proxy.Scheme == "https" {
		whose = "the proxy's" // the TLS of the proxy itself
	}
	switch {
	case proxyDown:
		return fmt.Errorf("%s does not answer (is it running? fix %s): %w", via, from, err)
	case proxyConnect && strings.Contains(text, "Proxy Authentication Required"):
		return fmt.Errorf("%s asks for credentials (407 to CONNECT): give them in its URL, http://user:password@host:port: %w", via, err)
	case proxyConnect && !errors.As(err, &uae) && !errors.As(err, &he) && !errors.As(err, &ce) && !strings.Contains(text, "tls: "):
		return fmt.Errorf("%s refused the tunnel to %s (CONNECT): its rules do not let this target through; use another proxy, or exempt the target with NO_PROXY: %w", via, c.target.Host, err)
	case errors.As(err, &uae):
		return fmt.Errorf("TLS: %s certificate is signed by an authority this machine does not trust; give its CA with --ca-cert FILE: %w", whose, err)
	case errors.As(err, &he):
		if whose == "the proxy's" {
			return fmt.Errorf("TLS: the proxy's certificate is not for its name; fix the proxy's URL (%s): %w", via, err)
		}
		return fmt.Errorf("TLS: the target's certificate is not for this name; name the server with --tls-server-name NAME or fix --base-url: %w", err)
	case errors.As(err, &ce):
		return fmt.Errorf("TLS: %s certificate does not verify: %w", whose, err)
	case strings.Contains(text, "tls: no application protocol"):
		return fmt.Errorf("TLS: the target speaks none of the HTTP versions offered (--http-version %s); try --http-version auto, or the other version: %w", c.plan.HTTPVersion, err)
	case strings.Contains(text, "tls: certificate required"),
		!c.hasClientCert() && (strings.Contains(text, "tls: bad certificate") || strings.Contains(text, "tls: handshake failure")):
		if c.hasClientCert() {
			return fmt.Errorf("TLS: the target asks for a client certificate and did not take the one given with --client-cert: %w", err)
		}
		return fmt.Errorf("TLS: the target requires a client certificate: give --client-cert and --client-key: %w", err)
	case c.hasClientCert() && (strings.Contains(text, "tls: bad certificate") || strings.Contains(text, "tls: unknown certificate authority") ||
		strings.Contains(text, "tls: certificate") || strings.Contains(text, "tls: handshake failure")):
		return fmt.Errorf("TLS: the target refused the client certificate given with --client-cert (is it signed by a CA the target trusts, and not expired?): %w", err)
	case strings.Contains(text, "tls: "):
		return fmt.Errorf("TLS: the handshake with the target failed: %w", err)
	case errors.As(err, &pe) || strings.Contains(text, "malformed HTTP") || strings.Contains(text, "HTTP/1.x transport connection broken"):
		return fmt.Errorf("the target answered, but not with HTTP/1.x (a TLS or HTTP/2-only port given as http://? check --base-url's scheme and --http-version): %w", err)
	case c.target.Scheme == "https" && c.plan.HTTPVersion == transport.Version11 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return fmt.Errorf("the target closed the connection without an answer to HTTP/1.1 (one that speaks only HTTP/2 does so: try --http-version 2 or auto): %w", err)
	case dialError(err):
		return fmt.Errorf("the target does not answer (is it running? check --base-url): %w", err)
	}
	return fmt.Errorf("the target's answer to GET / failed: %w", err)
}

// statusText reports an error text ending in an HTTP status's text of
// 400–599 ("Forbidden", "Proxy Authentication Required").
func statusText(text string) bool {
	for code := 400; code < 600; code++ {
		if st := http.StatusText(code); st != "" && strings.HasSuffix(text, st) {
			return true
		}
	}
	return false
}

func (c *Client) hasClientCert() bool {
	return c.opts.Network.ClientCert != "" || c.opts.Network.ClientCertPEM != ""
}

// probeTLS looks behind a failure that hides its cause (an EOF, a broken
// pipe, net/http's "http2: client conn could not be established") on an
// https target reached
// directly: it sends GET / over TLS itself, HTTP/1.1, and reads, so a TLS 1.3
// server's alert (a client certificate required or refused), which comes
// after the handshake, is seen. It returns that error wrapped around err, or
// err.
func (c *Client) probeTLS(ctx context.Context, err error) error {
	text := err.Error()
	if c.target.Scheme != "https" || c.plan.Proxy != nil || c.tls == nil || strings.Contains(text, "tls: ") || dialError(err) {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addr := c.target.Host
	if c.target.Port() == "" {
		addr = net.JoinHostPort(c.target.Hostname(), "443")
	}
	dial := c.opts.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	raw, derr := dial(ctx, "tcp", addr)
	if derr != nil {
		return err
	}
	defer raw.Close()
	conf := c.tls.Clone()
	conf.NextProtos = []string{"http/1.1"}
	tc := tls.Client(raw, conf)
	if dl, ok := ctx.Deadline(); ok {
		_ = tc.SetDeadline(dl)
	}
	perr := tc.HandshakeContext(ctx)
	if perr == nil {
		if _, perr = io.WriteString(tc, "GET / HTTP/1.1\r\nHost: "+c.target.Host+"\r\nConnection: close\r\n\r\n"); perr == nil {
			var b [1]byte
			_, perr = tc.Read(b[:])
		}
	}
	if perr == nil || !strings.Contains(perr.Error(), "tls: ") {
		return err
	}
	return fmt.Errorf("%w (a TLS probe: %w)", err, perr)
}
