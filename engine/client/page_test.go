package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// userPage is a page of n users as the reference target answers it.
func userPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"username":"sim_oz7usrke_u%d_1","email":"sim_oz7usrke_u%d_1@simulation.test","name":"Grace Backus","active":true,"roles":["user"],"created_at":"2026-11-24T10:03:48.983Z","updated_at":"2026-11-24T10:03:58.951Z"}`, i+1, i, i)
	}
	fmt.Fprintf(&b, `],"page":1,"per_page":%d,"total":%d}`, n, 4*n)
	return b.Bytes()
}

// genericEntries is what the full parse (map[string]any) reads of a page.
func genericEntries(t testing.TB, c *Client, body []byte) []Entry {
	t.Helper()
	var r Result
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r.JSON); err != nil {
		t.Fatal(err)
	}
	return c.Entries(&r)
}

// The short parse of a page reads exactly what the full parse reads.
func TestDecodePageMatchesFullParse(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"users":          string(userPage(3)),
		"empty":          `{"data":[],"total":0}`,
		"string ids":     `{"data":[{"id":"u-1","username":"a","email":"a@x.test","name":"sim_r"}]}`,
		"escapes":        `{"data":[{"id":7,"username":"a\"b","email":"\u00e9@x.test","name":"Montr\u00e9al \\ x"}]}`,
		"odd values":     `{"data":[{"id":null,"username":12,"email":["x"],"name":{"a":1}},{"id":true,"username":null}]}`,
		"big id":         `{"data":[{"id":12345678901234567890,"username":"a","email":"b","name":"c"}]}`,
		"negative float": `{"data":[{"id":-1.5e3,"username":"a"}]}`,
		"renamed case":   `{"data":[{"ID":3,"username":"a"}]}`,
		"nested, spaces": " { \"total\" : [1, {\"data\": 2}] , \"data\" : [ { \"x\" : {\"id\": 9, \"s\": \"}]\\\"\"} , \"id\" : 4 , \"name\": \"n\" } , {} ] } ",
		"escaped key":    `{"d\u0061ta":[{"n\u0061me":"x","id":1}]}`,
		"last wins":      `{"data":[{"id":1,"id":2}],"data":[{"id":3}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := decodePage([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			want := genericEntries(t, c, []byte(body))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("short parse %+v, full parse %+v", got, want)
			}
		})
	}
	// Shapes the short parse does not take: the full parse handles them.
	for _, body := range []string{`{"items":[]}`, `{"data":null}`, `{"data":{"id":1}}`, `{"data":[1,2]}`, `[1]`, `{"data":[{"id":1}`} {
		if _, err := decodePage([]byte(body)); err == nil {
			t.Errorf("%s: short parse took it", body)
		}
	}
}

// A page answer goes the short way with the reference profile, and the full
// way (same entries) when the profile moves the list.
func TestPageCallAgainstServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("shape") == "items" {
			w.Write([]byte(`{"items":[{"id":5,"username":"u","email":"e@x.test","name":"n"}]}`))
			return
		}
		w.Write([]byte(`{"data":[{"id":5,"username":"u","email":"e@x.test","name":"n"}]}`))
	}))
	defer srv.Close()
	want := []Entry{{ID: "5", Username: "u", Email: "e@x.test", Name: "n"}}
	for _, tc := range []struct {
		prof  Profile
		query string
		short bool
	}{{Profile{}, "", true}, {Profile{Items: "items"}, "shape=items", false}} {
		c, err := New(Options{BaseURL: srv.URL, Profile: tc.prof})
		if err != nil {
			t.Fatal(err)
		}
		res := c.Do(context.Background(), &Call{Endpoint: catalog.MustLookup(catalog.UsersList), Query: tc.query, Decode: true, Page: true})
		if res.Status != 200 || res.ErrKind != "" {
			t.Fatalf("%+v", res)
		}
		if short := res.Entries != nil && res.JSON == nil; short != tc.short {
			t.Errorf("profile %+v: short parse %v, want %v", tc.prof, short, tc.short)
		}
		if got := c.Entries(&res); !reflect.DeepEqual(got, want) {
			t.Errorf("profile %+v: entries %+v, want %+v", tc.prof, got, want)
		}
		c.Close()
	}
}

// BenchmarkPageDecode parses a page of 20 users as the reference target
// answers it: the short way (into Entry records) against the full parse into
// map[string]any the VUs used before.
func BenchmarkPageDecode(b *testing.B) {
	body := userPage(20)
	c, err := New(Options{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("entries", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if e, err := decodePage(body); err != nil || len(e) != 20 {
				b.Fatal(err)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if e := genericEntries(b, c, body); len(e) != 20 {
				b.Fatal(len(e))
			}
		}
	})
}

// FuzzDecodePage: whenever the short parse takes an answer, it reads what the
// full parse reads.
func FuzzDecodePage(f *testing.F) {
	f.Add(userPage(2))
	for _, s := range []string{`{"data":[]}`, `{"data":[{"id":"a","name":"x\"y"}],"n":[{}]}`, `{"data":[{"id":1e3,"email":null}]}`, `[]`, `{"data":[1]}`} {
		f.Add([]byte(s))
	}
	c, err := New(Options{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodePage(body)
		if err != nil {
			return
		}
		var r Result
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&r.JSON); err != nil {
			t.Fatalf("short parse took %q, full parse failed: %v", body, err)
		}
		if want := c.Entries(&r); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: short parse %+v, full parse %+v", body, got, want)
		}
	})
}
