package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestErrorPositions: unknown fields, values of the wrong kind and bad
// durations, in scenario files and API profiles, are reported at their line
// and column, naming the field and the fix — found from yaml's nodes.
func TestErrorPositions(t *testing.T) {
	cases := []struct {
		name, yaml   string
		profile      bool // parsed as an API profile, not a scenario
		line, column int
		field, msg   string
	}{
		{"unknown top-level field", "base: mixed\nmixx: {auth: 1}\n", false, 2, 1, "mixx", `unknown field "mixx"; the fields here are name, description, base, archetypes`},
		{"unknown nested field", "base: mixed\narchetypes:\n  admin:\n    weight: 1\n    jouney: [login]\n", false, 5, 5, "archetypes.admin.jouney", `unknown field "jouney"; the fields here are weight, admin, sessions, journey`},
		{"unknown field in a list item", "requests:\n  - name: home\n    path: /\n    verb: GET\n", false, 4, 5, "requests.0.verb", `unknown field "verb"`},
		{"number as text", "base: mixed\nmix:\n  auth: lots\n", false, 3, 9, "mix.auth", `"lots": want a number, e.g. 0.5`},
		{"whole number as fraction", "base: mixed\nload:\n  rate: 5/s\n  max_vus: 2.5\n", false, 4, 12, "load.max_vus", `"2.5": want a whole number`},
		{"bool as text", "base: mixed\narchetypes:\n  admin:\n    admin: sometimes\n", false, 4, 12, "archetypes.admin.admin", `"sometimes": want true or false`},
		{"list for a mapping", "base: mixed\nmix: [auth, user_query]\n", false, 2, 6, "mix", "a list: want a mapping"},
		{"mapping for a list", "base: mixed\narchetypes:\n  admin:\n    journey: {login: 1}\n", false, 4, 14, "archetypes.admin.journey", "a mapping: want a list"},
		{"mapping for a value", "base: mixed\nerrors:\n  client: {share: 1}\n", false, 3, 11, "errors.client", "a mapping: want a number"},
		{"bad duration", "base: mixed\nload:\n  ramp_up: soon\n", false, 3, 3, "load.ramp_up", `"soon": want a duration such as 30s or 2m`},
		{"bad stage duration", "base: mixed\nload:\n  stages: [ten:5]\n", false, 3, 3, "load.stages", `"ten:5"`},
		{"bad threshold duration", "base: mixed\nthresholds:\n  - p95<soon\n", false, 3, 5, "thresholds.0", `latency limit "soon" is not a duration`},
		{"profile unknown field", "base_path: /v2\ntokens:\n  access: jwt\n", true, 2, 1, "tokens", `unknown field "tokens"; the fields here are base_path, routes, login, token`},
		{"profile unknown nested field", "token:\n  acess: jwt\n", true, 2, 3, "token.acess", `unknown field "acess"`},
		{"profile wrong type", "statuses:\n  not_found: missing\n", true, 2, 14, "statuses.not_found", `"missing": want a whole number`},
		{"profile routes as list", "routes:\n  - /users\n", true, 2, 3, "routes", "a list: want a mapping"},
		{"profile bad value", "id_kind: guid\n", true, 1, 1, "id_kind", "integer, uuid or string"},
		{"syntax error", "base: mixed\nmix: [\n", false, 2, 0, "", "YAML syntax error"},
		{"key given twice", "base: mixed\nname: a\nname: b\n", false, 3, 1, "name", `"name" is given twice (first at line 2); keep one`},
		{"map key given twice", "base: mixed\nmix:\n  auth: 1\n  auth: 2\n", false, 4, 3, "mix.auth", `"auth" is given twice`},
		{"connections key given twice", "base: mixed\nconnections: {auth: 2, auth: 3}\n", false, 2, 24, "connections.auth", `"auth" is given twice`},
		{"profile key given twice", "base_path: /v2\nbase_path: /v3\n", true, 2, 1, "base_path", `"base_path" is given twice`},
		{"second document", "base: mixed\n---\nbase: admin\n", false, 3, 0, "", "a second YAML document (after ---)"},
		{"profile second document", "---\nbase_path: /v2\n---\nbase_path: /v3\n", true, 4, 0, "", "a second YAML document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.profile {
				_, err = ParseProfile([]byte(tc.yaml), "my.yaml")
			} else {
				_, err = Parse([]byte(tc.yaml), "my.yaml")
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want *scenario.Error", err, err)
			}
			if se.File != "my.yaml" || se.Line != tc.line || se.Column != tc.column || se.Field != tc.field || !strings.Contains(se.Message, tc.msg) {
				t.Errorf("got %d:%d field %q message %q; want %d:%d field %q message containing %q",
					se.Line, se.Column, se.Field, se.Message, tc.line, tc.column, tc.field, tc.msg)
			}
		})
	}
}

// A run loads its scenario several times, so parsed trees are kept by their
// text (parsed). A kept tree is shared: a load must not change it, and what a
// load returns must not depend on whether its text was parsed before.
func TestParsedTreesAreShared(t *testing.T) {
	fresh := func(name string) *Scenario {
		t.Helper()
		parsed = nodeCache{}
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	wantMixed, wantAdmin := fresh("mixed"), fresh("admin") // admin builds on mixed

	// A file over mixed that overrides an archetype in part and adds one: its
	// decoding goes over a copy of mixed's, never into the kept tree.
	over := []byte("base: mixed\narchetypes:\n  admin: {weight: 9}\n  extra: {weight: 1, journey: [login, me, logout]}\n")
	for i := range 3 {
		s, err := Parse(over, "over.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if got := archetype(s, "admin").Weight; got != 9 {
			t.Fatalf("load %d: admin weight %v, want 9", i, got)
		}
		if archetype(s, "extra").Name == "" {
			t.Fatalf("load %d: the file's own archetype is missing", i)
		}
	}
	for name, want := range map[string]*Scenario{"mixed": wantMixed, "admin": wantAdmin} {
		got, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("built-in %s after loading a file over it differs from a fresh load:\n got %+v\nwant %+v", name, got, want)
		}
	}

	// Loads from many goroutines share the trees (go test -race).
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s, err := Parse(over, "over.yaml")
			if err != nil || archetype(s, "admin").Weight != 9 {
				t.Errorf("concurrent load: %v, %+v", err, s)
			}
		})
	}
	wg.Wait()

	// Few trees are kept; a text that failed to parse is not.
	for i := range 3 * nodeCacheSize {
		if _, err := Parse(fmt.Appendf(nil, "name: s%d\nrequests:\n  - {name: get_x, method: GET, path: /x}\n", i), "many.yaml"); err != nil {
			t.Fatal(err)
		}
	}
	bad := []byte("name: [unclosed\n")
	for range 2 {
		if _, err := Parse(bad, "bad.yaml"); err == nil {
			t.Fatal("a syntax error was not reported")
		}
	}
	kept := 0
	for i, r := range parsed.roots {
		if r != nil {
			kept++
			if parsed.texts[i] == string(bad) {
				t.Error("a text that failed to parse was kept")
			}
		}
	}
	if kept > nodeCacheSize {
		t.Errorf("%d trees kept, at most %d", kept, nodeCacheSize)
	}
}

func archetype(s *Scenario, name string) Archetype {
	i := slices.IndexFunc(s.Archetypes, func(a Archetype) bool { return a.Name == name })
	if i < 0 {
		return Archetype{}
	}
	return s.Archetypes[i]
}
