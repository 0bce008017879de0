package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

func TestBodyEncoding(t *testing.T) {
	b := Body{{Name: "name", Value: "Zoë \"Q\" <x>\n\t\x01"}, {Name: "n", Value: 42}, {Name: "big", Value: int64(-7)},
		{Name: "ok", Value: true}, {Name: "perms", Value: []string{"a", "b\\c"}}, {Name: "empty", Value: []string{}}, {Name: "nil", Value: nil}}
	var buf bytes.Buffer
	b.encode(&buf, map[string]string{"name": "full_name"}, "payload")
	var got map[string]map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%s: %v", buf.String(), err)
	}
	p := got["payload"]
	if p["full_name"] != "Zoë \"Q\" <x>\n\t\x01" || p["n"] != 42.0 || p["big"] != -7.0 || p["ok"] != true || p["nil"] != nil {
		t.Errorf("decoded %v", p)
	}
	if perms := p["perms"].([]any); len(perms) != 2 || perms[1] != "b\\c" {
		t.Errorf("perms %v", p["perms"])
	}
	buf.Reset()
	Body{{Name: "bad", Value: "\xff"}}.encode(&buf, nil, "")
	if !json.Valid(buf.Bytes()) {
		t.Errorf("invalid UTF-8 gave invalid JSON: %q", buf.String())
	}
}

func TestProfileValidate(t *testing.T) {
	for _, tc := range []struct {
		p     Profile
		field string
	}{
		{Profile{BasePath: "v2"}, "base_path"},
		{Profile{Routes: map[string]string{"users.nope": "/x"}}, "routes.users.nope"},
		{Profile{Routes: map[string]string{"users.get": "/people"}}, "routes.users.get"},
		{Profile{Routes: map[string]string{"users.list": "people"}}, "routes.users.list"},
		{Profile{Login: LoginProfile{With: "phone"}}, "login.with"},
		{Profile{Token: TokenProfile{Scheme: "Bear er"}}, "token.scheme"},
	} {
		err := tc.p.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.p, err, tc.field)
		}
	}
	if err := (Profile{BasePath: "/v2", Routes: map[string]string{"users.get": "/people/{id}"}}).Validate(); err != nil {
		t.Error(err)
	}
	if !(Profile{}).IsZero() || (Profile{ID: "uid"}).IsZero() {
		t.Error("IsZero")
	}
}

