package plugin

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// target is a URL reduced to what decides where load goes: scheme, host, port and
// path segments. Allowlist entries and run base URLs are both parsed into it
// (and both refused with a path: parseRoot), and compared component by
// component, so that textual tricks (http://127.0.0.1:9501.evil.com,
// http://127.0.0.1:9501@evil, /api/../admin) cannot pass for an allowed target.
type target struct {
	scheme string
	host   string // lower case, no brackets, no trailing dot
	port   string // always explicit
	segs   []string
	url    string // canonical form, what the engine is given
	shown  string // the URL as typed, as a message may quote it (shownURL)
	root   string // scheme://host[:port] as typed, without the path
}

func parseTarget(in string) (target, error) {
	in = strings.TrimSpace(in)
	raw := shownURL(in) // what messages quote
	u, err := url.Parse(in)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return target{}, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return target{}, fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Opaque != "" || u.Host == "" {
		return target{}, fmt.Errorf("%q has no host; write it as http://host:port", raw)
	}
	if u.User != nil {
		return target{}, fmt.Errorf("%q must not contain user info (user@ or user:password@)", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(in, "#") {
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
	t := target{scheme: scheme, host: host, port: port, segs: segs, shown: raw, root: scheme + "://" + u.Host}
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

// noPath refuses a target with a path: the engine takes a base URL of
// http(s)://host[:port] only (runner.ParseRootBaseURL, which every run and
// check goes through), because the check's table, the route labels and the
// summary show the routes without it. The plugin says it first, in its own
// words (an allowlist entry has no engine counterpart). A prefix goes in
// front of the API profile's base_path, where all of them show it. what is the
// fix's first words ("give baseUrl", "list"); the caller names the field. A
// trailing / is no path.
func (t target) noPath(what string) error {
	if len(t.segs) == 0 {
		return nil
	}
	prefix := "/" + strings.Join(t.segs, "/")
	return fmt.Errorf("%q: a path is not taken, only http(s)://host[:port]; %s %s and put %s in front of the API profile's base_path "+
		"(e.g. base_path: %s/api/v1 for the reference routes; an Admin stores API profiles on the app's configuration page, docs/api-profile.md)",
		t.shown, what, t.root, prefix, prefix)
}

// parseRoot parses a target that must not have a path: a run's or a check's
// baseUrl, an allowlist entry, a TLS entry's target.
func parseRoot(in, what string) (target, error) {
	t, err := parseTarget(in)
	if err != nil {
		return t, err
	}
	return t, t.noPath(what)
}

// shownURL is a URL as a message may quote it: its user info (user:password@) cut,
// so that a password typed into a setting never reaches a response or the log.
// Everything before the last @ of the part before any query or fragment goes, even
// where a password holds a '/'.
func shownURL(raw string) string {
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + 3
	}
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "?#"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndexByte(raw[start:end], '@'); at >= 0 {
		return raw[:start] + "REDACTED@" + raw[start+at+1:]
	}
	return raw
}

// covers reports whether the allowlist entry p allows the target t: the same
// scheme, host and port. Entries take no path (parseRoot), so an entry allows
// all of its host's paths (a run's stored base URL from an earlier version may
// still have one).
func (p target) covers(t target) bool {
	return p.scheme == t.scheme && p.host == t.host && p.port == t.port
}

// allowlist is the admin's list of targets (http(s)://host[:port]) load may be aimed at.
type allowlist []target

func (a allowlist) allows(t target) bool {
	for _, p := range a {
		if p.covers(t) {
			return true
		}
	}
	return false
}
