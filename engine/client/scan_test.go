package client

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzScanSkip holds the scanner's grammar to encoding/json's: a value it
// reads past to the end is valid JSON, and valid JSON of valid UTF-8 within
// its depth is read past.
func FuzzScanSkip(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,-2.5e+3,"x\"y\u00e9",true,false,null,{}],"b":{"c":[]}}`, ` [ ] `, `0`, `-0.0E-0`, `"\ud800"`,
		`01`, `1.`, `.5`, `-`, `1e`, `"\x"`, `"a` + "\x01" + `"`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `tru`, `nul`,
		`{"a":1}}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		"\"\xff\"", "\"\xe2\x82\"", `"€ and 𝄞"`, `"abcdefgh\"ijklmnop"`, `"abcdefghijklmnop\\"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := scanner{b: b}
		err := s.skip()
		took := err == nil && s.end()
		valid := json.Valid(b)
		if took && !valid {
			t.Fatalf("scanner read %q, which is not valid JSON", b)
		}
		if valid && !took && utf8.Valid(b) && err != errDeep {
			t.Fatalf("scanner refused valid JSON %q: %v", b, err)
		}
	})
}

// special8 stops at exactly the bytes the byte loop stops at.
func TestSpecial8(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			var w [8]byte
			for i := range w {
				w[i] = 'a'
			}
			w[pos] = byte(c)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(w[i])
			}
			if got := special8(x); got != !strSafe[c] {
				t.Fatalf("byte %#x at %d: special8 %v, strSafe %v", c, pos, got, strSafe[c])
			}
		}
	}
}

// The reference target's usual answers go the short way (a fall back to the
// full parse would hide a slower path behind equal results).
func TestShortReadingsTakeUsualAnswers(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pick Pick
		body string
	}{
		{PickTokens, `{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2ln","refresh_token":"R1","token_type":"Bearer","expires_in":900}`},
		{PickID, `{"id":12,"username":"sim_ab_u1_1","email":"sim_ab_u1_1@simulation.test","name":"Grace Backus","active":true,"roles":["user"]}`},
		{PickUser, "{\n  \"id\": \"7\",\n  \"username\": \"sim_ab_u1_1\",\n  \"bio\": \"Montr\\u00e9al, \\\"quoted\\\"\"\n}\n"},
	} {
		var r Result
		c.parse(&r, []byte(tc.body), answer{decode: true, pick: tc.pick}, "GET", "/x")
		if r.pick != tc.pick || r.JSON != nil || r.Err != nil {
			t.Errorf("%s: not read the short way (pick %v, JSON %v, err %v)", tc.body, r.pick, r.JSON, r.Err)
		}
	}
	if _, err := decodePage(userPage(20)); err != nil {
		t.Errorf("page of 20 users: %v", err)
	}
}
