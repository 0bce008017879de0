package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/transport"
)

// TestAnswersThatFail: a 3xx answer is not followed and is a failure of its
// own kind naming the status and the Location; an answer in a
// Content-Encoding the client did not ask for is a protocol error naming the
// encoding. Both transports.
func TestAnswersThatFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("a") {
		case "moved":
			w.Header().Set("Location", "https://elsewhere.example/api/v1/users")
			w.WriteHeader(http.StatusMovedPermanently)
		case "br":
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "\x0b\x02\x80{}\x03")
		default:
			_, _ = io.WriteString(w, `{"data":[]}`)
		}
	}))
	defer srv.Close()
	ep := catalog.MustLookup(catalog.UsersList)
	for _, client := range []string{transport.ClientFast, transport.ClientStd} {
		c, err := New(Options{BaseURL: srv.URL, Network: transport.Settings{Client: client}})
		if err != nil {
			t.Fatal(err)
		}
		for _, decode := range []bool{true, false} {
			res := c.Do(context.Background(), &Call{Endpoint: ep, Query: "a=moved", Decode: decode})
			if res.Status != 301 || res.ErrKind != KindRedirect || !strings.Contains(fmt.Sprint(res.Err), "301 Moved Permanently to https://elsewhere.example/api/v1/users") {
				t.Errorf("%s decode=%v: a 301: status %d kind %q err %v; want kind %q naming the Location", client, decode, res.Status, res.ErrKind, res.Err, KindRedirect)
			}
		}
		res := c.Do(context.Background(), &Call{Endpoint: ep, Query: "a=br", Decode: true})
		if res.Status != 200 || res.ErrKind != KindProtocol || !strings.Contains(fmt.Sprint(res.Err), `Content-Encoding "br"`) {
			t.Errorf("%s: a br answer: status %d kind %q err %v; want a protocol error naming br", client, res.Status, res.ErrKind, res.Err)
		}
		if res := c.Do(context.Background(), &Call{Endpoint: ep, Decode: true}); res.Err != nil || res.Status != 200 {
			t.Errorf("%s: a plain answer: %+v", client, res)
		}
		c.Close()
	}
}
