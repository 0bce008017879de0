package client

import (
	"fmt"
	"strings"
)

// What reaches the wire from a profile or a scenario (header names and values,
// route paths, query parameter names) is written into the request as it is:
// these checks refuse, before any request, what would break the request's
// framing (a line break ends a header line and starts another) or change its
// meaning (a '?' in a route, a header name with a space).

// isTchar reports whether b may stand in an HTTP token (RFC 9110, 5.6.2): a
// header name or an auth scheme.
func isTchar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// headerNameError says why name is not an HTTP header name, or "".
func headerNameError(name string) string {
	if name == "" {
		return "is empty: give a header name such as Authorization or X-Api-Key"
	}
	for i := 0; i < len(name); i++ {
		if !isTchar(name[i]) {
			return fmt.Sprintf("%q is not an HTTP header name: it holds %s; a header name is letters, digits and !#$%%&'*+-.^_`|~ only (RFC 9110), e.g. X-Api-Key",
				name, describeByte(name[i]))
		}
	}
	return ""
}

// headerValueError says why v cannot be sent in a header value, or "": a
// control character (CR, LF and NUL among them) would end the header line or
// be refused by the target.
func headerValueError(v string) string {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return fmt.Sprintf("%q holds %s, which a header cannot carry: remove it", v, describeByte(b))
		}
	}
	return ""
}

// describeByte names a byte for an error message.
func describeByte(b byte) string {
	switch b {
	case '\r':
		return "a carriage return (\\r)"
	case '\n':
		return "a line break (\\n)"
	case 0:
		return "a NUL byte"
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	}
	if b < 0x20 || b >= 0x7f {
		return fmt.Sprintf("the byte 0x%02x", b)
	}
	return fmt.Sprintf("%q", rune(b))
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// pathError says why p cannot be sent as (part of) a request path, or "":
// p is a path (it starts with /), of RFC 3986 path characters (placeholders'
// braces allowed when braces is true), percent escapes complete, with no
// query, no fragment and no empty segment.
func pathError(p string, braces bool) string {
	if strings.Contains(p, "//") {
		return fmt.Sprintf("%q has an empty segment (//): write one /", p)
	}
	for i := 0; i < len(p); i++ {
		b := p[i]
		switch {
		case b == '?':
			return fmt.Sprintf("%q holds a query (?…): a route is a path only; the engine writes the query itself (paging, search: query.*, paging.*); remove the ?… part", p)
		case b == '#':
			return fmt.Sprintf("%q holds a fragment (#…), which is never sent: remove the #… part", p)
		case b == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return fmt.Sprintf("%q holds a %% that starts no escape: write %%25 for a %% sign, or a complete escape such as %%20", p)
			}
		case (b == '{' || b == '}') && braces:
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', strings.IndexByte("/-._~!$&'()*+,;=:@", b) >= 0:
		default:
			return fmt.Sprintf("%q holds %s, which a path cannot carry: percent-encode it (a space is %%20)", p, describeByte(b))
		}
	}
	return ""
}

// queryNameError says why name cannot be a query parameter name, or "".
func queryNameError(name string) string {
	for i := 0; i < len(name); i++ {
		b := name[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', strings.IndexByte("-._~[]", b) >= 0:
		default:
			return fmt.Sprintf("%q holds %s: a query parameter name is letters, digits and - . _ ~ [ ] only, e.g. per_page or page[size]", name, describeByte(b))
		}
	}
	return ""
}
