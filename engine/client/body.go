package client

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// Body is a JSON object sent with a request, fields in order. Encoding it
// directly (rather than through encoding/json and a map) keeps the hot path
// nearly free of allocations, and lets the API profile rename fields.
type Body []Field

// Field is one member of a Body. Value is a string, int, int64, bool or []string.
type Field struct {
	Name  string
	Value any
}

func (b Body) encode(buf *bytes.Buffer, rename map[string]string, envelope string) {
	if envelope != "" {
		buf.WriteString(`{`)
		writeString(buf, envelope)
		buf.WriteByte(':')
	}
	buf.WriteByte('{')
	for i, f := range b {
		if i > 0 {
			buf.WriteByte(',')
		}
		name := f.Name
		if r, ok := rename[name]; ok {
			name = r
		}
		writeString(buf, name)
		buf.WriteByte(':')
		writeValue(buf, f.Value)
	}
	buf.WriteByte('}')
	if envelope != "" {
		buf.WriteByte('}')
	}
}

func writeValue(buf *bytes.Buffer, v any) {
	var tmp [24]byte
	switch x := v.(type) {
	case string:
		writeString(buf, x)
	case int:
		buf.Write(strconv.AppendInt(tmp[:0], int64(x), 10))
	case int64:
		buf.Write(strconv.AppendInt(tmp[:0], x, 10))
	case bool:
		buf.Write(strconv.AppendBool(tmp[:0], x))
	case []string:
		buf.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, s)
		}
		buf.WriteByte(']')
	default:
		buf.WriteString("null")
	}
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		// Copy the run of bytes that need no escaping in one go.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] != '"' && s[j] != '\\' && s[j] < utf8.RuneSelf {
			j++
		}
		if j > i {
			buf.WriteString(s[i:j])
			i = j
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(`\ufffd`)
		} else {
			buf.WriteString(s[i : i+size])
		}
		i += size
	}
	buf.WriteByte('"')
}
