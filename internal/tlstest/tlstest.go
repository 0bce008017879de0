// Package tlstest makes a throwaway PKI for tests: a CA, a server certificate
// for 127.0.0.1 and localhost, and a client certificate, all as PEM text, and
// starts loopback HTTPS servers (HTTP/2 on) with them.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// PKI is a test CA with a server and a client certificate.
type PKI struct {
	CAPEM         string // the CA's certificate
	ClientCertPEM string // signed by the CA, for client auth
	ClientKeyPEM  string
	// OtherKeyPEM is a key that goes with no certificate here (a mismatch).
	OtherKeyPEM string
	caPool      *x509.CertPool
	server      tls.Certificate
}

// New makes a PKI valid for an hour either side of now; the server
// certificate names 127.0.0.1, localhost and names.
func New(t testing.TB, names ...string) *PKI {
	t.Helper()
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "trafficsim test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := &PKI{CAPEM: encode("CERTIFICATE", caDER), caPool: x509.NewCertPool()}
	p.caPool.AddCert(ca)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, server bool) ([]byte, *ecdsa.PrivateKey) {
		k := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if server {
			tmpl.DNSNames = append([]string{"localhost"}, names...)
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	sDER, sKey := leaf(2, "trafficsim test server", x509.ExtKeyUsageServerAuth, true)
	p.server = tls.Certificate{Certificate: [][]byte{sDER}, PrivateKey: sKey}
	cDER, cKey := leaf(3, "trafficsim test client", x509.ExtKeyUsageClientAuth, false)
	p.ClientCertPEM = encode("CERTIFICATE", cDER)
	p.ClientKeyPEM = keyPEM(t, cKey)
	p.OtherKeyPEM = keyPEM(t, newKey(t))
	return p
}

// Server starts an HTTPS server on 127.0.0.1 with the PKI's server
// certificate and HTTP/2 on; clientAuth: it requires a client certificate
// of the CA. It is closed when the test ends.
func (p *PKI) Server(t testing.TB, h http.Handler, clientAuth bool) *httptest.Server {
	t.Helper()
	return p.server2(t, h, clientAuth, true, nil)
}

// H2OnlyServer is Server offering only h2 by ALPN: a client asking for
// HTTP/1.1 alone finds no protocol in common.
func (p *PKI) H2OnlyServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	return p.server2(t, h, false, true, []string{"h2"})
}

// HTTP1Server is Server speaking HTTP/1.1 only (ALPN http/1.1; Server's
// speaks h2 only).
func (p *PKI) HTTP1Server(t testing.TB, h http.Handler, clientAuth bool) *httptest.Server {
	t.Helper()
	return p.server2(t, h, clientAuth, false, []string{"http/1.1"})
}

func (p *PKI) server2(t testing.TB, h http.Handler, clientAuth, h2 bool, protos []string) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = h2
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server}, NextProtos: protos}
	if clientAuth {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = p.caPool
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyPEM(t testing.TB, k *ecdsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return encode("PRIVATE KEY", der)
}

func encode(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
