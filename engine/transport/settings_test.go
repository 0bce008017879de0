package transport

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/http/httpproxy"
)

// TestResolve: auto picks fast only where fast can serve the run, and says
// why it did not; explicit choices that cannot work are refused.
func TestResolve(t *testing.T) {
	httpT, _ := url.Parse("http://127.0.0.1:9501")
	httpsT, _ := url.Parse("https://api.internal:8443")
	noProxy := &httpproxy.Config{}
	cases := []struct {
		name    string
		s       Settings
		target  *url.URL
		client  string
		version string
		why     string
		err     string
	}{
		{"defaults over http", Settings{ProxyEnv: noProxy}, httpT, ClientFast, Version11, "", ""},
		{"defaults over https: HTTP/2 by ALPN", Settings{ProxyEnv: noProxy}, httpsT, ClientStd, VersionAuto, "HTTP/2", ""},
		{"1.1 over https", Settings{HTTPVersion: Version11, ProxyEnv: noProxy}, httpsT, ClientFast, Version11, "", ""},
		{"h2c", Settings{HTTPVersion: Version2, ProxyEnv: noProxy}, httpT, ClientStd, Version2, "HTTP/2", ""},
		{"proxy", Settings{Proxy: "http://127.0.0.1:3128"}, httpT, ClientStd, Version11, "a proxy", ""},
		{"env proxy", Settings{ProxyEnv: &httpproxy.Config{HTTPSProxy: "http://proxy:3128"}}, httpsT, ClientStd, VersionAuto, "a proxy", ""},
		{"fast with a proxy", Settings{Client: ClientFast, Proxy: "http://127.0.0.1:3128"}, httpT, "", "", "", "proxy"},
		{"fast with HTTP/2", Settings{Client: ClientFast, HTTPVersion: Version2}, httpT, "", "", "", "http_version"},
		{"fast over https auto", Settings{Client: ClientFast, ProxyEnv: noProxy}, httpsT, "", "", "", "http_client"},
		{"std", Settings{Client: ClientStd, ProxyEnv: noProxy}, httpT, ClientStd, Version11, "", ""},
		{"bad client", Settings{Client: "curl"}, httpT, "", "", "", "http_client"},
		{"bad version", Settings{HTTPVersion: "3"}, httpT, "", "", "", "http_version"},
		{"bad compression", Settings{Compression: "br"}, httpT, "", "", "", "compression"},
		{"bad proxy", Settings{Proxy: "proxy:3128"}, httpT, "", "", "", "proxy"},
		{"bad limit", Settings{MaxConnsPerGroup: map[string]int{"auth": 0}}, httpT, "", "", "", "max_conns_per_group"},
		{"key without cert", Settings{ClientKey: "k.pem"}, httpT, "", "", "", "client_cert"},
		{"missing CA file", Settings{CACert: "/nonexistent/ca.pem"}, httpT, "", "", "", "ca_cert"},
		{"CA text without a certificate", Settings{CAPEM: "not pem"}, httpT, "", "", "", "ca_cert"},
	}
	for _, c := range cases {
		if !FastSupported && c.client == ClientFast {
			c.client, c.why = ClientStd, "the fast transport is Linux-only"
		}
		p, err := c.s.Resolve(c.target)
		if c.err != "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.err {
				t.Errorf("%s: %v, want a %s error", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.Client != c.client || p.HTTPVersion != c.version || !strings.Contains(p.Why, c.why) || (c.why == "") != (p.Why == "") {
			t.Errorf("%s: plan %+v (%s), want %s %s why %q", c.name, p, p, c.client, c.version, c.why)
		}
		if p.Compression != CompressionGzip {
			t.Errorf("%s: compression %q, want the browser-like gzip", c.name, p.Compression)
		}
	}
}

func TestParseGroupLimits(t *testing.T) {
	m, err := ParseGroupLimits(" auth=20, user_query=50 ,")
	if err != nil || m["auth"] != 20 || m["user_query"] != 50 || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
	if got := FormatGroupLimits(m); got != "auth=20,user_query=50" {
		t.Errorf("format: %q", got)
	}
	for _, bad := range []string{"auth", "auth=x", "=3"} {
		if _, err := ParseGroupLimits(bad); err == nil || !strings.Contains(err.Error(), "max_conns_per_group") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
