package transport

import (
	"bufio"
	"bytes"

	"github.com/valyala/fasthttp"
)

// readHeadQuick parses the usual answer's head into resp and consumes it:
// HTTP/1.1, a final status other than 204 and 3xx, a Content-Length, no
// Transfer-Encoding, plain header lines, the whole head in what the first
// read brought. Of the header it keeps what the client reads of a catalog
// call's answer (the length, Connection: close, Content-Encoding,
// Retry-After, Allow). ok is false, and nothing is consumed, for any other
// answer: readHead parses that one in full. It costs about a third of
// fasthttp's parse (BenchmarkReadHead), 1% of a journey request's CPU
// (bench/run.sh p).
func readHeadQuick(resp *fasthttp.Response, br *bufio.Reader) (ok bool, err error) {
	if _, err := br.Peek(1); err != nil { // the answer's first read
		return false, err
	}
	buf, _ := br.Peek(br.Buffered())
	if len(buf) < 14 || string(buf[:9]) != "HTTP/1.1 " || buf[12] != ' ' && buf[12] != '\r' {
		return false, nil
	}
	code := 0
	for _, c := range buf[9:12] {
		if c < '0' || c > '9' {
			return false, nil
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code == 204 || code >= 300 && code < 400 {
		return false, nil // and a redirect: its Location is read (readHead)
	}
	line := bytes.IndexByte(buf, '\n') + 1 // the status line's end
	length := -1
	var closing bool
	var encoding, retryAfter, allow []byte
	for {
		next := bytes.IndexByte(buf[line:], '\n')
		if next < 1 || buf[line+next-1] != '\r' {
			return false, nil // the head goes on beyond this read, or a bare LF
		}
		h := buf[line : line+next-1]
		line += next + 1
		if len(h) == 0 {
			break // the head's end
		}
		colon := bytes.IndexByte(h, ':')
		if colon < 1 {
			return false, nil // no name, or a folded line
		}
		name := h[:colon]
		for _, c := range name {
			if c <= ' ' || c >= 0x7f {
				return false, nil
			}
		}
		switch len(name) {
		case 5:
			if bytes.EqualFold(name, allowName) {
				allow = trimSpace(h[colon+1:])
			}
		case 10:
			if bytes.EqualFold(name, connectionName) {
				switch v := trimSpace(h[colon+1:]); {
				case bytes.EqualFold(v, closeValue):
					closing = true
				case !bytes.EqualFold(v, keepAliveValue):
					return false, nil
				}
			}
		case 11:
			if bytes.EqualFold(name, retryAfterName) {
				retryAfter = trimSpace(h[colon+1:])
			}
		case 14:
			if bytes.EqualFold(name, contentLengthName) {
				n, ok := parseLength(trimSpace(h[colon+1:]))
				if !ok || length >= 0 { // a second one: fasthttp's to judge
					return false, nil
				}
				length = n
			}
		case 16:
			if bytes.EqualFold(name, contentEncodingName) {
				encoding = trimSpace(h[colon+1:])
			}
		case 17:
			if bytes.EqualFold(name, transferEncodingName) {
				return false, nil
			}
		}
	}
	if length < 0 {
		return false, nil
	}
	resp.Header.Reset()
	resp.ResetBody()
	resp.Header.SetStatusCode(code)
	resp.Header.SetContentLength(length)
	if closing {
		resp.Header.SetConnectionClose()
	}
	if encoding != nil {
		resp.Header.SetContentEncodingBytes(encoding)
	}
	if retryAfter != nil {
		resp.Header.SetCanonical(retryAfterName, retryAfter)
	}
	if allow != nil {
		resp.Header.SetCanonical(allowName, allow)
	}
	_, err = br.Discard(line)
	return true, err
}

// trimSpace drops a header value's leading and trailing spaces and tabs.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseLength is a Content-Length's value: digits only, at most 18.
func parseLength(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

var (
	allowName            = []byte("Allow")
	connectionName       = []byte("Connection")
	retryAfterName       = []byte("Retry-After")
	contentLengthName    = []byte("Content-Length")
	contentEncodingName  = []byte("Content-Encoding")
	transferEncodingName = []byte("Transfer-Encoding")
	closeValue           = []byte("close")
	keepAliveValue       = []byte("keep-alive")
)
