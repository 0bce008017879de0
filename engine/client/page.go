package client

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// Entry is what a VU keeps of one record of a page answer (a user, role or
// permission): enough to look at it next. Empty fields were absent or not text.
type Entry struct {
	ID       string
	Username string
	Email    string
	Name     string
}

var errNotReference = errors.New("not a reference page")

// referencePage reports whether page answers have the reference shape under
// the profile, so decodePage may be used.
func (p *Profile) referencePage() bool {
	if p.Items != "data" || p.ID != "id" {
		return false
	}
	for _, f := range []string{"username", "email", "name"} {
		if r, ok := p.Fields[f]; ok && r != f {
			return false
		}
	}
	return true
}

// decodePage parses a reference-shaped page answer ({"data": [{...}, ...]})
// into entries. It checks the answer is valid JSON, then walks it once, copying
// out only the four fields of each record and skipping the rest: decoding into
// map[string]any built ~12 objects per listed user, and encoding/json's
// reflection-driven struct decoding was not much cheaper — together most of
// the CPU of parsing the answers VUs read. Other shapes (no list under "data",
// records that are not objects) return errNotReference: the caller parses
// them in full.
func decodePage(b []byte) ([]Entry, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid JSON")
	}
	s := walker{b: b}
	s.ws()
	if !s.at('{') {
		return nil, errNotReference
	}
	var out []Entry
	s.members(func(key []byte) {
		if string(key) != "data" {
			s.skip()
			return
		}
		out = nil
		if !s.at('[') {
			s.skip()
			return
		}
		out = []Entry{}
		s.i++
		for s.ws(); !s.at(']'); s.ws() {
			if !s.at('{') {
				out = nil // not a list of records
				s.i = len(s.b)
				return
			}
			var e Entry
			s.members(func(field []byte) {
				switch string(field) {
				case "id":
					e.ID = s.text()
				case "username":
					e.Username = s.text()
				case "email":
					e.Email = s.text()
				case "name":
					e.Name = s.text()
				default:
					s.skip()
				}
			})
			out = append(out, e)
			if s.ws(); s.at(',') {
				s.i++
			}
		}
		s.i++
	})
	if out == nil {
		return nil, errNotReference
	}
	return out, nil
}

// walker reads JSON already checked by json.Valid, so it can skip most
// checks: it never reads past the end of valid input.
type walker struct {
	b []byte
	i int
}

func (s *walker) at(c byte) bool { return s.i < len(s.b) && s.b[s.i] == c }

func (s *walker) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// members walks the object at s.i, calling f with each key and s.i at its
// value; f must consume the value. It leaves s.i after the closing brace.
func (s *walker) members(f func(key []byte)) {
	s.i++ // {
	for s.ws(); s.i < len(s.b) && !s.at('}'); s.ws() {
		key := s.raw()
		s.ws()
		s.i++ // :
		s.ws()
		f(key)
		if s.ws(); s.at(',') {
			s.i++
		}
	}
	s.i++ // }
}

// str reads the string at s.i.
func (s *walker) str() string { return string(s.raw()) }

// raw reads the string at s.i: its text inside the answer when it needs no
// unescaping (no copy), else the unescaped text.
func (s *walker) raw() []byte {
	start := s.i
	escaped, multibyte := false, false
	for s.i++; s.i < len(s.b) && s.b[s.i] != '"'; s.i++ {
		switch {
		case s.b[s.i] == '\\':
			escaped = true
			s.i++
		case s.b[s.i] >= utf8.RuneSelf:
			multibyte = true
		}
	}
	s.i++
	raw := s.b[start:min(s.i, len(s.b))]
	// encoding/json turns invalid UTF-8 into U+FFFD: let it, when in doubt.
	if !escaped && (!multibyte || utf8.Valid(raw)) {
		return raw[1 : len(raw)-1]
	}
	var out string
	_ = json.Unmarshal(raw, &out) // valid JSON: cannot fail
	return []byte(out)
}

// text reads a value as asString renders it: a string, or a number's literal;
// "" for anything else.
func (s *walker) text() string {
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) && strings.IndexByte("+-.eE0123456789", s.b[s.i]) >= 0 {
			s.i++
		}
		return string(s.b[start:s.i])
	}
	s.skip()
	return ""
}

// skip passes over the value at s.i.
func (s *walker) skip() {
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.str()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return
			}
			if depth < 0 { // the end of the enclosing value: not ours
				return
			}
		case ',':
			if depth == 0 {
				return
			}
		}
		s.i++
	}
}

// Entries returns the records of a page answer (Call.Decode and Call.Page set).
func (c *Client) Entries(r *Result) []Entry {
	if r.Entries != nil || r.JSON == nil {
		return r.Entries
	}
	items := c.Items(r)
	out := make([]Entry, 0, len(items))
	for _, obj := range items {
		id, _ := c.ID(obj)
		out = append(out, Entry{ID: id, Username: c.Str(obj, "username"), Email: c.Str(obj, "email"), Name: c.Str(obj, "name")})
	}
	return out
}
