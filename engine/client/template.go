package client

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/trafficsim/trafficsim/engine/tracing"
)

// Template variables of plain requests (docs/scenarios.md).
const (
	VarVU   = "vu"   // the VU's index, 0-based
	VarSeq  = "seq"  // the VU's request number, 1-based
	VarRand = "rand" // a random number in [0, 2^31)
	VarRun  = "run"  // the run's id
)

// TemplateVars are the values a Template is rendered with.
type TemplateVars struct {
	VU   int
	Seq  int
	Rand uint32
	Run  string
	// Trace, when tracing is on, is the request's W3C trace context (nil: off).
	Trace *tracing.Request
}

type tplVar uint8

const (
	tplText tplVar = iota
	tplVU
	tplSeq
	tplRand
	tplRun
)

type tplPart struct {
	text string
	v    tplVar
}

// Template is text with {{vu}}, {{seq}}, {{rand}} and {{run}} placeholders,
// split once at load so rendering is a few appends. A template without
// placeholders renders to the same string every time, without allocating.
type Template struct {
	src   string
	parts []tplPart
}

// ParseTemplate compiles s. An unknown or unclosed placeholder is an error
// naming it.
func ParseTemplate(s string) (Template, error) {
	t := Template{src: s}
	rest := s
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, tplPart{text: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{text: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return Template{}, fmt.Errorf("unclosed placeholder %q: write {{vu}}, {{seq}}, {{rand}} or {{run}}", rest[i:])
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		var v tplVar
		switch name {
		case VarVU:
			v = tplVU
		case VarSeq:
			v = tplSeq
		case VarRand:
			v = tplRand
		case VarRun:
			v = tplRun
		default:
			return Template{}, fmt.Errorf("unknown placeholder {{%s}}: use {{vu}}, {{seq}}, {{rand}} or {{run}}", name)
		}
		t.parts = append(t.parts, tplPart{v: v})
		rest = rest[i+j+2:]
	}
	return t, nil
}

// MustTemplate is ParseTemplate for templates known to be valid.
func MustTemplate(s string) Template {
	t, err := ParseTemplate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// Source is the template's text as written.
func (t *Template) Source() string { return t.src }

// Static reports whether the template has no placeholders.
func (t *Template) Static() bool {
	for _, p := range t.parts {
		if p.v != tplText {
			return false
		}
	}
	return true
}

// Append renders the template onto dst.
func (t *Template) Append(dst []byte, vars *TemplateVars) []byte {
	for _, p := range t.parts {
		switch p.v {
		case tplText:
			dst = append(dst, p.text...)
		case tplVU:
			dst = strconv.AppendInt(dst, int64(vars.VU), 10)
		case tplSeq:
			dst = strconv.AppendInt(dst, int64(vars.Seq), 10)
		case tplRand:
			dst = strconv.AppendUint(dst, uint64(vars.Rand), 10)
		case tplRun:
			dst = append(dst, vars.Run...)
		}
	}
	return dst
}

// Render returns the template rendered; a static template returns its text.
func (t *Template) Render(vars *TemplateVars) string {
	if t.Static() {
		return t.src
	}
	var buf [128]byte
	return string(t.Append(buf[:0], vars))
}
