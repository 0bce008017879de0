package client

import (
	"errors"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
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
	for _, res := range []string{"", "users", "roles", "permissions"} {
		rename := p.Fields
		if res != "" {
			rename = p.ResourceFields[res]
		}
		for _, f := range []string{"username", "email", "name"} {
			if r, ok := rename[f]; ok && r != f {
				return false
			}
		}
	}
	return true
}

// decodePage parses a reference-shaped page answer ({"data": [{...}, ...]})
// into entries in one validating pass (scanner), copying out only the four
// fields of each record and skipping the rest: decoding into map[string]any
// built ~12 objects per listed user, and encoding/json's reflection-driven
// struct decoding was not much cheaper — together most of the CPU of parsing
// the answers VUs read. The kept texts go end to end into one buffer that
// becomes a single string the entries slice: two allocations per page. Any
// other shape, and anything unusual (invalid JSON, invalid UTF-8), returns an
// error: the caller then parses the answer in full with encoding/json, whose
// result is the reference (FuzzDecodePage).
func decodePage(b []byte) ([]Entry, error) {
	p := pagePool.Get().(*pageReader)
	defer p.release()
	p.s = scanner{b: b}
	return p.page()
}

// pageReader is decodePage's (and decodePick's) working memory, reused
// across answers.
type pageReader struct {
	s    scanner
	buf  []byte   // the kept texts, end to end
	recs []record // one per record of the page
	esc  []byte   // the last member name that had escapes, unquoted
}

// record locates the ID, Username, Email and Name of one entry in buf.
type record [4]struct{ off, end int }

var pagePool = sync.Pool{New: func() any { return &pageReader{} }}

func (p *pageReader) release() {
	p.s = scanner{} // drop the answer
	if cap(p.buf) > 64<<10 || cap(p.recs) > 4096 {
		p.buf, p.recs = nil, nil // do not keep a rare large page's memory
	}
	p.buf, p.recs = p.buf[:0], p.recs[:0]
	pagePool.Put(p)
}

func (p *pageReader) page() ([]Entry, error) {
	s := &p.s
	if s.peek() != '{' {
		return nil, errNotReference
	}
	found := false // the last "data" of the answer is a list of records
	for more := s.open('}'); more; {
		name, err := p.name()
		if err != nil {
			return nil, err
		}
		if string(name) == "data" {
			found, err = p.records()
		} else {
			err = s.skip()
		}
		if err != nil {
			return nil, err
		}
		if more, err = s.next('}'); err != nil {
			return nil, err
		}
	}
	if !s.end() {
		return nil, errors.New("data after the answer's JSON value")
	}
	if !found {
		return nil, errNotReference
	}
	all := string(p.buf)
	out := make([]Entry, len(p.recs))
	for i, r := range p.recs {
		out[i] = Entry{ID: all[r[0].off:r[0].end], Username: all[r[1].off:r[1].end],
			Email: all[r[2].off:r[2].end], Name: all[r[3].off:r[3].end]}
	}
	return out, nil
}

// records reads the value of "data" (a repeated name: the last one wins, as in
// encoding/json), reporting whether it is a list of records.
func (p *pageReader) records() (bool, error) {
	s := &p.s
	p.buf, p.recs = p.buf[:0], p.recs[:0]
	if s.peek() != '[' {
		return false, s.skip()
	}
	records := true
	for more := s.open(']'); more; {
		if s.peek() != '{' {
			records = false
			if err := s.skip(); err != nil {
				return false, err
			}
		} else {
			var r record
			for more := s.open('}'); more; {
				name, err := p.name()
				if err != nil {
					return false, err
				}
				if err := p.field(&r, name); err != nil {
					return false, err
				}
				if more, err = s.next('}'); err != nil {
					return false, err
				}
			}
			p.recs = append(p.recs, r)
		}
		var err error
		if more, err = s.next(']'); err != nil {
			return false, err
		}
	}
	return records, nil
}

// name reads a member's name and its colon, and returns the name unquoted
// (valid until the next read).
func (p *pageReader) name() ([]byte, error) {
	v, esc, err := p.s.member()
	if err != nil {
		return nil, err
	}
	if !esc {
		return v[1 : len(v)-1], nil
	}
	p.esc, err = jsontext.AppendUnquote(p.esc[:0], v)
	return p.esc, err
}

// field reads the value of a record's member: one of the four kept fields as
// asString renders it (a string, or a number's literal; "" for anything
// else), or skipped.
func (p *pageReader) field(r *record, name []byte) error {
	k := -1
	switch string(name) {
	case "id":
		k = 0
	case "username":
		k = 1
	case "email":
		k = 2
	case "name":
		k = 3
	}
	s := &p.s
	kind := kind(s.peek())
	if k < 0 || kind != '"' && kind != '0' {
		if k >= 0 {
			r[k].off, r[k].end = 0, 0 // a later null replaces an earlier value
		}
		return s.skip()
	}
	start := len(p.buf)
	var err error
	if p.buf, _, err = s.appendText(p.buf, kind); err != nil {
		return err
	}
	r[k].off, r[k].end = start, len(p.buf)
	return nil
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
		out = append(out, Entry{ID: id, Username: str(r.fields, obj, "username"), Email: str(r.fields, obj, "email"), Name: str(r.fields, obj, "name")})
	}
	return out
}
