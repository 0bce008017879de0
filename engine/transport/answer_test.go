package transport

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestReadHeadQuick: what readHeadQuick reads of an answer is what fasthttp's
// full parse reads of it — the status, the length, Connection: close,
// Content-Encoding, Retry-After, Allow, the body after it, the bytes left —
// and any answer it does not take (another version, chunked, no length, an
// interim or bodiless status, a line it does not know) is left whole to the
// full parse, which then reads it as before.
func TestReadHeadQuick(t *testing.T) {
	body := `{"id":"42","username":"ada"}`
	cl := func(extra string) string {
		return "HTTP/1.1 200 OK\r\nContent-Length: 28\r\n" + extra + "\r\n" + body
	}
	cases := []struct {
		name, answer string
		quick        bool
	}{
		{"usual", "HTTP/1.1 200 OK\r\nContent-Length: 28\r\nContent-Type: application/json\r\nDate: Sun, 06 Dec 2026 23:51:53 GMT\r\n\r\n" + body, true},
		{"401", "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nContent-Type: application/json\r\nWww-Authenticate: Bearer realm=\"x\"\r\n\r\n{}", true},
		{"201 with a location", "HTTP/1.1 201 Created\r\nLocation: /api/v1/users/9\r\nContent-Length: 28\r\n\r\n" + body, true},
		{"connection close", cl("Connection: close\r\n"), true},
		{"connection Close, spaced", cl("connection:   Close \r\n"), true},
		{"keep-alive", cl("Connection: keep-alive\r\n"), true},
		{"503 retry-after", "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n", true},
		{"405 allow", "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST\r\nContent-Length: 0\r\n\r\n", true},
		{"gzip", cl("Content-Encoding: gzip\r\n"), true},
		{"lower-case names", "HTTP/1.1 200 OK\r\ncontent-length: 28\r\ncontent-encoding: br\r\nretry-after: 7\r\nallow: GET\r\n\r\n" + body, true},
		{"no reason", "HTTP/1.1 200\r\nContent-Length: 28\r\n\r\n" + body, true},
		{"empty value", cl("X-Empty:\r\n"), true},
		{"length padded", "HTTP/1.1 200 OK\r\nContent-Length:  28 \r\n\r\n" + body, true},
		{"two answers' bytes", cl("") + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\n" + body + "\r\n0\r\n\r\n", false},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 28\r\n\r\n" + body, false},
		{"204", "HTTP/1.1 204 No Content\r\n\r\n", false},
		{"304 with a length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 28\r\n\r\n", false},
		{"interim first", "HTTP/1.1 100 Continue\r\n\r\n" + cl(""), false},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 28\r\nContent-Length: 28\r\n\r\n" + body, false},
		{"two lengths differing", "HTTP/1.1 200 OK\r\nContent-Length: 28\r\nContent-Length: 3\r\n\r\n" + body, false},
		{"folded line", cl("X-Long: a\r\n b\r\n"), false},
		{"no length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body, false},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: 2a\r\n\r\n" + body, false},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n" + body, false},
		{"bad status", "HTTP/1.1 2x0 OK\r\nContent-Length: 28\r\n\r\n" + body, false},
		{"space in a name", cl("Bad Name: x\r\n"), false},
		{"connection list", cl("Connection: keep-alive, Upgrade\r\n"), false},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 28\n\n" + body, false},
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", false},
		{"head longer than a read", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", 5000) + "\r\nContent-Length: 28\r\n\r\n" + body, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var quick, full fasthttp.Response
			bq := bufio.NewReaderSize(strings.NewReader(c.answer), 4096)
			ok, err := readHeadQuick(&quick, bq)
			if err != nil {
				t.Fatalf("quick: %v", err)
			}
			if ok != c.quick {
				t.Fatalf("quick read it: %v, want %v", ok, c.quick)
			}
			if !ok {
				if n := min(len(c.answer), 4096); bq.Buffered() != n {
					t.Fatalf("declined, but %d of the %d bytes read are left", bq.Buffered(), n)
				}
				err = readHead(&quick, bq)
			}
			bf := bufio.NewReaderSize(strings.NewReader(c.answer), 4096)
			ferr := readHead(&full, bf)
			if (err == nil) != (ferr == nil) {
				t.Fatalf("errors: %v here, %v in full", err, ferr)
			}
			if ferr != nil {
				return
			}
			for _, x := range []struct {
				what      string
				got, want any
			}{
				{"status", quick.StatusCode(), full.StatusCode()},
				{"length", quick.Header.ContentLength(), full.Header.ContentLength()},
				{"close", quick.ConnectionClose(), full.ConnectionClose()},
				{"encoding", string(quick.Header.ContentEncoding()), string(full.Header.ContentEncoding())},
				{"retry-after", string(quick.Header.Peek("Retry-After")), string(full.Header.Peek("Retry-After"))},
				{"allow", string(quick.Header.Peek("Allow")), string(full.Header.Peek("Allow"))},
			} {
				if x.got != x.want {
					t.Errorf("%s: %v, full parse %v", x.what, x.got, x.want)
				}
			}
			var outQ, outF bytes.Buffer
			var lrQ, lrF io.LimitedReader
			gotBody, errQ := readBody(&quick, bq, &outQ, &lrQ)
			wantBody, errF := readBody(&full, bf, &outF, &lrF)
			if string(gotBody) != string(wantBody) || (errQ == nil) != (errF == nil) {
				t.Errorf("body %q (%v), full parse %q (%v)", gotBody, errQ, wantBody, errF)
			}
			if bq.Buffered() != bf.Buffered() {
				t.Errorf("%d bytes left, full parse %d", bq.Buffered(), bf.Buffered())
			}
		})
	}
}

// BenchmarkReadHead is a usual answer's head read into a fasthttp.Response:
// quick (catalog calls on the fast transport) and in full.
func BenchmarkReadHead(b *testing.B) {
	answer := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\nDate: Sun, 06 Dec 2026 23:51:53 GMT\r\n\r\n{}"
	for _, quick := range []bool{true, false} {
		b.Run(map[bool]string{true: "quick", false: "full"}[quick], func(b *testing.B) {
			var resp fasthttp.Response
			r := strings.NewReader(answer)
			br := bufio.NewReaderSize(r, 4096)
			for b.Loop() {
				r.Reset(answer)
				br.Reset(r)
				ok := false
				if quick {
					ok, _ = readHeadQuick(&resp, br)
				}
				if !ok {
					if err := readHead(&resp, br); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
