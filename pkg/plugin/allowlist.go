package plugin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// target is a URL reduced to what decides where load goes: scheme, host, port and
// path segments. Allowlist entries and run base URLs are both parsed into it, and
// compared component by component, so that textual tricks
// (http://127.0.0.1:9501.evil.com, http://127.0.0.1:9501@evil, /api/../admin)
// cannot pass for an allowed prefix.
type target struct {
	scheme string
	host   string // lower case, no brackets, no trailing dot
	port   string // always explicit
	segs   []string
	url    string // canonical form, what the engine is given
}

func parseTarget(raw string) (target, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return target{}, fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Opaque != "" || u.Host == "" {
		return target{}, fmt.Errorf("%q has no host; write it as http://host:port/path", raw)
	}
	if u.User != nil {
		return target{}, fmt.Errorf("%q must not contain user info (user@ or user:password@)", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return target{}, fmt.Errorf("%q must not contain a query or fragment", raw)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return target{}, fmt.Errorf("%q has no host name", raw)
	}
	if strings.ContainsAny(host, "@\\/ ") {
		return target{}, fmt.Errorf("%q has an invalid host %q", raw, host)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return target{}, fmt.Errorf("%q has an invalid port %q", raw, port)
	} else {
		port = strconv.Itoa(n) // 09501 and 9501 are one port
	}
	var segs []string
	for s := range strings.SplitSeq(u.Path, "/") {
		switch s {
		case "":
			continue
		case ".", "..":
			return target{}, fmt.Errorf("%q must not contain . or .. path segments", raw)
		}
		segs = append(segs, s)
	}
	t := target{scheme: scheme, host: host, port: port, segs: segs}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	t.url = (&url.URL{Scheme: scheme, Host: hostport + ":" + port, Path: "/" + strings.Join(segs, "/")}).String()
	if len(segs) == 0 {
		t.url = strings.TrimSuffix(t.url, "/")
	}
	return t, nil
}

// covers reports whether the prefix p allows the target t: the same scheme, host and
// port, and p's path segments are the first segments of t's path.
func (p target) covers(t target) bool {
	if p.scheme != t.scheme || p.host != t.host || p.port != t.port || len(t.segs) < len(p.segs) {
		return false
	}
	for i, s := range p.segs {
		if t.segs[i] != s {
			return false
		}
	}
	return true
}

// allowlist is the admin's list of URL prefixes load may be aimed at.
type allowlist []target

func (a allowlist) allows(t target) bool {
	for _, p := range a {
		if p.covers(t) {
			return true
		}
	}
	return false
}
