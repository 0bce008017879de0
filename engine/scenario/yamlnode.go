package scenario

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// Scenario and profile files are checked against their Go form node by node
// before they are decoded: an unknown field or a value of the wrong kind is
// an *Error at the node's line and column, worded here, with the fix. yaml's
// own decoding errors are text only; nothing is read out of them.

// parseNode parses data into its node tree. A syntax error is the one error
// yaml gives without a node: its line is read from the message, the only
// place yaml.v3 reports it. A file holds one YAML document: a second one
// (after ---) is an error at its line, not left unread.
func parseNode(fileName string, data []byte) (*yaml.Node, error) {
	if root := parsed.get(data); root != nil {
		return root, nil
	}
	root, err := parseNodeOnce(fileName, data)
	if err == nil {
		parsed.put(data, root)
	}
	return root, err
}

// parsed keeps the last few trees parseNode made, by their text: a run
// loads its scenario several times (the flags' checks, the target's check,
// the run itself), each with its built-in base, and parsing is most of a
// load's cost. The trees are only read after parsing. Few are kept: a
// long-lived engine (the plugin's) loads many scenarios in its life.
var parsed nodeCache

const nodeCacheSize = 8

type nodeCache struct {
	mu    sync.Mutex
	texts [nodeCacheSize]string
	roots [nodeCacheSize]*yaml.Node
	next  int
}

func (c *nodeCache) get(data []byte) *yaml.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, t := range c.texts {
		if c.roots[i] != nil && t == string(data) {
			return c.roots[i]
		}
	}
	return nil
}

func (c *nodeCache) put(data []byte, root *yaml.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts[c.next], c.roots[c.next] = string(data), root
	c.next = (c.next + 1) % nodeCacheSize
}

func parseNodeOnce(fileName string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && err != io.EOF {
		return nil, syntaxError(fileName, err)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(fileName, err)
		}
		if len(next.Content) == 0 || next.Content[0].Tag == "!!null" && next.Content[0].Value == "" {
			continue // a --- with nothing after it
		}
		return nil, &Error{File: fileName, Line: next.Content[0].Line, Message: "a second YAML document (after ---): the file holds one, the rest would be ignored; " +
			"remove the --- and merge the two, or put the second in a file of its own"}
	}
	return &root, nil
}

// syntaxError is a yaml syntax error as an *Error at its line.
func syntaxError(fileName string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: fileName, Message: msg}
	if _, serr := fmt.Sscanf(msg, "line %d:", &e.Line); serr == nil {
		_, e.Message, _ = strings.Cut(msg, ": ")
	}
	e.Message += " (a YAML syntax error: check the indentation and the brackets and quotes)"
	return e
}

// decodeNode checks root against out's type (checkNode), then decodes it;
// doc is where the file's format is described.
func decodeNode(fileName, doc string, root *yaml.Node, out any) error {
	if err := checkNode(root, reflect.TypeOf(out), ""); err != nil {
		err.File = fileName
		err.Message += " (" + doc + ")"
		return err
	}
	if err := root.Decode(out); err != nil {
		return &Error{File: fileName, Message: err.Error()} // checkNode lets nothing through that fails here
	}
	return nil
}

