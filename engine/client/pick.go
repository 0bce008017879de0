package client

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Pick says which values of a decoded answer (Call.Decode) the caller
// reads, so that only those are decoded: a login's answer decoded into
// map[string]any made some twenty objects — its user's fields, the token
// type — of which the VU keeps two strings.
type Pick uint8

const (
	PickAll    Pick = iota // the whole answer, into Result.JSON
	PickTokens             // the tokens of a login or refresh (Client.Tokens)
	PickID                 // the id of the object a create answered (Client.CreatedID)
	PickUser               // the username of the user object answered (Client.Username)
	numPicks
)

// picked is the value at one of a Pick's paths: its text as asString renders
// it (a string unquoted, a number's literal) and its kind; kind 0 when the
// path led nowhere or to anything else.
type picked struct {
	text string
	kind byte // as kind (scan.go) names it
}

// maxPicks bounds the paths of a Pick.
const maxPicks = 3

// pickPaths are the paths of each Pick under the profile, split at their
// dots; nil for a Pick whose paths the short reading cannot follow (the
// root, or an array index): its answers are decoded in full.
func (p *Profile) pickPaths() [numPicks][][]string {
	var out [numPicks][][]string
	out[PickTokens] = splitPaths(p.Token.Access, p.Token.Refresh, p.Token.ExpiresIn)
	out[PickID] = splitPaths(p.inObject(p.ID))
	out[PickUser] = splitPaths(p.inObject(p.userField("username")))
	return out
}

// inObject is the path of an object's field in a single-object answer.
func (p *Profile) inObject(field string) string {
	if p.Object == "" {
		return field
	}
	return p.Object + "." + field
}

// userField is the name of a user object's field under the profile's
// renaming.
func (p *Profile) userField(field string) string {
	if f, ok := p.fieldsOf("users")[field]; ok {
		return f
	}
	return field
}

// splitPaths splits the paths at their dots; nil when one of them is the
// root or goes through an array index.
func splitPaths(paths ...string) [][]string {
	out := make([][]string, 0, len(paths))
	for _, path := range paths {
		parts := strings.Split(path, ".")
		for _, part := range parts {
			if _, err := strconv.Atoi(part); err == nil || part == "" {
				return nil
			}
		}
		out = append(out, parts)
	}
	return out
}

// errPickUnsure sends an answer to the full parse, whose result is the
// reference: its text had invalid UTF-8 (both parsers replace it, maybe not
// alike) or trailing data.
var errPickUnsure = errors.New("answer left to the full parse")

// decodePick reads the values at paths of the JSON answer b into out (one
// per path) in one validating pass, skipping the rest. A repeated name's last
// value wins, as in encoding/json. An error (invalid JSON, or anything
// unusual): the caller parses the answer in full.
func decodePick(b []byte, paths [][]string, out *[maxPicks]picked) error {
	p := pagePool.Get().(*pageReader)
	defer p.release()
	p.s = scanner{b: b}
	if err := p.pickIn(paths, out, 0, 1<<len(paths)-1); err != nil {
		return err
	}
	if !p.s.end() {
		return errPickUnsure
	}
	return nil
}

// pickIn reads a value at depth whose position the active paths (a set of
// indexes into paths) share.
func (p *pageReader) pickIn(paths [][]string, out *[maxPicks]picked, depth int, active uint8) error {
	s := &p.s
	if active == 0 || s.peek() != '{' {
		return s.skip()
	}
	for more := s.open('}'); more; {
		name, err := p.name()
		if err != nil {
			return err
		}
		var leaf, inner uint8 // the paths that end at this member, and that go on in it
		for i, path := range paths {
			if active&(1<<i) == 0 || path[depth] != string(name) {
				continue
			}
			out[i] = picked{} // this value replaces an earlier one of the name
			if len(path) == depth+1 {
				leaf |= 1 << i
			} else {
				inner |= 1 << i
			}
		}
		if k := kind(s.peek()); leaf != 0 && (k == '"' || k == '0') {
			text, err := p.pickScalar(k)
			if err != nil {
				return err
			}
			for i := range paths {
				if leaf&(1<<i) != 0 {
					out[i] = picked{text, k}
				}
			}
		} else if err := p.pickIn(paths, out, depth+1, inner); err != nil {
			return err
		}
		if more, err = s.next('}'); err != nil {
			return err
		}
	}
	return nil
}

// pickScalar reads the string (unquoted) or number (its literal) at the
// scanner's place.
func (p *pageReader) pickScalar(k byte) (string, error) {
	var esc bool
	var err error
	if p.esc, esc, err = p.s.appendText(p.esc[:0], k); err != nil {
		return "", err
	}
	if esc && bytes.ContainsRune(p.esc, '\uFFFD') {
		// An escaped lone surrogate: the two parsers may not replace it alike.
		return "", errPickUnsure
	}
	return string(p.esc), nil
}

// scalar is the picked value as asString renders it.
func (v picked) scalar() (string, bool) {
	switch v.kind {
	case '"':
		return v.text, v.text != ""
	case '0':
		return v.text, true
	}
	return "", false
}

// pickedTokens are the tokens of an answer read with PickTokens, as Tokens
// reads them from the decoded answer.
func pickedTokens(v *[maxPicks]picked) (Tokens, bool) {
	var t Tokens
	if v[0].kind != '"' || v[0].text == "" {
		return t, false
	}
	t.Access = v[0].text
	if v[1].kind == '"' {
		t.Refresh = v[1].text
	}
	t.ExpiresIn = expiresIn(v[2].scalar())
	return t, true
}

// expiresIn reads a token lifetime in seconds (0: none or not a positive
// number).
func expiresIn(s string, ok bool) time.Duration {
	if !ok {
		return 0
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
		return time.Duration(f * float64(time.Second))
	}
	return 0
}

// Username is the username of the user object a single-object answer holds
// (Call.Decode set, Call.Pick PickUser or PickAll): the answer of a read of a
// user, an update of one, or of auth.me. "" when it holds none.
func (c *Client) Username(r *Result) string {
	if r.pick == PickUser {
		s, _ := r.picks[0].scalar()
		return s
	}
	obj, ok := c.Object(r)
	if !ok {
		return ""
	}
	s, _ := asString(obj[c.prof.userField("username")])
	return s
}

// CreatedID is the id of the object a create answered (Call.Decode set,
// Call.Pick PickID or PickAll).
func (c *Client) CreatedID(r *Result) (string, bool) {
	if r.pick == PickID {
		return r.picks[0].scalar()
	}
	obj, ok := c.Object(r)
	if !ok {
		return "", false
	}
	return c.ID(obj)
}