func TestRoutesAndURLs(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1/", Profile: Profile{BasePath: "/v2/", Routes: map[string]string{"users.search": "/users/find"}}})
	if err != nil {
		t.Fatal(err)
	}
	get := catalog.MustLookup(catalog.UserRolesAssign)
	if got := c.Route(get); got != "/v2/users/{userId}/roles/{roleId}" {
		t.Errorf("route %q", got)
	}
	if got := c.Route(catalog.MustLookup(catalog.UsersSearch)); got != "/v2/users/find" {
		t.Errorf("route %q", got)
	}
	call := &Call{Endpoint: get, Params: [2]string{"12", "3"}}
	if got := c.url(call); got != "http://127.0.0.1:1/v2/users/12/roles/3" {
		t.Errorf("url %q", got)
	}
	call = &Call{Endpoint: catalog.MustLookup(catalog.UsersByEmail), Params: [2]string{"a b/c@simulation.test"}, Query: "x=1"}
	if got := c.url(call); got != "http://127.0.0.1:1/v2/users/email/a%20b%2Fc@simulation.test?x=1" {
		t.Errorf("url %q", got)
	}
	ref, _ := New(Options{BaseURL: "http://h:1"})
	for _, ep := range catalog.All() {
		if ref.Route(&ep) != ep.Route {
			t.Errorf("reference route of %s: %q", ep.ID, ref.Route(&ep))
		}
	}
	for _, bad := range []string{"", "localhost:1", "ftp://h", "http://"} {
		if _, err := New(Options{BaseURL: bad}); err == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
}

func TestDoAgainstServer(t *testing.T) {
	var seen http.Header
	var seenBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		seenBody, _ = io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/v2/auth/login":
			w.Write([]byte(`{"data":{"token":"T1","refresh":"R1","ttl":900}}`))
		case "/v2/users":
			w.Write([]byte(`{"data":{"items":[{"uid":7,"username":"u7"},{"uid":"8","username":"u8"}]}}`))
		case "/v2/users/7":
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(429)
		case "/v2/users/8":
			w.Write([]byte(`{not json`))
		case "/v2/users/9":
			time.Sleep(200 * time.Millisecond)
		}
	}))
	defer srv.Close()
	prof := Profile{BasePath: "/v2", Login: LoginProfile{With: "email", Field: "user"}, Object: "data", ID: "uid", Items: "data.items",
		Token: TokenProfile{Access: "data.token", Refresh: "data.refresh", ExpiresIn: "data.ttl", Header: "X-Auth-Token", Scheme: "-"}}
	c, err := New(Options{BaseURL: srv.URL, Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res := c.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.AuthLogin), Decode: true, Body: Body{{Name: "user", Value: "a@b.c"}}})
	tok, ok := c.Tokens(&res)
	if res.Status != 200 || !ok || tok.Access != "T1" || tok.Refresh != "R1" || tok.ExpiresIn != 900*time.Second {
		t.Fatalf("login: %+v %+v", res, tok)
	}
	if string(seenBody) != `{"user":"a@b.c"}` || seen.Get("Content-Type") != "application/json" {
		t.Errorf("sent %s %v", seenBody, seen)
	}
	res = c.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersList), Token: "T1", Decode: true})
	items := c.Items(&res)
	if len(items) != 2 || seen.Get("X-Auth-Token") != "T1" {
		t.Fatalf("items %v header %v", items, seen)
	}
	if id, _ := c.ID(items[0]); id != "7" {
		t.Errorf("numeric id %q", id)
	}
	if id, _ := c.ID(items[1]); id != "8" || c.Str(catalog.MustLookup(catalog.UsersList), items[1], "username") != "u8" {
		t.Errorf("string id %q", id)
	}
	res = c.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"7"}})
	if res.Status != 429 || res.RetryAfter != 3*time.Second || res.ErrKind != "" {
		t.Errorf("429: %+v", res)
	}
	res = c.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"8"}, Decode: true})
	if res.Status != 200 || res.ErrKind != KindProtocol {
		t.Errorf("bad JSON: %+v", res)
	}
	short, _ := New(Options{BaseURL: srv.URL, Profile: prof, Policy: FixedTimeout(50 * time.Millisecond)})
	res = short.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"9"}})
	if res.ErrKind != KindTimeout || res.Status != 0 {
		t.Errorf("timeout: %+v", res)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	res = c.Do(cctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{"9"}})
	if res.ErrKind != KindCanceled {
		t.Errorf("canceled: %+v", res)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	dc, _ := New(Options{BaseURL: dead})
	res = dc.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersList)})
	if res.ErrKind != KindConnection || res.Err == nil {
		t.Errorf("refused: %+v", res)
	}
	open := &refusing{}
	oc, _ := New(Options{BaseURL: srv.URL, Policy: open})
	res = oc.Do(ctx, &Call{Endpoint: catalog.MustLookup(catalog.UsersList)})
	if res.ErrKind != KindCircuitOpen || open.sent {
		t.Errorf("circuit open: %+v", res)
	}
	if !strings.Contains(c.BaseURL(), "127.0.0.1") {
		t.Error(c.BaseURL())
	}
}

// refusing is a Policy with an open circuit.
type refusing struct{ sent bool }

func (r *refusing) Admit(context.Context, *Attempt) (time.Duration, error) { return 0, ErrCircuitOpen }
func (r *refusing) Done(*Attempt, *Result)                                 { r.sent = true }

// TestLongAnswers: an answer longer than the limit is not parsed when asked
// to be (a protocol error with its status), and is drained, not kept, when
// not: the connection serves the next request either way.
func TestLongAnswers(t *testing.T) {
	chunk := bytes.Repeat([]byte(`{"data":[`), 1<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sized") != "" {
			w.Header().Set("Content-Length", "4194304")
		}
		for n := 0; n < 4<<20; n += len(chunk) {
			w.Write(chunk[:min(len(chunk), 4<<20-n)])
		}
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ep := catalog.MustLookup(catalog.UsersList)
	for _, q := range []string{"", "sized=1"} {
		res := c.Do(context.Background(), &Call{Endpoint: ep, Query: q, Decode: true})
		if res.Status != 200 || res.ErrKind != KindProtocol || res.JSON != nil || !strings.Contains(fmt.Sprint(res.Err), "not parsed") {
			t.Errorf("%q parsed: status %d kind %q err %v", q, res.Status, res.ErrKind, res.Err)
		}
		res = c.Do(context.Background(), &Call{Endpoint: ep, Query: q})
		if res.Status != 200 || res.ErrKind != "" {
			t.Errorf("%q drained: status %d kind %q err %v", q, res.Status, res.ErrKind, res.Err)
		}
	}
}
