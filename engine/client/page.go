package client

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Entry is what a VU keeps of one record of a page answer (a user, role or
// permission): enough to look at it next. Empty fields were absent or not text.
type Entry struct {
	ID       string
	Username string
	Email    string
	Name     string
}

// refPage is a page answer of the reference API shape, decoded without maps:
// a list of 20 users decoded into map[string]any built ~12 objects per user,
// most of the CPU of parsing the answers VUs read.
type refPage struct {
	Data []refEntry `json:"data"`
}

type refEntry struct {
	ID       flexText `json:"id"`
	Username flexText `json:"username"`
	Email    flexText `json:"email"`
	Name     flexText `json:"name"`
}

// flexText keeps a JSON string or number as text and ignores any other value,
// as asString does for the full parse (Client.ID, Client.Str).
type flexText string

func (f *flexText) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
	case b[0] == '"':
		// Most values need no unescaping: take the text between the quotes.
		if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 {
			*f = flexText(inner)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexText(s)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9': // a number, validated by the decoder
		*f = flexText(b)
	}
	return nil
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

// decodePage parses a reference-shaped page answer into entries.
func decodePage(b []byte) ([]Entry, error) {
	var p refPage
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	if p.Data == nil {
		// "data" absent or not a list: leave it to the generic path.
		return nil, errNotReference
	}
	out := make([]Entry, len(p.Data))
	for i, e := range p.Data {
		out[i] = Entry{ID: string(e.ID), Username: string(e.Username), Email: string(e.Email), Name: string(e.Name)}
	}
	return out, nil
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
