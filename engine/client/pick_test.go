package client

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzDecodePick checks the short reading of tokens, created ids and
// usernames against the full parse, under the reference profile, one that
// nests them and one that renames the username: where
// the short reading takes an answer, it reads what the full parse reads.
func FuzzDecodePick(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"a.b.c","refresh_token":"r1","token_type":"Bearer","expires_in":900,"user":{"id":7,"username":"u"}}`,
		`{"access_token":"a","access_token":"b","refresh_token":null,"expires_in":"12.5"}`,
		`{"access_token":"","refresh_token":"r"}`, `{"access_token":7}`, `{"id":"x1","id":{"id":2}}`, `{"id":12}`,
		`{"data":{"tokens":{"access":"t","refresh":"r","ttl":3}},"data":{"tokens":{"access":"u"}}}`,
		`{"data":{"id":"z","name":"n"},"data":{"uid":1}}`, `{"data":{"id":1e3}}`, `[{"id":1}]`, `{"id":"a\u00e9\"b"}`,
		`{"id":1} {"id":2}`, `{"id":"\xff"}`, `{"data":[{"id":1}]}`,
		`{"id":7,"username":"sim_abc12345_u1_1","email":"e@x"}`, `{"data":{"id":7,"username":"carol","login":"c2"}}`,
		`{"username":12,"username":"b"}`, `{"username":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	var clients []*Client
	for _, p := range []Profile{{}, {Object: "data", ID: "id", Token: TokenProfile{Access: "data.tokens.access", Refresh: "data.tokens.refresh", ExpiresIn: "data.tokens.ttl"}},
		{Object: "data", ResourceFields: map[string]map[string]string{"users": {"username": "login"}}}} {
		c, err := New(Options{BaseURL: "http://127.0.0.1:1", Profile: p})
		if err != nil {
			f.Fatal(err)
		}
		clients = append(clients, c)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var full Result
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		fullErr := dec.Decode(&full.JSON)
		for _, c := range clients {
			for _, k := range []Pick{PickTokens, PickID, PickUser} {
				var short Result
				if decodePick(body, c.picks[k], &short.picks) != nil {
					continue
				}
				if fullErr != nil {
					t.Fatalf("short reading took %q, full parse failed: %v", body, fullErr)
				}
				short.pick = k
				if k == PickTokens {
					st, sok := c.Tokens(&short)
					ft, fok := c.Tokens(&full)
					if st != ft || sok != fok {
						t.Fatalf("%q: tokens %+v %v, full parse %+v %v", body, st, sok, ft, fok)
					}
					continue
				}
				if k == PickUser {
					if su, fu := c.Username(&short), c.Username(&full); su != fu {
						t.Fatalf("%q: username %q, full parse %q", body, su, fu)
					}
					continue
				}
				sid, sok := c.CreatedID(&short)
				fid, fok := c.CreatedID(&full)
				if sid != fid || sok != fok {
					t.Fatalf("%q: id %q %v, full parse %q %v", body, sid, sok, fid, fok)
				}
			}
		}
	})
}

// TestPickPathsFallBack leaves profiles whose paths go through an array or
// are the root to the full parse.
func TestPickPathsFallBack(t *testing.T) {
	p := Profile{Object: "items.0", Token: TokenProfile{Access: "tokens.0"}}
	p = p.withDefaults()
	if got := p.pickPaths(); got[PickID] != nil || got[PickTokens] != nil {
		t.Fatalf("paths through arrays: %q", got)
	}
	p = Profile{}.withDefaults()
	got := p.pickPaths()
	if len(got[PickTokens]) != 3 || got[PickTokens][0][0] != "access_token" || len(got[PickID]) != 1 || got[PickID][0][0] != "id" ||
		len(got[PickUser]) != 1 || got[PickUser][0][0] != "username" {
		t.Fatalf("reference profile: %q", got)
	}
}

// BenchmarkLoginDecode reads a reference login answer: its tokens picked
// (what a VU's login does) and the whole answer decoded into a map (before).
func BenchmarkLoginDecode(b *testing.B) {
	body := []byte(`{"access_token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.` + strings.Repeat("eyJzdWIiOiI0MiIsInVzZXJuYW1lIjoic2ltIn0", 4) +
		`.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln","refresh_token":"` + strings.Repeat("R", 52) + `","token_type":"Bearer","expires_in":900}`)
	c, err := New(Options{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	for _, pick := range []Pick{PickTokens, PickAll} {
		b.Run(map[Pick]string{PickTokens: "pick", PickAll: "map"}[pick], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var r Result
				c.parse(&r, body, answer{decode: true, pick: pick}, "POST", "/api/v1/auth/login")
				if t, ok := c.Tokens(&r); !ok || t.ExpiresIn != 900*time.Second {
					b.Fatal(t, ok)
				}
			}
		})
	}
}