// checkNode reports the first node that does not fit t: a key that is no
// field of a struct, a list or mapping where a value is wanted (or the other
// way round), a value that does not parse as its field's kind. path names the
// node (archetypes.admin.weight).
func checkNode(n *yaml.Node, t reflect.Type, path string) *Error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		n = n.Content[0]
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // left out: the zero value
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return wrongKind(n, path, "a mapping of fields (name: value)")
		}
		if err := checkKeysOnce(n, path); err != nil {
			return err
		}
		return checkFields(n, t, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return wrongKind(n, path, "a mapping (name: value)")
		}
		if err := checkKeysOnce(n, path); err != nil {
			return err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkNode(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return wrongKind(n, path, "a list, e.g. [a, b] or one \"- item\" per line")
		}
		for i, c := range n.Content {
			if err := checkNode(c, t.Elem(), joinPath(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	}
	want := scalarKind(t)
	if n.Kind != yaml.ScalarNode {
		return wrongKind(n, path, want)
	}
	if !scalarFits(n, t) || n.Decode(reflect.New(t).Interface()) != nil {
		return wrongKind(n, path, want)
	}
	return nil
}

// scalarFits is stricter than yaml, which cuts 2.5 down to 2 for a whole
// number: a number's field takes a number, a flag true or false.
func scalarFits(n *yaml.Node, t reflect.Type) bool {
	tag := n.ShortTag()
	switch t.Kind() {
	case reflect.Bool:
		return tag == "!!bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return tag == "!!int"
	case reflect.Float32, reflect.Float64:
		return tag == "!!int" || tag == "!!float"
	}
	return true
}

// checkKeysOnce reports a key a mapping gives twice (yaml would refuse it
// only when decoding, in words of its own), at the second one.
func checkKeysOnce(n *yaml.Node, path string) *Error {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Tag == "!!merge" {
			continue
		}
		if first, ok := seen[k.Value]; ok {
			return &Error{Line: k.Line, Column: k.Column, Field: joinPath(path, k.Value),
				Message: fmt.Sprintf("%q is given twice (first at line %d); keep one of them", k.Value, first.Line)}
		}
		seen[k.Value] = k
	}
	return nil
}

// checkFields checks a mapping against a struct's yaml fields.
func checkFields(n *yaml.Node, t reflect.Type, path string) *Error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" { // <<: *anchor merges a mapping's fields
			if err := checkNode(v, t, path); err != nil {
				return err
			}
			continue
		}
		f, ok := fieldOf(t, k.Value)
		if !ok {
			return &Error{Line: k.Line, Column: k.Column, Field: joinPath(path, k.Value),
				Message: fmt.Sprintf("unknown field %q; the fields here are %s", k.Value, strings.Join(fieldNames(t), ", "))}
		}
		if err := checkNode(v, f.Type, joinPath(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

// fieldOf finds the struct field whose yaml name is name.
func fieldOf(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// yamlName is a field's name in YAML ("" for a field YAML does not see).
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name) // yaml's default
	}
	return name
}

// scalarKind says what a value of kind t is written as.
func scalarKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, e.g. 3"
	case reflect.Float32, reflect.Float64:
		return "a number, e.g. 0.5"
	}
	return "a single value (text)"
}

// wrongKind is the error of a node that is not what its field takes.
func wrongKind(n *yaml.Node, path, want string) *Error {
	got := strconv.Quote(n.Value)
	switch n.Kind {
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.SequenceNode:
		got = "a list"
	}
	return &Error{Line: n.Line, Column: n.Column, Field: path, Message: fmt.Sprintf("%s: want %s", got, want)}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keyAt finds the node of the key at path (as deep as it exists): where a
// mistake found after decoding is reported.
func keyAt(root *yaml.Node, path ...string) *yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	var at *yaml.Node
	for len(path) > 0 {
		p := path[0]
		path = path[1:]
		if n.Kind == yaml.SequenceNode {
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return at
			}
			n = n.Content[i]
			at = n
			continue
		}
		if n.Kind != yaml.MappingNode {
			return at
		}
		found := false
		// A key may itself hold dots (routes: {users.get: …}): try the
		// longest run of the path's parts first.
		for k := len(path); k >= 0 && !found; k-- {
			key := strings.Join(append([]string{p}, path[:k]...), ".")
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					at = n.Content[i]
					n = n.Content[i+1]
					path = path[k:]
					found = true
					break
				}
			}
		}
		if !found {
			return at
		}
	}
	return at
}

// place sets e's file and position from the key its field names.
func (e *Error) place(fileName string, root *yaml.Node) *Error {
	e.File = fileName
	if at := keyAt(root, strings.Split(e.Field, ".")...); at != nil {
		e.Line, e.Column = at.Line, at.Column
	}
	return e
}
