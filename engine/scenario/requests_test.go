package scenario

import (
	"errors"
	"strings"
	"testing"
)

func TestPlainScenario(t *testing.T) {
	s, err := Parse([]byte(`
name: get
requests:
  - name: home
    path: /
    weight: 3
  - name: post_item
    method: post
    path: /items?vu={{vu}}
    headers: {X-Seq: "{{seq}}"}
    body: '{"n": {{rand}}, "run": "{{run}}"}'
    think: form
    expect: 201
    group: items
`), "get.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Plain || len(s.Archetypes) != 1 || s.Archetypes[0].Name != PlainArchetype || len(s.Archetypes[0].Journey) != 0 {
		t.Fatalf("plain %v archetypes %+v", s.Plain, s.Archetypes)
	}
	if len(s.Requests) != 2 {
		t.Fatalf("%d requests", len(s.Requests))
	}
	home, post := s.Requests[0], s.Requests[1]
	if home.Weight != 3 || home.Think != ThinkQuick || home.Spec.HasBody || home.Expect != 0 {
		t.Errorf("home %+v", home)
	}
	if post.Weight != 1 || post.Think != ThinkForm || !post.Spec.HasBody || post.Expect != 201 || post.Spec.Group != "items" ||
		post.Spec.Headers["X-Seq"] != "{{seq}}" {
		t.Errorf("post_item %+v", post)
	}
	if s.StepThink("post_item") != ThinkForm || s.StepThink("login") != Action("login").Think {
		t.Error("StepThink")
	}
}

func TestJourneyNamesRequests(t *testing.T) {
	s, err := Parse([]byte(`
archetypes:
  visitor: {weight: 1, journey: [signup, login, health, logout]}
mix: {user_query: 1}
requests:
  - {name: health, path: /healthz, think: read}
`), "j.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Plain || s.Request("health") == nil || s.StepThink("health") != ThinkRead {
		t.Fatalf("plain %v request %+v", s.Plain, s.Request("health"))
	}
}

func TestPlainScenarioErrors(t *testing.T) {
	cases := []struct {
		name, yaml, field, msg string
		line                   int
	}{
		{"placeholder", "requests:\n  - name: a\n    method: POST\n    path: /\n    body: '{{nope}}'\n", "requests.0.body", "unknown placeholder {{nope}}", 5},
		{"get body", "requests:\n  - name: a\n    path: /\n    body: '{}'\n", "requests.0.body", "GET request cannot carry a body", 4},
		{"unclosed", "requests:\n  - name: a\n    path: /x/{{vu\n", "requests.0.path", "unclosed placeholder", 3},
		{"path", "requests:\n  - name: a\n    path: http://example.com/\n", "requests.0.path", "must start with /", 3},
		{"method", "requests:\n  - name: a\n    method: 'GE T'\n    path: /\n", "requests.0.method", "HTTP method", 3},
		{"header", "requests:\n  - name: a\n    path: /\n    headers: {Host: x}\n", "requests.0.headers.Host", "set by the client", 4},
		{"name", "requests:\n  - name: login\n    path: /\n", "requests.0.name", "built-in action", 2},
		{"dup", "requests:\n  - {name: a, path: /}\n  - {name: a, path: /b}\n", "requests.1.name", "earlier request", 3},
		{"think", "requests:\n  - {name: a, path: /, think: slow}\n", "requests.0.think", "quick, read, form, pause", 2},
		{"expect", "requests:\n  - {name: a, path: /, expect: 42}\n", "requests.0.expect", "100 to 599", 2},
		{"expect 0", "requests:\n  - {name: a, path: /, expect: 0}\n", "requests.0.expect", "0: use an HTTP status from 100 to 599, e.g. 201, or leave expect out", 2},
		{"weights", "requests:\n  - {name: a, path: /, weight: 0}\n", "requests", "weight above 0", 1},
		{"mix", "mix: {auth: 1}\nrequests:\n  - {name: a, path: /}\n", "mix", "plain scenario", 1},
		{"auth", "requests:\n  - {name: a, path: /, auth: true}\n", "requests.0.auth", "no accounts", 2},
		{"journey", "archetypes:\n  x: {weight: 1, journey: [login, nope]}\nmix: {auth: 1}\nrequests:\n  - {name: a, path: /}\n", "archetypes.x.journey.1", "names of the file's requests", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), "p.yaml")
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want *Error", err)
			}
			if se.Field != c.field || !strings.Contains(se.Message, c.msg) || se.Line != c.line {
				t.Errorf("got %s (field %q line %d), want field %q line %d containing %q", err, se.Field, se.Line, c.field, c.line, c.msg)
			}
		})
	}
}
