package client

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// scanner reads the JSON of an answer in place for the short readings
// (decodePage, decodePick): one forward pass that checks the grammar of
// everything it passes over and copies nothing it is not asked for.
// jsontext's decoder did the same work through a general tokenizer and its
// state machine; a profile of the journey put that at about 7% of the
// engine's CPU. Anything this reader is not sure to read as encoding/json
// does — invalid UTF-8, nesting deeper than maxSkipDepth, a value it cannot
// place — is an error, and the caller parses the answer in full
// (FuzzDecodePage and FuzzDecodePick hold the two to the same result).
type scanner struct {
	b []byte
	i int
}

var (
	errSyntax = errors.New("answer is not valid JSON")
	errDeep   = errors.New("answer nests deeper than the short reading follows")
	errUTF8   = errors.New("answer has invalid UTF-8")
)

// maxSkipDepth bounds the nesting a skipped value may have (a stack of one
// bit a level); deeper answers go to the full parse.
const maxSkipDepth = 64

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after whitespace, 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// kind is the value kind that c starts, as jsontext names kinds: '"' a
// string, '0' a number, '{' '[' 't' 'f' 'n'; 0 for none.
func kind(c byte) byte {
	switch {
	case c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n':
		return c
	case c == '-' || c >= '0' && c <= '9':
		return '0'
	}
	return 0
}

// strSafe marks the bytes a string's fast loop passes over: not '"', not
// '\\', not a control character, ASCII.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string at s.i (its opening quote) and returns it with its
// quotes, and whether it holds escapes.
func (s *scanner) str() (raw []byte, esc bool, err error) {
	b, start := s.b, s.i
	i := start + 1
	for {
		for i+8 <= len(b) && !special8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && strSafe[b[i]] {
			i++
		}
		if i >= len(b) {
			return nil, false, errSyntax
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return b[start : i+1], esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				return nil, false, errSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !hex4(b[i+2:i+6]) {
					return nil, false, errSyntax
				}
				i += 6
			default:
				return nil, false, errSyntax
			}
		case c < 0x20:
			return nil, false, errSyntax
		default: // c >= 0x80: one rune, which must be valid
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, false, errUTF8
			}
			i += n
		}
	}
}

// special8 reports whether any of the 8 bytes in x is one a string's fast
// loop stops at (not strSafe): a byte below 0x20, '"', '\\' or 0x80 and
// over — the "has a zero byte" and "has a byte less than" word tricks.
func special8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs|x)&highs != 0
}

func hex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads the number at s.i and returns its literal.
func (s *scanner) number() ([]byte, error) {
	b, start := s.b, s.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return nil, errSyntax
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return nil, errSyntax
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return nil, errSyntax
		}
		i = j
	}
	s.i = i
	return b[start:i], nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// appendText appends the text of the string (unquoted) or number (its
// literal) at s.i, of kind k ('"' or '0'), to dst, and reports whether the
// string had escapes (unquoted by jsontext).
func (s *scanner) appendText(dst []byte, k byte) ([]byte, bool, error) {
	if k == '0' {
		v, err := s.number()
		return append(dst, v...), false, err
	}
	v, esc, err := s.str()
	if err != nil {
		return dst, false, err
	}
	if !esc {
		return append(dst, v[1:len(v)-1]...), false, nil
	}
	dst, err = jsontext.AppendUnquote(dst, v)
	return dst, true, err
}

// literal reads true, false or null at s.i.
func (s *scanner) literal() error {
	var want string
	switch s.b[s.i] {
	case 't':
		want = "true"
	case 'f':
		want = "false"
	default:
		want = "null"
	}
	if len(s.b)-s.i < len(want) || string(s.b[s.i:s.i+len(want)]) != want {
		return errSyntax
	}
	s.i += len(want)
	return nil
}

// scalar reads a string, number or literal at s.i.
func (s *scanner) scalar() error {
	switch kind(s.peek()) {
	case '"':
		_, _, err := s.str()
		return err
	case '0':
		_, err := s.number()
		return err
	case 't', 'f', 'n':
		return s.literal()
	}
	return errSyntax
}

// skip reads past the next value, checking its grammar: containers without
// recursion, a bit a level for whether it is an object.
func (s *scanner) skip() error {
	var objects uint64 // bit d: level d+1 is an object
	depth := 0
	for {
		// A value.
		switch c := s.peek(); c {
		case '{', '[':
			if depth == maxSkipDepth {
				return errDeep
			}
			s.i++
			objects <<= 1
			if c == '{' {
				objects |= 1
			}
			depth++
			if c == '{' && s.peek() == '}' || c == '[' && s.peek() == ']' {
				s.i++
				objects >>= 1
				depth--
				break
			}
			if c == '{' {
				if _, _, err := s.member(); err != nil {
					return err
				}
			}
			continue
		default:
			if err := s.scalar(); err != nil {
				return err
			}
		}
		// After a value: the next member or element, or the ends of containers.
		for {
			if depth == 0 {
				return nil
			}
			c := s.peek()
			if c == ',' {
				s.i++
				if objects&1 == 1 {
					if _, _, err := s.member(); err != nil {
						return err
					}
				}
				break
			}
			if objects&1 == 1 && c == '}' || objects&1 == 0 && c == ']' {
				s.i++
				objects >>= 1
				depth--
				continue
			}
			return errSyntax
		}
	}
}

// member reads a member's name and the colon after it, and returns the name
// with its quotes and whether it holds escapes.
func (s *scanner) member() (name []byte, esc bool, err error) {
	if s.peek() != '"' {
		return nil, false, errSyntax
	}
	if name, esc, err = s.str(); err != nil {
		return nil, false, err
	}
	if s.peek() != ':' {
		return nil, false, errSyntax
	}
	s.i++
	return name, esc, nil
}

// next reads past the ',' between two members or elements and reports
// true, or past the closer and reports false.
func (s *scanner) next(closer byte) (bool, error) {
	switch s.peek() {
	case ',':
		s.i++
		return true, nil
	case closer:
		s.i++
		return false, nil
	}
	return false, errSyntax
}

// open reads past the opener of a container and reports whether it has a
// first member or element (false: it was empty and is read to its end).
func (s *scanner) open(closer byte) bool {
	s.i++
	if s.peek() == closer {
		s.i++
		return false
	}
	return true
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}
