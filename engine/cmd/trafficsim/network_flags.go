package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// networkFlags are the network flags of every command that talks to a
// target (run, cleanup, check): defined once here, added with addFlags.
type networkFlags struct {
	s        transport.Settings
	maxConns string
}

func (n *networkFlags) addFlags(f *pflag.FlagSet) {
	s := &n.s
	f.StringVar(&s.Client, "http-client", transport.ClientAuto, "HTTP transport: fast (Linux, HTTP/1.1, no proxy), std (net/http: HTTP/2, proxies; every platform) or auto (fast where it can serve the run)")
	f.StringVar(&s.HTTPVersion, "http-version", transport.VersionAuto, "HTTP version: 1.1, 2 (over TLS by ALPN, over http:// with prior knowledge) or auto (2 or 1.1 by ALPN over TLS, 1.1 otherwise)")
	f.StringVar(&s.Proxy, "proxy", "", "proxy URL for every request (http://, https:// or socks5://); empty: HTTP_PROXY, HTTPS_PROXY and NO_PROXY as Go reads them")
	f.StringVar(&s.Compression, "compression", transport.CompressionGzip, "answer compression asked for: gzip (Accept-Encoding: gzip, decoded; as a browser) or none")
	f.StringVar(&s.CACert, "ca-cert", "", "PEM file of CA certificates trusted besides the system's, for an https target")
	f.StringVar(&s.ClientCert, "client-cert", "", "PEM client certificate for mutual TLS (with --client-key)")
	f.StringVar(&s.ClientKey, "client-key", "", "PEM private key of --client-cert")
	f.BoolVar(&s.InsecureSkipVerify, "insecure-skip-verify", false, "accept any TLS certificate of the target (insecure; warned about in the start line and the summary)")
	f.StringVar(&s.ServerName, "tls-server-name", "", "TLS server name to send and verify, when the certificate is for another name than --base-url's host")
	f.StringVar(&n.maxConns, "max-conns-per-group", "", "connection limit per endpoint group pool, e.g. auth=20,user_query=50 (a group not named: no limit; overrides the scenario's connections:)")
}

// settings are the checked network settings; an error names the flag.
func (n *networkFlags) settings() (transport.Settings, error) {
	s := n.s
	if n.maxConns != "" {
		m, err := groupLimits(n.maxConns)
		if err != nil {
			return s, err
		}
		s.MaxConnsPerGroup = m
	}
	if err := s.Validate(); err != nil {
		return s, networkFlagError(err)
	}
	return s, nil
}

// groupLimits reads --max-conns-per-group entry by entry and refuses a group
// given twice: read as one map, the last entry of a group would win and an
// earlier bad value (auth=-1,auth=2) would go unseen. Every value kept is
// then checked by Settings.Validate, whatever the order.
func groupLimits(v string) (map[string]int, error) {
	out := map[string]int{}
	for part := range strings.SplitSeq(v, ",") {
		one, err := transport.ParseGroupLimits(part)
		if err != nil {
			return nil, networkFlagError(err)
		}
		for g, c := range one {
			if prev, twice := out[g]; twice {
				return nil, fmt.Errorf("--max-conns-per-group: %s is given twice (%s=%d and %s=%d); give each group once, e.g. %s=%d",
					g, g, prev, g, c, g, max(prev, c, 1))
			}
			out[g] = c
		}
	}
	return out, nil
}

// networkFlagError names the flag of a transport.FieldError.
func networkFlagError(err error) error {
	var fe *transport.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("--%s: %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Message)
	}
	return err
}

// transportLines are the start line's words on the transport for a target
// (empty: the embedded one, plain HTTP on loopback), and the skip-verify
// warning.
func transportLines(s transport.Settings, target string) ([]string, error) {
	if target == "" {
		target = "http://127.0.0.1"
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p, err := s.Resolve(u)
	if err != nil {
		return nil, networkFlagError(err)
	}
	line := "transport: " + p.String()
	if len(s.MaxConnsPerGroup) > 0 {
		line += "; connections per group " + transport.FormatGroupLimits(s.MaxConnsPerGroup)
	}
	lines := []string{line}
	if p.Insecure {
		lines = append(lines, transport.InsecureWarning)
	}
	return lines, nil
}
